//! Loss detection within a term (Aeron's `TermGapScanner`, reference §1.12).
//!
//! Invariants: the scan walks committed frames from the rebuild offset; the gap starts at the first
//! uncommitted slot and extends in 32-byte steps to the next non-zero length word (or the limit). Offsets
//! never pass the term's capacity, and the scan never panics whatever the bytes.

use agrona::AtomicBuffer;

use crate::frame_descriptor::{
    FRAME_ALIGNMENT, align_frame_length, frame_length_volatile, is_valid_frame_offset,
};

/// Scans `term` (term id `term_id`) from `rebuild_offset` towards `limit_offset` (normally the high-water
/// mark or the term end). If a gap lies before the limit, calls `on_gap(term_id, gap_offset, gap_length)`
/// once. Returns the offset where the gap starts, that is the end of the contiguous committed data (the
/// new rebuild offset); an invalid `rebuild_offset` is returned unchanged.
pub fn scan_for_gap(
    term: &AtomicBuffer,
    term_id: i32,
    rebuild_offset: i32,
    limit_offset: i32,
    mut on_gap: impl FnMut(i32, i32, i32),
) -> i32 {
    let capacity = term.capacity() as i64;
    if !is_valid_frame_offset(rebuild_offset as i64, capacity as usize) || !term.address().is_multiple_of(8) {
        return rebuild_offset;
    }
    let limit = (limit_offset as i64).min(capacity);
    let length_at = |offset: i64| -> Option<i32> {
        if offset + 4 <= capacity { Some(frame_length_volatile(term, offset as usize)) } else { None }
    };
    let mut offset = rebuild_offset as i64;
    loop {
        match length_at(offset) {
            Some(frame_length) if frame_length > 0 => offset += align_frame_length(frame_length),
            _ => break,
        }
        if offset >= limit {
            break;
        }
    }
    let gap_begin_offset = offset.min(capacity);
    if offset < limit {
        offset += FRAME_ALIGNMENT as i64;
        while offset < limit {
            match length_at(offset) {
                Some(0) => offset += FRAME_ALIGNMENT as i64,
                _ => break,
            }
        }
        let gap_length = offset.min(capacity) - gap_begin_offset;
        on_gap(term_id, gap_begin_offset as i32, gap_length as i32);
    }
    gap_begin_offset as i32
}
