//! fulmar's consensus module (Aeron Cluster 1.54), starting with leader election.
//!
//! Everything here is deterministic and sans-IO: no clocks, sockets, files, threads or unseeded
//! randomness. [`Election`] is driven by `do_work(now_ns)` and `on_*` inputs and emits
//! [`ElectionCommand`]s that the consensus module executes (send a consensus message, persist the
//! candidate term, replay the log, create the log publication, ...).
//!
//! The node's durable files go through the archive storage seam (`archive::ArchiveStorage`, never
//! `std::fs`): [`RecordingLog`] (`recording.log`) with [`RecoveryPlan`], [`NodeStateFile`]
//! (`node-state.dat`, the persisted vote) and [`ClusterMarkFile`] (`cluster-mark*.dat`). Decoding them
//! never panics: corrupt or torn bytes are a [`ClusterFileError`] naming where.
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

pub mod authenticator;
pub mod cluster_clock;
pub mod cluster_control;
pub mod cluster_event_log;
pub mod cluster_file_error;
pub mod cluster_mark_file;
pub mod cluster_member;
pub mod cluster_session;
pub mod consensus_module_agent;
pub mod consensus_module_config;
pub mod consensus_module_snapshot;
pub mod election;
pub mod election_command;
pub mod election_config;
pub mod election_state;
pub mod inbox;
pub mod node_state_file;
pub mod offline_snapshot;
pub mod pending_service_message_tracker;
pub mod recording_log;
pub mod recording_log_entry;
pub mod recovery_plan;
pub mod session_manager;
pub mod snapshot_catchup;
pub mod term_history;
pub mod timer_service;

pub use authenticator::{Authenticator, DefaultAuthenticator, SecretAuthenticator, SessionProxy};
pub use cluster_clock::{
    ClusterClock, EpochNanosClusterClock, MillisecondClusterClock, TimeUnit, UnsupportedTimeUnit,
};
pub use cluster_control::{
    ClusterControl, ConsensusModuleState, InvalidModuleState, InvalidToggleValue, ToggleState,
};
pub use cluster_event_log::{
    ClusterEventCode, ClusterEventLog, ClusterEventSet, ClusterEventSink, ClusterEventSpecError,
    MemoryEventSink,
};
pub use cluster_file_error::ClusterFileError;
pub use cluster_mark_file::{
    CLUSTER_MARK_FILE_NAME, ClusterComponentType, ClusterMarkFile, ErrorObservation, MarkFileContents,
    MarkFileHeader, decode_mark_file, read_cluster_mark_file,
};
pub use cluster_member::{
    ClusterMember, MembersParseError, NEVER_NS, NULL_POSITION, NULL_VALUE, compare_log,
};
pub use cluster_session::{
    ClusterSession, ClusterSessionAction, MAX_ENCODED_PRINCIPAL_LENGTH, SessionError, SessionState,
};
pub use consensus_module_agent::{ConsensusModuleAgent, ConsensusModuleError, ModuleState};
pub use consensus_module_config::{
    AdminAuthoriser, AuthenticatorHandle, ConsensusModuleConfig, InjectedFault, WarningSink,
};
pub use consensus_module_snapshot::{
    CONSENSUS_MODULE_SNAPSHOT_TYPE_ID, ConsensusModuleSnapshot, ConsensusModuleSnapshotError,
    SnapshotSession, SnapshotTimer, SnapshotTracker,
};
pub use election::{Election, ElectionInit};
pub use election_command::{ConsensusMessage, ElectionCommand, Role};
pub use election_config::ElectionConfig;
pub use election_state::ElectionState;
pub use node_state_file::{CandidateTerm, NODE_STATE_FILE_NAME, NodeStateFile};
pub use offline_snapshot::{OfflineSnapshotError, read_snapshot_recording};
pub use pending_service_message_tracker::{
    PendingMessage, PendingMessageError, PendingServiceMessageTracker, SERVICE_MESSAGE_LIMIT,
    service_id_from_log_message, service_id_from_service_message, service_session_id,
};
pub use recording_log::{RecordingLog, RecordingLogOptions, TornTail};
pub use recording_log_entry::{EntryType, RECORDING_LOG_FILE_NAME, RecordingLogEntry};
pub use recovery_plan::{Log, RecordingExtent, RecordingExtents, RecoveryPlan, Snapshot};
pub use session_manager::{ConnectDecision, SessionCommand, SessionManager, SessionManagerConfig};
pub use term_history::{TermEntry, TermHistory};
pub use timer_service::{TIMER_POLL_LIMIT, TimerService};
