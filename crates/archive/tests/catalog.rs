//! The catalog: Aeron's byte layout pinned, round trips, reopen, growth, state changes, lookups, and
//! corrupt bytes giving errors (never panics).

use fulmar_archive::{
    ArchiveFile, ArchiveStorage, CATALOG_FILE_NAME, Catalog, CatalogConfig, CatalogError, FileSyncLevel,
    MemoryArchiveStorage, NULL_VALUE, NewRecording, RecordingState, validate_catalog_bytes,
};
use proptest::prelude::*;

fn recording(stream_id: i32, channel: &str) -> NewRecording {
    NewRecording {
        control_session_id: 11,
        correlation_id: 12,
        start_timestamp_ms: 13,
        start_position: 4096,
        initial_term_id: 14,
        segment_file_length: 1 << 20,
        term_buffer_length: 1 << 16,
        mtu_length: 1408,
        session_id: 15,
        stream_id,
        stripped_channel: channel.to_string(),
        original_channel: format!("{channel}|term-length=65536"),
        source_identity: "aeron:ipc".to_string(),
    }
}

fn i32_at(bytes: &[u8], offset: usize) -> i32 {
    i32::from_le_bytes(bytes[offset..offset + 4].try_into().unwrap())
}

fn i64_at(bytes: &[u8], offset: usize) -> i64 {
    i64::from_le_bytes(bytes[offset..offset + 8].try_into().unwrap())
}

#[test]
fn layout_matches_aeron_byte_for_byte() {
    let storage = MemoryArchiveStorage::new();
    let mut catalog = Catalog::create(&storage, CatalogConfig::default()).unwrap();
    let id = catalog.add_recording(&recording(1001, "aeron:ipc")).unwrap();
    assert_eq!(id, 0);
    let bytes = storage.file_contents(CATALOG_FILE_NAME).unwrap();
    assert_eq!(bytes.len(), 1024 * 1024, "default capacity 1 MiB");
    // CatalogHeader.
    assert_eq!(i32_at(&bytes, 0), (3 << 16) | (1 << 8), "version 3.1.0");
    assert_eq!(i32_at(&bytes, 4), 32, "header length");
    assert_eq!(i64_at(&bytes, 8), 1, "nextRecordingId");
    assert_eq!(i32_at(&bytes, 16), 64, "alignment");
    assert!(bytes[20..32].iter().all(|&b| b == 0), "reserved");
    // Entry at 32: header.
    let entry = 32;
    let strings = "aeron:ipc".len() * 2 + "|term-length=65536".len() + "aeron:ipc".len();
    let frame_length = (32 + 80 + 12 + strings).div_ceil(64) * 64;
    assert_eq!(frame_length, 192, "32 + 80 + 12 + 45 rounded up to 64");
    assert_eq!(i32_at(&bytes, entry), (frame_length - 32) as i32, "length counts the padding");
    assert_eq!(i32_at(&bytes, entry + 4), 1, "VALID");
    assert_eq!(i32_at(&bytes, entry + 8), 0, "no checksum");
    // Descriptor block at 64.
    let d = entry + 32;
    assert_eq!(i64_at(&bytes, d), 11, "controlSessionId");
    assert_eq!(i64_at(&bytes, d + 8), 12, "correlationId");
    assert_eq!(i64_at(&bytes, d + 16), 0, "recordingId");
    assert_eq!(i64_at(&bytes, d + 24), 13, "startTimestamp");
    assert_eq!(i64_at(&bytes, d + 32), -1, "stopTimestamp NULL");
    assert_eq!(i64_at(&bytes, d + 40), 4096, "startPosition");
    assert_eq!(i64_at(&bytes, d + 48), -1, "stopPosition NULL");
    assert_eq!(i32_at(&bytes, d + 56), 14, "initialTermId");
    assert_eq!(i32_at(&bytes, d + 60), 1 << 20, "segmentFileLength");
    assert_eq!(i32_at(&bytes, d + 64), 1 << 16, "termBufferLength");
    assert_eq!(i32_at(&bytes, d + 68), 1408, "mtuLength");
    assert_eq!(i32_at(&bytes, d + 72), 15, "sessionId");
    assert_eq!(i32_at(&bytes, d + 76), 1001, "streamId");
    assert_eq!(i32_at(&bytes, d + 80), 9, "strippedChannel length");
    assert_eq!(&bytes[d + 84..d + 93], b"aeron:ipc");
    assert_eq!(i32_at(&bytes, d + 93), 27, "originalChannel length");
    assert_eq!(&bytes[d + 97..d + 124], b"aeron:ipc|term-length=65536");
    assert_eq!(i32_at(&bytes, d + 124), 9, "sourceIdentity length");
    assert_eq!(&bytes[d + 128..d + 137], b"aeron:ipc");
    assert!(bytes[d + 137..entry + frame_length].iter().all(|&b| b == 0), "zero padding");
    assert_eq!(i32_at(&bytes, entry + frame_length), 0, "the list ends with a zero length");
    assert_eq!(catalog.descriptor_bytes(0).unwrap(), &bytes[d..entry + frame_length]);
}

