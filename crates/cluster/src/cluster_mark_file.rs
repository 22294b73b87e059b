//! [`ClusterMarkFile`]: Aeron's `cluster-mark.dat` / `cluster-mark-service-<id>.dat` (reference §1.8
//! schema 110, §4.5, `ClusterMarkFile.java`) over the archive storage seam.
//!
//! Layout: an 8-byte SBE message header (`blockLength=128, templateId=200, schemaId=110, version=2`),
//! the `MarkFileHeader` block at 8 (`version:i32 @8, componentType:i32 @12, activityTimestamp:i64 @16,
//! startTimestamp:i64 @24, pid:i64 @32, candidateTermId:i64 @40, archiveStreamId @48,
//! serviceStreamId @52, consensusModuleStreamId @56, ingressStreamId @60, memberId @64, serviceId @68,
//! headerLength @72, errorBufferLength @76, clusterId @80` — i32 unless noted), then six var-ASCII
//! strings (`u32` length + bytes) from 136 within the [`MARK_FILE_HEADER_LENGTH`] (8 KiB) region, then
//! the Agrona distinct error log of `errorBufferLength` bytes; file length aligned to the page size.
//!
//! Invariants:
//! - the writer publishes `version` last ([`ClusterMarkFile::signal_ready`]): a reader that sees a
//!   version above 0 sees a complete header; -1 marks a failed start;
//! - error records are written to the file whole (text and counters) up to the log's high-water mark
//!   after every [`ClusterMarkFile::record_error`], so a tool reading the file sees whole records;
//! - [`read_cluster_mark_file`]/[`decode_mark_file`] validate every length against the file and never
//!   panic.

use agrona::{AtomicBuffer, DistinctErrorLog, try_read_error_log};
use archive::{ArchiveFile, ArchiveStorage};

use crate::cluster_file_error::{ClusterFileError, le_i32, le_i64, le_u16, le_u32};
use crate::cluster_member::NULL_VALUE;

/// Major version of the mark (and node state) file format.
pub const MARK_FILE_MAJOR_VERSION: i32 = 0;
/// Minor version.
pub const MARK_FILE_MINOR_VERSION: i32 = 3;
/// Patch version.
pub const MARK_FILE_PATCH_VERSION: i32 = 0;
/// Agrona `SemanticVersion.compose(0, 3, 0)`.
pub const MARK_FILE_SEMANTIC_VERSION: i32 =
    (MARK_FILE_MAJOR_VERSION << 16) | (MARK_FILE_MINOR_VERSION << 8) | MARK_FILE_PATCH_VERSION;
