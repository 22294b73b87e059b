//! Recording log, recovery plan, node state file and mark file over the archive storage seam.

use archive::{CrashMode, FileSyncLevel, MemoryArchiveStorage};
use cluster::recording_log_entry::{
    ENTRY_TYPE_OFFSET, LOG_POSITION_OFFSET, RECORDING_ID_OFFSET, SERVICE_ID_OFFSET, TIMESTAMP_OFFSET,
};
use cluster::*;
use fulmar_cluster as cluster;
use proptest::prelude::*;

fn options() -> RecordingLogOptions {
    RecordingLogOptions {
        create_if_missing: true,
        sync_level: FileSyncLevel::Data,
        truncate_torn_tail: false,
    }
}

fn extents(recording_id: i64) -> Option<RecordingExtent> {
    (recording_id == 0).then_some(RecordingExtent {
        start_position: 0,
        stop_position: 5000,
        initial_term_id: 7,
        term_buffer_length: 65536,
        mtu_length: 1408,
        session_id: 42,
    })
}

#[test]
fn layout_offsets_are_aerons() {
    let storage = MemoryArchiveStorage::new();
    let mut log = RecordingLog::open(&storage, options()).unwrap();
    log.append_term(0, 0, 0, 100).unwrap();
    log.append_snapshot(9, 0, 0, 640, 200, 0).unwrap();
    log.append_standby_snapshot(10, 0, 0, 640, 300, -1, "host:8010").unwrap();
    let bytes = storage.file_contents(RECORDING_LOG_FILE_NAME).unwrap();
    assert_eq!(bytes.len(), 192);
    assert_eq!(i64::from_le_bytes(bytes[RECORDING_ID_OFFSET..8].try_into().unwrap()), 0);
    assert_eq!(i64::from_le_bytes(bytes[LOG_POSITION_OFFSET..32].try_into().unwrap()), -1);
    assert_eq!(i64::from_le_bytes(bytes[TIMESTAMP_OFFSET..40].try_into().unwrap()), 100);
    assert_eq!(i32::from_le_bytes(bytes[SERVICE_ID_OFFSET..44].try_into().unwrap()), -1);
    assert_eq!(i32::from_le_bytes(bytes[ENTRY_TYPE_OFFSET..48].try_into().unwrap()), 0);
    assert_eq!(i64::from_le_bytes(bytes[64..72].try_into().unwrap()), 9);
    assert_eq!(i64::from_le_bytes(bytes[64 + 24..64 + 32].try_into().unwrap()), 640);
    assert_eq!(i32::from_le_bytes(bytes[64 + 40..64 + 44].try_into().unwrap()), 0);
    assert_eq!(i32::from_le_bytes(bytes[64 + 44..64 + 48].try_into().unwrap()), 1);
    assert_eq!(i32::from_le_bytes(bytes[128 + 44..128 + 48].try_into().unwrap()), 2);
    assert_eq!(i32::from_le_bytes(bytes[128 + 48..128 + 52].try_into().unwrap()), 9);
    assert_eq!(&bytes[128 + 52..128 + 61], b"host:8010");

    log.invalidate_entry(log.entries().iter().position(|e| e.entry_index == 1).unwrap()).unwrap();
    let bytes = storage.file_contents(RECORDING_LOG_FILE_NAME).unwrap();
    assert_eq!(u32::from_le_bytes(bytes[64 + 44..64 + 48].try_into().unwrap()), 0x8000_0001);
}

