//! [`CloseSessionRequest`] (template id 3, block length 8): close an existing control session.
//!
//! Block layout (offsets from the end of the message header):
//! `controlSessionId:i64 @0`.

use super::codec::sbe_message;

sbe_message! {
    /// Close an existing control session.
    ///
    /// Sent by the client to close its control session; there is no response.
    pub struct CloseSessionRequest {
        template_id: 3,
        block_length: 8,
        fixed: {
            /// Control session the message belongs to (the `relevantId` of the connect response).
            control_session_id: i64 = 0;
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

    fn sample() -> CloseSessionRequest {
        CloseSessionRequest { control_session_id: 0x0101_0101_0101_0101 }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(CloseSessionRequest::TEMPLATE_ID, 3);
        assert_eq!(CloseSessionRequest::BLOCK_LENGTH, 8);
        assert_header(&bytes, 3, 8);
        assert_i64_at(&bytes, 0, message.control_session_id);
        assert_eq!(bytes.len(), 8 + 8);
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(CloseSessionRequest::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(CloseSessionRequest::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            CloseSessionRequest::decode(&with_schema_id(&bytes, 100)),
            Err(SbeError::WrongSchemaId { expected: 101, actual: 100 })
        );
        assert_eq!(
            CloseSessionRequest::decode(&with_template_id(&bytes, 999)),
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
        let mut newer = extend_block(&bytes, 8, 12, 15);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(CloseSessionRequest::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 7, 14);
        assert!(CloseSessionRequest::decode(&truncated_block).is_err());
    }
}
