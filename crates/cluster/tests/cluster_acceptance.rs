//! Issue 5 acceptance tests: whole clusters (consensus modules, services, archives, drivers) and cluster
//! clients on the simulated network, single-threaded on a manual clock (see `cluster_support`).
//!
//! Every node runs one [`Recorder`] service: it records every log-driven callback (session open/close,
//! client message, service message, timer) in order, echoes every client message back to its session,
//! and acts on commands carried by client messages (schedule a timer, offer a service message). A
//! replica's service state is its recorded event list; replicas are equal when their lists are.
//!
//! Client payloads start with a tag byte: `M` plain message, `T` schedule timer (correlation id, delay
//! in ms, both i64 little-endian), `O` offer a service message (`S` + the command's id).
//!
//! Every loop is bounded by a step limit (1 step = 1 simulated ms) and fails with the cluster's state.

#![allow(clippy::disallowed_methods)]

mod cluster_support;

use std::collections::HashSet;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use client::{Aeron, Publication, Subscription};
use cluster_client::{AeronCluster, ClientState, ClusterClientContext, ClusterClientError, EgressListener};
use cluster_support::{CLIENT_HOST, START_NS, SimClusterHarness};
use fulmar_cluster::{ConsensusModuleConfig, Role};
use protocol::cluster::{
    AdminRequestType, AdminResponseCode, CLIENT_PROTOCOL_SEMANTIC_VERSION, ClusterMessage, EventCode,
    SESSION_HEADER_LENGTH, SessionConnectRequest, SessionMessageHeader, decode_any,
};
use service::{ClientSession, CloseReason, Cluster, ClusteredService, SnapshotReader, SnapshotWriter};
use sim::LinkConfig;

/// Simulated one-way latency of every link.
const LATENCY_NS: i64 = 200_000;
/// Clients send a keep-alive this often (the test clusters time sessions out after 2 s).
const KEEP_ALIVE_INTERVAL_NS: i64 = 100_000_000;
/// Step limit of a connect (the client's own message timeout is 5 s).
const CONNECT_STEPS: usize = 20_000;
/// Step limit for electing a leader.
const ELECTION_STEPS: usize = 30_000;
/// Offer attempts of the recorder's sends (it must not block the log).
const SEND_ATTEMPTS: usize = 3;

// ------------------------------------------------------------------------------------------------
// The recording service

/// One log-driven service callback, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Event {
    Open(i64),
    Close(i64, CloseReason),
    Message(i64, Vec<u8>),
    ServiceMessage(Vec<u8>),
    Timer(i64),
}

/// What one service process applied.
#[derive(Debug, Default, Clone)]
struct Applied {
    events: Vec<Event>,
    /// Log position after the last event.
    log_position: i64,
    /// Sends (echo, timer, service message) refused after every attempt.
    send_failures: u64,
    /// Events restored from a snapshot at start.
    loaded: usize,
    /// Events applied from the log since this service process started (replay and live).
    applied_since_start: usize,
    /// Snapshots this service process took.
    snapshots_taken: usize,
    /// Principal of each session opened from the log (by session id).
    principals: Vec<(i64, Vec<u8>)>,
}

impl Applied {
    fn hash(&self) -> u64 {
        let mut hasher = DefaultHasher::new();
        self.events.hash(&mut hasher);
        hasher.finish()
    }

    fn client_payloads(&self) -> Vec<Vec<u8>> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Message(_, payload) => Some(payload.clone()),
                _ => None,
            })
            .collect()
    }

    fn service_messages(&self) -> Vec<Vec<u8>> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::ServiceMessage(payload) => Some(payload.clone()),
                _ => None,
            })
            .collect()
    }

    fn timers(&self) -> Vec<i64> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Timer(id) => Some(*id),
                _ => None,
            })
            .collect()
    }

    fn closes(&self) -> Vec<(i64, CloseReason)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Close(id, reason) => Some((*id, *reason)),
                _ => None,
            })
            .collect()
    }
}

struct Recorder {
    applied: Arc<Mutex<Applied>>,
}

impl Recorder {
    fn note(&self, cluster: &Cluster<'_>, event: Event) {
        let mut applied = self.applied.lock().unwrap();
        applied.events.push(event);
        applied.log_position = cluster.log_position();
        applied.applied_since_start += 1;
    }

    fn failed(&self) {
        self.applied.lock().unwrap().send_failures += 1;
    }
}

fn i64_at(bytes: &[u8], offset: usize) -> Option<i64> {
    bytes.get(offset..offset + 8).map(|b| i64::from_le_bytes(b.try_into().unwrap()))
}

/// One event as a snapshot message: tag, session or timer id, then the close reason or payload.
fn encode_event(event: &Event) -> Vec<u8> {
    let (tag, id, rest): (u8, i64, Vec<u8>) = match event {
        Event::Open(id) => (1, *id, Vec::new()),
        Event::Close(id, reason) => (2, *id, reason.as_i32().to_le_bytes().to_vec()),
        Event::Message(id, payload) => (3, *id, payload.clone()),
        Event::ServiceMessage(payload) => (4, 0, payload.clone()),
        Event::Timer(id) => (5, *id, Vec::new()),
    };
    let mut bytes = vec![tag];
    bytes.extend_from_slice(&id.to_le_bytes());
    bytes.extend_from_slice(&rest);
    bytes
}

fn decode_event(bytes: &[u8]) -> Event {
    let id = i64_at(bytes, 1).expect("event id");
    let rest = bytes[9..].to_vec();
    match bytes[0] {
        1 => Event::Open(id),
        2 => Event::Close(id, CloseReason::from_i32(i32::from_le_bytes(rest[..4].try_into().unwrap()))),
        3 => Event::Message(id, rest),
        4 => Event::ServiceMessage(rest),
        5 => Event::Timer(id),
        tag => panic!("unknown event tag {tag} in the snapshot"),
    }
}

impl ClusteredService for Recorder {
    fn on_start(&mut self, cluster: &mut Cluster<'_>, snapshot: Option<&mut SnapshotReader<'_>>) {
        let Some(snapshot) = snapshot else { return };
        let mut events = Vec::new();
        while snapshot.poll(&mut |message| events.push(decode_event(message)), 100) > 0 {}
        let mut applied = self.applied.lock().unwrap();
        applied.loaded = events.len();
        applied.events = events;
        applied.log_position = cluster.log_position();
    }

    fn on_session_open(&mut self, cluster: &mut Cluster<'_>, session: &ClientSession, _timestamp: i64) {
        self.applied.lock().unwrap().principals.push((session.id(), session.encoded_principal().to_vec()));
        self.note(cluster, Event::Open(session.id()));
    }

    fn on_session_close(
        &mut self,
        cluster: &mut Cluster<'_>,
        session: &ClientSession,
        _timestamp: i64,
        reason: CloseReason,
    ) {
        self.note(cluster, Event::Close(session.id(), reason));
    }

    fn on_session_message(
        &mut self,
        cluster: &mut Cluster<'_>,
        session: Option<&ClientSession>,
        _timestamp: i64,
        message: &[u8],
    ) {
        let Some(session) = session else {
            self.note(cluster, Event::ServiceMessage(message.to_vec()));
            return;
        };
        self.note(cluster, Event::Message(session.id(), message.to_vec()));
        match message.first() {
            Some(b'T') => {
                if let (Some(correlation_id), Some(delay_ms)) = (i64_at(message, 1), i64_at(message, 9))
                    && !(0..SEND_ATTEMPTS)
                        .any(|_| cluster.schedule_timer(correlation_id, cluster.time() + delay_ms))
                {
                    self.failed();
                }
            }
            Some(b'O') => {
                let mut payload = message.to_vec();
                payload[0] = b'S';
                if !(0..SEND_ATTEMPTS).any(|_| cluster.offer(&payload).is_ok()) {
                    self.failed();
                }
            }
            _ => {}
        }
        if !(0..SEND_ATTEMPTS).any(|_| session.offer(message).is_ok()) {
            self.failed();
        }
    }

    fn on_timer_event(&mut self, cluster: &mut Cluster<'_>, correlation_id: i64, _timestamp: i64) {
        self.note(cluster, Event::Timer(correlation_id));
    }

    fn on_take_snapshot(&mut self, _cluster: &mut Cluster<'_>, snapshot: &mut SnapshotWriter<'_>) {
        let mut applied = self.applied.lock().unwrap();
        for event in &applied.events {
            snapshot.offer(&encode_event(event)).expect("event fits a snapshot message");
        }
        applied.snapshots_taken += 1;
    }

