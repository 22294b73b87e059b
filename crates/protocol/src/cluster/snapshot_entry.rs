//! [`SnapshotEntry`] (entry block length 44): one snapshot in a [`BackupResponse`](super::BackupResponse) (or
//! legacy [`SnapshotRecordings`](super::SnapshotRecordings)) `snapshots` group.
//!
//! Entry layout (offsets from the start of the entry):
//! `recordingId:i64 @0`;
//! `leadershipTermId:i64 @8`;
//! `termBaseLogPosition:i64 @16`;
//! `logPosition:i64 @24`;
//! `timestamp:time_t (i64) @32`;
//! `serviceId:i32 @40`.

use super::codec::sbe_group_entry;

sbe_group_entry! {
    /// One snapshot in a [`BackupResponse`](super::BackupResponse) (or legacy
    /// [`SnapshotRecordings`](super::SnapshotRecordings)) `snapshots` group.
    ///
    /// Build entries to encode a group with [`Group::new`](super::Group::new); decoded groups yield them
    /// from [`Group::iter`](super::Group::iter).
    pub struct SnapshotEntry {
        block_length: 44,
        fixed: {
            /// Archive recording id of the snapshot.
            recording_id: i64 = 0;
            /// Leadership term at which the snapshot was taken.
            leadership_term_id: i64 = 8;
            /// Base log position of that term.
            term_base_log_position: i64 = 16;
            /// Log position at which the snapshot was taken.
            log_position: i64 = 24;
            /// Cluster time at which the snapshot was taken.
            timestamp: i64 = 32;
            /// Service the snapshot belongs to; -1 for the consensus module.
            service_id: i32 = 40;
        }
        var_data: {
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_layout_matches_the_schema() {
        assert_eq!(SnapshotEntry::BLOCK_LENGTH, 44);
        let entry = SnapshotEntry {
            recording_id: -289360691369215752i64,
            leadership_term_id: 361700864207292425i64,
            term_base_log_position: -434041037045369098i64,
            log_position: 506381209883445771i64,
            timestamp: -578721382721522444i64,
            service_id: 152181549i32,
        };
        assert_eq!(entry.encoded_length(), 44);
    }
}
