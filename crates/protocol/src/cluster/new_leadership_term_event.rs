//! [`NewLeadershipTermEvent`] (template id 24, block length 48): event marking the start of a new leadership
//! term; the first entry of every term in the log.
//!
//! Block layout (offsets from the end of the message header):
//! `leadershipTermId:i64 @0`;
//! `logPosition:i64 @8`;
//! `timestamp:time_t (i64) @16`;
//! `termBaseLogPosition:i64 @24`;
//! `leaderMemberId:i32 @32`;
//! `logSessionId:i32 @36`;
//! `timeUnit:ClusterTimeUnit (i32) @40`, since version 4;
//! `appVersion:version_t (i32, null 0) @44`, since version 4.

use super::{ClusterTimeUnit, codec::sbe_message};

sbe_message! {
    /// Event marking the start of a new leadership term; the first entry of every term in the log.
    ///
    /// Appended to the replicated log by the leader's consensus module.
    pub struct NewLeadershipTermEvent {
        template_id: 24,
        block_length: 48,
        fixed: {
            /// The new leadership term.
            leadership_term_id: i64 = 0;
            /// Log position just after this message.
            log_position: i64 = 8;
            /// Cluster time (in the cluster's time unit, milliseconds by default) of the event.
            timestamp: i64 = 16;
            /// Log position at which the leadership term starts.
            term_base_log_position: i64 = 24;
            /// Member id of the leader of the term.
            leader_member_id: i32 = 32;
            /// Session id of the log publication of the term.
            log_session_id: i32 = 36;
            /// Time unit of the cluster's timestamps (since version 4; `Unknown(i32::MIN)` if absent, read as
            /// milliseconds).
            time_unit: ClusterTimeUnit = 40, since 4;
            /// Application semantic version (`major << 16 | minor << 8 | patch`, see
            /// [`semantic_version`](super::semantic_version)); 0 is the SBE null of `version_t` (since
            /// version 4).
            app_version: i32 = 44, since 4, null 0;
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

    fn sample() -> NewLeadershipTermEvent {
        NewLeadershipTermEvent {
            leadership_term_id: 72340172854985733i64,
            log_position: -144680345693062406i64,
            timestamp: 217020518531139079i64,
            term_base_log_position: -289360691369215752i64,
            leader_member_id: 84545305i32,
            log_session_id: -101454366i32,
            time_unit: ClusterTimeUnit::Nanos,
            app_version: 0x0001_0203,
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(NewLeadershipTermEvent::TEMPLATE_ID, 24);
        assert_eq!(NewLeadershipTermEvent::BLOCK_LENGTH, 48);
        assert_header(&bytes, 24, 48);
        assert_i64_at(&bytes, 0, message.leadership_term_id);
        assert_i64_at(&bytes, 8, message.log_position);
        assert_i64_at(&bytes, 16, message.timestamp);
        assert_i64_at(&bytes, 24, message.term_base_log_position);
        assert_i32_at(&bytes, 32, message.leader_member_id);
        assert_i32_at(&bytes, 36, message.log_session_id);
        assert_i32_at(&bytes, 40, message.time_unit.as_i32());
        assert_i32_at(&bytes, 44, message.app_version);
        assert_eq!(bytes.len(), 8 + 48);
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(NewLeadershipTermEvent::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(NewLeadershipTermEvent::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            NewLeadershipTermEvent::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            NewLeadershipTermEvent::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 24, actual: 999 })
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
        let mut newer = extend_block(&bytes, 48, 12, 18);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(NewLeadershipTermEvent::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 47, 17);
        assert!(NewLeadershipTermEvent::decode(&truncated_block).is_err());
    }

    #[test]
    fn version_3_sender_leaves_newer_fields_null() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        let old = with_header(&bytes[..8 + 40], 40, 3);
        let expected = NewLeadershipTermEvent {
            time_unit: ClusterTimeUnit::Unknown(i32::MIN),
            app_version: 0,
            ..message
        };
        assert_eq!(NewLeadershipTermEvent::decode(&old), Ok(expected));
        assert!(NewLeadershipTermEvent::decode(&with_header(&old, 40, 17)).is_err());
    }
}
