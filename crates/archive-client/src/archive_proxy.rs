//! [`ArchiveProxy`]: encodes control requests onto the control request publication (Aeron
//! `ArchiveProxy`).
//!
//! Invariants: each request is encoded whole into a reusable buffer (grown only for a longer request
//! than any before) and offered as one message; an offer refused for back-pressure or an admin action
//! is retried at most `retry_attempts` times, calling the caller's `between_attempts` step in between;
//! any other refusal fails at once. Nothing is retried after a successful offer.

use client::{ExclusivePublication, OfferError};
use protocol::archive::{
    ArchiveMessage, AuthConnectRequest, ChallengeResponse, CloseSessionRequest, KeepAliveRequest,
};

use crate::archive_error::ArchiveError;

/// Sends archive control requests on an exclusive publication to the archive's control request stream.
///
/// Drive it by calling [`ArchiveProxy::send`] (or a typed helper) with a closure that makes progress
/// while the publication is back-pressured (idle, step an embedded driver).
pub struct ArchiveProxy {
    publication: ExclusivePublication,
    buffer: Vec<u8>,
    retry_attempts: usize,
}

impl std::fmt::Debug for ArchiveProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArchiveProxy")
            .field("publication", &self.publication)
            .field("retry_attempts", &self.retry_attempts)
            .finish()
    }
}

impl ArchiveProxy {
    /// A proxy over `publication` offering each request at most `retry_attempts` times (at least once).
    pub fn new(publication: ExclusivePublication, retry_attempts: usize) -> Self {
        Self { publication, buffer: Vec::with_capacity(256), retry_attempts: retry_attempts.max(1) }
    }

    /// The control request publication.
    pub fn publication(&self) -> &ExclusivePublication {
        &self.publication
    }

    /// Closes the control request publication.
    pub fn close(&mut self) {
        self.publication.close();
    }

    /// Encodes `message` and offers it, retrying on back-pressure (calling `between_attempts` before
    /// each retry). Errors: `NotConnected` if the archive is not subscribed, `Closed` if the
    /// publication is closed, `SendFailed` when the retries run out or the message cannot be encoded.
    pub fn send(
        &mut self,
        message: &ArchiveMessage<'_>,
        between_attempts: &mut dyn FnMut(),
    ) -> Result<(), ArchiveError> {
        let request = request_name(message);
        let length = message.encoded_length();
        if self.buffer.len() < length {
            self.buffer.resize(length, 0);
        }
        message
            .encode(&mut self.buffer[..length])
            .map_err(|error| ArchiveError::SendFailed { request, reason: error.to_string() })?;
        let mut last = OfferError::BackPressured;
        for attempt in 0..self.retry_attempts {
            if attempt > 0 {
                between_attempts();
            }
            match self.publication.offer(&self.buffer[..length]) {
                Ok(_) => return Ok(()),
                Err(error @ (OfferError::BackPressured | OfferError::AdminAction)) => last = error,
                Err(OfferError::NotConnected) => {
                    return Err(ArchiveError::NotConnected { reason: "control request publication" });
                }
                Err(OfferError::Closed) => return Err(ArchiveError::Closed),
                Err(other) => return Err(ArchiveError::SendFailed { request, reason: other.to_string() }),
            }
        }
        Err(ArchiveError::SendFailed {
            request,
            reason: format!("{last} after {} attempts", self.retry_attempts),
        })
    }

    /// Sends an `AuthConnectRequest` (58).
    pub fn connect(
        &mut self,
        request: AuthConnectRequest<'_>,
        between_attempts: &mut dyn FnMut(),
    ) -> Result<(), ArchiveError> {
        self.send(&ArchiveMessage::AuthConnectRequest(request), between_attempts)
    }

    /// Sends a `ChallengeResponse` (60).
    pub fn challenge_response(
        &mut self,
        control_session_id: i64,
        correlation_id: i64,
        encoded_credentials: &[u8],
        between_attempts: &mut dyn FnMut(),
    ) -> Result<(), ArchiveError> {
        let request = ChallengeResponse { control_session_id, correlation_id, encoded_credentials };
        self.send(&ArchiveMessage::ChallengeResponse(request), between_attempts)
    }

    /// Sends a `KeepAliveRequest` (61).
    pub fn keep_alive(
        &mut self,
        control_session_id: i64,
        correlation_id: i64,
        between_attempts: &mut dyn FnMut(),
    ) -> Result<(), ArchiveError> {
        let request = KeepAliveRequest { control_session_id, correlation_id };
        self.send(&ArchiveMessage::KeepAliveRequest(request), between_attempts)
    }

    /// Sends a `CloseSessionRequest` (3).
    pub fn close_session(
        &mut self,
        control_session_id: i64,
        between_attempts: &mut dyn FnMut(),
    ) -> Result<(), ArchiveError> {
        self.send(
            &ArchiveMessage::CloseSessionRequest(CloseSessionRequest { control_session_id }),
            between_attempts,
        )
    }
}

/// A short name of the request for error messages.
fn request_name(message: &ArchiveMessage<'_>) -> &'static str {
    match message {
        ArchiveMessage::AuthConnectRequest(_) => "AuthConnectRequest",
        ArchiveMessage::ChallengeResponse(_) => "ChallengeResponse",
        ArchiveMessage::KeepAliveRequest(_) => "KeepAliveRequest",
        ArchiveMessage::CloseSessionRequest(_) => "CloseSessionRequest",
        ArchiveMessage::StartRecordingRequest2(_) => "StartRecordingRequest2",
        ArchiveMessage::ExtendRecordingRequest2(_) => "ExtendRecordingRequest2",
        ArchiveMessage::ReplayRequest(_) => "ReplayRequest",
        ArchiveMessage::BoundedReplayRequest(_) => "BoundedReplayRequest",
        ArchiveMessage::ListRecordingsRequest(_) => "ListRecordingsRequest",
        ArchiveMessage::ListRecordingsForUriRequest(_) => "ListRecordingsForUriRequest",
        ArchiveMessage::ListRecordingRequest(_) => "ListRecordingRequest",
        ArchiveMessage::ReplicateRequest2(_) => "ReplicateRequest2",
        ArchiveMessage::TaggedReplicateRequest(_) => "TaggedReplicateRequest",
        _ => "archive request",
    }
}
