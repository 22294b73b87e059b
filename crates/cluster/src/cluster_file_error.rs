//! [`ClusterFileError`]: what opening, decoding or updating the cluster's durable files
//! (`recording.log`, `node-state.dat`, `cluster-mark*.dat`) can fail with.
//!
//! Invariants: decoding never panics — every malformed byte sequence maps to a variant that names where
//! the problem is (the entry index and file offset for the recording log, the field or offset for the
//! node state and mark files); a storage failure is passed through unchanged so callers can ask
//! [`archive::StorageError::is_fatal`].

use archive::StorageError;

/// An error from the cluster's file layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClusterFileError {
    /// The storage seam failed (missing file, I/O error, poisoned handle, ...).
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A recording log entry does not decode: bad type word, bad endpoint, inconsistent TERM recording id.
    #[error("recording.log entry {entry_index} at offset {file_offset} is corrupt: {reason}")]
    CorruptEntry {
        /// The entry's index in file order (removed entries count).
        entry_index: i32,
        /// Byte offset of the entry in the file.
        file_offset: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// The last recording log entry is cut short (or was never written: all zeros) — the signature of a
    /// crash during an append. Reopen with `truncate_torn_tail` to drop it.
    #[error(
        "recording.log entry {entry_index} at offset {file_offset} is torn: {available_bytes} of {expected_bytes} bytes present"
    )]
    TornEntry {
        /// The entry's index in file order.
        entry_index: i32,
        /// Byte offset of the entry in the file.
        file_offset: u64,
        /// Bytes of it the file holds.
        available_bytes: u64,
        /// Bytes a whole entry needs (at least the fixed part when the length is unknown).
        expected_bytes: u64,
    },
    /// A recording log operation was refused (Aeron throws `ClusterException` in the same cases):
    /// duplicate TERM, unknown term, invalid recording id, bad endpoint, ...
    #[error("recording log: {0}")]
    InvalidOperation(String),
    /// A node state or mark file does not have the expected structure.
    #[error("{file}: corrupt at offset {offset}: {reason}")]
    Corrupt {
        /// The file's name.
        file: String,
        /// Byte offset of the problem.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// The file's major version is not the one this software writes.
    #[error("{file}: major version {found} does not match software major version {expected}")]
    VersionMismatch {
        /// The file's name.
        file: String,
        /// Major version found.
        found: i32,
        /// Major version expected.
        expected: i32,
    },
    /// Another live process owns the mark file (its activity timestamp is within the timeout).
    #[error("{file}: active mark file detected (activity timestamp {activity_timestamp_ms} ms)")]
    ActiveMarkFile {
        /// The file's name.
        file: String,
        /// Its last activity timestamp.
        activity_timestamp_ms: i64,
    },
}

impl ClusterFileError {
    pub(crate) fn corrupt(file: &str, offset: u64, reason: impl Into<String>) -> Self {
        Self::Corrupt { file: file.to_string(), offset, reason: reason.into() }
    }
}

/// Reads a little-endian `i64` at `offset` of `bytes` (caller checked bounds).
pub(crate) fn le_i64(bytes: &[u8], offset: usize) -> i64 {
    let mut raw = [0u8; 8];
    raw.copy_from_slice(&bytes[offset..offset + 8]);
    i64::from_le_bytes(raw)
}

/// Reads a little-endian `i32` at `offset` of `bytes` (caller checked bounds).
pub(crate) fn le_i32(bytes: &[u8], offset: usize) -> i32 {
    let mut raw = [0u8; 4];
    raw.copy_from_slice(&bytes[offset..offset + 4]);
    i32::from_le_bytes(raw)
}

/// Reads a little-endian `u16` at `offset` of `bytes` (caller checked bounds).
pub(crate) fn le_u16(bytes: &[u8], offset: usize) -> u16 {
    u16::from_le_bytes([bytes[offset], bytes[offset + 1]])
}

/// Reads a little-endian `u32` at `offset` of `bytes` (caller checked bounds).
pub(crate) fn le_u32(bytes: &[u8], offset: usize) -> u32 {
    let mut raw = [0u8; 4];
    raw.copy_from_slice(&bytes[offset..offset + 4]);
    u32::from_le_bytes(raw)
}

/// Reads the whole of `file` (at most `max_length` bytes; longer files are an error).
pub(crate) fn read_whole_file<F: archive::ArchiveFile>(
    file: &F,
    max_length: u64,
) -> Result<Vec<u8>, ClusterFileError> {
    let length = file.len()?;
    if length > max_length {
        return Err(ClusterFileError::corrupt(
            file.name(),
            max_length,
            format!("file length {length} exceeds the maximum {max_length}"),
        ));
    }
    let mut bytes = vec![0u8; length as usize];
    let read = file.read_at(0, &mut bytes)?;
    bytes.truncate(read);
    Ok(bytes)
}
