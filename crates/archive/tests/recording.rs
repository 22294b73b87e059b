//! Segment files: record (blocks from logbuffer's block poll) and read back byte-identical across many
//! segments and terms; the record checksum; verify; truncate then extend; crash images and recovery
//! (proptest); writer fault injection and poisoning; random segment bytes never panic.

mod common;

use common::{STREAM_ID, StreamSynth, frames_of, storage_with_recording};
use fulmar_archive::segment_operations::{check_extension, purge_recording, truncate_recording};
use fulmar_archive::{
    ArchiveFile, ArchiveStorage, CatalogConfig, CrashMode, Fault, FaultKind, FaultyArchiveStorage,
    FileSyncLevel, FrameProblem, MemoryArchiveStorage, ReadError, RecordingError, RecordingReader,
    RecordingState, RecordingWriter, RecoveryAction, StorageError, VerifyProblem, recover_catalog,
    scan_segment, segment_file_name, verify_and_mark, verify_recording,
};
use proptest::prelude::*;

const TERM: i32 = 64 * 1024;
const SEGMENT: i32 = 64 * 1024;

/// The stream image from `start`: what the recorder saw, PAD frames as header + zeros.
fn record_into(
    synth: &mut StreamSynth,
    writer: &mut RecordingWriter<impl ArchiveStorage>,
    bytes: u64,
    block_limit: usize,
    image: &mut Vec<u8>,
    image_start: i64,
) -> i64 {
    synth.produce(bytes, block_limit, &mut |block: &[u8], position: i64| {
        writer.write_block(block, position).expect("write");
        let at = (position - image_start) as usize;
        if image.len() < at + block.len() {
            image.resize(at + block.len(), 0);
        }
        let is_padding = u16::from_le_bytes([block[6], block[7]]) == 0;
        let stored = if is_padding { 32 } else { block.len() };
        image[at..at + stored].copy_from_slice(&block[..stored]);
    })
}

/// Reads `[from, to)` back into an image (PAD frames as header + zeros).
fn read_back<S: ArchiveStorage>(
    storage: &S,
    recording_id: i64,
    synth: &StreamSynth,
    segment_length: i32,
    checksum: bool,
    from: i64,
    to: i64,
) -> Result<Vec<u8>, ReadError> {
    let mut reader = RecordingReader::new(
        storage.clone(),
        recording_id,
        synth.geometry(segment_length),
        Some(STREAM_ID),
        checksum,
        from,
        to,
        8 * 1024,
    )?;
    let mut image = vec![0u8; (to - from) as usize];
    while !reader.is_done() {
        let mut result = Ok(());
        reader.poll(&mut |bytes: &[u8], position: i64| {
            let at = (position - from) as usize;
            if position < from || at + bytes.len() > image.len() {
                result = Err(());
                return;
            }
            image[at..at + bytes.len()].copy_from_slice(bytes);
        })?;
        assert!(result.is_ok(), "a block outside the requested range");
    }
    Ok(image)
}

#[test]
fn record_and_read_back_across_many_segments_and_terms() {
    // Starts mid-stream (term 3, offset 4096): segment bases count from the start term base.
    let mut synth = StreamSynth::new(TERM, 77, 3, 4096, 1);
    let (storage, mut catalog, id) = storage_with_recording(MemoryArchiveStorage::new(), &synth, SEGMENT);
    let start = synth.start_position;
    let mut writer = RecordingWriter::new(
        storage.clone(),
        id,
        synth.geometry(SEGMENT),
        start,
        FileSyncLevel::Data,
        false,
        1 << 16,
    );
    let mut image = Vec::new();
    let stop = record_into(&mut synth, &mut writer, 3 << 20, 16 * 1024, &mut image, start);
    assert_eq!(writer.position(), stop);
    writer.close().unwrap();
    catalog.recording_stopped(id, stop, 2_000).unwrap();

    let files = storage.list().unwrap();
    let segments = files.iter().filter(|name| name.ends_with(".rec")).count() as i64;
    assert_eq!(segments, (stop - 3 * TERM as i64 - 1) / SEGMENT as i64 + 1, "one file per 64 KiB segment");
    assert!(files.contains(&segment_file_name(id, 3 * TERM as i64)), "the first base is the start term base");
    assert_eq!(
        storage.file_contents(&segment_file_name(id, 3 * TERM as i64)).unwrap()[..4096],
        [0u8; 4096],
        "sparse gap before the start"
    );

    let read = read_back(&storage, id, &synth, SEGMENT, false, start, stop).unwrap();
    assert!(read == image[..(stop - start) as usize], "byte-identical read back");
    // Any frame boundary works as a start; a position inside a frame is refused by the header check.
    let middle = start + frames_of(&image[..4096]).last().unwrap().0 as i64;
    assert_eq!(
        read_back(&storage, id, &synth, SEGMENT, false, middle, stop).unwrap()[..],
        image[(middle - start) as usize..]
    );
    let report = verify_recording(&storage, &catalog.descriptor(id).unwrap(), false).unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    assert!(report.frames_checked > 1000);
}

