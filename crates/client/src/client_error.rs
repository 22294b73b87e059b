//! [`ClientError`]: every way a control-path call of the client can fail.
//!
//! Invariants: the client never panics on anything the driver or another process wrote into shared memory;
//! such problems surface as one of these values (or through the context's error handler when they happen
//! on the conductor's duty cycle with no caller to return them to). Hot-path failures (offer, claim) are
//! [`crate::OfferError`] values instead.

use thiserror::Error;

/// Why a control-path operation of the client failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ClientError {
    /// The media driver did not answer, or stopped heart-beating, within the driver timeout.
    #[error("driver timeout: {reason}")]
    DriverTimeout {
        /// What was waited for, with the timings.
        reason: String,
    },
    /// The driver rejected a command (Aeron `RegistrationException`).
    #[error("registration {correlation_id} failed with error code {code}: {message}")]
    Registration {
        /// The correlation id of the rejected command.
        correlation_id: i64,
        /// The driver's error code (`protocol::command::error_code`).
        code: i32,
        /// The driver's message.
        message: String,
    },
    /// The channel URI was refused (by the client's length check or by the driver with `INVALID_CHANNEL`).
    #[error("invalid channel: {message}")]
    ChannelInvalid {
        /// Why (the driver's message when the driver refused it).
        message: String,
    },
    /// The client (or the resource) is closed.
    #[error("the client is closed")]
    Closed,
    /// The driver timed this client out (it stopped seeing its heartbeats); all resources were closed.
    #[error("the driver timed this client out: {reason}")]
    ClientTimeout {
        /// What was observed.
        reason: String,
    },
    /// `cnc.dat` exists but is not a CnC region this client understands (version or layout).
    #[error("invalid CnC region: {reason}")]
    CncInvalid {
        /// What is wrong with it.
        reason: String,
    },
    /// A log buffer named by the driver could not be opened or failed validation.
    #[error("log buffer {name:?} unusable: {reason}")]
    LogBufferInvalid {
        /// The log buffer's name in the memory store.
        name: String,
        /// Why it was refused.
        reason: String,
    },
    /// An argument was refused before anything was sent (for example a counter key longer than
    /// `agrona::counters_descriptor::MAX_KEY_LENGTH`).
    #[error("invalid argument: {reason}")]
    InvalidArgument {
        /// What is wrong with it.
        reason: String,
    },
    /// A counter id sent by the driver is outside the counters region.
    #[error("counter id {counter_id} out of range (max {max_counter_id})")]
    CounterInvalid {
        /// The id the driver sent.
        counter_id: i32,
        /// The largest valid id.
        max_counter_id: i32,
    },
    /// The command could not be written to the driver's ring buffer (full, or too long).
    #[error("could not send command to the driver: {reason}")]
    CommandFailed {
        /// What the ring buffer said.
        reason: String,
    },
    /// The broadcast buffer from the driver overtook this client: responses were lost, the client is
    /// closed (as Aeron's "unable to keep up with broadcast").
    #[error("lapped by the driver's broadcast buffer: driver events were lost")]
    BroadcastLapped,
    /// The driver sent something this client cannot use (an undecodable message, a wrong answer).
    #[error("driver protocol error: {reason}")]
    DriverProtocol {
        /// What was wrong.
        reason: String,
    },
    /// A registration id passed to a `poll_*` method is not (or no longer) pending, or has another kind.
    #[error("unknown registration id {0}")]
    UnknownRegistration(i64),
    /// A control-path call was made from inside an image handler run by the client's conductor.
    #[error("reentrant call from an image handler is not permitted")]
    Reentrant,
}
