//! Kill -9 crash test of the archive storage layer over a real directory (`FsArchiveStorage`).
//!
//! The test binary re-executes itself as a child (env `FULMAR_KILL9_CHILD=<dir>`, filtered to this one
//! test) that creates a catalog and a recording at sync level 0 and records synthetic messages at full
//! speed: each message carries a sequence number, its length and a CRC-32C of its body; sizes vary, some
//! are fragmented; 64 KiB terms and segments so segments roll constantly. The child prints `KILL9 STARTED` once
//! the recording exists and `KILL9 AT <position>` every so often after `write_block` returned. The parent waits a
//! seeded random 20–200 ms, sends SIGKILL, reaps the child, then opens the catalog, runs
//! `recover_catalog` and checks:
//! - the recovered stop position is at or after every position the child reported (a SIGKILL keeps the
//!   page cache, so every write that returned survives);
//! - reading `[start, stop)` back with `RecordingReader` yields only complete, valid frames: sequence
//!   numbers contiguous from 0, lengths and checksums right, fragments in order (only the last message
//!   may be cut between fragments), and the last frame ends exactly at the stop position;
//! - nothing but zeros lies at or after the stop position in any segment file;
//! - `verify_recording` reports no problem, the entry is VALID, the stop position is persisted, and a
//!   second recovery does nothing.
//!
//! Iterations: 20 by default, `FULMAR_KILL9_ITERATIONS` for more; `FULMAR_KILL9_SEED` changes the seed.
//! Half the iterations record with the record checksum on (recovery then detects torn frames by CRC).

#![allow(clippy::disallowed_methods)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::AtomicI64;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use agrona::{AtomicBuffer, Prng};
use archive::{
    ArchiveFile, ArchiveStorage, Catalog, CatalogConfig, FileSyncLevel, NewRecording, RecordingReader,
    RecordingState, RecordingWriter, SegmentGeometry, crc32c, parse_segment_file_name, recover_catalog,
    verify_recording,
};
use fulmar_sys::FsArchiveStorage;
use logbuffer::{
    ExclusivePublicationWriter, ImageReader, LogBuffer, LogParams, OfferError, PositionCell, clean_buffer_to,
    compute_log_length, compute_position, position_bits_to_shift,
};

const CHILD_ENV: &str = "FULMAR_KILL9_CHILD";
const CHILD_SEED_ENV: &str = "FULMAR_KILL9_CHILD_SEED";
const CHILD_CHECKSUM_ENV: &str = "FULMAR_KILL9_CHILD_CHECKSUM";
const TEST_NAME: &str = "sigkill_during_recording_recovers_exactly_the_complete_frames";

const TERM_LENGTH: i32 = 64 * 1024;
const SEGMENT_LENGTH: i32 = 64 * 1024;
const MTU: i32 = 1408;
const SESSION_ID: i32 = 0x5eed;
const STREAM_ID: i32 = 1009;
const MESSAGE_HEADER_LENGTH: usize = 16;
const MAX_MESSAGE_LENGTH: usize = 4 * MTU as usize;
const BLOCK_LIMIT: usize = 16 * 1024;
const REPORT_EVERY_BYTES: i64 = 128 * 1024;
const FRAME_HEADER_LENGTH: usize = 32;
const BEGIN_FLAG: u8 = 0x80;
const END_FLAG: u8 = 0x40;

/// The recording geometry a child with `seed` uses: (initial term id, start term count, start offset).
fn stream_shape(seed: u64) -> (i32, i32, i32) {
    let initial_term_id = (seed as i32).wrapping_mul(7919);
    let term_count = (seed % 3) as i32;
    let term_offset = ((seed / 3) % 4) as i32 * 4096 + if seed & 1 == 1 { 64 } else { 0 };
    (initial_term_id, term_count, term_offset)
}

fn start_position(seed: u64) -> i64 {
    let (initial_term_id, term_count, term_offset) = stream_shape(seed);
    compute_position(
        initial_term_id.wrapping_add(term_count),
        term_offset,
        position_bits_to_shift(TERM_LENGTH),
        initial_term_id,
    )
}

fn geometry(seed: u64) -> SegmentGeometry {
    SegmentGeometry::new(start_position(seed), TERM_LENGTH, SEGMENT_LENGTH, stream_shape(seed).0).unwrap()
}

