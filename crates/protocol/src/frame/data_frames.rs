//! Walking the frames of a received DATA datagram with the receiver's rules (Aeron
//! `PublicationImage.validatePacket`): [`DataFrames`] yields each frame, [`validate_data_packet`] checks a
//! whole datagram at once.
//!
//! Rules, for a datagram that passed [`validate_datagram`](super::validate_datagram):
//! * the first frame's `term_offset` is in `[0, term_length)` and 32-aligned;
//! * every frame has `frame_length >= 32`, type PAD or DATA, and a `term_offset` equal to the previous
//!   frame's offset plus its aligned length;
//! * no frame ends past the end of the term (`term_offset + align(frame_length, 32) <= term_length`);
//! * the frames use the datagram up exactly — except that the last frame may be a PAD whose aligned length
//!   runs past the datagram (the sender sends only the PAD's 32-byte header).
//!
//! A heartbeat (32 bytes, `frame_length == 0`) is not a frame walk: [`validate_data_packet`] reports it as
//! such; [`DataFrames`] rejects it with `FrameTooShort`.

use super::FrameError;
use super::codec::{get_i32, get_u16, head};
use super::data::{DataLayout, HEADER_LENGTH, TERM_OFFSET_FIELD_OFFSET};
use super::header::{FRAME_LENGTH_FIELD_OFFSET, FrameType, HDR_TYPE_DATA, HDR_TYPE_PAD, TYPE_FIELD_OFFSET};
use super::heartbeat::is_heartbeat;
use super::{FRAME_ALIGNMENT, check_term_offset};

/// One frame found in a DATA datagram, borrowing the datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataFrame<'a> {
    /// Where the frame starts in the datagram.
    pub datagram_offset: usize,
    /// [`FrameType::Data`] or [`FrameType::Pad`].
    pub frame_type: FrameType,
    /// Unaligned frame length (for PAD, the whole padded region).
    pub frame_length: i32,
    /// Flags byte.
    pub flags: u8,
    /// Offset of the frame in its term.
    pub term_offset: i32,
    /// Session id.
    pub session_id: i32,
    /// Stream id.
    pub stream_id: i32,
    /// Term id.
    pub term_id: i32,
    /// Reserved value.
    pub reserved_value: i64,
    /// The frame's bytes as present in the datagram: its aligned length, or less for a header-only PAD.
    pub bytes: &'a [u8],
}

impl<'a> DataFrame<'a> {
    /// Whether this is a PAD frame.
    pub fn is_padding(&self) -> bool {
        self.frame_type == FrameType::Pad
    }

    /// The frame's aligned length in the term (what the position advances by).
    pub const fn aligned_length(&self) -> i64 {
        align_i64(self.frame_length as i64)
    }

    /// The payload bytes present in the datagram (`frame_length - 32` for DATA; empty for a header-only
    /// PAD).
    pub fn payload(&self) -> &'a [u8] {
        let end = (self.frame_length as usize).min(self.bytes.len());
        self.bytes.get(HEADER_LENGTH..end).unwrap_or(&[])
    }
}

/// Iterator over the frames of a DATA datagram, applying the receiver's walk rules.
///
/// Create it with [`DataFrames::new`] from the datagram and the image's term length. It yields `Ok(frame)`
/// for each frame in order; on the first rule violation it yields one `Err` and then ends. If it ends
/// without an error, the datagram as a whole is valid. It never panics and never allocates.
#[derive(Debug, Clone)]
pub struct DataFrames<'a> {
    datagram: &'a [u8],
    term_length: i32,
    datagram_offset: usize,
    expected_term_offset: i64,
    started: bool,
    finished: bool,
}

impl<'a> DataFrames<'a> {
    /// Starts a walk over `datagram` for an image with `term_length`.
    pub const fn new(datagram: &'a [u8], term_length: i32) -> Self {
        Self {
            datagram,
            term_length,
            datagram_offset: 0,
            expected_term_offset: 0,
            started: false,
            finished: false,
        }
    }

    fn fail(&mut self, error: FrameError) -> Option<Result<DataFrame<'a>, FrameError>> {
        self.finished = true;
        Some(Err(error))
    }

    fn start(&mut self) -> Result<(), FrameError> {
        self.started = true;
        let buf = head::<HEADER_LENGTH>(self.datagram)?;
        if !self.datagram.len().is_multiple_of(FRAME_ALIGNMENT) {
            return Err(FrameError::UnalignedDatagram(self.datagram.len()));
        }
        let term_offset = get_i32(buf, TERM_OFFSET_FIELD_OFFSET);
        check_term_offset(term_offset, self.term_length)?;
        self.expected_term_offset = i64::from(term_offset);
        Ok(())
    }
}

