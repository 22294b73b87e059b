//! [`Workload`]: the simulated clients. Each client holds one cluster session at a time (through
//! `cluster-client`'s `AeronCluster`, connected asynchronously), sends numbered [`WorkloadMessage`]s at
//! seeded intervals, sends keep-alives every 100 ms, and records every echo it receives as an
//! [`AckedMessage`]. A closed session (timeout, failed fail-over) is replaced by a new connect after a
//! back-off; sequence numbers continue per client and are never resent.
//!
//! Invariants: all choices come from the workload's own seeded generator; `acked` only grows, in the
//! order echoes were polled.

use std::sync::Arc;

use agrona::Prng;
use client::Aeron;
use cluster_client::{AeronCluster, AsyncClusterConnect, ClientState, ClusterClientContext, EgressListener};

use crate::sim_cluster::{CLIENT_HOST, SimCluster};
use crate::workload_message::{Echo, MessageAction, WorkloadMessage};

const KEEP_ALIVE_INTERVAL_NS: i64 = 100_000_000;
const RECONNECT_BACKOFF_NS: i64 = 200_000_000;
const FIRST_EGRESS_PORT: u16 = 19_000;
const MAX_PADDING: u64 = 48;

/// An echo a client received: the cluster acknowledged this message as applied at `log_position`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AckedMessage {
    /// The client.
    pub client_id: u32,
    /// The session the echo came on.
    pub session_id: i64,
    /// The echo's contents.
    pub echo: Echo,
    /// Simulated time it was received.
    pub received_ns: i64,
}

#[derive(Default)]
struct EgressBuffer {
    echoes: Vec<(i64, Echo)>,
    malformed: u64,
}

impl EgressListener for EgressBuffer {
    fn on_message(&mut self, cluster_session_id: i64, _timestamp: i64, payload: &[u8]) {
        match Echo::decode(payload) {
            Some(echo) => self.echoes.push((cluster_session_id, echo)),
            None => self.malformed += 1,
        }
    }
}

enum Connection {
    Backoff { until_ns: i64 },
    Connecting(Box<AsyncClusterConnect>),
    Connected(Box<AeronCluster>),
}

struct SimClient {
    id: u32,
    connection: Connection,
    next_seq: u64,
    next_send_ns: i64,
    last_keep_alive_ns: i64,
    connect_attempts: u32,
    sessions: u64,
}

/// The clients of one run. Build with [`Workload::new`], call [`Workload::tick`] after every cluster
/// step.
pub struct Workload {
    aeron: Aeron,
    clients: Vec<SimClient>,
    prng: Prng,
    message_interval_ns: i64,
    ingress_endpoints: String,
    clock: Arc<dyn agrona::NanoClock>,
    buffer: EgressBuffer,
    scratch: Vec<u8>,
    /// Every echo received, in order.
    pub acked: Vec<AckedMessage>,
    /// Messages the cluster accepted.
    pub sent: u64,
    /// Echoes that did not decode.
    pub malformed_echoes: u64,
}

impl Workload {
    /// `client_count` clients on the client host of `cluster`, each sending a message every
    /// `message_interval_ns` on average.
    pub fn new(cluster: &SimCluster, client_count: usize, message_interval_ns: i64, prng: Prng) -> Self {
        let clients = (0..client_count)
            .map(|id| SimClient {
                id: id as u32,
                connection: Connection::Backoff { until_ns: 0 },
                next_seq: 0,
                next_send_ns: 0,
                last_keep_alive_ns: 0,
                connect_attempts: 0,
                sessions: 0,
            })
            .collect();
        Self {
            aeron: cluster.client_aeron(),
            clients,
            prng,
            message_interval_ns,
            ingress_endpoints: cluster.ingress_endpoints(),
            clock: Arc::new(cluster.clock.clone()),
            buffer: EgressBuffer::default(),
            scratch: Vec::new(),
            acked: Vec::new(),
            sent: 0,
            malformed_echoes: 0,
        }
    }

