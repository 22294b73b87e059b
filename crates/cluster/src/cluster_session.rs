//! [`ClusterSession`]: the consensus module's record of one client (or backup/heartbeat/standby)
//! session (Aeron `ClusterSession`, reference §3.5), without the response publication: the consensus
//! module owns the I/O and reports its outcome through the transition methods.
//!
//! Lifecycle: `Init` → (response publication resolved) `Connecting` → (publication connected)
//! `Connected` → (authenticator) `Challenged` ⇄ … → `Authenticated` → (SessionOpenEvent appended) `Open`
//! → `Closing` (close requested, timed out, or service closed it) → `Closed`. Any pre-open state may go to
//! `Rejected` (its SessionEvent is sent, then it is closed); a publication that cannot be resolved makes it
//! `Invalid`. Sessions loaded from a snapshot or the log start `Open` (or `Closing`).
//!
//! Invariants:
//! - every state change goes through one private setter; transitions not allowed from the current state
//!   return [`SessionError::InvalidTransition`] and change nothing;
//! - `Closed` is terminal;
//! - the encoded principal never exceeds [`MAX_ENCODED_PRINCIPAL_LENGTH`] bytes;
//! - `opened_log_position`/`closed_log_position` are `NULL_POSITION` (-1) until known.

use protocol::cluster::{CloseReason, EventCode};

use crate::cluster_member::{NULL_POSITION, NULL_VALUE};

/// Maximum length of an encoded principal (Aeron `MAX_ENCODED_PRINCIPAL_LENGTH`, 4 KiB).
pub const MAX_ENCODED_PRINCIPAL_LENGTH: usize = 4 * 1024;

/// Detail of a rejection by the authenticator (Aeron `SESSION_REJECTED_MSG`).
pub const SESSION_REJECTED_MSG: &str = "session failed authentication";

/// State of a [`ClusterSession`]; `code()` is Aeron's ordinal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionState {
    /// Created; the response publication is being added.
    Init,
    /// Response publication resolved, waiting for it to connect.
    Connecting,
    /// Response publication connected; authentication in progress.
    Connected,
    /// A challenge was sent; waiting for the ChallengeResponse.
    Challenged,
    /// Authenticated; waiting to append the SessionOpenEvent (or to answer a backup request).
    Authenticated,
    /// Rejected; the SessionEvent with the rejection is still to be sent.
    Rejected,
    /// Open: in the log, accepting messages.
    Open,
    /// Close requested; the SessionCloseEvent is still to be appended.
    Closing,
    /// The response publication could not be created.
    Invalid,
    /// Closed (terminal).
    Closed,
}

impl SessionState {
    /// Aeron's ordinal.
    pub const fn code(self) -> i32 {
        match self {
            Self::Init => 0,
            Self::Connecting => 1,
            Self::Connected => 2,
            Self::Challenged => 3,
            Self::Authenticated => 4,
            Self::Rejected => 5,
            Self::Open => 6,
            Self::Closing => 7,
            Self::Invalid => 8,
            Self::Closed => 9,
        }
    }

    /// True for the states before the session is in the log (`Init` ..= `Authenticated`).
    pub const fn is_pending(self) -> bool {
        matches!(
            self,
            Self::Init | Self::Connecting | Self::Connected | Self::Challenged | Self::Authenticated
        )
    }
}

/// What a session was created for (Aeron `ClusterSession.Action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ClusterSessionAction {
    /// A cluster client (SessionConnectRequest on ingress).
    #[default]
    Client,
    /// A ClusterBackup BackupQuery (consensus stream).
    Backup,
    /// A HeartbeatRequest (consensus stream).
    Heartbeat,
    /// A StandbySnapshot notification (consensus stream).
    StandbySnapshot,
}

/// A transition the session's current state does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    /// `from` cannot go to `to`.
    #[error("cluster session {session_id}: invalid transition {from:?} -> {to:?}")]
    InvalidTransition {
        /// The session.
        session_id: i64,
        /// Current state.
        from: SessionState,
        /// Requested state.
        to: SessionState,
    },
    /// The principal is longer than [`MAX_ENCODED_PRINCIPAL_LENGTH`].
    #[error("encoded principal max length {MAX_ENCODED_PRINCIPAL_LENGTH} exceeded: length={length}")]
    PrincipalTooLong {
        /// Offending length.
        length: usize,
    },
}

