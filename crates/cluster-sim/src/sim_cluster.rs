//! [`SimCluster`]: 3 or 5 Aeron Cluster nodes and a client host on one simulated network, single
//! threaded on one `ManualClock`.
//!
//! Per node: a media driver in invoker mode over [`sim::SimNetwork`], an archive conductor over
//! `MemoryArchiveStorage`, a [`ConsensusModuleAgent`] and one [`ClusteredServiceAgent`] running a
//! [`TestService`]. The client host (`10.0.0.100`) runs its own driver. Blocking calls made inside an
//! agent (archive requests of the consensus module, client connects) step the drivers and archives
//! through agent invokers, moving the clock a tenth of a step each time.
//!
//! Invariants:
//! - the same seed and the same calls give the same run: every random draw comes from the seed, time
//!   only from the shared clock, and agents are stepped in a fixed order;
//! - a killed node is never stepped again and stays isolated from the network, also across
//!   [`SimCluster::heal_network`];
//! - the trace hash folds every datagram event of the network in the order the network processes them.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use agrona::{Agent, HeapMemoryStore, ManualClock, NanoClock, Prng};
use archive::{ArchiveConductor, ArchiveContext, MemoryArchiveStorage};
use archive_client::{AeronArchive, ArchiveClientContext};
use client::{Aeron, Context};
use cluster::{
    ClusterEventLog, ClusterMember, ConsensusModuleAgent, ConsensusModuleConfig, InjectedFault, Role,
};
use driver::{DriverContext, MediaDriver, ThreadingMode};
use service::{ClusteredServiceAgent, ServiceContext};
use sim::{DatagramFate, LinkConfig, SimNetwork, TraceEntry};

use crate::fnv::{fold_bytes, fold_i64, fold_u64};
use crate::service_record::ServiceRecord;
use crate::test_service::TestService;

/// The simulated host the clients run on.
pub const CLIENT_HOST: &str = "10.0.0.100";
/// Simulated time at the start of every run.
pub const START_NS: i64 = 1_000_000_000_000;
/// Simulated time one [`SimCluster::step`] advances.
pub const STEP_NS: i64 = 1_000_000;
/// Archive response stream of a node's consensus module; service `k` uses this + 1 + k (as the node).
const CM_ARCHIVE_RESPONSE_STREAM_ID: i32 = archive_client::CONTROL_RESPONSE_STREAM_ID_DEFAULT;

type SharedAgent = Arc<Mutex<Box<dyn Agent>>>;

/// Why a node's agent stopped (the node is then treated as crashed and reported).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentFailure {
    /// The node.
    pub node: usize,
    /// Which agent and its error.
    pub detail: String,
}

/// Why [`SimCluster::restart`] could not restart a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestartError {
    /// The cluster cannot recover a node from its storage yet (no snapshots, no log catch-up).
    Unsupported,
    /// The node is running.
    NotKilled,
}

/// One cluster member.
pub struct SimNode {
    /// The node's IP address on the simulated network.
    pub ip: IpAddr,
    driver: SharedAgent,
    archive: SharedAgent,
    cm: Arc<Mutex<ConsensusModuleAgent<MemoryArchiveStorage>>>,
    service: Arc<Mutex<ClusteredServiceAgent>>,
    record: Arc<Mutex<ServiceRecord>>,
    alive: bool,
}

/// What the invariants may observe of one node (consensus module observers and the service record).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeView {
    /// False once killed.
    pub alive: bool,
    /// Consensus module role.
    pub role: Role,
    /// Current leadership term.
    pub leadership_term_id: i64,
    /// Commit position.
    pub commit_position: i64,
    /// Local append position.
    pub append_position: i64,
    /// An election is running.
    pub electing: bool,
    /// Elections this module started.
    pub elections: u64,
}

