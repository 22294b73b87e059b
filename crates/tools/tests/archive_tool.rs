//! `fulmar archive DIR ...` against a real archive directory built with the archive library
//! (`FsArchiveStorage` + `Catalog` + `RecordingWriter` fed by block poll over a heap log buffer): list,
//! describe, dump and verify outputs; a flipped header byte makes `verify` fail and name the recording;
//! truncating before the damage makes `verify` pass again; refusals and missing-directory errors.

#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // files and processes: a test.

mod support;
use support::TempDir;

use std::os::unix::fs::FileExt;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::AtomicI64;

use agrona::AtomicBuffer;
use archive::{
    Catalog, CatalogConfig, FileSyncLevel, NewRecording, RecordingWriter, SegmentGeometry, segment_file_name,
};
use logbuffer::{
    ExclusivePublicationWriter, ImageReader, LogBuffer, LogParams, OfferError, PositionCell, clean_buffer_to,
    compute_log_length,
};
use sys::{FsArchiveFile, FsArchiveStorage};

const TERM: i32 = 64 * 1024;
const SEGMENT: i32 = 64 * 1024;
const MTU: i32 = 1408;

/// Records `messages` messages of `length` bytes (byte `i` of message `n` is `n + i`) on `stream_id` as a
/// recorder would; stops the recording in the catalog unless `active`. Returns (id, stop position).
fn record(
    storage: &FsArchiveStorage,
    catalog: &mut Catalog<FsArchiveFile>,
    stream_id: i32,
    session_id: i32,
    messages: usize,
    length: usize,
    active: bool,
) -> (i64, i64) {
    let id = catalog
        .add_recording(&NewRecording {
            control_session_id: 3,
            correlation_id: 4,
            start_timestamp_ms: 1_700_000_000_000,
            start_position: 0,
            initial_term_id: 7,
            segment_file_length: SEGMENT,
            term_buffer_length: TERM,
            mtu_length: MTU,
            session_id,
            stream_id,
            stripped_channel: "aeron:ipc".to_string(),
            original_channel: "aeron:ipc?term-length=64k".to_string(),
            source_identity: "aeron:ipc".to_string(),
        })
        .unwrap();
    let geometry = SegmentGeometry::new(0, TERM, SEGMENT, 7).unwrap();
    let params = LogParams::new(TERM, MTU, 7, session_id, stream_id);
    let log = LogBuffer::initialize(AtomicBuffer::heap(compute_log_length(TERM, 4096)), &params).unwrap();
    log.metadata().set_is_connected(true);
    let mut publication = ExclusivePublicationWriter::new(log.clone());
    let image = ImageReader::new(log.clone());
    let position = AtomicI64::new(0);
    let mut clean_position = 0;
    let mut writer = RecordingWriter::new(storage.clone(), id, geometry, 0, FileSyncLevel::None, false, 8192);
    let drain = |writer: &mut RecordingWriter<FsArchiveStorage>, clean_position: &mut i64| {
        loop {
            let at = position.get();
            let consumed = image.block_poll(
                &position,
                &mut |block: &[u8], _: i32, _: i32| writer.write_block(block, at).unwrap(),
                8192,
            );
            if consumed == 0 {
                break;
            }
        }
        let target = position.get() - TERM as i64;
        while *clean_position < target {
            *clean_position = clean_buffer_to(&log, *clean_position, target);
        }
    };
    let mut message = vec![0u8; length];
    let mut sent = 0;
    while sent < messages {
        for (index, byte) in message.iter_mut().enumerate() {
            *byte = (sent + index) as u8;
        }
        match publication.offer(position.get() + TERM as i64 / 2, &message) {
            Ok(_) => sent += 1,
            Err(OfferError::AdminAction) => {}
            Err(OfferError::BackPressured) => drain(&mut writer, &mut clean_position),
            Err(other) => panic!("offer: {other:?}"),
        }
    }
    drain(&mut writer, &mut clean_position);
    let stop = writer.position();
    writer.close().unwrap();
    if !active {
        catalog.recording_stopped(id, stop, 1_700_000_001_000).unwrap();
    }
    (id, stop)
}

