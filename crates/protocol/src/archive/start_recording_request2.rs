//! [`StartRecordingRequest2`] (template id 63, block length 28): request a channel:stream be recorded with
//! the option to auto stop when complete.
//!
//! Block layout (offsets from the end of the message header):
//! `controlSessionId:i64 @0`;
//! `correlationId:i64 @8`;
//! `streamId:i32 @16`;
//! `sourceLocation:SourceLocation (i32) @20`;
//! `autoStop:BooleanType (i32) @24`;
//! then var-data `channel`, `length:u32` + bytes.

use super::{BooleanType, SourceLocation, codec::sbe_message};

sbe_message! {
    /// Request a channel:stream be recorded with the option to auto stop when complete.
    ///
    /// Answered by a `ControlResponse` whose `relevantId` is the recording subscription's registration id.
    /// The var-data fields borrow from the decoded input.
    pub struct StartRecordingRequest2<'a> {
        template_id: 63,
        block_length: 28,
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
            /// Whether the recording subscription is removed automatically when the recording stops.
            auto_stop: BooleanType = 24;
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

    fn sample() -> StartRecordingRequest2<'static> {
        StartRecordingRequest2 {
            control_session_id: 0x0101_0101_0101_0101,
            correlation_id: -0x0202_0202_0202_0202,
            stream_id: 0x0303_0303,
            source_location: SourceLocation::Remote,
            auto_stop: BooleanType::True,
            channel: "aeron:udp?endpoint=localhost:40006|alias=channel",
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(StartRecordingRequest2::TEMPLATE_ID, 63);
        assert_eq!(StartRecordingRequest2::BLOCK_LENGTH, 28);
        assert_header(&bytes, 63, 28);
        assert_i64_at(&bytes, 0, message.control_session_id);
        assert_i64_at(&bytes, 8, message.correlation_id);
        assert_i32_at(&bytes, 16, message.stream_id);
        assert_i32_at(&bytes, 20, message.source_location.as_i32());
        assert_i32_at(&bytes, 24, message.auto_stop.as_i32());
        let at = 8 + 28;
        let at = assert_var_at(&bytes, at, message.channel.as_bytes());
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(StartRecordingRequest2::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(StartRecordingRequest2::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            StartRecordingRequest2::decode(&with_schema_id(&bytes, 100)),
            Err(SbeError::WrongSchemaId { expected: 101, actual: 100 })
        );
        assert_eq!(
            StartRecordingRequest2::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 63, actual: 999 })
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
        assert_eq!(StartRecordingRequest2::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 27, 14);
        assert!(StartRecordingRequest2::decode(&truncated_block).is_err());
    }
}
