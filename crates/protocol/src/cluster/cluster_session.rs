//! [`ClusterSession`] (template id 103, block length 40): a client session serialised in a consensus-module
//! snapshot.
//!
//! Block layout (offsets from the end of the message header):
//! `clusterSessionId:i64 @0`;
//! `correlationId:i64 @8`;
//! `openedLogPosition:i64 @16`;
//! `timeOfLastActivity:time_t (i64) @24`;
//! `closeReason:CloseReason (i32) @32`;
//! `responseStreamId:i32 @36`;
//! then var-data `responseChannel`, each `length:u32` + bytes.

use super::{CloseReason, codec::sbe_message};

sbe_message! {
    /// A client session serialised in a consensus-module snapshot.
    ///
    /// Written by the consensus module into its snapshot.
    /// The var-data fields borrow from the decoded input.
    pub struct ClusterSession<'a> {
        template_id: 103,
        block_length: 40,
        fixed: {
            /// Id of the session.
            cluster_session_id: i64 = 0;
            /// Correlation id of the session's connect request.
            correlation_id: i64 = 8;
            /// Log position at which the session opened.
            opened_log_position: i64 = 16;
            /// Time of last activity (always written as -1 by Aeron 1.54).
            time_of_last_activity: i64 = 24;
            /// Why the session is closing, or `Unknown(i32::MIN)` (the null value) if it is open.
            close_reason: CloseReason = 32;
            /// Stream id of the channel responses are sent on.
            response_stream_id: i32 = 36;
        }
        groups: {
        }
        var_data: {
            /// Channel URI responses are sent on.
            response_channel: &'a str;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::SbeError;
    use crate::cluster::codec::test_support::*;

    fn sample() -> ClusterSession<'static> {
        ClusterSession {
            cluster_session_id: 72340172854985733i64,
            correlation_id: -144680345693062406i64,
            opened_log_position: 217020518531139079i64,
            time_of_last_activity: -289360691369215752i64,
            close_reason: CloseReason::Timeout,
            response_stream_id: -101454366i32,
            response_channel: "aeron:udp?endpoint=localhost:20121|term-length=64k#response_channel",
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ClusterSession::TEMPLATE_ID, 103);
        assert_eq!(ClusterSession::BLOCK_LENGTH, 40);
        assert_header(&bytes, 103, 40);
        assert_i64_at(&bytes, 0, message.cluster_session_id);
        assert_i64_at(&bytes, 8, message.correlation_id);
        assert_i64_at(&bytes, 16, message.opened_log_position);
        assert_i64_at(&bytes, 24, message.time_of_last_activity);
        assert_i32_at(&bytes, 32, message.close_reason.as_i32());
        assert_i32_at(&bytes, 36, message.response_stream_id);
        let at = 8 + 40;
        let at = assert_var_at(&bytes, at, message.response_channel.as_bytes());
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ClusterSession::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(ClusterSession::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            ClusterSession::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            ClusterSession::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 103, actual: 999 })
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
        assert_eq!(ClusterSession::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 39, 17);
        assert!(ClusterSession::decode(&truncated_block).is_err());
    }
}
