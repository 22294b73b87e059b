//! [`BufferClaim`]: a frame claimed in a term by `try_claim`, to be filled in place and then committed or
//! aborted (Aeron's `BufferClaim`).
//!
//! Invariants:
//! - the claimed bytes (header and payload) belong to this claim alone until it is committed or aborted;
//!   the header is already written with a negative length, so readers stop at the frame;
//! - exactly one of commit and abort happens: `commit`/`abort` consume the claim, and dropping an
//!   unfinished claim aborts it (the frame becomes padding that readers skip), so a panic between claim
//!   and commit cannot block the log;
//! - the claim borrows its writer, so the log mapping outlives it.

use std::mem;

use agrona::AtomicBuffer;

use crate::frame_descriptor::{
    FLAGS_OFFSET, HDR_TYPE_PAD, HEADER_LENGTH_USIZE, RESERVED_VALUE_OFFSET, TYPE_OFFSET,
    frame_length_ordered, set_frame_type,
};

/// A claimed, uncommitted frame in a term. Fill the payload through [`BufferClaim::payload_mut`] (or the
/// buffer accessors), then call [`BufferClaim::commit`]; call [`BufferClaim::abort`] (or drop the claim)
/// to give the space up as padding.
#[derive(Debug)]
pub struct BufferClaim<'a> {
    term: &'a AtomicBuffer,
    frame_offset: usize,
    frame_length: usize,
    position: i64,
}

impl<'a> BufferClaim<'a> {
    /// A claim over `frame_length` bytes (header included) at `frame_offset`, whose header has been written.
    #[inline]
    pub(crate) fn new(
        term: &'a AtomicBuffer,
        frame_offset: usize,
        frame_length: usize,
        position: i64,
    ) -> Self {
        Self { term, frame_offset, frame_length, position }
    }

    /// The stream position after this frame once committed (what Aeron's `tryClaim` returns).
    #[inline]
    pub fn position(&self) -> i64 {
        self.position
    }

    /// Payload length in bytes.
    #[inline]
    pub fn length(&self) -> usize {
        self.frame_length - HEADER_LENGTH_USIZE
    }

    /// The term buffer holding the claim, for encoding in place at [`BufferClaim::offset`].
    #[inline]
    pub fn buffer(&self) -> &AtomicBuffer {
        self.term
    }

    /// Index of the first payload byte in [`BufferClaim::buffer`].
    #[inline]
    pub fn offset(&self) -> usize {
        self.frame_offset + HEADER_LENGTH_USIZE
    }

    /// The payload bytes, writable.
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        // SAFETY: the claimed range belongs to this claim alone until commit/abort (the tail was advanced
        // past it before the claim was handed out), and `&mut self` makes this the only live slice of it.
        unsafe { self.term.slice_mut(self.offset(), self.length()) }
    }

    /// Copies `src` to the start of the payload. Panics if `src` is longer than the payload.
    #[inline]
    pub fn put_bytes(&mut self, src: &[u8]) {
        assert!(src.len() <= self.length(), "{} bytes do not fit a {}-byte claim", src.len(), self.length());
        self.term.put_bytes(self.offset(), src);
    }

    /// Sets the frame's reserved value.
    #[inline]
    pub fn put_reserved_value(&mut self, value: i64) {
        self.term.put_i64(self.frame_offset + RESERVED_VALUE_OFFSET, value);
    }

    /// The frame's reserved value.
    #[inline]
    pub fn reserved_value(&self) -> i64 {
        self.term.get_i64(self.frame_offset + RESERVED_VALUE_OFFSET)
    }

    /// The frame's flags (0xC0 unless changed).
    #[inline]
    pub fn flags(&self) -> u8 {
        self.term.get_u8(self.frame_offset + FLAGS_OFFSET)
    }

    /// Sets the frame's flags.
    #[inline]
    pub fn set_flags(&mut self, flags: u8) {
        self.term.put_u8(self.frame_offset + FLAGS_OFFSET, flags);
    }

    /// The frame's type (DATA unless changed).
    #[inline]
    pub fn header_type(&self) -> u16 {
        self.term.get_u16(self.frame_offset + TYPE_OFFSET)
    }

    /// Sets the frame's type.
    #[inline]
    pub fn set_header_type(&mut self, header_type: u16) {
        self.term.put_u16(self.frame_offset + TYPE_OFFSET, header_type);
    }

    /// Publishes the frame: stores its positive length with release.
    #[inline]
    pub fn commit(self) {
        frame_length_ordered(self.term, self.frame_offset, self.frame_length as i32);
        mem::forget(self);
    }

    /// Gives the space up: the frame becomes padding (readers skip it), then is committed.
    #[inline]
    pub fn abort(self) {
        self.abort_in_place();
        mem::forget(self);
    }

    #[inline]
    fn abort_in_place(&self) {
        set_frame_type(self.term, self.frame_offset, HDR_TYPE_PAD);
        frame_length_ordered(self.term, self.frame_offset, self.frame_length as i32);
    }
}

impl Drop for BufferClaim<'_> {
    /// An unfinished claim is aborted.
    fn drop(&mut self) {
        self.abort_in_place();
    }
}
