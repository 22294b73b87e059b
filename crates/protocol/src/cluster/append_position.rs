//! [`AppendPosition`] (template id 54, block length 21): the highest position a follower has appended to its
//! local log.
//!
//! Block layout (offsets from the end of the message header):
//! `leadershipTermId:i64 @0`;
//! `logPosition:i64 @8`;
//! `followerMemberId:i32 @16`;
//! `flags:u8 @20`, since version 8.

use super::codec::sbe_message;

sbe_message! {
    /// The highest position a follower has appended to its local log.
    ///
    /// Sent by a follower to the leader on the consensus stream; kept under 24 bytes so header + body fit a
    /// 32-byte frame slot.
    pub struct AppendPosition {
        template_id: 54,
        block_length: 21,
        fixed: {
            /// Leadership term the message belongs to.
            leadership_term_id: i64 = 0;
            /// Follower's append position.
            log_position: i64 = 8;
            /// Member id of the follower.
            follower_member_id: i32 = 16;
            /// Flags: [`APPEND_POSITION_FLAG_NONE`](super::APPEND_POSITION_FLAG_NONE) or
            /// [`APPEND_POSITION_FLAG_CATCHUP`](super::APPEND_POSITION_FLAG_CATCHUP) (since version 8; 255,
            /// the `uint8` null, if absent, which Aeron treats as none).
            flags: u8 = 20, since 8;
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

    fn sample() -> AppendPosition {
        AppendPosition {
            leadership_term_id: 72340172854985733i64,
            log_position: -144680345693062406i64,
            follower_member_id: 50727183i32,
            flags: 1u8,
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(AppendPosition::TEMPLATE_ID, 54);
        assert_eq!(AppendPosition::BLOCK_LENGTH, 21);
        assert_header(&bytes, 54, 21);
        assert_i64_at(&bytes, 0, message.leadership_term_id);
        assert_i64_at(&bytes, 8, message.log_position);
        assert_i32_at(&bytes, 16, message.follower_member_id);
        assert_u8_at(&bytes, 20, message.flags);
        assert_eq!(bytes.len(), 8 + 21);
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(AppendPosition::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(AppendPosition::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            AppendPosition::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            AppendPosition::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 54, actual: 999 })
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
        let mut newer = extend_block(&bytes, 21, 12, 18);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(AppendPosition::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 20, 17);
        assert!(AppendPosition::decode(&truncated_block).is_err());
    }

    #[test]
    fn version_7_sender_leaves_newer_fields_null() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        let old = with_header(&bytes[..8 + 20], 20, 7);
        let expected = AppendPosition { flags: u8::MAX, ..message };
        assert_eq!(AppendPosition::decode(&old), Ok(expected));
        assert!(AppendPosition::decode(&with_header(&old, 20, 17)).is_err());
    }
}
