//! Channel endpoint status counters (Aeron `ChannelEndpointStatus`, `LocalSocketAddressStatus`): one
//! `snd-channel`/`rcv-channel` counter per channel endpoint, announced to clients as the
//! `channel_status_indicator_id` of their publications and subscriptions, and one
//! `snd-local-sockaddr`/`rcv-local-sockaddr` counter per bound socket, which is how a client learns the
//! address an ephemeral (`:0`) endpoint or control address was bound to.
//!
//! Byte layout (as Aeron 1.54):
//! - channel status key: `[i32 channel_length][channel ASCII, at most MAX_KEY_LENGTH - 4 bytes]`, label
//!   `"<name>: <channel> "`, value [`ACTIVE`] once the endpoint is open.
//! - local socket address key: `[i32 channel_status_id][i32 address_length][address ASCII]`, label
//!   `"<name>: <channel_status_id> <address>"`, value [`ACTIVE`]. The address is `ip:port`, IPv6 in
//!   brackets (`[::1]:40123`).
//!
//! Invariants: both counters carry the registration id of the resource that opened the endpoint; the
//! conductor frees them when the endpoint (or MDS destination) closes.

use agrona::{CountersError, CountersManager, MAX_KEY_LENGTH};

/// Type id of a send channel endpoint's status counter (`snd-channel`).
pub const SEND_CHANNEL_STATUS_TYPE_ID: i32 = 6;
/// Type id of a receive channel endpoint's status counter (`rcv-channel`).
pub const RECEIVE_CHANNEL_STATUS_TYPE_ID: i32 = 7;
/// Type id of a send socket's bound address counter (`snd-local-sockaddr`).
pub const SEND_LOCAL_SOCKADDR_TYPE_ID: i32 = 13;
/// Type id of a receive socket's bound address counter (`rcv-local-sockaddr`).
pub const RECEIVE_LOCAL_SOCKADDR_TYPE_ID: i32 = 14;
/// Channel status value: the endpoint is open and working.
pub const ACTIVE: i64 = 1;
/// Channel status value: the endpoint is closing.
pub const CLOSING: i64 = 2;

/// Longest address text Aeron stores (`[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65536`).
const MAX_ADDRESS_LENGTH: usize = 53;

/// Allocates a channel status counter `name` (`snd-channel` or `rcv-channel`) of `type_id` for `channel`,
/// owned by `registration_id`, with value [`ACTIVE`]. Returns its id.
pub fn allocate_channel_status(
    counters: &mut CountersManager,
    name: &str,
    type_id: i32,
    registration_id: i64,
    channel: &str,
    now_ms: i64,
) -> Result<i32, CountersError> {
    let channel_bytes = &channel.as_bytes()[..channel.len().min(MAX_KEY_LENGTH - 4)];
    let mut key = Vec::with_capacity(4 + channel_bytes.len());
    key.extend_from_slice(&(channel_bytes.len() as i32).to_le_bytes());
    key.extend_from_slice(channel_bytes);
    let label = format!("{name}: {channel} ");
    let id = counters.allocate(type_id, &key, &label, now_ms)?;
    counters.set_counter_registration_id(id, registration_id);
    counters.set_counter_value(id, ACTIVE);
    Ok(id)
}

/// Allocates a local socket address counter `name` (`snd-local-sockaddr` or `rcv-local-sockaddr`) of
/// `type_id` linked to channel status counter `channel_status_id`, holding `address`, owned by
/// `registration_id`, with value [`ACTIVE`]. Returns its id.
pub fn allocate_local_sockaddr(
    counters: &mut CountersManager,
    name: &str,
    type_id: i32,
    registration_id: i64,
    channel_status_id: i32,
    address: &str,
    now_ms: i64,
) -> Result<i32, CountersError> {
    let address_bytes = &address.as_bytes()[..address.len().min(MAX_ADDRESS_LENGTH)];
    let mut key = Vec::with_capacity(8 + address_bytes.len());
    key.extend_from_slice(&channel_status_id.to_le_bytes());
    key.extend_from_slice(&(address_bytes.len() as i32).to_le_bytes());
    key.extend_from_slice(address_bytes);
    let label = format!("{name}: {channel_status_id} {address}");
    let id = counters.allocate(type_id, &key, &label, now_ms)?;
    counters.set_counter_registration_id(id, registration_id);
    counters.set_counter_value(id, ACTIVE);
    Ok(id)
}

#[cfg(test)]
mod tests {
    use agrona::{AtomicBuffer, COUNTER_LENGTH, METADATA_LENGTH};

    use super::*;

    #[test]
    fn lays_out_keys_and_labels_as_aeron() {
        let mut counters = CountersManager::new(
            AtomicBuffer::heap(METADATA_LENGTH * 8),
            AtomicBuffer::heap(COUNTER_LENGTH * 8),
            0,
        );
        let channel = "aeron:udp?endpoint=127.0.0.1:0";
        let status = allocate_channel_status(&mut counters, "rcv-channel", 7, 42, channel, 0).unwrap();
        let address = allocate_local_sockaddr(
            &mut counters,
            "rcv-local-sockaddr",
            14,
            42,
            status,
            "127.0.0.1:40123",
            0,
        )
        .unwrap();
        let reader = counters.reader();
        let key = reader.counter_key(status);
        assert_eq!(i32::from_le_bytes(key[0..4].try_into().unwrap()), channel.len() as i32);
        assert_eq!(&key[4..4 + channel.len()], channel.as_bytes());
        assert_eq!(reader.counter_label(status), format!("rcv-channel: {channel} "));
        assert_eq!(reader.counter_value(status), ACTIVE);
        assert_eq!(reader.counter_registration_id(status), 42);
        let key = reader.counter_key(address);
        assert_eq!(i32::from_le_bytes(key[0..4].try_into().unwrap()), status);
        assert_eq!(i32::from_le_bytes(key[4..8].try_into().unwrap()), 15);
        assert_eq!(&key[8..23], b"127.0.0.1:40123");
        assert_eq!(reader.counter_type_id(address), 14);
        assert_eq!(reader.counter_label(address), format!("rcv-local-sockaddr: {status} 127.0.0.1:40123"));
        assert_eq!(reader.counter_value(address), ACTIVE);
    }
}
