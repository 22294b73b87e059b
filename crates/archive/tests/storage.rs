//! The storage seam: conformance of the memory and fault-injecting backends, the poisoning rule, and the
//! crash-image model.

use fulmar_archive::conformance::run_conformance_suite;
use fulmar_archive::{
    ArchiveFile, ArchiveStorage, CrashMode, Fault, FaultKind, FaultyArchiveStorage, MemoryArchiveStorage,
    StorageError,
};

#[test]
fn memory_backend_conforms() {
    run_conformance_suite(MemoryArchiveStorage::new);
    run_conformance_suite(MemoryArchiveStorage::with_crash_image);
}

#[test]
fn faulty_backend_without_faults_conforms() {
    run_conformance_suite(|| FaultyArchiveStorage::new(MemoryArchiveStorage::new()));
}

#[test]
fn failed_write_poisons_the_handle() {
    let storage = FaultyArchiveStorage::new(MemoryArchiveStorage::new());
    let mut file = storage.create("0-0.rec").unwrap();
    storage.inject(Fault::after(FaultKind::FailWrite, 1));
    file.write_at(0, b"first").unwrap();
    let error = file.write_at(5, b"second").unwrap_err();
    assert!(matches!(error, StorageError::Io { .. }) && error.is_fatal());
    assert_eq!(storage.fired_count(), 1);
    assert_eq!(file.write_at(5, b"retry"), Err(StorageError::PreviousIo("0-0.rec".into())), "no retry");
    assert_eq!(file.sync_data(), Err(StorageError::PreviousIo("0-0.rec".into())));
    assert_eq!(file.len(), Err(StorageError::PreviousIo("0-0.rec".into())));
    let mut buffer = [0u8; 4];
    assert_eq!(file.read_at(0, &mut buffer), Err(StorageError::PreviousIo("0-0.rec".into())));
    assert_eq!(storage.inner().file_contents("0-0.rec").unwrap(), b"first", "the failed write wrote nothing");
}

#[test]
fn short_write_writes_a_prefix_then_poisons() {
    let storage = FaultyArchiveStorage::new(MemoryArchiveStorage::new());
    let mut file = storage.create("1-0.rec").unwrap();
    storage.inject(Fault::after(FaultKind::ShortWrite { written_bytes: 3 }, 0).on_files_containing(".rec"));
    assert!(file.write_at(0, b"abcdef").unwrap_err().is_fatal());
    assert_eq!(storage.inner().file_contents("1-0.rec").unwrap(), b"abc");
    assert!(matches!(file.write_at(3, b"def"), Err(StorageError::PreviousIo(_))));
}

#[test]
fn failed_sync_poisons_and_faults_can_target_names() {
    let storage = FaultyArchiveStorage::new(MemoryArchiveStorage::new());
    let mut catalog = storage.create("archive.catalog").unwrap();
    let mut segment = storage.create("0-0.rec").unwrap();
    storage.inject(Fault::after(FaultKind::FailSync, 0).on_files_containing(".rec"));
    catalog.write_at(0, b"x").unwrap();
    catalog.sync_data().unwrap();
    assert_eq!(storage.fired_count(), 0, "the catalog is not targeted");
    segment.write_at(0, b"y").unwrap();
    assert!(segment.sync_all().unwrap_err().is_fatal());
    assert!(matches!(segment.sync_all(), Err(StorageError::PreviousIo(_))), "fsync is never retried");
    assert!(matches!(segment.write_at(1, b"z"), Err(StorageError::PreviousIo(_))));
    let mut reopened = storage.open("0-0.rec").unwrap();
    reopened.write_at(0, b"w").unwrap();
    catalog.sync_all().unwrap();
}

#[test]
fn crash_image_keeps_only_synced_data_and_names() {
    let storage = MemoryArchiveStorage::with_crash_image();
    let mut synced = storage.create("synced").unwrap();
    synced.write_at(0, b"durable").unwrap();
    synced.sync_data().unwrap();
    storage.sync_directory().unwrap();
    synced.write_at(7, b" lost").unwrap();
    let mut unsynced_name = storage.create("unsynced").unwrap();
    unsynced_name.write_at(0, b"data").unwrap();
    unsynced_name.sync_data().unwrap();

    let lost = storage.crash(CrashMode::LoseUnsynced);
    assert_eq!(lost.list().unwrap(), vec!["synced".to_string()], "an unsynced name is lost");
    assert_eq!(lost.file_contents("synced").unwrap(), b"durable");

    let kept = storage.crash(CrashMode::KeepAll);
    assert_eq!(kept.file_contents("synced").unwrap(), b"durable lost");
    assert_eq!(kept.file_contents("unsynced").unwrap(), b"data");
    assert_eq!(storage.pending_write_bytes(), 5);

    // The pending log is: write " lost" (5 bytes), create "unsynced". A 2-byte budget tears the write;
    // the torn write keeps only whole pages, here none, and stops everything after it.
    let torn = storage.crash(CrashMode::Torn { kept_write_bytes: 2 });
    assert_eq!(torn.file_contents("synced").unwrap(), b"durable");
    assert_eq!(torn.list().unwrap(), vec!["synced".to_string()]);
    let all = storage.crash(CrashMode::Torn { kept_write_bytes: 5 });
    assert_eq!(all.list().unwrap().len(), 2);
    assert_eq!(all.file_contents("unsynced").unwrap(), b"data", "synced data of a later-created file");
}

#[test]
fn torn_writes_keep_whole_pages_only() {
    let storage = MemoryArchiveStorage::with_crash_image();
    let mut file = storage.create("0-0.rec").unwrap();
    file.set_len(16384).unwrap();
    storage.sync_directory().unwrap();
    file.sync_all().unwrap();
    file.write_at(1000, &[7u8; 10_000]).unwrap();
    let torn = storage.crash(CrashMode::Torn { kept_write_bytes: 5000 });
    let contents = torn.file_contents("0-0.rec").unwrap();
    assert_eq!(contents.len(), 16384);
    assert!(contents[1000..4096].iter().all(|&b| b == 7), "the first page survives");
    assert!(contents[4096..].iter().all(|&b| b == 0), "the torn page and everything after are lost");
}
