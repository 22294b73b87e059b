//! [`ChallengeResponse`] (template id 8, block length 16): response to a cluster challenge with credentials.
//!
//! Block layout (offsets from the end of the message header):
//! `correlationId:i64 @0`;
//! `clusterSessionId:i64 @8`;
//! then var-data `encodedCredentials`, each `length:u32` + bytes.

use super::codec::sbe_message;

sbe_message! {
    /// Response to a cluster challenge with credentials.
    ///
    /// Sent by a client on ingress (or by a cluster backup on the consensus stream).
    /// The var-data fields borrow from the decoded input.
    pub struct ChallengeResponse<'a> {
        template_id: 8,
        block_length: 16,
        fixed: {
            /// Correlation id of the connect request being authenticated.
            correlation_id: i64 = 0;
            /// Session being authenticated (from the challenge).
            cluster_session_id: i64 = 8;
        }
        groups: {
        }
        var_data: {
            /// Opaque credentials answering the challenge.
            encoded_credentials: &'a [u8];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::SbeError;
    use crate::cluster::codec::test_support::*;

    fn sample() -> ChallengeResponse<'static> {
        ChallengeResponse {
            correlation_id: 72340172854985733i64,
            cluster_session_id: -144680345693062406i64,
            encoded_credentials: &[0x01, 0xFF, 0x00, 0x07, 0x80],
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ChallengeResponse::TEMPLATE_ID, 8);
        assert_eq!(ChallengeResponse::BLOCK_LENGTH, 16);
        assert_header(&bytes, 8, 16);
        assert_i64_at(&bytes, 0, message.correlation_id);
        assert_i64_at(&bytes, 8, message.cluster_session_id);
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
            ChallengeResponse::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            ChallengeResponse::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 8, actual: 999 })
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
        assert_eq!(ChallengeResponse::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 15, 17);
        assert!(ChallengeResponse::decode(&truncated_block).is_err());
    }
}
