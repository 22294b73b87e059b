//! [`CommitPosition`] (template id 55, block length 20): the highest position reached by a quorum of the
//! cluster, as determined by the leader.
//!
//! Block layout (offsets from the end of the message header):
//! `leadershipTermId:i64 @0`;
//! `logPosition:i64 @8`;
//! `leaderMemberId:i32 @16`.

use super::codec::sbe_message;

sbe_message! {
    /// The highest position reached by a quorum of the cluster, as determined by the leader.
    ///
    /// Sent by the leader to every follower on the consensus stream.
    pub struct CommitPosition {
        template_id: 55,
        block_length: 20,
        fixed: {
            /// Leadership term the message belongs to.
            leadership_term_id: i64 = 0;
            /// Commit position.
            log_position: i64 = 8;
            /// Member id of the current leader.
            leader_member_id: i32 = 16;
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

    fn sample() -> CommitPosition {
        CommitPosition {
            leadership_term_id: 72340172854985733i64,
            log_position: -144680345693062406i64,
            leader_member_id: 50727183i32,
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(CommitPosition::TEMPLATE_ID, 55);
        assert_eq!(CommitPosition::BLOCK_LENGTH, 20);
        assert_header(&bytes, 55, 20);
        assert_i64_at(&bytes, 0, message.leadership_term_id);
        assert_i64_at(&bytes, 8, message.log_position);
        assert_i32_at(&bytes, 16, message.leader_member_id);
        assert_eq!(bytes.len(), 8 + 20);
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(CommitPosition::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(CommitPosition::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            CommitPosition::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            CommitPosition::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 55, actual: 999 })
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
        assert_eq!(CommitPosition::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 19, 17);
        assert!(CommitPosition::decode(&truncated_block).is_err());
    }
}
