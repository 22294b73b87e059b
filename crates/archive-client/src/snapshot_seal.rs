//! The checksum trailer that seals a snapshot recording: [`seal`] builds it, [`verify_seal`] checks it.
//!
//! A snapshot is a list of messages. Aeron's snapshot markers say where the container's part begins
//! and ends, but nothing in Aeron's format detects a flipped byte in the application state after the END
//! marker, or a recording cut short after a complete message. fulmar appends one more message to every
//! snapshot recording: a trailer holding the number of messages before it, their total length and the
//! CRC-32C of every message preceded by its length (so message boundaries count too).
//!
//! Trailer layout (32 bytes, little-endian, SBE-style header so no cluster decoder mistakes it for one of
//! its own messages): `block_length:u16 = 20`, `template_id:u16 = 1`, `schema_id:u16 = 0x4655`,
//! `version:u16 = 1`, then `message_count:i64`, `byte_length:i64`, `crc32c:u32`.
//!
//! Invariants: [`verify_seal`] never panics; it accepts a list only if its last message is a trailer
//! and every count, length and the checksum match what precedes it.

use agrona::crc32c::crc32c_extend;

/// Schema id of the trailer ("FU").
pub const SNAPSHOT_SEAL_SCHEMA_ID: u16 = 0x4655;
/// Template id of the trailer.
pub const SNAPSHOT_SEAL_TEMPLATE_ID: u16 = 1;
/// Length of the trailer message in bytes.
pub const SNAPSHOT_SEAL_LENGTH: usize = 8 + 20;
const BLOCK_LENGTH: u16 = 20;
const VERSION: u16 = 1;

/// Why a sealed message list was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// No messages at all.
    #[error("snapshot is empty (no checksum trailer)")]
    Empty,
    /// The last message is not a trailer.
    #[error("snapshot has no checksum trailer: it is incomplete or not a fulmar snapshot")]
    MissingTrailer,
    /// The trailer counts a different number of messages.
    #[error("snapshot holds {found} messages before its trailer, the trailer says {expected}")]
    MessageCount {
        /// Count recorded in the trailer.
        expected: i64,
        /// Messages found.
        found: i64,
    },
    /// The messages' total length differs from the trailer's.
    #[error("snapshot messages hold {found} bytes, the trailer says {expected}")]
    ByteLength {
        /// Length recorded in the trailer.
        expected: i64,
        /// Length found.
        found: i64,
    },
    /// The checksum differs: the content is corrupt.
    #[error("snapshot checksum mismatch: trailer {expected:#010x}, content {found:#010x}")]
    Checksum {
        /// Checksum recorded in the trailer.
        expected: u32,
        /// Checksum of the content.
        found: u32,
    },
}

fn checksum<M: AsRef<[u8]>>(messages: &[M]) -> (u32, i64) {
    let mut crc = 0u32;
    let mut bytes = 0i64;
    for message in messages {
        let message = message.as_ref();
        crc = crc32c_extend(crc, &(message.len() as u32).to_le_bytes());
        crc = crc32c_extend(crc, message);
        bytes += message.len() as i64;
    }
    (crc, bytes)
}

/// The trailer sealing `messages` (append it after them).
pub fn seal<M: AsRef<[u8]>>(messages: &[M]) -> Vec<u8> {
    let (crc, bytes) = checksum(messages);
    let mut trailer = Vec::with_capacity(SNAPSHOT_SEAL_LENGTH);
    trailer.extend_from_slice(&BLOCK_LENGTH.to_le_bytes());
    trailer.extend_from_slice(&SNAPSHOT_SEAL_TEMPLATE_ID.to_le_bytes());
    trailer.extend_from_slice(&SNAPSHOT_SEAL_SCHEMA_ID.to_le_bytes());
    trailer.extend_from_slice(&VERSION.to_le_bytes());
    trailer.extend_from_slice(&(messages.len() as i64).to_le_bytes());
    trailer.extend_from_slice(&bytes.to_le_bytes());
    trailer.extend_from_slice(&crc.to_le_bytes());
    trailer
}

