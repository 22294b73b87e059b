//! [`Header`]: the frame header of a fragment handed to a poll handler (Aeron's `logbuffer.Header`).
//!
//! Invariants:
//! - a header borrows exactly 32 bytes (a DATA frame header) for the duration of the handler call;
//! - [`Header::position`] is the stream position just after this fragment, aligned, computed from the
//!   header's own `term_id` and `term_offset` (for a reassembled message, after its last fragment).

use crate::frame_descriptor::{
    FLAGS_OFFSET, FRAME_LENGTH_OFFSET, HEADER_LENGTH_USIZE, RESERVED_VALUE_OFFSET, SESSION_ID_OFFSET,
    STREAM_ID_OFFSET, TERM_ID_OFFSET, TERM_OFFSET_OFFSET, TYPE_OFFSET, VERSION_OFFSET, align_frame_length,
};
use crate::log_buffer_descriptor::compute_position;

/// A fragment's (or reassembled message's) frame header, with the stream facts needed to compute its
/// position. Handed by reference to poll handlers; copy out what you need, it is valid only during the call.
#[derive(Debug, Clone, Copy)]
pub struct Header<'a> {
    bytes: &'a [u8; HEADER_LENGTH_USIZE],
    initial_term_id: i32,
    position_bits_to_shift: u32,
    fragmented_frame_length: Option<i32>,
}

impl<'a> Header<'a> {
    /// A header over the 32 header bytes of a frame in a stream with this initial term id and term length
    /// shift.
    #[inline]
    pub fn new(bytes: &'a [u8; 32], initial_term_id: i32, position_bits_to_shift: u32) -> Self {
        Self { bytes, initial_term_id, position_bits_to_shift, fragmented_frame_length: None }
    }

    /// The same header, but occupying `fragmented_frame_length` bytes of the term (a reassembled message:
    /// the total length of its fragments, which [`Header::position`] then skips from the first fragment's
    /// offset).
    #[inline]
    pub fn with_fragmented_frame_length(mut self, fragmented_frame_length: i32) -> Self {
        self.fragmented_frame_length = Some(fragmented_frame_length);
        self
    }

    /// The raw 32 header bytes.
    #[inline]
    pub fn bytes(&self) -> &'a [u8; 32] {
        self.bytes
    }

    #[inline]
    fn i32_at(&self, offset: usize) -> i32 {
        i32::from_le_bytes([
            self.bytes[offset],
            self.bytes[offset + 1],
            self.bytes[offset + 2],
            self.bytes[offset + 3],
        ])
    }

    /// Frame length (header plus payload, unaligned).
    #[inline]
    pub fn frame_length(&self) -> i32 {
        self.i32_at(FRAME_LENGTH_OFFSET)
    }

    /// Protocol version byte (0).
    #[inline]
    pub fn version(&self) -> u8 {
        self.bytes[VERSION_OFFSET]
    }

    /// Flags: B = 0x80, E = 0x40, EOS = 0x20, revoked = 0x10.
    #[inline]
    pub fn flags(&self) -> u8 {
        self.bytes[FLAGS_OFFSET]
    }

    /// Frame type (1 = DATA).
    #[inline]
    pub fn frame_type(&self) -> u16 {
        u16::from_le_bytes([self.bytes[TYPE_OFFSET], self.bytes[TYPE_OFFSET + 1]])
    }

    /// Offset of the frame in its term.
    #[inline]
    pub fn term_offset(&self) -> i32 {
        self.i32_at(TERM_OFFSET_OFFSET)
    }

    /// Session id.
    #[inline]
    pub fn session_id(&self) -> i32 {
        self.i32_at(SESSION_ID_OFFSET)
    }

    /// Stream id.
    #[inline]
    pub fn stream_id(&self) -> i32 {
        self.i32_at(STREAM_ID_OFFSET)
    }

    /// Term id.
    #[inline]
    pub fn term_id(&self) -> i32 {
        self.i32_at(TERM_ID_OFFSET)
    }

    /// The application-defined reserved value.
    #[inline]
    pub fn reserved_value(&self) -> i64 {
        let mut value = [0u8; 8];
        value.copy_from_slice(&self.bytes[RESERVED_VALUE_OFFSET..RESERVED_VALUE_OFFSET + 8]);
        i64::from_le_bytes(value)
    }

    /// The stream's initial term id.
    #[inline]
    pub fn initial_term_id(&self) -> i32 {
        self.initial_term_id
    }

    /// `log2(term_length)` of the stream.
    #[inline]
    pub fn position_bits_to_shift(&self) -> u32 {
        self.position_bits_to_shift
    }

    /// For a reassembled message, the bytes its fragments occupy in the term; `None` for a single frame.
    #[inline]
    pub fn fragmented_frame_length(&self) -> Option<i32> {
        self.fragmented_frame_length
    }

    /// The term offset just after this fragment (aligned): where the next frame starts.
    #[inline]
    pub fn next_term_offset(&self) -> i32 {
        let occupancy = self.fragmented_frame_length.unwrap_or_else(|| self.frame_length());
        align_frame_length(self.term_offset().wrapping_add(occupancy)) as i32
    }

    /// The stream position just after this fragment (aligned).
    #[inline]
    pub fn position(&self) -> i64 {
        compute_position(
            self.term_id(),
            self.next_term_offset(),
            self.position_bits_to_shift,
            self.initial_term_id,
        )
    }
}
