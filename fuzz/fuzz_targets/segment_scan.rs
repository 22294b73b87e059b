//! Fuzz the segment scanners: arbitrary bytes as the last segment of a recording must never make the
//! recovery scan, recovery itself, verify or the reader panic.
#![no_main]

use archive::{
    ArchiveFile, ArchiveStorage, Catalog, CatalogConfig, MemoryArchiveStorage, NewRecording, RecordingReader,
    SegmentGeometry, recover_catalog, scan_segment, segment_file_name, verify_recording,
};
use libfuzzer_sys::fuzz_target;

const TERM_LENGTH: i32 = 64 * 1024;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else { return };
    let start_offset = (selector as usize % 64) * 32;
    let checksum = selector & 0x80 != 0;
    let mut segment = bytes.to_vec();
    segment.resize(TERM_LENGTH as usize, 0);
    let Ok(geometry) = SegmentGeometry::new(0, TERM_LENGTH, TERM_LENGTH, 0) else { return };
    let scan = scan_segment(&segment, start_offset, 0, &geometry, Some(1), checksum);
    assert!(scan.stop_offset <= segment.len());

    let storage = MemoryArchiveStorage::new();
    let Ok(mut catalog) = Catalog::create(&storage, CatalogConfig::default()) else { return };
    let recording = NewRecording {
        start_position: start_offset as i64,
        segment_file_length: TERM_LENGTH,
        term_buffer_length: TERM_LENGTH,
        mtu_length: 1408,
        stream_id: 1,
        ..NewRecording::default()
    };
    let Ok(id) = catalog.add_recording(&recording) else { return };
    let Ok(mut file) = storage.create(&segment_file_name(id, 0)) else { return };
    if file.write_at(0, bytes).is_err() {
        return;
    }
    if let Ok(descriptor) = catalog.descriptor(id) {
        let _ = verify_recording(&storage, &descriptor, checksum);
    }
    let _ = recover_catalog(&storage, &mut catalog, 0, checksum);
    if let (Ok(descriptor), Ok(geometry)) =
        (catalog.descriptor(id), SegmentGeometry::new(start_offset as i64, TERM_LENGTH, TERM_LENGTH, 0))
    {
        let _ = verify_recording(&storage, &descriptor, checksum);
        let limit = descriptor.stop_position.max(start_offset as i64) + 4096;
        if let Ok(mut reader) = RecordingReader::new(
            storage.clone(),
            id,
            geometry,
            Some(1),
            checksum,
            start_offset as i64,
            limit,
            4096,
        ) {
            for _ in 0..64 {
                match reader.poll(&mut |_, _| {}) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        }
    }
});