fn is_trailer(message: &[u8]) -> bool {
    message.len() == SNAPSHOT_SEAL_LENGTH
        && message[0..2] == BLOCK_LENGTH.to_le_bytes()
        && message[2..4] == SNAPSHOT_SEAL_TEMPLATE_ID.to_le_bytes()
        && message[4..6] == SNAPSHOT_SEAL_SCHEMA_ID.to_le_bytes()
        && message[6..8] == VERSION.to_le_bytes()
}

fn read_i64(bytes: &[u8], offset: usize) -> i64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[offset..offset + 8]);
    i64::from_le_bytes(word)
}

/// Checks that the last message of `messages` seals the ones before it; returns how many precede it.
pub fn verify_seal<M: AsRef<[u8]>>(messages: &[M]) -> Result<usize, SealError> {
    let (trailer, content) = messages.split_last().ok_or(SealError::Empty)?;
    let trailer = trailer.as_ref();
    if !is_trailer(trailer) {
        return Err(SealError::MissingTrailer);
    }
    let expected_count = read_i64(trailer, 8);
    if expected_count != content.len() as i64 {
        return Err(SealError::MessageCount { expected: expected_count, found: content.len() as i64 });
    }
    let (crc, bytes) = checksum(content);
    let expected_bytes = read_i64(trailer, 16);
    if expected_bytes != bytes {
        return Err(SealError::ByteLength { expected: expected_bytes, found: bytes });
    }
    let mut word = [0u8; 4];
    word.copy_from_slice(&trailer[24..28]);
    let expected_crc = u32::from_le_bytes(word);
    if expected_crc != crc {
        return Err(SealError::Checksum { expected: expected_crc, found: crc });
    }
    Ok(content.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealed(messages: &[&[u8]]) -> Vec<Vec<u8>> {
        let mut list: Vec<Vec<u8>> = messages.iter().map(|m| m.to_vec()).collect();
        list.push(seal(&list));
        list
    }

    #[test]
    fn a_sealed_list_verifies() {
        let list = sealed(&[b"begin", b"", b"state", b"end"]);
        assert_eq!(verify_seal(&list), Ok(4));
        assert_eq!(verify_seal(&sealed(&[])), Ok(0));
    }

    #[test]
    fn any_flipped_byte_or_moved_boundary_is_detected() {
        let list = sealed(&[b"begin", b"application state", b"end"]);
        for message in 0..list.len() {
            for byte in 0..list[message].len() {
                let mut corrupt = list.clone();
                corrupt[message][byte] ^= 0x01;
                assert!(verify_seal(&corrupt).is_err(), "flip in message {message} byte {byte}");
            }
        }
        // Same bytes, different boundaries.
        let mut moved = list.clone();
        moved[0] = b"beginapplication".to_vec();
        moved[1] = b" state".to_vec();
        assert!(matches!(verify_seal(&moved), Err(SealError::Checksum { .. })));
    }

    #[test]
    fn a_truncated_or_unsealed_list_is_rejected() {
        let list = sealed(&[b"a", b"b"]);
        assert_eq!(verify_seal::<Vec<u8>>(&[]), Err(SealError::Empty));
        assert_eq!(verify_seal(&list[..2]), Err(SealError::MissingTrailer));
        let mut dropped = list.clone();
        dropped.remove(0);
        assert!(matches!(verify_seal(&dropped), Err(SealError::MessageCount { expected: 2, found: 1 })));
    }

    #[test]
    fn random_lists_never_panic() {
        let mut prng = agrona::Prng::from_seed(7);
        for _ in 0..2000 {
            let count = (prng.next_u64() % 4) as usize;
            let mut list: Vec<Vec<u8>> = (0..count)
                .map(|_| (0..prng.next_u64() % 40).map(|_| prng.next_u64() as u8).collect())
                .collect();
            if prng.next_u64().is_multiple_of(2) {
                let mut trailer = seal(&list);
                let at = (prng.next_u64() as usize) % trailer.len();
                trailer[at] ^= prng.next_u64() as u8;
                list.push(trailer);
            }
            let _ = verify_seal(&list);
        }
    }
}
