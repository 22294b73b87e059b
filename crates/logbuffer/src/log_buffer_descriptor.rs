//! Log buffer layout constants and position arithmetic (reference §2.1–2.3), as Aeron's
//! `LogBufferDescriptor`.
//!
//! A log is [`PARTITION_COUNT`] terms of `term_length` bytes followed by [`LOG_META_DATA_LENGTH`] bytes of
//! metadata at the very end of the buffer (see [`crate::LogMetadata`] for its fields).
//!
//! Invariants:
//! - term lengths are powers of two in [`TERM_MIN_LENGTH`, `TERM_MAX_LENGTH`]; page sizes are powers of two in
//!   [`PAGE_MIN_SIZE`, `PAGE_MAX_SIZE`];
//! - term ids wrap around as 32-bit integers: `term_count = term_id - initial_term_id` is computed with
//!   wrapping subtraction, so positions stay correct across `i32::MAX -> i32::MIN`;
//! - `position = (term_count << position_bits_to_shift) + term_offset`, with `term_count` sign-extended as in
//!   Aeron (`(long)(activeTermId - initialTermId)`);
//! - a raw tail packs `term_id` in the high 32 bits and the tail offset in the low 32 bits; the offset may
//!   run past the term end (concurrent claimers keep adding), so readers clamp it with [`term_offset`].
//!
//! Every function here is pure and never panics, whatever its input.

use crate::LogBufferError;
use crate::frame_descriptor::HEADER_LENGTH;
pub use crate::frame_descriptor::{FRAME_ALIGNMENT, MAX_MESSAGE_LENGTH};
pub use crate::log_params::{LogParams, LogType};

/// Number of terms (partitions) in a log.
pub const PARTITION_COUNT: usize = 3;
/// Smallest term length (64 KiB).
pub const TERM_MIN_LENGTH: i32 = 64 * 1024;
/// Largest term length (1 GiB).
pub const TERM_MAX_LENGTH: i32 = 1 << 30;
/// Smallest file page size (4 KiB).
pub const PAGE_MIN_SIZE: i32 = 4096;
/// Largest file page size (1 GiB).
pub const PAGE_MAX_SIZE: i32 = 1 << 30;
/// Length of the metadata section at the end of a log.
pub const LOG_META_DATA_LENGTH: usize = 4096;
/// Smallest possible log: three minimum terms and the metadata.
pub const LOG_MIN_LENGTH: usize = PARTITION_COUNT * TERM_MIN_LENGTH as usize + LOG_META_DATA_LENGTH;
/// Largest UDP payload, hence largest MTU (65504 bytes).
pub const MAX_UDP_PAYLOAD_LENGTH: i32 = 65504;

/// Checks that `term_length` is a power of two in [`TERM_MIN_LENGTH`, `TERM_MAX_LENGTH`].
pub fn check_term_length(term_length: i32) -> Result<(), LogBufferError> {
    if (TERM_MIN_LENGTH..=TERM_MAX_LENGTH).contains(&term_length) && (term_length as u32).is_power_of_two() {
        Ok(())
    } else {
        Err(LogBufferError::InvalidTermLength(term_length))
    }
}

/// Checks that `page_size` is a power of two in [`PAGE_MIN_SIZE`, `PAGE_MAX_SIZE`].
pub fn check_page_size(page_size: i32) -> Result<(), LogBufferError> {
    if (PAGE_MIN_SIZE..=PAGE_MAX_SIZE).contains(&page_size) && (page_size as u32).is_power_of_two() {
        Ok(())
    } else {
        Err(LogBufferError::InvalidPageSize(page_size))
    }
}

/// Checks an MTU as Aeron's driver does: more than a frame header, at most [`MAX_UDP_PAYLOAD_LENGTH`], a
/// multiple of [`FRAME_ALIGNMENT`].
pub fn check_mtu_length(mtu_length: i32) -> Result<(), LogBufferError> {
    if mtu_length > HEADER_LENGTH && mtu_length <= MAX_UDP_PAYLOAD_LENGTH && mtu_length % FRAME_ALIGNMENT == 0
    {
        Ok(())
    } else {
        Err(LogBufferError::InvalidMtuLength(mtu_length))
    }
}

/// Length of a log buffer: `align(3 * term_length + 4096, page_size)`. Both inputs must already be valid
/// (see [`check_term_length`], [`check_page_size`]).
#[inline]
pub fn compute_log_length(term_length: i32, page_size: i32) -> usize {
    let unaligned = PARTITION_COUNT * term_length.max(0) as usize + LOG_META_DATA_LENGTH;
    let page = page_size.max(1) as usize;
    unaligned.div_ceil(page) * page
}

/// `log2(term_length)`: the shift that turns a term count into a position (16..=30 for valid lengths).
#[inline]
pub fn position_bits_to_shift(term_length: i32) -> u32 {
    term_length.max(1).trailing_zeros()
}

