//! The archive storage seam: [`ArchiveStorage`] (a flat directory of named files) and [`ArchiveFile`]
//! (one open file with positional I/O). Everything the archive reads or writes goes through it, so the
//! same catalog, recorder, reader and recovery code runs on the real file system
//! (`fulmar_sys::FsArchiveStorage`), in memory ([`crate::MemoryArchiveStorage`], with a crash-image
//! mode) and under fault injection ([`crate::FaultyArchiveStorage`]). Every backend must pass
//! [`crate::conformance::run_conformance_suite`].
//!
//! Contract for implementations:
//! - names are plain file names ([`crate::check_file_name`]); there are no sub-directories;
//! - `create` fails with `AlreadyExists` if the name exists; `open` fails with `NotFound` if not;
//! - `read_at` fills as much of the buffer as the file holds from `offset` and returns the count (short
//!   only at the end of the file); holes read as zeros;
//! - `write_at` writes all of `data` or fails; writing past the end extends the file, zero-filling any gap;
//! - `set_len` truncates or extends (extension reads as zeros; sparse where the backend can);
//! - after a failed `write_at`, `set_len`, `sync_data` or `sync_all` the handle is poisoned: every later
//!   call on it returns [`crate::StorageError::PreviousIo`];
//! - durability: data is durable after `sync_data`/`sync_all` on the file; a name (create, remove,
//!   rename) is durable after `sync_directory`.

use crate::StorageError;

/// A directory of archive files (the archive directory). Cheap to clone: clones share the directory.
pub trait ArchiveStorage: Clone + Send + 'static {
    /// An open file of this storage.
    type File: ArchiveFile;

    /// Creates an empty file `name`; fails with `AlreadyExists` if it exists.
    fn create(&self, name: &str) -> Result<Self::File, StorageError>;
    /// Opens the existing file `name` for reading and writing; fails with `NotFound` if it does not exist.
    fn open(&self, name: &str) -> Result<Self::File, StorageError>;
    /// True if a file `name` exists.
    fn exists(&self, name: &str) -> Result<bool, StorageError>;
    /// The names of all files in the directory, sorted.
    fn list(&self) -> Result<Vec<String>, StorageError>;
    /// Removes the file `name`; fails with `NotFound` if it does not exist. Open handles stay usable.
    fn remove(&self, name: &str) -> Result<(), StorageError>;
    /// Renames `from` to `to`; fails with `NotFound` if `from` is missing, `AlreadyExists` if `to` exists.
    fn rename(&self, from: &str, to: &str) -> Result<(), StorageError>;
    /// Makes the directory's entries (creations, removals, renames so far) durable.
    fn sync_directory(&self) -> Result<(), StorageError>;
}

/// One open archive file: positional reads and writes, length changes and syncs.
pub trait ArchiveFile: Send {
    /// The file's name in its directory.
    fn name(&self) -> &str;
    /// The current length in bytes.
    fn len(&self) -> Result<u64, StorageError>;
    /// True if the file is empty.
    fn is_empty(&self) -> Result<bool, StorageError> {
        Ok(self.len()? == 0)
    }
    /// Reads from `offset` into `buffer`; returns the bytes read (fewer only at the end of the file).
    fn read_at(&self, offset: u64, buffer: &mut [u8]) -> Result<usize, StorageError>;
    /// Writes all of `data` at `offset`, extending the file if needed. A failure poisons the handle.
    fn write_at(&mut self, offset: u64, data: &[u8]) -> Result<(), StorageError>;
    /// Truncates or extends the file to `length` bytes. A failure poisons the handle.
    fn set_len(&mut self, length: u64) -> Result<(), StorageError>;
    /// Makes the file's data durable (`fdatasync`). A failure poisons the handle.
    fn sync_data(&mut self) -> Result<(), StorageError>;
    /// Makes the file's data and metadata durable (`fsync`). A failure poisons the handle.
    fn sync_all(&mut self) -> Result<(), StorageError>;

    /// Reads exactly `buffer.len()` bytes at `offset`, treating bytes past the end of the file as zeros
    /// (a sparse, pre-sized segment reads the same either way); returns the bytes that came from the file.
    fn read_at_zero_filled(&self, offset: u64, buffer: &mut [u8]) -> Result<usize, StorageError> {
        let read = self.read_at(offset, buffer)?;
        buffer[read..].fill(0);
        Ok(read)
    }
}
