//! Response setup ([`ResponseSetup`], type `0x0B`, 20 bytes): a server's receiver tells a request
//! publication which session its response publication uses (response channels).
//!
//! Layout: common header, `session_id:i32 @8 | stream_id:i32 @12 | response_session_id:i32 @16`.
//!
//! Invariants: decoding accepts `20 <= frame_length <= src.len()`; encoding writes 20.

use super::FrameError;
use super::check_frame_length_fits;
use super::codec::{get_i32, get_u8, head, head_mut, put_i32};
use super::header::{
    FLAGS_FIELD_OFFSET, FRAME_HEADER_LENGTH, FRAME_LENGTH_FIELD_OFFSET, HDR_TYPE_RSP_SETUP,
    check_version_and_type, put_frame_header,
};

/// Offset of `session_id` (i32).
pub const SESSION_ID_FIELD_OFFSET: usize = 8;
/// Offset of `stream_id` (i32).
pub const STREAM_ID_FIELD_OFFSET: usize = 12;
/// Offset of `response_session_id` (i32).
pub const RESPONSE_SESSION_ID_FIELD_OFFSET: usize = 16;
/// Length of an RSP_SETUP frame.
pub const HEADER_LENGTH: usize = 20;

const _: () = assert!(SESSION_ID_FIELD_OFFSET == FRAME_HEADER_LENGTH);
const _: () = assert!(STREAM_ID_FIELD_OFFSET == SESSION_ID_FIELD_OFFSET + 4);
const _: () = assert!(RESPONSE_SESSION_ID_FIELD_OFFSET == STREAM_ID_FIELD_OFFSET + 4);
const _: () = assert!(HEADER_LENGTH == RESPONSE_SESSION_ID_FIELD_OFFSET + 4);

/// A response-setup frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ResponseSetup {
    /// Flags (0 on the wire).
    pub flags: u8,
    /// Session id of the request publication.
    pub session_id: i32,
    /// Stream id of the request publication.
    pub stream_id: i32,
    /// Session id of the response publication.
    pub response_session_id: i32,
}

impl ResponseSetup {
    /// Writes the 20-byte frame; returns 20.
    pub fn encode(&self, dst: &mut [u8]) -> Result<usize, FrameError> {
        let buf = head_mut::<HEADER_LENGTH>(dst)?;
        put_frame_header(buf, HEADER_LENGTH as i32, self.flags, HDR_TYPE_RSP_SETUP);
        put_i32(buf, SESSION_ID_FIELD_OFFSET, self.session_id);
        put_i32(buf, STREAM_ID_FIELD_OFFSET, self.stream_id);
        put_i32(buf, RESPONSE_SESSION_ID_FIELD_OFFSET, self.response_session_id);
        Ok(HEADER_LENGTH)
    }

    /// Reads an RSP_SETUP from the start of `src`: version 0, right type, `20 <= frame_length <= src.len()`.
    pub fn decode(src: &[u8]) -> Result<Self, FrameError> {
        let buf = head::<HEADER_LENGTH>(src)?;
        check_version_and_type(buf, HDR_TYPE_RSP_SETUP)?;
        check_frame_length_fits(
            get_i32(buf, FRAME_LENGTH_FIELD_OFFSET),
            HEADER_LENGTH,
            src.len(),
            HDR_TYPE_RSP_SETUP,
        )?;
        Ok(Self {
            flags: get_u8(buf, FLAGS_FIELD_OFFSET),
            session_id: get_i32(buf, SESSION_ID_FIELD_OFFSET),
            stream_id: get_i32(buf, STREAM_ID_FIELD_OFFSET),
            response_session_id: get_i32(buf, RESPONSE_SESSION_ID_FIELD_OFFSET),
        })
    }
}
