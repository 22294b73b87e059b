//! `MappedMemoryStore` and `DriverDirectory` against a real temporary directory.
#![allow(clippy::disallowed_methods)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use agrona::{MemoryError, MemoryStore};
use fulmar_sys::{
    CNC_FILE_NAME, CNC_PID_OFFSET, DriverDirectory, DriverDirectoryError, MappedMemoryStore, current_pid,
};

/// A fresh directory path under the system temp dir, deleted (with its content) on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("fulmar-sys-test-{}-{n}-{label}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        Self(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn create_then_open_shares_bytes_through_the_file() {
    let dir = TempDir::new("share");
    let store = MappedMemoryStore::create_dir(dir.path()).unwrap();
    let created = store.create("publications/17.logbuffer", 64 * 1024).unwrap();
    assert_eq!(created.capacity(), 64 * 1024);
    assert!((0..64 * 1024).step_by(512).all(|i| created.get_u8(i) == 0), "a new block is zero-filled");
    assert!(dir.path().join("publications/17.logbuffer").is_file(), "parent directories are created");

    // A second store over the same directory maps the file again: both mappings see the same bytes.
    let other = MappedMemoryStore::open_dir(dir.path()).unwrap();
    let opened = other.open("publications/17.logbuffer").unwrap();
    assert_eq!(opened.capacity(), 64 * 1024, "open maps the whole file");
    created.put_i64_ordered(128, 0x0102_0304_0506_0708);
    assert_eq!(opened.get_i64_volatile(128), 0x0102_0304_0506_0708);
    opened.put_i32(4096, -7);
    assert_eq!(created.get_i32(4096), -7);
    assert_eq!(created.get_and_add_i64(128, 1), 0x0102_0304_0506_0708);
    assert_eq!(opened.get_i64(128), 0x0102_0304_0506_0709);
}

#[test]
fn create_is_exclusive() {
    let dir = TempDir::new("exclusive");
    let store = MappedMemoryStore::create_dir(dir.path()).unwrap();
    let first = store.create("cnc.dat", 4096).unwrap();
    first.put_i64(0, 99);
    assert!(
        matches!(store.create("cnc.dat", 4096), Err(MemoryError::AlreadyExists(name)) if name == "cnc.dat")
    );
    assert_eq!(store.open("cnc.dat").unwrap().get_i64(0), 99, "a failed create leaves the file alone");
}

#[test]
fn remove_deletes_the_file_but_not_live_mappings() {
    let dir = TempDir::new("remove");
    let store = MappedMemoryStore::create_dir(dir.path()).unwrap();
    let block = store.create("images/5.logbuffer", 8192).unwrap();
    block.put_i64(0, 5);
    assert!(store.exists("images/5.logbuffer"));
    store.remove("images/5.logbuffer");
    assert!(!store.exists("images/5.logbuffer"));
    assert!(matches!(store.open("images/5.logbuffer"), Err(MemoryError::NotFound(_))));
    assert_eq!(block.get_i64(0), 5, "the mapping outlives the file");
    assert!(store.try_remove("images/5.logbuffer").is_err(), "try_remove reports a missing file");
    store.remove("images/5.logbuffer");
}

#[test]
fn bad_names_are_rejected() {
    let dir = TempDir::new("names");
    let store = MappedMemoryStore::create_dir(dir.path()).unwrap();
    for name in
        ["", "/etc/passwd", "../escape.dat", "a/../../b", "./cnc.dat", "a/./b", "a//b", "dir/", "nul\0.dat"]
    {
        assert!(matches!(store.create(name, 16), Err(MemoryError::Io { .. })), "create {name:?}");
        assert!(matches!(store.open(name), Err(MemoryError::Io { .. })), "open {name:?}");
        assert!(!store.exists(name), "exists {name:?}");
        assert!(store.try_remove(name).is_err(), "remove {name:?}");
    }
    assert!(!dir.path().parent().unwrap().join("escape.dat").exists());
    assert!(store.path_of("a/b.dat").unwrap().starts_with(dir.path()));
}

#[test]
fn open_dir_requires_an_existing_directory() {
    let dir = TempDir::new("missing");
    assert!(matches!(MappedMemoryStore::open_dir(dir.path()), Err(MemoryError::NotFound(_))));
    let store = MappedMemoryStore::create_dir(dir.path()).unwrap();
    assert_eq!(store.root(), dir.path());
    assert!(MappedMemoryStore::open_dir(dir.path()).is_ok());
    assert!(matches!(store.open("nothing.dat"), Err(MemoryError::NotFound(_))));
}

