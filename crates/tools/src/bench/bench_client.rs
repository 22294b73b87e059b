//! [`BenchClient`]: the benchmark's cluster client process-within-a-process — its own media driver (all
//! agents on one thread, real UDP) and an Aeron client whose conductor runs only when the benchmark loop
//! calls [`BenchClient::do_work`], so the client is one thread plus the driver's.
//!
//! Unlike `samples::ClientRuntime` (1 ms maximum park), the driver's thread parks at most
//! `max_park_ns`, so a reply does not wait a millisecond in a parked driver; it still never busy-spins.
//!
//! Invariants: the driver thread backs off when idle; [`BenchClient::close`] (also on drop) closes the
//! client, stops the driver and removes its directory.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use agrona::NanoClock;
use anyhow::Context as _;
use client::{Aeron, Context};
use cluster_client::{AeronCluster, ClusterClientContext};
use driver::{DriverContext, MediaDriver, ThreadingMode};
use sys::{
    AgentRunner, BackoffIdleStrategy, DriverDirectory, SystemEpochClock, SystemNanoClock, UdpTransportFactory,
};

/// The benchmark client's driver and Aeron client. Launch, [`BenchClient::connect`], then call
/// [`BenchClient::do_work`] from the loop that offers and polls.
pub struct BenchClient {
    aeron: Aeron,
    runners: Vec<AgentRunner>,
    dir: PathBuf,
    nano_clock: Arc<dyn NanoClock>,
}

impl std::fmt::Debug for BenchClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BenchClient").field("dir", &self.dir).finish()
    }
}

/// The driver thread's idle strategy: Aeron's backoff (10 spins, 20 yields) parking 1 µs up to
/// `max_park_ns`.
pub fn backoff(max_park_ns: u64) -> BackoffIdleStrategy {
    BackoffIdleStrategy::new(
        BackoffIdleStrategy::DEFAULT_MAX_SPINS,
        BackoffIdleStrategy::DEFAULT_MAX_YIELDS,
        BackoffIdleStrategy::DEFAULT_MIN_PARK_NS,
        max_park_ns.max(BackoffIdleStrategy::DEFAULT_MIN_PARK_NS),
    )
}

impl BenchClient {
    /// Starts a driver in `dir` (a stale one is replaced) whose thread parks at most `max_park_ns`, and
    /// connects an Aeron client to it.
    pub fn launch(dir: &Path, max_park_ns: u64) -> anyhow::Result<Self> {
        let store = DriverDirectory::new(dir)
            .create_fresh()
            .with_context(|| format!("client driver directory {}", dir.display()))?;
        let epoch_clock = Arc::new(SystemEpochClock);
        let nano_clock: Arc<dyn NanoClock> = Arc::new(SystemNanoClock::new());
        let driver_ctx = DriverContext::new(Arc::new(store.clone()), epoch_clock.clone())
            .with_pid(sys::current_pid())
            .with_session_id_seed(sys::entropy_seed())
            .with_transport_factory(Arc::new(UdpTransportFactory::new()));
        let driver = MediaDriver::launch(driver_ctx).context("client media driver")?;
        let mut runners = Vec::new();
        for agent in driver.into_agents(ThreadingMode::Shared) {
            runners.push(AgentRunner::start(agent, Box::new(backoff(max_park_ns)), Arc::clone(&nano_clock))?);
        }
        let aeron = Aeron::connect(
            Context::new(Arc::new(store), Arc::clone(&nano_clock), epoch_clock)
                .idle_strategy(Box::new(BackoffIdleStrategy::default()))
                .client_name("fulmar-bench"),
        )
        .context("benchmark client")?;
        Ok(Self { aeron, runners, dir: dir.to_path_buf(), nano_clock })
    }

    /// Connects a cluster session (blocking, bounded by `message_timeout_ns`): ingress over UDP to
    /// `ingress_endpoints`, egress to `egress_endpoint` (`host:port`).
    pub fn connect(
        &self,
        ingress_endpoints: &str,
        egress_endpoint: &str,
        message_timeout_ns: i64,
    ) -> anyhow::Result<AeronCluster> {
        let ctx = ClusterClientContext::new(self.aeron.clone(), Arc::clone(&self.nano_clock))
            .ingress_channel("aeron:udp")
            .ingress_endpoints(ingress_endpoints)
            .egress_channel(format!("aeron:udp?endpoint={egress_endpoint}"))
            .message_timeout_ns(message_timeout_ns)
            .new_leader_timeout_ns(message_timeout_ns)
            .idle_strategy(Box::new(BackoffIdleStrategy::default()));
        AeronCluster::connect(ctx).context("connecting the benchmark's cluster client")
    }

    /// Runs the client conductor once; returns the work done.
    pub fn do_work(&self) -> usize {
        self.aeron.conductor_do_work_now()
    }

    /// Errors if the driver thread stopped.
    pub fn check_running(&self) -> anyhow::Result<()> {
        anyhow::ensure!(self.runners.iter().all(AgentRunner::is_running), "the client's driver stopped");
        Ok(())
    }

    /// Closes the client, stops the driver and removes its directory. Idempotent.
    pub fn close(&mut self) {
        if self.runners.is_empty() {
            return;
        }
        self.aeron.close();
        for runner in &mut self.runners {
            runner.close();
        }
        self.runners.clear();
        let _ = DriverDirectory::new(&self.dir).remove_if_exists();
    }
}

impl Drop for BenchClient {
    fn drop(&mut self) {
        self.close();
    }
}
