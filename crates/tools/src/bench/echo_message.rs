//! [`EchoMessage`]: the layout of one `fulmar bench cluster` message, stamped with its sequence number
//! and its *intended* send time (so a sender that falls behind shows up as latency: no coordinated
//! omission) and closed by a checksum over everything before it.
//!
//! Layout (little-endian): `[0, 8)` sequence, `[8, 16)` intended send time in ns since the run's epoch,
//! `[16, len - 8)` filler bytes derived from the sequence, `[len - 8, len)` FNV-1a 64 of `[0, len - 8)`.
//!
//! Invariants: [`EchoMessage::verify`] never panics on any input (a reply comes from the network); a
//! message passes only if its length, checksum and filler are all as written.

/// Smallest message: sequence, stamp and checksum.
pub const MIN_MESSAGE_LENGTH: usize = 24;

/// A verified message's stamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EchoMessage {
    /// The sender's sequence number (0, 1, 2, ...).
    pub sequence: u64,
    /// When the sender meant to send it, in ns since the run's epoch.
    pub intended_send_ns: u64,
}

/// FNV-1a 64 over `bytes`.
fn checksum(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(0xcbf2_9ce4_8422_2325u64, |hash, &byte| (hash ^ byte as u64).wrapping_mul(0x100_0000_01b3))
}

fn filler(sequence: u64, index: usize) -> u8 {
    (sequence as u8).wrapping_add(index as u8)
}

impl EchoMessage {
    /// Writes this message into all of `buffer` (its length is the message length). Panics if `buffer`
    /// is shorter than [`MIN_MESSAGE_LENGTH`] (a programmer error: the length is checked at start-up).
    pub fn encode(&self, buffer: &mut [u8]) {
        assert!(buffer.len() >= MIN_MESSAGE_LENGTH, "echo messages need {MIN_MESSAGE_LENGTH} bytes");
        let end = buffer.len() - 8;
        buffer[..8].copy_from_slice(&self.sequence.to_le_bytes());
        buffer[8..16].copy_from_slice(&self.intended_send_ns.to_le_bytes());
        for (index, byte) in buffer[16..end].iter_mut().enumerate() {
            *byte = filler(self.sequence, index);
        }
        let sum = checksum(&buffer[..end]);
        buffer[end..].copy_from_slice(&sum.to_le_bytes());
    }

    /// Reads a message of `expected_length` bytes; `None` if the length, checksum or filler is wrong.
    pub fn verify(bytes: &[u8], expected_length: usize) -> Option<Self> {
        if bytes.len() != expected_length || bytes.len() < MIN_MESSAGE_LENGTH {
            return None;
        }
        let end = bytes.len() - 8;
        let stored = u64::from_le_bytes(bytes[end..].try_into().ok()?);
        if stored != checksum(&bytes[..end]) {
            return None;
        }
        let sequence = u64::from_le_bytes(bytes[..8].try_into().ok()?);
        let intended_send_ns = u64::from_le_bytes(bytes[8..16].try_into().ok()?);
        let filler_ok =
            bytes[16..end].iter().enumerate().all(|(index, &byte)| byte == filler(sequence, index));
        filler_ok.then_some(Self { sequence, intended_send_ns })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_corruption() {
        let message = EchoMessage { sequence: 77, intended_send_ns: 123_456_789 };
        let mut buffer = vec![0u8; 288];
        message.encode(&mut buffer);
        assert_eq!(EchoMessage::verify(&buffer, 288), Some(message));
        assert_eq!(EchoMessage::verify(&buffer, 200), None, "wrong length");
        assert_eq!(EchoMessage::verify(&buffer[..10], 10), None, "too short");
        for index in [0, 9, 100, 287] {
            let mut corrupt = buffer.clone();
            corrupt[index] ^= 0x40;
            assert_eq!(EchoMessage::verify(&corrupt, 288), None, "flipped byte {index}");
        }
        let mut smallest = vec![0u8; MIN_MESSAGE_LENGTH];
        message.encode(&mut smallest);
        assert_eq!(EchoMessage::verify(&smallest, MIN_MESSAGE_LENGTH), Some(message));
    }
}
