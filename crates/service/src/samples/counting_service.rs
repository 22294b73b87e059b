//! [`CountingService`]: counts sessions, messages, timers and role changes, and folds every message
//! into a checksum, so that tests and the node launcher can compare replicas.
//!
//! Invariant: every count and the checksum depend only on the log (deterministic), except
//! `role_changes` and `terminated`, which are local events.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

use protocol::cluster::{CloseReason, Role};

use crate::{ClientSession, Cluster, ClusteredService, SnapshotReader, SnapshotWriter};

/// FNV-1a 64-bit offset basis.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
/// FNV-1a 64-bit prime.
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Counters of a [`CountingService`], shared with whoever holds [`CountingService::counts`].
#[derive(Debug)]
pub struct ServiceCounts {
    /// Sessions opened.
    pub sessions_opened: AtomicU64,
    /// Sessions closed.
    pub sessions_closed: AtomicU64,
    /// Client messages (with a session).
    pub client_messages: AtomicU64,
    /// Service messages (no session).
    pub service_messages: AtomicU64,
    /// Payload bytes of all messages.
    pub message_bytes: AtomicU64,
    /// Timer events.
    pub timer_events: AtomicU64,
    /// New leadership terms.
    pub new_terms: AtomicU64,
    /// Role changes (local).
    pub role_changes: AtomicU64,
    /// FNV-1a over every message's session id, timestamp and payload, in log order.
    pub checksum: AtomicU64,
    /// Log position after the last message seen.
    pub last_log_position: AtomicI64,
    /// True once `on_terminate` ran.
    pub terminated: AtomicBool,
}

impl Default for ServiceCounts {
    fn default() -> Self {
        Self {
            sessions_opened: AtomicU64::new(0),
            sessions_closed: AtomicU64::new(0),
            client_messages: AtomicU64::new(0),
            service_messages: AtomicU64::new(0),
            message_bytes: AtomicU64::new(0),
            timer_events: AtomicU64::new(0),
            new_terms: AtomicU64::new(0),
            role_changes: AtomicU64::new(0),
            checksum: AtomicU64::new(FNV_OFFSET),
            last_log_position: AtomicI64::new(0),
            terminated: AtomicBool::new(false),
        }
    }
}

/// Counts what it sees; never sends anything.
#[derive(Debug, Default)]
pub struct CountingService {
    counts: Arc<ServiceCounts>,
}

impl CountingService {
    /// A service with all counts at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// The counters (readable from any thread while the agent runs).
    pub fn counts(&self) -> Arc<ServiceCounts> {
        Arc::clone(&self.counts)
    }
}

fn fold(checksum: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(checksum, |hash, &byte| (hash ^ u64::from(byte)).wrapping_mul(FNV_PRIME))
}

impl ClusteredService for CountingService {
    fn on_start(&mut self, _cluster: &mut Cluster<'_>, _snapshot: Option<&mut SnapshotReader<'_>>) {}

    fn on_session_open(&mut self, cluster: &mut Cluster<'_>, _session: &ClientSession, _timestamp: i64) {
        self.counts.sessions_opened.fetch_add(1, Ordering::Relaxed);
        self.counts.last_log_position.store(cluster.log_position(), Ordering::Relaxed);
    }

    fn on_session_close(
        &mut self,
        cluster: &mut Cluster<'_>,
        _session: &ClientSession,
        _timestamp: i64,
        _reason: CloseReason,
    ) {
        self.counts.sessions_closed.fetch_add(1, Ordering::Relaxed);
        self.counts.last_log_position.store(cluster.log_position(), Ordering::Relaxed);
    }

    fn on_session_message(
        &mut self,
        cluster: &mut Cluster<'_>,
        session: Option<&ClientSession>,
        timestamp: i64,
        message: &[u8],
    ) {
        let counter =
            if session.is_some() { &self.counts.client_messages } else { &self.counts.service_messages };
        counter.fetch_add(1, Ordering::Relaxed);
        self.counts.message_bytes.fetch_add(message.len() as u64, Ordering::Relaxed);
        let session_id = session.map_or(-1, ClientSession::id);
        let mut checksum = self.counts.checksum.load(Ordering::Relaxed);
        checksum = fold(checksum, &session_id.to_le_bytes());
        checksum = fold(checksum, &timestamp.to_le_bytes());
        checksum = fold(checksum, message);
        self.counts.checksum.store(checksum, Ordering::Relaxed);
        self.counts.last_log_position.store(cluster.log_position(), Ordering::Relaxed);
    }

    fn on_timer_event(&mut self, cluster: &mut Cluster<'_>, _correlation_id: i64, _timestamp: i64) {
        self.counts.timer_events.fetch_add(1, Ordering::Relaxed);
        self.counts.last_log_position.store(cluster.log_position(), Ordering::Relaxed);
    }

    fn on_take_snapshot(&mut self, _cluster: &mut Cluster<'_>, _snapshot: &mut SnapshotWriter<'_>) {}

    fn on_role_change(&mut self, _cluster: &mut Cluster<'_>, _role: Role) {
        self.counts.role_changes.fetch_add(1, Ordering::Relaxed);
    }

    fn on_terminate(&mut self, _cluster: &mut Cluster<'_>) {
        self.counts.terminated.store(true, Ordering::Relaxed);
    }

    fn on_new_leadership_term(&mut self, cluster: &mut Cluster<'_>, _term: &crate::LeadershipTerm) {
        self.counts.new_terms.fetch_add(1, Ordering::Relaxed);
        self.counts.last_log_position.store(cluster.log_position(), Ordering::Relaxed);
    }
}