/// The simulated cluster. Build with [`SimCluster::new`], drive with [`SimCluster::step`], observe
/// with [`SimCluster::view`] and [`SimCluster::record`], inject node faults with [`SimCluster::kill`].
pub struct SimCluster {
    /// The shared clock.
    pub clock: ManualClock,
    /// The simulated network (fault controls).
    pub net: SimNetwork,
    nodes: Vec<SimNode>,
    client_driver: SharedAgent,
    client_store: HeapMemoryStore,
    drivers: Arc<Mutex<Vec<SharedAgent>>>,
    archives: Arc<Mutex<Vec<SharedAgent>>>,
    trace_hash: Arc<AtomicU64>,
    event_log: ClusterEventLog,
}

fn node_ip(index: usize) -> IpAddr {
    IpAddr::from([10, 0, 0, index as u8 + 1])
}

/// Aeron's members string for `count` members on the simulated hosts.
pub fn members_string(count: usize) -> String {
    (0..count)
        .map(|i| {
            let host = node_ip(i);
            format!("{i},{host}:9002,{host}:9003,{host}:9004,{host}:9005,{host}:9001")
        })
        .collect::<Vec<_>>()
        .join("|")
}

fn lock<T: ?Sized>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn step_all(agents: &Mutex<Vec<SharedAgent>>, now_ns: i64) -> usize {
    let agents: Vec<SharedAgent> = lock(agents).clone();
    agents.iter().map(|a| a.try_lock().map(|mut a| a.do_work(now_ns).unwrap_or(0)).unwrap_or(0)).sum()
}

fn fate_code(fate: &DatagramFate) -> (u64, i64) {
    match *fate {
        DatagramFate::Scheduled { deliver_at_ns } => (1, deliver_at_ns),
        DatagramFate::Duplicated { deliver_at_ns } => (2, deliver_at_ns),
        DatagramFate::WouldBlock => (3, 0),
        DatagramFate::Lost => (4, 0),
        DatagramFate::Partitioned => (5, 0),
        DatagramFate::Unreachable => (6, 0),
        DatagramFate::Held { until_ns } => (7, until_ns),
        DatagramFate::Queued => (8, 0),
        DatagramFate::QueueFull => (9, 0),
        DatagramFate::Filtered => (10, 0),
        DatagramFate::Received => (11, 0),
        DatagramFate::Truncated => (12, 0),
        DatagramFate::Closed => (13, 0),
    }
}

fn fold_trace_entry(hash: u64, entry: &TraceEntry) -> u64 {
    let (code, at) = fate_code(&entry.fate);
    let mut h = fold_i64(hash, entry.time_ns);
    h = fold_u64(h, entry.datagram_id);
    h = fold_bytes(h, entry.source.to_string().as_bytes());
    h = fold_bytes(h, entry.destination.to_string().as_bytes());
    h = fold_u64(h, entry.length as u64);
    fold_i64(fold_u64(h, code), at)
}

