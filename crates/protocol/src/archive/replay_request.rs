//! [`ReplayRequest`] (template id 6, block length 56): replay recording range request.
//!
//! Block layout (offsets from the end of the message header):
//! `controlSessionId:i64 @0`;
//! `correlationId:i64 @8`;
//! `recordingId:i64 @16`;
//! `position:i64 @24`;
//! `length:i64 @32`;
//! `replayStreamId:i32 @40`;
//! `fileIoMaxLength:i32 @44`, since version 7;
//! `replayToken:i64 @48`, since version 10;
//! then var-data `replayChannel`, `length:u32` + bytes.

use super::codec::sbe_message;

sbe_message! {
    /// Replay recording range request.
    ///
    /// Answered by a `ControlResponse` whose `relevantId` is the replay session id.
    /// The var-data fields borrow from the decoded input.
    pub struct ReplayRequest<'a> {
        template_id: 6,
        block_length: 56,
        fixed: {
            /// Control session the message belongs to (the `relevantId` of the connect response).
            control_session_id: i64 = 0;
            /// Correlation id of the request; a response or signal carries the id of the request that caused
            /// it.
            correlation_id: i64 = 8;
            /// Recording id.
            recording_id: i64 = 16;
            /// Position in the recorded stream, in bytes.
            position: i64 = 24;
            /// Bytes to replay: -1 (`REPLAY_ALL_AND_FOLLOW`) follows a live recording, -2
            /// (`REPLAY_ALL_AND_STOP`) stops at the position current when the replay starts.
            length: i64 = 32;
            /// Stream id the replay is published on.
            replay_stream_id: i32 = 40;
            /// Largest single file read or write, at least the MTU; 0 or less takes the archive default.
            /// Absent before schema version 7 (decodes as `i32::MIN`).
            file_io_max_length: i32 = 44, since 7;
            /// Token from a `ReplayTokenRequest` that lets a replay be started from another image (response
            /// channels); -1 (`NULL_VALUE`) when unused. Absent before schema version 10 (decodes as
            /// `i64::MIN`).
            replay_token: i64 = 48, since 10;
        }
        var_data: {
            /// Channel URI the replay is published on.
            replay_channel: &'a str;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::SbeError;
    use crate::archive::codec::test_support::*;

    fn sample() -> ReplayRequest<'static> {
        ReplayRequest {
            control_session_id: 0x0101_0101_0101_0101,
            correlation_id: -0x0202_0202_0202_0202,
            recording_id: 0x0303_0303_0303_0303,
            position: -0x0404_0404_0404_0404,
            length: 0x0505_0505_0505_0505,
            replay_stream_id: -0x0606_0606,
            file_io_max_length: 0x0707_0707,
            replay_token: -0x0808_0808_0808_0808,
            replay_channel: "aeron:udp?endpoint=localhost:40009|alias=replay_channel",
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ReplayRequest::TEMPLATE_ID, 6);
        assert_eq!(ReplayRequest::BLOCK_LENGTH, 56);
        assert_header(&bytes, 6, 56);
        assert_i64_at(&bytes, 0, message.control_session_id);
        assert_i64_at(&bytes, 8, message.correlation_id);
        assert_i64_at(&bytes, 16, message.recording_id);
        assert_i64_at(&bytes, 24, message.position);
        assert_i64_at(&bytes, 32, message.length);
        assert_i32_at(&bytes, 40, message.replay_stream_id);
        assert_i32_at(&bytes, 44, message.file_io_max_length);
        assert_i64_at(&bytes, 48, message.replay_token);
        let at = 8 + 56;
        let at = assert_var_at(&bytes, at, message.replay_channel.as_bytes());
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ReplayRequest::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(ReplayRequest::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            ReplayRequest::decode(&with_schema_id(&bytes, 100)),
            Err(SbeError::WrongSchemaId { expected: 101, actual: 100 })
        );
        assert_eq!(
            ReplayRequest::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 6, actual: 999 })
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
        let mut newer = extend_block(&bytes, 56, 12, 15);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(ReplayRequest::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 55, 14);
        assert!(ReplayRequest::decode(&truncated_block).is_err());
    }

    #[test]
    fn version_6_sender_leaves_newer_fields_null() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        let mut old = with_header(&bytes[..8 + 44], 44, 6);
        push_var(&mut old, message.replay_channel.as_bytes());
        let expected = ReplayRequest { file_io_max_length: i32::MIN, replay_token: i64::MIN, ..message };
        assert_eq!(ReplayRequest::decode(&old), Ok(expected));
        assert!(ReplayRequest::decode(&with_header(&old, 44, 14)).is_err());
    }

    #[test]
    fn version_9_sender_leaves_newer_fields_null() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        let mut old = with_header(&bytes[..8 + 48], 48, 9);
        push_var(&mut old, message.replay_channel.as_bytes());
        let expected = ReplayRequest { replay_token: i64::MIN, ..message };
        assert_eq!(ReplayRequest::decode(&old), Ok(expected));
        assert!(ReplayRequest::decode(&with_header(&old, 48, 14)).is_err());
    }
}
