//! [`InProcessCluster`]: the cluster `fulmar bench cluster` measures — `--nodes` [`node::ClusterNode`]s in
//! this process over real loopback UDP and files, each running a [`BenchEchoService`], laid out by the
//! tutorial's port scheme (10 ports per node from a probed free base port) under one directory.
//!
//! Invariants: every node's driver uses the shared threading mode and every agent thread backs off when
//! idle (`ClusterNode` fixes a `BackoffIdleStrategy` with a 1 ms maximum park), so a 3-node cluster fits
//! a 2-core machine; every wait is bounded; dropping the cluster stops every node and removes the
//! directory.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use node::port_scheme::INGRESS_PORT_OFFSET;
use node::{ClusterNode, ClusterNodeContext, NodeConfig, PortScheme};
use samples::node_support;

use super::bench_echo_service::BenchEchoService;

/// Ports per node in the benchmark's port scheme (the tutorial's offsets fit in 10).
pub const PORTS_PER_NODE: u16 = 10;
/// The node host.
const HOST: &str = "127.0.0.1";

/// The cluster's settings.
#[derive(Debug, Clone)]
pub struct ClusterSettings {
    /// How many members.
    pub nodes: i32,
    /// Node 0's first port; node N uses `base_port + 10 N ..`, the client's egress `base_port + 10 nodes`.
    pub base_port: u16,
    /// The directory the nodes' `nodeN/` directories go in (created; removed on drop).
    pub dir: PathBuf,
    /// Term length of the ingress and log channels, in bytes.
    pub term_length: i64,
    /// Extra `key=value` settings in Aeron's names (e.g. `aeron.cluster.leader.heartbeat.timeout=10s`).
    pub overrides: Vec<String>,
}

/// A running in-process cluster. Launch with [`InProcessCluster::launch`], then
/// [`InProcessCluster::await_leader`]; connect clients to [`InProcessCluster::ingress_endpoints`].
pub struct InProcessCluster {
    nodes: Vec<ClusterNode>,
    dropped: Vec<Arc<AtomicU64>>,
    settings: ClusterSettings,
}

impl std::fmt::Debug for InProcessCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InProcessCluster").field("settings", &self.settings).finish()
    }
}

/// A base port from which `count` consecutive UDP ports on 127.0.0.1 can all be bound right now,
/// starting from a process-specific guess in 5000..9800 (below the ephemeral range, apart from the
/// ranges `fulmar demo` and the process tests use) and stepping on (at most 40 tries).
pub fn pick_base_port(count: u16) -> anyhow::Result<u16> {
    let pid = std::process::id();
    for attempt in 0..40u32 {
        let base = 5_000 + ((pid + attempt * 7) % 120) as u16 * 40;
        let free = (base..base + count).all(|port| std::net::UdpSocket::bind((HOST, port)).is_ok());
        if free {
            return Ok(base);
        }
    }
    bail!("no range of {count} free UDP ports found in 5000..9800")
}

impl InProcessCluster {
    /// Starts `settings.nodes` nodes (shared driver threading, a 5 s leader heartbeat timeout so that a
    /// loaded machine does not start spurious elections, a 10 s startup canvass, all unless overridden).
    /// Errors name the node that failed.
    pub fn launch(settings: ClusterSettings) -> anyhow::Result<Self> {
        if settings.dir.exists() {
            std::fs::remove_dir_all(&settings.dir)
                .with_context(|| format!("removing stale {}", settings.dir.display()))?;
        }
        std::fs::create_dir_all(&settings.dir)
            .with_context(|| format!("creating {}", settings.dir.display()))?;
        let mut cluster = Self { nodes: Vec::new(), dropped: Vec::new(), settings };
        for node_id in 0..cluster.settings.nodes {
            let config = cluster.node_config(node_id)?;
            let mut consensus = node_support::consensus_config(&config).map_err(anyhow::Error::msg)?;
            consensus.seed = sys::entropy_seed();
            let service = BenchEchoService::new();
            cluster.dropped.push(service.dropped());
            let mut ctx =
                ClusterNodeContext::new(node_support::node_dir(&config), consensus, vec![Box::new(service)]);
            ctx.driver_threading_mode = node_support::driver_threading_mode(config.threading_mode);
            ctx.archive_segment_length = ctx
                .archive_segment_length
                .max(i32::try_from(cluster.settings.term_length).unwrap_or(i32::MAX));
            let node = ClusterNode::launch(ctx).with_context(|| format!("starting node {node_id}"))?;
            cluster.nodes.push(node);
        }
        Ok(cluster)
    }

