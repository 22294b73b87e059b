//! [`TestService`]: the deterministic clustered service the simulator runs on every member.
//!
//! It records every applied log entry (with its log position and a running state hash) into a shared
//! [`ServiceRecord`], echoes each client message to its session with the log position and the session's
//! message count, schedules a one-shot timer for [`MessageAction::ScheduleTimer`] messages and sends a
//! service message for [`MessageAction::ServiceOffer`] messages.
//!
//! Invariants: every effect on the record depends only on the log (callback arguments and the
//! cluster's log position), never on the role or on time outside the log; timer correlation ids are
//! unique per (session, sequence); sends the cluster refuses are counted, never retried (a retry would
//! depend on local timing and make replicas differ).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use service::{
    ClientSession, CloseReason, Cluster, ClusteredService, LeadershipTerm, Role, SnapshotReader,
    SnapshotWriter,
};

use crate::fnv::{FNV_OFFSET, fold_bytes, fold_i64, fold_u64};
use crate::service_record::{AppliedEntry, EntryKind, ServiceRecord};
use crate::workload_message::{Echo, MessageAction, WorkloadMessage};

/// Delay of a scheduled timer after the message's timestamp, in cluster time units (ms).
pub const TIMER_DELAY_MS: i64 = 20;
/// Marker byte of a service message sent by [`TestService`].
const SERVICE_MESSAGE_MARKER: u8 = 0xEE;
/// Echo offers attempted per message.
const ECHO_ATTEMPTS: usize = 3;

/// The timer correlation id for message `client_seq` of `session_id`.
pub fn timer_correlation_id(session_id: i64, client_seq: u64) -> i64 {
    (session_id << 24) ^ (client_seq as i64 & 0x00ff_ffff)
}

/// The simulator's service. Build it with [`TestService::new`]; read what it did through the shared
/// record returned by [`TestService::record`].
#[derive(Debug)]
pub struct TestService {
    record: Arc<Mutex<ServiceRecord>>,
    state_hash: u64,
    session_counts: BTreeMap<i64, u64>,
}

impl TestService {
    /// A service for member `member_id` with an empty record.
    pub fn new(member_id: usize) -> Self {
        let record = ServiceRecord { member_id, ..ServiceRecord::default() };
        Self { record: Arc::new(Mutex::new(record)), state_hash: FNV_OFFSET, session_counts: BTreeMap::new() }
    }

    /// The record shared with observers.
    pub fn record(&self) -> Arc<Mutex<ServiceRecord>> {
        Arc::clone(&self.record)
    }

