//! [`YieldingIdleStrategy`] (Aeron alias `yield`): gives the core away with `sched_yield` when idle.
//!
//! Invariant: never blocks for longer than the scheduler's time slice; keeps no state.

use agrona::IdleStrategy;

/// Yields the thread's time slice when a duty cycle did no work.
///
/// Lower latency than sleeping, but the thread stays runnable, so it still shows as busy when the core is
/// otherwise free.
#[derive(Debug, Default, Clone, Copy)]
pub struct YieldingIdleStrategy;

impl IdleStrategy for YieldingIdleStrategy {
    fn idle_once(&mut self) {
        std::thread::yield_now();
    }

    fn alias(&self) -> &'static str {
        "yield"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idles_and_names_itself() {
        let mut idle = YieldingIdleStrategy;
        idle.idle(0);
        idle.idle(3);
        assert_eq!(idle.alias(), "yield");
    }
}
