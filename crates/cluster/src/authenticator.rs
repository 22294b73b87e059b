//! Client authentication (Aeron `io.aeron.security.Authenticator`, `SessionProxy`,
//! `ClusterSessionProxy`; reference §3.5 step 2).
//!
//! The consensus module calls an [`Authenticator`] as a connecting session progresses; the authenticator
//! decides through a [`SessionProxy`], which records the decision in the [`ClusterSession`]:
//! authenticate (→ `Authenticated`), challenge (→ `Challenged`, the challenge bytes kept on the session
//! for the egress), or reject (→ `Rejected` with `AUTHENTICATION_REJECTED`).
//!
//! Invariants:
//! - a proxy only ever moves its session along the transitions [`ClusterSession`] allows; a decision the
//!   session's state does not allow is ignored and reported as `false`;
//! - an over-long principal (> 4 KiB) rejects the session with `ERROR` instead of authenticating it;
//! - authenticators are deterministic: time comes in as `now_ms`.

use std::collections::BTreeMap;

use protocol::cluster::EventCode;

use crate::cluster_session::{ClusterSession, SESSION_REJECTED_MSG, SessionError};

/// Authenticates connecting cluster sessions. Object safe; called on the consensus-module thread.
pub trait Authenticator {
    /// A SessionConnectRequest (or backup request) for `session_id` arrived with `encoded_credentials`.
    fn on_connect_request(&mut self, session_id: i64, encoded_credentials: &[u8], now_ms: i64);

    /// A ChallengeResponse for `session_id` (in `Challenged`) arrived with `encoded_credentials`.
    fn on_challenge_response(&mut self, session_id: i64, encoded_credentials: &[u8], now_ms: i64);

    /// The session's response publication is connected: decide (or challenge) through `session`.
    /// Called on every tick while the session is `Connected`.
    fn on_connected_session(&mut self, session: &mut SessionProxy<'_>, now_ms: i64);

    /// The session is `Challenged`: decide through `session` once the response arrived. Called on every
    /// tick while the session is `Challenged`.
    fn on_challenged_session(&mut self, session: &mut SessionProxy<'_>, now_ms: i64);
}

/// The authenticator's handle on one session; records its decision in the [`ClusterSession`].
#[derive(Debug)]
pub struct SessionProxy<'a> {
    session: &'a mut ClusterSession,
}

impl<'a> SessionProxy<'a> {
    /// A proxy for `session`.
    pub fn new(session: &'a mut ClusterSession) -> Self {
        Self { session }
    }

    /// The cluster session id.
    pub fn session_id(&self) -> i64 {
        self.session.id()
    }

    /// Read access to the session.
    pub fn session(&self) -> &ClusterSession {
        self.session
    }

    /// Challenges the client with `encoded_challenge` (sent as an egress Challenge carrying the
    /// session's correlation id): the session becomes `Challenged`. False if its state does not allow it.
    pub fn challenge(&mut self, encoded_challenge: &[u8]) -> bool {
        self.session.challenge(encoded_challenge).is_ok()
    }

    /// Accepts the client with `encoded_principal`: the session becomes `Authenticated`. A principal
    /// longer than 4 KiB rejects the session with ERROR instead. False if not authenticated.
    pub fn authenticate(&mut self, encoded_principal: &[u8]) -> bool {
        match self.session.authenticate(encoded_principal) {
            Ok(()) => true,
            Err(error @ SessionError::PrincipalTooLong { .. }) => {
                let _ = self.session.reject(EventCode::Error, error.to_string());
                false
            }
            Err(SessionError::InvalidTransition { .. }) => false,
        }
    }

    /// Rejects the client: the session becomes `Rejected` (AUTHENTICATION_REJECTED, "session failed
    /// authentication").
    pub fn reject(&mut self) {
        let _ = self.session.reject(EventCode::AuthenticationRejected, SESSION_REJECTED_MSG);
    }
}

/// Aeron's default: authenticates every session at once with an empty principal.
#[derive(Debug, Default, Clone, Copy)]
pub struct DefaultAuthenticator;

impl Authenticator for DefaultAuthenticator {
    fn on_connect_request(&mut self, _session_id: i64, _encoded_credentials: &[u8], _now_ms: i64) {}