    fn on_role_change(&mut self, _cluster: &mut Cluster<'_>, _role: Role) {}

    fn on_terminate(&mut self, _cluster: &mut Cluster<'_>) {}
}

fn msg(index: u32) -> Vec<u8> {
    let mut payload = vec![b'M'];
    payload.extend_from_slice(&index.to_le_bytes());
    payload
}

fn timer_command(correlation_id: i64, delay_ms: i64) -> Vec<u8> {
    let mut payload = vec![b'T'];
    payload.extend_from_slice(&correlation_id.to_le_bytes());
    payload.extend_from_slice(&delay_ms.to_le_bytes());
    payload
}

fn offer_command(id: u32) -> Vec<u8> {
    let mut payload = vec![b'O'];
    payload.extend_from_slice(&id.to_le_bytes());
    payload
}

fn service_message_of(id: u32) -> Vec<u8> {
    let mut payload = vec![b'S'];
    payload.extend_from_slice(&id.to_le_bytes());
    payload
}

// ------------------------------------------------------------------------------------------------
// Clients

#[derive(Default)]
struct Listener {
    messages: Vec<Vec<u8>>,
    events: Vec<(EventCode, String)>,
    new_leaders: Vec<i32>,
    admin_responses: Vec<(i64, AdminResponseCode, String)>,
}

impl EgressListener for Listener {
    fn on_message(&mut self, _cluster_session_id: i64, _timestamp: i64, payload: &[u8]) {
        self.messages.push(payload.to_vec());
    }

    fn on_session_event(
        &mut self,
        _correlation_id: i64,
        _cluster_session_id: i64,
        _leadership_term_id: i64,
        _leader_member_id: i32,
        code: EventCode,
        detail: &str,
    ) {
        self.events.push((code, detail.to_owned()));
    }

    fn on_new_leader(&mut self, _session: i64, _term: i64, leader_member_id: i32, _endpoints: &str) {
        self.new_leaders.push(leader_member_id);
    }

    fn on_admin_response(
        &mut self,
        _cluster_session_id: i64,
        correlation_id: i64,
        _request_type: AdminRequestType,
        response_code: AdminResponseCode,
        message: &str,
        _payload: &[u8],
    ) {
        self.admin_responses.push((correlation_id, response_code, message.to_owned()));
    }
}

struct TestClient {
    cluster: AeronCluster,
    listener: Listener,
    keep_alive: bool,
    last_keep_alive_ns: i64,
}

impl TestClient {
    fn service(&mut self, now_ns: i64) {
        if self.keep_alive && now_ns - self.last_keep_alive_ns >= KEEP_ALIVE_INTERVAL_NS {
            self.cluster.send_keep_alive();
            self.last_keep_alive_ns = now_ns;
        }
        self.cluster.poll_egress(&mut self.listener);
    }
}

// ------------------------------------------------------------------------------------------------
// The fixture: a cluster of recorders and an Aeron client on the client host

type Records = Arc<Mutex<Vec<Vec<Arc<Mutex<Applied>>>>>>;

struct Fixture {
    h: SimClusterHarness,
    aeron: Aeron,
    records: Records,
}

impl Fixture {
    fn new(count: usize, seed: u64, configure: impl Fn(&mut ConsensusModuleConfig) + 'static) -> Self {
        Self::with_link(count, seed, LinkConfig::with_latency_ns(LATENCY_NS), configure)
    }

    fn with_link(
        count: usize,
        seed: u64,
        link: LinkConfig,
        configure: impl Fn(&mut ConsensusModuleConfig) + 'static,
    ) -> Self {
        let records: Records = Arc::new(Mutex::new(vec![Vec::new(); count]));
        let registry = Arc::clone(&records);
        let h =
            SimClusterHarness::with_services(count, 1, seed, link, configure, move |node, _service_id| {
                let applied = Arc::new(Mutex::new(Applied::default()));
                registry.lock().unwrap()[node].push(Arc::clone(&applied));
                Box::new(Recorder { applied })
            });
        let aeron = h.client_aeron();
        Self { h, aeron, records }
    }

    fn elect(&self) -> usize {
        self.h.step_until(ELECTION_STEPS, "a leader", |h| h.leader().is_some() && h.followers_ready());
        self.h.leader().unwrap()
    }

    /// The state of the service process currently running on `node`.
    fn applied(&self, node: usize) -> Applied {
        let records = self.records.lock().unwrap();
        records[node].last().expect("a service ran on the node").lock().unwrap().clone()
    }

    /// How many service processes ran on `node` (1 + restarts).
    fn service_starts(&self, node: usize) -> usize {
        self.records.lock().unwrap()[node].len()
    }

    fn alive(&self) -> Vec<usize> {
        (0..self.h.nodes.len()).filter(|&i| self.h.nodes[i].alive).collect()
    }

    fn describe_applied(&self) -> String {
        (0..self.h.nodes.len())
            .map(|i| {
                let a = self.applied(i);
                format!(
                    "\n  node {i}: {} events ({} client msgs, {} service msgs, timers {:?}, closes {:?}) pos {} hash {:x} send failures {}",
                    a.events.len(),
                    a.client_payloads().len(),
                    a.service_messages().len(),
                    a.timers(),
                    a.closes(),
                    a.log_position,
                    a.hash(),
                    a.send_failures
                )
            })
            .collect()
    }

    fn tick(&self, clients: &mut [&mut TestClient]) {
        self.h.step();
        let now_ns = self.h.now_ns();
        self.aeron.conductor_do_work(now_ns);
        for client in clients.iter_mut() {
            client.service(now_ns);
        }
    }

    fn ticks(&self, count: usize, clients: &mut [&mut TestClient]) {
        for _ in 0..count {
            self.tick(clients);
        }
    }

    /// Steps (servicing `clients`) until `done`, at most `max_steps`; panics with the state otherwise.
    fn tick_until(
        &self,
        max_steps: usize,
        what: &str,
        clients: &mut [&mut TestClient],
        mut done: impl FnMut(&Self, &[&mut TestClient]) -> bool,
    ) {
        for _ in 0..max_steps {
            if done(self, clients) {
                return;
            }
            self.tick(clients);
        }
        assert!(
            done(self, clients),
            "{what}: not reached within {max_steps} steps at {} ms; clients {:?}{}{}",
            (self.h.now_ns() - START_NS) / 1_000_000,
            clients
                .iter()
                .map(|c| (c.cluster.state(), c.listener.messages.len(), c.cluster.last_error().cloned()))
                .collect::<Vec<_>>(),
            self.h.describe(),
            self.describe_applied()
        );
    }

    fn client_context(&self, endpoints: &str, egress_port: u16) -> ClusterClientContext {
        ClusterClientContext::new(self.aeron.clone(), Arc::new(self.h.clock.clone()))
            .ingress_channel("aeron:udp")
            .ingress_endpoints(endpoints)
            .egress_channel(format!("aeron:udp?endpoint={CLIENT_HOST}:{egress_port}"))
            .message_timeout_ns(5_000_000_000)
            .new_leader_timeout_ns(5_000_000_000)
    }

    /// Connects a client to `endpoints`, servicing `others` meanwhile; the connect's own result.
    fn try_connect(
        &self,
        endpoints: &str,
        egress_port: u16,
        others: &mut [&mut TestClient],
    ) -> Result<TestClient, ClusterClientError> {
        self.try_connect_with(self.client_context(endpoints, egress_port), others)
    }

    /// Connects a client made from `ctx`, servicing `others` meanwhile; the connect's own result.
    fn try_connect_with(
        &self,
        ctx: ClusterClientContext,
        others: &mut [&mut TestClient],
    ) -> Result<TestClient, ClusterClientError> {
        let mut connect = AeronCluster::async_connect(ctx)?;
        for _ in 0..CONNECT_STEPS {
            self.tick(others);
            if let Some(cluster) = connect.poll(self.h.now_ns())? {
                return Ok(TestClient {
                    cluster,
                    listener: Listener::default(),
                    keep_alive: true,
                    last_keep_alive_ns: self.h.now_ns(),
                });
            }
        }
        panic!("connect neither succeeded nor failed in {CONNECT_STEPS} steps: {}", self.h.describe());
    }

    fn connect(&self, egress_port: u16) -> TestClient {
        let endpoints = self.h.ingress_endpoints();
        self.try_connect(&endpoints, egress_port, &mut [])
            .unwrap_or_else(|e| panic!("client connects: {e}; {}", self.h.describe()))
    }

    /// Sends `payloads` with at most `window` not yet echoed, and waits for every echo; asserts the
    /// echoes arrived once each, in order.
    fn send_all(&self, client: &mut TestClient, payloads: &[Vec<u8>], window: usize, max_steps: usize) {
        let base = client.listener.messages.len();
        let mut next = 0;
        for _ in 0..max_steps {
            let echoed = client.listener.messages.len() - base;
            if echoed >= payloads.len() {
                break;
            }
            while next < payloads.len() && next - echoed < window {
                if client.cluster.offer(&payloads[next]).is_err() {
                    break;
                }
                next += 1;
            }
            self.tick(&mut [&mut *client]);
        }
        let echoed = &client.listener.messages[base..];
        assert!(
            echoed == payloads,
            "{} payloads sent ({} offered), {} echoed; first difference at {:?}; client {:?} {:?}{}{}",
            payloads.len(),
            next,
            echoed.len(),
            echoed.iter().zip(payloads).position(|(a, b)| a != b),
            client.cluster.state(),
            client.cluster.last_error(),
            self.h.describe(),
            self.describe_applied()
        );
    }

    /// After the leader died: services the client (keep-alives complete the switch) until it is
    /// connected to a new leader, then asserts exactly one live leader remains.
    fn await_new_leader(&self, client: &mut TestClient, old_leader: usize) -> usize {
        self.tick_until(ELECTION_STEPS, "the client follows a new leader", &mut [&mut *client], |f, c| {
            f.h.leader().is_some_and(|l| l != old_leader)
                && f.h.followers_ready()
                && c[0].cluster.leader_member_id() != old_leader as i32
                && c[0].cluster.state() == ClientState::Connected
        });
        self.assert_one_leader()
    }

    /// Exactly one live node leads; every other live node follows it in the same term.
    fn assert_one_leader(&self) -> usize {
        let leader = self.h.leader().expect("one leader");
        let term = self.h.nodes[leader].cm.lock().unwrap().leadership_term_id();
        for node in self.alive() {
            let cm = self.h.nodes[node].cm.lock().unwrap();
            if node != leader {
                assert_eq!(cm.role(), Role::Follower, "node {node} follows: {cm:?}");
                assert_eq!(cm.leader_member_id(), leader as i32, "node {node}: {cm:?}");
            }
            assert_eq!(cm.leadership_term_id(), term, "node {node} in the leader's term: {cm:?}");
        }
        leader
    }

    /// Steps until the services on `nodes` hold the same events and `check` holds for them.
    fn await_replicas_equal(
        &self,
        nodes: &[usize],
        max_steps: usize,
        clients: &mut [&mut TestClient],
        check: impl Fn(&Applied) -> bool,
    ) -> Applied {
        self.tick_until(max_steps, "replicas equal", clients, |f, _| {
            // Cheap first: the same number of events at the same log position everywhere.
            let progress = |node: usize| {
                let records = f.records.lock().unwrap();
                let applied = records[node].last().expect("a service ran").lock().unwrap();
                (applied.events.len(), applied.log_position)
            };
            let first_progress = progress(nodes[0]);
            if nodes.iter().any(|&n| progress(n) != first_progress) {
                return false;
            }
            let first = f.applied(nodes[0]);
            check(&first) && nodes.iter().all(|&n| f.applied(n).events == first.events)
        });
        self.applied(nodes[0])
    }
}

fn assert_no_duplicates(what: &str, items: &[Vec<u8>]) {
    let mut seen = HashSet::new();
    for item in items {
        assert!(seen.insert(item), "{what}: {item:?} appears twice");
    }
}

// ------------------------------------------------------------------------------------------------
// 1. A single-node cluster

#[test]
fn single_node_cluster_elects_itself_and_echoes() {
    let f = Fixture::new(1, 101, |_| {});
    let leader = f.elect();
    assert_eq!(leader, 0);
    assert_eq!(f.h.nodes[0].cm.lock().unwrap().role(), Role::Leader);
    let mut client = f.connect(19_000);
    assert_eq!(client.cluster.leader_member_id(), 0);
    let payloads: Vec<Vec<u8>> = (0..100).map(msg).collect();
    f.send_all(&mut client, &payloads, 16, 10_000);
    let applied =
        f.await_replicas_equal(&[0], 1_000, &mut [&mut client], |a| a.client_payloads() == payloads);
    assert_eq!(applied.events[0], Event::Open(client.cluster.cluster_session_id()));
    assert_eq!(applied.send_failures, 0);
}

// 2. 10,000 messages echoed once each, in order

#[test]
fn ten_thousand_messages_are_echoed_once_each_in_order() {
    let f = Fixture::new(3, 102, |_| {});
    f.elect();
    let mut client = f.connect(19_000);
    let payloads: Vec<Vec<u8>> = (0..10_000).map(msg).collect();
    f.send_all(&mut client, &payloads, 128, 60_000);
    let applied = f.await_replicas_equal(&[0, 1, 2], 5_000, &mut [&mut client], |a| {
        a.client_payloads().len() == payloads.len()
    });
    assert_eq!(applied.client_payloads(), payloads, "every replica applied each message once, in order");
    assert_eq!(f.applied(f.h.leader().unwrap()).send_failures, 0, "no echo dropped");
}

// 2b. The same over a lossy network (1% loss, 0.5% duplicates, 100 µs jitter): Aeron repairs losses
// within milliseconds, so every replica must still apply every message. With seeds 11102 and 38102
// (and about 1 seed in 7) a follower's log recording and its service stop for good while its
// consensus module keeps following the log.

#[test]
fn lossy_network_every_replica_applies_every_message() {
    let link = LinkConfig {
        latency_ns: LATENCY_NS,
        jitter_ns: 100_000,
        loss_probability: 0.01,
        duplicate_probability: 0.005,
    };
    let mut failures = Vec::new();
    for seed in [102, 11_102, 38_102] {
        let outcome = std::panic::catch_unwind(|| {
            let f = Fixture::with_link(3, seed, link, |_| {});
            f.elect();
            let mut client = f.connect(19_000);
            let payloads: Vec<Vec<u8>> = (0..10_000).map(msg).collect();
            f.send_all(&mut client, &payloads, 128, 60_000);
            let applied = f.await_replicas_equal(&[0, 1, 2], 10_000, &mut [&mut client], |a| {
                a.client_payloads().len() == payloads.len()
            });
            assert_eq!(applied.client_payloads(), payloads);
        });
        if let Err(panic) = outcome {
            let text = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            failures
                .push(format!("seed {seed}: {}", text.lines().take(8).collect::<Vec<_>>().join("\n    ")));
        }
    }
    assert!(failures.is_empty(), "{} lossy runs failed:\n  {}", failures.len(), failures.join("\n  "));
}

// 3. Hard stop of the leader

#[test]
fn leader_hard_stop_keeps_every_acknowledged_message() {
    let mut f = Fixture::new(3, 103, |_| {});
    let old_leader = f.elect();
    let mut client = f.connect(19_000);
    let session_id = client.cluster.cluster_session_id();
    let first: Vec<Vec<u8>> = (0..200).map(msg).collect();
    f.send_all(&mut client, &first, 32, 10_000);
    // More messages in flight when the leader dies: some are acknowledged, some may be lost.
    let in_flight: Vec<Vec<u8>> = (200..260).map(msg).collect();
    for payload in &in_flight[..30] {
        let _ = client.cluster.offer(payload);
    }
    f.ticks(2, &mut [&mut client]);
    for payload in &in_flight[30..] {
        let _ = client.cluster.offer(payload);
    }
    f.tick(&mut [&mut client]);
    let acknowledged = client.listener.messages.clone();
    assert!(acknowledged.len() >= 200);
    f.h.kill(old_leader);
    let new_leader = f.await_new_leader(&mut client, old_leader);
    assert_ne!(new_leader, old_leader);
    assert_eq!(client.cluster.cluster_session_id(), session_id, "the client keeps its session");
    assert_eq!(client.listener.new_leaders, vec![new_leader as i32]);
    let after: Vec<Vec<u8>> = (1_000..1_100).map(msg).collect();
    f.send_all(&mut client, &after, 32, 20_000);
    let survivors = f.alive();
    let applied = f.await_replicas_equal(&survivors, 5_000, &mut [&mut client], |a| {
        a.client_payloads().last() == after.last()
    });
    let replicated = applied.client_payloads();
    assert_no_duplicates("replicated messages", &replicated);
    assert_no_duplicates("echoed messages", &client.listener.messages);
    for payload in &acknowledged {
        assert!(replicated.contains(payload), "acknowledged {payload:?} lost by the survivors");
    }
    for payload in &client.listener.messages {
        assert!(replicated.contains(payload), "echoed {payload:?} not replicated");
    }
    // In order: the replicated messages are a subsequence of what was sent, in sending order.
    let indices: Vec<u32> =
        replicated.iter().map(|p| u32::from_le_bytes(p[1..5].try_into().unwrap())).collect();
    assert!(indices.windows(2).all(|w| w[0] < w[1]), "replicated in order: {indices:?}");
    assert_eq!(f.assert_one_leader(), new_leader);
}

// 4. A follower stopped and restarted catches up

#[test]
fn restarted_follower_catches_up_and_replicas_are_equal() {
    let mut f = Fixture::new(3, 104, |_| {});
    let leader = f.elect();
    let follower = (leader + 1) % 3;
    let mut client = f.connect(19_000);
    let before: Vec<Vec<u8>> = (0..100).map(msg).collect();
    f.send_all(&mut client, &before, 32, 10_000);
    f.h.kill(follower);
    let during: Vec<Vec<u8>> = (100..400).map(msg).collect();
    f.send_all(&mut client, &during, 32, 20_000);
    f.h.restart(follower);
    assert_eq!(f.service_starts(follower), 2);
    f.tick_until(ELECTION_STEPS, "the follower rejoins", &mut [&mut client], |f, _| {
        let cm = f.h.nodes[follower].cm.lock().unwrap();
        !cm.is_electing() && cm.election_count() > 0 && cm.role() == Role::Follower
    });
    let after: Vec<Vec<u8>> = (400..500).map(msg).collect();
    f.send_all(&mut client, &after, 32, 10_000);
    let all: Vec<Vec<u8>> = (0..500).map(msg).collect();
    let applied =
        f.await_replicas_equal(&[0, 1, 2], 20_000, &mut [&mut client], |a| a.client_payloads() == all);
    let hashes: Vec<u64> = (0..3).map(|n| f.applied(n).hash()).collect();
    assert!(hashes.iter().all(|h| *h == applied.hash()), "service-state hashes {hashes:x?}");
    assert_eq!(f.h.leader(), Some(leader), "the leader kept its role");
}

// 4b. The old leader restarted after a fail-over: whatever it had appended alone is dropped

#[test]
fn restarted_old_leader_rejoins_and_replicas_are_equal() {
    let mut f = Fixture::new(3, 114, |_| {});
    let old_leader = f.elect();
    let mut client = f.connect(19_000);
    let first: Vec<Vec<u8>> = (0..100).map(msg).collect();
    f.send_all(&mut client, &first, 32, 10_000);
    // Cut the leader off its followers (not from the client): it appends what the client sends but
    // cannot commit it. Then it dies with those entries in its log only.
    let followers: Vec<std::net::IpAddr> =
        (0..3).filter(|&n| n != old_leader).map(|n| f.h.nodes[n].ip).collect();
    f.h.net.partition([f.h.nodes[old_leader].ip], followers);
    let before_position = f.h.nodes[old_leader].cm.lock().unwrap().append_position();
    for index in 100..140 {
        let _ = client.cluster.offer(&msg(index));
        f.tick(&mut [&mut client]);
    }
    f.ticks(20, &mut [&mut client]);
    let (uncommitted_append, commit) = {
        let cm = f.h.nodes[old_leader].cm.lock().unwrap();
        (cm.append_position(), cm.commit_position())
    };
    assert!(
        uncommitted_append > before_position && commit == before_position,
        "the isolated leader appended alone: {}",
        f.h.describe()
    );
    f.h.kill(old_leader);
    let new_leader = f.await_new_leader(&mut client, old_leader);
    let second: Vec<Vec<u8>> = (1_000..1_100).map(msg).collect();
    f.send_all(&mut client, &second, 32, 10_000);
    f.h.restart(old_leader);
    f.tick_until(60_000, "the old leader rejoins as a follower", &mut [&mut client], |f, _| {
        let cm = f.h.nodes[old_leader].cm.lock().unwrap();
        !cm.is_electing() && cm.election_count() > 0 && cm.role() == Role::Follower
    });
    let third: Vec<Vec<u8>> = (2_000..2_050).map(msg).collect();
    f.send_all(&mut client, &third, 32, 10_000);
    let applied = f.await_replicas_equal(&[0, 1, 2], 20_000, &mut [&mut client], |a| {
        a.client_payloads().last() == third.last()
    });
    assert_eq!(f.service_starts(old_leader), 2);
    assert_no_duplicates("replicated messages", &applied.client_payloads());
    for index in 100..140 {
        assert!(
            !applied.client_payloads().contains(&msg(index)),
            "message {index}, appended only by the dead leader, was applied"
        );
    }
    for payload in client.listener.messages.iter() {
        assert!(applied.client_payloads().contains(payload), "echoed {payload:?} not replicated");
    }
    assert_eq!(f.assert_one_leader(), new_leader);
}

// 5. The whole cluster restarted

#[test]
fn whole_cluster_restart_rebuilds_state_from_the_log() {
    let mut f = Fixture::new(3, 105, |_| {});
    f.elect();
    let mut client = f.connect(19_000);
    let mut payloads: Vec<Vec<u8>> = (0..300).map(msg).collect();
    payloads.push(timer_command(7, 50));
    payloads.push(offer_command(1));
    f.send_all(&mut client, &payloads, 32, 10_000);
    // A clean end for the session, so that nothing but the restart changes the log.
    client.cluster.close();
    let before = f.await_replicas_equal(&[0, 1, 2], 10_000, &mut [], |a| {
        a.client_payloads() == payloads
            && a.timers() == vec![7]
            && a.service_messages() == vec![service_message_of(1)]
            && a.closes().len() == 1
    });
    for node in 0..3 {
        f.h.kill(node);
    }
    for node in 0..3 {
        f.h.restart(node);
    }
    f.elect();
    let after =
        f.await_replicas_equal(&[0, 1, 2], 20_000, &mut [], |a| a.events.len() >= before.events.len());
    assert_eq!(after.events, before.events, "state rebuilt from the log equals the state before");
    assert_eq!(after.hash(), before.hash());
    // Nothing is applied twice later on (no second replay, no timer or service message re-fired).
    f.ticks(3_000, &mut []);
    for node in 0..3 {
        assert_eq!(f.service_starts(node), 2);
        assert_eq!(f.applied(node).events, before.events, "node {node} after 3 s more");
    }
    // The restarted cluster serves a new session, with a session id never used before.
    let old_session_id = client.cluster.cluster_session_id();
    let mut client = f.connect(19_001);
    assert!(client.cluster.cluster_session_id() > old_session_id, "session ids are not reused");
    let more: Vec<Vec<u8>> = (300..350).map(msg).collect();
    f.send_all(&mut client, &more, 8, 10_000);
    let mut all = payloads.clone();
    all.extend(more.iter().cloned());
    f.await_replicas_equal(&[0, 1, 2], 5_000, &mut [&mut client], |a| a.client_payloads() == all);
}

// 6. Timers scheduled before a fail-over fire exactly once after it

#[test]
fn timers_scheduled_before_failover_fire_once_after_it() {
    let mut f = Fixture::new(3, 106, |_| {});
    let old_leader = f.elect();
    let mut client = f.connect(19_000);
    // Timer 100 fires before the fail-over (and must not fire again); 1..=4 are due after the kill.
    f.send_all(&mut client, &[timer_command(100, 20)], 1, 5_000);
    f.await_replicas_equal(&[0, 1, 2], 5_000, &mut [&mut client], |a| a.timers() == vec![100]);
    let delays_ms = [2_500, 3_000, 4_500, 6_000];
    let commands: Vec<Vec<u8>> =
        delays_ms.iter().enumerate().map(|(i, &delay)| timer_command(i as i64 + 1, delay)).collect();
    f.send_all(&mut client, &commands, 4, 5_000);
    let scheduled_at_ns = f.h.now_ns();
    f.h.kill(old_leader);
    let new_leader = f.await_new_leader(&mut client, old_leader);
    let failover_ms = (f.h.now_ns() - scheduled_at_ns) / 1_000_000;
    assert!(failover_ms < 2_500, "fail-over took {failover_ms} ms: the timers would not all be due after it");
    let survivors = f.alive();
    let expected = vec![100, 1, 2, 3, 4];
    f.await_replicas_equal(&survivors, 12_000, &mut [&mut client], |a| a.timers().len() >= expected.len());
    // Well past the last deadline: still exactly once each.
    f.ticks(3_000, &mut [&mut client]);
    for node in survivors {
        let timers = f.applied(node).timers();
        assert_eq!(timers, expected, "node {node}: each timer fired once, in deadline order");
    }
    assert_eq!(f.h.leader(), Some(new_leader));
}

// 7. Service messages are not duplicated across a fail-over

#[test]
fn service_offers_are_not_duplicated_across_failover() {
    let mut f = Fixture::new(3, 107, |_| {});
    let old_leader = f.elect();
    let mut client = f.connect(19_000);
    let first: Vec<Vec<u8>> = (0..50).map(offer_command).collect();
    f.send_all(&mut client, &first, 8, 10_000);
    // Commands in flight at the kill: their service messages may be pending on the followers.
    let in_flight: Vec<Vec<u8>> = (50..70).map(offer_command).collect();
    for payload in &in_flight {
        let _ = client.cluster.offer(payload);
    }
    f.ticks(3, &mut [&mut client]);
    f.h.kill(old_leader);
    f.await_new_leader(&mut client, old_leader);
    let after: Vec<Vec<u8>> = (100..150).map(offer_command).collect();
    f.send_all(&mut client, &after, 8, 20_000);
    let survivors = f.alive();
    let applied = f.await_replicas_equal(&survivors, 10_000, &mut [&mut client], |a| {
        a.service_messages().contains(&service_message_of(149))
    });
    // Let any late duplicate show up.
    f.ticks(2_000, &mut [&mut client]);
    let applied_later = f.applied(survivors[0]);
    assert_eq!(applied_later.events, applied.events, "nothing appended after settling");
    let service_messages = applied.service_messages();
    assert_no_duplicates("service messages", &service_messages);
    let commands: Vec<u32> = applied
        .client_payloads()
        .iter()
        .filter(|p| p[0] == b'O')
        .map(|p| u32::from_le_bytes(p[1..5].try_into().unwrap()))
        .collect();
    let expected: Vec<Vec<u8>> = commands.iter().map(|&id| service_message_of(id)).collect();
    let mut sorted = service_messages.clone();
    sorted.sort();
    let mut expected_sorted = expected.clone();
    expected_sorted.sort();
    assert_eq!(sorted, expected_sorted, "one service message per applied command");
    for node in &survivors {
        assert_eq!(f.applied(*node).service_messages(), service_messages, "node {node}");
    }
}

// 8. An idle session is timed out

#[test]
fn idle_session_is_timed_out() {
    let f = Fixture::new(3, 108, |_| {});
    let leader = f.elect();
    let mut client = f.connect(19_000);
    let session_id = client.cluster.cluster_session_id();
    f.send_all(&mut client, &[msg(1)], 1, 5_000);
    client.keep_alive = false;
    let idle_from_ns = f.h.now_ns();
    f.tick_until(6_000, "the session closed", &mut [&mut client], |_, c| {
        c[0].cluster.state() == ClientState::Closed
    });
    let idle_ms = (f.h.now_ns() - idle_from_ns) / 1_000_000;
    assert!(idle_ms >= 2_000, "closed after {idle_ms} ms idle, before the 2 s session timeout");
    assert!(
        client
            .listener
            .events
            .iter()
            .any(|(code, detail)| *code == EventCode::Closed && detail.contains("TIMEOUT")),
        "a CLOSED event with TIMEOUT: {:?}",
        client.listener.events
    );
    f.await_replicas_equal(&[0, 1, 2], 5_000, &mut [], |a| {
        a.closes() == vec![(session_id, CloseReason::Timeout)]
    });
    assert_eq!(f.h.nodes[leader].cm.lock().unwrap().session_count(), 0);
}

// 9. The maximum number of concurrent sessions

#[test]
fn connect_beyond_max_sessions_is_rejected() {
    let f = Fixture::new(3, 109, |config| config.max_concurrent_sessions = 2);
    let leader = f.elect();
    let endpoints = f.h.ingress_endpoints();
    let mut first = f.try_connect(&endpoints, 19_001, &mut []).expect("first session");
    let mut second = f.try_connect(&endpoints, 19_002, &mut [&mut first]).expect("second session");
    match f.try_connect(&endpoints, 19_003, &mut [&mut first, &mut second]) {
        Err(ClusterClientError::Rejected { detail }) => {
            assert!(detail.contains("concurrent session limit"), "{detail}");
        }
        Err(other) => panic!("expected a rejection, got {other}"),
        Ok(client) => panic!("a third session was accepted: {}", client.cluster.cluster_session_id()),
    }
    assert_eq!(f.h.nodes[leader].cm.lock().unwrap().session_count(), 2);
    // The two sessions still work, and once one closes a new client gets in.
    f.send_all(&mut first, &[msg(1)], 1, 5_000);
    f.send_all(&mut second, &[msg(2)], 1, 5_000);
    let first_id = first.cluster.cluster_session_id();
    first.cluster.close();
    f.tick_until(5_000, "the first session closed", &mut [&mut second], |f, _| {
        f.applied(leader).closes().iter().any(|(id, _)| *id == first_id)
    });
    let mut fourth = f.try_connect(&endpoints, 19_004, &mut [&mut second]).expect("a session after a close");
    f.send_all(&mut fourth, &[msg(4)], 1, 5_000);
}

// 10. A connect sent to a follower is redirected to the leader

#[test]
fn connect_to_a_follower_is_redirected_to_the_leader() {
    let f = Fixture::new(3, 110, |_| {});
    let leader = f.elect();
    let follower = (leader + 1) % 3;
    let endpoint = format!("{follower}=10.0.0.{}:9002", follower + 1);
    let mut client = f
        .try_connect(&endpoint, 19_000, &mut [])
        .unwrap_or_else(|e| panic!("connect via follower {follower}: {e}; {}", f.h.describe()));
    assert_eq!(client.cluster.leader_member_id(), leader as i32, "connected to the leader");
    let payloads: Vec<Vec<u8>> = (0..20).map(msg).collect();
    f.send_all(&mut client, &payloads, 4, 5_000);
    f.await_replicas_equal(&[0, 1, 2], 5_000, &mut [&mut client], |a| a.client_payloads() == payloads);
}

// 11. Bad ingress is dropped and the cluster keeps serving

fn encoded_session_message(term: i64, session_id: i64, payload: &[u8]) -> Vec<u8> {
    let header =
        SessionMessageHeader { leadership_term_id: term, cluster_session_id: session_id, timestamp: 0 };
    let mut bytes = vec![0u8; SESSION_HEADER_LENGTH + payload.len()];
    header.encode(&mut bytes).unwrap();
    bytes[SESSION_HEADER_LENGTH..].copy_from_slice(payload);
    bytes
}

/// The session events on a raw response subscription.
fn session_events(subscription: &mut Subscription) -> Vec<(i64, EventCode, String)> {
    let mut events = Vec::new();
    subscription.poll(
        &mut |fragment: &[u8], _header: &client::Header| {
            if let Ok(ClusterMessage::SessionEvent(event)) = decode_any(fragment) {
                events.push((event.correlation_id, event.code, event.detail.to_owned()));
            }
        },
        10,
    );
    events
}

/// A plain publication on `leader`'s ingress endpoint and stream (terms of 256 KiB, so that it can
/// carry messages larger than the cluster log's 8 KiB maximum), once connected.
fn raw_ingress(f: &Fixture, leader: usize, client: &mut TestClient) -> Publication {
    let raw: Publication = f
        .aeron
        .add_publication(&format!("aeron:udp?endpoint=10.0.0.{}:9002|term-length=256k", leader + 1), 101)
        .expect("raw ingress publication");
    f.tick_until(5_000, "raw publication connected", &mut [client], |_, _| raw.is_connected());
    raw
}

#[test]
fn bad_ingress_is_dropped_and_the_cluster_keeps_serving() {
    let f = Fixture::new(3, 111, |_| {});
    let leader = f.elect();
    let mut client = f.connect(19_000);
    let session_id = client.cluster.cluster_session_id();
    let term = client.cluster.leadership_term_id();
    f.send_all(&mut client, &[msg(0)], 1, 5_000);

    let raw = raw_ingress(&f, leader, &mut client);
    let mut responses =
        f.aeron.add_subscription(&format!("aeron:udp?endpoint={CLIENT_HOST}:19100"), 102).expect("responses");

    let valid = encoded_session_message(term, session_id, b"Mspoof");
    let mut wrong_schema = valid.clone();
    wrong_schema[4..6].copy_from_slice(&112u16.to_le_bytes());
    let mut truncated_body = valid.clone();
    truncated_body.truncate(20);
    let mut wrong_version_unknown_session = encoded_session_message(term, 9_999, b"Mversion");
    wrong_version_unknown_session[6..8].copy_from_slice(&999u16.to_le_bytes());
    let bad: Vec<(&str, Vec<u8>)> = vec![
        ("garbage", vec![0xde, 0xad, 0xbe, 0xef, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66]),
        ("truncated header", vec![24, 0, 1, 0, 111]),
        ("empty-ish", vec![0]),
        ("wrong schema id", wrong_schema),
        ("truncated body", truncated_body),
        ("unknown session", encoded_session_message(term, 9_999, b"Munknown")),
        ("wrong SBE version, unknown session", wrong_version_unknown_session),
        ("stale term", encoded_session_message(term - 1, session_id, b"Mstale")),
    ];
    for (what, bytes) in &bad {
        let mut sent = false;
        for _ in 0..1_000 {
            if raw.offer(bytes).is_ok() {
                sent = true;
                break;
            }
            f.tick(&mut [&mut client]);
        }
        assert!(sent, "{what} offered");
        f.ticks(20, &mut [&mut client]);
    }
    // A connect request with another major protocol version is answered with an error.
    let request = SessionConnectRequest {
        correlation_id: 77,
        response_stream_id: 102,
        version: CLIENT_PROTOCOL_SEMANTIC_VERSION + (5 << 16),
        response_channel: &format!("aeron:udp?endpoint={CLIENT_HOST}:19100"),
        encoded_credentials: &[],
        client_info: "",
    };
    let mut bytes = vec![0u8; request.encoded_length()];
    request.encode(&mut bytes).unwrap();
    f.tick_until(1_000, "connect request offered", &mut [&mut client], |_, _| raw.offer(&bytes).is_ok());
    let mut events = Vec::new();
    f.tick_until(5_000, "the bad version is rejected", &mut [&mut client], |_, _| {
        events.extend(session_events(&mut responses));
        !events.is_empty()
    });
    assert_eq!(events[0].0, 77);
    assert_eq!(events[0].1, EventCode::Error, "{events:?}");
    assert!(events[0].2.contains("version"), "{events:?}");

    // The well-behaved client is still served, and none of the bad messages reached the services.
    let payloads: Vec<Vec<u8>> = (1..50).map(msg).collect();
    f.send_all(&mut client, &payloads, 8, 10_000);
    let mut expected = vec![msg(0)];
    expected.extend(payloads.iter().cloned());
    let applied = f.await_replicas_equal(&[0, 1, 2], 5_000, &mut [&mut client], |a| {
        a.client_payloads().last() == expected.last()
    });
    assert_eq!(applied.client_payloads(), expected, "only the client's own messages were applied");
    let opens = applied.events.iter().filter(|e| matches!(e, Event::Open(_))).count();
    assert_eq!(opens, 1, "no session opened by the bad connect");
    assert_eq!(f.assert_one_leader(), leader);
    assert_eq!(client.cluster.state(), ClientState::Connected);
}

#[test]
fn oversize_ingress_message_is_dropped_and_the_leader_survives() {
    let f = Fixture::new(3, 112, |_| {});
    let leader = f.elect();
    let mut client = f.connect(19_000);
    let session_id = client.cluster.cluster_session_id();
    let term = client.cluster.leadership_term_id();
    f.send_all(&mut client, &[msg(0)], 1, 5_000);
    let raw = raw_ingress(&f, leader, &mut client);
    // A message of the client's own session, larger than the log's maximum message length (64 KiB
    // terms: 8 KiB) but within the raw publication's.
    let mut payload = vec![b'M'; 20_000];
    payload[1..5].copy_from_slice(&u32::MAX.to_le_bytes());
    let oversize = encoded_session_message(term, session_id, &payload);
    f.tick_until(1_000, "oversize message offered", &mut [&mut client], |_, _| raw.offer(&oversize).is_ok());
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f.ticks(50, &mut [&mut client])));
    if let Err(panic) = outcome {
        let text = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default();
        panic!(
            "BUG: a {} byte ingress message crashed the leader's consensus module (node {leader}) instead of \
             being dropped: {text}",
            oversize.len()
        );
    }
    let payloads: Vec<Vec<u8>> = (1..20).map(msg).collect();
    f.send_all(&mut client, &payloads, 4, 10_000);
    let mut expected = vec![msg(0)];
    expected.extend(payloads.iter().cloned());
    let applied = f.await_replicas_equal(&[0, 1, 2], 5_000, &mut [&mut client], |a| {
        a.client_payloads().last() == expected.last()
    });
    assert_eq!(applied.client_payloads(), expected, "the oversize message was not applied");
    assert_eq!(f.assert_one_leader(), leader);
}

