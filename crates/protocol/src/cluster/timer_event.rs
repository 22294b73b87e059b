//! [`TimerEvent`] (template id 20, block length 24): timer triggered as the result of a deadline passing on a
//! registered timer.
//!
//! Block layout (offsets from the end of the message header):
//! `leadershipTermId:i64 @0`;
//! `correlationId:i64 @8`;
//! `timestamp:time_t (i64) @16`.

use super::codec::sbe_message;

sbe_message! {
    /// Timer triggered as the result of a deadline passing on a registered timer.
    ///
    /// Appended to the replicated log by the leader's consensus module.
    pub struct TimerEvent {
        template_id: 20,
        block_length: 24,
        fixed: {
            /// Leadership term the message belongs to.
            leadership_term_id: i64 = 0;
            /// Correlation id the timer was scheduled with.
            correlation_id: i64 = 8;
            /// Cluster time at which the timer fired.
            timestamp: i64 = 16;
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

    fn sample() -> TimerEvent {
        TimerEvent {
            leadership_term_id: 72340172854985733i64,
            correlation_id: -144680345693062406i64,
            timestamp: 217020518531139079i64,
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(TimerEvent::TEMPLATE_ID, 20);
        assert_eq!(TimerEvent::BLOCK_LENGTH, 24);
        assert_header(&bytes, 20, 24);
        assert_i64_at(&bytes, 0, message.leadership_term_id);
        assert_i64_at(&bytes, 8, message.correlation_id);
        assert_i64_at(&bytes, 16, message.timestamp);
        assert_eq!(bytes.len(), 8 + 24);
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(TimerEvent::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(TimerEvent::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            TimerEvent::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            TimerEvent::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 20, actual: 999 })
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
        let mut newer = extend_block(&bytes, 24, 12, 18);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(TimerEvent::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 23, 17);
        assert!(TimerEvent::decode(&truncated_block).is_err());
    }
}