#[test]
fn terms_commit_reopen_and_term_history() {
    let storage = MemoryArchiveStorage::new();
    let mut log = RecordingLog::open(&storage, options()).unwrap();
    log.append_term(0, 0, 0, 1).unwrap();
    log.append_term(0, 1, 1000, 2).unwrap();
    assert!(log.append_term(0, 1, 1000, 2).is_err());
    assert!(log.append_term(5, 2, 1000, 2).is_err());
    log.commit_log_position(1, 2000).unwrap();
    assert!(log.commit_log_position(7, 1).is_err());
    let reopened = RecordingLog::open(&storage, options()).unwrap();
    assert_eq!(reopened.entries(), log.entries());
    let history = reopened.term_history();
    assert_eq!(
        history.entries,
        vec![
            TermEntry { leadership_term_id: 0, term_base_log_position: 0, log_position: 1000 },
            TermEntry { leadership_term_id: 1, term_base_log_position: 1000, log_position: 2000 },
        ]
    );
    assert_eq!(reopened.find_last_term().unwrap().leadership_term_id, 1);
    assert_eq!(reopened.get_term_entry(0).unwrap().log_position, 1000);
    assert!(reopened.get_term_entry(3).is_err());
    assert_eq!(reopened.next_entry_index(), 2);
}

#[test]
fn ensure_coherent_matches_term_history_model() {
    let storage = MemoryArchiveStorage::new();
    let mut log = RecordingLog::open(&storage, options()).unwrap();
    let mut model = TermHistory::default();
    log.ensure_coherent(0, -1, 0, 0, 0, -1, 0).unwrap();
    model.ensure_coherent(-1, 0, 0, 0, -1).unwrap();
    log.ensure_coherent(0, -1, 0, 3, 100, -1, 0).unwrap();
    model.ensure_coherent(-1, 0, 3, 100, -1).unwrap();
    log.ensure_coherent(0, -1, 0, 3, -1, 250, 0).unwrap();
    model.ensure_coherent(-1, 0, 3, -1, 250).unwrap();
    assert_eq!(log.term_history(), model);
}

fn snapshot_set(
    log: &mut RecordingLog<MemoryArchiveStorage>,
    term: i64,
    position: i64,
    first_recording: i64,
) {
    log.append_snapshot(first_recording, term, 0, position, 10, 1).unwrap();
    log.append_snapshot(first_recording + 1, term, 0, position, 10, 0).unwrap();
    log.append_snapshot(first_recording + 2, term, 0, position, 10, -1).unwrap();
}

#[test]
fn recovery_plan_falls_back_after_invalidate_latest_snapshot() {
    let storage = MemoryArchiveStorage::new();
    let mut log = RecordingLog::open(&storage, options()).unwrap();
    log.append_term(0, 0, 0, 1).unwrap();
    snapshot_set(&mut log, 0, 1000, 10);
    snapshot_set(&mut log, 0, 2000, 20);
    let plan = log.create_recovery_plan(2, -1, &extents).unwrap();
    assert_eq!(plan.snapshots.iter().map(|s| s.recording_id).collect::<Vec<_>>(), vec![22, 21, 20]);
    assert_eq!(plan.snapshots.iter().map(|s| s.service_id).collect::<Vec<_>>(), vec![-1, 0, 1]);
    assert_eq!(plan.log.unwrap().start_position, 2000);
    assert_eq!(plan.appended_log_position, 5000);
    assert_eq!(plan.committed_log_position, 2000);
    assert_eq!(log.get_latest_snapshot(0).unwrap().recording_id, 21);

    assert!(log.invalidate_latest_snapshot().unwrap());
    let reopened = RecordingLog::open(&storage, options()).unwrap();
    let plan = reopened.create_recovery_plan(2, -1, &extents).unwrap();
    assert_eq!(plan.snapshots.iter().map(|s| s.recording_id).collect::<Vec<_>>(), vec![12, 11, 10]);
    assert_eq!(plan.log.unwrap().start_position, 1000);
    assert_eq!(plan.last_leadership_term_id, 0);

    // Re-taking the snapshot at 2000 re-validates the entries in place.
    let mut log = reopened;
    snapshot_set(&mut log, 0, 2000, 30);
    assert_eq!(log.entries().len(), 7);
    let plan = log.create_recovery_plan(2, -1, &extents).unwrap();
    assert_eq!(plan.snapshots[0].recording_id, 32);
    assert!(log.create_recovery_plan(2, -1, &|_| None).is_err());
}

