//! [`DriverThreads`]: a media driver's agents running on threads, one `AgentRunner` per agent of the
//! chosen threading mode (Aeron's `MediaDriver` with a `ThreadingMode`). Used by `fulmar driver` and the
//! benchmarks. UDP goes through real sockets (`sys::UdpTransportFactory`).

use std::sync::Arc;

use anyhow::Context as _;
use clap::ValueEnum;
use driver::{DriverContext, MediaDriver, ThreadingMode};
use sys::{AgentExit, AgentRunner, SystemNanoClock, UdpTransportFactory};

/// The `--threading-mode` values (Aeron's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ThreadingModeArg {
    /// Conductor, sender and receiver each on a thread.
    Dedicated,
    /// Conductor on one thread, sender and receiver on another.
    SharedNetwork,
    /// All agents on one thread.
    Shared,
}

impl From<ThreadingModeArg> for ThreadingMode {
    fn from(mode: ThreadingModeArg) -> Self {
        match mode {
            ThreadingModeArg::Dedicated => ThreadingMode::Dedicated,
            ThreadingModeArg::SharedNetwork => ThreadingMode::SharedNetwork,
            ThreadingModeArg::Shared => ThreadingMode::Shared,
        }
    }
}

/// A running driver: its agents on their threads.
pub struct DriverThreads {
    runners: Vec<AgentRunner>,
}

impl DriverThreads {
    /// Launches a driver from `context` (UDP through real sockets) and starts its agents.
    pub fn start(context: DriverContext, mode: ThreadingModeArg, idle: &str) -> anyhow::Result<Self> {
        let context = context.with_transport_factory(Arc::new(UdpTransportFactory::new()));
        let driver = MediaDriver::launch(context).context("starting the media driver")?;
        let clock = Arc::new(SystemNanoClock::new());
        let mut runners = Vec::new();
        for agent in driver.into_agents(mode.into()) {
            let idle = sys::idle_strategy_from_alias(idle)?;
            runners.push(AgentRunner::start(agent, idle, clock.clone()).context("starting a driver thread")?);
        }
        Ok(Self { runners })
    }

    /// True while every agent runs.
    pub fn is_running(&self) -> bool {
        self.runners.iter().all(AgentRunner::is_running)
    }

    /// Stops every agent (conductor last, so the sender and receiver stop first) and returns the first
    /// failure, if any.
    pub fn close(&mut self) -> Option<String> {
        for runner in self.runners.iter_mut().rev() {
            runner.close();
        }
        self.runners
            .iter()
            .filter_map(AgentRunner::join_result)
            .find(|exit| exit.is_failure())
            .map(AgentExit::to_string)
    }
}

impl Drop for DriverThreads {
    fn drop(&mut self) {
        self.close();
    }
}