/// Fills `payload` with message `sequence`: `[sequence u64][length u32][crc32c(body) u32][body]`, every
/// body byte non-zero (so a page of a torn frame is never mistaken for a complete one by the zero check).
fn fill_message(prng: &mut Prng, sequence: u64, payload: &mut [u8]) -> usize {
    let length = match prng.gen_range(0..10) {
        0..=5 => MESSAGE_HEADER_LENGTH + prng.gen_range(0..240) as usize,
        6..=8 => MESSAGE_HEADER_LENGTH + prng.gen_range(0..1400) as usize,
        _ => {
            MESSAGE_HEADER_LENGTH
                + prng.gen_range(0..(MAX_MESSAGE_LENGTH - MESSAGE_HEADER_LENGTH) as u64) as usize
        }
    };
    let fill = prng.next_u32() as u8;
    for (index, byte) in payload[MESSAGE_HEADER_LENGTH..length].iter_mut().enumerate() {
        *byte = fill.wrapping_add(index as u8) | 1;
    }
    let checksum = crc32c(&payload[MESSAGE_HEADER_LENGTH..length]);
    payload[0..8].copy_from_slice(&sequence.to_le_bytes());
    payload[8..12].copy_from_slice(&(length as u32).to_le_bytes());
    payload[12..16].copy_from_slice(&checksum.to_le_bytes());
    length
}

/// The child: records forever (until SIGKILLed) into `directory`.
fn run_child(directory: &Path, seed: u64, record_checksum: bool) -> ! {
    let mut stdout = std::io::stdout();
    let storage = FsArchiveStorage::open(directory).unwrap();
    let mut catalog = Catalog::create(&storage, CatalogConfig::default()).unwrap();
    let (initial_term_id, term_count, term_offset) = stream_shape(seed);
    let start = start_position(seed);
    let recording_id = catalog
        .add_recording(&NewRecording {
            control_session_id: 1,
            correlation_id: 2,
            start_timestamp_ms: 3,
            start_position: start,
            initial_term_id,
            segment_file_length: SEGMENT_LENGTH,
            term_buffer_length: TERM_LENGTH,
            mtu_length: MTU,
            session_id: SESSION_ID,
            stream_id: STREAM_ID,
            stripped_channel: "aeron:ipc".to_string(),
            original_channel: "aeron:ipc?term-length=64k".to_string(),
            source_identity: "aeron:ipc".to_string(),
        })
        .unwrap();
    assert_eq!(recording_id, 0);

    let params = LogParams::new(TERM_LENGTH, MTU, initial_term_id, SESSION_ID, STREAM_ID)
        .starting_at(initial_term_id.wrapping_add(term_count), term_offset);
    let log =
        LogBuffer::initialize(AtomicBuffer::heap(compute_log_length(TERM_LENGTH, 4096)), &params).unwrap();
    log.metadata().set_is_connected(true);
    let mut publication = ExclusivePublicationWriter::new(log.clone());
    let image = ImageReader::new(log.clone());
    let subscriber_position = AtomicI64::new(start);
    let mut clean_position = start - (start & (TERM_LENGTH as i64 - 1));
    let mut writer = RecordingWriter::new(
        storage.clone(),
        recording_id,
        geometry(seed),
        start,
        FileSyncLevel::None,
        record_checksum,
        BLOCK_LIMIT,
    );
    let mut prng = Prng::from_seed(seed ^ 0x9e37_79b9_7f4a_7c15);
    let mut payload = vec![0u8; MAX_MESSAGE_LENGTH];
    let mut reported = start;
    stdout.write_all(b"\nKILL9 STARTED\n").unwrap();
    stdout.flush().unwrap();

    let mut drain = |writer: &mut RecordingWriter<FsArchiveStorage>, reported: &mut i64| loop {
        let position = subscriber_position.get();
        let consumed = image.block_poll(
            &subscriber_position,
            &mut |block: &[u8], _session_id: i32, _term_id: i32| {
                writer.write_block(block, position).expect("write_block");
            },
            BLOCK_LIMIT,
        );
        if consumed == 0 {
            let target = subscriber_position.get() - TERM_LENGTH as i64;
            while clean_position < target {
                clean_position = clean_buffer_to(&log, clean_position, target);
            }
            if writer.position() - *reported >= REPORT_EVERY_BYTES {
                *reported = writer.position();
                let line = format!("KILL9 AT {reported}\n");
                stdout.write_all(line.as_bytes()).unwrap();
                stdout.flush().unwrap();
            }
            return;
        }
    };

    let mut sequence = 0u64;
    loop {
        let length = fill_message(&mut prng, sequence, &mut payload);
        loop {
            let limit = subscriber_position.get() + TERM_LENGTH as i64 / 2;
            match publication.offer(limit, &payload[..length]) {
                Ok(_) => break,
                Err(OfferError::AdminAction) => {}
                Err(OfferError::BackPressured) => drain(&mut writer, &mut reported),
                Err(other) => panic!("offer failed: {other:?}"),
            }
        }
        sequence += 1;
        if prng.chance(0.3) {
            drain(&mut writer, &mut reported);
        }
    }
}

