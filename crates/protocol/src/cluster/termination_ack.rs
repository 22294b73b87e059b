//! [`TerminationAck`] (template id 76, block length 20): follower acknowledging that it has reached the
//! termination position.
//!
//! Block layout (offsets from the end of the message header):
//! `leadershipTermId:i64 @0`;
//! `logPosition:i64 @8`;
//! `memberId:i32 @16`.

use super::codec::sbe_message;

sbe_message! {
    /// Follower acknowledging that it has reached the termination position.
    ///
    /// Sent by a follower to the leader on the consensus stream.
    pub struct TerminationAck {
        template_id: 76,
        block_length: 20,
        fixed: {
            /// Leadership term the message belongs to.
            leadership_term_id: i64 = 0;
            /// Position the follower reached.
            log_position: i64 = 8;
            /// Member id of the follower.
            member_id: i32 = 16;
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

    fn sample() -> TerminationAck {
        TerminationAck {
            leadership_term_id: 72340172854985733i64,
            log_position: -144680345693062406i64,
            member_id: 50727183i32,
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(TerminationAck::TEMPLATE_ID, 76);
        assert_eq!(TerminationAck::BLOCK_LENGTH, 20);
        assert_header(&bytes, 76, 20);
        assert_i64_at(&bytes, 0, message.leadership_term_id);
        assert_i64_at(&bytes, 8, message.log_position);
        assert_i32_at(&bytes, 16, message.member_id);
        assert_eq!(bytes.len(), 8 + 20);
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(TerminationAck::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(TerminationAck::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            TerminationAck::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            TerminationAck::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 76, actual: 999 })
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
        let mut newer = extend_block(&bytes, 20, 12, 18);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(TerminationAck::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 19, 17);
        assert!(TerminationAck::decode(&truncated_block).is_err());
    }
}
