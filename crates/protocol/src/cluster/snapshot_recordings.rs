//! [`SnapshotRecordings`] (template id 73, block length 8): response to a snapshot recording query.
//!
//! Block layout (offsets from the end of the message header):
//! `correlationId:i64 @0`;
//! then group `snapshots` of [`SnapshotEntry`](super::SnapshotEntry) (entry block length 44); then var-data
//! `memberEndpoints`, each `length:u32` + bytes.

use super::{Group, SnapshotEntry, codec::sbe_message};

sbe_message! {
    /// Response to a snapshot recording query.
    ///
    /// Deprecated since schema version 12 and never sent by Aeron 1.54; decoded only for completeness.
    /// The var-data fields borrow from the decoded input.
    pub struct SnapshotRecordings<'a> {
        template_id: 73,
        block_length: 8,
        fixed: {
            /// Correlation id chosen by the requester; the response carries the same id.
            correlation_id: i64 = 0;
        }
        groups: {
            /// Snapshots of state for the consensus module and services.
            snapshots: Group<'a, SnapshotEntry>;
        }
        var_data: {
            /// Endpoints of the members.
            member_endpoints: &'a str;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::SbeError;
    use crate::cluster::codec::test_support::*;

    const SNAPSHOTS: [SnapshotEntry; 2] = [
        SnapshotEntry {
            recording_id: -434041037045369098i64,
            leadership_term_id: 506381209883445771i64,
            term_base_log_position: -578721382721522444i64,
            log_position: 651061555559599117i64,
            timestamp: -723401728397675790i64,
            service_id: 185999671i32,
        },
        SnapshotEntry {
            recording_id: 795741901235752463i64,
            leadership_term_id: -868082074073829136i64,
            term_base_log_position: 940422246911905809i64,
            log_position: -1012762419749982482i64,
            timestamp: 1085102592588059155i64,
            service_id: -270544976i32,
        },
    ];

    fn sample() -> SnapshotRecordings<'static> {
        SnapshotRecordings {
            correlation_id: 72340172854985733i64,
            snapshots: Group::new(&SNAPSHOTS),
            member_endpoints: "aeron:udp?endpoint=localhost:20121|term-length=64k#member_endpoints",
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(SnapshotRecordings::TEMPLATE_ID, 73);
        assert_eq!(SnapshotRecordings::BLOCK_LENGTH, 8);
        assert_header(&bytes, 73, 8);
        assert_i64_at(&bytes, 0, message.correlation_id);
        let at = 8 + 8;
        let mut at = assert_group_header_at(&bytes, at, 44, 2);
        for entry in &SNAPSHOTS {
            assert_eq!(&bytes[at..at + 8], &entry.recording_id.to_le_bytes());
            assert_eq!(&bytes[at + 8..at + 16], &entry.leadership_term_id.to_le_bytes());
            assert_eq!(&bytes[at + 16..at + 24], &entry.term_base_log_position.to_le_bytes());
            assert_eq!(&bytes[at + 24..at + 32], &entry.log_position.to_le_bytes());
            assert_eq!(&bytes[at + 32..at + 40], &entry.timestamp.to_le_bytes());
            assert_eq!(&bytes[at + 40..at + 44], &entry.service_id.to_le_bytes());
            at += 44;
        }
        let at = assert_var_at(&bytes, at, message.member_endpoints.as_bytes());
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(SnapshotRecordings::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(SnapshotRecordings::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            SnapshotRecordings::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            SnapshotRecordings::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 73, actual: 999 })
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
        let mut newer = extend_block(&bytes, 8, 12, 18);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(SnapshotRecordings::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 7, 17);
        assert!(SnapshotRecordings::decode(&truncated_block).is_err());
    }

    #[test]
    fn groups_honour_their_entry_block_length() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        let decoded = SnapshotRecordings::decode(&bytes).expect("decodes");
        assert_eq!(decoded.snapshots.len(), 2);
        assert_eq!(decoded.snapshots.iter().collect::<Vec<_>>(), SNAPSHOTS.to_vec());
        // A newer sender's longer entry blocks: 4 unknown bytes after each entry block.
        let group_at = 8 + 8;
        let mut newer = bytes[..group_at].to_vec();
        newer.extend_from_slice(&(44u16 + 4).to_le_bytes());
        newer.extend_from_slice(&2u16.to_le_bytes());
        let mut at = group_at + 4;
        for entry in &SNAPSHOTS {
            newer.extend_from_slice(&bytes[at..at + 44]);
            newer.extend_from_slice(&[0xEE; 4]);
            at += entry.encoded_length();
            newer.extend_from_slice(&bytes[at - (entry.encoded_length() - 44)..at]);
        }
        newer.extend_from_slice(&bytes[at..]);
        assert_eq!(SnapshotRecordings::decode(&newer), Ok(message));
        // An entry block too short for the fields is rejected.
        let mut short = bytes.clone();
        short[group_at..group_at + 2].copy_from_slice(&(44u16 - 1).to_le_bytes());
        assert!(SnapshotRecordings::decode(&short).is_err());
        // An empty group encodes as a bare header.
        let empty = SnapshotRecordings { snapshots: Group::default(), ..message };
        assert_eq!(
            empty.encoded_length(),
            message.encoded_length() - (SNAPSHOTS[0].encoded_length() + SNAPSHOTS[1].encoded_length())
        );
        let bytes = encode_with(empty.encoded_length(), |dst| empty.encode(dst));
        assert_eq!(SnapshotRecordings::decode(&bytes), Ok(empty));
    }
}
