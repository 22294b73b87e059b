//! [`NewLeadershipTerm`] (template id 53, block length 96): a leader has been elected and has begun a new
//! term.
//!
//! Block layout (offsets from the end of the message header):
//! `logLeadershipTermId:i64 @0`;
//! `nextLeadershipTermId:i64 @8`;
//! `nextTermBaseLogPosition:i64 @16`;
//! `nextLogPosition:i64 @24`;
//! `leadershipTermId:i64 @32`;
//! `termBaseLogPosition:i64 @40`;
//! `logPosition:i64 @48`;
//! `leaderRecordingId:i64 @56`;
//! `timestamp:time_t (i64) @64`;
//! `leaderMemberId:i32 @72`;
//! `logSessionId:i32 @76`;
//! `appVersion:version_t (i32, null 0) @80`;
//! `isStartup:BooleanType (i32) @84`;
//! `commitPosition:i64 @88`, since version 15.

use super::{BooleanType, codec::sbe_message};

sbe_message! {
    /// A leader has been elected and has begun a new term.
    ///
    /// Sent by the new leader to every follower on the consensus stream (also repeated as a heartbeat during
    /// the election).
    pub struct NewLeadershipTerm {
        template_id: 53,
        block_length: 96,
        fixed: {
            /// Leadership term of the follower's log that this message answers.
            log_leadership_term_id: i64 = 0;
            /// Leadership term following `log_leadership_term_id`, or -1.
            next_leadership_term_id: i64 = 8;
            /// Base log position of that next term, or -1.
            next_term_base_log_position: i64 = 16;
            /// Log position of that next term, or -1.
            next_log_position: i64 = 24;
            /// The new leadership term.
            leadership_term_id: i64 = 32;
            /// Log position at which the new term starts.
            term_base_log_position: i64 = 40;
            /// Leader's append position.
            log_position: i64 = 48;
            /// Archive recording id of the leader's log.
            leader_recording_id: i64 = 56;
            /// Leader's cluster time.
            timestamp: i64 = 64;
            /// Member id of the new leader.
            leader_member_id: i32 = 72;
            /// Session id of the new term's log publication.
            log_session_id: i32 = 76;
            /// Application semantic version (`major << 16 | minor << 8 | patch`, see
            /// [`semantic_version`](super::semantic_version)); 0 is the SBE null of `version_t`.
            app_version: i32 = 80, null 0;
            /// Whether the cluster is starting up.
            is_startup: BooleanType = 84;
            /// Leader's commit position (since version 15; `i64::MIN` if absent).
            commit_position: i64 = 88, since 15;
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

    fn sample() -> NewLeadershipTerm {
        NewLeadershipTerm {
            log_leadership_term_id: 72340172854985733i64,
            next_leadership_term_id: -144680345693062406i64,
            next_term_base_log_position: 217020518531139079i64,
            next_log_position: -289360691369215752i64,
            leadership_term_id: 361700864207292425i64,
            term_base_log_position: -434041037045369098i64,
            log_position: 506381209883445771i64,
            leader_recording_id: -578721382721522444i64,
            timestamp: 651061555559599117i64,
            leader_member_id: -169090610i32,
            log_session_id: 185999671i32,
            app_version: 0x0001_0203,
            is_startup: BooleanType::True,
            commit_position: -1012762419749982482i64,
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(NewLeadershipTerm::TEMPLATE_ID, 53);
        assert_eq!(NewLeadershipTerm::BLOCK_LENGTH, 96);
        assert_header(&bytes, 53, 96);
        assert_i64_at(&bytes, 0, message.log_leadership_term_id);
        assert_i64_at(&bytes, 8, message.next_leadership_term_id);
        assert_i64_at(&bytes, 16, message.next_term_base_log_position);
        assert_i64_at(&bytes, 24, message.next_log_position);
        assert_i64_at(&bytes, 32, message.leadership_term_id);
        assert_i64_at(&bytes, 40, message.term_base_log_position);
        assert_i64_at(&bytes, 48, message.log_position);
        assert_i64_at(&bytes, 56, message.leader_recording_id);
        assert_i64_at(&bytes, 64, message.timestamp);
        assert_i32_at(&bytes, 72, message.leader_member_id);
        assert_i32_at(&bytes, 76, message.log_session_id);
        assert_i32_at(&bytes, 80, message.app_version);
        assert_i32_at(&bytes, 84, message.is_startup.as_i32());
        assert_i64_at(&bytes, 88, message.commit_position);
        assert_eq!(bytes.len(), 8 + 96);
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(NewLeadershipTerm::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(NewLeadershipTerm::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            NewLeadershipTerm::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            NewLeadershipTerm::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 53, actual: 999 })
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
        let mut newer = extend_block(&bytes, 96, 12, 18);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(NewLeadershipTerm::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 95, 17);
        assert!(NewLeadershipTerm::decode(&truncated_block).is_err());
    }

    #[test]
    fn version_14_sender_leaves_newer_fields_null() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        let old = with_header(&bytes[..8 + 88], 88, 14);
        let expected = NewLeadershipTerm { commit_position: i64::MIN, ..message };
        assert_eq!(NewLeadershipTerm::decode(&old), Ok(expected));
        assert!(NewLeadershipTerm::decode(&with_header(&old, 88, 17)).is_err());
    }
}
