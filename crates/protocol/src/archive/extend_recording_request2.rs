//! [`ExtendRecordingRequest2`] (template id 64, block length 36): request an existing recording be extended.
//!
//! Block layout (offsets from the end of the message header):
//! `controlSessionId:i64 @0`;
//! `correlationId:i64 @8`;
//! `recordingId:i64 @16`;
//! `streamId:i32 @24`;
//! `sourceLocation:SourceLocation (i32) @28`;
//! `autoStop:BooleanType (i32) @32`;
//! then var-data `channel`, `length:u32` + bytes.

use super::{BooleanType, SourceLocation, codec::sbe_message};

sbe_message! {
    /// Request an existing recording be extended.
    ///
    /// Answered by a `ControlResponse` whose `relevantId` is the recording subscription's registration id.
    /// The var-data fields borrow from the decoded input.
    pub struct ExtendRecordingRequest2<'a> {
        template_id: 64,
        block_length: 36,
        fixed: {
            /// Control session the message belongs to (the `relevantId` of the connect response).
            control_session_id: i64 = 0;
            /// Correlation id of the request; a response or signal carries the id of the request that caused
            /// it.
            correlation_id: i64 = 8;
            /// Recording id.
            recording_id: i64 = 16;
            /// Stream id.
            stream_id: i32 = 24;
            /// Whether the stream is local to the archive's driver (IPC or spy) or remote.
            source_location: SourceLocation = 28;
            /// Whether the recording subscription is removed automatically when the recording stops.
            auto_stop: BooleanType = 32;
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

    fn sample() -> ExtendRecordingRequest2<'static> {
        ExtendRecordingRequest2 {
            control_session_id: 0x0101_0101_0101_0101,
            correlation_id: -0x0202_0202_0202_0202,
            recording_id: 0x0303_0303_0303_0303,
            stream_id: -0x0404_0404,
            source_location: SourceLocation::Remote,
            auto_stop: BooleanType::True,
            channel: "aeron:udp?endpoint=localhost:40007|alias=channel",
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ExtendRecordingRequest2::TEMPLATE_ID, 64);
        assert_eq!(ExtendRecordingRequest2::BLOCK_LENGTH, 36);
        assert_header(&bytes, 64, 36);
        assert_i64_at(&bytes, 0, message.control_session_id);
        assert_i64_at(&bytes, 8, message.correlation_id);
        assert_i64_at(&bytes, 16, message.recording_id);
        assert_i32_at(&bytes, 24, message.stream_id);
        assert_i32_at(&bytes, 28, message.source_location.as_i32());
        assert_i32_at(&bytes, 32, message.auto_stop.as_i32());
        let at = 8 + 36;
        let at = assert_var_at(&bytes, at, message.channel.as_bytes());
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ExtendRecordingRequest2::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(
                ExtendRecordingRequest2::decode(&bytes[..length]).is_err(),
                "decoded from {length} bytes"
            );
        }
        assert_eq!(
            ExtendRecordingRequest2::decode(&with_schema_id(&bytes, 100)),
            Err(SbeError::WrongSchemaId { expected: 101, actual: 100 })
        );
        assert_eq!(
            ExtendRecordingRequest2::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 64, actual: 999 })
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
        let mut newer = extend_block(&bytes, 36, 12, 15);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(ExtendRecordingRequest2::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 35, 14);
        assert!(ExtendRecordingRequest2::decode(&truncated_block).is_err());
    }
}
