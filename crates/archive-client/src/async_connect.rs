//! [`AsyncConnect`]: a non-blocking connect to an archive (Aeron `AeronArchive.AsyncConnect`), for
//! single-threaded applications; [`AeronArchive::connect`](crate::AeronArchive::connect) loops over it.
//!
//! States: AwaitSubscription → AddPublication → AwaitPublicationConnected → SendConnectRequest →
//! AwaitSubscriptionConnected → AwaitConnectResponse → (SendChallengeResponse → AwaitChallengeResponse)*
//! → SendArchiveIdRequest → AwaitArchiveIdResponse → Done. An archive older than protocol 1.11 skips
//! the archive id exchange.
//!
//! Invariants: the whole connect is bounded by the message timeout from construction; every response
//! is matched by correlation id; a refused connect sends `CloseSession` and fails with the archive's
//! error; each `poll` runs the agent invoker once.

use client::Aeron;
use protocol::archive::{
    ArchiveIdRequest, ArchiveMessage, AuthConnectRequest, CLIENT_PROTOCOL_SEMANTIC_VERSION,
    ControlResponseCode, semantic_version,
};

use crate::aeron_archive::{AeronArchive, ArchiveParts};
use crate::archive_client_context::ArchiveClientContext;
use crate::archive_error::ArchiveError;
use crate::archive_proxy::ArchiveProxy;
use crate::control_response_poller::{ControlMessage, ControlResponsePoller};
use crate::waiter::Waiter;

/// First archive protocol version that answers `ArchiveIdRequest`.
const PROTOCOL_VERSION_WITH_ARCHIVE_ID: i32 = semantic_version(1, 11, 0);
/// Aeron's `NULL_VALUE`.
const NULL_VALUE: i64 = -1;

/// Where an [`AsyncConnect`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsyncConnectState {
    /// Waiting for the control response subscription.
    AwaitSubscription,
    /// Waiting for the control request publication.
    AddPublication,
    /// Waiting for the archive to subscribe to the request publication.
    AwaitPublicationConnected,
    /// Sending the `AuthConnectRequest`.
    SendConnectRequest,
    /// Waiting for the archive's response publication.
    AwaitSubscriptionConnected,
    /// Waiting for the connect response (or a challenge).
    AwaitConnectResponse,
    /// Sending the `ArchiveIdRequest`.
    SendArchiveIdRequest,
    /// Waiting for the archive id.
    AwaitArchiveIdResponse,
    /// Sending the answer to a challenge.
    SendChallengeResponse,
    /// Waiting for the response to the challenge answer.
    AwaitChallengeResponse,
    /// Connected; the client has been handed out.
    Done,
}

/// A connect in progress. Drive it by calling [`AsyncConnect::poll`] until it returns the client or an
/// error; dropping it before then closes what it opened.
pub struct AsyncConnect {
    aeron: Aeron,
    ctx: ArchiveClientContext,
    waiter: Waiter,
    state: AsyncConnectState,
    deadline_ns: i64,
    subscription_registration_id: Option<i64>,
    publication_registration_id: Option<i64>,
    poller: Option<ControlResponsePoller>,
    proxy: Option<ArchiveProxy>,
    correlation_id: i64,
    control_session_id: i64,
    challenge_credentials: Vec<u8>,
}

impl std::fmt::Debug for AsyncConnect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncConnect")
            .field("state", &self.state)
            .field("correlation_id", &self.correlation_id)
            .field("control_session_id", &self.control_session_id)
            .finish()
    }
}

impl AsyncConnect {
    /// Starts a connect with `aeron`; the deadline is the context's message timeout from now.
    pub fn new(aeron: &Aeron, mut ctx: ArchiveClientContext) -> Self {
        let waiter = Waiter {
            nano_clock: ctx.nano_clock.clone(),
            invoker: ctx.agent_invoker.take(),
            idle: std::mem::replace(&mut ctx.idle_strategy, Box::new(agrona::NoOpIdleStrategy)),
            message_timeout_ns: ctx.message_timeout_ns,
        };
        let deadline_ns = waiter.deadline_ns();
        Self {
            aeron: aeron.clone(),
            ctx,
            waiter,
            state: AsyncConnectState::AwaitSubscription,
            deadline_ns,
            subscription_registration_id: None,
            publication_registration_id: None,
            poller: None,
            proxy: None,
            correlation_id: NULL_VALUE,
            control_session_id: NULL_VALUE,
            challenge_credentials: Vec::new(),
        }
    }

