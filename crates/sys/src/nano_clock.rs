//! [`SystemNanoClock`]: the OS monotonic clock behind `agrona::NanoClock`.
//!
//! Invariants: readings never decrease; every instance, and every process on the machine, reads the
//! same clock (`CLOCK_MONOTONIC`, which is also what `std::time::Instant` uses on Linux and what Aeron's
//! C driver uses), so nanosecond times written to shared memory by one process are comparable in another.

use agrona::NanoClock;

/// Monotonic nanoseconds since a fixed origin (the machine's boot, for `CLOCK_MONOTONIC`).
///
/// How to drive it: build one (it is free: a unit struct) and hand it to an `AgentRunner` as an
/// `Arc<dyn NanoClock>`; the runner reads it once per duty cycle. It does not advance while the machine
/// is suspended.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemNanoClock;

impl SystemNanoClock {
    /// A clock (all instances read the same time).
    pub const fn new() -> Self {
        Self
    }
}

impl NanoClock for SystemNanoClock {
    fn nano_time(&self) -> i64 {
        let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: `now` is a valid, writable timespec; CLOCK_MONOTONIC is always supported.
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
        assert_eq!(rc, 0, "clock_gettime(CLOCK_MONOTONIC) cannot fail");
        // `time_t`/`c_long` are i64 on 64-bit targets but i32 on some 32-bit ones: keep the conversions.
        #[allow(clippy::useless_conversion)]
        let now_ns = i64::from(now.tv_sec) * 1_000_000_000 + i64::from(now.tv_nsec);
        now_ns
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_never_decrease_and_agree_across_instances() {
        let a = SystemNanoClock::new();
        let b = SystemNanoClock;
        let mut previous = a.nano_time();
        for _ in 0..1_000 {
            let now = b.nano_time();
            assert!(now >= previous);
            previous = a.nano_time();
            assert!(previous >= now);
        }
        assert!(previous > 0);
    }
}