/// One cluster session.
///
/// How to drive it: the session manager creates it on a connect request, then calls the transition
/// methods as the consensus module's I/O progresses ([`on_response_resolved`](Self::on_response_resolved),
/// [`on_connected`](Self::on_connected), authentication through
/// [`SessionProxy`](crate::authenticator::SessionProxy), [`open`](Self::open), [`closing`](Self::closing),
/// [`close`](Self::close)). Plain data: cloning copies the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterSession {
    id: i64,
    correlation_id: i64,
    response_stream_id: i32,
    response_channel: String,
    session_info: String,
    encoded_principal: Vec<u8>,
    state: SessionState,
    action: ClusterSessionAction,
    time_of_last_activity_ns: i64,
    opened_log_position: i64,
    closed_log_position: i64,
    close_reason: Option<CloseReason>,
    has_open_event_pending: bool,
    has_new_leader_event_pending: bool,
    event_code: Option<EventCode>,
    response_detail: String,
    ingress_image_correlation_id: i64,
    pending_challenge: Option<Vec<u8>>,
    request_log_position: Option<i64>,
}

impl ClusterSession {
    /// A new session in `Init` (id `-1` for sessions a follower only redirects or answers).
    pub fn new(
        id: i64,
        correlation_id: i64,
        response_stream_id: i32,
        response_channel: impl Into<String>,
        action: ClusterSessionAction,
    ) -> Self {
        Self {
            id,
            correlation_id,
            response_stream_id,
            response_channel: response_channel.into(),
            session_info: String::new(),
            encoded_principal: Vec::new(),
            state: SessionState::Init,
            action,
            time_of_last_activity_ns: 0,
            opened_log_position: NULL_POSITION,
            closed_log_position: NULL_POSITION,
            close_reason: None,
            has_open_event_pending: true,
            has_new_leader_event_pending: false,
            event_code: None,
            response_detail: String::new(),
            ingress_image_correlation_id: NULL_VALUE,
            pending_challenge: None,
            request_log_position: None,
        }
    }

    /// A session read from a SessionOpenEvent in the log (replay or follower): `Open` at `log_position`.
    pub fn from_log(
        id: i64,
        correlation_id: i64,
        response_stream_id: i32,
        response_channel: impl Into<String>,
        log_position: i64,
        time_of_last_activity_ns: i64,
    ) -> Self {
        let mut session =
            Self::new(id, correlation_id, response_stream_id, response_channel, ClusterSessionAction::Client);
        session.opened_log_position = log_position;
        session.time_of_last_activity_ns = time_of_last_activity_ns;
        session.set_state(SessionState::Open);
        session
    }

    /// A session read from a consensus-module snapshot: `Closing` if it had a close reason, else `Open`.
    pub fn from_snapshot(
        id: i64,
        correlation_id: i64,
        opened_log_position: i64,
        time_of_last_activity_ns: i64,
        close_reason: Option<CloseReason>,
        response_stream_id: i32,
        response_channel: impl Into<String>,
    ) -> Self {
        let mut session =
            Self::new(id, correlation_id, response_stream_id, response_channel, ClusterSessionAction::Client);
        session.opened_log_position = opened_log_position;
        session.time_of_last_activity_ns = time_of_last_activity_ns;
        session.close_reason = close_reason;
        session.set_state(if close_reason.is_some() { SessionState::Closing } else { SessionState::Open });
        session
    }

    /// The cluster session id.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// Correlation id of the connect request (or of the latest ChallengeResponse).
    pub fn correlation_id(&self) -> i64 {
        self.correlation_id
    }

    /// Stream id of the client's egress.
    pub fn response_stream_id(&self) -> i32 {
        self.response_stream_id
    }

    /// Channel of the client's egress.
    pub fn response_channel(&self) -> &str {
        &self.response_channel
    }

