//! Transport frame codecs, byte-exact with Aeron 1.54 (reference §1).
//!
//! Every frame is little-endian and starts with the 8-byte [`FrameHeader`]
//! (`frame_length:i32 | version:u8 | flags:u8 | type:u16`). Each frame type has its own module with
//! `pub const` field offsets and lengths (checked against each other at compile time) and a plain struct with
//! `encode(&self, dst) -> Result<usize, FrameError>` and `decode(src) -> Result<Self, FrameError>`:
//!
//! | module | struct | type | length |
//! |---|---|---|---|
//! | [`data`] | [`DataHeader`] | DATA `0x01` | 32 + payload |
//! | [`pad`] | [`PadHeader`] | PAD `0x00` | 32 on the wire |
//! | [`heartbeat`] | [`Heartbeat`] | DATA, `frame_length` 0 | 32 |
//! | [`setup`] | [`SetupHeader`] | SETUP `0x05` | 40 |
//! | [`status_message`] | [`StatusMessage`] | SM `0x03` | 36 or 44 |
//! | [`nak`] | [`Nak`] | NAK `0x02` | 28 |
//! | [`rttm`] | [`RttMeasurement`] | RTTM `0x06` | 40 |
//! | [`error_frame`] | [`ErrorFrame`] | ERR `0x04` | 40 + n, n <= 1023 |
//! | [`response_setup`] | [`ResponseSetup`] | RSP_SETUP `0x0B` | 20 |
//!
//! Receiving: [`validate_datagram`] (or its data-side / control-side variants) on every datagram, then the
//! decoder for the returned [`FrameType`], then the frame's semantic check (`SetupHeader::validate`,
//! `StatusMessage::validate`, `Nak::validate`); DATA datagrams go through [`validate_data_packet`] or
//! [`DataFrames`].
//!
//! Invariants: decoders and validators never panic on any input and return [`FrameError`]; for every
//! struct `x`, if `x.encode(buf)` succeeds then `decode(buf) == x`. Encoders write exactly the returned
//! number of bytes and nothing past it.

mod codec;
pub mod data;
pub mod data_frames;
pub mod datagram;
mod error;
pub mod error_frame;
pub mod header;
pub mod heartbeat;
pub mod nak;
pub mod pad;
pub mod response_setup;
pub mod rttm;
pub mod setup;
pub mod status_message;

#[cfg(test)]
mod tests;

pub use data::{
    BEGIN_AND_END_FLAGS, BEGIN_END_AND_EOS_FLAGS, BEGIN_END_EOS_AND_REVOKED_FLAGS, BEGIN_FLAG, DataHeader,
    END_FLAG, EOS_FLAG, REVOKED_FLAG,
};
pub use data_frames::{DataFrame, DataFrames, DataPacket, validate_data_packet};
pub use datagram::{validate_control_side_datagram, validate_data_side_datagram, validate_datagram};
pub use error::FrameError;
pub use error_frame::ErrorFrame;
pub use header::{
    CURRENT_VERSION, FRAME_HEADER_LENGTH, FrameHeader, FrameType, HDR_TYPE_ATS_DATA, HDR_TYPE_ATS_SETUP,
    HDR_TYPE_ATS_SM, HDR_TYPE_DATA, HDR_TYPE_ERR, HDR_TYPE_EXT, HDR_TYPE_NAK, HDR_TYPE_PAD, HDR_TYPE_RES,
    HDR_TYPE_RSP_SETUP, HDR_TYPE_RTTM, HDR_TYPE_SETUP, HDR_TYPE_SM,
};
pub use heartbeat::{Heartbeat, is_heartbeat};
pub use nak::Nak;
pub use pad::PadHeader;
pub use response_setup::ResponseSetup;
pub use rttm::RttMeasurement;
pub use setup::SetupHeader;
pub use status_message::StatusMessage;

