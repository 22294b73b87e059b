//! Whole clusters in one process, single-threaded on a `ManualClock` over the simulated network: per
//! node a driver (invoker mode), an archive conductor over memory storage and a consensus module, plus
//! optional clustered services, all stepped together. Blocking client calls step the drivers (and, for
//! archive calls, the archives). A node can be killed (stops being stepped, isolated on the network) and
//! restarted from its archive and cluster storage (a crash with durable files).

#![allow(dead_code, clippy::disallowed_methods)]

use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use agrona::{Agent, HeapMemoryStore, ManualClock, NanoClock, Prng};
use archive::{ArchiveConductor, ArchiveContext, MemoryArchiveStorage};
use archive_client::{AeronArchive, ArchiveClientContext};
use client::{Aeron, Context};
use driver::{DriverContext, MediaDriver, ThreadingMode};
use fulmar_cluster::{ClusterMember, ConsensusModuleAgent, ConsensusModuleConfig, Role};
use service::{ClusteredService, ClusteredServiceAgent, ServiceContext};
use sim::{LinkConfig, SimNetwork};

/// The simulated host the test clients run on (with its own driver).
pub const CLIENT_HOST: &str = "10.0.0.100";
pub const START_NS: i64 = 1_000_000_000_000;
pub const STEP_NS: i64 = 1_000_000;
/// Archive response stream of a node's consensus module; service `k` uses this + 1 + k (as the node).
const CM_ARCHIVE_RESPONSE_STREAM_ID: i32 = archive_client::CONTROL_RESPONSE_STREAM_ID_DEFAULT;

pub type SharedAgent = Arc<Mutex<Box<dyn Agent>>>;
pub type SharedCm = Arc<Mutex<ConsensusModuleAgent<MemoryArchiveStorage>>>;
type ServiceFactory = Box<dyn Fn(usize, usize) -> Box<dyn ClusteredService + Send>>;
type Configure = Box<dyn Fn(&mut ConsensusModuleConfig)>;

pub struct Node {
    pub ip: IpAddr,
    pub store: HeapMemoryStore,
    pub driver: SharedAgent,
    pub archive: SharedAgent,
    pub cm: SharedCm,
    pub extra: Vec<SharedAgent>,
    pub alive: bool,
    pub archive_storage: MemoryArchiveStorage,
    pub cluster_storage: MemoryArchiveStorage,
}

pub struct SimClusterHarness {
    pub client_store: HeapMemoryStore,
    pub client_driver: SharedAgent,
    pub clock: ManualClock,
    pub net: SimNetwork,
    pub nodes: Vec<Node>,
    pub members: String,
    drivers: Arc<Mutex<Vec<SharedAgent>>>,
    archives: Arc<Mutex<Vec<SharedAgent>>>,
    prng: Prng,
    seed: u64,
    service_count: usize,
    make_service: ServiceFactory,
    configure: Configure,
    starts: u64,
}

/// What a dead process's agents are replaced with.
struct Gone;

impl Agent for Gone {
    fn role_name(&self) -> &str {
        "gone"
    }

    fn do_work(&mut self, _now_ns: i64) -> Result<usize, agrona::AgentTermination> {
        Ok(0)
    }
}

fn ip(index: usize) -> String {
    format!("10.0.0.{}", index + 1)
}

/// Aeron's members string for `count` members on the simulated hosts.
pub fn members_string(count: usize) -> String {
    (0..count)
        .map(|i| {
            let host = ip(i);
            format!("{i},{host}:9002,{host}:9003,{host}:9004,{host}:9005,{host}:9001")
        })
        .collect::<Vec<_>>()
        .join("|")
}

fn step_all(agents: &Mutex<Vec<SharedAgent>>, clock: &ManualClock) -> usize {
    let now_ns = clock.nano_time();
    let agents: Vec<SharedAgent> = agents.lock().unwrap().clone();
    agents.iter().map(|a| a.try_lock().map(|mut a| a.do_work(now_ns).unwrap_or(0)).unwrap_or(0)).sum()
}

