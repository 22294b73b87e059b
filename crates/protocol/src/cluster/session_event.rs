//! [`SessionEvent`] (template id 2, block length 44): response to a connect request or an asynchronous
//! session event; `detail` is empty if the code is OK.
//!
//! Block layout (offsets from the end of the message header):
//! `clusterSessionId:i64 @0`;
//! `correlationId:i64 @8`;
//! `leadershipTermId:i64 @16`;
//! `leaderMemberId:i32 @24`;
//! `code:EventCode (i32) @28`;
//! `version:version_t (i32, null 0) @32`, since version 6;
//! `leaderHeartbeatTimeoutNs:i64 @36`, since version 13;
//! then var-data `detail`, each `length:u32` + bytes.

use super::{EventCode, codec::sbe_message};

sbe_message! {
    /// Response to a connect request or an asynchronous session event; `detail` is empty if the code is OK.
    ///
    /// Sent by the consensus module to a client on its egress channel.
    /// The var-data fields borrow from the decoded input.
    pub struct SessionEvent<'a> {
        template_id: 2,
        block_length: 44,
        fixed: {
            /// Cluster session the message concerns.
            cluster_session_id: i64 = 0;
            /// Correlation id of the connect request this event answers.
            correlation_id: i64 = 8;
            /// Leadership term the message belongs to.
            leadership_term_id: i64 = 16;
            /// Member id of the current leader.
            leader_member_id: i32 = 24;
            /// What happened.
            code: EventCode = 28;
            /// Protocol semantic version (`major << 16 | minor << 8 | patch`, see
            /// [`semantic_version`](super::semantic_version)); 0 is the SBE null of `version_t` (since
            /// version 6).
            version: i32 = 32, since 6, null 0;
            /// Leader heartbeat timeout in nanoseconds as configured on the leader (since version 13;
            /// `i64::MIN` if absent).
            leader_heartbeat_timeout_ns: i64 = 36, since 13;
        }
        groups: {
        }
        var_data: {
            /// Further detail: an error message, or the ingress endpoints (leader first) for REDIRECT.
            detail: &'a str;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::SbeError;
    use crate::cluster::codec::test_support::*;

    fn sample() -> SessionEvent<'static> {
        SessionEvent {
            cluster_session_id: 72340172854985733i64,
            correlation_id: -144680345693062406i64,
            leadership_term_id: 217020518531139079i64,
            leader_member_id: -67636244i32,
            code: EventCode::Closed,
            version: 0x0001_0203,
            leader_heartbeat_timeout_ns: 506381209883445771i64,
            detail: "aeron:udp?endpoint=localhost:20121|term-length=64k#detail",
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(SessionEvent::TEMPLATE_ID, 2);
        assert_eq!(SessionEvent::BLOCK_LENGTH, 44);
        assert_header(&bytes, 2, 44);
        assert_i64_at(&bytes, 0, message.cluster_session_id);
        assert_i64_at(&bytes, 8, message.correlation_id);
        assert_i64_at(&bytes, 16, message.leadership_term_id);
        assert_i32_at(&bytes, 24, message.leader_member_id);
        assert_i32_at(&bytes, 28, message.code.as_i32());
        assert_i32_at(&bytes, 32, message.version);
        assert_i64_at(&bytes, 36, message.leader_heartbeat_timeout_ns);
        let at = 8 + 44;
        let at = assert_var_at(&bytes, at, message.detail.as_bytes());
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(SessionEvent::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(SessionEvent::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            SessionEvent::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            SessionEvent::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 2, actual: 999 })
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
        let mut newer = extend_block(&bytes, 44, 12, 18);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(SessionEvent::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 43, 17);
        assert!(SessionEvent::decode(&truncated_block).is_err());
    }

    #[test]
    fn version_5_sender_leaves_newer_fields_null() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        let mut old = with_header(&bytes[..8 + 32], 32, 5);
        old.extend_from_slice(&bytes[8 + 44..]);
        let expected = SessionEvent { version: 0, leader_heartbeat_timeout_ns: i64::MIN, ..message };
        assert_eq!(SessionEvent::decode(&old), Ok(expected));
        assert!(SessionEvent::decode(&with_header(&old, 32, 17)).is_err());
    }

    #[test]
    fn version_12_sender_leaves_newer_fields_null() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        let mut old = with_header(&bytes[..8 + 36], 36, 12);
        old.extend_from_slice(&bytes[8 + 44..]);
        let expected = SessionEvent { leader_heartbeat_timeout_ns: i64::MIN, ..message };
        assert_eq!(SessionEvent::decode(&old), Ok(expected));
        assert!(SessionEvent::decode(&with_header(&old, 36, 17)).is_err());
    }
}