/// DATA and PAD frames start on 32-byte boundaries; DATA datagrams are multiples of 32 bytes.
pub const FRAME_ALIGNMENT: usize = 32;
/// Length of a DATA/PAD header (= [`data::HEADER_LENGTH`]).
pub const DATA_HEADER_LENGTH: usize = data::HEADER_LENGTH;
/// Smallest term length.
pub const TERM_MIN_LENGTH: i32 = 64 * 1024;
/// Largest term length.
pub const TERM_MAX_LENGTH: i32 = 1 << 30;
/// Largest UDP payload Aeron uses, and so the largest MTU: 65535 − 8 − 20 rounded down to a multiple of
/// 32.
pub const MAX_UDP_PAYLOAD_LENGTH: i32 = 65504;

const _: () = assert!(FRAME_ALIGNMENT.is_power_of_two());
const _: () = assert!(MAX_UDP_PAYLOAD_LENGTH % FRAME_ALIGNMENT as i32 == 0);
const _: () = assert!(MAX_UDP_PAYLOAD_LENGTH <= 65535 - 8 - 20);
const _: () = assert!(MAX_UDP_PAYLOAD_LENGTH + FRAME_ALIGNMENT as i32 > 65535 - 8 - 20);
const _: () =
    assert!((TERM_MIN_LENGTH as u32).is_power_of_two() && (TERM_MAX_LENGTH as u32).is_power_of_two());

/// Rounds a frame length up to the next multiple of [`FRAME_ALIGNMENT`] (programmer input: must not
/// overflow).
pub const fn align_frame_length(length: usize) -> usize {
    (length + FRAME_ALIGNMENT - 1) & !(FRAME_ALIGNMENT - 1)
}

/// [`align_frame_length`] that reports overflow as `None`.
pub(crate) const fn checked_align_frame_length(length: usize) -> Option<usize> {
    match length.checked_add(FRAME_ALIGNMENT - 1) {
        Some(value) => Some(value & !(FRAME_ALIGNMENT - 1)),
        None => None,
    }
}

/// Whether `term_length` is a power of two in [`TERM_MIN_LENGTH`, `TERM_MAX_LENGTH`].
pub const fn is_valid_term_length(term_length: i32) -> bool {
    term_length >= TERM_MIN_LENGTH && term_length <= TERM_MAX_LENGTH && (term_length as u32).is_power_of_two()
}

/// `Err(InvalidTermLength)` unless [`is_valid_term_length`].
pub const fn check_term_length(term_length: i32) -> Result<(), FrameError> {
    if is_valid_term_length(term_length) { Ok(()) } else { Err(FrameError::InvalidTermLength(term_length)) }
}

/// `Err(InvalidTermOffset)` unless `term_offset` is in `[0, term_length)` and 32-aligned.
pub const fn check_term_offset(term_offset: i32, term_length: i32) -> Result<(), FrameError> {
    if term_offset >= 0 && term_offset < term_length && term_offset % FRAME_ALIGNMENT as i32 == 0 {
        Ok(())
    } else {
        Err(FrameError::InvalidTermOffset { term_offset, term_length })
    }
}

/// `Err(InvalidMtu)` unless `mtu` is a multiple of 32 in `[32, 65504]` (the SETUP rule; channel URIs are
/// stricter and require `mtu > 32`).
pub const fn check_mtu(mtu: i32) -> Result<(), FrameError> {
    if mtu >= DATA_HEADER_LENGTH as i32 && mtu <= MAX_UDP_PAYLOAD_LENGTH && mtu % FRAME_ALIGNMENT as i32 == 0
    {
        Ok(())
    } else {
        Err(FrameError::InvalidMtu(mtu))
    }
}

/// Checks a control frame's `frame_length`: at least the fixed length and no more than the source holds.
pub(crate) const fn check_frame_length_fits(
    frame_length: i32,
    fixed_length: usize,
    source_length: usize,
    frame_type: u16,
) -> Result<(), FrameError> {
    if frame_length < fixed_length as i32 {
        Err(FrameError::InvalidFrameLength { frame_type, frame_length })
    } else if frame_length as usize > source_length {
        Err(FrameError::FrameLengthExceedsDatagram { frame_length, datagram_length: source_length })
    } else {
        Ok(())
    }
}