impl SimClusterHarness {
    /// `count` nodes without services.
    pub fn new(
        count: usize,
        seed: u64,
        link: LinkConfig,
        configure: impl Fn(&mut ConsensusModuleConfig) + 'static,
    ) -> Self {
        Self::with_services(count, 0, seed, link, configure, |_, _| unreachable!("no services"))
    }

    /// `count` nodes with `service_count` services per node made by `make_service(node, service_id)`.
    pub fn with_services(
        count: usize,
        service_count: usize,
        seed: u64,
        link: LinkConfig,
        configure: impl Fn(&mut ConsensusModuleConfig) + 'static,
        make_service: impl Fn(usize, usize) -> Box<dyn ClusteredService + Send> + 'static,
    ) -> Self {
        let clock = ManualClock::new(START_NS);
        let mut prng = Prng::from_seed(seed);
        let net = SimNetwork::new(clock.clone(), prng.fork());
        net.set_default_link(link);
        let drivers = Arc::new(Mutex::new(Vec::new()));
        let archives = Arc::new(Mutex::new(Vec::new()));
        let client_store = HeapMemoryStore::new();
        let client_ctx = DriverContext::test_min()
            .with_memory_store(Arc::new(client_store.clone()))
            .with_epoch_clock(Arc::new(clock.clone()))
            .with_transport_factory(Arc::new(net.for_host(CLIENT_HOST.parse::<IpAddr>().unwrap())))
            .with_session_id_seed(seed.wrapping_add(99_991))
            .with_network_seed(prng.next_u64());
        let mut client_agents =
            MediaDriver::launch(client_ctx).expect("client driver").into_agents(ThreadingMode::Invoker);
        let client_driver: SharedAgent = Arc::new(Mutex::new(client_agents.pop().unwrap()));
        drivers.lock().unwrap().push(Arc::clone(&client_driver));
        let mut harness = Self {
            client_store,
            client_driver,
            clock,
            net,
            nodes: Vec::new(),
            members: members_string(count),
            drivers,
            archives,
            prng,
            seed,
            service_count,
            make_service: Box::new(make_service),
            configure: Box::new(configure),
            starts: 0,
        };
        for index in 0..count {
            let node = harness.start_node(index, MemoryArchiveStorage::new(), MemoryArchiveStorage::new());
            harness.nodes.push(node);
        }
        harness
    }

