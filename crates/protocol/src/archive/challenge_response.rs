//! [`ChallengeResponse`] (template id 60, block length 16): response to an archive challenge with
//! credentials.
//!
//! Block layout (offsets from the end of the message header):
//! `controlSessionId:i64 @0`;
//! `correlationId:i64 @8`;
//! then var-data `encodedCredentials`, `length:u32` + bytes.

use super::codec::sbe_message;

sbe_message! {
    /// Response to an archive challenge with credentials.
    ///
    /// Sent by the client in answer to a [`Challenge`](super::Challenge).
    /// The var-data fields borrow from the decoded input.
    pub struct ChallengeResponse<'a> {
        template_id: 60,
        block_length: 16,
        fixed: {
            /// Control session the message belongs to (the `relevantId` of the connect response).
            control_session_id: i64 = 0;
            /// Correlation id of the request; a response or signal carries the id of the request that caused
            /// it.
            correlation_id: i64 = 8;
        }
        var_data: {
            /// Encoded credentials for the authenticator, possibly empty.
            encoded_credentials: &'a [u8];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::SbeError;
    use crate::archive::codec::test_support::*;

    fn sample() -> ChallengeResponse<'static> {
        ChallengeResponse {
            control_session_id: 0x0101_0101_0101_0101,
            correlation_id: -0x0202_0202_0202_0202,
            encoded_credentials: &[3, 0xFF, 0, 7, 0x80],
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ChallengeResponse::TEMPLATE_ID, 60);
        assert_eq!(ChallengeResponse::BLOCK_LENGTH, 16);
        assert_header(&bytes, 60, 16);
        assert_i64_at(&bytes, 0, message.control_session_id);
        assert_i64_at(&bytes, 8, message.correlation_id);
        let at = 8 + 16;
        let at = assert_var_at(&bytes, at, message.encoded_credentials);
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ChallengeResponse::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(ChallengeResponse::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            ChallengeResponse::decode(&with_schema_id(&bytes, 100)),
            Err(SbeError::WrongSchemaId { expected: 101, actual: 100 })
        );
        assert_eq!(
            ChallengeResponse::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 60, actual: 999 })
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
        assert_eq!(ChallengeResponse::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 15, 14);
        assert!(ChallengeResponse::decode(&truncated_block).is_err());
    }
}
