//! [`ClientRuntime`]: what a cluster client process needs around an `AeronCluster` — its own media
//! driver (shared threading, UDP, backing-off idle threads) in a directory, and an Aeron client on it
//! (the tutorial's `MediaDriver.launchEmbedded` + `AeronCluster.Context`).
//!
//! This module is the OS edge of the samples (threads, files), like `sys` and `node::ClusterNode`.
//!
//! Invariants: the driver runs on one thread that backs off when idle (never spins); the client's own
//! conductor runs only when the owner calls [`ClientRuntime::do_work`] (or while `AeronCluster::connect`
//! waits), so a client loop is one thread; [`ClientRuntime::close`] (also on drop) stops the driver
//! and removes its directory.
#![allow(clippy::disallowed_methods)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use agrona::NanoClock;
use client::{Aeron, Context};
use cluster_client::{AeronCluster, ClusterClientContext, ClusterClientError};
use driver::{DriverContext, MediaDriver, ThreadingMode};
use sys::{
    AgentRunner, BackoffIdleStrategy, DriverDirectory, SystemEpochClock, SystemNanoClock, UdpTransportFactory,
};

/// An embedded media driver and an Aeron client for a cluster client. Create with
/// [`ClientRuntime::launch`], connect sessions with [`ClientRuntime::connect_cluster`], call
/// [`ClientRuntime::do_work`] in the client loop.
pub struct ClientRuntime {
    aeron: Aeron,
    runners: Vec<AgentRunner>,
    dir: PathBuf,
    nano_clock: Arc<dyn NanoClock>,
}

impl std::fmt::Debug for ClientRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientRuntime").field("dir", &self.dir).field("threads", &self.runners.len()).finish()
    }
}

impl ClientRuntime {
    /// Starts a driver in `dir` (created; a stale one is replaced) and connects a client named
    /// `client_name` to it.
    pub fn launch(dir: &Path, client_name: &str) -> Result<Self, String> {
        let store = DriverDirectory::new(dir)
            .create_fresh()
            .map_err(|e| format!("client driver directory {}: {e}", dir.display()))?;
        let epoch_clock = Arc::new(SystemEpochClock);
        let nano_clock: Arc<dyn NanoClock> = Arc::new(SystemNanoClock::new());
        let driver_ctx = DriverContext::new(Arc::new(store.clone()), epoch_clock.clone())
            .with_pid(sys::current_pid())
            .with_session_id_seed(sys::entropy_seed())
            .with_transport_factory(Arc::new(UdpTransportFactory::new()));
        let driver = MediaDriver::launch(driver_ctx).map_err(|e| format!("client media driver: {e}"))?;
        let mut runners = Vec::new();
        for agent in driver.into_agents(ThreadingMode::Shared) {
            runners.push(
                AgentRunner::start(agent, Box::new(BackoffIdleStrategy::default()), Arc::clone(&nano_clock))
                    .map_err(|e| format!("client driver thread: {e}"))?,
            );
        }
        let aeron = Aeron::connect(
            Context::new(Arc::new(store), Arc::clone(&nano_clock), epoch_clock)
                .idle_strategy(Box::new(BackoffIdleStrategy::default()))
                .client_name(client_name),
        )
        .map_err(|e| format!("client: {e}"))?;
        Ok(Self { aeron, runners, dir: dir.to_path_buf(), nano_clock })
    }

    /// The Aeron client.
    pub fn aeron(&self) -> &Aeron {
        &self.aeron
    }

    /// The clock the client's timeouts run on.
    pub fn nano_clock(&self) -> Arc<dyn NanoClock> {
        Arc::clone(&self.nano_clock)
    }

    /// Now, on [`ClientRuntime::nano_clock`].
    pub fn now_ns(&self) -> i64 {
        self.nano_clock.nano_time()
    }

    /// Runs the client conductor once; returns the work done.
    pub fn do_work(&self) -> usize {
        self.aeron.conductor_do_work_now()
    }

    /// True while the driver thread runs.
    pub fn is_running(&self) -> bool {
        self.runners.iter().all(AgentRunner::is_running)
    }

    /// Connects a cluster session (blocking, bounded by `message_timeout_ns`): ingress over UDP to
    /// `ingress_endpoints` (`id=host:port,...`), egress to `egress_endpoint` (`host:port`, a concrete
    /// port). After a leader loss the client waits up to `message_timeout_ns` for the new leader.
    pub fn connect_cluster(
        &self,
        ingress_endpoints: &str,
        egress_endpoint: &str,
        message_timeout_ns: i64,
    ) -> Result<AeronCluster, ClusterClientError> {
        let ctx = ClusterClientContext::new(self.aeron.clone(), self.nano_clock())
            .ingress_channel("aeron:udp")
            .ingress_endpoints(ingress_endpoints)
            .egress_channel(format!("aeron:udp?endpoint={egress_endpoint}"))
            .message_timeout_ns(message_timeout_ns)
            .new_leader_timeout_ns(message_timeout_ns)
            .idle_strategy(Box::new(BackoffIdleStrategy::default()));
        AeronCluster::connect(ctx)
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

impl Drop for ClientRuntime {
    fn drop(&mut self) {
        self.close();
    }
}
