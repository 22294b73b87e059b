//! Error frame ([`ErrorFrame`], type `0x04`, 40 + n bytes): a receiver tells a sender it rejected the image
//! (sent in place of SMs); the sender treats it like losing that receiver.
//!
//! Layout: common header, `session_id:i32 @8 | stream_id:i32 @12 | receiver_id:i64 @16 | group_tag:i64 @24 |
//! error_code:i32 @32 | error_length:i32 @36 | message[error_length] @40` (ASCII).
//!
//! Invariants: `0 <= error_length <= 1023` and `40 + error_length <= frame_length <= src.len()` on decode;
//! encode writes `frame_length = 40 + message.len()` and refuses messages over 1023 bytes.

use super::FrameError;
use super::codec::{get_i32, get_i64, get_u8, head, head_mut, put_i32, put_i64};
use super::header::{
    FLAGS_FIELD_OFFSET, FRAME_HEADER_LENGTH, FRAME_LENGTH_FIELD_OFFSET, HDR_TYPE_ERR, check_version_and_type,
    put_frame_header,
};

/// Offset of `session_id` (i32).
pub const SESSION_ID_FIELD_OFFSET: usize = 8;
/// Offset of `stream_id` (i32).
pub const STREAM_ID_FIELD_OFFSET: usize = 12;
/// Offset of `receiver_id` (i64).
pub const RECEIVER_ID_FIELD_OFFSET: usize = 16;
/// Offset of `group_tag` (i64), meaningful only with [`HAS_GROUP_TAG_FLAG`].
pub const GROUP_TAG_FIELD_OFFSET: usize = 24;
/// Offset of `error_code` (i32, an Aeron `ErrorCode` value).
pub const ERROR_CODE_FIELD_OFFSET: usize = 32;
/// Offset of `error_length` (i32).
pub const ERROR_LENGTH_FIELD_OFFSET: usize = 36;
/// Offset of the ASCII message; also the fixed header length.
pub const ERROR_MESSAGE_FIELD_OFFSET: usize = 40;
/// Length of the fixed part of an ERR frame.
pub const HEADER_LENGTH: usize = ERROR_MESSAGE_FIELD_OFFSET;
/// Longest message an ERR frame carries.
pub const MAX_ERROR_MESSAGE_LENGTH: usize = 1023;
/// Longest ERR frame.
pub const MAX_ERROR_FRAME_LENGTH: usize = HEADER_LENGTH + MAX_ERROR_MESSAGE_LENGTH;

const _: () = assert!(SESSION_ID_FIELD_OFFSET == FRAME_HEADER_LENGTH);
const _: () = assert!(STREAM_ID_FIELD_OFFSET == SESSION_ID_FIELD_OFFSET + 4);
const _: () = assert!(RECEIVER_ID_FIELD_OFFSET == STREAM_ID_FIELD_OFFSET + 4);
const _: () = assert!(GROUP_TAG_FIELD_OFFSET == RECEIVER_ID_FIELD_OFFSET + 8);
const _: () = assert!(ERROR_CODE_FIELD_OFFSET == GROUP_TAG_FIELD_OFFSET + 8);
const _: () = assert!(ERROR_LENGTH_FIELD_OFFSET == ERROR_CODE_FIELD_OFFSET + 4);
const _: () = assert!(ERROR_MESSAGE_FIELD_OFFSET == ERROR_LENGTH_FIELD_OFFSET + 4);
const _: () = assert!(MAX_ERROR_FRAME_LENGTH == 1063);

/// Flag: the `group_tag` field is meaningful.
pub const HAS_GROUP_TAG_FLAG: u8 = 0x08;

/// An ERR frame. The message is kept as raw bytes (ASCII on the wire); see
/// [`message_lossy`](Self::message_lossy) for display.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ErrorFrame {
    /// [`HAS_GROUP_TAG_FLAG`] or 0.
    pub flags: u8,
    /// Session id of the rejected image.
    pub session_id: i32,
    /// Stream id of the rejected image.
    pub stream_id: i32,
    /// Receiver id of the rejecting receiver.
    pub receiver_id: i64,
    /// Receiver group tag (raw; meaningful only with [`HAS_GROUP_TAG_FLAG`]).
    pub group_tag: i64,
    /// Aeron `ErrorCode` value (for example 13 = IMAGE_REJECTED).
    pub error_code: i32,
    /// Message bytes, at most [`MAX_ERROR_MESSAGE_LENGTH`].
    pub message: Vec<u8>,
}