// ------------------------------------------------------------------------------------------------
// Snapshots (issue 6)

impl Fixture {
    /// Asks the leader for a snapshot through its control toggle (as `fulmar tool NODE_DIR snapshot`
    /// does) and waits until every live member recorded `count` snapshots and is ACTIVE again.
    fn snapshot(&self, toggle: fulmar_cluster::ToggleState, count: i64, clients: &mut [&mut TestClient]) {
        let leader = self.h.leader().expect("a leader");
        assert!(self.h.nodes[leader].cm.lock().unwrap().cluster_control().toggle(toggle));
        self.tick_until(10_000, "every member recorded the snapshot", clients, |f, _| {
            f.alive().iter().all(|&n| {
                let cm = f.h.nodes[n].cm.lock().unwrap();
                cm.snapshot_count() >= count && cm.state() == fulmar_cluster::ModuleState::Active
            })
        });
    }

    /// Valid SNAPSHOT entries of `node`'s recording log: (log position, service id, recording id).
    fn snapshot_entries(&self, node: usize) -> Vec<(i64, i32, i64)> {
        let cm = self.h.nodes[node].cm.lock().unwrap();
        cm.recording_log()
            .entries()
            .iter()
            .filter(|e| e.is_valid_snapshot())
            .map(|e| (e.log_position, e.service_id, e.recording_id))
            .collect()
    }