#[test]
fn incomplete_snapshot_set_is_skipped() {
    let storage = MemoryArchiveStorage::new();
    let mut log = RecordingLog::open(&storage, options()).unwrap();
    log.append_term(0, 0, 0, 1).unwrap();
    snapshot_set(&mut log, 0, 1000, 10);
    log.append_snapshot(20, 0, 0, 2000, 10, -1).unwrap();
    let plan = log.create_recovery_plan(2, -1, &extents).unwrap();
    assert_eq!(plan.snapshots[0].recording_id, 12);
    assert_eq!(plan.skipped_snapshot_log_positions, vec![2000]);
    assert_eq!(log.find_snapshot_at_or_before_or_lowest(500, 2).unwrap()[0].log_position, 1000);
}

#[test]
fn standby_snapshots_and_remove_entry() {
    let storage = MemoryArchiveStorage::new();
    let mut log = RecordingLog::open(&storage, options()).unwrap();
    log.append_term(0, 0, 0, 1).unwrap();
    let endpoint = "a".repeat(100);
    log.append_standby_snapshot(5, 0, 0, 800, 1, 0, &endpoint).unwrap();
    log.append_standby_snapshot(6, 0, 0, 800, 1, -1, &endpoint).unwrap();
    assert!(log.append_standby_snapshot(6, 0, 0, 800, 1, -1, "").is_err());
    let standby = log.latest_standby_snapshots(1);
    assert_eq!(standby[&endpoint].len(), 2);
    let removed = log.entries().iter().find(|e| e.recording_id == 5).unwrap().entry_index;
    log.remove_entry(0, removed).unwrap();
    let reopened = RecordingLog::open(&storage, options()).unwrap();
    assert_eq!(reopened.entries().len(), 2);
    assert!(reopened.latest_standby_snapshots(1).is_empty());
}

#[test]
fn sort_rewrites_in_memory_order() {
    let storage = MemoryArchiveStorage::new();
    let mut log = RecordingLog::open(&storage, options()).unwrap();
    log.append_term(0, 0, 0, 1).unwrap();
    log.append_term(0, 2, 300, 1).unwrap();
    log.append_term(0, 1, 100, 1).unwrap();
    log.invalidate_entry(0).unwrap();
    drop(log);
    assert!(RecordingLog::sort_file(&storage, FileSyncLevel::Data).unwrap());
    let sorted = RecordingLog::open(&storage, options()).unwrap();
    let order: Vec<(i64, i32, bool)> =
        sorted.entries().iter().map(|e| (e.leadership_term_id, e.entry_index, e.is_valid)).collect();
    assert_eq!(order, vec![(0, 0, false), (1, 1, true), (2, 2, true)]);
    assert!(!RecordingLog::sort_file(&storage, FileSyncLevel::Data).unwrap());
}

#[test]
fn crash_during_appends_keeps_synced_entries_and_reports_torn_one() {
    let storage = MemoryArchiveStorage::with_crash_image();
    let mut log = RecordingLog::open(&storage, options()).unwrap();
    log.append_term(0, 0, 0, 1).unwrap();
    // Fill up to offset 4032 so the next 128-byte standby record crosses the 4 KiB page at 4096.
    for i in 0..62 {
        log.append_snapshot(100 + i, 0, 0, 10 * (i + 1), 1, -1).unwrap();
    }
    let synced = log.entries().to_vec();
    let mut unsynced =
        RecordingLog::open(&storage, RecordingLogOptions { sync_level: FileSyncLevel::None, ..options() })
            .unwrap();
    unsynced.append_standby_snapshot(7, 0, 0, 5000, 1, -1, &"e".repeat(60)).unwrap();
    assert_eq!(storage.pending_write_bytes(), 128);

    let lost = storage.crash(CrashMode::LoseUnsynced);
    assert_eq!(RecordingLog::open(&lost, options()).unwrap().entries(), synced.as_slice());

    let torn = storage.crash(CrashMode::Torn { kept_write_bytes: 100 });
    match RecordingLog::open(&torn, options()) {
        Err(ClusterFileError::TornEntry { entry_index, file_offset, available_bytes, expected_bytes }) => {
            assert_eq!((entry_index, file_offset, available_bytes, expected_bytes), (63, 4032, 64, 128));
        }
        other => panic!("expected a torn entry, got {other:?}"),
    }
    let repaired =
        RecordingLog::open(&torn, RecordingLogOptions { truncate_torn_tail: true, ..options() }).unwrap();
    assert_eq!(repaired.entries(), synced.as_slice());
    assert_eq!(repaired.torn_tail().unwrap().file_offset, 4032);
    assert_eq!(torn.file_contents(RECORDING_LOG_FILE_NAME).unwrap().len(), 4032);

    let all = storage.crash(CrashMode::KeepAll);
    assert_eq!(RecordingLog::open(&all, options()).unwrap().entries().len(), 64);
}