/// Version written when start-up failed.
pub const MARK_FILE_VERSION_FAILED: i32 = -1;
/// Length of the header region before the error log.
pub const MARK_FILE_HEADER_LENGTH: usize = 8 * 1024;
/// Smallest error log.
pub const MARK_FILE_ERROR_BUFFER_MIN_LENGTH: usize = 1024 * 1024;
/// Largest error log.
pub const MARK_FILE_ERROR_BUFFER_MAX_LENGTH: usize = i32::MAX as usize - MARK_FILE_HEADER_LENGTH;
/// The consensus module's mark file.
pub const CLUSTER_MARK_FILE_NAME: &str = "cluster-mark.dat";
/// Schema id of the mark file codecs.
pub const MARK_FILE_SCHEMA_ID: u16 = 110;
/// Schema version of the mark file codecs.
pub const MARK_FILE_SCHEMA_VERSION: u16 = 2;
/// Template id of `MarkFileHeader`.
pub const MARK_FILE_HEADER_TEMPLATE_ID: u16 = 200;
/// Block length of `MarkFileHeader`.
pub const MARK_FILE_HEADER_BLOCK_LENGTH: usize = 128;
/// Offset of the block (after the 8-byte message header).
pub const MARK_FILE_HEADER_OFFSET: usize = 8;
/// Offset of `version`.
pub const VERSION_OFFSET: usize = MARK_FILE_HEADER_OFFSET;
/// Offset of `componentType`.
pub const COMPONENT_TYPE_OFFSET: usize = MARK_FILE_HEADER_OFFSET + 4;
/// Offset of `activityTimestamp`.
pub const ACTIVITY_TIMESTAMP_OFFSET: usize = MARK_FILE_HEADER_OFFSET + 8;
/// Offset of `startTimestamp`.
pub const START_TIMESTAMP_OFFSET: usize = MARK_FILE_HEADER_OFFSET + 16;
/// Offset of `pid`.
pub const PID_OFFSET: usize = MARK_FILE_HEADER_OFFSET + 24;
/// Offset of `candidateTermId` (legacy).
pub const CANDIDATE_TERM_ID_OFFSET: usize = MARK_FILE_HEADER_OFFSET + 32;
/// Offset of `archiveStreamId`.
pub const ARCHIVE_STREAM_ID_OFFSET: usize = MARK_FILE_HEADER_OFFSET + 40;
/// Offset of `serviceStreamId`.
pub const SERVICE_STREAM_ID_OFFSET: usize = MARK_FILE_HEADER_OFFSET + 44;
/// Offset of `consensusModuleStreamId`.
pub const CONSENSUS_MODULE_STREAM_ID_OFFSET: usize = MARK_FILE_HEADER_OFFSET + 48;
/// Offset of `ingressStreamId`.
pub const INGRESS_STREAM_ID_OFFSET: usize = MARK_FILE_HEADER_OFFSET + 52;
/// Offset of `memberId`.
pub const MEMBER_ID_OFFSET: usize = MARK_FILE_HEADER_OFFSET + 56;
/// Offset of `serviceId`.
pub const SERVICE_ID_OFFSET: usize = MARK_FILE_HEADER_OFFSET + 60;
/// Offset of `headerLength`.
pub const HEADER_LENGTH_OFFSET: usize = MARK_FILE_HEADER_OFFSET + 64;
/// Offset of `errorBufferLength`.
pub const ERROR_BUFFER_LENGTH_OFFSET: usize = MARK_FILE_HEADER_OFFSET + 68;
/// Offset of `clusterId`.
pub const CLUSTER_ID_OFFSET: usize = MARK_FILE_HEADER_OFFSET + 72;
/// Offset of the first var-data field (`aeronDirectory`).
pub const VAR_DATA_OFFSET: usize = MARK_FILE_HEADER_OFFSET + MARK_FILE_HEADER_BLOCK_LENGTH;

/// The major part of an Agrona semantic version.
pub fn semantic_major(version: i32) -> i32 {
    (version >> 16) & 0xFF
}

/// The mark file name of service `service_id`.
pub fn mark_file_name_for_service(service_id: i32) -> String {
    format!("cluster-mark-service-{service_id}.dat")
}

/// Which component owns a mark file (`ClusterComponentType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClusterComponentType {
    /// Unknown (0).
    Unknown,
    /// The consensus module (1).
    ConsensusModule,
    /// A clustered service container (2).
    Container,
    /// Cluster backup (3).
    Backup,
    /// Cluster standby (4).
    Standby,
    /// A value this software does not know.
    Other(i32),
}

impl ClusterComponentType {
    /// The type for Aeron's value.
    pub fn from_i32(value: i32) -> Self {
        match value {
            0 => Self::Unknown,
            1 => Self::ConsensusModule,
            2 => Self::Container,
            3 => Self::Backup,
            4 => Self::Standby,
            other => Self::Other(other),
        }
    }

    /// Aeron's value.
    pub fn as_i32(self) -> i32 {
        match self {
            Self::Unknown => 0,
            Self::ConsensusModule => 1,
            Self::Container => 2,
            Self::Backup => 3,
            Self::Standby => 4,
            Self::Other(value) => value,
        }
    }
}

/// The decoded `MarkFileHeader`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkFileHeader {
    /// Semantic version; 0 while starting, -1 after a failed start.
    pub version: i32,
    /// Owning component.
    pub component_type: ClusterComponentType,
    /// Last liveness update (epoch ms), -1 once terminated.
    pub activity_timestamp_ms: i64,
    /// Start time (epoch ms).
    pub start_timestamp_ms: i64,
    /// Process id of the owner.
    pub pid: i64,
    /// Legacy candidate term id (migrated to `node-state.dat`).
    pub candidate_term_id: i64,
    /// Archive control stream id.
    pub archive_stream_id: i32,
    /// Service control stream id.
    pub service_stream_id: i32,
    /// Consensus module control stream id.
    pub consensus_module_stream_id: i32,
    /// Ingress stream id.
    pub ingress_stream_id: i32,
    /// Cluster member id.
    pub member_id: i32,
    /// Service id (-1 for the consensus module).
    pub service_id: i32,
    /// Length of the header region ([`MARK_FILE_HEADER_LENGTH`]).
    pub header_length: i32,
    /// Length of the error log.
    pub error_buffer_length: i32,
    /// Cluster id.
    pub cluster_id: i32,
    /// Aeron (media driver) directory.
    pub aeron_directory: String,
    /// Control channel.
    pub control_channel: String,
    /// Ingress channel.
    pub ingress_channel: String,
    /// Service name.
    pub service_name: String,
    /// Authenticator supplier class.
    pub authenticator: String,
    /// Services' cluster directory (schema version 1+).
    pub services_cluster_dir: String,
}