    fn on_challenge_response(&mut self, _session_id: i64, _encoded_credentials: &[u8], _now_ms: i64) {}

    fn on_connected_session(&mut self, session: &mut SessionProxy<'_>, _now_ms: i64) {
        session.authenticate(&[]);
    }

    fn on_challenged_session(&mut self, session: &mut SessionProxy<'_>, _now_ms: i64) {
        session.authenticate(&[]);
    }
}

/// Progress of one session in [`SecretAuthenticator`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SecretStatus {
    /// Connected with empty credentials: challenge it.
    ChallengeRequired,
    /// Challenge sent, no response yet.
    AwaitingResponse,
    /// Credentials matched.
    Accepted,
    /// Credentials did not match.
    Rejected,
}

/// Sample challenge/response authenticator (used by tests).
///
/// A client connecting with the secret as credentials is accepted at once; one connecting with empty
/// credentials is challenged with `challenge` and accepted if its ChallengeResponse carries the secret;
/// anything else is rejected. Accepted sessions get `principal`.
#[derive(Debug, Clone)]
pub struct SecretAuthenticator {
    challenge: Vec<u8>,
    secret: Vec<u8>,
    principal: Vec<u8>,
    sessions: BTreeMap<i64, SecretStatus>,
}

impl SecretAuthenticator {
    /// Challenges with `challenge`, accepts `secret`, attaches `principal`.
    pub fn new(
        challenge: impl Into<Vec<u8>>,
        secret: impl Into<Vec<u8>>,
        principal: impl Into<Vec<u8>>,
    ) -> Self {
        Self {
            challenge: challenge.into(),
            secret: secret.into(),
            principal: principal.into(),
            sessions: BTreeMap::new(),
        }
    }

    /// Number of sessions it still tracks (decided sessions are forgotten).
    pub fn tracked_sessions(&self) -> usize {
        self.sessions.len()
    }

    fn classify(&self, encoded_credentials: &[u8]) -> SecretStatus {
        if encoded_credentials == self.secret.as_slice() {
            SecretStatus::Accepted
        } else {
            SecretStatus::Rejected
        }
    }

    fn decide(&mut self, session: &mut SessionProxy<'_>) {
        match self.sessions.get(&session.session_id()).copied() {
            Some(SecretStatus::Accepted) => {
                session.authenticate(&self.principal);
                self.sessions.remove(&session.session_id());
            }
            Some(SecretStatus::Rejected) | None => {
                session.reject();
                self.sessions.remove(&session.session_id());
            }
            Some(SecretStatus::ChallengeRequired) => {
                if session.challenge(&self.challenge) {
                    self.sessions.insert(session.session_id(), SecretStatus::AwaitingResponse);
                }
            }
            Some(SecretStatus::AwaitingResponse) => {}
        }
    }
}

impl Authenticator for SecretAuthenticator {
    fn on_connect_request(&mut self, session_id: i64, encoded_credentials: &[u8], _now_ms: i64) {
        let status = if encoded_credentials.is_empty() {
            SecretStatus::ChallengeRequired
        } else {
            self.classify(encoded_credentials)
        };
        self.sessions.insert(session_id, status);
    }

    fn on_challenge_response(&mut self, session_id: i64, encoded_credentials: &[u8], _now_ms: i64) {
        if self.sessions.get(&session_id) == Some(&SecretStatus::AwaitingResponse) {
            let status = self.classify(encoded_credentials);
            self.sessions.insert(session_id, status);
        }
    }

    fn on_connected_session(&mut self, session: &mut SessionProxy<'_>, _now_ms: i64) {
        self.decide(session);
    }

