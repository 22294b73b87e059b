//! [`NewLeaderEvent`] (template id 6, block length 20): event telling a client that a new leader has been
//! elected.
//!
//! Block layout (offsets from the end of the message header):
//! `leadershipTermId:i64 @0`;
//! `clusterSessionId:i64 @8`;
//! `leaderMemberId:i32 @16`;
//! then var-data `ingressEndpoints`, each `length:u32` + bytes.

use super::codec::sbe_message;

sbe_message! {
    /// Event telling a client that a new leader has been elected.
    ///
    /// Sent by the new leader to every session on its egress channel.
    /// The var-data fields borrow from the decoded input.
    pub struct NewLeaderEvent<'a> {
        template_id: 6,
        block_length: 20,
        fixed: {
            /// Leadership term the message belongs to.
            leadership_term_id: i64 = 0;
            /// Cluster session the message concerns.
            cluster_session_id: i64 = 8;
            /// Member id of the new leader.
            leader_member_id: i32 = 16;
        }
        groups: {
        }
        var_data: {
            /// Ingress endpoints of all members, `id=host:port,id=host:port,...`.
            ingress_endpoints: &'a str;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::SbeError;
    use crate::cluster::codec::test_support::*;

    fn sample() -> NewLeaderEvent<'static> {
        NewLeaderEvent {
            leadership_term_id: 72340172854985733i64,
            cluster_session_id: -144680345693062406i64,
            leader_member_id: 50727183i32,
            ingress_endpoints: "aeron:udp?endpoint=localhost:20121|term-length=64k#ingress_endpoints",
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(NewLeaderEvent::TEMPLATE_ID, 6);
        assert_eq!(NewLeaderEvent::BLOCK_LENGTH, 20);
        assert_header(&bytes, 6, 20);
        assert_i64_at(&bytes, 0, message.leadership_term_id);
        assert_i64_at(&bytes, 8, message.cluster_session_id);
        assert_i32_at(&bytes, 16, message.leader_member_id);
        let at = 8 + 20;
        let at = assert_var_at(&bytes, at, message.ingress_endpoints.as_bytes());
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(NewLeaderEvent::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(NewLeaderEvent::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            NewLeaderEvent::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            NewLeaderEvent::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 6, actual: 999 })
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
        assert_eq!(NewLeaderEvent::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 19, 17);
        assert!(NewLeaderEvent::decode(&truncated_block).is_err());
    }
}
