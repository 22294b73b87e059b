//! [`MemoryArchiveStorage`]: the archive directory in memory, for tests and the simulator, with an
//! optional crash-image mode modelled on redb's `crash_consistency.rs` and TigerBeetle's test storage.
//!
//! Crash-image model (only with [`MemoryArchiveStorage::with_crash_image`]):
//! - every file has a *live* image (what reads see) and a *durable* image (what survives a power loss);
//!   the directory likewise has live and durable name tables;
//! - every mutation is appended, in order, to a log of pending (unsynced) operations;
//! - `sync_data`/`sync_all` on a file moves that file's pending writes and length changes into its
//!   durable image; `sync_directory` moves pending creations, removals and renames into the durable
//!   directory;
//! - [`MemoryArchiveStorage::crash`] builds a new, independent storage from the durable state plus a prefix
//!   of the pending log chosen by [`CrashMode`]. A torn write keeps only whole 4 KiB file pages of its
//!   data: pages are the unit a device writes atomically, which is what Aeron's recovery assumes.
//!
//! Invariants: files never exceed [`MAX_MEMORY_FILE_LENGTH`] (larger requests fail with `StorageFull`, so
//! garbage lengths cannot exhaust memory); locks are never held across calls into user code.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::{ArchiveFile, ArchiveStorage, Poison, StorageError, check_file_name};

/// The largest file the memory backend holds (8 GiB).
pub const MAX_MEMORY_FILE_LENGTH: u64 = 1 << 33;

/// The unit a simulated device writes atomically when a crash tears a write.
pub const CRASH_PAGE_SIZE: u64 = 4096;

/// Which pending (unsynced) operations survive [`MemoryArchiveStorage::crash`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashMode {
    /// Everything survives: a process crash, where the operating system's page cache outlives the process.
    KeepAll,
    /// Nothing unsynced survives: a power loss right after the last sync.
    LoseUnsynced,
    /// Pending operations survive in order until `kept_write_bytes` bytes of written data have been kept;
    /// the write that crosses that budget keeps only the whole file pages before the cut, and everything
    /// after it is lost.
    Torn {
        /// How many bytes of pending writes (counted in order) reach the device.
        kept_write_bytes: u64,
    },
}

#[derive(Debug, Clone, Default)]
struct FileData {
    live: Vec<u8>,
    durable: Vec<u8>,
}

#[derive(Debug, Clone)]
enum PendingOperation {
    Create { name: String, file_id: u64 },
    Remove { name: String },
    Rename { from: String, to: String },
    Write { file_id: u64, offset: u64, data: Vec<u8> },
    SetLength { file_id: u64, length: u64 },
}

#[derive(Debug, Default)]
struct State {
    crash_image: bool,
    live_directory: BTreeMap<String, u64>,
    durable_directory: BTreeMap<String, u64>,
    files: BTreeMap<u64, FileData>,
    next_file_id: u64,
    pending: Vec<PendingOperation>,
}

/// An archive directory held in memory. Clones share the same directory.
///
/// Drive it like any [`ArchiveStorage`]. In crash-image mode, call [`MemoryArchiveStorage::crash`] at any
/// point to get the storage a restarted archive would find; [`MemoryArchiveStorage::pending_write_bytes`]
/// tells how many unsynced bytes a [`CrashMode::Torn`] cut can choose from.
#[derive(Debug, Clone, Default)]
pub struct MemoryArchiveStorage {
    state: Arc<Mutex<State>>,
}

