//! [`LogAdapter`]: reads the replicated log image for the service (Aeron's `BoundedLogAdapter`):
//! reassembles fragments, decodes each message with `protocol::cluster::decode_any` and dispatches it
//! to the service callbacks.
//!
//! Invariants:
//! - Never reads past the limit it is given (min(commit position, maxLogPosition)), so the service only
//!   ever sees committed entries.
//! - Before each callback the service state holds the message's log position (the position after it)
//!   and its timestamp as cluster time.
//! - A message that does not decode, or a session event that contradicts the session table, is
//!   reported and skipped; nothing in the log can make it panic.
//! - A SNAPSHOT action or a fatal condition ends the poll right after it, so the agent takes the
//!   snapshot (and acknowledges it) before handling anything later.

use client::{ControlledPollAction, FragmentAssembler, Header, Image, Subscription};
use protocol::cluster::{
    CLUSTER_ACTION_FLAGS_DEFAULT, ClusterAction, ClusterMessage, Role, SessionMessage, decode_any,
};

use crate::client_session::ClientSession;
use crate::cluster::Cluster;
use crate::clustered_service::ClusteredService;
use crate::leadership_term::LeadershipTerm;
use crate::service_error::ServiceError;
use crate::service_state::ServiceState;

/// Relevant id of an acknowledgement that carries none (Aeron's `NULL_VALUE`).
pub(crate) const NULL_VALUE: i64 = -1;

/// The joined log: its subscription (kept open for the image), the image and the stop position.
pub(crate) struct LogAdapter {
    _subscription: Subscription,
    image: Image,
    max_log_position: i64,
    assembler: FragmentAssembler,
}

impl LogAdapter {
    pub(crate) fn new(subscription: Subscription, image: Image, max_log_position: i64) -> Self {
        Self { _subscription: subscription, image, max_log_position, assembler: FragmentAssembler::new(4096) }
    }

    pub(crate) fn set_max_log_position(&mut self, max_log_position: i64) {
        self.max_log_position = max_log_position;
    }

    pub(crate) fn position(&self) -> i64 {
        self.image.position()
    }

    /// True once the image reached `maxLogPosition`, ended or closed.
    pub(crate) fn is_done(&self) -> bool {
        self.image.position() >= self.max_log_position
            || self.image.is_end_of_stream()
            || self.image.is_closed()
    }

    /// Polls up to `fragment_limit` fragments below min(`commit_position`, maxLogPosition) and
    /// dispatches the complete messages; returns the fragments consumed.
    pub(crate) fn poll(
        &mut self,
        service: &mut dyn ClusteredService,
        state: &mut ServiceState,
        commit_position: i64,
        fragment_limit: usize,
    ) -> usize {
        let limit = commit_position.min(self.max_log_position);
        let assembler = &mut self.assembler;
        self.image.bounded_controlled_poll(
            &mut |fragment: &[u8], header: &Header| {
                let mut stop = false;
                assembler.on_fragment(fragment, header, &mut |message, header| {
                    stop = dispatch(service, state, message, header.position());
                });
                if stop { ControlledPollAction::Break } else { ControlledPollAction::Continue }
            },
            limit,
            fragment_limit,
        )
    }
}

/// Handles one complete log message ending at `position`; true if the poll must stop after it.
fn dispatch(
    service: &mut dyn ClusteredService,
    state: &mut ServiceState,
    message: &[u8],
    position: i64,
) -> bool {
    let decoded = match decode_any(message) {
        Ok(decoded) => decoded,
        Err(source) => {
            state.errors.report(ServiceError::MalformedLogMessage { log_position: position, source });
            return false;
        }
    };
    match decoded {
        ClusterMessage::SessionMessage(SessionMessage { header, payload }) => {
            state.log_position = position;
            state.shared.set_cluster_time(header.timestamp);
            let session = state.sessions.get(&header.cluster_session_id);
            let mut cluster = Cluster::new(state);
            service.on_session_message(&mut cluster, session, header.timestamp, payload);
        }
        ClusterMessage::TimerEvent(event) => {
            state.log_position = position;
            state.shared.set_cluster_time(event.timestamp);
            service.on_timer_event(&mut Cluster::new(state), event.correlation_id, event.timestamp);
        }
        ClusterMessage::SessionOpenEvent(event) => {
            state.log_position = position;
            state.shared.set_cluster_time(event.timestamp);
            if state.sessions.contains_key(&event.cluster_session_id) {
                state.errors.report(ServiceError::ClashingSessionOpen {
                    cluster_session_id: event.cluster_session_id,
                    log_position: position,
                });
                return false;
            }
            let session = ClientSession::new(
                event.cluster_session_id,
                event.response_stream_id,
                event.response_channel,
                event.encoded_principal,
                state.shared.clone(),
            );
            if state.shared.role() == Role::Leader
                && state.shared.is_responding_service
                && let Err(source) = session.connect()
            {
                state
                    .errors
                    .report(ServiceError::Client { operation: "add session response publication", source });
            }
            state.connects_pending |= session.is_connect_pending();
            state.sessions.insert(event.cluster_session_id, session);
            let state = &*state;
            if let Some(session) = state.sessions.get(&event.cluster_session_id) {
                service.on_session_open(&mut Cluster::new(state), session, event.timestamp);
            }
        }
        ClusterMessage::SessionCloseEvent(event) => {
            state.log_position = position;
            state.shared.set_cluster_time(event.timestamp);
            match state.sessions.remove(&event.cluster_session_id) {
                None => state.errors.report(ServiceError::UnknownSessionClose {
                    cluster_session_id: event.cluster_session_id,
                    log_position: position,
                }),
                Some(session) => {
                    session.disconnect();
                    service.on_session_close(
                        &mut Cluster::new(state),
                        &session,
                        event.timestamp,
                        event.close_reason,
                    );
                }
            }
        }
        ClusterMessage::ClusterActionRequest(request) => {
            state.log_position = request.log_position;
            state.shared.set_cluster_time(request.timestamp);
            let flags = if request.flags == i32::MIN { CLUSTER_ACTION_FLAGS_DEFAULT } else { request.flags };
            let should_snapshot =
                flags == CLUSTER_ACTION_FLAGS_DEFAULT || flags & state.standby_snapshot_flags != 0;
            if request.action == ClusterAction::Snapshot && should_snapshot {
                // The agent takes the snapshot (and acknowledges it) before reading anything later.
                state.snapshot_request = Some(request.log_position);
                return true;
            }
        }
        ClusterMessage::NewLeadershipTermEvent(event) => {
            let term = LeadershipTerm::from_event(&event);
            if major_version(term.app_version) != major_version(state.app_version) {
                let error = ServiceError::IncompatibleAppVersion {
                    service_app_version: state.app_version,
                    log_app_version: term.app_version,
                };
                state.errors.report(error.clone());
                state.fatal = Some(error);
                return true;
            }
            state.shared.set_leadership_term_id(term.leadership_term_id);
            state.log_position = term.log_position;
            state.shared.set_cluster_time(term.timestamp);
            state.time_unit = term.time_unit;
            service.on_new_leadership_term(&mut Cluster::new(state), &term);
        }
        ClusterMessage::MembershipChangeEvent(_) => {}
        other => state
            .errors
            .report(ServiceError::UnexpectedMessage { template_id: other.template_id(), stream: "log" }),
    }
    false
}

/// Major part of a semantic version (`major << 16 | minor << 8 | patch`).
fn major_version(version: i32) -> i32 {
    (version >> 16) & 0xFF
}
