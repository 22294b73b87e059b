//! [`FrameError`]: every way a frame codec, datagram check or semantic validator can reject input.

use thiserror::Error;

/// Why a frame could not be decoded, encoded or accepted.
///
/// Decoders and validators return this for any short, malformed or inconsistent input; they never panic.
/// Encoders return it when the destination is too small or the struct holds a value the wire format cannot
/// carry (so `decode(encode(x)) == x` whenever `encode(x)` succeeds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum FrameError {
    /// The source holds fewer bytes than the frame (or check) needs.
    #[error("input too short: {needed} bytes needed, {actual} available")]
    TooShort {
        /// Bytes required.
        needed: usize,
        /// Bytes available.
        actual: usize,
    },
    /// The destination buffer is too small for the encoded frame.
    #[error("destination too small: {needed} bytes needed, capacity {capacity}")]
    BufferTooSmall {
        /// Bytes the encoding needs.
        needed: usize,
        /// Bytes the destination holds.
        capacity: usize,
    },
    /// The version byte is not [`CURRENT_VERSION`](super::CURRENT_VERSION).
    #[error("unsupported frame version {0}")]
    UnsupportedVersion(u8),
    /// The type field is not the one this decoder handles.
    #[error("unexpected frame type {actual:#06x} (expected {expected:#06x})")]
    UnexpectedType {
        /// Type this decoder handles.
        expected: u16,
        /// Type found in the frame.
        actual: u16,
    },
    /// The type field names no frame this implementation accepts (unknown, ATS or extension).
    #[error("unsupported frame type {0:#06x}")]
    UnsupportedType(u16),
    /// The frame type is valid but not accepted on this side (data side or control side).
    #[error("frame type {0:#06x} is not accepted on this socket side")]
    NotAcceptedOnThisSide(u16),
    /// The `frame_length` field is negative.
    #[error("negative frame_length {0}")]
    NegativeFrameLength(i32),
    /// The `frame_length` field is not allowed for this frame type.
    #[error("invalid frame_length {frame_length} for frame type {frame_type:#06x}")]
    InvalidFrameLength {
        /// Frame type.
        frame_type: u16,
        /// Offending `frame_length`.
        frame_length: i32,
    },
    /// The `frame_length` field claims more bytes than the datagram holds.
    #[error("frame_length {frame_length} exceeds the datagram length {datagram_length}")]
    FrameLengthExceedsDatagram {
        /// Claimed frame length.
        frame_length: i32,
        /// Datagram length.
        datagram_length: usize,
    },
    /// A DATA/PAD datagram whose length is not a multiple of 32.
    #[error("DATA/PAD datagram length {0} is not a multiple of 32")]
    UnalignedDatagram(usize),
    /// An ERR frame whose message length is outside `0..=1023` or does not fit the frame.
    #[error("invalid error message length {error_length} in ERR frame of length {frame_length}")]
    InvalidErrorLength {
        /// The `error_length` field (or the message length being encoded).
        error_length: i64,
        /// The frame length it must fit in.
        frame_length: i64,
    },
    /// A payload too long to describe with an `i32` `frame_length`.
    #[error("payload of {0} bytes is too long for one frame")]
    PayloadTooLong(usize),
    /// Walking a DATA datagram: a frame's `frame_length` is below 32 (and this is not a heartbeat).
    #[error("frame at datagram offset {datagram_offset}: frame_length {frame_length} is below 32")]
    FrameTooShort {
        /// Offset of the frame within the datagram.
        datagram_offset: usize,
        /// Its `frame_length`.
        frame_length: i32,
    },
    /// Walking a DATA datagram: a frame whose type is neither DATA nor PAD.
    #[error("frame at datagram offset {datagram_offset}: type {frame_type:#06x} is neither DATA nor PAD")]
    NotDataOrPad {
        /// Offset of the frame within the datagram.
        datagram_offset: usize,
        /// Its type.
        frame_type: u16,
    },
    /// Walking a DATA datagram: a frame's `term_offset` field does not follow the previous frame.
    #[error("frame at datagram offset {datagram_offset}: term_offset {actual}, expected {expected}")]
    TermOffsetMismatch {
        /// Offset of the frame within the datagram.
        datagram_offset: usize,
        /// Term offset implied by the previous frames.
        expected: i64,
        /// Term offset found in the frame.
        actual: i32,
    },
    /// Walking a DATA datagram: a frame would end past the end of the term.
    #[error(
        "frame at datagram offset {datagram_offset} ends at term offset {end}, past the term length {term_length}"
    )]
    PastTermEnd {
        /// Offset of the frame within the datagram.
        datagram_offset: usize,
        /// Term offset where the (aligned) frame would end.
        end: i64,
        /// Term length.
        term_length: i32,
    },
    /// Walking a DATA datagram: a DATA frame (or a PAD frame that is not last) is cut off by the datagram end.
    #[error(
        "frame at datagram offset {datagram_offset} needs {aligned_length} bytes, only {remaining} remain"
    )]
    TruncatedFrame {
        /// Offset of the frame within the datagram.
        datagram_offset: usize,
        /// Its aligned length.
        aligned_length: i64,
        /// Bytes left in the datagram from its start.
        remaining: usize,
    },
    /// Walking a DATA datagram: fewer than 32 bytes are left after the last whole frame.
    #[error("{remaining} trailing bytes at datagram offset {datagram_offset}")]
    TrailingBytes {
        /// Where the trailing bytes start.
        datagram_offset: usize,
        /// How many there are.
        remaining: usize,
    },
    /// A term length that is not a power of two in `[64 KiB, 1 GiB]`.
    #[error("invalid term length {0}: must be a power of two in [65536, 1073741824]")]
    InvalidTermLength(i32),
    /// A term offset outside `[0, term_length)` or not 32-aligned.
    #[error("invalid term offset {term_offset} for term length {term_length}")]
    InvalidTermOffset {
        /// Offending term offset.
        term_offset: i32,
        /// Term length it was checked against.
        term_length: i32,
    },
    /// An MTU outside `[32, 65504]` or not 32-aligned.
    #[error("invalid mtu {0}: must be a multiple of 32 in [32, 65504]")]
    InvalidMtu(i32),
    /// An SM receiver window outside `[0, term_length / 2]`.
    #[error("invalid receiver window {receiver_window} for term length {term_length}")]
    InvalidReceiverWindow {
        /// Offending window.
        receiver_window: i32,
        /// Term length it was checked against.
        term_length: i32,
    },
    /// A NAK whose range is negative or runs past the end of the term.
    #[error("invalid NAK range: offset {term_offset} length {length} for term length {term_length}")]
    InvalidNakRange {
        /// Start of the range.
        term_offset: i32,
        /// Length of the range.
        length: i32,
        /// Term length it was checked against.
        term_length: i32,
    },
}
