//! [`KeepAliveRequest`] (template id 61, block length 16): keep an archive control session alive by
//! indicating the client is alive.
//!
//! Block layout (offsets from the end of the message header):
//! `controlSessionId:i64 @0`;
//! `correlationId:i64 @8`.

use super::codec::sbe_message;

sbe_message! {
    /// Keep an archive control session alive by indicating the client is alive.
    ///
    /// Sent by the client to keep its control session alive; there is no response.
    pub struct KeepAliveRequest {
        template_id: 61,
        block_length: 16,
        fixed: {
            /// Control session the message belongs to (the `relevantId` of the connect response).
            control_session_id: i64 = 0;
            /// Correlation id of the request; a response or signal carries the id of the request that caused
            /// it.
            correlation_id: i64 = 8;
        }
        var_data: {
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::SbeError;
    use crate::archive::codec::test_support::*;

    fn sample() -> KeepAliveRequest {
        KeepAliveRequest { control_session_id: 0x0101_0101_0101_0101, correlation_id: -0x0202_0202_0202_0202 }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(KeepAliveRequest::TEMPLATE_ID, 61);
        assert_eq!(KeepAliveRequest::BLOCK_LENGTH, 16);
        assert_header(&bytes, 61, 16);
        assert_i64_at(&bytes, 0, message.control_session_id);
        assert_i64_at(&bytes, 8, message.correlation_id);
        assert_eq!(bytes.len(), 8 + 16);
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(KeepAliveRequest::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(KeepAliveRequest::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            KeepAliveRequest::decode(&with_schema_id(&bytes, 100)),
            Err(SbeError::WrongSchemaId { expected: 101, actual: 100 })
        );
        assert_eq!(
            KeepAliveRequest::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 61, actual: 999 })
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
        assert_eq!(KeepAliveRequest::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 15, 14);
        assert!(KeepAliveRequest::decode(&truncated_block).is_err());
    }
}
