//! [`SessionConnectRequest`] (template id 3, block length 16): connect to the cluster and, if successful,
//! open a session.
//!
//! Block layout (offsets from the end of the message header):
//! `correlationId:i64 @0`;
//! `responseStreamId:i32 @8`;
//! `version:version_t (i32, null 0) @12`, since version 2;
//! then var-data `responseChannel`, `encodedCredentials`, `clientInfo` (since version 14), each `length:u32`
//! + bytes.

use super::codec::sbe_message;

sbe_message! {
    /// Connect to the cluster and, if successful, open a session.
    ///
    /// Sent by a client on the ingress channel; answered with a [`Challenge`](super::Challenge) or a
    /// [`SessionEvent`](super::SessionEvent).
    /// The var-data fields borrow from the decoded input.
    pub struct SessionConnectRequest<'a> {
        template_id: 3,
        block_length: 16,
        fixed: {
            /// Correlation id chosen by the requester; the response carries the same id.
            correlation_id: i64 = 0;
            /// Egress stream id the client listens on.
            response_stream_id: i32 = 8;
            /// Client protocol semantic version (`major << 16 | minor << 8 | patch`, see
            /// [`semantic_version`](super::semantic_version)); 0 is the SBE null of `version_t` (since
            /// version 2). The consensus module only checks the major.
            version: i32 = 12, since 2, null 0;
        }
        groups: {
        }
        var_data: {
            /// Egress channel URI the client listens on.
            response_channel: &'a str;
            /// Opaque credentials for the authenticator.
            encoded_credentials: &'a [u8];
            /// Free-form client description (since version 14; empty if absent).
            client_info: &'a str, since 14;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::SbeError;
    use crate::cluster::codec::test_support::*;

    fn sample() -> SessionConnectRequest<'static> {
        SessionConnectRequest {
            correlation_id: 72340172854985733i64,
            response_stream_id: -33818122i32,
            version: 0x0001_0203,
            response_channel: "aeron:udp?endpoint=localhost:20121|term-length=64k#response_channel",
            encoded_credentials: &[0xCA, 0xFE],
            client_info: "fulmar-client 0.1#client_info",
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(SessionConnectRequest::TEMPLATE_ID, 3);
        assert_eq!(SessionConnectRequest::BLOCK_LENGTH, 16);
        assert_header(&bytes, 3, 16);
        assert_i64_at(&bytes, 0, message.correlation_id);
        assert_i32_at(&bytes, 8, message.response_stream_id);
        assert_i32_at(&bytes, 12, message.version);
        let at = 8 + 16;
        let at = assert_var_at(&bytes, at, message.response_channel.as_bytes());
        let at = assert_var_at(&bytes, at, message.encoded_credentials);
        let at = assert_var_at(&bytes, at, message.client_info.as_bytes());
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(SessionConnectRequest::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(SessionConnectRequest::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            SessionConnectRequest::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            SessionConnectRequest::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 3, actual: 999 })
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
        let mut newer = extend_block(&bytes, 16, 12, 18);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(SessionConnectRequest::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 15, 17);
        assert!(SessionConnectRequest::decode(&truncated_block).is_err());
    }

    #[test]
    fn version_1_sender_leaves_newer_fields_null() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        let mut old = with_header(&bytes[..8 + 12], 12, 1);
        push_var(&mut old, message.response_channel.as_bytes());
        push_var(&mut old, message.encoded_credentials);
        let expected = SessionConnectRequest { version: 0, client_info: "", ..message };
        assert_eq!(SessionConnectRequest::decode(&old), Ok(expected));
        assert!(SessionConnectRequest::decode(&with_header(&old, 12, 17)).is_err());
    }

    #[test]
    fn version_13_sender_leaves_newer_fields_null() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        let mut old = with_header(&bytes[..8 + 16], 16, 13);
        push_var(&mut old, message.response_channel.as_bytes());
        push_var(&mut old, message.encoded_credentials);
        let expected = SessionConnectRequest { client_info: "", ..message };
        assert_eq!(SessionConnectRequest::decode(&old), Ok(expected));
    }
}