#[test]
fn larger_segments_hold_several_terms_and_checksums_round_trip() {
    let mut synth = StreamSynth::new(TERM, -5, 0, 0, 2);
    let segment = 4 * TERM;
    let (storage, mut catalog, id) = storage_with_recording(MemoryArchiveStorage::new(), &synth, segment);
    let mut writer = RecordingWriter::new(
        storage.clone(),
        id,
        synth.geometry(segment),
        0,
        FileSyncLevel::None,
        true,
        TERM as usize,
    );
    let mut image = Vec::new();
    let stop = record_into(&mut synth, &mut writer, 1 << 20, TERM as usize, &mut image, 0);
    writer.close().unwrap();
    catalog.recording_stopped(id, stop, 1).unwrap();
    let read = read_back(&storage, id, &synth, segment, true, 0, stop).unwrap();
    // On disk (and so on replay) a DATA frame's session id is its checksum; everything else is identical.
    let mut differing_words = 0;
    for (offset, _, is_padding) in frames_of(&image[..stop as usize]) {
        assert_eq!(read[offset..offset + 12], image[offset..offset + 12]);
        assert_eq!(read[offset + 16..offset + 32], image[offset + 16..offset + 32]);
        if !is_padding && read[offset + 12..offset + 16] != image[offset + 12..offset + 16] {
            differing_words += 1;
        }
    }
    assert!(differing_words > 100);
    assert!(verify_recording(&storage, &catalog.descriptor(id).unwrap(), true).unwrap().is_ok());
}

#[test]
fn verify_and_read_flag_a_corrupted_byte() {
    let mut synth = StreamSynth::new(TERM, 0, 0, 0, 3);
    let (storage, mut catalog, id) = storage_with_recording(MemoryArchiveStorage::new(), &synth, SEGMENT);
    let mut writer = RecordingWriter::new(
        storage.clone(),
        id,
        synth.geometry(SEGMENT),
        0,
        FileSyncLevel::None,
        true,
        1 << 16,
    );
    let mut image = Vec::new();
    let stop = record_into(&mut synth, &mut writer, 200_000, 8192, &mut image, 0);
    writer.close().unwrap();
    catalog.recording_stopped(id, stop, 1).unwrap();
    assert!(verify_and_mark(&storage, &mut catalog, id, true).unwrap().is_ok());

    // A payload byte: only the checksum sees it.
    let frames = frames_of(&image[SEGMENT as usize..SEGMENT as usize + 8192]);
    let (frame_offset, _, _) = frames[3];
    let name = segment_file_name(id, SEGMENT as i64);
    let mut file = storage.open(&name).unwrap();
    let mut byte = [0u8; 1];
    file.read_at((frame_offset + 40) as u64, &mut byte).unwrap();
    file.write_at((frame_offset + 40) as u64, &[byte[0] ^ 0x10]).unwrap();
    let report = verify_and_mark(&storage, &mut catalog, id, true).unwrap();
    assert_eq!(
        report.problems,
        vec![VerifyProblem::BadFrame {
            position: SEGMENT as i64 + frame_offset as i64,
            problem: FrameProblem::ChecksumMismatch
        }]
    );
    assert_eq!(catalog.descriptor(id).unwrap().state, RecordingState::Invalid);
    assert!(matches!(
        read_back(&storage, id, &synth, SEGMENT, true, 0, stop),
        Err(ReadError::Frame { problem: FrameProblem::ChecksumMismatch, .. })
    ));
    file.write_at((frame_offset + 40) as u64, &byte).unwrap();
    assert!(verify_and_mark(&storage, &mut catalog, id, true).unwrap().is_ok());
    assert_eq!(
        catalog.descriptor(id).unwrap().state,
        RecordingState::Valid,
        "a passing INVALID entry is VALID again"
    );

    // A header byte (the term id): verify and the reader catch it without checksums.
    file.write_at((frame_offset + 20) as u64, &[0x55]).unwrap();
    let report = verify_recording(&storage, &catalog.descriptor(id).unwrap(), false).unwrap();
    assert!(matches!(
        report.problems[..],
        [VerifyProblem::BadFrame { problem: FrameProblem::TermIdMismatch { .. }, .. }]
    ));
    assert!(matches!(
        read_back(&storage, id, &synth, SEGMENT, false, 0, stop),
        Err(ReadError::Frame { problem: FrameProblem::TermIdMismatch { .. }, .. })
    ));
    // A missing segment.
    storage.remove(&name).unwrap();
    let report = verify_recording(&storage, &catalog.descriptor(id).unwrap(), false).unwrap();
    assert_eq!(report.problems, vec![VerifyProblem::MissingSegment(name)]);
}

