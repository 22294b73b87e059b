//! [`TerminationPosition`] (template id 75, block length 16): leader instructing the members to terminate at
//! a given position.
//!
//! Block layout (offsets from the end of the message header):
//! `leadershipTermId:i64 @0`;
//! `logPosition:i64 @8`.

use super::codec::sbe_message;

sbe_message! {
    /// Leader instructing the members to terminate at a given position.
    ///
    /// Sent by the leader to every follower on the consensus stream.
    pub struct TerminationPosition {
        template_id: 75,
        block_length: 16,
        fixed: {
            /// Leadership term the message belongs to.
            leadership_term_id: i64 = 0;
            /// Log position at which to terminate.
            log_position: i64 = 8;
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

    fn sample() -> TerminationPosition {
        TerminationPosition { leadership_term_id: 72340172854985733i64, log_position: -144680345693062406i64 }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(TerminationPosition::TEMPLATE_ID, 75);
        assert_eq!(TerminationPosition::BLOCK_LENGTH, 16);
        assert_header(&bytes, 75, 16);
        assert_i64_at(&bytes, 0, message.leadership_term_id);
        assert_i64_at(&bytes, 8, message.log_position);
        assert_eq!(bytes.len(), 8 + 16);
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(TerminationPosition::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(TerminationPosition::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            TerminationPosition::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            TerminationPosition::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 75, actual: 999 })
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
        assert_eq!(TerminationPosition::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 15, 17);
        assert!(TerminationPosition::decode(&truncated_block).is_err());
    }
}
