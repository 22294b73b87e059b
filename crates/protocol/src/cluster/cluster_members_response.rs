//! [`ClusterMembersResponse`] (template id 41, block length 12): cluster members, active and passive, as
//! endpoint strings.
//!
//! Block layout (offsets from the end of the message header):
//! `correlationId:i64 @0`;
//! `leaderMemberId:i32 @8`;
//! then var-data `activeMembers`, `passiveFollowers`, each `length:u32` + bytes.

use super::codec::sbe_message;

sbe_message! {
    /// Cluster members, active and passive, as endpoint strings.
    ///
    /// Sent by the consensus module in answer to a non-extended
    /// [`ClusterMembersQuery`](super::ClusterMembersQuery).
    /// The var-data fields borrow from the decoded input.
    pub struct ClusterMembersResponse<'a> {
        template_id: 41,
        block_length: 12,
        fixed: {
            /// Correlation id of the query.
            correlation_id: i64 = 0;
            /// Member id of the current leader.
            leader_member_id: i32 = 8;
        }
        groups: {
        }
        var_data: {
            /// Active members in `aeron.cluster.members` form.
            active_members: &'a str;
            /// Passive followers in the same form.
            passive_followers: &'a str;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::SbeError;
    use crate::cluster::codec::test_support::*;

    fn sample() -> ClusterMembersResponse<'static> {
        ClusterMembersResponse {
            correlation_id: 72340172854985733i64,
            leader_member_id: -33818122i32,
            active_members: "aeron:udp?endpoint=localhost:20121|term-length=64k#active_members",
            passive_followers: "0=localhost:20110,1=localhost:20111,2=localhost:20112#passive_followers",
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ClusterMembersResponse::TEMPLATE_ID, 41);
        assert_eq!(ClusterMembersResponse::BLOCK_LENGTH, 12);
        assert_header(&bytes, 41, 12);
        assert_i64_at(&bytes, 0, message.correlation_id);
        assert_i32_at(&bytes, 8, message.leader_member_id);
        let at = 8 + 12;
        let at = assert_var_at(&bytes, at, message.active_members.as_bytes());
        let at = assert_var_at(&bytes, at, message.passive_followers.as_bytes());
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ClusterMembersResponse::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(ClusterMembersResponse::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            ClusterMembersResponse::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            ClusterMembersResponse::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 41, actual: 999 })
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
        assert_eq!(ClusterMembersResponse::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 11, 17);
        assert!(ClusterMembersResponse::decode(&truncated_block).is_err());
    }
}