    /// Free text describing the client (client info, ingress source) for the session counter label.
    pub fn session_info(&self) -> &str {
        &self.session_info
    }

    /// Sets [`session_info`](Self::session_info).
    pub fn set_session_info(&mut self, session_info: impl Into<String>) {
        self.session_info = session_info.into();
    }

    /// The principal the authenticator attached (empty by default).
    pub fn encoded_principal(&self) -> &[u8] {
        &self.encoded_principal
    }

    /// Current state.
    pub fn state(&self) -> SessionState {
        self.state
    }

    /// True when `Open`.
    pub fn is_open(&self) -> bool {
        self.state == SessionState::Open
    }

    /// What the session is for.
    pub fn action(&self) -> ClusterSessionAction {
        self.action
    }

    /// Last activity, ns (cluster time converted to ns).
    pub fn time_of_last_activity_ns(&self) -> i64 {
        self.time_of_last_activity_ns
    }

    /// Sets the last activity time.
    pub fn set_time_of_last_activity_ns(&mut self, time_ns: i64) {
        self.time_of_last_activity_ns = time_ns;
    }

    /// Records activity with a new correlation id (connect request, ChallengeResponse).
    pub fn last_activity(&mut self, time_ns: i64, correlation_id: i64) {
        self.time_of_last_activity_ns = time_ns;
        self.correlation_id = correlation_id;
    }

    /// Log position right after the SessionOpenEvent, or -1.
    pub fn opened_log_position(&self) -> i64 {
        self.opened_log_position
    }

    /// Log position right after the SessionCloseEvent appended by this leader, or -1.
    pub fn closed_log_position(&self) -> i64 {
        self.closed_log_position
    }

    /// Records where the SessionCloseEvent was appended.
    pub fn set_closed_log_position(&mut self, position: i64) {
        self.closed_log_position = position;
    }

    /// Why the session is closing, if it is.
    pub fn close_reason(&self) -> Option<CloseReason> {
        self.close_reason
    }

    /// Forgets the close reason and position (Aeron `resetCloseReason`).
    pub fn reset_close_reason(&mut self) {
        self.closed_log_position = NULL_POSITION;
        self.close_reason = None;
    }

    /// True until the SessionEvent OK has been sent after opening.
    pub fn has_open_event_pending(&self) -> bool {
        self.has_open_event_pending
    }

    /// The SessionEvent OK was sent.
    pub fn clear_open_event_pending(&mut self) {
        self.has_open_event_pending = false;
    }

    /// True while a NewLeaderEvent is owed to the client.
    pub fn has_new_leader_event_pending(&self) -> bool {
        self.has_new_leader_event_pending
    }

    /// Sets whether a NewLeaderEvent is owed.
    pub fn set_new_leader_event_pending(&mut self, pending: bool) {
        self.has_new_leader_event_pending = pending;
    }

    /// The event code to send a rejected or redirected client.
    pub fn event_code(&self) -> Option<EventCode> {
        self.event_code
    }

    /// The detail text of that event (error text, or the ingress endpoints of a redirect).
    pub fn response_detail(&self) -> &str {
        &self.response_detail
    }

    /// Correlation id of the ingress image the client connected through, or -1.
    pub fn ingress_image_correlation_id(&self) -> i64 {
        self.ingress_image_correlation_id
    }

    /// Links the ingress image (only the first link sticks, as in Aeron).
    pub fn link_ingress_image(&mut self, image_correlation_id: i64) {
        if self.ingress_image_correlation_id == NULL_VALUE {
            self.ingress_image_correlation_id = image_correlation_id;
        }
    }

    /// Unlinks the ingress image (new term: the client will reconnect through another one).
    pub fn unlink_ingress_image(&mut self) {
        self.ingress_image_correlation_id = NULL_VALUE;
    }

    /// BackupQuery input: the log position asked for (None = latest).
    pub fn request_log_position(&self) -> Option<i64> {
        self.request_log_position
    }

    /// Sets the BackupQuery input.
    pub fn set_request_log_position(&mut self, log_position: Option<i64>) {
        self.request_log_position = log_position;
    }

