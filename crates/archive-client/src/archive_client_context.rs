//! [`ArchiveClientContext`]: configuration of an [`AeronArchive`](crate::AeronArchive) client.
//!
//! Invariants: every wait of the client is bounded by `message_timeout_ns` on the context's nano clock;
//! between checks the client calls the agent invoker (if any) and then the idle strategy, so a
//! single-threaded application can step its driver, its client conductor and (in tests) an archive.

use std::fmt;
use std::sync::Arc;

use agrona::{IdleStrategy, NanoClock, NoOpIdleStrategy};

/// Default control request channel (Aeron `CONTROL_CHANNEL` for IPC with a small term).
pub const CONTROL_REQUEST_CHANNEL_DEFAULT: &str = "aeron:ipc?term-length=64k";
/// Default control request stream id.
pub const CONTROL_REQUEST_STREAM_ID_DEFAULT: i32 = 10;
/// Default control response channel. Give every archive client of one driver its own response
/// stream id (or channel): clients sharing one subscribe to each other's responses too, and a client
/// that is not polling then holds the others' responses back (flow control follows the slowest
/// subscriber).
pub const CONTROL_RESPONSE_CHANNEL_DEFAULT: &str = "aeron:ipc";
/// Default control response stream id.
pub const CONTROL_RESPONSE_STREAM_ID_DEFAULT: i32 = 20;
/// Default message timeout: 10 s.
pub const MESSAGE_TIMEOUT_NS_DEFAULT: i64 = 10_000_000_000;
/// Default interval between keep-alives sent by [`AeronArchive::keep_alive_if_due`](crate::AeronArchive):
/// 1 s (the archive's session liveness timeout is 10 s by default).
pub const KEEP_ALIVE_INTERVAL_NS_DEFAULT: i64 = 1_000_000_000;
/// Default number of offer attempts for one request when the control publication is back-pressured.
pub const MESSAGE_RETRY_ATTEMPTS_DEFAULT: usize = 3;

/// Supplies the credentials sent with the connect request and answers challenges (Aeron
/// `CredentialsSupplier`).
pub trait CredentialsSupplier: Send {
    /// Encoded credentials for the `AuthConnectRequest` (may be empty).
    fn encoded_credentials(&mut self) -> Vec<u8>;
    /// Encoded credentials answering the archive's `encoded_challenge`.
    fn on_challenge(&mut self, encoded_challenge: &[u8]) -> Vec<u8>;
}

/// Sends no credentials and answers every challenge with none (Aeron `NullCredentialsSupplier`).
#[derive(Debug, Default, Clone, Copy)]
pub struct NullCredentialsSupplier;

impl CredentialsSupplier for NullCredentialsSupplier {
    fn encoded_credentials(&mut self) -> Vec<u8> {
        Vec::new()
    }

    fn on_challenge(&mut self, _encoded_challenge: &[u8]) -> Vec<u8> {
        Vec::new()
    }
}

/// Steps whatever must progress while the client waits (an embedded driver, the Aeron client conductor,
/// a test archive); called with the current nano time, returns the work done.
pub type ArchiveAgentInvoker = Box<dyn FnMut(i64) -> usize + Send>;

/// Configuration of an archive client. Build with [`ArchiveClientContext::new`] and the setters, then
/// pass to [`AeronArchive::connect`](crate::AeronArchive::connect) or
/// [`AsyncConnect::new`](crate::AsyncConnect::new).
pub struct ArchiveClientContext {
    pub(crate) nano_clock: Arc<dyn NanoClock>,
    pub(crate) control_request_channel: String,
    pub(crate) control_request_stream_id: i32,
    pub(crate) control_response_channel: String,
    pub(crate) control_response_stream_id: i32,
    pub(crate) message_timeout_ns: i64,
    pub(crate) keep_alive_interval_ns: i64,
    pub(crate) message_retry_attempts: usize,
    pub(crate) idle_strategy: Box<dyn IdleStrategy>,
    pub(crate) credentials_supplier: Box<dyn CredentialsSupplier>,
    pub(crate) agent_invoker: Option<ArchiveAgentInvoker>,
    pub(crate) client_name: String,
}

