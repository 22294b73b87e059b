//! [`CatalogHeader`] (schema template 20, a raw 32-byte block at offset 0 of `archive.catalog`, never
//! framed by a message header).
//!
//! Layout: `version:i32 @0 | length:i32 @4 | nextRecordingId:i64 @8 | alignment:i32 @16 |
//! reserved:i8 @31` (bytes 20..31 unused and zero).

use super::SbeError;
use super::codec::FixedField;

/// The first block of the archive catalog file: catalog format version, header length, the next
/// recording id to hand out and the alignment of the entries that follow.
///
/// Decode it from the first [`Self::LENGTH`] bytes of the mapped catalog; encode it when creating a
/// catalog. The codec does not judge values (a major version mismatch or a legacy alignment of 0 is
/// the catalog's business).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogHeader {
    /// Catalog format as an Aeron semantic version (`major << 16 | minor << 8 | patch`); 1.54 writes 3.1.0.
    pub version: i32,
    /// Length of this header block, 32.
    pub length: i32,
    /// Recording id the next new recording gets.
    pub next_recording_id: i64,
    /// Alignment of every catalog entry in bytes (64 for a new catalog; 0 means a legacy catalog with
    /// alignment 1024 and the first entry at 1024).
    pub alignment: i32,
}

impl CatalogHeader {
    /// SBE template id of the block in the schema (never on the wire).
    pub const TEMPLATE_ID: u16 = 20;
    /// Block length in bytes (32), also the offset of the first entry of a non-legacy catalog.
    pub const LENGTH: usize = 32;
    /// Offset of `version`.
    pub const VERSION_OFFSET: usize = 0;
    /// Offset of `length`.
    pub const LENGTH_OFFSET: usize = 4;
    /// Offset of `next_recording_id`.
    pub const NEXT_RECORDING_ID_OFFSET: usize = 8;
    /// Offset of `alignment`.
    pub const ALIGNMENT_OFFSET: usize = 16;

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
        self.version.write(&mut block[Self::VERSION_OFFSET..]);
        self.length.write(&mut block[Self::LENGTH_OFFSET..]);
        self.next_recording_id.write(&mut block[Self::NEXT_RECORDING_ID_OFFSET..]);
        self.alignment.write(&mut block[Self::ALIGNMENT_OFFSET..]);
        Ok(Self::LENGTH)
    }

    /// Reads the block from the start of `src`; fails if fewer than 32 bytes are given, never panics.
    pub fn decode(src: &[u8]) -> Result<Self, SbeError> {
        let too_short = SbeError::TooShort { needed: Self::LENGTH, actual: src.len() };
        let block = src.get(..Self::LENGTH).ok_or(too_short)?;
        Ok(Self {
            version: i32::read(&block[Self::VERSION_OFFSET..]).ok_or(too_short)?,
            length: i32::read(&block[Self::LENGTH_OFFSET..]).ok_or(too_short)?,
            next_recording_id: i64::read(&block[Self::NEXT_RECORDING_ID_OFFSET..]).ok_or(too_short)?,
            alignment: i32::read(&block[Self::ALIGNMENT_OFFSET..]).ok_or(too_short)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_the_schema() {
        let header = CatalogHeader {
            version: 3 << 16 | 1 << 8,
            length: 32,
            next_recording_id: 0x0102_0304_0506_0708,
            alignment: 64,
        };
        let mut dst = [0xFFu8; 40];
        assert_eq!(header.encode(&mut dst), Ok(32));
        assert_eq!(&dst[0..4], &[0, 1, 3, 0]);
        assert_eq!(&dst[4..8], &32i32.to_le_bytes());
        assert_eq!(&dst[8..16], &[8, 7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(&dst[16..20], &64i32.to_le_bytes());
        assert!(dst[20..32].iter().all(|&byte| byte == 0));
        assert_eq!(&dst[32..], &[0xFF; 8]);
        assert_eq!(CatalogHeader::decode(&dst), Ok(header));
        assert_eq!(CatalogHeader::decode(&dst[..31]), Err(SbeError::TooShort { needed: 32, actual: 31 }));
        assert_eq!(header.encode(&mut [0u8; 31]), Err(SbeError::BufferTooSmall { needed: 32, capacity: 31 }));
    }
}
