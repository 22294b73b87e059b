//! `fulmar bench failover`: how long a client goes without replies when the leader dies.
//!
//! ```text
//! fulmar bench failover --repeat 5 [--rate 1000] [--heartbeat-timeout 1s] [--json] [--verbose]
//! ```
//!
//! Method: three `fulmar node --service echo` processes on loopback (shared threading, leader heartbeat
//! timeout `--heartbeat-timeout`, default 1 s, heartbeat interval a tenth of it, election timeout
//! `--election-timeout`, default 200 ms) and one client session
//! in this process sending checksummed [`EchoMessage`]s open-loop at `--rate`. Each round: load for
//! `--load-before`, SIGKILL the leader, keep the load on until the first reply to a message sent after
//! the kill arrives (from the new leader); the *gap* is that reply's arrival minus the arrival of the
//! last reply to a message sent before the kill (replies already on their way from the old leader
//! count as before). Then
//! the killed node is restarted in its old directory and must announce FOLLOWER (bounded by
//! `--restart-timeout`) before the next round, so every round starts with all members. The report gives
//! each gap, min/p50/max and their ratio to the heartbeat timeout (target: at most 1.5×).
//!
//! Messages offered while there is no leader are refused and not retried (open loop), and messages in
//! flight at the kill may never be committed: both are counted, not failures. A corrupt, duplicated or
//! reordered reply fails the run, and so does a round with no reply after the kill within
//! `--reply-timeout`.
//!
//! Invariants: every wait is bounded; every node process is killed and the directory removed on every
//! exit path ([`NodeProcesses`]'s drop); the client thread parks when idle.

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use clap::Args;
use client::OfferError;
use cluster_client::{AeronCluster, EgressListener};
use protocol::cluster::EventCode;
use serde::Serialize;
use serde_json::json;

use super::bench_client::{BenchClient, backoff};
use super::cli_parse::parse_duration_ns;
use super::cluster_harness::{PORTS_PER_NODE, pick_base_port};
use super::echo_message::{EchoMessage, MIN_MESSAGE_LENGTH};
use super::node_processes::{NodeProcessSettings, NodeProcesses};

/// Members of the benchmark's cluster.
const NODES: i32 = 3;
/// The gap target, as a multiple of the heartbeat timeout.
const TARGET_RATIO: f64 = 1.5;

/// Arguments of `fulmar bench failover`.
#[derive(Debug, Args)]
pub struct FailoverArgs {
    /// How many times to kill the leader.
    #[arg(long, default_value_t = 3)]
    pub repeat: u32,
    /// Messages per second the client sends.
    #[arg(long, default_value_t = 1000)]
    pub rate: u64,
    /// Message length in bytes (at least 24).
    #[arg(long, default_value_t = 288)]
    pub size: usize,
    /// The leader heartbeat timeout the nodes run with (`aeron.cluster.leader.heartbeat.timeout`).
    #[arg(long, value_parser = parse_duration_ns, default_value = "1s")]
    pub heartbeat_timeout: i64,
    /// Steady load before each kill.
    #[arg(long, value_parser = parse_duration_ns, default_value = "1s")]
    pub load_before: i64,
    /// Longest wait for the first reply after a kill.
    #[arg(long, value_parser = parse_duration_ns, default_value = "30s")]
    pub reply_timeout: i64,
    /// The election timeout the nodes run with (`aeron.cluster.election.timeout`; a candidate's random
    /// nomination delay grows with it: 500ms, as `fulmar demo` runs, gives gaps of about 1.7 s).
    #[arg(long, value_parser = parse_duration_ns, default_value = "200ms")]
    pub election_timeout: i64,
    /// Longest wait for a restarted node to follow again.
    #[arg(long, value_parser = parse_duration_ns, default_value = "30s")]
    pub restart_timeout: i64,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Print every line the nodes write.
    #[arg(long)]
    pub verbose: bool,
    /// Keep the cluster directory for inspection.
    #[arg(long)]
    pub keep_dir: bool,
}

/// One kill's figures (milliseconds).
#[derive(Debug, Clone, Serialize)]
pub struct FailoverRound {
    /// The killed leader.
    pub killed_node: i32,
    /// The leader the client moved to.
    pub new_leader: i32,
    /// Arrival of the first reply to a message sent after the kill minus arrival of the last reply to
    /// a message sent before it.
    pub gap_ms: f64,
    /// The kill minus the last reply to a message sent before it (negative: that reply arrived after
    /// the kill, already on its way from the old leader).
    pub last_reply_before_kill_ms: f64,
    /// A surviving node announced LEADER this long after the kill (`None` if not seen).
    pub leader_elected_after_kill_ms: Option<f64>,
    /// The client was told of the new leader this long after the kill.
    pub client_new_leader_after_kill_ms: Option<f64>,
    /// The first reply arrived this long after the kill.
    pub first_reply_after_kill_ms: f64,
    /// The restarted node finished its election as a FOLLOWER this long after its restart.
    pub rejoined_after_restart_ms: f64,
}