#[test]
fn truncate_then_extend() {
    let mut synth = StreamSynth::new(TERM, 10, 0, 0, 4);
    let (storage, mut catalog, id) = storage_with_recording(MemoryArchiveStorage::new(), &synth, SEGMENT);
    let mut writer = RecordingWriter::new(
        storage.clone(),
        id,
        synth.geometry(SEGMENT),
        0,
        FileSyncLevel::None,
        false,
        1 << 16,
    );
    let mut image = Vec::new();
    let stop = record_into(&mut synth, &mut writer, 400_000, 16384, &mut image, 0);
    writer.close().unwrap();
    catalog.recording_stopped(id, stop, 1).unwrap();

    // Truncate inside the second segment at a frame boundary.
    let cut = SEGMENT as i64
        + frames_of(&image[SEGMENT as usize..SEGMENT as usize + 20_000]).last().unwrap().0 as i64;
    assert!(truncate_recording(&storage, &mut catalog, id, cut + 32 + 1).is_err(), "unaligned");
    assert!(truncate_recording(&storage, &mut catalog, id, stop + 32).is_err(), "past the stop");
    let deleted = truncate_recording(&storage, &mut catalog, id, cut).unwrap();
    assert_eq!(deleted.len() as i64, (stop - 1) / SEGMENT as i64 - 1);
    assert_eq!(catalog.descriptor(id).unwrap().stop_position, cut);
    let second = storage.file_contents(&segment_file_name(id, SEGMENT as i64)).unwrap();
    assert_eq!(second.len(), SEGMENT as usize, "back to full length");
    assert!(second[(cut - SEGMENT as i64) as usize..].iter().all(|&b| b == 0), "the rest is zeroed");
    assert!(verify_recording(&storage, &catalog.descriptor(id).unwrap(), false).unwrap().is_ok());

    // Extend from the cut with a new image joining there (same initial term id, term length, MTU).
    let descriptor = catalog.descriptor(id).unwrap();
    assert!(check_extension(&descriptor, cut + 32, 10, TERM, common::MTU).is_err(), "join must equal stop");
    assert!(check_extension(&descriptor, cut, 11, TERM, common::MTU).is_err(), "initial term id must match");
    check_extension(&descriptor, cut, 10, TERM, common::MTU).unwrap();
    catalog.extend_recording(id, 5, 6, 0x999).unwrap();
    let term_count = (cut / TERM as i64) as i32;
    let mut extension = StreamSynth::new(TERM, 10, term_count, (cut % TERM as i64) as i32, 5);
    let mut writer = RecordingWriter::new(
        storage.clone(),
        id,
        synth.geometry(SEGMENT),
        cut,
        FileSyncLevel::None,
        false,
        1 << 16,
    );
    image.truncate(cut as usize);
    let new_stop = record_into(&mut extension, &mut writer, 300_000, 4096, &mut image, 0);
    writer.close().unwrap();
    catalog.recording_stopped(id, new_stop, 2).unwrap();
    let read = read_back(&storage, id, &synth, SEGMENT, false, 0, new_stop).unwrap();
    assert!(read == image[..new_stop as usize]);
    assert!(verify_recording(&storage, &catalog.descriptor(id).unwrap(), false).unwrap().is_ok());

    // Truncating to the start deletes everything; purge marks DELETED.
    let all = storage.list().unwrap().len() - 1;
    assert_eq!(truncate_recording(&storage, &mut catalog, id, 0).unwrap().len(), all);
    assert_eq!(purge_recording(&storage, &mut catalog, id).unwrap().len(), 0);
    assert_eq!(catalog.descriptor(id).unwrap().state, RecordingState::Deleted);
}

