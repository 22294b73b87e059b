//! [`ServiceError`]: everything the service container reports without stopping (malformed messages,
//! protocol surprises, client failures) and the reasons it stops.
//!
//! Invariant: the container never panics on bytes from the log or the control stream; each problem
//! becomes one `ServiceError`, counted in [`crate::ClusteredServiceAgent::error_count`] and passed to
//! the context's error handler.

use client::ClientError;
use protocol::cluster::SbeError;

/// A problem the service container met. Most are reported and skipped; the agent documents which ones
/// end it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ServiceError {
    /// A message on the replicated log could not be decoded (skipped).
    #[error("malformed log message at log position {log_position}: {source}")]
    MalformedLogMessage {
        /// Log position after the message.
        log_position: i64,
        /// The decoding error.
        source: SbeError,
    },
    /// A message on the control stream (consensus module → service) could not be decoded (skipped).
    #[error("malformed control message: {source}")]
    MalformedControlMessage {
        /// The decoding error.
        source: SbeError,
    },
    /// A well-formed cluster message that does not belong on the stream it arrived on (skipped).
    #[error("unexpected message (template id {template_id}) on the {stream}")]
    UnexpectedMessage {
        /// SBE template id of the message.
        template_id: u16,
        /// `"log"` or `"control stream"`.
        stream: &'static str,
    },
    /// A SessionOpenEvent for a session id that is already open (skipped, as Aeron's "clashing open").
    #[error("clashing open of cluster session {cluster_session_id} at log position {log_position}")]
    ClashingSessionOpen {
        /// The session id.
        cluster_session_id: i64,
        /// Log position after the event.
        log_position: i64,
    },
    /// A SessionCloseEvent for a session this service does not know (skipped).
    #[error("unknown session close: cluster session {cluster_session_id} at log position {log_position}")]
    UnknownSessionClose {
        /// The session id.
        cluster_session_id: i64,
        /// Log position after the event.
        log_position: i64,
    },
    /// A JoinLog announced a role code that is not Follower, Candidate or Leader (treated as Follower).
    #[error("unknown role code {code} in JoinLog")]
    UnknownRole {
        /// The code received.
        code: i32,
    },
    /// The log image does not continue where this service stopped (fatal: the agent terminates).
    #[error(
        "cluster log must be contiguous: expected position {expected_position}, join position \
         {join_position}, JoinLog position {event_position}"
    )]
    LogNotContiguous {
        /// This service's log position.
        expected_position: i64,
        /// The image's join position.
        join_position: i64,
        /// `JoinLog.logPosition`.
        event_position: i64,
    },
    /// The log carries an application version whose major differs from the service's (fatal).
    #[error("incompatible application version: service {service_app_version:#x}, log {log_app_version:#x}")]
    IncompatibleAppVersion {
        /// The service's `ServiceContext::app_version`.
        service_app_version: i32,
        /// The version in the NewLeadershipTermEvent.
        log_app_version: i32,
    },
    /// Taking a snapshot failed; it is acknowledged with a null recording id (Aeron's "snapshot
    /// failed" acknowledgement) and the consensus module abandons that snapshot.
    #[error("snapshot at log position {log_position} failed: {reason}")]
    SnapshotFailed {
        /// Log position of the SNAPSHOT action.
        log_position: i64,
        /// What went wrong.
        reason: String,
    },
    /// The snapshot to recover from could not be loaded (fatal: the service cannot start).
    #[error("loading snapshot recording {recording_id} failed: {reason}")]
    SnapshotLoadFailed {
        /// The snapshot recording.
        recording_id: i64,
        /// What went wrong.
        reason: String,
    },
    /// The service's position passed the position it was asked to stop or acknowledge at.
    #[error("log position {log_position} is beyond the requested {what} position {requested_position}")]
    PositionOvershoot {
        /// `"termination"` or `"ack"`.
        what: &'static str,
        /// This service's log position.
        log_position: i64,
        /// The position the consensus module sent.
        requested_position: i64,
    },
    /// The commit-position counter went away (the consensus module closed): the agent terminates.
    #[error("commit-position counter {counter_id} closed, terminating")]
    CommitPositionClosed {
        /// Id of the counter.
        counter_id: i32,
    },
    /// The Aeron client closed under the service (fatal).
    #[error("the Aeron client closed unexpectedly: {reason}")]
    AeronClosed {
        /// Why the client stopped (driver timeout, client timed out by the driver...).
        reason: String,
    },
    /// An Aeron client operation failed (adding a subscription or publication...); retried where it
    /// makes sense.
    #[error("{operation}: {source}")]
    Client {
        /// What was being done.
        operation: &'static str,
        /// The client's error.
        source: ClientError,
    },
    /// A termination acknowledgement could not be sent in 5 attempts.
    #[error("termination acknowledgement not sent (back-pressured or not connected)")]
    TerminationAckNotSent,
}
