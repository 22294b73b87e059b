//! [`Catalog`]: the recording catalog `archive.catalog`, byte-compatible with Aeron 1.54 (reference §5.2).
//!
//! File layout: a 32-byte `CatalogHeader` (`version` @0 = semantic 3.1.0, `length` @4 = 32,
//! `nextRecordingId` @8, `alignment` @16 = 64, reserved to @31), then entries (see
//! [`crate::recording_descriptor`]) back to back from offset 32 (1024 and alignment 1024 for a legacy
//! catalog with `alignment` 0), then zeros up to the file's capacity. An entry whose `length` is 0 ends
//! the list.
//!
//! Invariants:
//! - recording ids are handed out in sequence from `nextRecordingId`; entries appear in increasing id
//!   order, and every id is below `nextRecordingId`;
//! - an in-memory copy of the used part of the file is kept; every change patches that copy and writes
//!   the changed bytes through the storage seam, then syncs as the [`FileSyncLevel`] asks;
//! - opening never panics: a truncated or corrupt file is a [`CatalogError`];
//! - after any storage failure the catalog is poisoned: every later change fails with
//!   [`CatalogError::Poisoned`] (the failure itself is returned once, as fatal).

use crate::recording_descriptor::{
    CONTROL_SESSION_ID_OFFSET, CORRELATION_ID_OFFSET, DESCRIPTOR_HEADER_LENGTH, HEADER_CHECKSUM_OFFSET,
    HEADER_LENGTH_OFFSET, HEADER_STATE_OFFSET, NULL_VALUE, SESSION_ID_OFFSET, START_POSITION_OFFSET,
    STOP_POSITION_OFFSET, STOP_TIMESTAMP_OFFSET,
};
use crate::{ArchiveFile, ArchiveStorage, FileSyncLevel, RecordingDescriptor, RecordingState, StorageError};
use agrona::crc32c::crc32c;

/// The catalog's file name in the archive directory.
pub const CATALOG_FILE_NAME: &str = "archive.catalog";
/// Length of the catalog header.
pub const CATALOG_HEADER_LENGTH: usize = 32;
/// Catalog header: semantic version.
pub const CATALOG_VERSION_OFFSET: usize = 0;
/// Catalog header: header block length (32).
pub const CATALOG_LENGTH_OFFSET: usize = 4;
/// Catalog header: the next recording id to hand out.
pub const CATALOG_NEXT_RECORDING_ID_OFFSET: usize = 8;
/// Catalog header: entry alignment (0 = legacy 1024).
pub const CATALOG_ALIGNMENT_OFFSET: usize = 16;
/// Major version this code reads and writes.
pub const CATALOG_MAJOR_VERSION: i32 = 3;
/// The semantic version written into new catalogs (3.1.0, Aeron 1.54's `ArchiveMarkFile` version).
pub const CATALOG_VERSION: i32 = (3 << 16) | (1 << 8);
/// Entry alignment of new catalogs (a cache line).
pub const CATALOG_ALIGNMENT: usize = 64;
/// Alignment, and first entry offset, of legacy catalogs (`alignment` field 0).
pub const LEGACY_CATALOG_ALIGNMENT: usize = 1024;
/// Default capacity of a new catalog file (`aeron.archive.catalog.capacity`).
pub const DEFAULT_CATALOG_CAPACITY: u64 = 1024 * 1024;
/// The largest catalog file.
pub const MAX_CATALOG_CAPACITY: u64 = i32::MAX as u64;

/// Why the catalog could not be opened or changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// The storage failed. Fatal when [`StorageError::is_fatal`].
    #[error("catalog storage: {0}")]
    Storage(#[from] StorageError),
    /// The file is shorter than its header.
    #[error("catalog truncated: {length} bytes")]
    Truncated {
        /// The file length.
        length: u64,
    },
    /// The header's major version is not [`CATALOG_MAJOR_VERSION`].
    #[error("catalog version {version:#x} is not major version 3")]
    IncompatibleVersion {
        /// The stored version.
        version: i32,
    },
    /// A structural problem at `offset`.
    #[error("catalog corrupt at offset {offset}: {reason}")]
    Corrupt {
        /// Byte offset in the catalog file.
        offset: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// No entry has this recording id.
    #[error("unknown recording {0}")]
    UnknownRecording(i64),
    /// The catalog cannot grow past [`MAX_CATALOG_CAPACITY`].
    #[error("catalog full")]
    Full,
    /// A previous storage failure poisoned the catalog.
    #[error("catalog poisoned by a previous I/O failure")]
    Poisoned,
}

/// How a catalog is created or opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogConfig {
    /// Capacity of a new catalog file (it grows as needed).
    pub capacity: u64,
    /// Sync after every change (`aeron.archive.catalog.file.sync.level`).
    pub sync_level: FileSyncLevel,
    /// Store a CRC-32C of each entry in its header (Aeron's record checksum `Crc32c`).
    pub entry_checksum: bool,
}

