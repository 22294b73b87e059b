//! [`JoinLog`] (template id 40, block length 40): consensus module instructing a service to join a log.
//!
//! Block layout (offsets from the end of the message header):
//! `logPosition:i64 @0`;
//! `maxLogPosition:i64 @8`;
//! `memberId:i32 @16`;
//! `logSessionId:i32 @20`;
//! `logStreamId:i32 @24`;
//! `isStartup:BooleanType (i32) @28`;
//! `role:i32 @32`;
//! `isStandby:BooleanType (i32) @36`, since version 16;
//! then var-data `logChannel`, each `length:u32` + bytes.

use super::{BooleanType, codec::sbe_message};

sbe_message! {
    /// Consensus module instructing a service to join a log.
    ///
    /// Sent by the consensus module to its services over IPC.
    /// The var-data fields borrow from the decoded input.
    pub struct JoinLog<'a> {
        template_id: 40,
        block_length: 40,
        fixed: {
            /// Log position to join from.
            log_position: i64 = 0;
            /// Position the service may not read beyond while replaying (`i64::MAX` when live).
            max_log_position: i64 = 8;
            /// Member id of this node.
            member_id: i32 = 16;
            /// Session id of the log image to join.
            log_session_id: i32 = 20;
            /// Stream id of the log.
            log_stream_id: i32 = 24;
            /// Whether the node is starting up.
            is_startup: BooleanType = 28;
            /// Cluster role code of this node: 0 follower, 1 candidate, 2 leader.
            role: i32 = 32;
            /// Whether this node is a standby (since version 16; `Unknown(i32::MIN)` if absent).
            is_standby: BooleanType = 36, since 16;
        }
        groups: {
        }
        var_data: {
            /// Channel URI of the log to subscribe to.
            log_channel: &'a str;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::SbeError;
    use crate::cluster::codec::test_support::*;

    fn sample() -> JoinLog<'static> {
        JoinLog {
            log_position: 72340172854985733i64,
            max_log_position: -144680345693062406i64,
            member_id: 50727183i32,
            log_session_id: -67636244i32,
            log_stream_id: 84545305i32,
            is_startup: BooleanType::True,
            role: 118363427i32,
            is_standby: BooleanType::True,
            log_channel: "aeron:udp?endpoint=localhost:20121|term-length=64k#log_channel",
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(JoinLog::TEMPLATE_ID, 40);
        assert_eq!(JoinLog::BLOCK_LENGTH, 40);
        assert_header(&bytes, 40, 40);
        assert_i64_at(&bytes, 0, message.log_position);
        assert_i64_at(&bytes, 8, message.max_log_position);
        assert_i32_at(&bytes, 16, message.member_id);
        assert_i32_at(&bytes, 20, message.log_session_id);
        assert_i32_at(&bytes, 24, message.log_stream_id);
        assert_i32_at(&bytes, 28, message.is_startup.as_i32());
        assert_i32_at(&bytes, 32, message.role);
        assert_i32_at(&bytes, 36, message.is_standby.as_i32());
        let at = 8 + 40;
        let at = assert_var_at(&bytes, at, message.log_channel.as_bytes());
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(JoinLog::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(JoinLog::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            JoinLog::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            JoinLog::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 40, actual: 999 })
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
        let mut newer = extend_block(&bytes, 40, 12, 18);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(JoinLog::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 39, 17);
        assert!(JoinLog::decode(&truncated_block).is_err());
    }

    #[test]
    fn version_15_sender_leaves_newer_fields_null() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        let mut old = with_header(&bytes[..8 + 36], 36, 15);
        old.extend_from_slice(&bytes[8 + 40..]);
        let expected = JoinLog { is_standby: BooleanType::Unknown(i32::MIN), ..message };
        assert_eq!(JoinLog::decode(&old), Ok(expected));
        assert!(JoinLog::decode(&with_header(&old, 36, 17)).is_err());
    }
}
