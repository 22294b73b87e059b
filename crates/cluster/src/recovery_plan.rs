//! [`RecoveryPlan`]: what a restarting node loads and replays, computed from the recording log and the
//! archive catalog's recording extents (reference §4.4, Aeron `RecordingLog.createRecoveryPlan`).
//!
//! Invariants:
//! - `snapshots` is empty or a complete set: index 0 is the consensus module (service id -1), index
//!   `k + 1` is service `k`, all valid SNAPSHOT entries of one leadership term at one log position;
//! - an incomplete or invalidated set is skipped and the previous complete set is used instead (Aeron
//!   takes the newest valid consensus-module entry whatever its services hold; the skipped positions are
//!   listed in [`RecoveryPlan::skipped_snapshot_log_positions`]);
//! - the log is the newest valid TERM entry with a recording id; replay starts at the snapshot position
//!   (or the recording's start without a snapshot);
//! - the archive is consulted only through [`RecordingExtents`], so planning is pure.

use archive::{ArchiveFile, Catalog};

use crate::cluster_file_error::ClusterFileError;
use crate::cluster_member::{NULL_POSITION, NULL_VALUE};
use crate::recording_log_entry::{CONSENSUS_MODULE_SERVICE_ID, EntryType, RecordingLogEntry};

/// Where an archive recording starts and stops and how its images are shaped (Aeron `RecordingExtent`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordingExtent {
    /// First position of the recording.
    pub start_position: i64,
    /// Position the recording stopped at (or has reached), -1 if unknown.
    pub stop_position: i64,
    /// Initial term id of the recorded stream.
    pub initial_term_id: i32,
    /// Term buffer length of the recorded stream.
    pub term_buffer_length: i32,
    /// MTU of the recorded stream.
    pub mtu_length: i32,
    /// Session id of the recorded stream.
    pub session_id: i32,
}

/// A source of recording extents: the archive catalog, or a closure in tests and the simulator.
pub trait RecordingExtents {
    /// The extent of `recording_id`, `None` if the archive does not know it.
    fn recording_extent(&self, recording_id: i64) -> Option<RecordingExtent>;
}

impl<F: Fn(i64) -> Option<RecordingExtent>> RecordingExtents for F {
    fn recording_extent(&self, recording_id: i64) -> Option<RecordingExtent> {
        self(recording_id)
    }
}

impl<F: ArchiveFile> RecordingExtents for Catalog<F> {
    fn recording_extent(&self, recording_id: i64) -> Option<RecordingExtent> {
        self.descriptor(recording_id).ok().map(|descriptor| RecordingExtent {
            start_position: descriptor.start_position,
            stop_position: descriptor.stop_position,
            initial_term_id: descriptor.initial_term_id,
            term_buffer_length: descriptor.term_buffer_length,
            mtu_length: descriptor.mtu_length,
            session_id: descriptor.session_id,
        })
    }
}

/// One snapshot to load (Aeron `RecordingLog.Snapshot`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snapshot {
    /// Snapshot recording id.
    pub recording_id: i64,
    /// Leadership term the snapshot was taken in.
    pub leadership_term_id: i64,
    /// That term's base log position.
    pub term_base_log_position: i64,
    /// Log position of the snapshot.
    pub log_position: i64,
    /// Cluster time of the snapshot.
    pub timestamp: i64,
    /// Service id (-1 = consensus module).
    pub service_id: i32,
}

impl From<&RecordingLogEntry> for Snapshot {
    fn from(entry: &RecordingLogEntry) -> Self {
        Self {
            recording_id: entry.recording_id,
            leadership_term_id: entry.leadership_term_id,
            term_base_log_position: entry.term_base_log_position,
            log_position: entry.log_position,
            timestamp: entry.timestamp,
            service_id: entry.service_id,
        }
    }
}

/// The log recording to replay (Aeron `RecordingLog.Log`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Log {
    /// The cluster log's recording id.
    pub recording_id: i64,
    /// Leadership term of the newest TERM entry (-1 for a replicated recording without entries).
    pub leadership_term_id: i64,
    /// Its base log position.
    pub term_base_log_position: i64,
    /// Its committed log position (-1 while open).
    pub log_position: i64,
    /// Where replay starts: the snapshot position, or the recording's start.
    pub start_position: i64,
    /// The recording's stop position.
    pub stop_position: i64,
    /// Initial term id of the recording.
    pub initial_term_id: i32,
    /// Term buffer length of the recording.
    pub term_buffer_length: i32,
    /// MTU of the recording.
    pub mtu_length: i32,
    /// Session id of the recording.
    pub session_id: i32,
}

/// What to load and replay on restart.
///
/// Build it with [`RecoveryPlan::create`] (or `RecordingLog::create_recovery_plan`), then load
/// `snapshots` and replay `log` from `log.start_position` to `committed_log_position`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryPlan {
    /// Newest leadership term id known (-1 if none).
    pub last_leadership_term_id: i64,
    /// Its base log position.
    pub last_term_base_log_position: i64,
    /// Position the local log recording reached (else the snapshot position, else 0).
    pub appended_log_position: i64,
    /// Position known committed: the TERM's log position when set, else the snapshot position, else 0.
    pub committed_log_position: i64,
    /// Consensus module at index 0, service `k` at `k + 1`; empty without a snapshot.
    pub snapshots: Vec<Snapshot>,
    /// The log recording, if there is one.
    pub log: Option<Log>,
    /// Log positions of newer consensus-module snapshots skipped because their set was incomplete.
    pub skipped_snapshot_log_positions: Vec<i64>,
}