    /// The challenge the authenticator asked to send, taken once by whoever sends it.
    pub fn take_pending_challenge(&mut self) -> Option<Vec<u8>> {
        self.pending_challenge.take()
    }

    /// True if a challenge is waiting to be sent.
    pub fn has_pending_challenge(&self) -> bool {
        self.pending_challenge.is_some()
    }

    /// Non-`Init` session inactive for more than `session_timeout_ns` at `now_ns`.
    pub fn has_timed_out(&self, now_ns: i64, session_timeout_ns: i64) -> bool {
        self.state != SessionState::Init
            && self.time_of_last_activity_ns.saturating_add(session_timeout_ns) < now_ns
    }

    /// The response publication resolved: `Init` → `Connecting`, activity = `now_ns`.
    pub fn on_response_resolved(&mut self, now_ns: i64) -> Result<(), SessionError> {
        self.transition(SessionState::Connecting, &[SessionState::Init])?;
        self.time_of_last_activity_ns = now_ns;
        Ok(())
    }

    /// The response publication is connected: `Init`/`Connecting`/`Connected` → `Connected`.
    pub fn on_connected(&mut self) -> Result<(), SessionError> {
        self.transition(
            SessionState::Connected,
            &[SessionState::Init, SessionState::Connecting, SessionState::Connected],
        )
    }

    /// The response publication could not be created: any non-closed state → `Invalid`.
    pub fn invalidate(&mut self) -> Result<(), SessionError> {
        self.transition_from_any_but_closed(SessionState::Invalid)
    }

    /// The authenticator challenges the client: `Connected`/`Challenged` → `Challenged`, keeping the
    /// challenge for the egress (see [`take_pending_challenge`](Self::take_pending_challenge)).
    pub fn challenge(&mut self, encoded_challenge: &[u8]) -> Result<(), SessionError> {
        self.transition(SessionState::Challenged, &[SessionState::Connected, SessionState::Challenged])?;
        self.pending_challenge = Some(encoded_challenge.to_vec());
        Ok(())
    }

    /// The authenticator accepts the client: `Connected`/`Challenged` → `Authenticated` with
    /// `encoded_principal` (≤ 4 KiB).
    pub fn authenticate(&mut self, encoded_principal: &[u8]) -> Result<(), SessionError> {
        if encoded_principal.len() > MAX_ENCODED_PRINCIPAL_LENGTH {
            return Err(SessionError::PrincipalTooLong { length: encoded_principal.len() });
        }
        self.transition(SessionState::Authenticated, &[SessionState::Connected, SessionState::Challenged])?;
        self.encoded_principal = encoded_principal.to_vec();
        Ok(())
    }

    /// Rejects the session with `code`/`detail` (sent to the client once its publication connects):
    /// any pending state (or `Rejected`) → `Rejected`.
    pub fn reject(&mut self, code: EventCode, detail: impl Into<String>) -> Result<(), SessionError> {
        self.transition(
            SessionState::Rejected,
            &[
                SessionState::Init,
                SessionState::Connecting,
                SessionState::Connected,
                SessionState::Challenged,
                SessionState::Authenticated,
                SessionState::Rejected,
            ],
        )?;
        self.event_code = Some(code);
        self.response_detail = detail.into();
        Ok(())
    }

    /// A follower answers the connect with a REDIRECT to `ingress_endpoints` (state unchanged).
    pub fn redirect(&mut self, ingress_endpoints: impl Into<String>) {
        self.event_code = Some(EventCode::Redirect);
        self.response_detail = ingress_endpoints.into();
    }

    /// The SessionOpenEvent was appended ending at `opened_log_position`: `Authenticated` → `Open`.
    pub fn open(&mut self, opened_log_position: i64) -> Result<(), SessionError> {
        self.transition(SessionState::Open, &[SessionState::Authenticated])?;
        self.opened_log_position = opened_log_position;
        Ok(())
    }

    /// Close requested for `reason`: `Open`/`Closing` (or any live state) → `Closing`; clears the pending
    /// open/new-leader events and the activity time (so the session check handles it at once).
    pub fn closing(&mut self, reason: CloseReason) -> Result<(), SessionError> {
        self.transition_from_any_but_closed(SessionState::Closing)?;
        self.close_reason = Some(reason);
        self.has_open_event_pending = false;
        self.has_new_leader_event_pending = false;
        self.time_of_last_activity_ns = 0;
        Ok(())
    }

