//! [`RecordingLog`]: Aeron's `recording.log` (reference §4.1, `RecordingLog.java`) over the archive
//! storage seam — the durable list of leadership terms and snapshots a node recovers from.
//!
//! Invariants:
//! - the file is a sequence of records at 64-byte aligned offsets in Aeron's exact layout
//!   ([`crate::recording_log_entry`]); appends go at `align(file length, 64)` in one write;
//! - updates are in place: `logPosition` (commit), the type word (invalidate, remove) or the fixed part
//!   (re-validating a snapshot); each mutation is synced per the [`FileSyncLevel`] before the in-memory
//!   cache changes, so the cache never claims more than the file holds;
//! - the cache is sorted by [`sort_key`] (Aeron's comparator) and keeps each entry's file `entry_index`;
//! - all TERM entries share one recording id; a second TERM for a term is refused;
//! - loading never panics: a bad type word, bad endpoint or mixed TERM recording ids is
//!   [`ClusterFileError::CorruptEntry`]; a short (or all-zero) last record is
//!   [`ClusterFileError::TornEntry`], or — with [`RecordingLogOptions::truncate_torn_tail`] — is cut off
//!   and reported by [`RecordingLog::torn_tail`];
//! - a storage failure leaves the handle poisoned; the cache is untouched by the failed mutation.

use std::collections::BTreeMap;

use archive::{ArchiveFile, ArchiveStorage, FileSyncLevel};

use crate::cluster_file_error::{ClusterFileError, read_whole_file};
use crate::cluster_member::{NULL_POSITION, NULL_VALUE};
use crate::recording_log_entry::{
    CONSENSUS_MODULE_SERVICE_ID, DecodedSlot, ENTRY_TYPE_OFFSET, ENTRY_TYPE_REMOVED, EntryType,
    LOG_POSITION_OFFSET, MAX_ENDPOINT_LENGTH, RECORD_ALIGNMENT, RECORDING_LOG_FILE_NAME, RecordingLogEntry,
    decode_slot, sort_key,
};
use crate::recovery_plan::{RecordingExtents, RecoveryPlan, Snapshot, complete_snapshot_set};
use crate::term_history::{TermEntry, TermHistory};

/// Largest recording log this implementation loads (1 GiB; Aeron's are a few KiB).
pub const MAX_RECORDING_LOG_LENGTH: u64 = 1 << 30;

/// How to open a recording log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecordingLogOptions {
    /// Create an empty file when none exists (Aeron `createNew`); otherwise a missing file is `NotFound`.
    pub create_if_missing: bool,
    /// How every mutation is pushed to the device (Aeron `aeron.cluster.file.sync.level`).
    pub sync_level: FileSyncLevel,
    /// Cut a torn last record off (and report it) instead of failing with `TornEntry`.
    pub truncate_torn_tail: bool,
}

/// A torn last record found and cut off at open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TornTail {
    /// Its index in file order.
    pub entry_index: i32,
    /// Its offset: the file's new length.
    pub file_offset: u64,
    /// Bytes of it the file held.
    pub available_bytes: u64,
    /// Bytes a whole record needs.
    pub expected_bytes: u64,
}

/// The recording log of one cluster node.
///
/// Open it with [`RecordingLog::open`]; append TERM entries as terms start ([`Self::append_term`],
/// which commits the previous term), commit positions ([`Self::commit_log_position`]), append snapshot
/// sets service by service, consensus module last ([`Self::append_snapshot`]), and plan recovery with
/// [`Self::create_recovery_plan`]. Entries are read through [`Self::entries`] (sorted).
pub struct RecordingLog<S: ArchiveStorage> {
    storage: S,
    file: S::File,
    sync_level: FileSyncLevel,
    entries: Vec<RecordingLogEntry>,
    next_entry_index: i32,
    term_recording_id: i64,
    torn_tail: Option<TornTail>,
}

impl<S: ArchiveStorage> std::fmt::Debug for RecordingLog<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordingLog").field("entries", &self.entries).finish()
    }
}

