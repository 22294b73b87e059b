//! The storage conformance suite: one set of checks every [`ArchiveStorage`] backend must pass (openraft's
//! `testing/log/suite.rs`). Run it from each backend's tests:
//!
//! ```
//! fulmar_archive::conformance::run_conformance_suite(fulmar_archive::MemoryArchiveStorage::new);
//! ```
//!
//! Each check gets a fresh, empty storage from the factory. A failed check panics with a message naming it
//! (this module is a test harness; library code never calls it).

use crate::{ArchiveFile, ArchiveStorage, StorageError};

/// Runs every check against storages made by `factory` (each call must return an empty directory).
///
/// # Panics
/// On the first check the backend fails.
pub fn run_conformance_suite<S: ArchiveStorage>(mut factory: impl FnMut() -> S) {
    create_open_and_exists(&factory());
    names_are_checked(&factory());
    write_read_round_trip(&factory());
    reads_past_the_end_are_short(&factory());
    set_len_extends_with_zeros_and_truncates(&factory());
    writes_past_the_end_zero_fill_the_gap(&factory());
    list_is_sorted_and_complete(&factory());
    remove_and_rename(&factory());
    syncs_succeed_and_keep_data(&factory());
    reopened_files_see_earlier_writes(&factory());
    removed_files_stay_usable_through_open_handles(&factory());
}

fn create_open_and_exists<S: ArchiveStorage>(storage: &S) {
    assert_eq!(storage.exists("a.rec"), Ok(false), "exists on an empty directory");
    assert!(matches!(storage.open("a.rec"), Err(StorageError::NotFound(_))), "open of a missing file");
    let file = storage.create("a.rec").expect("create");
    assert_eq!(file.name(), "a.rec");
    assert_eq!(file.len(), Ok(0), "a created file is empty");
    assert_eq!(storage.exists("a.rec"), Ok(true));
    assert!(matches!(storage.create("a.rec"), Err(StorageError::AlreadyExists(_))), "create twice");
    storage.open("a.rec").expect("open after create");
}

fn names_are_checked<S: ArchiveStorage>(storage: &S) {
    for bad in ["", ".", "..", "a/b", "a\\b", "nul\0"] {
        assert!(matches!(storage.create(bad), Err(StorageError::InvalidName(_))), "create {bad:?}");
        assert!(matches!(storage.open(bad), Err(StorageError::InvalidName(_))), "open {bad:?}");
    }
}

fn write_read_round_trip<S: ArchiveStorage>(storage: &S) {
    let mut file = storage.create("0-0.rec").expect("create");
    let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7 + 3) as u8).collect();
    file.write_at(0, &data).expect("write");
    file.write_at(4096, b"overwrite").expect("overwrite");
    let mut expected = data.clone();
    expected[4096..4105].copy_from_slice(b"overwrite");
    let mut buffer = vec![0u8; expected.len()];
    assert_eq!(file.read_at(0, &mut buffer), Ok(expected.len()));
    assert_eq!(buffer, expected, "read back what was written");
    let mut middle = [0u8; 9];
    assert_eq!(file.read_at(4096, &mut middle), Ok(9));
    assert_eq!(&middle, b"overwrite");
    assert_eq!(file.len(), Ok(10_000));
}

fn reads_past_the_end_are_short<S: ArchiveStorage>(storage: &S) {
    let mut file = storage.create("short").expect("create");
    file.write_at(0, &[1u8; 100]).expect("write");
    let mut buffer = [9u8; 64];
    assert_eq!(file.read_at(80, &mut buffer), Ok(20), "a read crossing the end is short");
    assert_eq!(&buffer[..20], &[1u8; 20]);
    assert_eq!(file.read_at(100, &mut buffer), Ok(0), "a read at the end returns 0");
    assert_eq!(file.read_at(1 << 20, &mut buffer), Ok(0), "a read past the end returns 0");
    let mut zero_filled = [9u8; 64];
    assert_eq!(file.read_at_zero_filled(90, &mut zero_filled), Ok(10));
    assert_eq!(&zero_filled[10..], &[0u8; 54], "read_at_zero_filled zeroes the rest");
}

