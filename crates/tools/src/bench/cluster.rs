//! `fulmar bench cluster`: the open-loop echo benchmark of DESIGN.md (Measuring) against an in-process
//! cluster over loopback UDP, beside a raw UDP ping-pong baseline measured in the same run.
//!
//! ```text
//! fulmar bench cluster --nodes 3 --size 288 --rate 10000 --duration 10s [--json] [--hdr-dir DIR]
//! fulmar bench cluster --rate 10000,50000,100000,150000 --duration 5s   # a sweep on one cluster
//! ```
//!
//! Method: one client session sends `--size`-byte messages at a fixed rate, each stamped with its
//! *intended* send time (a sender that falls behind, e.g. back-pressured, shows the delay as latency:
//! no coordinated omission) and closed by a checksum ([`EchoMessage`]); the cluster's
//! [`BenchEchoService`](super::bench_echo_service::BenchEchoService) echoes each committed message; the round trip (reply received − intended send)
//! goes into an HdrHistogram after `--warmup`. Every step of a sweep runs on the same cluster and
//! session. The baseline is [`udp_ping_pong`] (two threads, blocking sockets, the same size, at each
//! step's rate, about a second of pings; closed loop where it cannot keep the rate), measured before the
//! cluster starts, and each step's p50 is reported as a ratio to its baseline's p50. The result names the highest rate whose p99 stayed under 1 ms.
//!
//! Invariants: a lost, corrupt, duplicated or reordered reply fails the run (non-zero exit, after the
//! figures are printed); every wait is bounded (a step by its duration plus a drain timeout and a stall
//! bound); the client thread never busy-spins unless `--idle spin` is asked for.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use clap::Args;
use client::OfferError;
use cluster_client::{AeronCluster, EgressListener};
use hdrhistogram::Histogram;
use protocol::cluster::EventCode;
use serde::Serialize;
use serde_json::json;

use super::bench_client::{BenchClient, backoff};
use super::cli_parse::{parse_duration_ns, parse_size};
use super::cluster_harness::{ClusterSettings, InProcessCluster, PORTS_PER_NODE, pick_base_port};
use super::echo_message::{EchoMessage, MIN_MESSAGE_LENGTH};
use super::report::{LatencySummary, new_latency_histogram, write_hdr_log};
use super::udp_baseline::udp_ping_pong;

/// The p99 bound the sweep reports against.
const P99_TARGET_NS: u64 = 1_000_000;
/// A sweep stops after a step whose p99 exceeds this (the cluster is saturated).
const SATURATED_P99_NS: u64 = 100_000_000;

/// Arguments of `fulmar bench cluster`.
#[derive(Debug, Args)]
pub struct ClusterBenchArgs {
    /// Cluster members.
    #[arg(long, default_value_t = 3)]
    pub nodes: i32,
    /// Message length in bytes (at least 24: sequence, stamp, checksum).
    #[arg(long, default_value_t = 288)]
    pub size: usize,
    /// Messages per second; a comma-separated list runs a sweep on the same cluster.
    #[arg(long, value_delimiter = ',', default_value = "10000")]
    pub rate: Vec<u64>,
    /// Measured time per rate (e.g. 10s, 500ms).
    #[arg(long, value_parser = parse_duration_ns, default_value = "10s")]
    pub duration: i64,
    /// Warm-up time per rate before measuring.
    #[arg(long, value_parser = parse_duration_ns, default_value = "2s")]
    pub warmup: i64,
    /// How long to wait for the last replies after the last send before counting them lost.
    #[arg(long, value_parser = parse_duration_ns, default_value = "5s")]
    pub drain_timeout: i64,
    /// Term length of the cluster's ingress and log channels (with the tutorial's 64k the log
    /// publication is back-pressured more often: the consensus module then holds ingress back, so
    /// latency rises but nothing is lost).
    #[arg(long, value_parser = parse_size, default_value = "1m")]
    pub term_length: i64,
    /// How the client thread waits: backoff (parks up to --max-park), yield, or spin.
    #[arg(long, default_value = "backoff")]
    pub idle: String,
    /// Longest park of the client thread and the client's driver thread.
    #[arg(long, value_parser = parse_duration_ns, default_value = "50us")]
    pub max_park: i64,
    /// An extra node setting `key=value` in Aeron's names (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Write the histograms as an HdrHistogram interval log `cluster.hdr` into this directory.
    #[arg(long)]
    pub hdr_dir: Option<PathBuf>,
}

