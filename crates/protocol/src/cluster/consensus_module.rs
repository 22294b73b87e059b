//! [`ConsensusModule`] (template id 105, block length 28): consensus-module state serialised in its snapshot.
//!
//! Block layout (offsets from the end of the message header):
//! `nextSessionId:i64 @0`;
//! `nextServiceSessionId:i64 @8`, since version 3;
//! `logServiceSessionId:i64 @16`, since version 3;
//! `pendingMessageCapacity:capacity_t (i32, null 0) @24`, since version 3.

use super::codec::sbe_message;

sbe_message! {
    /// Consensus-module state serialised in its snapshot.
    ///
    /// Written by the consensus module into its snapshot; the three optional fields describe service 0's
    /// pending-message tracker, kept for compatibility.
    pub struct ConsensusModule {
        template_id: 105,
        block_length: 28,
        fixed: {
            /// Next cluster session id to allocate.
            next_session_id: i64 = 0;
            /// Next service session id of service 0's pending-message tracker (since version 3; `i64::MIN` if
            /// absent).
            next_service_session_id: i64 = 8, since 3;
            /// Last service session id of service 0 appended to the log (since version 3; `i64::MIN` if
            /// absent).
            log_service_session_id: i64 = 16, since 3;
            /// Capacity of service 0's pending-message buffer (since version 3; 0, the null of `capacity_t`,
            /// if absent).
            pending_message_capacity: i32 = 24, since 3, null 0;
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

    fn sample() -> ConsensusModule {
        ConsensusModule {
            next_session_id: 72340172854985733i64,
            next_service_session_id: -144680345693062406i64,
            log_service_session_id: 217020518531139079i64,
            pending_message_capacity: 65539,
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ConsensusModule::TEMPLATE_ID, 105);
        assert_eq!(ConsensusModule::BLOCK_LENGTH, 28);
        assert_header(&bytes, 105, 28);
        assert_i64_at(&bytes, 0, message.next_session_id);
        assert_i64_at(&bytes, 8, message.next_service_session_id);
        assert_i64_at(&bytes, 16, message.log_service_session_id);
        assert_i32_at(&bytes, 24, message.pending_message_capacity);
        assert_eq!(bytes.len(), 8 + 28);
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ConsensusModule::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(ConsensusModule::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            ConsensusModule::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            ConsensusModule::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 105, actual: 999 })
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
        let mut newer = extend_block(&bytes, 28, 12, 18);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(ConsensusModule::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 27, 17);
        assert!(ConsensusModule::decode(&truncated_block).is_err());
    }

    #[test]
    fn version_2_sender_leaves_newer_fields_null() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        let old = with_header(&bytes[..8 + 8], 8, 2);
        let expected = ConsensusModule {
            next_service_session_id: i64::MIN,
            log_service_session_id: i64::MIN,
            pending_message_capacity: 0,
            ..message
        };
        assert_eq!(ConsensusModule::decode(&old), Ok(expected));
        assert!(ConsensusModule::decode(&with_header(&old, 8, 17)).is_err());
    }
}