impl SimCluster {
    /// `node_count` nodes with a [`TestService`] each; links default to `latency_ns` without faults;
    /// every consensus module writes its debug events to `event_log` (usually disabled).
    /// Panics if a component cannot start (a bug in the setup, not a simulated fault).
    pub fn new(
        node_count: usize,
        seed: u64,
        latency_ns: i64,
        injected_fault: InjectedFault,
        event_log: ClusterEventLog,
    ) -> Self {
        let clock = ManualClock::new(START_NS);
        let mut prng = Prng::from_seed(seed);
        let net = SimNetwork::new(clock.clone(), prng.fork());
        net.set_default_link(LinkConfig::with_latency_ns(latency_ns));
        let trace_hash = Arc::new(AtomicU64::new(crate::fnv::FNV_OFFSET));
        let hook_hash = Arc::clone(&trace_hash);
        net.set_trace_hook(Some(Box::new(move |entry: &TraceEntry| {
            let h = fold_trace_entry(hook_hash.load(Ordering::Relaxed), entry);
            hook_hash.store(h, Ordering::Relaxed);
        })));
        let members = members_string(node_count);
        let drivers: Arc<Mutex<Vec<SharedAgent>>> = Arc::new(Mutex::new(Vec::new()));
        let archives: Arc<Mutex<Vec<SharedAgent>>> = Arc::new(Mutex::new(Vec::new()));
        let client_store = HeapMemoryStore::new();
        let client_ip: IpAddr = CLIENT_HOST.parse().expect("client host");
        let client_ctx = DriverContext::test_min()
            .with_memory_store(Arc::new(client_store.clone()))
            .with_epoch_clock(Arc::new(clock.clone()))
            .with_transport_factory(Arc::new(net.for_host(client_ip)))
            .with_session_id_seed(seed.wrapping_add(99_991))
            .with_network_seed(prng.next_u64());
        let mut client_agents =
            MediaDriver::launch(client_ctx).expect("client driver").into_agents(ThreadingMode::Invoker);
        let client_driver: SharedAgent = Arc::new(Mutex::new(client_agents.pop().expect("driver agent")));
        lock(&drivers).push(Arc::clone(&client_driver));
        let mut cluster = Self {
            clock,
            net,
            nodes: Vec::new(),
            client_driver,
            client_store,
            drivers,
            archives,
            trace_hash,
            event_log,
        };
        for index in 0..node_count {
            let node = cluster.launch_node(index, seed, &members, injected_fault, &mut prng);
            cluster.nodes.push(node);
        }
        cluster
    }

    fn launch_node(
        &self,
        index: usize,
        seed: u64,
        members: &str,
        injected_fault: InjectedFault,
        prng: &mut Prng,
    ) -> SimNode {
        let ip = node_ip(index);
        let store = HeapMemoryStore::new();
        let ctx = DriverContext::test_min()
            .with_memory_store(Arc::new(store.clone()))
            .with_epoch_clock(Arc::new(self.clock.clone()))
            .with_transport_factory(Arc::new(self.net.for_host(ip)))
            .with_session_id_seed(seed.wrapping_add(index as u64 * 7919))
            .with_network_seed(prng.next_u64());
        let mut agents = MediaDriver::launch(ctx).expect("driver starts").into_agents(ThreadingMode::Invoker);
        let driver: SharedAgent = Arc::new(Mutex::new(agents.pop().expect("driver agent")));
        lock(&self.drivers).push(Arc::clone(&driver));

        let archive_aeron = self.aeron(&store, false);
        let mut archive_ctx =
            ArchiveContext::new(MemoryArchiveStorage::new(), archive_aeron, Arc::new(self.clock.clone()));
        archive_ctx.segment_file_length = 256 * 1024;
        archive_ctx.archive_id = index as i64;
        // Remote archive control (log replication from the leader's archive) and the replication
        // response channel, on this host's ports (members string: archive endpoint :9001).
        archive_ctx.udp_control_channel = Some(format!("aeron:udp?endpoint={ip}:9001"));
        archive_ctx.replication_response_channel = format!("aeron:udp?endpoint={ip}:9007");
        let archive: SharedAgent = Arc::new(Mutex::new(Box::new(
            ArchiveConductor::new(archive_ctx, self.clock.nano_time()).expect("archive"),
        )));
        lock(&self.archives).push(Arc::clone(&archive));

        let cm_aeron = self.aeron(&store, false);
        let archive_client = self.archive_client(&cm_aeron, CM_ARCHIVE_RESPONSE_STREAM_ID);
        let mut config =
            ConsensusModuleConfig::test_min(0, index as i32, ClusterMember::parse(members).expect("members"));
        config.service_count = 1;
        config.seed = seed.wrapping_add(index as u64);
        config.injected_fault = injected_fault;
        config.event_log = self.event_log.clone();
        config.replication_channel = format!("aeron:udp?endpoint={ip}:9006");
        let control_channel = config.control_channel.clone();
        let cm = ConsensusModuleAgent::new(
            config,
            cm_aeron,
            archive_client,
            MemoryArchiveStorage::new(),
            Arc::new(self.clock.clone()),
            self.clock.nano_time(),
        )
        .expect("consensus module");
        let service_aeron = self.aeron(&store, false);
        let service_archive = self.archive_client(&service_aeron, CM_ARCHIVE_RESPONSE_STREAM_ID + 1);
        let mut service_ctx = ServiceContext::new(service_aeron, 0, 0);
        service_ctx.archive = Some(service_archive);
        service_ctx.control_channel = control_channel;
        service_ctx.invoke_aeron_conductor = true;
        let service = TestService::new(index);
        let record = service.record();
        let service = Arc::new(Mutex::new(ClusteredServiceAgent::new(service_ctx, Box::new(service))));
        SimNode { ip, driver, archive, cm: Arc::new(Mutex::new(cm)), service, record, alive: true }
    }

