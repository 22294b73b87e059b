//! The 32-byte DATA frame header ([`DataHeader`]), whose layout PAD frames and heartbeats share.
//!
//! Layout (little-endian): `frame_length:i32 @0 | version:u8 @4 | flags:u8 @5 | type:u16 @6 |
//! term_offset:i32 @8 | session_id:i32 @12 | stream_id:i32 @16 | term_id:i32 @20 | reserved_value:i64 @24`,
//! payload from @32.
//!
//! Invariants: `frame_length` is the *unaligned* length (32 + payload); the next frame starts at
//! `align(frame_length, 32)`. A decoded `DataHeader` has `frame_length == 0` (heartbeat) or `>= 32`.

use super::FrameError;
use super::codec::{get_i32, get_i64, get_u8, head, head_mut, put_i32, put_i64};
use super::header::{
    FLAGS_FIELD_OFFSET, FRAME_HEADER_LENGTH, FRAME_LENGTH_FIELD_OFFSET, HDR_TYPE_DATA,
    check_version_and_type, put_frame_header,
};
use super::{FRAME_ALIGNMENT, checked_align_frame_length};

/// Offset of `term_offset` (i32).
pub const TERM_OFFSET_FIELD_OFFSET: usize = 8;
/// Offset of `session_id` (i32).
pub const SESSION_ID_FIELD_OFFSET: usize = 12;
/// Offset of `stream_id` (i32).
pub const STREAM_ID_FIELD_OFFSET: usize = 16;
/// Offset of `term_id` (i32).
pub const TERM_ID_FIELD_OFFSET: usize = 20;
/// Offset of `reserved_value` (i64).
pub const RESERVED_VALUE_FIELD_OFFSET: usize = 24;
/// Length of the DATA/PAD header; also where the payload starts (`DATA_OFFSET`).
pub const HEADER_LENGTH: usize = 32;
/// Offset of the payload.
pub const DATA_OFFSET: usize = HEADER_LENGTH;

const _: () = assert!(TERM_OFFSET_FIELD_OFFSET == FRAME_HEADER_LENGTH);
const _: () = assert!(SESSION_ID_FIELD_OFFSET == TERM_OFFSET_FIELD_OFFSET + 4);
const _: () = assert!(STREAM_ID_FIELD_OFFSET == SESSION_ID_FIELD_OFFSET + 4);
const _: () = assert!(TERM_ID_FIELD_OFFSET == STREAM_ID_FIELD_OFFSET + 4);
const _: () = assert!(RESERVED_VALUE_FIELD_OFFSET == TERM_ID_FIELD_OFFSET + 4);
const _: () = assert!(HEADER_LENGTH == RESERVED_VALUE_FIELD_OFFSET + 8);
const _: () = assert!(HEADER_LENGTH == FRAME_ALIGNMENT);

/// Begin-fragment flag (B).
pub const BEGIN_FLAG: u8 = 0x80;
/// End-fragment flag (E).
pub const END_FLAG: u8 = 0x40;
/// B|E: an unfragmented message.
pub const BEGIN_AND_END_FLAGS: u8 = BEGIN_FLAG | END_FLAG;
/// End-of-stream flag (S), set on heartbeats once a closed publication is fully sent.
pub const EOS_FLAG: u8 = 0x20;
/// B|E|S: the flags of an end-of-stream heartbeat.
pub const BEGIN_END_AND_EOS_FLAGS: u8 = BEGIN_AND_END_FLAGS | EOS_FLAG;
/// Publication-revoked flag (R).
pub const REVOKED_FLAG: u8 = 0x10;
/// B|E|S|R: the flags of a revoked publication's heartbeat.
pub const BEGIN_END_EOS_AND_REVOKED_FLAGS: u8 = BEGIN_END_AND_EOS_FLAGS | REVOKED_FLAG;
/// Default `reserved_value`.
pub const DEFAULT_RESERVED_VALUE: i64 = 0;

/// The fields of a 32-byte DATA/PAD-layout header, minus version and type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) struct DataLayout {
    pub frame_length: i32,
    pub flags: u8,
    pub term_offset: i32,
    pub session_id: i32,
    pub stream_id: i32,
    pub term_id: i32,
    pub reserved_value: i64,
}

impl DataLayout {
    pub(crate) fn write(&self, dst: &mut [u8], frame_type: u16) -> Result<usize, FrameError> {
        let buf = head_mut::<HEADER_LENGTH>(dst)?;
        put_frame_header(buf, self.frame_length, self.flags, frame_type);
        put_i32(buf, TERM_OFFSET_FIELD_OFFSET, self.term_offset);
        put_i32(buf, SESSION_ID_FIELD_OFFSET, self.session_id);
        put_i32(buf, STREAM_ID_FIELD_OFFSET, self.stream_id);
        put_i32(buf, TERM_ID_FIELD_OFFSET, self.term_id);
        put_i64(buf, RESERVED_VALUE_FIELD_OFFSET, self.reserved_value);
        Ok(HEADER_LENGTH)
    }

    /// Reads the layout after checking version and type; does not judge `frame_length`.
    pub(crate) fn read(src: &[u8], frame_type: u16) -> Result<Self, FrameError> {
        let buf = head::<HEADER_LENGTH>(src)?;
        check_version_and_type(buf, frame_type)?;
        Ok(Self::read_unchecked(buf))
    }