impl MarkFileHeader {
    /// A header for `component_type` with every id -1, streams 0, lengths set for `error_buffer_length`
    /// and empty strings; fill in the rest before [`ClusterMarkFile::create`].
    pub fn new(component_type: ClusterComponentType, error_buffer_length: usize) -> Self {
        Self {
            version: 0,
            component_type,
            activity_timestamp_ms: 0,
            start_timestamp_ms: 0,
            pid: 0,
            candidate_term_id: NULL_VALUE,
            archive_stream_id: 0,
            service_stream_id: 0,
            consensus_module_stream_id: 0,
            ingress_stream_id: 0,
            member_id: NULL_VALUE as i32,
            service_id: NULL_VALUE as i32,
            header_length: MARK_FILE_HEADER_LENGTH as i32,
            error_buffer_length: error_buffer_length.min(i32::MAX as usize) as i32,
            cluster_id: 0,
            aeron_directory: String::new(),
            control_channel: String::new(),
            ingress_channel: String::new(),
            service_name: String::new(),
            authenticator: String::new(),
            services_cluster_dir: String::new(),
        }
    }

    fn strings(&self) -> [&str; 6] {
        [
            &self.aeron_directory,
            &self.control_channel,
            &self.ingress_channel,
            &self.service_name,
            &self.authenticator,
            &self.services_cluster_dir,
        ]
    }

    /// Encodes message header, block and strings; an error if they exceed [`MARK_FILE_HEADER_LENGTH`].
    pub fn encode(&self) -> Result<Vec<u8>, ClusterFileError> {
        let strings_length: usize = self.strings().iter().map(|s| 4 + s.len()).sum();
        let length = VAR_DATA_OFFSET + strings_length;
        if length > MARK_FILE_HEADER_LENGTH {
            return Err(ClusterFileError::InvalidOperation(format!(
                "ClusterMarkFile headerLength={length} > headerLengthCapacity={MARK_FILE_HEADER_LENGTH}"
            )));
        }
        let mut bytes = vec![0u8; length];
        bytes[0..2].copy_from_slice(&(MARK_FILE_HEADER_BLOCK_LENGTH as u16).to_le_bytes());
        bytes[2..4].copy_from_slice(&MARK_FILE_HEADER_TEMPLATE_ID.to_le_bytes());
        bytes[4..6].copy_from_slice(&MARK_FILE_SCHEMA_ID.to_le_bytes());
        bytes[6..8].copy_from_slice(&MARK_FILE_SCHEMA_VERSION.to_le_bytes());
        let mut put32 =
            |offset: usize, value: i32| bytes[offset..offset + 4].copy_from_slice(&value.to_le_bytes());
        put32(VERSION_OFFSET, self.version);
        put32(COMPONENT_TYPE_OFFSET, self.component_type.as_i32());
        put32(ARCHIVE_STREAM_ID_OFFSET, self.archive_stream_id);
        put32(SERVICE_STREAM_ID_OFFSET, self.service_stream_id);
        put32(CONSENSUS_MODULE_STREAM_ID_OFFSET, self.consensus_module_stream_id);
        put32(INGRESS_STREAM_ID_OFFSET, self.ingress_stream_id);
        put32(MEMBER_ID_OFFSET, self.member_id);
        put32(SERVICE_ID_OFFSET, self.service_id);
        put32(HEADER_LENGTH_OFFSET, self.header_length);
        put32(ERROR_BUFFER_LENGTH_OFFSET, self.error_buffer_length);
        put32(CLUSTER_ID_OFFSET, self.cluster_id);
        for (offset, value) in [
            (ACTIVITY_TIMESTAMP_OFFSET, self.activity_timestamp_ms),
            (START_TIMESTAMP_OFFSET, self.start_timestamp_ms),
            (PID_OFFSET, self.pid),
            (CANDIDATE_TERM_ID_OFFSET, self.candidate_term_id),
        ] {
            bytes[offset..offset + 8].copy_from_slice(&value.to_le_bytes());
        }
        let mut offset = VAR_DATA_OFFSET;
        for string in self.strings() {
            bytes[offset..offset + 4].copy_from_slice(&(string.len() as u32).to_le_bytes());
            bytes[offset + 4..offset + 4 + string.len()].copy_from_slice(string.as_bytes());
            offset += 4 + string.len();
        }
        Ok(bytes)
    }

