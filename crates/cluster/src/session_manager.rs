//! [`SessionManager`]: the consensus module's table of client sessions (Aeron `SessionManager`,
//! reference §3.5 and §3.14), as pure data plus [`SessionCommand`]s for the consensus module to execute.
//!
//! The manager never does I/O. Inputs are connect/close requests, challenge responses, activity and log
//! events; outputs are commands (append a SessionOpenEvent or SessionCloseEvent, send a SessionEvent,
//! Challenge or NewLeaderEvent, connect or disconnect a response publication). A command whose outcome
//! matters names the `on_*` acknowledgement the consensus module calls when it succeeded; a command that
//! failed (back-pressure) is simply not acknowledged and is emitted again by a later
//! [`process_pending`](SessionManager::process_pending) or [`check_sessions`](SessionManager::check_sessions).
//! Execute (and acknowledge) the commands of one call before calling into the manager again.
//!
//! Scope: the leader's client sessions (connect, authenticate, open, keep alive, close, time out), the
//! follower/replay view of the log's session events, snapshots, the new-term hand-over and the roll-back
//! of uncommitted opens and closes. Follower redirects and backup/heartbeat/standby sessions are not
//! handled here.
//!
//! Invariants:
//! - session ids are assigned `1, 2, 3, ...` by the leader (`next_session_id`), never reused, and the
//!   table (open and closing sessions) iterates in id order;
//! - pending + open sessions never exceed `max_concurrent_sessions` at admission;
//! - `next_committed_session_id` only advances once the position of the SessionOpenEvent that created
//!   the id is committed; closes appended after the commit position are re-instated as CLOSING on
//!   leadership loss, so the next leader appends them again (exactly once in the committed log);
//! - everything is deterministic: time comes in as `now_ns`, iteration orders are fixed.

use std::collections::{BTreeMap, VecDeque};

use protocol::cluster::{CloseReason, EventCode};

use crate::authenticator::{Authenticator, SessionProxy};
use crate::cluster_session::{ClusterSession, ClusterSessionAction, SessionState};

/// Client protocol major version the cluster accepts (Aeron `AeronCluster.Configuration.PROTOCOL_MAJOR_VERSION`).
pub const PROTOCOL_MAJOR_VERSION: i32 = 0;
/// The cluster's client protocol semantic version, 0.3.0.
pub const PROTOCOL_SEMANTIC_VERSION: i32 = 3 << 8;
/// Rejection detail when too many sessions exist (Aeron `SESSION_LIMIT_MSG`).
pub const SESSION_LIMIT_MSG: &str = "concurrent session limit";
/// Rejection detail prefix for a wrong client major version (Aeron `SESSION_INVALID_VERSION_MSG`).
pub const SESSION_INVALID_VERSION_MSG: &str = "invalid client version";
/// Default maximum number of concurrent sessions (Aeron `MAX_CONCURRENT_SESSIONS_DEFAULT`).
pub const MAX_CONCURRENT_SESSIONS_DEFAULT: usize = 10;
/// Default session inactivity timeout, 10 s (Aeron `SESSION_TIMEOUT_DEFAULT_NS`).
pub const SESSION_TIMEOUT_DEFAULT_NS: i64 = 10_000_000_000;

/// Limits of a [`SessionManager`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionManagerConfig {
    /// Pending + open sessions above which connects are rejected.
    pub max_concurrent_sessions: usize,
    /// Inactivity after which a session is timed out, ns.
    pub session_timeout_ns: i64,
}

impl Default for SessionManagerConfig {
    fn default() -> Self {
        Self {
            max_concurrent_sessions: MAX_CONCURRENT_SESSIONS_DEFAULT,
            session_timeout_ns: SESSION_TIMEOUT_DEFAULT_NS,
        }
    }
}

/// The outcome of a connect request on the leader. Either way the consensus module adds a response
/// publication for the session (keyed by its id) on `response_channel`/`response_stream_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectDecision {
    /// Admitted: authentication proceeds in [`SessionManager::process_pending`].
    Pending {
        /// The new session id.
        cluster_session_id: i64,
    },
    /// Rejected: the SessionEvent is sent once the response publication connects.
    Rejected {
        /// The new session id.
        cluster_session_id: i64,
        /// ERROR.
        code: EventCode,
        /// Why.
        detail: String,
    },
}

impl ConnectDecision {
    /// The session id either way.
    pub fn cluster_session_id(&self) -> i64 {
        match self {
            Self::Pending { cluster_session_id } | Self::Rejected { cluster_session_id, .. } => {
                *cluster_session_id
            }
        }
    }
}

