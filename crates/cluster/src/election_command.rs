//! [`ElectionCommand`]: what the [`Election`](crate::Election) asks the consensus module to do, plus
//! [`ConsensusMessage`] (the member ⇄ member messages it sends) and the node [`Role`].
//!
//! Invariants: commands are emitted in the order they must be executed. In particular
//! [`ElectionCommand::PersistCandidateTermId`] always precedes the YES vote (or the RequestVotes) that
//! depends on it, and a command that expects an answer names the `Election::on_*` input that delivers it.

use crate::election_state::ElectionState;
use protocol::cluster::{
    AppendPosition, CanvassPosition, CommitPosition, NewLeadershipTerm, RequestVote, StopCatchup, Vote,
};

pub use protocol::cluster::Role;

/// A consensus message (stream 108) to encode with the `protocol::cluster` codecs and offer to a peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsensusMessage {
    /// CanvassPosition (50).
    CanvassPosition(CanvassPosition),
    /// RequestVote (51).
    RequestVote(RequestVote),
    /// Vote (52).
    Vote(Vote),
    /// NewLeadershipTerm (53).
    NewLeadershipTerm(NewLeadershipTerm),
    /// AppendPosition (54).
    AppendPosition(AppendPosition),
    /// CommitPosition (55).
    CommitPosition(CommitPosition),
    /// CatchupPosition (56), owning its endpoint (the codec borrows).
    CatchupPosition {
        /// Leadership term the follower is in.
        leadership_term_id: i64,
        /// Position the follower needs replayed from.
        log_position: i64,
        /// Follower member id.
        follower_member_id: i32,
        /// Where the leader's archive should replay to.
        catchup_endpoint: String,
    },
    /// StopCatchup (57).
    StopCatchup(StopCatchup),
}