    /// True if the owner updated its activity timestamp within `timeout_ms` of `now_ms` and did not
    /// terminate (Aeron's liveness rule for refusing a second instance).
    pub fn is_active(&self, now_ms: i64, timeout_ms: i64) -> bool {
        self.activity_timestamp_ms != NULL_VALUE
            && self.version != MARK_FILE_VERSION_FAILED
            && now_ms.saturating_sub(self.activity_timestamp_ms) < timeout_ms
    }
}

/// One distinct error from a mark file's error log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorObservation {
    /// How often it was observed.
    pub observation_count: i32,
    /// First observation (epoch ms).
    pub first_observation_timestamp_ms: i64,
    /// Last observation (epoch ms).
    pub last_observation_timestamp_ms: i64,
    /// The error text.
    pub text: String,
}

/// What a reader finds in a mark file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkFileContents {
    /// The header.
    pub header: MarkFileHeader,
    /// The error log's records, in log order.
    pub errors: Vec<ErrorObservation>,
}

fn corrupt(file: &str, offset: usize, reason: String) -> ClusterFileError {
    ClusterFileError::corrupt(file, offset as u64, reason)
}

/// Decodes the header region (`bytes` holds at least the header; more is ignored). Never panics.
pub fn decode_mark_file_header(file: &str, bytes: &[u8]) -> Result<MarkFileHeader, ClusterFileError> {
    if bytes.len() < MARK_FILE_HEADER_OFFSET {
        return Err(corrupt(file, 0, format!("file length {} shorter than the message header", bytes.len())));
    }
    let block_length = le_u16(bytes, 0) as usize;
    let template_id = le_u16(bytes, 2);
    let schema_id = le_u16(bytes, 4);
    let acting_version = le_u16(bytes, 6);
    if template_id != MARK_FILE_HEADER_TEMPLATE_ID || schema_id != MARK_FILE_SCHEMA_ID {
        return Err(corrupt(file, 0, format!("template id {template_id} / schema id {schema_id}")));
    }
    if block_length < CLUSTER_ID_OFFSET + 4 - MARK_FILE_HEADER_OFFSET {
        return Err(corrupt(file, 0, format!("block length {block_length}")));
    }
    let header_region = bytes.len().min(MARK_FILE_HEADER_LENGTH);
    if MARK_FILE_HEADER_OFFSET + block_length > header_region {
        return Err(corrupt(file, 0, format!("block length {block_length} overruns the header")));
    }
    let version = le_i32(bytes, VERSION_OFFSET);
    if version > 0 && semantic_major(version) != MARK_FILE_MAJOR_VERSION {
        return Err(ClusterFileError::VersionMismatch {
            file: file.to_string(),
            found: semantic_major(version),
            expected: MARK_FILE_MAJOR_VERSION,
        });
    }
    let mut offset = MARK_FILE_HEADER_OFFSET + block_length;
    let string_count = if acting_version >= 1 { 6 } else { 5 };
    let mut strings = Vec::with_capacity(6);
    for _ in 0..string_count {
        if header_region - offset < 4 {
            return Err(corrupt(file, offset, "var data length overruns the header".to_string()));
        }
        let length = le_u32(bytes, offset) as usize;
        if length > header_region - offset - 4 {
            return Err(corrupt(file, offset, format!("var data length {length} overruns the header")));
        }
        strings.push(String::from_utf8_lossy(&bytes[offset + 4..offset + 4 + length]).into_owned());
        offset += 4 + length;
    }
    strings.resize(6, String::new());
    let mut strings = strings.into_iter();
    let mut next = || strings.next().unwrap_or_default();
    Ok(MarkFileHeader {
        version,
        component_type: ClusterComponentType::from_i32(le_i32(bytes, COMPONENT_TYPE_OFFSET)),
        activity_timestamp_ms: le_i64(bytes, ACTIVITY_TIMESTAMP_OFFSET),
        start_timestamp_ms: le_i64(bytes, START_TIMESTAMP_OFFSET),
        pid: le_i64(bytes, PID_OFFSET),
        candidate_term_id: le_i64(bytes, CANDIDATE_TERM_ID_OFFSET),
        archive_stream_id: le_i32(bytes, ARCHIVE_STREAM_ID_OFFSET),
        service_stream_id: le_i32(bytes, SERVICE_STREAM_ID_OFFSET),
        consensus_module_stream_id: le_i32(bytes, CONSENSUS_MODULE_STREAM_ID_OFFSET),
        ingress_stream_id: le_i32(bytes, INGRESS_STREAM_ID_OFFSET),
        member_id: le_i32(bytes, MEMBER_ID_OFFSET),
        service_id: le_i32(bytes, SERVICE_ID_OFFSET),
        header_length: le_i32(bytes, HEADER_LENGTH_OFFSET),
        error_buffer_length: le_i32(bytes, ERROR_BUFFER_LENGTH_OFFSET),
        cluster_id: le_i32(bytes, CLUSTER_ID_OFFSET),
        aeron_directory: next(),
        control_channel: next(),
        ingress_channel: next(),
        service_name: next(),
        authenticator: next(),
        services_cluster_dir: next(),
    })
}

