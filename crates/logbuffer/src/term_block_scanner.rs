//! Finding a block of whole consecutive committed frames (Aeron's `TermBlockScanner`), for
//! [`crate::ImageReader::block_poll`] and the archive recorder.
//!
//! Invariants: the result never exceeds the term's capacity and never passes an uncommitted frame; a PAD
//! frame is included only when it is the first frame (then alone), otherwise it ends the block; whatever
//! the bytes, the scan never panics.

use agrona::AtomicBuffer;

use crate::frame_descriptor::{
    HEADER_LENGTH_USIZE, align_frame_length, frame_length_volatile, is_padding_frame, is_valid_frame_offset,
};

/// Scans from `term_offset` for whole committed frames ending at or before `limit_offset`; returns the
/// offset after the last one (`term_offset` if none). An invalid `term_offset` (negative, unaligned, past
/// the term) yields `term_offset`.
pub fn scan_block(term: &AtomicBuffer, term_offset: i32, limit_offset: i32) -> i32 {
    let capacity = term.capacity();
    if !is_valid_frame_offset(term_offset as i64, capacity) || !term.address().is_multiple_of(8) {
        return term_offset;
    }
    let limit = (limit_offset.max(0) as usize).min(capacity);
    let start = term_offset as usize;
    let mut offset = start;
    while offset < limit {
        if capacity - offset < HEADER_LENGTH_USIZE {
            break;
        }
        let frame_length = frame_length_volatile(term, offset);
        if frame_length <= 0 {
            break;
        }
        let aligned_length = align_frame_length(frame_length) as usize;
        if is_padding_frame(term, offset) {
            if offset == start && aligned_length <= capacity - offset {
                offset += aligned_length;
            }
            break;
        }
        if aligned_length > limit - offset {
            break;
        }
        offset += aligned_length;
    }
    offset as i32
}
