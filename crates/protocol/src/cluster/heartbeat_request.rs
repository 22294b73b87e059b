//! [`HeartbeatRequest`] (template id 79, block length 12): request a heartbeat response from a cluster
//! member.
//!
//! Block layout (offsets from the end of the message header):
//! `correlationId:i64 @0`;
//! `responseStreamId:i32 @8`;
//! then var-data `responseChannel`, `encodedCredentials`, each `length:u32` + bytes.

use super::codec::sbe_message;

sbe_message! {
    /// Request a heartbeat response from a cluster member.
    ///
    /// Sent by a standby or backup to probe a member's liveness; answered after authentication, like a backup
    /// query.
    /// The var-data fields borrow from the decoded input.
    pub struct HeartbeatRequest<'a> {
        template_id: 79,
        block_length: 12,
        fixed: {
            /// Correlation id chosen by the requester; the response carries the same id.
            correlation_id: i64 = 0;
            /// Stream id of the channel responses are sent on.
            response_stream_id: i32 = 8;
        }
        groups: {
        }
        var_data: {
            /// Channel URI responses are sent on.
            response_channel: &'a str;
            /// Opaque credentials for the authenticator.
            encoded_credentials: &'a [u8];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::SbeError;
    use crate::cluster::codec::test_support::*;

    fn sample() -> HeartbeatRequest<'static> {
        HeartbeatRequest {
            correlation_id: 72340172854985733i64,
            response_stream_id: -33818122i32,
            response_channel: "aeron:udp?endpoint=localhost:20121|term-length=64k#response_channel",
            encoded_credentials: &[0xCA, 0xFE],
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(HeartbeatRequest::TEMPLATE_ID, 79);
        assert_eq!(HeartbeatRequest::BLOCK_LENGTH, 12);
        assert_header(&bytes, 79, 12);
        assert_i64_at(&bytes, 0, message.correlation_id);
        assert_i32_at(&bytes, 8, message.response_stream_id);
        let at = 8 + 12;
        let at = assert_var_at(&bytes, at, message.response_channel.as_bytes());
        let at = assert_var_at(&bytes, at, message.encoded_credentials);
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(HeartbeatRequest::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(HeartbeatRequest::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            HeartbeatRequest::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            HeartbeatRequest::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 79, actual: 999 })
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
        assert_eq!(HeartbeatRequest::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 11, 17);
        assert!(HeartbeatRequest::decode(&truncated_block).is_err());
    }
}
