//! Filling a gap with padding for unreliable streams (Aeron's `TermGapFiller.tryFillGap`).
//!
//! Invariant: a gap is filled only if every 32-byte slot in it still has a zero length word (nothing
//! arrived meanwhile); the PAD header is built from the default header and committed last with release.

use agrona::AtomicBuffer;

use crate::frame_descriptor::{
    FRAME_ALIGNMENT, HDR_TYPE_PAD, TERM_ID_OFFSET, TERM_OFFSET_OFFSET, frame_length_ordered,
    is_valid_frame_offset, set_frame_type,
};
use crate::log_metadata::LogMetadata;

/// Turns the gap (`gap_offset`, `gap_length`) of term `term_id` into one PAD frame if it is still empty.
/// Returns true if it did. Invalid ranges (unaligned, outside the term, not positive) are left alone.
pub fn try_fill_gap(
    metadata: &LogMetadata,
    term: &AtomicBuffer,
    term_id: i32,
    gap_offset: i32,
    gap_length: i32,
) -> bool {
    let capacity = term.capacity();
    if gap_length <= 0
        || !is_valid_frame_offset(gap_offset as i64, capacity)
        || !term.address().is_multiple_of(8)
        || gap_offset as i64 + gap_length as i64 > capacity as i64
    {
        return false;
    }
    let mut offset = gap_offset as i64 + gap_length as i64 - FRAME_ALIGNMENT as i64;
    while offset >= gap_offset as i64 {
        if term.get_i32(offset as usize) != 0 {
            return false;
        }
        offset -= FRAME_ALIGNMENT as i64;
    }
    let gap = gap_offset as usize;
    metadata.apply_default_header(term, gap);
    set_frame_type(term, gap, HDR_TYPE_PAD);
    term.put_i32(gap + TERM_OFFSET_OFFSET, gap_offset);
    term.put_i32(gap + TERM_ID_OFFSET, term_id);
    frame_length_ordered(term, gap, gap_length);
    true
}
