//! Commands over `recording.log`: `recording-log`, `recovery-plan`, `sort-recording-log`,
//! `seed-recording-log-from-snapshot`, `invalidate-latest-snapshot`, `describe-latest-cm-snapshot`.
//!
//! `describe-latest-cm-snapshot` decodes the snapshot's content: it reads the snapshot recording from
//! the node's archive directory (`<node>/archive`: catalog and segment files, no running archive) with
//! `cluster::read_snapshot_recording` (frames validated, fragments reassembled, checksum trailer
//! verified) and decodes it with `ConsensusModuleSnapshot::decode`.
//!
//! Invariants: `recording-log`, `recovery-plan` and `describe-latest-cm-snapshot` only read (a live
//! node's log is read again if a record was caught half-written); the commands that change the file
//! refuse while a live node holds the directory, write a replacement to `recording.log.tmp`, sync it and
//! rename it over the log.

use std::path::Path;

use anyhow::{Context as _, bail};
use archive::{ArchiveFile, ArchiveStorage, CATALOG_FILE_NAME, Catalog, CatalogConfig, FileSyncLevel};
use cluster::recording_log_entry::CONSENSUS_MODULE_SERVICE_ID;
use cluster::{
    ClusterFileError, ConsensusModuleSnapshot, EntryType, RECORDING_LOG_FILE_NAME, RecordingLog,
    RecordingLogEntry, RecordingLogOptions, RecoveryPlan, read_snapshot_recording,
};
use serde_json::{Value, json};
use sys::{FsArchiveFile, FsArchiveStorage};

use super::node_paths::NodePaths;
use super::{Exit, screaming_snake};

fn type_name(entry_type: EntryType) -> &'static str {
    match entry_type {
        EntryType::Term => "TERM",
        EntryType::Snapshot => "SNAPSHOT",
        EntryType::StandbySnapshot => "STANDBY_SNAPSHOT",
    }
}

/// Aeron's `RecordingLog.Entry.toString`.
fn entry_text(e: &RecordingLogEntry) -> String {
    format!(
        "Entry{{recordingId={}, leadershipTermId={}, termBaseLogPosition={}, logPosition={}, timestamp={}, \
         serviceId={}, type={}, isValid={}, archiveEndpoint={}, entryIndex={}}}",
        e.recording_id,
        e.leadership_term_id,
        e.term_base_log_position,
        e.log_position,
        e.timestamp,
        e.service_id,
        type_name(e.entry_type),
        e.is_valid,
        e.archive_endpoint.as_deref().unwrap_or("null"),
        e.entry_index
    )
}

fn entry_json(e: &RecordingLogEntry) -> Value {
    json!({
        "recording_id": e.recording_id,
        "leadership_term_id": e.leadership_term_id,
        "term_base_log_position": e.term_base_log_position,
        "log_position": e.log_position,
        "timestamp": e.timestamp,
        "service_id": e.service_id,
        "type": type_name(e.entry_type),
        "is_valid": e.is_valid,
        "archive_endpoint": e.archive_endpoint,
        "entry_index": e.entry_index,
        "file_offset": e.file_offset,
    })
}

