//! SETUP ([`SetupHeader`], type `0x05`, 40 bytes): sent by a publication until a receiver answers, and on
//! request; it tells the receiver how to build the image (term length, MTU, initial term id, position).
//!
//! Layout: common header, `term_offset:i32 @8 | session_id:i32 @12 | stream_id:i32 @16 |
//! initial_term_id:i32 @20 | active_term_id:i32 @24 | term_length:i32 @28 | mtu:i32 @32 | ttl:i32 @36`.
//!
//! Invariants: decoding accepts `frame_length >= 40` (ATS sends longer SETUPs; the extra bytes are ignored);
//! encoding always writes 40. Semantic checks live in [`SetupHeader::validate`].

use super::FrameError;
use super::codec::{get_i32, get_u8, head, head_mut, put_i32};
use super::header::{
    FLAGS_FIELD_OFFSET, FRAME_HEADER_LENGTH, FRAME_LENGTH_FIELD_OFFSET, HDR_TYPE_SETUP,
    check_version_and_type, put_frame_header,
};
use super::{check_mtu, check_term_length, check_term_offset};

/// Offset of `term_offset` (i32): the sender position's offset in its term.
pub const TERM_OFFSET_FIELD_OFFSET: usize = 8;
/// Offset of `session_id` (i32).
pub const SESSION_ID_FIELD_OFFSET: usize = 12;
/// Offset of `stream_id` (i32).
pub const STREAM_ID_FIELD_OFFSET: usize = 16;
/// Offset of `initial_term_id` (i32).
pub const INITIAL_TERM_ID_FIELD_OFFSET: usize = 20;
/// Offset of `active_term_id` (i32): the term id of the sender position.
pub const ACTIVE_TERM_ID_FIELD_OFFSET: usize = 24;
/// Offset of `term_length` (i32).
pub const TERM_LENGTH_FIELD_OFFSET: usize = 28;
/// Offset of `mtu` (i32).
pub const MTU_FIELD_OFFSET: usize = 32;
/// Offset of `ttl` (i32).
pub const TTL_FIELD_OFFSET: usize = 36;
/// Length of a SETUP frame.
pub const HEADER_LENGTH: usize = 40;

const _: () = assert!(TERM_OFFSET_FIELD_OFFSET == FRAME_HEADER_LENGTH);
const _: () = assert!(SESSION_ID_FIELD_OFFSET == TERM_OFFSET_FIELD_OFFSET + 4);
const _: () = assert!(STREAM_ID_FIELD_OFFSET == SESSION_ID_FIELD_OFFSET + 4);
const _: () = assert!(INITIAL_TERM_ID_FIELD_OFFSET == STREAM_ID_FIELD_OFFSET + 4);
const _: () = assert!(ACTIVE_TERM_ID_FIELD_OFFSET == INITIAL_TERM_ID_FIELD_OFFSET + 4);
const _: () = assert!(TERM_LENGTH_FIELD_OFFSET == ACTIVE_TERM_ID_FIELD_OFFSET + 4);
const _: () = assert!(MTU_FIELD_OFFSET == TERM_LENGTH_FIELD_OFFSET + 4);
const _: () = assert!(TTL_FIELD_OFFSET == MTU_FIELD_OFFSET + 4);
const _: () = assert!(HEADER_LENGTH == TTL_FIELD_OFFSET + 4);

/// Flag: the publication wants a response channel (receiver answers with RSP_SETUP).
pub const SEND_RESPONSE_SETUP_FLAG: u8 = 0x80;
/// Flag: the sender has group semantics (multicast or MDC).
pub const GROUP_FLAG: u8 = 0x40;