/// The stream position of `term_offset` in term `active_term_id` (32-bit wrap-aware term count).
#[inline]
pub fn compute_position(
    active_term_id: i32,
    term_offset: i32,
    position_bits_to_shift: u32,
    initial_term_id: i32,
) -> i64 {
    let term_count = active_term_id.wrapping_sub(initial_term_id) as i64;
    term_count.wrapping_shl(position_bits_to_shift).wrapping_add(term_offset as i64)
}

/// The stream position at which term `active_term_id` begins.
#[inline]
pub fn compute_term_begin_position(
    active_term_id: i32,
    position_bits_to_shift: u32,
    initial_term_id: i32,
) -> i64 {
    let term_count = active_term_id.wrapping_sub(initial_term_id) as i64;
    term_count.wrapping_shl(position_bits_to_shift)
}

/// The term id holding `position` (wrapping add, as Aeron).
#[inline]
pub fn compute_term_id_from_position(
    position: i64,
    position_bits_to_shift: u32,
    initial_term_id: i32,
) -> i32 {
    ((position as u64).wrapping_shr(position_bits_to_shift) as i32).wrapping_add(initial_term_id)
}

/// The offset of `position` within its term.
#[inline]
pub fn compute_term_offset_from_position(position: i64, position_bits_to_shift: u32) -> i32 {
    (position & 1i64.wrapping_shl(position_bits_to_shift).wrapping_sub(1)) as i32
}

/// The partition index holding `position`.
#[inline]
pub fn index_by_position(position: i64, position_bits_to_shift: u32) -> usize {
    ((position as u64).wrapping_shr(position_bits_to_shift) % PARTITION_COUNT as u64) as usize
}

/// The partition index for a term count (`term_count % 3`; Euclidean so that garbage never yields an
/// out-of-range index).
#[inline]
pub fn index_by_term_count(term_count: i64) -> usize {
    term_count.rem_euclid(PARTITION_COUNT as i64) as usize
}

/// The partition index of term `active_term_id`.
#[inline]
pub fn index_by_term(initial_term_id: i32, active_term_id: i32) -> usize {
    index_by_term_count(active_term_id.wrapping_sub(initial_term_id) as i64)
}

/// The partition after `current_index`.
#[inline]
pub fn next_partition_index(current_index: usize) -> usize {
    (current_index + 1) % PARTITION_COUNT
}

/// Packs a term id and a tail offset into a raw tail.
#[inline]
pub fn pack_tail(term_id: i32, term_offset: i32) -> i64 {
    ((term_id as i64) << 32) | (term_offset as u32 as i64)
}

/// The term id of a raw tail.
#[inline]
pub fn term_id(raw_tail: i64) -> i32 {
    (raw_tail >> 32) as i32
}

/// The tail offset of a raw tail, clamped to `term_length`.
#[inline]
pub fn term_offset(raw_tail: i64, term_length: i64) -> i32 {
    (raw_tail & 0xFFFF_FFFF).min(term_length) as i32
}

/// The largest message a log with this term length accepts: `min(term_length / 8, 16 MiB)`.
#[inline]
pub fn compute_max_message_length(term_length: i32) -> i32 {
    (term_length >> 3).min(MAX_MESSAGE_LENGTH)
}

/// Bytes a message of `length` takes in a term once split into frames of at most `max_payload_length`
/// payload bytes each (headers and alignment included). `max_payload_length` must be positive.
#[inline]
pub fn compute_fragmented_frame_length(length: i32, max_payload_length: i32) -> i32 {
    let length = length.max(0) as i64;
    let max_payload_length = max_payload_length.max(1) as i64;
    let full_frames = length / max_payload_length;
    let remaining = length % max_payload_length;
    let last_frame_length = if remaining > 0 {
        crate::frame_descriptor::align_frame_length((remaining + HEADER_LENGTH as i64) as i32)
    } else {
        0
    };
    (full_frames * (max_payload_length + HEADER_LENGTH as i64) + last_frame_length).min(i32::MAX as i64)
        as i32
}

/// The position a stream can never reach: `term_length * 2^31`.
#[inline]
pub fn max_possible_position(term_length: i32) -> i64 {
    (term_length.max(0) as i64) << 31
}

#[cfg(test)]
mod tests {
    use super::*;

    const BITS_64K: u32 = 16;

    #[test]
    fn term_and_page_length_checks() {
        assert!(check_term_length(TERM_MIN_LENGTH).is_ok());
        assert!(check_term_length(TERM_MAX_LENGTH).is_ok());
        assert!(check_term_length(1 << 20).is_ok());
        for bad in [0, -65536, TERM_MIN_LENGTH / 2, TERM_MIN_LENGTH + 32, i32::MIN, i32::MAX] {
            assert_eq!(check_term_length(bad), Err(LogBufferError::InvalidTermLength(bad)));
        }
        assert!(check_page_size(4096).is_ok());
        assert!(check_page_size(PAGE_MAX_SIZE).is_ok());
        for bad in [0, 2048, 4097, -4096] {
            assert_eq!(check_page_size(bad), Err(LogBufferError::InvalidPageSize(bad)));
        }
        assert!(check_mtu_length(1408).is_ok());
        assert!(check_mtu_length(64).is_ok());
        assert!(check_mtu_length(65504).is_ok());
        for bad in [0, 32, 1400, 65536, -64] {
            assert_eq!(check_mtu_length(bad), Err(LogBufferError::InvalidMtuLength(bad)));
        }
    }

