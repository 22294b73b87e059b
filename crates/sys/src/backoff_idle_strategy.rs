//! [`BackoffIdleStrategy`] (Aeron alias `backoff`, the driver's default): spin, then yield, then park
//! with an exponentially growing period.
//!
//! State machine (Agrona's, step for step), advanced by one step per idle and reset by any work:
//! - `NotIdle` → `Spinning` (no wait on this first idle);
//! - `Spinning`: spin-loop hint; after `max_spins` spins → `Yielding`;
//! - `Yielding`: `sched_yield`; after `max_yields` yields → `Parking` at `min_park_ns`;
//! - `Parking`: park for the current period, then double it, capped at `max_park_ns`.
//!
//! Invariants: `0 < min_park_ns <= max_park_ns`; a park lasts at most the current period (plus timer
//! slack) and may end early when the thread is unparked.

use std::time::Duration;

use agrona::IdleStrategy;

/// Where a [`BackoffIdleStrategy`] is in its back-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackoffState {
    /// Work was done since the last idle.
    NotIdle,
    /// Spinning on the CPU.
    Spinning,
    /// Yielding the time slice.
    Yielding,
    /// Parking the thread.
    Parking,
}

/// Spins, then yields, then parks with exponential back-off, as Agrona's `BackoffIdleStrategy`.
///
/// How to drive it: pass it to an `AgentRunner` (which calls `idle(work_count)` after every duty cycle)
/// or call `idle` yourself. [`BackoffIdleStrategy::default`] uses the Aeron driver's settings.
#[derive(Debug, Clone)]
pub struct BackoffIdleStrategy {
    max_spins: u64,
    max_yields: u64,
    min_park_ns: u64,
    max_park_ns: u64,
    spins: u64,
    yields: u64,
    park_ns: u64,
    state: BackoffState,
}

impl BackoffIdleStrategy {
    /// Aeron driver default (`IDLE_MAX_SPINS`).
    pub const DEFAULT_MAX_SPINS: u64 = 10;
    /// Aeron driver default (`IDLE_MAX_YIELDS`).
    pub const DEFAULT_MAX_YIELDS: u64 = 20;
    /// Aeron driver default (`IDLE_MIN_PARK_NS`): 1 µs.
    pub const DEFAULT_MIN_PARK_NS: u64 = 1_000;
    /// Aeron driver default (`IDLE_MAX_PARK_NS`): 1 ms.
    pub const DEFAULT_MAX_PARK_NS: u64 = 1_000_000;

    /// A strategy with the given limits. Panics unless `0 < min_park_ns <= max_park_ns`.
    pub fn new(max_spins: u64, max_yields: u64, min_park_ns: u64, max_park_ns: u64) -> Self {
        assert!(
            min_park_ns > 0 && min_park_ns <= max_park_ns,
            "backoff park periods must satisfy 0 < min ({min_park_ns}) <= max ({max_park_ns})"
        );
        Self {
            max_spins,
            max_yields,
            min_park_ns,
            max_park_ns,
            spins: 0,
            yields: 0,
            park_ns: min_park_ns,
            state: BackoffState::NotIdle,
        }
    }

    /// The current state.
    pub fn state(&self) -> BackoffState {
        self.state
    }

    /// Spins counted since the last reset.
    pub fn spins(&self) -> u64 {
        self.spins
    }

    /// Yields counted since spinning ended.
    pub fn yields(&self) -> u64 {
        self.yields
    }

    /// The period the next park will last, in nanoseconds.
    pub fn park_period_ns(&self) -> u64 {
        self.park_ns
    }
}

impl Default for BackoffIdleStrategy {
    fn default() -> Self {
        Self::new(
            Self::DEFAULT_MAX_SPINS,
            Self::DEFAULT_MAX_YIELDS,
            Self::DEFAULT_MIN_PARK_NS,
            Self::DEFAULT_MAX_PARK_NS,
        )
    }
}

impl IdleStrategy for BackoffIdleStrategy {
    fn idle_once(&mut self) {
        match self.state {
            BackoffState::NotIdle => {
                self.state = BackoffState::Spinning;
                self.spins += 1;
            }
            BackoffState::Spinning => {
                std::hint::spin_loop();
                self.spins += 1;
                if self.spins > self.max_spins {
                    self.state = BackoffState::Yielding;
                    self.yields = 0;
                }
            }
            BackoffState::Yielding => {
                self.yields += 1;
                if self.yields > self.max_yields {
                    self.state = BackoffState::Parking;
                    self.park_ns = self.min_park_ns;
                } else {
                    std::thread::yield_now();
                }
            }
            BackoffState::Parking => {
                std::thread::park_timeout(Duration::from_nanos(self.park_ns));
                self.park_ns = self.park_ns.saturating_mul(2).min(self.max_park_ns);
            }
        }
    }

    fn reset(&mut self) {
        self.spins = 0;
        self.yields = 0;
        self.park_ns = self.min_park_ns;
        self.state = BackoffState::NotIdle;
    }

    fn alias(&self) -> &'static str {
        "backoff"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_aerons_driver_setting() {
        let idle = BackoffIdleStrategy::default();
        assert_eq!(
            (idle.max_spins, idle.max_yields, idle.min_park_ns, idle.max_park_ns),
            (10, 20, 1_000, 1_000_000)
        );
        assert_eq!(idle.state(), BackoffState::NotIdle);
        assert_eq!(idle.alias(), "backoff");
    }

    #[test]
    fn progresses_spin_yield_park_and_doubles_the_park_period() {
        use BackoffState::*;
        let mut idle = BackoffIdleStrategy::new(2, 3, 1_000, 4_000);
        let expected = [
            (Spinning, 1, 0, 1_000),
            (Spinning, 2, 0, 1_000),
            (Yielding, 3, 0, 1_000),
            (Yielding, 3, 1, 1_000),
            (Yielding, 3, 2, 1_000),
            (Yielding, 3, 3, 1_000),
            (Parking, 3, 4, 1_000),
            (Parking, 3, 4, 2_000),
            (Parking, 3, 4, 4_000),
            (Parking, 3, 4, 4_000),
        ];
        for (step, want) in expected.iter().enumerate() {
            idle.idle(0);
            let got = (idle.state(), idle.spins(), idle.yields(), idle.park_period_ns());
            assert_eq!(&got, want, "after idle #{}", step + 1);
        }
    }

    #[test]
    fn work_resets_the_back_off() {
        let mut idle = BackoffIdleStrategy::new(1, 1, 1_000, 8_000);
        for _ in 0..6 {
            idle.idle(0);
        }
        assert_eq!(idle.state(), BackoffState::Parking);
        assert!(idle.park_period_ns() > 1_000);
        idle.idle(5);
        assert_eq!(idle.state(), BackoffState::NotIdle);
        assert_eq!((idle.spins(), idle.yields(), idle.park_period_ns()), (0, 0, 1_000));
        idle.idle(0);
        assert_eq!(idle.state(), BackoffState::Spinning);
    }

    #[test]
    #[should_panic(expected = "backoff park periods")]
    fn rejects_inverted_park_periods() {
        let _ = BackoffIdleStrategy::new(1, 1, 10, 5);
    }
}
