//! `fulmar bench recovery`: how fast a restarted node gets its state back — by replaying the log, and
//! by loading a snapshot — each beside the archive's raw replay throughput measured in the same run.
//!
//! ```text
//! fulmar bench recovery [--nodes 1] [--messages 200000] [--size 64] [--snapshot-mb 100] [--json]
//! ```
//!
//! Method: `fulmar node --service bench-state` processes on loopback
//! ([`BenchStateService`](super::bench_state_service::BenchStateService): echoes, counts the messages it
//! applied, holds state it snapshots, and prints `bench-state` lines that [`NodeProcesses`] stamps with
//! their arrival time).
//! - Baselines first, on a quiet machine: [`raw_replay`] (phase 3 of `fulmar bench archive`) of
//!   `--messages` messages of `--size` bytes, and of `--snapshot-mb` MiB in 1376-byte messages.
//! - Phase A, log replay: a client sends `--messages` echo messages (at most `--window` unanswered),
//!   checks every reply, closes its session; the nodes are stopped (SIGTERM) and restarted in their
//!   directories. Each node's service announces when it has applied the `--messages`-th message again.
//!   Reported: the service's replay time (its first replayed message to the last: messages/s and log
//!   MB/s, the log's length being the commit position before the stop) and the end-to-end time
//!   (process start to the last message applied, start-up included).
//! - Phase B, snapshot: fresh nodes whose services hold `--snapshot-mb` MiB of deterministic state;
//!   `fulmar tool NODE_DIR snapshot` on the leader; the *take* time runs from starting the tool to the
//!   leader's snapshot counter (type 205) incrementing. The nodes are stopped and restarted; the *load*
//!   time is the service's own (reading the snapshot in `on_start`) and end-to-end (process start to
//!   `on_start` done; and to LEADER). The loaded state must equal the written one (length, checksum,
//!   and the deterministic fill).
//!
//! Ratios: replay messages/s over the raw replay's messages/s; snapshot MB/s over the raw replay's MB/s.
//!
//! Invariants: every wait is bounded by `--timeout`; every node process is killed and every directory
//! removed on every exit path (unless `--keep-dir`); a failed snapshot (tool refused, counter not
//! incremented, state not loaded or not equal) fails the run, naming what was observed, including
//! `fulmar tool NODE_DIR errors`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use clap::Args;
use client::OfferError;
use cluster_client::EgressListener;
use node::port_scheme::INGRESS_PORT_OFFSET;
use protocol::cluster::EventCode;
use protocol::cluster::defaults::{COMMIT_POSITION_TYPE_ID, SNAPSHOT_COUNTER_TYPE_ID};
use serde::Serialize;
use serde_json::json;

use super::archive::{RawReplay, raw_replay};
use super::bench_client::{BenchClient, backoff};
use super::bench_state_service::BenchStateEvent;
use super::cli_parse::parse_duration_ns;
use super::cluster_harness::{PORTS_PER_NODE, pick_base_port};
use super::echo_message::{EchoMessage, MIN_MESSAGE_LENGTH};
use super::node_processes::{NodeEvent, NodeProcessSettings, NodeProcesses};

/// Message length of the snapshot's raw-replay baseline: the largest single-frame message.
const SNAPSHOT_BASELINE_MESSAGE: usize = 1376;

/// Arguments of `fulmar bench recovery`.
#[derive(Debug, Args)]
pub struct RecoveryArgs {
    /// Cluster members.
    #[arg(long, default_value_t = 1)]
    pub nodes: i32,
    /// Messages sent, then replayed (phase A).
    #[arg(long, default_value_t = 200_000)]
    pub messages: u64,
    /// Message length in bytes (at least 24).
    #[arg(long, default_value_t = 64)]
    pub size: usize,
    /// Service state in MiB written to and loaded from the snapshot (phase B).
    #[arg(long, default_value_t = 100)]
    pub snapshot_mb: u64,
    /// Most messages the client keeps unanswered.
    #[arg(long, default_value_t = 5_000)]
    pub window: u64,
    /// Bound of every wait (leader, replies, replay, snapshot, load).
    #[arg(long, value_parser = parse_duration_ns, default_value = "120s")]
    pub timeout: i64,
    /// Run only phase A (`replay`) or B (`snapshot`); default both.
    #[arg(long, default_value = "all")]
    pub phase: String,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Print every line the nodes write.
    #[arg(long)]
    pub verbose: bool,
    /// Keep the cluster directories for inspection.
    #[arg(long)]
    pub keep_dir: bool,
}

