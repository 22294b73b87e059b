//! `fulmar bench archive`: recording and replay throughput of the archive's storage path on the real file
//! system, beside a plain sequential-write baseline of the same bytes measured in the same run.
//!
//! Three timed phases, one after the other on one thread:
//! 1. baseline: `total_bytes = messages * align(size + 32, 32)` written with `std::fs::File::write_all` in
//!    blocks of the recorder's block length (1 MiB), into files of the segment length in the same
//!    directory, with the same sync policy (per block `sync_data` at level 1, `sync_all` at level 2, the
//!    directory synced after creating a file at level ≥ 1); each file is created and sized to the segment
//!    length (sparse, `set_len`) as the recorder does. An untimed pass runs first: each timed write phase
//!    then follows the removal of as many bytes of files (the page cache is much faster at recycling
//!    just-freed pages than at the first pass of a run, which would otherwise flatter whichever runs
//!    second);
//! 2. recording: an in-memory `LogBuffer` written by an `ExclusivePublicationWriter` (as a publication
//!    does), taken out with `ImageReader::block_poll` (blocks ≤ 1 MiB, as the recorder does) and written by
//!    a `RecordingWriter` over `FsArchiveStorage` into a catalogued recording. Two times are reported: the
//!    writer's own time (the sum of `write_block`/`close` calls: what the baseline is compared with) and
//!    the whole pipeline (offer + block poll + write);
//! 3. replay: a `RecordingReader` over the same files reads every frame back; each message's sequence and
//!    checksum are verified.
//!
//! Invariants: every message is `sequence:u64 | filler | checksum:u64` where the checksum covers the rest
//! of the message; a lost, reordered or corrupt message, or a byte count that differs, fails the run. The
//! default directory is a fresh temporary directory removed afterwards; a `--dir` is kept.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicI64;
use std::time::{Duration, Instant};

use agrona::AtomicBuffer;
use anyhow::{Context as _, bail, ensure};
use archive::{
    ArchiveStorage as _, Catalog, CatalogConfig, FileSyncLevel, NewRecording, RecordingReader,
    RecordingWriter, SegmentGeometry,
};
use clap::Args;
use logbuffer::{
    ExclusivePublicationWriter, ImageReader, LogBuffer, LogParams, OfferError, PositionCell as _,
    clean_buffer_to, compute_log_length,
};
use serde_json::json;
use sys::FsArchiveStorage;

use super::cli_parse::parse_size;

/// The recorder's block length (Aeron's `fileIoMaxLength` default): block poll limit and baseline block.
const BLOCK_LENGTH: usize = 1 << 20;
const SESSION_ID: i32 = 0x5eed;
const STREAM_ID: i32 = 1001;
const MTU: i32 = 1408;

