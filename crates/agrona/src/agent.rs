//! [`Agent`]: a unit of work stepped by a runner (a thread in `sys`, an [`crate::AgentInvoker`], or the
//! simulator's scheduler).
//!
//! How to drive an agent: call [`Agent::on_start`] once, then [`Agent::do_work`] repeatedly with a
//! monotonic `now_ns` that never goes backwards, idling (through an [`crate::IdleStrategy`]) when it returns
//! zero work; finally call [`Agent::on_close`] once. An agent never reads a clock, sleeps or spawns
//! threads: time comes in as `now_ns`, everything else through the seams it was built with.

use std::fmt;

/// Why an agent stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentTermination {
    /// The agent finished its job and asks to be closed (Aeron's `AgentTerminationException`).
    Done,
    /// The environment failed (disk full, corrupt file...): a fatal error with a reason.
    Fatal(String),
}

impl fmt::Display for AgentTermination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AgentTermination::Done => f.write_str("agent terminated"),
            AgentTermination::Fatal(reason) => write!(f, "agent failed: {reason}"),
        }
    }
}

impl std::error::Error for AgentTermination {}

/// A duty-cycle driven component, as Agrona's `Agent`.
pub trait Agent: Send {
    /// A short name for threads, logs and counters (for example `driver-conductor`).
    fn role_name(&self) -> &str;

    /// Called once before the first `do_work`.
    fn on_start(&mut self) -> Result<(), AgentTermination> {
        Ok(())
    }

    /// Does a bounded amount of work at monotonic time `now_ns`; returns how much was done (0 = idle).
    fn do_work(&mut self, now_ns: i64) -> Result<usize, AgentTermination>;

    /// Called once after the last `do_work`, also after a termination.
    fn on_close(&mut self) {}
}

impl<A: Agent + ?Sized> Agent for Box<A> {
    fn role_name(&self) -> &str {
        (**self).role_name()
    }
    fn on_start(&mut self) -> Result<(), AgentTermination> {
        (**self).on_start()
    }
    fn do_work(&mut self, now_ns: i64) -> Result<usize, AgentTermination> {
        (**self).do_work(now_ns)
    }
    fn on_close(&mut self) {
        (**self).on_close()
    }
}
