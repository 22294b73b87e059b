//! [`IdleStrategy`]: what a runner does when an agent reports no work.
//!
//! Only the OS-free strategies live here ([`BusySpinIdleStrategy`], [`NoOpIdleStrategy`]); yielding,
//! sleeping and back-off strategies touch the scheduler and live in `sys`.

/// Decides how to wait between duty cycles that did no work.
pub trait IdleStrategy: Send {
    /// Called after every duty cycle with its work count; idles only when `work_count == 0`.
    fn idle(&mut self, work_count: usize) {
        if work_count > 0 {
            self.reset();
        } else {
            self.idle_once();
        }
    }

    /// Idles once unconditionally (advancing any back-off).
    fn idle_once(&mut self);

    /// Resets any back-off state after work was done.
    fn reset(&mut self) {}

    /// The Aeron alias of the strategy (`spin`, `noop`, `yield`, `sleep-ns`, `backoff`).
    fn alias(&self) -> &'static str;
}

/// Spins on the CPU with a spin-loop hint. Lowest latency; burns a core.
#[derive(Debug, Default, Clone, Copy)]
pub struct BusySpinIdleStrategy;

impl IdleStrategy for BusySpinIdleStrategy {
    fn idle_once(&mut self) {
        std::hint::spin_loop();
    }
    fn alias(&self) -> &'static str {
        "spin"
    }
}

/// Does nothing at all (for invokers and the simulator, where the caller decides).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoOpIdleStrategy;

impl IdleStrategy for NoOpIdleStrategy {
    fn idle_once(&mut self) {}
    fn alias(&self) -> &'static str {
        "noop"
    }
}