    #[test]
    fn log_length_is_page_aligned() {
        assert_eq!(compute_log_length(65536, 4096), 3 * 65536 + 4096);
        assert_eq!(compute_log_length(65536, 65536), 4 * 65536);
        assert_eq!(compute_log_length(1 << 30, 4096), 3 * (1usize << 30) + 4096);
    }

    #[test]
    fn position_bits_match_log2() {
        assert_eq!(position_bits_to_shift(65536), 16);
        assert_eq!(position_bits_to_shift(1 << 24), 24);
        assert_eq!(position_bits_to_shift(1 << 30), 30);
    }

    #[test]
    fn positions_at_term_boundaries() {
        let initial = 100;
        assert_eq!(compute_position(100, 0, BITS_64K, initial), 0);
        assert_eq!(
            compute_position(100, 65536, BITS_64K, initial),
            65536,
            "the end of term 0 is the start of term 1"
        );
        assert_eq!(compute_position(101, 0, BITS_64K, initial), 65536);
        assert_eq!(compute_position(102, 32, BITS_64K, initial), 2 * 65536 + 32);
        assert_eq!(compute_term_begin_position(103, BITS_64K, initial), 3 * 65536);
        for position in [0i64, 31 * 32, 65535 & !31, 65536, 65536 * 7 + 4096, (1i64 << 46) - 32] {
            let term_id = compute_term_id_from_position(position, BITS_64K, initial);
            let offset = compute_term_offset_from_position(position, BITS_64K);
            assert_eq!(compute_position(term_id, offset, BITS_64K, initial), position);
            assert_eq!(index_by_position(position, BITS_64K), index_by_term(initial, term_id));
        }
        assert_eq!(compute_term_offset_from_position(65536, BITS_64K), 0);
        assert_eq!(compute_term_id_from_position(65536 - 1, BITS_64K, initial), 100);
        assert_eq!(compute_term_id_from_position(65536, BITS_64K, initial), 101);
    }

    #[test]
    fn positions_survive_term_id_wrap_around() {
        let initial = i32::MAX - 1;
        // Term ids run MAX-1, MAX, MIN, MIN+1, ...
        assert_eq!(compute_position(i32::MAX, 0, BITS_64K, initial), 65536);
        assert_eq!(compute_position(i32::MIN, 0, BITS_64K, initial), 2 * 65536);
        assert_eq!(compute_position(i32::MIN + 5, 64, BITS_64K, initial), 7 * 65536 + 64);
        assert_eq!(compute_term_id_from_position(2 * 65536, BITS_64K, initial), i32::MIN);
        assert_eq!(compute_term_id_from_position(7 * 65536 + 64, BITS_64K, initial), i32::MIN + 5);
        assert_eq!(index_by_term(initial, i32::MIN), 2);
        assert_eq!(index_by_term(initial, i32::MIN + 1), 0);
        assert_eq!(index_by_position(3 * 65536, BITS_64K), 0);
        // The last term of the stream.
        let last = initial.wrapping_add(i32::MAX);
        assert_eq!(
            compute_term_begin_position(last, BITS_64K, initial),
            max_possible_position(65536) - 65536
        );
        assert_eq!(max_possible_position(65536), 65536i64 << 31);
    }

    #[test]
    fn raw_tails_pack_and_clamp() {
        let raw = pack_tail(-5, 4096);
        assert_eq!(term_id(raw), -5);
        assert_eq!(term_offset(raw, 65536), 4096);
        let overrun = pack_tail(i32::MAX, 65536 + 8192);
        assert_eq!(term_id(overrun), i32::MAX);
        assert_eq!(term_offset(overrun, 65536), 65536, "the offset is clamped to the term length");
        assert_eq!(term_offset(pack_tail(1, i32::MAX), 1 << 30), 1 << 30);
        assert_eq!(index_by_term_count(4), 1);
        assert_eq!(index_by_term_count(-1), 2, "garbage never yields an out-of-range index");
        assert_eq!(next_partition_index(2), 0);
    }

    #[test]
    fn max_message_and_fragmented_lengths() {
        assert_eq!(compute_max_message_length(65536), 8192);
        assert_eq!(compute_max_message_length(1 << 30), 16 * 1024 * 1024);
        assert_eq!(compute_max_message_length(1 << 27), 16 * 1024 * 1024);
        let max_payload = 1408 - 32;
        assert_eq!(compute_fragmented_frame_length(0, max_payload), 0);
        assert_eq!(compute_fragmented_frame_length(1, max_payload), 64);
        assert_eq!(compute_fragmented_frame_length(max_payload, max_payload), 1408);
        assert_eq!(compute_fragmented_frame_length(max_payload + 1, max_payload), 1408 + 64);
        assert_eq!(compute_fragmented_frame_length(8192, max_payload), 5 * 1408 + 1344);
        assert_eq!(
            compute_fragmented_frame_length(i32::MAX, 0),
            i32::MAX,
            "no overflow, no division by zero"
        );
    }
}