impl Default for CatalogConfig {
    fn default() -> Self {
        Self { capacity: DEFAULT_CATALOG_CAPACITY, sync_level: FileSyncLevel::None, entry_checksum: false }
    }
}

/// What a new recording starts with ([`Catalog::add_recording`]); the id is assigned by the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewRecording {
    /// Control session that started it.
    pub control_session_id: i64,
    /// Correlation id of the start request.
    pub correlation_id: i64,
    /// Start time, epoch ms.
    pub start_timestamp_ms: i64,
    /// Start position (the image's join position).
    pub start_position: i64,
    /// Initial term id of the stream.
    pub initial_term_id: i32,
    /// Segment file length: `max(configured, term_buffer_length)`.
    pub segment_file_length: i32,
    /// Term length of the stream.
    pub term_buffer_length: i32,
    /// MTU of the stream.
    pub mtu_length: i32,
    /// Session id of the image.
    pub session_id: i32,
    /// Stream id.
    pub stream_id: i32,
    /// The channel without per-session parameters.
    pub stripped_channel: String,
    /// The channel as requested.
    pub original_channel: String,
    /// Source identity of the image.
    pub source_identity: String,
}

/// The recording catalog over one open catalog file.
///
/// Drive it from one thread (the archive conductor): [`Catalog::open_or_create`] at start, then
/// [`Catalog::add_recording`] for each new recording, [`Catalog::recording_stopped`] when one stops,
/// [`Catalog::extend_recording`] when one is extended, [`Catalog::change_state`] for invalidation and
/// purge, and the lookups at any time. Any `Err` whose storage error is fatal must stop the archive.
#[derive(Debug)]
pub struct Catalog<F: ArchiveFile> {
    file: F,
    bytes: Vec<u8>,
    capacity: u64,
    alignment: usize,
    first_entry_offset: usize,
    entries: Vec<(i64, usize)>,
    next_recording_id: i64,
    config: CatalogConfig,
    poisoned: bool,
}

fn get_i32(bytes: &[u8], offset: usize) -> i32 {
    i32::from_le_bytes([bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3]])
}

fn get_i64(bytes: &[u8], offset: usize) -> i64 {
    let mut raw = [0u8; 8];
    raw.copy_from_slice(&bytes[offset..offset + 8]);
    i64::from_le_bytes(raw)
}

impl<F: ArchiveFile> Catalog<F> {
    /// Creates a new, empty catalog file in `storage` (fails if one exists).
    pub fn create<S: ArchiveStorage<File = F>>(
        storage: &S,
        config: CatalogConfig,
    ) -> Result<Self, CatalogError> {
        assert!(config.capacity >= CATALOG_HEADER_LENGTH as u64, "catalog capacity below the header length");
        let mut file = storage.create(CATALOG_FILE_NAME)?;
        let mut bytes = vec![0u8; CATALOG_HEADER_LENGTH];
        bytes[CATALOG_VERSION_OFFSET..4].copy_from_slice(&CATALOG_VERSION.to_le_bytes());
        bytes[CATALOG_LENGTH_OFFSET..8].copy_from_slice(&(CATALOG_HEADER_LENGTH as i32).to_le_bytes());
        bytes[CATALOG_ALIGNMENT_OFFSET..20].copy_from_slice(&(CATALOG_ALIGNMENT as i32).to_le_bytes());
        let capacity = config.capacity.min(MAX_CATALOG_CAPACITY);
        file.set_len(capacity)?;
        file.write_at(0, &bytes)?;
        config.sync_level.sync(&mut file)?;
        if config.sync_level > FileSyncLevel::None {
            storage.sync_directory()?;
        }
        Ok(Self {
            file,
            bytes,
            capacity,
            alignment: CATALOG_ALIGNMENT,
            first_entry_offset: CATALOG_HEADER_LENGTH,
            entries: Vec::new(),
            next_recording_id: 0,
            config,
            poisoned: false,
        })
    }