#[test]
fn corrupt_entries_name_their_index() {
    let storage = MemoryArchiveStorage::new();
    let mut log = RecordingLog::open(&storage, options()).unwrap();
    log.append_term(0, 0, 0, 1).unwrap();
    log.append_snapshot(3, 0, 0, 10, 1, -1).unwrap();
    let mut bytes = storage.file_contents(RECORDING_LOG_FILE_NAME).unwrap();
    bytes[64 + 44..64 + 48].copy_from_slice(&0x4000_0001u32.to_le_bytes());
    let bad = MemoryArchiveStorage::new();
    {
        use archive::{ArchiveFile, ArchiveStorage};
        bad.create(RECORDING_LOG_FILE_NAME).unwrap().write_at(0, &bytes).unwrap();
    }
    match RecordingLog::open(&bad, options()) {
        Err(ClusterFileError::CorruptEntry { entry_index, file_offset, .. }) => {
            assert_eq!((entry_index, file_offset), (1, 64));
        }
        other => panic!("expected a corrupt entry, got {other:?}"),
    }
}

#[test]
fn node_state_file_round_trip() {
    let storage = MemoryArchiveStorage::with_crash_image();
    assert!(NodeStateFile::open(&storage, false, FileSyncLevel::Data).is_err());
    let mut file = NodeStateFile::open(&storage, true, FileSyncLevel::Data).unwrap();
    assert_eq!(
        file.candidate_term(),
        CandidateTerm { candidate_term_id: -1, timestamp_ms: -1, log_position: -1 }
    );
    file.update_candidate_term_id(5, 1000, 77).unwrap();
    assert_eq!(file.propose_max_candidate_term_id(3, 0, 0).unwrap(), 5);
    assert_eq!(file.propose_max_candidate_term_id(6, 2000, 78).unwrap(), 6);
    let bytes = storage.file_contents(NODE_STATE_FILE_NAME).unwrap();
    assert_eq!(bytes.len(), 1 << 20);
    assert_eq!(i32::from_le_bytes(bytes[0..4].try_into().unwrap()), 0x300);
    assert_eq!(u16::from_le_bytes(bytes[10..12].try_into().unwrap()), 301);
    assert_eq!(i32::from_le_bytes(bytes[16..20].try_into().unwrap()), 40);
    assert_eq!(i64::from_le_bytes(bytes[24..32].try_into().unwrap()), 6);
    assert_eq!(i64::from_le_bytes(bytes[32..40].try_into().unwrap()), 78);
    assert_eq!(i64::from_le_bytes(bytes[40..48].try_into().unwrap()), 2000);
    assert_eq!(u16::from_le_bytes(bytes[50..52].try_into().unwrap()), 304);
    let crashed = storage.crash(CrashMode::LoseUnsynced);
    let reopened = NodeStateFile::open(&crashed, false, FileSyncLevel::Data).unwrap();
    assert_eq!(reopened.candidate_term().candidate_term_id, 6);
}

