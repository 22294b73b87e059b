//! [`ListRecordingsRequest`] (template id 8, block length 28): request a range of recording descriptors.
//!
//! Block layout (offsets from the end of the message header):
//! `controlSessionId:i64 @0`;
//! `correlationId:i64 @8`;
//! `fromRecordingId:i64 @16`;
//! `recordCount:i32 @24`.

use super::codec::sbe_message;

sbe_message! {
    /// Request a range of recording descriptors.
    ///
    /// Answered by up to `record_count` [`RecordingDescriptor`](super::RecordingDescriptor)s, then a
    /// `RECORDING_UNKNOWN` response if the listing ran out.
    pub struct ListRecordingsRequest {
        template_id: 8,
        block_length: 28,
        fixed: {
            /// Control session the message belongs to (the `relevantId` of the connect response).
            control_session_id: i64 = 0;
            /// Correlation id of the request; a response or signal carries the id of the request that caused
            /// it.
            correlation_id: i64 = 8;
            /// First recording id to list.
            from_recording_id: i64 = 16;
            /// Largest number of descriptors to send.
            record_count: i32 = 24;
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

    fn sample() -> ListRecordingsRequest {
        ListRecordingsRequest {
            control_session_id: 0x0101_0101_0101_0101,
            correlation_id: -0x0202_0202_0202_0202,
            from_recording_id: 0x0303_0303_0303_0303,
            record_count: -0x0404_0404,
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ListRecordingsRequest::TEMPLATE_ID, 8);
        assert_eq!(ListRecordingsRequest::BLOCK_LENGTH, 28);
        assert_header(&bytes, 8, 28);
        assert_i64_at(&bytes, 0, message.control_session_id);
        assert_i64_at(&bytes, 8, message.correlation_id);
        assert_i64_at(&bytes, 16, message.from_recording_id);
        assert_i32_at(&bytes, 24, message.record_count);
        assert_eq!(bytes.len(), 8 + 28);
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ListRecordingsRequest::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(ListRecordingsRequest::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            ListRecordingsRequest::decode(&with_schema_id(&bytes, 100)),
            Err(SbeError::WrongSchemaId { expected: 101, actual: 100 })
        );
        assert_eq!(
            ListRecordingsRequest::decode(&with_template_id(&bytes, 999)),
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
        let mut newer = extend_block(&bytes, 28, 12, 15);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(ListRecordingsRequest::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 27, 14);
        assert!(ListRecordingsRequest::decode(&truncated_block).is_err());
    }
}
