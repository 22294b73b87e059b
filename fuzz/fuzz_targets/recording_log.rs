//! Fuzz: arbitrary bytes as `recording.log` must load or fail with an error, never panic, and a loaded
//! log must plan recovery without panicking.
#![no_main]

use archive::{ArchiveFile, ArchiveStorage, MemoryArchiveStorage};
use cluster::{RECORDING_LOG_FILE_NAME, RecordingExtent, RecordingLog, RecordingLogOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let storage = MemoryArchiveStorage::new();
    let Ok(mut file) = storage.create(RECORDING_LOG_FILE_NAME) else { return };
    if file.write_at(0, data).is_err() {
        return;
    }
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
    let options = RecordingLogOptions { truncate_torn_tail: true, ..RecordingLogOptions::default() };
    if let Ok(mut log) = RecordingLog::open(&storage, options) {
        let _ = log.create_recovery_plan(2, -1, &extents);
        let _ = log.term_history();
        let _ = log.latest_standby_snapshots(2);
        let _ = log.invalidate_latest_snapshot();
    }
});
