//! Shared harness for the UDP tests on the simulated network: several drivers (one per simulated host,
//! each a `MediaDriver` in `ThreadingMode::Invoker` over its own heap memory store), one `SimNetwork`, one
//! `ManualClock`, all stepped single-threaded. Clients step every driver through their
//! `driver_agent_invoker`; `step` moves the clock, runs every driver once and then every client conductor.

#![allow(dead_code)]

use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use agrona::{Agent, CountersReader, HeapMemoryStore, ManualClock, NanoClock, Prng};
use client::{Aeron, Context, OfferError};
use driver::{DriverContext, MediaDriver, ThreadingMode};
use fulmar_driver as driver;
use sim::{LinkConfig, SimNetwork};

/// Where the clock starts (a driver heartbeat of 0 ms would read as "no driver").
pub const START_NS: i64 = 1_000_000_000_000;
/// How far the clock moves per step.
pub const STEP_NS: i64 = 1_000_000;

type SharedAgent = Arc<Mutex<Box<dyn Agent>>>;

/// One simulated host running a driver.
pub struct Node {
    pub ip: IpAddr,
    pub store: HeapMemoryStore,
    pub counters: CountersReader,
    pub agent: SharedAgent,
}

/// Drivers on a simulated network.
pub struct SimCluster {
    pub clock: ManualClock,
    pub net: SimNetwork,
    pub nodes: Vec<Node>,
    agents: Arc<Vec<SharedAgent>>,
}

impl SimCluster {
    /// One driver per host in `hosts`, on a network whose default link is `link`, all from `seed`.
    pub fn new(hosts: &[&str], link: LinkConfig, seed: u64) -> Self {
        Self::with(hosts, link, seed, |ctx| ctx)
    }

    /// As [`Self::new`], with each driver context adjusted by `configure`.
    pub fn with(
        hosts: &[&str],
        link: LinkConfig,
        seed: u64,
        configure: impl Fn(DriverContext) -> DriverContext,
    ) -> Self {
        let clock = ManualClock::new(START_NS);
        let mut prng = Prng::from_seed(seed);
        let net = SimNetwork::new(clock.clone(), prng.fork());
        net.set_default_link(link);
        let mut nodes = Vec::new();
        for (index, host) in hosts.iter().enumerate() {
            let ip: IpAddr = host.parse().expect("host ip");
            let store = HeapMemoryStore::new();
            let ctx = DriverContext::test_min()
                .with_memory_store(Arc::new(store.clone()))
                .with_epoch_clock(Arc::new(clock.clone()))
                .with_transport_factory(Arc::new(net.for_host(ip)))
                .with_session_id_seed(seed.wrapping_add(index as u64 * 7919))
                .with_network_seed(prng.next_u64());
            let driver = MediaDriver::launch(configure(ctx)).expect("driver starts");
            let counters = driver.counters_reader();
            let mut agents = driver.into_agents(ThreadingMode::Invoker);
            assert_eq!(agents.len(), 1);
            let agent: SharedAgent = Arc::new(Mutex::new(agents.pop().expect("one agent")));
            nodes.push(Node { ip, store, counters, agent });
        }
        let agents = Arc::new(nodes.iter().map(|n| Arc::clone(&n.agent)).collect());
        Self { clock, net, nodes, agents }
    }

    pub fn now_ns(&self) -> i64 {
        self.clock.nano_time()
    }

    fn step_agents(agents: &[SharedAgent], clock: &ManualClock) -> usize {
        clock.advance_ns(STEP_NS);
        let now_ns = clock.nano_time();
        agents.iter().map(|agent| agent.lock().unwrap().do_work(now_ns).unwrap_or(0)).sum()
    }

    /// A client of the driver on node `index`; its blocking calls step every driver.
    pub fn connect(&self, index: usize) -> Aeron {
        let agents = Arc::clone(&self.agents);
        let clock = self.clock.clone();
        let ctx = Context::new(
            Arc::new(self.nodes[index].store.clone()),
            Arc::new(self.clock.clone()),
            Arc::new(self.clock.clone()),
        )
        .driver_timeout_ns(5_000_000_000)
        .resource_linger_ns(10_000_000)
        .driver_agent_invoker(Box::new(move |_now_ns| Self::step_agents(&agents, &clock)));
        Aeron::connect(ctx).expect("client connects")
    }

    /// Moves the clock one step and runs every driver, then every client conductor, once.
    pub fn step(&self, clients: &[&Aeron]) {
        Self::step_agents(&self.agents, &self.clock);
        for client in clients {
            client.conductor_do_work(self.clock.nano_time());
        }
    }

    /// Steps for `duration_ns`.
    pub fn run_for(&self, duration_ns: i64, clients: &[&Aeron]) {
        for _ in 0..(duration_ns / STEP_NS).max(1) {
            self.step(clients);
        }
    }

    /// Steps until `done` holds; panics after `max_steps`.
    pub fn step_until(&self, clients: &[&Aeron], max_steps: usize, mut done: impl FnMut() -> bool) {
        for _ in 0..max_steps {
            if done() {
                return;
            }
            self.step(clients);
        }
        assert!(
            done(),
            "condition not reached within {max_steps} steps (at {} ms)",
            (self.now_ns() - START_NS) / 1_000_000
        );
    }

    /// Every non-zero counter of node `index` as `label = value` lines (for failure messages).
    pub fn dump_counters(&self, index: usize) -> String {
        let reader = &self.nodes[index].counters;
        let mut text = String::new();
        reader.for_each(|id, _type_id, _key, label| {
            let value = reader.counter_value(id);
            if value != 0 {
                text.push_str(&format!("  [{id}] {label} = {value}\n"));
            }
        });
        text
    }

    /// The value of system counter `id` on node `index`.
    pub fn system_counter(&self, index: usize, id: i32) -> i64 {
        self.nodes[index].counters.counter_value(id)
    }

    /// Offers `message` until accepted, stepping and calling `poll` in between.
    pub fn offer_until_accepted(
        &self,
        clients: &[&Aeron],
        mut offer: impl FnMut() -> Result<i64, OfferError>,
        mut poll: impl FnMut() -> usize,
        max_steps: usize,
    ) -> i64 {
        for _ in 0..max_steps {
            match offer() {
                Ok(position) => return position,
                Err(OfferError::BackPressured | OfferError::NotConnected | OfferError::AdminAction) => {
                    poll();
                    self.step(clients);
                }
                Err(other) => panic!("offer failed: {other}"),
            }
        }
        panic!("offer not accepted within {max_steps} steps");
    }
}

/// A payload tagged with its source and sequence, filled with a pattern derived from both.
pub fn payload(source: u32, sequence: u32, length: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; length.max(8)];
    bytes[0..4].copy_from_slice(&source.to_le_bytes());
    bytes[4..8].copy_from_slice(&sequence.to_le_bytes());
    for (i, byte) in bytes.iter_mut().enumerate().skip(8) {
        *byte = (i as u32).wrapping_mul(31).wrapping_add(sequence).wrapping_add(source.wrapping_mul(7)) as u8;
    }
    bytes
}

/// Checks a payload made by [`payload`]; returns `(source, sequence)`.
pub fn check_payload(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.len() >= 8, "payload of {} bytes", bytes.len());
    let source = u32::from_le_bytes(bytes[0..4].try_into().unwrap());
    let sequence = u32::from_le_bytes(bytes[4..8].try_into().unwrap());
    assert_eq!(bytes, &payload(source, sequence, bytes.len())[..], "torn or corrupt payload");
    (source, sequence)
}
