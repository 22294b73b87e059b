//! Status message ([`StatusMessage`], type `0x03`, 36 bytes or 44 with a group tag): a receiver's
//! consumption position and window, which drive the sender's flow control.
//!
//! Layout: common header, `session_id:i32 @8 | stream_id:i32 @12 | consumption_term_id:i32 @16 |
//! consumption_term_offset:i32 @20 | receiver_window:i32 @24 | receiver_id:i64 @28 | group_tag:i64 @36`.
//!
//! Invariants: `frame_length` is 36 (no group tag) or 44 (group tag present) — any other length is
//! rejected (Aeron 1.54 receivers only send these two; the old 4-byte "preferred" ASF is not supported).
//! `receiver_id` and `group_tag` are only 4-byte aligned; they are read byte-wise.

use super::FrameError;
use super::check_term_offset;
use super::codec::{get_i32, get_i64, get_u8, head, head_mut, put_i32, put_i64};
use super::header::{
    FLAGS_FIELD_OFFSET, FRAME_HEADER_LENGTH, FRAME_LENGTH_FIELD_OFFSET, HDR_TYPE_SM, check_version_and_type,
    put_frame_header,
};

/// Offset of `session_id` (i32).
pub const SESSION_ID_FIELD_OFFSET: usize = 8;
/// Offset of `stream_id` (i32).
pub const STREAM_ID_FIELD_OFFSET: usize = 12;
/// Offset of `consumption_term_id` (i32).
pub const CONSUMPTION_TERM_ID_FIELD_OFFSET: usize = 16;
/// Offset of `consumption_term_offset` (i32).
pub const CONSUMPTION_TERM_OFFSET_FIELD_OFFSET: usize = 20;
/// Offset of `receiver_window` (i32).
pub const RECEIVER_WINDOW_FIELD_OFFSET: usize = 24;
/// Offset of `receiver_id` (i64, 4-byte aligned only).
pub const RECEIVER_ID_FIELD_OFFSET: usize = 28;
/// Length of an SM without application-specific feedback.
pub const HEADER_LENGTH: usize = 36;
/// Offset of the optional `group_tag` (i64), the application-specific feedback.
pub const GROUP_TAG_FIELD_OFFSET: usize = HEADER_LENGTH;
/// Length of an SM carrying a group tag.
pub const HEADER_LENGTH_WITH_GROUP_TAG: usize = 44;

const _: () = assert!(SESSION_ID_FIELD_OFFSET == FRAME_HEADER_LENGTH);
const _: () = assert!(STREAM_ID_FIELD_OFFSET == SESSION_ID_FIELD_OFFSET + 4);
const _: () = assert!(CONSUMPTION_TERM_ID_FIELD_OFFSET == STREAM_ID_FIELD_OFFSET + 4);
const _: () = assert!(CONSUMPTION_TERM_OFFSET_FIELD_OFFSET == CONSUMPTION_TERM_ID_FIELD_OFFSET + 4);
const _: () = assert!(RECEIVER_WINDOW_FIELD_OFFSET == CONSUMPTION_TERM_OFFSET_FIELD_OFFSET + 4);
const _: () = assert!(RECEIVER_ID_FIELD_OFFSET == RECEIVER_WINDOW_FIELD_OFFSET + 4);
const _: () = assert!(HEADER_LENGTH == RECEIVER_ID_FIELD_OFFSET + 8);
const _: () = assert!(HEADER_LENGTH_WITH_GROUP_TAG == GROUP_TAG_FIELD_OFFSET + 8);

/// Flag: ask the sender for a SETUP (setup-eliciting SM).
pub const SEND_SETUP_FLAG: u8 = 0x80;
/// Flag: this receiver is going away (end of stream).
pub const END_OF_STREAM_FLAG: u8 = 0x40;

/// A status message.
///
/// Decode from a datagram that passed [`validate_datagram`](super::validate_datagram), then check it with
/// [`validate`](Self::validate) against the publication's term length and, unless it elicits a SETUP,
/// [`is_position_acceptable`](Self::is_position_acceptable) against the sender position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct StatusMessage {
    /// [`SEND_SETUP_FLAG`], [`END_OF_STREAM_FLAG`].
    pub flags: u8,
    /// Session id of the image.
    pub session_id: i32,
    /// Stream id of the image.
    pub stream_id: i32,
    /// Term id of the consumption position.
    pub consumption_term_id: i32,
    /// Term offset of the consumption position.
    pub consumption_term_offset: i32,
    /// Receiver window in bytes.
    pub receiver_window: i32,
    /// Random id of the receiving channel endpoint.
    pub receiver_id: i64,
    /// Receiver group tag; `Some` makes the frame 44 bytes long.
    pub group_tag: Option<i64>,
}

