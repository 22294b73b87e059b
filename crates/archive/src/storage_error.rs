//! [`StorageError`]: what an [`crate::ArchiveStorage`] operation can fail with, as a value.
//!
//! Invariants:
//! - an error is either *expected* (a missing or existing file, a bad name) or *fatal*
//!   ([`StorageError::is_fatal`]): an I/O failure, a full device, or [`StorageError::PreviousIo`];
//! - after a failed write or sync a file handle is poisoned: every later operation on it returns
//!   [`StorageError::PreviousIo`], so a caller can never retry into a file whose contents are unknown
//!   (redb's `PreviousIo`, the fsync-gate lesson: a failed fsync may have dropped dirty pages).

/// An error from the archive storage seam.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    /// No file of that name exists in the archive directory.
    #[error("archive file not found: {0}")]
    NotFound(String),
    /// A file of that name already exists (on `create`, or as the target of `rename`).
    #[error("archive file already exists: {0}")]
    AlreadyExists(String),
    /// The name is empty, contains a path separator or NUL, or is `.`/`..`.
    #[error("invalid archive file name: {0:?}")]
    InvalidName(String),
    /// The device is full.
    #[error("no space left for archive file {0}")]
    StorageFull(String),
    /// Any other I/O failure (including a short write or a failed sync). Fatal.
    #[error("I/O error on archive file {name}: {message}")]
    Io {
        /// The file (or the directory, as `.`) the operation was on.
        name: String,
        /// The operating system's (or the fault injector's) description.
        message: String,
    },
    /// A previous write or sync on this file handle failed: the handle is poisoned. Fatal.
    #[error("archive file {0} is poisoned by a previous I/O failure")]
    PreviousIo(String),
}

impl StorageError {
    /// True for errors the caller must treat as fatal to the component that owns the file: the file's
    /// contents are no longer known, and retrying could turn a lost write into silent corruption.
    pub fn is_fatal(&self) -> bool {
        matches!(self, StorageError::Io { .. } | StorageError::StorageFull(_) | StorageError::PreviousIo(_))
    }
}

/// Checks an archive file name: non-empty, no `/`, `\\` or NUL, not `.` or `..`.
pub fn check_file_name(name: &str) -> Result<(), StorageError> {
    if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\', '\0']) {
        Err(StorageError::InvalidName(name.to_string()))
    } else {
        Ok(())
    }
}

/// The poisoning rule in one place: backends keep one per file handle, call [`Poison::check`] before
/// every operation and pass the result of every write, `set_len` and sync through [`Poison::guard`].
#[derive(Debug, Clone, Default)]
pub struct Poison {
    poisoned: bool,
}

impl Poison {
    /// A healthy handle.
    pub const fn new() -> Self {
        Self { poisoned: false }
    }

    /// True once a write or sync has failed.
    pub fn is_poisoned(&self) -> bool {
        self.poisoned
    }

    /// `Err(PreviousIo(name))` if poisoned.
    pub fn check(&self, name: &str) -> Result<(), StorageError> {
        if self.poisoned { Err(StorageError::PreviousIo(name.to_string())) } else { Ok(()) }
    }

    /// Poisons the handle if `result` is an error, and passes `result` on.
    pub fn guard<T>(&mut self, result: Result<T, StorageError>) -> Result<T, StorageError> {
        if result.is_err() {
            self.poisoned = true;
        }
        result
    }
}
