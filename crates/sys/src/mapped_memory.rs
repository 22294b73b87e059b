//! [`MappedMemoryStore`]: the `agrona::MemoryStore` seam over memory-mapped files in one directory, so
//! that several processes (a driver and its clients) share the same bytes.
//!
//! Invariants:
//! - every name is a relative path of `/`-separated, non-empty segments, none of them `.` or `..` (so no
//!   leading `/`, no `//`, no trailing `/`): a store never reaches outside its directory and each file has
//!   exactly one name;
//! - `create` never reuses a file: it fails if the name exists; a created block is zero-filled;
//! - a [`MappedMemory`] is a read-write `MAP_SHARED` mapping whose address and length never change until
//!   it is dropped; removing the file does not unmap it.
//!
//! What the OS can still do to a mapping: if another process truncates a mapped file, touching the lost
//! pages raises `SIGBUS`. Fulmar never truncates a mapped file; do not do it by hand either. Files are
//! sparse by default; [`MappedMemoryStore::with_preallocate`] reserves the disk blocks up front so that a
//! full file system fails at `create` instead of with `SIGBUS` on first touch.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use agrona::{AtomicBuffer, Memory, MemoryError, MemoryStore};
use memmap2::{MmapOptions, MmapRaw};

/// A read-write shared mapping of a whole file.
///
/// Obtained from [`MappedMemoryStore`] (wrapped in an [`AtomicBuffer`]) or from
/// [`MappedMemory::map_file`]. Dropping it unmaps the file; the file itself stays.
pub struct MappedMemory {
    map: MmapRaw,
}

impl MappedMemory {
    /// Maps the whole of an open file read-write and shared. The file must be open for reading and
    /// writing.
    pub fn map_file(file: &File) -> io::Result<Self> {
        let map = MmapOptions::new().map_raw(file)?;
        Ok(Self { map })
    }
}

// SAFETY: `MmapRaw` maps the file once, at construction, and unmaps it only in its `Drop`; its pointer and
// length are fixed in between and `as_mut_ptr` returns the same pointer on every call. The mapping is
// shared read-write, so the bytes are readable and writable for the mapping's whole life (the only way to
// lose them is a truncation of the file by someone else, which the module docs forbid and which raises
// SIGBUS rather than reading freed memory). `MmapRaw` is `Send + Sync`.
unsafe impl Memory for MappedMemory {
    fn as_mut_ptr(&self) -> *mut u8 {
        self.map.as_mut_ptr()
    }

    fn len(&self) -> usize {
        self.map.len()
    }
}

/// Named blocks of shared memory as files under one directory.
///
/// How to drive it: the driver makes a fresh directory (see [`crate::DriverDirectory`]) and calls
/// [`MappedMemoryStore::create_dir`]; clients call [`MappedMemoryStore::open_dir`] on the same path. Then
/// use the `MemoryStore` methods with names such as `cnc.dat` or `publications/17.logbuffer`. Clones are
/// cheap and refer to the same directory.
#[derive(Debug, Clone)]
pub struct MappedMemoryStore {
    root: Arc<PathBuf>,
    preallocate: bool,
}

impl MappedMemoryStore {
    /// A store over an existing directory. Fails with `NotFound` if `path` is not a directory.
    pub fn open_dir(path: impl AsRef<Path>) -> Result<Self, MemoryError> {
        let path = path.as_ref();
        if !path.is_dir() {
            return Err(MemoryError::NotFound(path.display().to_string()));
        }
        Ok(Self::at(path))
    }

    /// A store over `path`, creating the directory and its parents if needed (an existing directory is
    /// kept as it is).
    pub fn create_dir(path: impl AsRef<Path>) -> Result<Self, MemoryError> {
        let path = path.as_ref();
        fs::create_dir_all(path).map_err(|error| io_error(&path.display().to_string(), &error))?;
        Ok(Self::at(path))
    }

    fn at(path: &Path) -> Self {
        Self { root: Arc::new(path.to_path_buf()), preallocate: false }
    }

    /// When `preallocate` is true, `create` reserves every block of the file on disk (`posix_fallocate`)
    /// instead of leaving it sparse: slower for large files, but a full file system is reported by
    /// `create` rather than by `SIGBUS` later. Off by default, as Aeron's sparse term buffers.
    pub fn with_preallocate(mut self, preallocate: bool) -> Self {
        self.preallocate = preallocate;
        self
    }

