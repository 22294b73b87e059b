//! Unblocking a whole log at a blocked position (Aeron's `LogBufferUnblocker`), used by the driver when
//! a publication's consumers have not moved for the unblock timeout while the producer is ahead.
//!
//! Invariants: a blocked position at the start of the term after the active one means a rotation was
//! left unfinished: the rotation is completed; otherwise the blocked term is unblocked with
//! [`unblock_term`], and the log rotated if the padding reached the term end. Never panics.

use crate::log_buffer::LogBuffer;
use crate::log_buffer_descriptor::{index_by_term_count, term_id, term_offset};
use crate::term_unblocker::{UnblockStatus, unblock_term};

/// Unblocks `log` at `blocked_position` (the consumers' position that has not moved). Returns true if it
/// changed the log.
pub fn unblock_log(log: &LogBuffer, blocked_position: i64) -> bool {
    let metadata = log.metadata();
    let term_length = log.term_length();
    let blocked_term_count = blocked_position.wrapping_shr(log.position_bits_to_shift()) as i32;
    let blocked_offset = (blocked_position as i32) & (term_length - 1);
    let active_term_count = metadata.active_term_count();

    if active_term_count == blocked_term_count.wrapping_sub(1) && blocked_offset == 0 {
        let current_term_id =
            term_id(metadata.raw_tail_volatile(index_by_term_count(active_term_count as i64)));
        metadata.rotate_log(active_term_count, current_term_id);
        return true;
    }

    let blocked_index = index_by_term_count(blocked_term_count as i64);
    let raw_tail = metadata.raw_tail_volatile(blocked_index);
    let blocked_term_id = term_id(raw_tail);
    let tail_offset = term_offset(raw_tail, term_length as i64);
    match unblock_term(metadata, log.term(blocked_index), blocked_offset, tail_offset, blocked_term_id) {
        UnblockStatus::NoAction => false,
        UnblockStatus::Unblocked => true,
        UnblockStatus::UnblockedToEnd => {
            metadata.rotate_log(blocked_term_count, blocked_term_id);
            true
        }
    }
}
