//! [`ServiceState`]: the part of the agent a [`crate::Cluster`] handle reads while a callback runs
//! (positions, time, sessions, the control publication), plus the acknowledgement queue and the error
//! sink the agent updates between callbacks.
//!
//! Invariants: callbacks only ever see it through a shared reference (`Cluster` borrows it), so a
//! session reference handed to a callback and the `Cluster` handle can coexist; the agent mutates it
//! only between callbacks. Acks are queued in `ack_id` order and sent in that order.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use protocol::cluster::{ClusterTimeUnit, ServiceAck};

use crate::client_session::ClientSession;
use crate::consensus_module_proxy::ConsensusModuleProxy;
use crate::service_context::ServiceErrorHandler;
use crate::service_error::ServiceError;
use crate::service_shared::ServiceShared;

/// Counts and forwards reported errors.
pub(crate) struct ErrorSink {
    pub(crate) count: u64,
    handler: Option<ServiceErrorHandler>,
}

impl ErrorSink {
    pub(crate) fn new(handler: Option<ServiceErrorHandler>) -> Self {
        Self { count: 0, handler }
    }

    pub(crate) fn report(&mut self, error: ServiceError) {
        self.count += 1;
        if let Some(handler) = self.handler.as_mut() {
            handler(&error);
        }
    }
}

/// The agent's state visible to callbacks through [`crate::Cluster`].
pub(crate) struct ServiceState {
    pub(crate) service_id: i32,
    pub(crate) member_id: i32,
    pub(crate) log_position: i64,
    pub(crate) time_unit: ClusterTimeUnit,
    pub(crate) sessions: BTreeMap<i64, ClientSession>,
    pub(crate) proxy: Option<ConsensusModuleProxy>,
    pub(crate) shared: Arc<ServiceShared>,
    pub(crate) errors: ErrorSink,
    pub(crate) next_ack_id: i64,
    pub(crate) pending_acks: VecDeque<ServiceAck>,
    pub(crate) standby_snapshot_flags: i32,
    pub(crate) app_version: i32,
    pub(crate) fatal: Option<ServiceError>,
    pub(crate) connects_pending: bool,
    /// Log position of a SNAPSHOT action just read from the log, until the agent takes the snapshot.
    pub(crate) snapshot_request: Option<i64>,
}

impl ServiceState {
    /// Queues the next acknowledgement (`ackId` = the next in sequence) at the current cluster time.
    pub(crate) fn queue_ack(&mut self, log_position: i64, relevant_id: i64) {
        let ack = ServiceAck {
            log_position,
            timestamp: self.shared.cluster_time(),
            ack_id: self.next_ack_id,
            relevant_id,
            service_id: self.service_id,
        };
        self.next_ack_id += 1;
        self.pending_acks.push_back(ack);
    }

    /// Sends queued acks in order; true once none is left.
    pub(crate) fn flush_acks(&mut self) -> bool {
        let Some(proxy) = self.proxy.as_ref() else {
            return self.pending_acks.is_empty();
        };
        while let Some(ack) = self.pending_acks.front() {
            if proxy.ack(ack).is_err() {
                return false;
            }
            self.pending_acks.pop_front();
        }
        true
    }

    /// Drops every session's response publication.
    pub(crate) fn disconnect_egress(&self) {
        for session in self.sessions.values() {
            session.disconnect();
        }
    }
}