/// Arguments of `fulmar bench archive`.
#[derive(Debug, Args)]
pub struct ArchiveBenchArgs {
    /// Message length in bytes (at least 16: sequence and checksum).
    #[arg(long, default_value_t = 288)]
    pub size: usize,
    /// Messages recorded and replayed.
    #[arg(long, default_value_t = 4_000_000)]
    pub messages: u64,
    /// File sync level of the recording and the baseline (0 none, 1 data per block, 2 data and metadata).
    #[arg(long, default_value_t = 0)]
    pub sync_level: i32,
    /// Segment file length (e.g. 128m).
    #[arg(long, value_parser = parse_size, default_value = "128m")]
    pub segment_length: i64,
    /// Term length of the recorded stream (e.g. 16m).
    #[arg(long, value_parser = parse_size, default_value = "16m")]
    pub term_length: i64,
    /// Archive directory to use (must not hold a catalog; kept afterwards). Default: a temporary
    /// directory, removed afterwards.
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// The directory of one run; a temporary one is removed on drop.
struct BenchDir {
    path: PathBuf,
    remove: bool,
}

impl BenchDir {
    fn new(dir: Option<&Path>) -> anyhow::Result<Self> {
        match dir {
            Some(path) => {
                std::fs::create_dir_all(path).with_context(|| format!("creating {}", path.display()))?;
                ensure!(
                    !path.join(archive::CATALOG_FILE_NAME).exists(),
                    "{} already holds an archive catalog",
                    path.display()
                );
                Ok(Self { path: path.to_path_buf(), remove: false })
            }
            None => {
                let path = std::env::temp_dir().join(format!(
                    "fulmar-bench-archive-{}-{}",
                    std::process::id(),
                    sys::entropy_seed() & 0xffff_ffff
                ));
                std::fs::create_dir(&path).with_context(|| format!("creating {}", path.display()))?;
                Ok(Self { path, remove: true })
            }
        }
    }
}

impl Drop for BenchDir {
    fn drop(&mut self) {
        if self.remove {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// A word-wise 64-bit hash of `bytes` (length a multiple of 8).
fn message_checksum(bytes: &[u8]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for word in bytes.chunks_exact(8) {
        let mut raw = [0u8; 8];
        raw.copy_from_slice(word);
        hash = (hash ^ u64::from_le_bytes(raw)).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(29);
    }
    hash
}

/// The generator and checker of benchmark messages.
struct Messages {
    size: usize,
    message: Vec<u8>,
}

impl Messages {
    fn new(size: usize) -> Self {
        let mut message = vec![0u8; size];
        for (index, byte) in message.iter_mut().enumerate() {
            *byte = (index as u8).wrapping_mul(31).wrapping_add(7);
        }
        Self { size, message }
    }

    /// The message with sequence `sequence`.
    fn make(&mut self, sequence: u64) -> &[u8] {
        self.message[..8].copy_from_slice(&sequence.to_le_bytes());
        let body = self.size - 8;
        let checksum = message_checksum(&self.message[..body - body % 8]);
        self.message[body..].copy_from_slice(&checksum.to_le_bytes());
        &self.message
    }

    /// Checks `payload` is message `expected`.
    fn check(&self, payload: &[u8], expected: u64) -> Result<(), String> {
        if payload.len() != self.size {
            return Err(format!("message {expected}: length {} != {}", payload.len(), self.size));
        }
        let mut raw = [0u8; 8];
        raw.copy_from_slice(&payload[..8]);
        let sequence = u64::from_le_bytes(raw);
        if sequence != expected {
            return Err(format!("expected message {expected}, read {sequence}"));
        }
        let body = self.size - 8;
        raw.copy_from_slice(&payload[body..]);
        if u64::from_le_bytes(raw) != message_checksum(&payload[..body - body % 8]) {
            return Err(format!("message {expected}: checksum mismatch"));
        }
        Ok(())
    }
}

/// One timed phase.
struct Phase {
    bytes: u64,
    messages: u64,
    elapsed: Duration,
}

impl Phase {
    fn megabytes_per_second(&self) -> f64 {
        self.bytes as f64 / self.elapsed.as_secs_f64() / 1e6
    }

    fn messages_per_second(&self) -> f64 {
        self.messages as f64 / self.elapsed.as_secs_f64()
    }
}

fn sync_file(file: &File, sync_level: FileSyncLevel) -> std::io::Result<()> {
    match sync_level {
        FileSyncLevel::None => Ok(()),
        FileSyncLevel::Data => file.sync_data(),
        FileSyncLevel::DataAndMetadata => file.sync_all(),
    }
}

/// Phase 1: `total_bytes` in `BLOCK_LENGTH` writes into `segment_length` files, synced as the recorder.
fn baseline(
    dir: &Path,
    total_bytes: u64,
    segment_length: u64,
    sync_level: FileSyncLevel,
    messages: u64,
) -> anyhow::Result<Phase> {
    let block = vec![0x5au8; BLOCK_LENGTH];
    let mut names = Vec::new();
    let start = Instant::now();
    let mut written = 0u64;
    let mut file: Option<File> = None;
    let mut in_segment = 0u64;
    while written < total_bytes {
        if file.is_none() {
            let path = dir.join(format!("baseline-{}.dat", names.len()));
            let created = OpenOptions::new().write(true).create_new(true).open(&path)?;
            // Sized up front (sparse) as the recorder sizes its segment files: appending past the end
            // instead costs an inode size update per write.
            created.set_len(segment_length)?;
            file = Some(created);
            names.push(path);
            if sync_level > FileSyncLevel::None {
                File::open(dir)?.sync_all()?;
            }
            in_segment = 0;
        }
        let Some(current) = file.as_mut() else { break };
        let length =
            (BLOCK_LENGTH as u64).min(total_bytes - written).min(segment_length - in_segment) as usize;
        current.write_all(&block[..length])?;
        sync_file(current, sync_level)?;
        written += length as u64;
        in_segment += length as u64;
        if in_segment == segment_length {
            file = None;
        }
    }
    drop(file);
    let elapsed = start.elapsed();
    for name in names {
        std::fs::remove_file(name)?;
    }
    Ok(Phase { bytes: written, messages, elapsed })
}

/// The result of the recording phase.
struct Recorded {
    writer: Phase,
    pipeline: Phase,
    recording_id: i64,
    geometry: SegmentGeometry,
    stop_position: i64,
}

/// Phase 2: publication writer → block poll → `RecordingWriter` over the file system.
fn record(
    storage: &FsArchiveStorage,
    args: &ArchiveBenchArgs,
    term_length: i32,
    segment_length: i32,
    sync_level: FileSyncLevel,
) -> anyhow::Result<Recorded> {
    let mut catalog = Catalog::create(storage, CatalogConfig { sync_level, ..CatalogConfig::default() })?;
    let recording_id = catalog.add_recording(&NewRecording {
        control_session_id: 1,
        correlation_id: 1,
        start_timestamp_ms: sys_epoch_ms(),
        start_position: 0,
        initial_term_id: 0,
        segment_file_length: segment_length,
        term_buffer_length: term_length,
        mtu_length: MTU,
        session_id: SESSION_ID,
        stream_id: STREAM_ID,
        stripped_channel: "aeron:ipc".to_string(),
        original_channel: format!("aeron:ipc?term-length={term_length}"),
        source_identity: "aeron:ipc".to_string(),
    })?;
    let geometry = SegmentGeometry::new(0, term_length, segment_length, 0)
        .map_err(|error| anyhow::anyhow!("geometry: {error}"))?;

    let params = LogParams::new(term_length, MTU, 0, SESSION_ID, STREAM_ID);
    let log = LogBuffer::initialize(AtomicBuffer::heap(compute_log_length(term_length, 4096)), &params)
        .map_err(|error| anyhow::anyhow!("log buffer: {error:?}"))?;
    log.metadata().set_is_connected(true);
    let mut publication = ExclusivePublicationWriter::new(log.clone());
    let image = ImageReader::new(log.clone());
    let subscriber_position = AtomicI64::new(0);
    let mut clean_position = 0i64;
    let mut writer =
        RecordingWriter::new(storage.clone(), recording_id, geometry, 0, sync_level, false, BLOCK_LENGTH);
    let mut messages = Messages::new(args.size);
    let mut writer_time = Duration::ZERO;
    let mut write_error = None;
    let start = Instant::now();
    let mut sequence = 0u64;
    while sequence < args.messages {
        let limit = subscriber_position.get() + term_length as i64 / 2;
        match publication.offer(limit, messages.make(sequence)) {
            Ok(_) => {
                sequence += 1;
                continue;
            }
            Err(OfferError::AdminAction) => continue,
            Err(OfferError::BackPressured) => {}
            Err(other) => bail!("offer of message {sequence} failed: {other:?}"),
        }
        drain(&image, &subscriber_position, &mut writer, &mut writer_time, &mut write_error);
        if let Some(error) = write_error.take() {
            return Err(error);
        }
        let target = subscriber_position.get() - term_length as i64;
        while clean_position < target {
            clean_position = clean_buffer_to(&log, clean_position, target);
        }
    }
    drain(&image, &subscriber_position, &mut writer, &mut writer_time, &mut write_error);
    if let Some(error) = write_error.take() {
        return Err(error);
    }
    let stop_position = writer.position();
    let close_start = Instant::now();
    writer.close()?;
    writer_time += close_start.elapsed();
    let pipeline_time = start.elapsed();
    catalog.recording_stopped(recording_id, stop_position, sys_epoch_ms())?;
    let bytes = stop_position as u64;
    Ok(Recorded {
        writer: Phase { bytes, messages: args.messages, elapsed: writer_time },
        pipeline: Phase { bytes, messages: args.messages, elapsed: pipeline_time },
        recording_id,
        geometry,
        stop_position,
    })
}

/// Block-polls everything available into `writer`, timing only the writes.
fn drain(
    image: &ImageReader,
    subscriber_position: &AtomicI64,
    writer: &mut RecordingWriter<FsArchiveStorage>,
    writer_time: &mut Duration,
    error: &mut Option<anyhow::Error>,
) {
    loop {
        let position = subscriber_position.get();
        let consumed = image.block_poll(
            subscriber_position,
            &mut |block: &[u8], _session_id: i32, _term_id: i32| {
                if error.is_some() {
                    return;
                }
                let start = Instant::now();
                if let Err(failure) = writer.write_block(block, position) {
                    *error = Some(anyhow::anyhow!("recording block at {position}: {failure}"));
                }
                *writer_time += start.elapsed();
            },
            BLOCK_LENGTH,
        );
        if consumed == 0 || error.is_some() {
            return;
        }
    }
}

fn sys_epoch_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or(0)
}

/// Phase 3: every frame read back through `RecordingReader`, every message checked.
fn replay(storage: &FsArchiveStorage, args: &ArchiveBenchArgs, recorded: &Recorded) -> anyhow::Result<Phase> {
    let messages = Messages::new(args.size);
    let mut reader = RecordingReader::new(
        storage.clone(),
        recorded.recording_id,
        recorded.geometry,
        Some(STREAM_ID),
        false,
        0,
        recorded.stop_position,
        BLOCK_LENGTH,
    )?;
    let mut next = 0u64;
    let mut bytes = 0u64;
    let mut problem: Option<String> = None;
    let start = Instant::now();
    while !reader.is_done() {
        bytes += reader.poll(&mut |block: &[u8], _position: i64| {
            let mut offset = 0;
            while offset + 32 <= block.len() && problem.is_none() {
                let frame_length = i32::from_le_bytes([
                    block[offset],
                    block[offset + 1],
                    block[offset + 2],
                    block[offset + 3],
                ]);
                let frame_type = u16::from_le_bytes([block[offset + 6], block[offset + 7]]);
                if frame_type == 0 {
                    break; // PAD: delivered alone, as its header.
                }
                let end = offset + frame_length.max(32) as usize;
                if end > block.len() {
                    problem = Some(format!("frame at block offset {offset} runs past its block"));
                    break;
                }
                if let Err(error) = messages.check(&block[offset + 32..end], next) {
                    problem = Some(error);
                }
                next += 1;
                offset = agrona::align(end, 32);
            }
        })? as u64;
        if let Some(problem) = problem.take() {
            bail!("replay failed: {problem}");
        }
    }
    let elapsed = start.elapsed();
    ensure!(next == args.messages, "replay read {next} messages, {} were recorded", args.messages);
    ensure!(
        bytes == recorded.stop_position as u64,
        "replay read {bytes} bytes of {}",
        recorded.stop_position
    );
    Ok(Phase { bytes, messages: next, elapsed })
}

/// The archive's raw replay throughput as `fulmar bench archive` measures it (its phase 3), for other
/// benchmarks' baselines: `messages` messages of `size` bytes (16..=1376) recorded with the default
/// settings (term 16m, segment 128m, no sync) into a temporary directory (removed), then read back
/// through `RecordingReader` with every message checked.
#[derive(Debug, Clone, Copy)]
pub struct RawReplay {
    /// Bytes replayed (frames, headers included).
    pub bytes: u64,
    /// Messages replayed.
    pub messages: u64,
    /// Replay time.
    pub elapsed: Duration,
}

/// Measures [`RawReplay`] for `messages` messages of `size` bytes.
pub fn raw_replay(size: usize, messages: u64) -> anyhow::Result<RawReplay> {
    ensure!(
        (16..=(MTU - 32) as usize).contains(&size),
        "raw replay messages must be 16..={} bytes",
        MTU - 32
    );
    ensure!(messages > 0, "raw replay needs messages");
    let args = ArchiveBenchArgs {
        size,
        messages,
        sync_level: 0,
        segment_length: 128 << 20,
        term_length: 16 << 20,
        dir: None,
        json: false,
    };
    let term_length = args.term_length as i32;
    let segment_length = SegmentGeometry::segment_length_for(args.segment_length as i32, term_length);
    let dir = BenchDir::new(None)?;
    let storage = FsArchiveStorage::open(&dir.path)?;
    let recorded = record(&storage, &args, term_length, segment_length, FileSyncLevel::None)?;
    let replayed = replay(&storage, &args, &recorded)?;
    Ok(RawReplay { bytes: replayed.bytes, messages: replayed.messages, elapsed: replayed.elapsed })
}

/// Runs `fulmar bench archive`.
pub fn run(args: ArchiveBenchArgs) -> anyhow::Result<()> {
    ensure!(args.size >= 16, "--size must be at least 16 bytes (sequence and checksum)");
    ensure!(args.size as i32 <= MTU - 32, "--size must fit one frame (at most {})", MTU - 32);
    ensure!(args.messages > 0, "--messages must be positive");
    let sync_level = FileSyncLevel::from_i32(args.sync_level)
        .ok_or_else(|| anyhow::anyhow!("--sync-level must be 0, 1 or 2"))?;
    let term_length = i32::try_from(args.term_length).context("--term-length too large")?;
    let segment_length = SegmentGeometry::segment_length_for(
        i32::try_from(args.segment_length).context("--segment-length too large")?,
        term_length,
    );
    SegmentGeometry::new(0, term_length, segment_length, 0)
        .map_err(|error| anyhow::anyhow!("invalid --term-length/--segment-length: {error}"))?;
    let frame_length = agrona::align(args.size + 32, 32) as u64;
    let total_bytes = args.messages * frame_length;

    let dir = BenchDir::new(args.dir.as_deref())?;
    let storage = FsArchiveStorage::open(&dir.path)?;
    // An untimed pass first: writing into a page cache that has just freed as many pages (the files of
    // the previous pass) is much faster than the first pass of a run, so each timed write phase follows
    // the removal of an equal amount of data.
    baseline(&dir.path, total_bytes, segment_length as u64, sync_level, args.messages)?;
    let base = baseline(&dir.path, total_bytes, segment_length as u64, sync_level, args.messages)?;
    let recorded = record(&storage, &args, term_length, segment_length, sync_level)?;
    let replayed = replay(&storage, &args, &recorded)?;
    let segments = storage.list()?.iter().filter(|name| name.ends_with(".rec")).count();
    drop(storage);

    let writer_ratio = recorded.writer.megabytes_per_second() / base.megabytes_per_second();
    let pipeline_ratio = recorded.pipeline.megabytes_per_second() / base.megabytes_per_second();
    let replay_ratio = replayed.megabytes_per_second() / recorded.pipeline.megabytes_per_second();
    let phase_json = |phase: &Phase| {
        json!({
            "bytes": phase.bytes, "messages": phase.messages, "seconds": phase.elapsed.as_secs_f64(),
            "megabytes_per_second": phase.megabytes_per_second(),
            "messages_per_second": phase.messages_per_second(),
        })
    };
    if args.json {
        println!(
            "{}",
            json!({
                "benchmark": "archive", "size": args.size, "messages": args.messages,
                "sync_level": args.sync_level, "term_length": term_length, "segment_length": segment_length,
                "block_length": BLOCK_LENGTH, "segments": segments,
                "baseline": phase_json(&base),
                "recording_writer": phase_json(&recorded.writer),
                "recording_pipeline": phase_json(&recorded.pipeline),
                "replay": phase_json(&replayed),
                "recording_writer_to_baseline": writer_ratio,
                "recording_pipeline_to_baseline": pipeline_ratio,
                "replay_to_recording_pipeline": replay_ratio,
            })
        );
    } else {
        println!(
            "archive bench: {} messages of {} bytes ({} MB of frames), sync level {}, term {}, segment {}, \
             {} KiB blocks, {segments} segment file(s) in {}",
            args.messages,
            args.size,
            total_bytes / 1_000_000,
            args.sync_level,
            term_length,
            segment_length,
            BLOCK_LENGTH / 1024,
            dir.path.display()
        );
        let line = |name: &str, phase: &Phase| {
            println!(
                "  {name:<44} {:>9.1} MB/s {:>12.0} msg/s  ({:.3} s)",
                phase.megabytes_per_second(),
                phase.messages_per_second(),
                phase.elapsed.as_secs_f64()
            );
        };
        line("baseline: std::fs sequential 1 MiB writes", &base);
        line("recording: RecordingWriter time only", &recorded.writer);
        line("recording: whole pipeline (offer+poll+write)", &recorded.pipeline);
        line("replay: RecordingReader, every message checked", &replayed);
        println!("  ratio recording (writer) / baseline:   {writer_ratio:.2}");
        println!("  ratio recording (pipeline) / baseline: {pipeline_ratio:.2}");
        println!("  ratio replay / recording (pipeline):   {replay_ratio:.2}");
    }
    Ok(())
}
