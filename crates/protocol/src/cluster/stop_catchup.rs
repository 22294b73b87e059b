//! [`StopCatchup`] (template id 57, block length 12): the leader telling a follower it can stop catching up.
//!
//! Block layout (offsets from the end of the message header):
//! `leadershipTermId:i64 @0`;
//! `followerMemberId:i32 @8`.

use super::codec::sbe_message;

sbe_message! {
    /// The leader telling a follower it can stop catching up.
    ///
    /// Sent by the leader to a follower on the consensus stream.
    pub struct StopCatchup {
        template_id: 57,
        block_length: 12,
        fixed: {
            /// Leadership term the message belongs to.
            leadership_term_id: i64 = 0;
            /// Member id of the follower.
            follower_member_id: i32 = 8;
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

    fn sample() -> StopCatchup {
        StopCatchup { leadership_term_id: 72340172854985733i64, follower_member_id: -33818122i32 }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(StopCatchup::TEMPLATE_ID, 57);
        assert_eq!(StopCatchup::BLOCK_LENGTH, 12);
        assert_header(&bytes, 57, 12);
        assert_i64_at(&bytes, 0, message.leadership_term_id);
        assert_i32_at(&bytes, 8, message.follower_member_id);
        assert_eq!(bytes.len(), 8 + 12);
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(StopCatchup::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(StopCatchup::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            StopCatchup::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            StopCatchup::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 57, actual: 999 })
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
        assert_eq!(StopCatchup::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 11, 17);
        assert!(StopCatchup::decode(&truncated_block).is_err());
    }
}