/// Something the consensus module must do for the session manager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionCommand {
    /// Send an egress Challenge(correlation_id, cluster_session_id, encoded_challenge). Best effort.
    SendChallenge {
        /// Session.
        cluster_session_id: i64,
        /// Correlation id of the connect request.
        correlation_id: i64,
        /// Challenge bytes.
        encoded_challenge: Vec<u8>,
    },
    /// If the response publication has window, append SessionOpenEvent(current term, correlation_id,
    /// cluster_session_id, cluster time, response_stream_id, response_channel, encoded_principal); on
    /// success call [`SessionManager::on_session_open_appended`] with the resulting position, then
    /// execute the [`SessionCommand::SendOpenEvent`] it returns.
    AppendSessionOpen {
        /// Session.
        cluster_session_id: i64,
        /// Correlation id of the connect request.
        correlation_id: i64,
        /// Client egress stream.
        response_stream_id: i32,
        /// Client egress channel.
        response_channel: String,
        /// Principal from the authenticator.
        encoded_principal: Vec<u8>,
    },
    /// Send SessionEvent OK (correlation_id, leader, protocol version, heartbeat timeout, empty detail);
    /// on success call [`SessionManager::on_open_event_sent`].
    SendOpenEvent {
        /// Session.
        cluster_session_id: i64,
        /// Correlation id of the connect request.
        correlation_id: i64,
    },
    /// Send SessionEvent(code, detail) to a rejected session; on success call
    /// [`SessionManager::on_rejection_sent`] and disconnect its response publication.
    SendRejection {
        /// Session.
        cluster_session_id: i64,
        /// Correlation id of the connect request.
        correlation_id: i64,
        /// ERROR or AUTHENTICATION_REJECTED.
        code: EventCode,
        /// Why.
        detail: String,
    },
    /// Append SessionCloseEvent(current term, cluster_session_id, cluster time, reason); on success
    /// call [`SessionManager::on_session_close_appended`] with the resulting position, then (if
    /// `send_closed_event`) send SessionEvent CLOSED with the reason's name as detail, and disconnect the
    /// response publication.
    AppendSessionClose {
        /// Session.
        cluster_session_id: i64,
        /// Correlation id of the session.
        correlation_id: i64,
        /// Why.
        reason: CloseReason,
        /// Whether the client is told with SessionEvent CLOSED.
        send_closed_event: bool,
    },
    /// Send NewLeaderEvent(term, cluster_session_id, leader, ingress endpoints); on success call
    /// [`SessionManager::on_new_leader_event_sent`].
    SendNewLeaderEvent {
        /// Session.
        cluster_session_id: i64,
    },
    /// Best effort: send SessionEvent CLOSED with `detail` (e.g. "election").
    SendClosedEvent {
        /// Session.
        cluster_session_id: i64,
        /// Correlation id of the session.
        correlation_id: i64,
        /// Detail text.
        detail: &'static str,
    },
    /// (Re)add the session's response publication (new term: sessions carried over from the old leader).
    ConnectResponse {
        /// Session.
        cluster_session_id: i64,
        /// Client egress channel.
        response_channel: String,
        /// Client egress stream.
        response_stream_id: i32,
    },
    /// Close the session's response publication (and session counter), if any.
    DisconnectResponse {
        /// Session.
        cluster_session_id: i64,
    },
}

/// Client sessions of one consensus module.
///
/// How to drive it (leader): [`on_connect_request`](Self::on_connect_request) per SessionConnectRequest;
/// on each slow tick [`process_pending`](Self::process_pending) and [`check_sessions`](Self::check_sessions),
/// executing their commands; [`on_session_activity`](Self::on_session_activity) per keep-alive or
/// appended message; [`on_session_close_request`](Self::on_session_close_request) /
/// [`on_service_close_session`](Self::on_service_close_session); [`sweep_uncommitted_sessions`](Self::sweep_uncommitted_sessions)
/// as commit advances. Followers and replays feed the log's events (`on_replay_*`). On an election:
/// [`clear_sessions_after`](Self::clear_sessions_after), [`disconnect_sessions`](Self::disconnect_sessions),
/// [`restore_uncommitted_sessions`](Self::restore_uncommitted_sessions); on becoming leader
/// [`prepare_sessions_for_new_term`](Self::prepare_sessions_for_new_term).
#[derive(Debug, Default)]
pub struct SessionManager {
    config: SessionManagerConfig,
    sessions: BTreeMap<i64, ClusterSession>,
    pending: Vec<ClusterSession>,
    rejected: Vec<ClusterSession>,
    uncommitted_closed: VecDeque<ClusterSession>,
    /// `(log position of the open, next committed session id once it commits)`.
    uncommitted_next_committed_ids: VecDeque<(i64, i64)>,
    next_session_id: i64,
    next_committed_session_id: i64,
    timed_out_count: u64,
}

impl SessionManager {
    /// An empty table; ids start at 1.
    pub fn new(config: SessionManagerConfig) -> Self {
        Self { config, next_session_id: 1, next_committed_session_id: 1, ..Self::default() }
    }

    /// The limits in use.
    pub fn config(&self) -> SessionManagerConfig {
        self.config
    }

    /// Id the next admitted session gets.
    pub fn next_session_id(&self) -> i64 {
        self.next_session_id
    }

    /// One past the highest session id whose open is committed (written to snapshots).
    pub fn next_committed_session_id(&self) -> i64 {
        self.next_committed_session_id
    }

    /// Sessions timed out so far (mirror into the "timed-out clients" counter).
    pub fn timed_out_count(&self) -> u64 {
        self.timed_out_count
    }

    /// The open or closing session `cluster_session_id`.
    pub fn find(&self, cluster_session_id: i64) -> Option<&ClusterSession> {
        self.sessions.get(&cluster_session_id)
    }

    /// The pending (connecting) session `cluster_session_id`.
    pub fn find_pending(&self, cluster_session_id: i64) -> Option<&ClusterSession> {
        self.pending.iter().find(|session| session.id() == cluster_session_id)
    }

    /// Open and closing sessions in id order.
    pub fn sessions(&self) -> impl Iterator<Item = &ClusterSession> {
        self.sessions.values()
    }

