//! Checking one recorded frame header against the position it was found at (Aeron's `ArchiveTool verify`
//! frame checks and the replay session's header check): [`check_frame`], [`FrameProblem`].
//!
//! Frame header fields used (reference §1.2): `frame_length:i32` @0, `type:u16` @6, `term_offset:i32` @8,
//! `session_id:i32` @12 (the CRC-32C of the frame body when the record checksum is on), `stream_id:i32`
//! @16, `term_id:i32` @20.
//!
//! Invariant: never panics, whatever the bytes; a frame is accepted only if its length is at least a
//! header, it stays inside its term, its type is DATA or PAD, and its term offset and term id are the
//! ones its position implies.

use crate::SegmentGeometry;
use agrona::crc32c::crc32c;

/// Length of a DATA/PAD frame header.
pub const FRAME_HEADER_LENGTH: usize = 32;
/// Frames start at multiples of this.
pub const FRAME_ALIGNMENT: usize = 32;
/// `frame_length` offset.
pub const FRAME_LENGTH_OFFSET: usize = 0;
/// `type` offset.
pub const FRAME_TYPE_OFFSET: usize = 6;
/// `term_offset` offset.
pub const FRAME_TERM_OFFSET_OFFSET: usize = 8;
/// `session_id` offset (the checksum when record checksums are on).
pub const FRAME_SESSION_ID_OFFSET: usize = 12;
/// `stream_id` offset.
pub const FRAME_STREAM_ID_OFFSET: usize = 16;
/// `term_id` offset.
pub const FRAME_TERM_ID_OFFSET: usize = 20;
/// PAD frame type.
pub const FRAME_TYPE_PAD: u16 = 0;
/// DATA frame type.
pub const FRAME_TYPE_DATA: u16 = 1;

/// What is wrong with a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FrameProblem {
    /// Fewer than a header's bytes are available.
    #[error("frame header truncated")]
    HeaderTruncated,
    /// `frame_length` is below the header length (0 = nothing written there).
    #[error("frame length {0} below a header")]
    LengthTooSmall(i32),
    /// The frame runs past the end of its term.
    #[error("frame of length {0} runs past the end of its term")]
    RunsPastTerm(i32),
    /// Neither DATA nor PAD.
    #[error("unknown frame type {0}")]
    UnknownType(u16),
    /// `term_offset` does not match the position.
    #[error("term offset {found}, expected {expected}")]
    TermOffsetMismatch {
        /// Implied by the position.
        expected: i32,
        /// Stored.
        found: i32,
    },
    /// `term_id` does not match the position.
    #[error("term id {found}, expected {expected}")]
    TermIdMismatch {
        /// Implied by the position.
        expected: i32,
        /// Stored.
        found: i32,
    },
    /// `stream_id` is not the recording's.
    #[error("stream id {found}, expected {expected}")]
    StreamIdMismatch {
        /// The recording's.
        expected: i32,
        /// Stored.
        found: i32,
    },
    /// The record checksum in `session_id` does not match the frame body.
    #[error("checksum mismatch")]
    ChecksumMismatch,
}

/// A frame that passed [`check_frame`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckedFrame {
    /// The stored (unaligned) frame length.
    pub frame_length: i32,
    /// The frame length rounded up to 32: the distance to the next frame.
    pub aligned_length: usize,
    /// True for a PAD frame (stored as its header only).
    pub is_padding: bool,
}

pub(crate) fn read_i32(bytes: &[u8], offset: usize) -> i32 {
    i32::from_le_bytes([bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3]])
}

/// Checks the frame header at the start of `frame` (at least the header; more bytes only matter for the
/// checksum) found at stream `position`. `stream_id` is checked when given.
pub fn check_frame(
    frame: &[u8],
    position: i64,
    geometry: &SegmentGeometry,
    stream_id: Option<i32>,
) -> Result<CheckedFrame, FrameProblem> {
    if frame.len() < FRAME_HEADER_LENGTH {
        return Err(FrameProblem::HeaderTruncated);
    }
    let frame_length = read_i32(frame, FRAME_LENGTH_OFFSET);
    if frame_length < FRAME_HEADER_LENGTH as i32 {
        return Err(FrameProblem::LengthTooSmall(frame_length));
    }
    let aligned_length = agrona::align(frame_length as usize, FRAME_ALIGNMENT);
    let term_offset = geometry.term_offset(position);
    if term_offset as usize + aligned_length > geometry.term_length() as usize {
        return Err(FrameProblem::RunsPastTerm(frame_length));
    }
    let frame_type = u16::from_le_bytes([frame[FRAME_TYPE_OFFSET], frame[FRAME_TYPE_OFFSET + 1]]);
    if frame_type != FRAME_TYPE_DATA && frame_type != FRAME_TYPE_PAD {
        return Err(FrameProblem::UnknownType(frame_type));
    }
    let found_offset = read_i32(frame, FRAME_TERM_OFFSET_OFFSET);
    if found_offset != term_offset {
        return Err(FrameProblem::TermOffsetMismatch { expected: term_offset, found: found_offset });
    }
    let expected_term_id = geometry.term_id(position);
    let found_term_id = read_i32(frame, FRAME_TERM_ID_OFFSET);
    if found_term_id != expected_term_id {
        return Err(FrameProblem::TermIdMismatch { expected: expected_term_id, found: found_term_id });
    }
    if let Some(expected) = stream_id {
        let found = read_i32(frame, FRAME_STREAM_ID_OFFSET);
        if found != expected {
            return Err(FrameProblem::StreamIdMismatch { expected, found });
        }
    }
    Ok(CheckedFrame { frame_length, aligned_length, is_padding: frame_type == FRAME_TYPE_PAD })
}

/// The record checksum of a DATA frame: CRC-32C of `[32, aligned_length)` of the frame, as `i32`.
pub fn frame_checksum(frame: &[u8], aligned_length: usize) -> i32 {
    let end = aligned_length.min(frame.len());
    crc32c(frame.get(FRAME_HEADER_LENGTH..end).unwrap_or(&[])) as i32
}

/// Checks a DATA frame's record checksum (stored in `session_id`); PAD frames always pass.
pub fn check_frame_checksum(frame: &[u8], checked: &CheckedFrame) -> Result<(), FrameProblem> {
    if checked.is_padding {
        return Ok(());
    }
    if frame.len() < checked.aligned_length {
        return Err(FrameProblem::HeaderTruncated);
    }
    if read_i32(frame, FRAME_SESSION_ID_OFFSET) == frame_checksum(frame, checked.aligned_length) {
        Ok(())
    } else {
        Err(FrameProblem::ChecksumMismatch)
    }
}
