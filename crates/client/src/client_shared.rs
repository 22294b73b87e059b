//! [`ClientShared`]: the state every handle of one client shares (the `Aeron` handles, publications,
//! subscriptions and the conductor agent): the conductor behind a mutex, and a small queue of release
//! requests that handles can post without taking the conductor's lock.
//!
//! Invariants:
//! - The conductor mutex is only taken on the control path (add/remove, duty cycle), never by offer or poll.
//! - Release requests (close/drop of a publication or subscription) never block: they are queued and
//!   the conductor is tried once with `try_lock`; if it is busy (or the request is made from inside a
//!   handler the conductor is running) the conductor sends them on its next duty cycle.
//! - User handlers run by the conductor execute with a thread-local "in callback" flag set; control-path
//!   calls made from inside them fail with `ClientError::Reentrant` instead of deadlocking.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};

use crate::client_conductor::ClientConductor;
use crate::client_error::ClientError;

thread_local! {
    static IN_CALLBACK: Cell<bool> = const { Cell::new(false) };
}

/// True while this thread runs a user handler on behalf of a client conductor.
pub(crate) fn in_callback() -> bool {
    IN_CALLBACK.with(Cell::get)
}

/// Sets the "in callback" flag for its lifetime (restoring the previous value on drop).
pub(crate) struct CallbackGuard {
    previous: bool,
}

impl CallbackGuard {
    pub(crate) fn enter() -> Self {
        Self { previous: IN_CALLBACK.with(|flag| flag.replace(true)) }
    }
}

impl Drop for CallbackGuard {
    fn drop(&mut self) {
        IN_CALLBACK.with(|flag| flag.set(self.previous));
    }
}

/// A resource a handle gave up, to be removed from the driver by the conductor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Release {
    /// `REMOVE_PUBLICATION` for this handle's registration id.
    Publication { registration_id: i64 },
    /// `REMOVE_SUBSCRIPTION` for this registration id.
    Subscription { registration_id: i64 },
    /// `REMOVE_COUNTER` for this registration id.
    Counter { registration_id: i64 },
}

/// Release requests posted by handles, drained by the conductor.
#[derive(Default)]
pub(crate) struct ReleaseQueue {
    pending: AtomicBool,
    items: Mutex<Vec<Release>>,
}

impl ReleaseQueue {
    pub(crate) fn push(&self, release: Release) {
        self.items.lock().unwrap_or_else(PoisonError::into_inner).push(release);
        self.pending.store(true, Ordering::Release);
    }

    /// Takes every queued request (no allocation and no lock when the queue is empty).
    pub(crate) fn take(&self) -> Vec<Release> {
        if !self.pending.load(Ordering::Acquire) {
            return Vec::new();
        }
        let mut items = self.items.lock().unwrap_or_else(PoisonError::into_inner);
        self.pending.store(false, Ordering::Relaxed);
        std::mem::take(&mut *items)
    }
}

/// The state shared by every handle of one client.
pub(crate) struct ClientShared {
    conductor: Mutex<ClientConductor>,
    releases: std::sync::Arc<ReleaseQueue>,
    pub(crate) client_id: i64,
}

impl ClientShared {
    pub(crate) fn new(
        conductor: ClientConductor,
        releases: std::sync::Arc<ReleaseQueue>,
        client_id: i64,
    ) -> Self {
        Self { conductor: Mutex::new(conductor), releases, client_id }
    }

    /// Locks the conductor for a control-path call; fails if called from inside a conductor callback.
    pub(crate) fn lock_conductor(&self) -> Result<MutexGuard<'_, ClientConductor>, ClientError> {
        if in_callback() {
            return Err(ClientError::Reentrant);
        }
        Ok(self.conductor.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Locks the conductor if it is free (and this thread is not inside a conductor callback).
    pub(crate) fn try_lock_conductor(&self) -> Option<MutexGuard<'_, ClientConductor>> {
        if in_callback() {
            return None;
        }
        match self.conductor.try_lock() {
            Ok(guard) => Some(guard),
            Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }

    /// Queues a release and sends it right away if the conductor is free.
    pub(crate) fn request_release(&self, release: Release) {
        self.releases.push(release);
        if let Some(mut conductor) = self.try_lock_conductor() {
            conductor.process_releases();
        }
    }
}

impl Drop for ClientShared {
    fn drop(&mut self) {
        let conductor = self.conductor.get_mut().unwrap_or_else(PoisonError::into_inner);
        conductor.close();
    }
}
