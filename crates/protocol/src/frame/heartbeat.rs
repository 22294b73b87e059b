//! The heartbeat ([`Heartbeat`]): a datagram of exactly 32 bytes holding a DATA header whose
//! `frame_length` is 0. It carries the sender position (`term_id`, `term_offset`) and, when the publication
//! is closed and fully sent, the EOS flag (plus REVOKED after a revoke).

use super::FrameError;
use super::data::{BEGIN_AND_END_FLAGS, DataLayout, EOS_FLAG, HEADER_LENGTH, REVOKED_FLAG};
use super::header::{FRAME_LENGTH_FIELD_OFFSET, HDR_TYPE_DATA};

/// A heartbeat (DATA header, `frame_length == 0`).
///
/// [`encode`](Self::encode) writes the 32 bytes of the datagram (reserved value 0);
/// [`decode`](Self::decode) accepts a DATA header with `frame_length == 0`. Use [`is_heartbeat`] to
/// classify a whole datagram the way Aeron's receiver does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Heartbeat {
    /// Flags: B|E normally, B|E|EOS at end of stream, B|E|EOS|REVOKED after a revoke.
    pub flags: u8,
    /// Term offset of the sender position.
    pub term_offset: i32,
    /// Publication session id.
    pub session_id: i32,
    /// Stream id.
    pub stream_id: i32,
    /// Term id of the sender position.
    pub term_id: i32,
}

impl Default for Heartbeat {
    fn default() -> Self {
        Self { flags: BEGIN_AND_END_FLAGS, term_offset: 0, session_id: 0, stream_id: 0, term_id: 0 }
    }
}

impl Heartbeat {
    /// Writes the 32-byte heartbeat; returns 32.
    pub fn encode(&self, dst: &mut [u8]) -> Result<usize, FrameError> {
        DataLayout {
            frame_length: 0,
            flags: self.flags,
            term_offset: self.term_offset,
            session_id: self.session_id,
            stream_id: self.stream_id,
            term_id: self.term_id,
            reserved_value: 0,
        }
        .write(dst, HDR_TYPE_DATA)
    }

    /// Reads a heartbeat from the first 32 bytes of `src`: version 0, type DATA and `frame_length == 0`.
    /// The reserved value is ignored.
    pub fn decode(src: &[u8]) -> Result<Self, FrameError> {
        let layout = DataLayout::read(src, HDR_TYPE_DATA)?;
        if layout.frame_length != 0 {
            return Err(FrameError::InvalidFrameLength {
                frame_type: HDR_TYPE_DATA,
                frame_length: layout.frame_length,
            });
        }
        Ok(Self {
            flags: layout.flags,
            term_offset: layout.term_offset,
            session_id: layout.session_id,
            stream_id: layout.stream_id,
            term_id: layout.term_id,
        })
    }

    /// Whether the EOS flag is set.
    pub const fn is_end_of_stream(&self) -> bool {
        self.flags & EOS_FLAG != 0
    }

    /// Whether the REVOKED flag is set.
    pub const fn is_revoked(&self) -> bool {
        self.flags & REVOKED_FLAG != 0
    }
}

/// Aeron's `isHeartbeat`: the datagram is exactly 32 bytes and its `frame_length` is 0. (Like Aeron, the type
/// is not looked at; run [`validate_datagram`](super::validate_datagram) first.)
pub fn is_heartbeat(datagram: &[u8]) -> bool {
    datagram.len() == HEADER_LENGTH
        && datagram[FRAME_LENGTH_FIELD_OFFSET..FRAME_LENGTH_FIELD_OFFSET + 4] == [0, 0, 0, 0]
}
