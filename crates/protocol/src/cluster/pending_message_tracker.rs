//! [`PendingMessageTracker`] (template id 107, block length 24): state of one service's pending-message
//! tracker, serialised in a consensus-module snapshot.
//!
//! Block layout (offsets from the end of the message header):
//! `nextServiceSessionId:i64 @0`;
//! `logServiceSessionId:i64 @8`;
//! `pendingMessageCapacity:capacity_t (i32, null 0) @16`;
//! `serviceId:i32 @20`.

use super::codec::sbe_message;

sbe_message! {
    /// State of one service's pending-message tracker, serialised in a consensus-module snapshot.
    ///
    /// Written by the consensus module into its snapshot, one per service.
    pub struct PendingMessageTracker {
        template_id: 107,
        block_length: 24,
        fixed: {
            /// Next service session id to allocate.
            next_service_session_id: i64 = 0;
            /// Last service session id appended to the log.
            log_service_session_id: i64 = 8;
            /// Capacity of the pending-message buffer; 0 is the null of `capacity_t`.
            pending_message_capacity: i32 = 16, null 0;
            /// Service the tracker belongs to.
            service_id: i32 = 20;
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

    fn sample() -> PendingMessageTracker {
        PendingMessageTracker {
            next_service_session_id: 72340172854985733i64,
            log_service_session_id: -144680345693062406i64,
            pending_message_capacity: 65538,
            service_id: -67636244i32,
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(PendingMessageTracker::TEMPLATE_ID, 107);
        assert_eq!(PendingMessageTracker::BLOCK_LENGTH, 24);
        assert_header(&bytes, 107, 24);
        assert_i64_at(&bytes, 0, message.next_service_session_id);
        assert_i64_at(&bytes, 8, message.log_service_session_id);
        assert_i32_at(&bytes, 16, message.pending_message_capacity);
        assert_i32_at(&bytes, 20, message.service_id);
        assert_eq!(bytes.len(), 8 + 24);
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(PendingMessageTracker::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(PendingMessageTracker::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            PendingMessageTracker::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            PendingMessageTracker::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 107, actual: 999 })
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
        assert_eq!(PendingMessageTracker::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 23, 17);
        assert!(PendingMessageTracker::decode(&truncated_block).is_err());
    }
}