    /// Sessions opened so far, over all clients.
    pub fn sessions_opened(&self) -> u64 {
        self.clients.iter().map(|c| c.sessions).sum()
    }

    /// Runs every client once at `now_ns`: connect steps, keep-alives, sends, egress polls.
    pub fn tick(&mut self, now_ns: i64) {
        self.aeron.conductor_do_work(now_ns);
        for index in 0..self.clients.len() {
            self.tick_client(index, now_ns);
        }
    }

    fn tick_client(&mut self, index: usize, now_ns: i64) {
        let client = &mut self.clients[index];
        let next = match &mut client.connection {
            Connection::Backoff { until_ns } => {
                if now_ns < *until_ns {
                    return;
                }
                client.connect_attempts += 1;
                let port =
                    FIRST_EGRESS_PORT + (client.id as u16) * 1000 + (client.connect_attempts % 1000) as u16;
                let ctx = ClusterClientContext::new(self.aeron.clone(), Arc::clone(&self.clock))
                    .ingress_channel("aeron:udp")
                    .ingress_endpoints(self.ingress_endpoints.clone())
                    .egress_channel(format!("aeron:udp?endpoint={CLIENT_HOST}:{port}"))
                    .message_timeout_ns(5_000_000_000)
                    .new_leader_timeout_ns(5_000_000_000);
                match AeronCluster::async_connect(ctx) {
                    Ok(connect) => Connection::Connecting(Box::new(connect)),
                    Err(_) => Connection::Backoff { until_ns: now_ns + RECONNECT_BACKOFF_NS },
                }
            }
            Connection::Connecting(connect) => match connect.poll(now_ns) {
                Ok(None) => return,
                Ok(Some(cluster)) => {
                    client.sessions += 1;
                    client.last_keep_alive_ns = now_ns;
                    Connection::Connected(Box::new(cluster))
                }
                Err(_) => Connection::Backoff { until_ns: now_ns + RECONNECT_BACKOFF_NS },
            },
            Connection::Connected(cluster) => {
                if cluster.state() == ClientState::Closed || cluster.is_closed() {
                    cluster.close();
                    Connection::Backoff { until_ns: now_ns + RECONNECT_BACKOFF_NS }
                } else {
                    if now_ns - client.last_keep_alive_ns >= KEEP_ALIVE_INTERVAL_NS {
                        cluster.send_keep_alive();
                        client.last_keep_alive_ns = now_ns;
                    }
                    if cluster.state() == ClientState::Connected && now_ns >= client.next_send_ns {
                        let roll = self.prng.gen_range(0..100);
                        let action = match roll {
                            0..10 => MessageAction::ScheduleTimer,
                            10..15 => MessageAction::ServiceOffer,
                            _ => MessageAction::Plain,
                        };
                        let message =
                            WorkloadMessage { action, client_id: client.id, client_seq: client.next_seq };
                        let padding = self.prng.gen_range(0..MAX_PADDING) as usize;
                        message.encode(padding, &mut self.scratch);
                        if cluster.offer(&self.scratch).is_ok() {
                            client.next_seq += 1;
                            self.sent += 1;
                        }
                        let interval = self.message_interval_ns.max(2) as u64;
                        client.next_send_ns =
                            now_ns + (interval / 2 + self.prng.gen_range(0..interval)) as i64;
                    }
                    self.buffer.echoes.clear();
                    cluster.poll_egress(&mut self.buffer);
                    for &(session_id, echo) in &self.buffer.echoes {
                        self.acked.push(AckedMessage {
                            client_id: client.id,
                            session_id,
                            echo,
                            received_ns: now_ns,
                        });
                    }
                    self.malformed_echoes += std::mem::take(&mut self.buffer.malformed);
                    return;
                }
            }
        };
        client.connection = next;
    }
}
