//! [`AdminResponse`] (template id 27, block length 24): response to an admin request.
//!
//! Block layout (offsets from the end of the message header):
//! `clusterSessionId:i64 @0`;
//! `correlationId:i64 @8`;
//! `requestType:AdminRequestType (i32) @16`;
//! `responseCode:AdminResponseCode (i32) @20`;
//! then var-data `message`, `payload`, each `length:u32` + bytes.

use super::{AdminRequestType, AdminResponseCode, codec::sbe_message};

sbe_message! {
    /// Response to an admin request.
    ///
    /// Sent by the consensus module to the client on its egress channel.
    /// The var-data fields borrow from the decoded input.
    pub struct AdminResponse<'a> {
        template_id: 27,
        block_length: 24,
        fixed: {
            /// Session of the client that made the request.
            cluster_session_id: i64 = 0;
            /// Correlation id of the admin request.
            correlation_id: i64 = 8;
            /// Command that was executed.
            request_type: AdminRequestType = 16;
            /// Outcome of the request.
            response_code: AdminResponseCode = 20;
        }
        groups: {
        }
        var_data: {
            /// Response message, e.g. an error description.
            message: &'a str;
            /// Optional response payload (always empty in Aeron 1.54).
            payload: &'a [u8];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::SbeError;
    use crate::cluster::codec::test_support::*;

    fn sample() -> AdminResponse<'static> {
        AdminResponse {
            cluster_session_id: 72340172854985733i64,
            correlation_id: -144680345693062406i64,
            request_type: AdminRequestType::Snapshot,
            response_code: AdminResponseCode::UnauthorisedAccess,
            message: "aeron:udp?endpoint=localhost:20121|term-length=64k#message",
            payload: &[0xCA, 0xFE],
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(AdminResponse::TEMPLATE_ID, 27);
        assert_eq!(AdminResponse::BLOCK_LENGTH, 24);
        assert_header(&bytes, 27, 24);
        assert_i64_at(&bytes, 0, message.cluster_session_id);
        assert_i64_at(&bytes, 8, message.correlation_id);
        assert_i32_at(&bytes, 16, message.request_type.as_i32());
        assert_i32_at(&bytes, 20, message.response_code.as_i32());
        let at = 8 + 24;
        let at = assert_var_at(&bytes, at, message.message.as_bytes());
        let at = assert_var_at(&bytes, at, message.payload);
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(AdminResponse::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(AdminResponse::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            AdminResponse::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            AdminResponse::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 27, actual: 999 })
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
        let mut newer = extend_block(&bytes, 24, 12, 18);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(AdminResponse::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 23, 17);
        assert!(AdminResponse::decode(&truncated_block).is_err());
    }
}
