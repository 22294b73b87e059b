//! [`run_seed`]: one deterministic simulated run — start-up, a safety phase with faults, a liveness
//! phase with faults healed, and final checks.
//!
//! Phases:
//! 1. Safety: `duration_ns` of workload under the seeded faults; every invariant is checked after
//!    every step.
//! 2. Liveness: faults healed (killed nodes stay dead); within `liveness_bound_ns` a leader must be
//!    elected and the clients must get `liveness_progress_messages` more acknowledgements, else the
//!    run fails with the `liveness` invariant.
//! 3. Settle: one more simulated second (and [`SETTLE_NS`] after the timers' due position) so that
//!    timers fire and members apply what was acknowledged; then the final checks.
//!
//! Invariant: the report is a pure function of the config (same seed, same trace hash).

use std::sync::{MutexGuard, PoisonError};

use agrona::Prng;

use crate::fault_injector::FaultInjector;
use crate::fnv::{fold_i64, fold_u64};
use crate::invariants::{self, Invariant, Observation};
use crate::seed_report::{SeedReport, Violation};
use crate::service_record::{EntryKind, ServiceRecord};
use crate::sim_cluster::{NodeView, START_NS, SimCluster};
use crate::sim_config::SimConfig;
use crate::workload::Workload;

/// Settle time after the liveness phase before the final checks.
pub const SETTLE_NS: i64 = 1_000_000_000;
/// Quiet start before the first fault (lets the first election and connects happen).
pub const QUIET_START_NS: i64 = 2_000_000_000;

struct Run {
    cluster: SimCluster,
    workload: Workload,
    faults: FaultInjector,
    invariants: Vec<Box<dyn Invariant>>,
    last_views: Vec<NodeView>,
    events_hash: u64,
    leader_terms: std::collections::BTreeSet<i64>,
    stop_on_agent_failure: bool,
    agent_failures: Vec<String>,
}

impl Run {
    fn since_start_ns(&self) -> i64 {
        self.cluster.now_ns() - START_NS
    }

    fn violation(&self, invariant: &'static str, detail: String) -> Violation {
        Violation { invariant, detail, at_ns: self.since_start_ns() }
    }

    /// One step of cluster, faults (when `faults_on`) and workload, then the invariants.
    fn step(&mut self, faults_on: bool) -> Result<(), Violation> {
        if let Err(failure) = self.cluster.step() {
            let detail = format!("node {}: {}", failure.node, failure.detail);
            if self.stop_on_agent_failure {
                return Err(self.violation("agent_failed", detail));
            }
            self.agent_failures.push(detail);
        }
        let now_ns = self.cluster.now_ns();
        if faults_on {
            let since = self.since_start_ns();
            self.faults.tick(&mut self.cluster, now_ns, since);
        }
        self.workload.tick(self.cluster.now_ns());
        self.observe();
        self.check(None, 0)
    }

    fn observe(&mut self) {
        for node in 0..self.cluster.node_count() {
            let view = self.cluster.view(node);
            if view != self.last_views[node] {
                let mut h = fold_u64(self.events_hash, node as u64);
                h = fold_i64(h, self.cluster.now_ns());
                h = fold_u64(h, view.role.code() as u64);
                h = fold_i64(h, view.leadership_term_id);
                h = fold_i64(h, view.commit_position);
                h = fold_i64(h, view.append_position);
                self.events_hash = fold_u64(h, u64::from(view.electing));
                if view.role == cluster::Role::Leader {
                    self.leader_terms.insert(view.leadership_term_id);
                }
                self.last_views[node] = view;
            }
        }
    }

    fn check(&mut self, final_leader: Option<usize>, timers_due_position: i64) -> Result<(), Violation> {
        let records: Vec<_> = (0..self.cluster.node_count()).map(|i| self.cluster.record(i)).collect();
        let guards: Vec<MutexGuard<'_, ServiceRecord>> =
            records.iter().map(|r| r.lock().unwrap_or_else(PoisonError::into_inner)).collect();
        let refs: Vec<&ServiceRecord> = guards.iter().map(|g| &**g).collect();
        let observation = Observation {
            views: &self.last_views,
            records: &refs,
            acked: &self.workload.acked,
            final_leader,
            timers_due_position,
        };
        let at_ns = self.cluster.now_ns() - START_NS;
        for invariant in &mut self.invariants {
            let result = if final_leader.is_some() {
                invariant.check_final(&observation)
            } else {
                invariant.check(&observation)
            };
            if let Err(detail) = result {
                return Err(Violation { invariant: invariant.name(), detail, at_ns });
            }
        }
        Ok(())
    }

