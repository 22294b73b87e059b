//! [`ClusterMembersChange`] (template id 71, block length 12): cluster member list change (add or remove)
//! response.
//!
//! Block layout (offsets from the end of the message header):
//! `correlationId:i64 @0`;
//! `leaderMemberId:i32 @8`;
//! then var-data `activeMembers`, `passiveMembers`, each `length:u32` + bytes.

use super::codec::sbe_message;

sbe_message! {
    /// Cluster member list change (add or remove) response.
    ///
    /// Deprecated since schema version 12 and never sent by Aeron 1.54; decoded only for completeness.
    /// The var-data fields borrow from the decoded input.
    pub struct ClusterMembersChange<'a> {
        template_id: 71,
        block_length: 12,
        fixed: {
            /// Correlation id chosen by the requester; the response carries the same id.
            correlation_id: i64 = 0;
            /// Member id of the current leader.
            leader_member_id: i32 = 8;
        }
        groups: {
        }
        var_data: {
            /// Active members.
            active_members: &'a str;
            /// Passive members.
            passive_members: &'a str;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::SbeError;
    use crate::cluster::codec::test_support::*;

    fn sample() -> ClusterMembersChange<'static> {
        ClusterMembersChange {
            correlation_id: 72340172854985733i64,
            leader_member_id: -33818122i32,
            active_members: "aeron:udp?endpoint=localhost:20121|term-length=64k#active_members",
            passive_members: "0=localhost:20110,1=localhost:20111,2=localhost:20112#passive_members",
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ClusterMembersChange::TEMPLATE_ID, 71);
        assert_eq!(ClusterMembersChange::BLOCK_LENGTH, 12);
        assert_header(&bytes, 71, 12);
        assert_i64_at(&bytes, 0, message.correlation_id);
        assert_i32_at(&bytes, 8, message.leader_member_id);
        let at = 8 + 12;
        let at = assert_var_at(&bytes, at, message.active_members.as_bytes());
        let at = assert_var_at(&bytes, at, message.passive_members.as_bytes());
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ClusterMembersChange::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(ClusterMembersChange::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            ClusterMembersChange::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            ClusterMembersChange::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 71, actual: 999 })
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
        assert_eq!(ClusterMembersChange::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 11, 17);
        assert!(ClusterMembersChange::decode(&truncated_block).is_err());
    }
}
