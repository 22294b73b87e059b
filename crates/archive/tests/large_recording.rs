//! A 1 GiB recording (16 MiB in debug builds) written through `RecordingWriter` into 128 MiB segments
//! of the in-memory backend and read back with `RecordingReader`: the CRC-32C of everything read equals
//! that of everything recorded, and verify passes. Bounded: well under 30 s in release.

mod common;

use common::{STREAM_ID, StreamSynth, storage_with_recording};
use fulmar_archive::{
    ArchiveStorage, FileSyncLevel, MemoryArchiveStorage, RecordingReader, RecordingWriter, crc32c_extend,
    verify_recording,
};

#[test]
fn one_gibibyte_record_and_read_back() {
    let total: u64 = if cfg!(debug_assertions) { 16 << 20 } else { 1 << 30 };
    let term_length = 16 << 20;
    let segment_length = 128 << 20;
    let mut synth = StreamSynth::new(term_length, 42, 0, 0, 99);
    let (storage, mut catalog, id) =
        storage_with_recording(MemoryArchiveStorage::new(), &synth, segment_length);
    let mut writer = RecordingWriter::new(
        storage.clone(),
        id,
        synth.geometry(segment_length),
        0,
        FileSyncLevel::None,
        false,
        1 << 20,
    );
    let mut recorded_crc = 0u32;
    let stop = synth.produce(total, 1 << 20, &mut |block: &[u8], position: i64| {
        writer.write_block(block, position).unwrap();
        let is_padding = u16::from_le_bytes([block[6], block[7]]) == 0;
        recorded_crc = crc32c_extend(recorded_crc, if is_padding { &block[..32] } else { block });
    });
    writer.close().unwrap();
    assert!(stop >= total as i64);
    catalog.recording_stopped(id, stop, 1).unwrap();

    let mut reader = RecordingReader::new(
        storage.clone(),
        id,
        synth.geometry(segment_length),
        Some(STREAM_ID),
        false,
        0,
        stop,
        1 << 20,
    )
    .unwrap();
    let mut read_crc = 0u32;
    let mut read_bytes = 0u64;
    while !reader.is_done() {
        read_bytes += reader
            .poll(&mut |bytes: &[u8], _position: i64| read_crc = crc32c_extend(read_crc, bytes))
            .unwrap() as u64;
    }
    assert_eq!(read_bytes, stop as u64);
    assert_eq!(read_crc, recorded_crc, "the read-back stream is byte-identical");
    let segments = storage.list().unwrap().iter().filter(|name| name.ends_with(".rec")).count() as i64;
    assert_eq!(segments, (stop - 1) / segment_length as i64 + 1);
    let report = verify_recording(&storage, &catalog.descriptor(id).unwrap(), false).unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
}