    fn kill_all_and_restart(&mut self) {
        for node in 0..self.h.nodes.len() {
            self.h.kill(node);
        }
        for node in 0..self.h.nodes.len() {
            self.h.restart(node);
        }
    }
}

#[test]
fn snapshot_then_whole_cluster_restart_replays_only_the_tail() {
    let mut f = Fixture::new(3, 201, |_| {});
    f.elect();
    let mut client = f.connect(19_000);
    let head: Vec<Vec<u8>> = (0..200).map(msg).collect();
    f.send_all(&mut client, &head, 32, 10_000);
    f.snapshot(fulmar_cluster::ToggleState::Snapshot, 1, &mut [&mut client]);
    let at_snapshot = f.applied(0).events.len();
    for node in 0..3 {
        let entries = f.snapshot_entries(node);
        assert_eq!(entries.len(), 2, "node {node}: one service and one module entry: {entries:?}");
        assert_eq!(entries[0].0, entries[1].0, "one position");
        assert_eq!(f.applied(node).snapshots_taken, 1);
    }
    let tail: Vec<Vec<u8>> = (200..250).map(msg).collect();
    f.send_all(&mut client, &tail, 16, 10_000);
    client.cluster.close();
    let before = f.await_replicas_equal(&[0, 1, 2], 10_000, &mut [], |a| {
        a.client_payloads().len() == 250 && a.closes().len() == 1
    });

    f.kill_all_and_restart();
    f.elect();
    let after =
        f.await_replicas_equal(&[0, 1, 2], 20_000, &mut [], |a| a.events.len() >= before.events.len());
    assert_eq!(after.events, before.events, "state after the restart equals the state before");
    for node in 0..3 {
        let applied = f.applied(node);
        assert_eq!(applied.loaded, at_snapshot, "node {node} loaded the snapshot");
        assert_eq!(
            applied.applied_since_start,
            before.events.len() - at_snapshot,
            "node {node} replayed only the log after the snapshot"
        );
        // The module restored its sessions from its snapshot: the closed session is gone, and the next
        // session id continues.
        let cm = f.h.nodes[node].cm.lock().unwrap();
        assert_eq!(cm.session_count(), 0, "node {node}: {cm:?} {:?}", applied.closes());
    }
    let old_session_id = client.cluster.cluster_session_id();
    let mut client = f.connect(19_001);
    assert!(client.cluster.cluster_session_id() > old_session_id, "session ids are not reused");
    f.send_all(&mut client, &[msg(999)], 1, 5_000);
}