/// One action for the consensus module, drained with [`Election::take_commands`](crate::Election::take_commands).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ElectionCommand {
    /// The election changed state: publish `to.code()` to the election state counter and trace.
    StateChange {
        /// Previous state.
        from: ElectionState,
        /// New state.
        to: ElectionState,
        /// Why (Aeron's reason string, empty when Aeron gives none).
        reason: &'static str,
    },
    /// Set the node role (and its counter).
    RoleChange(Role),
    /// Offer `message` to member `to_member_id` on its consensus publication (best effort: a lost
    /// message is recovered by the election's retries and timeouts).
    Send {
        /// Destination member id.
        to_member_id: i32,
        /// The message.
        message: ConsensusMessage,
    },
    /// Durably store the candidate term id in node-state.dat *before* executing later commands.
    PersistCandidateTermId {
        /// New maximum candidate term id.
        candidate_term_id: i64,
        /// Log position recorded with it.
        log_position: i64,
    },
    /// Aeron `prepareForNewLeadership(log_position)` (§3.14): stop replication/catch-up/replay, close the
    /// log subscription and publication, stop the recording, roll back uncommitted state. Answer with
    /// [`Election::on_new_leadership_prepared`](crate::Election::on_new_leadership_prepared).
    PrepareForNewLeadership {
        /// The committed position to roll back to.
        log_position: i64,
    },
    /// Stop the log replication started by `StartLogReplication`, if any.
    StopLogReplication,
    /// Stop every follower catch-up replay (leader) and the catch-up state (follower).
    StopAllCatchups,
    /// Stop the local log replay started by `StartLogReplay`, if any.
    StopLogReplay,
    /// Close the follower log subscription (and its destinations).
    CloseLogSubscription,
    /// Leader: create the log publication for `leadership_term_id` starting at `append_position`, and add
    /// every follower's log endpoint as a destination (MDC). Answer with
    /// [`Election::on_log_publication_ready`](crate::Election::on_log_publication_ready).
    CreateLogPublication {
        /// The new term.
        leadership_term_id: i64,
        /// Initial position of the publication.
        append_position: i64,
    },
    /// Replay the local log `[from_position, to_position)` through the consensus module and services.
    /// Answer with [`Election::on_replay_complete`](crate::Election::on_replay_complete).
    StartLogReplay {
        /// First position to replay.
        from_position: i64,
        /// Position to stop at.
        to_position: i64,
    },
    /// Leader: start (or extend) the recording of the log publication and join the services to it.
    /// Answer with [`Election::on_leader_log_joined`](crate::Election::on_leader_log_joined).
    JoinLogAsLeader {
        /// The new term.
        leadership_term_id: i64,
        /// Position the log starts at.
        log_position: i64,
        /// Session id of the log publication.
        log_session_id: i32,
        /// Whether this is a cluster start-up.
        is_startup: bool,
    },
    /// Make the recording log hold a TERM entry for `leadership_term_id` (Aeron `ensureCoherent`).
    EnsureRecordingLogCoherent {
        /// Term of the entry.
        leadership_term_id: i64,
        /// Base position of the term.
        term_base_log_position: i64,
        /// End position of the term, or [`NULL_POSITION`](crate::NULL_POSITION) while open.
        log_position: i64,
    },
    /// Truncate the local log recording (and recording log) of `log_leadership_term_id` to `position`;
    /// the election restarts at INIT afterwards.
    TruncateLog {
        /// Term of the truncated tail.
        log_leadership_term_id: i64,
        /// New end of the log.
        position: i64,
    },
    /// Follower: replicate the leader's log recording into the local one up to `stop_position`. Report
    /// with [`Election::on_log_replication_progress`](crate::Election::on_log_replication_progress).
    StartLogReplication {
        /// Leader member id.
        leader_member_id: i32,
        /// Leader's archive endpoint.
        leader_archive_endpoint: String,
        /// Leader's log recording id.
        leader_recording_id: i64,
        /// Where to stop.
        stop_position: i64,
    },
    /// Follower: create the log subscription (MDC manual, `session-id=log_session_id`).
    AddFollowerSubscription {
        /// Session id of the leader's log publication.
        log_session_id: i32,
    },
    /// Follower: add the catch-up destination (this member's catch-up endpoint) to the log subscription.
    AddCatchupLogDestination {
        /// This member's catch-up endpoint.
        catchup_endpoint: String,
    },
    /// Follower: remove the catch-up destination (after the leader's StopCatchup).
    RemoveCatchupLogDestination,
    /// Follower: add the live log destination (this member's log endpoint).
    AddLiveLogDestination {
        /// This member's log endpoint.
        log_endpoint: String,
    },
    /// Leader: start an archive replay of the log from `from_position` to a follower's catch-up endpoint.
    StartFollowerCatchupReplay {
        /// Follower member id.
        follower_member_id: i32,
        /// First position to replay.
        from_position: i64,
        /// Follower's catch-up endpoint.
        catchup_endpoint: String,
    },
    /// Leader: stop the catch-up replay for a follower that reached the live log.
    StopFollowerCatchupReplay {
        /// Follower member id.
        follower_member_id: i32,
    },
    /// Leader: raise the commit-position counter to `position` (monotonic).
    UpdateCommitPosition {
        /// New commit position.
        position: i64,
    },
    /// Leader: append a NewLeadershipTermEvent to the new log (Aeron retries until it fits).
    AppendNewLeadershipTermEvent {
        /// The new term.
        leadership_term_id: i64,
        /// Position the term's log starts at.
        log_position: i64,
    },
    /// The election is over: apply the result (Aeron `electionComplete`), then drop the election.
    ElectionComplete {
        /// This node's role.
        role: Role,
        /// The leader's member id.
        leader_member_id: i32,
        /// The new leadership term id.
        leadership_term_id: i64,
        /// Log position the new term starts at.
        log_position: i64,
        /// Session id of the term's log publication.
        log_session_id: i32,
        /// Whether the leader is starting up a cluster.
        is_leader_startup: bool,
    },
}
