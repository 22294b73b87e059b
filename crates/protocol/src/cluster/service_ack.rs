//! [`ServiceAck`] (template id 33, block length 36): service acknowledging that it has reached a log position
//! or taken an action.
//!
//! Block layout (offsets from the end of the message header):
//! `logPosition:i64 @0`;
//! `timestamp:time_t (i64) @8`;
//! `ackId:i64 @16`;
//! `relevantId:i64 @24`;
//! `serviceId:i32 @32`.

use super::codec::sbe_message;

sbe_message! {
    /// Service acknowledging that it has reached a log position or taken an action.
    ///
    /// Sent by a clustered service to its consensus module over IPC.
    pub struct ServiceAck {
        template_id: 33,
        block_length: 36,
        fixed: {
            /// Log position the service has reached.
            log_position: i64 = 0;
            /// Cluster time at the acknowledged position.
            timestamp: i64 = 8;
            /// Sequence number of the ack, counted per service from 0.
            ack_id: i64 = 16;
            /// Id relevant to the ack: the snapshot recording id after a snapshot, the service's Aeron client
            /// id at startup, else -1.
            relevant_id: i64 = 24;
            /// Id of the acknowledging service.
            service_id: i32 = 32;
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

    fn sample() -> ServiceAck {
        ServiceAck {
            log_position: 72340172854985733i64,
            timestamp: -144680345693062406i64,
            ack_id: 217020518531139079i64,
            relevant_id: -289360691369215752i64,
            service_id: 84545305i32,
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ServiceAck::TEMPLATE_ID, 33);
        assert_eq!(ServiceAck::BLOCK_LENGTH, 36);
        assert_header(&bytes, 33, 36);
        assert_i64_at(&bytes, 0, message.log_position);
        assert_i64_at(&bytes, 8, message.timestamp);
        assert_i64_at(&bytes, 16, message.ack_id);
        assert_i64_at(&bytes, 24, message.relevant_id);
        assert_i32_at(&bytes, 32, message.service_id);
        assert_eq!(bytes.len(), 8 + 36);
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ServiceAck::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(ServiceAck::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            ServiceAck::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            ServiceAck::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 33, actual: 999 })
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
        let mut newer = extend_block(&bytes, 36, 12, 18);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(ServiceAck::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 35, 17);
        assert!(ServiceAck::decode(&truncated_block).is_err());
    }
}