/// One rate's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct StepResult {
    /// Target messages per second.
    pub rate: u64,
    /// Messages offered (warm-up included).
    pub sent: u64,
    /// Valid replies received, in order.
    pub received: u64,
    /// Messages sent but not echoed (in order, verified) by the end of the step: must be 0.
    pub lost: u64,
    /// Messages per second actually offered over the step.
    pub achieved_rate: f64,
    /// Offers refused by back-pressure (retried; the delay counts as latency).
    pub back_pressured_offers: u64,
    /// Round trip from intended send to reply, after the warm-up.
    pub latency: LatencySummary,
    /// The raw UDP ping-pong at the same rate (closed loop where the ping-pong cannot keep the rate).
    pub baseline_latency: LatencySummary,
    /// `latency.p50_ns / baseline_latency.p50_ns`.
    pub p50_ratio_to_baseline: f64,
    /// Whether p99 stayed under 1 ms.
    pub p99_under_1ms: bool,
    /// What went wrong, if anything (a lost or corrupt reply, a stall).
    pub failure: Option<String>,
}

/// How the client thread waits.
enum ClientIdle {
    Backoff(sys::BackoffIdleStrategy),
    Yield,
    Spin,
}

impl ClientIdle {
    fn parse(name: &str, max_park_ns: u64) -> anyhow::Result<Self> {
        Ok(match name {
            "backoff" => Self::Backoff(backoff(max_park_ns)),
            "yield" => Self::Yield,
            "spin" => Self::Spin,
            other => bail!("--idle must be backoff, yield or spin, not {other:?}"),
        })
    }

    fn idle(&mut self, work: usize) {
        match self {
            Self::Backoff(strategy) => agrona::IdleStrategy::idle(strategy, work),
            Self::Yield if work == 0 => std::thread::yield_now(),
            Self::Yield => {}
            Self::Spin => std::hint::spin_loop(),
        }
    }
}

/// Checks the replies of one step: all in order, each verified, latencies recorded after the warm-up.
struct Replies {
    size: usize,
    epoch: Instant,
    warmup_end_ns: u64,
    next_sequence: u64,
    received: u64,
    histogram: Histogram<u64>,
    failure: Option<String>,
}

