//! [`ClusterMembers`] (template id 106, block length 8): cluster members serialised in a snapshot.
//!
//! Block layout (offsets from the end of the message header):
//! `memberId:i32 @0`;
//! `highMemberId:i32 @4`;
//! then var-data `clusterMembers`, each `length:u32` + bytes.

use super::codec::sbe_message;

sbe_message! {
    /// Cluster members serialised in a snapshot.
    ///
    /// Legacy: not written by Aeron 1.54.
    /// The var-data fields borrow from the decoded input.
    pub struct ClusterMembers<'a> {
        template_id: 106,
        block_length: 8,
        fixed: {
            /// Member id of this node.
            member_id: i32 = 0;
            /// Highest member id allocated.
            high_member_id: i32 = 4;
        }
        groups: {
        }
        var_data: {
            /// Cluster members in `aeron.cluster.members` form
            /// (`id,ingress,consensus,log,catchup,archive|...`).
            cluster_members: &'a str;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::SbeError;
    use crate::cluster::codec::test_support::*;

    fn sample() -> ClusterMembers<'static> {
        ClusterMembers {
            member_id: 16909061i32,
            high_member_id: -33818122i32,
            cluster_members: "aeron:udp?endpoint=localhost:20121|term-length=64k#cluster_members",
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ClusterMembers::TEMPLATE_ID, 106);
        assert_eq!(ClusterMembers::BLOCK_LENGTH, 8);
        assert_header(&bytes, 106, 8);
        assert_i32_at(&bytes, 0, message.member_id);
        assert_i32_at(&bytes, 4, message.high_member_id);
        let at = 8 + 8;
        let at = assert_var_at(&bytes, at, message.cluster_members.as_bytes());
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ClusterMembers::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(ClusterMembers::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            ClusterMembers::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            ClusterMembers::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 106, actual: 999 })
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
        assert_eq!(ClusterMembers::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 7, 17);
        assert!(ClusterMembers::decode(&truncated_block).is_err());
    }
}
