//! [`HeaderWriter`]: writes a claimed frame's header the way Aeron's `HeaderWriter` does (reference §2.4).
//!
//! Invariants:
//! - the first 8 bytes (`-length`, version, flags, type) go first, as one 64-bit release store: a negative
//!   length marks the frame "claimed, not committed", so scanners (gap scanner, unblocker) never mistake
//!   the slot for free space while its payload is being written;
//! - a store-store fence keeps every later write of the frame after that first word;
//! - (term offset, session id) and (stream id, term id) follow as two plain 64-bit stores;
//! - the reserved value is not written: a clean term already holds 0 there, as Aeron relies on;
//! - the frame becomes visible only when its writer stores the positive length with release.

use std::ptr;
use std::sync::atomic::{AtomicI64, Ordering, fence};

use agrona::AtomicBuffer;

use crate::frame_descriptor::{
    FRAME_LENGTH_OFFSET, HEADER_LENGTH_USIZE, SESSION_ID_OFFSET, STREAM_ID_OFFSET, TERM_OFFSET_OFFSET,
    VERSION_OFFSET,
};

/// Precomputed header words from a log's default frame header.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HeaderWriter {
    version_flags_type: i64,
    session_id_high: i64,
    stream_id_low: i64,
}

impl HeaderWriter {
    /// Builds the header words from the 32-byte default header in a log's metadata.
    pub(crate) fn new(default_header: &[u8; 32]) -> Self {
        let word = |offset: usize| {
            i32::from_le_bytes([
                default_header[offset],
                default_header[offset + 1],
                default_header[offset + 2],
                default_header[offset + 3],
            ])
        };
        Self {
            version_flags_type: (word(VERSION_OFFSET) as i64) << 32,
            session_id_high: (word(SESSION_ID_OFFSET) as i64) << 32,
            stream_id_low: word(STREAM_ID_OFFSET) as u32 as i64,
        }
    }

    /// Session id of the frames this writer produces.
    #[inline]
    pub(crate) fn session_id(&self) -> i32 {
        (self.session_id_high >> 32) as i32
    }

    /// Stream id of the frames this writer produces.
    #[inline]
    pub(crate) fn stream_id(&self) -> i32 {
        self.stream_id_low as i32
    }

    /// Writes the header of a frame of `length` bytes at `term_offset` (frame-aligned) in term `term_id`,
    /// leaving it uncommitted (negative length).
    #[inline(always)]
    pub(crate) fn write(&self, term: &AtomicBuffer, term_offset: usize, length: i32, term_id: i32) {
        assert!(
            term_offset <= term.capacity()
                && term.capacity() - term_offset >= HEADER_LENGTH_USIZE
                && (term.address() + term_offset).is_multiple_of(8),
            "frame header at {term_offset} outside a term of {} bytes or misaligned",
            term.capacity()
        );
        // SAFETY: the 32 header bytes are inside the term and the first word is 8-aligned (both checked
        // above), so it is a valid `AtomicI64`; the writer owns this claimed range, so the plain stores
        // race with no one.
        unsafe {
            let frame = term.as_ptr().add(term_offset);
            AtomicI64::from_ptr(frame.add(FRAME_LENGTH_OFFSET).cast::<i64>())
                .store(self.version_flags_type | (length.wrapping_neg() as u32 as i64), Ordering::Release);
            fence(Ordering::Release);
            ptr::write_unaligned(
                frame.add(TERM_OFFSET_OFFSET).cast::<i64>(),
                (self.session_id_high | term_offset as i64).to_le(),
            );
            ptr::write_unaligned(
                frame.add(STREAM_ID_OFFSET).cast::<i64>(),
                (((term_id as i64) << 32) | self.stream_id_low).to_le(),
            );
        }
    }
}