impl<'a> Iterator for DataFrames<'a> {
    type Item = Result<DataFrame<'a>, FrameError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        if !self.started
            && let Err(error) = self.start()
        {
            return self.fail(error);
        }
        let datagram_offset = self.datagram_offset;
        let remaining_bytes = &self.datagram[datagram_offset.min(self.datagram.len())..];
        let remaining = remaining_bytes.len();
        if remaining == 0 {
            self.finished = true;
            return None;
        }
        let Ok(buf) = head::<HEADER_LENGTH>(remaining_bytes) else {
            return self.fail(FrameError::TrailingBytes { datagram_offset, remaining });
        };
        let frame_length = get_i32(buf, FRAME_LENGTH_FIELD_OFFSET);
        if frame_length < HEADER_LENGTH as i32 {
            return self.fail(FrameError::FrameTooShort { datagram_offset, frame_length });
        }
        let frame_type = match get_u16(buf, TYPE_FIELD_OFFSET) {
            HDR_TYPE_PAD => FrameType::Pad,
            HDR_TYPE_DATA => FrameType::Data,
            other => return self.fail(FrameError::NotDataOrPad { datagram_offset, frame_type: other }),
        };
        let layout = DataLayout::read_unchecked(buf);
        if i64::from(layout.term_offset) != self.expected_term_offset {
            return self.fail(FrameError::TermOffsetMismatch {
                datagram_offset,
                expected: self.expected_term_offset,
                actual: layout.term_offset,
            });
        }
        let aligned_length = align_i64(i64::from(frame_length));
        let end = self.expected_term_offset + aligned_length;
        if end > i64::from(self.term_length) {
            return self.fail(FrameError::PastTermEnd {
                datagram_offset,
                end,
                term_length: self.term_length,
            });
        }
        let present_length = if aligned_length > remaining as i64 {
            if frame_type != FrameType::Pad {
                return self.fail(FrameError::TruncatedFrame { datagram_offset, aligned_length, remaining });
            }
            // Header-only padding: it must be the last frame, which it is since it consumes the rest.
            self.finished = true;
            remaining
        } else {
            aligned_length as usize
        };
        self.datagram_offset = datagram_offset + present_length;
        self.expected_term_offset = end;
        Some(Ok(DataFrame {
            datagram_offset,
            frame_type,
            frame_length,
            flags: layout.flags,
            term_offset: layout.term_offset,
            session_id: layout.session_id,
            stream_id: layout.stream_id,
            term_id: layout.term_id,
            reserved_value: layout.reserved_value,
            bytes: &remaining_bytes[..present_length],
        }))
    }
}

/// What [`validate_data_packet`] found in a valid DATA datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DataPacket {
    /// Session id of the first frame.
    pub session_id: i32,
    /// Stream id of the first frame.
    pub stream_id: i32,
    /// Term id of the first frame.
    pub term_id: i32,
    /// Term offset of the first frame (packet position within its term).
    pub term_offset: i32,
    /// Flags of the first frame.
    pub flags: u8,
    /// Bytes of the term the packet covers (sum of aligned frame lengths, including the full length of a
    /// trailing header-only PAD); 0 for a heartbeat. The receiver's HWM moves to packet position + this.
    pub length: i64,
    /// Whether the datagram is a heartbeat.
    pub is_heartbeat: bool,
}

/// Validates a DATA/PAD datagram for an image with `term_length` (Aeron `validatePacket`): first the term
/// offset, then heartbeat detection, then the frame walk of [`DataFrames`].
///
/// Run [`validate_datagram`](super::validate_datagram) first (it checks version and type of the first
/// frame). Never panics, never allocates.
pub fn validate_data_packet(datagram: &[u8], term_length: i32) -> Result<DataPacket, FrameError> {
    let buf = head::<HEADER_LENGTH>(datagram)?;
    let first = DataLayout::read_unchecked(buf);
    check_term_offset(first.term_offset, term_length)?;
    let mut packet = DataPacket {
        session_id: first.session_id,
        stream_id: first.stream_id,
        term_id: first.term_id,
        term_offset: first.term_offset,
        flags: first.flags,
        length: 0,
        is_heartbeat: false,
    };
    if is_heartbeat(datagram) {
        packet.is_heartbeat = true;
        return Ok(packet);
    }
    for frame in DataFrames::new(datagram, term_length) {
        packet.length += frame?.aligned_length();
    }
    Ok(packet)
}

const fn align_i64(value: i64) -> i64 {
    (value + (FRAME_ALIGNMENT as i64 - 1)) & !(FRAME_ALIGNMENT as i64 - 1)
}
