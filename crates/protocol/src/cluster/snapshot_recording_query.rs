//! [`SnapshotRecordingQuery`] (template id 72, block length 12): query a leader for its latest snapshot
//! recordings.
//!
//! Block layout (offsets from the end of the message header):
//! `correlationId:i64 @0`;
//! `requestMemberId:i32 @8`.

use super::codec::sbe_message;

sbe_message! {
    /// Query a leader for its latest snapshot recordings.
    ///
    /// Deprecated since schema version 12 and never sent by Aeron 1.54; decoded only for completeness.
    pub struct SnapshotRecordingQuery {
        template_id: 72,
        block_length: 12,
        fixed: {
            /// Correlation id chosen by the requester; the response carries the same id.
            correlation_id: i64 = 0;
            /// Member id of the requester.
            request_member_id: i32 = 8;
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

    fn sample() -> SnapshotRecordingQuery {
        SnapshotRecordingQuery { correlation_id: 72340172854985733i64, request_member_id: -33818122i32 }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(SnapshotRecordingQuery::TEMPLATE_ID, 72);
        assert_eq!(SnapshotRecordingQuery::BLOCK_LENGTH, 12);
        assert_header(&bytes, 72, 12);
        assert_i64_at(&bytes, 0, message.correlation_id);
        assert_i32_at(&bytes, 8, message.request_member_id);
        assert_eq!(bytes.len(), 8 + 12);
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(SnapshotRecordingQuery::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(SnapshotRecordingQuery::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            SnapshotRecordingQuery::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            SnapshotRecordingQuery::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 72, actual: 999 })
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
        assert_eq!(SnapshotRecordingQuery::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 11, 17);
        assert!(SnapshotRecordingQuery::decode(&truncated_block).is_err());
    }
}
