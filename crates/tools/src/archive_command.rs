//! `fulmar archive DIR <command>`: offline inspection and repair of an archive directory (as Aeron's
//! `ArchiveTool`): `list`, `describe ID`, `verify [ID]`, `dump ID`, `truncate ID POSITION`.
//!
//! Everything goes through the archive library over `sys::FsArchiveStorage`: the catalog is decoded by
//! `archive::Catalog`, frames are checked by `archive::check_frame`, verification is
//! `archive::verify_and_mark` and truncation `archive::segment_operations::truncate_recording`, so the tool
//! applies exactly the rules the archive does.
//!
//! Invariants:
//! - `list`, `describe` and `dump` only read; `verify` changes only entry states (VALID ↔ INVALID, as
//!   `verify_and_mark` does), `truncate` changes one stop position and the segment files behind it;
//! - the archive must NOT be running while `verify` or `truncate` run: there is no mark file yet to detect
//!   a live archive, so the tool cannot refuse on its own. `truncate` refuses a recording whose catalog
//!   stop position is NULL (active), as the library does;
//! - a missing directory or catalog is a clear error, never an empty listing (the directory is never
//!   created);
//! - `verify` exits with status 1 when any recording has a problem; every problem is printed.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use archive::segment_operations::truncate_recording;
use archive::{
    ArchiveFile, ArchiveStorage, CATALOG_FILE_NAME, Catalog, CatalogConfig, FRAME_HEADER_LENGTH,
    FileSyncLevel, NULL_VALUE, RecordingDescriptor, RecordingState, SegmentGeometry, VerifyProblem,
    check_frame, segment_file_name, verify_and_mark,
};
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use sys::{FsArchiveFile, FsArchiveStorage};

/// Arguments of `fulmar archive`.
#[derive(Debug, Args)]
pub struct ArchiveArgs {
    /// The archive directory (holding `archive.catalog` and the `.rec` segment files). The archive must
    /// not be running while `verify` or `truncate` modify it.
    pub dir: PathBuf,
    /// What to do.
    #[command(subcommand)]
    pub command: ArchiveCommand,
}

