//! [`Election`]: Aeron Cluster's leader election (`Election.java`) as a deterministic, sans-IO state
//! machine.
//!
//! How to drive it: build it with an [`ElectionInit`] (the node's log and node-state facts), an
//! [`ElectionConfig`] and a seeded [`Prng`]; then, on every duty cycle, call [`Election::do_work`] with
//! the current time, feed decoded consensus messages to the `on_*` message handlers and completion
//! reports to the `on_*` completion inputs, and after each call drain [`Election::take_commands`] and
//! execute the commands in order. When [`Election::state`] is [`ElectionState::Closed`] the last
//! command list contained [`ElectionCommand::ElectionComplete`] and the election can be dropped.
//!
//! Invariants:
//! - All state changes go through `transition` (Aeron `state(newState, nowNs, reason)`), which emits
//!   [`ElectionCommand::StateChange`], the role change of the entered state, and resets the per-state
//!   timers. Entering CANVASS resets every member's election tracking.
//! - `candidate_term_id >= persisted candidate term id` after INIT, and the persisted value only grows.
//!   A YES vote is only given for a candidate term strictly above the persisted one, and only after
//!   [`ElectionCommand::PersistCandidateTermId`] for it: at most one YES per candidate term.
//! - A node becomes leader only from CANDIDATE_BALLOT with a unanimous YES, or with a quorum YES and no
//!   NO after the election timeout, or as the only member of the cluster; `leadership_term_id` is then
//!   its `candidate_term_id`.
//! - Errors (timeouts, bad joins, truncation) restart the election at INIT with `log_position` reset to
//!   the commit position (Aeron `handleError`); nothing panics on peer input.
//! - Messages are ignored in INIT, and messages claiming to be from this member or unknown members are
//!   ignored as in Aeron.

use crate::cluster_member::{self, ClusterMember, NULL_POSITION, NULL_VALUE, compare_log};
use crate::election_command::{ConsensusMessage, ElectionCommand, Role};
use crate::election_config::ElectionConfig;
use crate::election_state::ElectionState;
use crate::term_history::TermHistory;
use agrona::prng::Prng;
use protocol::cluster::{
    AppendPosition, BooleanType, CanvassPosition, CommitPosition, NewLeadershipTerm, RequestVote,
    StopCatchup, Vote,
};
use std::cmp::Ordering;

/// Aeron's `NULL_SESSION_ID` (-1).
pub const NULL_SESSION_ID: i32 = -1;
/// AppendPosition flags: none.
pub const APPEND_POSITION_FLAG_NONE: u8 = 0;
/// AppendPosition flags: the follower is catching up.
pub const APPEND_POSITION_FLAG_CATCHUP: u8 = 1;
/// Consensus protocol version 1.0.0 sent in CanvassPosition / RequestVote.
pub const CONSENSUS_PROTOCOL_VERSION: i32 = 1 << 16;

const ONE_DAY_NS: i64 = 86_400_000_000_000;

