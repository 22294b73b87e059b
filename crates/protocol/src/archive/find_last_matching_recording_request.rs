//! [`FindLastMatchingRecordingRequest`] (template id 16, block length 32): find the last recording id after
//! minRecordingId which matches criteria.
//!
//! Block layout (offsets from the end of the message header):
//! `controlSessionId:i64 @0`;
//! `correlationId:i64 @8`;
//! `minRecordingId:i64 @16`;
//! `sessionId:i32 @24`;
//! `streamId:i32 @28`;
//! then var-data `channel`, `length:u32` + bytes.

use super::codec::sbe_message;

sbe_message! {
    /// Find the last recording id after minRecordingId which matches criteria.
    ///
    /// Answered by a `ControlResponse` whose `relevantId` is the matching recording id, or -1.
    /// The var-data fields borrow from the decoded input.
    pub struct FindLastMatchingRecordingRequest<'a> {
        template_id: 16,
        block_length: 32,
        fixed: {
            /// Control session the message belongs to (the `relevantId` of the connect response).
            control_session_id: i64 = 0;
            /// Correlation id of the request; a response or signal carries the id of the request that caused
            /// it.
            correlation_id: i64 = 8;
            /// Smallest recording id to consider.
            min_recording_id: i64 = 16;
            /// Session id of the recorded image.
            session_id: i32 = 24;
            /// Stream id.
            stream_id: i32 = 28;
        }
        var_data: {
            /// Channel URI.
            channel: &'a str;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::SbeError;
    use crate::archive::codec::test_support::*;

    fn sample() -> FindLastMatchingRecordingRequest<'static> {
        FindLastMatchingRecordingRequest {
            control_session_id: 0x0101_0101_0101_0101,
            correlation_id: -0x0202_0202_0202_0202,
            min_recording_id: 0x0303_0303_0303_0303,
            session_id: -0x0404_0404,
            stream_id: 0x0505_0505,
            channel: "aeron:udp?endpoint=localhost:40006|alias=channel",
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(FindLastMatchingRecordingRequest::TEMPLATE_ID, 16);
        assert_eq!(FindLastMatchingRecordingRequest::BLOCK_LENGTH, 32);
        assert_header(&bytes, 16, 32);
        assert_i64_at(&bytes, 0, message.control_session_id);
        assert_i64_at(&bytes, 8, message.correlation_id);
        assert_i64_at(&bytes, 16, message.min_recording_id);
        assert_i32_at(&bytes, 24, message.session_id);
        assert_i32_at(&bytes, 28, message.stream_id);
        let at = 8 + 32;
        let at = assert_var_at(&bytes, at, message.channel.as_bytes());
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(FindLastMatchingRecordingRequest::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(
                FindLastMatchingRecordingRequest::decode(&bytes[..length]).is_err(),
                "decoded from {length} bytes"
            );
        }
        assert_eq!(
            FindLastMatchingRecordingRequest::decode(&with_schema_id(&bytes, 100)),
            Err(SbeError::WrongSchemaId { expected: 101, actual: 100 })
        );
        assert_eq!(
            FindLastMatchingRecordingRequest::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 16, actual: 999 })
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
        assert_eq!(FindLastMatchingRecordingRequest::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 31, 14);
        assert!(FindLastMatchingRecordingRequest::decode(&truncated_block).is_err());
    }
}
