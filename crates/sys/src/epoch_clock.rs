//! [`SystemEpochClock`]: the OS wall clock behind `agrona::EpochClock`.
//!
//! Invariant: readings are milliseconds since the Unix epoch; unlike a `NanoClock` they may jump (NTP,
//! an operator), so use them only for timestamps that leave the process (CnC start time, heartbeats
//! Aeron keeps in epoch milliseconds), never to measure intervals.

use std::time::{SystemTime, UNIX_EPOCH};

use agrona::EpochClock;

/// Wall-clock milliseconds since 1970-01-01T00:00:00Z.
///
/// How to drive it: a unit struct; share it as an `Arc<dyn EpochClock>`. A clock set before 1970 reads as
/// a negative number of milliseconds.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemEpochClock;

impl SystemEpochClock {
    /// A clock (all instances read the same time).
    pub const fn new() -> Self {
        Self
    }
}

impl EpochClock for SystemEpochClock {
    fn time_ms(&self) -> i64 {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(since) => i64::try_from(since.as_millis()).unwrap_or(i64::MAX),
            Err(before) => -i64::try_from(before.duration().as_millis()).unwrap_or(i64::MAX),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_plausible_wall_clock() {
        let now_ms = SystemEpochClock::new().time_ms();
        // 2020-01-01 .. 2200-01-01: a loose sanity range, not a timing assertion.
        assert!(now_ms > 1_577_836_800_000 && now_ms < 7_258_118_400_000, "{now_ms}");
    }
}
