//! [`EchoService`]: replies to every client message with the same bytes.
//!
//! Invariant: deterministic (no state at all); only the leader's reply reaches the client (followers'
//! `offer` is mocked).

use protocol::cluster::{CloseReason, Role};

use crate::{ClientSession, Cluster, ClusteredService, SnapshotReader, SnapshotWriter};

/// Offer attempts per echo before the reply is dropped (the service must not block the log).
const ECHO_ATTEMPTS: usize = 3;

/// Echoes every client message back to its session; ignores service messages and timers.
#[derive(Debug, Default, Clone, Copy)]
pub struct EchoService;

impl EchoService {
    /// A new echo service.
    pub fn new() -> Self {
        Self
    }
}

impl ClusteredService for EchoService {
    fn on_start(&mut self, _cluster: &mut Cluster<'_>, _snapshot: Option<&mut SnapshotReader<'_>>) {}

    fn on_session_open(&mut self, _cluster: &mut Cluster<'_>, _session: &ClientSession, _timestamp: i64) {}

    fn on_session_close(
        &mut self,
        _cluster: &mut Cluster<'_>,
        _session: &ClientSession,
        _timestamp: i64,
        _reason: CloseReason,
    ) {
    }

    fn on_session_message(
        &mut self,
        _cluster: &mut Cluster<'_>,
        session: Option<&ClientSession>,
        _timestamp: i64,
        message: &[u8],
    ) {
        if let Some(session) = session {
            for _ in 0..ECHO_ATTEMPTS {
                if session.offer(message).is_ok() {
                    break;
                }
            }
        }
    }

    fn on_timer_event(&mut self, _cluster: &mut Cluster<'_>, _correlation_id: i64, _timestamp: i64) {}

    fn on_take_snapshot(&mut self, _cluster: &mut Cluster<'_>, _snapshot: &mut SnapshotWriter<'_>) {}

    fn on_role_change(&mut self, _cluster: &mut Cluster<'_>, _role: Role) {}

    fn on_terminate(&mut self, _cluster: &mut Cluster<'_>) {}
}