/// Decodes an error log region. Never panics; a corrupt record ends the list with an error.
pub fn decode_error_log(
    file: &str,
    region_offset: usize,
    bytes: &[u8],
) -> Result<Vec<ErrorObservation>, ClusterFileError> {
    let buffer = AtomicBuffer::heap(bytes.len().max(8));
    buffer.put_bytes(0, bytes);
    let buffer = buffer.view(0, bytes.len());
    let mut errors = Vec::new();
    try_read_error_log(
        &buffer,
        |count, first_ms, last_ms, text| {
            errors.push(ErrorObservation {
                observation_count: count,
                first_observation_timestamp_ms: first_ms,
                last_observation_timestamp_ms: last_ms,
                text: text.to_string(),
            })
        },
        i64::MIN,
    )
    .map_err(|c| corrupt(file, region_offset + c.offset, format!("error log record length {}", c.length)))?;
    Ok(errors)
}

/// Decodes a whole mark file image (header + error log). Never panics.
pub fn decode_mark_file(file: &str, bytes: &[u8]) -> Result<MarkFileContents, ClusterFileError> {
    let header = decode_mark_file_header(file, bytes)?;
    let (start, length) = error_region(file, &header, bytes.len() as u64)?;
    let errors = decode_error_log(file, start, &bytes[start..start + length])?;
    Ok(MarkFileContents { header, errors })
}

fn error_region(
    file: &str,
    header: &MarkFileHeader,
    file_length: u64,
) -> Result<(usize, usize), ClusterFileError> {
    if header.header_length < (VAR_DATA_OFFSET as i32) || header.error_buffer_length < 0 {
        return Err(corrupt(
            file,
            HEADER_LENGTH_OFFSET,
            format!(
                "header length {} / error buffer length {}",
                header.header_length, header.error_buffer_length
            ),
        ));
    }
    let start = header.header_length as u64;
    let length = header.error_buffer_length as u64;
    if start + length > file_length {
        return Err(corrupt(
            file,
            ERROR_BUFFER_LENGTH_OFFSET,
            format!("error log {start}+{length} runs past the file length {file_length}"),
        ));
    }
    Ok((start as usize, length as usize))
}

/// Reads and validates the mark file `name` in `storage` (a tool's view of a running or dead node).
pub fn read_cluster_mark_file<S: ArchiveStorage>(
    storage: &S,
    name: &str,
) -> Result<MarkFileContents, ClusterFileError> {
    let file = storage.open(name)?;
    let file_length = file.len()?;
    let mut header_bytes = vec![0u8; (file_length as usize).min(MARK_FILE_HEADER_LENGTH)];
    let read = file.read_at(0, &mut header_bytes)?;
    header_bytes.truncate(read);
    let header = decode_mark_file_header(name, &header_bytes)?;
    let (start, length) = error_region(name, &header, file_length)?;
    let mut error_bytes = vec![0u8; length];
    file.read_at_zero_filled(start as u64, &mut error_bytes)?;
    let errors = decode_error_log(name, start, &error_bytes)?;
    Ok(MarkFileContents { header, errors })
}