/// A SETUP frame.
///
/// Decode it from a datagram that passed [`validate_datagram`](super::validate_datagram), then call
/// [`validate`](Self::validate) (Aeron `isValid`) before creating an image from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SetupHeader {
    /// [`SEND_RESPONSE_SETUP_FLAG`], [`GROUP_FLAG`].
    pub flags: u8,
    /// Sender position's offset within its term.
    pub term_offset: i32,
    /// Publication session id.
    pub session_id: i32,
    /// Stream id.
    pub stream_id: i32,
    /// Initial term id of the publication's log.
    pub initial_term_id: i32,
    /// Term id of the sender position.
    pub active_term_id: i32,
    /// Term length of the publication's log.
    pub term_length: i32,
    /// MTU of the publication.
    pub mtu: i32,
    /// Multicast TTL of the sender (0 for unicast).
    pub ttl: i32,
}

impl SetupHeader {
    /// Writes the 40-byte frame; returns 40.
    pub fn encode(&self, dst: &mut [u8]) -> Result<usize, FrameError> {
        let buf = head_mut::<HEADER_LENGTH>(dst)?;
        put_frame_header(buf, HEADER_LENGTH as i32, self.flags, HDR_TYPE_SETUP);
        put_i32(buf, TERM_OFFSET_FIELD_OFFSET, self.term_offset);
        put_i32(buf, SESSION_ID_FIELD_OFFSET, self.session_id);
        put_i32(buf, STREAM_ID_FIELD_OFFSET, self.stream_id);
        put_i32(buf, INITIAL_TERM_ID_FIELD_OFFSET, self.initial_term_id);
        put_i32(buf, ACTIVE_TERM_ID_FIELD_OFFSET, self.active_term_id);
        put_i32(buf, TERM_LENGTH_FIELD_OFFSET, self.term_length);
        put_i32(buf, MTU_FIELD_OFFSET, self.mtu);
        put_i32(buf, TTL_FIELD_OFFSET, self.ttl);
        Ok(HEADER_LENGTH)
    }

    /// Reads a SETUP from the start of `src`: at least 40 bytes, version 0, type SETUP, `frame_length >= 40`.
    pub fn decode(src: &[u8]) -> Result<Self, FrameError> {
        let buf = head::<HEADER_LENGTH>(src)?;
        check_version_and_type(buf, HDR_TYPE_SETUP)?;
        let frame_length = get_i32(buf, FRAME_LENGTH_FIELD_OFFSET);
        if frame_length < HEADER_LENGTH as i32 {
            return Err(FrameError::InvalidFrameLength { frame_type: HDR_TYPE_SETUP, frame_length });
        }
        Ok(Self {
            flags: get_u8(buf, FLAGS_FIELD_OFFSET),
            term_offset: get_i32(buf, TERM_OFFSET_FIELD_OFFSET),
            session_id: get_i32(buf, SESSION_ID_FIELD_OFFSET),
            stream_id: get_i32(buf, STREAM_ID_FIELD_OFFSET),
            initial_term_id: get_i32(buf, INITIAL_TERM_ID_FIELD_OFFSET),
            active_term_id: get_i32(buf, ACTIVE_TERM_ID_FIELD_OFFSET),
            term_length: get_i32(buf, TERM_LENGTH_FIELD_OFFSET),
            mtu: get_i32(buf, MTU_FIELD_OFFSET),
            ttl: get_i32(buf, TTL_FIELD_OFFSET),
        })
    }

    /// Aeron `SetupFlyweight.isValid`: the term length is a power of two in [64 KiB, 1 GiB]; the term offset
    /// is in `[0, term_length)` and 32-aligned; the MTU is in [32, 65504] and 32-aligned.
    pub fn validate(&self) -> Result<(), FrameError> {
        check_term_length(self.term_length)?;
        check_term_offset(self.term_offset, self.term_length)?;
        check_mtu(self.mtu)
    }

    /// `validate().is_ok()`.
    pub fn is_valid(&self) -> bool {
        self.validate().is_ok()
    }

    /// Whether the sender asks for a response setup.
    pub const fn wants_response_setup(&self) -> bool {
        self.flags & SEND_RESPONSE_SETUP_FLAG != 0
    }

    /// Whether the sender has group semantics.
    pub const fn has_group_semantics(&self) -> bool {
        self.flags & GROUP_FLAG != 0
    }
}
