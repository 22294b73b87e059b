//! [`RecordingSignalEvent`] (template id 24, block length 44): signal of operations which happen to a
//! recording.
//!
//! Block layout (offsets from the end of the message header):
//! `controlSessionId:i64 @0`;
//! `correlationId:i64 @8`;
//! `recordingId:i64 @16`;
//! `subscriptionId:i64 @24`;
//! `position:i64 @32`;
//! `signal:RecordingSignal (i32) @40`.

use super::{RecordingSignal, codec::sbe_message};

sbe_message! {
    /// Signal of operations which happen to a recording.
    ///
    /// Sent on the control response channel of the session that caused the operation.
    pub struct RecordingSignalEvent {
        template_id: 24,
        block_length: 44,
        fixed: {
            /// Control session the message belongs to (the `relevantId` of the connect response).
            control_session_id: i64 = 0;
            /// Correlation id of the request; a response or signal carries the id of the request that caused
            /// it.
            correlation_id: i64 = 8;
            /// Recording id.
            recording_id: i64 = 16;
            /// Registration id of the recording subscription.
            subscription_id: i64 = 24;
            /// Position of the recording relevant to the signal (e.g. the stop position for STOP), or -1
            /// (`NULL_POSITION`).
            position: i64 = 32;
            /// What happened to the recording.
            signal: RecordingSignal = 40;
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

    fn sample() -> RecordingSignalEvent {
        RecordingSignalEvent {
            control_session_id: 0x0101_0101_0101_0101,
            correlation_id: -0x0202_0202_0202_0202,
            recording_id: 0x0303_0303_0303_0303,
            subscription_id: -0x0404_0404_0404_0404,
            position: 0x0505_0505_0505_0505,
            signal: RecordingSignal::ReplicateEnd,
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(RecordingSignalEvent::TEMPLATE_ID, 24);
        assert_eq!(RecordingSignalEvent::BLOCK_LENGTH, 44);
        assert_header(&bytes, 24, 44);
        assert_i64_at(&bytes, 0, message.control_session_id);
        assert_i64_at(&bytes, 8, message.correlation_id);
        assert_i64_at(&bytes, 16, message.recording_id);
        assert_i64_at(&bytes, 24, message.subscription_id);
        assert_i64_at(&bytes, 32, message.position);
        assert_i32_at(&bytes, 40, message.signal.as_i32());
        assert_eq!(bytes.len(), 8 + 44);
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(RecordingSignalEvent::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(RecordingSignalEvent::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            RecordingSignalEvent::decode(&with_schema_id(&bytes, 100)),
            Err(SbeError::WrongSchemaId { expected: 101, actual: 100 })
        );
        assert_eq!(
            RecordingSignalEvent::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 24, actual: 999 })
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
        let mut newer = extend_block(&bytes, 44, 12, 15);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(RecordingSignalEvent::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 43, 14);
        assert!(RecordingSignalEvent::decode(&truncated_block).is_err());
    }
}
