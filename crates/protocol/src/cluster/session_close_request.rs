//! [`SessionCloseRequest`] (template id 4, block length 16): close an open cluster session.
//!
//! Block layout (offsets from the end of the message header):
//! `leadershipTermId:i64 @0`;
//! `clusterSessionId:i64 @8`.

use super::codec::sbe_message;

sbe_message! {
    /// Close an open cluster session.
    ///
    /// Sent by a client on the ingress channel.
    pub struct SessionCloseRequest {
        template_id: 4,
        block_length: 16,
        fixed: {
            /// Leadership term the message belongs to.
            leadership_term_id: i64 = 0;
            /// Cluster session the message concerns.
            cluster_session_id: i64 = 8;
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

    fn sample() -> SessionCloseRequest {
        SessionCloseRequest {
            leadership_term_id: 72340172854985733i64,
            cluster_session_id: -144680345693062406i64,
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(SessionCloseRequest::TEMPLATE_ID, 4);
        assert_eq!(SessionCloseRequest::BLOCK_LENGTH, 16);
        assert_header(&bytes, 4, 16);
        assert_i64_at(&bytes, 0, message.leadership_term_id);
        assert_i64_at(&bytes, 8, message.cluster_session_id);
        assert_eq!(bytes.len(), 8 + 16);
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(SessionCloseRequest::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(SessionCloseRequest::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            SessionCloseRequest::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            SessionCloseRequest::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 4, actual: 999 })
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
        assert_eq!(SessionCloseRequest::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 15, 17);
        assert!(SessionCloseRequest::decode(&truncated_block).is_err());
    }
}