    fn applied_position(&self, node: usize) -> i64 {
        self.cluster.record(node).lock().unwrap_or_else(PoisonError::into_inner).last_position()
    }

    fn run(&mut self, config: &SimConfig) -> Result<(), Violation> {
        let safety_end_ns = START_NS + config.duration_ns;
        while self.cluster.now_ns() < safety_end_ns {
            self.step(true)?;
        }
        self.faults.heal_all(&mut self.cluster);
        let liveness_end_ns = self.cluster.now_ns() + config.liveness_bound_ns;
        let acked_at_heal = self.workload.acked.len() as u64;
        loop {
            self.step(false)?;
            let progressed =
                self.workload.acked.len() as u64 >= acked_at_heal + config.liveness_progress_messages;
            if progressed && self.cluster.leader().is_some() {
                break;
            }
            if self.cluster.now_ns() >= liveness_end_ns {
                return Err(self.violation(
                    "liveness",
                    format!(
                        "no leader with progress within {} ms of healing: leader {:?}, acked {} (+{}){}",
                        config.liveness_bound_ns / 1_000_000,
                        self.cluster.leader(),
                        self.workload.acked.len(),
                        self.workload.acked.len() as u64 - acked_at_heal,
                        self.cluster.describe()
                    ),
                ));
            }
        }
        let leader = self.cluster.leader().expect("checked above");
        let timers_due_position = self.applied_position(leader);
        let settle_end_ns = self.cluster.now_ns() + SETTLE_NS;
        while self.cluster.now_ns() < settle_end_ns {
            self.step(false)?;
        }
        let Some(final_leader) = self.cluster.leader() else {
            return Err(
                self.violation("liveness", format!("leader lost while settling{}", self.cluster.describe()))
            );
        };
        self.check(Some(final_leader), timers_due_position)
    }
}

/// Runs one seed as described in the module docs and reports what happened. Deterministic: the
/// same config gives an equal report, trace hash included. Panics only on an invalid config.
pub fn run_seed(config: &SimConfig) -> SeedReport {
    config.validate();
    let mut prng = Prng::from_seed(config.seed);
    let cluster_seed = prng.next_u64();
    let cluster = SimCluster::new(
        config.nodes,
        cluster_seed,
        config.latency_ns,
        config.injected_fault,
        config.event_log.clone(),
    );
    let workload = Workload::new(&cluster, config.clients, config.message_interval_ns, prng.fork());
    let faults =
        FaultInjector::new(config.faults.clone(), config.latency_ns, prng.fork(), START_NS + QUIET_START_NS);
    let last_views = (0..cluster.node_count()).map(|i| cluster.view(i)).collect();
    let mut run = Run {
        cluster,
        workload,
        faults,
        invariants: invariants::all(config.nodes),
        last_views,
        events_hash: crate::fnv::FNV_OFFSET,
        leader_terms: std::collections::BTreeSet::new(),
        stop_on_agent_failure: config.stop_on_agent_failure,
        agent_failures: Vec::new(),
    };
    let violation = run.run(config).err().or_else(|| {
        run.agent_failures.first().map(|detail| Violation {
            invariant: "agent_failed",
            detail: detail.clone(),
            at_ns: run.since_start_ns(),
        })
    });
    let delivered = (0..run.cluster.node_count())
        .map(|i| {
            let record = run.cluster.record(i);
            let record = record.lock().unwrap_or_else(PoisonError::into_inner);
            record.entries.iter().filter(|e| e.kind == EntryKind::ClientMessage).count() as u64
        })
        .max()
        .unwrap_or(0);
    let elections = (0..run.cluster.node_count()).map(|i| run.cluster.view(i).elections).sum();
    let trace_hash =
        fold_u64(fold_u64(run.cluster.network_trace_hash(), run.events_hash), run.faults.events_hash);
    SeedReport {
        seed: config.seed,
        nodes: config.nodes,
        violation,
        simulated_ns: run.since_start_ns(),
        faults_injected: run.faults.injected,
        nodes_killed: run.faults.kills,
        elections,
        leader_terms: run.leader_terms.len() as u64,
        messages_sent: run.workload.sent,
        messages_acked: run.workload.acked.len() as u64,
        messages_delivered: delivered,
        datagrams_sent: run.cluster.net.counters().sent,
        fault_log: run.faults.log.clone(),
        trace_hash,
    }
}