    /// Number of open and closing sessions.
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }

    /// Number of sessions still connecting/authenticating.
    pub fn pending_count(&self) -> usize {
        self.pending.len()
    }

    /// Number of rejected sessions waiting for their SessionEvent.
    pub fn rejected_count(&self) -> usize {
        self.rejected.len()
    }

    /// Leader: a SessionConnectRequest. Assigns the next id, then rejects (wrong client major version,
    /// too many sessions) or admits the session and tells the authenticator.
    #[allow(clippy::too_many_arguments)]
    pub fn on_connect_request(
        &mut self,
        correlation_id: i64,
        response_stream_id: i32,
        version: i32,
        response_channel: &str,
        encoded_credentials: &[u8],
        ingress_image_correlation_id: i64,
        now_ns: i64,
        authenticator: &mut dyn Authenticator,
    ) -> ConnectDecision {
        let cluster_session_id = self.next_session_id;
        self.next_session_id += 1;
        let mut session = ClusterSession::new(
            cluster_session_id,
            correlation_id,
            response_stream_id,
            response_channel,
            ClusterSessionAction::Client,
        );
        session.last_activity(now_ns, correlation_id);

        let rejection = if semantic_major(version) != PROTOCOL_MAJOR_VERSION {
            Some(format!(
                "{SESSION_INVALID_VERSION_MSG} {}, cluster is {}",
                semantic_version_string(version),
                semantic_version_string(PROTOCOL_SEMANTIC_VERSION)
            ))
        } else if self.pending.len() + self.sessions.len() >= self.config.max_concurrent_sessions {
            Some(SESSION_LIMIT_MSG.to_owned())
        } else {
            None
        };

        match rejection {
            Some(detail) => {
                let _ = session.reject(EventCode::Error, detail.clone());
                self.rejected.push(session);
                ConnectDecision::Rejected { cluster_session_id, code: EventCode::Error, detail }
            }
            None => {
                session.link_ingress_image(ingress_image_correlation_id);
                authenticator.on_connect_request(cluster_session_id, encoded_credentials, now_ns / 1_000_000);
                self.pending.push(session);
                ConnectDecision::Pending { cluster_session_id }
            }
        }
    }

    /// The response publication of a pending session could not be created: it becomes INVALID and is
    /// dropped by the next [`process_pending`](Self::process_pending).
    pub fn on_response_unavailable(&mut self, cluster_session_id: i64) {
        for session in self.pending.iter_mut().chain(self.rejected.iter_mut()) {
            if session.id() == cluster_session_id {
                let _ = session.invalidate();
            }
        }
    }

    /// Leader: a ChallengeResponse. Matched only against a CHALLENGED pending session; updates its
    /// correlation id and activity, and passes the credentials to the authenticator.
    pub fn on_challenge_response(
        &mut self,
        correlation_id: i64,
        cluster_session_id: i64,
        encoded_credentials: &[u8],
        now_ns: i64,
        authenticator: &mut dyn Authenticator,
    ) -> bool {
        let Some(session) = self.pending.iter_mut().find(|session| {
            session.id() == cluster_session_id && session.state() == SessionState::Challenged
        }) else {
            return false;
        };
        session.last_activity(now_ns, correlation_id);
        authenticator.on_challenge_response(cluster_session_id, encoded_credentials, now_ns / 1_000_000);
        true
    }

    /// Leader slow tick: advances pending sessions (time-outs, connection, authentication, open) and
    /// answers rejected ones. `is_response_connected(id)` tells whether the session's response
    /// publication is connected. Commands in session order: pending first, then rejected.
    pub fn process_pending(
        &mut self,
        now_ns: i64,
        authenticator: &mut dyn Authenticator,
        is_response_connected: impl Fn(i64) -> bool,
    ) -> Vec<SessionCommand> {
        let mut commands = Vec::new();
        let now_ms = now_ns / 1_000_000;
        let timeout_ns = self.config.session_timeout_ns;
        let mut index = 0;
        while index < self.pending.len() {
            let session = &mut self.pending[index];
            let id = session.id();
            if session.state() == SessionState::Invalid {
                self.pending.remove(index);
                commands.push(SessionCommand::DisconnectResponse { cluster_session_id: id });
                continue;
            }
            if session.state() == SessionState::Init {
                // The response publication is being added from the moment of the connect request.
                let _ = session.on_response_resolved(session.time_of_last_activity_ns());
            }
            if session.has_timed_out(now_ns, timeout_ns) {
                self.pending.remove(index);
                self.timed_out_count += 1;
                commands.push(SessionCommand::DisconnectResponse { cluster_session_id: id });
                continue;
            }
            if matches!(session.state(), SessionState::Connecting | SessionState::Connected)
                && is_response_connected(id)
            {
                let _ = session.on_connected();
                authenticator.on_connected_session(&mut SessionProxy::new(session), now_ms);
            } else if session.state() == SessionState::Challenged && is_response_connected(id) {
                authenticator.on_challenged_session(&mut SessionProxy::new(session), now_ms);
            }
            if let Some(encoded_challenge) = session.take_pending_challenge() {
                commands.push(SessionCommand::SendChallenge {
                    cluster_session_id: id,
                    correlation_id: session.correlation_id(),
                    encoded_challenge,
                });
            }
            match session.state() {
                SessionState::Authenticated => {
                    commands.push(SessionCommand::AppendSessionOpen {
                        cluster_session_id: id,
                        correlation_id: session.correlation_id(),
                        response_stream_id: session.response_stream_id(),
                        response_channel: session.response_channel().to_owned(),
                        encoded_principal: session.encoded_principal().to_vec(),
                    });
                    index += 1;
                }
                SessionState::Rejected => {
                    let session = self.pending.remove(index);
                    self.rejected.push(session);
                }
                _ => index += 1,
            }
        }

        let mut index = 0;
        while index < self.rejected.len() {
            let session = &self.rejected[index];
            let id = session.id();
            if is_response_connected(id) {
                commands.push(SessionCommand::SendRejection {
                    cluster_session_id: id,
                    correlation_id: session.correlation_id(),
                    code: session.event_code().unwrap_or(EventCode::Error),
                    detail: session.response_detail().to_owned(),
                });
                index += 1;
            } else if session.state() == SessionState::Invalid
                || session.time_of_last_activity_ns().saturating_add(timeout_ns) < now_ns
            {
                self.rejected.remove(index);
                commands.push(SessionCommand::DisconnectResponse { cluster_session_id: id });
            } else {
                index += 1;
            }
        }
        commands
    }

    /// Acknowledges [`SessionCommand::AppendSessionOpen`]: the SessionOpenEvent ends at `log_position`.
    /// The session becomes OPEN and joins the table; returns the SessionEvent OK to send.
    pub fn on_session_open_appended(
        &mut self,
        cluster_session_id: i64,
        log_position: i64,
        now_ns: i64,
    ) -> Option<SessionCommand> {
        let index = self.pending.iter().position(|session| {
            session.id() == cluster_session_id && session.state() == SessionState::Authenticated
        })?;
        let mut session = self.pending.remove(index);
        session.open(log_position).ok()?;
        session.set_time_of_last_activity_ns(now_ns);
        self.uncommitted_next_committed_ids.push_back((log_position, cluster_session_id + 1));
        let command =
            SessionCommand::SendOpenEvent { cluster_session_id, correlation_id: session.correlation_id() };
        self.sessions.insert(cluster_session_id, session);
        Some(command)
    }

    /// Acknowledges [`SessionCommand::SendOpenEvent`].
    pub fn on_open_event_sent(&mut self, cluster_session_id: i64) {
        if let Some(session) = self.sessions.get_mut(&cluster_session_id) {
            session.clear_open_event_pending();
        }
    }

    /// Acknowledges [`SessionCommand::SendRejection`]: the rejected session is closed and forgotten.
    pub fn on_rejection_sent(&mut self, cluster_session_id: i64) {
        self.rejected.retain(|session| session.id() != cluster_session_id);
    }

    /// Acknowledges [`SessionCommand::SendNewLeaderEvent`].
    pub fn on_new_leader_event_sent(&mut self, cluster_session_id: i64) {
        if let Some(session) = self.sessions.get_mut(&cluster_session_id) {
            session.set_new_leader_event_pending(false);
        }
    }

    /// Leader: a keep-alive or an appended ingress message of `cluster_session_id`. True if the session
    /// is open (and its activity was refreshed).
    pub fn on_session_activity(&mut self, cluster_session_id: i64, now_ns: i64) -> bool {
        match self.sessions.get_mut(&cluster_session_id) {
            Some(session) if session.is_open() => {
                session.set_time_of_last_activity_ns(now_ns);
                true
            }
            _ => false,
        }
    }

    /// Leader: SessionCloseRequest (term already checked). An open session becomes CLOSING
    /// (CLIENT_ACTION); disconnect its response publication now and append the close.
    pub fn on_session_close_request(&mut self, cluster_session_id: i64) -> Vec<SessionCommand> {
        let Some(session) = self.sessions.get_mut(&cluster_session_id).filter(|session| session.is_open())
        else {
            return Vec::new();
        };
        let _ = session.closing(CloseReason::ClientAction);
        vec![
            SessionCommand::DisconnectResponse { cluster_session_id },
            SessionCommand::AppendSessionClose {
                cluster_session_id,
                correlation_id: session.correlation_id(),
                reason: CloseReason::ClientAction,
                send_closed_event: false,
            },
        ]
    }

    /// A service asked to close `cluster_session_id`: it becomes CLOSING (SERVICE_ACTION); an active
    /// leader appends the close (and tells the client), others wait for the log.
    pub fn on_service_close_session(
        &mut self,
        cluster_session_id: i64,
        is_active_leader: bool,
    ) -> Option<SessionCommand> {
        let session = self.sessions.get_mut(&cluster_session_id)?;
        session.closing(CloseReason::ServiceAction).ok()?;
        is_active_leader.then(|| SessionCommand::AppendSessionClose {
            cluster_session_id,
            correlation_id: session.correlation_id(),
            reason: CloseReason::ServiceAction,
            send_closed_event: true,
        })
    }

    /// Acknowledges [`SessionCommand::AppendSessionClose`]: the close event ends at `log_position`. The
    /// session leaves the table but is remembered until that position commits.
    pub fn on_session_close_appended(&mut self, cluster_session_id: i64, log_position: i64) {
        let Some(mut session) = self.sessions.remove(&cluster_session_id) else {
            return;
        };
        if session.close_reason() == Some(CloseReason::Timeout) {
            self.timed_out_count += 1;
        }
        session.set_closed_log_position(log_position);
        session.close();
        self.uncommitted_closed.push_back(session);
    }

    /// Leader slow tick: times out inactive sessions (appending their close), retries closes of CLOSING
    /// sessions, and re-sends pending SessionEvent OK / NewLeaderEvent.
    pub fn check_sessions(&mut self, now_ns: i64) -> Vec<SessionCommand> {
        let mut commands = Vec::new();
        let timeout_ns = self.config.session_timeout_ns;
        let mut dropped = Vec::new();
        for (&id, session) in &mut self.sessions {
            if now_ns > session.time_of_last_activity_ns().saturating_add(timeout_ns) {
                match session.state() {
                    SessionState::Open | SessionState::Closing => {
                        if session.state() == SessionState::Open {
                            let _ = session.closing(CloseReason::Timeout);
                        }
                        commands.push(SessionCommand::AppendSessionClose {
                            cluster_session_id: id,
                            correlation_id: session.correlation_id(),
                            reason: session.close_reason().unwrap_or(CloseReason::Timeout),
                            send_closed_event: true,
                        });
                    }
                    _ => {
                        session.close();
                        dropped.push(id);
                        commands.push(SessionCommand::DisconnectResponse { cluster_session_id: id });
                    }
                }
            } else if session.has_open_event_pending() && session.is_open() {
                commands.push(SessionCommand::SendOpenEvent {
                    cluster_session_id: id,
                    correlation_id: session.correlation_id(),
                });
            } else if session.has_new_leader_event_pending() {
                commands.push(SessionCommand::SendNewLeaderEvent { cluster_session_id: id });
            }
        }
        for id in dropped {
            self.sessions.remove(&id);
        }
        commands
    }

    /// The ingress image `image_correlation_id` went away: its open sessions are closed with TIMEOUT.
    pub fn timeout_on_unavailable_image(&mut self, image_correlation_id: i64) {
        for session in self.sessions.values_mut() {
            if session.ingress_image_correlation_id() == image_correlation_id && session.is_open() {
                let _ = session.closing(CloseReason::Timeout);
            }
        }
    }

    /// Follower/replay: a SessionOpenEvent ending at `log_position`.
    pub fn on_replay_session_open(
        &mut self,
        log_position: i64,
        correlation_id: i64,
        cluster_session_id: i64,
        time_of_last_activity_ns: i64,
        response_stream_id: i32,
        response_channel: &str,
    ) {
        let session = ClusterSession::from_log(
            cluster_session_id,
            correlation_id,
            response_stream_id,
            response_channel,
            log_position,
            time_of_last_activity_ns,
        );
        self.sessions.insert(cluster_session_id, session);
        self.next_session_id = self.next_session_id.max(cluster_session_id + 1);
        self.next_committed_session_id = self.next_committed_session_id.max(cluster_session_id + 1);
    }

    /// Follower/replay: a SessionCloseEvent.
    pub fn on_replay_session_close(&mut self, cluster_session_id: i64, reason: CloseReason) {
        if let Some(mut session) = self.sessions.remove(&cluster_session_id) {
            let _ = session.closing(reason);
            session.close();
        }
    }

    /// Follower/replay: a session message with the leader's timestamp (as ns). True if the session is known.
    pub fn on_replay_session_message(&mut self, cluster_session_id: i64, timestamp_ns: i64) -> bool {
        match self.sessions.get_mut(&cluster_session_id) {
            Some(session) => {
                session.set_time_of_last_activity_ns(timestamp_ns);
                true
            }
            None => false,
        }
    }

    /// Snapshot load: next session id (also the committed one).
    pub fn load_next_session_id(&mut self, next_session_id: i64) {
        self.next_session_id = next_session_id;
        self.next_committed_session_id = next_session_id;
    }

    /// Snapshot load: one session (OPEN, or CLOSING when it has a close reason).
    pub fn load_session(&mut self, session: ClusterSession) {
        let id = session.id();
        if id >= self.next_session_id {
            self.next_session_id = id + 1;
            self.next_committed_session_id = self.next_session_id;
        }
        self.sessions.insert(id, session);
    }

    /// Visits the sessions a snapshot stores (OPEN and CLOSING), in id order.
    pub fn for_each_snapshot_session(&self, mut visitor: impl FnMut(&ClusterSession)) {
        for session in self.sessions.values() {
            if matches!(session.state(), SessionState::Open | SessionState::Closing) {
                visitor(session);
            }
        }
    }

    /// This node became leader. On cluster start-up every OPEN session is closed with TIMEOUT (its
    /// close is appended by [`check_sessions`](Self::check_sessions)); otherwise each OPEN session gets a
    /// new response publication, fresh activity and a pending NewLeaderEvent.
    pub fn prepare_sessions_for_new_term(&mut self, is_startup: bool, now_ns: i64) -> Vec<SessionCommand> {
        let mut commands = Vec::new();
        for (&id, session) in &mut self.sessions {
            if !session.is_open() {
                continue;
            }
            if is_startup {
                let _ = session.closing(CloseReason::Timeout);
            } else {
                commands.push(SessionCommand::ConnectResponse {
                    cluster_session_id: id,
                    response_channel: session.response_channel().to_owned(),
                    response_stream_id: session.response_stream_id(),
                });
                session.set_time_of_last_activity_ns(now_ns);
                session.set_new_leader_event_pending(true);
            }
        }
        commands
    }

    /// Entering an election: sessions opened after `log_position` (not committed) and all pending
    /// sessions are closed, each told "election".
    pub fn clear_sessions_after(&mut self, log_position: i64) -> Vec<SessionCommand> {
        let mut commands = Vec::new();
        let uncommitted: Vec<i64> = self
            .sessions
            .values()
            .filter(|session| session.opened_log_position() > log_position)
            .map(ClusterSession::id)
            .collect();
        for id in uncommitted {
            if let Some(mut session) = self.sessions.remove(&id) {
                commands.push(SessionCommand::SendClosedEvent {
                    cluster_session_id: id,
                    correlation_id: session.correlation_id(),
                    detail: "election",
                });
                commands.push(SessionCommand::DisconnectResponse { cluster_session_id: id });
                session.close();
            }
        }
        for mut session in self.pending.drain(..) {
            commands.push(SessionCommand::SendClosedEvent {
                cluster_session_id: session.id(),
                correlation_id: session.correlation_id(),
                detail: "election",
            });
            commands.push(SessionCommand::DisconnectResponse { cluster_session_id: session.id() });
            session.close();
        }
        commands
    }

    /// Entering an election: every session's response publication is closed and its ingress image
    /// unlinked (the sessions stay).
    pub fn disconnect_sessions(&mut self) -> Vec<SessionCommand> {
        self.sessions
            .iter_mut()
            .map(|(&id, session)| {
                session.unlink_ingress_image();
                SessionCommand::DisconnectResponse { cluster_session_id: id }
            })
            .collect()
    }

    /// Commit advanced to `commit_position`: forget closes it covers and advance
    /// `next_committed_session_id` past opens it covers.
    pub fn sweep_uncommitted_sessions(&mut self, commit_position: i64) {
        while self
            .uncommitted_closed
            .front()
            .is_some_and(|session| session.closed_log_position() <= commit_position)
        {
            self.uncommitted_closed.pop_front();
        }
        self.advance_committed_session_id(commit_position);
    }

    /// Leadership lost with `commit_position` committed: closes appended after it are re-instated as
    /// CLOSING (the next leader appends them again) and uncommitted opens no longer advance
    /// `next_committed_session_id`. Unlike Aeron, a close is not re-instated when the session's open
    /// was not committed either (the session does not exist in the surviving log).
    pub fn restore_uncommitted_sessions(&mut self, commit_position: i64) {
        while let Some(mut session) = self.uncommitted_closed.pop_front() {
            // Deviation from Aeron: a session whose open was not committed either is gone with it.
            if session.closed_log_position() > commit_position
                && session.opened_log_position() <= commit_position
            {
                session.restore_closing();
                self.sessions.insert(session.id(), session);
            }
        }
        self.advance_committed_session_id(commit_position);
        self.uncommitted_next_committed_ids.clear();
    }

    /// Sets every session's activity to `now_ns` (after an election or snapshot load).
    pub fn update_time_of_last_activity(&mut self, now_ns: i64) {
        for session in self.sessions.values_mut() {
            session.set_time_of_last_activity_ns(now_ns);
        }
    }

    fn advance_committed_session_id(&mut self, commit_position: i64) {
        while let Some(&(position, next_id)) = self.uncommitted_next_committed_ids.front() {
            if position > commit_position {
                break;
            }
            self.uncommitted_next_committed_ids.pop_front();
            self.next_committed_session_id = self.next_committed_session_id.max(next_id);
        }
    }
}

