//! [`SessionOpenEvent`] (template id 21, block length 36): event telling the services that a session has been
//! opened.
//!
//! Block layout (offsets from the end of the message header):
//! `leadershipTermId:i64 @0`;
//! `correlationId:i64 @8`;
//! `clusterSessionId:i64 @16`;
//! `timestamp:time_t (i64) @24`;
//! `responseStreamId:i32 @32`;
//! then var-data `responseChannel`, `encodedPrincipal`, each `length:u32` + bytes.

use super::codec::sbe_message;

sbe_message! {
    /// Event telling the services that a session has been opened.
    ///
    /// Appended to the replicated log by the leader's consensus module.
    /// The var-data fields borrow from the decoded input.
    pub struct SessionOpenEvent<'a> {
        template_id: 21,
        block_length: 36,
        fixed: {
            /// Leadership term the message belongs to.
            leadership_term_id: i64 = 0;
            /// Correlation id of the client's connect request.
            correlation_id: i64 = 8;
            /// Id of the newly opened session.
            cluster_session_id: i64 = 16;
            /// Cluster time at which the session opened.
            timestamp: i64 = 24;
            /// Egress stream id of the client.
            response_stream_id: i32 = 32;
        }
        groups: {
        }
        var_data: {
            /// Egress channel URI of the client.
            response_channel: &'a str;
            /// Opaque principal the authenticator established for the session.
            encoded_principal: &'a [u8];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::SbeError;
    use crate::cluster::codec::test_support::*;

    fn sample() -> SessionOpenEvent<'static> {
        SessionOpenEvent {
            leadership_term_id: 72340172854985733i64,
            correlation_id: -144680345693062406i64,
            cluster_session_id: 217020518531139079i64,
            timestamp: -289360691369215752i64,
            response_stream_id: 84545305i32,
            response_channel: "aeron:udp?endpoint=localhost:20121|term-length=64k#response_channel",
            encoded_principal: &[0xCA, 0xFE],
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(SessionOpenEvent::TEMPLATE_ID, 21);
        assert_eq!(SessionOpenEvent::BLOCK_LENGTH, 36);
        assert_header(&bytes, 21, 36);
        assert_i64_at(&bytes, 0, message.leadership_term_id);
        assert_i64_at(&bytes, 8, message.correlation_id);
        assert_i64_at(&bytes, 16, message.cluster_session_id);
        assert_i64_at(&bytes, 24, message.timestamp);
        assert_i32_at(&bytes, 32, message.response_stream_id);
        let at = 8 + 36;
        let at = assert_var_at(&bytes, at, message.response_channel.as_bytes());
        let at = assert_var_at(&bytes, at, message.encoded_principal);
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(SessionOpenEvent::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(SessionOpenEvent::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            SessionOpenEvent::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            SessionOpenEvent::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 21, actual: 999 })
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
        let mut newer = extend_block(&bytes, 36, 12, 18);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(SessionOpenEvent::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 35, 17);
        assert!(SessionOpenEvent::decode(&truncated_block).is_err());
    }
}
