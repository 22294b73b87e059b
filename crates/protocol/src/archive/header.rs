//! [`MessageHeader`]: the 8-byte SBE message header that precedes every archive control message.
//!
//! Layout (little-endian): `blockLength:u16 @0 | templateId:u16 @2 | schemaId:u16 @4 | version:u16 @6`.

use super::SbeError;

/// The SBE message header of the archive schema.
///
/// Message codecs read and write it themselves; use this type directly to peek at the template id of
/// a fragment before choosing a decoder (or use [`decode_any`](super::decode_any)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MessageHeader {
    /// Length of the fixed block that follows the header; var-data starts right after it.
    pub block_length: u16,
    /// Which message the block holds.
    pub template_id: u16,
    /// The schema id; 101 ([`SCHEMA_ID`](super::SCHEMA_ID)) for the archive.
    pub schema_id: u16,
    /// The schema version the sender encoded with; fields declared `sinceVersion` above it are absent.
    pub version: u16,
}

impl MessageHeader {
    /// Encoded length in bytes (8).
    pub const ENCODED_LENGTH: usize = 8;
    /// Offset of `block_length`.
    pub const BLOCK_LENGTH_OFFSET: usize = 0;
    /// Offset of `template_id`.
    pub const TEMPLATE_ID_OFFSET: usize = 2;
    /// Offset of `schema_id`.
    pub const SCHEMA_ID_OFFSET: usize = 4;
    /// Offset of `version`.
    pub const VERSION_OFFSET: usize = 6;

    /// A header for a message of this crate's schema id and version.
    pub const fn new(template_id: u16, block_length: u16) -> Self {
        Self { block_length, template_id, schema_id: super::SCHEMA_ID, version: super::SCHEMA_VERSION }
    }

    /// Reads a header from the start of `src` without judging its values; never panics.
    pub fn decode(src: &[u8]) -> Result<Self, SbeError> {
        let bytes: &[u8; Self::ENCODED_LENGTH] = src
            .get(..Self::ENCODED_LENGTH)
            .and_then(|head| head.try_into().ok())
            .ok_or(SbeError::TooShort { needed: Self::ENCODED_LENGTH, actual: src.len() })?;
        Ok(Self {
            block_length: u16::from_le_bytes([bytes[0], bytes[1]]),
            template_id: u16::from_le_bytes([bytes[2], bytes[3]]),
            schema_id: u16::from_le_bytes([bytes[4], bytes[5]]),
            version: u16::from_le_bytes([bytes[6], bytes[7]]),
        })
    }

    /// Writes the header at the start of `dst`; returns 8, or fails without writing if `dst` is short.
    pub fn encode(&self, dst: &mut [u8]) -> Result<usize, SbeError> {
        let capacity = dst.len();
        let head = dst
            .get_mut(..Self::ENCODED_LENGTH)
            .ok_or(SbeError::BufferTooSmall { needed: Self::ENCODED_LENGTH, capacity })?;
        head[0..2].copy_from_slice(&self.block_length.to_le_bytes());
        head[2..4].copy_from_slice(&self.template_id.to_le_bytes());
        head[4..6].copy_from_slice(&self.schema_id.to_le_bytes());
        head[6..8].copy_from_slice(&self.version.to_le_bytes());
        Ok(Self::ENCODED_LENGTH)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_little_endian() {
        let header = MessageHeader::new(0x0102, 0x0304);
        let mut dst = [0u8; 8];
        assert_eq!(header.encode(&mut dst), Ok(8));
        assert_eq!(dst, [0x04, 0x03, 0x02, 0x01, 101, 0, 14, 0]);
        assert_eq!(MessageHeader::decode(&dst), Ok(header));
        assert_eq!(MessageHeader::decode(&dst[..7]), Err(SbeError::TooShort { needed: 8, actual: 7 }));
        assert_eq!(header.encode(&mut [0u8; 7]), Err(SbeError::BufferTooSmall { needed: 8, capacity: 7 }));
    }
}
