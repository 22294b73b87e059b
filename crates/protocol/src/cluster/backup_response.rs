//! [`BackupResponse`] (template id 78, block length 60): response to a backup query with everything needed to
//! run a backup.
//!
//! Block layout (offsets from the end of the message header):
//! `correlationId:i64 @0`;
//! `logRecordingId:i64 @8`;
//! `logLeadershipTermId:i64 @16`;
//! `logTermBaseLogPosition:i64 @24`;
//! `lastLeadershipTermId:i64 @32`;
//! `lastTermBaseLogPosition:i64 @40`;
//! `commitPositionCounterId:i32 @48`;
//! `leaderMemberId:i32 @52`;
//! `memberId:i32 @56`, since version 10;
//! then group `snapshots` of [`SnapshotEntry`](super::SnapshotEntry) (entry block length 44); then var-data
//! `clusterMembers`, each `length:u32` + bytes.

use super::{Group, SnapshotEntry, codec::sbe_message};

sbe_message! {
    /// Response to a backup query with everything needed to run a backup.
    ///
    /// Sent by the queried member on the requester's response channel. The responder fills both the `log*`
    /// and the `last*` fields from its last term entry.
    /// The var-data fields borrow from the decoded input.
    pub struct BackupResponse<'a> {
        template_id: 78,
        block_length: 60,
        fixed: {
            /// Correlation id of the query.
            correlation_id: i64 = 0;
            /// Archive recording id of the responder's log.
            log_recording_id: i64 = 8;
            /// Leadership term of the responder's last term entry.
            log_leadership_term_id: i64 = 16;
            /// Base log position of that term.
            log_term_base_log_position: i64 = 24;
            /// Last leadership term of the responder (same entry as `log_leadership_term_id`).
            last_leadership_term_id: i64 = 32;
            /// Base log position of the last term.
            last_term_base_log_position: i64 = 40;
            /// Counter id of the responder's commit position.
            commit_position_counter_id: i32 = 48;
            /// Member id of the current leader.
            leader_member_id: i32 = 52;
            /// Member id of the responder (since version 10; `i32::MIN` if absent).
            member_id: i32 = 56, since 10;
        }
        groups: {
            /// Latest snapshots of the consensus module and services.
            snapshots: Group<'a, SnapshotEntry>;
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

    const SNAPSHOTS: [SnapshotEntry; 2] = [
        SnapshotEntry {
            recording_id: -434041037045369098i64,
            leadership_term_id: 506381209883445771i64,
            term_base_log_position: -578721382721522444i64,
            log_position: 651061555559599117i64,
            timestamp: -723401728397675790i64,
            service_id: 185999671i32,
        },
        SnapshotEntry {
            recording_id: 795741901235752463i64,
            leadership_term_id: -868082074073829136i64,
            term_base_log_position: 940422246911905809i64,
            log_position: -1012762419749982482i64,
            timestamp: 1085102592588059155i64,
            service_id: -270544976i32,
        },
    ];

    fn sample() -> BackupResponse<'static> {
        BackupResponse {
            correlation_id: 72340172854985733i64,
            log_recording_id: -144680345693062406i64,
            log_leadership_term_id: 217020518531139079i64,
            log_term_base_log_position: -289360691369215752i64,
            last_leadership_term_id: 361700864207292425i64,
            last_term_base_log_position: -434041037045369098i64,
            commit_position_counter_id: 118363427i32,
            leader_member_id: -135272488i32,
            member_id: 152181549i32,
            snapshots: Group::new(&SNAPSHOTS),
            cluster_members: "aeron:udp?endpoint=localhost:20121|term-length=64k#cluster_members",
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(BackupResponse::TEMPLATE_ID, 78);
        assert_eq!(BackupResponse::BLOCK_LENGTH, 60);
        assert_header(&bytes, 78, 60);
        assert_i64_at(&bytes, 0, message.correlation_id);
        assert_i64_at(&bytes, 8, message.log_recording_id);
        assert_i64_at(&bytes, 16, message.log_leadership_term_id);
        assert_i64_at(&bytes, 24, message.log_term_base_log_position);
        assert_i64_at(&bytes, 32, message.last_leadership_term_id);
        assert_i64_at(&bytes, 40, message.last_term_base_log_position);
        assert_i32_at(&bytes, 48, message.commit_position_counter_id);
        assert_i32_at(&bytes, 52, message.leader_member_id);
        assert_i32_at(&bytes, 56, message.member_id);
        let at = 8 + 60;
        let mut at = assert_group_header_at(&bytes, at, 44, 2);
        for entry in &SNAPSHOTS {
            assert_eq!(&bytes[at..at + 8], &entry.recording_id.to_le_bytes());
            assert_eq!(&bytes[at + 8..at + 16], &entry.leadership_term_id.to_le_bytes());
            assert_eq!(&bytes[at + 16..at + 24], &entry.term_base_log_position.to_le_bytes());
            assert_eq!(&bytes[at + 24..at + 32], &entry.log_position.to_le_bytes());
            assert_eq!(&bytes[at + 32..at + 40], &entry.timestamp.to_le_bytes());
            assert_eq!(&bytes[at + 40..at + 44], &entry.service_id.to_le_bytes());
            at += 44;
        }
        let at = assert_var_at(&bytes, at, message.cluster_members.as_bytes());
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(BackupResponse::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(BackupResponse::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            BackupResponse::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            BackupResponse::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 78, actual: 999 })
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
        let mut newer = extend_block(&bytes, 60, 12, 18);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(BackupResponse::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 59, 17);
        assert!(BackupResponse::decode(&truncated_block).is_err());
    }

    #[test]
    fn version_9_sender_leaves_newer_fields_null() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        let mut old = with_header(&bytes[..8 + 56], 56, 9);
        old.extend_from_slice(&bytes[8 + 60..]);
        let expected = BackupResponse { member_id: i32::MIN, ..message };
        assert_eq!(BackupResponse::decode(&old), Ok(expected));
        assert!(BackupResponse::decode(&with_header(&old, 56, 17)).is_err());
    }

    #[test]
    fn groups_honour_their_entry_block_length() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        let decoded = BackupResponse::decode(&bytes).expect("decodes");
        assert_eq!(decoded.snapshots.len(), 2);
        assert_eq!(decoded.snapshots.iter().collect::<Vec<_>>(), SNAPSHOTS.to_vec());
        // A newer sender's longer entry blocks: 4 unknown bytes after each entry block.
        let group_at = 8 + 60;
        let mut newer = bytes[..group_at].to_vec();
        newer.extend_from_slice(&(44u16 + 4).to_le_bytes());
        newer.extend_from_slice(&2u16.to_le_bytes());
        let mut at = group_at + 4;
        for entry in &SNAPSHOTS {
            newer.extend_from_slice(&bytes[at..at + 44]);
            newer.extend_from_slice(&[0xEE; 4]);
            at += entry.encoded_length();
            newer.extend_from_slice(&bytes[at - (entry.encoded_length() - 44)..at]);
        }
        newer.extend_from_slice(&bytes[at..]);
        assert_eq!(BackupResponse::decode(&newer), Ok(message));
        // An entry block too short for the fields is rejected.
        let mut short = bytes.clone();
        short[group_at..group_at + 2].copy_from_slice(&(44u16 - 1).to_le_bytes());
        assert!(BackupResponse::decode(&short).is_err());
        // An empty group encodes as a bare header.
        let empty = BackupResponse { snapshots: Group::default(), ..message };
        assert_eq!(
            empty.encoded_length(),
            message.encoded_length() - (SNAPSHOTS[0].encoded_length() + SNAPSHOTS[1].encoded_length())
        );
        let bytes = encode_with(empty.encoded_length(), |dst| empty.encode(dst));
        assert_eq!(BackupResponse::decode(&bytes), Ok(empty));
    }
}
