//! [`ClusterActionRequest`] (template id 23, block length 32): request that the services take an action
//! (suspend, resume, snapshot).
//!
//! Block layout (offsets from the end of the message header):
//! `leadershipTermId:i64 @0`;
//! `logPosition:i64 @8`;
//! `timestamp:time_t (i64) @16`;
//! `action:ClusterAction (i32) @24`;
//! `flags:i32 @28`, since version 11.

use super::{ClusterAction, codec::sbe_message};

sbe_message! {
    /// Request that the services take an action (suspend, resume, snapshot).
    ///
    /// Appended to the replicated log by the leader's consensus module.
    pub struct ClusterActionRequest {
        template_id: 23,
        block_length: 32,
        fixed: {
            /// Leadership term the message belongs to.
            leadership_term_id: i64 = 0;
            /// Log position just after this message (equals the frame's position when read).
            log_position: i64 = 8;
            /// Cluster time (in the cluster's time unit, milliseconds by default) of the event.
            timestamp: i64 = 16;
            /// Action to take.
            action: ClusterAction = 24;
            /// Action flags: [`CLUSTER_ACTION_FLAGS_DEFAULT`](super::CLUSTER_ACTION_FLAGS_DEFAULT) or
            /// [`CLUSTER_ACTION_FLAGS_STANDBY_SNAPSHOT`](super::CLUSTER_ACTION_FLAGS_STANDBY_SNAPSHOT) (since
            /// version 11; `i32::MIN` if absent, which Aeron treats as the default 0).
            flags: i32 = 28, since 11;
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

    fn sample() -> ClusterActionRequest {
        ClusterActionRequest {
            leadership_term_id: 72340172854985733i64,
            log_position: -144680345693062406i64,
            timestamp: 217020518531139079i64,
            action: ClusterAction::Snapshot,
            flags: 84545305i32,
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ClusterActionRequest::TEMPLATE_ID, 23);
        assert_eq!(ClusterActionRequest::BLOCK_LENGTH, 32);
        assert_header(&bytes, 23, 32);
        assert_i64_at(&bytes, 0, message.leadership_term_id);
        assert_i64_at(&bytes, 8, message.log_position);
        assert_i64_at(&bytes, 16, message.timestamp);
        assert_i32_at(&bytes, 24, message.action.as_i32());
        assert_i32_at(&bytes, 28, message.flags);
        assert_eq!(bytes.len(), 8 + 32);
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ClusterActionRequest::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(ClusterActionRequest::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            ClusterActionRequest::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            ClusterActionRequest::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 23, actual: 999 })
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
        assert_eq!(ClusterActionRequest::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 31, 17);
        assert!(ClusterActionRequest::decode(&truncated_block).is_err());
    }

    #[test]
    fn version_10_sender_leaves_newer_fields_null() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        let old = with_header(&bytes[..8 + 28], 28, 10);
        let expected = ClusterActionRequest { flags: i32::MIN, ..message };
        assert_eq!(ClusterActionRequest::decode(&old), Ok(expected));
        assert!(ClusterActionRequest::decode(&with_header(&old, 28, 17)).is_err());
    }
}
