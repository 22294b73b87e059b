//! [`AgentRunner`]: runs one `agrona::Agent` on a dedicated OS thread, as Agrona's `AgentRunner`.
//!
//! The thread (named after the agent's `role_name`) calls `on_start` once, then loops
//! `do_work(clock.nano_time())` followed by `idle.idle(work_count)` until [`AgentRunner::close`] is
//! called or the agent terminates (returns an `AgentTermination` or panics), then calls `on_close` once.
//!
//! Invariants:
//! - `on_close` runs exactly once, whatever ended the loop (including a failed `on_start` or a panic);
//! - the loop reads the clock once per duty cycle and does not allocate or lock;
//! - a failure (a `Fatal` termination or a panic) is printed to stderr when it happens and kept as the
//!   runner's [`AgentExit`] for the owner: it is never swallowed;
//! - dropping the runner closes it (stop, wake the thread from a park, join).

use std::any::Any;
use std::fmt;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};

use agrona::{Agent, AgentTermination, IdleStrategy, NanoClock};

/// How an agent's thread ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentExit {
    /// The owner asked it to stop ([`AgentRunner::close`] or [`AgentRunner::request_stop`]).
    Closed,
    /// The agent ended itself from `on_start` or `do_work`: `Done`, or `Fatal` with a reason.
    Terminated(AgentTermination),
    /// `on_start` or `do_work` panicked with this message.
    Panicked(String),
}

impl AgentExit {
    /// True for a `Fatal` termination or a panic.
    pub fn is_failure(&self) -> bool {
        matches!(self, AgentExit::Terminated(AgentTermination::Fatal(_)) | AgentExit::Panicked(_))
    }
}

impl fmt::Display for AgentExit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AgentExit::Closed => f.write_str("agent closed"),
            AgentExit::Terminated(termination) => termination.fmt(f),
            AgentExit::Panicked(message) => write!(f, "agent panicked: {message}"),
        }
    }
}

/// Owns the thread that runs one agent.
///
/// How to drive it: [`AgentRunner::start`] spawns the thread; [`AgentRunner::close`] (or dropping the
/// runner) stops and joins it; [`AgentRunner::join`] waits for an agent that ends by itself. Afterwards
/// [`AgentRunner::join_result`] says why it ended.
pub struct AgentRunner {
    role_name: String,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<AgentExit>>,
    exit: Option<AgentExit>,
}

impl fmt::Debug for AgentRunner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AgentRunner")
            .field("role_name", &self.role_name)
            .field("running", &self.is_running())
            .field("exit", &self.exit)
            .finish()
    }
}

impl AgentRunner {
    /// Starts `agent` on a new thread named after its role, idling with `idle` and reading `clock` once
    /// per duty cycle. Fails only if the OS cannot spawn the thread.
    pub fn start(
        agent: Box<dyn Agent>,
        idle: Box<dyn IdleStrategy>,
        clock: Arc<dyn NanoClock>,
    ) -> io::Result<AgentRunner> {
        let role_name = agent.role_name().to_owned();
        let stop = Arc::new(AtomicBool::new(false));
        let thread_stop = Arc::clone(&stop);
        let thread = thread::Builder::new()
            .name(role_name.clone())
            .spawn(move || run(agent, idle, clock.as_ref(), &thread_stop))?;
        Ok(AgentRunner { role_name, stop, thread: Some(thread), exit: None })
    }

    /// The agent's role name (also the thread's name).
    pub fn role_name(&self) -> &str {
        &self.role_name
    }

    /// True while the agent's thread has not finished (it may already be in `on_close`).
    pub fn is_running(&self) -> bool {
        self.thread.as_ref().is_some_and(|thread| !thread.is_finished())
    }

    /// Asks the agent to stop after its current duty cycle, without waiting, and wakes it if it is
    /// parked. Follow with [`AgentRunner::close`] or [`AgentRunner::join`] to wait.
    pub fn request_stop(&self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = &self.thread {
            thread.thread().unpark();
        }
    }

    /// Stops the agent and waits for its thread to finish (`on_close` included). Idempotent.
    pub fn close(&mut self) {
        self.request_stop();
        self.join();
    }

