//! [`CatchupPosition`] (template id 56, block length 20): a follower asking the leader for catch-up from a
//! given position.
//!
//! Block layout (offsets from the end of the message header):
//! `leadershipTermId:i64 @0`;
//! `logPosition:i64 @8`;
//! `followerMemberId:i32 @16`;
//! then var-data `catchupEndpoint`, each `length:u32` + bytes.

use super::codec::sbe_message;

sbe_message! {
    /// A follower asking the leader for catch-up from a given position.
    ///
    /// Sent by a follower to the leader on the consensus stream.
    /// The var-data fields borrow from the decoded input.
    pub struct CatchupPosition<'a> {
        template_id: 56,
        block_length: 20,
        fixed: {
            /// Leadership term the message belongs to.
            leadership_term_id: i64 = 0;
            /// Position the follower needs replayed from.
            log_position: i64 = 8;
            /// Member id of the follower.
            follower_member_id: i32 = 16;
        }
        groups: {
        }
        var_data: {
            /// Endpoint (`host:port`) the leader's archive should replay to.
            catchup_endpoint: &'a str;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::SbeError;
    use crate::cluster::codec::test_support::*;

    fn sample() -> CatchupPosition<'static> {
        CatchupPosition {
            leadership_term_id: 72340172854985733i64,
            log_position: -144680345693062406i64,
            follower_member_id: 50727183i32,
            catchup_endpoint: "aeron:udp?endpoint=localhost:20121|term-length=64k#catchup_endpoint",
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(CatchupPosition::TEMPLATE_ID, 56);
        assert_eq!(CatchupPosition::BLOCK_LENGTH, 20);
        assert_header(&bytes, 56, 20);
        assert_i64_at(&bytes, 0, message.leadership_term_id);
        assert_i64_at(&bytes, 8, message.log_position);
        assert_i32_at(&bytes, 16, message.follower_member_id);
        let at = 8 + 20;
        let at = assert_var_at(&bytes, at, message.catchup_endpoint.as_bytes());
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(CatchupPosition::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(CatchupPosition::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            CatchupPosition::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            CatchupPosition::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 56, actual: 999 })
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
        assert_eq!(CatchupPosition::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 19, 17);
        assert!(CatchupPosition::decode(&truncated_block).is_err());
    }
}