/// A mark file owned by a running component.
///
/// Create it at start-up with [`ClusterMarkFile::create`], call [`Self::signal_ready`] once started,
/// [`Self::update_activity_timestamp`] about once a second, [`Self::record_error`] for every error, and
/// [`Self::signal_terminated`] on clean shutdown. Every write goes straight to the file; tools read it
/// with [`read_cluster_mark_file`].
pub struct ClusterMarkFile<F: ArchiveFile> {
    file: F,
    header: MarkFileHeader,
    error_log: DistinctErrorLog,
}

impl<F: ArchiveFile> std::fmt::Debug for ClusterMarkFile<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterMarkFile").field("header", &self.header).finish()
    }
}

impl<F: ArchiveFile> ClusterMarkFile<F> {
    /// Creates (or takes over) the mark file `name`: refuses a live owner (activity within
    /// `timeout_ms` of `now_ms`) or a different component type (a BACKUP file may become a consensus
    /// module's), carries over the legacy candidate term id, returns the previous owner's errors (to be
    /// saved by the caller), and writes `header` with version 0, `start_timestamp_ms = now_ms` and a
    /// zeroed error log of `header.error_buffer_length` bytes, file length aligned to `file_page_size`.
    pub fn create<S: ArchiveStorage<File = F>>(
        storage: &S,
        name: &str,
        mut header: MarkFileHeader,
        file_page_size: usize,
        now_ms: i64,
        timeout_ms: i64,
    ) -> Result<(Self, Vec<ErrorObservation>), ClusterFileError> {
        let error_buffer_length = usize::try_from(header.error_buffer_length).unwrap_or(0);
        if !(MARK_FILE_ERROR_BUFFER_MIN_LENGTH..=MARK_FILE_ERROR_BUFFER_MAX_LENGTH)
            .contains(&error_buffer_length)
        {
            return Err(ClusterFileError::InvalidOperation(format!(
                "Invalid errorBufferLength: {}",
                header.error_buffer_length
            )));
        }
        if !file_page_size.is_power_of_two() || file_page_size < 4096 {
            return Err(ClusterFileError::InvalidOperation(format!(
                "invalid file page size {file_page_size}"
            )));
        }
        let mut previous_errors = Vec::new();
        header.candidate_term_id = NULL_VALUE;
        let mut file = if storage.exists(name)? {
            let file = storage.open(name)?;
            let mut bytes = vec![0u8; MARK_FILE_HEADER_LENGTH];
            let read = file.read_at(0, &mut bytes)?;
            bytes.truncate(read);
            if let Ok(existing) = decode_mark_file_header(name, &bytes) {
                if existing.version > 0 && existing.is_active(now_ms, timeout_ms) {
                    return Err(ClusterFileError::ActiveMarkFile {
                        file: name.to_string(),
                        activity_timestamp_ms: existing.activity_timestamp_ms,
                    });
                }
                let existing_type = existing.component_type;
                if existing_type != ClusterComponentType::Unknown
                    && existing_type != header.component_type
                    && !(existing_type == ClusterComponentType::Backup
                        && header.component_type == ClusterComponentType::ConsensusModule)
                {
                    return Err(ClusterFileError::InvalidOperation(format!(
                        "existing Mark file type {existing_type:?} not same as required type {:?}",
                        header.component_type
                    )));
                }
                header.candidate_term_id = existing.candidate_term_id;
                if let Ok((start, length)) = error_region(name, &existing, file.len()?) {
                    let mut error_bytes = vec![0u8; length];
                    file.read_at_zero_filled(start as u64, &mut error_bytes)?;
                    previous_errors = decode_error_log(name, start, &error_bytes).unwrap_or_default();
                }
            }
            file
        } else {
            storage.create(name)?
        };
        header.version = 0;
        header.start_timestamp_ms = now_ms;
        header.header_length = MARK_FILE_HEADER_LENGTH as i32;
        let total_length =
            (MARK_FILE_HEADER_LENGTH + error_buffer_length).next_multiple_of(file_page_size) as u64;
        let encoded = header.encode()?;
        file.set_len(0)?;
        file.set_len(total_length)?;
        file.write_at(0, &encoded)?;
        file.sync_all()?;
        storage.sync_directory()?;
        let error_log = DistinctErrorLog::new(AtomicBuffer::heap(error_buffer_length));
        Ok((Self { file, header, error_log }, previous_errors))
    }

