//! [`Challenge`] (template id 7, block length 16): challenge the client to provide credentials.
//!
//! Block layout (offsets from the end of the message header):
//! `correlationId:i64 @0`;
//! `clusterSessionId:i64 @8`;
//! then var-data `encodedChallenge`, each `length:u32` + bytes.

use super::codec::sbe_message;

sbe_message! {
    /// Challenge the client to provide credentials.
    ///
    /// Sent by the consensus module on egress in answer to a connect request when the authenticator
    /// challenges.
    /// The var-data fields borrow from the decoded input.
    pub struct Challenge<'a> {
        template_id: 7,
        block_length: 16,
        fixed: {
            /// Correlation id of the connect request being challenged.
            correlation_id: i64 = 0;
            /// Session being authenticated.
            cluster_session_id: i64 = 8;
        }
        groups: {
        }
        var_data: {
            /// Opaque challenge for the client's credentials supplier.
            encoded_challenge: &'a [u8];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::SbeError;
    use crate::cluster::codec::test_support::*;

    fn sample() -> Challenge<'static> {
        Challenge {
            correlation_id: 72340172854985733i64,
            cluster_session_id: -144680345693062406i64,
            encoded_challenge: &[0x01, 0xFF, 0x00, 0x07, 0x80],
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(Challenge::TEMPLATE_ID, 7);
        assert_eq!(Challenge::BLOCK_LENGTH, 16);
        assert_header(&bytes, 7, 16);
        assert_i64_at(&bytes, 0, message.correlation_id);
        assert_i64_at(&bytes, 8, message.cluster_session_id);
        let at = 8 + 16;
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
            Challenge::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            Challenge::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 7, actual: 999 })
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
        assert_eq!(Challenge::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 15, 17);
        assert!(Challenge::decode(&truncated_block).is_err());
    }
}
