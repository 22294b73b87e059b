//! [`MembershipChangeEvent`] (template id 25, block length 40): event for a change of cluster membership that
//! affects the cluster size.
//!
//! Block layout (offsets from the end of the message header):
//! `leadershipTermId:i64 @0`;
//! `logPosition:i64 @8`;
//! `timestamp:time_t (i64) @16`;
//! `leaderMemberId:i32 @24`;
//! `clusterSize:i32 @28`;
//! `changeType:ChangeType (i32) @32`;
//! `memberId:i32 @36`;
//! then var-data `clusterMembers`, each `length:u32` + bytes.

use super::{ChangeType, codec::sbe_message};

sbe_message! {
    /// Event for a change of cluster membership that affects the cluster size.
    ///
    /// Legacy: defined in the log protocol but never written by Aeron 1.54, and ignored by services.
    /// The var-data fields borrow from the decoded input.
    pub struct MembershipChangeEvent<'a> {
        template_id: 25,
        block_length: 40,
        fixed: {
            /// Leadership term the message belongs to.
            leadership_term_id: i64 = 0;
            /// Log position in bytes.
            log_position: i64 = 8;
            /// Cluster time (in the cluster's time unit, milliseconds by default) of the event.
            timestamp: i64 = 16;
            /// Member id of the current leader.
            leader_member_id: i32 = 24;
            /// Number of members after the change.
            cluster_size: i32 = 28;
            /// Whether the member joined or quit.
            change_type: ChangeType = 32;
            /// Member that joined or quit.
            member_id: i32 = 36;
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

    fn sample() -> MembershipChangeEvent<'static> {
        MembershipChangeEvent {
            leadership_term_id: 72340172854985733i64,
            log_position: -144680345693062406i64,
            timestamp: 217020518531139079i64,
            leader_member_id: -67636244i32,
            cluster_size: 84545305i32,
            change_type: ChangeType::Quit,
            member_id: 118363427i32,
            cluster_members: "aeron:udp?endpoint=localhost:20121|term-length=64k#cluster_members",
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(MembershipChangeEvent::TEMPLATE_ID, 25);
        assert_eq!(MembershipChangeEvent::BLOCK_LENGTH, 40);
        assert_header(&bytes, 25, 40);
        assert_i64_at(&bytes, 0, message.leadership_term_id);
        assert_i64_at(&bytes, 8, message.log_position);
        assert_i64_at(&bytes, 16, message.timestamp);
        assert_i32_at(&bytes, 24, message.leader_member_id);
        assert_i32_at(&bytes, 28, message.cluster_size);
        assert_i32_at(&bytes, 32, message.change_type.as_i32());
        assert_i32_at(&bytes, 36, message.member_id);
        let at = 8 + 40;
        let at = assert_var_at(&bytes, at, message.cluster_members.as_bytes());
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(MembershipChangeEvent::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(MembershipChangeEvent::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            MembershipChangeEvent::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            MembershipChangeEvent::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 25, actual: 999 })
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
        let mut newer = extend_block(&bytes, 40, 12, 18);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(MembershipChangeEvent::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 39, 17);
        assert!(MembershipChangeEvent::decode(&truncated_block).is_err());
    }
}