#[test]
fn preallocated_and_empty_blocks() {
    let dir = TempDir::new("prealloc");
    let store = MappedMemoryStore::create_dir(dir.path()).unwrap().with_preallocate(true);
    let block = store.create("big.dat", 1 << 20).unwrap();
    assert_eq!(block.capacity(), 1 << 20);
    block.put_u8((1 << 20) - 1, 9);
    assert_eq!(store.open("big.dat").unwrap().get_u8((1 << 20) - 1), 9);
    let empty = store.create("empty.dat", 0).unwrap();
    assert_eq!(empty.capacity(), 0);
    assert_eq!(store.open("empty.dat").unwrap().capacity(), 0);
}

fn write_cnc_pid(store: &MappedMemoryStore, pid: i64) {
    let cnc = store.create(CNC_FILE_NAME, 4096).unwrap();
    cnc.put_i64(CNC_PID_OFFSET, pid);
}

#[test]
fn a_missing_directory_is_not_in_use() {
    let dir = TempDir::new("driver-missing");
    let driver_dir = DriverDirectory::new(dir.path());
    assert!(!driver_dir.exists());
    assert!(!driver_dir.is_in_use());
    assert_eq!(driver_dir.cnc_pid(), None);
    assert!(!driver_dir.remove_if_exists().unwrap());
    assert!(driver_dir.open_store().is_err());
}

#[test]
fn a_directory_owned_by_a_live_process_is_in_use() {
    let dir = TempDir::new("driver-live");
    let driver_dir = DriverDirectory::new(dir.path());
    let store = driver_dir.create_fresh().unwrap();
    assert!(!driver_dir.is_in_use(), "a directory without cnc.dat is free");
    write_cnc_pid(&store, current_pid());
    assert_eq!(driver_dir.cnc_pid(), Some(current_pid()));
    assert!(driver_dir.is_in_use());
    match driver_dir.create_fresh() {
        Err(DriverDirectoryError::InUse { pid, .. }) => assert_eq!(pid, current_pid()),
        other => panic!("expected InUse, got {other:?}"),
    }
    assert!(store.exists(CNC_FILE_NAME), "an in-use directory is left alone");
    assert!(driver_dir.remove_if_exists().unwrap(), "remove_if_exists does not check ownership");
    assert!(!driver_dir.exists());
}

#[test]
fn a_stale_directory_is_replaced_by_an_empty_one() {
    let dir = TempDir::new("driver-stale");
    let driver_dir = DriverDirectory::new(dir.path());
    let store = driver_dir.create_fresh().unwrap();
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead_pid = i64::from(child.id());
    child.wait().unwrap();
    write_cnc_pid(&store, dead_pid);
    store.create("publications/1.logbuffer", 4096).unwrap();
    assert!(!driver_dir.is_in_use());

    let fresh = driver_dir.create_fresh().unwrap();
    assert!(driver_dir.exists());
    assert!(!fresh.exists(CNC_FILE_NAME));
    assert!(!fresh.exists("publications/1.logbuffer"));
}

#[test]
fn a_short_or_pidless_cnc_is_not_in_use() {
    let dir = TempDir::new("driver-short");
    let driver_dir = DriverDirectory::new(dir.path());
    let store = driver_dir.create_fresh().unwrap();
    store.create(CNC_FILE_NAME, CNC_PID_OFFSET + 4).unwrap();
    assert_eq!(driver_dir.cnc_pid(), None);
    assert!(!driver_dir.is_in_use());
    store.remove(CNC_FILE_NAME);
    write_cnc_pid(&store, 0);
    assert_eq!(driver_dir.cnc_pid(), Some(0));
    assert!(!driver_dir.is_in_use(), "pid 0 names no process");
}

#[test]
fn a_fresh_pidless_cnc_means_a_driver_is_starting_and_an_old_one_is_stale() {
    let dir = TempDir::new("driver-starting");
    let driver_dir = DriverDirectory::new(dir.path());
    let store = driver_dir.create_fresh().unwrap();
    store.create(CNC_FILE_NAME, 4096).unwrap();
    assert!(driver_dir.is_starting(), "a just-created cnc.dat without a pid belongs to a starting driver");
    match driver_dir.create_fresh() {
        Err(DriverDirectoryError::InUse { pid: 0, .. }) => {}
        other => panic!("expected InUse by a starting driver, got {other:?}"),
    }
    let old = std::time::SystemTime::now() - fulmar_sys::STARTUP_GRACE * 2;
    std::fs::File::options().write(true).open(driver_dir.cnc_path()).unwrap().set_modified(old).unwrap();
    assert!(!driver_dir.is_starting(), "an old pidless cnc.dat is stale");
    driver_dir.create_fresh().expect("a stale directory is replaced");
}