    /// An Aeron client of the driver with this store; its blocking calls step the drivers (and the
    /// archives when `step_archives`).
    fn aeron(&self, store: &HeapMemoryStore, step_archives: bool) -> Aeron {
        let drivers = Arc::clone(&self.drivers);
        let archives = Arc::clone(&self.archives);
        let clock = self.clock.clone();
        let ctx =
            Context::new(Arc::new(store.clone()), Arc::new(self.clock.clone()), Arc::new(self.clock.clone()))
                .driver_timeout_ns(10_000_000_000)
                .resource_linger_ns(10_000_000)
                .driver_agent_invoker(Box::new(move |_| {
                    clock.advance_ns(STEP_NS / 10);
                    let now_ns = clock.nano_time();
                    let mut work = step_all(&drivers, now_ns);
                    if step_archives {
                        work += step_all(&archives, now_ns);
                    }
                    work
                }));
        Aeron::connect(ctx).expect("client connects to its driver")
    }

    /// An archive client stepping the simulation while it waits. Every client of one driver needs its
    /// own response stream: clients sharing one see each other's responses, and one that is not polled
    /// holds the others' responses back (flow control follows the slowest subscriber).
    fn archive_client(&self, aeron: &Aeron, response_stream_id: i32) -> AeronArchive {
        let drivers = Arc::clone(&self.drivers);
        let archives = Arc::clone(&self.archives);
        let clock = self.clock.clone();
        let invoker_aeron = aeron.clone();
        let ctx = ArchiveClientContext::new(Arc::new(self.clock.clone()))
            .message_timeout_ns(5_000_000_000)
            .control_response(archive_client::CONTROL_RESPONSE_CHANNEL_DEFAULT, response_stream_id)
            .agent_invoker(Box::new(move |_| {
                clock.advance_ns(STEP_NS / 10);
                let now_ns = clock.nano_time();
                step_all(&drivers, now_ns)
                    + step_all(&archives, now_ns)
                    + invoker_aeron.conductor_do_work(now_ns)
            }));
        AeronArchive::connect(aeron, ctx).expect("archive client connects")
    }

    /// An Aeron client on the client host (for cluster clients).
    pub fn client_aeron(&self) -> Aeron {
        self.aeron(&self.client_store.clone(), false)
    }

    /// The ingress endpoints of the members (`id=host:port,...`).
    pub fn ingress_endpoints(&self) -> String {
        (0..self.nodes.len()).map(|i| format!("{i}={}:9002", node_ip(i))).collect::<Vec<_>>().join(",")
    }

    /// Number of members.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The IP address of node `index`.
    pub fn node_ip(&self, index: usize) -> IpAddr {
        self.nodes[index].ip
    }

    /// Simulated time now.
    pub fn now_ns(&self) -> i64 {
        self.clock.nano_time()
    }

    /// The hash of every datagram event so far.
    pub fn network_trace_hash(&self) -> u64 {
        self.trace_hash.load(Ordering::Relaxed)
    }