    /// Reads the layout without checking anything.
    pub(crate) fn read_unchecked(buf: &[u8; HEADER_LENGTH]) -> Self {
        Self {
            frame_length: get_i32(buf, FRAME_LENGTH_FIELD_OFFSET),
            flags: get_u8(buf, FLAGS_FIELD_OFFSET),
            term_offset: get_i32(buf, TERM_OFFSET_FIELD_OFFSET),
            session_id: get_i32(buf, SESSION_ID_FIELD_OFFSET),
            stream_id: get_i32(buf, STREAM_ID_FIELD_OFFSET),
            term_id: get_i32(buf, TERM_ID_FIELD_OFFSET),
            reserved_value: get_i64(buf, RESERVED_VALUE_FIELD_OFFSET),
        }
    }
}

/// A DATA frame header (type `0x01`).
///
/// Drive it with [`encode`](Self::encode) / [`decode`](Self::decode) for the 32 header bytes alone, or
/// [`encode_with_payload`](Self::encode_with_payload) to write a whole aligned frame. A header with
/// `frame_length == 0` is a heartbeat (see also [`Heartbeat`](super::Heartbeat)); any other valid
/// `frame_length` is at least 32.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DataHeader {
    /// Unaligned length: 32 + payload length (0 for a heartbeat).
    pub frame_length: i32,
    /// [`BEGIN_FLAG`], [`END_FLAG`], [`EOS_FLAG`], [`REVOKED_FLAG`].
    pub flags: u8,
    /// Offset of this frame within its term.
    pub term_offset: i32,
    /// Publication session id.
    pub session_id: i32,
    /// Stream id.
    pub stream_id: i32,
    /// Term id of the term holding this frame.
    pub term_id: i32,
    /// Application-defined value (default 0).
    pub reserved_value: i64,
}

impl DataHeader {
    /// Writes the 32 header bytes (with `self.frame_length` as given); returns 32.
    ///
    /// Fails with `InvalidFrameLength` if `frame_length` is neither 0 nor at least 32.
    pub fn encode(&self, dst: &mut [u8]) -> Result<usize, FrameError> {
        check_data_frame_length(self.frame_length)?;
        self.layout().write(dst, HDR_TYPE_DATA)
    }

    /// Writes a whole frame: this header with `frame_length = 32 + payload.len()`, the payload, then zeros up
    /// to the next 32-byte boundary. Returns the aligned length written (what a sender puts in a datagram).
    pub fn encode_with_payload(&self, payload: &[u8], dst: &mut [u8]) -> Result<usize, FrameError> {
        let (frame_length, aligned_length) = match HEADER_LENGTH.checked_add(payload.len()) {
            Some(frame_length) => match checked_align_frame_length(frame_length) {
                Some(aligned_length) if aligned_length <= i32::MAX as usize => (frame_length, aligned_length),
                _ => return Err(FrameError::PayloadTooLong(payload.len())),
            },
            None => return Err(FrameError::PayloadTooLong(payload.len())),
        };
        if dst.len() < aligned_length {
            return Err(FrameError::BufferTooSmall { needed: aligned_length, capacity: dst.len() });
        }
        let header = DataLayout { frame_length: frame_length as i32, ..self.layout() };
        header.write(dst, HDR_TYPE_DATA)?;
        dst[HEADER_LENGTH..frame_length].copy_from_slice(payload);
        dst[frame_length..aligned_length].fill(0);
        Ok(aligned_length)
    }

    /// Reads a DATA header from the first 32 bytes of `src` (bytes after the header are not examined).
    ///
    /// Fails on a short buffer, a version other than 0, a type other than DATA, or a `frame_length` that is
    /// negative or in `1..32`.
    pub fn decode(src: &[u8]) -> Result<Self, FrameError> {
        let layout = DataLayout::read(src, HDR_TYPE_DATA)?;
        check_data_frame_length(layout.frame_length)?;
        Ok(Self::from_layout(layout))
    }

    /// Whether this header is a heartbeat (`frame_length == 0`).
    pub const fn is_heartbeat(&self) -> bool {
        self.frame_length == 0
    }

    /// Whether the B flag is set.
    pub const fn is_begin_fragment(&self) -> bool {
        self.flags & BEGIN_FLAG != 0
    }

    /// Whether the E flag is set.
    pub const fn is_end_fragment(&self) -> bool {
        self.flags & END_FLAG != 0
    }

    /// Whether the EOS flag is set.
    pub const fn is_end_of_stream(&self) -> bool {
        self.flags & EOS_FLAG != 0
    }

    /// Whether the REVOKED flag is set.
    pub const fn is_revoked(&self) -> bool {
        self.flags & REVOKED_FLAG != 0
    }

    /// Payload length implied by `frame_length` (0 for a heartbeat).
    pub const fn payload_length(&self) -> usize {
        if self.frame_length > HEADER_LENGTH as i32 { self.frame_length as usize - HEADER_LENGTH } else { 0 }
    }

    pub(crate) const fn layout(&self) -> DataLayout {
        DataLayout {
            frame_length: self.frame_length,
            flags: self.flags,
            term_offset: self.term_offset,
            session_id: self.session_id,
            stream_id: self.stream_id,
            term_id: self.term_id,
            reserved_value: self.reserved_value,
        }
    }

    pub(crate) const fn from_layout(layout: DataLayout) -> Self {
        Self {
            frame_length: layout.frame_length,
            flags: layout.flags,
            term_offset: layout.term_offset,
            session_id: layout.session_id,
            stream_id: layout.stream_id,
            term_id: layout.term_id,
            reserved_value: layout.reserved_value,
        }
    }
}

fn check_data_frame_length(frame_length: i32) -> Result<(), FrameError> {
    if frame_length == 0 || frame_length >= HEADER_LENGTH as i32 {
        Ok(())
    } else {
        Err(FrameError::InvalidFrameLength { frame_type: HDR_TYPE_DATA, frame_length })
    }
}
