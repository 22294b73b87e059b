//! [`ConsensusModuleAgent`]: Aeron's consensus module as an [`Agent`] — elections, the replicated log,
//! commit, client sessions, timers and the services' control protocol
//! (`reference/aeron-cluster-protocol.md` §2, §3).
//!
//! How it is driven: build it with [`ConsensusModuleAgent::new`] from a config, its own Aeron client
//! (whose conductor it runs, as Aeron's invoker mode), a connected archive client for the local archive
//! and the storage of the cluster directory; then call `do_work(now_ns)`. It reads time only from
//! `now_ns` and the epoch clock it is given, so the simulator can drive it.
//!
//! Data flow. Leader: a log publication per leadership term (multi-destination cast to every
//! follower's log endpoint) recorded by the local archive through a spy (append position = the
//! recording counter); ingress messages of open sessions, session open/close events and timer events
//! are appended with the leader's cluster time; the commit position is the quorum of the members'
//! append positions and is sent as CommitPosition. Follower: subscribes to its log endpoint for the
//! leader's log session, the local archive records the image (append position = its recording
//! counter), AppendPosition goes to the leader, the module follows the log up to the commit position
//! to keep its session and timer tables. Services read the log themselves, bounded by the shared
//! commit-position counter, after a JoinLog.
//!
//! Invariants:
//! - the commit-position counter never goes back, and a leader never commits beyond its own append
//!   position or without a quorum of the members at that position;
//! - only the leader appends to the log; every entry it appends carries the current leadership term id
//!   and the leader's cluster time, and an ingress message is appended only for an OPEN session of the
//!   current term;
//! - a follower consumes the log only up to min(commit position it was told, its own append
//!   position);
//! - every election runs to completion before log work resumes, and the services are told about each
//!   new log (JoinLog) and acknowledge it before the module reports the log joined.
//!
//! A restarted member recovers from `recording.log` and its archive: the election replays its local log
//! to the services, then it catches up from the leader (a replay of the leader's archive to its
//! catch-up endpoint, merged with the live log in one multi-destination subscription) or, when its log
//! ends in an older term, replicates the missing log from the leader's archive first.
//!
//! Snapshots (reference §4.2): a SNAPSHOT action in the log makes every member snapshot at that position.
//! The leader appends it (operator toggle, interval or log growth) and stops appending until the
//! snapshot is recorded; it starts the snapshot only once the action is committed. A follower (or a
//! replay) stops consuming the log right after the action. The services snapshot themselves when they
//! read it and acknowledge with their recording id; then the module records its own state (sessions,
//! timers, pending service messages) and appends the SNAPSHOT entries to `recording.log`. At start-up
//! the module reads every snapshot of the newest set and checks it (seal, markers, content) before the
//! services may start; a set that fails is invalidated with a warning and the previous set is tried.
//!
//! A member whose log ends before its peers' newest snapshot (an empty or long-stopped node) asks
//! them at start-up (BackupQuery/BackupResponse on the consensus channel), replicates that snapshot
//! set from a peer's archive into its own, and recovers from it (`snapshot_catchup`); the log after
//! it then comes from the leader. Admin requests (snapshot) from sessions the configured
//! `AdminAuthoriser` allows set the control toggle as the tool does; connecting clients go through the
//! configured `Authenticator` (challenge/response supported; none = accept with an empty principal).
//!
//! Not yet: uncommitted-state rollback of sessions and control actions on leadership loss
//! (service messages are rolled back); answering BackupQuery from non-members (cluster backup,
//! standby).

use std::collections::BTreeMap;
use std::sync::Arc;

use agrona::{Agent, AgentTermination, EpochClock, Prng};
use archive::ArchiveStorage;
use archive::FileSyncLevel;
use archive_client::{AeronArchive, RecordingPos, SnapshotRecordingReader, SnapshotRecordingWriter};
use client::{Aeron, Counter, ExclusivePublication, Publication, Subscription};
use protocol::archive::SourceLocation;
use protocol::cluster::{
    AdminResponseCode, AppendPosition, BooleanType, CanvassPosition, CloseReason, ClusterAction,
    ClusterActionRequest, ClusterMessage, ClusterTimeUnit, CommitPosition, EventCode, JoinLog,
    NewLeaderEvent, NewLeadershipTerm, NewLeadershipTermEvent, RecoveryState, SESSION_HEADER_LENGTH,
    ServiceTerminationPosition, SessionCloseEvent, SessionEvent, SessionMessageHeader, SessionOpenEvent,
    SnapshotMarker, TerminationAck, TerminationPosition, TimerEvent, defaults,
};

use protocol::frame::{DATA_HEADER_LENGTH, FRAME_ALIGNMENT};

use crate::authenticator::SessionProxy;
use crate::cluster_control::{ClusterControl, ToggleState};
use crate::cluster_event_log::ClusterEventCode;
use crate::cluster_member::{self, ClusterMember, NULL_POSITION, NULL_VALUE};
use crate::consensus_module_config::{ConsensusModuleConfig, InjectedFault};
use crate::consensus_module_snapshot::{
    ConsensusModuleSnapshot, SnapshotSession, SnapshotTimer, SnapshotTracker,
};
use crate::election::{Election, ElectionInit};
use crate::election_command::{ConsensusMessage, ElectionCommand, Role};
use crate::inbox::Inbox;
use crate::node_state_file::NodeStateFile;
use crate::pending_service_message_tracker::{PendingServiceMessageTracker, service_id_from_log_message};
use crate::recording_log::{RecordingLog, RecordingLogOptions};
use crate::recovery_plan::{RecordingExtent, RecoveryPlan, Snapshot};
use crate::snapshot_catchup::{CatchupDecision, SnapshotCatchup};
use crate::timer_service::{TIMER_POLL_LIMIT, TimerService};

pub use crate::cluster_control::ConsensusModuleState as ModuleState;

/// A fatal consensus module error: the node stops (DESIGN.md, second tier of failure).
#[derive(Debug, thiserror::Error)]
pub enum ConsensusModuleError {
    /// The configuration is invalid.
    #[error("invalid consensus module configuration: {0}")]
    Config(String),
    /// The transport refused a resource.
    #[error("transport: {0}")]
    Client(#[from] client::ClientError),
    /// The local archive failed.
    #[error("archive: {0}")]
    Archive(#[from] archive_client::ArchiveError),
    /// A cluster file (recording log, node state) failed.
    #[error("cluster file: {0}")]
    File(#[from] crate::cluster_file_error::ClusterFileError),
}

const SLOW_TICK_INTERVAL_NS: i64 = 10_000_000;
const CONSENSUS_FRAGMENT_LIMIT: usize = 10;
const INGRESS_FRAGMENT_LIMIT: usize = 50;
const LOG_FRAGMENT_LIMIT: usize = 50;
const CONTROL_FRAGMENT_LIMIT: usize = 25;
const APPEND_ATTEMPTS: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SessionState {
    /// Response publication being connected; then the open event is appended.
    Connecting,
    /// Rejected: the event is sent once the response publication connects, then the session goes.
    Rejected,
    /// In the log (open event appended by the leader or read from the log).
    Open,
}

#[derive(Debug)]
struct ClusterSession {
    id: i64,
    correlation_id: i64,
    response_stream_id: i32,
    response_channel: String,
    principal: Vec<u8>,
    state: SessionState,
    response: Option<Publication>,
    last_activity_ns: i64,
    opened_log_position: i64,
    rejection: Option<(EventCode, String)>,
    new_leader_event_pending: bool,
    /// Authentication progress while `Connecting` (only with a configured authenticator).
    auth: Option<crate::cluster_session::ClusterSession>,
}

#[derive(Debug)]
struct Redirect {
    correlation_id: i64,
    publication: Publication,
    deadline_ns: i64,
}

/// What the module is waiting for before it tells the election that the log is joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LogJoin {
    None,
    /// Leader: recording counter of the log session, then the services' acks.
    Leader {
        session_id: i32,
        join_log_sent: bool,
    },
    /// Follower: the image of the log session, its recording, then the services' acks.
    Follower {
        session_id: i32,
        join_position: Option<i64>,
        join_log_sent: bool,
    },
}

/// A replication of the leader's log recording into the local one (follower log replication).
#[derive(Debug, Clone, Copy)]
struct LogReplication {
    replication_id: i64,
    stop_position: i64,
    position: i64,
    has_ended: bool,
}

#[derive(Debug)]
struct LogReplay {
    subscription: Subscription,
    replay_session_id: i64,
    to_position: i64,
    position: i64,
    join_log_sent: bool,
    /// Ack id of the services' JoinLog acknowledgement: the module reads the replay only after every
    /// service joined it, so that the replay's image cannot drain and go before they subscribed.
    join_ack_id: i64,
    services_ack_requested: bool,
}

/// An orderly termination in progress (Aeron `ClusterTermination`, reference §3.12).
#[derive(Debug, Clone, Copy)]
struct Termination {
    /// Every member stops at this log position.
    position: i64,
    /// The leader stops waiting for followers' acknowledgements at this time.
    deadline_ns: i64,
    /// ServiceTerminationPosition sent; the services acknowledge with this ack id.
    services_ack_id: Option<i64>,
    /// Followers that acknowledged (leader only), by member index.
    follower_acks: u64,
}

/// A snapshot being taken at `log_position` (reference §4.2).
#[derive(Debug)]
struct SnapshotTask {
    log_position: i64,
    leadership_term_id: i64,
    timestamp: i64,
    /// Terminate every member once recorded (the SHUTDOWN toggle).
    shutdown: bool,
    /// The services acknowledge the snapshot with this ack id.
    ack_id: i64,
    /// Each service's snapshot recording id, from its acknowledgement (-1 until then or on failure).
    service_recording_ids: Vec<i64>,
    /// The module's own snapshot, once the services are done.
    writer: Option<SnapshotRecordingWriter>,
}

/// Leader: a SNAPSHOT action appended at `log_position`, waiting to be committed.
#[derive(Debug, Clone, Copy)]
struct PendingSnapshotAction {
    log_position: i64,
    timestamp: i64,
    shutdown: bool,
}

/// Start-up: reading and checking the snapshot set the recovery plan names.
#[derive(Debug)]
struct RecoveryLoad {
    /// Index 0 = consensus module, `k + 1` = service `k`.
    set: Vec<Snapshot>,
    /// The snapshot being read.
    next: usize,
    reader: Option<SnapshotRecordingReader>,
    deadline_ns: i64,
    module_snapshot: Option<ConsensusModuleSnapshot>,
}

/// Where a connecting session's authentication stands.
#[derive(Debug)]
enum AuthOutcome {
    Pending,
    Authenticated(Vec<u8>),
    Rejected(EventCode, String),
}

/// Start-up: one snapshot recording being replicated from a peer's archive (snapshot catch-up).
#[derive(Debug, Clone, Copy)]
struct CatchupReplication {
    replication_id: i64,
    recording_id: i64,
    deadline_ns: i64,
}

/// How long a terminating leader waits for its followers (Aeron `terminationTimeoutNs`, 10 s).
const TERMINATION_TIMEOUT_NS: i64 = 10_000_000_000;

/// Aeron's consensus module. See the module docs.
pub struct ConsensusModuleAgent<S: ArchiveStorage> {
    config: ConsensusModuleConfig,
    aeron: Aeron,
    archive: AeronArchive,
    epoch_clock: Arc<dyn EpochClock>,
    recording_log: RecordingLog<S>,
    node_state: NodeStateFile<S::File>,
    members: Vec<ClusterMember>,
    this_index: usize,
    prng: Prng,

    consensus_subscription: Subscription,
    consensus_publications: Vec<Option<ExclusivePublication>>,
    ingress_subscription: Subscription,
    control_publication: ExclusivePublication,
    control_subscription: Subscription,
    commit_position: Counter,
    role_counter: Counter,
    state_counter: Counter,
    election_state_counter: Counter,
    _control_toggle_counter: Counter,
    errors_counter: Counter,
    control_toggle: ClusterControl,
    termination: Option<Termination>,
    terminated: bool,

    state: ModuleState,
    role: Role,
    election: Option<Election>,
    leadership_term_id: i64,
    leader_member_id: i32,
    initial_log_leadership_term_id: i64,
    initial_term_base_log_position: i64,

    log_publication: Option<ExclusivePublication>,
    log_publication_channel: String,
    log_subscription: Option<Subscription>,
    log_subscription_channel: String,
    log_session_id: i32,
    log_position: i64,
    log_recording_id: i64,
    log_recording_subscription_id: Option<i64>,
    recording_counter_id: Option<i32>,
    log_join: LogJoin,
    catchup_destination: Option<String>,
    live_destination: Option<String>,
    catchup_replays: BTreeMap<i32, i64>,
    log_replication: Option<LogReplication>,
    log_replay: Option<LogReplay>,
    pending_prepare: bool,
    pending_new_term_event: Option<(i64, i64)>,
    cached_extent: Option<Option<RecordingExtent>>,

    append_position: i64,
    notified_commit_position: i64,
    last_append_position_sent: i64,
    time_of_last_append_position_send_ns: i64,
    time_of_last_commit_send_ns: i64,
    last_commit_position_sent: i64,
    time_of_last_log_update_ns: i64,

    service_ack_ids: Vec<i64>,
    /// Relevant id of each service's latest acknowledgement.
    service_ack_relevant_ids: Vec<i64>,
    expected_ack_id: i64,
    snapshot_task: Option<SnapshotTask>,
    pending_snapshot_action: Option<PendingSnapshotAction>,
    recovery_load: Option<RecoveryLoad>,
    snapshot_catchup: Option<SnapshotCatchup>,
    catchup_replication: Option<CatchupReplication>,
    recovery_state_counter: Option<Counter>,
    snapshot_counter: Counter,
    time_of_last_snapshot_ns: i64,
    log_position_of_last_snapshot: i64,
    pending_session_closes: Vec<i64>,
    service_client_ids: Vec<i64>,

    sessions: BTreeMap<i64, ClusterSession>,
    next_session_id: i64,
    redirects: Vec<Redirect>,
    timers: TimerService,
    fired_timers_from_log: BTreeMap<i64, u32>,
    service_trackers: Vec<PendingServiceMessageTracker>,

    consensus_inbox: Inbox,
    ingress_backlog: std::collections::VecDeque<Vec<u8>>,
    /// Follower catch-up: the last recorded position seen and when it last moved.
    catchup_progress: Option<(i64, i64)>,
    ingress_inbox: Inbox,
    control_inbox: Inbox,
    log_inbox: Inbox,
    scratch: Vec<u8>,
    now_ns: i64,
    slow_tick_deadline_ns: i64,
    election_count: u64,
}

fn encode(scratch: &mut Vec<u8>, message: &ClusterMessage<'_>) -> usize {
    let length = message.encoded_length();
    if scratch.len() < length {
        scratch.resize(length, 0);
    }
    message.encode(&mut scratch[..length]).expect("sized buffer")
}

/// The extent of a recording as the recovery plan sees it.
fn extent_of(descriptor: &archive_client::OwnedRecordingDescriptor) -> RecordingExtent {
    RecordingExtent {
        start_position: descriptor.start_position,
        stop_position: descriptor.stop_position,
        initial_term_id: descriptor.initial_term_id,
        term_buffer_length: descriptor.term_buffer_length,
        mtu_length: descriptor.mtu_length,
        session_id: descriptor.session_id,
    }
}

/// The recovery plan from `recording_log` and the archive's catalog. Fails if the local log no longer
/// holds what must be replayed after the planned snapshot (it was purged past it).
fn plan_recovery<S: ArchiveStorage>(
    recording_log: &RecordingLog<S>,
    archive: &mut AeronArchive,
    service_count: usize,
) -> Result<RecoveryPlan, ConsensusModuleError> {
    let mut extents = BTreeMap::new();
    for entry in recording_log.entries() {
        if entry.recording_id != NULL_VALUE && !extents.contains_key(&entry.recording_id) {
            let descriptor = archive.list_recording(entry.recording_id)?;
            extents.insert(entry.recording_id, descriptor.as_ref().map(extent_of));
        }
    }
    let lookup = |id: i64| extents.get(&id).copied().flatten();
    let plan = recording_log.create_recovery_plan(service_count, NULL_VALUE, &lookup)?;
    if let Some(log) = plan.log.as_ref() {
        let snapshot_position = plan.snapshots.first().map_or(0, |s| s.log_position);
        let recorded_from = lookup(log.recording_id).map_or(0, |extent| extent.start_position);
        if recorded_from > snapshot_position {
            return Err(ConsensusModuleError::Config(format!(
                "the local log recording {} starts at {recorded_from} (purged) but the newest usable \
                 snapshot is at {snapshot_position}: nothing to recover the log between them from",
                log.recording_id
            )));
        }
    }
    Ok(plan)
}

/// True if `bytes` is a ClusterActionRequest SNAPSHOT every member takes (default flags).
fn is_snapshot_action(bytes: &[u8]) -> bool {
    matches!(
        protocol::cluster::decode_any(bytes),
        Ok(ClusterMessage::ClusterActionRequest(request))
            if request.action == ClusterAction::Snapshot
                && (request.flags == protocol::cluster::CLUSTER_ACTION_FLAGS_DEFAULT || request.flags == i32::MIN)
    )
}

/// Checks the start of a service snapshot: a BEGIN marker of a service snapshot (type 2) at
/// `log_position` (the rest is the service's to check when it loads it).
fn check_service_snapshot_begin(messages: &[Vec<u8>], log_position: i64) -> Result<(), String> {
    let first = messages.first().ok_or("empty snapshot")?;
    let marker = SnapshotMarker::decode(first).map_err(|e| format!("first message is not a marker: {e}"))?;
    if marker.type_id != 2 || marker.mark != protocol::cluster::SnapshotMark::Begin {
        return Err(format!("first message is not a service BEGIN marker: {marker:?}"));
    }
    if marker.log_position != log_position {
        return Err(format!("holds log position {}, recording.log says {log_position}", marker.log_position));
    }
    Ok(())
}

fn boolean(value: bool) -> BooleanType {
    if value { BooleanType::True } else { BooleanType::False }
}

fn endpoint_channel(template: &str, endpoint: &str) -> Result<String, ConsensusModuleError> {
    ConsensusModuleConfig::channel_with(template, &[("endpoint", endpoint.to_owned())])
        .map_err(ConsensusModuleError::Config)
}

impl<S: ArchiveStorage> std::fmt::Debug for ConsensusModuleAgent<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsensusModuleAgent")
            .field("member_id", &self.config.member_id)
            .field("state", &self.state)
            .field("role", &self.role)
            .field("leadership_term_id", &self.leadership_term_id)
            .field("commit_position", &self.commit_position.get())
            .field("append_position", &self.append_position)
            .field("election", &self.election.as_ref().map(Election::state))
            .finish()
    }
}

