//! [`StartRecordingRequest`] (template id 4, block length 24): request a channel:stream be recorded.
//!
//! Block layout (offsets from the end of the message header):
//! `controlSessionId:i64 @0`;
//! `correlationId:i64 @8`;
//! `streamId:i32 @16`;
//! `sourceLocation:SourceLocation (i32) @20`;
//! then var-data `channel`, `length:u32` + bytes.

use super::{SourceLocation, codec::sbe_message};

sbe_message! {
    /// Request a channel:stream be recorded.
    ///
    /// Answered by a `ControlResponse` whose `relevantId` is the recording subscription id. Superseded by
    /// [`StartRecordingRequest2`](super::StartRecordingRequest2).
    /// The var-data fields borrow from the decoded input.
    pub struct StartRecordingRequest<'a> {
        template_id: 4,
        block_length: 24,
        fixed: {
            /// Control session the message belongs to (the `relevantId` of the connect response).
            control_session_id: i64 = 0;
            /// Correlation id of the request; a response or signal carries the id of the request that caused
            /// it.
            correlation_id: i64 = 8;
            /// Stream id.
            stream_id: i32 = 16;
            /// Whether the stream is local to the archive's driver (IPC or spy) or remote.
            source_location: SourceLocation = 20;
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

    fn sample() -> StartRecordingRequest<'static> {
        StartRecordingRequest {
            control_session_id: 0x0101_0101_0101_0101,
            correlation_id: -0x0202_0202_0202_0202,
            stream_id: 0x0303_0303,
            source_location: SourceLocation::Remote,
            channel: "aeron:udp?endpoint=localhost:40005|alias=channel",
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(StartRecordingRequest::TEMPLATE_ID, 4);
        assert_eq!(StartRecordingRequest::BLOCK_LENGTH, 24);
        assert_header(&bytes, 4, 24);
        assert_i64_at(&bytes, 0, message.control_session_id);
        assert_i64_at(&bytes, 8, message.correlation_id);
        assert_i32_at(&bytes, 16, message.stream_id);
        assert_i32_at(&bytes, 20, message.source_location.as_i32());
        let at = 8 + 24;
        let at = assert_var_at(&bytes, at, message.channel.as_bytes());
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(StartRecordingRequest::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(StartRecordingRequest::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            StartRecordingRequest::decode(&with_schema_id(&bytes, 100)),
            Err(SbeError::WrongSchemaId { expected: 101, actual: 100 })
        );
        assert_eq!(
            StartRecordingRequest::decode(&with_template_id(&bytes, 999)),
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
        let mut newer = extend_block(&bytes, 24, 12, 15);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(StartRecordingRequest::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 23, 14);
        assert!(StartRecordingRequest::decode(&truncated_block).is_err());
    }
}
