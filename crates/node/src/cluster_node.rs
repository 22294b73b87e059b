//! [`ClusterNode`]: one cluster member in one process — media driver, archive, consensus module and
//! clustered services — on threads, over real UDP sockets and files (Aeron's `ClusteredMediaDriver` +
//! `ClusteredServiceContainer`).
//!
//! Directory layout under [`ClusterNodeContext::node_dir`]: `driver/` (CnC, log buffers), `archive/`
//! (catalog, segment files), `cluster/` (`recording.log`, `node-state.dat`, `cluster-mark.dat`,
//! `cluster-members.txt`).
//!
//! The mark file ([`NodeMarkFile`]) is created before any agent starts (refusing a directory a live
//! node holds), signalled ready once all agents run, kept fresh by its own light agent (a 100 ms
//! sleeping idle strategy), gets every agent failure in its error log, and is marked terminated (not
//! deleted) on close.
//!
//! Invariants: agents start in dependency order (driver, archive, consensus module, services) and stop
//! in the reverse order; every agent runs on its own thread with a backing-off idle strategy (never a
//! busy spin), so a whole three-node cluster fits on a small machine; a failed agent is reported by
//! [`ClusterNode::failure`], never hidden.

// The launcher is the OS edge of a node (like `sys` and the binaries): it creates directories and
// threads. The agents it starts stay behind their seams.
#![allow(clippy::disallowed_methods)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use agrona::{EpochClock, NanoClock};
use archive::{ArchiveConductor, ArchiveContext};
use archive_client::{AeronArchive, ArchiveClientContext};
use client::{Aeron, Context};
use cluster::{
    ClusterEventLog, ClusterEventSet, ClusterEventSink, ConsensusModuleAgent, ConsensusModuleConfig,
    WarningSink,
};

use crate::idle_strategy_kind::IdleStrategyKind;
use driver::{DriverContext, MediaDriver, ThreadingMode as DriverThreadingMode};
use service::{ClusteredService, ClusteredServiceAgent, ServiceContext};
use sys::{
    AgentRunner, BackoffIdleStrategy, DriverDirectory, FsArchiveStorage, SleepingIdleStrategy,
    SystemEpochClock, SystemNanoClock, UdpTransportFactory,
};

use crate::node_mark_file::{NodeMarkFile, NodeMarkFileInfo};

/// The archive's control request stream id in a node.
const ARCHIVE_CONTROL_STREAM_ID: i32 = 10;
/// How long the mark file agent parks between duty cycles.
const MARK_FILE_AGENT_IDLE_NS: u64 = 100_000_000;

/// Why a node could not start.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// A directory or file could not be prepared.
    #[error("{what}: {reason}")]
    Io {
        /// What was being prepared.
        what: String,
        /// The underlying error.
        reason: String,
    },
    /// A component refused to start.
    #[error("starting the {component}: {reason}")]
    Start {
        /// Which component.
        component: &'static str,
        /// Why.
        reason: String,
    },
}

fn start_error(component: &'static str) -> impl Fn(String) -> NodeError {
    move |reason| NodeError::Start { component, reason }
}

/// What to run. Build with [`ClusterNodeContext::new`] and adjust the fields.
pub struct ClusterNodeContext {
    /// This node's directory (created if missing): `driver/`, `archive/`, `cluster/` live inside.
    pub node_dir: PathBuf,
    /// The consensus module settings (member id, members, channels, timeouts; the snapshot and admin
    /// settings of the `fulmar.cluster.*` keys via [`crate::NodeConfig::apply_snapshot_settings`]).
    pub consensus: ConsensusModuleConfig,
    /// The services, in service-id order (their count overrides `consensus.service_count`).
    pub services: Vec<Box<dyn ClusteredService + Send>>,
    /// The media driver's threading mode (`Dedicated`, `SharedNetwork` or `Shared`).
    pub driver_threading_mode: DriverThreadingMode,
    /// Archive segment file length (a multiple of the log term length).
    pub archive_segment_length: i32,
    /// Delete the node directory's driver files on close.
    pub delete_driver_dir_on_close: bool,
    /// Idle strategy of every agent thread and client (`aeron.cluster.idle.strategy`; backoff).
    pub idle_strategy: IdleStrategyKind,
}

impl std::fmt::Debug for ClusterNodeContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterNodeContext")
            .field("node_dir", &self.node_dir)
            .field("member_id", &self.consensus.member_id)
            .field("services", &self.services.len())
            .finish()
    }
}