/// The client's view of the replies.
#[derive(Default)]
struct Replies {
    size: usize,
    received: u64,
    last_sequence: Option<u64>,
    last_reply_at: Option<Instant>,
    /// The first sequence sent after the current kill.
    kill_sequence: Option<u64>,
    /// Arrival of the last reply to a message sent before the kill (late ones from the old leader too).
    last_before_kill: Option<Instant>,
    /// Arrival of the first reply to a message sent after the kill.
    first_after_kill: Option<Instant>,
    new_leader_at: Option<(i32, Instant)>,
    failure: Option<String>,
}

impl Replies {
    /// Starts a round: messages from `kill_sequence` on were sent after the kill.
    fn mark(&mut self, kill_sequence: u64) {
        self.kill_sequence = Some(kill_sequence);
        self.last_before_kill = self.last_reply_at;
        self.first_after_kill = None;
        self.new_leader_at = None;
    }
}

impl EgressListener for Replies {
    fn on_message(&mut self, _session: i64, _timestamp: i64, payload: &[u8]) {
        let now = Instant::now();
        let Some(message) = EchoMessage::verify(payload, self.size) else {
            self.failure.get_or_insert_with(|| format!("corrupt reply of {} bytes", payload.len()));
            return;
        };
        if self.last_sequence.is_some_and(|last| message.sequence <= last) {
            self.failure.get_or_insert_with(|| {
                format!(
                    "reply {} after reply {:?}: duplicated or reordered",
                    message.sequence, self.last_sequence
                )
            });
            return;
        }
        self.last_sequence = Some(message.sequence);
        self.received += 1;
        self.last_reply_at = Some(now);
        match self.kill_sequence {
            Some(kill_sequence) if message.sequence >= kill_sequence => {
                self.first_after_kill.get_or_insert(now);
            }
            Some(_) => self.last_before_kill = Some(now),
            None => {}
        }
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
        if code == EventCode::Closed || code == EventCode::Error {
            self.failure.get_or_insert_with(|| format!("session event {code:?}: {detail}"));
        }
    }

    fn on_new_leader(&mut self, _session: i64, _term: i64, leader_member_id: i32, _endpoints: &str) {
        self.new_leader_at.get_or_insert((leader_member_id, Instant::now()));
    }
}

/// The open-loop load: the session, its schedule and counts.
struct Load<'a> {
    client: &'a BenchClient,
    session: AeronCluster,
    replies: Replies,
    interval: Duration,
    next_send: Instant,
    sequence: u64,
    sent: u64,
    refused: u64,
    buffer: Vec<u8>,
    epoch: Instant,
    last_conductor: Instant,
    idle: sys::BackoffIdleStrategy,
}

