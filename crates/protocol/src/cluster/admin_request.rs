//! [`AdminRequest`] (template id 26, block length 28): request to execute an admin command in the cluster.
//!
//! Block layout (offsets from the end of the message header):
//! `leadershipTermId:i64 @0`;
//! `clusterSessionId:i64 @8`;
//! `correlationId:i64 @16`;
//! `requestType:AdminRequestType (i32) @24`;
//! then var-data `payload`, each `length:u32` + bytes.

use super::{AdminRequestType, codec::sbe_message};

sbe_message! {
    /// Request to execute an admin command in the cluster.
    ///
    /// Sent by a client on the ingress channel.
    /// The var-data fields borrow from the decoded input.
    pub struct AdminRequest<'a> {
        template_id: 26,
        block_length: 28,
        fixed: {
            /// Leadership term the message belongs to.
            leadership_term_id: i64 = 0;
            /// Session of the client making the request.
            cluster_session_id: i64 = 8;
            /// Correlation id the response will carry.
            correlation_id: i64 = 16;
            /// Command to execute.
            request_type: AdminRequestType = 24;
        }
        groups: {
        }
        var_data: {
            /// Optional request payload; may be empty.
            payload: &'a [u8];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::SbeError;
    use crate::cluster::codec::test_support::*;

    fn sample() -> AdminRequest<'static> {
        AdminRequest {
            leadership_term_id: 72340172854985733i64,
            cluster_session_id: -144680345693062406i64,
            correlation_id: 217020518531139079i64,
            request_type: AdminRequestType::Snapshot,
            payload: &[0x01, 0xFF, 0x00, 0x07, 0x80],
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(AdminRequest::TEMPLATE_ID, 26);
        assert_eq!(AdminRequest::BLOCK_LENGTH, 28);
        assert_header(&bytes, 26, 28);
        assert_i64_at(&bytes, 0, message.leadership_term_id);
        assert_i64_at(&bytes, 8, message.cluster_session_id);
        assert_i64_at(&bytes, 16, message.correlation_id);
        assert_i32_at(&bytes, 24, message.request_type.as_i32());
        let at = 8 + 28;
        let at = assert_var_at(&bytes, at, message.payload);
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(AdminRequest::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(AdminRequest::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            AdminRequest::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            AdminRequest::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 26, actual: 999 })
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
        let mut newer = extend_block(&bytes, 28, 12, 18);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(AdminRequest::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 27, 17);
        assert!(AdminRequest::decode(&truncated_block).is_err());
    }
}
