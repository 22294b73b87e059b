//! [`ServiceShared`]: the agent state that [`crate::ClientSession::offer`] needs without a reference
//! to the agent: role, leadership term, cluster time, the lifecycle callback in progress, the Aeron
//! client.
//!
//! Invariants: only the agent's thread writes these (relaxed atomics are enough; they exist so that
//! sessions can share them behind an `Arc` while the agent stays `Send`); reads on the egress hot path
//! are plain loads, no lock.

use std::sync::atomic::{AtomicI32, AtomicI64, AtomicU8, Ordering};

use client::Aeron;
use protocol::cluster::Role;

/// Which lifecycle callback is running (Aeron's `activeLifecycleCallback`): sending is refused inside
/// any of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Lifecycle {
    /// No lifecycle callback: sending is allowed.
    None = 0,
    /// Inside `on_start`.
    OnStart = 1,
    /// Inside `on_terminate`.
    OnTerminate = 2,
    /// Inside `on_role_change`.
    OnRoleChange = 3,
}

/// State shared by the agent and its client sessions.
pub(crate) struct ServiceShared {
    pub(crate) aeron: Aeron,
    pub(crate) is_responding_service: bool,
    role: AtomicI32,
    leadership_term_id: AtomicI64,
    cluster_time: AtomicI64,
    lifecycle: AtomicU8,
}

impl ServiceShared {
    /// A follower at cluster time 0 in no known term (leadership term id -1).
    pub(crate) fn new(aeron: Aeron, is_responding_service: bool) -> Self {
        Self {
            aeron,
            is_responding_service,
            role: AtomicI32::new(Role::Follower.code()),
            leadership_term_id: AtomicI64::new(-1),
            cluster_time: AtomicI64::new(0),
            lifecycle: AtomicU8::new(Lifecycle::None as u8),
        }
    }

    /// The service's current role.
    #[inline]
    pub(crate) fn role(&self) -> Role {
        Role::from_code(self.role.load(Ordering::Relaxed)).unwrap_or(Role::Follower)
    }

    pub(crate) fn set_role(&self, role: Role) {
        self.role.store(role.code(), Ordering::Relaxed);
    }

    /// The leadership term id of the latest NewLeadershipTermEvent (-1 before any).
    #[inline]
    pub(crate) fn leadership_term_id(&self) -> i64 {
        self.leadership_term_id.load(Ordering::Relaxed)
    }

    pub(crate) fn set_leadership_term_id(&self, leadership_term_id: i64) {
        self.leadership_term_id.store(leadership_term_id, Ordering::Relaxed);
    }

    /// Timestamp of the log message being (or last) processed.
    #[inline]
    pub(crate) fn cluster_time(&self) -> i64 {
        self.cluster_time.load(Ordering::Relaxed)
    }

    pub(crate) fn set_cluster_time(&self, cluster_time: i64) {
        self.cluster_time.store(cluster_time, Ordering::Relaxed);
    }

    /// True unless a lifecycle callback (on_start, on_terminate, on_role_change) is running.
    #[inline]
    pub(crate) fn sending_allowed(&self) -> bool {
        self.lifecycle.load(Ordering::Relaxed) == Lifecycle::None as u8
    }

    pub(crate) fn set_lifecycle(&self, lifecycle: Lifecycle) {
        self.lifecycle.store(lifecycle as u8, Ordering::Relaxed);
    }
}