impl Load<'_> {
    /// One turn: sends what is due (a refused offer skips its slot), polls the egress, runs the client
    /// conductor every millisecond, drains the nodes' output; parks (≤ 100 µs) when idle.
    fn turn(&mut self, nodes: &mut NodeProcesses) -> anyhow::Result<()> {
        let now = Instant::now();
        let mut work = 0;
        while self.next_send <= now {
            let intended_send_ns = self.next_send.duration_since(self.epoch).as_nanos() as u64;
            EchoMessage { sequence: self.sequence, intended_send_ns }.encode(&mut self.buffer);
            match self.session.offer(&self.buffer) {
                Ok(_) => self.sent += 1,
                Err(OfferError::BackPressured | OfferError::AdminAction | OfferError::NotConnected) => {
                    self.refused += 1
                }
                Err(error) => bail!("offer failed: {error} (client state {:?})", self.session.state()),
            }
            self.sequence += 1;
            self.next_send += self.interval;
            work += 1;
        }
        work += self.session.poll_egress(&mut self.replies);
        if let Some(failure) = self.replies.failure.take() {
            bail!("{failure}");
        }
        if now.duration_since(self.last_conductor) >= Duration::from_millis(1) {
            work += self.client.do_work();
            self.last_conductor = now;
            nodes.drain();
            if self.session.is_closed() {
                bail!("the cluster closed the client's session: {:?}", self.session.last_error());
            }
        }
        agrona::IdleStrategy::idle(&mut self.idle, work);
        Ok(())
    }

    /// Turns for `duration`; checks the nodes every 50 ms.
    fn run_for(&mut self, nodes: &mut NodeProcesses, duration: Duration) -> anyhow::Result<()> {
        let end = Instant::now() + duration;
        let mut last_check = Instant::now();
        while Instant::now() < end {
            self.turn(nodes)?;
            if last_check.elapsed() >= Duration::from_millis(50) {
                nodes.check_alive()?;
                last_check = Instant::now();
            }
        }
        Ok(())
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

/// The `q` quantile (nearest rank) of `values`, which must not be empty.
fn quantile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Runs `fulmar bench failover`.
pub fn run(args: FailoverArgs) -> anyhow::Result<()> {
    ensure!(args.repeat >= 1, "--repeat must be at least 1");
    ensure!(args.rate >= 1 && args.rate <= 100_000, "--rate must be 1..=100000");
    ensure!(args.size >= MIN_MESSAGE_LENGTH, "--size must be at least {MIN_MESSAGE_LENGTH} bytes");
    ensure!(args.heartbeat_timeout >= 100_000_000, "--heartbeat-timeout must be at least 100ms");
    let heartbeat_timeout_ms = args.heartbeat_timeout as f64 / 1e6;
    let base_port = pick_base_port(NODES as u16 * PORTS_PER_NODE + 1)?;
    let dir = std::env::temp_dir().join(format!("fulmar-bench-failover-{}", std::process::id()));
    let mut nodes = NodeProcesses::new(NodeProcessSettings {
        nodes: NODES,
        base_port,
        dir: dir.clone(),
        service: "echo".to_owned(),
        overrides: vec![
            "aeron.threading.mode=SHARED".to_owned(),
            format!("aeron.cluster.leader.heartbeat.timeout={}ns", args.heartbeat_timeout),
            format!("aeron.cluster.leader.heartbeat.interval={}ns", args.heartbeat_timeout / 10),
            "aeron.cluster.startup.canvass.timeout=2s".to_owned(),
            format!("aeron.cluster.election.timeout={}ns", args.election_timeout),
        ],
        verbose: args.verbose,
        keep_dir: args.keep_dir,
    })?;
    for node_id in 0..NODES {
        nodes.spawn(node_id)?;
    }
    let first_leader = nodes.await_leader(Duration::from_secs(30))?;
    if !args.json {
        println!(
            "fulmar bench failover: 3 `fulmar node` processes on 127.0.0.1:{base_port}.., node {first_leader} leads"
        );
        println!(
            "  load {} msg/s of {} bytes; leader heartbeat timeout {heartbeat_timeout_ms:.0} ms; {} kills",
            args.rate, args.size, args.repeat
        );
    }
    let endpoints = (0..NODES)
        .map(|id| format!("{id}=127.0.0.1:{}", base_port + id as u16 * PORTS_PER_NODE + 2))
        .collect::<Vec<_>>()
        .join(",");
    let egress = format!("127.0.0.1:{}", base_port + NODES as u16 * PORTS_PER_NODE);
    let mut client = BenchClient::launch(&dir.join("client"), 100_000)?;
    let session = client.connect(&endpoints, &egress, 20_000_000_000)?;
    let epoch = Instant::now();
    let mut load = Load {
        client: &client,
        session,
        replies: Replies { size: args.size, ..Replies::default() },
        interval: Duration::from_nanos(1_000_000_000 / args.rate),
        next_send: epoch,
        sequence: 0,
        sent: 0,
        refused: 0,
        buffer: vec![0u8; args.size],
        epoch,
        last_conductor: epoch,
        idle: backoff(100_000),
    };

    let mut rounds: Vec<FailoverRound> = Vec::new();
    let outcome = (|| -> anyhow::Result<()> {
        for round in 0..args.repeat {
            load.run_for(&mut nodes, Duration::from_nanos(args.load_before as u64))?;
            let before = load.replies.last_reply_at.context("no reply before the kill")?;
            ensure!(before.elapsed() < Duration::from_millis(200), "replies stopped before the kill");
            let leader = load.session.leader_member_id();
            if nodes.leader() != Some(leader) {
                bail!("the client talks to node {leader}, the nodes say {:?} leads", nodes.leader());
            }
            let killed_at = nodes.kill(leader)?;
            load.replies.mark(load.sequence);
            let deadline = killed_at + Duration::from_nanos(args.reply_timeout as u64);
            let first_after = loop {
                load.turn(&mut nodes)?;
                if let Some(first) = load.replies.first_after_kill {
                    break first;
                }
                if Instant::now() > deadline {
                    bail!(
                        "round {round}: no reply within {:?} of killing node {leader}",
                        deadline - killed_at
                    );
                }
            };
            let last_before = load.replies.last_before_kill.context("no reply before the kill")?;
            nodes.drain();
            let elected = nodes
                .role_changes()
                .iter()
                .find(|c| c.leader && c.at > killed_at && c.node_id != leader)
                .map(|c| ms(c.at - killed_at));
            let client_told = load.replies.new_leader_at.map(|(_, at)| ms(at - killed_at));
            // Restart the killed node in its old directory, under load, and wait for it to follow.
            load.run_for(&mut nodes, Duration::from_millis(300))?;
            nodes.spawn(leader)?;
            let restarted_at = Instant::now();
            let restart_deadline = restarted_at + Duration::from_nanos(args.restart_timeout as u64);
            while !nodes.is_following(leader) {
                load.run_for(&mut nodes, Duration::from_millis(20))?;
                if Instant::now() > restart_deadline {
                    bail!(
                        "round {round}: restarted node {leader} did not follow within {:?} (role {}, election {})",
                        restart_deadline - restarted_at,
                        nodes.role(leader),
                        nodes.election(leader)
                    );
                }
            }
            let rejoined = ms(restarted_at.elapsed());
            // Give it a moment to catch up before the next kill.
            load.run_for(&mut nodes, Duration::from_millis(500))?;
            let result = FailoverRound {
                killed_node: leader,
                new_leader: load.session.leader_member_id(),
                gap_ms: ms(first_after - last_before),
                last_reply_before_kill_ms: if last_before <= killed_at {
                    ms(killed_at - last_before)
                } else {
                    -ms(last_before - killed_at)
                },
                leader_elected_after_kill_ms: elected,
                client_new_leader_after_kill_ms: client_told,
                first_reply_after_kill_ms: ms(first_after - killed_at),
                rejoined_after_restart_ms: rejoined,
            };
            if !args.json {
                println!(
                    "  kill {}: node {} -> node {}: gap {:.1} ms ({:.2}x heartbeat timeout); elected after {}, \
                     client told after {}, first reply after {:.1} ms; restarted node followed after {:.0} ms",
                    round + 1,
                    result.killed_node,
                    result.new_leader,
                    result.gap_ms,
                    result.gap_ms / heartbeat_timeout_ms,
                    elected.map_or("?".to_owned(), |v| format!("{v:.0} ms")),
                    client_told.map_or("?".to_owned(), |v| format!("{v:.0} ms")),
                    result.first_reply_after_kill_ms,
                    result.rejoined_after_restart_ms,
                );
            }
            rounds.push(result);
        }
        Ok(())
    })();
    let (sent, received, refused) = (load.sent, load.replies.received, load.refused);
    load.session.close();
    client.do_work();
    drop(load);
    client.close();
    let stragglers = nodes.stop(Duration::from_secs(10));
    drop(nodes);

    let gaps: Vec<f64> = rounds.iter().map(|r| r.gap_ms).collect();
    let summary = (!gaps.is_empty()).then(|| {
        let (min, p50, max) = (quantile(&gaps, 0.0), quantile(&gaps, 0.5), quantile(&gaps, 1.0));
        (min, p50, max)
    });
    let target_met = summary.is_some_and(|(_, _, max)| max <= TARGET_RATIO * heartbeat_timeout_ms);
    if args.json {
        println!(
            "{}",
            json!({
                "benchmark": "failover", "nodes": NODES, "rate": args.rate, "size": args.size,
                "heartbeat_timeout_ms": heartbeat_timeout_ms, "repeat": args.repeat, "rounds": rounds,
                "gap_min_ms": summary.map(|s| s.0), "gap_p50_ms": summary.map(|s| s.1), "gap_max_ms": summary.map(|s| s.2),
                "gap_p50_ratio_to_heartbeat_timeout": summary.map(|s| s.1 / heartbeat_timeout_ms),
                "gap_max_ratio_to_heartbeat_timeout": summary.map(|s| s.2 / heartbeat_timeout_ms),
                "target_ratio": TARGET_RATIO, "target_met": target_met,
                "sent": sent, "received": received, "not_acknowledged": sent.saturating_sub(received),
                "refused_offers": refused, "nodes_killed_at_stop": stragglers,
                "error": outcome.as_ref().err().map(|e| format!("{e:#}")),
            })
        );
    } else if let Some((min, p50, max)) = summary {
        println!(
            "  gaps: min {min:.1} ms, p50 {p50:.1} ms, max {max:.1} ms = {:.2}x / {:.2}x / {:.2}x the heartbeat \
             timeout (target <= {TARGET_RATIO}x: {})",
            min / heartbeat_timeout_ms,
            p50 / heartbeat_timeout_ms,
            max / heartbeat_timeout_ms,
            if target_met { "met" } else { "NOT met" }
        );
        println!(
            "  messages: {sent} sent, {received} echoed, {} not acknowledged (sent to a dead leader or in flight \
             at a kill), {refused} refused while leaderless",
            sent.saturating_sub(received)
        );
    }
    outcome.with_context(|| format!("after {} of {} kills", rounds.len(), args.repeat))?;
    if !stragglers.is_empty() && !args.json {
        println!("  nodes that did not stop on SIGTERM: {stragglers:?}");
    }
    Ok(())
}