fn invalid(message: String) -> ClusterFileError {
    ClusterFileError::InvalidOperation(message)
}

impl<S: ArchiveStorage> RecordingLog<S> {
    /// Opens (or, with `create_if_missing`, creates and syncs the directory for) `recording.log` in
    /// `storage` and loads it.
    pub fn open(storage: &S, options: RecordingLogOptions) -> Result<Self, ClusterFileError> {
        let exists = storage.exists(RECORDING_LOG_FILE_NAME)?;
        let file = if !exists && options.create_if_missing {
            let mut file = storage.create(RECORDING_LOG_FILE_NAME)?;
            options.sync_level.sync(&mut file)?;
            storage.sync_directory()?;
            file
        } else {
            storage.open(RECORDING_LOG_FILE_NAME)?
        };
        let mut log = Self {
            storage: storage.clone(),
            file,
            sync_level: options.sync_level,
            entries: Vec::new(),
            next_entry_index: 0,
            term_recording_id: NULL_VALUE,
            torn_tail: None,
        };
        log.load(options.truncate_torn_tail)?;
        Ok(log)
    }

    /// Re-reads the file (Aeron `reload`). A torn record is an error here.
    pub fn reload(&mut self) -> Result<(), ClusterFileError> {
        self.load(false)
    }

    fn load(&mut self, truncate_torn_tail: bool) -> Result<(), ClusterFileError> {
        let bytes = read_whole_file(&self.file, MAX_RECORDING_LOG_LENGTH)?;
        let mut entries = Vec::new();
        let mut term_recording_id = NULL_VALUE;
        let mut offset = 0usize;
        let mut entry_index = 0i32;
        while offset < bytes.len() {
            match decode_slot(&bytes[offset..], entry_index, offset as u64) {
                Ok((DecodedSlot::Entry(entry), length)) => {
                    if entry.entry_type == EntryType::Term {
                        if entry.recording_id == NULL_VALUE
                            || (term_recording_id != NULL_VALUE && entry.recording_id != term_recording_id)
                        {
                            return Err(ClusterFileError::CorruptEntry {
                                entry_index,
                                file_offset: offset as u64,
                                reason: format!(
                                    "invalid TERM recordingId={}, expected recordingId={term_recording_id}",
                                    entry.recording_id
                                ),
                            });
                        }
                        term_recording_id = entry.recording_id;
                    }
                    entries.push(entry);
                    offset += length;
                }
                Ok((DecodedSlot::Removed, length)) => offset += length,
                Err(ClusterFileError::TornEntry {
                    entry_index,
                    file_offset,
                    available_bytes,
                    expected_bytes,
                }) if truncate_torn_tail => {
                    self.file.set_len(file_offset)?;
                    self.sync_level.sync(&mut self.file)?;
                    self.torn_tail =
                        Some(TornTail { entry_index, file_offset, available_bytes, expected_bytes });
                    break;
                }
                Err(error) => return Err(error),
            }
            entry_index = entry_index.saturating_add(1);
        }
        entries.sort_by_key(sort_key);
        self.entries = entries;
        self.next_entry_index = entry_index;
        self.term_recording_id = term_recording_id;
        Ok(())
    }

    /// The torn last record cut off at open, if any.
    pub fn torn_tail(&self) -> Option<TornTail> {
        self.torn_tail
    }

    /// The live (valid and invalidated) entries, sorted as Aeron sorts them.
    pub fn entries(&self) -> &[RecordingLogEntry] {
        &self.entries
    }

    /// The file index the next appended entry gets.
    pub fn next_entry_index(&self) -> i32 {
        self.next_entry_index
    }

    /// The sync level mutations use.
    pub fn sync_level(&self) -> FileSyncLevel {
        self.sync_level
    }

    /// Forces everything written so far to the device at `level` (Aeron `force`).
    pub fn force(&mut self, level: FileSyncLevel) -> Result<(), ClusterFileError> {
        Ok(level.sync(&mut self.file)?)
    }