/// A throughput figure beside its baseline.
#[derive(Debug, Clone, Serialize)]
pub struct Throughput {
    /// Seconds taken.
    pub seconds: f64,
    /// Messages per second (when messages are counted).
    pub messages_per_second: Option<f64>,
    /// Megabytes (10^6 bytes) per second.
    pub megabytes_per_second: f64,
}

impl Throughput {
    fn of(elapsed: Duration, messages: Option<u64>, bytes: u64) -> Self {
        let seconds = elapsed.as_secs_f64().max(1e-9);
        Self {
            seconds,
            messages_per_second: messages.map(|m| m as f64 / seconds),
            megabytes_per_second: bytes as f64 / seconds / 1e6,
        }
    }

    fn raw(replay: &RawReplay) -> Self {
        Self::of(replay.elapsed, Some(replay.messages), replay.bytes)
    }
}

/// Phase A's figures (the slowest node's).
#[derive(Debug, Clone, Serialize)]
pub struct ReplayResult {
    /// Messages sent and echoed before the stop.
    pub messages: u64,
    /// The live run: first send to last reply.
    pub live: Throughput,
    /// Log length (commit position before the stop).
    pub log_bytes: u64,
    /// The service's replay: its first replayed message to the last.
    pub replay: Throughput,
    /// Process start to the last message applied.
    pub end_to_end: Throughput,
    /// Process start to the first message replayed (ms).
    pub startup_ms: f64,
    /// Process start to LEADER (ms), if seen.
    pub leader_after_restart_ms: Option<f64>,
    /// The raw archive replay of the same messages.
    pub baseline: Throughput,
    /// `replay.messages_per_second / baseline.messages_per_second`.
    pub replay_ratio_to_raw: f64,
    /// `end_to_end.messages_per_second / baseline.messages_per_second`.
    pub end_to_end_ratio_to_raw: f64,
}

/// Phase B's figures.
#[derive(Debug, Clone, Serialize)]
pub struct SnapshotResult {
    /// Service state bytes.
    pub state_bytes: u64,
    /// Snapshot messages the service wrote (header included).
    pub snapshot_messages: u64,
    /// Their maximum length.
    pub message_length: u64,
    /// The service's copy of its state into the writer (ms).
    pub capture_ms: f64,
    /// Tool start to the snapshot counter incrementing.
    pub take: Throughput,
    /// The service reading the snapshot in `on_start`.
    pub load: Throughput,
    /// The service's check of the loaded state (ms; not in `load`).
    pub verify_ms: f64,
    /// Process start to `on_start` done.
    pub load_end_to_end: Throughput,
    /// Process start to LEADER (ms), if seen.
    pub leader_after_restart_ms: Option<f64>,
    /// The raw archive replay of as many bytes.
    pub baseline: Throughput,
    /// `take.megabytes_per_second / baseline.megabytes_per_second`.
    pub take_ratio_to_raw: f64,
    /// `load.megabytes_per_second / baseline.megabytes_per_second`.
    pub load_ratio_to_raw: f64,
    /// `load_end_to_end.megabytes_per_second / baseline.megabytes_per_second`.
    pub load_end_to_end_ratio_to_raw: f64,
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

/// The value of the first counter of `type_id` in the CnC of `driver_dir` (`None` if absent).
fn read_counter(driver_dir: &Path, type_id: i32) -> anyhow::Result<Option<i64>> {
    let view = crate::stat::open_cnc(driver_dir)?;
    let mut found = None;
    view.counters.for_each(|id, counter_type_id, _key, _label| {
        if found.is_none() && counter_type_id == type_id {
            found = Some(id);
        }
    });
    Ok(found.map(|id| view.counters.counter_value(id)))
}

/// Runs `fulmar ARGS...` to completion (bounded by `timeout`); returns (exit code, stdout + stderr).
fn run_fulmar(args: &[&str], timeout: Duration) -> anyhow::Result<(Option<i32>, String)> {
    let exe = std::env::current_exe().context("locating the fulmar executable")?;
    let mut child = Command::new(exe)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting fulmar {}", args.join(" ")))?;
    let deadline = Instant::now() + timeout;
    while child.try_wait()?.is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let output = child.wait_with_output()?;
    let text =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    Ok((output.status.code(), text.trim().to_owned()))
}

/// The cluster of one phase: processes, their directory and ports.
struct Phase {
    nodes: NodeProcesses,
    dir: PathBuf,
    base_port: u16,
    count: i32,
    timeout: Duration,
}

impl Phase {
    fn start(args: &RecoveryArgs, name: &str, node_args: Vec<String>) -> anyhow::Result<Self> {
        let base_port = pick_base_port(args.nodes as u16 * PORTS_PER_NODE + 1)?;
        let dir = std::env::temp_dir().join(format!("fulmar-bench-recovery-{}-{name}", std::process::id()));
        let mut nodes = NodeProcesses::new(NodeProcessSettings {
            nodes: args.nodes,
            base_port,
            dir: dir.clone(),
            service: "bench-state".to_owned(),
            overrides: vec![
                "aeron.threading.mode=SHARED".to_owned(),
                "aeron.cluster.leader.heartbeat.timeout=10s".to_owned(),
                "aeron.cluster.startup.canvass.timeout=20s".to_owned(),
                "aeron.cluster.election.timeout=200ms".to_owned(),
            ],
            verbose: args.verbose,
            keep_dir: args.keep_dir,
        })?;
        nodes.set_node_args(node_args);
        let mut phase = Self {
            nodes,
            dir,
            base_port,
            count: args.nodes,
            timeout: Duration::from_nanos(args.timeout as u64),
        };
        phase.spawn_all()?;
        Ok(phase)
    }

