//! [`FsArchiveStorage`]: the archive storage seam (`fulmar_archive::ArchiveStorage`) over a real
//! directory: positional reads and writes (`pread`/`pwrite` via `FileExt`), `fdatasync`/`fsync`, directory
//! `fsync`, and sparse files (`set_len`).
//!
//! Invariants: names are checked with `fulmar_archive::check_file_name`, so nothing escapes the
//! directory; a file handle is poisoned after a failed write, `set_len` or sync (every later call returns
//! `PreviousIo`), because after a failed `fsync` Linux may already have dropped the dirty pages and a
//! retry would report success over lost data; `ENOSPC` maps to `StorageFull`.

use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use archive::{ArchiveFile, ArchiveStorage, Poison, StorageError, check_file_name};

/// An archive directory on the file system. Clones share the directory.
///
/// Create it with [`FsArchiveStorage::open`] (creates the directory if needed) and use it through
/// `ArchiveStorage`.
#[derive(Debug, Clone)]
pub struct FsArchiveStorage {
    directory: PathBuf,
}

fn map_error(name: &str, error: std::io::Error) -> StorageError {
    match error.kind() {
        ErrorKind::NotFound => StorageError::NotFound(name.to_string()),
        ErrorKind::AlreadyExists => StorageError::AlreadyExists(name.to_string()),
        ErrorKind::StorageFull => StorageError::StorageFull(name.to_string()),
        _ => StorageError::Io { name: name.to_string(), message: error.to_string() },
    }
}

impl FsArchiveStorage {
    /// The archive directory at `directory`, created (with parents) if missing.
    pub fn open(directory: impl AsRef<Path>) -> Result<Self, StorageError> {
        let directory = directory.as_ref().to_path_buf();
        std::fs::create_dir_all(&directory).map_err(|error| map_error(".", error))?;
        Ok(Self { directory })
    }

    /// The directory path.
    pub fn directory(&self) -> &Path {
        &self.directory
    }

    fn path(&self, name: &str) -> Result<PathBuf, StorageError> {
        check_file_name(name)?;
        Ok(self.directory.join(name))
    }
}

impl ArchiveStorage for FsArchiveStorage {
    type File = FsArchiveFile;

    fn create(&self, name: &str) -> Result<FsArchiveFile, StorageError> {
        let path = self.path(name)?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|error| map_error(name, error))?;
        Ok(FsArchiveFile { file, name: name.to_string(), poison: Poison::new() })
    }

    fn open(&self, name: &str) -> Result<FsArchiveFile, StorageError> {
        let path = self.path(name)?;
        let file =
            OpenOptions::new().read(true).write(true).open(path).map_err(|error| map_error(name, error))?;
        Ok(FsArchiveFile { file, name: name.to_string(), poison: Poison::new() })
    }

    fn exists(&self, name: &str) -> Result<bool, StorageError> {
        let path = self.path(name)?;
        path.try_exists().map_err(|error| map_error(name, error))
    }

    fn list(&self) -> Result<Vec<String>, StorageError> {
        let mut names = Vec::new();
        for entry in std::fs::read_dir(&self.directory).map_err(|error| map_error(".", error))? {
            let entry = entry.map_err(|error| map_error(".", error))?;
            let is_file = entry.file_type().map_err(|error| map_error(".", error))?.is_file();
            if let (true, Ok(name)) = (is_file, entry.file_name().into_string()) {
                names.push(name);
            }
        }
        names.sort();
        Ok(names)
    }

    fn remove(&self, name: &str) -> Result<(), StorageError> {
        let path = self.path(name)?;
        std::fs::remove_file(path).map_err(|error| map_error(name, error))
    }

    fn rename(&self, from: &str, to: &str) -> Result<(), StorageError> {
        let source = self.path(from)?;
        let target = self.path(to)?;
        if !source.try_exists().map_err(|error| map_error(from, error))? {
            return Err(StorageError::NotFound(from.to_string()));
        }
        if target.try_exists().map_err(|error| map_error(to, error))? {
            return Err(StorageError::AlreadyExists(to.to_string()));
        }
        std::fs::rename(source, target).map_err(|error| map_error(from, error))
    }

    fn sync_directory(&self) -> Result<(), StorageError> {
        let directory = File::open(&self.directory).map_err(|error| map_error(".", error))?;
        directory.sync_all().map_err(|error| map_error(".", error))
    }
}

/// An open file of an [`FsArchiveStorage`].
#[derive(Debug)]
pub struct FsArchiveFile {
    file: File,
    name: String,
    poison: Poison,
}

impl ArchiveFile for FsArchiveFile {
    fn name(&self) -> &str {
        &self.name
    }

    fn len(&self) -> Result<u64, StorageError> {
        self.poison.check(&self.name)?;
        Ok(self.file.metadata().map_err(|error| map_error(&self.name, error))?.len())
    }

    fn read_at(&self, offset: u64, buffer: &mut [u8]) -> Result<usize, StorageError> {
        self.poison.check(&self.name)?;
        let mut total = 0;
        while total < buffer.len() {
            match self.file.read_at(&mut buffer[total..], offset + total as u64) {
                Ok(0) => break,
                Ok(count) => total += count,
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(error) => return Err(map_error(&self.name, error)),
            }
        }
        Ok(total)
    }

    fn write_at(&mut self, offset: u64, data: &[u8]) -> Result<(), StorageError> {
        self.poison.check(&self.name)?;
        let result = self.file.write_all_at(data, offset).map_err(|error| map_error(&self.name, error));
        self.poison.guard(result)
    }

    fn set_len(&mut self, length: u64) -> Result<(), StorageError> {
        self.poison.check(&self.name)?;
        let result = self.file.set_len(length).map_err(|error| map_error(&self.name, error));
        self.poison.guard(result)
    }

    fn sync_data(&mut self) -> Result<(), StorageError> {
        self.poison.check(&self.name)?;
        let result = self.file.sync_data().map_err(|error| map_error(&self.name, error));
        self.poison.guard(result)
    }

    fn sync_all(&mut self) -> Result<(), StorageError> {
        self.poison.check(&self.name)?;
        let result = self.file.sync_all().map_err(|error| map_error(&self.name, error));
        self.poison.guard(result)
    }
}