    fn persist(&mut self, offset: u64, data: &[u8]) -> Result<(), ClusterFileError> {
        self.file.write_at(offset, data)?;
        self.sync_level.sync(&mut self.file)?;
        Ok(())
    }

    fn term_index(&self, leadership_term_id: i64) -> Option<usize> {
        self.entries.iter().rposition(|e| e.is_valid_term() && e.leadership_term_id == leadership_term_id)
    }

    /// The newest valid TERM entry.
    pub fn find_last_term(&self) -> Option<&RecordingLogEntry> {
        self.entries.iter().rev().find(|e| e.is_valid_term())
    }

    /// The log recording id of the newest TERM, or -1.
    pub fn find_last_term_recording_id(&self) -> i64 {
        self.find_last_term().map_or(NULL_VALUE, |e| e.recording_id)
    }

    /// The TERM entry of `leadership_term_id`, if known.
    pub fn find_term_entry(&self, leadership_term_id: i64) -> Option<&RecordingLogEntry> {
        self.term_index(leadership_term_id).map(|index| &self.entries[index])
    }

    /// The TERM entry of `leadership_term_id`; an error if unknown (Aeron `getTermEntry`).
    pub fn get_term_entry(&self, leadership_term_id: i64) -> Result<&RecordingLogEntry, ClusterFileError> {
        self.find_term_entry(leadership_term_id)
            .ok_or_else(|| invalid(format!("unknown leadershipTermId={leadership_term_id}")))
    }

    /// True if no valid TERM entry exists for `leadership_term_id`.
    pub fn is_unknown(&self, leadership_term_id: i64) -> bool {
        self.term_index(leadership_term_id).is_none()
    }

    /// The timestamp of the TERM entry of `leadership_term_id`, or -1.
    pub fn get_term_timestamp(&self, leadership_term_id: i64) -> i64 {
        self.find_term_entry(leadership_term_id).map_or(NULL_VALUE, |e| e.timestamp)
    }

    /// The election's view: the valid TERM entries in order.
    pub fn term_history(&self) -> TermHistory {
        TermHistory {
            entries: self
                .entries
                .iter()
                .filter(|e| e.is_valid_term())
                .map(|e| TermEntry {
                    leadership_term_id: e.leadership_term_id,
                    term_base_log_position: e.term_base_log_position,
                    log_position: e.log_position,
                })
                .collect(),
        }
    }

    /// The newest valid local snapshot of `service_id` that belongs to the newest consensus-module
    /// snapshot set (Aeron `getLatestSnapshot`); `service_id` -1 is the consensus module itself.
    pub fn get_latest_snapshot(&self, service_id: i32) -> Option<&RecordingLogEntry> {
        for (index, entry) in self.entries.iter().enumerate().rev() {
            if entry.is_valid_snapshot() && entry.service_id == CONSENSUS_MODULE_SERVICE_ID {
                if service_id == CONSENSUS_MODULE_SERVICE_ID {
                    return Some(entry);
                }
                let offset = usize::try_from(i64::from(service_id) + 1).ok()?;
                if let Some(service_index) = index.checked_sub(offset) {
                    let snapshot = &self.entries[service_index];
                    if snapshot.is_valid_snapshot() && snapshot.service_id == service_id {
                        return Some(snapshot);
                    }
                }
            }
        }
        None
    }

    /// The newest complete snapshot set for `service_count` services (index 0 = consensus module,
    /// `k + 1` = service `k`), skipping invalid or incomplete sets.
    pub fn latest_snapshot_set(&self, service_count: usize) -> Option<Vec<Snapshot>> {
        self.entries.iter().enumerate().rev().find_map(|(index, entry)| {
            (entry.is_valid_snapshot() && entry.service_id == CONSENSUS_MODULE_SERVICE_ID)
                .then(|| complete_snapshot_set(&self.entries, index, service_count))
                .flatten()
        })
    }