#[test]
fn writer_faults_poison_it() {
    for fault in [FaultKind::FailWrite, FaultKind::ShortWrite { written_bytes: 100 }, FaultKind::FailSync] {
        let mut synth = StreamSynth::new(TERM, 0, 0, 0, 6);
        let storage = FaultyArchiveStorage::new(MemoryArchiveStorage::new());
        let mut catalog = fulmar_archive::Catalog::create(&storage, CatalogConfig::default()).unwrap();
        let id = catalog.add_recording(&synth.new_recording(SEGMENT)).unwrap();
        let mut writer = RecordingWriter::new(
            storage.clone(),
            id,
            synth.geometry(SEGMENT),
            0,
            FileSyncLevel::Data,
            false,
            1 << 16,
        );
        storage.inject(Fault::after(fault, 20).on_files_containing(".rec"));
        let mut outcomes = Vec::new();
        synth.produce(300_000, 8192, &mut |block: &[u8], position: i64| {
            outcomes.push(writer.write_block(block, position))
        });
        let first_error = outcomes.iter().position(|outcome| outcome.is_err()).expect("the fault fired");
        assert_eq!(first_error, 20, "{fault:?}");
        assert!(matches!(&outcomes[first_error], Err(RecordingError::Storage(error)) if error.is_fatal()));
        for later in &outcomes[first_error + 1..] {
            assert!(matches!(later, Err(RecordingError::Storage(StorageError::PreviousIo(_)))), "{later:?}");
        }
        assert!(writer.is_poisoned());
        assert!(matches!(writer.close(), Err(RecordingError::Storage(StorageError::PreviousIo(_)))));
    }
}

#[test]
fn writer_refuses_gaps_and_existing_next_segments() {
    let mut synth = StreamSynth::new(TERM, 0, 0, 0, 7);
    let (storage, _catalog, id) = storage_with_recording(MemoryArchiveStorage::new(), &synth, SEGMENT);
    storage.create(&segment_file_name(id, SEGMENT as i64)).unwrap();
    let mut writer = RecordingWriter::new(
        storage.clone(),
        id,
        synth.geometry(SEGMENT),
        0,
        FileSyncLevel::None,
        false,
        1 << 16,
    );
    let mut errors = Vec::new();
    synth.produce(100_000, 8192, &mut |block: &[u8], position: i64| {
        if let Err(error) = writer.write_block(block, position) {
            errors.push(error);
        }
    });
    assert!(matches!(errors.first(), Some(RecordingError::SegmentExists(_))));
    let mut writer = RecordingWriter::new(
        storage.clone(),
        id,
        synth.geometry(SEGMENT),
        0,
        FileSyncLevel::None,
        false,
        1 << 16,
    );
    assert!(matches!(
        writer.write_block(&[0u8; 64], 64),
        Err(RecordingError::NonContiguous { expected: 0, found: 64 })
    ));
    assert!(matches!(writer.write_block(&[0u8; 48], 0), Err(RecordingError::MalformedBlock { .. })));
}