    fn node_config(&self, node_id: i32) -> anyhow::Result<NodeConfig> {
        let hosts = vec![HOST; self.settings.nodes as usize];
        let scheme = self.scheme();
        let mut sources = scheme.tutorial_sources(node_id, &hosts, &self.settings.dir)?;
        let term = self.settings.term_length;
        let log_control = scheme.endpoint(node_id, HOST, node::port_scheme::LOG_CONTROL_PORT_OFFSET)?;
        let mut assignments = vec![
            "aeron.threading.mode=SHARED".to_owned(),
            "aeron.cluster.leader.heartbeat.timeout=5s".to_owned(),
            "aeron.cluster.startup.canvass.timeout=10s".to_owned(),
            "aeron.cluster.election.timeout=500ms".to_owned(),
            format!("aeron.cluster.ingress.channel=aeron:udp?term-length={term}"),
            format!(
                "aeron.cluster.log.channel=aeron:udp?term-length={term}|control-mode=manual|control={log_control}"
            ),
        ];
        assignments.extend(self.settings.overrides.iter().cloned());
        for assignment in &assignments {
            sources.add_override(assignment).with_context(|| format!("setting {assignment}"))?;
        }
        Ok(NodeConfig::from_sources(&sources)?)
    }

    fn scheme(&self) -> PortScheme {
        PortScheme { base_port: self.settings.base_port, ports_per_node: PORTS_PER_NODE }
    }

    /// The client's ingress endpoints: `0=127.0.0.1:port,1=...`.
    pub fn ingress_endpoints(&self) -> anyhow::Result<String> {
        let scheme = self.scheme();
        let endpoints = (0..self.settings.nodes)
            .map(|id| scheme.endpoint(id, HOST, INGRESS_PORT_OFFSET).map(|e| format!("{id}={e}")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(endpoints.join(","))
    }

    /// The client's egress endpoint: the first port after the nodes' ranges.
    pub fn egress_endpoint(&self) -> String {
        format!("{HOST}:{}", self.settings.base_port + self.settings.nodes as u16 * PORTS_PER_NODE)
    }

    /// The directory the client's driver should use.
    pub fn client_dir(&self) -> PathBuf {
        self.settings.dir.join("client")
    }

    /// Errors if any node's agent failed or stopped.
    pub fn check_running(&self) -> anyhow::Result<()> {
        for (id, node) in self.nodes.iter().enumerate() {
            if let Some(failure) = node.failure() {
                bail!("node {id} failed: {failure}");
            }
            if !node.is_running() {
                bail!("node {id} stopped");
            }
        }
        Ok(())
    }

    /// Waits (bounded by `timeout`) until exactly one node says it leads; returns its id.
    pub fn await_leader(&self, timeout: Duration) -> anyhow::Result<i32> {
        let deadline = Instant::now() + timeout;
        loop {
            self.check_running()?;
            let roles: Vec<Option<i64>> = self
                .nodes
                .iter()
                .map(|n| n.counter(protocol::cluster::defaults::CLUSTER_NODE_ROLE_TYPE_ID))
                .collect();
            let leaders: Vec<usize> = (0..roles.len()).filter(|&i| roles[i] == Some(2)).collect();
            if let [leader] = leaders[..] {
                return Ok(leader as i32);
            }
            if Instant::now() >= deadline {
                bail!("no leader within {timeout:?} (role counters {roles:?})");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Echo replies the services gave up on (back-pressured for over a second), all nodes together.
    pub fn dropped_replies(&self) -> u64 {
        self.dropped.iter().map(|d| d.load(Ordering::Relaxed)).sum()
    }

    /// Stops every node (services first); returns the failures they reported.
    pub fn close(&mut self) -> Vec<String> {
        let failures = self
            .nodes
            .iter_mut()
            .enumerate()
            .filter_map(|(id, node)| node.close().map(|f| format!("node {id}: {f}")))
            .collect();
        self.nodes.clear();
        failures
    }
}

impl Drop for InProcessCluster {
    fn drop(&mut self) {
        self.close();
        let _ = std::fs::remove_dir_all(&self.settings.dir);
    }
}
