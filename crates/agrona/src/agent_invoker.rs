//! [`AgentInvoker`]: runs an [`Agent`] on the caller's thread, one duty cycle per
//! [`invoke`](AgentInvoker::invoke) (Agrona's `AgentInvoker`), for embedding an agent in another loop, in
//! tests and in the simulator.
//!
//! Lifecycle invariants: `on_start` runs at most once, before any `do_work`; `on_close` runs at most once,
//! after the last `do_work`; a termination returned by `on_start` or `do_work` closes the agent; once
//! closed, `invoke` does nothing and returns `Ok(0)`.

use crate::agent::{Agent, AgentTermination};

/// Drives an agent from the caller's loop.
///
/// How to drive it: optionally [`start`](Self::start) it, then call [`invoke`](Self::invoke) with a
/// monotonic `now_ns` as often as wanted (the first call starts the agent if needed), and finally
/// [`close`](Self::close) it (dropping the invoker does not run `on_close`).
#[derive(Debug)]
pub struct AgentInvoker<A: Agent> {
    agent: A,
    started: bool,
    running: bool,
    closed: bool,
}

impl<A: Agent> AgentInvoker<A> {
    /// Wraps `agent`; nothing runs until [`start`](Self::start) or [`invoke`](Self::invoke).
    pub fn new(agent: A) -> Self {
        Self { agent, started: false, running: false, closed: false }
    }

    /// Calls the agent's `on_start` unless already started or closed. A termination from `on_start`
    /// closes the agent and is returned.
    pub fn start(&mut self) -> Result<(), AgentTermination> {
        if self.started || self.closed {
            return Ok(());
        }
        self.started = true;
        match self.agent.on_start() {
            Ok(()) => {
                self.running = true;
                Ok(())
            }
            Err(termination) => {
                self.close();
                Err(termination)
            }
        }
    }

    /// Runs one duty cycle at `now_ns` (starting the agent first if needed); returns the work count.
    /// `Ok(0)` once closed. A termination closes the agent and is returned.
    pub fn invoke(&mut self, now_ns: i64) -> Result<usize, AgentTermination> {
        if self.closed {
            return Ok(0);
        }
        if !self.started {
            self.start()?;
        }
        if !self.running {
            return Ok(0);
        }
        match self.agent.do_work(now_ns) {
            Ok(work_count) => Ok(work_count),
            Err(termination) => {
                self.close();
                Err(termination)
            }
        }
    }

    /// Calls the agent's `on_close` once (if it was ever wrapped and not yet closed); later invokes do
    /// nothing.
    pub fn close(&mut self) {
        if !self.closed {
            self.running = false;
            self.closed = true;
            self.agent.on_close();
        }
    }

    /// True once `on_start` has been called.
    pub fn is_started(&self) -> bool {
        self.started
    }

    /// True between a successful start and close.
    pub fn is_running(&self) -> bool {
        self.running
    }

    /// True once closed.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// The agent.
    pub fn agent(&self) -> &A {
        &self.agent
    }

    /// The agent, mutably.
    pub fn agent_mut(&mut self) -> &mut A {
        &mut self.agent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Probe {
        events: Vec<String>,
        fail_start: bool,
        stop_at_ns: Option<i64>,
    }

    impl Agent for Probe {
        fn role_name(&self) -> &str {
            "probe"
        }
        fn on_start(&mut self) -> Result<(), AgentTermination> {
            self.events.push("start".into());
            if self.fail_start { Err(AgentTermination::Fatal("no disk".into())) } else { Ok(()) }
        }
        fn do_work(&mut self, now_ns: i64) -> Result<usize, AgentTermination> {
            self.events.push(format!("work@{now_ns}"));
            if self.stop_at_ns == Some(now_ns) {
                return Err(AgentTermination::Done);
            }
            Ok(now_ns as usize % 3)
        }
        fn on_close(&mut self) {
            self.events.push("close".into());
        }
    }

    #[test]
    fn lifecycle_start_on_first_invoke_then_close_once() {
        let mut invoker = AgentInvoker::new(Probe::default());
        assert!(!invoker.is_started());
        assert_eq!(invoker.invoke(1), Ok(1));
        assert!(invoker.is_started() && invoker.is_running());
        assert_eq!(invoker.invoke(2), Ok(2));
        invoker.start().unwrap();
        invoker.close();
        invoker.close();
        assert!(invoker.is_closed() && !invoker.is_running());
        assert_eq!(invoker.invoke(3), Ok(0));
        assert_eq!(invoker.agent().events, vec!["start", "work@1", "work@2", "close"]);
        invoker.agent_mut().events.clear();
        assert!(invoker.agent().events.is_empty());
    }

    #[test]
    fn termination_in_do_work_closes_the_agent() {
        let mut invoker = AgentInvoker::new(Probe { stop_at_ns: Some(5), ..Probe::default() });
        invoker.start().unwrap();
        assert_eq!(invoker.invoke(4), Ok(1));
        assert_eq!(invoker.invoke(5), Err(AgentTermination::Done));
        assert!(invoker.is_closed());
        assert_eq!(invoker.invoke(6), Ok(0));
        assert_eq!(invoker.agent().events, vec!["start", "work@4", "work@5", "close"]);
    }

    #[test]
    fn failed_start_closes_without_work() {
        let mut invoker = AgentInvoker::new(Probe { fail_start: true, ..Probe::default() });
        assert_eq!(invoker.invoke(1), Err(AgentTermination::Fatal("no disk".into())));
        assert!(invoker.is_closed());
        assert_eq!(invoker.invoke(2), Ok(0));
        assert_eq!(invoker.agent().events, vec!["start", "close"]);
    }

    #[test]
    fn close_before_start_still_calls_on_close_once() {
        let mut invoker = AgentInvoker::new(Probe::default());
        invoker.close();
        assert_eq!(invoker.start(), Ok(()));
        assert!(!invoker.is_started());
        assert_eq!(invoker.agent().events, vec!["close"]);
    }
}
