//! The invariants, one per file, each checked continuously (after every simulation step) against an
//! [`Observation`] of what the cluster exposes: consensus module observers, the test services'
//! records and the clients' acknowledgements.
//!
//! - [`single_leader_per_term`]: at most one leader per leadership term.
//! - [`committed_prefix`]: every member's applied sequence is a prefix of every other's (log matching;
//!   an applied, hence committed, entry never changes).
//! - [`identical_state`]: members at the same log position hold the same service state.
//! - [`acknowledged_not_lost`]: an echoed message is at its echoed position in every member that got
//!   that far, and in the final leader.
//! - [`exactly_once_in_order`]: per session, client messages are applied once each in send order, and
//!   echoes arrive once each in order.
//! - [`timers_fire_once`]: each timer fires at most once, only after being scheduled, and (after the
//!   liveness phase) every timer scheduled long enough ago has fired on the leader.
//! - [`positions_monotonic`]: commit positions and applied log positions never go back.
//!
//! Each invariant keeps cursors so that a check costs only what changed since the last one.

pub mod acknowledged_not_lost;
pub mod committed_prefix;
pub mod exactly_once_in_order;
pub mod identical_state;
pub mod positions_monotonic;
pub mod single_leader_per_term;
pub mod timers_fire_once;

use crate::service_record::ServiceRecord;
use crate::sim_cluster::NodeView;
use crate::workload::AckedMessage;

/// What the invariants see at one instant.
#[derive(Debug)]
pub struct Observation<'a> {
    /// Consensus module observers, per node.
    pub views: &'a [NodeView],
    /// Service records, per node.
    pub records: &'a [&'a ServiceRecord],
    /// Every acknowledgement the clients received so far.
    pub acked: &'a [AckedMessage],
    /// For final checks only: the leader after the liveness phase.
    pub final_leader: Option<usize>,
    /// For final checks only: a log position the final leader had applied long enough ago that
    /// every timer scheduled at or before it must have fired.
    pub timers_due_position: i64,
}

/// One invariant. `check` runs after every step; `check_final` once after the liveness phase.
pub trait Invariant {
    /// The invariant's name (its file name).
    fn name(&self) -> &'static str;
    /// Checks what changed since the last call; `Err(detail)` on a violation.
    fn check(&mut self, observation: &Observation<'_>) -> Result<(), String>;
    /// Checks the end-of-run (liveness-dependent) part.
    fn check_final(&mut self, _observation: &Observation<'_>) -> Result<(), String> {
        Ok(())
    }
}

/// All invariants, in a fixed order.
pub fn all(node_count: usize) -> Vec<Box<dyn Invariant>> {
    vec![
        Box::new(single_leader_per_term::SingleLeaderPerTerm::default()),
        Box::new(positions_monotonic::PositionsMonotonic::new(node_count)),
        Box::new(committed_prefix::CommittedPrefix::new(node_count)),
        Box::new(identical_state::IdenticalState::new(node_count)),
        Box::new(exactly_once_in_order::ExactlyOnceInOrder::new(node_count)),
        Box::new(acknowledged_not_lost::AcknowledgedNotLost::new(node_count)),
        Box::new(timers_fire_once::TimersFireOnce::new(node_count)),
    ]
}
