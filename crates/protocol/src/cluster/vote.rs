//! [`Vote`] (template id 52, block length 36): a member's answer to a vote request.
//!
//! Block layout (offsets from the end of the message header):
//! `candidateTermId:i64 @0`;
//! `logLeadershipTermId:i64 @8`;
//! `logPosition:i64 @16`;
//! `candidateMemberId:i32 @24`;
//! `followerMemberId:i32 @28`;
//! `vote:BooleanType (i32) @32`.

use super::{BooleanType, codec::sbe_message};

sbe_message! {
    /// A member's answer to a vote request.
    ///
    /// Sent by a voter to the candidate on the consensus stream.
    pub struct Vote {
        template_id: 52,
        block_length: 36,
        fixed: {
            /// Leadership term the candidate proposes.
            candidate_term_id: i64 = 0;
            /// Leadership term of the last entry in the voter's log.
            log_leadership_term_id: i64 = 8;
            /// Voter's append position.
            log_position: i64 = 16;
            /// Member id of the candidate.
            candidate_member_id: i32 = 24;
            /// Member id of the voter.
            follower_member_id: i32 = 28;
            /// Whether the vote is granted.
            vote: BooleanType = 32;
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

    fn sample() -> Vote {
        Vote {
            candidate_term_id: 72340172854985733i64,
            log_leadership_term_id: -144680345693062406i64,
            log_position: 217020518531139079i64,
            candidate_member_id: -67636244i32,
            follower_member_id: 84545305i32,
            vote: BooleanType::True,
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(Vote::TEMPLATE_ID, 52);
        assert_eq!(Vote::BLOCK_LENGTH, 36);
        assert_header(&bytes, 52, 36);
        assert_i64_at(&bytes, 0, message.candidate_term_id);
        assert_i64_at(&bytes, 8, message.log_leadership_term_id);
        assert_i64_at(&bytes, 16, message.log_position);
        assert_i32_at(&bytes, 24, message.candidate_member_id);
        assert_i32_at(&bytes, 28, message.follower_member_id);
        assert_i32_at(&bytes, 32, message.vote.as_i32());
        assert_eq!(bytes.len(), 8 + 36);
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(Vote::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(Vote::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            Vote::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            Vote::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 52, actual: 999 })
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
        assert_eq!(Vote::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 35, 17);
        assert!(Vote::decode(&truncated_block).is_err());
    }
}