impl ClusterNodeContext {
    /// A node in `node_dir` with `consensus` settings and `services`.
    pub fn new(
        node_dir: impl Into<PathBuf>,
        consensus: ConsensusModuleConfig,
        services: Vec<Box<dyn ClusteredService + Send>>,
    ) -> Self {
        Self {
            node_dir: node_dir.into(),
            consensus,
            services,
            driver_threading_mode: DriverThreadingMode::Shared,
            archive_segment_length: 128 * 1024 * 1024,
            delete_driver_dir_on_close: true,
            idle_strategy: IdleStrategyKind::Backoff,
        }
    }
}

/// A running node. Dropping it stops every agent.
#[derive(Debug)]
pub struct ClusterNode {
    runners: Vec<AgentRunner>,
    driver_dir: PathBuf,
    delete_driver_dir_on_close: bool,
    cm_aeron: Aeron,
    mark_file: NodeMarkFile,
}

fn directory(path: &Path) -> Result<(), NodeError> {
    std::fs::create_dir_all(path)
        .map_err(|e| NodeError::Io { what: format!("creating {}", path.display()), reason: e.to_string() })
}

/// An idle strategy of `kind` (sleeping: 1 ms).
fn idle(kind: IdleStrategyKind) -> Box<dyn agrona::IdleStrategy> {
    match kind {
        IdleStrategyKind::NoOp => Box::new(agrona::NoOpIdleStrategy),
        IdleStrategyKind::BusySpin => Box::new(agrona::BusySpinIdleStrategy),
        IdleStrategyKind::Yielding => Box::new(sys::YieldingIdleStrategy),
        IdleStrategyKind::Backoff => Box::new(BackoffIdleStrategy::default()),
        IdleStrategyKind::Sleeping => Box::new(SleepingIdleStrategy::new(1_000_000)),
    }
}

/// Prints consensus-module events to standard error (a node's `FULMAR_EVENT_LOG`, `fulmar sim
/// --event-log`).
pub struct StderrEventSink;

impl ClusterEventSink for StderrEventSink {
    fn on_event(&self, line: &str) {
        eprintln!("{line}");
    }
}

/// `FULMAR_EVENT_LOG=cluster` (or `all`, or a comma list of event names/ids, reference §9): the
/// consensus module's debug events on standard error. Unset or empty: none.
fn event_log_from_environment() -> Result<Option<ClusterEventLog>, NodeError> {
    let Ok(spec) = std::env::var("FULMAR_EVENT_LOG") else { return Ok(None) };
    let enabled = ClusterEventSet::parse(&spec)
        .map_err(|e| NodeError::Start { component: "event log", reason: format!("FULMAR_EVENT_LOG: {e}") })?;
    if enabled.is_empty() {
        return Ok(None);
    }
    Ok(Some(ClusterEventLog::new(enabled, Arc::new(StderrEventSink))))
}

fn runner(
    agent: Box<dyn agrona::Agent>,
    mark_file: &NodeMarkFile,
    idle_strategy: IdleStrategyKind,
) -> Result<AgentRunner, NodeError> {
    let name = agent.role_name().to_owned();
    AgentRunner::start(
        mark_file.recording_errors(agent),
        idle(idle_strategy),
        Arc::new(SystemNanoClock::new()),
    )
    .map_err(|e| NodeError::Start { component: "agent thread", reason: format!("{name}: {e}") })
}

fn absolute(path: &Path) -> String {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()).display().to_string()
}

impl ClusterNode {
    /// Starts the driver, the archive, the consensus module and the services, in that order, after
    /// creating the node's mark file (`cluster/cluster-mark.dat`). Fails if a live node holds the
    /// directory; a failed start is recorded in the mark file (version -1 and the error).
    pub fn launch(ctx: ClusterNodeContext) -> Result<Self, NodeError> {
        let node_dir = ctx.node_dir.clone();
        let cluster_dir = node_dir.join("cluster");
        for dir in [&node_dir, &cluster_dir] {
            directory(dir)?;
        }
        let epoch_clock: Arc<dyn EpochClock> = Arc::new(SystemEpochClock);
        let consensus = &ctx.consensus;
        let info = NodeMarkFileInfo {
            member_id: consensus.member_id,
            cluster_id: consensus.cluster_id,
            archive_stream_id: ARCHIVE_CONTROL_STREAM_ID,
            service_stream_id: consensus.service_stream_id,
            consensus_module_stream_id: consensus.consensus_module_stream_id,
            ingress_stream_id: consensus.ingress_stream_id,
            aeron_directory: absolute(&node_dir.join("driver")),
            control_channel: consensus.control_channel.clone(),
            ingress_channel: consensus.ingress_channel.clone(),
            authenticator: "default".to_owned(),
            services_cluster_dir: absolute(&cluster_dir),
        };
        let (mark_file, previous_errors) =
            NodeMarkFile::create(&cluster_dir, &info, &consensus.members, Arc::clone(&epoch_clock)).map_err(
                |reason| NodeError::Io { what: format!("mark file in {}", cluster_dir.display()), reason },
            )?;
        for error in previous_errors {
            eprintln!("node {}: previous run's error: {error}", info.member_id);
        }
        match Self::launch_agents(ctx, epoch_clock, mark_file.clone()) {
            Ok(node) => {
                mark_file.signal_ready();
                Ok(node)
            }
            Err(error) => {
                mark_file.signal_failed_start(&error.to_string());
                Err(error)
            }
        }
    }

