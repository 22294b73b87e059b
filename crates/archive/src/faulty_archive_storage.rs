//! [`FaultyArchiveStorage`]: wraps any [`ArchiveStorage`] and injects failed writes, short writes and
//! failed syncs, after a countdown and optionally only on files whose name contains a pattern (redb's
//! fuzzer backend, TigerBeetle's storage faults).
//!
//! Invariants: a fault fires exactly once, on the `countdown + 1`-th matching operation; a file handle
//! that suffered a fault is poisoned like a real one (every later call returns `PreviousIo`); a short
//! write really writes its prefix through the inner storage before failing, so what is on "disk" matches
//! a device that gave up half way.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::{ArchiveFile, ArchiveStorage, Poison, StorageError};

/// What an injected fault does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// `write_at` fails without writing anything.
    FailWrite,
    /// `write_at` writes its first `written_bytes` bytes (at most the whole buffer), then fails.
    ShortWrite {
        /// How many leading bytes reach the inner storage.
        written_bytes: usize,
    },
    /// `sync_data`/`sync_all` fails (the data may or may not have reached the device).
    FailSync,
}

/// One armed fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// What happens when it fires.
    pub kind: FaultKind,
    /// Matching operations to let through before firing (0 = the next one).
    pub countdown: u64,
    /// Only operations on files whose name contains this match (`None` = every file).
    pub name_contains: Option<String>,
}

impl Fault {
    /// A fault of `kind` on the `countdown + 1`-th matching operation on any file.
    pub fn after(kind: FaultKind, countdown: u64) -> Self {
        Self { kind, countdown, name_contains: None }
    }

    /// Restricts the fault to files whose name contains `pattern`.
    pub fn on_files_containing(mut self, pattern: &str) -> Self {
        self.name_contains = Some(pattern.to_string());
        self
    }

    fn matches(&self, name: &str, is_sync: bool) -> bool {
        let kind_matches = matches!(self.kind, FaultKind::FailSync) == is_sync;
        kind_matches && self.name_contains.as_deref().is_none_or(|pattern| name.contains(pattern))
    }
}

#[derive(Debug, Default)]
struct FaultPlan {
    armed: Vec<Fault>,
    fired: u64,
}

/// A storage that injects [`Fault`]s into an inner storage. Clones share the plan.
///
/// Arm faults with [`FaultyArchiveStorage::inject`]; check [`FaultyArchiveStorage::fired_count`] to know
/// that a test really exercised one.
#[derive(Debug, Clone)]
pub struct FaultyArchiveStorage<S> {
    inner: S,
    plan: Arc<Mutex<FaultPlan>>,
}

impl<S: ArchiveStorage> FaultyArchiveStorage<S> {
    /// Wraps `inner` with no faults armed.
    pub fn new(inner: S) -> Self {
        Self { inner, plan: Arc::new(Mutex::new(FaultPlan::default())) }
    }

    /// The wrapped storage.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// Arms `fault`.
    pub fn inject(&self, fault: Fault) {
        self.lock().armed.push(fault);
    }

    /// Disarms every fault not yet fired.
    pub fn clear(&self) {
        self.lock().armed.clear();
    }

    /// How many faults have fired so far.
    pub fn fired_count(&self) -> u64 {
        self.lock().fired
    }

    fn lock(&self) -> MutexGuard<'_, FaultPlan> {
        self.plan.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn take_fault(plan: &Mutex<FaultPlan>, name: &str, is_sync: bool) -> Option<FaultKind> {
    let mut plan = plan.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut fired = None;
    let mut index = 0;
    while index < plan.armed.len() {
        if plan.armed[index].matches(name, is_sync) {
            if plan.armed[index].countdown == 0 {
                if fired.is_none() {
                    fired = Some(plan.armed.remove(index).kind);
                    continue;
                }
            } else {
                plan.armed[index].countdown -= 1;
            }
        }
        index += 1;
    }
    if fired.is_some() {
        plan.fired += 1;
    }
    fired
}

impl<S: ArchiveStorage> ArchiveStorage for FaultyArchiveStorage<S> {
    type File = FaultyArchiveFile<S::File>;

    fn create(&self, name: &str) -> Result<Self::File, StorageError> {
        let inner = self.inner.create(name)?;
        Ok(FaultyArchiveFile { inner, plan: self.plan.clone(), poison: Poison::new() })
    }

    fn open(&self, name: &str) -> Result<Self::File, StorageError> {
        let inner = self.inner.open(name)?;
        Ok(FaultyArchiveFile { inner, plan: self.plan.clone(), poison: Poison::new() })
    }

    fn exists(&self, name: &str) -> Result<bool, StorageError> {
        self.inner.exists(name)
    }

    fn list(&self) -> Result<Vec<String>, StorageError> {
        self.inner.list()
    }

    fn remove(&self, name: &str) -> Result<(), StorageError> {
        self.inner.remove(name)
    }

    fn rename(&self, from: &str, to: &str) -> Result<(), StorageError> {
        self.inner.rename(from, to)
    }

    fn sync_directory(&self) -> Result<(), StorageError> {
        if take_fault(&self.plan, ".", true).is_some() {
            return Err(StorageError::Io {
                name: ".".to_string(),
                message: "injected directory sync failure".to_string(),
            });
        }
        self.inner.sync_directory()
    }
}

/// An open file of a [`FaultyArchiveStorage`].
#[derive(Debug)]
pub struct FaultyArchiveFile<F> {
    inner: F,
    plan: Arc<Mutex<FaultPlan>>,
    poison: Poison,
}

impl<F: ArchiveFile> FaultyArchiveFile<F> {
    fn injected(&self, message: &str) -> StorageError {
        StorageError::Io { name: self.inner.name().to_string(), message: message.to_string() }
    }

    fn sync_with(&mut self, data_only: bool) -> Result<(), StorageError> {
        self.poison.check(self.inner.name())?;
        let result = if take_fault(&self.plan, self.inner.name(), true).is_some() {
            Err(self.injected("injected sync failure"))
        } else if data_only {
            self.inner.sync_data()
        } else {
            self.inner.sync_all()
        };
        self.poison.guard(result)
    }
}

impl<F: ArchiveFile> ArchiveFile for FaultyArchiveFile<F> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn len(&self) -> Result<u64, StorageError> {
        self.poison.check(self.inner.name())?;
        self.inner.len()
    }

    fn read_at(&self, offset: u64, buffer: &mut [u8]) -> Result<usize, StorageError> {
        self.poison.check(self.inner.name())?;
        self.inner.read_at(offset, buffer)
    }

    fn write_at(&mut self, offset: u64, data: &[u8]) -> Result<(), StorageError> {
        self.poison.check(self.inner.name())?;
        let result = match take_fault(&self.plan, self.inner.name(), false) {
            Some(FaultKind::ShortWrite { written_bytes }) => {
                let prefix = &data[..written_bytes.min(data.len())];
                match self.inner.write_at(offset, prefix) {
                    Ok(()) => Err(self.injected("injected short write")),
                    Err(error) => Err(error),
                }
            }
            Some(_) => Err(self.injected("injected write failure")),
            None => self.inner.write_at(offset, data),
        };
        self.poison.guard(result)
    }

    fn set_len(&mut self, length: u64) -> Result<(), StorageError> {
        self.poison.check(self.inner.name())?;
        let result = self.inner.set_len(length);
        self.poison.guard(result)
    }

    fn sync_data(&mut self) -> Result<(), StorageError> {
        self.sync_with(true)
    }

    fn sync_all(&mut self) -> Result<(), StorageError> {
        self.sync_with(false)
    }
}
