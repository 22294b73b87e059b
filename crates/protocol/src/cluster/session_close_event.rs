//! [`SessionCloseEvent`] (template id 22, block length 28): event telling the services that a session has
//! been closed.
//!
//! Block layout (offsets from the end of the message header):
//! `leadershipTermId:i64 @0`;
//! `clusterSessionId:i64 @8`;
//! `timestamp:time_t (i64) @16`;
//! `closeReason:CloseReason (i32) @24`.

use super::{CloseReason, codec::sbe_message};

sbe_message! {
    /// Event telling the services that a session has been closed.
    ///
    /// Appended to the replicated log by the leader's consensus module.
    pub struct SessionCloseEvent {
        template_id: 22,
        block_length: 28,
        fixed: {
            /// Leadership term the message belongs to.
            leadership_term_id: i64 = 0;
            /// Id of the closed session.
            cluster_session_id: i64 = 8;
            /// Cluster time at which the session closed.
            timestamp: i64 = 16;
            /// Why the session closed.
            close_reason: CloseReason = 24;
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

    fn sample() -> SessionCloseEvent {
        SessionCloseEvent {
            leadership_term_id: 72340172854985733i64,
            cluster_session_id: -144680345693062406i64,
            timestamp: 217020518531139079i64,
            close_reason: CloseReason::Timeout,
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(SessionCloseEvent::TEMPLATE_ID, 22);
        assert_eq!(SessionCloseEvent::BLOCK_LENGTH, 28);
        assert_header(&bytes, 22, 28);
        assert_i64_at(&bytes, 0, message.leadership_term_id);
        assert_i64_at(&bytes, 8, message.cluster_session_id);
        assert_i64_at(&bytes, 16, message.timestamp);
        assert_i32_at(&bytes, 24, message.close_reason.as_i32());
        assert_eq!(bytes.len(), 8 + 28);
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(SessionCloseEvent::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(SessionCloseEvent::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            SessionCloseEvent::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            SessionCloseEvent::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 22, actual: 999 })
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
        let mut newer = extend_block(&bytes, 28, 12, 18);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(SessionCloseEvent::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 27, 17);
        assert!(SessionCloseEvent::decode(&truncated_block).is_err());
    }
}