    /// The current state.
    pub fn state(&self) -> AsyncConnectState {
        self.state
    }

    /// One step: `Ok(Some(client))` once connected, `Ok(None)` while in progress, an error if the connect
    /// failed (timeout, archive refusal, client failure). Do not poll again after `Some` or an error.
    pub fn poll(&mut self) -> Result<Option<AeronArchive>, ArchiveError> {
        if self.state == AsyncConnectState::Done {
            return Err(ArchiveError::Closed);
        }
        if self.waiter.is_past(self.deadline_ns) {
            return Err(ArchiveError::Timeout {
                operation: "archive connect",
                correlation_id: self.correlation_id,
            });
        }
        self.waiter.invoke();
        match self.state {
            AsyncConnectState::AwaitSubscription => self.await_subscription()?,
            AsyncConnectState::AddPublication => self.add_publication()?,
            AsyncConnectState::AwaitPublicationConnected => {
                if self.proxy.as_ref().is_some_and(|proxy| proxy.publication().is_connected()) {
                    self.correlation_id = self.aeron.next_correlation_id();
                    self.state = AsyncConnectState::SendConnectRequest;
                }
            }
            AsyncConnectState::SendConnectRequest => self.send_connect_request()?,
            AsyncConnectState::AwaitSubscriptionConnected => {
                if self.poller.as_mut().is_some_and(ControlResponsePoller::is_connected) {
                    self.state = AsyncConnectState::AwaitConnectResponse;
                }
            }
            AsyncConnectState::SendArchiveIdRequest => {
                let request = ArchiveIdRequest {
                    control_session_id: self.control_session_id,
                    correlation_id: self.correlation_id,
                };
                self.send(&ArchiveMessage::ArchiveIdRequest(request))?;
                self.state = AsyncConnectState::AwaitArchiveIdResponse;
            }
            AsyncConnectState::SendChallengeResponse => {
                let credentials = std::mem::take(&mut self.challenge_credentials);
                let (proxy, waiter) = (self.proxy.as_mut(), &mut self.waiter);
                let proxy = proxy.ok_or(ArchiveError::Closed)?;
                proxy.challenge_response(
                    self.control_session_id,
                    self.correlation_id,
                    &credentials,
                    &mut || waiter.step(),
                )?;
                self.state = AsyncConnectState::AwaitChallengeResponse;
            }
            AsyncConnectState::AwaitConnectResponse
            | AsyncConnectState::AwaitArchiveIdResponse
            | AsyncConnectState::AwaitChallengeResponse => return self.poll_for_response(),
            AsyncConnectState::Done => {}
        }
        Ok(None)
    }

    fn await_subscription(&mut self) -> Result<(), ArchiveError> {
        let registration_id = match self.subscription_registration_id {
            Some(id) => id,
            None => {
                let id = self.aeron.async_add_subscription(
                    &self.ctx.control_response_channel,
                    self.ctx.control_response_stream_id,
                )?;
                self.subscription_registration_id = Some(id);
                id
            }
        };
        if let Some(subscription) = self.aeron.poll_subscription(registration_id)? {
            self.subscription_registration_id = None;
            self.poller = Some(ControlResponsePoller::new(subscription));
            self.state = AsyncConnectState::AddPublication;
        }
        Ok(())
    }

    fn add_publication(&mut self) -> Result<(), ArchiveError> {
        let registration_id = match self.publication_registration_id {
            Some(id) => id,
            None => {
                let id = self.aeron.async_add_exclusive_publication(
                    &self.ctx.control_request_channel,
                    self.ctx.control_request_stream_id,
                )?;
                self.publication_registration_id = Some(id);
                id
            }
        };
        if let Some(publication) = self.aeron.poll_exclusive_publication(registration_id)? {
            self.publication_registration_id = None;
            self.proxy = Some(ArchiveProxy::new(publication, self.ctx.message_retry_attempts));
            self.state = AsyncConnectState::AwaitPublicationConnected;
        }
        Ok(())
    }

    fn send_connect_request(&mut self) -> Result<(), ArchiveError> {
        let credentials = self.ctx.credentials_supplier.encoded_credentials();
        let client_info = format!("name={} fulmar-archive-client", self.ctx.client_name);
        let request = AuthConnectRequest {
            correlation_id: self.correlation_id,
            response_stream_id: self.ctx.control_response_stream_id,
            version: CLIENT_PROTOCOL_SEMANTIC_VERSION,
            response_channel: &self.ctx.control_response_channel,
            encoded_credentials: &credentials,
            client_info: &client_info,
        };
        let proxy = self.proxy.as_mut().ok_or(ArchiveError::Closed)?;
        let waiter = &mut self.waiter;
        proxy.connect(request, &mut || waiter.step())?;
        self.state = AsyncConnectState::AwaitSubscriptionConnected;
        Ok(())
    }