    /// The directory this store lives in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file path of `name`, or an error if the name is not a plain relative path (see the module docs).
    pub fn path_of(&self, name: &str) -> Result<PathBuf, MemoryError> {
        let plain =
            name.split('/').all(|segment| !matches!(segment, "" | "." | "..")) && !name.contains('\0');
        if !plain {
            return Err(MemoryError::Io {
                name: name.to_owned(),
                reason: "invalid name: must be `/`-separated non-empty segments, none `.` or `..`".to_owned(),
            });
        }
        Ok(self.root.join(name))
    }

    /// Deletes the file of `name`, reporting why it could not (including `NotFound`).
    pub fn try_remove(&self, name: &str) -> Result<(), MemoryError> {
        let path = self.path_of(name)?;
        fs::remove_file(&path).map_err(|error| io_error(name, &error))
    }

    /// Creates the file exclusively and sizes it; removes it again if sizing fails.
    fn create_file(&self, name: &str, path: &Path, len: usize) -> Result<File, MemoryError> {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|error| io_error(name, &error))?;
        }
        let len_u64 = u64::try_from(len).map_err(|_| invalid_len(name, len))?;
        let file =
            OpenOptions::new().read(true).write(true).create_new(true).open(path).map_err(|error| {
                if error.kind() == io::ErrorKind::AlreadyExists {
                    MemoryError::AlreadyExists(name.to_owned())
                } else {
                    io_error(name, &error)
                }
            })?;
        let sized = file
            .set_len(len_u64)
            .and_then(|()| if self.preallocate && len > 0 { preallocate(&file, len) } else { Ok(()) });
        match sized {
            Ok(()) => Ok(file),
            Err(error) => {
                let _ = fs::remove_file(path);
                Err(io_error(name, &error))
            }
        }
    }
}

impl MemoryStore for MappedMemoryStore {
    /// Creates the file (and its parent directories) exclusively, sets its length to `len` (zero-filled)
    /// and maps it. On any failure after the file was created, the file is removed again.
    fn create(&self, name: &str, len: usize) -> Result<AtomicBuffer, MemoryError> {
        let path = self.path_of(name)?;
        let file = self.create_file(name, &path, len)?;
        match MappedMemory::map_file(&file) {
            Ok(memory) => Ok(AtomicBuffer::new(Arc::new(memory))),
            Err(error) => {
                let _ = fs::remove_file(&path);
                Err(io_error(name, &error))
            }
        }
    }

    /// Maps the whole of an existing file read-write.
    fn open(&self, name: &str) -> Result<AtomicBuffer, MemoryError> {
        let path = self.path_of(name)?;
        let file = OpenOptions::new().read(true).write(true).open(&path).map_err(|error| {
            if error.kind() == io::ErrorKind::NotFound {
                MemoryError::NotFound(name.to_owned())
            } else {
                io_error(name, &error)
            }
        })?;
        let memory = MappedMemory::map_file(&file).map_err(|error| io_error(name, &error))?;
        Ok(AtomicBuffer::new(Arc::new(memory)))
    }

    /// Deletes the file; mappings already handed out stay valid. Errors (a missing file, an invalid
    /// name) are ignored: use [`MappedMemoryStore::try_remove`] to see them.
    fn remove(&self, name: &str) {
        let _ = self.try_remove(name);
    }

    /// True if `name` is valid and a file of that name exists.
    fn exists(&self, name: &str) -> bool {
        self.path_of(name).map(|path| path.is_file()).unwrap_or(false)
    }
}

fn io_error(name: &str, error: &io::Error) -> MemoryError {
    MemoryError::Io { name: name.to_owned(), reason: error.to_string() }
}

fn invalid_len(name: &str, len: usize) -> MemoryError {
    MemoryError::Io { name: name.to_owned(), reason: format!("length {len} does not fit a file length") }
}

fn preallocate(file: &File, len: usize) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let len = libc::off_t::try_from(len).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    loop {
        // SAFETY: the descriptor is open for writing and owned by `file` for the duration of the call.
        let rc = unsafe { libc::posix_fallocate(file.as_raw_fd(), 0, len) };
        match rc {
            0 => return Ok(()),
            libc::EINTR => continue,
            errno => return Err(io::Error::from_raw_os_error(errno)),
        }
    }
}