    /// Opens the existing catalog in `storage`, validating every entry.
    pub fn open<S: ArchiveStorage<File = F>>(
        storage: &S,
        config: CatalogConfig,
    ) -> Result<Self, CatalogError> {
        let file = storage.open(CATALOG_FILE_NAME)?;
        let length = file.len()?;
        if length < CATALOG_HEADER_LENGTH as u64 {
            return Err(CatalogError::Truncated { length });
        }
        if length > MAX_CATALOG_CAPACITY {
            return Err(CatalogError::Corrupt { offset: 0, reason: "catalog file larger than 2^31-1 bytes" });
        }
        let mut contents = vec![0u8; length as usize];
        let read = file.read_at(0, &mut contents)?;
        contents.truncate(read);
        let mut catalog = Self::from_bytes(file, &contents, config)?;
        catalog.capacity = length;
        Ok(catalog)
    }

    /// Opens the catalog if it exists, else creates it.
    pub fn open_or_create<S: ArchiveStorage<File = F>>(
        storage: &S,
        config: CatalogConfig,
    ) -> Result<Self, CatalogError> {
        if storage.exists(CATALOG_FILE_NAME)? {
            Self::open(storage, config)
        } else {
            Self::create(storage, config)
        }
    }

    /// Parses catalog `contents` (a whole file image) without touching storage beyond keeping `file` for
    /// later writes. Never panics.
    fn from_bytes(file: F, contents: &[u8], config: CatalogConfig) -> Result<Self, CatalogError> {
        let (alignment, first_entry_offset, next_recording_id, entries, used_length) =
            parse_catalog(contents)?;
        Ok(Self {
            file,
            bytes: contents[..used_length].to_vec(),
            capacity: contents.len() as u64,
            alignment,
            first_entry_offset,
            entries,
            next_recording_id,
            config,
            poisoned: false,
        })
    }

    /// The id the next [`Catalog::add_recording`] will assign.
    pub fn next_recording_id(&self) -> i64 {
        self.next_recording_id
    }

    /// The entry alignment (64 for new catalogs, 1024 for legacy ones).
    pub fn alignment(&self) -> usize {
        self.alignment
    }

    /// Current capacity of the catalog file.
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// Number of entries (any state).
    pub fn entry_count(&self) -> usize {
        self.entries.len()
    }

