//! [`RecordingDescriptorHeader`] (schema template 21, a raw 32-byte block that starts every catalog
//! entry, never framed by a message header).
//!
//! Layout: `length:i32 @0 | state:RecordingState (i32) @4 | checksum:i32 @8 | reserved:i8 @31`
//! (bytes 12..31 unused and zero). The entry's [`RecordingDescriptor`](super::RecordingDescriptor)
//! block follows at entry offset 32 (see
//! [`RecordingDescriptor::decode_block`](super::RecordingDescriptor::decode_block)).

use super::codec::FixedField;
use super::{RecordingState, SbeError};

/// The header of one catalog entry: how long the descriptor that follows is, the entry's state and
/// its checksum.
///
/// Decode it at each entry offset of the mapped catalog; the codec does not judge values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordingDescriptorHeader {
    /// Bytes of the descriptor that follows, including the alignment padding (entry length − 32).
    pub length: i32,
    /// State of the recording.
    pub state: RecordingState,
    /// Checksum of the `length` descriptor bytes, 0 unless a record checksum is configured.
    pub checksum: i32,
}

impl RecordingDescriptorHeader {
    /// SBE template id of the block in the schema (never on the wire).
    pub const TEMPLATE_ID: u16 = 21;
    /// Block length in bytes (32).
    pub const LENGTH: usize = 32;
    /// Offset of `length`.
    pub const LENGTH_OFFSET: usize = 0;
    /// Offset of `state`.
    pub const STATE_OFFSET: usize = 4;
    /// Offset of `checksum`.
    pub const CHECKSUM_OFFSET: usize = 8;

    /// Always [`Self::LENGTH`].
    pub fn encoded_length(&self) -> usize {
        Self::LENGTH
    }

    /// Writes the 32-byte block (reserved bytes zero) at the start of `dst`; returns 32, or fails
    /// without writing if `dst` is shorter.
    pub fn encode(&self, dst: &mut [u8]) -> Result<usize, SbeError> {
        let capacity = dst.len();
        let block =
            dst.get_mut(..Self::LENGTH).ok_or(SbeError::BufferTooSmall { needed: Self::LENGTH, capacity })?;
        block.fill(0);
        self.length.write(&mut block[Self::LENGTH_OFFSET..]);
        self.state.write(&mut block[Self::STATE_OFFSET..]);
        self.checksum.write(&mut block[Self::CHECKSUM_OFFSET..]);
        Ok(Self::LENGTH)
    }

    /// Reads the block from the start of `src`; fails if fewer than 32 bytes are given, never panics.
    pub fn decode(src: &[u8]) -> Result<Self, SbeError> {
        let too_short = SbeError::TooShort { needed: Self::LENGTH, actual: src.len() };
        let block = src.get(..Self::LENGTH).ok_or(too_short)?;
        Ok(Self {
            length: i32::read(&block[Self::LENGTH_OFFSET..]).ok_or(too_short)?,
            state: RecordingState::read(&block[Self::STATE_OFFSET..]).ok_or(too_short)?,
            checksum: i32::read(&block[Self::CHECKSUM_OFFSET..]).ok_or(too_short)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_the_schema() {
        let header = RecordingDescriptorHeader { length: 192, state: RecordingState::Valid, checksum: -7 };
        let mut dst = [0xFFu8; 32];
        assert_eq!(header.encode(&mut dst), Ok(32));
        assert_eq!(&dst[0..4], &192i32.to_le_bytes());
        assert_eq!(&dst[4..8], &1i32.to_le_bytes());
        assert_eq!(&dst[8..12], &(-7i32).to_le_bytes());
        assert!(dst[12..32].iter().all(|&byte| byte == 0));
        assert_eq!(RecordingDescriptorHeader::decode(&dst), Ok(header));
        dst[4] = 9;
        assert_eq!(
            RecordingDescriptorHeader::decode(&dst).map(|decoded| decoded.state),
            Ok(RecordingState::Unknown(9))
        );
        assert_eq!(
            RecordingDescriptorHeader::decode(&dst[..31]),
            Err(SbeError::TooShort { needed: 32, actual: 31 })
        );
        assert_eq!(header.encode(&mut [0u8; 31]), Err(SbeError::BufferTooSmall { needed: 32, capacity: 31 }));
    }
}
