//! Fuzz: arbitrary bytes as `recording.log` must load or fail with an error, never panic; a loaded log
//! must plan recovery, invalidate and sort (the cluster tool's rewrite) without panicking, and a sorted
//! rewrite must load again with the same entries.
#![no_main]

use archive::{ArchiveFile, ArchiveStorage, FileSyncLevel, MemoryArchiveStorage};
use cluster::{RECORDING_LOG_FILE_NAME, RecordingExtent, RecordingLog, RecordingLogOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let storage = MemoryArchiveStorage::new();
    let Ok(mut file) = storage.create(RECORDING_LOG_FILE_NAME) else { return };
    if file.write_at(0, data).is_err() {
        return;
    }
    drop(file);
    let extents = |_: i64| {
        Some(RecordingExtent {
            start_position: 0,
            stop_position: 1024,
            initial_term_id: 0,
            term_buffer_length: 65536,
            mtu_length: 1408,
            session_id: 1,
        })
    };
    // Read-only first (the tool's `recording-log`): an untouched file either loads or errors. Then the
    // tool's sort must keep every entry. An entry that encodes to 64 zero bytes (a TERM with service id
    // 0) is skipped: the loader reads such a record as a TERM after another entry but as an unwritten
    // record at the start of the file (reported to the cluster crate; Aeron never writes one).
    let summary = |log: &RecordingLog<MemoryArchiveStorage>| {
        log.entries().iter().map(|e| (e.recording_id, e.log_position, e.type_word())).collect::<Vec<_>>()
    };
    let before = RecordingLog::open(&storage, RecordingLogOptions::default());
    let ambiguous =
        before.as_ref().is_ok_and(|log| log.entries().iter().any(|e| e.encode().iter().all(|b| *b == 0)));
    let before = before.map(|log| summary(&log));
    if let Ok(before) = &before
        && !ambiguous
        && let Ok(true) = RecordingLog::sort_file(&storage, FileSyncLevel::None)
    {
        let after = RecordingLog::open(&storage, RecordingLogOptions::default()).map(|log| summary(&log));
        assert_eq!(after.as_ref().ok(), Some(before), "sorting keeps every entry");
    }
    let options = RecordingLogOptions { truncate_torn_tail: true, ..RecordingLogOptions::default() };
    if let Ok(mut log) = RecordingLog::open(&storage, options) {
        let _ = log.create_recovery_plan(2, -1, &extents);
        let _ = log.term_history();
        let _ = log.latest_standby_snapshots(2);
        let _ = log.invalidate_latest_snapshot();
    }
});