/// Two snapshots (after 100 and 200 messages) then 50 more messages; returns the events at each
/// snapshot and the final state.
fn two_snapshots(f: &Fixture) -> (usize, usize, Applied) {
    f.elect();
    let mut client = f.connect(19_000);
    let first: Vec<Vec<u8>> = (0..100).map(msg).collect();
    f.send_all(&mut client, &first, 32, 10_000);
    f.snapshot(fulmar_cluster::ToggleState::Snapshot, 1, &mut [&mut client]);
    let at_first = f.applied(0).events.len();
    let second: Vec<Vec<u8>> = (100..200).map(msg).collect();
    f.send_all(&mut client, &second, 32, 10_000);
    f.snapshot(fulmar_cluster::ToggleState::Snapshot, 2, &mut [&mut client]);
    let at_second = f.applied(0).events.len();
    let tail: Vec<Vec<u8>> = (200..250).map(msg).collect();
    f.send_all(&mut client, &tail, 16, 10_000);
    client.cluster.close();
    let before = f.await_replicas_equal(&[0, 1, 2], 10_000, &mut [], |a| {
        a.client_payloads().len() == 250 && a.closes().len() == 1
    });
    (at_first, at_second, before)
}

#[test]
fn invalidated_latest_snapshot_recovers_from_the_previous_one() {
    let mut f = Fixture::new(3, 202, |_| {});
    let (at_first, _at_second, before) = two_snapshots(&f);
    for node in 0..3 {
        f.h.kill(node);
    }
    // What `fulmar tool NODE_DIR invalidate-latest-snapshot` does, on every stopped node.
    for node in 0..3 {
        let mut log = fulmar_cluster::RecordingLog::open(
            &f.h.nodes[node].cluster_storage,
            fulmar_cluster::RecordingLogOptions::default(),
        )
        .expect("recording log");
        assert!(log.invalidate_latest_snapshot().expect("invalidate"));
    }
    for node in 0..3 {
        f.h.restart(node);
    }
    f.elect();
    let after =
        f.await_replicas_equal(&[0, 1, 2], 20_000, &mut [], |a| a.events.len() >= before.events.len());
    assert_eq!(after.events, before.events);
    for node in 0..3 {
        assert_eq!(f.applied(node).loaded, at_first, "node {node} loaded the first snapshot");
        assert_eq!(f.applied(node).applied_since_start, before.events.len() - at_first);
    }
}