impl fmt::Debug for ArchiveClientContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ArchiveClientContext")
            .field("control_request_channel", &self.control_request_channel)
            .field("control_request_stream_id", &self.control_request_stream_id)
            .field("control_response_channel", &self.control_response_channel)
            .field("control_response_stream_id", &self.control_response_stream_id)
            .field("message_timeout_ns", &self.message_timeout_ns)
            .field("keep_alive_interval_ns", &self.keep_alive_interval_ns)
            .field("idle_strategy", &self.idle_strategy.alias())
            .field("agent_invoker", &self.agent_invoker.is_some())
            .finish_non_exhaustive()
    }
}

impl ArchiveClientContext {
    /// A context with Aeron's defaults (control request `aeron:ipc?term-length=64k` stream 10, control
    /// response `aeron:ipc` stream 20, 10 s message timeout, no credentials, no invoker, a no-op idle
    /// strategy). `nano_clock` must be the clock the Aeron client was given (the timeouts run on it).
    pub fn new(nano_clock: Arc<dyn NanoClock>) -> Self {
        Self {
            nano_clock,
            control_request_channel: CONTROL_REQUEST_CHANNEL_DEFAULT.to_owned(),
            control_request_stream_id: CONTROL_REQUEST_STREAM_ID_DEFAULT,
            control_response_channel: CONTROL_RESPONSE_CHANNEL_DEFAULT.to_owned(),
            control_response_stream_id: CONTROL_RESPONSE_STREAM_ID_DEFAULT,
            message_timeout_ns: MESSAGE_TIMEOUT_NS_DEFAULT,
            keep_alive_interval_ns: KEEP_ALIVE_INTERVAL_NS_DEFAULT,
            message_retry_attempts: MESSAGE_RETRY_ATTEMPTS_DEFAULT,
            idle_strategy: Box::new(NoOpIdleStrategy),
            credentials_supplier: Box::new(NullCredentialsSupplier),
            agent_invoker: None,
            client_name: String::new(),
        }
    }

    /// Channel and stream id of the archive's control requests.
    pub fn control_request(mut self, channel: impl Into<String>, stream_id: i32) -> Self {
        self.control_request_channel = channel.into();
        self.control_request_stream_id = stream_id;
        self
    }

    /// Channel and stream id the archive answers on.
    pub fn control_response(mut self, channel: impl Into<String>, stream_id: i32) -> Self {
        self.control_response_channel = channel.into();
        self.control_response_stream_id = stream_id;
        self
    }

    /// Bound of every wait for a response (and of connect). Panics if not positive.
    pub fn message_timeout_ns(mut self, message_timeout_ns: i64) -> Self {
        assert!(message_timeout_ns > 0, "message_timeout_ns must be positive");
        self.message_timeout_ns = message_timeout_ns;
        self
    }

    /// Interval of keep-alives. Panics if not positive.
    pub fn keep_alive_interval_ns(mut self, keep_alive_interval_ns: i64) -> Self {
        assert!(keep_alive_interval_ns > 0, "keep_alive_interval_ns must be positive");
        self.keep_alive_interval_ns = keep_alive_interval_ns;
        self
    }

    /// How many times one request is offered while the control publication is back-pressured. Panics if 0.
    pub fn message_retry_attempts(mut self, attempts: usize) -> Self {
        assert!(attempts > 0, "message_retry_attempts must be positive");
        self.message_retry_attempts = attempts;
        self
    }

    /// Idle strategy between checks of every wait.
    pub fn idle_strategy(mut self, idle_strategy: Box<dyn IdleStrategy>) -> Self {
        self.idle_strategy = idle_strategy;
        self
    }

    /// Credentials for connect and challenges.
    pub fn credentials_supplier(mut self, supplier: Box<dyn CredentialsSupplier>) -> Self {
        self.credentials_supplier = supplier;
        self
    }

    /// A closure called with the current nano time in every wait iteration (before idling). A
    /// single-threaded application steps its embedded driver and its client conductor
    /// (`Aeron::conductor_do_work`) here; otherwise images of the response subscription never appear.
    pub fn agent_invoker(mut self, invoker: ArchiveAgentInvoker) -> Self {
        self.agent_invoker = Some(invoker);
        self
    }

    /// A name sent to the archive in the connect request's `clientInfo`.
    pub fn client_name(mut self, name: impl Into<String>) -> Self {
        self.client_name = name.into();
        self
    }
}