/// Three recordings: 0 spans four segments (1000-byte messages), 1 holds ten 100-byte messages on stream
/// 1002, 2 is active (no stop position).
fn build_archive(dir: &Path) -> (i64, i64, i64) {
    let storage = FsArchiveStorage::open(dir).unwrap();
    let mut catalog = Catalog::create(&storage, CatalogConfig::default()).unwrap();
    let (_, stop0) = record(&storage, &mut catalog, 1001, 11, 220, 1000, false);
    let (_, stop1) = record(&storage, &mut catalog, 1002, 12, 10, 100, false);
    let (_, stop2) = record(&storage, &mut catalog, 1003, 13, 5, 40, true);
    (stop0, stop1, stop2)
}

fn fulmar(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fulmar")).arg("archive").arg(dir).args(args).output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let output = fulmar(dir, args);
    assert!(
        output.status.success(),
        "fulmar archive {args:?} failed: {}{}",
        stdout(&output),
        String::from_utf8_lossy(&output.stderr)
    );
    stdout(&output)
}

#[test]
fn list_describe_and_dump_show_the_catalog_and_frames() {
    let dir = TempDir::new("archive-tool-list");
    let (stop0, stop1, _) = build_archive(&dir.0);
    assert!(stop0 > 3 * SEGMENT as i64, "recording 0 spans four segments");

    let list = ok(&dir.0, &["list"]);
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 3, "{list}");
    assert!(lines[0].starts_with(&format!("id=0 state=VALID stream=1001 session=11 start=0 stop={stop0} ")));
    assert!(lines[0].contains("start_ts_ms=1700000000000 stop_ts_ms=1700000001000"), "{list}");
    assert!(lines[0].ends_with("channel=aeron:ipc?term-length=64k"), "{list}");
    assert!(lines[1].contains(&format!("id=1 state=VALID stream=1002 session=12 start=0 stop={stop1} ")));
    assert!(lines[2].contains("id=2 state=VALID stream=1003") && lines[2].contains("stop=NULL"), "{list}");

    let json: serde_json::Value = serde_json::from_str(&ok(&dir.0, &["list", "--json"])).unwrap();
    let entries = json.as_array().unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0]["stop_position"], stop0);
    assert_eq!(entries[2]["stop_position"], serde_json::Value::Null);
    assert_eq!(entries[1]["term_buffer_length"], TERM);

    let describe = ok(&dir.0, &["describe", "1"]);
    for expected in [
        "recording_id:        1",
        "state:               VALID",
        "control_session_id:  3",
        "correlation_id:      4",
        &format!("stop_position:       {stop1}"),
        "initial_term_id:     7",
        "segment_file_length: 65536",
        "mtu_length:          1408",
        "session_id:          12",
        "stream_id:           1002",
        "stripped_channel:    aeron:ipc",
        "source_identity:     aeron:ipc",
    ] {
        assert!(describe.contains(expected), "missing {expected:?} in\n{describe}");
    }
    let described: serde_json::Value =
        serde_json::from_str(&ok(&dir.0, &["describe", "1", "--json"])).unwrap();
    assert_eq!(described["stream_id"], 1002);

    // Ten 100-byte messages: 160-byte frames at 0, 160, ...; message n's payload starts n, n+1, ...
    let dump = ok(&dir.0, &["dump", "1"]);
    let frames: Vec<&str> = dump.lines().filter(|line| line.contains(" DATA ")).collect();
    assert_eq!(frames.len(), 10, "{dump}");
    let third: Vec<&str> = frames[2].split_whitespace().collect();
    assert_eq!(&third[..9], ["320", "DATA", "0xc0", "132", "7", "320", "12", "1002", "0"], "{dump}");
    assert_eq!(&third[9..13], ["02", "03", "04", "05"], "payload of message 2");
    assert!(dump.contains(&format!("10 frame(s), next position {stop1}")), "{dump}");

    let limited = ok(&dir.0, &["dump", "0", "--from", "65536", "--limit", "3"]);
    let frames: Vec<&str> = limited.lines().filter(|line| line.contains(" DATA ")).collect();
    assert_eq!(frames.len(), 3, "{limited}");
    assert!(frames[0].trim_start().starts_with("65536 "), "{limited}");
    assert!(frames[0].split_whitespace().nth(4) == Some("8"), "term id 8 at the second term: {limited}");

    let active = ok(&dir.0, &["dump", "2"]);
    assert!(active.contains("5 frame(s)"), "an active recording dumps to the end of its data: {active}");
}