    /// Ids of all entries (any state), ascending.
    pub fn recording_ids(&self) -> impl Iterator<Item = i64> + '_ {
        self.entries.iter().map(|&(id, _)| id)
    }

    /// True once a storage failure has poisoned the catalog.
    pub fn is_poisoned(&self) -> bool {
        self.poisoned
    }

    fn entry_offset(&self, recording_id: i64) -> Result<usize, CatalogError> {
        self.entries
            .binary_search_by_key(&recording_id, |&(id, _)| id)
            .map(|index| self.entries[index].1)
            .map_err(|_| CatalogError::UnknownRecording(recording_id))
    }

    /// The entry for `recording_id`, in any state.
    pub fn descriptor(&self, recording_id: i64) -> Result<RecordingDescriptor, CatalogError> {
        let offset = self.entry_offset(recording_id)?;
        RecordingDescriptor::decode(&self.bytes[offset..], offset).map(|(descriptor, _)| descriptor)
    }

    /// The raw descriptor bytes of `recording_id` (from the descriptor block through the padding), as the
    /// control protocol's `RecordingDescriptor` message carries them.
    pub fn descriptor_bytes(&self, recording_id: i64) -> Result<&[u8], CatalogError> {
        let offset = self.entry_offset(recording_id)?;
        let length = get_i32(&self.bytes, offset + HEADER_LENGTH_OFFSET) as usize;
        let start = offset + DESCRIPTOR_HEADER_LENGTH;
        Ok(&self.bytes[start..start + length])
    }

    /// Up to `count` VALID entries with ids from `from_recording_id` on, ascending (`ListRecordings`).
    pub fn list(&self, from_recording_id: i64, count: usize) -> Vec<RecordingDescriptor> {
        self.matching(from_recording_id, count, |_| true)
    }

    /// Up to `count` VALID entries from `from_recording_id` on whose stream id is `stream_id` and whose
    /// stripped channel contains `channel_fragment` (`ListRecordingsForUri`).
    pub fn list_for_uri(
        &self,
        from_recording_id: i64,
        count: usize,
        channel_fragment: &str,
        stream_id: i32,
    ) -> Vec<RecordingDescriptor> {
        self.matching(from_recording_id, count, |descriptor| {
            descriptor.stream_id == stream_id && descriptor.stripped_channel.contains(channel_fragment)
        })
    }

    /// The id of the last VALID entry from `min_recording_id` on with this stream, session and channel
    /// fragment (`FindLastMatchingRecording`), if any.
    pub fn find_last_matching(
        &self,
        min_recording_id: i64,
        channel_fragment: &str,
        stream_id: i32,
        session_id: i32,
    ) -> Option<i64> {
        self.entries.iter().rev().filter(|&&(id, _)| id >= min_recording_id).find_map(|&(id, _)| {
            let descriptor = self.descriptor(id).ok()?;
            (descriptor.state == RecordingState::Valid
                && descriptor.stream_id == stream_id
                && descriptor.session_id == session_id
                && descriptor.stripped_channel.contains(channel_fragment))
            .then_some(id)
        })
    }

    fn matching(
        &self,
        from_recording_id: i64,
        count: usize,
        predicate: impl Fn(&RecordingDescriptor) -> bool,
    ) -> Vec<RecordingDescriptor> {
        let start = self.entries.partition_point(|&(id, _)| id < from_recording_id);
        self.entries[start..]
            .iter()
            .filter_map(|&(id, _)| self.descriptor(id).ok())
            .filter(|descriptor| descriptor.state == RecordingState::Valid && predicate(descriptor))
            .take(count)
            .collect()
    }

    fn check_usable(&self) -> Result<(), CatalogError> {
        if self.poisoned { Err(CatalogError::Poisoned) } else { Ok(()) }
    }

    fn poison_on_error<T>(&mut self, result: Result<T, StorageError>) -> Result<T, CatalogError> {
        result.map_err(|error| {
            self.poisoned = true;
            CatalogError::Storage(error)
        })
    }

    /// Writes `self.bytes[range]` through, then syncs as configured.
    fn write_through(&mut self, start: usize, end: usize) -> Result<(), CatalogError> {
        let result = self.file.write_at(start as u64, &self.bytes[start..end]);
        self.poison_on_error(result)
    }

    fn sync(&mut self) -> Result<(), CatalogError> {
        let result = self.config.sync_level.sync(&mut self.file);
        self.poison_on_error(result)
    }

    /// Recomputes and writes the entry checksum at `offset` (no-op without entry checksums).
    fn update_checksum(&mut self, offset: usize) -> Result<(), CatalogError> {
        if !self.config.entry_checksum {
            return Ok(());
        }
        let length = get_i32(&self.bytes, offset + HEADER_LENGTH_OFFSET) as usize;
        let start = offset + DESCRIPTOR_HEADER_LENGTH;
        let checksum = crc32c(&self.bytes[start..start + length]) as i32;
        let field = offset + HEADER_CHECKSUM_OFFSET;
        self.bytes[field..field + 4].copy_from_slice(&checksum.to_le_bytes());
        self.write_through(field, field + 4)
    }

    /// True if the stored checksum of `recording_id` matches its descriptor bytes (CRC-32C).
    pub fn has_valid_checksum(&self, recording_id: i64) -> Result<bool, CatalogError> {
        let offset = self.entry_offset(recording_id)?;
        let stored = get_i32(&self.bytes, offset + HEADER_CHECKSUM_OFFSET);
        Ok(crc32c(self.descriptor_bytes(recording_id)?) as i32 == stored)
    }

    /// Adds a VALID entry with the next recording id, stop position and stop timestamp NULL; returns the id.
    pub fn add_recording(&mut self, recording: &NewRecording) -> Result<i64, CatalogError> {
        self.add_recording_with_stop(recording, NULL_VALUE, NULL_VALUE)
    }

    /// Adds a VALID entry with the next recording id and the given stop position and stop timestamp (a
    /// replicated or empty recording); returns the id.
    pub fn add_recording_with_stop(
        &mut self,
        recording: &NewRecording,
        stop_position: i64,
        stop_timestamp_ms: i64,
    ) -> Result<i64, CatalogError> {
        self.check_usable()?;
        let recording_id = self.next_recording_id;
        let descriptor = RecordingDescriptor {
            state: RecordingState::Valid,
            checksum: 0,
            control_session_id: recording.control_session_id,
            correlation_id: recording.correlation_id,
            recording_id,
            start_timestamp_ms: recording.start_timestamp_ms,
            stop_timestamp_ms,
            start_position: recording.start_position,
            stop_position,
            initial_term_id: recording.initial_term_id,
            segment_file_length: recording.segment_file_length,
            term_buffer_length: recording.term_buffer_length,
            mtu_length: recording.mtu_length,
            session_id: recording.session_id,
            stream_id: recording.stream_id,
            stripped_channel: recording.stripped_channel.clone(),
            original_channel: recording.original_channel.clone(),
            source_identity: recording.source_identity.clone(),
        };
        let entry = descriptor.encode_entry(self.alignment);
        let offset = self.bytes.len().max(self.first_entry_offset);
        let end = offset + entry.len();
        if end as u64 > self.capacity {
            let mut new_capacity = self.capacity.max(4096);
            while new_capacity < end as u64 {
                new_capacity = new_capacity.saturating_mul(2);
            }
            let new_capacity = new_capacity.min(MAX_CATALOG_CAPACITY);
            if (end as u64) > new_capacity {
                return Err(CatalogError::Full);
            }
            let result = self.file.set_len(new_capacity);
            self.poison_on_error(result)?;
            self.capacity = new_capacity;
        }
        self.bytes.resize(end, 0);
        self.bytes[offset..end].copy_from_slice(&entry);
        // The descriptor first, then the header that makes it visible, then the next id.
        self.write_through(offset + DESCRIPTOR_HEADER_LENGTH, end)?;
        self.write_through(offset, offset + DESCRIPTOR_HEADER_LENGTH)?;
        self.update_checksum(offset)?;
        self.next_recording_id = recording_id + 1;
        self.bytes[CATALOG_NEXT_RECORDING_ID_OFFSET..CATALOG_NEXT_RECORDING_ID_OFFSET + 8]
            .copy_from_slice(&self.next_recording_id.to_le_bytes());
        self.write_through(CATALOG_NEXT_RECORDING_ID_OFFSET, CATALOG_NEXT_RECORDING_ID_OFFSET + 8)?;
        self.entries.push((recording_id, offset));
        self.sync()?;
        Ok(recording_id)
    }

    fn patch_i64(
        &mut self,
        entry_offset: usize,
        field_offset: usize,
        value: i64,
    ) -> Result<(), CatalogError> {
        let at = entry_offset + DESCRIPTOR_HEADER_LENGTH + field_offset;
        self.bytes[at..at + 8].copy_from_slice(&value.to_le_bytes());
        self.write_through(at, at + 8)
    }

    fn patch_i32(&mut self, at: usize, value: i32) -> Result<(), CatalogError> {
        self.bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
        self.write_through(at, at + 4)
    }

    /// Records that `recording_id` stopped at `stop_position` at `stop_timestamp_ms`
    /// (`Catalog.recordingStopped`).
    pub fn recording_stopped(
        &mut self,
        recording_id: i64,
        stop_position: i64,
        stop_timestamp_ms: i64,
    ) -> Result<(), CatalogError> {
        self.check_usable()?;
        let offset = self.entry_offset(recording_id)?;
        self.patch_i64(offset, STOP_POSITION_OFFSET, stop_position)?;
        self.patch_i64(offset, STOP_TIMESTAMP_OFFSET, stop_timestamp_ms)?;
        self.update_checksum(offset)?;
        self.sync()
    }

    /// Sets the stop position only (truncation).
    pub fn set_stop_position(&mut self, recording_id: i64, stop_position: i64) -> Result<(), CatalogError> {
        self.check_usable()?;
        let offset = self.entry_offset(recording_id)?;
        self.patch_i64(offset, STOP_POSITION_OFFSET, stop_position)?;
        self.update_checksum(offset)?;
        self.sync()
    }

    /// Sets the start position only (detaching segments).
    pub fn set_start_position(&mut self, recording_id: i64, start_position: i64) -> Result<(), CatalogError> {
        self.check_usable()?;
        let offset = self.entry_offset(recording_id)?;
        self.patch_i64(offset, START_POSITION_OFFSET, start_position)?;
        self.update_checksum(offset)?;
        self.sync()
    }

    /// Marks `recording_id` as being extended (reference §5.11): stop position and stop timestamp NULL,
    /// the new image's session id, and the request's control session and correlation ids. The caller has
    /// checked the extension rules ([`crate::segment_operations::check_extension`]).
    pub fn extend_recording(
        &mut self,
        recording_id: i64,
        control_session_id: i64,
        correlation_id: i64,
        session_id: i32,
    ) -> Result<(), CatalogError> {
        self.check_usable()?;
        let offset = self.entry_offset(recording_id)?;
        self.patch_i64(offset, CONTROL_SESSION_ID_OFFSET, control_session_id)?;
        self.patch_i64(offset, CORRELATION_ID_OFFSET, correlation_id)?;
        self.patch_i64(offset, STOP_TIMESTAMP_OFFSET, NULL_VALUE)?;
        self.patch_i64(offset, STOP_POSITION_OFFSET, NULL_VALUE)?;
        self.patch_i32(offset + DESCRIPTOR_HEADER_LENGTH + SESSION_ID_OFFSET, session_id)?;
        self.update_checksum(offset)?;
        self.sync()
    }

    /// Changes the state of `recording_id` (`Catalog.changeState`).
    pub fn change_state(&mut self, recording_id: i64, state: RecordingState) -> Result<(), CatalogError> {
        self.check_usable()?;
        let offset = self.entry_offset(recording_id)?;
        self.patch_i32(offset + HEADER_STATE_OFFSET, state as i32)?;
        self.sync()
    }
}