    fn on_challenged_session(&mut self, session: &mut SessionProxy<'_>, _now_ms: i64) {
        self.decide(session);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster_session::{ClusterSessionAction, MAX_ENCODED_PRINCIPAL_LENGTH, SessionState};

    fn connected(id: i64) -> ClusterSession {
        let mut session = ClusterSession::new(id, 1, 102, "ch", ClusterSessionAction::Client);
        session.on_connected().unwrap();
        session
    }

    #[test]
    fn default_authenticator_accepts_with_an_empty_principal() {
        let mut authenticator = DefaultAuthenticator;
        let mut session = connected(1);
        authenticator.on_connect_request(1, b"anything", 0);
        authenticator.on_connected_session(&mut SessionProxy::new(&mut session), 0);
        assert_eq!(session.state(), SessionState::Authenticated);
        assert!(session.encoded_principal().is_empty());
    }

    #[test]
    fn proxy_records_decisions() {
        let mut session = connected(4);
        let mut proxy = SessionProxy::new(&mut session);
        assert_eq!(proxy.session_id(), 4);
        assert!(proxy.challenge(b"c"));
        assert_eq!(proxy.session().state(), SessionState::Challenged);
        proxy.reject();
        assert_eq!(session.state(), SessionState::Rejected);
        assert_eq!(session.event_code(), Some(EventCode::AuthenticationRejected));
        assert_eq!(session.response_detail(), SESSION_REJECTED_MSG);
        let mut proxy = SessionProxy::new(&mut session);
        assert!(!proxy.authenticate(b"p"), "a rejected session cannot be authenticated");
        assert!(!proxy.challenge(b"c"));
    }

    #[test]
    fn overlong_principal_rejects_with_error() {
        let mut session = connected(2);
        assert!(!SessionProxy::new(&mut session).authenticate(&[0; MAX_ENCODED_PRINCIPAL_LENGTH + 1]));
        assert_eq!(session.state(), SessionState::Rejected);
        assert_eq!(session.event_code(), Some(EventCode::Error));
        assert!(session.response_detail().contains("4096"));
    }

    #[test]
    fn secret_authenticator_challenge_then_accept() {
        let mut authenticator = SecretAuthenticator::new("what?", "open sesame", "ali");
        let mut session = connected(9);
        authenticator.on_connect_request(9, b"", 0);
        authenticator.on_connected_session(&mut SessionProxy::new(&mut session), 0);
        assert_eq!(session.state(), SessionState::Challenged);
        assert_eq!(session.take_pending_challenge(), Some(b"what?".to_vec()));
        authenticator.on_challenged_session(&mut SessionProxy::new(&mut session), 1);
        assert_eq!(session.state(), SessionState::Challenged, "still waiting for the response");
        authenticator.on_challenge_response(9, b"open sesame", 2);
        authenticator.on_challenged_session(&mut SessionProxy::new(&mut session), 3);
        assert_eq!(session.state(), SessionState::Authenticated);
        assert_eq!(session.encoded_principal(), b"ali");
        assert_eq!(authenticator.tracked_sessions(), 0);
    }

    #[test]
    fn secret_authenticator_rejects_wrong_answers_and_accepts_the_secret_upfront() {
        let mut authenticator = SecretAuthenticator::new("q", "s", "p");
        let mut wrong = connected(1);
        authenticator.on_connect_request(1, b"", 0);
        authenticator.on_connected_session(&mut SessionProxy::new(&mut wrong), 0);
        authenticator.on_challenge_response(1, b"nope", 0);
        authenticator.on_challenged_session(&mut SessionProxy::new(&mut wrong), 0);
        assert_eq!(wrong.state(), SessionState::Rejected);

        let mut upfront = connected(2);
        authenticator.on_connect_request(2, b"s", 0);
        authenticator.on_connected_session(&mut SessionProxy::new(&mut upfront), 0);
        assert_eq!(upfront.state(), SessionState::Authenticated);

        let mut bad = connected(3);
        authenticator.on_connect_request(3, b"bad", 0);
        authenticator.on_connected_session(&mut SessionProxy::new(&mut bad), 0);
        assert_eq!(bad.state(), SessionState::Rejected);

        let mut unknown = connected(4);
        authenticator.on_connected_session(&mut SessionProxy::new(&mut unknown), 0);
        assert_eq!(unknown.state(), SessionState::Rejected, "never saw a connect request");
        assert_eq!(authenticator.tracked_sessions(), 0);
    }
}
