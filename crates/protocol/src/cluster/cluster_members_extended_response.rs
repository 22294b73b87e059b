//! [`ClusterMembersExtendedResponse`] (template id 43, block length 24): status of the active and passive
//! cluster members.
//!
//! Block layout (offsets from the end of the message header):
//! `correlationId:i64 @0`;
//! `currentTimeNs:time_t (i64) @8`;
//! `leaderMemberId:i32 @16`;
//! `memberId:i32 @20`;
//! then group `activeMembers` of [`ClusterMemberEntry`](super::ClusterMemberEntry) (entry block length 28);
//! then group `passiveMembers` of [`ClusterMemberEntry`](super::ClusterMemberEntry) (entry block length 28).

use super::{ClusterMemberEntry, Group, codec::sbe_message};

sbe_message! {
    /// Status of the active and passive cluster members.
    ///
    /// Sent by the consensus module in answer to an extended
    /// [`ClusterMembersQuery`](super::ClusterMembersQuery).
    /// The var-data fields borrow from the decoded input.
    pub struct ClusterMembersExtendedResponse<'a> {
        template_id: 43,
        block_length: 24,
        fixed: {
            /// Correlation id of the query.
            correlation_id: i64 = 0;
            /// Responder's current time in nanoseconds.
            current_time_ns: i64 = 8;
            /// Member id of the current leader.
            leader_member_id: i32 = 16;
            /// Member id of the responder.
            member_id: i32 = 20;
        }
        groups: {
            /// Members with voting rights.
            active_members: Group<'a, ClusterMemberEntry<'a>>;
            /// Members without voting rights that could become active.
            passive_members: Group<'a, ClusterMemberEntry<'a>>;
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

    const ACTIVE_MEMBERS: [ClusterMemberEntry<'static>; 2] = [
        ClusterMemberEntry {
            leadership_term_id: -434041037045369098i64,
            log_position: 506381209883445771i64,
            time_of_last_append_ns: -578721382721522444i64,
            member_id: 152181549i32,
            ingress_endpoint: "aeron:udp?endpoint=localhost:20121|term-length=64k#ingress_endpoint",
            consensus_endpoint: "0=localhost:20110,1=localhost:20111,2=localhost:20112#consensus_endpoint",
            log_endpoint: "fulmar-client 0.1#log_endpoint",
            catchup_endpoint: "localhost:20113#catchup_endpoint",
            archive_endpoint: "localhost:20114#archive_endpoint",
        },
        ClusterMemberEntry {
            leadership_term_id: 795741901235752463i64,
            log_position: -868082074073829136i64,
            time_of_last_append_ns: 940422246911905809i64,
            member_id: -236726854i32,
            ingress_endpoint: "0=localhost:20110,1=localhost:20111,2=localhost:20112#ingress_endpoint",
            consensus_endpoint: "fulmar-client 0.1#consensus_endpoint",
            log_endpoint: "localhost:20113#log_endpoint",
            catchup_endpoint: "localhost:20114#catchup_endpoint",
            archive_endpoint: "aeron:udp?endpoint=localhost:20121|term-length=64k#archive_endpoint",
        },
    ];

    const PASSIVE_MEMBERS: [ClusterMemberEntry<'static>; 2] = [
        ClusterMemberEntry {
            leadership_term_id: -434041037045369098i64,
            log_position: 506381209883445771i64,
            time_of_last_append_ns: -578721382721522444i64,
            member_id: 152181549i32,
            ingress_endpoint: "aeron:udp?endpoint=localhost:20121|term-length=64k#ingress_endpoint",
            consensus_endpoint: "0=localhost:20110,1=localhost:20111,2=localhost:20112#consensus_endpoint",
            log_endpoint: "fulmar-client 0.1#log_endpoint",
            catchup_endpoint: "localhost:20113#catchup_endpoint",
            archive_endpoint: "localhost:20114#archive_endpoint",
        },
        ClusterMemberEntry {
            leadership_term_id: 795741901235752463i64,
            log_position: -868082074073829136i64,
            time_of_last_append_ns: 940422246911905809i64,
            member_id: -236726854i32,
            ingress_endpoint: "0=localhost:20110,1=localhost:20111,2=localhost:20112#ingress_endpoint",
            consensus_endpoint: "fulmar-client 0.1#consensus_endpoint",
            log_endpoint: "localhost:20113#log_endpoint",
            catchup_endpoint: "localhost:20114#catchup_endpoint",
            archive_endpoint: "aeron:udp?endpoint=localhost:20121|term-length=64k#archive_endpoint",
        },
    ];

    fn sample() -> ClusterMembersExtendedResponse<'static> {
        ClusterMembersExtendedResponse {
            correlation_id: 72340172854985733i64,
            current_time_ns: -144680345693062406i64,
            leader_member_id: 50727183i32,
            member_id: -67636244i32,
            active_members: Group::new(&ACTIVE_MEMBERS),
            passive_members: Group::new(&PASSIVE_MEMBERS),
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ClusterMembersExtendedResponse::TEMPLATE_ID, 43);
        assert_eq!(ClusterMembersExtendedResponse::BLOCK_LENGTH, 24);
        assert_header(&bytes, 43, 24);
        assert_i64_at(&bytes, 0, message.correlation_id);
        assert_i64_at(&bytes, 8, message.current_time_ns);
        assert_i32_at(&bytes, 16, message.leader_member_id);
        assert_i32_at(&bytes, 20, message.member_id);
        let at = 8 + 24;
        let mut at = assert_group_header_at(&bytes, at, 28, 2);
        for entry in &ACTIVE_MEMBERS {
            assert_eq!(&bytes[at..at + 8], &entry.leadership_term_id.to_le_bytes());
            assert_eq!(&bytes[at + 8..at + 16], &entry.log_position.to_le_bytes());
            assert_eq!(&bytes[at + 16..at + 24], &entry.time_of_last_append_ns.to_le_bytes());
            assert_eq!(&bytes[at + 24..at + 28], &entry.member_id.to_le_bytes());
            at += 28;
            at = assert_var_at(&bytes, at, entry.ingress_endpoint.as_bytes());
            at = assert_var_at(&bytes, at, entry.consensus_endpoint.as_bytes());
            at = assert_var_at(&bytes, at, entry.log_endpoint.as_bytes());
            at = assert_var_at(&bytes, at, entry.catchup_endpoint.as_bytes());
            at = assert_var_at(&bytes, at, entry.archive_endpoint.as_bytes());
        }
        let mut at = assert_group_header_at(&bytes, at, 28, 2);
        for entry in &PASSIVE_MEMBERS {
            assert_eq!(&bytes[at..at + 8], &entry.leadership_term_id.to_le_bytes());
            assert_eq!(&bytes[at + 8..at + 16], &entry.log_position.to_le_bytes());
            assert_eq!(&bytes[at + 16..at + 24], &entry.time_of_last_append_ns.to_le_bytes());
            assert_eq!(&bytes[at + 24..at + 28], &entry.member_id.to_le_bytes());
            at += 28;
            at = assert_var_at(&bytes, at, entry.ingress_endpoint.as_bytes());
            at = assert_var_at(&bytes, at, entry.consensus_endpoint.as_bytes());
            at = assert_var_at(&bytes, at, entry.log_endpoint.as_bytes());
            at = assert_var_at(&bytes, at, entry.catchup_endpoint.as_bytes());
            at = assert_var_at(&bytes, at, entry.archive_endpoint.as_bytes());
        }
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ClusterMembersExtendedResponse::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(
                ClusterMembersExtendedResponse::decode(&bytes[..length]).is_err(),
                "decoded from {length} bytes"
            );
        }
        assert_eq!(
            ClusterMembersExtendedResponse::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            ClusterMembersExtendedResponse::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 43, actual: 999 })
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
        let mut newer = extend_block(&bytes, 24, 12, 18);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(ClusterMembersExtendedResponse::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 23, 17);
        assert!(ClusterMembersExtendedResponse::decode(&truncated_block).is_err());
    }

    #[test]
    fn groups_honour_their_entry_block_length() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        let decoded = ClusterMembersExtendedResponse::decode(&bytes).expect("decodes");
        assert_eq!(decoded.active_members.len(), 2);
        assert_eq!(decoded.active_members.iter().collect::<Vec<_>>(), ACTIVE_MEMBERS.to_vec());
        // A newer sender's longer entry blocks: 4 unknown bytes after each entry block.
        let group_at = 8 + 24;
        let mut newer = bytes[..group_at].to_vec();
        newer.extend_from_slice(&(28u16 + 4).to_le_bytes());
        newer.extend_from_slice(&2u16.to_le_bytes());
        let mut at = group_at + 4;
        for entry in &ACTIVE_MEMBERS {
            newer.extend_from_slice(&bytes[at..at + 28]);
            newer.extend_from_slice(&[0xEE; 4]);
            at += entry.encoded_length();
            newer.extend_from_slice(&bytes[at - (entry.encoded_length() - 28)..at]);
        }
        newer.extend_from_slice(&bytes[at..]);
        assert_eq!(ClusterMembersExtendedResponse::decode(&newer), Ok(message));
        // An entry block too short for the fields is rejected.
        let mut short = bytes.clone();
        short[group_at..group_at + 2].copy_from_slice(&(28u16 - 1).to_le_bytes());
        assert!(ClusterMembersExtendedResponse::decode(&short).is_err());
        // An empty group encodes as a bare header.
        let empty = ClusterMembersExtendedResponse { active_members: Group::default(), ..message };
        assert_eq!(
            empty.encoded_length(),
            message.encoded_length()
                - (ACTIVE_MEMBERS[0].encoded_length() + ACTIVE_MEMBERS[1].encoded_length())
        );
        let bytes = encode_with(empty.encoded_length(), |dst| empty.encode(dst));
        assert_eq!(ClusterMembersExtendedResponse::decode(&bytes), Ok(empty));
    }
}
