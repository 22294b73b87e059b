//! fulmar-cluster-sim: a deterministic whole-cluster simulator (issue 7). One seed drives 3 or 5
//! Aeron Cluster nodes (driver, archive, consensus module, service container with a [`TestService`])
//! and a host of cluster clients on one simulated network and one manual clock, single threaded,
//! through a safety phase with seeded faults and a liveness phase with faults healed, checking the
//! [`invariants`] after every step.
//!
//! How to use it: [`run_seed`] with a [`SimConfig`] gives a [`SeedReport`]; [`run_many`] runs a batch
//! and prints one line per seed (what `fulmar sim --seeds N --seed S --nodes K --duration D` wires).
//!
//! Invariants checked (one file each under [`invariants`]): at most one leader per term; the committed
//! prefix never changes; identical service state at the same log position; no acknowledged message is
//! lost; exactly-once in-order delivery per session (and egress); each timer fires exactly once;
//! positions never go back. Plus `liveness` (a leader and progress within a bound after healing) and
//! `agent_failed` (an agent returned an error).
//!
//! Guarantees: the same config gives the same report and trace hash (FNV over every datagram event,
//! role change and fault action); nothing reads the OS clock, sleeps, spawns threads or touches files.
//!
//! Not simulated yet (the cluster lacks them): node restart ([`SimCluster::restart`] returns
//! `Unsupported`), snapshots, storage faults, clock skew.

#![warn(missing_docs)]

mod fault_injector;
mod fnv;
pub mod invariants;
mod runner;
mod seed_report;
mod service_record;
mod sim_cluster;
mod sim_config;
mod summary;
mod test_service;
mod workload;
mod workload_message;

pub use fault_injector::FaultInjector;
pub use runner::{QUIET_START_NS, SETTLE_NS, run_seed};
pub use seed_report::{SeedReport, Violation};
pub use service_record::{AppliedEntry, EntryKind, ServiceRecord};
pub use sim_cluster::{
    AgentFailure, CLIENT_HOST, NodeView, RestartError, START_NS, STEP_NS, SimCluster, members_string,
};
pub use sim_config::{FaultConfig, SimConfig};
pub use summary::{Summary, replay_command, run_many, run_many_with};
pub use test_service::{TIMER_DELAY_MS, TestService, timer_correlation_id};
pub use workload::{AckedMessage, Workload};
pub use workload_message::{ECHO_LENGTH, Echo, MessageAction, WORKLOAD_HEADER_LENGTH, WorkloadMessage};
