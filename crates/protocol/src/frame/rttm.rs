//! RTT measurement ([`RttMeasurement`], type `0x06`, 40 bytes). A receiver sends one with REPLY set; the
//! sender answers with `echo_timestamp` and `receiver_id` copied, `reception_delta` 0 and flags 0.
//!
//! Layout: common header, `session_id:i32 @8 | stream_id:i32 @12 | echo_timestamp:i64 @16 |
//! reception_delta:i64 @24 | receiver_id:i64 @32`.
//!
//! Invariants: decoding accepts `40 <= frame_length <= src.len()`; encoding writes 40.

use super::FrameError;
use super::check_frame_length_fits;
use super::codec::{get_i32, get_i64, get_u8, head, head_mut, put_i32, put_i64};
use super::header::{
    FLAGS_FIELD_OFFSET, FRAME_HEADER_LENGTH, FRAME_LENGTH_FIELD_OFFSET, HDR_TYPE_RTTM,
    check_version_and_type, put_frame_header,
};

/// Offset of `session_id` (i32).
pub const SESSION_ID_FIELD_OFFSET: usize = 8;
/// Offset of `stream_id` (i32).
pub const STREAM_ID_FIELD_OFFSET: usize = 12;
/// Offset of `echo_timestamp` (i64, ns).
pub const ECHO_TIMESTAMP_FIELD_OFFSET: usize = 16;
/// Offset of `reception_delta` (i64, ns).
pub const RECEPTION_DELTA_FIELD_OFFSET: usize = 24;
/// Offset of `receiver_id` (i64).
pub const RECEIVER_ID_FIELD_OFFSET: usize = 32;
/// Length of an RTTM frame.
pub const HEADER_LENGTH: usize = 40;

const _: () = assert!(SESSION_ID_FIELD_OFFSET == FRAME_HEADER_LENGTH);
const _: () = assert!(STREAM_ID_FIELD_OFFSET == SESSION_ID_FIELD_OFFSET + 4);
const _: () = assert!(ECHO_TIMESTAMP_FIELD_OFFSET == STREAM_ID_FIELD_OFFSET + 4);
const _: () = assert!(RECEPTION_DELTA_FIELD_OFFSET == ECHO_TIMESTAMP_FIELD_OFFSET + 8);
const _: () = assert!(RECEIVER_ID_FIELD_OFFSET == RECEPTION_DELTA_FIELD_OFFSET + 8);
const _: () = assert!(HEADER_LENGTH == RECEIVER_ID_FIELD_OFFSET + 8);

/// Flag: please reply.
pub const REPLY_FLAG: u8 = 0x80;

/// An RTT measurement frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RttMeasurement {
    /// [`REPLY_FLAG`] or 0.
    pub flags: u8,
    /// Session id.
    pub session_id: i32,
    /// Stream id.
    pub stream_id: i32,
    /// Timestamp (ns) to echo back.
    pub echo_timestamp_ns: i64,
    /// Time (ns) between reception and reply.
    pub reception_delta_ns: i64,
    /// Receiver id of the measuring receiver.
    pub receiver_id: i64,
}

impl RttMeasurement {
    /// Writes the 40-byte frame; returns 40.
    pub fn encode(&self, dst: &mut [u8]) -> Result<usize, FrameError> {
        let buf = head_mut::<HEADER_LENGTH>(dst)?;
        put_frame_header(buf, HEADER_LENGTH as i32, self.flags, HDR_TYPE_RTTM);
        put_i32(buf, SESSION_ID_FIELD_OFFSET, self.session_id);
        put_i32(buf, STREAM_ID_FIELD_OFFSET, self.stream_id);
        put_i64(buf, ECHO_TIMESTAMP_FIELD_OFFSET, self.echo_timestamp_ns);
        put_i64(buf, RECEPTION_DELTA_FIELD_OFFSET, self.reception_delta_ns);
        put_i64(buf, RECEIVER_ID_FIELD_OFFSET, self.receiver_id);
        Ok(HEADER_LENGTH)
    }

    /// Reads an RTTM from the start of `src`: version 0, type RTTM, `40 <= frame_length <= src.len()`.
    pub fn decode(src: &[u8]) -> Result<Self, FrameError> {
        let buf = head::<HEADER_LENGTH>(src)?;
        check_version_and_type(buf, HDR_TYPE_RTTM)?;
        check_frame_length_fits(
            get_i32(buf, FRAME_LENGTH_FIELD_OFFSET),
            HEADER_LENGTH,
            src.len(),
            HDR_TYPE_RTTM,
        )?;
        Ok(Self {
            flags: get_u8(buf, FLAGS_FIELD_OFFSET),
            session_id: get_i32(buf, SESSION_ID_FIELD_OFFSET),
            stream_id: get_i32(buf, STREAM_ID_FIELD_OFFSET),
            echo_timestamp_ns: get_i64(buf, ECHO_TIMESTAMP_FIELD_OFFSET),
            reception_delta_ns: get_i64(buf, RECEPTION_DELTA_FIELD_OFFSET),
            receiver_id: get_i64(buf, RECEIVER_ID_FIELD_OFFSET),
        })
    }

    /// Whether REPLY is set (the receiver of this frame must answer).
    pub const fn is_reply_requested(&self) -> bool {
        self.flags & REPLY_FLAG != 0
    }

    /// The answer a sender returns for this measurement: same session, stream, echo timestamp and receiver
    /// id; delta 0; flags 0.
    pub const fn reply(&self) -> Self {
        Self { flags: 0, reception_delta_ns: 0, ..*self }
    }
}
