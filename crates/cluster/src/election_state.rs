//! [`ElectionState`]: the states of Aeron's election (`ElectionState.java`), with their numeric codes as
//! published in the "Cluster election state" counter (type 207).
//!
//! Invariants: `code()` equals the Java ordinal; `from_code(s.code()) == Some(s)` for every state and
//! `None` for any other code.

/// One state of the leader election. Codes are Aeron's ordinals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ElectionState {
    /// Start (or restart after an error) of an election: prepare for new leadership, then canvass (or,
    /// in a single-member cluster, become leader at once).
    Init,
    /// Exchange (log term, append position) with every member until this node is a unanimous
    /// candidate, or a quorum candidate after the canvass deadline.
    Canvass,
    /// Nominated: wait a random delay in `[0, election timeout / 2)` while still canvassing.
    Nominate,
    /// Candidate: the candidate term is persisted; request votes and count them.
    CandidateBallot,
    /// Voted YES for a candidate: wait for its NewLeadershipTerm or the election timeout.
    FollowerBallot,
    /// New leader: wait until a quorum holds the leader's whole log (publishing NewLeadershipTerm).
    LeaderLogReplication,
    /// Leader replays its local log up to its append position.
    LeaderReplay,
    /// Leader joins its new log publication (recording, services).
    LeaderInit,
    /// Leader waits for a quorum to append at the new term, then appends NewLeadershipTermEvent.
    LeaderReady,
    /// Follower replicates missing whole terms from the leader's archive.
    FollowerLogReplication,
    /// Follower replays its committed local log.
    FollowerReplay,
    /// Follower creates its log subscription with a catch-up destination and asks the leader for catch-up.
    FollowerCatchupInit,
    /// Follower waits for the catch-up image to join.
    FollowerCatchupAwait,
    /// Follower consumes the catch-up replay until it reaches the live log.
    FollowerCatchup,
    /// Follower creates its live log subscription (if not already done by catch-up).
    FollowerLogInit,
    /// Follower waits for the live log image to join.
    FollowerLogAwait,
    /// Follower tells the leader its append position, then the election completes.
    FollowerReady,
    /// The election is over.
    Closed,
}

impl ElectionState {
    /// Every state in code order.
    pub const ALL: [ElectionState; 18] = [
        ElectionState::Init,
        ElectionState::Canvass,
        ElectionState::Nominate,
        ElectionState::CandidateBallot,
        ElectionState::FollowerBallot,
        ElectionState::LeaderLogReplication,
        ElectionState::LeaderReplay,
        ElectionState::LeaderInit,
        ElectionState::LeaderReady,
        ElectionState::FollowerLogReplication,
        ElectionState::FollowerReplay,
        ElectionState::FollowerCatchupInit,
        ElectionState::FollowerCatchupAwait,
        ElectionState::FollowerCatchup,
        ElectionState::FollowerLogInit,
        ElectionState::FollowerLogAwait,
        ElectionState::FollowerReady,
        ElectionState::Closed,
    ];

    /// Aeron's numeric code (the Java ordinal), as written to the election state counter.
    pub const fn code(self) -> i32 {
        self as i32
    }

    /// The state with this code, if any.
    pub fn from_code(code: i32) -> Option<ElectionState> {
        usize::try_from(code).ok().and_then(|index| Self::ALL.get(index).copied())
    }

    /// Aeron's name of the state (`CANDIDATE_BALLOT`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            ElectionState::Init => "INIT",
            ElectionState::Canvass => "CANVASS",
            ElectionState::Nominate => "NOMINATE",
            ElectionState::CandidateBallot => "CANDIDATE_BALLOT",
            ElectionState::FollowerBallot => "FOLLOWER_BALLOT",
            ElectionState::LeaderLogReplication => "LEADER_LOG_REPLICATION",
            ElectionState::LeaderReplay => "LEADER_REPLAY",
            ElectionState::LeaderInit => "LEADER_INIT",
            ElectionState::LeaderReady => "LEADER_READY",
            ElectionState::FollowerLogReplication => "FOLLOWER_LOG_REPLICATION",
            ElectionState::FollowerReplay => "FOLLOWER_REPLAY",
            ElectionState::FollowerCatchupInit => "FOLLOWER_CATCHUP_INIT",
            ElectionState::FollowerCatchupAwait => "FOLLOWER_CATCHUP_AWAIT",
            ElectionState::FollowerCatchup => "FOLLOWER_CATCHUP",
            ElectionState::FollowerLogInit => "FOLLOWER_LOG_INIT",
            ElectionState::FollowerLogAwait => "FOLLOWER_LOG_AWAIT",
            ElectionState::FollowerReady => "FOLLOWER_READY",
            ElectionState::Closed => "CLOSED",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_aeron_ordinals() {
        assert_eq!(ElectionState::Init.code(), 0);
        assert_eq!(ElectionState::Canvass.code(), 1);
        assert_eq!(ElectionState::Nominate.code(), 2);
        assert_eq!(ElectionState::CandidateBallot.code(), 3);
        assert_eq!(ElectionState::FollowerBallot.code(), 4);
        assert_eq!(ElectionState::LeaderLogReplication.code(), 5);
        assert_eq!(ElectionState::LeaderReplay.code(), 6);
        assert_eq!(ElectionState::LeaderInit.code(), 7);
        assert_eq!(ElectionState::LeaderReady.code(), 8);
        assert_eq!(ElectionState::FollowerLogReplication.code(), 9);
        assert_eq!(ElectionState::FollowerReplay.code(), 10);
        assert_eq!(ElectionState::FollowerCatchupInit.code(), 11);
        assert_eq!(ElectionState::FollowerCatchupAwait.code(), 12);
        assert_eq!(ElectionState::FollowerCatchup.code(), 13);
        assert_eq!(ElectionState::FollowerLogInit.code(), 14);
        assert_eq!(ElectionState::FollowerLogAwait.code(), 15);
        assert_eq!(ElectionState::FollowerReady.code(), 16);
        assert_eq!(ElectionState::Closed.code(), 17);
        for (index, state) in ElectionState::ALL.iter().enumerate() {
            assert_eq!(state.code(), index as i32);
            assert_eq!(ElectionState::from_code(state.code()), Some(*state));
        }
        assert_eq!(ElectionState::from_code(18), None);
        assert_eq!(ElectionState::from_code(-1), None);
        assert_eq!(ElectionState::FollowerCatchupAwait.name(), "FOLLOWER_CATCHUP_AWAIT");
    }
}
