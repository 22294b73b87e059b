//! [`ArchiveError`]: every way an archive client operation can fail.
//!
//! Invariants: nothing the archive sends (or fails to send) makes the client panic; malformed or
//! unexpected responses become [`ArchiveError::Protocol`], archive-side failures
//! [`ArchiveError::Archive`], silence [`ArchiveError::Timeout`].

use client::ClientError;
use thiserror::Error;

/// Why an archive client operation failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ArchiveError {
    /// No matching response arrived within the message timeout (on the context's nano clock).
    #[error("archive timeout: {operation} (correlation id {correlation_id})")]
    Timeout {
        /// What was waited for.
        operation: &'static str,
        /// Correlation id of the request waited on (-1 when none was sent yet).
        correlation_id: i64,
    },
    /// The archive answered with `ControlResponseCode::Error` (Aeron `ArchiveException`).
    #[error("archive error {code} for correlation id {correlation_id}: {message}")]
    Archive {
        /// An `archive_error_code` value (the response's `relevantId`).
        code: i64,
        /// The archive's error message.
        message: String,
        /// Correlation id of the failed request.
        correlation_id: i64,
    },
    /// The control request publication or response subscription is not connected to the archive.
    #[error("not connected to the archive: {reason}")]
    NotConnected {
        /// What was found disconnected.
        reason: &'static str,
    },
    /// The Aeron client failed (adding publications/subscriptions, destinations, closed client).
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The archive sent something this client cannot use (an unexpected response code or message).
    #[error("archive protocol error: {0}")]
    Protocol(String),
    /// A request could not be offered on the control publication within the retry bound.
    #[error("failed to send {request} to the archive: {reason}")]
    SendFailed {
        /// The request's name.
        request: &'static str,
        /// The last offer outcome.
        reason: String,
    },
    /// An argument is unusable (a channel URI that does not parse, an unsupported ReplayMerge set-up).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The archive client has been closed.
    #[error("the archive client is closed")]
    Closed,
}