    /// An appended-but-uncommitted close was lost with the leadership: back to `Closing` with no close
    /// position, keeping the close reason, so the next leader appends the close again.
    pub fn restore_closing(&mut self) {
        self.closed_log_position = NULL_POSITION;
        self.state = SessionState::Closing;
    }

    /// Closes the session (terminal). Idempotent.
    pub fn close(&mut self) {
        self.set_state(SessionState::Closed);
    }

    fn transition(&mut self, to: SessionState, allowed_from: &[SessionState]) -> Result<(), SessionError> {
        if allowed_from.contains(&self.state) {
            self.set_state(to);
            Ok(())
        } else {
            Err(SessionError::InvalidTransition { session_id: self.id, from: self.state, to })
        }
    }

    fn transition_from_any_but_closed(&mut self, to: SessionState) -> Result<(), SessionError> {
        if self.state == SessionState::Closed {
            Err(SessionError::InvalidTransition { session_id: self.id, from: self.state, to })
        } else {
            self.set_state(to);
            Ok(())
        }
    }

    fn set_state(&mut self, state: SessionState) {
        self.state = state;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> ClusterSession {
        ClusterSession::new(7, 100, 102, "aeron:udp?endpoint=localhost:9000", ClusterSessionAction::Client)
    }

    #[test]
    fn new_session_defaults() {
        let session = session();
        assert_eq!(session.id(), 7);
        assert_eq!(session.correlation_id(), 100);
        assert_eq!(session.response_stream_id(), 102);
        assert_eq!(session.response_channel(), "aeron:udp?endpoint=localhost:9000");
        assert_eq!(session.state(), SessionState::Init);
        assert_eq!(session.action(), ClusterSessionAction::Client);
        assert_eq!(session.opened_log_position(), -1);
        assert_eq!(session.closed_log_position(), -1);
        assert_eq!(session.ingress_image_correlation_id(), -1);
        assert!(session.has_open_event_pending());
        assert!(!session.has_new_leader_event_pending());
        assert!(session.encoded_principal().is_empty());
        assert_eq!(session.close_reason(), None);
    }

    #[test]
    fn happy_path_with_a_challenge() {
        let mut session = session();
        session.on_response_resolved(1_000).unwrap();
        assert_eq!(session.state(), SessionState::Connecting);
        assert_eq!(session.time_of_last_activity_ns(), 1_000);
        session.on_connected().unwrap();
        session.challenge(b"nonce").unwrap();
        assert_eq!(session.state(), SessionState::Challenged);
        assert_eq!(session.take_pending_challenge(), Some(b"nonce".to_vec()));
        assert_eq!(session.take_pending_challenge(), None);
        session.last_activity(2_000, 101);
        assert_eq!(session.correlation_id(), 101);
        session.authenticate(b"alice").unwrap();
        assert_eq!(session.encoded_principal(), b"alice");
        session.open(640).unwrap();
        assert!(session.is_open());
        assert_eq!(session.opened_log_position(), 640);
        session.clear_open_event_pending();
        assert!(!session.has_open_event_pending());
        session.set_new_leader_event_pending(true);
        session.closing(CloseReason::ClientAction).unwrap();
        assert_eq!(session.state(), SessionState::Closing);
        assert!(!session.has_new_leader_event_pending());
        assert_eq!(session.time_of_last_activity_ns(), 0);
        session.set_closed_log_position(800);
        session.restore_closing();
        assert_eq!(session.closed_log_position(), -1);
        assert_eq!(session.close_reason(), Some(CloseReason::ClientAction));
        session.close();
        assert_eq!(session.state(), SessionState::Closed);
        assert!(session.closing(CloseReason::Timeout).is_err(), "closed is terminal");
    }

    #[test]
    fn guards_refuse_out_of_order_transitions() {
        let mut session = session();
        assert_eq!(
            session.authenticate(b""),
            Err(SessionError::InvalidTransition {
                session_id: 7,
                from: SessionState::Init,
                to: SessionState::Authenticated
            })
        );
        assert!(session.open(1).is_err());
        assert!(session.challenge(b"x").is_err());
        session.on_connected().unwrap();
        assert!(session.on_response_resolved(5).is_err());
        assert!(session.open(1).is_err(), "must authenticate first");
        assert_eq!(
            session.authenticate(&[0; MAX_ENCODED_PRINCIPAL_LENGTH + 1]),
            Err(SessionError::PrincipalTooLong { length: MAX_ENCODED_PRINCIPAL_LENGTH + 1 })
        );
        assert_eq!(session.state(), SessionState::Connected, "a failed transition changes nothing");
        session.authenticate(&[1; MAX_ENCODED_PRINCIPAL_LENGTH]).unwrap();
        session.open(1).unwrap();
        assert!(session.reject(EventCode::Error, "late").is_err(), "an open session cannot be rejected");
    }

    #[test]
    fn reject_redirect_and_invalid() {
        let mut session = session();
        session.reject(EventCode::Error, "concurrent session limit").unwrap();
        assert_eq!(session.state(), SessionState::Rejected);
        assert_eq!(session.event_code(), Some(EventCode::Error));
        assert_eq!(session.response_detail(), "concurrent session limit");

        let mut redirected = ClusterSession::new(-1, 5, 102, "ch", ClusterSessionAction::Client);
        redirected.redirect("0=a:1,1=b:2");
        assert_eq!(redirected.event_code(), Some(EventCode::Redirect));
        assert_eq!(redirected.response_detail(), "0=a:1,1=b:2");
        assert_eq!(redirected.state(), SessionState::Init);
        redirected.invalidate().unwrap();
        assert_eq!(redirected.state(), SessionState::Invalid);
    }

    #[test]
    fn timeouts_ignore_init_sessions() {
        let mut session = session();
        session.set_time_of_last_activity_ns(0);
        assert!(!session.has_timed_out(i64::MAX, 10), "INIT never times out");
        session.on_response_resolved(100).unwrap();
        assert!(!session.has_timed_out(110, 10));
        assert!(session.has_timed_out(111, 10));
        session.set_time_of_last_activity_ns(i64::MAX - 1);
        assert!(!session.has_timed_out(i64::MAX, 10), "no overflow");
    }

    #[test]
    fn constructors_from_log_and_snapshot() {
        let session = ClusterSession::from_log(3, 9, 102, "ch", 256, 42);
        assert!(session.is_open());
        assert_eq!(session.opened_log_position(), 256);
        assert_eq!(session.time_of_last_activity_ns(), 42);

        let open = ClusterSession::from_snapshot(4, 10, 128, -1, None, 102, "ch");
        assert_eq!(open.state(), SessionState::Open);
        let closing = ClusterSession::from_snapshot(5, 11, 128, -1, Some(CloseReason::Timeout), 102, "ch");
        assert_eq!(closing.state(), SessionState::Closing);
        assert_eq!(closing.close_reason(), Some(CloseReason::Timeout));
    }

    #[test]
    fn ingress_image_link_sticks_until_unlinked() {
        let mut session = session();
        session.link_ingress_image(11);
        session.link_ingress_image(12);
        assert_eq!(session.ingress_image_correlation_id(), 11);
        session.unlink_ingress_image();
        session.link_ingress_image(12);
        assert_eq!(session.ingress_image_correlation_id(), 12);
    }

    #[test]
    fn state_codes_are_aeron_ordinals() {
        let states = [
            SessionState::Init,
            SessionState::Connecting,
            SessionState::Connected,
            SessionState::Challenged,
            SessionState::Authenticated,
            SessionState::Rejected,
            SessionState::Open,
            SessionState::Closing,
            SessionState::Invalid,
            SessionState::Closed,
        ];
        for (ordinal, state) in states.iter().enumerate() {
            assert_eq!(state.code(), ordinal as i32);
        }
        assert!(SessionState::Authenticated.is_pending());
        assert!(!SessionState::Open.is_pending());
    }
}
