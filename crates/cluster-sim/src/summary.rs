//! [`run_many`] and [`Summary`]: many seeds, one line each, for CI and the `fulmar sim` command.
//!
//! Invariant: seeds run in order `first_seed, first_seed + 1, ...`; each line is the seed's
//! [`SeedReport`] followed, on failure, by the command that replays it.

use crate::runner::run_seed;
use crate::seed_report::SeedReport;
use crate::sim_config::SimConfig;

/// Totals over a batch of seeds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Seeds run.
    pub seeds: u64,
    /// Seeds that violated an invariant.
    pub failures: Vec<SeedReport>,
    /// Simulated time over all seeds.
    pub simulated_ns: i64,
    /// Fault actions over all seeds.
    pub faults_injected: u64,
    /// Elections over all seeds.
    pub elections: u64,
    /// Acknowledged messages over all seeds.
    pub messages_acked: u64,
}

impl Summary {
    /// True if every seed passed.
    pub fn is_ok(&self) -> bool {
        self.failures.is_empty()
    }

    /// Adds one seed's report.
    pub fn add(&mut self, report: &SeedReport) {
        self.seeds += 1;
        self.simulated_ns += report.simulated_ns;
        self.faults_injected += report.faults_injected;
        self.elections += report.elections;
        self.messages_acked += report.messages_acked;
        if !report.is_ok() {
            self.failures.push(report.clone());
        }
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} seeds, {} failed, {} simulated s, {} faults, {} elections, {} messages acknowledged",
            self.seeds,
            self.failures.len(),
            self.simulated_ns / 1_000_000_000,
            self.faults_injected,
            self.elections,
            self.messages_acked
        )
    }
}

/// The command line that replays `report`'s seed exactly.
pub fn replay_command(report: &SeedReport, duration_ns: i64) -> String {
    format!(
        "fulmar sim --seed {} --nodes {} --duration {}s",
        report.seed,
        report.nodes,
        duration_ns / 1_000_000_000
    )
}

/// Runs `seeds` seeds from `first_seed` on `nodes` nodes, each with a `duration_ns` safety phase and
/// otherwise default settings; calls `line` with one line per seed (plus the replay command on failure).
pub fn run_many_with(
    first_seed: u64,
    seeds: u64,
    nodes: usize,
    duration_ns: i64,
    mut line: impl FnMut(&str),
) -> Summary {
    let mut summary = Summary::default();
    for seed in first_seed..first_seed.saturating_add(seeds) {
        let report = run_seed(&SimConfig::new(seed, nodes, duration_ns));
        line(&report.to_string());
        if !report.is_ok() {
            line(&format!("  replay: {}", replay_command(&report, duration_ns)));
        }
        summary.add(&report);
    }
    summary
}

/// [`run_many_with`] printing each line to standard output (for the `fulmar sim` command).
pub fn run_many(first_seed: u64, seeds: u64, nodes: usize, duration_ns: i64) -> Summary {
    run_many_with(first_seed, seeds, nodes, duration_ns, |l| println!("{l}"))
}