fn set_len_extends_with_zeros_and_truncates<S: ArchiveStorage>(storage: &S) {
    let mut file = storage.create("sized").expect("create");
    file.set_len(64 * 1024).expect("extend");
    assert_eq!(file.len(), Ok(64 * 1024));
    let mut buffer = vec![1u8; 64 * 1024];
    assert_eq!(file.read_at(0, &mut buffer), Ok(64 * 1024));
    assert!(buffer.iter().all(|&b| b == 0), "an extended file reads as zeros");
    file.write_at(1000, &[5u8; 3000]).expect("write");
    file.set_len(2000).expect("truncate");
    assert_eq!(file.len(), Ok(2000));
    file.set_len(8192).expect("extend again");
    let mut tail = vec![1u8; 8192 - 2000];
    assert_eq!(file.read_at(2000, &mut tail), Ok(tail.len()));
    assert!(tail.iter().all(|&b| b == 0), "truncated bytes do not come back");
    let mut kept = [0u8; 1000];
    assert_eq!(file.read_at(1000, &mut kept), Ok(1000));
    assert!(kept.iter().all(|&b| b == 5), "bytes before the cut survive");
}

fn writes_past_the_end_zero_fill_the_gap<S: ArchiveStorage>(storage: &S) {
    let mut file = storage.create("gap").expect("create");
    file.write_at(10_000, b"end").expect("write past the end");
    assert_eq!(file.len(), Ok(10_003));
    let mut buffer = vec![1u8; 10_000];
    assert_eq!(file.read_at(0, &mut buffer), Ok(10_000));
    assert!(buffer.iter().all(|&b| b == 0), "the gap reads as zeros");
}

fn list_is_sorted_and_complete<S: ArchiveStorage>(storage: &S) {
    assert_eq!(storage.list(), Ok(Vec::new()));
    for name in ["2-0.rec", "10-0.rec", "archive.catalog", "1-65536.rec"] {
        storage.create(name).expect("create");
    }
    assert_eq!(
        storage.list(),
        Ok(vec![
            "1-65536.rec".to_string(),
            "10-0.rec".to_string(),
            "2-0.rec".to_string(),
            "archive.catalog".to_string()
        ])
    );
}

fn remove_and_rename<S: ArchiveStorage>(storage: &S) {
    let mut file = storage.create("old").expect("create");
    file.write_at(0, b"payload").expect("write");
    drop(file);
    storage.create("other").expect("create");
    assert!(
        matches!(storage.rename("old", "other"), Err(StorageError::AlreadyExists(_))),
        "rename onto a file"
    );
    assert!(
        matches!(storage.rename("missing", "x"), Err(StorageError::NotFound(_))),
        "rename of a missing file"
    );
    storage.rename("old", "new").expect("rename");
    assert_eq!(storage.exists("old"), Ok(false));
    let file = storage.open("new").expect("open renamed");
    let mut buffer = [0u8; 7];
    assert_eq!(file.read_at(0, &mut buffer), Ok(7));
    assert_eq!(&buffer, b"payload", "rename keeps the contents");
    storage.remove("new").expect("remove");
    assert_eq!(storage.exists("new"), Ok(false));
    assert!(matches!(storage.remove("new"), Err(StorageError::NotFound(_))), "remove twice");
    assert_eq!(storage.list(), Ok(vec!["other".to_string()]));
}

fn syncs_succeed_and_keep_data<S: ArchiveStorage>(storage: &S) {
    let mut file = storage.create("synced").expect("create");
    storage.sync_directory().expect("sync directory");
    file.set_len(4096).expect("set_len");
    file.write_at(0, b"durable").expect("write");
    file.sync_data().expect("sync_data");
    file.write_at(7, b"!").expect("write");
    file.sync_all().expect("sync_all");
    let mut buffer = [0u8; 8];
    assert_eq!(file.read_at(0, &mut buffer), Ok(8));
    assert_eq!(&buffer, b"durable!");
    assert_eq!(file.len(), Ok(4096), "syncs do not change the length");
}

fn reopened_files_see_earlier_writes<S: ArchiveStorage>(storage: &S) {
    let mut writer = storage.create("shared").expect("create");
    let reader = storage.open("shared").expect("open");
    writer.write_at(0, b"seen").expect("write");
    let mut buffer = [0u8; 4];
    assert_eq!(reader.read_at(0, &mut buffer), Ok(4), "a second handle sees the write");
    assert_eq!(&buffer, b"seen");
}

fn removed_files_stay_usable_through_open_handles<S: ArchiveStorage>(storage: &S) {
    let mut file = storage.create("doomed").expect("create");
    storage.remove("doomed").expect("remove");
    file.write_at(0, b"still here").expect("write to a removed file");
    let mut buffer = [0u8; 10];
    assert_eq!(file.read_at(0, &mut buffer), Ok(10));
    assert_eq!(storage.exists("doomed"), Ok(false));
}