/// The `fulmar archive` commands.
#[derive(Debug, Subcommand)]
pub enum ArchiveCommand {
    /// One line per catalog entry (any state): id, state, stream, session, positions, timestamps, channel.
    List {
        /// Print a JSON array of descriptors instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Every field of one catalog entry.
    Describe {
        /// Recording id.
        id: i64,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Check every frame of every segment of one or all recordings; mark failing entries INVALID and
    /// passing INVALID entries VALID. Exits with status 1 if any problem is found.
    Verify {
        /// Recording id (default: every entry that is not DELETED).
        id: Option<i64>,
        /// Also check each DATA frame's CRC-32C record checksum (for archives recording with one).
        #[arg(long)]
        checksum: bool,
    },
    /// Print a recording's frames one by one: position, type, flags, length, term id/offset,
    /// session/stream, first payload bytes in hex.
    Dump {
        /// Recording id.
        id: i64,
        /// Position of the first frame (a frame boundary; default: the start position).
        #[arg(long)]
        from: Option<i64>,
        /// Most frames to print (default: all up to the stop position or the end of the data).
        #[arg(long)]
        limit: Option<u64>,
        /// Payload bytes shown per frame.
        #[arg(long, default_value_t = 16)]
        bytes: usize,
    },
    /// Truncate a stopped recording to POSITION (a frame boundary in [start, stop]): sets the stop
    /// position, zeroes the rest of its segment and deletes later segments.
    Truncate {
        /// Recording id.
        id: i64,
        /// New stop position.
        position: i64,
    },
}

/// Opens the archive directory and its catalog, refusing a missing directory or catalog.
fn open_archive(dir: &Path) -> anyhow::Result<(FsArchiveStorage, Catalog<FsArchiveFile>)> {
    if !dir.is_dir() {
        bail!("archive directory {} does not exist or is not a directory", dir.display());
    }
    if !dir.join(CATALOG_FILE_NAME).is_file() {
        bail!("no {CATALOG_FILE_NAME} in {}: not an archive directory", dir.display());
    }
    let storage = FsArchiveStorage::open(dir).with_context(|| format!("opening {}", dir.display()))?;
    // Changes made by the tool are made durable at once.
    let mut config = CatalogConfig { sync_level: FileSyncLevel::Data, ..CatalogConfig::default() };
    let catalog = Catalog::open(&storage, config)
        .with_context(|| format!("reading {}", dir.join(CATALOG_FILE_NAME).display()))?;
    // A catalog written with entry checksums keeps them up to date when the tool changes an entry.
    let checksummed = catalog.recording_ids().any(|id| {
        catalog.descriptor(id).is_ok_and(|d| d.checksum != 0)
            && catalog.has_valid_checksum(id).unwrap_or(false)
    });
    if checksummed {
        config.entry_checksum = true;
        let catalog = Catalog::open(&storage, config)?;
        return Ok((storage, catalog));
    }
    Ok((storage, catalog))
}

fn state_name(state: RecordingState) -> &'static str {
    match state {
        RecordingState::Invalid => "INVALID",
        RecordingState::Valid => "VALID",
        RecordingState::Deleted => "DELETED",
    }
}

fn or_null(value: i64) -> String {
    if value == NULL_VALUE { "NULL".to_string() } else { value.to_string() }
}

fn descriptor_json(d: &RecordingDescriptor) -> Value {
    let nullable = |value: i64| if value == NULL_VALUE { Value::Null } else { json!(value) };
    json!({
        "recording_id": d.recording_id, "state": state_name(d.state), "checksum": d.checksum,
        "control_session_id": d.control_session_id, "correlation_id": d.correlation_id,
        "start_timestamp_ms": d.start_timestamp_ms, "stop_timestamp_ms": nullable(d.stop_timestamp_ms),
        "start_position": d.start_position, "stop_position": nullable(d.stop_position),
        "initial_term_id": d.initial_term_id, "segment_file_length": d.segment_file_length,
        "term_buffer_length": d.term_buffer_length, "mtu_length": d.mtu_length,
        "session_id": d.session_id, "stream_id": d.stream_id,
        "stripped_channel": d.stripped_channel, "original_channel": d.original_channel,
        "source_identity": d.source_identity,
    })
}

/// Runs `fulmar archive`.
pub fn run(args: ArchiveArgs) -> anyhow::Result<()> {
    let (storage, mut catalog) = open_archive(&args.dir)?;
    match args.command {
        ArchiveCommand::List { json } => list(&catalog, json),
        ArchiveCommand::Describe { id, json } => describe(&catalog, id, json),
        ArchiveCommand::Verify { id, checksum } => verify(&storage, &mut catalog, id, checksum),
        ArchiveCommand::Dump { id, from, limit, bytes } => dump(&storage, &catalog, id, from, limit, bytes),
        ArchiveCommand::Truncate { id, position } => truncate(&storage, &mut catalog, id, position),
    }
}

fn all_descriptors(catalog: &Catalog<FsArchiveFile>) -> anyhow::Result<Vec<RecordingDescriptor>> {
    let ids: Vec<i64> = catalog.recording_ids().collect();
    ids.into_iter()
        .map(|id| catalog.descriptor(id).with_context(|| format!("decoding recording {id}")))
        .collect()
}

fn list(catalog: &Catalog<FsArchiveFile>, as_json: bool) -> anyhow::Result<()> {
    let descriptors = all_descriptors(catalog)?;
    if as_json {
        println!("{}", Value::Array(descriptors.iter().map(descriptor_json).collect()));
        return Ok(());
    }
    if descriptors.is_empty() {
        println!("no recordings (next recording id {})", catalog.next_recording_id());
    }
    for d in &descriptors {
        println!(
            "id={} state={} stream={} session={} start={} stop={} start_ts_ms={} stop_ts_ms={} channel={}",
            d.recording_id,
            state_name(d.state),
            d.stream_id,
            d.session_id,
            d.start_position,
            or_null(d.stop_position),
            d.start_timestamp_ms,
            or_null(d.stop_timestamp_ms),
            d.original_channel
        );
    }
    Ok(())
}

fn describe(catalog: &Catalog<FsArchiveFile>, id: i64, as_json: bool) -> anyhow::Result<()> {
    let d = catalog.descriptor(id).with_context(|| format!("recording {id}"))?;
    if as_json {
        println!("{}", descriptor_json(&d));
        return Ok(());
    }
    println!("recording_id:        {}", d.recording_id);
    println!("state:               {}", state_name(d.state));
    println!("checksum:            {:#010x}", d.checksum as u32);
    println!("control_session_id:  {}", d.control_session_id);
    println!("correlation_id:      {}", d.correlation_id);
    println!("start_timestamp_ms:  {}", d.start_timestamp_ms);
    println!("stop_timestamp_ms:   {}", or_null(d.stop_timestamp_ms));
    println!("start_position:      {}", d.start_position);
    println!("stop_position:       {}", or_null(d.stop_position));
    println!("initial_term_id:     {}", d.initial_term_id);
    println!("segment_file_length: {}", d.segment_file_length);
    println!("term_buffer_length:  {}", d.term_buffer_length);
    println!("mtu_length:          {}", d.mtu_length);
    println!("session_id:          {}", d.session_id);
    println!("stream_id:           {}", d.stream_id);
    println!("stripped_channel:    {}", d.stripped_channel);
    println!("original_channel:    {}", d.original_channel);
    println!("source_identity:     {}", d.source_identity);
    Ok(())
}

fn problem_text(problem: &VerifyProblem) -> String {
    match problem {
        VerifyProblem::InvalidDescriptor(reason) => format!("invalid descriptor: {reason}"),
        VerifyProblem::MissingSegment(name) => format!("missing segment file {name}"),
        VerifyProblem::BadFrame { position, problem } => {
            format!("bad frame at position {position}: {problem}")
        }
        VerifyProblem::FrameCrossesStop { position } => {
            format!("frame at position {position} runs past the stop position")
        }
        VerifyProblem::DataAfterStop { stop_position } => {
            format!("a frame starts at the stop position {stop_position}: the catalog is behind the data")
        }
    }
}

fn verify(
    storage: &FsArchiveStorage,
    catalog: &mut Catalog<FsArchiveFile>,
    id: Option<i64>,
    checksum: bool,
) -> anyhow::Result<()> {
    let ids: Vec<i64> = match id {
        Some(id) => {
            catalog.descriptor(id).with_context(|| format!("recording {id}"))?;
            vec![id]
        }
        None => catalog.recording_ids().collect(),
    };
    let mut failed = Vec::new();
    for id in ids {
        let before = catalog.descriptor(id).with_context(|| format!("recording {id}"))?;
        if before.state == RecordingState::Deleted {
            println!("recording {id}: DELETED, skipped");
            continue;
        }
        let report = verify_and_mark(storage, catalog, id, checksum)
            .with_context(|| format!("verifying recording {id}"))?;
        let after = catalog.descriptor(id)?.state;
        let marked = if after != before.state {
            format!(" (marked {} -> {})", state_name(before.state), state_name(after))
        } else {
            String::new()
        };
        if report.is_ok() {
            println!("recording {id}: OK, {} frames checked{marked}", report.frames_checked);
        } else {
            println!(
                "recording {id}: {} problem(s), {} frames checked{marked}",
                report.problems.len(),
                report.frames_checked
            );
            for problem in &report.problems {
                println!("  recording {id}: {}", problem_text(problem));
            }
            failed.push(id);
        }
    }
    if !failed.is_empty() {
        bail!("verification failed for recording(s) {failed:?}");
    }
    Ok(())
}

/// One decoded frame header (reference §1.2).
struct FrameFields {
    frame_length: i32,
    version: u8,
    flags: u8,
    frame_type: u16,
    term_offset: i32,
    session_id: i32,
    stream_id: i32,
    term_id: i32,
    reserved_value: i64,
}

impl FrameFields {
    fn decode(header: &[u8; FRAME_HEADER_LENGTH]) -> Self {
        let i32_at =
            |at: usize| i32::from_le_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]]);
        let mut reserved = [0u8; 8];
        reserved.copy_from_slice(&header[24..32]);
        Self {
            frame_length: i32_at(0),
            version: header[4],
            flags: header[5],
            frame_type: u16::from_le_bytes([header[6], header[7]]),
            term_offset: i32_at(8),
            session_id: i32_at(12),
            stream_id: i32_at(16),
            term_id: i32_at(20),
            reserved_value: i64::from_le_bytes(reserved),
        }
    }

    fn type_name(&self) -> String {
        match self.frame_type {
            0 => "PAD".to_string(),
            1 => "DATA".to_string(),
            other => format!("0x{other:04x}"),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ")
}

fn dump(
    storage: &FsArchiveStorage,
    catalog: &Catalog<FsArchiveFile>,
    id: i64,
    from: Option<i64>,
    limit: Option<u64>,
    payload_bytes: usize,
) -> anyhow::Result<()> {
    let d = catalog.descriptor(id).with_context(|| format!("recording {id}"))?;
    let geometry =
        SegmentGeometry::from_descriptor(&d).map_err(|e| anyhow::anyhow!("recording {id}: {e}"))?;
    let mut position = from.unwrap_or(d.start_position);
    if position < d.start_position || position & 31 != 0 {
        bail!("--from {position} is before the start position {} or not 32-aligned", d.start_position);
    }
    // An active recording has no stop position: dump until the data ends.
    let stop = if d.is_active() { i64::MAX } else { d.stop_position };
    println!(
        "recording {id}: start={} stop={} term_length={} segment_length={} stream={}",
        d.start_position,
        or_null(d.stop_position),
        d.term_buffer_length,
        d.segment_file_length,
        d.stream_id
    );
    println!(
        "{:>14} {:>5} {:>5} {:>7} {:>12} {:>10} {:>11} {:>10} {:>18}  payload",
        "position", "type", "flags", "length", "term_id", "term_off", "session", "stream", "reserved"
    );
    let mut open: Option<(i64, FsArchiveFile)> = None;
    let mut printed = 0u64;
    let mut buffer = vec![0u8; FRAME_HEADER_LENGTH + payload_bytes];
    while position < stop && limit.is_none_or(|limit| printed < limit) {
        let base = geometry.segment_base(position);
        if open.as_ref().is_none_or(|(open_base, _)| *open_base != base) {
            let name = segment_file_name(id, base);
            match storage.open(&name) {
                Ok(file) => open = Some((base, file)),
                Err(archive::StorageError::NotFound(_)) => {
                    if d.is_active() {
                        break;
                    }
                    bail!("segment file {name} (position {position}) is missing");
                }
                Err(error) => return Err(error.into()),
            }
        }
        let Some((_, file)) = open.as_ref() else { break };
        file.read_at_zero_filled((position - base) as u64, &mut buffer)?;
        let mut header = [0u8; FRAME_HEADER_LENGTH];
        header.copy_from_slice(&buffer[..FRAME_HEADER_LENGTH]);
        let fields = FrameFields::decode(&header);
        if d.is_active() && fields.frame_length <= 0 {
            break;
        }
        let checked = check_frame(&buffer, position, &geometry, Some(d.stream_id));
        let shown = match &checked {
            Ok(frame) if !frame.is_padding => {
                let payload_length = (frame.frame_length as usize - FRAME_HEADER_LENGTH).min(payload_bytes);
                hex(&buffer[FRAME_HEADER_LENGTH..FRAME_HEADER_LENGTH + payload_length])
            }
            _ => String::new(),
        };
        println!(
            "{:>14} {:>5} {:>5} {:>7} {:>12} {:>10} {:>11} {:>10} {:>18}  {}",
            position,
            fields.type_name(),
            format!("0x{:02x}", fields.flags),
            fields.frame_length,
            fields.term_id,
            fields.term_offset,
            fields.session_id,
            fields.stream_id,
            fields.reserved_value,
            shown
        );
        if fields.version != 0 {
            println!("{:>14} note: header version {}", "", fields.version);
        }
        printed += 1;
        match checked {
            Ok(frame) => position += frame.aligned_length as i64,
            Err(problem) => bail!("recording {id}: bad frame at position {position}: {problem}"),
        }
    }
    if position > stop {
        bail!("recording {id}: the last frame runs past the stop position {stop}");
    }
    println!("{printed} frame(s), next position {position}");
    Ok(())
}

fn truncate(
    storage: &FsArchiveStorage,
    catalog: &mut Catalog<FsArchiveFile>,
    id: i64,
    position: i64,
) -> anyhow::Result<()> {
    let before = catalog.descriptor(id).with_context(|| format!("recording {id}"))?;
    // An INVALID recording may be truncated (to cut off a corrupt tail before verifying it again).
    if before.state == RecordingState::Deleted {
        bail!("recording {id} is DELETED: refusing to truncate");
    }
    let deleted = truncate_recording(storage, catalog, id, position)
        .map_err(|error| anyhow::anyhow!("truncating recording {id} to {position}: {error}"))?;
    println!(
        "recording {id}: stop position {} -> {position}; {} segment file(s) deleted{}",
        or_null(before.stop_position),
        deleted.len(),
        if deleted.is_empty() { String::new() } else { format!(": {}", deleted.join(", ")) }
    );
    Ok(())
}