/// Parses a catalog image: (alignment, first entry offset, next recording id, entries, used length).
/// (alignment, first entry offset, next recording id, (id, offset) of each entry, used length).
type ParsedCatalog = (usize, usize, i64, Vec<(i64, usize)>, usize);

fn parse_catalog(contents: &[u8]) -> Result<ParsedCatalog, CatalogError> {
    if contents.len() < CATALOG_HEADER_LENGTH {
        return Err(CatalogError::Truncated { length: contents.len() as u64 });
    }
    let version = get_i32(contents, CATALOG_VERSION_OFFSET);
    if (version >> 16) & 0xFF != CATALOG_MAJOR_VERSION {
        return Err(CatalogError::IncompatibleVersion { version });
    }
    if get_i32(contents, CATALOG_LENGTH_OFFSET) != CATALOG_HEADER_LENGTH as i32 {
        return Err(CatalogError::Corrupt {
            offset: CATALOG_LENGTH_OFFSET,
            reason: "header length is not 32",
        });
    }
    let next_recording_id = get_i64(contents, CATALOG_NEXT_RECORDING_ID_OFFSET);
    if next_recording_id < 0 {
        return Err(CatalogError::Corrupt {
            offset: CATALOG_NEXT_RECORDING_ID_OFFSET,
            reason: "negative next recording id",
        });
    }
    let alignment_field = get_i32(contents, CATALOG_ALIGNMENT_OFFSET);
    let (alignment, first_entry_offset) = if alignment_field == 0 {
        (LEGACY_CATALOG_ALIGNMENT, LEGACY_CATALOG_ALIGNMENT)
    } else if alignment_field >= 32
        && (alignment_field as u32).is_power_of_two()
        && alignment_field <= 1 << 20
    {
        (alignment_field as usize, CATALOG_HEADER_LENGTH)
    } else {
        return Err(CatalogError::Corrupt { offset: CATALOG_ALIGNMENT_OFFSET, reason: "invalid alignment" });
    };
    let mut entries = Vec::new();
    let mut offset = first_entry_offset;
    let mut used_length = first_entry_offset.min(contents.len());
    while contents.len() - offset.min(contents.len()) >= DESCRIPTOR_HEADER_LENGTH {
        if get_i32(contents, offset + HEADER_LENGTH_OFFSET) == 0 {
            break;
        }
        let (descriptor, entry_length) = RecordingDescriptor::decode(&contents[offset..], offset)?;
        if entry_length % alignment != 0 {
            return Err(CatalogError::Corrupt {
                offset,
                reason: "entry length not a multiple of the alignment",
            });
        }
        let recording_id = descriptor.recording_id;
        if recording_id < 0 || recording_id >= next_recording_id {
            return Err(CatalogError::Corrupt {
                offset,
                reason: "recording id outside [0, nextRecordingId)",
            });
        }
        if entries.last().is_some_and(|&(last, _)| last >= recording_id) {
            return Err(CatalogError::Corrupt { offset, reason: "recording ids not increasing" });
        }
        entries.push((recording_id, offset));
        offset += entry_length;
        used_length = offset;
    }
    Ok((alignment, first_entry_offset, next_recording_id, entries, used_length))
}

/// Validates raw catalog bytes as [`Catalog::open`] would, without storage: returns the number of entries.
/// For tools and fuzzing; never panics.
pub fn validate_catalog_bytes(contents: &[u8]) -> Result<usize, CatalogError> {
    parse_catalog(contents).map(|(_, _, _, entries, _)| entries.len())
}
