//! [`AuthConnectRequest`] (template id 58, block length 16): connect request with authentication credentials.
//!
//! Block layout (offsets from the end of the message header):
//! `correlationId:i64 @0`;
//! `responseStreamId:i32 @8`;
//! `version:i32 @12`;
//! then var-data `responseChannel`, `encodedCredentials`, `clientInfo` (since version 12), each `length:u32`
//! + bytes.

use super::codec::sbe_message;

sbe_message! {
    /// Connect request with authentication credentials.
    ///
    /// Sent by a client on the archive's control request channel to open a control session. Answered on the
    /// response channel by a `ControlResponse` whose `relevantId` is the control session id, or by a
    /// [`Challenge`](super::Challenge).
    /// The var-data fields borrow from the decoded input.
    pub struct AuthConnectRequest<'a> {
        template_id: 58,
        block_length: 16,
        fixed: {
            /// Correlation id of the request; a response or signal carries the id of the request that caused
            /// it.
            correlation_id: i64 = 0;
            /// Stream id of the response channel.
            response_stream_id: i32 = 8;
            /// Client protocol semantic version (`major << 16 | minor << 8 | patch`, 1.12.0 for Aeron 1.54);
            /// 0 is the SBE null.
            version: i32 = 12, null 0;
        }
        var_data: {
            /// Channel the archive sends control responses on.
            response_channel: &'a str;
            /// Encoded credentials for the authenticator, possibly empty.
            encoded_credentials: &'a [u8];
            /// Free-form description of the client for the archive's logs. Absent before schema version 12.
            client_info: &'a str, since 12;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::SbeError;
    use crate::archive::codec::test_support::*;

    fn sample() -> AuthConnectRequest<'static> {
        AuthConnectRequest {
            correlation_id: 0x0101_0101_0101_0101,
            response_stream_id: -0x0202_0202,
            version: 0x0001_0C00,
            response_channel: "aeron:udp?endpoint=localhost:40004|alias=response_channel",
            encoded_credentials: &[5, 0xFF, 0, 7, 0x80],
            client_info: "aeron:udp?endpoint=localhost:40006|alias=client_info",
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(AuthConnectRequest::TEMPLATE_ID, 58);
        assert_eq!(AuthConnectRequest::BLOCK_LENGTH, 16);
        assert_header(&bytes, 58, 16);
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
        assert_eq!(AuthConnectRequest::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(AuthConnectRequest::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            AuthConnectRequest::decode(&with_schema_id(&bytes, 100)),
            Err(SbeError::WrongSchemaId { expected: 101, actual: 100 })
        );
        assert_eq!(
            AuthConnectRequest::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 58, actual: 999 })
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
        let mut newer = extend_block(&bytes, 16, 12, 15);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(AuthConnectRequest::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 15, 14);
        assert!(AuthConnectRequest::decode(&truncated_block).is_err());
    }

    #[test]
    fn version_11_sender_leaves_newer_fields_null() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        let mut old = with_header(&bytes[..8 + 16], 16, 11);
        push_var(&mut old, message.response_channel.as_bytes());
        push_var(&mut old, message.encoded_credentials);
        let expected = AuthConnectRequest { client_info: "", ..message };
        assert_eq!(AuthConnectRequest::decode(&old), Ok(expected));
        assert!(AuthConnectRequest::decode(&with_header(&old, 16, 14)).is_err());
    }
}