    /// Waits, without asking it to stop, until the agent's thread ends, and returns why it ended. For an
    /// agent that never ends by itself this blocks forever: use [`AgentRunner::close`] for such agents.
    pub fn join(&mut self) -> &AgentExit {
        if let Some(thread) = self.thread.take() {
            let exit = thread.join().unwrap_or_else(|payload| AgentExit::Panicked(panic_message(&*payload)));
            self.exit = Some(exit);
        }
        self.exit.as_ref().expect("a joined runner has an exit")
    }

    /// Why the agent ended, once the runner was joined or closed; `None` before.
    pub fn join_result(&self) -> Option<&AgentExit> {
        self.exit.as_ref()
    }
}

impl Drop for AgentRunner {
    fn drop(&mut self) {
        self.close();
    }
}

/// The body of the agent's thread.
fn run(
    mut agent: Box<dyn Agent>,
    mut idle: Box<dyn IdleStrategy>,
    clock: &dyn NanoClock,
    stop: &AtomicBool,
) -> AgentExit {
    let outcome =
        panic::catch_unwind(AssertUnwindSafe(|| duty_cycles(agent.as_mut(), idle.as_mut(), clock, stop)));
    let exit = match outcome {
        Ok(exit) => exit,
        Err(payload) => AgentExit::Panicked(panic_message(&*payload)),
    };
    if exit.is_failure() {
        eprintln!("fulmar: agent {:?}: {exit}", agent.role_name());
    }
    if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| agent.on_close())) {
        eprintln!("fulmar: agent {:?}: on_close panicked: {}", agent.role_name(), panic_message(&*payload));
    }
    exit
}