    /// The newest complete snapshot set at or before `log_position`, else the lowest complete set
    /// (Aeron `findSnapshotAtOrBeforeOrLowest`). Order as in [`Self::latest_snapshot_set`].
    pub fn find_snapshot_at_or_before_or_lowest(
        &self,
        log_position: i64,
        service_count: usize,
    ) -> Option<Vec<Snapshot>> {
        let is_cm =
            |e: &RecordingLogEntry| e.is_valid_snapshot() && e.service_id == CONSENSUS_MODULE_SERVICE_ID;
        self.entries
            .iter()
            .enumerate()
            .rev()
            .filter(|(_, e)| is_cm(e) && e.log_position <= log_position)
            .find_map(|(index, _)| complete_snapshot_set(&self.entries, index, service_count))
            .or_else(|| {
                self.entries
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| is_cm(e))
                    .find_map(|(index, _)| complete_snapshot_set(&self.entries, index, service_count))
            })
    }

    /// For each archive endpoint, its newest complete set of valid standby snapshots (`service_count + 1`
    /// entries at one log position), in reverse log order (Aeron `latestStandbySnapshots`).
    pub fn latest_standby_snapshots(&self, service_count: usize) -> BTreeMap<String, Vec<RecordingLogEntry>> {
        let mut by_endpoint: BTreeMap<String, BTreeMap<i64, Vec<RecordingLogEntry>>> = BTreeMap::new();
        for entry in self.entries.iter().rev() {
            if entry.entry_type == EntryType::StandbySnapshot && entry.is_valid {
                let endpoint = entry.archive_endpoint.clone().unwrap_or_default();
                by_endpoint
                    .entry(endpoint)
                    .or_default()
                    .entry(entry.log_position)
                    .or_default()
                    .push(entry.clone());
            }
        }
        by_endpoint
            .into_iter()
            .filter_map(|(endpoint, positions)| {
                positions
                    .into_values()
                    .rev()
                    .find(|set| set.len() == service_count + 1)
                    .map(|set| (endpoint, set))
            })
            .collect()
    }

    /// Plans recovery for `service_count` services (see [`RecoveryPlan::create`]).
    pub fn create_recovery_plan(
        &self,
        service_count: usize,
        replicated_recording_id: i64,
        extents: &impl RecordingExtents,
    ) -> Result<RecoveryPlan, ClusterFileError> {
        RecoveryPlan::create(&self.entries, service_count, replicated_recording_id, extents)
    }

    fn append(&mut self, mut entry: RecordingLogEntry) -> Result<usize, ClusterFileError> {
        let file_length = self.file.len()?;
        let offset = file_length.div_ceil(RECORD_ALIGNMENT as u64) * RECORD_ALIGNMENT as u64;
        entry.entry_index = self.next_entry_index;
        entry.file_offset = offset;
        self.persist(offset, &entry.encode())?;
        self.next_entry_index = self.next_entry_index.saturating_add(1);
        let key = sort_key(&entry);
        let index = self.entries.partition_point(|e| sort_key(e) <= key);
        self.entries.insert(index, entry);
        Ok(index)
    }

    /// Appends the TERM entry of `leadership_term_id` starting at `term_base_log_position`, committing the
    /// previous term at that base (Aeron `appendTerm`). Refuses a recording id of -1, a recording id
    /// other than the log's, and a duplicate term.
    pub fn append_term(
        &mut self,
        recording_id: i64,
        leadership_term_id: i64,
        term_base_log_position: i64,
        timestamp: i64,
    ) -> Result<(), ClusterFileError> {
        if recording_id == NULL_VALUE {
            return Err(invalid(format!("invalid recordingId={recording_id}")));
        }
        if self.term_recording_id != NULL_VALUE && recording_id != self.term_recording_id {
            return Err(invalid(format!(
                "invalid TERM recordingId={recording_id}, expected recordingId={}",
                self.term_recording_id
            )));
        }
        let mut log_position = NULL_POSITION;
        if !self.entries.is_empty() {
            if self.term_index(leadership_term_id).is_some() {
                return Err(invalid(format!(
                    "duplicate TERM entry for leadershipTermId={leadership_term_id}"
                )));
            }
            if self.term_index(leadership_term_id - 1).is_some() {
                self.commit_log_position(leadership_term_id - 1, term_base_log_position)?;
            }
            if let Some(next) = self.find_term_entry(leadership_term_id + 1) {
                log_position = next.term_base_log_position;
            }
        }
        self.append(RecordingLogEntry {
            recording_id,
            leadership_term_id,
            term_base_log_position,
            log_position,
            timestamp,
            service_id: NULL_VALUE as i32,
            entry_type: EntryType::Term,
            is_valid: true,
            archive_endpoint: None,
            entry_index: 0,
            file_offset: 0,
        })?;
        self.term_recording_id = recording_id;
        Ok(())
    }

    /// Sets the committed end position of the TERM of `leadership_term_id` in place (Aeron
    /// `commitLogPosition`); unknown terms are an error.
    pub fn commit_log_position(
        &mut self,
        leadership_term_id: i64,
        log_position: i64,
    ) -> Result<(), ClusterFileError> {
        let index = self
            .term_index(leadership_term_id)
            .ok_or_else(|| invalid(format!("unknown leadershipTermId={leadership_term_id}")))?;
        if self.entries[index].log_position != log_position {
            let offset = self.entries[index].file_offset + LOG_POSITION_OFFSET as u64;
            self.persist(offset, &log_position.to_le_bytes())?;
            self.entries[index].log_position = log_position;
        }
        Ok(())
    }

    /// Appends a local SNAPSHOT entry for `service_id` (-1 = consensus module; append services first,
    /// the consensus module last), or re-validates a matching invalidated one in place.
    pub fn append_snapshot(
        &mut self,
        recording_id: i64,
        leadership_term_id: i64,
        term_base_log_position: i64,
        log_position: i64,
        timestamp: i64,
        service_id: i32,
    ) -> Result<(), ClusterFileError> {
        self.append_any_snapshot(
            EntryType::Snapshot,
            recording_id,
            leadership_term_id,
            term_base_log_position,
            log_position,
            timestamp,
            service_id,
            None,
        )
    }

    /// Appends a STANDBY_SNAPSHOT entry held by the archive at `archive_endpoint` (non-empty ASCII, at
    /// most [`MAX_ENDPOINT_LENGTH`] bytes), or re-validates a matching invalidated one in place.
    #[allow(clippy::too_many_arguments)]
    pub fn append_standby_snapshot(
        &mut self,
        recording_id: i64,
        leadership_term_id: i64,
        term_base_log_position: i64,
        log_position: i64,
        timestamp: i64,
        service_id: i32,
        archive_endpoint: &str,
    ) -> Result<(), ClusterFileError> {
        if archive_endpoint.is_empty() {
            return Err(invalid("Remote snapshots must have a valid endpoint".to_string()));
        }
        if archive_endpoint.len() > MAX_ENDPOINT_LENGTH {
            return Err(invalid(format!(
                "Endpoint is too long: {} vs {MAX_ENDPOINT_LENGTH}",
                archive_endpoint.len()
            )));
        }
        if !archive_endpoint.bytes().all(|b| b.is_ascii() && b != 0) {
            return Err(invalid("Endpoint must be ASCII".to_string()));
        }
        self.append_any_snapshot(
            EntryType::StandbySnapshot,
            recording_id,
            leadership_term_id,
            term_base_log_position,
            log_position,
            timestamp,
            service_id,
            Some(archive_endpoint.to_string()),
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn append_any_snapshot(
        &mut self,
        entry_type: EntryType,
        recording_id: i64,
        leadership_term_id: i64,
        term_base_log_position: i64,
        log_position: i64,
        timestamp: i64,
        service_id: i32,
        archive_endpoint: Option<String>,
    ) -> Result<(), ClusterFileError> {
        if recording_id == NULL_VALUE {
            return Err(invalid(format!("invalid recordingId={recording_id}")));
        }
        let restore = self.entries.iter().rposition(|e| {
            !e.is_valid
                && e.entry_type == entry_type
                && e.leadership_term_id == leadership_term_id
                && e.term_base_log_position == term_base_log_position
                && e.log_position == log_position
                && e.service_id == service_id
        });
        if let Some(index) = restore {
            let mut validated = self.entries[index].clone();
            validated.recording_id = recording_id;
            validated.timestamp = timestamp;
            validated.is_valid = true;
            // Rewrite only the fixed part: a standby snapshot keeps its endpoint bytes.
            let fixed = validated.encode();
            self.persist(validated.file_offset, &fixed[..ENTRY_TYPE_OFFSET + 4])?;
            self.entries[index] = validated;
            return Ok(());
        }
        self.append(RecordingLogEntry {
            recording_id,
            leadership_term_id,
            term_base_log_position,
            log_position,
            timestamp,
            service_id,
            entry_type,
            is_valid: true,
            archive_endpoint,
            entry_index: 0,
            file_offset: 0,
        })?;
        Ok(())
    }

    /// Marks the entry at `index` of [`Self::entries`] invalid in place (sets the invalid flag of its
    /// type word). An invalid TERM no longer counts as known.
    pub fn invalidate_entry(&mut self, index: usize) -> Result<(), ClusterFileError> {
        let entry = self
            .entries
            .get(index)
            .ok_or_else(|| invalid(format!("no entry at index {index} of {}", self.entries.len())))?;
        let mut invalidated = entry.clone();
        invalidated.is_valid = false;
        self.persist(
            invalidated.file_offset + ENTRY_TYPE_OFFSET as u64,
            &invalidated.type_word().to_le_bytes(),
        )?;
        self.entries[index] = invalidated;
        Ok(())
    }

    /// Invalidates the newest snapshot set(s) — the highest-position valid consensus-module snapshot
    /// entries (local or standby) and the service entries just before each (Aeron
    /// `invalidateLatestSnapshot`). Returns false if there was none; an error if such a snapshot has no
    /// TERM entry.
    pub fn invalidate_latest_snapshot(&mut self) -> Result<bool, ClusterFileError> {
        let mut indices = Vec::new();
        let mut high_log_position = NULL_POSITION;
        for index in (0..self.entries.len()).rev() {
            let entry = &self.entries[index];
            if entry.is_valid_any_snapshot() && entry.service_id == CONSENSUS_MODULE_SERVICE_ID {
                if entry.log_position >= high_log_position {
                    if self.term_index(entry.leadership_term_id).is_none() {
                        return Err(invalid(format!(
                            "no matching term for snapshot: leadershipTermId={}",
                            entry.leadership_term_id
                        )));
                    }
                    if entry.log_position > high_log_position {
                        indices.clear();
                        high_log_position = entry.log_position;
                    }
                    indices.push(index);
                } else {
                    break;
                }
            }
        }
        let found = !indices.is_empty();
        while let Some(starting_index) = indices.pop() {
            let mut service_id = CONSENSUS_MODULE_SERVICE_ID;
            for index in (0..=starting_index).rev() {
                let entry = &self.entries[index];
                if entry.is_valid_any_snapshot() && entry.service_id == service_id {
                    self.invalidate_entry(index)?;
                    service_id += 1;
                } else {
                    break;
                }
            }
        }
        Ok(found)
    }

    /// Removes the entry of `leadership_term_id` with file index `entry_index` (type word -1, record
    /// skipped on reload) and reloads (Aeron `removeEntry`). A removed standby snapshot has every
    /// 64-byte chunk marked removed so the file still parses (Aeron would misparse its endpoint bytes).
    pub fn remove_entry(
        &mut self,
        leadership_term_id: i64,
        entry_index: i32,
    ) -> Result<(), ClusterFileError> {
        let entry = self
            .entries
            .iter()
            .rev()
            .find(|e| e.leadership_term_id == leadership_term_id && e.entry_index == entry_index)
            .cloned()
            .ok_or_else(|| invalid(format!("unknown entry index: {entry_index}")))?;
        let removed = ENTRY_TYPE_REMOVED.to_le_bytes();
        let mut chunk = 0;
        while chunk < entry.length() {
            self.file.write_at(entry.file_offset + (chunk + ENTRY_TYPE_OFFSET) as u64, &removed)?;
            chunk += RECORD_ALIGNMENT;
        }
        self.sync_level.sync(&mut self.file)?;
        self.reload()
    }

    /// Aeron `ensureCoherent`: make sure a TERM for `leadership_term_id` exists (filling skipped terms,
    /// committing an open previous term at `term_base_log_position`) and commit `log_position` when not
    /// -1. `term_base_log_position` may be -1 when the previous term is committed.
    #[allow(clippy::too_many_arguments)]
    pub fn ensure_coherent(
        &mut self,
        recording_id: i64,
        initial_log_leadership_term_id: i64,
        initial_term_base_log_position: i64,
        leadership_term_id: i64,
        term_base_log_position: i64,
        log_position: i64,
        timestamp: i64,
    ) -> Result<(), ClusterFileError> {
        match self.find_last_term().cloned() {
            None => {
                for term_id in initial_log_leadership_term_id.max(0)..leadership_term_id {
                    self.append_term(recording_id, term_id, initial_term_base_log_position, timestamp)?;
                }
                self.append_term(recording_id, leadership_term_id, term_base_log_position, timestamp)?;
            }
            Some(mut last) if last.leadership_term_id < leadership_term_id => {
                if last.log_position == NULL_POSITION {
                    if term_base_log_position == NULL_VALUE {
                        return Err(invalid(format!(
                            "Prior term was not committed: leadershipTermId={} and logTermBasePosition was not \
                             specified: leadershipTermId={leadership_term_id}",
                            last.leadership_term_id
                        )));
                    }
                    self.commit_log_position(last.leadership_term_id, term_base_log_position)?;
                    last.log_position = term_base_log_position;
                }
                for term_id in last.leadership_term_id + 1..leadership_term_id {
                    self.append_term(recording_id, term_id, last.log_position, timestamp)?;
                }
                self.append_term(recording_id, leadership_term_id, last.log_position, timestamp)?;
            }
            Some(_) => {}
        }
        if log_position != NULL_POSITION {
            self.commit_log_position(leadership_term_id, log_position)?;
        }
        Ok(())
    }

    /// Rewrites `recording.log` in `storage` in sorted order if it is not already (ClusterTool
    /// `sort-recording-log`): writes `recording.log.tmp`, syncs it, replaces the log and syncs the
    /// directory. Returns true if the file changed. Unlike Aeron's tool, invalidated entries keep their
    /// invalid flag; removed records are dropped (entry indices are renumbered).
    pub fn sort_file(storage: &S, sync_level: FileSyncLevel) -> Result<bool, ClusterFileError> {
        let log = Self::open(storage, RecordingLogOptions { sync_level, ..RecordingLogOptions::default() })?;
        let sorted = log.entries.iter().enumerate().all(|(index, e)| e.entry_index as usize == index);
        if sorted {
            return Ok(false);
        }
        let temp_name = "recording.log.tmp";
        if storage.exists(temp_name)? {
            storage.remove(temp_name)?;
        }
        let mut temp = storage.create(temp_name)?;
        let mut offset = 0u64;
        for entry in &log.entries {
            let bytes = entry.encode();
            temp.write_at(offset, &bytes)?;
            offset += bytes.len() as u64;
        }
        temp.sync_all()?;
        drop(log);
        storage.remove(RECORDING_LOG_FILE_NAME)?;
        storage.rename(temp_name, RECORDING_LOG_FILE_NAME)?;
        storage.sync_directory()?;
        Ok(true)
    }

    /// The storage the log lives in.
    pub fn storage(&self) -> &S {
        &self.storage
    }
}