    fn spawn_all(&mut self) -> anyhow::Result<Instant> {
        let at = Instant::now();
        for node_id in 0..self.count {
            self.nodes.spawn(node_id)?;
        }
        Ok(at)
    }

    fn node_dir(&self, node_id: i32) -> PathBuf {
        self.dir.join(format!("node{node_id}"))
    }

    /// Waits until every node printed an event after index `since` that `matches`; returns them.
    fn await_events(
        &mut self,
        since: usize,
        what: &str,
        matches: impl Fn(&BenchStateEvent) -> bool,
    ) -> anyhow::Result<Vec<NodeEvent>> {
        let deadline = Instant::now() + self.timeout;
        loop {
            self.nodes.drain();
            if let Err(error) = self.nodes.check_alive() {
                return self.with_errors(Err(error.context(format!("waiting for {what}"))));
            }
            let found: Vec<NodeEvent> = (0..self.count)
                .filter_map(|id| {
                    self.nodes.events()[since..]
                        .iter()
                        .find(|e| e.node_id == id && matches(&e.event))
                        .cloned()
                })
                .collect();
            if found.len() == self.count as usize {
                return Ok(found);
            }
            if Instant::now() > deadline {
                let error = anyhow::anyhow!(
                    "{what}: only {} of {} nodes within {:?}",
                    found.len(),
                    self.count,
                    self.timeout
                );
                return self.with_errors(Err(error));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// The first LEADER announcement after `since`, in ms after it.
    fn leader_after(&self, since: Instant) -> Option<f64> {
        self.nodes.role_changes().iter().find(|c| c.leader && c.at >= since).map(|c| ms(c.at - since))
    }

    /// Waits for a leader whose election closed; returns it.
    fn await_closed_leader(&mut self) -> anyhow::Result<i32> {
        let deadline = Instant::now() + self.timeout;
        loop {
            let leader = match self.nodes.await_leader(self.timeout) {
                Ok(leader) => leader,
                Err(error) => return self.with_errors(Err(error)),
            };
            if self.nodes.election(leader) == "CLOSED" {
                return Ok(leader);
            }
            if Instant::now() > deadline {
                bail!("node {leader} leads but its election did not close within {:?}", self.timeout);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// SIGTERM to every node; errors if one had to be killed.
    fn stop(&mut self) -> anyhow::Result<()> {
        let killed = self.nodes.stop(Duration::from_secs(30));
        ensure!(killed.is_empty(), "nodes {killed:?} did not stop on SIGTERM within 30 s");
        Ok(())
    }

    /// `result`, with every node's error logs added to an error.
    fn with_errors<T>(&self, result: anyhow::Result<T>) -> anyhow::Result<T> {
        result.map_err(|error| {
            let report = self.errors_report();
            anyhow::anyhow!("{error:#}\n{report}")
        })
    }

    /// `fulmar tool NODE_DIR errors` of every node, for failure reports.
    fn errors_report(&self) -> String {
        (0..self.count)
            .map(|id| {
                let dir = self.node_dir(id);
                let path = dir.to_string_lossy();
                match run_fulmar(&["tool", &path, "errors"], Duration::from_secs(20)) {
                    Ok((code, text)) => format!("`fulmar tool {path} errors` (exit {code:?}):\n{text}"),
                    Err(error) => format!("`fulmar tool {path} errors` failed: {error:#}"),
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Checks the echo replies: every one verified and in order.
struct Replies {
    size: usize,
    next_sequence: u64,
    failure: Option<String>,
}

impl EgressListener for Replies {
    fn on_message(&mut self, _session: i64, _timestamp: i64, payload: &[u8]) {
        match EchoMessage::verify(payload, self.size) {
            Some(message) if message.sequence == self.next_sequence => self.next_sequence += 1,
            Some(message) => {
                let expected = self.next_sequence;
                self.failure.get_or_insert_with(|| {
                    format!("expected reply {expected}, received {}", message.sequence)
                });
            }
            None => {
                self.failure.get_or_insert_with(|| format!("corrupt reply of {} bytes", payload.len()));
            }
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
        if code != EventCode::Ok {
            self.failure.get_or_insert_with(|| format!("session event {code:?}: {detail}"));
        }
    }

    fn on_new_leader(&mut self, _session: i64, term: i64, leader_member_id: i32, _endpoints: &str) {
        self.failure
            .get_or_insert_with(|| format!("the leader changed (node {leader_member_id}, term {term})"));
    }
}

/// Sends `args.messages` echo messages and waits for every reply; returns the time taken.
fn send_messages(args: &RecoveryArgs, phase: &mut Phase) -> anyhow::Result<Duration> {
    let endpoints = (0..phase.count)
        .map(|id| {
            format!("{id}=127.0.0.1:{}", phase.base_port + id as u16 * PORTS_PER_NODE + INGRESS_PORT_OFFSET)
        })
        .collect::<Vec<_>>()
        .join(",");
    let egress = format!("127.0.0.1:{}", phase.base_port + phase.count as u16 * PORTS_PER_NODE);
    let mut client = BenchClient::launch(&phase.dir.join("client"), 100_000)?;
    let mut session = client.connect(&endpoints, &egress, 20_000_000_000)?;
    let mut replies = Replies { size: args.size, next_sequence: 0, failure: None };
    let mut buffer = vec![0u8; args.size];
    let mut idle = backoff(100_000);
    let start = Instant::now();
    let deadline = start + phase.timeout;
    let mut sent = 0u64;
    let mut encoded = None;
    let mut last_housekeeping = start;
    let outcome = 'send: loop {
        if replies.next_sequence >= args.messages {
            break Ok(start.elapsed());
        }
        let mut work = 0usize;
        while sent < args.messages && sent - replies.next_sequence < args.window {
            if encoded != Some(sent) {
                EchoMessage { sequence: sent, intended_send_ns: 0 }.encode(&mut buffer);
                encoded = Some(sent);
            }
            match session.offer(&buffer) {
                Ok(_) => {
                    sent += 1;
                    work += 1;
                }
                Err(OfferError::BackPressured | OfferError::AdminAction | OfferError::NotConnected) => break,
                Err(error) => break 'send Err(anyhow::anyhow!("offer failed: {error}")),
            }
        }
        work += session.poll_egress(&mut replies);
        if let Some(failure) = replies.failure.take() {
            break Err(anyhow::anyhow!("{failure}"));
        }
        let now = Instant::now();
        if now.duration_since(last_housekeeping) >= Duration::from_millis(1) {
            work += client.do_work();
            last_housekeeping = now;
            phase.nodes.drain();
            if session.is_closed() {
                break Err(anyhow::anyhow!("the cluster closed the session: {:?}", session.last_error()));
            }
        }
        if now > deadline {
            break Err(anyhow::anyhow!(
                "{} of {} replies after {:?} ({sent} sent)",
                replies.next_sequence,
                args.messages,
                phase.timeout
            ));
        }
        agrona::IdleStrategy::idle(&mut idle, work);
    };
    // Close the session (its close is appended to the log) and give it time to be committed.
    session.close();
    let linger = Instant::now() + Duration::from_millis(300);
    while Instant::now() < linger {
        client.do_work();
        phase.nodes.drain();
        std::thread::sleep(Duration::from_millis(5));
    }
    drop(session);
    client.close();
    outcome
}

/// Phase A.
fn replay_phase(args: &RecoveryArgs, baseline: &RawReplay) -> anyhow::Result<ReplayResult> {
    let announce = format!("announce-at={}", args.messages);
    let mut phase = Phase::start(args, "replay", vec!["--service-option".to_owned(), announce])?;
    let leader = phase.await_closed_leader()?;
    let live_elapsed = send_messages(args, &mut phase)?;
    let log_bytes = read_counter(&phase.node_dir(leader).join("driver"), COMMIT_POSITION_TYPE_ID)?
        .context("no commit position counter")?;
    phase.stop()?;
    let since = phase.nodes.events().len();
    let restarted_at = phase.spawn_all()?;
    let expected = args.messages;
    let firsts = phase.await_events(since, "first replayed message", |e| e.event == "first-message")?;
    let applied = phase.await_events(since, "replay of the whole log", |e| {
        e.event == "applied" && e.number("applied") == Some(expected)
    })?;
    let _ = phase.await_closed_leader();
    let leader_after = phase.leader_after(restarted_at);
    phase.stop()?;

    let slowest = applied.iter().max_by_key(|e| e.at).context("no node replayed")?;
    let replay_ns =
        applied.iter().filter_map(|e| e.event.number("replay_ns")).max().context("no replay_ns")?;
    let first = firsts.iter().map(|e| e.at).max().context("no first message")?;
    let replay = Throughput::of(Duration::from_nanos(replay_ns), Some(expected), log_bytes as u64);
    let end_to_end = Throughput::of(slowest.at - restarted_at, Some(expected), log_bytes as u64);
    let baseline = Throughput::raw(baseline);
    let raw_rate = baseline.messages_per_second.unwrap_or(f64::NAN);
    Ok(ReplayResult {
        messages: expected,
        live: Throughput::of(live_elapsed, Some(expected), log_bytes as u64),
        log_bytes: log_bytes as u64,
        replay_ratio_to_raw: replay.messages_per_second.unwrap_or(0.0) / raw_rate,
        end_to_end_ratio_to_raw: end_to_end.messages_per_second.unwrap_or(0.0) / raw_rate,
        replay,
        end_to_end,
        startup_ms: ms(first - restarted_at),
        leader_after_restart_ms: leader_after,
        baseline,
    })
}

/// Triggers the snapshot with `fulmar tool` on `leader` and waits for the snapshot counter to move;
/// returns the time from starting the tool.
fn take_snapshot(phase: &mut Phase, leader: i32) -> anyhow::Result<Duration> {
    let driver_dir = phase.node_dir(leader).join("driver");
    let before = read_counter(&driver_dir, SNAPSHOT_COUNTER_TYPE_ID)?
        .context("the leader has no snapshot counter (type 205)")?;
    let exe = std::env::current_exe().context("locating the fulmar executable")?;
    let timeout_ms = phase.timeout.as_millis().to_string();
    let started = Instant::now();
    let mut tool = Command::new(exe)
        .arg("tool")
        .arg(phase.node_dir(leader))
        .args(["snapshot", "--timeout-ms", &timeout_ms])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting fulmar tool snapshot")?;
    let view = crate::stat::open_cnc(&driver_dir)?;
    let mut counter_id = None;
    view.counters.for_each(|id, type_id, _key, _label| {
        if counter_id.is_none() && type_id == SNAPSHOT_COUNTER_TYPE_ID {
            counter_id = Some(id);
        }
    });
    let counter_id = counter_id.context("snapshot counter vanished")?;
    let deadline = started + phase.timeout;
    let mut tool_exit = None;
    let taken = loop {
        if view.counters.counter_value(counter_id) > before {
            break Some(started.elapsed());
        }
        if tool_exit.is_none() {
            tool_exit = tool.try_wait()?;
        }
        // A tool that gave up (exit 1) means the request was refused or timed out.
        if tool_exit.is_some_and(|status| !status.success()) || Instant::now() > deadline {
            break None;
        }
        phase.nodes.drain();
        phase.nodes.check_alive()?;
        std::thread::sleep(Duration::from_micros(200));
    };
    if tool_exit.is_none() && Instant::now() > deadline {
        let _ = tool.kill();
    }
    let output = tool.wait_with_output()?;
    let tool_text =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    match taken {
        Some(elapsed) => {
            ensure!(
                output.status.success(),
                "the snapshot counter moved but `fulmar tool snapshot` said: {tool_text}"
            );
            Ok(elapsed)
        }
        None => bail!(
            "snapshot not taken: counter {} stayed at {before} for {:?}; `fulmar tool snapshot` (exit {:?}): {}\n{}",
            SNAPSHOT_COUNTER_TYPE_ID,
            started.elapsed(),
            output.status.code(),
            tool_text.trim(),
            phase.errors_report()
        ),
    }
}

/// Phase B.
fn snapshot_phase(args: &RecoveryArgs, baseline: &RawReplay) -> anyhow::Result<SnapshotResult> {
    let state_bytes = args.snapshot_mb << 20;
    let option = format!("state-bytes={state_bytes}");
    let mut phase = Phase::start(args, "snapshot", vec!["--service-option".to_owned(), option])?;
    let started = phase.await_events(0, "service start", |e| e.event == "started")?;
    let initial_checksum = started[0].event.field("checksum").unwrap_or_default().to_owned();
    let leader = phase.await_closed_leader()?;
    let since = phase.nodes.events().len();
    let take_elapsed = take_snapshot(&mut phase, leader)?;
    let taken =
        phase.await_events(since, "snapshot taken by the service", |e| e.event == "snapshot-taken")?;
    let taken = taken.iter().find(|e| e.node_id == leader).unwrap_or(&taken[0]).event.clone();
    ensure!(taken.field("refused") == Some("false"), "the snapshot writer refused a message: {taken:?}");
    let written_checksum = taken.field("checksum").unwrap_or_default().to_owned();
    ensure!(written_checksum == initial_checksum, "the state changed before the snapshot: {taken:?}");
    phase.stop()?;

    let since = phase.nodes.events().len();
    let restarted_at = phase.spawn_all()?;
    let loaded = phase.await_events(since, "service restart", |e| e.event == "started")?;
    for event in &loaded {
        let fields = &event.event;
        if fields.field("snapshot") != Some("loaded") {
            bail!(
                "node {} restarted without loading the snapshot: {fields:?}\n{}",
                event.node_id,
                phase.errors_report()
            );
        }
        ensure!(
            fields.field("verified") == Some("true")
                && fields.number("state_bytes") == Some(state_bytes)
                && fields.field("checksum") == Some(written_checksum.as_str()),
            "node {}: the loaded state differs from the written one (wrote {state_bytes} bytes, checksum \
             {written_checksum}): {fields:?}",
            event.node_id
        );
    }
    let _ = phase.await_closed_leader();
    let leader_after = phase.leader_after(restarted_at);
    phase.stop()?;

    let load_ns = loaded.iter().filter_map(|e| e.event.number("load_ns")).max().context("no load_ns")?;
    let verify_ns = loaded.iter().filter_map(|e| e.event.number("verify_ns")).max().unwrap_or(0);
    let last_loaded = loaded.iter().map(|e| e.at).max().context("no load")?;
    let take = Throughput::of(take_elapsed, None, state_bytes);
    let load = Throughput::of(Duration::from_nanos(load_ns), None, state_bytes);
    let load_end_to_end = Throughput::of(last_loaded - restarted_at, None, state_bytes);
    let baseline = Throughput::raw(baseline);
    let raw = baseline.megabytes_per_second;
    Ok(SnapshotResult {
        state_bytes,
        snapshot_messages: taken.number("messages").unwrap_or(0),
        message_length: taken.number("message_length").unwrap_or(0),
        capture_ms: taken.number("capture_ns").unwrap_or(0) as f64 / 1e6,
        take_ratio_to_raw: take.megabytes_per_second / raw,
        load_ratio_to_raw: load.megabytes_per_second / raw,
        load_end_to_end_ratio_to_raw: load_end_to_end.megabytes_per_second / raw,
        take,
        load,
        verify_ms: verify_ns as f64 / 1e6,
        load_end_to_end,
        leader_after_restart_ms: leader_after,
        baseline,
    })
}

fn line(name: &str, figure: &Throughput) -> String {
    let rate = figure.messages_per_second.map_or(String::new(), |r| format!("{r:>12.0} msg/s"));
    format!("  {name:<48} {:>9.1} MB/s {rate:>18}  ({:.3} s)", figure.megabytes_per_second, figure.seconds)
}

/// Runs `fulmar bench recovery`.
pub fn run(args: RecoveryArgs) -> anyhow::Result<()> {
    ensure!((1..=9).contains(&args.nodes), "--nodes must be 1..=9");
    ensure!(
        args.size >= MIN_MESSAGE_LENGTH && args.size <= 1376,
        "--size must be {MIN_MESSAGE_LENGTH}..=1376"
    );
    ensure!(args.messages > 0 && args.window > 0, "--messages and --window must be positive");
    ensure!(args.snapshot_mb > 0, "--snapshot-mb must be positive");
    let (run_replay, run_snapshot) = match args.phase.as_str() {
        "all" => (true, true),
        "replay" => (true, false),
        "snapshot" => (false, true),
        other => bail!("--phase must be all, replay or snapshot, not {other:?}"),
    };
    let state_bytes = args.snapshot_mb << 20;
    // Baselines first, on a quiet machine.
    let replay_baseline = run_replay.then(|| raw_replay(args.size, args.messages)).transpose()?;
    let snapshot_baseline = run_snapshot
        .then(|| {
            raw_replay(SNAPSHOT_BASELINE_MESSAGE, state_bytes.div_ceil(SNAPSHOT_BASELINE_MESSAGE as u64))
        })
        .transpose()?;

    let replay = replay_baseline
        .as_ref()
        .map(|b| replay_phase(&args, b))
        .transpose()
        .context("phase A (log replay)")?;
    if let (Some(result), false) = (&replay, args.json) {
        println!(
            "recovery bench, log replay: {} node(s), {} messages of {} bytes, {} log bytes",
            args.nodes, result.messages, args.size, result.log_bytes
        );
        println!("{}", line("live: client send to last echo", &result.live));
        println!("{}", line("replay: service, first to last message", &result.replay));
        println!("{}", line("replay: end to end (process start to last)", &result.end_to_end));
        println!("{}", line("baseline: archive raw replay, same messages", &result.baseline));
        println!(
            "  start-up before the first replayed message: {:.0} ms; LEADER after {}",
            result.startup_ms,
            result.leader_after_restart_ms.map_or("?".to_owned(), |v| format!("{v:.0} ms"))
        );
        println!("  ratio replay / raw replay (msg/s):        {:.3}", result.replay_ratio_to_raw);
        println!("  ratio end to end / raw replay (msg/s):    {:.3}", result.end_to_end_ratio_to_raw);
    }
    let snapshot = snapshot_baseline
        .as_ref()
        .map(|b| snapshot_phase(&args, b))
        .transpose()
        .context("phase B (snapshot)")?;
    if let (Some(result), false) = (&snapshot, args.json) {
        println!(
            "recovery bench, snapshot: {} node(s), {} MiB of service state in {} messages of up to {} bytes",
            args.nodes, args.snapshot_mb, result.snapshot_messages, result.message_length
        );
        println!("{}", line("take: tool start to snapshot counter +1", &result.take));
        println!("{}", line("load: service reads the snapshot (on_start)", &result.load));
        println!("{}", line("load: end to end (process start to loaded)", &result.load_end_to_end));
        println!("{}", line("baseline: archive raw replay, same bytes", &result.baseline));
        println!(
            "  service capture {:.0} ms, state check {:.0} ms (not in load); LEADER after {}",
            result.capture_ms,
            result.verify_ms,
            result.leader_after_restart_ms.map_or("?".to_owned(), |v| format!("{v:.0} ms"))
        );
        println!("  ratio take / raw replay (MB/s):           {:.3}", result.take_ratio_to_raw);
        println!("  ratio load / raw replay (MB/s):           {:.3}", result.load_ratio_to_raw);
        println!("  ratio load end to end / raw replay:       {:.3}", result.load_end_to_end_ratio_to_raw);
    }
    if args.json {
        println!(
            "{}",
            json!({
                "benchmark": "recovery", "nodes": args.nodes, "messages": args.messages, "size": args.size,
                "snapshot_mb": args.snapshot_mb, "baseline": "archive-raw-replay",
                "replay": replay, "snapshot": snapshot,
            })
        );
    }
    Ok(())
}
