//! [`SessionMessage`]: an application message, i.e. a [`SessionMessageHeader`] (template id 1) followed
//! by the application payload.
//!
//! Layout: the 8-byte SBE header (`blockLength` 24, template id 1, schema 111, version 17), the 24-byte
//! block (`leadershipTermId @0`, `clusterSessionId @8`, `timestamp @16`), then the payload at offset
//! [`SESSION_HEADER_LENGTH`] (32) up to the end of the message. Like Aeron (`AeronCluster`,
//! `IngressAdapter`, `BoundedLogAdapter`, `EgressAdapter`), the payload always starts at offset 32,
//! whatever `blockLength` the header declares; a declared block shorter than 24 is rejected.

use super::{SESSION_HEADER_LENGTH, SbeError, SessionMessageHeader};

/// An application message: session header plus opaque payload, borrowing the payload.
///
/// This is what [`decode_any`](super::decode_any) returns for template id 1. To send, either
/// [`encode`](Self::encode) header and payload into one buffer, or encode only the
/// [`SessionMessageHeader`] (32 bytes) and gather the payload after it, as Aeron's vectored offers do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionMessage<'a> {
    /// The session header.
    pub header: SessionMessageHeader,
    /// The application payload (everything after the 32-byte header).
    pub payload: &'a [u8],
}

impl<'a> SessionMessage<'a> {
    /// SBE template id (that of [`SessionMessageHeader`]).
    pub const TEMPLATE_ID: u16 = SessionMessageHeader::TEMPLATE_ID;

    /// Exact number of bytes [`Self::encode`] writes: 32 + payload length.
    pub fn encoded_length(&self) -> usize {
        SESSION_HEADER_LENGTH + self.payload.len()
    }

    /// Writes the header (schema 111, version 17) and the payload at the start of `dst`; returns
    /// [`Self::encoded_length`]. Fails without writing if `dst` is too small.
    pub fn encode(&self, dst: &mut [u8]) -> Result<usize, SbeError> {
        let length = self.encoded_length();
        if dst.len() < length {
            return Err(SbeError::BufferTooSmall { needed: length, capacity: dst.len() });
        }
        self.header.encode(dst)?;
        dst[SESSION_HEADER_LENGTH..length].copy_from_slice(self.payload);
        Ok(length)
    }

    /// Reads the header from the start of `src` (checking schema and template id and honouring the
    /// declared version) and takes everything from offset 32 on as the payload; never panics.
    pub fn decode(src: &'a [u8]) -> Result<Self, SbeError> {
        let header = SessionMessageHeader::decode(src)?;
        let payload = src
            .get(SESSION_HEADER_LENGTH..)
            .ok_or(SbeError::TooShort { needed: SESSION_HEADER_LENGTH, actual: src.len() })?;
        Ok(Self { header, payload })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::codec::test_support::*;

    fn sample() -> SessionMessage<'static> {
        SessionMessage {
            header: SessionMessageHeader {
                leadership_term_id: 3,
                cluster_session_id: -7,
                timestamp: 1_700_000,
            },
            payload: b"hello cluster",
        }
    }

    #[test]
    fn matches_the_reference_layout() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(SESSION_HEADER_LENGTH, 32);
        assert_eq!(&bytes[..8], &[0x18, 0, 0x01, 0, 0x6F, 0, 0x11, 0]);
        assert_eq!(&bytes[8..16], &3i64.to_le_bytes());
        assert_eq!(&bytes[16..24], &(-7i64).to_le_bytes());
        assert_eq!(&bytes[24..32], &1_700_000i64.to_le_bytes());
        assert_eq!(&bytes[32..], b"hello cluster");
        assert_eq!(SessionMessage::decode(&bytes), Ok(message));
        let mut header_only = [0u8; 32];
        assert_eq!(message.header.encode(&mut header_only), Ok(32));
        assert_eq!(&header_only[..], &bytes[..32]);
    }

    #[test]
    fn payload_starts_at_32_whatever_the_block_length() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        let longer = with_header(&bytes, 28, 17);
        let decoded = SessionMessage::decode(&longer).expect("decodes");
        assert_eq!(decoded.header, message.header);
        assert_eq!(decoded.payload, message.payload);
        assert!(SessionMessage::decode(&with_header(&bytes, 23, 17)).is_err());
        assert!(SessionMessage::decode(&with_header(&bytes, 60, 17)).is_err());
        let empty = SessionMessage { payload: &[], ..message };
        let bytes = encode_with(empty.encoded_length(), |dst| empty.encode(dst));
        assert_eq!(bytes.len(), 32);
        assert_eq!(SessionMessage::decode(&bytes), Ok(empty));
        for length in 0..32 {
            assert!(SessionMessage::decode(&bytes[..length]).is_err());
        }
    }

    #[test]
    fn a_failed_encode_writes_nothing() {
        let message = sample();
        let mut short = vec![0u8; message.encoded_length() - 1];
        assert_eq!(
            message.encode(&mut short),
            Err(SbeError::BufferTooSmall { needed: short.len() + 1, capacity: short.len() })
        );
        assert!(short.iter().all(|&byte| byte == 0));
    }
}