/// A running child, SIGKILLed and reaped on drop if still alive (every failure path).
struct ChildGuard {
    child: Child,
    reaped: bool,
}

impl ChildGuard {
    fn kill(&mut self) {
        // SAFETY: plain syscall on the pid of our own unreaped child.
        let result = unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGKILL) };
        assert_eq!(result, 0, "kill failed");
    }

    /// Waits at most `timeout` for the child to exit; its status, or None on timeout.
    fn wait_for(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                self.reaped = true;
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if !self.reaped {
            // SAFETY: as in `kill`; the result does not matter on this path.
            unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGKILL) };
            let _ = self.child.wait();
        }
    }
}

/// Removes the iteration's directory on success; keeps it (and says where) on failure.
struct DirectoryGuard(PathBuf);

impl Drop for DirectoryGuard {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("kill9: keeping {} for inspection", self.0.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// What one kill cycle saw.
struct CycleOutcome {
    stop_position: i64,
    bytes_recorded: i64,
    messages: u64,
    torn_frame_erased: bool,
}

/// Spawns a child, kills it after `delay`, returns the highest position it reported (at least the start).
fn record_and_kill(directory: &Path, seed: u64, record_checksum: bool, delay: Duration) -> i64 {
    let child = Command::new(std::env::current_exe().unwrap())
        .args([TEST_NAME, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, directory)
        .env(CHILD_SEED_ENV, seed.to_string())
        .env(CHILD_CHECKSUM_ENV, if record_checksum { "1" } else { "0" })
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut guard = ChildGuard { child, reaped: false };
    let stdout = guard.child.stdout.take().unwrap();
    let (sender, receiver) = mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let mut reported = start_position(seed);
    let mut started = false;
    let start_deadline = Instant::now() + Duration::from_secs(30);
    while !started {
        let remaining = start_deadline.saturating_duration_since(Instant::now());
        match receiver.recv_timeout(remaining) {
            Ok(line) => started = line.ends_with("KILL9 STARTED"),
            Err(error) => panic!("child never reported its start: {error:?}"),
        }
    }
    std::thread::sleep(delay);
    assert!(guard.child.try_wait().unwrap().is_none(), "the child died before the kill");
    guard.kill();
    let status = guard.wait_for(Duration::from_secs(10)).expect("child not reaped 10 s after SIGKILL");
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(libc::SIGKILL), "child status {status:?}");
    }
    // The pipe's writer is gone with the child: the reader thread ends at end-of-file.
    let drain_deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let remaining = drain_deadline.saturating_duration_since(Instant::now());
        match receiver.recv_timeout(remaining) {
            Ok(line) => {
                if let Some(position) = line.strip_prefix("KILL9 AT ") {
                    reported = reported.max(position.parse().unwrap());
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => panic!("child stdout not closed after its death"),
        }
    }
    reader.join().unwrap();
    reported
}

/// Reassembles and checks messages from the blocks of the recovered recording.
struct MessageChecker {
    record_checksum: bool,
    next_sequence: u64,
    partial: Vec<u8>,
    in_message: bool,
}

impl MessageChecker {
    fn frames(&mut self, block: &[u8], position: i64) -> i64 {
        let mut offset = 0;
        while offset < block.len() {
            let at = position + offset as i64;
            let frame_length = i32::from_le_bytes(block[offset..offset + 4].try_into().unwrap());
            let aligned = (frame_length as usize + 31) & !31;
            let frame_type = u16::from_le_bytes([block[offset + 6], block[offset + 7]]);
            if frame_type == 0 {
                assert_eq!(block.len(), FRAME_HEADER_LENGTH, "PAD frame at {at} not alone");
                return aligned as i64;
            }
            assert_eq!(frame_type, 1, "frame type at {at}");
            if !self.record_checksum {
                let session = i32::from_le_bytes(block[offset + 12..offset + 16].try_into().unwrap());
                assert_eq!(session, SESSION_ID, "session id at {at}");
            }
            let flags = block[offset + 5];
            let body = &block[offset + FRAME_HEADER_LENGTH..offset + frame_length as usize];
            if flags & BEGIN_FLAG != 0 {
                assert!(!self.in_message, "BEGIN fragment at {at} inside an unfinished message");
                self.partial.clear();
                self.in_message = true;
            } else {
                assert!(self.in_message, "continuation fragment at {at} without a BEGIN");
            }
            self.partial.extend_from_slice(body);
            if flags & END_FLAG != 0 {
                self.check_complete(at);
                self.in_message = false;
            }
            offset += aligned;
        }
        block.len() as i64
    }

    fn check_complete(&mut self, at: i64) {
        let message = &self.partial;
        assert!(message.len() >= MESSAGE_HEADER_LENGTH, "short message ending at {at}");
        let sequence = u64::from_le_bytes(message[0..8].try_into().unwrap());
        let length = u32::from_le_bytes(message[8..12].try_into().unwrap()) as usize;
        let checksum = u32::from_le_bytes(message[12..16].try_into().unwrap());
        assert_eq!(sequence, self.next_sequence, "sequence of the message ending at {at}");
        assert_eq!(length, message.len(), "length of message {sequence}");
        assert_eq!(checksum, crc32c(&message[MESSAGE_HEADER_LENGTH..]), "checksum of message {sequence}");
        self.next_sequence += 1;
    }

    /// The recording may end between the fragments of one message (cut at a frame boundary).
    fn finish(&self) {
        if self.in_message && self.partial.len() >= 12 {
            let sequence = u64::from_le_bytes(self.partial[0..8].try_into().unwrap());
            let length = u32::from_le_bytes(self.partial[8..12].try_into().unwrap()) as usize;
            assert_eq!(sequence, self.next_sequence, "sequence of the cut message");
            assert!(self.partial.len() < length, "a cut message with all its bytes");
        }
    }
}

/// Recovers the killed child's archive and checks it (see the module docs).
fn recover_and_check(directory: &Path, seed: u64, record_checksum: bool, reported: i64) -> CycleOutcome {
    let storage = FsArchiveStorage::open(directory).unwrap();
    let mut catalog = Catalog::open(&storage, CatalogConfig::default()).unwrap();
    assert_eq!(catalog.recording_ids().collect::<Vec<_>>(), vec![0]);
    assert!(catalog.descriptor(0).unwrap().is_active(), "a killed recording has no stop position");
    let report = recover_catalog(&storage, &mut catalog, 42, record_checksum).unwrap();
    let descriptor = catalog.descriptor(0).unwrap();
    assert_eq!(descriptor.state, RecordingState::Valid, "recovery report {report:?}");
    let start = start_position(seed);
    let stop = descriptor.stop_position;
    assert_eq!(descriptor.start_position, start);
    assert!(stop >= start && stop & 31 == 0, "stop position {stop}");
    assert!(stop >= reported, "stop position {stop} behind the reported (written) position {reported}");
    let torn_frame_erased =
        report.actions.iter().any(|action| matches!(action, archive::RecoveryAction::TornFrameErased { .. }));

    // Read everything back: complete valid frames only, ending exactly at the stop position.
    let mut reader = RecordingReader::new(
        storage.clone(),
        0,
        geometry(seed),
        Some(STREAM_ID),
        record_checksum,
        start,
        stop,
        64 * 1024,
    )
    .unwrap();
    let mut checker =
        MessageChecker { record_checksum, next_sequence: 0, partial: Vec::new(), in_message: false };
    let mut end = start;
    while !reader.is_done() {
        reader
            .poll(&mut |block: &[u8], position: i64| {
                assert_eq!(position, end, "blocks are contiguous");
                end = position + checker.frames(block, position);
            })
            .unwrap_or_else(|error| panic!("reading [{start}, {stop}): {error}"));
    }
    checker.finish();
    assert_eq!(end, stop, "the last frame read ends exactly at the stop position");

    // Nothing but zeros at or after the stop position.
    for name in storage.list().unwrap() {
        let Some((0, base)) = parse_segment_file_name(&name) else { continue };
        if base + SEGMENT_LENGTH as i64 <= stop {
            continue;
        }
        let file = storage.open(&name).unwrap();
        let mut image = vec![0u8; SEGMENT_LENGTH as usize];
        file.read_at_zero_filled(0, &mut image).unwrap();
        let from = (stop - base).max(0) as usize;
        if let Some(index) = image[from..].iter().position(|&byte| byte != 0) {
            panic!(
                "non-zero byte at position {} after the stop position {stop}",
                base + (from + index) as i64
            );
        }
    }

    let verify = verify_recording(&storage, &descriptor, record_checksum).unwrap();
    assert!(verify.is_ok(), "verify: {:?}", verify.problems);
    let again = recover_catalog(&storage, &mut catalog, 43, record_checksum).unwrap();
    assert!(again.actions.is_empty(), "second recovery: {again:?}");
    drop(catalog);
    let reopened = Catalog::open(&storage, CatalogConfig::default()).unwrap();
    assert_eq!(reopened.descriptor(0).unwrap().stop_position, stop, "the stop position is persisted");
    CycleOutcome {
        stop_position: stop,
        bytes_recorded: stop - start,
        messages: checker.next_sequence,
        torn_frame_erased,
    }
}

#[test]
fn sigkill_during_recording_recovers_exactly_the_complete_frames() {
    if let Some(directory) = std::env::var_os(CHILD_ENV) {
        let seed = std::env::var(CHILD_SEED_ENV).unwrap().parse().unwrap();
        let record_checksum = std::env::var(CHILD_CHECKSUM_ENV).unwrap() == "1";
        run_child(Path::new(&directory), seed, record_checksum);
    }
    let iterations: u64 =
        std::env::var("FULMAR_KILL9_ITERATIONS").ok().and_then(|value| value.parse().ok()).unwrap_or(20);
    let base_seed: u64 =
        std::env::var("FULMAR_KILL9_SEED").ok().and_then(|value| value.parse().ok()).unwrap_or(0x4b11_1009);
    let began = Instant::now();
    let mut total_bytes = 0i64;
    let mut total_messages = 0u64;
    let mut torn = 0;
    for iteration in 0..iterations {
        let seed = base_seed.wrapping_add(iteration);
        let mut prng = Prng::from_seed(seed);
        let delay = Duration::from_millis(20 + prng.gen_range(0..181));
        let record_checksum = iteration % 2 == 1;
        let directory = std::env::temp_dir().join(format!("fulmar-kill9-{}-{iteration}", std::process::id()));
        let _ = std::fs::remove_dir_all(&directory);
        let _cleanup = DirectoryGuard(directory.clone());
        let reported = record_and_kill(&directory, seed, record_checksum, delay);
        let outcome = recover_and_check(&directory, seed, record_checksum, reported);
        eprintln!(
            "kill9 iteration {iteration} seed {seed}: delay {delay:?} checksum {record_checksum} stop {} \
             ({} bytes, {} messages, reported {reported}, torn frame erased {})",
            outcome.stop_position, outcome.bytes_recorded, outcome.messages, outcome.torn_frame_erased
        );
        total_bytes += outcome.bytes_recorded;
        total_messages += outcome.messages;
        torn += outcome.torn_frame_erased as u32;
    }
    eprintln!(
        "kill9: {iterations} iterations in {:?}: {total_bytes} bytes, {total_messages} messages recovered, \
         {torn} torn frames erased",
        began.elapsed()
    );
    assert!(total_messages > 0, "the children recorded nothing");
}