/// Records with sync level 0 on a crash-image storage, crashes with a torn cut after `kept_fraction` of
/// the unsynced bytes, recovers, and checks that exactly the complete frames survive.
fn crash_and_recover(seed: u64, kept_fraction: f64, start_offset: i32) {
    let mut synth = StreamSynth::new(TERM, 3, 1, start_offset, seed);
    let storage = MemoryArchiveStorage::with_crash_image();
    let config = CatalogConfig { sync_level: FileSyncLevel::Data, ..CatalogConfig::default() };
    let mut catalog = fulmar_archive::Catalog::create(&storage, config).unwrap();
    let id = catalog.add_recording(&synth.new_recording(SEGMENT)).unwrap();
    assert_eq!(storage.pending_write_bytes(), 0, "the catalog is durable");
    let start = synth.start_position;
    let mut writer = RecordingWriter::new(
        storage.clone(),
        id,
        synth.geometry(SEGMENT),
        start,
        FileSyncLevel::None,
        false,
        1 << 16,
    );
    let mut blocks: Vec<(i64, Vec<u8>)> = Vec::new();
    synth.produce(250_000, 16384, &mut |block: &[u8], position: i64| {
        writer.write_block(block, position).unwrap();
        blocks.push((position, block.to_vec()));
    });
    let pending = storage.pending_write_bytes();
    let kept = (pending as f64 * kept_fraction) as u64;
    let crashed = storage.crash(CrashMode::Torn { kept_write_bytes: kept });

    // What must survive: whole blocks inside the budget, then the frames of the torn block that end
    // before the page cut.
    let geometry = synth.geometry(SEGMENT);
    let mut expected_stop = start;
    let mut budget = kept;
    for (position, block) in &blocks {
        let is_padding = u16::from_le_bytes([block[6], block[7]]) == 0;
        let stored = if is_padding { 32 } else { block.len() } as u64;
        if stored <= budget {
            budget -= stored;
            expected_stop = position + block.len() as i64;
            continue;
        }
        let offset = geometry.segment_offset(*position) as u64;
        let cut = (offset + budget) / 4096 * 4096;
        let kept_end = *position + cut.saturating_sub(offset) as i64;
        for (frame_offset, aligned, _) in frames_of(block) {
            if position + (frame_offset + aligned) as i64 <= kept_end {
                expected_stop = position + (frame_offset + aligned) as i64;
            }
        }
        break;
    }

    let mut recovered = fulmar_archive::Catalog::open(&crashed, config).unwrap();
    let report = recover_catalog(&crashed, &mut recovered, 5_000, false).unwrap();
    let descriptor = recovered.descriptor(id).unwrap();
    assert_eq!(descriptor.stop_position, expected_stop, "seed {seed} kept {kept}/{pending}: {report:?}");
    assert_eq!(descriptor.stop_timestamp_ms, 5_000);
    assert_eq!(descriptor.state, RecordingState::Valid);
    assert!(
        report.actions.contains(&RecoveryAction::StopPositionRecovered {
            recording_id: id,
            stop_position: expected_stop
        })
    );
    assert!(verify_recording(&crashed, &descriptor, false).unwrap().is_ok());
    let read = read_back(&crashed, id, &synth, SEGMENT, false, start, expected_stop).unwrap();
    let mut image = vec![0u8; (expected_stop - start) as usize];
    for (position, block) in &blocks {
        if *position >= expected_stop {
            break;
        }
        let at = (position - start) as usize;
        let length = (block.len()).min((expected_stop - position) as usize);
        let is_padding = u16::from_le_bytes([block[6], block[7]]) == 0;
        let stored = if is_padding { 32 } else { length };
        image[at..at + stored].copy_from_slice(&block[..stored]);
    }
    assert!(read == image, "recovered frames are the recorded ones");
    // Recovery is idempotent: nothing is active any more.
    assert!(recover_catalog(&crashed, &mut recovered, 6_000, false).unwrap().actions.is_empty());
}

#[test]
fn crash_at_the_ends() {
    crash_and_recover(11, 0.0, 0);
    crash_and_recover(12, 1.0, 0);
    crash_and_recover(13, 0.5, 8192);
}

#[test]
fn process_crash_keeps_everything() {
    let mut synth = StreamSynth::new(TERM, 0, 0, 0, 21);
    let (storage, catalog, id) =
        storage_with_recording(MemoryArchiveStorage::with_crash_image(), &synth, SEGMENT);
    drop(catalog);
    let mut writer = RecordingWriter::new(
        storage.clone(),
        id,
        synth.geometry(SEGMENT),
        0,
        FileSyncLevel::None,
        false,
        1 << 16,
    );
    let stop = synth.produce(150_000, 8192, &mut |block: &[u8], position: i64| {
        writer.write_block(block, position).unwrap()
    });
    let crashed = storage.crash(CrashMode::KeepAll);
    let mut catalog = fulmar_archive::Catalog::open(&crashed, CatalogConfig::default()).unwrap();
    recover_catalog(&crashed, &mut catalog, 1, false).unwrap();
    assert_eq!(catalog.descriptor(id).unwrap().stop_position, stop);
}

