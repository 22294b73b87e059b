//! Datagram validity (Aeron `UdpChannelTransport.isValidFrame`, C `aeron_is_frame_valid`), applied to every
//! received datagram before it is dispatched by type.
//!
//! Rules: the datagram is longer than 8 bytes; `frame_length >= 0`; `version == 0`; the type is known.
//! DATA/PAD: length >= 32 and a multiple of 32. Others: length >= the type's fixed length and
//! `frame_length <= length` (this implementation follows Java and applies that to SETUP too; C skips it for
//! SETUP because ATS sends longer ones). ATS and extension types are rejected.

use super::FrameError;
use super::codec::{get_i32, get_u8, get_u16, head};
use super::header::{
    CURRENT_VERSION, FRAME_HEADER_LENGTH, FRAME_LENGTH_FIELD_OFFSET, FrameType, TYPE_FIELD_OFFSET,
    VERSION_FIELD_OFFSET,
};
use super::{FRAME_ALIGNMENT, data};

/// Checks a received datagram against the rules of either socket side and returns its frame type.
///
/// Passing this does not make a frame semantically valid: decode it, then use the frame's own `validate`
/// (and, for DATA, [`DataFrames`](super::DataFrames) /
/// [`validate_data_packet`](super::validate_data_packet)).
pub fn validate_datagram(datagram: &[u8]) -> Result<FrameType, FrameError> {
    let length = datagram.len();
    if length <= FRAME_HEADER_LENGTH {
        return Err(FrameError::TooShort { needed: FRAME_HEADER_LENGTH + 1, actual: length });
    }
    let buf = head::<FRAME_HEADER_LENGTH>(datagram)?;
    let frame_length = get_i32(buf, FRAME_LENGTH_FIELD_OFFSET);
    if frame_length < 0 {
        return Err(FrameError::NegativeFrameLength(frame_length));
    }
    let version = get_u8(buf, VERSION_FIELD_OFFSET);
    if version != CURRENT_VERSION {
        return Err(FrameError::UnsupportedVersion(version));
    }
    let raw_type = get_u16(buf, TYPE_FIELD_OFFSET);
    let frame_type = FrameType::from_u16(raw_type).ok_or(FrameError::UnsupportedType(raw_type))?;
    let min_length = frame_type.min_datagram_length();
    if length < min_length {
        return Err(FrameError::TooShort { needed: min_length, actual: length });
    }
    match frame_type {
        FrameType::Data | FrameType::Pad => {
            debug_assert_eq!(min_length, data::HEADER_LENGTH);
            if !length.is_multiple_of(FRAME_ALIGNMENT) {
                return Err(FrameError::UnalignedDatagram(length));
            }
        }
        _ => {
            if frame_length as usize > length {
                return Err(FrameError::FrameLengthExceedsDatagram { frame_length, datagram_length: length });
            }
        }
    }
    Ok(frame_type)
}

/// [`validate_datagram`] for a receiver's data socket: also requires DATA, PAD, SETUP or RTTM.
pub fn validate_data_side_datagram(datagram: &[u8]) -> Result<FrameType, FrameError> {
    let frame_type = validate_datagram(datagram)?;
    if frame_type.is_accepted_on_data_side() {
        Ok(frame_type)
    } else {
        Err(FrameError::NotAcceptedOnThisSide(frame_type.as_u16()))
    }
}

/// [`validate_datagram`] for a sender's control socket: also requires NAK, SM, ERR, RTTM or RSP_SETUP.
pub fn validate_control_side_datagram(datagram: &[u8]) -> Result<FrameType, FrameError> {
    let frame_type = validate_datagram(datagram)?;
    if frame_type.is_accepted_on_control_side() {
        Ok(frame_type)
    } else {
        Err(FrameError::NotAcceptedOnThisSide(frame_type.as_u16()))
    }
}
