//! [`ClusterMembersQuery`] (template id 34, block length 12): request the list of cluster members and passive
//! followers.
//!
//! Block layout (offsets from the end of the message header):
//! `correlationId:i64 @0`;
//! `extended:BooleanType (i32) @8`, since version 5.

use super::{BooleanType, codec::sbe_message};

sbe_message! {
    /// Request the list of cluster members and passive followers.
    ///
    /// Sent by a clustered service or ClusterTool to the consensus module over the control channel.
    pub struct ClusterMembersQuery {
        template_id: 34,
        block_length: 12,
        fixed: {
            /// Correlation id chosen by the requester; the response carries the same id.
            correlation_id: i64 = 0;
            /// Whether an extended response is wanted (since version 5; `Unknown(i32::MIN)` if absent).
            extended: BooleanType = 8, since 5;
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

    fn sample() -> ClusterMembersQuery {
        ClusterMembersQuery { correlation_id: 72340172854985733i64, extended: BooleanType::True }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ClusterMembersQuery::TEMPLATE_ID, 34);
        assert_eq!(ClusterMembersQuery::BLOCK_LENGTH, 12);
        assert_header(&bytes, 34, 12);
        assert_i64_at(&bytes, 0, message.correlation_id);
        assert_i32_at(&bytes, 8, message.extended.as_i32());
        assert_eq!(bytes.len(), 8 + 12);
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ClusterMembersQuery::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(ClusterMembersQuery::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            ClusterMembersQuery::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            ClusterMembersQuery::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 34, actual: 999 })
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
        let mut newer = extend_block(&bytes, 12, 12, 18);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(ClusterMembersQuery::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 11, 17);
        assert!(ClusterMembersQuery::decode(&truncated_block).is_err());
    }

    #[test]
    fn version_4_sender_leaves_newer_fields_null() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        let old = with_header(&bytes[..8 + 8], 8, 4);
        let expected = ClusterMembersQuery { extended: BooleanType::Unknown(i32::MIN), ..message };
        assert_eq!(ClusterMembersQuery::decode(&old), Ok(expected));
        assert!(ClusterMembersQuery::decode(&with_header(&old, 8, 17)).is_err());
    }
}
