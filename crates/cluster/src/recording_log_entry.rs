//! [`RecordingLogEntry`]: one record of Aeron's `recording.log` (reference §4.1, `RecordingLog.Entry`),
//! its byte layout, encoding, decoding and the in-memory sort order.
//!
//! Layout (little-endian, every record starts at a 64-byte aligned file offset):
//! `recordingId:i64 @0, leadershipTermId:i64 @8, termBaseLogPosition:i64 @16, logPosition:i64 @24,
//! timestamp:i64 @32, serviceId:i32 @40, entryType:i32 @44`, and for STANDBY_SNAPSHOT only
//! `endpointLength:i32 @48` + ASCII endpoint @52. Record length is 64 for TERM/SNAPSHOT and
//! `align(52 + endpointLength, 64)` for STANDBY_SNAPSHOT, at most [`MAX_ENTRY_LENGTH`].
//!
//! Invariants:
//! - the type word is `type | INVALID_FLAG` (bit 31) with `type` in {0, 1, 2}, or `-1` for a removed
//!   record; anything else is corrupt;
//! - a removed record occupies 64 bytes (Aeron computes the length of a removed record as if it were
//!   not a standby snapshot; [`crate::RecordingLog::remove_entry`] keeps that true by also marking the
//!   remaining 64-byte chunks of a removed standby snapshot as removed);
//! - [`sort_key`] is a total order equal to Aeron's `ENTRY_COMPARATOR`.

use crate::cluster_file_error::{ClusterFileError, le_i32, le_i64};

/// File name of the recording log in the cluster directory.
pub const RECORDING_LOG_FILE_NAME: &str = "recording.log";
/// Entry type word of a TERM entry.
pub const ENTRY_TYPE_TERM: i32 = 0;
/// Entry type word of a (local) SNAPSHOT entry.
pub const ENTRY_TYPE_SNAPSHOT: i32 = 1;
/// Entry type word of a STANDBY_SNAPSHOT entry (a snapshot held by another node's archive).
pub const ENTRY_TYPE_STANDBY_SNAPSHOT: i32 = 2;
/// Bit ORed into the type word to mark an entry invalid in place.
pub const ENTRY_TYPE_INVALID_FLAG: i32 = i32::MIN;
/// Type word of a removed entry (skipped on reload).
pub const ENTRY_TYPE_REMOVED: i32 = -1;
/// Offset of `recordingId`.
pub const RECORDING_ID_OFFSET: usize = 0;
/// Offset of `leadershipTermId`.
pub const LEADERSHIP_TERM_ID_OFFSET: usize = 8;
/// Offset of `termBaseLogPosition`.
pub const TERM_BASE_LOG_POSITION_OFFSET: usize = 16;
/// Offset of `logPosition`.
pub const LOG_POSITION_OFFSET: usize = 24;
/// Offset of `timestamp`.
pub const TIMESTAMP_OFFSET: usize = 32;
/// Offset of `serviceId`.
pub const SERVICE_ID_OFFSET: usize = 40;
/// Offset of the type word.
pub const ENTRY_TYPE_OFFSET: usize = 44;
/// Offset of the endpoint's length prefix (STANDBY_SNAPSHOT only).
pub const ENDPOINT_OFFSET: usize = 48;
/// Largest record.
pub const MAX_ENTRY_LENGTH: usize = 4096;
/// Longest archive endpoint of a standby snapshot.
pub const MAX_ENDPOINT_LENGTH: usize = MAX_ENTRY_LENGTH - ENDPOINT_OFFSET - 4;
/// Records start at multiples of this.
pub const RECORD_ALIGNMENT: usize = 64;
/// The consensus module's service id in snapshot entries (Aeron `ConsensusModule.Configuration.SERVICE_ID`).
pub const CONSENSUS_MODULE_SERVICE_ID: i32 = -1;

/// The kind of a recording log entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(i32)]
pub enum EntryType {
    /// A leadership term of the cluster log recording.
    Term = ENTRY_TYPE_TERM,
    /// A snapshot taken by this node (one per service plus the consensus module).
    Snapshot = ENTRY_TYPE_SNAPSHOT,
    /// A snapshot held by another node's archive (`archive_endpoint`).
    StandbySnapshot = ENTRY_TYPE_STANDBY_SNAPSHOT,
}

impl EntryType {
    /// The type for Aeron's numeric value (without the invalid flag).
    pub fn from_i32(value: i32) -> Option<Self> {
        match value {
            ENTRY_TYPE_TERM => Some(Self::Term),
            ENTRY_TYPE_SNAPSHOT => Some(Self::Snapshot),
            ENTRY_TYPE_STANDBY_SNAPSHOT => Some(Self::StandbySnapshot),
            _ => None,
        }
    }

    /// Aeron's numeric value.
    pub fn as_i32(self) -> i32 {
        self as i32
    }

