//! [`CanvassPosition`] (template id 50, block length 32): position a member has appended to its local log,
//! sent while canvassing for leadership.
//!
//! Block layout (offsets from the end of the message header):
//! `logLeadershipTermId:i64 @0`;
//! `logPosition:i64 @8`;
//! `leadershipTermId:i64 @16`;
//! `followerMemberId:i32 @24`;
//! `protocolVersion:version_t (i32, null 0) @28`, since version 9.

use super::codec::sbe_message;

sbe_message! {
    /// Position a member has appended to its local log, sent while canvassing for leadership.
    ///
    /// Sent member to member on the consensus stream during an election.
    pub struct CanvassPosition {
        template_id: 50,
        block_length: 32,
        fixed: {
            /// Leadership term of the last entry in the sender's log.
            log_leadership_term_id: i64 = 0;
            /// Sender's append position.
            log_position: i64 = 8;
            /// Sender's current leadership term.
            leadership_term_id: i64 = 16;
            /// Member id of the sender.
            follower_member_id: i32 = 24;
            /// Consensus protocol semantic version (`major << 16 | minor << 8 | patch`, see
            /// [`semantic_version`](super::semantic_version)); 0 is the SBE null of `version_t` (since
            /// version 9).
            protocol_version: i32 = 28, since 9, null 0;
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

    fn sample() -> CanvassPosition {
        CanvassPosition {
            log_leadership_term_id: 72340172854985733i64,
            log_position: -144680345693062406i64,
            leadership_term_id: 217020518531139079i64,
            follower_member_id: -67636244i32,
            protocol_version: 0x0001_0203,
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(CanvassPosition::TEMPLATE_ID, 50);
        assert_eq!(CanvassPosition::BLOCK_LENGTH, 32);
        assert_header(&bytes, 50, 32);
        assert_i64_at(&bytes, 0, message.log_leadership_term_id);
        assert_i64_at(&bytes, 8, message.log_position);
        assert_i64_at(&bytes, 16, message.leadership_term_id);
        assert_i32_at(&bytes, 24, message.follower_member_id);
        assert_i32_at(&bytes, 28, message.protocol_version);
        assert_eq!(bytes.len(), 8 + 32);
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(CanvassPosition::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(CanvassPosition::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            CanvassPosition::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            CanvassPosition::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 50, actual: 999 })
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
        let mut newer = extend_block(&bytes, 32, 12, 18);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(CanvassPosition::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 31, 17);
        assert!(CanvassPosition::decode(&truncated_block).is_err());
    }

    #[test]
    fn version_8_sender_leaves_newer_fields_null() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        let old = with_header(&bytes[..8 + 28], 28, 8);
        let expected = CanvassPosition { protocol_version: 0, ..message };
        assert_eq!(CanvassPosition::decode(&old), Ok(expected));
        assert!(CanvassPosition::decode(&with_header(&old, 28, 17)).is_err());
    }
}