/// Major part of a packed semantic version (`major << 16 | minor << 8 | patch`).
const fn semantic_major(version: i32) -> i32 {
    (version >> 16) & 0xFF
}

fn semantic_version_string(version: i32) -> String {
    format!("{}.{}.{}", (version >> 16) & 0xFF, (version >> 8) & 0xFF, version & 0xFF)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authenticator::{DefaultAuthenticator, SecretAuthenticator};
    use proptest::prelude::*;

    const SECOND_NS: i64 = 1_000_000_000;

    fn manager() -> SessionManager {
        SessionManager::new(SessionManagerConfig::default())
    }

    fn connect(manager: &mut SessionManager, correlation_id: i64, now_ns: i64) -> ConnectDecision {
        manager.on_connect_request(
            correlation_id,
            102,
            PROTOCOL_SEMANTIC_VERSION,
            "aeron:udp?endpoint=client:9000",
            b"",
            77,
            now_ns,
            &mut DefaultAuthenticator,
        )
    }

    /// Runs pending processing with every response connected and acknowledges appends at `position`.
    fn open_all(manager: &mut SessionManager, now_ns: i64, position: &mut i64) -> Vec<i64> {
        let commands = manager.process_pending(now_ns, &mut DefaultAuthenticator, |_| true);
        let mut opened = Vec::new();
        for command in commands {
            if let SessionCommand::AppendSessionOpen { cluster_session_id, .. } = command {
                *position += 64;
                let ok = manager.on_session_open_appended(cluster_session_id, *position, now_ns);
                assert!(matches!(ok, Some(SessionCommand::SendOpenEvent { .. })));
                manager.on_open_event_sent(cluster_session_id);
                opened.push(cluster_session_id);
            }
        }
        opened
    }

    #[test]
    fn connect_authenticate_open() {
        let mut manager = manager();
        assert_eq!(connect(&mut manager, 10, 0), ConnectDecision::Pending { cluster_session_id: 1 });
        assert_eq!(manager.pending_count(), 1);
        assert_eq!(manager.find_pending(1).map(ClusterSession::ingress_image_correlation_id), Some(77));

        // Not connected yet: nothing to do.
        assert!(manager.process_pending(1, &mut DefaultAuthenticator, |_| false).is_empty());
        assert_eq!(manager.find_pending(1).map(ClusterSession::state), Some(SessionState::Connecting));

        let commands = manager.process_pending(2, &mut DefaultAuthenticator, |_| true);
        assert_eq!(
            commands,
            vec![SessionCommand::AppendSessionOpen {
                cluster_session_id: 1,
                correlation_id: 10,
                response_stream_id: 102,
                response_channel: "aeron:udp?endpoint=client:9000".into(),
                encoded_principal: vec![],
            }]
        );
        // Back-pressured append: re-emitted next time.
        let again = manager.process_pending(3, &mut DefaultAuthenticator, |_| true);
        assert_eq!(again, commands);

        assert_eq!(
            manager.on_session_open_appended(1, 320, 4),
            Some(SessionCommand::SendOpenEvent { cluster_session_id: 1, correlation_id: 10 })
        );
        let session = manager.find(1).expect("open");
        assert!(session.is_open());
        assert_eq!(session.opened_log_position(), 320);
        assert_eq!(manager.pending_count(), 0);
        // OK not yet acknowledged: check_sessions re-sends it.
        assert_eq!(
            manager.check_sessions(5),
            vec![SessionCommand::SendOpenEvent { cluster_session_id: 1, correlation_id: 10 }]
        );
        manager.on_open_event_sent(1);
        assert!(manager.check_sessions(6).is_empty());
        assert_eq!(manager.next_committed_session_id(), 1);
        manager.sweep_uncommitted_sessions(320);
        assert_eq!(manager.next_committed_session_id(), 2);
    }

    #[test]
    fn rejects_wrong_version_and_session_limit() {
        let mut manager = SessionManager::new(SessionManagerConfig {
            max_concurrent_sessions: 1,
            ..SessionManagerConfig::default()
        });
        let decision =
            manager.on_connect_request(1, 102, 1 << 16, "ch", b"", 1, 0, &mut DefaultAuthenticator);
        assert_eq!(
            decision,
            ConnectDecision::Rejected {
                cluster_session_id: 1,
                code: EventCode::Error,
                detail: "invalid client version 1.0.0, cluster is 0.3.0".into()
            }
        );
        assert_eq!(connect(&mut manager, 2, 0).cluster_session_id(), 2);
        let limited = connect(&mut manager, 3, 0);
        assert!(
            matches!(limited, ConnectDecision::Rejected { ref detail, .. } if detail == SESSION_LIMIT_MSG)
        );
        assert_eq!(manager.rejected_count(), 2);

        // Rejections are sent once connected, then forgotten when acknowledged.
        let commands = manager.process_pending(1, &mut DefaultAuthenticator, |id| id != 2);
        let rejections: Vec<i64> = commands
            .iter()
            .filter_map(|command| match command {
                SessionCommand::SendRejection { cluster_session_id, .. } => Some(*cluster_session_id),
                _ => None,
            })
            .collect();
        assert_eq!(rejections, vec![1, 3]);
        manager.on_rejection_sent(1);
        manager.on_rejection_sent(3);
        assert_eq!(manager.rejected_count(), 0);
    }

    #[test]
    fn unconnected_rejections_and_pending_sessions_time_out() {
        let mut manager = manager();
        manager.on_connect_request(1, 102, 1 << 16, "ch", b"", 1, 0, &mut DefaultAuthenticator);
        connect(&mut manager, 2, 0);
        assert!(manager.process_pending(SECOND_NS, &mut DefaultAuthenticator, |_| false).is_empty());
        let commands = manager.process_pending(11 * SECOND_NS, &mut DefaultAuthenticator, |_| false);
        assert_eq!(
            commands,
            vec![
                SessionCommand::DisconnectResponse { cluster_session_id: 2 },
                SessionCommand::DisconnectResponse { cluster_session_id: 1 },
            ]
        );
        assert_eq!(manager.pending_count() + manager.rejected_count(), 0);
        assert_eq!(manager.timed_out_count(), 1);
    }

    #[test]
    fn invalid_response_publication_drops_the_session() {
        let mut manager = manager();
        connect(&mut manager, 1, 0);
        manager.on_response_unavailable(1);
        assert_eq!(
            manager.process_pending(1, &mut DefaultAuthenticator, |_| true),
            vec![SessionCommand::DisconnectResponse { cluster_session_id: 1 }]
        );
        assert_eq!(manager.pending_count(), 0);
    }

    #[test]
    fn challenge_flow_with_the_secret_authenticator() {
        let mut manager = manager();
        let mut authenticator = SecretAuthenticator::new("riddle", "answer", "bob");
        let decision = manager.on_connect_request(
            5,
            102,
            PROTOCOL_SEMANTIC_VERSION,
            "ch",
            b"",
            1,
            0,
            &mut authenticator,
        );
        let id = decision.cluster_session_id();
        let commands = manager.process_pending(1, &mut authenticator, |_| true);
        assert_eq!(
            commands,
            vec![SessionCommand::SendChallenge {
                cluster_session_id: id,
                correlation_id: 5,
                encoded_challenge: b"riddle".to_vec()
            }]
        );
        assert!(
            !manager.on_challenge_response(6, id + 1, b"answer", 2, &mut authenticator),
            "unknown session"
        );
        assert!(manager.on_challenge_response(6, id, b"answer", 2, &mut authenticator));
        let commands = manager.process_pending(3, &mut authenticator, |_| true);
        assert!(matches!(
            &commands[..],
            [SessionCommand::AppendSessionOpen { correlation_id: 6, encoded_principal, .. }] if encoded_principal == b"bob"
        ));

        let wrong = manager
            .on_connect_request(7, 102, PROTOCOL_SEMANTIC_VERSION, "ch", b"", 1, 0, &mut authenticator)
            .cluster_session_id();
        manager.process_pending(4, &mut authenticator, |_| true);
        manager.on_challenge_response(8, wrong, b"guess", 5, &mut authenticator);
        let commands = manager.process_pending(6, &mut authenticator, |_| true);
        assert!(commands.contains(&SessionCommand::SendRejection {
            cluster_session_id: wrong,
            correlation_id: 8,
            code: EventCode::AuthenticationRejected,
            detail: "session failed authentication".into(),
        }));
    }

    #[test]
    fn close_request_timeout_and_service_close() {
        let mut manager = manager();
        let mut position = 0;
        for correlation_id in 0..3 {
            connect(&mut manager, correlation_id, 0);
        }
        assert_eq!(open_all(&mut manager, 0, &mut position), vec![1, 2, 3]);

        let commands = manager.on_session_close_request(1);
        assert_eq!(
            commands,
            vec![
                SessionCommand::DisconnectResponse { cluster_session_id: 1 },
                SessionCommand::AppendSessionClose {
                    cluster_session_id: 1,
                    correlation_id: 0,
                    reason: CloseReason::ClientAction,
                    send_closed_event: false
                },
            ]
        );
        assert!(manager.on_session_close_request(1).is_empty(), "already closing");
        // The append failed: check_sessions retries it once the cleared activity time is past the timeout.
        assert!(manager.on_session_activity(2, 10 * SECOND_NS));
        assert!(manager.on_session_activity(3, 10 * SECOND_NS));
        let retry = manager.check_sessions(10 * SECOND_NS + 1);
        assert!(matches!(&retry[..], [SessionCommand::AppendSessionClose { cluster_session_id: 1, .. }]));
        manager.on_session_close_appended(1, 500);
        assert!(manager.find(1).is_none());

        assert!(manager.on_session_activity(2, 15 * SECOND_NS));
        assert!(!manager.on_session_activity(1, 15 * SECOND_NS));
        let commands = manager.check_sessions(21 * SECOND_NS);
        assert_eq!(
            commands,
            vec![SessionCommand::AppendSessionClose {
                cluster_session_id: 3,
                correlation_id: 2,
                reason: CloseReason::Timeout,
                send_closed_event: true
            }]
        );
        manager.on_session_close_appended(3, 600);
        assert_eq!(manager.timed_out_count(), 1);

        assert_eq!(
            manager.on_service_close_session(2, true),
            Some(SessionCommand::AppendSessionClose {
                cluster_session_id: 2,
                correlation_id: 1,
                reason: CloseReason::ServiceAction,
                send_closed_event: true
            })
        );
        assert_eq!(manager.on_service_close_session(99, true), None);
    }

    #[test]
    fn unavailable_ingress_image_times_out_its_sessions() {
        let mut manager = manager();
        let mut position = 0;
        connect(&mut manager, 1, 0);
        open_all(&mut manager, 0, &mut position);
        manager.timeout_on_unavailable_image(76);
        assert!(manager.find(1).unwrap().is_open());
        manager.timeout_on_unavailable_image(77);
        assert_eq!(manager.find(1).unwrap().state(), SessionState::Closing);
        assert_eq!(manager.find(1).unwrap().close_reason(), Some(CloseReason::Timeout));
    }

    #[test]
    fn replay_and_snapshot_views() {
        let mut manager = manager();
        manager.on_replay_session_open(128, 9, 4, 1_000, 102, "ch");
        manager.on_replay_session_open(256, 10, 2, 1_000, 102, "ch");
        assert_eq!(manager.next_session_id(), 5);
        assert_eq!(manager.next_committed_session_id(), 5);
        assert!(manager.on_replay_session_message(2, 2_000));
        assert!(!manager.on_replay_session_message(3, 2_000));
        assert_eq!(manager.find(2).unwrap().time_of_last_activity_ns(), 2_000);
        manager.on_replay_session_close(4, CloseReason::ClientAction);
        assert!(manager.find(4).is_none());

        let mut loaded = SessionManager::new(SessionManagerConfig::default());
        loaded.load_next_session_id(7);
        loaded.load_session(ClusterSession::from_snapshot(3, 1, 64, -1, None, 102, "ch"));
        loaded.load_session(ClusterSession::from_snapshot(
            9,
            2,
            96,
            -1,
            Some(CloseReason::Timeout),
            102,
            "ch",
        ));
        assert_eq!(loaded.next_session_id(), 10);
        let mut ids = Vec::new();
        loaded.for_each_snapshot_session(|session| ids.push((session.id(), session.state())));
        assert_eq!(ids, vec![(3, SessionState::Open), (9, SessionState::Closing)]);
        loaded.update_time_of_last_activity(42);
        assert!(loaded.sessions().all(|session| session.time_of_last_activity_ns() == 42));
    }

    #[test]
    fn new_term_hands_over_open_sessions() {
        let mut manager = manager();
        manager.on_replay_session_open(128, 9, 1, 0, 102, "ch");
        let commands = manager.prepare_sessions_for_new_term(false, 50);
        assert_eq!(
            commands,
            vec![SessionCommand::ConnectResponse {
                cluster_session_id: 1,
                response_channel: "ch".into(),
                response_stream_id: 102
            }]
        );
        // As in Aeron, a session learnt from the log still owes its OK event, sent before the NewLeaderEvent.
        assert_eq!(
            manager.check_sessions(60),
            vec![SessionCommand::SendOpenEvent { cluster_session_id: 1, correlation_id: 9 }]
        );
        manager.on_open_event_sent(1);
        assert_eq!(
            manager.check_sessions(60),
            vec![SessionCommand::SendNewLeaderEvent { cluster_session_id: 1 }]
        );
        manager.on_new_leader_event_sent(1);
        assert!(manager.check_sessions(70).is_empty());

        let mut startup = SessionManager::new(SessionManagerConfig::default());
        startup.on_replay_session_open(128, 9, 1, 0, 102, "ch");
        assert!(startup.prepare_sessions_for_new_term(true, 50).is_empty());
        assert_eq!(startup.find(1).unwrap().state(), SessionState::Closing);
        assert!(matches!(
            &startup.check_sessions(SECOND_NS * 10 + 1)[..],
            [SessionCommand::AppendSessionClose { reason: CloseReason::Timeout, .. }]
        ));
    }

    #[test]
    fn election_clears_uncommitted_opens_and_restores_uncommitted_closes() {
        let mut manager = manager();
        let mut position = 0;
        connect(&mut manager, 1, 0);
        connect(&mut manager, 2, 0);
        open_all(&mut manager, 0, &mut position); // 1 @ 64, 2 @ 128
        manager.sweep_uncommitted_sessions(64);
        assert_eq!(manager.next_committed_session_id(), 2);
        manager.on_session_close_request(1);
        manager.on_session_close_appended(1, 192);
        connect(&mut manager, 3, 0); // still pending

        let commands = manager.clear_sessions_after(64);
        assert!(commands.contains(&SessionCommand::SendClosedEvent {
            cluster_session_id: 2,
            correlation_id: 2,
            detail: "election"
        }));
        assert!(commands.contains(&SessionCommand::DisconnectResponse { cluster_session_id: 3 }));
        assert!(manager.find(2).is_none());
        assert_eq!(manager.pending_count(), 0);
        manager.restore_uncommitted_sessions(64);
        let restored = manager.find(1).expect("uncommitted close re-instated");
        assert_eq!(restored.state(), SessionState::Closing);
        assert_eq!(restored.closed_log_position(), -1);
        assert_eq!(manager.next_committed_session_id(), 2, "open of 2 never committed");
        assert_eq!(
            manager.disconnect_sessions(),
            vec![SessionCommand::DisconnectResponse { cluster_session_id: 1 }]
        );
        assert_eq!(manager.find(1).unwrap().ingress_image_correlation_id(), -1);
    }

    proptest! {
        /// Opens and closes appended at increasing positions, with commits and leadership losses at
        /// random points: `next_committed_session_id` is one past the highest session whose open is
        /// committed, and every close lost with the leadership comes back as CLOSING.
        #[test]
        fn rollback_matches_what_was_committed(ops in proptest::collection::vec(0u8..4, 1..80)) {
            let mut manager = manager();
            let mut position = 0i64;
            let mut commit = 0i64;
            let mut opens: Vec<(i64, i64)> = Vec::new(); // (position, id)
            let mut closes: Vec<(i64, i64)> = Vec::new(); // (position, id)
            for op in ops {
                match op {
                    0 => {
                        if manager.pending_count() + manager.session_count() < 10 {
                            let id = connect(&mut manager, 0, 0).cluster_session_id();
                            open_all(&mut manager, 0, &mut position);
                            opens.push((position, id));
                        }
                    }
                    1 => {
                        let open = manager.sessions().find(|session| session.is_open()).map(ClusterSession::id);
                        if let Some(id) = open {
                            manager.on_session_close_request(id);
                            position += 64;
                            manager.on_session_close_appended(id, position);
                            closes.push((position, id));
                        }
                    }
                    2 => {
                        commit = position;
                        manager.sweep_uncommitted_sessions(commit);
                    }
                    _ => {
                        manager.clear_sessions_after(commit);
                        manager.restore_uncommitted_sessions(commit);
                        for &(at, id) in &closes {
                            if at > commit && opens.iter().any(|&(open_at, open_id)| open_id == id && open_at <= commit) {
                                prop_assert_eq!(manager.find(id).map(ClusterSession::state), Some(SessionState::Closing));
                            }
                        }
                        // Truncate the leader's history to what survived.
                        opens.retain(|&(at, _)| at <= commit);
                        closes.retain(|&(at, _)| at <= commit);
                        position = commit;
                    }
                }
                let expected = opens.iter().filter(|&&(at, _)| at <= commit).map(|&(_, id)| id + 1).max().unwrap_or(1);
                prop_assert_eq!(manager.next_committed_session_id(), expected);
            }
        }
    }
}
