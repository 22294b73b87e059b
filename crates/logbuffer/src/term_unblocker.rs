//! Clearing a claim a dead publisher never committed (Aeron's `TermUnblocker`, reference §2.6).
//!
//! Invariants: only the blocked slot is rewritten, into a PAD frame built from the default header and
//! committed last with release; a zero slot is padded only up to the next non-zero length word after
//! confirming (scanning back) that everything between is still zero, or to the term end if the tail has
//! reached it; never panics whatever the bytes.

use agrona::AtomicBuffer;

use crate::frame_descriptor::{
    FRAME_ALIGNMENT, HDR_TYPE_PAD, TERM_ID_OFFSET, TERM_OFFSET_OFFSET, frame_length_ordered,
    frame_length_volatile, is_valid_frame_offset, set_frame_type,
};
use crate::log_metadata::LogMetadata;

/// What [`unblock_term`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnblockStatus {
    /// Nothing to unblock (the slot is committed, or not confirmed empty).
    NoAction,
    /// The blocked slot became a PAD frame.
    Unblocked,
    /// The blocked slot became a PAD frame up to the term end (the log must rotate).
    UnblockedToEnd,
}

/// Unblocks `term` (term id `term_id`) at `blocked_offset`, given the term's tail offset.
pub fn unblock_term(
    metadata: &LogMetadata,
    term: &AtomicBuffer,
    blocked_offset: i32,
    tail_offset: i32,
    term_id: i32,
) -> UnblockStatus {
    let capacity = term.capacity() as i64;
    if !is_valid_frame_offset(blocked_offset as i64, capacity as usize) || !term.address().is_multiple_of(8) {
        return UnblockStatus::NoAction;
    }
    let blocked = blocked_offset as i64;
    let tail = (tail_offset as i64).min(capacity);
    let mut frame_length = frame_length_volatile(term, blocked as usize);
    if frame_length < 0 {
        let length = -(frame_length as i64);
        if length > capacity - blocked {
            return UnblockStatus::NoAction;
        }
        reset_header(metadata, term, blocked as usize, term_id, length as i32);
        return UnblockStatus::Unblocked;
    }
    if frame_length != 0 {
        return UnblockStatus::NoAction;
    }
    let mut status = UnblockStatus::NoAction;
    let mut current = blocked + FRAME_ALIGNMENT as i64;
    while current < tail && current + 4 <= capacity {
        frame_length = frame_length_volatile(term, current as usize);
        if frame_length != 0 {
            if scan_back_to_confirm_zeroed(term, current, blocked) {
                reset_header(metadata, term, blocked as usize, term_id, (current - blocked) as i32);
                status = UnblockStatus::Unblocked;
            }
            break;
        }
        current += FRAME_ALIGNMENT as i64;
    }
    if current == capacity && frame_length_volatile(term, blocked as usize) == 0 {
        reset_header(metadata, term, blocked as usize, term_id, (current - blocked) as i32);
        status = UnblockStatus::UnblockedToEnd;
    }
    status
}

fn reset_header(
    metadata: &LogMetadata,
    term: &AtomicBuffer,
    term_offset: usize,
    term_id: i32,
    frame_length: i32,
) {
    metadata.apply_default_header(term, term_offset);
    set_frame_type(term, term_offset, HDR_TYPE_PAD);
    term.put_i32(term_offset + TERM_OFFSET_OFFSET, term_offset as i32);
    term.put_i32(term_offset + TERM_ID_OFFSET, term_id);
    frame_length_ordered(term, term_offset, frame_length);
}

fn scan_back_to_confirm_zeroed(term: &AtomicBuffer, from: i64, limit: i64) -> bool {
    let mut offset = from - FRAME_ALIGNMENT as i64;
    while offset >= limit {
        if frame_length_volatile(term, offset as usize) != 0 {
            return false;
        }
        offset -= FRAME_ALIGNMENT as i64;
    }
    true
}
