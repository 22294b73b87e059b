//! [`SleepingIdleStrategy`] (Aeron alias `sleep-ns`): parks the thread for a fixed time when idle.
//!
//! Invariants: sleeps at most `sleep_ns` per idle (plus the OS's timer slack, typically ~50 µs on Linux);
//! may return early when the thread is unparked (an `AgentRunner` unparks its thread on close).

use std::time::Duration;

use agrona::IdleStrategy;

/// Parks for `sleep_ns` nanoseconds each time a duty cycle did no work.
///
/// The default, [`SleepingIdleStrategy::DEFAULT_SLEEP_NS`] = 1000 ns, is Agrona's
/// `SleepingIdleStrategy` default, which is what the alias `sleep-ns` selects. (Aeron's C client passes
/// 16 ms to its own `sleep-ns` client conductor; ask for that explicitly with `new(16_000_000)`.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SleepingIdleStrategy {
    /// How long one idle parks, in nanoseconds.
    pub sleep_ns: u64,
}

impl SleepingIdleStrategy {
    /// Agrona's default park period: 1 µs.
    pub const DEFAULT_SLEEP_NS: u64 = 1_000;

    /// A strategy that parks for `sleep_ns` per idle.
    pub const fn new(sleep_ns: u64) -> Self {
        Self { sleep_ns }
    }
}

impl Default for SleepingIdleStrategy {
    fn default() -> Self {
        Self::new(Self::DEFAULT_SLEEP_NS)
    }
}

impl IdleStrategy for SleepingIdleStrategy {
    fn idle_once(&mut self) {
        std::thread::park_timeout(Duration::from_nanos(self.sleep_ns));
    }

    fn alias(&self) -> &'static str {
        "sleep-ns"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_to_agronas_period_and_idles() {
        let mut idle = SleepingIdleStrategy::default();
        assert_eq!(idle.sleep_ns, 1_000);
        assert_eq!(idle.alias(), "sleep-ns");
        idle.idle(0);
        idle.idle(1);
        assert_eq!(SleepingIdleStrategy::new(5).sleep_ns, 5);
    }
}
