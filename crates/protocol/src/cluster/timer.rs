//! [`Timer`] (template id 104, block length 16): a scheduled timer serialised in a consensus-module snapshot.
//!
//! Block layout (offsets from the end of the message header):
//! `correlationId:i64 @0`;
//! `deadline:time_t (i64) @8`.

use super::codec::sbe_message;

sbe_message! {
    /// A scheduled timer serialised in a consensus-module snapshot.
    ///
    /// Written by the consensus module into its snapshot.
    pub struct Timer {
        template_id: 104,
        block_length: 16,
        fixed: {
            /// Timer id.
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

    fn sample() -> Timer {
        Timer { correlation_id: 72340172854985733i64, deadline: -144680345693062406i64 }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(Timer::TEMPLATE_ID, 104);
        assert_eq!(Timer::BLOCK_LENGTH, 16);
        assert_header(&bytes, 104, 16);
        assert_i64_at(&bytes, 0, message.correlation_id);
        assert_i64_at(&bytes, 8, message.deadline);
        assert_eq!(bytes.len(), 8 + 16);
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(Timer::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(Timer::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            Timer::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            Timer::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 104, actual: 999 })
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
        assert_eq!(Timer::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 15, 17);
        assert!(Timer::decode(&truncated_block).is_err());
    }
}