impl RecoveryPlan {
    /// Plans recovery from `entries` (sorted as the recording log holds them) for `service_count`
    /// services. `replicated_recording_id` (or -1) is the log recording of a node seeded by replication
    /// whose recording log is still empty. Fails if the archive does not know a needed recording.
    pub fn create(
        entries: &[RecordingLogEntry],
        service_count: usize,
        replicated_recording_id: i64,
        extents: &impl RecordingExtents,
    ) -> Result<Self, ClusterFileError> {
        let unknown = |recording_id: i64| {
            ClusterFileError::InvalidOperation(format!("unknown recording id: {recording_id}"))
        };
        let mut plan = RecoveryPlan {
            last_leadership_term_id: NULL_VALUE,
            last_term_base_log_position: 0,
            appended_log_position: 0,
            committed_log_position: 0,
            snapshots: Vec::new(),
            log: None,
            skipped_snapshot_log_positions: Vec::new(),
        };
        if entries.is_empty() {
            if replicated_recording_id != NULL_VALUE {
                let extent = extents
                    .recording_extent(replicated_recording_id)
                    .ok_or_else(|| unknown(replicated_recording_id))?;
                let log = Log {
                    recording_id: replicated_recording_id,
                    leadership_term_id: NULL_VALUE,
                    term_base_log_position: 0,
                    log_position: 0,
                    start_position: extent.start_position,
                    stop_position: extent.stop_position,
                    initial_term_id: extent.initial_term_id,
                    term_buffer_length: extent.term_buffer_length,
                    mtu_length: extent.mtu_length,
                    session_id: extent.session_id,
                };
                plan.apply_log(log);
            }
            return Ok(plan);
        }

        for (index, entry) in entries.iter().enumerate().rev() {
            if entry.is_valid_snapshot() && entry.service_id == CONSENSUS_MODULE_SERVICE_ID {
                match complete_snapshot_set(entries, index, service_count) {
                    Some(set) => {
                        plan.snapshots = set;
                        break;
                    }
                    None => plan.skipped_snapshot_log_positions.push(entry.log_position),
                }
            }
        }
        if let Some(cm) = plan.snapshots.first() {
            plan.last_leadership_term_id = cm.leadership_term_id;
            plan.last_term_base_log_position = cm.term_base_log_position;
            plan.appended_log_position = cm.log_position;
            plan.committed_log_position = cm.log_position;
        }

        if let Some(term) = entries.iter().rev().find(|e| e.is_valid_term() && e.recording_id != NULL_VALUE) {
            let extent =
                extents.recording_extent(term.recording_id).ok_or_else(|| unknown(term.recording_id))?;
            let start_position = plan.snapshots.first().map_or(extent.start_position, |cm| cm.log_position);
            plan.apply_log(Log {
                recording_id: term.recording_id,
                leadership_term_id: term.leadership_term_id,
                term_base_log_position: term.term_base_log_position,
                log_position: term.log_position,
                start_position,
                stop_position: extent.stop_position,
                initial_term_id: extent.initial_term_id,
                term_buffer_length: extent.term_buffer_length,
                mtu_length: extent.mtu_length,
                session_id: extent.session_id,
            });
        }
        Ok(plan)
    }

    fn apply_log(&mut self, log: Log) {
        self.last_leadership_term_id = log.leadership_term_id;
        self.last_term_base_log_position = log.term_base_log_position;
        self.appended_log_position = log.stop_position;
        if log.log_position != NULL_POSITION {
            self.committed_log_position = log.log_position;
        }
        self.log = Some(log);
    }
}

/// The snapshot set ending at the consensus-module entry `cm_index`, if the `service_count` entries
/// before it are valid SNAPSHOTs of the same term and position for services `service_count - 1 .. 0`.
/// Index 0 of the result is the consensus module, index `k + 1` service `k`.
pub(crate) fn complete_snapshot_set(
    entries: &[RecordingLogEntry],
    cm_index: usize,
    service_count: usize,
) -> Option<Vec<Snapshot>> {
    let cm = entries.get(cm_index)?;
    if cm_index < service_count {
        return None;
    }
    let mut set = vec![Snapshot::from(cm)];
    for service_id in 0..service_count {
        // sorted order: service n-1, ..., service 0, CM
        let entry = &entries[cm_index - 1 - service_id];
        if entry.entry_type != EntryType::Snapshot
            || !entry.is_valid
            || entry.leadership_term_id != cm.leadership_term_id
            || entry.log_position != cm.log_position
            || entry.service_id != service_id as i32
        {
            return None;
        }
        set.push(Snapshot::from(entry));
    }
    Some(set)
}