impl<S: ArchiveStorage + Send> ConsensusModuleAgent<S>
where
    S::File: Send,
{
    /// Creates the module: opens `recording.log` and `node-state.dat` in `cluster_storage`, plans
    /// recovery from the local archive, and creates the counters, the consensus, ingress and control
    /// endpoints. The election starts once every service has acknowledged its start.
    pub fn new(
        config: ConsensusModuleConfig,
        aeron: Aeron,
        mut archive: AeronArchive,
        cluster_storage: S,
        epoch_clock: Arc<dyn EpochClock>,
        now_ns: i64,
    ) -> Result<Self, ConsensusModuleError> {
        config.validate().map_err(ConsensusModuleError::Config)?;
        let members = config.members.clone();
        let this_index = members.iter().position(|m| m.id == config.member_id).expect("validated");
        let recording_log = RecordingLog::open(
            &cluster_storage,
            RecordingLogOptions {
                create_if_missing: true,
                sync_level: FileSyncLevel::Data,
                truncate_torn_tail: true,
            },
        )?;
        let node_state = NodeStateFile::open(&cluster_storage, true, FileSyncLevel::Data)?;

        let recovery = plan_recovery(&recording_log, &mut archive, config.service_count)?;
        let log_recording_id = recovery.log.as_ref().map_or(NULL_VALUE, |log| log.recording_id);
        if log_recording_id != NULL_VALUE {
            // A previous run may have left it recording.
            let _ = archive.stop_recording_by_identity(log_recording_id);
        }

        let key = config.cluster_id.to_le_bytes();
        let id = config.cluster_id;
        let counter = |type_id: i32, label: &str| {
            aeron.add_counter(type_id, &key, &format!("{label} - clusterId={id}"))
        };
        let commit_position = counter(defaults::COMMIT_POSITION_TYPE_ID, "Cluster commit-pos:")?;
        let role_counter = counter(defaults::CLUSTER_NODE_ROLE_TYPE_ID, "Cluster node role")?;
        let state_counter = counter(defaults::CONSENSUS_MODULE_STATE_TYPE_ID, "Consensus Module state")?;
        let election_state_counter = counter(defaults::ELECTION_STATE_TYPE_ID, "Cluster election state")?;
        let control_toggle_counter = counter(defaults::CONTROL_TOGGLE_TYPE_ID, "Cluster control toggle")?;
        let errors_counter = counter(defaults::CLUSTER_ERRORS_TYPE_ID, "Cluster errors")?;
        let snapshot_counter = counter(defaults::SNAPSHOT_COUNTER_TYPE_ID, "Cluster snapshot count")?;
        let control_toggle = ClusterControl::new(control_toggle_counter.atomic_counter());
        control_toggle.deactivate();

        let this = &members[this_index];
        let consensus_subscription = aeron.add_subscription(
            &endpoint_channel(&config.consensus_channel, &this.consensus_endpoint)?,
            config.consensus_stream_id,
        )?;
        let mut consensus_publications = Vec::with_capacity(members.len());
        for (index, member) in members.iter().enumerate() {
            if index == this_index {
                consensus_publications.push(None);
            } else {
                let channel = endpoint_channel(&config.consensus_channel, &member.consensus_endpoint)?;
                consensus_publications
                    .push(Some(aeron.add_exclusive_publication(&channel, config.consensus_stream_id)?));
            }
        }
        let ingress_subscription = aeron.add_subscription(
            &endpoint_channel(&config.ingress_channel, &this.ingress_endpoint)?,
            config.ingress_stream_id,
        )?;
        let control_publication =
            aeron.add_exclusive_publication(&config.control_channel, config.service_stream_id)?;
        let control_subscription =
            aeron.add_subscription(&config.control_channel, config.consensus_module_stream_id)?;

        let recovery_load = (!recovery.snapshots.is_empty()).then(|| RecoveryLoad {
            set: recovery.snapshots.clone(),
            next: 0,
            reader: None,
            deadline_ns: now_ns.saturating_add(config.snapshot_load_timeout_ns),
            module_snapshot: None,
        });
        let peers: Vec<i32> = members.iter().filter(|m| m.id != config.member_id).map(|m| m.id).collect();
        let local_position =
            recovery.appended_log_position.max(recovery.snapshots.first().map_or(0, |s| s.log_position));
        let snapshot_catchup = (config.snapshot_catchup_timeout_ns > 0 && !peers.is_empty()).then(|| {
            SnapshotCatchup::new(
                aeron.next_correlation_id(),
                local_position,
                config.service_count,
                peers,
                now_ns,
                config.snapshot_catchup_timeout_ns,
            )
        });
        let prng =
            Prng::from_seed(config.seed ^ (config.member_id as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let service_count = config.service_count;
        // Positions and terms come from the recovery plan (`apply_recovery_plan` below).
        let mut agent = Self {
            config,
            aeron,
            archive,
            epoch_clock,
            recording_log,
            node_state,
            members,
            this_index,
            prng,
            consensus_subscription,
            consensus_publications,
            ingress_subscription,
            control_publication,
            control_subscription,
            commit_position,
            role_counter,
            state_counter,
            election_state_counter,
            _control_toggle_counter: control_toggle_counter,
            errors_counter,
            control_toggle,
            termination: None,
            terminated: false,
            state: ModuleState::Init,
            role: Role::Follower,
            election: None,
            leadership_term_id: NULL_VALUE,
            leader_member_id: NULL_VALUE as i32,
            initial_log_leadership_term_id: NULL_VALUE,
            initial_term_base_log_position: 0,
            log_publication: None,
            log_publication_channel: String::new(),
            log_subscription: None,
            log_subscription_channel: String::new(),
            log_session_id: NULL_VALUE as i32,
            log_position: 0,
            log_recording_id,
            log_recording_subscription_id: None,
            recording_counter_id: None,
            log_join: LogJoin::None,
            catchup_destination: None,
            live_destination: None,
            catchup_replays: BTreeMap::new(),
            log_replication: None,
            log_replay: None,
            pending_prepare: false,
            pending_new_term_event: None,
            cached_extent: None,
            append_position: 0,
            notified_commit_position: 0,
            last_append_position_sent: NULL_POSITION,
            time_of_last_append_position_send_ns: 0,
            time_of_last_commit_send_ns: 0,
            last_commit_position_sent: NULL_POSITION,
            time_of_last_log_update_ns: now_ns,
            service_ack_ids: vec![-1; service_count],
            service_ack_relevant_ids: vec![NULL_VALUE; service_count],
            expected_ack_id: 0,
            snapshot_task: None,
            pending_snapshot_action: None,
            recovery_load,
            snapshot_catchup,
            catchup_replication: None,
            recovery_state_counter: None,
            snapshot_counter,
            time_of_last_snapshot_ns: now_ns,
            log_position_of_last_snapshot: 0,
            pending_session_closes: Vec::new(),
            service_client_ids: vec![NULL_VALUE; service_count],
            sessions: BTreeMap::new(),
            next_session_id: 1,
            redirects: Vec::new(),
            timers: TimerService::new(),
            fired_timers_from_log: BTreeMap::new(),
            service_trackers: (0..service_count)
                .map(|id| PendingServiceMessageTracker::new(id as i32))
                .collect(),
            consensus_inbox: Inbox::new(),
            ingress_backlog: std::collections::VecDeque::new(),
            catchup_progress: None,
            ingress_inbox: Inbox::new(),
            control_inbox: Inbox::new(),
            log_inbox: Inbox::new(),
            scratch: vec![0; 4096],
            now_ns,
            slow_tick_deadline_ns: now_ns,
            election_count: 0,
        };
        agent.apply_recovery_plan(&recovery);
        Ok(agent)
    }

    // ------------------------------------------------------------------------------------------
    // Observers

    /// Whether the module terminated in an orderly way (operator abort): `do_work` now returns
    /// [`AgentTermination::Done`].
    pub fn is_terminated(&self) -> bool {
        self.terminated
    }

    /// Snapshots this module recorded since it started (the "Cluster snapshot count" counter).
    pub fn snapshot_count(&self) -> i64 {
        self.snapshot_counter.get()
    }

    /// The operator's control toggle (what `fulmar tool NODE_DIR snapshot|suspend|...` sets through the
    /// counter); acted on by the leader.
    pub fn cluster_control(&self) -> &ClusterControl {
        &self.control_toggle
    }

    /// The recording log (entries as persisted).
    pub fn recording_log(&self) -> &RecordingLog<S> {
        &self.recording_log
    }

    /// Ingress messages dropped as malformed or too large (the "Cluster errors" counter).
    pub fn error_count(&self) -> i64 {
        self.errors_counter.get()
    }

    /// This node's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The module state.
    pub fn state(&self) -> ModuleState {
        self.state
    }

    /// The current leadership term id.
    pub fn leadership_term_id(&self) -> i64 {
        self.leadership_term_id
    }

    /// The leader's member id, -1 when unknown.
    pub fn leader_member_id(&self) -> i32 {
        self.leader_member_id
    }

    /// The commit position.
    pub fn commit_position(&self) -> i64 {
        self.commit_position.get()
    }

    /// The local append (recorded) position.
    pub fn append_position(&self) -> i64 {
        self.append_position
    }

    /// Whether an election is running.
    pub fn is_electing(&self) -> bool {
        self.election.is_some()
    }

    /// Elections started by this module.
    pub fn election_count(&self) -> u64 {
        self.election_count
    }

    /// Number of open client sessions.
    pub fn session_count(&self) -> usize {
        self.sessions.values().filter(|s| s.state == SessionState::Open).count()
    }

    /// The local log recording id, -1 before the first recording.
    pub fn log_recording_id(&self) -> i64 {
        self.log_recording_id
    }

    fn cluster_time(&self) -> i64 {
        self.epoch_clock.time_ms()
    }

    fn member_index(&self, member_id: i32) -> Option<usize> {
        self.members.iter().position(|m| m.id == member_id)
    }

    fn event(&self, code: ClusterEventCode, details: std::fmt::Arguments<'_>) {
        self.config.event_log.log(code, self.now_ns, self.config.member_id, details);
    }

    fn set_state(&mut self, state: ModuleState) {
        if state != self.state {
            self.event(ClusterEventCode::StateChange, format_args!("{:?} -> {state:?}", self.state));
        }
        self.state = state;
        self.state_counter.set_ordered(state.code());
    }

    fn set_role(&mut self, role: Role) {
        if role != self.role {
            self.event(ClusterEventCode::RoleChange, format_args!("{:?} -> {role:?}", self.role));
        }
        self.role = role;
        self.role_counter.set_ordered(role.code() as i64);
    }

    fn update_commit_position(&mut self, position: i64) {
        if position > self.commit_position.get() {
            self.commit_position.set_ordered(position);
            if self.role == Role::Leader {
                for tracker in &mut self.service_trackers {
                    tracker.sweep_leader_messages(position);
                }
            }
            self.begin_committed_snapshot_action();
        }
    }

    // ------------------------------------------------------------------------------------------
    // Sending

    fn send_consensus(&mut self, to_member_id: i32, message: &ConsensusMessage) -> bool {
        let Some(index) = self.member_index(to_member_id) else { return false };
        let length = match message {
            ConsensusMessage::CanvassPosition(m) => {
                encode(&mut self.scratch, &ClusterMessage::CanvassPosition(*m))
            }
            ConsensusMessage::RequestVote(m) => encode(&mut self.scratch, &ClusterMessage::RequestVote(*m)),
            ConsensusMessage::Vote(m) => encode(&mut self.scratch, &ClusterMessage::Vote(*m)),
            ConsensusMessage::NewLeadershipTerm(m) => {
                encode(&mut self.scratch, &ClusterMessage::NewLeadershipTerm(*m))
            }
            ConsensusMessage::AppendPosition(m) => {
                encode(&mut self.scratch, &ClusterMessage::AppendPosition(*m))
            }
            ConsensusMessage::CommitPosition(m) => {
                encode(&mut self.scratch, &ClusterMessage::CommitPosition(*m))
            }
            ConsensusMessage::CatchupPosition {
                leadership_term_id,
                log_position,
                follower_member_id,
                catchup_endpoint,
            } => encode(
                &mut self.scratch,
                &ClusterMessage::CatchupPosition(protocol::cluster::CatchupPosition {
                    leadership_term_id: *leadership_term_id,
                    log_position: *log_position,
                    follower_member_id: *follower_member_id,
                    catchup_endpoint,
                }),
            ),
            ConsensusMessage::StopCatchup(m) => encode(&mut self.scratch, &ClusterMessage::StopCatchup(*m)),
        };
        self.send_consensus_encoded(index, length)
    }

    /// Sends the first `length` bytes of the scratch buffer to the member at `index`.
    fn send_consensus_encoded(&mut self, index: usize, length: usize) -> bool {
        match self.consensus_publications[index].as_mut() {
            Some(publication) => publication.offer(&self.scratch[..length]).is_ok(),
            None => false,
        }
    }

    /// Sends a message outside the election vocabulary (termination) to `to_member_id`.
    fn send_consensus_message(&mut self, to_member_id: i32, message: &ClusterMessage<'_>) -> bool {
        let Some(index) = self.member_index(to_member_id) else { return false };
        let length = encode(&mut self.scratch, message);
        self.send_consensus_encoded(index, length)
    }

    fn send_to_services(&mut self, message: &ClusterMessage<'_>) -> bool {
        let length = encode(&mut self.scratch, message);
        for _ in 0..APPEND_ATTEMPTS {
            if self.control_publication.offer(&self.scratch[..length]).is_ok() {
                return true;
            }
        }
        false
    }

    /// Appends an encoded message to the log; returns the position after it.
    fn append_encoded(&mut self, length: usize) -> Option<i64> {
        let publication = self.log_publication.as_mut()?;
        for _ in 0..APPEND_ATTEMPTS {
            if let Ok(position) = publication.offer(&self.scratch[..length]) {
                return Some(position);
            }
        }
        None
    }

    fn append_message(&mut self, message: &ClusterMessage<'_>) -> Option<i64> {
        let length = encode(&mut self.scratch, message);
        self.append_encoded(length)
    }

    fn append_session_message(&mut self, cluster_session_id: i64, payload: &[u8]) -> Option<i64> {
        let header = SessionMessageHeader {
            leadership_term_id: self.leadership_term_id,
            cluster_session_id,
            timestamp: self.cluster_time(),
        };
        let mut bytes = [0u8; SESSION_HEADER_LENGTH];
        header.encode(&mut bytes).expect("32 bytes");
        let publication = self.log_publication.as_mut()?;
        if SESSION_HEADER_LENGTH + payload.len() > publication.max_message_length() {
            return None;
        }
        for _ in 0..APPEND_ATTEMPTS {
            if let Ok(position) = publication.offer_vectored(&[&bytes, payload]) {
                return Some(position);
            }
        }
        None
    }

    fn ingress_endpoints(&self) -> String {
        self.members.iter().map(|m| format!("{}={}", m.id, m.ingress_endpoint)).collect::<Vec<_>>().join(",")
    }

    fn send_session_event(&mut self, session_id: i64, code: EventCode, detail: &str) -> bool {
        let Some(session) = self.sessions.get(&session_id) else { return false };
        let Some(publication) = session.response.as_ref() else { return false };
        let event = SessionEvent {
            cluster_session_id: session_id,
            correlation_id: session.correlation_id,
            leadership_term_id: self.leadership_term_id,
            leader_member_id: self.leader_member_id,
            code,
            version: protocol::cluster::CLIENT_PROTOCOL_SEMANTIC_VERSION,
            leader_heartbeat_timeout_ns: self.config.election.leader_heartbeat_timeout_ns,
            detail,
        };
        let length = event.encoded_length();
        let mut bytes = vec![0u8; length];
        event.encode(&mut bytes).expect("sized");
        publication.offer(&bytes).is_ok()
    }

    // ------------------------------------------------------------------------------------------
    // Duty cycle

    fn work(&mut self, now_ns: i64) -> Result<usize, ConsensusModuleError> {
        self.now_ns = now_ns;
        let mut work = self.aeron.conductor_do_work(now_ns);
        if now_ns >= self.slow_tick_deadline_ns {
            self.slow_tick_deadline_ns = now_ns + SLOW_TICK_INTERVAL_NS;
            work += self.slow_tick_work(now_ns)?;
        }
        work += self.poll_consensus(now_ns)?;
        work += self.poll_control()?;
        if self.state == ModuleState::Init {
            if self.recovery_state_counter.is_none() {
                if self.snapshot_catchup.is_some() {
                    work += self.snapshot_catchup_work(now_ns)?;
                    return Ok(work);
                }
                work += self.recovery_work(now_ns)?;
                return Ok(work);
            }
            if self.service_ack_ids.iter().all(|id| *id >= 0) {
                self.expected_ack_id = 1;
                self.set_state(ModuleState::Active);
                self.start_election(now_ns, true, NULL_VALUE as i32);
                work += 1;
            }
            return Ok(work);
        }
        work += self.snapshot_work(now_ns)?;
        if self.election.is_some() {
            work += self.election_work(now_ns)?;
        } else {
            work += self.consensus_work(now_ns)?;
            if self.termination_work(now_ns) {
                self.terminated = true;
                work += 1;
            }
        }
        Ok(work)
    }

    fn slow_tick_work(&mut self, now_ns: i64) -> Result<usize, ConsensusModuleError> {
        let mut work = 0;
        let _ = self.archive.keep_alive_if_due(now_ns);
        work += self.process_redirects(now_ns);
        if self.election.is_none() && self.role == Role::Leader {
            work += self.poll_control_toggle(now_ns);
        }
        if self.election.is_none() && self.state == ModuleState::Active && self.termination.is_none() {
            if self.role == Role::Leader {
                work += self.poll_snapshot_schedule(now_ns);
                work += self.process_sessions(now_ns);
                let timeout = self.config.election.leader_heartbeat_timeout_ns;
                if self.members.len() > 1
                    && !cluster_member::has_active_quorum(&self.members, now_ns, timeout)
                {
                    self.enter_election(now_ns, "inactive follower quorum");
                    return Ok(work + 1);
                }
            } else if now_ns
                >= self.time_of_last_log_update_ns + self.config.election.leader_heartbeat_timeout_ns
            {
                self.enter_election(now_ns, "leader heartbeat timeout");
                return Ok(work + 1);
            }
        }
        Ok(work)
    }

    /// The operator's control toggle (leader only, reference §3.11): suspend and resume are log
    /// entries every member applies at the same position; abort terminates every member at the
    /// leader's current log position. Snapshot and shutdown need snapshots, which this module does
    /// not take yet: they are refused (the toggle goes back to NEUTRAL and the request is logged).
    fn poll_control_toggle(&mut self, now_ns: i64) -> usize {
        let toggle = match self.control_toggle.get() {
            Ok(toggle) => toggle,
            Err(_) => {
                self.control_toggle.reset();
                return 1;
            }
        };
        match (toggle, self.state) {
            (ToggleState::Suspend, ModuleState::Active) => {
                if self.append_cluster_action(ClusterAction::Suspend).is_some() {
                    self.set_state(ModuleState::Suspended);
                }
                1
            }
            (ToggleState::Resume, ModuleState::Suspended) => {
                if self.append_cluster_action(ClusterAction::Resume).is_some() {
                    self.set_state(ModuleState::Active);
                    self.control_toggle.reset();
                }
                1
            }
            (ToggleState::Resume, ModuleState::Active) => {
                self.control_toggle.reset();
                1
            }
            (ToggleState::Abort, ModuleState::Active | ModuleState::Suspended) => {
                self.begin_leader_termination(now_ns);
                1
            }
            (ToggleState::Snapshot, ModuleState::Active) => {
                self.append_snapshot_action(false);
                1
            }
            (ToggleState::Shutdown, ModuleState::Active) => {
                self.append_snapshot_action(true);
                1
            }
            (ToggleState::StandbySnapshot, _) => {
                self.event(
                    ClusterEventCode::StateChange,
                    format_args!("control toggle {toggle:?} refused: no standby nodes in this cluster"),
                );
                self.control_toggle.reset();
                1
            }
            _ => 0,
        }
    }

    fn append_cluster_action(&mut self, action: ClusterAction) -> Option<i64> {
        let position = self.log_publication.as_ref()?.position();
        let mut request = ClusterActionRequest {
            leadership_term_id: self.leadership_term_id,
            log_position: 0,
            timestamp: self.cluster_time(),
            action,
            flags: protocol::cluster::CLUSTER_ACTION_FLAGS_DEFAULT,
        };
        let length = encode(&mut self.scratch, &ClusterMessage::ClusterActionRequest(request));
        request.log_position = position + agrona::align(DATA_HEADER_LENGTH + length, FRAME_ALIGNMENT) as i64;
        self.append_message(&ClusterMessage::ClusterActionRequest(request))
    }

    /// Leader: appends a SNAPSHOT action and stops appending until the snapshot is recorded; the
    /// snapshot itself starts once the action is committed. `shutdown`: then terminate every member.
    fn append_snapshot_action(&mut self, shutdown: bool) {
        if self.snapshot_task.is_some() || self.pending_snapshot_action.is_some() {
            return;
        }
        let timestamp = self.cluster_time();
        if let Some(log_position) = self.append_cluster_action(ClusterAction::Snapshot) {
            self.event(
                ClusterEventCode::StateChange,
                format_args!("snapshot action appended at logPosition={log_position} shutdown={shutdown}"),
            );
            self.pending_snapshot_action = Some(PendingSnapshotAction { log_position, timestamp, shutdown });
            self.set_state(ModuleState::Snapshot);
            self.begin_committed_snapshot_action();
        }
    }

    /// Leader: a snapshot by interval or log growth, when due.
    fn poll_snapshot_schedule(&mut self, now_ns: i64) -> usize {
        if self.snapshot_task.is_some() || self.pending_snapshot_action.is_some() {
            return 0;
        }
        let interval = self.config.snapshot_interval_ns;
        let growth = self.config.snapshot_log_growth_bytes;
        let position = self.log_publication.as_ref().map_or(0, ExclusivePublication::position);
        let due = (interval > 0 && now_ns >= self.time_of_last_snapshot_ns + interval)
            || (growth > 0 && position >= self.log_position_of_last_snapshot + growth);
        if due && position > self.log_position_of_last_snapshot {
            self.append_snapshot_action(false);
            return 1;
        }
        0
    }

    /// Leader: starts the snapshot of a pending SNAPSHOT action once the action is committed (before
    /// anything else that waits for a service acknowledgement, so acks stay in order).
    fn begin_committed_snapshot_action(&mut self) {
        if let Some(action) = self.pending_snapshot_action
            && self.commit_position.get() >= action.log_position
        {
            self.pending_snapshot_action = None;
            self.begin_snapshot(action.log_position, action.timestamp, action.shutdown);
        }
    }

    /// Every member: snapshot at `log_position` (the position after the SNAPSHOT action, which this
    /// module has consumed and nothing beyond it). The services are already on their way to it.
    fn begin_snapshot(&mut self, log_position: i64, timestamp: i64, shutdown: bool) {
        let ack_id = self.expected_ack_id;
        if self.config.service_count > 0 {
            self.expected_ack_id += 1;
        }
        self.event(
            ClusterEventCode::StateChange,
            format_args!("snapshot at logPosition={log_position} ackId={ack_id}"),
        );
        self.snapshot_task = Some(SnapshotTask {
            log_position,
            leadership_term_id: self.leadership_term_id,
            timestamp,
            shutdown,
            ack_id,
            service_recording_ids: vec![NULL_VALUE; self.config.service_count],
            writer: None,
        });
        if matches!(self.state, ModuleState::Active | ModuleState::Suspended) {
            self.set_state(ModuleState::Snapshot);
        }
    }

    /// The module's own snapshot of its state now (at the snapshot position).
    fn module_snapshot(&self, task: &SnapshotTask) -> ConsensusModuleSnapshot {
        ConsensusModuleSnapshot {
            log_position: task.log_position,
            leadership_term_id: task.leadership_term_id,
            time_unit: ClusterTimeUnit::Millis,
            app_version: self.config.election.app_version,
            next_session_id: self.next_session_id,
            sessions: self
                .sessions
                .values()
                .filter(|s| s.state == SessionState::Open && s.opened_log_position <= task.log_position)
                .map(|s| SnapshotSession {
                    cluster_session_id: s.id,
                    correlation_id: s.correlation_id,
                    opened_log_position: s.opened_log_position,
                    response_stream_id: s.response_stream_id,
                    response_channel: s.response_channel.clone(),
                    close_reason: None,
                })
                .collect(),
            timers: {
                let mut timers = Vec::new();
                self.timers.for_each(|correlation_id, deadline| {
                    timers.push(SnapshotTimer { correlation_id, deadline })
                });
                timers
            },
            trackers: self
                .service_trackers
                .iter()
                .map(|tracker| {
                    let mut messages = Vec::new();
                    tracker.for_each_message(|message| messages.push(message.to_vec()));
                    SnapshotTracker {
                        service_id: tracker.service_id(),
                        next_service_session_id: tracker.snapshot_next_service_session_id().0,
                        log_service_session_id: tracker.log_service_session_id(),
                        pending_message_capacity: tracker.capacity().min(i32::MAX as usize) as i32,
                        messages,
                    }
                })
                .collect(),
        }
    }

    /// Drives a snapshot: the services' acknowledgements, then the module's own recording, then the
    /// recording-log entries.
    fn snapshot_work(&mut self, now_ns: i64) -> Result<usize, ConsensusModuleError> {
        let Some(mut task) = self.snapshot_task.take() else { return Ok(0) };
        if task.writer.is_none() {
            if !self.services_acked(task.ack_id) {
                self.snapshot_task = Some(task);
                return Ok(0);
            }
            task.service_recording_ids.clone_from(&self.service_ack_relevant_ids);
            if let Some(service_id) = task.service_recording_ids.iter().position(|id| *id < 0) {
                self.snapshot_failed(&task, &format!("service {service_id} failed to take its snapshot"));
                return Ok(1);
            }
            let snapshot = self.module_snapshot(&task);
            let started = SnapshotRecordingWriter::start(
                &mut self.archive,
                &self.config.snapshot_channel,
                self.config.consensus_module_snapshot_stream_id,
            )
            .and_then(|mut writer| writer.write(snapshot.encode()).map(|()| writer));
            match started {
                Ok(writer) => task.writer = Some(writer),
                Err(error) => {
                    self.snapshot_failed(&task, &error.to_string());
                    return Ok(1);
                }
            }
        }
        let Some(writer) = task.writer.as_mut() else { return Ok(0) };
        match writer.poll(&mut self.archive) {
            Ok(None) => {
                self.snapshot_task = Some(task);
                Ok(0)
            }
            Ok(Some(recording_id)) => {
                self.snapshot_recorded(now_ns, &task, recording_id)?;
                Ok(1)
            }
            Err(error) => {
                if let Some(writer) = task.writer.take() {
                    writer.abandon(&mut self.archive);
                }
                self.snapshot_failed(&task, &error.to_string());
                Ok(1)
            }
        }
    }

    fn snapshot_failed(&mut self, task: &SnapshotTask, reason: &str) {
        self.config.warn(&format!(
            "member {}: failed to take snapshot at log position {}: {reason}",
            self.config.member_id, task.log_position
        ));
        self.event(ClusterEventCode::StateChange, format_args!("snapshot failed: {reason}"));
        self.finish_snapshot(self.now_ns, task);
    }

    fn snapshot_recorded(
        &mut self,
        now_ns: i64,
        task: &SnapshotTask,
        recording_id: i64,
    ) -> Result<(), ConsensusModuleError> {
        let term_base = self
            .recording_log
            .find_term_entry(task.leadership_term_id)
            .map_or(0, |entry| entry.term_base_log_position);
        for (service_id, service_recording_id) in task.service_recording_ids.iter().enumerate().rev() {
            self.recording_log.append_snapshot(
                *service_recording_id,
                task.leadership_term_id,
                term_base,
                task.log_position,
                task.timestamp,
                service_id as i32,
            )?;
        }
        self.recording_log.append_snapshot(
            recording_id,
            task.leadership_term_id,
            term_base,
            task.log_position,
            task.timestamp,
            crate::recording_log_entry::CONSENSUS_MODULE_SERVICE_ID,
        )?;
        self.recording_log.force(self.recording_log.sync_level())?;
        self.snapshot_counter.increment();
        self.event(
            ClusterEventCode::StateChange,
            format_args!(
                "snapshot recorded at logPosition={} module recordingId={recording_id} services={:?}",
                task.log_position, task.service_recording_ids
            ),
        );
        self.purge_before_retained_snapshots();
        self.finish_snapshot(now_ns, task);
        Ok(())
    }

    /// After a snapshot (recorded or failed): sessions' activity restarts, the module goes back to
    /// ACTIVE (or, for SHUTDOWN on the leader, terminates every member).
    fn finish_snapshot(&mut self, now_ns: i64, task: &SnapshotTask) {
        self.time_of_last_snapshot_ns = now_ns;
        self.log_position_of_last_snapshot = task.log_position;
        for session in self.sessions.values_mut() {
            session.last_activity_ns = now_ns;
        }
        if self.state == ModuleState::Snapshot {
            self.set_state(ModuleState::Active);
        }
        if self.role == Role::Leader && self.election.is_none() {
            self.control_toggle.reset();
            if task.shutdown {
                self.begin_leader_termination(now_ns);
            }
        }
    }

    /// Bounded disk: once more than `retained_snapshot_count` snapshot sets exist, the log before the
    /// oldest retained set is purged from the archive (whole segments) and older snapshot recordings
    /// are deleted; their recording-log entries are invalidated.
    fn purge_before_retained_snapshots(&mut self) {
        let retained = self.config.retained_snapshot_count;
        if retained == 0 || self.log_recording_id == NULL_VALUE {
            return;
        }
        let cm_id = crate::recording_log_entry::CONSENSUS_MODULE_SERVICE_ID;
        let set_positions: Vec<i64> = self
            .recording_log
            .entries()
            .iter()
            .filter(|e| e.is_valid_snapshot() && e.service_id == cm_id)
            .map(|e| e.log_position)
            .collect();
        if set_positions.len() <= retained {
            return;
        }
        let oldest_retained = set_positions[set_positions.len() - retained];
        let old: Vec<(usize, i64)> = self
            .recording_log
            .entries()
            .iter()
            .enumerate()
            .filter(|(_, e)| e.is_valid_snapshot() && e.log_position < oldest_retained)
            .map(|(index, e)| (index, e.recording_id))
            .collect();
        for (index, recording_id) in old.into_iter().rev() {
            if self.recording_log.invalidate_entry(index).is_ok() {
                let _ = self.archive.purge_recording(recording_id);
            }
        }
        // Whole segments only: the new start is the base of the segment holding the oldest kept set.
        let purged =
            self.archive.list_recording(self.log_recording_id).and_then(|descriptor| match descriptor {
                Some(d) if d.segment_file_base_position(oldest_retained) > d.start_position => {
                    let base = d.segment_file_base_position(oldest_retained);
                    self.archive.purge_segments(self.log_recording_id, base).map(|_| Some(base))
                }
                _ => Ok(None),
            });
        match purged {
            Ok(Some(base)) => self.event(
                ClusterEventCode::StateChange,
                format_args!(
                    "log purged before logPosition={base} (oldest kept snapshot at {oldest_retained})"
                ),
            ),
            Ok(None) => {}
            Err(error) => self.config.warn(&format!(
                "member {}: purging the log before {oldest_retained} failed: {error}",
                self.config.member_id
            )),
        }
    }

    // ------------------------------------------------------------------------------------------
    // Recovery (start-up)

    /// Reads and checks every snapshot of the planned set, one at a time; applies the module's own once
    /// all are good, then publishes the recovery state the services start from. A set that fails is
    /// invalidated in `recording.log` (with a warning) and the plan is made again.
    fn recovery_work(&mut self, now_ns: i64) -> Result<usize, ConsensusModuleError> {
        let Some(mut load) = self.recovery_load.take() else {
            self.publish_recovery_state(None)?;
            return Ok(1);
        };
        if load.next == load.set.len() {
            let module_snapshot = load.module_snapshot.take();
            if let Some(snapshot) = module_snapshot.as_ref()
                && let Err(reason) = self.apply_module_snapshot(snapshot)
            {
                return self.recovery_fallback(now_ns, &load, &reason);
            }
            self.publish_recovery_state(Some(&load.set))?;
            return Ok(1);
        }
        let snapshot = load.set[load.next];
        if load.reader.is_none() {
            match SnapshotRecordingReader::start(
                &mut self.archive,
                snapshot.recording_id,
                &self.config.replay_channel,
                self.config.replay_stream_id,
            ) {
                Ok(reader) => load.reader = Some(reader),
                Err(error) => return self.recovery_fallback(now_ns, &load, &error.to_string()),
            }
        }
        let Some(reader) = load.reader.as_mut() else { return Ok(0) };
        match reader.poll(LOG_FRAGMENT_LIMIT * 4) {
            Ok(Some(messages)) => {
                load.reader = None;
                let checked = if load.next == 0 {
                    ConsensusModuleSnapshot::decode(&messages).map_err(|e| e.to_string()).and_then(
                        |decoded| {
                            if decoded.log_position != snapshot.log_position {
                                Err(format!(
                                    "holds log position {}, recording.log says {}",
                                    decoded.log_position, snapshot.log_position
                                ))
                            } else {
                                load.module_snapshot = Some(decoded);
                                Ok(())
                            }
                        },
                    )
                } else {
                    check_service_snapshot_begin(&messages, snapshot.log_position)
                };
                if let Err(reason) = checked {
                    let reason = format!("snapshot recording {}: {reason}", snapshot.recording_id);
                    return self.recovery_fallback(now_ns, &load, &reason);
                }
                load.next += 1;
                self.recovery_load = Some(load);
                Ok(1)
            }
            Ok(None) if now_ns > load.deadline_ns => {
                let reason = format!("snapshot recording {} not read in time", snapshot.recording_id);
                self.recovery_fallback(now_ns, &load, &reason)
            }
            Ok(None) => {
                self.recovery_load = Some(load);
                Ok(0)
            }
            Err(error) => self.recovery_fallback(now_ns, &load, &error.to_string()),
        }
    }

    /// The planned set is unusable: invalidate it, warn, and plan again (the previous set, or none).
    fn recovery_fallback(
        &mut self,
        now_ns: i64,
        load: &RecoveryLoad,
        reason: &str,
    ) -> Result<usize, ConsensusModuleError> {
        let position = load.set.first().map_or(NULL_POSITION, |s| s.log_position);
        self.config.warn(&format!(
            "member {}: snapshot set at log position {position} is unusable ({reason}); it is \
             invalidated in recording.log and recovery falls back to the previous snapshot",
            self.config.member_id
        ));
        self.event(
            ClusterEventCode::StateChange,
            format_args!("snapshot set at {position} skipped: {reason}"),
        );
        let indices: Vec<usize> = self
            .recording_log
            .entries()
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                e.is_valid_snapshot()
                    && load
                        .set
                        .iter()
                        .any(|s| s.recording_id == e.recording_id && s.service_id == e.service_id)
            })
            .map(|(index, _)| index)
            .collect();
        for index in indices.into_iter().rev() {
            self.recording_log.invalidate_entry(index)?;
        }
        self.replan_recovery(now_ns)?;
        Ok(1)
    }

    /// Plans recovery again from `recording.log` (after it changed) and starts loading the new set.
    fn replan_recovery(&mut self, now_ns: i64) -> Result<(), ConsensusModuleError> {
        let plan = plan_recovery(&self.recording_log, &mut self.archive, self.config.service_count)?;
        self.apply_recovery_plan(&plan);
        self.recovery_load = (!plan.snapshots.is_empty()).then(|| RecoveryLoad {
            set: plan.snapshots.clone(),
            next: 0,
            reader: None,
            deadline_ns: now_ns.saturating_add(self.config.snapshot_load_timeout_ns),
            module_snapshot: None,
        });
        Ok(())
    }

    // ------------------------------------------------------------------------------------------
    // Snapshot catch-up (start-up; see `snapshot_catchup`)

    /// Asks the peers for their newest snapshots; if one is beyond this node's log, replicates it
    /// recording by recording into the local archive and recovers from it.
    fn snapshot_catchup_work(&mut self, now_ns: i64) -> Result<usize, ConsensusModuleError> {
        let Some(mut catchup) = self.snapshot_catchup.take() else { return Ok(0) };
        let mut work = 0;
        let due = catchup.query_due(now_ns);
        if !due.is_empty() {
            let response_channel = endpoint_channel(
                &self.config.consensus_channel,
                &self.members[self.this_index].consensus_endpoint,
            )?;
            let query = ClusterMessage::BackupQuery(protocol::cluster::BackupQuery {
                correlation_id: catchup.correlation_id(),
                response_stream_id: self.config.consensus_stream_id,
                version: protocol::cluster::CONSENSUS_PROTOCOL_SEMANTIC_VERSION,
                log_position: i64::MIN,
                response_channel: &response_channel,
                encoded_credentials: &[],
            });
            for member_id in due {
                self.send_consensus_message(member_id, &query);
                work += 1;
            }
        }
        match catchup.decide(now_ns) {
            None => {}
            Some(CatchupDecision::UseLocal) => {
                self.event(
                    ClusterEventCode::StateChange,
                    format_args!("snapshot catch-up: local state is current"),
                );
                return Ok(work + 1);
            }
            Some(CatchupDecision::Replicate { source_member_id, set }) => {
                let message = format!(
                    "member {}: log ends before member {source_member_id}'s snapshot at log position {}; \
                     replicating that snapshot and starting from it",
                    self.config.member_id, set[0].log_position
                );
                self.event(ClusterEventCode::StateChange, format_args!("{message}"));
                self.config.warn(&message);
                work += 1;
            }
        }
        if let Some(source_member_id) = catchup.source_member_id() {
            match self.catchup_replication_work(now_ns, source_member_id, &mut catchup) {
                Ok(done) => work += done,
                Err(reason) => {
                    self.stop_catchup_replication();
                    self.config.warn(&format!(
                        "member {}: replicating member {source_member_id}'s snapshot failed ({reason}); \
                         recovering from local state",
                        self.config.member_id
                    ));
                    return Ok(work + 1);
                }
            }
            if let Some(set) = catchup.replicated_set() {
                self.adopt_replicated_snapshots(now_ns, &set)?;
                return Ok(work + 1);
            }
        }
        self.snapshot_catchup = Some(catchup);
        Ok(work)
    }

    /// Replicates the next recording of the chosen set; returns the work done, or why it failed.
    fn catchup_replication_work(
        &mut self,
        now_ns: i64,
        source_member_id: i32,
        catchup: &mut SnapshotCatchup,
    ) -> Result<usize, String> {
        let Some((_, snapshot)) = catchup.next_to_replicate() else { return Ok(0) };
        let Some(mut replication) = self.catchup_replication else {
            let index = self.member_index(source_member_id).ok_or("unknown source member")?;
            let control_channel = format!("aeron:udp?endpoint={}", self.members[index].archive_endpoint);
            let params = archive_client::ReplicationParams {
                replication_channel: self.config.replication_channel.clone(),
                ..Default::default()
            };
            let replication_id = self
                .archive
                .replicate(
                    snapshot.recording_id,
                    self.config.archive_control_stream_id,
                    &control_channel,
                    &params,
                )
                .map_err(|e| e.to_string())?;
            self.catchup_replication = Some(CatchupReplication {
                replication_id,
                recording_id: NULL_VALUE,
                deadline_ns: now_ns.saturating_add(self.config.snapshot_replication_timeout_ns),
            });
            return Ok(1);
        };
        let mut signals = Vec::new();
        let polled = self.archive.poll_for_recording_signals(&mut |signal| signals.push(*signal));
        if let Err(error) = polled {
            return Err(error.to_string());
        }
        let mut work = 0;
        let mut ended = false;
        for signal in signals.iter().filter(|s| s.correlation_id == replication.replication_id) {
            work += 1;
            if signal.recording_id != NULL_VALUE {
                replication.recording_id = signal.recording_id;
            }
            ended |= signal.signal == protocol::archive::RecordingSignal::ReplicateEnd;
        }
        if ended {
            if replication.recording_id == NULL_VALUE {
                return Err("the replication ended without a recording".into());
            }
            self.catchup_replication = None;
            catchup.on_replicated(replication.recording_id);
            return Ok(work + 1);
        }
        if now_ns > replication.deadline_ns {
            return Err(format!("snapshot recording {} not replicated in time", snapshot.recording_id));
        }
        self.catchup_replication = Some(replication);
        Ok(work)
    }

    fn stop_catchup_replication(&mut self) {
        if let Some(replication) = self.catchup_replication.take() {
            let _ = self.archive.stop_replication(replication.replication_id);
        }
    }

    /// Records the replicated set in `recording.log` (services first, the module last); if this node
    /// had a log, it ends before the snapshot and is dropped (its TERM entries removed, its recording
    /// purged) so the log after the snapshot comes from the leader. Then plans recovery from the set.
    fn adopt_replicated_snapshots(
        &mut self,
        now_ns: i64,
        set: &[Snapshot],
    ) -> Result<(), ConsensusModuleError> {
        let old_terms: Vec<(i64, i32)> = self
            .recording_log
            .entries()
            .iter()
            .filter(|e| e.entry_type == crate::recording_log_entry::EntryType::Term)
            .map(|e| (e.leadership_term_id, e.entry_index))
            .collect();
        let old_log_recording_id = self.log_recording_id;
        for (leadership_term_id, entry_index) in old_terms {
            self.recording_log.remove_entry(leadership_term_id, entry_index)?;
        }
        for snapshot in set.iter().skip(1).chain(set.first()) {
            self.recording_log.append_snapshot(
                snapshot.recording_id,
                snapshot.leadership_term_id,
                snapshot.term_base_log_position,
                snapshot.log_position,
                snapshot.timestamp,
                snapshot.service_id,
            )?;
        }
        if old_log_recording_id != NULL_VALUE {
            let _ = self.archive.purge_recording(old_log_recording_id);
        }
        self.event(
            ClusterEventCode::StateChange,
            format_args!(
                "snapshot catch-up: recovering from the replicated snapshot at {}",
                set[0].log_position
            ),
        );
        self.replan_recovery(now_ns)
    }

    /// A peer (or a backup) asks for this node's newest snapshot set: answered on the consensus
    /// channel when the response channel is a member's consensus endpoint (other requesters are not
    /// served yet).
    fn on_backup_query(&mut self, query: &protocol::cluster::BackupQuery<'_>) {
        let Ok(uri) = protocol::channel_uri::ChannelUri::parse(query.response_channel) else { return };
        let Some(endpoint) = uri.get("endpoint") else { return };
        let Some(member_id) = self
            .members
            .iter()
            .find(|m| m.consensus_endpoint == endpoint && m.id != self.config.member_id)
            .map(|m| m.id)
        else {
            return;
        };
        let set = self.recording_log.latest_snapshot_set(self.config.service_count).unwrap_or_default();
        let entries: Vec<protocol::cluster::SnapshotEntry> = set
            .iter()
            .map(|s| protocol::cluster::SnapshotEntry {
                recording_id: s.recording_id,
                leadership_term_id: s.leadership_term_id,
                term_base_log_position: s.term_base_log_position,
                log_position: s.log_position,
                timestamp: s.timestamp,
                service_id: s.service_id,
            })
            .collect();
        let last_term = self.recording_log.find_last_term().cloned();
        let members = self
            .members
            .iter()
            .map(|m| {
                format!(
                    "{},{},{},{},{},{}",
                    m.id,
                    m.ingress_endpoint,
                    m.consensus_endpoint,
                    m.log_endpoint,
                    m.catchup_endpoint,
                    m.archive_endpoint
                )
            })
            .collect::<Vec<_>>()
            .join("|");
        let response = ClusterMessage::BackupResponse(protocol::cluster::BackupResponse {
            correlation_id: query.correlation_id,
            log_recording_id: self.log_recording_id,
            log_leadership_term_id: last_term.as_ref().map_or(NULL_VALUE, |t| t.leadership_term_id),
            log_term_base_log_position: last_term.as_ref().map_or(0, |t| t.term_base_log_position),
            last_leadership_term_id: self.leadership_term_id,
            last_term_base_log_position: last_term.as_ref().map_or(0, |t| t.term_base_log_position),
            commit_position_counter_id: self.commit_position.id(),
            leader_member_id: self.leader_member_id,
            member_id: self.config.member_id,
            snapshots: protocol::cluster::Group::new(&entries),
            cluster_members: &members,
        });
        self.send_consensus_message(member_id, &response);
    }

    fn on_backup_response(&mut self, response: &protocol::cluster::BackupResponse<'_>) {
        let Some(catchup) = self.snapshot_catchup.as_mut() else { return };
        let set: Vec<Snapshot> = response
            .snapshots
            .iter()
            .map(|e| Snapshot {
                recording_id: e.recording_id,
                leadership_term_id: e.leadership_term_id,
                term_base_log_position: e.term_base_log_position,
                log_position: e.log_position,
                timestamp: e.timestamp,
                service_id: e.service_id,
            })
            .collect();
        catchup.on_answer(response.correlation_id, response.member_id, set);
    }

    /// Sets the module's starting positions and terms from a recovery plan: the services start from the
    /// plan's snapshot (or the empty state at 0) and everything after it is replayed from the local log
    /// by the election, so that is where the commit counter starts.
    fn apply_recovery_plan(&mut self, plan: &RecoveryPlan) {
        let snapshot_position = plan.snapshots.first().map_or(0, |s| s.log_position.max(0));
        self.log_recording_id = plan.log.as_ref().map_or(NULL_VALUE, |log| log.recording_id);
        self.leadership_term_id = plan.last_leadership_term_id;
        self.initial_log_leadership_term_id = plan.last_leadership_term_id;
        self.initial_term_base_log_position = plan.last_term_base_log_position;
        self.append_position = plan.appended_log_position.max(0);
        self.log_position = snapshot_position;
        self.notified_commit_position = snapshot_position;
        self.commit_position.set_ordered(snapshot_position);
        self.log_position_of_last_snapshot = snapshot_position;
    }

    /// Loads the module's state from its snapshot (sessions, timers, pending service messages).
    fn apply_module_snapshot(&mut self, snapshot: &ConsensusModuleSnapshot) -> Result<(), String> {
        if (snapshot.app_version >> 16) & 0xFF != (self.config.election.app_version >> 16) & 0xFF {
            return Err(format!(
                "snapshot app version {:#x} is incompatible with {:#x}",
                snapshot.app_version, self.config.election.app_version
            ));
        }
        for tracker in &snapshot.trackers {
            let Some(target) =
                usize::try_from(tracker.service_id).ok().and_then(|i| self.service_trackers.get_mut(i))
            else {
                return Err(format!("pending messages of unknown service {}", tracker.service_id));
            };
            target.load_state(
                tracker.next_service_session_id,
                tracker.log_service_session_id,
                usize::try_from(tracker.pending_message_capacity).unwrap_or(0),
            );
            for message in &tracker.messages {
                target.append_loaded_message(message).map_err(|e| e.to_string())?;
            }
            target.verify().map_err(|e| e.to_string())?;
            target.reset();
        }
        self.next_session_id = snapshot.next_session_id;
        self.leadership_term_id = self.leadership_term_id.max(snapshot.leadership_term_id);
        self.sessions.clear();
        for session in &snapshot.sessions {
            self.sessions.insert(
                session.cluster_session_id,
                ClusterSession {
                    id: session.cluster_session_id,
                    correlation_id: session.correlation_id,
                    response_stream_id: session.response_stream_id,
                    response_channel: session.response_channel.clone(),
                    principal: Vec::new(),
                    state: SessionState::Open,
                    response: None,
                    last_activity_ns: self.now_ns,
                    opened_log_position: session.opened_log_position,
                    rejection: None,
                    new_leader_event_pending: false,
                    auth: None,
                },
            );
        }
        for timer in &snapshot.timers {
            self.timers.schedule(timer.correlation_id, timer.deadline);
        }
        self.event(
            ClusterEventCode::StateChange,
            format_args!(
                "loaded snapshot at logPosition={}: {} sessions, {} timers",
                snapshot.log_position,
                snapshot.sessions.len(),
                snapshot.timers.len()
            ),
        );
        Ok(())
    }

    /// Publishes the recovery-state counter (the services wait for it before they start).
    fn publish_recovery_state(&mut self, set: Option<&[Snapshot]>) -> Result<(), ConsensusModuleError> {
        let service_count = self.config.service_count;
        let state = match set.and_then(|set| set.first().map(|cm| (cm, set))) {
            Some((cm, set)) => RecoveryState {
                leadership_term_id: cm.leadership_term_id,
                log_position: cm.log_position,
                timestamp: cm.timestamp,
                cluster_id: self.config.cluster_id,
                snapshot_recording_ids: (0..service_count)
                    .map(|k| set.get(k + 1).map_or(NULL_VALUE, |s| s.recording_id))
                    .collect(),
            },
            None => RecoveryState {
                leadership_term_id: NULL_VALUE,
                log_position: 0,
                timestamp: 0,
                cluster_id: self.config.cluster_id,
                snapshot_recording_ids: vec![NULL_VALUE; service_count],
            },
        };
        let label = format!(
            "Cluster recovery: leadershipTermId={} logPosition={} clusterId={}",
            state.leadership_term_id, state.log_position, state.cluster_id
        );
        let counter = self.aeron.add_counter(defaults::RECOVERY_STATE_TYPE_ID, &state.encode(), &label)?;
        self.recovery_state_counter = Some(counter);
        Ok(())
    }

    /// Leader, ABORT: every member terminates at the current log position without a snapshot.
    fn begin_leader_termination(&mut self, now_ns: i64) {
        let Some(position) = self.log_publication.as_ref().map(ExclusivePublication::position) else {
            return;
        };
        let message = ClusterMessage::TerminationPosition(TerminationPosition {
            leadership_term_id: self.leadership_term_id,
            log_position: position,
        });
        for member_id in self.follower_ids() {
            self.send_consensus_message(member_id, &message);
        }
        self.event(ClusterEventCode::TerminationPosition, format_args!("logPosition={position} (abort)"));
        self.termination = Some(Termination {
            position,
            deadline_ns: now_ns + TERMINATION_TIMEOUT_NS,
            services_ack_id: None,
            follower_acks: 0,
        });
        self.set_state(ModuleState::Terminating);
    }

    /// Drives a termination: services told once the log reached the position, then (leader) the
    /// followers' acknowledgements or the deadline, (follower) an acknowledgement to the leader.
    /// True once this member is done.
    fn termination_work(&mut self, now_ns: i64) -> bool {
        let Some(mut termination) = self.termination else { return false };
        let reached = if self.role == Role::Leader {
            self.commit_position.get() >= termination.position || now_ns >= termination.deadline_ns
        } else {
            self.log_position >= termination.position
        };
        if !reached {
            return false;
        }
        if self.state != ModuleState::Terminating {
            self.set_state(ModuleState::Terminating);
        }
        let services_done = match termination.services_ack_id {
            None if self.config.service_count == 0 => true,
            None => {
                let message = ClusterMessage::ServiceTerminationPosition(ServiceTerminationPosition {
                    log_position: termination.position,
                    ack_required: BooleanType::True,
                });
                if self.send_to_services(&message) {
                    termination.services_ack_id = Some(self.expected_ack_id);
                    self.expected_ack_id += 1;
                }
                false
            }
            Some(ack_id) => self.services_acked(ack_id),
        };
        self.termination = Some(termination);
        if !services_done {
            return false;
        }
        if self.role == Role::Leader {
            let followers = self.members.len() as u32 - 1;
            if termination.follower_acks.count_ones() < followers && now_ns < termination.deadline_ns {
                return false;
            }
        } else {
            let ack = ClusterMessage::TerminationAck(TerminationAck {
                leadership_term_id: self.leadership_term_id,
                log_position: self.log_position,
                member_id: self.config.member_id,
            });
            let leader = self.leader_member_id;
            self.send_consensus_message(leader, &ack);
        }
        self.event(ClusterEventCode::TerminationAck, format_args!("terminated at {}", termination.position));
        self.set_state(ModuleState::Closed);
        true
    }

    fn consensus_work(&mut self, now_ns: i64) -> Result<usize, ConsensusModuleError> {
        let mut work = 0;
        if self.role == Role::Leader {
            // The term's NewLeadershipTermEvent is its first entry: nothing else is appended before it.
            if let Some((term, position)) = self.pending_new_term_event {
                if !self.append_new_leadership_term_event(term, position) {
                    return Ok(work);
                }
                self.pending_new_term_event = None;
                work += 1;
            }
            if self.state == ModuleState::Active {
                for id in std::mem::take(&mut self.pending_session_closes) {
                    if self.sessions.get(&id).is_some_and(|s| s.state == SessionState::Open) {
                        self.close_session(id, CloseReason::ServiceAction);
                    }
                }
                work += self.poll_timers();
                work += self.append_service_messages();
                work += self.poll_ingress(now_ns)?;
            }
            work += self.update_leader_position(now_ns);
        } else {
            work += self.follow_log(now_ns)?;
            work += self.poll_ingress(now_ns)?;
            work += self.update_follower_position(now_ns);
        }
        Ok(work)
    }

    fn read_append_position(&mut self) -> i64 {
        if let Some(counter_id) = self.recording_counter_id {
            let counters = self.aeron.counters_reader();
            if RecordingPos::is_active(&counters, counter_id, self.log_recording_id) {
                let position = counters.counter_value(counter_id);
                if position > self.append_position {
                    self.append_position = position;
                }
            }
        }
        self.append_position
    }

    fn update_leader_position(&mut self, now_ns: i64) -> usize {
        let append_position = self.read_append_position();
        let this = &mut self.members[self.this_index];
        this.log_position = append_position;
        this.leadership_term_id = self.leadership_term_id;
        this.time_of_last_append_position_ns = now_ns;
        let timeout = self.config.election.leader_heartbeat_timeout_ns;
        let quorum = match self.config.injected_fault {
            InjectedFault::CommitWithoutQuorum => append_position,
            InjectedFault::None => {
                cluster_member::quorum_position(&self.members, now_ns, timeout).min(append_position)
            }
        };
        let commit = self.commit_position.get();
        let interval = self.config.election.leader_heartbeat_interval_ns;
        if quorum > commit || now_ns >= self.time_of_last_commit_send_ns + interval {
            let position = quorum.max(commit);
            self.update_commit_position(position);
            let message = ConsensusMessage::CommitPosition(CommitPosition {
                leadership_term_id: self.leadership_term_id,
                log_position: position,
                leader_member_id: self.config.member_id,
            });
            for member_id in self.follower_ids() {
                self.send_consensus(member_id, &message);
            }
            self.time_of_last_commit_send_ns = now_ns;
            self.last_commit_position_sent = position;
            return 1;
        }
        0
    }

    fn follower_ids(&self) -> Vec<i32> {
        self.members.iter().filter(|m| m.id != self.config.member_id).map(|m| m.id).collect()
    }

    fn update_follower_position(&mut self, now_ns: i64) -> usize {
        let append_position = self.read_append_position();
        let interval = self.config.election.leader_heartbeat_interval_ns;
        if self.leader_member_id != NULL_VALUE as i32
            && (append_position > self.last_append_position_sent
                || now_ns >= self.time_of_last_append_position_send_ns + interval)
        {
            let message = ConsensusMessage::AppendPosition(AppendPosition {
                leadership_term_id: self.leadership_term_id,
                log_position: append_position,
                follower_member_id: self.config.member_id,
                flags: protocol::cluster::APPEND_POSITION_FLAG_NONE,
            });
            if self.send_consensus(self.leader_member_id, &message) {
                self.last_append_position_sent = append_position;
                self.time_of_last_append_position_send_ns = now_ns;
                return 1;
            }
        }
        0
    }

    // ------------------------------------------------------------------------------------------
    // Consensus stream

    fn poll_consensus(&mut self, now_ns: i64) -> Result<usize, ConsensusModuleError> {
        self.consensus_inbox.clear();
        let inbox = &mut self.consensus_inbox;
        let fragments = self
            .consensus_subscription
            .poll(&mut |fragment, header| inbox.on_fragment(fragment, header), CONSENSUS_FRAGMENT_LIMIT);
        let inbox = std::mem::take(&mut self.consensus_inbox);
        for index in 0..inbox.len() {
            let (bytes, _) = inbox.get(index);
            self.on_consensus_message(now_ns, bytes)?;
        }
        self.consensus_inbox = inbox;
        Ok(fragments)
    }

    fn on_consensus_message(&mut self, now_ns: i64, bytes: &[u8]) -> Result<(), ConsensusModuleError> {
        let Ok(message) = protocol::cluster::decode_any(bytes) else { return Ok(()) };
        let message = match message {
            ClusterMessage::CanvassPosition(m) => ConsensusMessage::CanvassPosition(m),
            ClusterMessage::RequestVote(m) => ConsensusMessage::RequestVote(m),
            ClusterMessage::Vote(m) => ConsensusMessage::Vote(m),
            ClusterMessage::NewLeadershipTerm(m) => ConsensusMessage::NewLeadershipTerm(m),
            ClusterMessage::AppendPosition(m) => ConsensusMessage::AppendPosition(m),
            ClusterMessage::CommitPosition(m) => ConsensusMessage::CommitPosition(m),
            ClusterMessage::CatchupPosition(m) => ConsensusMessage::CatchupPosition {
                leadership_term_id: m.leadership_term_id,
                log_position: m.log_position,
                follower_member_id: m.follower_member_id,
                catchup_endpoint: m.catchup_endpoint.to_owned(),
            },
            ClusterMessage::StopCatchup(m) => ConsensusMessage::StopCatchup(m),
            ClusterMessage::TerminationPosition(m) => {
                self.on_termination_position(now_ns, &m);
                return Ok(());
            }
            ClusterMessage::TerminationAck(m) => {
                self.on_termination_ack(&m);
                return Ok(());
            }
            ClusterMessage::BackupQuery(m) => {
                self.on_backup_query(&m);
                return Ok(());
            }
            ClusterMessage::BackupResponse(m) => {
                self.on_backup_response(&m);
                return Ok(());
            }
            _ => return Ok(()),
        };
        let code = match &message {
            ConsensusMessage::CanvassPosition(_) => ClusterEventCode::CanvassPosition,
            ConsensusMessage::RequestVote(_) => ClusterEventCode::RequestVote,
            ConsensusMessage::Vote(_) => ClusterEventCode::Vote,
            ConsensusMessage::NewLeadershipTerm(_) => ClusterEventCode::NewLeadershipTerm,
            ConsensusMessage::AppendPosition(_) => ClusterEventCode::AppendPosition,
            ConsensusMessage::CommitPosition(_) => ClusterEventCode::CommitPosition,
            ConsensusMessage::CatchupPosition { .. } => ClusterEventCode::CatchupPosition,
            ConsensusMessage::StopCatchup(_) => ClusterEventCode::StopCatchup,
        };
        self.event(code, format_args!("{message:?}"));
        if let Some(election) = self.election.as_mut() {
            election.on_message(now_ns, &message);
            return Ok(());
        }
        match message {
            ConsensusMessage::AppendPosition(m) => {
                if self.role == Role::Leader
                    && m.leadership_term_id == self.leadership_term_id
                    && let Some(index) = self.member_index(m.follower_member_id)
                {
                    let member = &mut self.members[index];
                    member.log_position = member.log_position.max(m.log_position);
                    member.leadership_term_id = m.leadership_term_id;
                    member.time_of_last_append_position_ns = now_ns;
                    // Aeron `trackCatchupCompletion`: a follower that caught up gets StopCatchup.
                    let is_catchup = m.flags == protocol::cluster::APPEND_POSITION_FLAG_CATCHUP;
                    let leader_position =
                        self.log_publication.as_ref().map_or(i64::MAX, ExclusivePublication::position);
                    if (is_catchup || self.catchup_replays.contains_key(&m.follower_member_id))
                        && m.log_position >= leader_position
                    {
                        self.stop_catchup_replay(m.follower_member_id);
                        let stop = ConsensusMessage::StopCatchup(protocol::cluster::StopCatchup {
                            leadership_term_id: m.leadership_term_id,
                            follower_member_id: m.follower_member_id,
                        });
                        self.send_consensus(m.follower_member_id, &stop);
                    }
                } else if m.leadership_term_id > self.leadership_term_id {
                    self.enter_election(now_ns, "append position from a newer term");
                }
            }
            ConsensusMessage::CommitPosition(m) => {
                if m.leadership_term_id == self.leadership_term_id && self.role != Role::Leader {
                    self.notified_commit_position = self.notified_commit_position.max(m.log_position);
                    self.time_of_last_log_update_ns = now_ns;
                } else if m.leadership_term_id > self.leadership_term_id {
                    self.enter_election(now_ns, "commit position from a newer term");
                }
            }
            ConsensusMessage::NewLeadershipTerm(m) => {
                if m.leadership_term_id == self.leadership_term_id && self.role != Role::Leader {
                    self.notified_commit_position = self.notified_commit_position.max(m.commit_position);
                    self.time_of_last_log_update_ns = now_ns;
                } else if m.leadership_term_id > self.leadership_term_id {
                    self.enter_election(now_ns, "new leadership term");
                }
            }
            ConsensusMessage::RequestVote(m) if m.candidate_term_id > self.leadership_term_id => {
                self.enter_election(now_ns, "request vote from a newer term");
                if let Some(election) = self.election.as_mut() {
                    election.on_request_vote(now_ns, &m);
                }
            }
            ConsensusMessage::CanvassPosition(m) => self.on_canvass_position_as_member(&m),
            ConsensusMessage::CatchupPosition {
                leadership_term_id,
                log_position,
                follower_member_id,
                catchup_endpoint,
            } if self.role == Role::Leader
                && leadership_term_id <= self.leadership_term_id
                && !self.catchup_replays.contains_key(&follower_member_id) =>
            {
                self.start_catchup_replay(follower_member_id, log_position, &catchup_endpoint)?;
            }
            _ => {}
        }
        Ok(())
    }

    /// Follower: the leader terminates the cluster at `message.log_position` (reference §3.12).
    fn on_termination_position(&mut self, now_ns: i64, message: &TerminationPosition) {
        self.event(ClusterEventCode::TerminationPosition, format_args!("{message:?}"));
        if self.role == Role::Follower
            && self.election.is_none()
            && message.leadership_term_id == self.leadership_term_id
            && self.termination.is_none()
        {
            self.termination = Some(Termination {
                position: message.log_position,
                deadline_ns: now_ns + TERMINATION_TIMEOUT_NS,
                services_ack_id: None,
                follower_acks: 0,
            });
        }
    }

    /// Leader: a follower terminated at (or past) the termination position.
    fn on_termination_ack(&mut self, message: &TerminationAck) {
        self.event(ClusterEventCode::TerminationAck, format_args!("{message:?}"));
        let index = self.member_index(message.member_id);
        if let (Some(termination), Some(index)) = (self.termination.as_mut(), index)
            && self.role == Role::Leader
            && message.leadership_term_id == self.leadership_term_id
            && message.log_position >= termination.position
        {
            termination.follower_acks |= 1 << index;
        }
    }

    /// A member canvassing while this node is leader: tell it about the current term so it can join.
    fn on_canvass_position_as_member(&mut self, message: &CanvassPosition) {
        if self.role != Role::Leader || message.leadership_term_id > self.leadership_term_id {
            return;
        }
        let Some(publication) = self.log_publication.as_ref() else { return };
        let log_position = publication.position();
        let term_base = self
            .recording_log
            .find_term_entry(self.leadership_term_id)
            .map_or(0, |entry| entry.term_base_log_position);
        let (next_term, next_base, next_position) =
            match self.recording_log.find_term_entry(message.log_leadership_term_id + 1) {
                Some(next) => (next.leadership_term_id, next.term_base_log_position, next.log_position),
                None => (NULL_VALUE, NULL_POSITION, NULL_POSITION),
            };
        let reply = NewLeadershipTerm {
            log_leadership_term_id: message.log_leadership_term_id,
            next_leadership_term_id: next_term,
            next_term_base_log_position: next_base,
            next_log_position: next_position,
            leadership_term_id: self.leadership_term_id,
            term_base_log_position: term_base,
            log_position,
            leader_recording_id: self.log_recording_id,
            timestamp: self.cluster_time(),
            leader_member_id: self.config.member_id,
            log_session_id: self.log_session_id,
            app_version: self.config.election.app_version,
            is_startup: BooleanType::False,
            commit_position: self.commit_position.get(),
        };
        self.send_consensus(message.follower_member_id, &ConsensusMessage::NewLeadershipTerm(reply));
    }

    // ------------------------------------------------------------------------------------------
    // Services (control stream)

    fn poll_control(&mut self) -> Result<usize, ConsensusModuleError> {
        self.control_inbox.clear();
        let inbox = &mut self.control_inbox;
        let fragments = self
            .control_subscription
            .poll(&mut |fragment, header| inbox.on_fragment(fragment, header), CONTROL_FRAGMENT_LIMIT);
        let inbox = std::mem::take(&mut self.control_inbox);
        for index in 0..inbox.len() {
            let (bytes, _) = inbox.get(index);
            self.on_control_message(bytes);
        }
        self.control_inbox = inbox;
        Ok(fragments)
    }

    fn on_control_message(&mut self, bytes: &[u8]) {
        let Ok(message) = protocol::cluster::decode_any(bytes) else { return };
        match message {
            ClusterMessage::ServiceAck(ack) => {
                self.event(ClusterEventCode::ServiceAck, format_args!("{ack:?}"));
                if let Some(slot) =
                    usize::try_from(ack.service_id).ok().and_then(|i| self.service_ack_ids.get_mut(i))
                {
                    *slot = (*slot).max(ack.ack_id);
                    self.service_ack_relevant_ids[ack.service_id as usize] = ack.relevant_id;
                    if ack.ack_id == 0 {
                        self.service_client_ids[ack.service_id as usize] = ack.relevant_id;
                    }
                }
            }
            ClusterMessage::ScheduleTimer(timer) => {
                if let Some(count) = self.fired_timers_from_log.get_mut(&timer.correlation_id) {
                    *count -= 1;
                    if *count == 0 {
                        self.fired_timers_from_log.remove(&timer.correlation_id);
                    }
                } else {
                    self.timers.schedule(timer.correlation_id, timer.deadline);
                }
            }
            ClusterMessage::CancelTimer(timer) => {
                self.timers.cancel(timer.correlation_id);
            }
            ClusterMessage::CloseSession(close)
                if self.role == Role::Leader
                    && self
                        .sessions
                        .get(&close.cluster_session_id)
                        .is_some_and(|s| s.state == SessionState::Open) =>
            {
                if self.state == ModuleState::Active {
                    self.close_session(close.cluster_session_id, CloseReason::ServiceAction);
                } else {
                    // Nothing is appended while a snapshot (or suspension) holds the log.
                    self.pending_session_closes.push(close.cluster_session_id);
                }
            }
            ClusterMessage::SessionMessage(message) => {
                // A service message: every node's service sends the same ones; each is queued under the
                // same log session id everywhere, only the leader appends it, and a follower drops it once
                // it is seen in the log (exactly once across fail-over).
                let service_id = message.header.cluster_session_id;
                if let Some(tracker) =
                    usize::try_from(service_id).ok().and_then(|i| self.service_trackers.get_mut(i))
                {
                    let _ = tracker.enqueue_message(bytes);
                }
            }
            _ => {}
        }
    }

    fn services_acked(&self, ack_id: i64) -> bool {
        self.service_ack_ids.iter().all(|id| *id >= ack_id)
    }

    #[allow(clippy::too_many_arguments)]
    fn send_join_log(
        &mut self,
        channel: &str,
        stream_id: i32,
        session_id: i32,
        log_position: i64,
        max_log_position: i64,
        role: Role,
        is_startup: bool,
    ) -> bool {
        let message = ClusterMessage::JoinLog(JoinLog {
            log_position,
            max_log_position,
            member_id: self.config.member_id,
            log_session_id: session_id,
            log_stream_id: stream_id,
            is_startup: boolean(is_startup),
            role: role.code(),
            is_standby: BooleanType::False,
            log_channel: channel,
        });
        if self.config.service_count == 0 || self.send_to_services(&message) {
            self.expected_ack_id += 1;
            true
        } else {
            false
        }
    }

    // ------------------------------------------------------------------------------------------
    // Timers and service messages (leader)

    fn poll_timers(&mut self) -> usize {
        let now = self.cluster_time();
        let mut timers = std::mem::take(&mut self.timers);
        let fired = timers.poll(now, TIMER_POLL_LIMIT, |correlation_id, now| {
            let event = ClusterMessage::TimerEvent(TimerEvent {
                leadership_term_id: self.leadership_term_id,
                correlation_id,
                timestamp: now,
            });
            self.append_message(&event).is_some()
        });
        self.timers = timers;
        fired
    }

    fn append_service_messages(&mut self) -> usize {
        let mut trackers = std::mem::take(&mut self.service_trackers);
        let mut work = 0;
        for tracker in &mut trackers {
            work += tracker
                .poll(|message| self.append_session_message(message.cluster_session_id, message.payload()));
        }
        self.service_trackers = trackers;
        work
    }

    // ------------------------------------------------------------------------------------------
    // Ingress and sessions

    /// Polls ingress. A message the log cannot take now (back-pressure) is kept, with every message
    /// polled after it, and retried before anything new is polled: ingress is never dropped for
    /// want of log space; the client is slowed down by the ingress stream's flow control instead.
    fn poll_ingress(&mut self, now_ns: i64) -> Result<usize, ConsensusModuleError> {
        let mut work = 0;
        while let Some(bytes) = self.ingress_backlog.pop_front() {
            if !self.on_ingress_message(now_ns, &bytes)? {
                self.ingress_backlog.push_front(bytes);
                return Ok(work);
            }
            work += 1;
        }
        self.ingress_inbox.clear();
        let inbox = &mut self.ingress_inbox;
        let fragments = self
            .ingress_subscription
            .poll(&mut |fragment, header| inbox.on_fragment(fragment, header), INGRESS_FRAGMENT_LIMIT);
        let inbox = std::mem::take(&mut self.ingress_inbox);
        let mut result = Ok(());
        for index in 0..inbox.len() {
            let (bytes, _) = inbox.get(index);
            if !self.ingress_backlog.is_empty() {
                self.ingress_backlog.push_back(bytes.to_vec());
                continue;
            }
            match self.on_ingress_message(now_ns, bytes) {
                Ok(true) => {}
                Ok(false) => self.ingress_backlog.push_back(bytes.to_vec()),
                Err(error) => {
                    result = Err(error);
                    break;
                }
            }
        }
        self.ingress_inbox = inbox;
        result.map(|()| fragments + work)
    }

    /// Handles one ingress message; `Ok(false)` when the log is back-pressured and the message must be
    /// retried later (nothing was done).
    fn on_ingress_message(&mut self, now_ns: i64, bytes: &[u8]) -> Result<bool, ConsensusModuleError> {
        let Ok(message) = protocol::cluster::decode_any(bytes) else {
            self.errors_counter.increment();
            return Ok(true);
        };
        match message {
            ClusterMessage::SessionConnectRequest(request) => {
                self.on_session_connect(
                    now_ns,
                    request.correlation_id,
                    request.response_stream_id,
                    request.version,
                    request.response_channel,
                    request.encoded_credentials,
                )?;
            }
            ClusterMessage::SessionMessage(message) if self.role == Role::Leader => {
                let session_id = message.header.cluster_session_id;
                if message.header.leadership_term_id == self.leadership_term_id
                    && self.sessions.get(&session_id).is_some_and(|s| s.state == SessionState::Open)
                {
                    let max_length =
                        self.log_publication.as_ref().map_or(0, ExclusivePublication::max_message_length);
                    if SESSION_HEADER_LENGTH + message.payload.len() > max_length {
                        // Larger than the log can carry: dropped and counted, never appended.
                        self.errors_counter.increment();
                        return Ok(true);
                    }
                    if self.append_session_message(session_id, message.payload).is_none() {
                        return Ok(false);
                    }
                    if let Some(session) = self.sessions.get_mut(&session_id) {
                        session.last_activity_ns = now_ns;
                    }
                }
            }
            ClusterMessage::SessionKeepAlive(keep_alive) if self.role == Role::Leader => {
                if keep_alive.leadership_term_id == self.leadership_term_id
                    && let Some(session) = self.sessions.get_mut(&keep_alive.cluster_session_id)
                {
                    session.last_activity_ns = now_ns;
                }
            }
            ClusterMessage::SessionCloseRequest(close)
                if self.role == Role::Leader
                    && close.leadership_term_id == self.leadership_term_id
                    && self
                        .sessions
                        .get(&close.cluster_session_id)
                        .is_some_and(|s| s.state == SessionState::Open) =>
            {
                self.close_session(close.cluster_session_id, CloseReason::ClientAction);
            }
            ClusterMessage::ChallengeResponse(response) if self.role == Role::Leader => {
                if let Some(handle) = self.config.authenticator.clone()
                    && let Some(session) = self.sessions.get_mut(&response.cluster_session_id)
                    && session.state == SessionState::Connecting
                    && session
                        .auth
                        .as_ref()
                        .is_some_and(|a| a.state() == crate::cluster_session::SessionState::Challenged)
                {
                    // As Aeron (`lastActivity(now, correlationId)`): the answers that follow carry the
                    // challenge response's correlation id.
                    session.last_activity_ns = now_ns;
                    session.correlation_id = response.correlation_id;
                    let now_ms = self.epoch_clock.time_ms();
                    handle.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).on_challenge_response(
                        response.cluster_session_id,
                        response.encoded_credentials,
                        now_ms,
                    );
                }
            }
            ClusterMessage::AdminRequest(request)
                if self.role == Role::Leader && request.leadership_term_id == self.leadership_term_id =>
            {
                self.on_admin_request(now_ns, &request);
            }
            _ => {}
        }
        Ok(true)
    }

    /// Leader: an open session asks for a snapshot (Aeron `onAdminRequest`). Authorised requests set
    /// the control toggle to SNAPSHOT, as the tool does; the answer goes back on the session's egress.
    fn on_admin_request(&mut self, now_ns: i64, request: &protocol::cluster::AdminRequest<'_>) {
        let Some(session) = self.sessions.get_mut(&request.cluster_session_id) else { return };
        if session.state != SessionState::Open {
            return;
        }
        session.last_activity_ns = now_ns;
        let authorised = self
            .config
            .admin_authoriser
            .as_ref()
            .is_some_and(|a| (a.0)(&session.principal, request.request_type));
        let (code, message) = if !authorised {
            (
                AdminResponseCode::UnauthorisedAccess,
                format!("Execution of the {:?} request was not authorised", request.request_type),
            )
        } else if self.control_toggle.toggle(ToggleState::Snapshot) {
            (AdminResponseCode::Ok, String::new())
        } else {
            (
                AdminResponseCode::Error,
                "Failed to switch ClusterControl to the ToggleState.SNAPSHOT state".to_owned(),
            )
        };
        self.event(
            ClusterEventCode::StateChange,
            format_args!(
                "admin request {:?} from session {}: {code:?}",
                request.request_type, request.cluster_session_id
            ),
        );
        let response = protocol::cluster::AdminResponse {
            cluster_session_id: request.cluster_session_id,
            correlation_id: request.correlation_id,
            request_type: request.request_type,
            response_code: code,
            message: &message,
            payload: &[],
        };
        let mut bytes = vec![0u8; response.encoded_length()];
        if response.encode(&mut bytes).is_ok()
            && let Some(publication) =
                self.sessions.get(&request.cluster_session_id).and_then(|s| s.response.as_ref())
        {
            let _ = publication.offer(&bytes);
        }
    }

    fn on_session_connect(
        &mut self,
        now_ns: i64,
        correlation_id: i64,
        response_stream_id: i32,
        version: i32,
        response_channel: &str,
        credentials: &[u8],
    ) -> Result<(), ConsensusModuleError> {
        if self.role != Role::Leader || self.election.is_some() {
            // Followers (and nodes in an election) redirect to the leader they know.
            let Ok(publication) = self.aeron.add_publication(response_channel, response_stream_id) else {
                return Ok(());
            };
            self.redirects.push(Redirect {
                correlation_id,
                publication,
                deadline_ns: now_ns + self.config.session_timeout_ns,
            });
            return Ok(());
        }
        let id = self.next_session_id;
        self.next_session_id += 1;
        let response = self.aeron.add_publication(response_channel, response_stream_id).ok();
        let open_count = self.sessions.len();
        let rejection = if version >> 16 != protocol::cluster::CLIENT_PROTOCOL_SEMANTIC_VERSION >> 16 {
            Some((EventCode::Error, format!("invalid client version {version}")))
        } else if open_count >= self.config.max_concurrent_sessions {
            Some((EventCode::Error, "concurrent session limit".to_owned()))
        } else {
            None
        };
        self.sessions.insert(
            id,
            ClusterSession {
                id,
                correlation_id,
                response_stream_id,
                response_channel: response_channel.to_owned(),
                principal: Vec::new(),
                state: if rejection.is_some() { SessionState::Rejected } else { SessionState::Connecting },
                response,
                last_activity_ns: now_ns,
                opened_log_position: NULL_POSITION,
                rejection,
                new_leader_event_pending: false,
                auth: None,
            },
        );
        if let Some(handle) = self.config.authenticator.clone()
            && let Some(session) = self.sessions.get_mut(&id)
            && session.state == SessionState::Connecting
        {
            let mut auth = crate::cluster_session::ClusterSession::new(
                id,
                correlation_id,
                response_stream_id,
                response_channel,
                crate::cluster_session::ClusterSessionAction::Client,
            );
            let _ = auth.on_response_resolved(now_ns);
            session.auth = Some(auth);
            let now_ms = self.epoch_clock.time_ms();
            handle.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).on_connect_request(
                id,
                credentials,
                now_ms,
            );
        }
        Ok(())
    }

    /// Drives the authenticator for a `Connecting` session whose response publication is connected:
    /// sends a challenge it asks for; the principal once authenticated, the rejection once rejected.
    fn authenticate_step(&mut self, id: i64) -> AuthOutcome {
        let Some(handle) = self.config.authenticator.clone() else {
            return AuthOutcome::Authenticated(Vec::new());
        };
        let now_ms = self.epoch_clock.time_ms();
        let Some(session) = self.sessions.get_mut(&id) else { return AuthOutcome::Pending };
        let Some(auth) = session.auth.as_mut() else { return AuthOutcome::Authenticated(Vec::new()) };
        if auth.state() == crate::cluster_session::SessionState::Connecting {
            let _ = auth.on_connected();
        }
        {
            let mut authenticator = handle.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            match auth.state() {
                crate::cluster_session::SessionState::Connected => {
                    authenticator.on_connected_session(&mut SessionProxy::new(auth), now_ms)
                }
                crate::cluster_session::SessionState::Challenged => {
                    authenticator.on_challenged_session(&mut SessionProxy::new(auth), now_ms)
                }
                _ => {}
            }
        }
        if let Some(encoded_challenge) = auth.take_pending_challenge() {
            let challenge = protocol::cluster::Challenge {
                correlation_id: session.correlation_id,
                cluster_session_id: id,
                encoded_challenge: &encoded_challenge,
            };
            let mut bytes = vec![0u8; challenge.encoded_length()];
            let sent = challenge.encode(&mut bytes).is_ok()
                && session.response.as_ref().is_some_and(|p| p.offer(&bytes).is_ok());
            if !sent {
                // Not sent (back-pressure): the client times out and reconnects.
                self.errors_counter.increment();
            }
        }
        match auth.state() {
            crate::cluster_session::SessionState::Authenticated => {
                AuthOutcome::Authenticated(auth.encoded_principal().to_vec())
            }
            crate::cluster_session::SessionState::Rejected => AuthOutcome::Rejected(
                auth.event_code().unwrap_or(EventCode::AuthenticationRejected),
                auth.response_detail().to_owned(),
            ),
            _ => AuthOutcome::Pending,
        }
    }

    fn process_redirects(&mut self, now_ns: i64) -> usize {
        if self.redirects.is_empty() {
            return 0;
        }
        let detail = self.ingress_endpoints();
        let leader_member_id = self.leader_member_id;
        let leadership_term_id = self.leadership_term_id;
        let heartbeat_timeout_ns = self.config.election.leader_heartbeat_timeout_ns;
        let mut work = 0;
        self.redirects.retain(|redirect| {
            if now_ns >= redirect.deadline_ns {
                return false;
            }
            if !redirect.publication.is_connected() {
                return true;
            }
            let event = SessionEvent {
                cluster_session_id: NULL_VALUE,
                correlation_id: redirect.correlation_id,
                leadership_term_id,
                leader_member_id,
                code: EventCode::Redirect,
                version: protocol::cluster::CLIENT_PROTOCOL_SEMANTIC_VERSION,
                leader_heartbeat_timeout_ns: heartbeat_timeout_ns,
                detail: &detail,
            };
            let mut bytes = vec![0u8; event.encoded_length()];
            event.encode(&mut bytes).expect("sized");
            work += 1;
            redirect.publication.offer(&bytes).is_err()
        });
        work
    }

    /// Leader slow tick: connect pending sessions, send pending events, time out inactive sessions.
    fn process_sessions(&mut self, now_ns: i64) -> usize {
        let mut work = 0;
        let ids: Vec<i64> = self.sessions.keys().copied().collect();
        for id in ids {
            let Some(session) = self.sessions.get(&id) else { continue };
            let connected = session.response.as_ref().is_some_and(Publication::is_connected);
            match session.state {
                SessionState::Connecting | SessionState::Rejected
                    if now_ns >= session.last_activity_ns + self.config.session_timeout_ns =>
                {
                    self.sessions.remove(&id);
                    work += 1;
                }
                SessionState::Rejected if connected => {
                    let (code, detail) =
                        session.rejection.clone().unwrap_or((EventCode::Error, String::new()));
                    if self.send_session_event(id, code, &detail) {
                        self.sessions.remove(&id);
                        work += 1;
                    }
                }
                SessionState::Connecting if connected => {
                    match self.authenticate_step(id) {
                        AuthOutcome::Pending => continue,
                        AuthOutcome::Rejected(code, detail) => {
                            let session = self.sessions.get_mut(&id).expect("present");
                            session.state = SessionState::Rejected;
                            session.rejection = Some((code, detail));
                            work += 1;
                            continue;
                        }
                        AuthOutcome::Authenticated(principal) => {
                            self.sessions.get_mut(&id).expect("present").principal = principal;
                        }
                    }
                    let Some(session) = self.sessions.get(&id) else { continue };
                    let open = ClusterMessage::SessionOpenEvent(SessionOpenEvent {
                        leadership_term_id: self.leadership_term_id,
                        correlation_id: session.correlation_id,
                        cluster_session_id: id,
                        timestamp: self.cluster_time(),
                        response_stream_id: session.response_stream_id,
                        response_channel: &session.response_channel.clone(),
                        encoded_principal: &session.principal.clone(),
                    });
                    if let Some(position) = self.append_message(&open) {
                        let session = self.sessions.get_mut(&id).expect("present");
                        session.state = SessionState::Open;
                        session.opened_log_position = position;
                        session.last_activity_ns = now_ns;
                        self.send_session_event(id, EventCode::Ok, "");
                        work += 1;
                    }
                }
                SessionState::Open => {
                    if session.new_leader_event_pending && connected {
                        let event = NewLeaderEvent {
                            leadership_term_id: self.leadership_term_id,
                            cluster_session_id: id,
                            leader_member_id: self.config.member_id,
                            ingress_endpoints: &self.ingress_endpoints(),
                        };
                        let mut bytes = vec![0u8; event.encoded_length()];
                        event.encode(&mut bytes).expect("sized");
                        if session.response.as_ref().is_some_and(|p| p.offer(&bytes).is_ok()) {
                            self.sessions.get_mut(&id).expect("present").new_leader_event_pending = false;
                            work += 1;
                        }
                    } else if now_ns >= session.last_activity_ns + self.config.session_timeout_ns {
                        self.send_session_event(id, EventCode::Closed, "TIMEOUT");
                        self.close_session(id, CloseReason::Timeout);
                        work += 1;
                    }
                }
                _ => {}
            }
        }
        work
    }

    fn close_session(&mut self, id: i64, reason: CloseReason) {
        let event = ClusterMessage::SessionCloseEvent(SessionCloseEvent {
            leadership_term_id: self.leadership_term_id,
            cluster_session_id: id,
            timestamp: self.cluster_time(),
            close_reason: reason,
        });
        if self.append_message(&event).is_some() {
            if reason == CloseReason::ServiceAction {
                self.send_session_event(id, EventCode::Closed, "SERVICE_ACTION");
            }
            self.sessions.remove(&id);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Following the log (follower) and replaying it

    fn follow_log(&mut self, now_ns: i64) -> Result<usize, ConsensusModuleError> {
        let limit = self.notified_commit_position.min(self.read_append_position());
        let session_id = self.log_session_id;
        let Some(subscription) = self.log_subscription.as_mut() else { return Ok(0) };
        let Some(image) = subscription.image_by_session_id(session_id).cloned() else { return Ok(0) };
        let fragments = self.consume_log(now_ns, &image, limit);
        if fragments == 0 && image.is_closed() && self.election.is_none() {
            self.enter_election(now_ns, "log disconnected from leader");
            return Ok(1);
        }
        // Aeron: a follower whose archive stopped recording the log can no longer report an append
        // position the leader may count: it re-joins through an election.
        if self.election.is_none()
            && let Some(counter_id) = self.recording_counter_id
            && !RecordingPos::is_active(&self.aeron.counters_reader(), counter_id, self.log_recording_id)
        {
            self.enter_election(now_ns, "log recording stopped");
            return Ok(1);
        }
        self.log_position = self.log_position.max(image.position());
        self.update_commit_position(self.log_position);
        Ok(fragments)
    }

    /// Reads `image` up to `limit_position` (reassembled) and applies each entry to the module's view.
    fn consume_log(&mut self, now_ns: i64, image: &client::Image, limit_position: i64) -> usize {
        if self.snapshot_task.is_some() {
            // The module's state must stay at the snapshot position until the snapshot is recorded.
            return 0;
        }
        self.log_inbox.clear();
        let inbox = &mut self.log_inbox;
        let fragments = image.bounded_controlled_poll(
            &mut |fragment, header| {
                let before = inbox.len();
                inbox.on_fragment(fragment, header);
                if inbox.len() > before && is_snapshot_action(inbox.get(inbox.len() - 1).0) {
                    client::ControlledPollAction::Break
                } else {
                    client::ControlledPollAction::Continue
                }
            },
            limit_position,
            LOG_FRAGMENT_LIMIT,
        );
        let inbox = std::mem::take(&mut self.log_inbox);
        for index in 0..inbox.len() {
            let (bytes, position) = inbox.get(index);
            self.on_log_entry(now_ns, bytes, position);
        }
        self.log_inbox = inbox;
        fragments
    }

    /// The module's view of one log entry (followers and replays): sessions, timers, service messages.
    fn on_log_entry(&mut self, now_ns: i64, bytes: &[u8], position: i64) {
        self.log_position = position;
        let Ok(message) = protocol::cluster::decode_any(bytes) else { return };
        match message {
            ClusterMessage::SessionOpenEvent(open) => {
                self.next_session_id = self.next_session_id.max(open.cluster_session_id + 1);
                self.sessions.insert(
                    open.cluster_session_id,
                    ClusterSession {
                        id: open.cluster_session_id,
                        correlation_id: open.correlation_id,
                        response_stream_id: open.response_stream_id,
                        response_channel: open.response_channel.to_owned(),
                        principal: open.encoded_principal.to_vec(),
                        state: SessionState::Open,
                        response: None,
                        last_activity_ns: now_ns,
                        opened_log_position: position,
                        rejection: None,
                        new_leader_event_pending: false,
                        auth: None,
                    },
                );
            }
            ClusterMessage::SessionCloseEvent(close) => {
                self.sessions.remove(&close.cluster_session_id);
            }
            ClusterMessage::SessionMessage(message) => {
                let id = message.header.cluster_session_id;
                if id < 0 {
                    let service_id = service_id_from_log_message(id);
                    if let Some(tracker) =
                        usize::try_from(service_id).ok().and_then(|i| self.service_trackers.get_mut(i))
                    {
                        tracker.sweep_follower_messages(id);
                    }
                } else if let Some(session) = self.sessions.get_mut(&id) {
                    session.last_activity_ns = now_ns;
                }
            }
            ClusterMessage::TimerEvent(timer) if !self.timers.cancel(timer.correlation_id) => {
                *self.fired_timers_from_log.entry(timer.correlation_id).or_insert(0) += 1;
            }
            ClusterMessage::ClusterActionRequest(request) => match (request.action, self.state) {
                (ClusterAction::Suspend, ModuleState::Active) => self.set_state(ModuleState::Suspended),
                (ClusterAction::Resume, ModuleState::Suspended) => self.set_state(ModuleState::Active),
                (ClusterAction::Snapshot, _) if is_snapshot_action(bytes) => {
                    self.begin_snapshot(position, request.timestamp, false);
                }
                _ => {}
            },
            ClusterMessage::NewLeadershipTermEvent(event) => {
                self.event(
                    ClusterEventCode::ReplayNewLeadershipTerm,
                    format_args!("position={position} {event:?}"),
                );
                self.leadership_term_id = self.leadership_term_id.max(event.leadership_term_id);
            }
            _ => {}
        }
    }

    fn replay_work(&mut self, now_ns: i64) -> usize {
        let Some(replay) = self.log_replay.as_ref() else { return 0 };
        if !replay.join_log_sent || !self.services_acked(replay.join_ack_id) {
            return 0;
        }
        if replay.services_ack_requested {
            // Read to the end; the services acknowledge when they have too (the image may be gone).
            let position = replay.position;
            if self.services_acked(self.expected_ack_id - 1)
                && let Some(election) = self.election.as_mut()
            {
                election.on_replay_complete(position);
                return 1;
            }
            return 0;
        }
        let Some(replay) = self.log_replay.as_mut() else { return 0 };
        let session_id = replay.replay_session_id as i32;
        let to_position = replay.to_position;
        let Some(image) = replay.subscription.image_by_session_id(session_id).cloned() else { return 0 };
        let fragments = self.consume_log(now_ns, &image, to_position);
        let position = image.position();
        self.update_commit_position(position);
        let mut request_ack = false;
        let mut complete = false;
        if let Some(replay) = self.log_replay.as_mut() {
            replay.position = position;
            if position >= replay.to_position {
                // The replay is done only when the services have read it all too: they read the same
                // replay image, which goes away when the replay is stopped.
                if self.config.service_count == 0 {
                    complete = true;
                } else if !replay.services_ack_requested {
                    request_ack = true;
                    replay.services_ack_requested = true;
                }
            }
        }
        if request_ack {
            let request = ClusterMessage::RequestServiceAck(protocol::cluster::RequestServiceAck {
                log_position: position,
            });
            if self.send_to_services(&request) {
                self.expected_ack_id += 1;
            } else if let Some(replay) = self.log_replay.as_mut() {
                replay.services_ack_requested = false;
            }
        }
        if complete && let Some(election) = self.election.as_mut() {
            election.on_replay_complete(position);
        }
        fragments
    }

    // ------------------------------------------------------------------------------------------
    // Elections

    fn start_election(&mut self, now_ns: i64, is_node_startup: bool, graceful_closed_leader_id: i32) {
        self.election_count += 1;
        self.control_toggle.deactivate();
        let init = ElectionInit {
            is_node_startup,
            graceful_closed_leader_id,
            leadership_term_id: self.leadership_term_id,
            term_base_log_position: self
                .recording_log
                .find_term_entry(self.leadership_term_id)
                .map_or(self.initial_term_base_log_position.max(0), |e| e.term_base_log_position),
            log_position: self.commit_position.get(),
            append_position: self.append_position,
            persisted_candidate_term_id: self.node_state.candidate_term().candidate_term_id,
            members: self.members.clone(),
            this_member_id: self.config.member_id,
            log_recording_id: self.log_recording_id,
            term_history: self.recording_log.term_history(),
            time_of_last_leader_update_ns: self.time_of_last_log_update_ns,
        };
        let seed = self.prng.next_u64();
        let mut election = Election::new(init, self.config.election.clone(), Prng::from_seed(seed), now_ns);
        election.do_work(now_ns);
        self.election = Some(election);
    }

    fn enter_election(&mut self, now_ns: i64, reason: &'static str) {
        if self.election.is_some() {
            return;
        }
        self.event(
            ClusterEventCode::NewElection,
            format_args!(
                "leadershipTermId={} commitPosition={} appendPosition={} reason=\"{reason}\"",
                self.leadership_term_id,
                self.commit_position.get(),
                self.append_position
            ),
        );
        self.set_role(Role::Follower);
        self.start_election(now_ns, false, NULL_VALUE as i32);
    }

    fn election_work(&mut self, now_ns: i64) -> Result<usize, ConsensusModuleError> {
        let mut work = self.replay_work(now_ns);
        work += self.replication_work();
        if self
            .election
            .as_ref()
            .is_some_and(|e| e.state() == crate::election_state::ElectionState::FollowerCatchup)
        {
            let commit = self.election.as_ref().map_or(0, Election::notified_commit_position);
            self.notified_commit_position = self.notified_commit_position.max(commit);
            work += self.follow_log(now_ns)?;
            let position = self.log_position;
            let append_position = self.read_append_position();
            if let Some(election) = self.election.as_mut() {
                election.on_catchup_progress(position, append_position);
            }
            // Aeron `catchupPoll`: a catch-up whose recorded position has not moved for a leader
            // heartbeat timeout (the leader is gone or unreachable) starts the election over.
            let (last_append, since_ns) = *self.catchup_progress.get_or_insert((append_position, now_ns));
            if append_position > last_append {
                self.catchup_progress = Some((append_position, now_ns));
            } else if now_ns > since_ns + self.config.election.leader_heartbeat_timeout_ns {
                self.event(
                    ClusterEventCode::NewElection,
                    format_args!(
                        "no catch-up progress: appendPosition={append_position} logPosition={position}"
                    ),
                );
                self.catchup_progress = None;
                if let Some(election) = self.election.as_mut() {
                    election.handle_error(now_ns, "no catchup progress");
                }
            }
        } else {
            self.catchup_progress = None;
        }
        work += self.log_join_work()?;
        if self.pending_prepare {
            work += self.prepare_work();
        }
        let Some(election) = self.election.as_mut() else { return Ok(work) };
        work += election.do_work(now_ns);
        self.election_state_counter.set_ordered(election.state().code() as i64);
        for _ in 0..16 {
            let commands = match self.election.as_mut() {
                Some(election) => election.take_commands(),
                None => break,
            };
            if commands.is_empty() {
                break;
            }
            for command in commands {
                work += 1;
                if let Err(error) = self.execute(now_ns, command) {
                    match self.election.as_mut() {
                        Some(election) => election.handle_error(now_ns, "consensus module command failed"),
                        None => return Err(error),
                    }
                }
            }
        }
        if let Some((term, position)) = self.pending_new_term_event
            && self.append_new_leadership_term_event(term, position)
        {
            self.pending_new_term_event = None;
        }
        Ok(work)
    }

    fn execute(&mut self, now_ns: i64, command: ElectionCommand) -> Result<(), ConsensusModuleError> {
        match command {
            ElectionCommand::StateChange { from, to, reason } => {
                if let Some(election) = self.election.as_ref() {
                    self.event(
                        ClusterEventCode::ElectionStateChange,
                        format_args!(
                            "{} -> {} leaderId={:?} candidateTermId={} leadershipTermId={} logPosition={} \
                             logLeadershipTermId={} appendPosition={} commitPosition={} reason=\"{reason}\"",
                            from.name(),
                            to.name(),
                            election.leader_member_id(),
                            election.candidate_term_id(),
                            election.leadership_term_id(),
                            election.log_position(),
                            election.log_leadership_term_id(),
                            election.append_position(),
                            self.commit_position.get(),
                        ),
                    );
                }
                self.election_state_counter.set_ordered(to.code() as i64);
            }
            ElectionCommand::RoleChange(role) => self.set_role(role),
            ElectionCommand::Send { to_member_id, message } => {
                self.send_consensus(to_member_id, &message);
            }
            ElectionCommand::PersistCandidateTermId { candidate_term_id, log_position } => {
                let timestamp = self.cluster_time();
                self.node_state.update_candidate_term_id(candidate_term_id, log_position, timestamp)?;
            }
            ElectionCommand::PrepareForNewLeadership { log_position } => {
                self.prepare_for_new_leadership(log_position)?;
            }
            ElectionCommand::StopLogReplication => self.stop_log_replication(),
            ElectionCommand::StopAllCatchups => {
                self.stop_catchup_replays();
                if let Some(endpoint) = self.catchup_destination.take()
                    && let Some(subscription) = self.log_subscription.as_ref()
                {
                    let _ = subscription.remove_rcv_destination(&format!("aeron:udp?endpoint={endpoint}"));
                }
            }
            ElectionCommand::StopLogReplay => {
                if let Some(replay) = self.log_replay.take() {
                    let _ = self.archive.stop_replay(replay.replay_session_id);
                }
            }
            ElectionCommand::CloseLogSubscription => self.close_log_subscription()?,
            ElectionCommand::CreateLogPublication { leadership_term_id, append_position } => {
                self.create_log_publication(leadership_term_id, append_position)?;
            }
            ElectionCommand::StartLogReplay { from_position, to_position } => {
                self.start_log_replay(from_position, to_position)?;
            }
            ElectionCommand::JoinLogAsLeader {
                leadership_term_id,
                log_position,
                log_session_id,
                is_startup,
            } => {
                self.leadership_term_id = leadership_term_id;
                self.log_position = log_position;
                self.start_log_recording(SourceLocation::Local)?;
                let channel = format!("aeron-spy:{}", self.log_publication_channel);
                let sent = self.send_join_log(
                    &channel,
                    self.config.log_stream_id,
                    log_session_id,
                    log_position,
                    i64::MAX,
                    Role::Leader,
                    is_startup,
                );
                self.log_join = LogJoin::Leader { session_id: log_session_id, join_log_sent: sent };
            }
            ElectionCommand::EnsureRecordingLogCoherent {
                leadership_term_id,
                term_base_log_position,
                log_position,
            } => {
                let timestamp = self.cluster_time();
                self.recording_log.ensure_coherent(
                    self.log_recording_id,
                    self.initial_log_leadership_term_id,
                    self.initial_term_base_log_position,
                    leadership_term_id,
                    term_base_log_position,
                    log_position,
                    timestamp,
                )?;
            }
            ElectionCommand::TruncateLog { log_leadership_term_id, position } => {
                self.event(
                    ClusterEventCode::TruncateLogEntry,
                    format_args!(
                        "logLeadershipTermId={log_leadership_term_id} commitPosition={} appendPosition={} -> {position}",
                        self.commit_position.get(),
                        self.append_position
                    ),
                );
                if self.log_recording_id != NULL_VALUE {
                    self.archive.truncate_recording(self.log_recording_id, position)?;
                }
                let _ = log_leadership_term_id;
                self.append_position = position;
            }
            ElectionCommand::StartLogReplication {
                leader_archive_endpoint,
                leader_recording_id,
                stop_position,
                ..
            } => self.start_log_replication(&leader_archive_endpoint, leader_recording_id, stop_position)?,
            ElectionCommand::AddFollowerSubscription { log_session_id } => {
                self.add_follower_subscription(log_session_id)?;
            }
            ElectionCommand::AddCatchupLogDestination { catchup_endpoint } => {
                self.add_log_destination(&catchup_endpoint)?;
                self.catchup_destination = Some(catchup_endpoint);
            }
            ElectionCommand::RemoveCatchupLogDestination => {
                if let Some(endpoint) = self.catchup_destination.take()
                    && let Some(subscription) = self.log_subscription.as_ref()
                {
                    subscription.remove_rcv_destination(&format!("aeron:udp?endpoint={endpoint}"))?;
                }
            }
            ElectionCommand::AddLiveLogDestination { log_endpoint } => {
                self.add_log_destination(&log_endpoint)?;
                self.live_destination = Some(log_endpoint);
            }
            ElectionCommand::StartFollowerCatchupReplay {
                follower_member_id,
                from_position,
                catchup_endpoint,
            } => {
                self.start_catchup_replay(follower_member_id, from_position, &catchup_endpoint)?;
            }
            ElectionCommand::StopFollowerCatchupReplay { follower_member_id } => {
                self.stop_catchup_replay(follower_member_id);
            }
            ElectionCommand::UpdateCommitPosition { position } => self.update_commit_position(position),
            ElectionCommand::AppendNewLeadershipTermEvent { leadership_term_id, log_position } => {
                if !self.append_new_leadership_term_event(leadership_term_id, log_position) {
                    self.pending_new_term_event = Some((leadership_term_id, log_position));
                }
            }
            ElectionCommand::ElectionComplete {
                role,
                leader_member_id,
                leadership_term_id,
                log_position,
                log_session_id,
                is_leader_startup,
            } => {
                self.election_complete(
                    now_ns,
                    role,
                    leader_member_id,
                    leadership_term_id,
                    log_position,
                    log_session_id,
                    is_leader_startup,
                );
            }
        }
        Ok(())
    }

    fn append_new_leadership_term_event(&mut self, leadership_term_id: i64, log_position: i64) -> bool {
        let term_base = self
            .recording_log
            .find_term_entry(leadership_term_id)
            .map_or(log_position, |entry| entry.term_base_log_position);
        let event = ClusterMessage::NewLeadershipTermEvent(NewLeadershipTermEvent {
            leadership_term_id,
            log_position,
            timestamp: self.cluster_time(),
            term_base_log_position: term_base,
            leader_member_id: self.config.member_id,
            log_session_id: self.log_session_id,
            time_unit: ClusterTimeUnit::Millis,
            app_version: self.config.election.app_version,
        });
        self.append_message(&event).is_some()
    }

    #[allow(clippy::too_many_arguments)]
    fn election_complete(
        &mut self,
        now_ns: i64,
        role: Role,
        leader_member_id: i32,
        leadership_term_id: i64,
        log_position: i64,
        log_session_id: i32,
        is_leader_startup: bool,
    ) {
        self.set_role(role);
        self.leader_member_id = leader_member_id;
        self.leadership_term_id = leadership_term_id;
        self.log_session_id = log_session_id;
        self.log_position = log_position;
        self.time_of_last_log_update_ns = now_ns;
        self.time_of_last_commit_send_ns = 0;
        self.last_append_position_sent = NULL_POSITION;
        self.notified_commit_position = self.notified_commit_position.max(self.commit_position.get());
        self.election = None;
        self.log_join = LogJoin::None;
        for member in &mut self.members {
            if member.id != self.config.member_id {
                // Positions reported in earlier terms say nothing about this term's log: a follower
                // counts towards the commit position only once it reports an append position in it.
                member.log_position = NULL_POSITION;
                member.leadership_term_id = leadership_term_id;
                member.time_of_last_append_position_ns = now_ns;
            }
        }
        if role == Role::Leader {
            self.control_toggle.activate();
            let response_channels: Vec<(i64, String, i32)> = self
                .sessions
                .values()
                .filter(|s| s.state == SessionState::Open)
                .map(|s| (s.id, s.response_channel.clone(), s.response_stream_id))
                .collect();
            for (id, channel, stream_id) in response_channels {
                if is_leader_startup {
                    self.close_session(id, CloseReason::Timeout);
                    continue;
                }
                let publication = self.aeron.add_publication(&channel, stream_id).ok();
                if let Some(session) = self.sessions.get_mut(&id) {
                    session.response = publication;
                    session.new_leader_event_pending = true;
                    session.last_activity_ns = now_ns;
                }
            }
        } else {
            for session in self.sessions.values_mut() {
                session.response = None;
            }
        }
    }

    fn prepare_for_new_leadership(&mut self, log_position: i64) -> Result<(), ConsensusModuleError> {
        self.set_role(Role::Follower);
        self.log_publication = None;
        self.release_log_subscription();
        self.stop_catchup_replays();
        self.stop_log_replication();
        self.log_join = LogJoin::None;
        if let Some(replay) = self.log_replay.take() {
            let _ = self.archive.stop_replay(replay.replay_session_id);
        }
        if let Some(subscription_id) = self.log_recording_subscription_id.take() {
            let _ = self.archive.stop_recording_by_subscription(subscription_id);
        }
        // Sessions opened after the committed position never made it: drop them; pending ones too.
        self.sessions.retain(|_, s| s.state == SessionState::Open && s.opened_log_position <= log_position);
        for session in self.sessions.values_mut() {
            session.response = None;
        }
        self.redirects.clear();
        self.ingress_backlog.clear();
        // A NewLeadershipTermEvent not appended in the term that ended belongs to no later term.
        self.pending_new_term_event = None;
        self.commit_position.set_ordered(self.commit_position.get().max(log_position));
        self.begin_committed_snapshot_action();
        if self.pending_snapshot_action.take().is_some() && self.state == ModuleState::Snapshot {
            // The action was never committed: the new leader's log decides whether it happens.
            self.set_state(ModuleState::Active);
        }
        let commit = self.commit_position.get();
        for tracker in &mut self.service_trackers {
            tracker.restore_uncommitted_messages(commit);
        }
        self.pending_prepare = true;
        Ok(())
    }

    /// Waits for the stopped log recording to be closed by the archive, then reports its stop position.
    fn prepare_work(&mut self) -> usize {
        if let Some(counter_id) = self.recording_counter_id {
            let counters = self.aeron.counters_reader();
            if RecordingPos::is_active(&counters, counter_id, self.log_recording_id) {
                return 0;
            }
            self.recording_counter_id = None;
        }
        let stop_position = if self.log_recording_id != NULL_VALUE {
            match self.archive.get_stop_position(self.log_recording_id) {
                Ok(position) => position,
                Err(_) => return 0,
            }
        } else {
            NULL_POSITION
        };
        if stop_position != NULL_POSITION {
            self.append_position = stop_position;
        }
        self.pending_prepare = false;
        if let Some(election) = self.election.as_mut() {
            election.on_new_leadership_prepared(stop_position);
        }
        1
    }

    fn log_channel_with_position(
        &self,
        append_position: i64,
    ) -> Result<Vec<(&'static str, String)>, ConsensusModuleError> {
        let mut settings = Vec::new();
        match self.recording_extent() {
            Some(extent) => {
                let bits = extent.term_buffer_length.trailing_zeros();
                let term_id = extent.initial_term_id.wrapping_add((append_position >> bits) as i32);
                let term_offset = append_position & (extent.term_buffer_length as i64 - 1);
                settings.push(("init-term-id", extent.initial_term_id.to_string()));
                settings.push(("term-id", term_id.to_string()));
                settings.push(("term-offset", term_offset.to_string()));
                settings.push(("term-length", extent.term_buffer_length.to_string()));
                settings.push(("mtu", extent.mtu_length.to_string()));
            }
            None if append_position > 0 => {
                return Err(ConsensusModuleError::Config(format!(
                    "log recording {} unknown to the archive at append position {append_position}",
                    self.log_recording_id
                )));
            }
            None => {
                settings.push(("init-term-id", "0".into()));
                settings.push(("term-id", "0".into()));
                settings.push(("term-offset", "0".into()));
            }
        }
        Ok(settings)
    }

    fn recording_extent(&self) -> Option<RecordingExtent> {
        *self.cached_extent.as_ref()?
    }

    fn create_log_publication(
        &mut self,
        leadership_term_id: i64,
        append_position: i64,
    ) -> Result<(), ConsensusModuleError> {
        self.refresh_extent()?;
        let mut settings = self.log_channel_with_position(append_position)?;
        settings.push(("control-mode", "manual".into()));
        settings.push(("alias", format!("log-cm-{}", self.config.member_id)));
        if self.members.len() == 1 {
            settings.push(("ssc", "true".into()));
        }
        let channel = ConsensusModuleConfig::channel_with(&self.config.log_channel, &settings)
            .map_err(ConsensusModuleError::Config)?;
        let publication = self.aeron.add_exclusive_publication(&channel, self.config.log_stream_id)?;
        for member in self.members.iter().filter(|m| m.id != self.config.member_id) {
            publication.add_destination(&format!("aeron:udp?endpoint={}", member.log_endpoint))?;
        }
        self.log_session_id = publication.session_id();
        self.log_publication_channel = channel;
        self.log_publication = Some(publication);
        self.leadership_term_id = leadership_term_id;
        if let Some(election) = self.election.as_mut() {
            election.on_log_publication_ready(self.log_session_id, self.log_recording_id);
        }
        Ok(())
    }

    fn refresh_extent(&mut self) -> Result<(), ConsensusModuleError> {
        self.cached_extent = Some(if self.log_recording_id != NULL_VALUE {
            self.archive.list_recording(self.log_recording_id)?.as_ref().map(extent_of)
        } else {
            None
        });
        Ok(())
    }

    /// The follower's log subscription: a manual multi-destination subscription (live and catch-up
    /// destinations are added to it), tagged so that the archive and the services share its images.
    fn add_follower_subscription(&mut self, log_session_id: i32) -> Result<(), ConsensusModuleError> {
        // Fresh tags per term: each term gets its own endpoint. The previous term's destinations were
        // removed when its subscription closed (`release_log_subscription`), so the ports are free even
        // while the services still read the old image.
        let tags = format!("{},{}", self.aeron.next_correlation_id(), self.aeron.next_correlation_id());
        let channel = ConsensusModuleConfig::channel_with(
            "aeron:udp?control-mode=manual",
            &[("tags", tags.clone()), ("session-id", log_session_id.to_string()), ("alias", "log".into())],
        )
        .map_err(ConsensusModuleError::Config)?;
        let subscription = self.aeron.add_subscription(&channel, self.config.log_stream_id)?;
        self.log_subscription = Some(subscription);
        self.log_subscription_channel = format!("aeron:udp?tags={tags}|session-id={log_session_id}");
        self.log_session_id = log_session_id;
        self.start_log_recording(SourceLocation::Remote)?;
        self.log_join =
            LogJoin::Follower { session_id: log_session_id, join_position: None, join_log_sent: false };
        Ok(())
    }

    fn add_log_destination(&mut self, endpoint: &str) -> Result<(), ConsensusModuleError> {
        if let Some(subscription) = self.log_subscription.as_ref() {
            subscription.add_rcv_destination(&format!("aeron:udp?endpoint={endpoint}"))?;
        }
        Ok(())
    }

    /// Closes the follower log subscription after removing its destinations: that closes their sockets
    /// now, so the next term's subscription can bind the same endpoints at once, while the services'
    /// subscriptions (sharing the tagged endpoint) can still read what the image already holds.
    fn release_log_subscription(&mut self) {
        if let Some(subscription) = self.log_subscription.take() {
            for endpoint in self.live_destination.take().into_iter().chain(self.catchup_destination.take()) {
                let _ = subscription.remove_rcv_destination(&format!("aeron:udp?endpoint={endpoint}"));
            }
        }
        self.live_destination = None;
        self.catchup_destination = None;
    }

    fn close_log_subscription(&mut self) -> Result<(), ConsensusModuleError> {
        self.release_log_subscription();
        if let Some(subscription_id) = self.log_recording_subscription_id.take() {
            let _ = self.archive.stop_recording_by_subscription(subscription_id);
        }
        self.recording_counter_id = None;
        self.log_join = LogJoin::None;
        Ok(())
    }

    fn start_log_recording(&mut self, source: SourceLocation) -> Result<(), ConsensusModuleError> {
        let (channel, stream_id) = match source {
            SourceLocation::Local => (self.log_publication_channel.clone(), self.config.log_stream_id),
            _ => (self.log_subscription_channel.clone(), self.config.log_stream_id),
        };
        let subscription_id = if self.log_recording_id == NULL_VALUE {
            self.archive.start_recording(&channel, stream_id, source, true)?
        } else {
            self.archive.extend_recording(self.log_recording_id, &channel, stream_id, source, true)?
        };
        self.log_recording_subscription_id = Some(subscription_id);
        self.recording_counter_id = None;
        Ok(())
    }

    /// Finds the recording counter of the log session (its recording id too, for a new recording).
    fn find_recording_counter(&mut self, session_id: i32) -> bool {
        if self.recording_counter_id.is_some() {
            return true;
        }
        let counters = self.aeron.counters_reader();
        let Some(counter_id) = RecordingPos::find_counter_id_by_session(&counters, session_id) else {
            return false;
        };
        let Some(recording_id) = RecordingPos::get_recording_id(&counters, counter_id) else { return false };
        self.log_recording_id = recording_id;
        self.recording_counter_id = Some(counter_id);
        true
    }

    fn log_join_work(&mut self) -> Result<usize, ConsensusModuleError> {
        match self.log_join {
            LogJoin::None => Ok(0),
            LogJoin::Leader { session_id, join_log_sent } => {
                if !join_log_sent {
                    let channel = format!("aeron-spy:{}", self.log_publication_channel);
                    let sent = self.send_join_log(
                        &channel,
                        self.config.log_stream_id,
                        session_id,
                        self.log_position,
                        i64::MAX,
                        Role::Leader,
                        false,
                    );
                    self.log_join = LogJoin::Leader { session_id, join_log_sent: sent };
                    return Ok(1);
                }
                if self.find_recording_counter(session_id) && self.services_acked(self.expected_ack_id - 1) {
                    self.log_join = LogJoin::None;
                    self.read_append_position();
                    if let Some(election) = self.election.as_mut() {
                        election.on_leader_log_joined();
                    }
                    return Ok(1);
                }
                Ok(0)
            }
            LogJoin::Follower { session_id, join_position, join_log_sent } => {
                let join_position = match join_position {
                    Some(position) => position,
                    None => {
                        let Some(subscription) = self.log_subscription.as_mut() else { return Ok(0) };
                        let Some(image) = subscription.image_by_session_id(session_id) else { return Ok(0) };
                        let position = image.join_position();
                        // Aeron `verifyLogJoinPosition`: an image that joined the leader's log anywhere
                        // but at this member's log position would leave a gap (or an overlap) in what
                        // the services see; the election is told before any JoinLog goes out, and
                        // starts over (the next attempt catches up first).
                        let expected = self.election.as_ref().map_or(position, Election::log_position);
                        if position != expected {
                            self.log_join = LogJoin::None;
                            if let Some(election) = self.election.as_mut() {
                                election.on_follower_log_joined(position);
                            }
                            return Ok(1);
                        }
                        self.log_join =
                            LogJoin::Follower { session_id, join_position: Some(position), join_log_sent };
                        position
                    }
                };
                if !join_log_sent {
                    let channel = self.log_subscription_channel.clone();
                    let sent = self.send_join_log(
                        &channel,
                        self.config.log_stream_id,
                        session_id,
                        join_position,
                        i64::MAX,
                        Role::Follower,
                        false,
                    );
                    self.log_join = LogJoin::Follower {
                        session_id,
                        join_position: Some(join_position),
                        join_log_sent: sent,
                    };
                    return Ok(1);
                }
                if self.find_recording_counter(session_id) && self.services_acked(self.expected_ack_id - 1) {
                    self.log_join = LogJoin::None;
                    self.log_position = join_position;
                    if let Some(election) = self.election.as_mut() {
                        election.on_follower_log_joined(join_position);
                    }
                    return Ok(1);
                }
                Ok(0)
            }
        }
    }

    fn start_log_replay(&mut self, from_position: i64, to_position: i64) -> Result<(), ConsensusModuleError> {
        let length = to_position - from_position;
        let replay_session_id = self.archive.start_replay(
            self.log_recording_id,
            from_position,
            length,
            &self.config.replay_channel,
            self.config.replay_stream_id,
        )?;
        let channel = ConsensusModuleConfig::channel_with(
            &self.config.replay_channel,
            &[("session-id", (replay_session_id as i32).to_string())],
        )
        .map_err(ConsensusModuleError::Config)?;
        let subscription = self.aeron.add_subscription(&channel, self.config.replay_stream_id)?;
        let sent = self.send_join_log(
            &channel,
            self.config.replay_stream_id,
            replay_session_id as i32,
            from_position,
            to_position,
            Role::Follower,
            true,
        );
        self.log_replay = Some(LogReplay {
            subscription,
            replay_session_id,
            to_position,
            position: from_position,
            join_log_sent: sent,
            join_ack_id: self.expected_ack_id - 1,
            services_ack_requested: false,
        });
        Ok(())
    }

    /// Leader: replays the log from `from_position` (following it live) to a follower's catch-up
    /// endpoint, under the log's session id so that the follower's image continues seamlessly when its
    /// live destination joins.
    fn start_catchup_replay(
        &mut self,
        follower_member_id: i32,
        from_position: i64,
        catchup_endpoint: &str,
    ) -> Result<(), ConsensusModuleError> {
        if self.log_recording_id == NULL_VALUE {
            return Ok(());
        }
        let channel = ConsensusModuleConfig::channel_with(
            &self.config.catchup_channel,
            &[
                ("endpoint", catchup_endpoint.to_owned()),
                ("session-id", self.log_session_id.to_string()),
                ("linger", "0".into()),
                ("eos", "false".into()),
            ],
        )
        .map_err(ConsensusModuleError::Config)?;
        let replay_session_id = self.archive.start_replay(
            self.log_recording_id,
            from_position,
            -1,
            &channel,
            self.config.log_stream_id,
        )?;
        self.catchup_replays.insert(follower_member_id, replay_session_id);
        Ok(())
    }

    fn stop_catchup_replay(&mut self, follower_member_id: i32) {
        if let Some(replay_session_id) = self.catchup_replays.remove(&follower_member_id) {
            let _ = self.archive.stop_replay(replay_session_id);
        }
    }

    fn stop_catchup_replays(&mut self) {
        let members: Vec<i32> = self.catchup_replays.keys().copied().collect();
        for member_id in members {
            self.stop_catchup_replay(member_id);
        }
    }

    /// Follower: replicates the leader's log recording up to `stop_position` into the local one.
    fn start_log_replication(
        &mut self,
        leader_archive_endpoint: &str,
        leader_recording_id: i64,
        stop_position: i64,
    ) -> Result<(), ConsensusModuleError> {
        let params = archive_client::ReplicationParams {
            dst_recording_id: self.log_recording_id,
            stop_position,
            replication_channel: self.config.replication_channel.clone(),
            replication_session_id: (self.aeron.next_correlation_id() & 0x3fff_ffff) as i32 | 0x4000_0000,
            ..Default::default()
        };
        let control_channel = format!("aeron:udp?endpoint={leader_archive_endpoint}");
        let replication_id = self.archive.replicate(
            leader_recording_id,
            self.config.archive_control_stream_id,
            &control_channel,
            &params,
        )?;
        self.log_replication = Some(LogReplication {
            replication_id,
            stop_position,
            position: self.append_position,
            has_ended: false,
        });
        Ok(())
    }

    fn stop_log_replication(&mut self) {
        if let Some(replication) = self.log_replication.take()
            && !replication.has_ended
        {
            let _ = self.archive.stop_replication(replication.replication_id);
        }
    }

    /// Reports the replication's progress (recording signals of its recording) to the election.
    fn replication_work(&mut self) -> usize {
        let Some(mut replication) = self.log_replication else { return 0 };
        let mut signals = Vec::new();
        let polled = self.archive.poll_for_recording_signals(&mut |signal| signals.push(*signal));
        let mut work = 0;
        for signal in signals {
            if signal.correlation_id != replication.replication_id {
                continue;
            }
            work += 1;
            if signal.recording_id != NULL_VALUE && self.log_recording_id == NULL_VALUE {
                self.log_recording_id = signal.recording_id;
            }
            if signal.position != NULL_POSITION {
                replication.position = replication.position.max(signal.position);
            }
            if signal.signal == protocol::archive::RecordingSignal::ReplicateEnd {
                replication.has_ended = true;
            }
        }
        if polled.is_err() {
            replication.has_ended = true;
        }
        if replication.has_ended
            && self.log_recording_id != NULL_VALUE
            && let Ok(position) = self.archive.get_stop_position(self.log_recording_id)
            && position != NULL_POSITION
        {
            replication.position = replication.position.max(position);
        }
        self.log_replication = Some(replication);
        if replication.has_ended {
            self.append_position = self.append_position.max(replication.position);
        }
        if let Some(election) = self.election.as_mut() {
            election.on_log_replication_progress(replication.position, replication.has_ended);
        }
        let _ = replication.stop_position;
        work
    }

    fn terminate_services(&mut self) {
        let message = ClusterMessage::ServiceTerminationPosition(ServiceTerminationPosition {
            log_position: self.commit_position.get(),
            ack_required: BooleanType::False,
        });
        let _ = self.send_to_services(&message);
    }
}

impl<S: ArchiveStorage + Send> Agent for ConsensusModuleAgent<S>
where
    S::File: Send,
{
    fn role_name(&self) -> &str {
        "consensus-module"
    }

    fn do_work(&mut self, now_ns: i64) -> Result<usize, AgentTermination> {
        if self.terminated {
            return Err(AgentTermination::Done);
        }
        self.work(now_ns).map_err(|error| AgentTermination::Fatal(error.to_string()))
    }

    fn on_close(&mut self) {
        self.terminate_services();
        self.set_state(ModuleState::Closed);
        self.archive.close();
    }
}
