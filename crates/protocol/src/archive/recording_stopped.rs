//! [`RecordingStopped`] (template id 103, block length 24): recording termination notification.
//!
//! Block layout (offsets from the end of the message header):
//! `recordingId:i64 @0`;
//! `startPosition:i64 @8`;
//! `stopPosition:i64 @16`.

use super::codec::sbe_message;

sbe_message! {
    /// Recording termination notification.
    ///
    /// Sent on the recording events channel when a recording stops.
    pub struct RecordingStopped {
        template_id: 103,
        block_length: 24,
        fixed: {
            /// Recording id.
            recording_id: i64 = 0;
            /// Position at which the recording starts.
            start_position: i64 = 8;
            /// Position at which the recording stopped.
            stop_position: i64 = 16;
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

    fn sample() -> RecordingStopped {
        RecordingStopped {
            recording_id: 0x0101_0101_0101_0101,
            start_position: -0x0202_0202_0202_0202,
            stop_position: 0x0303_0303_0303_0303,
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(RecordingStopped::TEMPLATE_ID, 103);
        assert_eq!(RecordingStopped::BLOCK_LENGTH, 24);
        assert_header(&bytes, 103, 24);
        assert_i64_at(&bytes, 0, message.recording_id);
        assert_i64_at(&bytes, 8, message.start_position);
        assert_i64_at(&bytes, 16, message.stop_position);
        assert_eq!(bytes.len(), 8 + 24);
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(RecordingStopped::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(RecordingStopped::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            RecordingStopped::decode(&with_schema_id(&bytes, 100)),
            Err(SbeError::WrongSchemaId { expected: 101, actual: 100 })
        );
        assert_eq!(
            RecordingStopped::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 103, actual: 999 })
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
        assert_eq!(RecordingStopped::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 23, 14);
        assert!(RecordingStopped::decode(&truncated_block).is_err());
    }
}