/// What the node knows when an election starts (Aeron's `Election` constructor arguments plus the
/// node-state file and recording-log facts the election reads).
#[derive(Debug, Clone)]
pub struct ElectionInit {
    /// True for the election run at node start-up (extended canvass, nothing to tear down).
    pub is_node_startup: bool,
    /// Id of a leader that closed gracefully (excluded from unanimity), or -1.
    pub graceful_closed_leader_id: i32,
    /// Leadership term id of the last entry in the local log (also the consensus module's term).
    pub leadership_term_id: i64,
    /// Base position of that term.
    pub term_base_log_position: i64,
    /// Committed / applied log position.
    pub log_position: i64,
    /// Durably appended (recorded) log position.
    pub append_position: i64,
    /// Candidate term id persisted in node-state.dat (-1 if none).
    pub persisted_candidate_term_id: i64,
    /// Static membership (must contain `this_member_id`).
    pub members: Vec<ClusterMember>,
    /// This node's member id.
    pub this_member_id: i32,
    /// Recording id of the local log, or -1.
    pub log_recording_id: i64,
    /// TERM entries of the local recording log.
    pub term_history: TermHistory,
    /// When the consensus module last heard from a leader (feeds the non-start-up canvass deadline).
    pub time_of_last_leader_update_ns: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InitPhase {
    Start,
    AwaitingPrepare,
    Prepared,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Progress {
    Idle,
    Running,
    Done(i64),
}

/// The leader election state machine. See the module docs for how to drive it.
#[derive(Debug)]
pub struct Election {
    config: ElectionConfig,
    prng: Prng,
    members: Vec<ClusterMember>,
    this_index: usize,
    commands: Vec<ElectionCommand>,
    state: ElectionState,
    role: Role,
    is_node_startup: bool,
    is_extended_canvass: bool,
    is_first_init: bool,
    init_phase: InitPhase,
    graceful_closed_leader_id: i32,
    initial_log_leadership_term_id: i64,
    initial_term_base_log_position: i64,
    initial_leadership_term_id: i64,
    initial_time_of_last_update_ns: i64,
    time_of_last_state_change_ns: i64,
    time_of_last_update_ns: i64,
    time_of_last_commit_position_update_ns: i64,
    time_of_last_leader_update_ns: i64,
    time_of_last_log_update_ns: i64,
    nomination_deadline_ns: i64,
    log_position: i64,
    append_position: i64,
    commit_position: i64,
    notified_commit_position: i64,
    catchup_join_position: i64,
    catchup_position: i64,
    /// How far this member's archive has recorded the log during catch-up (reported to the leader).
    catchup_append_position: i64,
    replication_leadership_term_id: i64,
    replication_stop_position: i64,
    replication_term_base_log_position: i64,
    replication_deadline_ns: i64,
    replication: Progress,
    replication_position: i64,
    leader_recording_id: i64,
    log_recording_id: i64,
    leadership_term_id: i64,
    log_leadership_term_id: i64,
    candidate_term_id: i64,
    persisted_candidate_term_id: i64,
    last_published_commit_position: i64,
    last_published_append_position: i64,
    log_session_id: i32,
    is_leader_startup: bool,
    leader_member_id: Option<i32>,
    replay: Progress,
    is_leader_join_requested: bool,
    is_leader_log_joined: bool,
    follower_join_position: Option<i64>,
    has_log_subscription: bool,
    has_catchup_destination: bool,
    has_live_destination: bool,
    resolved_catchup_endpoint: Option<String>,
    term_history: TermHistory,
}

impl Election {
    /// A new election in INIT. Panics (API misuse) if `this_member_id` is not among the members or the
    /// config is invalid.
    pub fn new(init: ElectionInit, config: ElectionConfig, prng: Prng, now_ns: i64) -> Self {
        if let Err(message) = config.validate() {
            panic!("invalid ElectionConfig: {message}");
        }
        let this_index = init
            .members
            .iter()
            .position(|m| m.id == init.this_member_id)
            .unwrap_or_else(|| panic!("member {} is not in the cluster members", init.this_member_id));
        let initial_time_of_last_update_ns = now_ns.saturating_sub(ONE_DAY_NS);
        Self {
            config,
            prng,
            members: init.members,
            this_index,
            commands: Vec::new(),
            state: ElectionState::Init,
            role: Role::Follower,
            is_node_startup: init.is_node_startup,
            is_extended_canvass: init.is_node_startup,
            is_first_init: true,
            init_phase: InitPhase::Start,
            graceful_closed_leader_id: init.graceful_closed_leader_id,
            initial_log_leadership_term_id: init.leadership_term_id,
            initial_term_base_log_position: init.term_base_log_position,
            initial_leadership_term_id: init.leadership_term_id,
            initial_time_of_last_update_ns,
            time_of_last_state_change_ns: now_ns,
            time_of_last_update_ns: initial_time_of_last_update_ns,
            time_of_last_commit_position_update_ns: initial_time_of_last_update_ns,
            time_of_last_leader_update_ns: init.time_of_last_leader_update_ns,
            time_of_last_log_update_ns: initial_time_of_last_update_ns,
            nomination_deadline_ns: 0,
            log_position: init.log_position,
            append_position: init.append_position,
            commit_position: init.log_position,
            notified_commit_position: 0,
            catchup_join_position: NULL_POSITION,
            catchup_position: NULL_POSITION,
            catchup_append_position: NULL_POSITION,
            replication_leadership_term_id: NULL_VALUE,
            replication_stop_position: NULL_POSITION,
            replication_term_base_log_position: NULL_VALUE,
            replication_deadline_ns: 0,
            replication: Progress::Idle,
            replication_position: NULL_POSITION,
            leader_recording_id: NULL_VALUE,
            log_recording_id: init.log_recording_id,
            leadership_term_id: init.leadership_term_id,
            log_leadership_term_id: init.leadership_term_id,
            candidate_term_id: init.leadership_term_id,
            persisted_candidate_term_id: init.persisted_candidate_term_id,
            last_published_commit_position: 0,
            last_published_append_position: 0,
            log_session_id: NULL_SESSION_ID,
            is_leader_startup: false,
            leader_member_id: None,
            replay: Progress::Idle,
            is_leader_join_requested: false,
            is_leader_log_joined: false,
            follower_join_position: None,
            has_log_subscription: false,
            has_catchup_destination: false,
            has_live_destination: false,
            resolved_catchup_endpoint: None,
            term_history: init.term_history,
        }
    }

    // ----------------------------------------------------------------------------------------------
    // Observers

    /// Current state.
    pub fn state(&self) -> ElectionState {
        self.state
    }

    /// Current role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Leader member id once known.
    pub fn leader_member_id(&self) -> Option<i32> {
        self.leader_member_id
    }

    /// Leadership term id (the new term once a leader is known).
    pub fn leadership_term_id(&self) -> i64 {
        self.leadership_term_id
    }

    /// Leadership term id of the last entry in the local log.
    pub fn log_leadership_term_id(&self) -> i64 {
        self.log_leadership_term_id
    }

    /// Highest candidate term id seen / proposed.
    pub fn candidate_term_id(&self) -> i64 {
        self.candidate_term_id
    }

    /// Committed / applied log position.
    pub fn log_position(&self) -> i64 {
        self.log_position
    }

    /// Durably appended log position.
    pub fn append_position(&self) -> i64 {
        self.append_position
    }

    /// Highest commit position learnt from the leader.
    pub fn notified_commit_position(&self) -> i64 {
        self.notified_commit_position
    }

    /// Session id of the new term's log publication, or [`NULL_SESSION_ID`].
    pub fn log_session_id(&self) -> i32 {
        self.log_session_id
    }

    /// The members with their election tracking state.
    pub fn members(&self) -> &[ClusterMember] {
        &self.members
    }

    /// This node's member id.
    pub fn this_member_id(&self) -> i32 {
        self.members[self.this_index].id
    }

    /// Removes and returns the commands emitted since the last call, in execution order.
    pub fn take_commands(&mut self) -> Vec<ElectionCommand> {
        std::mem::take(&mut self.commands)
    }

    // ----------------------------------------------------------------------------------------------
    // Duty cycle

    /// Runs the current state's work at `now_ns`; returns the amount of work done (0 = idle).
    pub fn do_work(&mut self, now_ns: i64) -> usize {
        match self.state {
            ElectionState::Init => self.init(now_ns),
            ElectionState::Canvass => self.canvass(now_ns),
            ElectionState::Nominate => self.nominate(now_ns),
            ElectionState::CandidateBallot => self.candidate_ballot(now_ns),
            ElectionState::FollowerBallot => self.follower_ballot(now_ns),
            ElectionState::LeaderLogReplication => self.leader_log_replication(now_ns),
            ElectionState::LeaderReplay => self.leader_replay(now_ns),
            ElectionState::LeaderInit => self.leader_init(now_ns),
            ElectionState::LeaderReady => self.leader_ready(now_ns),
            ElectionState::FollowerLogReplication => self.follower_log_replication(now_ns),
            ElectionState::FollowerReplay => self.follower_replay(now_ns),
            ElectionState::FollowerCatchupInit => self.follower_catchup_init(now_ns),
            ElectionState::FollowerCatchupAwait => self.follower_catchup_await(now_ns),
            ElectionState::FollowerCatchup => self.follower_catchup(now_ns),
            ElectionState::FollowerLogInit => self.follower_log_init(now_ns),
            ElectionState::FollowerLogAwait => self.follower_log_await(now_ns),
            ElectionState::FollowerReady => self.follower_ready(now_ns),
            ElectionState::Closed => 0,
        }
    }

    /// Aeron `handleError`: restart the election at INIT with `log_position` reset to the commit
    /// position. The consensus module calls this when executing a command failed fatally for the
    /// election (e.g. a replay or replication error).
    pub fn handle_error(&mut self, now_ns: i64, reason: &'static str) {
        self.log_position = self.commit_position;
        self.transition(ElectionState::Init, now_ns, reason);
    }

    // ----------------------------------------------------------------------------------------------
    // Completion inputs

    /// Answer to [`ElectionCommand::PrepareForNewLeadership`]: the log recording's stop position (new
    /// append position) or [`NULL_POSITION`] if there is no recording.
    pub fn on_new_leadership_prepared(&mut self, append_position: i64) {
        if self.state == ElectionState::Init && self.init_phase == InitPhase::AwaitingPrepare {
            if append_position != NULL_POSITION {
                self.append_position = append_position;
            }
            self.commit_position = self.log_position;
            self.init_phase = InitPhase::Prepared;
        }
    }

    /// Answer to [`ElectionCommand::CreateLogPublication`]: the publication's session id and the log
    /// recording id.
    pub fn on_log_publication_ready(&mut self, log_session_id: i32, log_recording_id: i64) {
        if self.role == Role::Leader && self.log_session_id == NULL_SESSION_ID {
            self.log_session_id = log_session_id;
            self.log_recording_id = log_recording_id;
        }
    }

    /// Answer to [`ElectionCommand::StartLogReplay`]: the replay ended at `position`.
    pub fn on_replay_complete(&mut self, position: i64) {
        if self.replay == Progress::Running {
            self.replay = Progress::Done(position);
        }
    }

    /// Answer to [`ElectionCommand::JoinLogAsLeader`]: recording started and all services acked.
    pub fn on_leader_log_joined(&mut self) {
        if self.state == ElectionState::LeaderInit && self.is_leader_join_requested {
            self.is_leader_log_joined = true;
        }
    }

    /// Progress of [`ElectionCommand::StartLogReplication`]: the local recording reached `position`;
    /// `has_ended` once replication has ended and stopped.
    pub fn on_log_replication_progress(&mut self, position: i64, has_ended: bool) {
        if self.state == ElectionState::FollowerLogReplication && self.replication != Progress::Idle {
            self.replication_position = self.replication_position.max(position);
            if has_ended {
                self.replication = Progress::Done(self.replication_position);
            }
        }
    }

    /// The follower log image (catch-up or live) joined at `join_position` and the services acked.
    pub fn on_follower_log_joined(&mut self, join_position: i64) {
        if self.has_log_subscription {
            self.follower_join_position = Some(join_position);
        }
    }

    /// The follower subscription resolved a `host:0` catch-up endpoint to `endpoint`.
    pub fn on_catchup_endpoint_resolved(&mut self, endpoint: &str) {
        self.resolved_catchup_endpoint = Some(endpoint.to_owned());
    }

    /// Follower catch-up: the consensus module consumed the log up to `position` (the commit counter)
    /// and its archive has recorded it up to `append_position`. The leader is told the append
    /// position (Aeron `catchupPoll`): it needs this member's recorded position to commit what this
    /// member may only consume once committed.
    pub fn on_catchup_progress(&mut self, position: i64, append_position: i64) {
        if self.state == ElectionState::FollowerCatchup {
            self.catchup_position = self.catchup_position.max(position);
            self.catchup_append_position =
                self.catchup_append_position.max(append_position).max(self.catchup_position);
            self.commit_position = self.commit_position.max(position);
        }
    }

    // ----------------------------------------------------------------------------------------------
    // Consensus message handlers

    /// CanvassPosition from a peer.
    pub fn on_canvass_position(&mut self, now_ns: i64, message: &CanvassPosition) {
        if self.state == ElectionState::Init {
            return;
        }
        let follower_id = message.follower_member_id;
        if follower_id == self.graceful_closed_leader_id {
            self.graceful_closed_leader_id = NULL_VALUE as i32;
        }
        let Some(index) = self.member_index(follower_id) else { return };
        if index == self.this_index {
            return;
        }
        self.update_member_log_position(index, message.log_leadership_term_id, message.log_position, now_ns);
        match message.log_leadership_term_id.cmp(&self.leadership_term_id) {
            Ordering::Less if self.role == Role::Leader => {
                let quorum_position = self.quorum_position_bounded_by_leader_log(now_ns);
                self.publish_new_leadership_term_to(
                    follower_id,
                    message.log_leadership_term_id,
                    quorum_position,
                    now_ns,
                );
            }
            Ordering::Greater
                if matches!(self.state, ElectionState::LeaderLogReplication | ElectionState::LeaderReady) =>
            {
                self.handle_error(now_ns, "potential new election in progress");
            }
            _ => {}
        }
    }

    /// RequestVote from a candidate.
    pub fn on_request_vote(&mut self, now_ns: i64, message: &RequestVote) {
        if self.state == ElectionState::Init || message.candidate_member_id == self.this_member_id() {
            return;
        }
        let candidate_id = message.candidate_member_id;
        let candidate_term_id = message.candidate_term_id;
        if candidate_term_id <= self.candidate_term_id {
            self.place_vote(candidate_term_id, candidate_id, false);
        } else if compare_log(
            self.log_leadership_term_id,
            self.append_position,
            message.log_leadership_term_id,
            message.log_position,
        ) == Ordering::Greater
        {
            self.candidate_term_id =
                self.propose_max_candidate_term_id(candidate_term_id, message.log_position);
            self.place_vote(candidate_term_id, candidate_id, false);
            if self.member_index(candidate_id).is_some() && self.role == Role::Leader {
                let quorum_position = self.quorum_position_bounded_by_leader_log(now_ns);
                self.publish_new_leadership_term_to(
                    candidate_id,
                    message.log_leadership_term_id,
                    quorum_position,
                    now_ns,
                );
            }
        } else if matches!(
            self.state,
            ElectionState::Canvass
                | ElectionState::Nominate
                | ElectionState::CandidateBallot
                | ElectionState::FollowerBallot
        ) {
            self.candidate_term_id =
                self.propose_max_candidate_term_id(candidate_term_id, message.log_position);
            self.place_vote(candidate_term_id, candidate_id, true);
            self.transition(ElectionState::FollowerBallot, now_ns, "");
        }
    }

    /// Vote from a member.
    pub fn on_vote(&mut self, now_ns: i64, message: &Vote) {
        if self.state != ElectionState::CandidateBallot
            || message.candidate_term_id != self.candidate_term_id
            || message.candidate_member_id != self.this_member_id()
        {
            return;
        }
        if let Some(index) = self.member_index(message.follower_member_id) {
            let member = &mut self.members[index];
            member.candidate_term_id = message.candidate_term_id;
            member.vote = Some(message.vote == BooleanType::True);
            self.update_member_log_position(
                index,
                message.log_leadership_term_id,
                message.log_position,
                now_ns,
            );
        }
    }

    /// NewLeadershipTerm from a leader.
    pub fn on_new_leadership_term(&mut self, now_ns: i64, message: &NewLeadershipTerm) {
        if message.leadership_term_id >= self.initial_leadership_term_id {
            self.time_of_last_leader_update_ns = now_ns;
        }
        if self.state == ElectionState::Init {
            return;
        }
        let leader_id = message.leader_member_id;
        if self.member_index(leader_id).is_none()
            || (leader_id == self.this_member_id() && message.leadership_term_id == self.leadership_term_id)
        {
            return;
        }
        if leader_id == self.graceful_closed_leader_id {
            self.graceful_closed_leader_id = NULL_VALUE as i32;
        }
        let in_ballot = matches!(self.state, ElectionState::FollowerBallot | ElectionState::CandidateBallot)
            && message.leadership_term_id == self.candidate_term_id;
        if in_ballot || self.state == ElectionState::Canvass {
            if message.log_leadership_term_id == self.log_leadership_term_id {
                if message.next_term_base_log_position != NULL_POSITION
                    && message.next_term_base_log_position < self.append_position
                {
                    let position = message.next_term_base_log_position;
                    self.commands.push(ElectionCommand::TruncateLog {
                        log_leadership_term_id: message.log_leadership_term_id,
                        position,
                    });
                    self.term_history.truncate(message.log_leadership_term_id, position);
                    self.append_position = position;
                    self.handle_error(now_ns, "truncating cluster log");
                    return;
                }
                self.leader_member_id = Some(leader_id);
                self.is_leader_startup = message.is_startup == BooleanType::True;
                self.leadership_term_id = message.leadership_term_id;
                self.candidate_term_id = self.candidate_term_id.max(message.leadership_term_id);
                self.log_session_id = message.log_session_id;
                self.leader_recording_id = message.leader_recording_id;
                self.catchup_join_position = if self.append_position < message.log_position {
                    message.log_position
                } else {
                    NULL_POSITION
                };
                if message.commit_position != i64::MIN {
                    self.notified_commit_position =
                        self.notified_commit_position.max(message.commit_position);
                }
                if self.append_position < message.term_base_log_position {
                    if message.next_leadership_term_id != NULL_VALUE {
                        if self.append_position < message.next_term_base_log_position {
                            self.replication_leadership_term_id = message.log_leadership_term_id;
                            self.replication_stop_position = message.next_term_base_log_position;
                            self.replication_term_base_log_position = NULL_VALUE;
                            self.transition(ElectionState::FollowerLogReplication, now_ns, "");
                        } else if self.append_position == message.next_term_base_log_position
                            && message.next_log_position != NULL_POSITION
                        {
                            self.replication_leadership_term_id = message.next_leadership_term_id;
                            self.replication_stop_position = message.next_log_position;
                            self.replication_term_base_log_position = message.next_term_base_log_position;
                            self.transition(ElectionState::FollowerLogReplication, now_ns, "");
                        }
                    } else {
                        self.handle_error(now_ns, "invalid newLeadershipTerm: missing next term");
                        return;
                    }
                } else {
                    self.transition(ElectionState::FollowerReplay, now_ns, "");
                }
            } else {
                self.transition(ElectionState::Canvass, now_ns, "");
            }
        }
        if self.state == ElectionState::FollowerLogReplication
            && message.log_leadership_term_id == self.log_leadership_term_id
            && self.leader_member_id == Some(leader_id)
        {
            self.replication_deadline_ns = now_ns + self.config.leader_heartbeat_timeout_ns;
        }
    }

    /// AppendPosition from a follower.
    pub fn on_append_position(&mut self, now_ns: i64, message: &AppendPosition) {
        if self.state == ElectionState::Init || message.leadership_term_id > self.leadership_term_id {
            return;
        }
        let Some(index) = self.member_index(message.follower_member_id) else { return };
        self.update_member_log_position(index, message.leadership_term_id, message.log_position, now_ns);
        // Aeron `trackCatchupCompletion` (consensus module, leader side).
        let member = &self.members[index];
        let is_catchup = message.flags == APPEND_POSITION_FLAG_CATCHUP;
        if self.role == Role::Leader
            && (member.is_catchup_replay_active || is_catchup)
            && member.log_position >= self.append_position
        {
            if member.is_catchup_replay_active {
                self.members[index].is_catchup_replay_active = false;
                self.commands.push(ElectionCommand::StopFollowerCatchupReplay {
                    follower_member_id: message.follower_member_id,
                });
            }
            self.send(
                message.follower_member_id,
                ConsensusMessage::StopCatchup(StopCatchup {
                    leadership_term_id: message.leadership_term_id,
                    follower_member_id: message.follower_member_id,
                }),
            );
        }
    }

    /// CommitPosition from the leader.
    pub fn on_commit_position(&mut self, now_ns: i64, message: &CommitPosition) {
        if message.leadership_term_id >= self.initial_leadership_term_id {
            self.time_of_last_leader_update_ns = now_ns;
        }
        if self.state == ElectionState::Init {
            return;
        }
        if self.leader_member_id == Some(message.leader_member_id) && self.role != Role::Leader {
            self.notified_commit_position = self.notified_commit_position.max(message.log_position);
            if self.state == ElectionState::FollowerLogReplication {
                self.replication_deadline_ns = now_ns + self.config.leader_heartbeat_timeout_ns;
            }
        } else if message.leadership_term_id > self.leadership_term_id
            && self.state == ElectionState::LeaderReady
        {
            self.handle_error(now_ns, "new leader detected due to commit position");
        }
    }

    /// CatchupPosition from a follower (leader side, Aeron `ConsensusModuleAgent.onCatchupPosition`).
    pub fn on_catchup_position(
        &mut self,
        leadership_term_id: i64,
        log_position: i64,
        follower_member_id: i32,
        catchup_endpoint: &str,
    ) {
        if self.state == ElectionState::Init
            || self.role != Role::Leader
            || leadership_term_id > self.leadership_term_id
        {
            return;
        }
        if let Some(index) = self.member_index(follower_member_id)
            && !self.members[index].is_catchup_replay_active
        {
            self.members[index].is_catchup_replay_active = true;
            self.commands.push(ElectionCommand::StartFollowerCatchupReplay {
                follower_member_id,
                from_position: log_position,
                catchup_endpoint: catchup_endpoint.to_owned(),
            });
        }
    }

    /// StopCatchup from the leader (follower side, Aeron `ConsensusModuleAgent.onStopCatchup`).
    pub fn on_stop_catchup(&mut self, message: &StopCatchup) {
        if message.leadership_term_id == self.leadership_term_id
            && message.follower_member_id == self.this_member_id()
            && self.has_catchup_destination
        {
            self.has_catchup_destination = false;
            self.commands.push(ElectionCommand::RemoveCatchupLogDestination);
        }
    }

    /// Dispatches any consensus message to its handler.
    pub fn on_message(&mut self, now_ns: i64, message: &ConsensusMessage) {
        match message {
            ConsensusMessage::CanvassPosition(m) => self.on_canvass_position(now_ns, m),
            ConsensusMessage::RequestVote(m) => self.on_request_vote(now_ns, m),
            ConsensusMessage::Vote(m) => self.on_vote(now_ns, m),
            ConsensusMessage::NewLeadershipTerm(m) => self.on_new_leadership_term(now_ns, m),
            ConsensusMessage::AppendPosition(m) => self.on_append_position(now_ns, m),
            ConsensusMessage::CommitPosition(m) => self.on_commit_position(now_ns, m),
            ConsensusMessage::CatchupPosition {
                leadership_term_id,
                log_position,
                follower_member_id,
                catchup_endpoint,
            } => self.on_catchup_position(
                *leadership_term_id,
                *log_position,
                *follower_member_id,
                catchup_endpoint,
            ),
            ConsensusMessage::StopCatchup(m) => self.on_stop_catchup(m),
        }
    }

    // ----------------------------------------------------------------------------------------------
    // States

    fn init(&mut self, now_ns: i64) -> usize {
        match self.init_phase {
            InitPhase::AwaitingPrepare => return 0,
            InitPhase::Start => {
                if self.is_first_init {
                    self.is_first_init = false;
                    if !self.is_node_startup {
                        self.request_prepare();
                        return 1;
                    }
                } else {
                    self.commands.push(ElectionCommand::StopLogReplication);
                    self.replication = Progress::Idle;
                    self.commands.push(ElectionCommand::StopAllCatchups);
                    self.catchup_join_position = NULL_POSITION;
                    self.request_prepare();
                    self.log_session_id = NULL_SESSION_ID;
                    self.stop_replay();
                    if self.has_log_subscription {
                        self.commands.push(ElectionCommand::CloseLogSubscription);
                        self.has_log_subscription = false;
                        self.has_catchup_destination = false;
                        self.has_live_destination = false;
                    }
                    self.follower_join_position = None;
                    self.is_leader_join_requested = false;
                    self.is_leader_log_joined = false;
                    return 1;
                }
            }
            InitPhase::Prepared => {}
        }
        self.notified_commit_position = 0;
        self.candidate_term_id = self.persisted_candidate_term_id.max(self.leadership_term_id);
        if self.members.len() == 1 {
            self.candidate_term_id += 1;
            self.persisted_candidate_term_id = self.candidate_term_id;
            self.commands.push(ElectionCommand::PersistCandidateTermId {
                candidate_term_id: self.candidate_term_id,
                log_position: self.log_position,
            });
            self.leader_member_id = Some(self.this_member_id());
            self.leadership_term_id = self.candidate_term_id;
            self.transition(ElectionState::LeaderLogReplication, now_ns, "single-node cluster leader");
        } else {
            self.transition(ElectionState::Canvass, now_ns, "");
        }
        1
    }

    fn request_prepare(&mut self) {
        self.commands.push(ElectionCommand::PrepareForNewLeadership { log_position: self.log_position });
        self.init_phase = InitPhase::AwaitingPrepare;
    }

    fn canvass(&mut self, now_ns: i64) -> usize {
        let mut work = 0;
        let deadline_ns = if self.is_extended_canvass {
            self.time_of_last_state_change_ns + self.config.startup_canvass_timeout_ns
        } else {
            self.time_of_last_leader_update_ns.saturating_add(self.config.leader_heartbeat_timeout_ns)
        };
        if self.has_update_interval_expired(now_ns, self.config.election_status_interval_ns) {
            self.time_of_last_update_ns = now_ns;
            self.publish_canvass_position();
            work += 1;
        }
        if self.config.appointed_leader_id.is_some_and(|id| id != self.this_member_id()) {
            return work;
        }
        let this = self.members[self.this_index].clone();
        if cluster_member::is_unanimous_candidate(&self.members, &this, self.graceful_closed_leader_id)
            || (now_ns >= deadline_ns && cluster_member::is_quorum_candidate(&self.members, &this))
        {
            let delay_ns = (self.prng.next_f64() * (self.config.election_timeout_ns >> 1) as f64) as i64;
            self.nomination_deadline_ns = now_ns + delay_ns;
            self.transition(ElectionState::Nominate, now_ns, "");
            work += 1;
        }
        work
    }

    fn nominate(&mut self, now_ns: i64) -> usize {
        if now_ns >= self.nomination_deadline_ns {
            self.candidate_term_id =
                self.propose_max_candidate_term_id(self.candidate_term_id + 1, self.log_position);
            let this_id = self.this_member_id();
            cluster_member::become_candidate(&mut self.members, self.candidate_term_id, this_id);
            self.transition(ElectionState::CandidateBallot, now_ns, "");
            1
        } else if self.has_update_interval_expired(now_ns, self.config.election_status_interval_ns) {
            self.time_of_last_update_ns = now_ns;
            self.publish_canvass_position();
            1
        } else {
            0
        }
    }

    fn candidate_ballot(&mut self, now_ns: i64) -> usize {
        if cluster_member::is_unanimous_leader(
            &self.members,
            self.candidate_term_id,
            self.graceful_closed_leader_id,
        ) {
            self.become_leader(now_ns, "unanimous leader");
            return 1;
        }
        if now_ns >= self.time_of_last_state_change_ns + self.config.election_timeout_ns {
            if cluster_member::is_quorum_leader(&self.members, self.candidate_term_id) {
                self.become_leader(now_ns, "quorum leader");
            } else {
                self.transition(ElectionState::Canvass, now_ns, "");
            }
            return 1;
        }
        let mut work = 0;
        for index in 0..self.members.len() {
            if !self.members[index].is_ballot_sent {
                work += 1;
                self.members[index].is_ballot_sent = true;
                let message = RequestVote {
                    log_leadership_term_id: self.log_leadership_term_id,
                    log_position: self.append_position,
                    candidate_term_id: self.candidate_term_id,
                    candidate_member_id: self.this_member_id(),
                    protocol_version: CONSENSUS_PROTOCOL_VERSION,
                };
                self.send(self.members[index].id, ConsensusMessage::RequestVote(message));
            }
        }
        work
    }

    fn become_leader(&mut self, now_ns: i64, reason: &'static str) {
        self.leader_member_id = Some(self.this_member_id());
        self.leadership_term_id = self.candidate_term_id;
        self.transition(ElectionState::LeaderLogReplication, now_ns, reason);
    }

    fn follower_ballot(&mut self, now_ns: i64) -> usize {
        if now_ns >= self.time_of_last_state_change_ns + self.config.election_timeout_ns {
            self.transition(ElectionState::Canvass, now_ns, "");
            return 1;
        }
        0
    }

    fn leader_log_replication(&mut self, now_ns: i64) -> usize {
        let this = &mut self.members[self.this_index];
        this.log_position = self.append_position;
        this.time_of_last_append_position_ns = now_ns;
        let quorum_position = self.quorum_position_bounded_by_leader_log(now_ns);
        let mut work = self.publish_new_leadership_term_on_interval(quorum_position, now_ns);
        work += self.publish_commit_position_on_interval(quorum_position, now_ns);
        if quorum_position >= self.append_position {
            self.transition(ElectionState::LeaderReplay, now_ns, "");
            work += 1;
        }
        work
    }

    fn leader_replay(&mut self, now_ns: i64) -> usize {
        let mut work = 0;
        match self.replay {
            Progress::Idle => {
                if self.log_position < self.append_position {
                    self.replay = Progress::Running;
                    self.commands.push(ElectionCommand::StartLogReplay {
                        from_position: self.log_position,
                        to_position: self.append_position,
                    });
                } else {
                    self.transition(ElectionState::LeaderInit, now_ns, "");
                }
                work += 1;
                self.is_leader_startup = self.is_node_startup;
                let this = &mut self.members[self.this_index];
                this.leadership_term_id = self.leadership_term_id;
                this.log_position = self.append_position;
                this.time_of_last_append_position_ns = now_ns;
            }
            Progress::Running => {}
            Progress::Done(_) => {
                self.stop_replay();
                self.log_position = self.append_position;
                self.transition(ElectionState::LeaderInit, now_ns, "");
                work += 1;
            }
        }
        let quorum_position = self.quorum_position_bounded_by_leader_log(now_ns);
        work += self.publish_new_leadership_term_on_interval(quorum_position, now_ns);
        work += self.publish_commit_position_on_interval(quorum_position, now_ns);
        work
    }

    fn leader_init(&mut self, now_ns: i64) -> usize {
        if self.log_session_id == NULL_SESSION_ID {
            return 0;
        }
        if !self.is_leader_join_requested {
            self.is_leader_join_requested = true;
            self.commands.push(ElectionCommand::JoinLogAsLeader {
                leadership_term_id: self.leadership_term_id,
                log_position: self.log_position,
                log_session_id: self.log_session_id,
                is_startup: self.is_leader_startup,
            });
            return 1;
        }
        if !self.is_leader_log_joined {
            return 0;
        }
        self.update_recording_log(self.leadership_term_id, self.log_position, NULL_POSITION, now_ns);
        self.transition(ElectionState::LeaderReady, now_ns, "");
        1
    }

    fn leader_ready(&mut self, now_ns: i64) -> usize {
        let quorum_position = self.quorum_position_bounded_by_leader_log(now_ns);
        let mut work = self.update_leader_position(now_ns, quorum_position);
        work += self.publish_new_leadership_term_on_interval(quorum_position, now_ns);
        if cluster_member::has_quorum_at_position(
            &self.members,
            self.leadership_term_id,
            self.log_position,
            now_ns,
            self.config.leader_heartbeat_timeout_ns,
        ) {
            self.commands.push(ElectionCommand::AppendNewLeadershipTermEvent {
                leadership_term_id: self.leadership_term_id,
                log_position: self.log_position,
            });
            self.complete(Role::Leader);
            self.transition(ElectionState::Closed, now_ns, "");
            work += 1;
        }
        work
    }

    fn follower_log_replication(&mut self, now_ns: i64) -> usize {
        match self.replication {
            Progress::Idle => {
                if self.append_position < self.replication_stop_position {
                    let Some(leader_index) = self.leader_member_id.and_then(|id| self.member_index(id))
                    else {
                        self.handle_error(now_ns, "no leader for log replication");
                        return 1;
                    };
                    self.replication = Progress::Running;
                    self.replication_position = self.append_position;
                    self.commands.push(ElectionCommand::StartLogReplication {
                        leader_member_id: self.members[leader_index].id,
                        leader_archive_endpoint: self.members[leader_index].archive_endpoint.clone(),
                        leader_recording_id: self.leader_recording_id,
                        stop_position: self.replication_stop_position,
                    });
                    self.replication_deadline_ns = now_ns + self.config.leader_heartbeat_timeout_ns;
                } else {
                    self.update_recording_log(
                        self.replication_leadership_term_id,
                        self.replication_term_base_log_position,
                        self.replication_stop_position,
                        now_ns,
                    );
                    self.transition(ElectionState::Canvass, now_ns, "");
                }
                1
            }
            Progress::Running | Progress::Done(_) => {
                let is_done = matches!(self.replication, Progress::Done(_));
                let mut work = self.publish_follower_replication_position(now_ns);
                if is_done {
                    if self.notified_commit_position >= self.append_position {
                        self.append_position = self.replication_position;
                        self.stop_log_replication();
                        self.update_recording_log(
                            self.replication_leadership_term_id,
                            self.replication_term_base_log_position,
                            self.replication_stop_position,
                            now_ns,
                        );
                        self.transition(ElectionState::Canvass, now_ns, "");
                        work += 1;
                    } else if now_ns >= self.replication_deadline_ns {
                        self.handle_error(now_ns, "timeout awaiting commit position");
                        work += 1;
                    }
                }
                work
            }
        }
    }

    fn follower_replay(&mut self, now_ns: i64) -> usize {
        match self.replay {
            Progress::Idle => {
                if self.log_position < self.append_position {
                    if self.notified_commit_position == 0 {
                        return self.publish_follower_append_position(now_ns);
                    } else if self.log_position >= self.notified_commit_position {
                        self.transition(ElectionState::Canvass, now_ns, "log replay rejected");
                    } else {
                        self.replay = Progress::Running;
                        self.commands.push(ElectionCommand::StartLogReplay {
                            from_position: self.log_position,
                            to_position: self.append_position.min(self.notified_commit_position),
                        });
                    }
                } else {
                    let next = self.follower_state_after_replay();
                    self.transition(next, now_ns, "nothing to replay");
                }
                1
            }
            Progress::Running => 0,
            Progress::Done(position) => {
                self.log_position = position;
                self.commit_position = self.commit_position.max(position);
                self.stop_replay();
                if self.log_position == self.append_position {
                    let next = self.follower_state_after_replay();
                    self.transition(next, now_ns, "log replay done");
                } else {
                    self.transition(ElectionState::Canvass, now_ns, "incomplete log replay");
                }
                1
            }
        }
    }

    fn follower_state_after_replay(&self) -> ElectionState {
        if self.catchup_join_position != NULL_POSITION {
            ElectionState::FollowerCatchupInit
        } else {
            ElectionState::FollowerLogInit
        }
    }

    fn follower_catchup_init(&mut self, now_ns: i64) -> usize {
        if !self.has_log_subscription {
            self.has_log_subscription = true;
            self.has_catchup_destination = true;
            self.commands
                .push(ElectionCommand::AddFollowerSubscription { log_session_id: self.log_session_id });
            let catchup_endpoint = self.members[self.this_index].catchup_endpoint.clone();
            self.commands.push(ElectionCommand::AddCatchupLogDestination { catchup_endpoint });
        }
        let configured = &self.members[self.this_index].catchup_endpoint;
        let endpoint = if configured.ends_with(":0") {
            self.resolved_catchup_endpoint.as_ref().map(|resolved| {
                let port = &resolved[resolved.rfind(':').unwrap_or(resolved.len())..];
                format!("{}{}", &configured[..configured.len() - 2], port)
            })
        } else {
            Some(configured.clone())
        };
        match (endpoint, self.leader_member_id) {
            (Some(catchup_endpoint), Some(leader_id)) => {
                self.send(
                    leader_id,
                    ConsensusMessage::CatchupPosition {
                        leadership_term_id: self.leadership_term_id,
                        log_position: self.log_position,
                        follower_member_id: self.this_member_id(),
                        catchup_endpoint,
                    },
                );
                self.time_of_last_update_ns = now_ns;
                self.transition(ElectionState::FollowerCatchupAwait, now_ns, "");
            }
            _ if now_ns >= self.time_of_last_state_change_ns + self.config.leader_heartbeat_timeout_ns => {
                self.handle_error(now_ns, "failed to send catchup position");
            }
            _ => {}
        }
        1
    }

    fn follower_catchup_await(&mut self, now_ns: i64) -> usize {
        match self.follower_join_position {
            Some(join_position) if join_position != self.log_position => {
                self.handle_error(now_ns, "followerCatchupAwait - joinPosition != logPosition");
                1
            }
            Some(_) => {
                self.catchup_position = self.log_position;
                self.transition(ElectionState::FollowerCatchup, now_ns, "");
                1
            }
            None if now_ns >= self.time_of_last_state_change_ns + self.config.leader_heartbeat_timeout_ns => {
                self.handle_error(now_ns, "failed to join catchup log");
                1
            }
            None => 0,
        }
    }

    fn follower_catchup(&mut self, now_ns: i64) -> usize {
        let mut work = 0;
        let append_position = self.catchup_append_position.max(self.catchup_position);
        if (append_position > self.last_published_append_position
            || self.has_update_interval_expired(now_ns, self.config.leader_heartbeat_interval_ns))
            && let Some(leader_id) = self.leader_member_id
        {
            let message = AppendPosition {
                leadership_term_id: self.leadership_term_id,
                log_position: append_position,
                follower_member_id: self.this_member_id(),
                flags: APPEND_POSITION_FLAG_CATCHUP,
            };
            self.send(leader_id, ConsensusMessage::AppendPosition(message));
            self.last_published_append_position = append_position;
            self.time_of_last_update_ns = now_ns;
            work += 1;
        }
        let target = self.catchup_join_position.max(self.notified_commit_position);
        if !self.has_live_destination
            && target - self.catchup_position <= self.config.catchup_near_live_threshold()
        {
            self.has_live_destination = true;
            let log_endpoint = self.members[self.this_index].log_endpoint.clone();
            self.commands.push(ElectionCommand::AddLiveLogDestination { log_endpoint });
            work += 1;
        }
        let position = self.catchup_position;
        if position >= self.catchup_join_position
            && position >= self.notified_commit_position
            && !self.has_catchup_destination
        {
            self.append_position = position;
            self.log_position = position;
            self.transition(ElectionState::FollowerLogInit, now_ns, "");
            work += 1;
        }
        work
    }

    fn follower_log_init(&mut self, now_ns: i64) -> usize {
        if !self.has_log_subscription {
            if self.log_session_id != NULL_SESSION_ID {
                self.has_log_subscription = true;
                self.has_live_destination = true;
                self.commands
                    .push(ElectionCommand::AddFollowerSubscription { log_session_id: self.log_session_id });
                let log_endpoint = self.members[self.this_index].log_endpoint.clone();
                self.commands.push(ElectionCommand::AddLiveLogDestination { log_endpoint });
                self.follower_join_position = None;
                self.transition(ElectionState::FollowerLogAwait, now_ns, "");
            }
        } else {
            self.transition(ElectionState::FollowerReady, now_ns, "");
        }
        1
    }

    fn follower_log_await(&mut self, now_ns: i64) -> usize {
        match self.follower_join_position {
            Some(join_position) if join_position != self.log_position => {
                self.handle_error(now_ns, "followerLogAwait - joinPosition != logPosition");
                1
            }
            Some(_) => {
                self.update_recording_log(self.leadership_term_id, self.log_position, NULL_POSITION, now_ns);
                self.transition(ElectionState::FollowerReady, now_ns, "");
                1
            }
            None if now_ns >= self.time_of_last_state_change_ns + self.config.leader_heartbeat_timeout_ns => {
                self.handle_error(now_ns, "failed to join live log");
                1
            }
            None => 0,
        }
    }

    fn follower_ready(&mut self, now_ns: i64) -> usize {
        let Some(leader_id) = self.leader_member_id else {
            self.handle_error(now_ns, "ready follower has no leader");
            return 1;
        };
        let message = AppendPosition {
            leadership_term_id: self.leadership_term_id,
            log_position: self.log_position,
            follower_member_id: self.this_member_id(),
            flags: APPEND_POSITION_FLAG_NONE,
        };
        self.send(leader_id, ConsensusMessage::AppendPosition(message));
        self.complete(Role::Follower);
        self.transition(ElectionState::Closed, now_ns, "");
        1
    }

    // ----------------------------------------------------------------------------------------------
    // Helpers

    /// The only place the state changes (Aeron `Election.state`).
    fn transition(&mut self, new_state: ElectionState, now_ns: i64, reason: &'static str) {
        if new_state == self.state {
            return;
        }
        if self.state == ElectionState::Canvass {
            self.is_extended_canvass = false;
        }
        self.commands.push(ElectionCommand::StateChange { from: self.state, to: new_state, reason });
        match new_state {
            ElectionState::Init => self.init_phase = InitPhase::Start,
            ElectionState::Canvass => {
                self.reset_members();
                self.set_role(Role::Follower);
            }
            ElectionState::CandidateBallot => self.set_role(Role::Candidate),
            ElectionState::LeaderLogReplication => {
                self.set_role(Role::Leader);
                self.log_session_id = NULL_SESSION_ID;
                self.commands.push(ElectionCommand::CreateLogPublication {
                    leadership_term_id: self.leadership_term_id,
                    append_position: self.append_position,
                });
            }
            ElectionState::FollowerLogReplication | ElectionState::FollowerReplay => {
                self.set_role(Role::Follower)
            }
            _ => {}
        }
        self.state = new_state;
        self.time_of_last_state_change_ns = now_ns;
        self.time_of_last_update_ns = self.initial_time_of_last_update_ns;
        self.time_of_last_commit_position_update_ns = self.initial_time_of_last_update_ns;
    }

    fn set_role(&mut self, role: Role) {
        if self.role != role {
            self.role = role;
            self.commands.push(ElectionCommand::RoleChange(role));
        }
    }

    fn complete(&mut self, role: Role) {
        self.commands.push(ElectionCommand::ElectionComplete {
            role,
            leader_member_id: self.leader_member_id.unwrap_or(NULL_VALUE as i32),
            leadership_term_id: self.leadership_term_id,
            log_position: self.log_position,
            log_session_id: self.log_session_id,
            is_leader_startup: self.is_leader_startup,
        });
    }

    fn reset_members(&mut self) {
        for member in &mut self.members {
            member.reset();
        }
        let this = &mut self.members[self.this_index];
        this.leadership_term_id = self.leadership_term_id;
        this.log_position = self.append_position;
        self.leader_member_id = None;
    }

    fn member_index(&self, member_id: i32) -> Option<usize> {
        self.members.iter().position(|m| m.id == member_id)
    }

    fn update_member_log_position(
        &mut self,
        index: usize,
        leadership_term_id: i64,
        log_position: i64,
        now_ns: i64,
    ) {
        let member = &mut self.members[index];
        member.leadership_term_id = leadership_term_id;
        member.log_position = log_position;
        member.time_of_last_append_position_ns = now_ns;
    }

    fn propose_max_candidate_term_id(&mut self, candidate_term_id: i64, log_position: i64) -> i64 {
        if candidate_term_id > self.persisted_candidate_term_id {
            self.persisted_candidate_term_id = candidate_term_id;
            self.commands.push(ElectionCommand::PersistCandidateTermId { candidate_term_id, log_position });
        }
        self.persisted_candidate_term_id
    }

    fn send(&mut self, to_member_id: i32, message: ConsensusMessage) {
        self.commands.push(ElectionCommand::Send { to_member_id, message });
    }

    fn place_vote(&mut self, candidate_term_id: i64, candidate_id: i32, vote: bool) {
        if self.member_index(candidate_id).is_some() {
            let message = Vote {
                candidate_term_id,
                log_leadership_term_id: self.log_leadership_term_id,
                log_position: self.append_position,
                candidate_member_id: candidate_id,
                follower_member_id: self.this_member_id(),
                vote: if vote { BooleanType::True } else { BooleanType::False },
            };
            self.send(candidate_id, ConsensusMessage::Vote(message));
        }
    }

    fn has_update_interval_expired(&self, now_ns: i64, interval_ns: i64) -> bool {
        now_ns - self.time_of_last_update_ns >= interval_ns
    }

    fn quorum_position_bounded_by_leader_log(&self, now_ns: i64) -> i64 {
        cluster_member::quorum_position(&self.members, now_ns, self.config.leader_heartbeat_timeout_ns)
            .min(self.append_position)
    }

    fn publish_canvass_position(&mut self) {
        let this_id = self.this_member_id();
        for index in 0..self.members.len() {
            let to = self.members[index].id;
            if to != this_id {
                let message = CanvassPosition {
                    log_leadership_term_id: self.log_leadership_term_id,
                    log_position: self.append_position,
                    leadership_term_id: self.leadership_term_id,
                    follower_member_id: this_id,
                    protocol_version: CONSENSUS_PROTOCOL_VERSION,
                };
                self.send(to, ConsensusMessage::CanvassPosition(message));
            }
        }
    }

    fn publish_new_leadership_term_on_interval(&mut self, quorum_position: i64, now_ns: i64) -> usize {
        if self.has_update_interval_expired(now_ns, self.config.leader_heartbeat_interval_ns) {
            self.time_of_last_update_ns = now_ns;
            for index in 0..self.members.len() {
                let to = self.members[index].id;
                self.publish_new_leadership_term_to(to, self.log_leadership_term_id, quorum_position, now_ns);
            }
            return 1;
        }
        0
    }

    fn publish_new_leadership_term_to(
        &mut self,
        to: i32,
        log_leadership_term_id: i64,
        quorum_position: i64,
        now_ns: i64,
    ) {
        if to == self.this_member_id() || self.log_session_id == NULL_SESSION_ID {
            return;
        }
        let next = self.term_history.find(log_leadership_term_id + 1);
        let message = NewLeadershipTerm {
            log_leadership_term_id,
            next_leadership_term_id: next.map_or(self.leadership_term_id, |e| e.leadership_term_id),
            next_term_base_log_position: next.map_or(self.append_position, |e| e.term_base_log_position),
            next_log_position: next.map_or(NULL_POSITION, |e| {
                if e.log_position != NULL_POSITION { e.log_position } else { self.append_position }
            }),
            leadership_term_id: self.leadership_term_id,
            term_base_log_position: self.append_position,
            log_position: self.append_position,
            leader_recording_id: self.log_recording_id,
            timestamp: now_ns / 1_000_000,
            leader_member_id: self.this_member_id(),
            log_session_id: self.log_session_id,
            app_version: self.config.app_version,
            is_startup: if self.is_leader_startup { BooleanType::True } else { BooleanType::False },
            commit_position: quorum_position,
        };
        self.send(to, ConsensusMessage::NewLeadershipTerm(message));
    }

    fn publish_commit_position_on_interval(&mut self, quorum_position: i64, now_ns: i64) -> usize {
        if self.last_published_commit_position < quorum_position
            || (self.last_published_commit_position == quorum_position
                && now_ns - self.time_of_last_commit_position_update_ns
                    >= self.config.leader_heartbeat_interval_ns)
        {
            self.time_of_last_commit_position_update_ns = now_ns;
            self.last_published_commit_position = quorum_position;
            self.publish_commit_position(quorum_position);
            return 1;
        }
        0
    }

    fn publish_commit_position(&mut self, position: i64) {
        let this_id = self.this_member_id();
        for index in 0..self.members.len() {
            let to = self.members[index].id;
            if to != this_id {
                let message = CommitPosition {
                    leadership_term_id: self.leadership_term_id,
                    log_position: position,
                    leader_member_id: this_id,
                };
                self.send(to, ConsensusMessage::CommitPosition(message));
            }
        }
    }

    /// Aeron `ConsensusModuleAgent.updateLeaderPosition` as used in LEADER_READY.
    fn update_leader_position(&mut self, now_ns: i64, quorum_position: i64) -> usize {
        let this = &mut self.members[self.this_index];
        this.log_position = self.append_position;
        this.time_of_last_append_position_ns = now_ns;
        if quorum_position > self.commit_position
            || now_ns >= self.time_of_last_log_update_ns + self.config.leader_heartbeat_interval_ns
        {
            if quorum_position > self.commit_position {
                self.commit_position = quorum_position;
                self.commands.push(ElectionCommand::UpdateCommitPosition { position: quorum_position });
            }
            self.publish_commit_position(self.commit_position);
            self.time_of_last_log_update_ns = now_ns;
            return 1;
        }
        0
    }

    fn publish_follower_replication_position(&mut self, now_ns: i64) -> usize {
        let position = self.replication_position;
        if (position > self.append_position
            || (position == self.append_position
                && self.has_update_interval_expired(now_ns, self.config.leader_heartbeat_interval_ns)))
            && let Some(leader_id) = self.leader_member_id
        {
            let message = AppendPosition {
                leadership_term_id: self.leadership_term_id,
                log_position: position,
                follower_member_id: self.this_member_id(),
                flags: APPEND_POSITION_FLAG_NONE,
            };
            self.send(leader_id, ConsensusMessage::AppendPosition(message));
            self.append_position = position;
            self.time_of_last_update_ns = now_ns;
            return 1;
        }
        0
    }

    fn publish_follower_append_position(&mut self, now_ns: i64) -> usize {
        if (self.last_published_append_position != self.append_position
            || self.has_update_interval_expired(now_ns, self.config.leader_heartbeat_interval_ns))
            && let Some(leader_id) = self.leader_member_id
        {
            let message = AppendPosition {
                leadership_term_id: self.leadership_term_id,
                log_position: self.append_position,
                follower_member_id: self.this_member_id(),
                flags: APPEND_POSITION_FLAG_NONE,
            };
            self.send(leader_id, ConsensusMessage::AppendPosition(message));
            self.last_published_append_position = self.append_position;
            self.time_of_last_update_ns = now_ns;
            return 1;
        }
        0
    }

    fn stop_replay(&mut self) {
        if self.replay != Progress::Idle {
            self.commands.push(ElectionCommand::StopLogReplay);
            self.replay = Progress::Idle;
        }
        self.last_published_append_position = 0;
    }

    fn stop_log_replication(&mut self) {
        if self.replication != Progress::Idle {
            self.commands.push(ElectionCommand::StopLogReplication);
            self.replication = Progress::Idle;
        }
        self.replication_deadline_ns = 0;
        self.last_published_commit_position = 0;
    }

    /// Aeron `updateRecordingLog` / `updateRecordingLogForReplication`: keep the TERM entries coherent and
    /// adopt `leadership_term_id` as the log's term.
    fn update_recording_log(
        &mut self,
        leadership_term_id: i64,
        term_base_log_position: i64,
        log_position: i64,
        now_ns: i64,
    ) {
        let base = if term_base_log_position == NULL_VALUE {
            self.initial_term_base_log_position
        } else {
            term_base_log_position
        };
        if self
            .term_history
            .ensure_coherent(
                self.initial_log_leadership_term_id,
                self.initial_term_base_log_position,
                leadership_term_id,
                term_base_log_position,
                log_position,
            )
            .is_err()
        {
            self.handle_error(now_ns, "prior term was not committed");
            return;
        }
        self.commands.push(ElectionCommand::EnsureRecordingLogCoherent {
            leadership_term_id,
            term_base_log_position: base,
            log_position,
        });
        self.log_leadership_term_id = leadership_term_id;
    }
}

#[cfg(test)]
#[path = "election_tests.rs"]
mod tests;
