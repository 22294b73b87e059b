//! [`ImageReader`]: the reading half of Aeron's `Image` over a [`LogBuffer`] and a subscriber position
//! counter (reference §2.7).
//!
//! Invariants:
//! - every poll starts at `position.get()`, reads at most one term (the one holding that position), and
//!   stores the new position with release only if it moved (`Commit` stores it earlier);
//! - the reader never writes the log; it only reads frames whose length it has acquired as committed;
//! - no allocation or lock on any poll path; whatever the log holds, polls never panic (see
//!   [`crate::term_reader`]);
//! - if a handler panics, the position is not advanced past the fragments of that poll.

use crate::ControlledPollAction;
use crate::frame_descriptor::TERM_ID_OFFSET;
use crate::header::Header;
use crate::log_buffer::LogBuffer;
use crate::log_buffer_descriptor::index_by_position;
use crate::position_cell::PositionCell;
use crate::term_block_scanner::scan_block;
use crate::term_reader::read_controlled;

/// Reads an image's log for one subscriber. `Send + Sync`; polls take `&self` and the subscriber's
/// position cell (normally the `sub-pos` `agrona::AtomicCounter`), which only this subscriber writes.
#[derive(Debug, Clone)]
pub struct ImageReader {
    log: LogBuffer,
    term_length_mask: i32,
    position_bits_to_shift: u32,
    initial_term_id: i32,
    session_id: i32,
}

impl ImageReader {
    /// A reader over `log`.
    pub fn new(log: LogBuffer) -> Self {
        Self {
            term_length_mask: log.term_length() - 1,
            position_bits_to_shift: log.position_bits_to_shift(),
            initial_term_id: log.initial_term_id(),
            session_id: log.session_id(),
            log,
        }
    }

    /// The log read.
    #[inline]
    pub fn log(&self) -> &LogBuffer {
        &self.log
    }

    /// Session id of the image (from the log's default header).
    #[inline]
    pub fn session_id(&self) -> i32 {
        self.session_id
    }

    /// True once `position` has reached the end-of-stream position in the log's metadata.
    #[inline]
    pub fn is_end_of_stream<P: PositionCell + ?Sized>(&self, position: &P) -> bool {
        position.get() >= self.log.metadata().end_of_stream_position()
    }

    /// Delivers up to `fragment_limit` fragments to `handler(payload, header)`; returns how many.
    #[inline]
    pub fn poll<P, H>(&self, position: &P, handler: &mut H, fragment_limit: usize) -> usize
    where
        P: PositionCell + ?Sized,
        H: FnMut(&[u8], &Header),
    {
        self.poll_term(position, None, fragment_limit, &mut |payload: &[u8], header: &Header| {
            handler(payload, header);
            ControlledPollAction::Continue
        })
    }

    /// As [`Self::poll`], with the handler steering each fragment (see [`ControlledPollAction`]).
    #[inline]
    pub fn controlled_poll<P, H>(&self, position: &P, handler: &mut H, fragment_limit: usize) -> usize
    where
        P: PositionCell + ?Sized,
        H: FnMut(&[u8], &Header) -> ControlledPollAction,
    {
        self.poll_term(position, None, fragment_limit, handler)
    }

    /// As [`Self::poll`], but never starting a fragment at or past `limit_position`.
    #[inline]
    pub fn bounded_poll<P, H>(
        &self,
        position: &P,
        handler: &mut H,
        limit_position: i64,
        fragment_limit: usize,
    ) -> usize
    where
        P: PositionCell + ?Sized,
        H: FnMut(&[u8], &Header),
    {
        self.poll_term(
            position,
            Some(limit_position),
            fragment_limit,
            &mut |payload: &[u8], header: &Header| {
                handler(payload, header);
                ControlledPollAction::Continue
            },
        )
    }

    /// As [`Self::controlled_poll`], but never starting a fragment at or past `limit_position`.
    #[inline]
    pub fn bounded_controlled_poll<P, H>(
        &self,
        position: &P,
        handler: &mut H,
        limit_position: i64,
        fragment_limit: usize,
    ) -> usize
    where
        P: PositionCell + ?Sized,
        H: FnMut(&[u8], &Header) -> ControlledPollAction,
    {
        self.poll_term(position, Some(limit_position), fragment_limit, handler)
    }

    /// Hands whole consecutive committed frames (headers included), at most `block_length_limit` bytes, to
    /// `handler(block, session_id, term_id)` and advances the position past them; returns the bytes
    /// consumed. A PAD frame is delivered alone when it comes first (whatever its length), and otherwise
    /// ends the block.
    pub fn block_poll<P, H>(&self, position: &P, handler: &mut H, block_length_limit: usize) -> usize
    where
        P: PositionCell + ?Sized,
        H: FnMut(&[u8], i32, i32),
    {
        let initial_position = position.get();
        let offset = (initial_position as i32) & self.term_length_mask;
        let limit_offset =
            (offset as i64 + block_length_limit as i64).min(self.log.term_length() as i64) as i32;
        let term = self.log.term(index_by_position(initial_position, self.position_bits_to_shift));
        let resulting_offset = scan_block(term, offset, limit_offset);
        if resulting_offset <= offset {
            return 0;
        }
        let length = (resulting_offset - offset) as usize;
        let term_id = term.get_i32(offset as usize + TERM_ID_OFFSET);
        // SAFETY: the scanner acquired every frame in the range as committed (or a PAD frame, whose body
        // nobody writes); committed frames are stable until the term is cleaned behind all readers.
        let block = unsafe { term.slice(offset as usize, length) };
        handler(block, self.session_id, term_id);
        position.set_ordered(initial_position + length as i64);
        length
    }

    #[inline]
    fn poll_term<P, H>(
        &self,
        position: &P,
        limit_position: Option<i64>,
        fragment_limit: usize,
        handler: &mut H,
    ) -> usize
    where
        P: PositionCell + ?Sized,
        H: FnMut(&[u8], &Header) -> ControlledPollAction,
    {
        let mut initial_position = position.get();
        let mut initial_offset = (initial_position as i32) & self.term_length_mask;
        let limit_offset = match limit_position {
            Some(limit_position) => {
                if initial_position >= limit_position {
                    return 0;
                }
                (limit_position - initial_position + initial_offset as i64).min(self.log.term_length() as i64)
                    as i32
            }
            None => self.log.term_length(),
        };
        let term = self.log.term(index_by_position(initial_position, self.position_bits_to_shift));
        let outcome = read_controlled(
            term,
            initial_offset,
            limit_offset,
            fragment_limit,
            self.initial_term_id,
            self.position_bits_to_shift,
            handler,
            &mut |offset: i32| {
                initial_position += (offset - initial_offset) as i64;
                initial_offset = offset;
                position.set_ordered(initial_position);
            },
        );
        let resulting_position = initial_position + (outcome.offset - initial_offset) as i64;
        if resulting_position > initial_position {
            position.set_ordered(resulting_position);
        }
        outcome.fragments_read
    }
}