#[test]
fn corrupt_snapshot_recording_is_detected_and_the_previous_snapshot_used() {
    let warnings: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = Arc::clone(&warnings);
    let mut f = Fixture::new(3, 203, move |config| {
        let sink = Arc::clone(&sink);
        config.warning_sink = Some(fulmar_cluster::WarningSink(Arc::new(move |w: &str| {
            sink.lock().unwrap().push(w.to_owned())
        })));
    });
    let (at_first, at_second, before) = two_snapshots(&f);
    assert!(at_second > at_first);
    for node in 0..3 {
        f.h.kill(node);
    }
    // Flip one byte of the newest service snapshot's application state on every node's disk.
    let mut corrupted = Vec::new();
    for node in 0..3 {
        let entries = f.snapshot_entries(node);
        let (_, _, recording_id) = *entries.iter().rev().find(|e| e.1 == 0).expect("a service snapshot");
        corrupted.push(recording_id);
        let storage = &f.h.nodes[node].archive_storage;
        let mut file = archive::ArchiveStorage::open(storage, &archive::segment_file_name(recording_id, 0))
            .expect("segment file");
        let mut byte = [0u8; 1];
        let offset = 1_000;
        archive::ArchiveFile::read_at(&file, offset, &mut byte).expect("read");
        byte[0] ^= 0x5a;
        archive::ArchiveFile::write_at(&mut file, offset, &byte).expect("write");
    }
    for node in 0..3 {
        f.h.restart(node);
    }
    f.elect();
    let after =
        f.await_replicas_equal(&[0, 1, 2], 20_000, &mut [], |a| a.events.len() >= before.events.len());
    assert_eq!(after.events, before.events, "the state is rebuilt from the first snapshot and the log");
    for (node, corrupt_recording_id) in corrupted.iter().enumerate() {
        assert_eq!(f.applied(node).loaded, at_first, "node {node} fell back to the first snapshot");
        // The corrupt set was invalidated; replaying the log past its SNAPSHOT action took that
        // snapshot again, which re-validated the entries with the new recordings (Aeron §4.2.7).
        let valid = f.snapshot_entries(node);
        assert_eq!(valid.len(), 4, "node {node}: {valid:?}");
        assert!(valid.iter().all(|e| e.2 != *corrupt_recording_id), "node {node}: {valid:?}");
    }
    let warnings = warnings.lock().unwrap();
    assert_eq!(warnings.len(), 3, "one warning per node: {warnings:?}");
    assert!(warnings.iter().all(|w| w.contains("checksum") && w.contains("falls back")), "{warnings:?}");
}