impl ErrorFrame {
    /// The encoded length: 40 + message length.
    pub fn frame_length(&self) -> usize {
        HEADER_LENGTH + self.message.len()
    }

    /// Writes the frame; returns `40 + message.len()`. Fails if the message exceeds 1023 bytes.
    pub fn encode(&self, dst: &mut [u8]) -> Result<usize, FrameError> {
        let message_length = self.message.len();
        if message_length > MAX_ERROR_MESSAGE_LENGTH {
            return Err(FrameError::InvalidErrorLength {
                error_length: message_length as i64,
                frame_length: (HEADER_LENGTH + message_length) as i64,
            });
        }
        let frame_length = self.frame_length();
        if dst.len() < frame_length {
            return Err(FrameError::BufferTooSmall { needed: frame_length, capacity: dst.len() });
        }
        let buf = head_mut::<HEADER_LENGTH>(dst)?;
        put_frame_header(buf, frame_length as i32, self.flags, HDR_TYPE_ERR);
        put_i32(buf, SESSION_ID_FIELD_OFFSET, self.session_id);
        put_i32(buf, STREAM_ID_FIELD_OFFSET, self.stream_id);
        put_i64(buf, RECEIVER_ID_FIELD_OFFSET, self.receiver_id);
        put_i64(buf, GROUP_TAG_FIELD_OFFSET, self.group_tag);
        put_i32(buf, ERROR_CODE_FIELD_OFFSET, self.error_code);
        put_i32(buf, ERROR_LENGTH_FIELD_OFFSET, message_length as i32);
        dst[HEADER_LENGTH..frame_length].copy_from_slice(&self.message);
        Ok(frame_length)
    }

    /// Reads an ERR frame from the start of `src` (Aeron `ErrorFlyweight.isValid` plus bounds): version 0,
    /// type ERR, `0 <= error_length <= 1023`, `40 + error_length <= frame_length <= src.len()`.
    pub fn decode(src: &[u8]) -> Result<Self, FrameError> {
        let buf = head::<HEADER_LENGTH>(src)?;
        check_version_and_type(buf, HDR_TYPE_ERR)?;
        let frame_length = get_i32(buf, FRAME_LENGTH_FIELD_OFFSET);
        let error_length = get_i32(buf, ERROR_LENGTH_FIELD_OFFSET);
        if frame_length < 0 || frame_length as usize > src.len() {
            return Err(FrameError::FrameLengthExceedsDatagram { frame_length, datagram_length: src.len() });
        }
        let message_end = HEADER_LENGTH as i64 + i64::from(error_length);
        if error_length < 0
            || error_length as usize > MAX_ERROR_MESSAGE_LENGTH
            || message_end > i64::from(frame_length)
        {
            return Err(FrameError::InvalidErrorLength {
                error_length: i64::from(error_length),
                frame_length: i64::from(frame_length),
            });
        }
        let message = src[HEADER_LENGTH..message_end as usize].to_vec();
        Ok(Self {
            flags: get_u8(buf, FLAGS_FIELD_OFFSET),
            session_id: get_i32(buf, SESSION_ID_FIELD_OFFSET),
            stream_id: get_i32(buf, STREAM_ID_FIELD_OFFSET),
            receiver_id: get_i64(buf, RECEIVER_ID_FIELD_OFFSET),
            group_tag: get_i64(buf, GROUP_TAG_FIELD_OFFSET),
            error_code: get_i32(buf, ERROR_CODE_FIELD_OFFSET),
            message,
        })
    }

    /// The group tag if [`HAS_GROUP_TAG_FLAG`] is set.
    pub const fn group_tag_if_flagged(&self) -> Option<i64> {
        if self.flags & HAS_GROUP_TAG_FLAG != 0 { Some(self.group_tag) } else { None }
    }

    /// The message as text (non-UTF-8 bytes replaced).
    pub fn message_lossy(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.message)
    }
}