impl MemoryArchiveStorage {
    /// An empty directory without crash tracking (syncs are no-ops; `crash` keeps everything).
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty directory that tracks durable images and pending operations for [`Self::crash`].
    pub fn with_crash_image() -> Self {
        let storage = Self::default();
        storage.lock().crash_image = true;
        storage
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Bytes of data written but not yet synced (counted over all files, in order).
    pub fn pending_write_bytes(&self) -> u64 {
        self.lock()
            .pending
            .iter()
            .map(|operation| match operation {
                PendingOperation::Write { data, .. } => data.len() as u64,
                _ => 0,
            })
            .sum()
    }

    /// A copy of the live contents of `name` (tests and tools).
    pub fn file_contents(&self, name: &str) -> Result<Vec<u8>, StorageError> {
        let state = self.lock();
        let file_id =
            *state.live_directory.get(name).ok_or_else(|| StorageError::NotFound(name.to_string()))?;
        Ok(state.files.get(&file_id).map(|file| file.live.clone()).unwrap_or_default())
    }

    /// The storage a restarted archive would find after a crash now, chosen by `mode`. The result is
    /// independent of `self` and starts with everything durable (in crash-image mode). Without crash
    /// tracking, every mode behaves as [`CrashMode::KeepAll`].
    pub fn crash(&self, mode: CrashMode) -> MemoryArchiveStorage {
        let state = self.lock();
        let crash_image = state.crash_image;
        let mut directory;
        let mut files: BTreeMap<u64, Vec<u8>> = BTreeMap::new();
        if !crash_image || mode == CrashMode::KeepAll {
            directory = state.live_directory.clone();
            for file_id in directory.values() {
                files.insert(*file_id, state.files.get(file_id).map(|f| f.live.clone()).unwrap_or_default());
            }
        } else {
            directory = state.durable_directory.clone();
            let mut referenced: Vec<u64> = directory.values().copied().collect();
            for operation in &state.pending {
                if let PendingOperation::Create { file_id, .. } = operation {
                    referenced.push(*file_id);
                }
            }
            for file_id in referenced {
                files.insert(
                    file_id,
                    state.files.get(&file_id).map(|f| f.durable.clone()).unwrap_or_default(),
                );
            }
            let mut budget = match mode {
                CrashMode::LoseUnsynced => 0,
                CrashMode::Torn { kept_write_bytes } => kept_write_bytes,
                CrashMode::KeepAll => u64::MAX,
            };
            let lose_everything = mode == CrashMode::LoseUnsynced;
            for operation in &state.pending {
                match operation {
                    PendingOperation::Create { name, file_id } => {
                        if lose_everything {
                            break;
                        }
                        directory.insert(name.clone(), *file_id);
                        files.entry(*file_id).or_default();
                    }
                    PendingOperation::Remove { name } => {
                        if lose_everything {
                            break;
                        }
                        directory.remove(name);
                    }
                    PendingOperation::Rename { from, to } => {
                        if lose_everything {
                            break;
                        }
                        if let Some(file_id) = directory.remove(from) {
                            directory.insert(to.clone(), file_id);
                        }
                    }
                    PendingOperation::SetLength { file_id, length } => {
                        if lose_everything {
                            break;
                        }
                        files.entry(*file_id).or_default().resize(*length as usize, 0);
                    }
                    PendingOperation::Write { file_id, offset, data } => {
                        let kept = if (data.len() as u64) <= budget {
                            data.len() as u64
                        } else {
                            let cut = (*offset + budget) / CRASH_PAGE_SIZE * CRASH_PAGE_SIZE;
                            cut.saturating_sub(*offset)
                        };
                        if kept > 0 {
                            write_into(files.entry(*file_id).or_default(), *offset, &data[..kept as usize]);
                        }
                        if kept < data.len() as u64 {
                            break;
                        }
                        budget -= kept;
                    }
                }
            }
        }
        let mut new_state = State { crash_image, ..State::default() };
        for (name, file_id) in directory {
            let contents = files.get(&file_id).cloned().unwrap_or_default();
            let new_id = new_state.next_file_id;
            new_state.next_file_id += 1;
            new_state.live_directory.insert(name.clone(), new_id);
            new_state.durable_directory.insert(name, new_id);
            new_state.files.insert(new_id, FileData { durable: contents.clone(), live: contents });
        }
        MemoryArchiveStorage { state: Arc::new(Mutex::new(new_state)) }
    }
}

fn write_into(target: &mut Vec<u8>, offset: u64, data: &[u8]) {
    let end = offset as usize + data.len();
    if target.len() < end {
        target.resize(end, 0);
    }
    target[offset as usize..end].copy_from_slice(data);
}

fn check_length(name: &str, length: u64) -> Result<(), StorageError> {
    if length > MAX_MEMORY_FILE_LENGTH { Err(StorageError::StorageFull(name.to_string())) } else { Ok(()) }
}

impl ArchiveStorage for MemoryArchiveStorage {
    type File = MemoryArchiveFile;

    fn create(&self, name: &str) -> Result<MemoryArchiveFile, StorageError> {
        check_file_name(name)?;
        let mut state = self.lock();
        if state.live_directory.contains_key(name) {
            return Err(StorageError::AlreadyExists(name.to_string()));
        }
        let file_id = state.next_file_id;
        state.next_file_id += 1;
        state.live_directory.insert(name.to_string(), file_id);
        state.files.insert(file_id, FileData::default());
        if state.crash_image {
            state.pending.push(PendingOperation::Create { name: name.to_string(), file_id });
        }
        Ok(MemoryArchiveFile {
            state: self.state.clone(),
            file_id,
            name: name.to_string(),
            poison: Poison::new(),
        })
    }

    fn open(&self, name: &str) -> Result<MemoryArchiveFile, StorageError> {
        check_file_name(name)?;
        let state = self.lock();
        let file_id =
            *state.live_directory.get(name).ok_or_else(|| StorageError::NotFound(name.to_string()))?;
        Ok(MemoryArchiveFile {
            state: self.state.clone(),
            file_id,
            name: name.to_string(),
            poison: Poison::new(),
        })
    }

    fn exists(&self, name: &str) -> Result<bool, StorageError> {
        check_file_name(name)?;
        Ok(self.lock().live_directory.contains_key(name))
    }

    fn list(&self) -> Result<Vec<String>, StorageError> {
        Ok(self.lock().live_directory.keys().cloned().collect())
    }

