//! `FsArchiveStorage` on a real temporary directory: the storage conformance suite, sparse segment files,
//! and a recording written, crash-recovered and read back through the archive crate.

#![allow(clippy::disallowed_methods)]

use std::sync::atomic::{AtomicU32, Ordering};

use archive::conformance::run_conformance_suite;
use archive::{
    ArchiveFile, ArchiveStorage, Catalog, CatalogConfig, FileSyncLevel, NewRecording, RecordingReader,
    RecordingWriter, SegmentGeometry, recover_catalog, segment_file_name, verify_recording,
};
use fulmar_sys::FsArchiveStorage;

fn temp_directory(label: &str) -> std::path::PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("fulmar-fs-archive-{}-{n}-{label}", std::process::id()));
    let _ = std::fs::remove_dir_all(&path);
    path
}

#[test]
fn fs_backend_conforms() {
    let mut directories = Vec::new();
    run_conformance_suite(|| {
        let directory = temp_directory("conformance");
        directories.push(directory.clone());
        FsArchiveStorage::open(directory).unwrap()
    });
    for directory in directories {
        std::fs::remove_dir_all(directory).unwrap();
    }
}

#[test]
fn segment_files_are_sparse() {
    use std::os::unix::fs::MetadataExt;
    let directory = temp_directory("sparse");
    let storage = FsArchiveStorage::open(&directory).unwrap();
    let mut file = storage.create("0-0.rec").unwrap();
    file.set_len(64 << 20).unwrap();
    file.write_at(4096, &[1u8; 4096]).unwrap();
    file.sync_all().unwrap();
    storage.sync_directory().unwrap();
    let metadata = std::fs::metadata(directory.join("0-0.rec")).unwrap();
    assert_eq!(metadata.len(), 64 << 20);
    assert!(metadata.blocks() * 512 < 1 << 20, "only written pages take space");
    std::fs::remove_dir_all(directory).unwrap();
}

/// Writes DATA frames by hand (one per block) so this test needs no log buffer.
fn frame(position: i64, geometry: &SegmentGeometry, payload_length: usize) -> Vec<u8> {
    let aligned = (32 + payload_length + 31) & !31;
    let mut bytes = vec![0u8; aligned];
    bytes[0..4].copy_from_slice(&((32 + payload_length) as i32).to_le_bytes());
    bytes[5] = 0xC0;
    bytes[6..8].copy_from_slice(&1u16.to_le_bytes());
    bytes[8..12].copy_from_slice(&geometry.term_offset(position).to_le_bytes());
    bytes[12..16].copy_from_slice(&7i32.to_le_bytes());
    bytes[16..20].copy_from_slice(&1001i32.to_le_bytes());
    bytes[20..24].copy_from_slice(&geometry.term_id(position).to_le_bytes());
    for (index, byte) in bytes[32..32 + payload_length].iter_mut().enumerate() {
        *byte = (index as u8) | 1;
    }
    bytes
}

#[test]
fn record_recover_and_read_back_on_disk() {
    let directory = temp_directory("record");
    let storage = FsArchiveStorage::open(&directory).unwrap();
    let config = CatalogConfig { sync_level: FileSyncLevel::Data, ..CatalogConfig::default() };
    let mut catalog = Catalog::create(&storage, config).unwrap();
    let term_length = 64 * 1024;
    let id = catalog
        .add_recording(&NewRecording {
            start_position: 0,
            initial_term_id: 0,
            segment_file_length: term_length,
            term_buffer_length: term_length,
            mtu_length: 1408,
            stream_id: 1001,
            session_id: 7,
            stripped_channel: "aeron:ipc".into(),
            original_channel: "aeron:ipc".into(),
            source_identity: "aeron:ipc".into(),
            ..NewRecording::default()
        })
        .unwrap();
    let geometry = SegmentGeometry::new(0, term_length, term_length, 0).unwrap();
    let mut writer =
        RecordingWriter::new(storage.clone(), id, geometry, 0, FileSyncLevel::Data, false, 1 << 16);
    let mut position = 0i64;
    let mut expected = Vec::new();
    while position < 3 * term_length as i64 {
        let room = term_length as i64 - geometry.term_offset(position) as i64;
        let payload = (1000usize).min(room as usize - 32);
        let bytes = frame(position, &geometry, payload);
        writer.write_block(&bytes, position).unwrap();
        expected.extend_from_slice(&bytes);
        position += bytes.len() as i64;
    }
    drop(writer);
    drop(catalog);

    // "Crash": reopen from disk with the stop position unset and let recovery find it.
    let storage = FsArchiveStorage::open(&directory).unwrap();
    let mut catalog = Catalog::open(&storage, config).unwrap();
    recover_catalog(&storage, &mut catalog, 123, false).unwrap();
    let descriptor = catalog.descriptor(id).unwrap();
    assert_eq!(descriptor.stop_position, position);
    assert!(verify_recording(&storage, &descriptor, false).unwrap().is_ok());
    assert!(storage.exists(&segment_file_name(id, 2 * term_length as i64)).unwrap());

    let mut reader =
        RecordingReader::new(storage.clone(), id, geometry, Some(1001), false, 0, position, 8192).unwrap();
    let mut read = Vec::new();
    while !reader.is_done() {
        reader.poll(&mut |bytes: &[u8], _| read.extend_from_slice(bytes)).unwrap();
    }
    assert!(read == expected, "byte-identical from disk");
    std::fs::remove_dir_all(directory).unwrap();
}
