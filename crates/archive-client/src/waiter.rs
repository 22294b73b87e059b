//! [`Waiter`]: the clock, agent invoker and idle strategy every blocking wait of the archive client
//! uses (crate-private).
//!
//! Invariant: one wait step calls the invoker (if any) with the current nano time, then idles with its
//! work count; deadlines are compared with wrapping arithmetic on the injected clock.

use std::sync::Arc;

use agrona::{IdleStrategy, NanoClock};

use crate::archive_client_context::ArchiveAgentInvoker;

/// Time and progress for waits.
pub(crate) struct Waiter {
    pub(crate) nano_clock: Arc<dyn NanoClock>,
    pub(crate) invoker: Option<ArchiveAgentInvoker>,
    pub(crate) idle: Box<dyn IdleStrategy>,
    pub(crate) message_timeout_ns: i64,
}

impl Waiter {
    /// The current time of the injected clock.
    pub(crate) fn now_ns(&self) -> i64 {
        self.nano_clock.nano_time()
    }

    /// The deadline of a wait starting now.
    pub(crate) fn deadline_ns(&self) -> i64 {
        self.now_ns().wrapping_add(self.message_timeout_ns)
    }

    /// Whether `deadline_ns` has passed.
    pub(crate) fn is_past(&self, deadline_ns: i64) -> bool {
        self.now_ns().wrapping_sub(deadline_ns) > 0
    }

    /// Runs the invoker once without idling; returns its work count.
    pub(crate) fn invoke(&mut self) -> usize {
        let now_ns = self.nano_clock.nano_time();
        self.invoker.as_mut().map_or(0, |invoke| invoke(now_ns))
    }

    /// One wait step: invoker, then idle.
    pub(crate) fn step(&mut self) {
        let work_count = self.invoke();
        self.idle.idle(work_count);
    }
}