    fn send(&mut self, message: &ArchiveMessage<'_>) -> Result<(), ArchiveError> {
        let proxy = self.proxy.as_mut().ok_or(ArchiveError::Closed)?;
        let waiter = &mut self.waiter;
        proxy.send(message, &mut || waiter.step())
    }

    fn poll_for_response(&mut self) -> Result<Option<AeronArchive>, ArchiveError> {
        let Some(poller) = self.poller.as_mut() else { return Err(ArchiveError::Closed) };
        let correlation_id = self.correlation_id;
        let (control_session_id, code, relevant_id, version, error_message) = match poller.poll() {
            Some(ControlMessage::Challenge(challenge)) if challenge.correlation_id == correlation_id => {
                self.control_session_id = challenge.control_session_id;
                self.challenge_credentials =
                    self.ctx.credentials_supplier.on_challenge(challenge.encoded_challenge);
                self.correlation_id = self.aeron.next_correlation_id();
                self.state = AsyncConnectState::SendChallengeResponse;
                return Ok(None);
            }
            Some(ControlMessage::Response(response)) if response.correlation_id == correlation_id => (
                response.control_session_id,
                response.code,
                response.relevant_id,
                response.version,
                response.error_message.to_owned(),
            ),
            _ => return Ok(None),
        };
        self.control_session_id = control_session_id;
        if code != ControlResponseCode::Ok {
            let _ = self.send(&ArchiveMessage::CloseSessionRequest(protocol::archive::CloseSessionRequest {
                control_session_id,
            }));
            return Err(match code {
                ControlResponseCode::Error => {
                    ArchiveError::Archive { code: relevant_id, message: error_message, correlation_id }
                }
                other => ArchiveError::Protocol(format!("unexpected connect response code {other:?}")),
            });
        }
        if self.state == AsyncConnectState::AwaitArchiveIdResponse {
            return self.transition_to_done(relevant_id).map(Some);
        }
        if version < PROTOCOL_VERSION_WITH_ARCHIVE_ID {
            return self.transition_to_done(NULL_VALUE).map(Some);
        }
        self.correlation_id = self.aeron.next_correlation_id();
        self.state = AsyncConnectState::SendArchiveIdRequest;
        Ok(None)
    }

    fn transition_to_done(&mut self, archive_id: i64) -> Result<AeronArchive, ArchiveError> {
        let (Some(mut proxy), Some(mut poller)) = (self.proxy.take(), self.poller.take()) else {
            return Err(ArchiveError::Closed);
        };
        let keep_alive_correlation_id = self.aeron.next_correlation_id();
        let waiter = &mut self.waiter;
        if let Err(error) =
            proxy.keep_alive(self.control_session_id, keep_alive_correlation_id, &mut || waiter.step())
        {
            let _ = proxy.close_session(self.control_session_id, &mut || waiter.step());
            return Err(error);
        }
        poller.set_control_session_id(Some(self.control_session_id));
        self.state = AsyncConnectState::Done;
        let waiter = Waiter {
            nano_clock: self.waiter.nano_clock.clone(),
            invoker: self.waiter.invoker.take(),
            idle: std::mem::replace(&mut self.waiter.idle, Box::new(agrona::NoOpIdleStrategy)),
            message_timeout_ns: self.waiter.message_timeout_ns,
        };
        Ok(AeronArchive::from_parts(ArchiveParts {
            aeron: self.aeron.clone(),
            proxy,
            poller,
            waiter,
            control_session_id: self.control_session_id,
            archive_id,
            keep_alive_interval_ns: self.ctx.keep_alive_interval_ns,
        }))
    }
}

impl Drop for AsyncConnect {
    fn drop(&mut self) {
        if let Some(proxy) = self.proxy.as_mut() {
            proxy.close();
        }
        if let Some(poller) = self.poller.as_mut() {
            poller.subscription().close();
        }
    }
}

impl AsyncConnect {
    /// Idles once (no work) with the context's idle strategy.
    pub(crate) fn idle_once(&mut self) {
        self.waiter.idle.idle(0);
    }
}