    /// One step: the clock moves [`STEP_NS`], then the client driver and every live node's driver,
    /// archive, consensus module and service run once, in node order. An agent error kills that node
    /// (it stops being stepped and is isolated) and is returned.
    pub fn step(&mut self) -> Result<(), AgentFailure> {
        self.clock.advance_ns(STEP_NS);
        let now_ns = self.clock.nano_time();
        let _ = lock(&self.client_driver).do_work(now_ns);
        let mut failure = None;
        for (index, node) in self.nodes.iter().enumerate().filter(|(_, n)| n.alive) {
            let _ = lock(&node.driver).do_work(now_ns);
            let _ = lock(&node.archive).do_work(now_ns);
            let now_ns = self.clock.nano_time();
            if let Err(error) = lock(&node.cm).do_work(now_ns) {
                failure = Some(AgentFailure { node: index, detail: format!("consensus module: {error}") });
                break;
            }
            let now_ns = self.clock.nano_time();
            if let Err(error) = lock(&node.service).do_work(now_ns) {
                failure = Some(AgentFailure { node: index, detail: format!("service: {error}") });
                break;
            }
        }
        match failure {
            None => Ok(()),
            Some(failure) => {
                self.kill(failure.node);
                Err(failure)
            }
        }
    }

    /// True while node `index` runs.
    pub fn is_alive(&self, index: usize) -> bool {
        self.nodes[index].alive
    }

    /// Crash-stops node `index`: it is never stepped again and is isolated from the network (its
    /// in-memory state stays observable).
    pub fn kill(&mut self, index: usize) {
        let node = &mut self.nodes[index];
        node.alive = false;
        self.net.isolate(node.ip);
        lock(&self.drivers).retain(|d| !Arc::ptr_eq(d, &node.driver));
        lock(&self.archives).retain(|a| !Arc::ptr_eq(a, &node.archive));
    }

    /// Restarts a killed node from its storage. Not supported yet: the consensus module can neither
    /// load snapshots nor catch a member up from the leader's archive, so a restarted member could
    /// not rejoin. The fault injector is written against this call and starts restarting nodes as
    /// soon as it returns `Ok`.
    pub fn restart(&mut self, index: usize) -> Result<(), RestartError> {
        if self.nodes[index].alive {
            return Err(RestartError::NotKilled);
        }
        Err(RestartError::Unsupported)
    }

    /// Removes every partition and clog, then isolates the killed nodes again.
    pub fn heal_network(&self) {
        self.net.heal();
        for node in self.nodes.iter().filter(|n| !n.alive) {
            self.net.isolate(node.ip);
        }
    }

    /// The consensus module observers of node `index`.
    pub fn view(&self, index: usize) -> NodeView {
        let node = &self.nodes[index];
        let cm = lock(&node.cm);
        NodeView {
            alive: node.alive,
            role: cm.role(),
            leadership_term_id: cm.leadership_term_id(),
            commit_position: cm.commit_position(),
            append_position: cm.append_position(),
            electing: cm.is_electing(),
            elections: cm.election_count(),
        }
    }

    /// The log position node `index`'s service container has reached, and whether it has a log.
    pub fn service_position(&self, index: usize) -> (i64, bool) {
        let service = lock(&self.nodes[index].service);
        (service.log_position(), service.has_log())
    }

    /// The service record of node `index`.
    pub fn record(&self, index: usize) -> Arc<Mutex<ServiceRecord>> {
        Arc::clone(&self.nodes[index].record)
    }

    /// The live leader: the one live node that is leader and not electing, if exactly one is.
    pub fn leader(&self) -> Option<usize> {
        let leaders: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| {
                let view = self.view(i);
                view.alive && view.role == Role::Leader && !view.electing
            })
            .collect();
        (leaders.len() == 1).then(|| leaders[0])
    }

    /// A debugging description of every node's consensus module.
    pub fn describe(&self) -> String {
        self.nodes
            .iter()
            .enumerate()
            .map(|(i, n)| format!("\n  node {i} alive={} {:?}", n.alive, lock(&n.cm)))
            .collect()
    }
}