#[test]
fn shutdown_snapshots_and_stops_every_member_at_the_same_position() {
    let f = Fixture::new(3, 204, |_| {});
    f.elect();
    let mut client = f.connect(19_000);
    let payloads: Vec<Vec<u8>> = (0..100).map(msg).collect();
    f.send_all(&mut client, &payloads, 32, 10_000);
    let leader = f.h.leader().expect("leader");
    assert!(
        f.h.nodes[leader].cm.lock().unwrap().cluster_control().toggle(fulmar_cluster::ToggleState::Shutdown)
    );
    f.tick_until(20_000, "every member terminated", &mut [&mut client], |f, _| {
        (0..3).all(|n| f.h.nodes[n].cm.lock().unwrap().is_terminated())
    });
    let positions: Vec<i64> = (0..3).map(|n| f.h.nodes[n].cm.lock().unwrap().commit_position()).collect();
    assert!(positions.iter().all(|p| *p == positions[0]), "same final position: {positions:?}");
    for node in 0..3 {
        let entries = f.snapshot_entries(node);
        assert_eq!(entries.len(), 2, "node {node}: {entries:?}");
        assert!(entries.iter().all(|e| e.0 == positions[0]), "node {node} snapshot at the final position");
        assert_eq!(f.applied(node).client_payloads(), payloads, "node {node} applied everything");
        assert_eq!(f.applied(node).snapshots_taken, 1, "node {node}'s service took the final snapshot");
    }
}

#[test]
fn periodic_snapshots_under_load_lose_nothing() {
    let f = Fixture::new(3, 205, |config| config.snapshot_interval_ns = 150_000_000);
    f.elect();
    let mut client = f.connect(19_000);
    let payloads: Vec<Vec<u8>> = (0..3_000).map(msg).collect();
    f.send_all(&mut client, &payloads, 64, 30_000);
    let state =
        f.await_replicas_equal(&[0, 1, 2], 10_000, &mut [&mut client], |a| a.client_payloads() == payloads);
    assert_no_duplicates("client payloads", &state.client_payloads());
    for node in 0..3 {
        let count = f.h.nodes[node].cm.lock().unwrap().snapshot_count();
        assert!(count >= 2, "node {node} took {count} snapshots while the load ran");
    }
}

#[test]
fn leader_killed_during_a_snapshot_loses_nothing() {
    let mut f = Fixture::new(3, 206, |_| {});
    let old_leader = f.elect();
    let mut client = f.connect(19_000);
    let first: Vec<Vec<u8>> = (0..200).map(msg).collect();
    f.send_all(&mut client, &first, 32, 10_000);
    assert!(
        f.h.nodes[old_leader]
            .cm
            .lock()
            .unwrap()
            .cluster_control()
            .toggle(fulmar_cluster::ToggleState::Snapshot)
    );
    // Kill the leader as soon as it is snapshotting.
    f.tick_until(2_000, "the leader starts the snapshot", &mut [&mut client], |f, _| {
        f.h.nodes[old_leader].cm.lock().unwrap().state() == fulmar_cluster::ModuleState::Snapshot
    });
    f.h.kill(old_leader);
    f.await_new_leader(&mut client, old_leader);
    let more: Vec<Vec<u8>> = (200..300).map(msg).collect();
    f.send_all(&mut client, &more, 16, 20_000);
    let mut all = first.clone();
    all.extend(more.iter().cloned());
    let alive = f.alive();
    let state = f.await_replicas_equal(&alive, 10_000, &mut [&mut client], |a| a.client_payloads() == all);
    assert_no_duplicates("client payloads", &state.client_payloads());
    // The survivors can still snapshot, and the old leader rejoins: its log ends before the
    // survivors' snapshot, so it starts from a copy of that snapshot (snapshot catch-up).
    f.snapshot(fulmar_cluster::ToggleState::Snapshot, 1, &mut [&mut client]);
    let at_snapshot = f.applied(f.h.leader().expect("leader")).events.len();
    f.h.restart(old_leader);
    // One more message, so that every replica's last event is at the same position (the rejoined
    // node's service otherwise stands at the snapshot's position, after the snapshot action).
    f.send_all(&mut client, &[msg(300)], 1, 20_000);
    all.push(msg(300));
    f.await_replicas_equal(&[0, 1, 2], 20_000, &mut [&mut client], |a| a.client_payloads() == all);
    assert_eq!(f.applied(old_leader).loaded, at_snapshot, "the old leader started from the snapshot");
}

