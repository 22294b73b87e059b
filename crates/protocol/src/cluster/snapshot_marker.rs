//! [`SnapshotMarker`] (template id 100, block length 40): marks the beginning, end or a section of a
//! snapshot.
//!
//! Block layout (offsets from the end of the message header):
//! `typeId:i64 @0`;
//! `logPosition:i64 @8`;
//! `leadershipTermId:i64 @16`;
//! `index:i32 @24`;
//! `mark:SnapshotMark (i32) @28`;
//! `timeUnit:ClusterTimeUnit (i32) @32`, since version 4;
//! `appVersion:version_t (i32, null 0) @36`, since version 4.

use super::{ClusterTimeUnit, SnapshotMark, codec::sbe_message};

sbe_message! {
    /// Marks the beginning, end or a section of a snapshot.
    ///
    /// First and last message of every consensus-module and service snapshot recording.
    pub struct SnapshotMarker {
        template_id: 100,
        block_length: 40,
        fixed: {
            /// Snapshot type: [`CONSENSUS_MODULE_SNAPSHOT_TYPE_ID`](super::CONSENSUS_MODULE_SNAPSHOT_TYPE_ID)
            /// (1) or [`SERVICE_SNAPSHOT_TYPE_ID`](super::SERVICE_SNAPSHOT_TYPE_ID) (2).
            type_id: i64 = 0;
            /// Log position at which the snapshot was taken.
            log_position: i64 = 8;
            /// Leadership term at which the snapshot was taken.
            leadership_term_id: i64 = 16;
            /// Section index (always 0 in Aeron 1.54).
            index: i32 = 24;
            /// Begin, section or end.
            mark: SnapshotMark = 28;
            /// Time unit of the cluster's timestamps (since version 4; `Unknown(i32::MIN)` if absent).
            time_unit: ClusterTimeUnit = 32, since 4;
            /// Application semantic version (`major << 16 | minor << 8 | patch`, see
            /// [`semantic_version`](super::semantic_version)); 0 is the SBE null of `version_t` (since
            /// version 4).
            app_version: i32 = 36, since 4, null 0;
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

    fn sample() -> SnapshotMarker {
        SnapshotMarker {
            type_id: 72340172854985733i64,
            log_position: -144680345693062406i64,
            leadership_term_id: 217020518531139079i64,
            index: -67636244i32,
            mark: SnapshotMark::End,
            time_unit: ClusterTimeUnit::Nanos,
            app_version: 0x0001_0203,
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(SnapshotMarker::TEMPLATE_ID, 100);
        assert_eq!(SnapshotMarker::BLOCK_LENGTH, 40);
        assert_header(&bytes, 100, 40);
        assert_i64_at(&bytes, 0, message.type_id);
        assert_i64_at(&bytes, 8, message.log_position);
        assert_i64_at(&bytes, 16, message.leadership_term_id);
        assert_i32_at(&bytes, 24, message.index);
        assert_i32_at(&bytes, 28, message.mark.as_i32());
        assert_i32_at(&bytes, 32, message.time_unit.as_i32());
        assert_i32_at(&bytes, 36, message.app_version);
        assert_eq!(bytes.len(), 8 + 40);
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(SnapshotMarker::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(SnapshotMarker::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            SnapshotMarker::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            SnapshotMarker::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 100, actual: 999 })
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
        assert_eq!(SnapshotMarker::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 39, 17);
        assert!(SnapshotMarker::decode(&truncated_block).is_err());
    }

    #[test]
    fn version_3_sender_leaves_newer_fields_null() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        let old = with_header(&bytes[..8 + 32], 32, 3);
        let expected =
            SnapshotMarker { time_unit: ClusterTimeUnit::Unknown(i32::MIN), app_version: 0, ..message };
        assert_eq!(SnapshotMarker::decode(&old), Ok(expected));
        assert!(SnapshotMarker::decode(&with_header(&old, 32, 17)).is_err());
    }
}
