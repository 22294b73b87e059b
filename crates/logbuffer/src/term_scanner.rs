//! The sender's availability scan (Aeron's `TermScanner.scanForAvailability`, reference §1.9): how many
//! bytes of whole committed frames can go into the next datagram.
//!
//! Invariants: the scan never passes an uncommitted frame, never counts bytes past the term's capacity
//! (a DATA frame claiming to run past the term is treated as not committed, and a PAD frame's padding is
//! clamped to the term end), and never panics whatever the bytes. A PAD frame ends the scan: only its 32-byte header counts as
//! available, and the rest of its length is reported as padding for the sender to skip.

use agrona::AtomicBuffer;

use crate::frame_descriptor::{
    HEADER_LENGTH, HEADER_LENGTH_USIZE, align_frame_length, frame_length_volatile, is_padding_frame,
    is_valid_frame_offset,
};

/// Scans whole committed frames from `term_offset`, up to `max_length` bytes (and the term end).
///
/// Returns `(available, padding)`:
/// - `available > 0`: that many bytes can be sent (headers and alignment included); if the last frame was
///   a PAD, only its header is counted and `padding` is the rest of its aligned length, to be skipped after
///   sending;
/// - `available == 0`: nothing committed at `term_offset` (or `term_offset` is invalid);
/// - `available < 0`: the first frame alone is longer than `max_length`; its negated aligned length is
///   returned (flow control must open further).
pub fn scan_for_availability(term: &AtomicBuffer, term_offset: i32, max_length: i32) -> (i32, i32) {
    let capacity = term.capacity();
    if !is_valid_frame_offset(term_offset as i64, capacity) || !term.address().is_multiple_of(8) {
        return (0, 0);
    }
    let start = term_offset as i64;
    let limit = (max_length as i64).min(capacity as i64 - start);
    let mut available: i64 = 0;
    let mut padding: i64 = 0;
    loop {
        let frame_offset = start + available;
        if frame_offset + HEADER_LENGTH_USIZE as i64 > capacity as i64 {
            break;
        }
        let frame_length = frame_length_volatile(term, frame_offset as usize);
        if frame_length <= 0 {
            break;
        }
        let mut aligned_length = align_frame_length(frame_length);
        if aligned_length > capacity as i64 - frame_offset && !is_padding_frame(term, frame_offset as usize) {
            break; // runs past the term: not a frame any writer could have committed
        }
        if is_padding_frame(term, frame_offset as usize) {
            let room_after_header = capacity as i64 - frame_offset - HEADER_LENGTH as i64;
            padding = (aligned_length - HEADER_LENGTH as i64).min(room_after_header);
            aligned_length = HEADER_LENGTH as i64;
        }
        available += aligned_length;
        if available > limit {
            available = if aligned_length == available { -available } else { available - aligned_length };
            padding = 0;
            break;
        }
        if padding != 0 || available >= limit {
            break;
        }
    }
    (available as i32, padding as i32)
}