impl StatusMessage {
    /// The encoded length: 36, or 44 with a group tag.
    pub const fn frame_length(&self) -> usize {
        if self.group_tag.is_some() { HEADER_LENGTH_WITH_GROUP_TAG } else { HEADER_LENGTH }
    }

    /// Writes the frame (36 or 44 bytes); returns its length.
    pub fn encode(&self, dst: &mut [u8]) -> Result<usize, FrameError> {
        let frame_length = self.frame_length();
        if dst.len() < frame_length {
            return Err(FrameError::BufferTooSmall { needed: frame_length, capacity: dst.len() });
        }
        let buf = head_mut::<HEADER_LENGTH>(dst)?;
        put_frame_header(buf, frame_length as i32, self.flags, HDR_TYPE_SM);
        put_i32(buf, SESSION_ID_FIELD_OFFSET, self.session_id);
        put_i32(buf, STREAM_ID_FIELD_OFFSET, self.stream_id);
        put_i32(buf, CONSUMPTION_TERM_ID_FIELD_OFFSET, self.consumption_term_id);
        put_i32(buf, CONSUMPTION_TERM_OFFSET_FIELD_OFFSET, self.consumption_term_offset);
        put_i32(buf, RECEIVER_WINDOW_FIELD_OFFSET, self.receiver_window);
        put_i64(buf, RECEIVER_ID_FIELD_OFFSET, self.receiver_id);
        if let Some(group_tag) = self.group_tag {
            let buf = head_mut::<HEADER_LENGTH_WITH_GROUP_TAG>(dst)?;
            put_i64(buf, GROUP_TAG_FIELD_OFFSET, group_tag);
        }
        Ok(frame_length)
    }

    /// Reads an SM from the start of `src`: version 0, type SM, `frame_length` 36 or 44 and no longer than
    /// `src`.
    pub fn decode(src: &[u8]) -> Result<Self, FrameError> {
        let buf = head::<HEADER_LENGTH>(src)?;
        check_version_and_type(buf, HDR_TYPE_SM)?;
        let frame_length = get_i32(buf, FRAME_LENGTH_FIELD_OFFSET);
        let group_tag = match frame_length {
            36 => None,
            44 => Some(get_i64(head::<HEADER_LENGTH_WITH_GROUP_TAG>(src)?, GROUP_TAG_FIELD_OFFSET)),
            _ => return Err(FrameError::InvalidFrameLength { frame_type: HDR_TYPE_SM, frame_length }),
        };
        Ok(Self {
            flags: get_u8(buf, FLAGS_FIELD_OFFSET),
            session_id: get_i32(buf, SESSION_ID_FIELD_OFFSET),
            stream_id: get_i32(buf, STREAM_ID_FIELD_OFFSET),
            consumption_term_id: get_i32(buf, CONSUMPTION_TERM_ID_FIELD_OFFSET),
            consumption_term_offset: get_i32(buf, CONSUMPTION_TERM_OFFSET_FIELD_OFFSET),
            receiver_window: get_i32(buf, RECEIVER_WINDOW_FIELD_OFFSET),
            receiver_id: get_i64(buf, RECEIVER_ID_FIELD_OFFSET),
            group_tag,
        })
    }

    /// Aeron `StatusMessageFlyweight.isValid`: the consumption offset is in `[0, term_length)` and
    /// 32-aligned, and `0 <= receiver_window <= term_length / 2`.
    pub fn validate(&self, term_length: i32) -> Result<(), FrameError> {
        check_term_offset(self.consumption_term_offset, term_length)?;
        if self.receiver_window < 0 || self.receiver_window > term_length >> 1 {
            return Err(FrameError::InvalidReceiverWindow {
                receiver_window: self.receiver_window,
                term_length,
            });
        }
        Ok(())
    }

    /// `validate(term_length).is_ok()`.
    pub fn is_valid(&self, term_length: i32) -> bool {
        self.validate(term_length).is_ok()
    }

    /// Aeron `NetworkPublication.isValidStatusMessage`: an SM position (computed from the consumption term id
    /// and offset) is accepted if it lies in
    /// `[sender_position - term_length/2, sender_position + term_length + term_length/2]`. Not applied to
    /// setup-eliciting SMs.
    pub fn is_position_acceptable(sm_position: i64, sender_position: i64, term_length: i32) -> bool {
        let half_term = i64::from(term_length >> 1);
        let low = sender_position.saturating_sub(half_term);
        let high = sender_position.saturating_add(i64::from(term_length)).saturating_add(half_term);
        sm_position >= low && sm_position <= high
    }

    /// Whether SEND_SETUP is set.
    pub const fn is_setup_eliciting(&self) -> bool {
        self.flags & SEND_SETUP_FLAG != 0
    }

    /// Whether EOS is set.
    pub const fn is_end_of_stream(&self) -> bool {
        self.flags & END_OF_STREAM_FLAG != 0
    }
}
