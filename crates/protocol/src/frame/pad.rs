//! The PAD frame header ([`PadHeader`], type `0x00`): the DATA layout, where `frame_length` covers the whole
//! padded region (for example the rest of a term).
//!
//! Invariants: a decoded PAD header has `frame_length >= 32`. On the wire a sender puts only the 32 header
//! bytes of a PAD frame in a datagram, and only as its last frame; the receiver advances by the full
//! aligned `frame_length`.

use super::FrameError;
use super::data::{DataLayout, HEADER_LENGTH};
use super::header::HDR_TYPE_PAD;

/// A padding frame header.
///
/// [`encode`](Self::encode) writes the 32 header bytes only (never the padded region);
/// [`decode`](Self::decode) reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PadHeader {
    /// Length of the padded region, header included (at least 32).
    pub frame_length: i32,
    /// Flags (a log buffer's padding carries the default header's flags, normally B|E).
    pub flags: u8,
    /// Offset of the padding within its term.
    pub term_offset: i32,
    /// Publication session id.
    pub session_id: i32,
    /// Stream id.
    pub stream_id: i32,
    /// Term id.
    pub term_id: i32,
    /// Reserved value (normally 0).
    pub reserved_value: i64,
}

impl PadHeader {
    /// Writes the 32 header bytes; returns 32. Fails with `InvalidFrameLength` if `frame_length < 32`.
    pub fn encode(&self, dst: &mut [u8]) -> Result<usize, FrameError> {
        check_pad_frame_length(self.frame_length)?;
        DataLayout {
            frame_length: self.frame_length,
            flags: self.flags,
            term_offset: self.term_offset,
            session_id: self.session_id,
            stream_id: self.stream_id,
            term_id: self.term_id,
            reserved_value: self.reserved_value,
        }
        .write(dst, HDR_TYPE_PAD)
    }

    /// Reads a PAD header from the first 32 bytes of `src`. Fails on a short buffer, a version other than 0,
    /// a type other than PAD or a `frame_length` below 32.
    pub fn decode(src: &[u8]) -> Result<Self, FrameError> {
        let layout = DataLayout::read(src, HDR_TYPE_PAD)?;
        check_pad_frame_length(layout.frame_length)?;
        Ok(Self {
            frame_length: layout.frame_length,
            flags: layout.flags,
            term_offset: layout.term_offset,
            session_id: layout.session_id,
            stream_id: layout.stream_id,
            term_id: layout.term_id,
            reserved_value: layout.reserved_value,
        })
    }
}

fn check_pad_frame_length(frame_length: i32) -> Result<(), FrameError> {
    if frame_length >= HEADER_LENGTH as i32 {
        Ok(())
    } else {
        Err(FrameError::InvalidFrameLength { frame_type: HDR_TYPE_PAD, frame_length })
    }
}
