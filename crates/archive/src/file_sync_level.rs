//! [`FileSyncLevel`]: how hard the archive pushes writes to the device (Aeron's
//! `aeron.archive.file.sync.level` and `aeron.archive.catalog.file.sync.level`).
//!
//! Invariant: the numeric values are Aeron's (0, 1, 2), so configuration carries over unchanged.

/// When the archive forces its writes to the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[repr(i32)]
pub enum FileSyncLevel {
    /// Never sync: a process crash loses nothing (the page cache survives), a power loss may lose
    /// anything not yet written back. Aeron's default.
    #[default]
    None = 0,
    /// Sync file data after every block (`fdatasync`, `FileChannel.force(false)`), and the directory after
    /// creating a file.
    Data = 1,
    /// Sync data and metadata after every block (`fsync`, `FileChannel.force(true)`).
    DataAndMetadata = 2,
}

impl FileSyncLevel {
    /// The level for Aeron's numeric value; `None` (the Rust one) for anything but 0, 1 or 2.
    pub fn from_i32(value: i32) -> Option<Self> {
        match value {
            0 => Some(Self::None),
            1 => Some(Self::Data),
            2 => Some(Self::DataAndMetadata),
            _ => Option::None,
        }
    }

    /// Syncs `file` as this level asks: nothing, `sync_data`, or `sync_all`.
    pub fn sync<F: crate::ArchiveFile + ?Sized>(self, file: &mut F) -> Result<(), crate::StorageError> {
        match self {
            Self::None => Ok(()),
            Self::Data => file.sync_data(),
            Self::DataAndMetadata => file.sync_all(),
        }
    }
}
