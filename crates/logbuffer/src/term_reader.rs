//! Reading committed fragments from one term (Aeron's `TermReader`, and the loops of `Image.poll`,
//! `controlledPoll`, `boundedPoll`, `boundedControlledPoll`).
//!
//! Invariants:
//! - a frame is read only after an acquire load of its length word sees it positive (committed); the
//!   handler then gets its payload (after the 32-byte header) and header without copying;
//! - PAD frames are skipped (not counted, not delivered) but still advanced over;
//! - reading stops at the first uncommitted frame, at the fragment limit, at the limit offset, or at the
//!   end of the term: at most one term per call;
//! - whatever bytes the term holds (a crashed or hostile writer, a fuzzer), reading never panics and never
//!   touches memory outside the term: a frame that is shorter than its header, or that runs past the term
//!   or the term's capacity, is treated as not yet readable and reading stops before it;
//! - no allocation: the handler is generic and the header lives on the stack.

use agrona::AtomicBuffer;

use crate::ControlledPollAction;
use crate::frame_descriptor::{
    HEADER_LENGTH, HEADER_LENGTH_USIZE, align_frame_length, frame_length_volatile, is_padding_frame,
    is_valid_frame_offset,
};
use crate::header::Header;

/// Where a read stopped and how many fragments it delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TermReadOutcome {
    /// Term offset after the last frame consumed (the starting offset if none was).
    pub offset: i32,
    /// Number of fragments handed to the handler (PAD frames excluded; an aborted fragment excluded).
    pub fragments_read: usize,
}

/// Reads up to `fragments_limit` committed fragments from `term_offset` (Aeron's `TermReader.read`),
/// handing each to `handler(payload, header)`. Headers report positions for a stream with this
/// `initial_term_id` and `position_bits_to_shift`.
///
/// An invalid `term_offset` (negative, not frame-aligned, or past the term) reads nothing.
pub fn read<H>(
    term: &AtomicBuffer,
    term_offset: i32,
    fragments_limit: usize,
    initial_term_id: i32,
    position_bits_to_shift: u32,
    handler: &mut H,
) -> TermReadOutcome
where
    H: FnMut(&[u8], &Header),
{
    read_controlled(
        term,
        term_offset,
        i32::MAX,
        fragments_limit,
        initial_term_id,
        position_bits_to_shift,
        &mut |payload: &[u8], header: &Header| {
            handler(payload, header);
            ControlledPollAction::Continue
        },
        &mut |_| {},
    )
}

/// Reads committed fragments from `term_offset`, stopping before `limit_offset` (a frame that *starts*
/// before it is read whole, as Aeron), after `fragments_limit` fragments, or as the handler directs:
/// `Abort` leaves the offset before the fragment and stops, `Break` stops after it, `Commit` calls
/// `on_commit(offset_after_fragment)` and continues, `Continue` continues.
///
/// An invalid `term_offset` (negative, not frame-aligned, or past the term) reads nothing.
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn read_controlled<H, C>(
    term: &AtomicBuffer,
    term_offset: i32,
    limit_offset: i32,
    fragments_limit: usize,
    initial_term_id: i32,
    position_bits_to_shift: u32,
    handler: &mut H,
    on_commit: &mut C,
) -> TermReadOutcome
where
    H: FnMut(&[u8], &Header) -> ControlledPollAction,
    C: FnMut(i32),
{
    let capacity = term.capacity();
    if !is_valid_frame_offset(term_offset as i64, capacity) || !term.address().is_multiple_of(8) {
        return TermReadOutcome { offset: term_offset, fragments_read: 0 };
    }
    let limit = (limit_offset.max(0) as usize).min(capacity);
    let mut offset = term_offset as usize;
    let mut fragments_read = 0usize;
    while fragments_read < fragments_limit && offset < limit {
        if capacity - offset < HEADER_LENGTH_USIZE {
            break;
        }
        let frame_length = frame_length_volatile(term, offset);
        if frame_length <= 0 {
            break;
        }
        let aligned_length = align_frame_length(frame_length) as usize;
        if aligned_length > capacity - offset {
            break; // runs past the term: not a frame any writer could have committed
        }
        let frame_offset = offset;
        if is_padding_frame(term, frame_offset) {
            offset += aligned_length;
            continue;
        }
        if frame_length < HEADER_LENGTH {
            break; // malformed: shorter than its own header
        }
        // SAFETY: the acquire load above saw this frame committed; its bytes are not written again until
        // the term is cleaned, which happens only once every reader has moved a whole term past it.
        let frame = unsafe { term.slice(frame_offset, frame_length as usize) };
        let (header_bytes, payload) = frame.split_at(HEADER_LENGTH_USIZE);
        let header_bytes: &[u8; HEADER_LENGTH_USIZE] = match header_bytes.try_into() {
            Ok(bytes) => bytes,
            Err(_) => break,
        };
        let header = Header::new(header_bytes, initial_term_id, position_bits_to_shift);
        offset += aligned_length;
        fragments_read += 1;
        match handler(payload, &header) {
            ControlledPollAction::Abort => {
                fragments_read -= 1;
                offset = frame_offset;
                break;
            }
            ControlledPollAction::Break => break,
            ControlledPollAction::Commit => on_commit(offset as i32),
            ControlledPollAction::Continue => {}
        }
    }
    TermReadOutcome { offset: offset as i32, fragments_read }
}