    /// The header as last written.
    pub fn header(&self) -> &MarkFileHeader {
        &self.header
    }

    fn put_i32(&mut self, offset: usize, value: i32) -> Result<(), ClusterFileError> {
        Ok(self.file.write_at(offset as u64, &value.to_le_bytes())?)
    }

    fn put_i64(&mut self, offset: usize, value: i64) -> Result<(), ClusterFileError> {
        Ok(self.file.write_at(offset as u64, &value.to_le_bytes())?)
    }

    /// Publishes start-up completion: activity timestamp, then the semantic version; synced.
    pub fn signal_ready(&mut self, now_ms: i64) -> Result<(), ClusterFileError> {
        self.signal(MARK_FILE_SEMANTIC_VERSION, now_ms)
    }

    /// Marks a failed start (version -1, activity -1); synced.
    pub fn signal_failed_start(&mut self) -> Result<(), ClusterFileError> {
        self.signal(MARK_FILE_VERSION_FAILED, NULL_VALUE)
    }

    fn signal(&mut self, version: i32, activity_timestamp_ms: i64) -> Result<(), ClusterFileError> {
        self.put_i64(ACTIVITY_TIMESTAMP_OFFSET, activity_timestamp_ms)?;
        self.put_i32(VERSION_OFFSET, version)?;
        self.file.sync_all()?;
        self.header.activity_timestamp_ms = activity_timestamp_ms;
        self.header.version = version;
        Ok(())
    }

    /// Marks a clean shutdown (activity -1) so a successor need not wait for the timeout; synced.
    pub fn signal_terminated(&mut self) -> Result<(), ClusterFileError> {
        self.put_i64(ACTIVITY_TIMESTAMP_OFFSET, NULL_VALUE)?;
        self.file.sync_all()?;
        self.header.activity_timestamp_ms = NULL_VALUE;
        Ok(())
    }

    /// Records liveness (not synced: a crash makes the timestamp age out anyway).
    pub fn update_activity_timestamp(&mut self, now_ms: i64) -> Result<(), ClusterFileError> {
        self.put_i64(ACTIVITY_TIMESTAMP_OFFSET, now_ms)?;
        self.header.activity_timestamp_ms = now_ms;
        Ok(())
    }

    /// Sets the member id (known after joining a dynamic cluster).
    pub fn set_member_id(&mut self, member_id: i32) -> Result<(), ClusterFileError> {
        self.put_i32(MEMBER_ID_OFFSET, member_id)?;
        self.header.member_id = member_id;
        Ok(())
    }

    /// Sets the cluster id.
    pub fn set_cluster_id(&mut self, cluster_id: i32) -> Result<(), ClusterFileError> {
        self.put_i32(CLUSTER_ID_OFFSET, cluster_id)?;
        self.header.cluster_id = cluster_id;
        Ok(())
    }

    /// Records `error_text` in the distinct error log at `timestamp_ms` and writes the log's used
    /// prefix to the file. Returns false when the log is full.
    pub fn record_error(&mut self, timestamp_ms: i64, error_text: &str) -> Result<bool, ClusterFileError> {
        if !self.error_log.record(timestamp_ms, error_text) {
            return Ok(false);
        }
        let buffer = self.error_log.buffer();
        let capacity = buffer.capacity();
        let mut end = 0usize;
        while capacity - end >= 4 {
            let length = buffer.get_i32_volatile(end);
            if length <= 0 {
                break;
            }
            end = (end + length as usize).next_multiple_of(8).min(capacity);
        }
        let mut used = vec![0u8; end];
        buffer.get_bytes(0, &mut used);
        self.file.write_at(MARK_FILE_HEADER_LENGTH as u64, &used)?;
        Ok(true)
    }

    /// Forces the file to the device.
    pub fn force(&mut self) -> Result<(), ClusterFileError> {
        Ok(self.file.sync_all()?)
    }
}
