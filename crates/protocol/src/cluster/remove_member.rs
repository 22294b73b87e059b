//! [`RemoveMember`] (template id 35, block length 8): remove a cluster member, as a normal or a passive
//! member.
//!
//! Block layout (offsets from the end of the message header):
//! `memberId:i32 @0`;
//! `isPassive:BooleanType (i32) @4`.

use super::{BooleanType, codec::sbe_message};

sbe_message! {
    /// Remove a cluster member, as a normal or a passive member.
    ///
    /// Deprecated since schema version 12 and never sent by Aeron 1.54; decoded only for completeness.
    pub struct RemoveMember {
        template_id: 35,
        block_length: 8,
        fixed: {
            /// Member to remove.
            member_id: i32 = 0;
            /// Whether the member is passive.
            is_passive: BooleanType = 4;
        }
        groups: {
        }
        var_data: {
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::SbeError;
    use crate::cluster::codec::test_support::*;

    fn sample() -> RemoveMember {
        RemoveMember { member_id: 16909061i32, is_passive: BooleanType::True }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(RemoveMember::TEMPLATE_ID, 35);
        assert_eq!(RemoveMember::BLOCK_LENGTH, 8);
        assert_header(&bytes, 35, 8);
        assert_i32_at(&bytes, 0, message.member_id);
        assert_i32_at(&bytes, 4, message.is_passive.as_i32());
        assert_eq!(bytes.len(), 8 + 8);
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(RemoveMember::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(RemoveMember::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            RemoveMember::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            RemoveMember::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 35, actual: 999 })
        );
        let mut short = vec![0u8; bytes.len() - 1];
        assert_eq!(
            message.encode(&mut short),
            Err(SbeError::BufferTooSmall { needed: bytes.len(), capacity: bytes.len() - 1 })
        );
        assert!(short.iter().all(|&byte| byte == 0), "a failed encode must not write");
    }

    #[test]
    fn newer_senders_with_longer_blocks_and_trailing_bytes_decode() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        let mut newer = extend_block(&bytes, 8, 12, 18);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(RemoveMember::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 7, 17);
        assert!(RemoveMember::decode(&truncated_block).is_err());
    }
}