    fn launch_agents(
        ctx: ClusterNodeContext,
        epoch_clock: Arc<dyn EpochClock>,
        mark_file: NodeMarkFile,
    ) -> Result<Self, NodeError> {
        let ClusterNodeContext {
            node_dir,
            mut consensus,
            services,
            driver_threading_mode,
            archive_segment_length,
            delete_driver_dir_on_close,
            idle_strategy,
        } = ctx;
        if let Some(event_log) = event_log_from_environment()? {
            consensus.event_log = event_log;
        }
        let runner =
            |agent: Box<dyn agrona::Agent>, mark_file: &NodeMarkFile| runner(agent, mark_file, idle_strategy);
        let driver_dir = node_dir.join("driver");
        let archive_dir = node_dir.join("archive");
        let cluster_dir = node_dir.join("cluster");
        directory(&archive_dir)?;
        let nano_clock: Arc<dyn NanoClock> = Arc::new(SystemNanoClock::new());

        let store = DriverDirectory::new(&driver_dir).create_fresh().map_err(|e| NodeError::Io {
            what: format!("driver directory {}", driver_dir.display()),
            reason: e.to_string(),
        })?;
        let driver_ctx = DriverContext::new(Arc::new(store.clone()), Arc::clone(&epoch_clock))
            .with_pid(sys::current_pid())
            .with_session_id_seed(sys::entropy_seed())
            .with_transport_factory(Arc::new(UdpTransportFactory::new()));
        let driver =
            MediaDriver::launch(driver_ctx).map_err(|e| start_error("media driver")(e.to_string()))?;
        let mut runners = vec![
            AgentRunner::start(
                Box::new(mark_file.activity_agent()),
                Box::new(SleepingIdleStrategy::new(MARK_FILE_AGENT_IDLE_NS)),
                Arc::clone(&nano_clock),
            )
            .map_err(|e| start_error("agent thread")(format!("cluster-mark-file: {e}")))?,
        ];
        for agent in driver.into_agents(driver_threading_mode) {
            runners.push(runner(agent, &mark_file)?);
        }
        let connect = |name: &str| -> Result<Aeron, NodeError> {
            let context =
                Context::new(Arc::new(store.clone()), Arc::clone(&nano_clock), Arc::clone(&epoch_clock))
                    .idle_strategy(idle(idle_strategy))
                    .client_name(name);
            Aeron::connect(context).map_err(|e| start_error("client")(format!("{name}: {e}")))
        };

        let archive_storage = FsArchiveStorage::open(&archive_dir).map_err(|e| NodeError::Io {
            what: format!("archive directory {}", archive_dir.display()),
            reason: e.to_string(),
        })?;
        let mut archive_ctx =
            ArchiveContext::new(archive_storage, connect("archive")?, Arc::clone(&epoch_clock));
        archive_ctx.segment_file_length = archive_segment_length;
        archive_ctx.archive_id = consensus.member_id as i64;
        archive_ctx.control_stream_id = ARCHIVE_CONTROL_STREAM_ID;
        let archive = ArchiveConductor::new(archive_ctx, nano_clock.nano_time())
            .map_err(|e| start_error("archive")(e.to_string()))?;
        runners.push(runner(Box::new(archive), &mark_file)?);

        let cm_aeron = connect("consensus-module")?;
        // The consensus module runs its client's conductor itself (Aeron's invoker mode), also while it
        // waits for the archive.
        let invoker_aeron = cm_aeron.clone();
        let archive_client = AeronArchive::connect(
            &cm_aeron,
            ArchiveClientContext::new(Arc::clone(&nano_clock))
                .idle_strategy(idle(idle_strategy))
                .agent_invoker(Box::new(move |_| invoker_aeron.conductor_do_work_now()))
                .client_name("consensus-module"),
        )
        .map_err(|e| start_error("archive client")(e.to_string()))?;
        let cluster_storage = FsArchiveStorage::open(&cluster_dir).map_err(|e| NodeError::Io {
            what: format!("cluster directory {}", cluster_dir.display()),
            reason: e.to_string(),
        })?;
        consensus.service_count = services.len();
        let warning_mark_file = mark_file.clone();
        let member_id = consensus.member_id;
        consensus.warning_sink = Some(WarningSink(Arc::new(move |warning: &str| {
            eprintln!("node {member_id}: {warning}");
            warning_mark_file.record_error(warning);
        })));
        let cluster_id = consensus.cluster_id;
        let control_channel = consensus.control_channel.clone();
        let (service_stream_id, cm_stream_id) =
            (consensus.service_stream_id, consensus.consensus_module_stream_id);
        let cm = ConsensusModuleAgent::new(
            consensus,
            cm_aeron.clone(),
            archive_client,
            cluster_storage,
            Arc::clone(&epoch_clock),
            nano_clock.nano_time(),
        )
        .map_err(|e| start_error("consensus module")(e.to_string()))?;
        runners.push(runner(Box::new(cm), &mark_file)?);

        for (service_id, service) in services.into_iter().enumerate() {
            let service_aeron = connect(&format!("service-{service_id}"))?;
            // The service records its snapshots into, and loads them from, the local archive; like the
            // consensus module it runs its own client's conductor while it waits for the archive.
            let invoker_aeron = service_aeron.clone();
            let service_archive = AeronArchive::connect(
                &service_aeron,
                ArchiveClientContext::new(Arc::clone(&nano_clock))
                    .idle_strategy(idle(idle_strategy))
                    .agent_invoker(Box::new(move |_| invoker_aeron.conductor_do_work_now()))
                    // Its own response stream: archive clients of one driver that share a response
                    // stream all subscribe to every session's responses, and one that is not being
                    // polled holds the others' responses back once their window fills (flow control
                    // follows the slowest subscriber); the module then waited out its timeouts.
                    .control_response(
                        archive_client::CONTROL_RESPONSE_CHANNEL_DEFAULT,
                        archive_client::CONTROL_RESPONSE_STREAM_ID_DEFAULT + 1 + service_id as i32,
                    )
                    .client_name(format!("service-{service_id}")),
            )
            .map_err(|e| start_error("archive client")(format!("service {service_id}: {e}")))?;
            let mut ctx = ServiceContext::new(service_aeron, service_id as i32, cluster_id);
            ctx.archive = Some(service_archive);
            ctx.control_channel = control_channel.clone();
            ctx.service_stream_id = service_stream_id;
            ctx.consensus_module_stream_id = cm_stream_id;
            ctx.invoke_aeron_conductor = true;
            runners.push(runner(Box::new(ClusteredServiceAgent::new(ctx, service)), &mark_file)?);
        }
        Ok(Self { runners, driver_dir, delete_driver_dir_on_close, cm_aeron, mark_file })
    }

