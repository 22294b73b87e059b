//! [`StaticDelayGenerator`]: fixed feedback delays (Aeron `StaticDelayGenerator`).
//!
//! Invariants: always returns the configured delay and retry delay.

use crate::defaults::{NAK_UNICAST_DELAY_NS, NAK_UNICAST_RETRY_DELAY_RATIO};
use crate::feedback_delay_generator::FeedbackDelayGenerator;

/// A generator with a fixed delay and a fixed retry delay.
///
/// How to drive it: construct it, then call [`FeedbackDelayGenerator::generate_delay_ns`] /
/// [`FeedbackDelayGenerator::retry_delay_ns`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaticDelayGenerator {
    delay_ns: i64,
    retry_delay_ns: i64,
}

impl StaticDelayGenerator {
    /// A generator with `delay_ns` for the first feedback and `retry_delay_ns` for repeats.
    pub const fn new(delay_ns: i64, retry_delay_ns: i64) -> Self {
        Self { delay_ns, retry_delay_ns }
    }

    /// The same delay for first feedback and repeats.
    pub const fn fixed(delay_ns: i64) -> Self {
        Self::new(delay_ns, delay_ns)
    }

    /// Zero delay (Aeron `ZERO_DELAY_GENERATOR`).
    pub const fn zero() -> Self {
        Self::fixed(0)
    }

    /// Aeron's unicast NAK default: 1 µs, retried every 1 µs × 100.
    pub const fn unicast_nak_default() -> Self {
        Self::new(NAK_UNICAST_DELAY_NS, NAK_UNICAST_DELAY_NS * NAK_UNICAST_RETRY_DELAY_RATIO)
    }
}

impl FeedbackDelayGenerator for StaticDelayGenerator {
    fn generate_delay_ns(&mut self) -> i64 {
        self.delay_ns
    }

    fn retry_delay_ns(&mut self) -> i64 {
        self.retry_delay_ns
    }
}