/// Opens the recording log without changing it; a missing file is an error. A torn record (the node
/// appending right now) is retried a few times.
fn open_log(paths: &NodePaths) -> anyhow::Result<RecordingLog<FsArchiveStorage>> {
    let path = paths.cluster_file(RECORDING_LOG_FILE_NAME);
    if !path.is_file() {
        bail!("{RECORDING_LOG_FILE_NAME} does not exist in {}.", paths.cluster_dir.display());
    }
    let storage = paths.storage()?;
    let mut attempts = 0;
    loop {
        match RecordingLog::open(&storage, RecordingLogOptions::default()) {
            Err(ClusterFileError::TornEntry { .. }) if attempts < 3 => {
                attempts += 1;
                #[allow(clippy::disallowed_methods)] // A tool waiting for a live writer.
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            result => return result.with_context(|| format!("reading {}", path.display())),
        }
    }
}

/// `recording-log`: every entry, sorted as Aeron holds them.
pub fn print_log(paths: &NodePaths, json: bool) -> anyhow::Result<Exit> {
    let log = open_log(paths)?;
    if json {
        let entries: Vec<Value> = log.entries().iter().map(entry_json).collect();
        println!("{}", json!({"entries": entries}));
    } else {
        println!("RecordingLog{{entries=[");
        for entry in log.entries() {
            println!("  {}", entry_text(entry));
        }
        println!("]}}");
    }
    Ok(Exit::Success)
}

fn open_catalog(archive_dir: &Path) -> anyhow::Result<Catalog<FsArchiveFile>> {
    if !archive_dir.join(CATALOG_FILE_NAME).is_file() {
        bail!("no archive catalog ({CATALOG_FILE_NAME}) in {}", archive_dir.display());
    }
    let storage =
        FsArchiveStorage::open(archive_dir).with_context(|| format!("opening {}", archive_dir.display()))?;
    // Read only: the catalog is never changed through this handle.
    Catalog::open(&storage, CatalogConfig::default())
        .with_context(|| format!("reading {}", archive_dir.join(CATALOG_FILE_NAME).display()))
}

fn plan_json(plan: &RecoveryPlan) -> Value {
    json!({
        "last_leadership_term_id": plan.last_leadership_term_id,
        "last_term_base_log_position": plan.last_term_base_log_position,
        "appended_log_position": plan.appended_log_position,
        "committed_log_position": plan.committed_log_position,
        "snapshots": plan.snapshots.iter().map(|s| json!({
            "recording_id": s.recording_id,
            "leadership_term_id": s.leadership_term_id,
            "term_base_log_position": s.term_base_log_position,
            "log_position": s.log_position,
            "timestamp": s.timestamp,
            "service_id": s.service_id,
        })).collect::<Vec<_>>(),
        "log": plan.log.map(|l| json!({
            "recording_id": l.recording_id,
            "leadership_term_id": l.leadership_term_id,
            "term_base_log_position": l.term_base_log_position,
            "log_position": l.log_position,
            "start_position": l.start_position,
            "stop_position": l.stop_position,
            "initial_term_id": l.initial_term_id,
            "term_buffer_length": l.term_buffer_length,
            "mtu_length": l.mtu_length,
            "session_id": l.session_id,
        })),
        "skipped_snapshot_log_positions": plan.skipped_snapshot_log_positions,
    })
}

/// `recovery-plan <serviceCount>`: the plan from recording.log and the archive catalog in
/// `<node>/archive` (read from the file, not over the archive's control channel).
pub fn recovery_plan(paths: &NodePaths, service_count: usize, json: bool) -> anyhow::Result<Exit> {
    let log = open_log(paths)?;
    let catalog = open_catalog(&paths.node_dir.join("archive"))?;
    let plan = log.create_recovery_plan(service_count, -1, &catalog).context("creating the recovery plan")?;
    if json {
        println!("{}", plan_json(&plan));
        return Ok(Exit::Success);
    }
    println!("RecoveryPlan{{");
    println!("  lastLeadershipTermId={}", plan.last_leadership_term_id);
    println!("  lastTermBaseLogPosition={}", plan.last_term_base_log_position);
    println!("  appendedLogPosition={}", plan.appended_log_position);
    println!("  committedLogPosition={}", plan.committed_log_position);
    println!("  snapshots=[");
    for s in &plan.snapshots {
        println!(
            "    Snapshot{{recordingId={}, leadershipTermId={}, termBaseLogPosition={}, logPosition={}, \
             timestamp={}, serviceId={}}}",
            s.recording_id,
            s.leadership_term_id,
            s.term_base_log_position,
            s.log_position,
            s.timestamp,
            s.service_id
        );
    }
    println!("  ]");
    match &plan.log {
        Some(l) => println!(
            "  log=Log{{recordingId={}, leadershipTermId={}, termBaseLogPosition={}, logPosition={}, \
             startPosition={}, stopPosition={}, initialTermId={}, termBufferLength={}, mtuLength={}, sessionId={}}}",
            l.recording_id,
            l.leadership_term_id,
            l.term_base_log_position,
            l.log_position,
            l.start_position,
            l.stop_position,
            l.initial_term_id,
            l.term_buffer_length,
            l.mtu_length,
            l.session_id
        ),
        None => println!("  log=null"),
    }
    println!("}}");
    Ok(Exit::Success)
}

/// `sort-recording-log`: rewrite the file in sorted order. Exit 1 if it already was.
pub fn sort(paths: &NodePaths) -> anyhow::Result<Exit> {
    paths.ensure_no_live_node()?;
    // Loads (and validates) the log first; a missing file is an error.
    drop(open_log(paths)?);
    let changed =
        RecordingLog::sort_file(&paths.storage()?, FileSyncLevel::Data).context("sorting recording.log")?;
    if changed {
        println!("{RECORDING_LOG_FILE_NAME} sorted");
        Ok(Exit::Success)
    } else {
        println!("{RECORDING_LOG_FILE_NAME} is already sorted: not changed");
        Ok(Exit::Negative)
    }
}

/// Replaces recording.log by `entries` (or deletes it when there are none), through a synced
/// temporary file.
fn replace_log(storage: &FsArchiveStorage, entries: &[RecordingLogEntry]) -> anyhow::Result<()> {
    if entries.is_empty() {
        storage.remove(RECORDING_LOG_FILE_NAME)?;
        storage.sync_directory()?;
        return Ok(());
    }
    let temp_name = "recording.log.tmp";
    if storage.exists(temp_name)? {
        storage.remove(temp_name)?;
    }
    let mut temp = storage.create(temp_name)?;
    let mut offset = 0u64;
    for entry in entries {
        let bytes = entry.encode();
        temp.write_at(offset, &bytes)?;
        offset += bytes.len() as u64;
    }
    temp.sync_all()?;
    drop(temp);
    storage.remove(RECORDING_LOG_FILE_NAME)?;
    storage.rename(temp_name, RECORDING_LOG_FILE_NAME)?;
    storage.sync_directory()?;
    Ok(())
}

/// The latest valid consensus-module snapshot and the consecutive valid service snapshots just before
/// it (service 0, 1, ...), in file order (services descending, then the consensus module), as Aeron's
/// `seedRecordingLogFromSnapshot` collects them.
fn latest_snapshot_set(entries: &[RecordingLogEntry]) -> Vec<RecordingLogEntry> {
    let Some(cm_index) =
        entries.iter().rposition(|e| e.is_valid_snapshot() && e.service_id == CONSENSUS_MODULE_SERVICE_ID)
    else {
        return Vec::new();
    };
    let mut set = Vec::new();
    for (service_id, entry) in (CONSENSUS_MODULE_SERVICE_ID..).zip(entries[..=cm_index].iter().rev()) {
        if !(entry.is_valid_snapshot() && entry.service_id == service_id) {
            break;
        }
        set.push(entry.clone());
    }
    set.reverse();
    set
}

/// `seed-recording-log-from-snapshot`: back up to `recording.log.bak` (keeping its modification time),
/// then keep only the latest valid snapshot set with term base and log position 0; without a valid
/// snapshot the log is deleted.
pub fn seed_from_snapshot(paths: &NodePaths) -> anyhow::Result<Exit> {
    paths.ensure_no_live_node()?;
    let log = open_log(paths)?;
    let set: Vec<RecordingLogEntry> = latest_snapshot_set(log.entries())
        .into_iter()
        .enumerate()
        .map(|(index, mut entry)| {
            entry.term_base_log_position = 0;
            entry.log_position = 0;
            entry.archive_endpoint = None;
            entry.entry_index = index as i32;
            entry
        })
        .collect();
    drop(log);
    let original = paths.cluster_file(RECORDING_LOG_FILE_NAME);
    let backup = paths.cluster_file("recording.log.bak");
    #[allow(clippy::disallowed_methods)] // The tool copies a file with its attributes, as Aeron does.
    {
        std::fs::copy(&original, &backup).with_context(|| format!("backing up to {}", backup.display()))?;
        let modified = std::fs::metadata(&original).and_then(|m| m.modified());
        if let Ok(modified) = modified {
            let file = std::fs::OpenOptions::new().write(true).open(&backup)?;
            file.set_modified(modified)?;
            file.sync_all()?;
        }
    }
    replace_log(&paths.storage()?, &set)?;
    if set.is_empty() {
        println!("no valid snapshot: {RECORDING_LOG_FILE_NAME} removed (backup: {})", backup.display());
    } else {
        println!(
            "{RECORDING_LOG_FILE_NAME} seeded from the snapshot set at leadershipTermId={} ({} entries; backup: {})",
            set[0].leadership_term_id,
            set.len(),
            backup.display()
        );
    }
    Ok(Exit::Success)
}

/// `invalidate-latest-snapshot`: set the invalid flag on the newest snapshot set (exit 1 if none).
pub fn invalidate_latest_snapshot(paths: &NodePaths) -> anyhow::Result<Exit> {
    paths.ensure_no_live_node()?;
    let mut log = open_log(paths)?;
    let invalidated = log.invalidate_latest_snapshot().context("invalidating the latest snapshot")?;
    // The tool's change is made durable at once.
    log.force(FileSyncLevel::Data)?;
    if invalidated {
        println!("Recording log updated");
        Ok(Exit::Success)
    } else {
        println!("Recording log not updated: no valid snapshot");
        Ok(Exit::Negative)
    }
}

fn snapshot_json(snapshot: &ConsensusModuleSnapshot) -> Value {
    json!({
        "log_position": snapshot.log_position,
        "leadership_term_id": snapshot.leadership_term_id,
        "time_unit": screaming_snake(&format!("{:?}", snapshot.time_unit)),
        "app_version": snapshot.app_version,
        "next_session_id": snapshot.next_session_id,
        "sessions": snapshot.sessions.iter().map(|s| json!({
            "cluster_session_id": s.cluster_session_id,
            "correlation_id": s.correlation_id,
            "opened_log_position": s.opened_log_position,
            "response_stream_id": s.response_stream_id,
            "response_channel": s.response_channel,
            "close_reason": s.close_reason.map(|reason| screaming_snake(&format!("{reason:?}"))),
        })).collect::<Vec<_>>(),
        "timers": snapshot.timers.iter().map(|t| json!({
            "correlation_id": t.correlation_id,
            "deadline": t.deadline,
        })).collect::<Vec<_>>(),
        "trackers": snapshot.trackers.iter().map(|t| json!({
            "service_id": t.service_id,
            "next_service_session_id": t.next_service_session_id,
            "log_service_session_id": t.log_service_session_id,
            "pending_message_capacity": t.pending_message_capacity,
            "pending_messages": t.messages.len(),
        })).collect::<Vec<_>>(),
    })
}

/// Reads consensus-module snapshot recording `recording_id` from the archive directory's files (no
/// running archive needed) and decodes it.
fn read_cm_snapshot(archive_dir: &Path, recording_id: i64) -> anyhow::Result<ConsensusModuleSnapshot> {
    if !archive_dir.join(CATALOG_FILE_NAME).is_file() {
        bail!("no archive catalog ({CATALOG_FILE_NAME}) in {}", archive_dir.display());
    }
    let storage =
        FsArchiveStorage::open(archive_dir).with_context(|| format!("opening {}", archive_dir.display()))?;
    let messages = read_snapshot_recording(&storage, recording_id)?;
    ConsensusModuleSnapshot::decode(&messages)
        .with_context(|| format!("decoding consensus module snapshot recording {recording_id}"))
}

/// `describe-latest-cm-snapshot`: the latest valid consensus-module snapshot's recording.log entries,
/// then its content: the recording is read from `<node>/archive` (catalog and segment files, no running
/// archive), every frame validated, the seal checked, and the messages decoded. Exit 1 if there is no
/// valid snapshot; exit 2 (after the entries) if the snapshot cannot be read or decoded.
pub fn describe_latest_cm_snapshot(paths: &NodePaths, json: bool) -> anyhow::Result<Exit> {
    let log = open_log(paths)?;
    let set = latest_snapshot_set(log.entries());
    let Some(cm) = set.last() else {
        if json {
            println!("{}", json!({"entries": [], "recording_id": null, "snapshot": null}));
        } else {
            println!("No valid consensus module snapshot in {RECORDING_LOG_FILE_NAME}");
        }
        return Ok(Exit::Negative);
    };
    let archive_dir = paths.node_dir.join("archive");
    let content = read_cm_snapshot(&archive_dir, cm.recording_id);
    if json {
        let (snapshot, error) = match &content {
            Ok(snapshot) => (snapshot_json(snapshot), Value::Null),
            Err(error) => (Value::Null, json!(format!("{error:#}"))),
        };
        println!(
            "{}",
            json!({
                "entries": set.iter().map(entry_json).collect::<Vec<_>>(),
                "recording_id": cm.recording_id,
                "snapshot": snapshot,
                "error": error,
            })
        );
    } else {
        println!("Latest consensus module snapshot (recording id {}):", cm.recording_id);
        for entry in &set {
            println!("  {}", entry_text(entry));
        }
        if let Ok(snapshot) = &content {
            print!("{}", snapshot.describe());
        }
    }
    content.with_context(|| {
        format!(
            "consensus module snapshot recording {} in {} is unreadable",
            cm.recording_id,
            archive_dir.display()
        )
    })?;
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(service_id: i32, position: i64, valid: bool) -> RecordingLogEntry {
        RecordingLogEntry {
            recording_id: 10 + i64::from(service_id),
            leadership_term_id: 1,
            term_base_log_position: 0,
            log_position: position,
            timestamp: 5,
            service_id,
            entry_type: EntryType::Snapshot,
            is_valid: valid,
            archive_endpoint: None,
            entry_index: 0,
            file_offset: 0,
        }
    }

    #[test]
    fn latest_set_is_the_newest_valid_consensus_module_snapshot_with_its_services() {
        let entries = vec![
            snapshot(1, 100, true),
            snapshot(0, 100, true),
            snapshot(-1, 100, true),
            snapshot(0, 200, true),
            snapshot(-1, 200, false),
        ];
        let set = latest_snapshot_set(&entries);
        assert_eq!(
            set.iter().map(|e| (e.service_id, e.log_position)).collect::<Vec<_>>(),
            [(1, 100), (0, 100), (-1, 100)]
        );
        assert!(latest_snapshot_set(&entries[..2]).is_empty());
    }
}
