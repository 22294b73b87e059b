//! [`Cluster`]: the handle a [`crate::ClusteredService`] callback acts through (Aeron's `Cluster`
//! interface, implemented by the agent).
//!
//! Invariants:
//! - A `Cluster` lives only for one callback; it reads the agent's state at that moment: `time()` is
//!   the timestamp of the log message being processed, `log_position()` the position after it.
//! - Sending (offer, timers, closing sessions) goes to the local consensus module on the control
//!   stream; it is refused — `false` or `Err(OfferError::Closed)` — from `on_start`, `on_terminate` and
//!   `on_role_change`, where Aeron throws instead. Like Aeron's, these calls are only reliable from the
//!   log-driven callbacks (session open/close/message, timer, new term), because every node's service
//!   makes them and the consensus module de-duplicates them by their log order.
//! - Nothing here allocates or blocks.

use client::{Aeron, OfferError};
use protocol::cluster::{ClusterTimeUnit, Role, SessionMessageHeader};

use crate::client_session::ClientSession;
use crate::service_state::ServiceState;

/// The cluster as seen from a service callback.
pub struct Cluster<'a> {
    state: &'a ServiceState,
}

impl std::fmt::Debug for Cluster<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("service_id", &self.service_id())
            .field("member_id", &self.member_id())
            .field("role", &self.role())
            .field("log_position", &self.log_position())
            .field("time", &self.time())
            .finish()
    }
}

impl<'a> Cluster<'a> {
    pub(crate) fn new(state: &'a ServiceState) -> Self {
        Self { state }
    }

    /// This node's member id (from the latest JoinLog; -1 before the first).
    pub fn member_id(&self) -> i32 {
        self.state.member_id
    }

    /// This service's id on the node.
    pub fn service_id(&self) -> i32 {
        self.state.service_id
    }

    /// The service's role: Follower until it joins a log as leader.
    pub fn role(&self) -> Role {
        self.state.shared.role()
    }

    /// Log position after the message being processed (0 before any message on a fresh log).
    pub fn log_position(&self) -> i64 {
        self.state.log_position
    }

    /// Cluster time: the timestamp of the log message being processed, in [`Cluster::time_unit`].
    pub fn time(&self) -> i64 {
        self.state.shared.cluster_time()
    }

    /// Unit of cluster time (from the latest NewLeadershipTermEvent; milliseconds before one).
    pub fn time_unit(&self) -> ClusterTimeUnit {
        self.state.time_unit
    }

    /// Leadership term id of the latest NewLeadershipTermEvent (-1 before one).
    pub fn leadership_term_id(&self) -> i64 {
        self.state.shared.leadership_term_id()
    }

    /// The Aeron client of the service.
    pub fn aeron(&self) -> &Aeron {
        &self.state.shared.aeron
    }

    /// The open session `cluster_session_id`, if any.
    pub fn cluster_session(&self, cluster_session_id: i64) -> Option<&'a ClientSession> {
        self.state.sessions.get(&cluster_session_id)
    }

    /// The open sessions, ordered by id.
    pub fn client_sessions(&self) -> impl Iterator<Item = &'a ClientSession> + 'a {
        self.state.sessions.values()
    }

    /// Asks the consensus module to close session `cluster_session_id` (a CloseSession message, up to
    /// 3 offers) and marks it closing; the session stays open until its SessionCloseEvent arrives.
    /// Returns true if sent or already closing; false for an unknown session (Aeron throws), when the
    /// control publication refused it (retry), or inside `on_start`/`on_terminate`/`on_role_change`.
    pub fn close_client_session(&self, cluster_session_id: i64) -> bool {
        if !self.state.shared.sending_allowed() {
            return false;
        }
        let Some(session) = self.state.sessions.get(&cluster_session_id) else {
            return false;
        };
        if session.is_closing() {
            return true;
        }
        let Some(proxy) = self.state.proxy.as_ref() else {
            return false;
        };
        for _ in 0..3 {
            if proxy.close_session(cluster_session_id) {
                session.mark_closing();
                return true;
            }
        }
        false
    }

    /// Schedules (or reschedules) timer `correlation_id` to fire at `deadline` (cluster time units);
    /// its TimerEvent arrives through the log. False if the control publication refused it (retry) or
    /// inside `on_start`/`on_terminate`/`on_role_change`.
    pub fn schedule_timer(&self, correlation_id: i64, deadline: i64) -> bool {
        self.state.shared.sending_allowed()
            && self.state.proxy.as_ref().is_some_and(|proxy| proxy.schedule_timer(correlation_id, deadline))
    }

    /// Cancels timer `correlation_id`. False if the control publication refused it (retry) or inside
    /// `on_start`/`on_terminate`/`on_role_change`.
    pub fn cancel_timer(&self, correlation_id: i64) -> bool {
        self.state.shared.sending_allowed()
            && self.state.proxy.as_ref().is_some_and(|proxy| proxy.cancel_timer(correlation_id))
    }

    /// Sends a service message: `payload` goes to the consensus module, which appends it to the log
    /// (once, whichever node's copy) and delivers it to `on_session_message` with no session. The
    /// header's cluster session id carries the service id. Returns the control publication's position,
    /// or its error (retry on `BackPressured`/`AdminAction`/`NotConnected`); `Err(Closed)` inside
    /// `on_start`/`on_terminate`/`on_role_change`. Panics if the payload is longer than
    /// [`Cluster::max_payload_length`].
    pub fn offer(&self, payload: &[u8]) -> Result<i64, OfferError> {
        if !self.state.shared.sending_allowed() {
            return Err(OfferError::Closed);
        }
        let Some(proxy) = self.state.proxy.as_ref() else {
            return Err(OfferError::NotConnected);
        };
        let header = SessionMessageHeader {
            leadership_term_id: self.state.shared.leadership_term_id(),
            cluster_session_id: i64::from(self.state.service_id),
            timestamp: self.state.shared.cluster_time(),
        };
        proxy.offer(&header, payload)
    }

    /// Largest payload [`Cluster::offer`] accepts.
    pub fn max_payload_length(&self) -> usize {
        self.state.proxy.as_ref().map_or(0, |proxy| proxy.max_payload_length())
    }
}
