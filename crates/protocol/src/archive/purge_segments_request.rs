//! [`PurgeSegmentsRequest`] (template id 55, block length 32): purge (detach and delete) segments from a
//! recording to give a new start position.
//!
//! Block layout (offsets from the end of the message header):
//! `controlSessionId:i64 @0`;
//! `correlationId:i64 @8`;
//! `recordingId:i64 @16`;
//! `newStartPosition:i64 @24`.

use super::codec::sbe_message;

sbe_message! {
    /// Purge (detach and delete) segments from a recording to give a new start position.
    ///
    /// Answered by a `ControlResponse` whose `relevantId` is the number of segments purged.
    pub struct PurgeSegmentsRequest {
        template_id: 55,
        block_length: 32,
        fixed: {
            /// Control session the message belongs to (the `relevantId` of the connect response).
            control_session_id: i64 = 0;
            /// Correlation id of the request; a response or signal carries the id of the request that caused
            /// it.
            correlation_id: i64 = 8;
            /// Recording id.
            recording_id: i64 = 16;
            /// New start position of the recording, on a segment boundary.
            new_start_position: i64 = 24;
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

    fn sample() -> PurgeSegmentsRequest {
        PurgeSegmentsRequest {
            control_session_id: 0x0101_0101_0101_0101,
            correlation_id: -0x0202_0202_0202_0202,
            recording_id: 0x0303_0303_0303_0303,
            new_start_position: -0x0404_0404_0404_0404,
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(PurgeSegmentsRequest::TEMPLATE_ID, 55);
        assert_eq!(PurgeSegmentsRequest::BLOCK_LENGTH, 32);
        assert_header(&bytes, 55, 32);
        assert_i64_at(&bytes, 0, message.control_session_id);
        assert_i64_at(&bytes, 8, message.correlation_id);
        assert_i64_at(&bytes, 16, message.recording_id);
        assert_i64_at(&bytes, 24, message.new_start_position);
        assert_eq!(bytes.len(), 8 + 32);
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(PurgeSegmentsRequest::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(PurgeSegmentsRequest::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            PurgeSegmentsRequest::decode(&with_schema_id(&bytes, 100)),
            Err(SbeError::WrongSchemaId { expected: 101, actual: 100 })
        );
        assert_eq!(
            PurgeSegmentsRequest::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 55, actual: 999 })
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
        let mut newer = extend_block(&bytes, 32, 12, 15);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(PurgeSegmentsRequest::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 31, 14);
        assert!(PurgeSegmentsRequest::decode(&truncated_block).is_err());
    }
}