    /// True while every agent runs.
    pub fn is_running(&self) -> bool {
        self.runners.iter().all(AgentRunner::is_running)
    }

    /// The first agent that stopped with a failure, as text.
    pub fn failure(&self) -> Option<String> {
        self.runners
            .iter()
            .filter_map(AgentRunner::join_result)
            .find(|e| e.is_failure())
            .map(|e| e.to_string())
    }

    /// The consensus module's counters as `label = value` lines (role, state, commit position, ...).
    pub fn counters(&self) -> Vec<(i32, String, i64)> {
        let reader = self.cm_aeron.counters_reader();
        let mut counters = Vec::new();
        reader.for_each(|id, type_id, _key, label| {
            if (200..=241).contains(&type_id) {
                counters.push((type_id, label.to_owned(), reader.counter_value(id)));
            }
        });
        counters
    }

    /// The value of the first cluster counter of `type_id` (e.g. 201 role, 203 commit position).
    pub fn counter(&self, type_id: i32) -> Option<i64> {
        self.counters().into_iter().find(|(t, _, _)| *t == type_id).map(|(_, _, v)| v)
    }

    /// Stops every agent (services first, driver last) and marks the mark file terminated (it stays on
    /// disk). Returns the first failure, if any. Idempotent.
    pub fn close(&mut self) -> Option<String> {
        for runner in self.runners.iter_mut().rev() {
            runner.close();
        }
        let failure = self.failure();
        if !self.runners.is_empty() {
            self.mark_file.signal_terminated();
        }
        self.runners.clear();
        if self.delete_driver_dir_on_close {
            let _ = std::fs::remove_dir_all(&self.driver_dir);
        }
        failure
    }
}

impl Drop for ClusterNode {
    fn drop(&mut self) {
        self.close();
    }
}
