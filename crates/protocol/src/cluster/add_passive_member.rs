//! [`AddPassiveMember`] (template id 70, block length 8): add a member to the passive member list.
//!
//! Block layout (offsets from the end of the message header):
//! `correlationId:i64 @0`;
//! then var-data `memberEndpoints`, each `length:u32` + bytes.

use super::codec::sbe_message;

sbe_message! {
    /// Add a member to the passive member list.
    ///
    /// Deprecated since schema version 12 and never sent by Aeron 1.54; decoded only for completeness.
    /// The var-data fields borrow from the decoded input.
    pub struct AddPassiveMember<'a> {
        template_id: 70,
        block_length: 8,
        fixed: {
            /// Correlation id chosen by the requester; the response carries the same id.
            correlation_id: i64 = 0;
        }
        groups: {
        }
        var_data: {
            /// Endpoints of the member to add.
            member_endpoints: &'a str;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::SbeError;
    use crate::cluster::codec::test_support::*;

    fn sample() -> AddPassiveMember<'static> {
        AddPassiveMember {
            correlation_id: 72340172854985733i64,
            member_endpoints: "aeron:udp?endpoint=localhost:20121|term-length=64k#member_endpoints",
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(AddPassiveMember::TEMPLATE_ID, 70);
        assert_eq!(AddPassiveMember::BLOCK_LENGTH, 8);
        assert_header(&bytes, 70, 8);
        assert_i64_at(&bytes, 0, message.correlation_id);
        let at = 8 + 8;
        let at = assert_var_at(&bytes, at, message.member_endpoints.as_bytes());
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(AddPassiveMember::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(AddPassiveMember::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            AddPassiveMember::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            AddPassiveMember::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 70, actual: 999 })
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
        assert_eq!(AddPassiveMember::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 7, 17);
        assert!(AddPassiveMember::decode(&truncated_block).is_err());
    }
}