#[test]
fn torn_frame_is_erased_and_a_bad_header_invalidates() {
    let mut synth = StreamSynth::new(TERM, 0, 0, 0, 22).with_max_message_length(6000);
    let (storage, mut catalog, id) = storage_with_recording(MemoryArchiveStorage::new(), &synth, SEGMENT);
    let mut writer = RecordingWriter::new(
        storage.clone(),
        id,
        synth.geometry(SEGMENT),
        0,
        FileSyncLevel::None,
        false,
        1 << 16,
    );
    let mut image = Vec::new();
    let stop = record_into(&mut synth, &mut writer, 40_000, 65536, &mut image, 0);
    // Find the last frame of the first segment straddling a page and zero its pages after the boundary.
    let frames = frames_of(&image[..(stop as usize).min(SEGMENT as usize)]);
    let &(offset, aligned, _) = frames
        .iter()
        .rev()
        .find(|(offset, aligned, padding)| !padding && offset / 4096 != (offset + aligned - 1) / 4096)
        .expect("a straddling frame");
    let name = segment_file_name(id, 0);
    let mut file = storage.open(&name).unwrap();
    let boundary = (offset / 4096 + 1) * 4096;
    file.write_at(boundary as u64, &vec![0u8; SEGMENT as usize - boundary]).unwrap();
    for extra in storage.list().unwrap().into_iter().filter(|n| n.ends_with(".rec") && *n != name) {
        storage.remove(&extra).unwrap();
    }
    let report = recover_catalog(&storage, &mut catalog, 9, false).unwrap();
    assert!(report.actions.contains(&RecoveryAction::TornFrameErased {
        recording_id: id,
        segment_file: name.clone(),
        segment_offset: offset
    }));
    assert_eq!(catalog.descriptor(id).unwrap().stop_position, offset as i64);
    let contents = storage.file_contents(&name).unwrap();
    assert!(contents[offset..].iter().all(|&b| b == 0) && contents.len() == SEGMENT as usize);
    let _ = aligned;

    // A second recording whose last segment has a frame with a wrong term offset is INVALID.
    let mut other = StreamSynth::new(TERM, 0, 0, 0, 23);
    let other_id = catalog.add_recording(&other.new_recording(SEGMENT)).unwrap();
    let mut writer = RecordingWriter::new(
        storage.clone(),
        other_id,
        other.geometry(SEGMENT),
        0,
        FileSyncLevel::None,
        false,
        1 << 16,
    );
    let mut other_image = Vec::new();
    record_into(&mut other, &mut writer, 20_000, 8192, &mut other_image, 0);
    let (bad_offset, _, _) = frames_of(&other_image)[5];
    storage
        .open(&segment_file_name(other_id, 0))
        .unwrap()
        .write_at(bad_offset as u64 + 8, &[1, 0, 0, 0])
        .unwrap();
    let report = recover_catalog(&storage, &mut catalog, 10, false).unwrap();
    assert!(
        matches!(report.actions.last(), Some(RecoveryAction::MarkedInvalid { recording_id, .. }) if *recording_id == other_id)
    );
    let descriptor = catalog.descriptor(other_id).unwrap();
    assert_eq!((descriptor.state, descriptor.stop_position), (RecordingState::Invalid, bad_offset as i64));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_crash_points_recover_exactly_the_complete_frames(
        seed in any::<u64>(),
        kept_fraction in 0.0f64..=1.0,
        start_slot in 0i32..4,
    ) {
        crash_and_recover(seed, kept_fraction, start_slot * 4096 + 64 * (start_slot & 1));
    }

    #[test]
    fn random_segment_bytes_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..8192),
        frame_like in proptest::collection::vec((0usize..2048, -64i32..70_000, 0u16..3), 0..32),
        start in 0usize..512,
    ) {
        let mut segment = bytes;
        segment.resize(SEGMENT as usize, 0);
        // Sprinkle plausible headers so the scanners get past the first frame sometimes.
        for (slot, length, frame_type) in frame_like {
            let at = slot * 32;
            segment[at..at + 4].copy_from_slice(&length.to_le_bytes());
            segment[at + 6..at + 8].copy_from_slice(&frame_type.to_le_bytes());
            segment[at + 8..at + 12].copy_from_slice(&(at as i32).to_le_bytes());
            segment[at + 20..at + 24].copy_from_slice(&0i32.to_le_bytes());
        }
        let synth = StreamSynth::new(TERM, 0, 0, 0, 1);
        let geometry = synth.geometry(SEGMENT);
        let scan = scan_segment(&segment, start * 32, 0, &geometry, None, false);
        prop_assert!(scan.stop_offset <= segment.len());
        let _ = scan_segment(&segment, start * 32, 0, &geometry, Some(STREAM_ID), true);

        let (storage, mut catalog, id) = storage_with_recording(MemoryArchiveStorage::new(), &synth, SEGMENT);
        storage.create(&segment_file_name(id, 0)).unwrap().write_at(0, &segment).unwrap();
        let _ = verify_recording(&storage, &catalog.descriptor(id).unwrap(), true).unwrap();
        let _ = read_back(&storage, id, &synth, SEGMENT, false, 0, SEGMENT as i64);
        let _ = recover_catalog(&storage, &mut catalog, 1, true).unwrap();
        let _ = verify_recording(&storage, &catalog.descriptor(id).unwrap(), false).unwrap();
    }
}