#[test]
fn snapshots_of_one_position_are_identical_across_members() {
    let f = Fixture::new(3, 207, |_| {});
    f.elect();
    let mut client = f.connect(19_000);
    let mut payloads: Vec<Vec<u8>> = (0..150).map(msg).collect();
    payloads.push(timer_command(11, 60_000));
    f.send_all(&mut client, &payloads, 32, 10_000);
    f.snapshot(fulmar_cluster::ToggleState::Snapshot, 1, &mut [&mut client]);
    // Every member's snapshots, read back from its archive's files (as the cluster tool does).
    let contents: Vec<Vec<Vec<Vec<u8>>>> = (0..3)
        .map(|node| {
            f.snapshot_entries(node)
                .iter()
                .map(|(_, _, recording_id)| {
                    fulmar_cluster::offline_snapshot::read_snapshot_recording(
                        &f.h.nodes[node].archive_storage,
                        *recording_id,
                    )
                    .unwrap_or_else(|e| panic!("node {node} recording {recording_id}: {e}"))
                })
                .collect()
        })
        .collect();
    for node in 1..3 {
        assert_eq!(contents[node].len(), 2);
        assert_eq!(contents[node][0], contents[0][0], "service snapshot of node {node} equals node 0's");
        assert_eq!(contents[node][1], contents[0][1], "module snapshot of node {node} equals node 0's");
    }
    let module = fulmar_cluster::ConsensusModuleSnapshot::decode(&contents[0][1]).expect("decodes");
    assert_eq!(module.sessions.len(), 1, "{module:?}");
    assert_eq!(module.timers.len(), 1, "the scheduled timer is in the snapshot: {module:?}");
}

#[test]
fn empty_node_joins_from_the_snapshot_after_the_log_was_purged() {
    let warnings: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = Arc::clone(&warnings);
    let mut f = Fixture::new(3, 208, move |config| {
        config.retained_snapshot_count = 1;
        let sink = Arc::clone(&sink);
        config.warning_sink = Some(fulmar_cluster::WarningSink(Arc::new(move |w: &str| {
            sink.lock().unwrap().push(w.to_owned())
        })));
    });
    let leader = f.elect();
    let mut client = f.connect(19_000);
    // More than one 256 KiB archive segment of log before the second snapshot, so that the second
    // snapshot purges at least the first segment on every member.
    let first: Vec<Vec<u8>> = (0..2_500).map(msg).collect();
    f.send_all(&mut client, &first, 64, 40_000);
    f.snapshot(fulmar_cluster::ToggleState::Snapshot, 1, &mut [&mut client]);
    let second: Vec<Vec<u8>> = (2_500..5_000).map(msg).collect();
    f.send_all(&mut client, &second, 64, 40_000);
    f.snapshot(fulmar_cluster::ToggleState::Snapshot, 2, &mut [&mut client]);
    let at_second = f.applied(leader).events.len();
    for node in 0..3 {
        let log_recording_id = f.h.nodes[node].cm.lock().unwrap().log_recording_id();
        let first_segment = archive::segment_file_name(log_recording_id, 0);
        assert!(
            !archive::ArchiveStorage::exists(&f.h.nodes[node].archive_storage, &first_segment).unwrap(),
            "node {node}: the log's first segment was purged"
        );
        assert_eq!(f.snapshot_entries(node).len(), 2, "node {node}: only the newest set is retained");
    }

    // Replace a follower's machine: nothing on disk.
    let wiped = (leader + 1) % 3;
    f.h.kill(wiped);
    f.h.restart_wiped(wiped);
    let tail: Vec<Vec<u8>> = (5_000..5_100).map(msg).collect();
    f.send_all(&mut client, &tail, 32, 20_000);
    let mut all = first.clone();
    all.extend(second.iter().cloned());
    all.extend(tail.iter().cloned());
    let state = f.await_replicas_equal(&[0, 1, 2], 20_000, &mut [&mut client], |a| {
        a.client_payloads().len() == all.len()
    });
    assert_eq!(state.client_payloads(), all);
    let applied = f.applied(wiped);
    assert_eq!(applied.loaded, at_second, "the wiped node started from the replicated snapshot");
    assert_eq!(
        applied.applied_since_start,
        state.events.len() - at_second,
        "then applied only the log after it"
    );
    let entries = f.snapshot_entries(wiped);
    assert_eq!(entries.len(), 2, "the replicated set is in the wiped node's recording.log: {entries:?}");
    let warnings = warnings.lock().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains(&format!("member {wiped}")) && w.contains("replicating that snapshot")),
        "{warnings:?}"
    );
}

/// An admin request from a client: answered, and a snapshot taken only when the authoriser allows it
/// (refused by default, as Aeron).
fn admin_snapshot_request(
    seed: u64,
    authoriser: Option<fulmar_cluster::AdminAuthoriser>,
) -> (AdminResponseCode, String, i64) {
    let f = Fixture::new(3, seed, move |config| config.admin_authoriser = authoriser.clone());
    f.elect();
    let mut client = f.connect(19_000);
    f.send_all(&mut client, &(0..50).map(msg).collect::<Vec<_>>(), 16, 10_000);
    assert!(client.cluster.send_admin_request_to_take_a_snapshot(4242));
    f.tick_until(5_000, "the admin response", &mut [&mut client], |_, clients| {
        !clients[0].listener.admin_responses.is_empty()
    });
    let (correlation_id, code, message) = client.listener.admin_responses[0].clone();
    assert_eq!(correlation_id, 4242);
    // Long enough for a snapshot to be taken everywhere if one was started.
    f.tick_until(5_000, "snapshots settle", &mut [&mut client], |f, _| {
        code != AdminResponseCode::Ok || (0..3).all(|n| f.h.nodes[n].cm.lock().unwrap().snapshot_count() >= 1)
    });
    f.ticks(200, &mut [&mut client]);
    let snapshots = (0..3).map(|n| f.h.nodes[n].cm.lock().unwrap().snapshot_count()).min().unwrap();
    (code, message, snapshots)
}

#[test]
fn authorised_admin_request_takes_a_snapshot() {
    let (code, message, snapshots) =
        admin_snapshot_request(209, Some(fulmar_cluster::AdminAuthoriser::allow_all()));
    assert_eq!(code, AdminResponseCode::Ok, "{message}");
    assert_eq!(snapshots, 1, "every member took the requested snapshot");
}

#[test]
fn admin_request_without_authorisation_is_refused() {
    let (code, message, snapshots) = admin_snapshot_request(210, None);
    assert_eq!(code, AdminResponseCode::UnauthorisedAccess);
    assert!(message.contains("not authorised"), "{message}");
    assert_eq!(snapshots, 0, "no snapshot was taken");
}

#[test]
fn authenticator_accepts_challenges_and_rejects_clients() {
    let f = Fixture::new(3, 211, |config| {
        config.authenticator =
            Some(fulmar_cluster::AuthenticatorHandle::new(fulmar_cluster::SecretAuthenticator::new(
                b"what is the word?".to_vec(),
                b"fulmar".to_vec(),
                b"alice".to_vec(),
            )))
    });
    f.elect();
    let endpoints = f.h.ingress_endpoints();
    // The secret in the connect request: accepted at once.
    let mut direct = f
        .try_connect_with(f.client_context(&endpoints, 19_001).credentials(b"fulmar".to_vec()), &mut [])
        .expect("the secret is accepted");
    // No credentials: challenged, and the answer carries the secret.
    let challenges: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
    let seen = Arc::clone(&challenges);
    let ctx = f.client_context(&endpoints, 19_002).challenge_handler(Box::new(move |challenge: &[u8]| {
        seen.lock().unwrap().push(challenge.to_vec());
        b"fulmar".to_vec()
    }));
    let mut challenged = f.try_connect_with(ctx, &mut [&mut direct]).expect("the challenge is answered");
    assert_eq!(*challenges.lock().unwrap(), vec![b"what is the word?".to_vec()]);
    // Wrong credentials: rejected.
    match f.try_connect_with(
        f.client_context(&endpoints, 19_003).credentials(b"guess".to_vec()),
        &mut [&mut direct, &mut challenged],
    ) {
        Err(ClusterClientError::AuthenticationRejected { .. }) => {}
        Err(other) => panic!("expected an authentication rejection, got {other}"),
        Ok(client) => {
            panic!("a client with wrong credentials was accepted: {}", client.cluster.cluster_session_id())
        }
    }
    // Both accepted sessions work, and every replica saw their principal in the log.
    f.send_all(&mut direct, &[msg(1)], 1, 5_000);
    f.send_all(&mut challenged, &[msg(2)], 1, 5_000);
    f.await_replicas_equal(&[0, 1, 2], 5_000, &mut [&mut direct, &mut challenged], |a| {
        a.client_payloads().len() == 2
    });
    for node in 0..3 {
        let principals = f.applied(node).principals;
        assert_eq!(principals.len(), 2, "node {node}: {principals:?}");
        assert!(principals.iter().all(|(_, p)| p == b"alice"), "node {node}: {principals:?}");
    }
}