    fn start_node(
        &mut self,
        index: usize,
        archive_storage: MemoryArchiveStorage,
        cluster_storage: MemoryArchiveStorage,
    ) -> Node {
        self.starts += 1;
        let host = ip(index);
        let ip: IpAddr = host.parse().unwrap();
        let store = HeapMemoryStore::new();
        let ctx = DriverContext::test_min()
            .with_memory_store(Arc::new(store.clone()))
            .with_epoch_clock(Arc::new(self.clock.clone()))
            .with_transport_factory(Arc::new(self.net.for_host(ip)))
            .with_session_id_seed(self.seed.wrapping_add(index as u64 * 7919 + self.starts * 104_729))
            .with_network_seed(self.prng.next_u64());
        let driver = MediaDriver::launch(ctx).expect("driver starts");
        let mut agents = driver.into_agents(ThreadingMode::Invoker);
        let driver: SharedAgent = Arc::new(Mutex::new(agents.pop().unwrap()));
        self.drivers.lock().unwrap().push(Arc::clone(&driver));

        let archive_aeron = self.client(&store, false);
        let mut archive_ctx =
            ArchiveContext::new(archive_storage.clone(), archive_aeron, Arc::new(self.clock.clone()));
        archive_ctx.segment_file_length = 256 * 1024;
        archive_ctx.archive_id = index as i64;
        archive_ctx.udp_control_channel = Some(format!("aeron:udp?endpoint={host}:9001"));
        archive_ctx.replication_response_channel = format!("aeron:udp?endpoint={host}:9007");
        let archive: SharedAgent = Arc::new(Mutex::new(Box::new(
            ArchiveConductor::new(archive_ctx, self.clock.nano_time()).expect("archive"),
        )));
        self.archives.lock().unwrap().push(Arc::clone(&archive));

        let cm_aeron = self.client(&store, false);
        let archive_client = self.archive_client(&cm_aeron, CM_ARCHIVE_RESPONSE_STREAM_ID);
        let mut config = ConsensusModuleConfig::test_min(
            0,
            index as i32,
            ClusterMember::parse(&self.members).expect("members"),
        );
        config.service_count = self.service_count;
        config.seed = self.seed.wrapping_add(index as u64 + self.starts * 31);
        config.replication_channel = format!("aeron:udp?endpoint={host}:9006");
        (self.configure)(&mut config);
        let control_channel = config.control_channel.clone();
        let cm = ConsensusModuleAgent::new(
            config,
            cm_aeron,
            archive_client,
            cluster_storage.clone(),
            Arc::new(self.clock.clone()),
            self.clock.nano_time(),
        )
        .expect("consensus module");
        let mut extra: Vec<SharedAgent> = Vec::new();
        for service_id in 0..self.service_count {
            let service_aeron = self.client(&store, false);
            let service_archive =
                self.archive_client(&service_aeron, CM_ARCHIVE_RESPONSE_STREAM_ID + 1 + service_id as i32);
            let mut ctx = ServiceContext::new(service_aeron, service_id as i32, 0);
            ctx.archive = Some(service_archive);
            ctx.control_channel = control_channel.clone();
            ctx.invoke_aeron_conductor = true;
            let service = (self.make_service)(index, service_id);
            extra.push(Arc::new(Mutex::new(Box::new(ClusteredServiceAgent::new(ctx, service)))));
        }
        Node {
            ip,
            store,
            driver,
            archive,
            cm: Arc::new(Mutex::new(cm)),
            extra,
            alive: true,
            archive_storage,
            cluster_storage,
        }
    }