    fn apply(
        &mut self,
        cluster: &Cluster<'_>,
        kind: EntryKind,
        session_id: i64,
        client_seq: i64,
        digest: u64,
    ) {
        let log_position = cluster.log_position();
        self.state_hash = fold_i64(fold_u64(fold_i64(self.state_hash, log_position), digest), session_id);
        let entry = AppliedEntry {
            log_position,
            kind,
            session_id,
            client_seq,
            digest,
            state_hash_after: self.state_hash,
        };
        self.lock().entries.push(entry);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ServiceRecord> {
        self.record.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn digest(timestamp: i64, bytes: &[u8]) -> u64 {
    fold_bytes(fold_i64(FNV_OFFSET, timestamp), bytes)
}

impl ClusteredService for TestService {
    fn on_start(&mut self, _cluster: &mut Cluster<'_>, _snapshot: Option<&mut SnapshotReader<'_>>) {}

    fn on_session_open(&mut self, cluster: &mut Cluster<'_>, session: &ClientSession, timestamp: i64) {
        self.session_counts.insert(session.id(), 0);
        self.apply(cluster, EntryKind::SessionOpen, session.id(), -1, digest(timestamp, &[]));
    }

    fn on_session_close(
        &mut self,
        cluster: &mut Cluster<'_>,
        session: &ClientSession,
        timestamp: i64,
        reason: CloseReason,
    ) {
        self.session_counts.remove(&session.id());
        let reason_code = format!("{reason:?}");
        self.apply(
            cluster,
            EntryKind::SessionClose,
            session.id(),
            -1,
            digest(timestamp, reason_code.as_bytes()),
        );
    }

    fn on_session_message(
        &mut self,
        cluster: &mut Cluster<'_>,
        session: Option<&ClientSession>,
        timestamp: i64,
        message: &[u8],
    ) {
        let entry_digest = digest(timestamp, message);
        let Some(session) = session else {
            self.apply(cluster, EntryKind::ServiceMessage, -1, -1, entry_digest);
            return;
        };
        let decoded = WorkloadMessage::decode(message);
        let client_seq = decoded.map_or(-1, |m| m.client_seq as i64);
        let count = self.session_counts.entry(session.id()).or_insert(0);
        *count += 1;
        let session_count = *count;
        self.apply(cluster, EntryKind::ClientMessage, session.id(), client_seq, entry_digest);
        let Some(decoded) = decoded else {
            return;
        };
        match decoded.action {
            MessageAction::Plain => {}
            MessageAction::ScheduleTimer => {
                let correlation_id = timer_correlation_id(session.id(), decoded.client_seq);
                let accepted = cluster.schedule_timer(correlation_id, timestamp + TIMER_DELAY_MS);
                let mut record = self.lock();
                record.timers_scheduled.insert(correlation_id, cluster.log_position());
                if !accepted {
                    record.timer_schedule_refusals += 1;
                }
            }
            MessageAction::ServiceOffer => {
                let mut payload = [0u8; 17];
                payload[0] = SERVICE_MESSAGE_MARKER;
                payload[1..9].copy_from_slice(&session.id().to_le_bytes());
                payload[9..17].copy_from_slice(&decoded.client_seq.to_le_bytes());
                if cluster.offer(&payload).is_err() {
                    self.lock().service_offer_refusals += 1;
                }
            }
        }
        let echo =
            Echo { client_seq: decoded.client_seq, log_position: cluster.log_position(), session_count };
        let bytes = echo.encode();
        let sent = (0..ECHO_ATTEMPTS).any(|_| session.offer(&bytes).is_ok());
        if !sent {
            self.lock().echo_failures += 1;
        }
    }

    fn on_timer_event(&mut self, cluster: &mut Cluster<'_>, correlation_id: i64, timestamp: i64) {
        self.apply(
            cluster,
            EntryKind::Timer,
            -1,
            correlation_id,
            digest(timestamp, &correlation_id.to_le_bytes()),
        );
        let position = cluster.log_position();
        self.lock().timers_fired.push((correlation_id, position));
    }

    fn on_take_snapshot(&mut self, _cluster: &mut Cluster<'_>, _snapshot: &mut SnapshotWriter<'_>) {}

    fn on_role_change(&mut self, _cluster: &mut Cluster<'_>, _role: Role) {}

    fn on_terminate(&mut self, _cluster: &mut Cluster<'_>) {}

    fn on_new_leadership_term(&mut self, _cluster: &mut Cluster<'_>, term: &LeadershipTerm) {
        // Aeron reports the event's own log position (where the term starts) in this callback, not the
        // position after the entry: record that, so a NewTerm entry may share its position with the
        // entry before it.
        let term_id = term.leadership_term_id;
        let entry_digest = digest(term.timestamp, &term_id.to_le_bytes());
        self.state_hash =
            fold_i64(fold_u64(fold_i64(self.state_hash, term.log_position), entry_digest), term_id);
        let entry = AppliedEntry {
            log_position: term.log_position,
            kind: EntryKind::NewTerm,
            session_id: term_id,
            client_seq: -1,
            digest: entry_digest,
            state_hash_after: self.state_hash,
        };
        self.lock().entries.push(entry);
    }
}
