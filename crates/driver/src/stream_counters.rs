//! Allocation of per-resource counters with Aeron's type ids, keys and labels (`StreamCounter`,
//! `HeartbeatTimestamp`).
//!
//! Stream counter key: `registration_id:i64 @0 | session_id:i32 @8 | stream_id:i32 @12 |
//! channel_length:i32 @16 | channel @20` (channel truncated to 92 bytes). Label:
//! `<name>: <registrationId> <sessionId> <streamId> <channel>[ @<joinPosition>]`, truncated to 380 bytes.

use agrona::{CountersError, CountersManager, MAX_KEY_LENGTH, MAX_LABEL_LENGTH};

/// `pub-lmt`: how far publishers may write.
pub const PUBLISHER_LIMIT_TYPE_ID: i32 = 1;
/// `snd-pos`: how far the sender has sent.
pub const SENDER_POSITION_TYPE_ID: i32 = 2;
/// `rcv-hwm`: the highest position an image has received.
pub const RECEIVER_HWM_TYPE_ID: i32 = 3;
/// `rcv-pos`: the position up to which an image is complete.
pub const RECEIVER_POSITION_TYPE_ID: i32 = 5;
/// `snd-lmt`: the sender's flow-control limit.
pub const SENDER_LIMIT_TYPE_ID: i32 = 9;
/// `sub-pos`: a subscriber's position in an image.
pub const SUBSCRIBER_POSITION_TYPE_ID: i32 = 4;
/// `client-heartbeat`: a client's last heartbeat (epoch ms).
pub const CLIENT_HEARTBEAT_TYPE_ID: i32 = 11;
/// `pub-pos`: the producer position of a publication.
pub const PUBLISHER_POSITION_TYPE_ID: i32 = 12;

/// Longest channel kept in a stream counter key.
pub const MAX_CHANNEL_LENGTH: usize = MAX_KEY_LENGTH - 20;

fn truncate(text: &str, max: usize) -> &str {
    let mut length = text.len().min(max);
    while !text.is_char_boundary(length) {
        length -= 1;
    }
    &text[..length]
}

/// Which stream counter to allocate.
#[derive(Debug, Clone, Copy)]
pub struct StreamCounterSpec<'a> {
    /// The counter's name and type (`"pub-lmt"`, 1...).
    pub name: &'a str,
    /// Counter type id.
    pub type_id: i32,
    /// The owning client.
    pub client_id: i64,
    /// Registration id of the publication or subscription.
    pub registration_id: i64,
    /// Session id of the stream.
    pub session_id: i32,
    /// Stream id.
    pub stream_id: i32,
    /// Channel URI.
    pub channel: &'a str,
    /// Appended as ` @<position>` when set (subscriber positions).
    pub join_position: Option<i64>,
}

/// Allocates a stream counter; sets its registration id and owner id. Returns the counter id.
pub fn allocate_stream_counter(
    manager: &mut CountersManager,
    spec: &StreamCounterSpec<'_>,
    now_ms: i64,
) -> Result<i32, CountersError> {
    let channel = truncate(spec.channel, MAX_CHANNEL_LENGTH);
    let mut key = [0u8; MAX_KEY_LENGTH];
    key[0..8].copy_from_slice(&spec.registration_id.to_le_bytes());
    key[8..12].copy_from_slice(&spec.session_id.to_le_bytes());
    key[12..16].copy_from_slice(&spec.stream_id.to_le_bytes());
    key[16..20].copy_from_slice(&(channel.len() as i32).to_le_bytes());
    key[20..20 + channel.len()].copy_from_slice(channel.as_bytes());
    let key_length = 20 + channel.len();

    let mut label =
        format!("{}: {} {} {} ", spec.name, spec.registration_id, spec.session_id, spec.stream_id);
    let room = MAX_LABEL_LENGTH.saturating_sub(label.len());
    label.push_str(truncate(spec.channel, room));
    if let Some(position) = spec.join_position
        && label.len() < MAX_LABEL_LENGTH - 20
    {
        label.push_str(&format!(" @{position}"));
    }
    let counter_id = manager.allocate(spec.type_id, &key[..key_length], &label, now_ms)?;
    manager.set_counter_registration_id(counter_id, spec.registration_id);
    manager.set_counter_owner_id(counter_id, spec.client_id);
    Ok(counter_id)
}

/// Allocates a client's heartbeat counter (type 11, key = client id, label `client-heartbeat: id=<id>`),
/// with registration and owner id = the client id.
pub fn allocate_client_heartbeat(
    manager: &mut CountersManager,
    client_id: i64,
    now_ms: i64,
) -> Result<i32, CountersError> {
    let label = format!("client-heartbeat: id={client_id}");
    let counter_id = manager.allocate(CLIENT_HEARTBEAT_TYPE_ID, &client_id.to_le_bytes(), &label, now_ms)?;
    manager.set_counter_registration_id(counter_id, client_id);
    manager.set_counter_owner_id(counter_id, client_id);
    Ok(counter_id)
}