#[test]
fn verify_flags_a_corrupted_frame_and_truncate_repairs() {
    let dir = TempDir::new("archive-tool-verify");
    let (stop0, _, _) = build_archive(&dir.0);
    let verified = ok(&dir.0, &["verify"]);
    assert!(verified.contains("recording 0: OK"), "{verified}");
    assert!(verified.contains("recording 2: OK"), "{verified}");

    // The term offset of the third frame of the second segment (1056-byte frames).
    let segment = dir.0.join(segment_file_name(0, SEGMENT as i64));
    let file = std::fs::OpenOptions::new().read(true).write(true).open(&segment).unwrap();
    let mut byte = [0u8; 1];
    file.read_exact_at(&mut byte, 2 * 1056 + 8).unwrap();
    file.write_all_at(&[byte[0] ^ 0x40], 2 * 1056 + 8).unwrap();
    drop(file);

    let output = fulmar(&dir.0, &["verify"]);
    assert_eq!(output.status.code(), Some(1), "verify fails");
    let text = stdout(&output);
    let bad_position = SEGMENT as i64 + 2 * 1056;
    assert!(text.contains(&format!("recording 0: bad frame at position {bad_position}")), "{text}");
    assert!(text.contains("marked VALID -> INVALID"), "{text}");
    assert!(text.contains("recording 1: OK"), "{text}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("[0]"));
    assert!(ok(&dir.0, &["list"]).lines().next().unwrap().contains("state=INVALID"));
    assert_eq!(fulmar(&dir.0, &["verify", "0"]).status.code(), Some(1));
    assert!(fulmar(&dir.0, &["verify", "1"]).status.success(), "one good recording verifies alone");

    // Refusals: inside a frame, beyond the stop, an active recording.
    let inside = fulmar(&dir.0, &["truncate", "0", "64"]);
    assert!(!inside.status.success());
    assert!(String::from_utf8_lossy(&inside.stderr).contains("not at a frame header"));
    assert!(!fulmar(&dir.0, &["truncate", "0", &(stop0 + 1024).to_string()]).status.success());
    let active = fulmar(&dir.0, &["truncate", "2", "0"]);
    assert!(String::from_utf8_lossy(&active.stderr).contains("active"), "{active:?}");

    // Cut just before the damaged frame: later segments go, verify passes and restores VALID.
    let cut = SEGMENT as i64 + 1056;
    let truncated = ok(&dir.0, &["truncate", "0", &cut.to_string()]);
    assert!(truncated.contains(&format!("stop position {stop0} -> {cut}")), "{truncated}");
    assert!(truncated.contains("0-131072.rec"), "{truncated}");
    assert!(!dir.0.join(segment_file_name(0, 2 * SEGMENT as i64)).exists());
    let verified = ok(&dir.0, &["verify"]);
    assert!(verified.contains("recording 0: OK") && verified.contains("INVALID -> VALID"), "{verified}");
    let dumped = ok(&dir.0, &["dump", "0", "--from", &SEGMENT.to_string()]);
    assert!(dumped.contains(&format!("1 frame(s), next position {cut}")), "{dumped}");
}

#[test]
fn missing_directory_or_catalog_is_a_clear_error() {
    let dir = TempDir::new("archive-tool-missing");
    let absent = dir.0.join("absent");
    let output = fulmar(&absent, &["list"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("does not exist"));
    assert!(!absent.exists(), "the tool never creates the directory");
    let output = fulmar(&dir.0, &["verify"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no archive.catalog"));
    build_archive(&dir.0);
    let output = fulmar(&dir.0, &["describe", "9"]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown recording 9"), "{output:?}");
}
