//! NAK ([`Nak`], type `0x02`, 28 bytes): a receiver asks for a gap to be resent.
//!
//! Layout: common header, `session_id:i32 @8 | stream_id:i32 @12 | term_id:i32 @16 | term_offset:i32 @20 |
//! length:i32 @24`. Note the order: `term_id` before `term_offset`, unlike DATA.
//!
//! Invariants: decoding accepts `28 <= frame_length <= src.len()`; encoding writes 28.

use super::FrameError;
use super::codec::{get_i32, get_u8, head, head_mut, put_i32};
use super::header::{
    FLAGS_FIELD_OFFSET, FRAME_HEADER_LENGTH, FRAME_LENGTH_FIELD_OFFSET, HDR_TYPE_NAK, check_version_and_type,
    put_frame_header,
};
use super::{check_frame_length_fits, check_term_offset};

/// Offset of `session_id` (i32).
pub const SESSION_ID_FIELD_OFFSET: usize = 8;
/// Offset of `stream_id` (i32).
pub const STREAM_ID_FIELD_OFFSET: usize = 12;
/// Offset of `term_id` (i32).
pub const TERM_ID_FIELD_OFFSET: usize = 16;
/// Offset of `term_offset` (i32): the start of the gap.
pub const TERM_OFFSET_FIELD_OFFSET: usize = 20;
/// Offset of `length` (i32): the length of the gap.
pub const LENGTH_FIELD_OFFSET: usize = 24;
/// Length of a NAK frame.
pub const HEADER_LENGTH: usize = 28;

const _: () = assert!(SESSION_ID_FIELD_OFFSET == FRAME_HEADER_LENGTH);
const _: () = assert!(STREAM_ID_FIELD_OFFSET == SESSION_ID_FIELD_OFFSET + 4);
const _: () = assert!(TERM_ID_FIELD_OFFSET == STREAM_ID_FIELD_OFFSET + 4);
const _: () = assert!(TERM_OFFSET_FIELD_OFFSET == TERM_ID_FIELD_OFFSET + 4);
const _: () = assert!(LENGTH_FIELD_OFFSET == TERM_OFFSET_FIELD_OFFSET + 4);
const _: () = assert!(HEADER_LENGTH == LENGTH_FIELD_OFFSET + 4);

/// A NAK. Decode, then [`validate`](Self::validate) against the publication's term length before resending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Nak {
    /// Flags (0 on the wire).
    pub flags: u8,
    /// Session id of the image.
    pub session_id: i32,
    /// Stream id of the image.
    pub stream_id: i32,
    /// Term holding the gap.
    pub term_id: i32,
    /// Start of the gap within the term.
    pub term_offset: i32,
    /// Length of the gap in bytes.
    pub length: i32,
}

impl Nak {
    /// Writes the 28-byte frame; returns 28.
    pub fn encode(&self, dst: &mut [u8]) -> Result<usize, FrameError> {
        let buf = head_mut::<HEADER_LENGTH>(dst)?;
        put_frame_header(buf, HEADER_LENGTH as i32, self.flags, HDR_TYPE_NAK);
        put_i32(buf, SESSION_ID_FIELD_OFFSET, self.session_id);
        put_i32(buf, STREAM_ID_FIELD_OFFSET, self.stream_id);
        put_i32(buf, TERM_ID_FIELD_OFFSET, self.term_id);
        put_i32(buf, TERM_OFFSET_FIELD_OFFSET, self.term_offset);
        put_i32(buf, LENGTH_FIELD_OFFSET, self.length);
        Ok(HEADER_LENGTH)
    }

    /// Reads a NAK from the start of `src`: version 0, type NAK, `28 <= frame_length <= src.len()`.
    pub fn decode(src: &[u8]) -> Result<Self, FrameError> {
        let buf = head::<HEADER_LENGTH>(src)?;
        check_version_and_type(buf, HDR_TYPE_NAK)?;
        check_frame_length_fits(
            get_i32(buf, FRAME_LENGTH_FIELD_OFFSET),
            HEADER_LENGTH,
            src.len(),
            HDR_TYPE_NAK,
        )?;
        Ok(Self {
            flags: get_u8(buf, FLAGS_FIELD_OFFSET),
            session_id: get_i32(buf, SESSION_ID_FIELD_OFFSET),
            stream_id: get_i32(buf, STREAM_ID_FIELD_OFFSET),
            term_id: get_i32(buf, TERM_ID_FIELD_OFFSET),
            term_offset: get_i32(buf, TERM_OFFSET_FIELD_OFFSET),
            length: get_i32(buf, LENGTH_FIELD_OFFSET),
        })
    }

    /// Aeron `NakFlyweight.isValid`: the offset is in `[0, term_length)` and 32-aligned, `length >= 0`, and
    /// `term_offset + length <= term_length`.
    pub fn validate(&self, term_length: i32) -> Result<(), FrameError> {
        check_term_offset(self.term_offset, term_length)?;
        if self.length < 0 || i64::from(self.term_offset) + i64::from(self.length) > i64::from(term_length) {
            return Err(FrameError::InvalidNakRange {
                term_offset: self.term_offset,
                length: self.length,
                term_length,
            });
        }
        Ok(())
    }

    /// `validate(term_length).is_ok()`.
    pub fn is_valid(&self, term_length: i32) -> bool {
        self.validate(term_length).is_ok()
    }
}
