//! The 8-byte header every frame starts with (`frame_length:i32 | version:u8 | flags:u8 | type:u16`,
//! little-endian), the frame type values and [`FrameType`].
//!
//! Invariants: the header is [`FRAME_HEADER_LENGTH`] = 8 bytes; the version on the wire is always
//! [`CURRENT_VERSION`] = 0; the top bit of `frame_length` is reserved, so a valid length is never negative.

use super::FrameError;
use super::codec::{get_i32, get_u8, get_u16, head, head_mut, put_i32, put_u8, put_u16};

/// Offset of `frame_length` (i32) in every frame.
pub const FRAME_LENGTH_FIELD_OFFSET: usize = 0;
/// Offset of `version` (u8) in every frame.
pub const VERSION_FIELD_OFFSET: usize = 4;
/// Offset of `flags` (u8) in every frame.
pub const FLAGS_FIELD_OFFSET: usize = 5;
/// Offset of `type` (u16) in every frame.
pub const TYPE_FIELD_OFFSET: usize = 6;
/// Length of the common frame header (Aeron `MIN_HEADER_LENGTH`).
pub const FRAME_HEADER_LENGTH: usize = 8;

const _: () = assert!(VERSION_FIELD_OFFSET == FRAME_LENGTH_FIELD_OFFSET + 4);
const _: () = assert!(FLAGS_FIELD_OFFSET == VERSION_FIELD_OFFSET + 1);
const _: () = assert!(TYPE_FIELD_OFFSET == FLAGS_FIELD_OFFSET + 1);
const _: () = assert!(FRAME_HEADER_LENGTH == TYPE_FIELD_OFFSET + 2);

/// The only protocol version: frames with another version byte are dropped.
pub const CURRENT_VERSION: u8 = 0;

/// Type value of a padding frame.
pub const HDR_TYPE_PAD: u16 = 0x00;
/// Type value of a DATA frame (and a heartbeat).
pub const HDR_TYPE_DATA: u16 = 0x01;
/// Type value of a NAK.
pub const HDR_TYPE_NAK: u16 = 0x02;
/// Type value of a status message.
pub const HDR_TYPE_SM: u16 = 0x03;
/// Type value of an error frame.
pub const HDR_TYPE_ERR: u16 = 0x04;
/// Type value of a SETUP frame.
pub const HDR_TYPE_SETUP: u16 = 0x05;
/// Type value of an RTT measurement frame.
pub const HDR_TYPE_RTTM: u16 = 0x06;
/// Type value of a name-resolution frame (driver-to-driver gossip).
pub const HDR_TYPE_RES: u16 = 0x07;
/// Type value of an ATS DATA frame (closed-source Aeron Transport Security; never accepted here).
pub const HDR_TYPE_ATS_DATA: u16 = 0x08;
/// Type value Java gives ATS SM (C gives it to ATS SETUP); never accepted here.
pub const HDR_TYPE_ATS_SM: u16 = 0x09;
/// Type value Java gives ATS SETUP (C gives it to ATS SM); never accepted here.
pub const HDR_TYPE_ATS_SETUP: u16 = 0x0A;
/// Type value of a response-setup frame.
pub const HDR_TYPE_RSP_SETUP: u16 = 0x0B;
/// Type value reserved for extensions; never accepted here.
pub const HDR_TYPE_EXT: u16 = 0xFFFF;

/// Minimum datagram length of a RES frame: the frame header plus one IPv4 entry up to its name length
/// (Java `MIN_HEADER_LENGTH + ResolutionEntryFlyweight.MIN_IPV4_FRAME_LENGTH`).
pub const RES_MIN_DATAGRAM_LENGTH: usize = FRAME_HEADER_LENGTH + 14;

/// The frame types this implementation understands (ATS and extension types are deliberately absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum FrameType {
    /// Padding (`0x00`): skips to the end of a region, 32-byte header only on the wire.
    Pad = HDR_TYPE_PAD,
    /// DATA (`0x01`), including heartbeats (a DATA header with `frame_length == 0`).
    Data = HDR_TYPE_DATA,
    /// NAK (`0x02`), receiver to sender.
    Nak = HDR_TYPE_NAK,
    /// Status message (`0x03`), receiver to sender.
    StatusMessage = HDR_TYPE_SM,
    /// Error (`0x04`), receiver to sender.
    Error = HDR_TYPE_ERR,
    /// SETUP (`0x05`), sender to receiver.
    Setup = HDR_TYPE_SETUP,
    /// RTT measurement (`0x06`), both directions.
    Rttm = HDR_TYPE_RTTM,
    /// Name resolution (`0x07`), driver to driver.
    Resolution = HDR_TYPE_RES,
    /// Response setup (`0x0B`), receiver to sender.
    ResponseSetup = HDR_TYPE_RSP_SETUP,
}