impl EgressListener for Replies {
    fn on_message(&mut self, _session: i64, _timestamp: i64, payload: &[u8]) {
        let now_ns = self.epoch.elapsed().as_nanos() as u64;
        match EchoMessage::verify(payload, self.size) {
            None => {
                self.failure.get_or_insert_with(|| {
                    format!("corrupt reply of {} bytes after message {}", payload.len(), self.next_sequence)
                });
            }
            Some(message) if message.sequence != self.next_sequence => {
                let expected = self.next_sequence;
                self.failure.get_or_insert_with(|| {
                    format!("expected reply {expected}, received {} (lost or reordered)", message.sequence)
                });
            }
            Some(message) => {
                self.next_sequence += 1;
                self.received += 1;
                if message.intended_send_ns >= self.warmup_end_ns {
                    let latency_ns = now_ns.saturating_sub(message.intended_send_ns).max(1);
                    let _ = self.histogram.record(latency_ns.min(self.histogram.high()));
                }
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
        self.failure.get_or_insert_with(|| {
            format!("the leader changed during the run (node {leader_member_id}, term {term})")
        });
    }
}

/// Runs one rate on `session`; `first_sequence` continues from the previous step.
fn run_step(
    args: &ClusterBenchArgs,
    rate: u64,
    first_sequence: u64,
    client: &BenchClient,
    session: &mut AeronCluster,
    cluster: &InProcessCluster,
) -> anyhow::Result<(StepResult, Histogram<u64>)> {
    let warmup_ns = args.warmup as u64;
    let run_ns = warmup_ns + args.duration as u64;
    let total = (rate as u128 * run_ns as u128 / 1_000_000_000) as u64;
    let intended = |index: u64| (index as u128 * 1_000_000_000 / rate as u128) as u64;
    let stall_bound = Duration::from_nanos(run_ns) * 2 + Duration::from_secs(30);
    let drain_timeout = Duration::from_nanos(args.drain_timeout as u64);
    let mut idle = ClientIdle::parse(&args.idle, args.max_park as u64)?;
    let epoch = Instant::now();
    let mut replies = Replies {
        size: args.size,
        epoch,
        warmup_end_ns: warmup_ns,
        next_sequence: first_sequence,
        received: 0,
        histogram: new_latency_histogram(),
        failure: None,
    };
    let mut buffer = vec![0u8; args.size];
    let mut encoded: Option<u64> = None;
    let mut sent = 0u64;
    let mut back_pressured = 0u64;
    let mut last_send: Option<Instant> = None;
    let mut last_housekeeping = epoch;
    let mut last_check = epoch;
    let mut failure: Option<String> = None;
    while replies.received < total {
        let now = Instant::now();
        let now_ns = now.duration_since(epoch).as_nanos() as u64;
        let mut work = 0usize;
        let mut burst = 0;
        while sent < total && intended(sent) <= now_ns && burst < 64 {
            if encoded != Some(sent) {
                EchoMessage { sequence: first_sequence + sent, intended_send_ns: intended(sent) }
                    .encode(&mut buffer);
                encoded = Some(sent);
            }
            match session.offer(&buffer) {
                Ok(_) => {
                    sent += 1;
                    burst += 1;
                    work += 1;
                    if sent == total {
                        last_send = Some(now);
                    }
                }
                Err(OfferError::BackPressured | OfferError::AdminAction | OfferError::NotConnected) => {
                    back_pressured += 1;
                    break;
                }
                Err(error) => {
                    failure = Some(format!("offer failed: {error} (client state {:?})", session.state()));
                    break;
                }
            }
        }
        work += session.poll_egress(&mut replies);
        if failure.is_some() || replies.failure.is_some() {
            break;
        }
        if now.duration_since(last_housekeeping) >= Duration::from_millis(1) {
            work += client.do_work();
            last_housekeeping = now;
            if session.is_closed() {
                failure = Some(format!("the cluster closed the session: {:?}", session.last_error()));
                break;
            }
            if now.duration_since(last_check) >= Duration::from_millis(100) {
                cluster.check_running()?;
                client.check_running()?;
                last_check = now;
            }
        }
        if last_send.is_some_and(|at| now.duration_since(at) > drain_timeout) {
            failure = Some(format!(
                "{} replies missing {drain_timeout:?} after the last send",
                total - replies.received
            ));
            break;
        }
        if now.duration_since(epoch) > stall_bound {
            failure = Some(format!(
                "stalled: {sent} of {total} sent, {} replies after {stall_bound:?}",
                replies.received
            ));
            break;
        }
        idle.idle(work);
    }
    let elapsed_s = epoch.elapsed().as_secs_f64();
    let dropped = cluster.dropped_replies();
    let mut failure = failure.or(replies.failure.take());
    if dropped > 0 {
        let text = format!("the echo service dropped {dropped} replies (egress back-pressured over 1 s)");
        failure = Some(failure.map_or(text.clone(), |f| format!("{f}; {text}")));
    }
    let latency = LatencySummary::of(&replies.histogram);
    let result = StepResult {
        rate,
        sent,
        received: replies.received,
        lost: sent.saturating_sub(replies.received),
        achieved_rate: sent as f64
            / last_send.map_or(elapsed_s, |at| at.duration_since(epoch).as_secs_f64()).max(1e-9),
        back_pressured_offers: back_pressured,
        p99_under_1ms: latency.p99_ns < P99_TARGET_NS && failure.is_none(),
        latency,
        baseline_latency: LatencySummary::of(&new_latency_histogram()),
        p50_ratio_to_baseline: 0.0,
        failure,
    };
    Ok((result, replies.histogram))
}

/// Runs `fulmar bench cluster`.
pub fn run(args: ClusterBenchArgs) -> anyhow::Result<()> {
    ensure!(args.size >= MIN_MESSAGE_LENGTH, "--size must be at least {MIN_MESSAGE_LENGTH} bytes");
    ensure!((1..=9).contains(&args.nodes), "--nodes must be 1..=9");
    ensure!(!args.rate.is_empty() && args.rate.iter().all(|r| *r > 0), "--rate must be positive");
    ensure!(args.duration > 0, "--duration must be positive");
    ClientIdle::parse(&args.idle, args.max_park as u64)?;

    // The baselines first, on a quiet machine: one per rate, about a second of pings each.
    let mut baselines: Vec<Histogram<u64>> = Vec::new();
    for &rate in &args.rate {
        let count = rate.clamp(1_000, 20_000);
        baselines.push(
            udp_ping_pong(count / 10, count, args.size, rate)
                .with_context(|| format!("UDP ping-pong baseline at {rate}/s"))?,
        );
    }
    let baseline_summaries: Vec<LatencySummary> = baselines.iter().map(LatencySummary::of).collect();

    let base_port = pick_base_port(args.nodes as u16 * PORTS_PER_NODE + 1)?;
    let dir = std::env::temp_dir().join(format!("fulmar-bench-cluster-{}", std::process::id()));
    let cluster = InProcessCluster::launch(ClusterSettings {
        nodes: args.nodes,
        base_port,
        dir,
        term_length: args.term_length,
        overrides: args.overrides.clone(),
    })?;
    let leader = cluster.await_leader(Duration::from_secs(30))?;
    let mut client = BenchClient::launch(&cluster.client_dir(), args.max_park as u64)?;
    let mut session =
        client.connect(&cluster.ingress_endpoints()?, &cluster.egress_endpoint(), 10_000_000_000)?;
    ensure!(
        session.leader_member_id() == leader,
        "the client connected to node {} but node {leader} leads",
        session.leader_member_id()
    );

    let mut steps: Vec<StepResult> = Vec::new();
    let mut histograms: Vec<(String, Histogram<u64>)> = Vec::new();
    let mut next_sequence = 0u64;
    for (index, &rate) in args.rate.iter().enumerate() {
        let (mut step, histogram) = run_step(&args, rate, next_sequence, &client, &mut session, &cluster)?;
        next_sequence += step.received;
        step.baseline_latency = baseline_summaries[index].clone();
        step.p50_ratio_to_baseline = step.latency.p50_ns as f64 / step.baseline_latency.p50_ns.max(1) as f64;
        let stop = step.failure.is_some() || step.latency.p99_ns > SATURATED_P99_NS;
        if !args.json {
            print_step(&step);
        }
        histograms.push((format!("cluster-{rate}"), histogram));
        steps.push(step);
        if stop {
            break;
        }
        // Let the cluster settle between steps, keeping the client alive.
        let pause_until = Instant::now() + Duration::from_millis(200);
        while Instant::now() < pause_until {
            client.do_work();
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    session.close();
    client.do_work();
    client.close();
    let mut cluster = cluster;
    let node_failures = cluster.close();
    drop(cluster);

    if let Some(dir) = &args.hdr_dir {
        std::fs::create_dir_all(dir)?;
        let mut logs: Vec<(&str, &Histogram<u64>)> =
            histograms.iter().map(|(name, h)| (name.as_str(), h)).collect();
        let names: Vec<String> = args.rate.iter().map(|rate| format!("baseline-raw-udp-{rate}")).collect();
        logs.extend(names.iter().map(String::as_str).zip(baselines.iter()));
        write_hdr_log(&dir.join("cluster.hdr"), &logs)?;
    }
    let lost: u64 = steps.iter().map(|s| s.lost).sum();
    let max_rate = steps.iter().filter(|s| s.p99_under_1ms).map(|s| s.rate).max();
    if args.json {
        println!(
            "{}",
            json!({
                "benchmark": "cluster", "nodes": args.nodes, "size": args.size,
                "warmup_s": args.warmup as f64 / 1e9, "duration_s": args.duration as f64 / 1e9,
                "term_length": args.term_length, "idle": args.idle,
                "baseline": "raw-udp-ping-pong", "baseline_latency": baseline_summaries[0],
                "steps": steps, "lost": lost, "max_rate_with_p99_under_1ms": max_rate,
                "node_failures": node_failures,
            })
        );
    } else {
        match max_rate {
            Some(rate) => println!("  highest rate with p99 < 1 ms: {rate} msg/s"),
            None => println!("  no rate kept p99 under 1 ms"),
        }
        for failure in &node_failures {
            println!("  {failure}");
        }
    }
    if let Some(step) = steps.iter().find(|s| s.failure.is_some()) {
        bail!("rate {}: {}", step.rate, step.failure.as_deref().unwrap_or_default());
    }
    ensure!(lost == 0, "{lost} messages lost");
    ensure!(node_failures.is_empty(), "nodes failed: {}", node_failures.join("; "));
    Ok(())
}

fn print_step(step: &StepResult) {
    println!(
        "cluster echo @{}/s: sent {} (achieved {:.0}/s, {} back-pressured offers), received {}, lost {}",
        step.rate, step.sent, step.achieved_rate, step.back_pressured_offers, step.received, step.lost
    );
    println!("  {}", step.latency.line("cluster round trip"));
    println!("  {}", step.baseline_latency.line("baseline raw UDP ping-pong"));
    println!("  p50 ratio to UDP ping-pong: {:.2}", step.p50_ratio_to_baseline);
    if let Some(failure) = &step.failure {
        println!("  FAILED: {failure}");
    }
}