fn duty_cycles(
    agent: &mut dyn Agent,
    idle: &mut dyn IdleStrategy,
    clock: &dyn NanoClock,
    stop: &AtomicBool,
) -> AgentExit {
    if let Err(termination) = agent.on_start() {
        return AgentExit::Terminated(termination);
    }
    while !stop.load(Ordering::Acquire) {
        match agent.do_work(clock.nano_time()) {
            Ok(work_count) => idle.idle(work_count),
            Err(termination) => return AgentExit::Terminated(termination),
        }
    }
    AgentExit::Closed
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::AtomicUsize;
    use std::time::{Duration, Instant};

    use agrona::{ManualClock, NoOpIdleStrategy};

    use super::*;
    use crate::backoff_idle_strategy::BackoffIdleStrategy;

    #[derive(Default)]
    struct Probe {
        cycles: AtomicUsize,
        starts: AtomicUsize,
        closes: AtomicUsize,
        thread_name: Mutex<Option<String>>,
        last_now_ns: Mutex<Option<i64>>,
    }

    enum Behaviour {
        DoneAfter(usize),
        Forever,
        FatalAfter(usize),
        PanicAfter(usize),
        FailStart,
    }

    struct TestAgent {
        probe: Arc<Probe>,
        behaviour: Behaviour,
    }

    impl Agent for TestAgent {
        fn role_name(&self) -> &str {
            "test-agent"
        }

        fn on_start(&mut self) -> Result<(), AgentTermination> {
            self.probe.starts.fetch_add(1, Ordering::SeqCst);
            *self.probe.thread_name.lock().unwrap() = thread::current().name().map(str::to_owned);
            match self.behaviour {
                Behaviour::FailStart => Err(AgentTermination::Fatal("cannot start".to_owned())),
                _ => Ok(()),
            }
        }

        fn do_work(&mut self, now_ns: i64) -> Result<usize, AgentTermination> {
            let cycle = self.probe.cycles.fetch_add(1, Ordering::SeqCst) + 1;
            *self.probe.last_now_ns.lock().unwrap() = Some(now_ns);
            match self.behaviour {
                Behaviour::DoneAfter(n) if cycle >= n => Err(AgentTermination::Done),
                Behaviour::FatalAfter(n) if cycle >= n => {
                    Err(AgentTermination::Fatal("disk full".to_owned()))
                }
                Behaviour::PanicAfter(n) if cycle >= n => panic!("boom at {cycle}"),
                _ => Ok(0),
            }
        }

        fn on_close(&mut self) {
            self.probe.closes.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn start(behaviour: Behaviour) -> (AgentRunner, Arc<Probe>) {
        let probe = Arc::new(Probe::default());
        let agent = TestAgent { probe: Arc::clone(&probe), behaviour };
        let runner =
            AgentRunner::start(Box::new(agent), Box::new(NoOpIdleStrategy), Arc::new(ManualClock::new(42)))
                .expect("spawn runner");
        (runner, probe)
    }

    #[test]
    fn runs_until_the_agent_is_done_then_closes_it() {
        let (mut runner, probe) = start(Behaviour::DoneAfter(5));
        assert_eq!(runner.role_name(), "test-agent");
        assert!(runner.join_result().is_none());
        assert_eq!(runner.join(), &AgentExit::Terminated(AgentTermination::Done));
        assert!(!runner.is_running());
        assert_eq!(probe.cycles.load(Ordering::SeqCst), 5);
        assert_eq!(probe.starts.load(Ordering::SeqCst), 1);
        assert_eq!(probe.closes.load(Ordering::SeqCst), 1);
        assert_eq!(probe.thread_name.lock().unwrap().as_deref(), Some("test-agent"));
        assert_eq!(*probe.last_now_ns.lock().unwrap(), Some(42), "now_ns comes from the clock");
        runner.close();
        assert_eq!(runner.join_result(), Some(&AgentExit::Terminated(AgentTermination::Done)));
        assert_eq!(probe.closes.load(Ordering::SeqCst), 1, "on_close runs once");
    }

    #[test]
    fn close_stops_a_forever_agent_promptly() {
        let probe = Arc::new(Probe::default());
        let agent = TestAgent { probe: Arc::clone(&probe), behaviour: Behaviour::Forever };
        let clock = Arc::new(crate::nano_clock::SystemNanoClock);
        // The slowest back-off parks 1 ms at a time; close must still return well within the bound.
        let mut runner =
            AgentRunner::start(Box::new(agent), Box::new(BackoffIdleStrategy::default()), clock).unwrap();
        while probe.cycles.load(Ordering::SeqCst) < 100 {
            thread::yield_now();
        }
        assert!(runner.is_running());
        let started = Instant::now();
        runner.close();
        assert!(started.elapsed() < Duration::from_secs(10), "close took {:?}", started.elapsed());
        assert!(!runner.is_running());
        assert_eq!(runner.join_result(), Some(&AgentExit::Closed));
        assert_eq!(probe.closes.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn fatal_termination_is_kept_for_the_owner() {
        let (mut runner, probe) = start(Behaviour::FatalAfter(3));
        let exit = runner.join().clone();
        assert_eq!(exit, AgentExit::Terminated(AgentTermination::Fatal("disk full".to_owned())));
        assert!(exit.is_failure());
        assert_eq!(probe.cycles.load(Ordering::SeqCst), 3);
        assert_eq!(probe.closes.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_panic_becomes_the_exit_and_on_close_still_runs() {
        let (mut runner, probe) = start(Behaviour::PanicAfter(2));
        assert_eq!(runner.join(), &AgentExit::Panicked("boom at 2".to_owned()));
        assert_eq!(probe.closes.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_failed_start_skips_work_but_closes() {
        let (mut runner, probe) = start(Behaviour::FailStart);
        assert_eq!(runner.join(), &AgentExit::Terminated(AgentTermination::Fatal("cannot start".to_owned())));
        assert_eq!(probe.cycles.load(Ordering::SeqCst), 0);
        assert_eq!(probe.closes.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn dropping_the_runner_closes_the_agent() {
        let (runner, probe) = start(Behaviour::Forever);
        drop(runner);
        assert_eq!(probe.closes.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn exits_display_their_reason() {
        assert_eq!(AgentExit::Closed.to_string(), "agent closed");
        assert_eq!(AgentExit::Panicked("x".to_owned()).to_string(), "agent panicked: x");
        assert_eq!(
            AgentExit::Terminated(AgentTermination::Fatal("y".to_owned())).to_string(),
            "agent failed: y"
        );
        assert!(!AgentExit::Terminated(AgentTermination::Done).is_failure());
    }
}
