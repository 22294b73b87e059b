//! [`DriverDirectory`]: the directory a media driver shares with its clients (`cnc.dat`, log buffers).
//!
//! A directory is *in use* when its `cnc.dat` names (at [`CNC_PID_OFFSET`]) a process that is still
//! alive (see [`crate::is_process_alive`]). A directory left by a crashed driver is stale and may be
//! deleted; one in use must not be.
//!
//! Invariants and limits:
//! - only the CnC header is read (never mapped), so checking a directory cannot disturb a live driver;
//! - a `cnc.dat` that is too short or whose pid is not positive counts as *not* in use (a driver writes
//!   its pid before it publishes `cnc_version`, so this is only wrong for a driver caught in the first
//!   instants of its start);
//! - the check trusts pids: a pid reused by an unrelated process, or a driver in another pid namespace,
//!   is misjudged. Aeron's heartbeat-based check (to-driver consumer heartbeat) belongs to the client,
//!   which can read the ring buffer.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::mapped_memory::MappedMemoryStore;
use crate::process::is_process_alive;

/// The CnC file's name inside a driver directory, as Aeron.
pub const CNC_FILE_NAME: &str = "cnc.dat";

/// How recently a `cnc.dat` without a pid must have been modified for its directory to count as in use
/// by a driver that is starting (the window between creating the file and writing its header).
pub const STARTUP_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// Offset of the driver's `pid:i64` in the CnC header (Aeron `CncFileDescriptor`; must equal
/// `protocol::command::cnc::PID_OFFSET`, which the tools crate asserts in a test).
pub const CNC_PID_OFFSET: usize = 40;

/// Why a driver directory could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum DriverDirectoryError {
    /// A live process (the pid) owns the directory.
    #[error("driver directory {path:?} is in use by process {pid} (0: a driver is starting in it)")]
    InUse {
        /// The directory.
        path: PathBuf,
        /// The owner's pid from `cnc.dat`.
        pid: i64,
    },
    /// The file system refused.
    #[error("driver directory {path:?}: {source}")]
    Io {
        /// The directory.
        path: PathBuf,
        /// What the OS said.
        source: io::Error,
    },
}

/// A driver directory path with the helpers a driver needs before it starts.
///
/// How to drive it: a driver calls [`DriverDirectory::create_fresh`] (fails if another live driver owns
/// the directory, otherwise deletes what is left and makes an empty directory) and writes its CnC file
/// through the returned store; tools call [`DriverDirectory::is_in_use`] or
/// [`DriverDirectory::remove_if_exists`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriverDirectory {
    path: PathBuf,
}

impl DriverDirectory {
    /// Names a driver directory (nothing is touched).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The path of its `cnc.dat`.
    pub fn cnc_path(&self) -> PathBuf {
        self.path.join(CNC_FILE_NAME)
    }

    /// True if the directory exists.
    pub fn exists(&self) -> bool {
        self.path.is_dir()
    }

    /// The pid recorded in `cnc.dat`, or `None` if the file is missing, unreadable or too short.
    pub fn cnc_pid(&self) -> Option<i64> {
        let mut header = [0_u8; CNC_PID_OFFSET + 8];
        File::open(self.cnc_path()).and_then(|mut file| file.read_exact(&mut header)).ok()?;
        let pid_bytes: [u8; 8] = header[CNC_PID_OFFSET..].try_into().ok()?;
        Some(i64::from_le_bytes(pid_bytes))
    }

    /// The pid of the live process that owns the directory, if any (see the module docs).
    pub fn owner_pid(&self) -> Option<i64> {
        self.cnc_pid().filter(|&pid| is_process_alive(pid))
    }

    /// True if a live process owns the directory (its `cnc.dat` names a live pid).
    pub fn is_in_use(&self) -> bool {
        self.owner_pid().is_some()
    }

    /// Deletes the directory and everything in it. Returns whether there was anything to delete.
    /// Mappings of its files that are still alive stay valid.
    pub fn remove_if_exists(&self) -> Result<bool, DriverDirectoryError> {
        match fs::remove_dir_all(&self.path) {
            Ok(()) => Ok(true),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(source) => Err(DriverDirectoryError::Io { path: self.path.clone(), source }),
        }
    }

    /// True if `cnc.dat` exists, does not name a pid yet, and was modified within
    /// [`STARTUP_GRACE`]: a driver is probably between creating the file and writing its header.
    pub fn is_starting(&self) -> bool {
        let fresh = fs::metadata(self.cnc_path())
            .and_then(|metadata| metadata.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_some_and(|age| age < STARTUP_GRACE);
        fresh && self.cnc_pid().is_none_or(|pid| pid <= 0)
    }

    /// Prepares the directory for a new driver: fails with [`DriverDirectoryError::InUse`] if a live
    /// process owns it (or a driver is starting in it, see [`Self::is_starting`]), otherwise removes any
    /// stale content and returns a store over a new, empty directory.
    pub fn create_fresh(&self) -> Result<MappedMemoryStore, DriverDirectoryError> {
        if let Some(pid) = self.owner_pid() {
            return Err(DriverDirectoryError::InUse { path: self.path.clone(), pid });
        }
        if self.is_starting() {
            return Err(DriverDirectoryError::InUse { path: self.path.clone(), pid: 0 });
        }
        self.remove_if_exists()?;
        fs::create_dir_all(&self.path)
            .map_err(|source| DriverDirectoryError::Io { path: self.path.clone(), source })?;
        MappedMemoryStore::open_dir(&self.path).map_err(|error| DriverDirectoryError::Io {
            path: self.path.clone(),
            source: io::Error::other(error.to_string()),
        })
    }

    /// A store over the directory as it is (for clients); fails if it does not exist.
    pub fn open_store(&self) -> Result<MappedMemoryStore, agrona::MemoryError> {
        MappedMemoryStore::open_dir(&self.path)
    }
}
