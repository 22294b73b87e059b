//! [`SeedReport`] and [`Violation`]: the outcome of one simulated run.
//!
//! Invariant: a report is a pure function of the [`crate::SimConfig`]; `Display` gives one line.

use std::fmt;

/// An invariant that did not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The invariant's name (its file name under `invariants/`, or `liveness`, or `agent_failed`).
    pub invariant: &'static str,
    /// What was observed.
    pub detail: String,
    /// Simulated time since the start of the run when it was detected.
    pub at_ns: i64,
}

/// The outcome of [`crate::run_seed`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedReport {
    /// The seed.
    pub seed: u64,
    /// Cluster size.
    pub nodes: usize,
    /// `None` if every invariant held and the liveness phase made progress.
    pub violation: Option<Violation>,
    /// Simulated time the run covered.
    pub simulated_ns: i64,
    /// Fault actions injected (link faults, partitions, clogs, kills).
    pub faults_injected: u64,
    /// Nodes killed.
    pub nodes_killed: u64,
    /// Elections started, summed over the members.
    pub elections: u64,
    /// Distinct leadership terms that had a leader.
    pub leader_terms: u64,
    /// Client messages the cluster accepted (offer succeeded).
    pub messages_sent: u64,
    /// Client messages acknowledged (echo received).
    pub messages_acked: u64,
    /// Client messages applied by the service that applied the most.
    pub messages_delivered: u64,
    /// Datagrams put on the simulated wire.
    pub datagrams_sent: u64,
    /// One line per fault action (time since start, action), to read a failing seed.
    pub fault_log: Vec<String>,
    /// Hash of the whole trace (every datagram event, fault action and role change).
    pub trace_hash: u64,
}

impl SeedReport {
    /// True if no invariant was violated.
    pub fn is_ok(&self) -> bool {
        self.violation.is_none()
    }
}

impl fmt::Display for SeedReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let outcome = match &self.violation {
            None => "ok".to_owned(),
            Some(v) => format!("VIOLATION {} at {} ms: {}", v.invariant, v.at_ns / 1_000_000, v.detail),
        };
        write!(
            f,
            "seed={} nodes={} sim={}ms faults={} kills={} elections={} terms={} sent={} acked={} delivered={} \
             datagrams={} trace={:016x} {}",
            self.seed,
            self.nodes,
            self.simulated_ns / 1_000_000,
            self.faults_injected,
            self.nodes_killed,
            self.elections,
            self.leader_terms,
            self.messages_sent,
            self.messages_acked,
            self.messages_delivered,
            self.datagrams_sent,
            self.trace_hash,
            outcome
        )
    }
}
