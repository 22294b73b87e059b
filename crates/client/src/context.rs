//! [`Context`]: everything an [`crate::Aeron`] client is built from.
//!
//! The client reads no clock and never sleeps by itself: time comes from the injected [`NanoClock`] and
//! [`EpochClock`], waiting goes through the injected [`IdleStrategy`], and shared memory comes from the
//! injected [`MemoryStore`] (the same store the driver created `cnc.dat` and the log buffers in).
//!
//! Invariants: timeouts and intervals are positive nanosecond counts; every blocking wait of the client
//! is bounded by `driver_timeout_ns` measured on the injected nano clock.

use std::fmt;
use std::sync::Arc;

use agrona::{EpochClock, IdleStrategy, MemoryStore, NanoClock, NoOpIdleStrategy};

use crate::client_error::ClientError;

/// Default driver timeout: 10 s (Aeron `DRIVER_TIMEOUT_MS_DEFAULT`).
pub const DRIVER_TIMEOUT_NS_DEFAULT: i64 = 10_000_000_000;
/// Default interval between client heartbeats: 500 ms (Aeron `KEEPALIVE_INTERVAL_NS`).
pub const KEEPALIVE_INTERVAL_NS_DEFAULT: i64 = 500_000_000;
/// Default time a released log buffer is kept open before it is dropped: 3 s (Aeron
/// `RESOURCE_LINGER_DURATION_DEFAULT_NS`).
pub const RESOURCE_LINGER_NS_DEFAULT: i64 = 3_000_000_000;

/// A closure that steps an embedded driver by one duty cycle at `now_ns` and returns its work count.
pub type DriverAgentInvoker = Box<dyn FnMut(i64) -> usize + Send>;

/// A handler for errors found on the conductor's duty cycle, where no caller can receive them.
pub type ErrorHandler = Box<dyn FnMut(&ClientError) + Send>;

/// How to build an [`crate::Aeron`] client (a consuming builder).
///
/// Drive it as `Context::new(store, nano_clock, epoch_clock).idle_strategy(..).driver_timeout_ns(..)`
/// and hand it to [`crate::Aeron::connect`].
///
/// With a [`agrona::ManualClock`], waits only end when something advances the clock: pass an idle
/// strategy or a [`Context::driver_agent_invoker`] that moves it forward, otherwise a wait for a driver
/// that never answers would never time out. Start a manual clock well after zero: a driver heartbeat
/// of 0 ms reads as "no driver yet".
pub struct Context {
    pub(crate) memory_store: Arc<dyn MemoryStore>,
    pub(crate) nano_clock: Arc<dyn NanoClock>,
    pub(crate) epoch_clock: Arc<dyn EpochClock>,
    pub(crate) idle_strategy: Box<dyn IdleStrategy>,
    pub(crate) driver_timeout_ns: i64,
    pub(crate) keepalive_interval_ns: i64,
    pub(crate) resource_linger_ns: i64,
    pub(crate) driver_agent_invoker: Option<DriverAgentInvoker>,
    pub(crate) error_handler: Option<ErrorHandler>,
    pub(crate) client_name: String,
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("idle_strategy", &self.idle_strategy.alias())
            .field("driver_timeout_ns", &self.driver_timeout_ns)
            .field("keepalive_interval_ns", &self.keepalive_interval_ns)
            .field("resource_linger_ns", &self.resource_linger_ns)
            .field("driver_agent_invoker", &self.driver_agent_invoker.is_some())
            .field("client_name", &self.client_name)
            .finish_non_exhaustive()
    }
}

impl Context {
    /// A context over the driver's memory store and the given clocks, with Aeron's defaults: driver
    /// timeout 10 s, keepalive interval 500 ms, resource linger 3 s, no driver invoker, and a
    /// [`NoOpIdleStrategy`] for blocking waits (it burns a core while waiting: threaded callers should
    /// pass a back-off strategy from `sys`).
    pub fn new(
        memory_store: Arc<dyn MemoryStore>,
        nano_clock: Arc<dyn NanoClock>,
        epoch_clock: Arc<dyn EpochClock>,
    ) -> Self {
        Self {
            memory_store,
            nano_clock,
            epoch_clock,
            idle_strategy: Box::new(NoOpIdleStrategy),
            driver_timeout_ns: DRIVER_TIMEOUT_NS_DEFAULT,
            keepalive_interval_ns: KEEPALIVE_INTERVAL_NS_DEFAULT,
            resource_linger_ns: RESOURCE_LINGER_NS_DEFAULT,
            driver_agent_invoker: None,
            error_handler: None,
            client_name: String::new(),
        }
    }

    /// The idle strategy used between checks in every blocking wait (connect, add/remove calls).
    pub fn idle_strategy(mut self, idle_strategy: Box<dyn IdleStrategy>) -> Self {
        self.idle_strategy = idle_strategy;
        self
    }

    /// How long to wait for the driver (connect, responses) and how stale its heartbeat may get.
    /// Panics if not positive.
    pub fn driver_timeout_ns(mut self, driver_timeout_ns: i64) -> Self {
        assert!(driver_timeout_ns > 0, "driver_timeout_ns must be positive");
        self.driver_timeout_ns = driver_timeout_ns;
        self
    }

    /// How often the conductor heart-beats to the driver and checks the driver's liveness.
    /// Panics if not positive.
    pub fn keepalive_interval_ns(mut self, keepalive_interval_ns: i64) -> Self {
        assert!(keepalive_interval_ns > 0, "keepalive_interval_ns must be positive");
        self.keepalive_interval_ns = keepalive_interval_ns;
        self
    }

    /// How long a released image's log buffer stays open in the conductor before it is dropped (so the
    /// last reference to a mapping is not dropped on a polling thread). Panics if negative.
    pub fn resource_linger_ns(mut self, resource_linger_ns: i64) -> Self {
        assert!(resource_linger_ns >= 0, "resource_linger_ns must not be negative");
        self.resource_linger_ns = resource_linger_ns;
        self
    }

    /// A closure that steps an embedded driver; the client calls it with the current nano time in every
    /// iteration of every blocking wait (instead of idling) and once per `poll_*` call, so a driver that
    /// has no thread of its own still progresses.
    pub fn driver_agent_invoker(mut self, invoker: DriverAgentInvoker) -> Self {
        self.driver_agent_invoker = Some(invoker);
        self
    }

    /// Receives errors found on the conductor's duty cycle (an unusable log buffer for an image, a
    /// malformed driver message, a driver timeout noticed by the conductor agent). Default: ignored,
    /// except that fatal ones also close the client and are returned by later calls.
    pub fn error_handler(mut self, handler: ErrorHandler) -> Self {
        self.error_handler = Some(handler);
        self
    }

    /// A name for this client (for logs; not sent to the driver yet).
    pub fn client_name(mut self, name: impl Into<String>) -> Self {
        self.client_name = name.into();
        self
    }
}