impl FrameType {
    /// Maps a wire type value to a known frame type; `None` for unknown, ATS and extension values.
    pub const fn from_u16(value: u16) -> Option<Self> {
        match value {
            HDR_TYPE_PAD => Some(Self::Pad),
            HDR_TYPE_DATA => Some(Self::Data),
            HDR_TYPE_NAK => Some(Self::Nak),
            HDR_TYPE_SM => Some(Self::StatusMessage),
            HDR_TYPE_ERR => Some(Self::Error),
            HDR_TYPE_SETUP => Some(Self::Setup),
            HDR_TYPE_RTTM => Some(Self::Rttm),
            HDR_TYPE_RES => Some(Self::Resolution),
            HDR_TYPE_RSP_SETUP => Some(Self::ResponseSetup),
            _ => None,
        }
    }

    /// The wire value of this type.
    pub const fn as_u16(self) -> u16 {
        self as u16
    }

    /// The smallest datagram that can carry this frame type (Aeron `isValidFrame`): 32 for DATA/PAD,
    /// otherwise the fixed header length of the type.
    pub const fn min_datagram_length(self) -> usize {
        match self {
            Self::Pad | Self::Data => super::data::HEADER_LENGTH,
            Self::Nak => super::nak::HEADER_LENGTH,
            Self::StatusMessage => super::status_message::HEADER_LENGTH,
            Self::Error => super::error_frame::HEADER_LENGTH,
            Self::Setup => super::setup::HEADER_LENGTH,
            Self::Rttm => super::rttm::HEADER_LENGTH,
            Self::Resolution => RES_MIN_DATAGRAM_LENGTH,
            Self::ResponseSetup => super::response_setup::HEADER_LENGTH,
        }
    }

    /// Whether a receiver's data socket accepts this type (DATA, PAD, SETUP, RTTM).
    pub const fn is_accepted_on_data_side(self) -> bool {
        matches!(self, Self::Data | Self::Pad | Self::Setup | Self::Rttm)
    }

    /// Whether a sender's control socket accepts this type (NAK, SM, ERR, RTTM, RSP_SETUP).
    pub const fn is_accepted_on_control_side(self) -> bool {
        matches!(self, Self::Nak | Self::StatusMessage | Self::Error | Self::Rttm | Self::ResponseSetup)
    }
}

/// The raw 8-byte header at the start of every frame.
///
/// `decode` only checks that 8 bytes are present: it is the tool for peeking at a frame before choosing a
/// decoder. The typed frame decoders check the version, type and length themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FrameHeader {
    /// Unaligned frame length in bytes (header plus body).
    pub frame_length: i32,
    /// Version byte; [`CURRENT_VERSION`] on valid frames.
    pub version: u8,
    /// Type-specific flags.
    pub flags: u8,
    /// Raw type value (see the `HDR_TYPE_*` constants).
    pub frame_type: u16,
}

impl FrameHeader {
    /// Writes the 8 header bytes at the start of `dst`; returns 8.
    pub fn encode(&self, dst: &mut [u8]) -> Result<usize, FrameError> {
        let buf = head_mut::<FRAME_HEADER_LENGTH>(dst)?;
        put_i32(buf, FRAME_LENGTH_FIELD_OFFSET, self.frame_length);
        put_u8(buf, VERSION_FIELD_OFFSET, self.version);
        put_u8(buf, FLAGS_FIELD_OFFSET, self.flags);
        put_u16(buf, TYPE_FIELD_OFFSET, self.frame_type);
        Ok(FRAME_HEADER_LENGTH)
    }

    /// Reads the 8 header bytes at the start of `src` without judging them.
    pub fn decode(src: &[u8]) -> Result<Self, FrameError> {
        let buf = head::<FRAME_HEADER_LENGTH>(src)?;
        Ok(Self {
            frame_length: get_i32(buf, FRAME_LENGTH_FIELD_OFFSET),
            version: get_u8(buf, VERSION_FIELD_OFFSET),
            flags: get_u8(buf, FLAGS_FIELD_OFFSET),
            frame_type: get_u16(buf, TYPE_FIELD_OFFSET),
        })
    }

    /// The known frame type named by `frame_type`, if any.
    pub const fn known_type(&self) -> Option<FrameType> {
        FrameType::from_u16(self.frame_type)
    }
}

/// Checks the version and type of a frame header that a typed decoder is about to read.
pub(crate) fn check_version_and_type<const N: usize>(
    buf: &[u8; N],
    expected_type: u16,
) -> Result<(), FrameError> {
    let version = get_u8(buf, VERSION_FIELD_OFFSET);
    if version != CURRENT_VERSION {
        return Err(FrameError::UnsupportedVersion(version));
    }
    let actual = get_u16(buf, TYPE_FIELD_OFFSET);
    if actual != expected_type {
        return Err(FrameError::UnexpectedType { expected: expected_type, actual });
    }
    Ok(())
}

/// Writes the common header fields of a typed frame.
pub(crate) fn put_frame_header<const N: usize>(
    buf: &mut [u8; N],
    frame_length: i32,
    flags: u8,
    frame_type: u16,
) {
    put_i32(buf, FRAME_LENGTH_FIELD_OFFSET, frame_length);
    put_u8(buf, VERSION_FIELD_OFFSET, CURRENT_VERSION);
    put_u8(buf, FLAGS_FIELD_OFFSET, flags);
    put_u16(buf, TYPE_FIELD_OFFSET, frame_type);
}