    /// A client of the driver of the node with this store; blocking calls step drivers (and archives).
    pub fn client(&self, store: &HeapMemoryStore, step_archives: bool) -> Aeron {
        let drivers = Arc::clone(&self.drivers);
        let archives = Arc::clone(&self.archives);
        let clock = self.clock.clone();
        let ctx =
            Context::new(Arc::new(store.clone()), Arc::new(self.clock.clone()), Arc::new(self.clock.clone()))
                .driver_timeout_ns(10_000_000_000)
                .resource_linger_ns(10_000_000)
                .driver_agent_invoker(Box::new(move |_| {
                    clock.advance_ns(STEP_NS / 10);
                    let mut work = step_all(&drivers, &clock);
                    if step_archives {
                        work += step_all(&archives, &clock);
                    }
                    work
                }));
        Aeron::connect(ctx).expect("client connects")
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
                step_all(&drivers, &clock)
                    + step_all(&archives, &clock)
                    + invoker_aeron.conductor_do_work(now_ns)
            }));
        AeronArchive::connect(aeron, ctx).expect("archive client connects")
    }

    pub fn now_ns(&self) -> i64 {
        self.clock.nano_time()
    }

    /// One step: the clock moves, then every live node's driver, archive, consensus module and services run.
    pub fn step(&self) {
        self.clock.advance_ns(STEP_NS);
        let now_ns = self.clock.nano_time();
        let _ = self.client_driver.lock().unwrap().do_work(now_ns);
        for node in self.nodes.iter().filter(|n| n.alive) {
            let _ = node.driver.lock().unwrap().do_work(now_ns);
            let _ = node.archive.lock().unwrap().do_work(now_ns);
            {
                let mut cm = node.cm.lock().unwrap();
                if let Err(error) = cm.do_work(now_ns) {
                    assert!(cm.is_terminated(), "consensus module failed: {error:?}");
                }
            }
            for agent in &node.extra {
                match agent.lock().unwrap().do_work(now_ns) {
                    Ok(_) | Err(agrona::AgentTermination::Done) => {}
                    Err(error) => panic!("an agent of node {} stopped: {error}", node.ip),
                }
            }
        }
    }

    pub fn step_until(&self, max_steps: usize, what: &str, mut done: impl FnMut(&Self) -> bool) {
        for i in 0..max_steps {
            if done(self) {
                return;
            }
            if std::env::var_os("FULMAR_TRACE").is_some() && i % 500 == 0 {
                eprintln!(
                    "[{what} step {i} at {} ms]{}",
                    (self.now_ns() - START_NS) / 1_000_000,
                    self.describe()
                );
            }
            self.step();
        }
        assert!(done(self), "{what}: not reached within {max_steps} steps; {}", self.describe());
    }

    pub fn describe(&self) -> String {
        self.nodes
            .iter()
            .enumerate()
            .map(|(i, n)| format!("\n  node {i} alive={} {:?}", n.alive, n.cm.lock().unwrap()))
            .collect()
    }

    /// The live leader, if exactly one live node is leader and not electing.
    pub fn leader(&self) -> Option<usize> {
        let leaders: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| {
                let node = &self.nodes[i];
                let cm = node.cm.lock().unwrap();
                node.alive && cm.role() == Role::Leader && !cm.is_electing()
            })
            .collect();
        (leaders.len() == 1).then(|| leaders[0])
    }

    pub fn followers_ready(&self) -> bool {
        self.nodes.iter().filter(|n| n.alive).all(|n| !n.cm.lock().unwrap().is_electing())
    }

    /// The ingress endpoints of the members (`id=host:port,...`).
    pub fn ingress_endpoints(&self) -> String {
        (0..self.nodes.len()).map(|i| format!("{i}={}:9002", ip(i))).collect::<Vec<_>>().join(",")
    }

    /// An Aeron client on the client host; blocking calls step the drivers.
    pub fn client_aeron(&self) -> Aeron {
        self.client(&self.client_store.clone(), false)
    }

    /// Stops stepping node `index` and cuts it off the network (a crash from the others' point of view).
    pub fn kill(&mut self, index: usize) {
        self.nodes[index].alive = false;
        self.net.isolate(self.nodes[index].ip);
        let driver = Arc::clone(&self.nodes[index].driver);
        let archive = Arc::clone(&self.nodes[index].archive);
        self.drivers.lock().unwrap().retain(|d| !Arc::ptr_eq(d, &driver));
        self.archives.lock().unwrap().retain(|a| !Arc::ptr_eq(a, &archive));
    }

    /// Restarts killed node `index` from its archive and cluster storage, with a fresh driver.
    pub fn restart(&mut self, index: usize) {
        assert!(!self.nodes[index].alive, "node {index} is running");
        let archive_storage = self.nodes[index].archive_storage.clone();
        let cluster_storage = self.nodes[index].cluster_storage.clone();
        self.restart_with(index, archive_storage, cluster_storage);
    }

    /// Restarts killed node `index` with empty archive and cluster storage (a replaced machine).
    pub fn restart_wiped(&mut self, index: usize) {
        assert!(!self.nodes[index].alive, "node {index} is running");
        self.restart_with(index, MemoryArchiveStorage::new(), MemoryArchiveStorage::new());
    }

    fn restart_with(
        &mut self,
        index: usize,
        archive_storage: MemoryArchiveStorage,
        cluster_storage: MemoryArchiveStorage,
    ) {
        // The old process is gone: its driver (and with it every socket) and archive are dropped.
        *self.nodes[index].driver.lock().unwrap() = Box::new(Gone);
        *self.nodes[index].archive.lock().unwrap() = Box::new(Gone);
        for agent in &self.nodes[index].extra {
            *agent.lock().unwrap() = Box::new(Gone);
        }
        self.net.heal();
        let node = self.start_node(index, archive_storage, cluster_storage);
        self.nodes[index] = node;
    }
}
