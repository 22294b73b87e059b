//! Clock seams. Agents take `now_ns` as an argument; the runner reads a [`NanoClock`] once per duty cycle.
//! Wall-clock (epoch) time, needed for timestamps that leave the process, comes from an [`EpochClock`].
//! `sys` implements both on the OS; the simulator and tests use [`ManualClock`].

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// A monotonic clock in nanoseconds (arbitrary origin).
pub trait NanoClock: Send + Sync {
    /// Nanoseconds since an arbitrary, fixed origin; never decreases.
    fn nano_time(&self) -> i64;
}

/// A wall clock in milliseconds since the Unix epoch.
pub trait EpochClock: Send + Sync {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    fn time_ms(&self) -> i64;
}

/// A clock moved by hand; clones share the same time. Serves as both [`NanoClock`] and [`EpochClock`]
/// (`time_ms` = `nano_time / 1_000_000`).
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    now_ns: Arc<AtomicI64>,
}

impl ManualClock {
    /// A clock at `now_ns`.
    pub fn new(now_ns: i64) -> Self {
        Self { now_ns: Arc::new(AtomicI64::new(now_ns)) }
    }

    /// Sets the time. Panics if it would go backwards.
    pub fn set_ns(&self, now_ns: i64) {
        let previous = self.now_ns.swap(now_ns, Ordering::AcqRel);
        assert!(now_ns >= previous, "ManualClock must not go backwards ({previous} -> {now_ns})");
    }

    /// Moves the time forward by `delta_ns`.
    pub fn advance_ns(&self, delta_ns: i64) {
        assert!(delta_ns >= 0, "ManualClock must not go backwards");
        self.now_ns.fetch_add(delta_ns, Ordering::AcqRel);
    }
}

impl NanoClock for ManualClock {
    fn nano_time(&self) -> i64 {
        self.now_ns.load(Ordering::Acquire)
    }
}

impl EpochClock for ManualClock {
    fn time_ms(&self) -> i64 {
        self.now_ns.load(Ordering::Acquire) / 1_000_000
    }
}