    /// True for both snapshot kinds.
    pub fn is_snapshot(self) -> bool {
        self != Self::Term
    }
}

/// One entry of the recording log as held in memory.
///
/// Build entries through [`crate::RecordingLog`]'s append methods; the log fills `entry_index` and
/// `file_offset`. `archive_endpoint` is `Some` exactly for [`EntryType::StandbySnapshot`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingLogEntry {
    /// Archive recording id (the log recording for TERM, the snapshot recording otherwise).
    pub recording_id: i64,
    /// Leadership term id.
    pub leadership_term_id: i64,
    /// Log position at the start of the term.
    pub term_base_log_position: i64,
    /// TERM: committed end position, or -1 while open; snapshot: the position the snapshot was taken at.
    pub log_position: i64,
    /// Cluster time of the entry (in the cluster's time unit).
    pub timestamp: i64,
    /// Service id (-1 for the consensus module and for TERM entries).
    pub service_id: i32,
    /// Kind of entry.
    pub entry_type: EntryType,
    /// False once invalidated (the invalid flag is set in the file).
    pub is_valid: bool,
    /// Archive endpoint of a standby snapshot.
    pub archive_endpoint: Option<String>,
    /// Index of the record in file order (removed records count).
    pub entry_index: i32,
    /// Byte offset of the record in the file.
    pub file_offset: u64,
}

impl RecordingLogEntry {
    /// The record's length in the file: 64, or the aligned standby snapshot length.
    pub fn length(&self) -> usize {
        entry_length(self.entry_type, self.archive_endpoint.as_deref().map_or(0, str::len))
    }

    /// The type word as stored: the type with [`ENTRY_TYPE_INVALID_FLAG`] when invalid.
    pub fn type_word(&self) -> i32 {
        if self.is_valid {
            self.entry_type.as_i32()
        } else {
            self.entry_type.as_i32() | ENTRY_TYPE_INVALID_FLAG
        }
    }

    /// True for a valid TERM entry.
    pub fn is_valid_term(&self) -> bool {
        self.is_valid && self.entry_type == EntryType::Term
    }

    /// True for a valid local SNAPSHOT entry (Aeron `isValidSnapshot`).
    pub fn is_valid_snapshot(&self) -> bool {
        self.is_valid && self.entry_type == EntryType::Snapshot
    }

    /// True for a valid local or standby snapshot entry (Aeron `isValidAnySnapshot`).
    pub fn is_valid_any_snapshot(&self) -> bool {
        self.is_valid && self.entry_type.is_snapshot()
    }

    /// Encodes the record (zero padded to [`Self::length`]).
    pub fn encode(&self) -> Vec<u8> {
        let mut bytes = vec![0u8; self.length()];
        bytes[RECORDING_ID_OFFSET..RECORDING_ID_OFFSET + 8].copy_from_slice(&self.recording_id.to_le_bytes());
        bytes[LEADERSHIP_TERM_ID_OFFSET..LEADERSHIP_TERM_ID_OFFSET + 8]
            .copy_from_slice(&self.leadership_term_id.to_le_bytes());
        bytes[TERM_BASE_LOG_POSITION_OFFSET..TERM_BASE_LOG_POSITION_OFFSET + 8]
            .copy_from_slice(&self.term_base_log_position.to_le_bytes());
        bytes[LOG_POSITION_OFFSET..LOG_POSITION_OFFSET + 8].copy_from_slice(&self.log_position.to_le_bytes());
        bytes[TIMESTAMP_OFFSET..TIMESTAMP_OFFSET + 8].copy_from_slice(&self.timestamp.to_le_bytes());
        bytes[SERVICE_ID_OFFSET..SERVICE_ID_OFFSET + 4].copy_from_slice(&self.service_id.to_le_bytes());
        bytes[ENTRY_TYPE_OFFSET..ENTRY_TYPE_OFFSET + 4].copy_from_slice(&self.type_word().to_le_bytes());
        if self.entry_type == EntryType::StandbySnapshot
            && let Some(endpoint) = &self.archive_endpoint
        {
            let length = endpoint.len() as i32;
            bytes[ENDPOINT_OFFSET..ENDPOINT_OFFSET + 4].copy_from_slice(&length.to_le_bytes());
            bytes[ENDPOINT_OFFSET + 4..ENDPOINT_OFFSET + 4 + endpoint.len()]
                .copy_from_slice(endpoint.as_bytes());
        }
        bytes
    }
}

/// The record length for `entry_type` with an endpoint of `endpoint_length` bytes.
pub fn entry_length(entry_type: EntryType, endpoint_length: usize) -> usize {
    let unaligned = if entry_type == EntryType::StandbySnapshot {
        ENDPOINT_OFFSET + 4 + endpoint_length
    } else {
        ENDPOINT_OFFSET
    };
    unaligned.div_ceil(RECORD_ALIGNMENT) * RECORD_ALIGNMENT
}