    fn remove(&self, name: &str) -> Result<(), StorageError> {
        check_file_name(name)?;
        let mut state = self.lock();
        if state.live_directory.remove(name).is_none() {
            return Err(StorageError::NotFound(name.to_string()));
        }
        if state.crash_image {
            state.pending.push(PendingOperation::Remove { name: name.to_string() });
        }
        Ok(())
    }

    fn rename(&self, from: &str, to: &str) -> Result<(), StorageError> {
        check_file_name(from)?;
        check_file_name(to)?;
        let mut state = self.lock();
        if !state.live_directory.contains_key(from) {
            return Err(StorageError::NotFound(from.to_string()));
        }
        if state.live_directory.contains_key(to) {
            return Err(StorageError::AlreadyExists(to.to_string()));
        }
        if let Some(file_id) = state.live_directory.remove(from) {
            state.live_directory.insert(to.to_string(), file_id);
        }
        if state.crash_image {
            state.pending.push(PendingOperation::Rename { from: from.to_string(), to: to.to_string() });
        }
        Ok(())
    }

    fn sync_directory(&self) -> Result<(), StorageError> {
        let mut state = self.lock();
        if state.crash_image {
            state.durable_directory = state.live_directory.clone();
            state.pending.retain(|operation| {
                !matches!(
                    operation,
                    PendingOperation::Create { .. }
                        | PendingOperation::Remove { .. }
                        | PendingOperation::Rename { .. }
                )
            });
        }
        Ok(())
    }
}

/// An open file of a [`MemoryArchiveStorage`]; it stays usable after the name is removed.
#[derive(Debug)]
pub struct MemoryArchiveFile {
    state: Arc<Mutex<State>>,
    file_id: u64,
    name: String,
    poison: Poison,
}

impl MemoryArchiveFile {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn sync(&mut self) -> Result<(), StorageError> {
        self.poison.check(&self.name)?;
        let mut state = self.lock();
        if !state.crash_image {
            return Ok(());
        }
        let file_id = self.file_id;
        let pending = std::mem::take(&mut state.pending);
        let mut kept = Vec::with_capacity(pending.len());
        let mut durable =
            state.files.get_mut(&file_id).map(|file| std::mem::take(&mut file.durable)).unwrap_or_default();
        for operation in pending {
            match operation {
                PendingOperation::Write { file_id: id, offset, data } if id == file_id => {
                    write_into(&mut durable, offset, &data)
                }
                PendingOperation::SetLength { file_id: id, length } if id == file_id => {
                    durable.resize(length as usize, 0)
                }
                other => kept.push(other),
            }
        }
        state.pending = kept;
        if let Some(file) = state.files.get_mut(&file_id) {
            file.durable = durable;
        }
        Ok(())
    }
}

impl ArchiveFile for MemoryArchiveFile {
    fn name(&self) -> &str {
        &self.name
    }

    fn len(&self) -> Result<u64, StorageError> {
        self.poison.check(&self.name)?;
        Ok(self.lock().files.get(&self.file_id).map_or(0, |file| file.live.len() as u64))
    }

    fn read_at(&self, offset: u64, buffer: &mut [u8]) -> Result<usize, StorageError> {
        self.poison.check(&self.name)?;
        let state = self.lock();
        let Some(file) = state.files.get(&self.file_id) else { return Ok(0) };
        let length = file.live.len() as u64;
        if offset >= length {
            return Ok(0);
        }
        let count = (length - offset).min(buffer.len() as u64) as usize;
        buffer[..count].copy_from_slice(&file.live[offset as usize..offset as usize + count]);
        Ok(count)
    }

    fn write_at(&mut self, offset: u64, data: &[u8]) -> Result<(), StorageError> {
        self.poison.check(&self.name)?;
        let result = offset.checked_add(data.len() as u64).map_or_else(
            || Err(StorageError::StorageFull(self.name.clone())),
            |end| check_length(&self.name, end),
        );
        if result.is_ok() {
            let mut state = self.lock();
            if let Some(file) = state.files.get_mut(&self.file_id) {
                write_into(&mut file.live, offset, data);
            }
            if state.crash_image {
                state.pending.push(PendingOperation::Write {
                    file_id: self.file_id,
                    offset,
                    data: data.to_vec(),
                });
            }
        }
        self.poison.guard(result)
    }

    fn set_len(&mut self, length: u64) -> Result<(), StorageError> {
        self.poison.check(&self.name)?;
        let result = check_length(&self.name, length);
        if result.is_ok() {
            let mut state = self.lock();
            if let Some(file) = state.files.get_mut(&self.file_id) {
                file.live.resize(length as usize, 0);
            }
            if state.crash_image {
                state.pending.push(PendingOperation::SetLength { file_id: self.file_id, length });
            }
        }
        self.poison.guard(result)
    }

    fn sync_data(&mut self) -> Result<(), StorageError> {
        self.sync()
    }

    fn sync_all(&mut self) -> Result<(), StorageError> {
        self.sync()
    }
}