#[test]
fn round_trip_reopen_and_updates() {
    let storage = MemoryArchiveStorage::new();
    let config =
        CatalogConfig { entry_checksum: true, sync_level: FileSyncLevel::Data, ..CatalogConfig::default() };
    let mut catalog = Catalog::create(&storage, config).unwrap();
    for index in 0..10 {
        let id = catalog
            .add_recording(&recording(1000 + index % 3, &format!("aeron:udp?endpoint=host{index}:1")))
            .unwrap();
        assert_eq!(id, index as i64, "ids in sequence");
    }
    catalog.recording_stopped(3, 8192, 99).unwrap();
    catalog.extend_recording(3, 21, 22, 23).unwrap();
    catalog.recording_stopped(4, 65536, 100).unwrap();
    catalog.change_state(5, RecordingState::Invalid).unwrap();
    catalog.change_state(6, RecordingState::Deleted).unwrap();
    catalog.set_start_position(7, 1 << 20).unwrap();
    drop(catalog);

    let catalog = Catalog::open(&storage, config).unwrap();
    assert_eq!(catalog.next_recording_id(), 10);
    assert_eq!(catalog.entry_count(), 10);
    let extended = catalog.descriptor(3).unwrap();
    assert_eq!((extended.stop_position, extended.stop_timestamp_ms), (NULL_VALUE, NULL_VALUE));
    assert_eq!((extended.control_session_id, extended.correlation_id, extended.session_id), (21, 22, 23));
    let stopped = catalog.descriptor(4).unwrap();
    assert_eq!((stopped.stop_position, stopped.stop_timestamp_ms), (65536, 100));
    assert_eq!(stopped.original_channel, "aeron:udp?endpoint=host4:1|term-length=65536");
    assert_eq!(catalog.descriptor(5).unwrap().state, RecordingState::Invalid);
    assert_eq!(catalog.descriptor(7).unwrap().start_position, 1 << 20);
    for id in 0..10 {
        assert!(catalog.has_valid_checksum(id).unwrap(), "checksum of {id} kept up to date");
    }
    assert!(matches!(catalog.descriptor(10), Err(CatalogError::UnknownRecording(10))));

    let listed: Vec<i64> = catalog.list(2, 4).iter().map(|d| d.recording_id).collect();
    assert_eq!(listed, vec![2, 3, 4, 7], "INVALID and DELETED entries are skipped");
    let for_uri: Vec<i64> =
        catalog.list_for_uri(0, 100, "endpoint=host", 1001).iter().map(|d| d.recording_id).collect();
    assert_eq!(for_uri, vec![1, 4, 7]);
    assert_eq!(catalog.find_last_matching(0, "host", 1000, 15), Some(9));
    assert_eq!(catalog.find_last_matching(0, "host", 1000, 23), Some(3));
    assert_eq!(catalog.find_last_matching(4, "host", 1000, 23), None);
}

#[test]
fn catalog_grows_past_its_capacity() {
    let storage = MemoryArchiveStorage::new();
    let config = CatalogConfig { capacity: 4096, ..CatalogConfig::default() };
    let mut catalog = Catalog::create(&storage, config).unwrap();
    for _ in 0..100 {
        catalog.add_recording(&recording(1, "aeron:udp?endpoint=localhost:9999")).unwrap();
    }
    assert!(catalog.capacity() > 4096);
    let reopened = Catalog::open(&storage, config).unwrap();
    assert_eq!(reopened.entry_count(), 100);
    assert_eq!(reopened.descriptor(99).unwrap().recording_id, 99);
}

