//! fulmar's consensus module (Aeron Cluster 1.54), starting with leader election.
//!
//! Everything here is deterministic and sans-IO: no clocks, sockets, files, threads or unseeded
//! randomness. [`Election`] is driven by `do_work(now_ns)` and `on_*` inputs and emits
//! [`ElectionCommand`]s that the consensus module executes (send a consensus message, persist the
//! candidate term, replay the log, create the log publication, ...).
//!
//! Invariants (upheld by the modules below):
//! - a member never votes YES twice in one candidate term: every YES is preceded, in the same command
//!   list, by [`ElectionCommand::PersistCandidateTermId`] for that term, and any request for a term
//!   `<=` the persisted one is answered NO;
//! - a candidate becomes leader only with a quorum (`n / 2 + 1`) of YES votes for its candidate term and
//!   no NO vote, or with a unanimous YES;
//! - every state change goes through one transition function and is reported as
//!   [`ElectionCommand::StateChange`].

#![warn(missing_docs)]

pub mod cluster_member;
pub mod election;
pub mod election_command;
pub mod election_config;
pub mod election_state;
pub mod term_history;

pub use cluster_member::{
    ClusterMember, MembersParseError, NEVER_NS, NULL_POSITION, NULL_VALUE, compare_log,
};
pub use election::{Election, ElectionInit};
pub use election_command::{ConsensusMessage, ElectionCommand, Role};
pub use election_config::ElectionConfig;
pub use election_state::ElectionState;
pub use term_history::{TermEntry, TermHistory};