/// Aeron's `ENTRY_COMPARATOR` as a total-order key: term, base, TERMs first (in file order), then
/// snapshots by log position, standby before local, service id descending (so a set reads service
/// n-1 … 0, then the consensus module).
pub fn sort_key(entry: &RecordingLogEntry) -> (i64, i64, u8, i64, i64, i32, i32) {
    match entry.entry_type {
        EntryType::Term => {
            (entry.leadership_term_id, entry.term_base_log_position, 0, i64::from(entry.entry_index), 0, 0, 0)
        }
        _ => (
            entry.leadership_term_id,
            entry.term_base_log_position,
            1,
            0,
            entry.log_position,
            -entry.entry_type.as_i32(),
            // service ids are i32: widen-free reversal that cannot overflow
            !entry.service_id,
        ),
    }
}

/// What one record slot of the file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DecodedSlot {
    /// A live (valid or invalidated) entry.
    Entry(RecordingLogEntry),
    /// A removed record of 64 bytes.
    Removed,
}

/// Decodes the record at `file_offset` (`bytes` is the file from that offset to its end).
///
/// Returns the slot and its length, or `TornEntry` when the file ends inside the record (or the record is
/// all zeros and the last one: a length extension whose data never reached the device), or
/// `CorruptEntry`.
pub(crate) fn decode_slot(
    bytes: &[u8],
    entry_index: i32,
    file_offset: u64,
) -> Result<(DecodedSlot, usize), ClusterFileError> {
    let torn = |expected: usize| ClusterFileError::TornEntry {
        entry_index,
        file_offset,
        available_bytes: bytes.len() as u64,
        expected_bytes: expected as u64,
    };
    let corrupt = |reason: String| ClusterFileError::CorruptEntry { entry_index, file_offset, reason };
    if bytes.len() < RECORD_ALIGNMENT {
        return Err(torn(RECORD_ALIGNMENT));
    }
    if bytes[..RECORD_ALIGNMENT].iter().all(|b| *b == 0) {
        // No real record is all zeros (a TERM has service id -1, snapshots a non-zero type).
        if bytes.iter().all(|b| *b == 0) {
            return Err(torn(RECORD_ALIGNMENT));
        }
        return Err(corrupt("all-zero record before the end of the log".to_string()));
    }
    let type_word = le_i32(bytes, ENTRY_TYPE_OFFSET);
    if type_word == ENTRY_TYPE_REMOVED {
        return Ok((DecodedSlot::Removed, RECORD_ALIGNMENT));
    }
    let is_valid = type_word & ENTRY_TYPE_INVALID_FLAG == 0;
    let raw_type = type_word & !ENTRY_TYPE_INVALID_FLAG;
    let Some(entry_type) = EntryType::from_i32(raw_type) else {
        return Err(corrupt(format!("bad entry type word {type_word:#010x}")));
    };
    let mut archive_endpoint = None;
    let mut length = RECORD_ALIGNMENT;
    if entry_type == EntryType::StandbySnapshot {
        let endpoint_length = le_i32(bytes, ENDPOINT_OFFSET);
        if endpoint_length <= 0 || endpoint_length as usize > MAX_ENDPOINT_LENGTH {
            return Err(corrupt(format!("bad standby snapshot endpoint length {endpoint_length}")));
        }
        let endpoint_length = endpoint_length as usize;
        length = entry_length(entry_type, endpoint_length);
        let end = ENDPOINT_OFFSET + 4 + endpoint_length;
        if bytes.len() < end {
            return Err(torn(length));
        }
        let endpoint = &bytes[ENDPOINT_OFFSET + 4..end];
        if !endpoint.iter().all(|b| b.is_ascii() && *b != 0) {
            return Err(corrupt("standby snapshot endpoint is not ASCII".to_string()));
        }
        archive_endpoint = Some(String::from_utf8_lossy(endpoint).into_owned());
        if bytes.len() < length {
            return Err(torn(length));
        }
    }
    let entry = RecordingLogEntry {
        recording_id: le_i64(bytes, RECORDING_ID_OFFSET),
        leadership_term_id: le_i64(bytes, LEADERSHIP_TERM_ID_OFFSET),
        term_base_log_position: le_i64(bytes, TERM_BASE_LOG_POSITION_OFFSET),
        log_position: le_i64(bytes, LOG_POSITION_OFFSET),
        timestamp: le_i64(bytes, TIMESTAMP_OFFSET),
        service_id: le_i32(bytes, SERVICE_ID_OFFSET),
        entry_type,
        is_valid,
        archive_endpoint,
        entry_index,
        file_offset,
    };
    Ok((DecodedSlot::Entry(entry), length))
}
