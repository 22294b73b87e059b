//! [`ScheduleTimer`] (template id 31, block length 16): schedule a timer, or reschedule an unexpired one with
//! the same correlation id.
//!
//! Block layout (offsets from the end of the message header):
//! `correlationId:i64 @0`;
//! `deadline:time_t (i64) @8`.

use super::codec::sbe_message;

sbe_message! {
    /// Schedule a timer, or reschedule an unexpired one with the same correlation id.
    ///
    /// Sent by a clustered service to its consensus module over IPC.
    pub struct ScheduleTimer {
        template_id: 31,
        block_length: 16,
        fixed: {
            /// Timer id, unique per service; rescheduling the same id replaces the deadline.
            correlation_id: i64 = 0;
            /// Deadline in cluster time units.
            deadline: i64 = 8;
        }
        groups: {
        }
        var_data: {
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::SbeError;
    use crate::cluster::codec::test_support::*;

    fn sample() -> ScheduleTimer {
        ScheduleTimer { correlation_id: 72340172854985733i64, deadline: -144680345693062406i64 }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ScheduleTimer::TEMPLATE_ID, 31);
        assert_eq!(ScheduleTimer::BLOCK_LENGTH, 16);
        assert_header(&bytes, 31, 16);
        assert_i64_at(&bytes, 0, message.correlation_id);
        assert_i64_at(&bytes, 8, message.deadline);
        assert_eq!(bytes.len(), 8 + 16);
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ScheduleTimer::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(ScheduleTimer::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            ScheduleTimer::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            ScheduleTimer::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 31, actual: 999 })
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
        let mut newer = extend_block(&bytes, 16, 12, 18);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(ScheduleTimer::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 15, 17);
        assert!(ScheduleTimer::decode(&truncated_block).is_err());
    }
}