#[test]
fn mark_file_written_and_read_by_a_tool() {
    let storage = MemoryArchiveStorage::new();
    let mut header = MarkFileHeader::new(ClusterComponentType::ConsensusModule, 1 << 20);
    header.pid = 1234;
    header.member_id = 2;
    header.aeron_directory = "/dev/shm/aeron".to_string();
    header.control_channel = "aeron:ipc".to_string();
    header.services_cluster_dir = "/tmp/cluster".to_string();
    let (mut mark, previous) =
        ClusterMarkFile::create(&storage, CLUSTER_MARK_FILE_NAME, header, 4096, 1000, 10_000).unwrap();
    assert!(previous.is_empty());
    let seen = read_cluster_mark_file(&storage, CLUSTER_MARK_FILE_NAME).unwrap();
    assert_eq!(seen.header.version, 0);
    mark.signal_ready(1001).unwrap();
    mark.record_error(1002, "boom").unwrap();
    mark.record_error(1003, "boom").unwrap();
    mark.record_error(1004, "bang").unwrap();
    mark.update_activity_timestamp(2000).unwrap();
    let seen = read_cluster_mark_file(&storage, CLUSTER_MARK_FILE_NAME).unwrap();
    assert_eq!(seen.header.version, 0x300);
    assert_eq!(seen.header.pid, 1234);
    assert_eq!(seen.header.member_id, 2);
    assert_eq!(seen.header.start_timestamp_ms, 1000);
    assert_eq!(seen.header.activity_timestamp_ms, 2000);
    assert_eq!(seen.header.aeron_directory, "/dev/shm/aeron");
    assert_eq!(seen.header.services_cluster_dir, "/tmp/cluster");
    assert_eq!(seen.errors.len(), 2);
    assert_eq!(seen.errors[0].observation_count, 2);
    assert_eq!(seen.errors[1].text, "bang");
    let bytes = storage.file_contents(CLUSTER_MARK_FILE_NAME).unwrap();
    assert_eq!(bytes.len(), 8192 + (1 << 20));
    assert_eq!(&bytes[0..8], &[128, 0, 200, 0, 110, 0, 2, 0]);
    assert_eq!(i64::from_le_bytes(bytes[32..40].try_into().unwrap()), 1234);
    assert_eq!(i32::from_le_bytes(bytes[72..76].try_into().unwrap()), 8192);

    let again = MarkFileHeader::new(ClusterComponentType::ConsensusModule, 1 << 20);
    assert!(matches!(
        ClusterMarkFile::create(&storage, CLUSTER_MARK_FILE_NAME, again.clone(), 4096, 3000, 10_000),
        Err(ClusterFileError::ActiveMarkFile { .. })
    ));
    mark.signal_terminated().unwrap();
    let (_, previous) =
        ClusterMarkFile::create(&storage, CLUSTER_MARK_FILE_NAME, again, 4096, 3000, 10_000).unwrap();
    assert_eq!(previous.len(), 2);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_recording_log_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        use archive::{ArchiveFile, ArchiveStorage};
        let storage = MemoryArchiveStorage::new();
        storage.create(RECORDING_LOG_FILE_NAME).unwrap().write_at(0, &bytes).unwrap();
        if let Ok(log) = RecordingLog::open(&storage, RecordingLogOptions::default()) {
            let _ = log.create_recovery_plan(1, -1, &extents);
            let _ = log.term_history();
        }
        let _ = RecordingLog::open(&storage, RecordingLogOptions { truncate_torn_tail: true, ..Default::default() });
    }

    #[test]
    fn random_node_state_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = cluster::node_state_file::decode_node_state(&bytes);
        let mut valid = cluster::node_state_file::new_node_state_prefix();
        valid.extend_from_slice(&bytes);
        let _ = cluster::node_state_file::decode_node_state(&valid);
    }

    #[test]
    fn random_mark_file_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..9000)) {
        let _ = decode_mark_file("m", &bytes);
        let mut prefixed = vec![128, 0, 200, 0, 110, 0, 2, 0];
        prefixed.extend_from_slice(&bytes);
        let _ = decode_mark_file("m", &prefixed);
    }
}
