//! `fulmar sim`: the deterministic whole-cluster simulator (`fulmar-cluster-sim`) from the command
//! line. One line per seed; a failing seed prints the invariant and the command that replays it
//! exactly (same seed, same trace).

use std::sync::Arc;
use std::time::Instant;

use anyhow::bail;
use clap::{Args, ValueEnum};
use cluster::{ClusterEventLog, ClusterEventSet};
use cluster_sim::{FaultConfig, SimConfig, Summary, replay_command, run_seed};
use node::StderrEventSink;

/// Which faults to inject during the safety phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FaultProfile {
    /// Every fault kind: link loss/duplication/jitter, partitions, one-way cuts, clogs, node and
    /// leader kills.
    Full,
    /// Link faults, and partitions/clogs shorter than the leader heartbeat timeout (the CI profile).
    NoFailover,
    /// No faults (a workload-only run).
    None,
}

/// Arguments of `fulmar sim`.
#[derive(Debug, Args)]
pub struct SimArgs {
    /// Number of seeds to run, starting at --first-seed.
    #[arg(long, default_value_t = 10)]
    pub seeds: u64,
    /// First seed of the batch.
    #[arg(long, default_value_t = 1)]
    pub first_seed: u64,
    /// Run exactly this seed (replays a failure).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Cluster size (3 or 5).
    #[arg(long, default_value_t = 3)]
    pub nodes: usize,
    /// Simulated duration of the safety phase per seed, e.g. 60s.
    #[arg(long, default_value = "60s", value_parser = parse_seconds)]
    pub duration: i64,
    /// Fault profile.
    #[arg(long, value_enum, default_value_t = FaultProfile::NoFailover)]
    pub faults: FaultProfile,
    /// Print the consensus modules' debug events (reference §9) to stderr as they happen: `all`,
    /// `cluster` (all but the per-heartbeat position events) or a comma list of event names/ids.
    #[arg(long)]
    pub event_log: Option<String>,
}

fn parse_seconds(text: &str) -> Result<i64, String> {
    let digits = text.strip_suffix('s').unwrap_or(text);
    let seconds: i64 = digits.parse().map_err(|_| format!("expected seconds like 60s, got {text}"))?;
    if seconds <= 0 || seconds > 86_400 {
        return Err(format!("duration must be between 1s and 86400s, got {text}"));
    }
    Ok(seconds * 1_000_000_000)
}

/// Runs the seeds; fails (exit code 1) if any seed violated an invariant.
pub fn run(args: SimArgs) -> anyhow::Result<()> {
    if args.nodes != 3 && args.nodes != 5 {
        bail!("--nodes must be 3 or 5, got {}", args.nodes);
    }
    let (first, count) = match args.seed {
        Some(seed) => (seed, 1),
        None => (args.first_seed, args.seeds),
    };
    let event_log = match args.event_log.as_deref() {
        Some(spec) => ClusterEventLog::new(ClusterEventSet::parse(spec)?, Arc::new(StderrEventSink)),
        None => ClusterEventLog::disabled(),
    };
    let started = Instant::now();
    let mut summary = Summary::default();
    for seed in first..first.saturating_add(count) {
        let mut config = SimConfig::new(seed, args.nodes, args.duration);
        config.faults = match args.faults {
            FaultProfile::Full => FaultConfig::default(),
            FaultProfile::NoFailover => FaultConfig::without_failover(),
            FaultProfile::None => FaultConfig::none(),
        };
        config.event_log = event_log.clone();
        let report = run_seed(&config);
        println!("{report}");
        if !report.is_ok() {
            println!("  replay: {} --faults {:?}", replay_command(&report, args.duration), args.faults);
        }
        summary.add(&report);
    }
    println!("{summary} wall={:.1}s", started.elapsed().as_secs_f64());
    if !summary.is_ok() {
        bail!("{} of {} seeds violated an invariant", summary.failures.len(), summary.seeds);
    }
    Ok(())
}
