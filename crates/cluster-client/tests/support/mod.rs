//! Test harness: a simulated network (`sim::SimNetwork`) with one media driver per host (members at
//! 10.0.0.1.., the client at 10.0.0.100), all in `ThreadingMode::Invoker` on one `ManualClock`, and a
//! fake cluster ([`FakeCluster`]) whose members answer the cluster client protocol over UDP. Everything is
//! stepped single-threaded by [`World::step`]; the cluster client's blocking waits call it through the
//! context's agent invoker.

#![allow(dead_code)]

mod fake_cluster;

pub use fake_cluster::{FakeCluster, FakeMember, Ingress, MemberRole, encode};

use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use agrona::{Agent, HeapMemoryStore, ManualClock, NanoClock, Prng};
use client::{Aeron, Context};
use driver::{DriverContext, MediaDriver, ThreadingMode};
use fulmar_cluster_client::{ClusterAgentInvoker, ClusterClientContext};
use sim::{LinkConfig, SimNetwork};

/// Where the clock starts (a driver heartbeat of 0 ms would read as "no driver").
pub const START_NS: i64 = 1_000_000_000_000;
/// How far the clock moves per step.
pub const STEP_NS: i64 = 1_000_000;
/// The client's host.
pub const CLIENT_HOST: &str = "10.0.0.100";
/// The client's egress channel (a concrete endpoint).
pub const EGRESS_CHANNEL: &str = "aeron:udp?endpoint=10.0.0.100:9020";

type SharedAgent = Arc<Mutex<Box<dyn Agent>>>;

/// Ingress endpoint of member `id`.
pub fn member_endpoint(id: i32) -> String {
    format!("10.0.0.{}:9010", id + 1)
}

/// The endpoint list of members `0..count`.
pub fn endpoints(count: i32) -> String {
    (0..count).map(|id| format!("{id}={}", member_endpoint(id))).collect::<Vec<_>>().join(",")
}

struct Inner {
    clock: ManualClock,
    agents: Vec<SharedAgent>,
    cluster: Mutex<FakeCluster>,
    clients: Mutex<Vec<Aeron>>,
}

impl Inner {
    fn step_drivers(agents: &[SharedAgent], clock: &ManualClock) -> usize {
        clock.advance_ns(STEP_NS);
        let now_ns = clock.nano_time();
        agents.iter().map(|agent| agent.lock().unwrap().do_work(now_ns).unwrap_or(0)).sum()
    }

    fn step(&self) -> usize {
        let mut work = Self::step_drivers(&self.agents, &self.clock);
        let now_ns = self.clock.nano_time();
        let clients: Vec<Aeron> = self.clients.lock().unwrap().clone();
        for client in &clients {
            work += client.conductor_do_work(now_ns);
        }
        work + self.cluster.lock().unwrap().do_work(now_ns)
    }
}

/// Drivers on a simulated network, a fake cluster of `members` members, and the client's host.
pub struct World {
    inner: Arc<Inner>,
    pub net: SimNetwork,
    stores: Vec<HeapMemoryStore>,
    agents: Arc<Vec<SharedAgent>>,
}

impl World {
    /// `members` member hosts plus the client host, each with a driver; members get their roles later.
    pub fn new(members: i32, seed: u64) -> Self {
        let clock = ManualClock::new(START_NS);
        let mut prng = Prng::from_seed(seed);
        let net = SimNetwork::new(clock.clone(), prng.fork());
        net.set_default_link(LinkConfig::with_latency_ns(100_000));
        let mut hosts: Vec<String> = (0..members).map(|id| format!("10.0.0.{}", id + 1)).collect();
        hosts.push(CLIENT_HOST.to_owned());
        let mut stores = Vec::new();
        let mut agents = Vec::new();
        for (index, host) in hosts.iter().enumerate() {
            let ip: IpAddr = host.parse().expect("host ip");
            let store = HeapMemoryStore::new();
            let ctx = DriverContext::test_min()
                .with_memory_store(Arc::new(store.clone()))
                .with_epoch_clock(Arc::new(clock.clone()))
                .with_transport_factory(Arc::new(net.for_host(ip)))
                .with_session_id_seed(seed.wrapping_add(index as u64 * 7919))
                .with_network_seed(prng.next_u64());
            let driver = MediaDriver::launch(ctx).expect("driver starts");
            let mut driver_agents = driver.into_agents(ThreadingMode::Invoker);
            let agent: SharedAgent = Arc::new(Mutex::new(driver_agents.pop().expect("one agent")));
            stores.push(store);
            agents.push(agent);
        }
        let agents = Arc::new(agents);
        let inner = Arc::new(Inner {
            clock: clock.clone(),
            agents: agents.to_vec(),
            cluster: Mutex::new(FakeCluster::default()),
            clients: Mutex::new(Vec::new()),
        });
        let world = Self { inner, net, stores, agents };
        let member_aerons: Vec<Aeron> = (0..members as usize).map(|i| world.aeron(i)).collect();
        {
            let mut cluster = world.cluster();
            for (id, aeron) in member_aerons.into_iter().enumerate() {
                cluster.members.push(FakeMember::new(id as i32, aeron, member_endpoint(id as i32)));
            }
        }
        world
    }

