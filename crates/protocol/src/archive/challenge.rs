//! [`Challenge`] (template id 59, block length 20): challenge the client to provide credentials.
//!
//! Block layout (offsets from the end of the message header):
//! `controlSessionId:i64 @0`;
//! `correlationId:i64 @8`;
//! `version:i32 @16`;
//! then var-data `encodedChallenge`, `length:u32` + bytes.

use super::codec::sbe_message;

sbe_message! {
    /// Challenge the client to provide credentials.
    ///
    /// Sent by the archive in answer to an `AuthConnectRequest` when the authenticator challenges the client.
    /// The var-data fields borrow from the decoded input.
    pub struct Challenge<'a> {
        template_id: 59,
        block_length: 20,
        fixed: {
            /// Control session the message belongs to (the `relevantId` of the connect response).
            control_session_id: i64 = 0;
            /// Correlation id of the request; a response or signal carries the id of the request that caused
            /// it.
            correlation_id: i64 = 8;
            /// Archive protocol semantic version; 0 is the SBE null.
            version: i32 = 16, null 0;
        }
        var_data: {
            /// Encoded challenge for the client's credentials supplier.
            encoded_challenge: &'a [u8];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::SbeError;
    use crate::archive::codec::test_support::*;

    fn sample() -> Challenge<'static> {
        Challenge {
            control_session_id: 0x0101_0101_0101_0101,
            correlation_id: -0x0202_0202_0202_0202,
            version: 0x0001_0C00,
            encoded_challenge: &[4, 0xFF, 0, 7, 0x80],
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(Challenge::TEMPLATE_ID, 59);
        assert_eq!(Challenge::BLOCK_LENGTH, 20);
        assert_header(&bytes, 59, 20);
        assert_i64_at(&bytes, 0, message.control_session_id);
        assert_i64_at(&bytes, 8, message.correlation_id);
        assert_i32_at(&bytes, 16, message.version);
        let at = 8 + 20;
        let at = assert_var_at(&bytes, at, message.encoded_challenge);
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(Challenge::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(Challenge::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            Challenge::decode(&with_schema_id(&bytes, 100)),
            Err(SbeError::WrongSchemaId { expected: 101, actual: 100 })
        );
        assert_eq!(
            Challenge::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 59, actual: 999 })
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
        let mut newer = extend_block(&bytes, 20, 12, 15);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(Challenge::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 19, 14);
        assert!(Challenge::decode(&truncated_block).is_err());
    }
}
