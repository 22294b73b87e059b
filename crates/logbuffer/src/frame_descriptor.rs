//! The DATA/PAD frame header layout inside a term (reference §1.2), as Aeron's `FrameDescriptor`.
//!
//! These constants are fixed by the Aeron wire format; they are kept private to this crate (the public frame
//! codecs live in `protocol`) except [`FRAME_ALIGNMENT`] and [`MAX_MESSAGE_LENGTH`].
//!
//! Invariants:
//! - every frame starts at a term offset that is a multiple of [`FRAME_ALIGNMENT`];
//! - `frame_length` (the first 4 bytes) is the unaligned length; `<= 0` means "not committed yet";
//! - the next frame starts at `align(frame_length, FRAME_ALIGNMENT)`.

use agrona::AtomicBuffer;

/// Frames in a term start at multiples of this many bytes.
pub const FRAME_ALIGNMENT: i32 = 32;

/// The largest message a publication accepts, whatever its term length (16 MiB).
pub const MAX_MESSAGE_LENGTH: i32 = 16 * 1024 * 1024;

/// Length of the DATA (and PAD) frame header.
pub(crate) const HEADER_LENGTH: i32 = 32;
/// [`HEADER_LENGTH`] as `usize`.
pub(crate) const HEADER_LENGTH_USIZE: usize = HEADER_LENGTH as usize;

pub(crate) const FRAME_LENGTH_OFFSET: usize = 0;
pub(crate) const VERSION_OFFSET: usize = 4;
pub(crate) const FLAGS_OFFSET: usize = 5;
pub(crate) const TYPE_OFFSET: usize = 6;
pub(crate) const TERM_OFFSET_OFFSET: usize = 8;
pub(crate) const SESSION_ID_OFFSET: usize = 12;
pub(crate) const STREAM_ID_OFFSET: usize = 16;
pub(crate) const TERM_ID_OFFSET: usize = 20;
pub(crate) const RESERVED_VALUE_OFFSET: usize = 24;

pub(crate) const BEGIN_FRAG_FLAG: u8 = 0x80;
pub(crate) const END_FRAG_FLAG: u8 = 0x40;
pub(crate) const UNFRAGMENTED: u8 = BEGIN_FRAG_FLAG | END_FRAG_FLAG;

pub(crate) const HDR_TYPE_PAD: u16 = 0x00;
pub(crate) const HDR_TYPE_DATA: u16 = 0x01;

/// Rounds a (non-negative) frame length up to [`FRAME_ALIGNMENT`], in `i64` so that no length overflows.
#[inline]
pub(crate) const fn align_frame_length(length: i32) -> i64 {
    (length as i64 + (FRAME_ALIGNMENT as i64 - 1)) & !(FRAME_ALIGNMENT as i64 - 1)
}

/// Rounds a frame length known to be small (at most a term) up to [`FRAME_ALIGNMENT`].
#[inline]
pub(crate) const fn align_i32(length: i32) -> i32 {
    (length + (FRAME_ALIGNMENT - 1)) & !(FRAME_ALIGNMENT - 1)
}

/// Acquire load of the frame length at `frame_offset` (the commit word).
#[inline]
pub(crate) fn frame_length_volatile(term: &AtomicBuffer, frame_offset: usize) -> i32 {
    term.get_i32_volatile(frame_offset + FRAME_LENGTH_OFFSET)
}

/// Release store of the frame length at `frame_offset` (commits the frame).
#[inline]
pub(crate) fn frame_length_ordered(term: &AtomicBuffer, frame_offset: usize, frame_length: i32) {
    term.put_i32_ordered(frame_offset + FRAME_LENGTH_OFFSET, frame_length)
}

/// True if the frame at `frame_offset` has the PAD type.
#[inline]
pub(crate) fn is_padding_frame(term: &AtomicBuffer, frame_offset: usize) -> bool {
    term.get_u16(frame_offset + TYPE_OFFSET) == HDR_TYPE_PAD
}

/// Sets the type of the frame at `frame_offset`.
#[inline]
pub(crate) fn set_frame_type(term: &AtomicBuffer, frame_offset: usize, frame_type: u16) {
    term.put_u16(frame_offset + TYPE_OFFSET, frame_type)
}

/// Sets the flags of the frame at `frame_offset`.
#[inline]
pub(crate) fn set_frame_flags(term: &AtomicBuffer, frame_offset: usize, flags: u8) {
    term.put_u8(frame_offset + FLAGS_OFFSET, flags)
}

/// True if `term_offset` is a valid place for a frame header in a term of `capacity` bytes: non-negative,
/// frame-aligned, and with room for the whole header.
#[inline]
pub(crate) fn is_valid_frame_offset(term_offset: i64, capacity: usize) -> bool {
    term_offset >= 0
        && term_offset & (FRAME_ALIGNMENT as i64 - 1) == 0
        && term_offset + HEADER_LENGTH as i64 <= capacity as i64
}