    /// An Aeron client of host `index`'s driver; its blocking calls step every driver.
    fn aeron(&self, index: usize) -> Aeron {
        let agents = Arc::clone(&self.agents);
        let clock = self.inner.clock.clone();
        let ctx = Context::new(
            Arc::new(self.stores[index].clone()),
            Arc::new(self.inner.clock.clone()),
            Arc::new(self.inner.clock.clone()),
        )
        .driver_timeout_ns(5_000_000_000)
        .resource_linger_ns(10_000_000)
        .driver_agent_invoker(Box::new(move |_now_ns| Inner::step_drivers(&agents, &clock)));
        Aeron::connect(ctx).expect("client connects")
    }

    /// The Aeron client of the client host (its conductor is run by every step).
    pub fn client_aeron(&self) -> Aeron {
        let aeron = self.aeron(self.stores.len() - 1);
        self.inner.clients.lock().unwrap().push(aeron.clone());
        aeron
    }

    /// A cluster client context on the client host: UDP ingress to the members' endpoints, the fixed
    /// egress channel, a 5 s message timeout, and an invoker stepping the world.
    pub fn client_context(&self, members: i32) -> ClusterClientContext {
        ClusterClientContext::new(self.client_aeron(), Arc::new(self.inner.clock.clone()))
            .ingress_channel("aeron:udp?term-length=64k")
            .ingress_endpoints(endpoints(members))
            .egress_channel(EGRESS_CHANNEL)
            .client_name("test-client")
            .agent_invoker(self.invoker())
    }

    /// An agent invoker that steps the world.
    pub fn invoker(&self) -> ClusterAgentInvoker {
        let inner = Arc::clone(&self.inner);
        Box::new(move |_now_ns| inner.step())
    }

    /// The fake cluster (do not hold the guard across calls that step the world).
    pub fn cluster(&self) -> MutexGuard<'_, FakeCluster> {
        self.inner.cluster.lock().unwrap()
    }

    /// One step: clock, drivers, client conductors, fake cluster.
    pub fn step(&self) -> usize {
        self.inner.step()
    }

    /// Steps until `done` holds; panics after `max_steps`.
    pub fn step_until(&self, max_steps: usize, mut done: impl FnMut() -> bool) {
        for _ in 0..max_steps {
            if done() {
                return;
            }
            self.step();
        }
        assert!(done(), "condition not reached within {max_steps} steps (at {} ms)", self.elapsed_ms());
    }

    /// Milliseconds since the start.
    pub fn elapsed_ms(&self) -> i64 {
        (self.inner.clock.nano_time() - START_NS) / 1_000_000
    }

    /// The current time.
    pub fn now_ns(&self) -> i64 {
        self.inner.clock.nano_time()
    }
}

/// A payload tagged with a sequence number, filled with a pattern derived from it.
pub fn payload(sequence: u32, length: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; length.max(4)];
    bytes[0..4].copy_from_slice(&sequence.to_le_bytes());
    for (i, byte) in bytes.iter_mut().enumerate().skip(4) {
        *byte = (i as u32).wrapping_mul(31).wrapping_add(sequence) as u8;
    }
    bytes
}

/// Checks a payload made by [`payload`]; returns its sequence.
pub fn check_payload(bytes: &[u8]) -> u32 {
    assert!(bytes.len() >= 4, "payload of {} bytes", bytes.len());
    let sequence = u32::from_le_bytes(bytes[0..4].try_into().unwrap());
    assert_eq!(bytes, &payload(sequence, bytes.len())[..], "torn or corrupt payload");
    sequence
}
