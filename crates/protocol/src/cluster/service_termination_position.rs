//! [`ServiceTerminationPosition`] (template id 42, block length 12): consensus module instructing a service
//! to terminate at a given position.
//!
//! Block layout (offsets from the end of the message header):
//! `logPosition:i64 @0`;
//! `ackRequired:BooleanType (i32) @8`, since version 17.

use super::{BooleanType, codec::sbe_message};

sbe_message! {
    /// Consensus module instructing a service to terminate at a given position.
    ///
    /// Sent by the consensus module to its services over IPC.
    pub struct ServiceTerminationPosition {
        template_id: 42,
        block_length: 12,
        fixed: {
            /// Log position at which the service should terminate.
            log_position: i64 = 0;
            /// Whether the service must acknowledge (since version 17; `Unknown(i32::MIN)` if absent).
            ack_required: BooleanType = 8, since 17;
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

    fn sample() -> ServiceTerminationPosition {
        ServiceTerminationPosition { log_position: 72340172854985733i64, ack_required: BooleanType::True }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ServiceTerminationPosition::TEMPLATE_ID, 42);
        assert_eq!(ServiceTerminationPosition::BLOCK_LENGTH, 12);
        assert_header(&bytes, 42, 12);
        assert_i64_at(&bytes, 0, message.log_position);
        assert_i32_at(&bytes, 8, message.ack_required.as_i32());
        assert_eq!(bytes.len(), 8 + 12);
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ServiceTerminationPosition::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(
                ServiceTerminationPosition::decode(&bytes[..length]).is_err(),
                "decoded from {length} bytes"
            );
        }
        assert_eq!(
            ServiceTerminationPosition::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            ServiceTerminationPosition::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 42, actual: 999 })
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
        let mut newer = extend_block(&bytes, 12, 12, 18);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(ServiceTerminationPosition::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 11, 17);
        assert!(ServiceTerminationPosition::decode(&truncated_block).is_err());
    }

    #[test]
    fn version_16_sender_leaves_newer_fields_null() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        let old = with_header(&bytes[..8 + 8], 8, 16);
        let expected = ServiceTerminationPosition { ack_required: BooleanType::Unknown(i32::MIN), ..message };
        assert_eq!(ServiceTerminationPosition::decode(&old), Ok(expected));
        assert!(ServiceTerminationPosition::decode(&with_header(&old, 8, 17)).is_err());
    }
}
