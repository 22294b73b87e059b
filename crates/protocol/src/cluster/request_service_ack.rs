//! [`RequestServiceAck`] (template id 108, block length 8): consensus module asking every service on the node
//! to acknowledge once it reaches a position (`requestServiceAck`).
//!
//! Block layout (offsets from the end of the message header):
//! `logPosition:i64 @0`.

use super::codec::sbe_message;

sbe_message! {
    /// Consensus module asking every service on the node to acknowledge once it reaches a position
    /// (`requestServiceAck`).
    ///
    /// Sent by the consensus module to its services over IPC; used only when starting from bootstrap state.
    pub struct RequestServiceAck {
        template_id: 108,
        block_length: 8,
        fixed: {
            /// Log position the services should acknowledge.
            log_position: i64 = 0;
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

    fn sample() -> RequestServiceAck {
        RequestServiceAck { log_position: 72340172854985733i64 }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(RequestServiceAck::TEMPLATE_ID, 108);
        assert_eq!(RequestServiceAck::BLOCK_LENGTH, 8);
        assert_header(&bytes, 108, 8);
        assert_i64_at(&bytes, 0, message.log_position);
        assert_eq!(bytes.len(), 8 + 8);
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(RequestServiceAck::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(RequestServiceAck::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            RequestServiceAck::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            RequestServiceAck::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 108, actual: 999 })
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
        let mut newer = extend_block(&bytes, 8, 12, 18);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(RequestServiceAck::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 7, 17);
        assert!(RequestServiceAck::decode(&truncated_block).is_err());
    }
}
