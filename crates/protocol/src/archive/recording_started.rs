//! [`RecordingStarted`] (template id 101, block length 24): describes a new image recording as a
//! notification.
//!
//! Block layout (offsets from the end of the message header):
//! `recordingId:i64 @0`;
//! `startPosition:i64 @8`;
//! `sessionId:i32 @16`;
//! `streamId:i32 @20`;
//! then var-data `channel`, `sourceIdentity`, each `length:u32` + bytes.

use super::codec::sbe_message;

sbe_message! {
    /// Describes a new image recording as a notification.
    ///
    /// Sent on the recording events channel when a recording starts.
    /// The var-data fields borrow from the decoded input.
    pub struct RecordingStarted<'a> {
        template_id: 101,
        block_length: 24,
        fixed: {
            /// Recording id.
            recording_id: i64 = 0;
            /// Position at which the recording starts.
            start_position: i64 = 8;
            /// Session id of the recorded image.
            session_id: i32 = 16;
            /// Stream id.
            stream_id: i32 = 20;
        }
        var_data: {
            /// Channel URI.
            channel: &'a str;
            /// Identity of the source, e.g. the sender's `ip:port` or `aeron:ipc`.
            source_identity: &'a str;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::SbeError;
    use crate::archive::codec::test_support::*;

    fn sample() -> RecordingStarted<'static> {
        RecordingStarted {
            recording_id: 0x0101_0101_0101_0101,
            start_position: -0x0202_0202_0202_0202,
            session_id: 0x0303_0303,
            stream_id: -0x0404_0404,
            channel: "aeron:udp?endpoint=localhost:40005|alias=channel",
            source_identity: "aeron:udp?endpoint=localhost:40006|alias=source_identity",
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(RecordingStarted::TEMPLATE_ID, 101);
        assert_eq!(RecordingStarted::BLOCK_LENGTH, 24);
        assert_header(&bytes, 101, 24);
        assert_i64_at(&bytes, 0, message.recording_id);
        assert_i64_at(&bytes, 8, message.start_position);
        assert_i32_at(&bytes, 16, message.session_id);
        assert_i32_at(&bytes, 20, message.stream_id);
        let at = 8 + 24;
        let at = assert_var_at(&bytes, at, message.channel.as_bytes());
        let at = assert_var_at(&bytes, at, message.source_identity.as_bytes());
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(RecordingStarted::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(RecordingStarted::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            RecordingStarted::decode(&with_schema_id(&bytes, 100)),
            Err(SbeError::WrongSchemaId { expected: 101, actual: 100 })
        );
        assert_eq!(
            RecordingStarted::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 101, actual: 999 })
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
        assert_eq!(RecordingStarted::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 23, 14);
        assert!(RecordingStarted::decode(&truncated_block).is_err());
    }
}