#[test]
fn corrupt_catalogs_are_errors() {
    let storage = MemoryArchiveStorage::new();
    let mut catalog =
        Catalog::create(&storage, CatalogConfig { capacity: 4096, ..CatalogConfig::default() }).unwrap();
    catalog.add_recording(&recording(1, "aeron:ipc")).unwrap();
    catalog.add_recording(&recording(1, "aeron:ipc")).unwrap();
    drop(catalog);
    let good = storage.file_contents(CATALOG_FILE_NAME).unwrap();
    assert_eq!(validate_catalog_bytes(&good), Ok(2));

    let reopen_with = |bytes: &[u8]| {
        let storage = MemoryArchiveStorage::new();
        storage.create(CATALOG_FILE_NAME).unwrap().write_at(0, bytes).unwrap();
        Catalog::open(&storage, CatalogConfig::default()).map(|c| c.entry_count())
    };
    assert!(matches!(reopen_with(&good[..20]), Err(CatalogError::Truncated { length: 20 })));
    let mut bad_version = good.clone();
    bad_version[2] = 4;
    assert!(matches!(reopen_with(&bad_version), Err(CatalogError::IncompatibleVersion { .. })));
    let mut bad_length = good.clone();
    bad_length[32..36].copy_from_slice(&100_000i32.to_le_bytes());
    assert!(matches!(reopen_with(&bad_length), Err(CatalogError::Corrupt { offset: 32, .. })));
    let mut bad_state = good.clone();
    bad_state[36] = 9;
    assert!(matches!(reopen_with(&bad_state), Err(CatalogError::Corrupt { .. })));
    let mut bad_id = good.clone();
    bad_id[8] = 1; // nextRecordingId 1 but two entries
    assert!(matches!(reopen_with(&bad_id), Err(CatalogError::Corrupt { .. })));
    assert!(matches!(reopen_with(&good[..200]), Err(CatalogError::Corrupt { .. })), "entry cut off");
    assert_eq!(reopen_with(&good), Ok(2));
}

#[test]
fn storage_failure_poisons_the_catalog() {
    use fulmar_archive::{Fault, FaultKind, FaultyArchiveStorage};
    let storage = FaultyArchiveStorage::new(MemoryArchiveStorage::new());
    let config = CatalogConfig { sync_level: FileSyncLevel::Data, ..CatalogConfig::default() };
    let mut catalog = Catalog::create(&storage, config).unwrap();
    catalog.add_recording(&recording(1, "aeron:ipc")).unwrap();
    storage.inject(Fault::after(FaultKind::FailSync, 0));
    assert!(matches!(catalog.recording_stopped(0, 64, 1), Err(CatalogError::Storage(e)) if e.is_fatal()));
    assert!(catalog.is_poisoned());
    assert_eq!(catalog.recording_stopped(0, 64, 1), Err(CatalogError::Poisoned));
    assert_eq!(catalog.add_recording(&recording(1, "aeron:ipc")), Err(CatalogError::Poisoned));
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = validate_catalog_bytes(&bytes);
    }

    #[test]
    fn mutated_catalogs_never_panic(flips in proptest::collection::vec((0usize..1024, any::<u8>()), 1..16)) {
        let storage = MemoryArchiveStorage::new();
        let mut catalog = Catalog::create(&storage, CatalogConfig { capacity: 1024, ..CatalogConfig::default() }).unwrap();
        catalog.add_recording(&recording(1, "aeron:ipc")).unwrap();
        catalog.add_recording(&recording(2, "aeron:udp?endpoint=x:1")).unwrap();
        let mut bytes = storage.file_contents(CATALOG_FILE_NAME).unwrap();
        for (offset, value) in flips {
            bytes[offset] = value;
        }
        if validate_catalog_bytes(&bytes).is_ok() {
            let storage = MemoryArchiveStorage::new();
            storage.create(CATALOG_FILE_NAME).unwrap().write_at(0, &bytes).unwrap();
            let catalog = Catalog::open(&storage, CatalogConfig::default()).unwrap();
            let ids: Vec<i64> = catalog.recording_ids().collect();
            for id in ids {
                let _ = catalog.descriptor(id).unwrap();
            }
            let _ = catalog.list(0, 10);
        }
    }
}
