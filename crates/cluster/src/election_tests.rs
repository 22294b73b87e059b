//! Command-list tests per transition (openraft style): given inputs, assert the exact commands.

use super::*;
use crate::election_state::ElectionState as S;

const MS: i64 = 1_000_000;
const T0: i64 = 1_000_000 * MS;

fn members(n: i32) -> Vec<ClusterMember> {
    (0..n)
        .map(|id| {
            ClusterMember::new(
                id,
                &format!("h{id}:1"),
                &format!("h{id}:2"),
                &format!("h{id}:3"),
                &format!("h{id}:4"),
                &format!("h{id}:5"),
            )
        })
        .collect()
}

fn init(n: i32, id: i32, term: i64, append: i64, startup: bool) -> ElectionInit {
    ElectionInit {
        is_node_startup: startup,
        graceful_closed_leader_id: -1,
        leadership_term_id: term,
        term_base_log_position: 0,
        log_position: append,
        append_position: append,
        persisted_candidate_term_id: term,
        members: members(n),
        this_member_id: id,
        log_recording_id: 7,
        term_history: TermHistory::default(),
        time_of_last_leader_update_ns: T0,
    }
}

fn election(n: i32, id: i32, term: i64, append: i64) -> Election {
    Election::new(init(n, id, term, append, true), ElectionConfig::default(), Prng::from_seed(1), T0)
}

fn sc(from: S, to: S, reason: &'static str) -> ElectionCommand {
    ElectionCommand::StateChange { from, to, reason }
}

fn canvass(to: i32, from: i32, log_term: i64, position: i64, term: i64) -> ElectionCommand {
    ElectionCommand::Send {
        to_member_id: to,
        message: ConsensusMessage::CanvassPosition(CanvassPosition {
            log_leadership_term_id: log_term,
            log_position: position,
            leadership_term_id: term,
            follower_member_id: from,
            protocol_version: CONSENSUS_PROTOCOL_VERSION,
        }),
    }
}

fn canvass_msg(from: i32, log_term: i64, position: i64) -> CanvassPosition {
    CanvassPosition {
        log_leadership_term_id: log_term,
        log_position: position,
        leadership_term_id: log_term,
        follower_member_id: from,
        protocol_version: CONSENSUS_PROTOCOL_VERSION,
    }
}

fn request_vote(from: i32, log_term: i64, position: i64, candidate_term: i64) -> RequestVote {
    RequestVote {
        log_leadership_term_id: log_term,
        log_position: position,
        candidate_term_id: candidate_term,
        candidate_member_id: from,
        protocol_version: CONSENSUS_PROTOCOL_VERSION,
    }
}

fn vote(to: i32, from: i32, candidate_term: i64, log_term: i64, position: i64, yes: bool) -> Vote {
    Vote {
        candidate_term_id: candidate_term,
        log_leadership_term_id: log_term,
        log_position: position,
        candidate_member_id: to,
        follower_member_id: from,
        vote: if yes { BooleanType::True } else { BooleanType::False },
    }
}

fn send_vote(v: Vote) -> ElectionCommand {
    ElectionCommand::Send { to_member_id: v.candidate_member_id, message: ConsensusMessage::Vote(v) }
}

#[test]
fn single_node_cluster_elects_itself() {
    let mut e = election(1, 0, 0, 0);
    assert_eq!(e.do_work(T0), 1);
    assert_eq!(
        e.take_commands(),
        vec![
            ElectionCommand::PersistCandidateTermId { candidate_term_id: 1, log_position: 0 },
            sc(S::Init, S::LeaderLogReplication, "single-node cluster leader"),
            ElectionCommand::RoleChange(Role::Leader),
            ElectionCommand::CreateLogPublication { leadership_term_id: 1, append_position: 0 },
        ]
    );
    e.on_log_publication_ready(42, 7);
    e.do_work(T0 + MS);
    assert_eq!(e.take_commands(), vec![sc(S::LeaderLogReplication, S::LeaderReplay, "")]);
    e.do_work(T0 + 2 * MS);
    assert_eq!(e.take_commands(), vec![sc(S::LeaderReplay, S::LeaderInit, "")]);
    e.do_work(T0 + 3 * MS);
    assert_eq!(
        e.take_commands(),
        vec![ElectionCommand::JoinLogAsLeader {
            leadership_term_id: 1,
            log_position: 0,
            log_session_id: 42,
            is_startup: true
        }]
    );
    assert_eq!(e.do_work(T0 + 4 * MS), 0, "waits for the join");
    e.on_leader_log_joined();
    e.do_work(T0 + 5 * MS);
    assert_eq!(
        e.take_commands(),
        vec![
            ElectionCommand::EnsureRecordingLogCoherent {
                leadership_term_id: 1,
                term_base_log_position: 0,
                log_position: -1
            },
            sc(S::LeaderInit, S::LeaderReady, ""),
        ]
    );
    e.do_work(T0 + 6 * MS);
    assert_eq!(
        e.take_commands(),
        vec![
            ElectionCommand::AppendNewLeadershipTermEvent { leadership_term_id: 1, log_position: 0 },
            ElectionCommand::ElectionComplete {
                role: Role::Leader,
                leader_member_id: 0,
                leadership_term_id: 1,
                log_position: 0,
                log_session_id: 42,
                is_leader_startup: true,
            },
            sc(S::LeaderReady, S::Closed, ""),
        ]
    );
    assert_eq!(e.state(), S::Closed);
}

#[test]
fn three_nodes_canvass_nominate_ballot_leader() {
    let mut e = election(3, 0, 0, 100);
    e.do_work(T0);
    assert_eq!(e.take_commands(), vec![sc(S::Init, S::Canvass, "")]);
    e.do_work(T0 + MS);
    assert_eq!(e.take_commands(), vec![canvass(1, 0, 0, 100, 0), canvass(2, 0, 0, 100, 0)]);
    assert_eq!(e.do_work(T0 + 2 * MS), 0, "status interval not expired");
    e.on_canvass_position(T0 + 3 * MS, &canvass_msg(1, 0, 100));
    e.on_canvass_position(T0 + 3 * MS, &canvass_msg(2, 0, 50));
    e.do_work(T0 + 4 * MS);
    assert_eq!(e.take_commands(), vec![sc(S::Canvass, S::Nominate, "")], "unanimous candidate");
    e.do_work(T0 + 600 * MS); // past any nomination delay (< 500 ms)
    assert_eq!(
        e.take_commands(),
        vec![
            ElectionCommand::PersistCandidateTermId { candidate_term_id: 1, log_position: 100 },
            sc(S::Nominate, S::CandidateBallot, ""),
            ElectionCommand::RoleChange(Role::Candidate),
        ]
    );
    e.do_work(T0 + 601 * MS);
    let rv = |to| ElectionCommand::Send {
        to_member_id: to,
        message: ConsensusMessage::RequestVote(request_vote(0, 0, 100, 1)),
    };
    assert_eq!(e.take_commands(), vec![rv(1), rv(2)]);
    e.on_vote(T0 + 602 * MS, &vote(0, 1, 1, 0, 100, true));
    assert_eq!(e.do_work(T0 + 603 * MS), 0, "one of two votes: neither unanimous nor timed out");
    e.on_vote(T0 + 604 * MS, &vote(0, 2, 1, 0, 50, true));
    e.do_work(T0 + 605 * MS);
    assert_eq!(
        e.take_commands(),
        vec![
            sc(S::CandidateBallot, S::LeaderLogReplication, "unanimous leader"),
            ElectionCommand::RoleChange(Role::Leader),
            ElectionCommand::CreateLogPublication { leadership_term_id: 1, append_position: 100 },
        ]
    );
    assert_eq!((e.leader_member_id(), e.leadership_term_id()), (Some(0), 1));
}

#[test]
fn quorum_leader_after_election_timeout_and_any_no_defeats() {
    for (third_vote, expected) in [(None, S::LeaderLogReplication), (Some(false), S::Canvass)] {
        let mut e = election(3, 0, 0, 100);
        e.do_work(T0);
        e.on_canvass_position(T0, &canvass_msg(1, 0, 100));
        e.on_canvass_position(T0, &canvass_msg(2, 0, 100));
        e.do_work(T0 + MS);
        e.do_work(T0 + 600 * MS);
        e.do_work(T0 + 601 * MS);
        e.on_vote(T0 + 602 * MS, &vote(0, 1, 1, 0, 100, true));
        if let Some(v) = third_vote {
            e.on_vote(T0 + 602 * MS, &vote(0, 2, 1, 0, 100, v));
        }
        e.take_commands();
        e.do_work(T0 + 1599 * MS);
        assert_eq!(e.state(), S::CandidateBallot);
        e.do_work(T0 + 1600 * MS);
        assert_eq!(e.state(), expected);
        let reason = if expected == S::Canvass { "" } else { "quorum leader" };
        assert_eq!(e.take_commands()[0], sc(S::CandidateBallot, expected, reason));
    }
}

#[test]
fn follower_votes_once_per_term() {
    let mut e = election(3, 1, 0, 100);
    e.do_work(T0);
    e.take_commands();
    e.on_request_vote(T0 + MS, &request_vote(0, 0, 100, 1));
    assert_eq!(
        e.take_commands(),
        vec![
            ElectionCommand::PersistCandidateTermId { candidate_term_id: 1, log_position: 100 },
            send_vote(vote(0, 1, 1, 0, 100, true)),
            sc(S::Canvass, S::FollowerBallot, ""),
        ]
    );
    // A second candidate for the same term gets NO, with nothing persisted.
    e.on_request_vote(T0 + 2 * MS, &request_vote(2, 0, 100, 1));
    assert_eq!(e.take_commands(), vec![send_vote(vote(2, 1, 1, 0, 100, false))]);
    // The same candidate repeating its request also gets NO (no second YES in a term).
    e.on_request_vote(T0 + 3 * MS, &request_vote(0, 0, 100, 1));
    assert_eq!(e.take_commands(), vec![send_vote(vote(0, 1, 1, 0, 100, false))]);
    // A request from itself is ignored.
    e.on_request_vote(T0 + 4 * MS, &request_vote(1, 0, 100, 9));
    assert_eq!(e.take_commands(), vec![]);
}

#[test]
fn candidate_with_stale_log_loses() {
    // Voter has (term 2, 100); candidate has (term 1, 500).
    let mut voter = election(3, 1, 2, 100);
    voter.do_work(T0);
    voter.take_commands();
    voter.on_request_vote(T0 + MS, &request_vote(0, 1, 500, 3));
    assert_eq!(
        voter.take_commands(),
        vec![
            ElectionCommand::PersistCandidateTermId { candidate_term_id: 3, log_position: 500 },
            send_vote(vote(0, 1, 3, 2, 100, false)),
        ]
    );
    assert_eq!(voter.state(), S::Canvass);
    // The candidate, receiving that NO plus a YES, returns to CANVASS after the election timeout.
    let mut candidate = election(3, 0, 1, 500);
    candidate.do_work(T0);
    candidate.on_canvass_position(T0, &canvass_msg(1, 1, 100));
    candidate.on_canvass_position(T0, &canvass_msg(2, 1, 100));
    candidate.do_work(T0 + MS);
    candidate.do_work(T0 + 600 * MS);
    assert_eq!(candidate.state(), S::CandidateBallot);
    candidate.on_vote(T0 + 601 * MS, &vote(0, 1, candidate.candidate_term_id(), 2, 100, false));
    candidate.on_vote(T0 + 601 * MS, &vote(0, 2, candidate.candidate_term_id(), 1, 100, true));
    candidate.do_work(T0 + 1700 * MS);
    assert_eq!(candidate.state(), S::Canvass);
}

#[test]
fn stale_node_does_not_nominate_when_a_peer_is_ahead() {
    let mut e = election(3, 0, 1, 100);
    e.do_work(T0);
    e.on_canvass_position(T0, &canvass_msg(1, 2, 10));
    e.on_canvass_position(T0, &canvass_msg(2, 2, 10));
    e.do_work(T0 + 61_000 * MS);
    assert_eq!(e.state(), S::Canvass, "not even a quorum candidate after the start-up canvass deadline");
}

#[test]
fn appointed_leader_only_nominates_the_appointed_member() {
    let config = ElectionConfig { appointed_leader_id: Some(2), ..ElectionConfig::default() };
    for (id, expected) in [(0, S::Canvass), (2, S::Nominate)] {
        let mut e = Election::new(init(3, id, 0, 0, true), config.clone(), Prng::from_seed(3), T0);
        e.do_work(T0);
        for peer in (0..3).filter(|p| *p != id) {
            e.on_canvass_position(T0, &canvass_msg(peer, 0, 0));
        }
        e.do_work(T0 + 120_000 * MS);
        assert_eq!(e.state(), expected, "member {id}");
    }
}

#[test]
fn quorum_candidate_nominates_after_canvass_deadline() {
    // Member 2 never answers; member 0 is unanimous among reporters but not over all members.
    let mut e = Election::new(init(3, 0, 0, 100, false), ElectionConfig::default(), Prng::from_seed(5), T0);
    e.do_work(T0);
    assert_eq!(e.take_commands(), vec![ElectionCommand::PrepareForNewLeadership { log_position: 100 }]);
    assert_eq!(e.do_work(T0), 0, "waits for the consensus module");
    e.on_new_leadership_prepared(100);
    e.do_work(T0 + MS);
    e.on_canvass_position(T0 + MS, &canvass_msg(1, 0, 50));
    e.do_work(T0 + 2 * MS);
    assert_eq!(e.state(), S::Canvass);
    // Non-start-up deadline: last leader update (T0) + leader heartbeat timeout (10 s).
    e.do_work(T0 + 9_999 * MS);
    assert_eq!(e.state(), S::Canvass);
    e.do_work(T0 + 10_000 * MS);
    assert_eq!(e.state(), S::Nominate);
}

#[test]
fn follower_ballot_times_out_back_to_canvass() {
    let mut e = election(3, 1, 0, 0);
    e.do_work(T0);
    e.on_request_vote(T0, &request_vote(0, 0, 0, 1));
    assert_eq!(e.state(), S::FollowerBallot);
    e.take_commands();
    e.do_work(T0 + 999 * MS);
    assert_eq!(e.take_commands(), vec![]);
    e.do_work(T0 + 1000 * MS);
    assert_eq!(
        e.take_commands(),
        vec![sc(S::FollowerBallot, S::Canvass, ""), ElectionCommand::RoleChange(Role::Follower)][..1]
            .to_vec()
    );
    assert_eq!(e.state(), S::Canvass);
}

#[test]
fn follower_accepts_new_leadership_term_and_completes() {
    let mut e = election(3, 1, 0, 100);
    e.do_work(T0);
    e.on_request_vote(T0, &request_vote(0, 0, 100, 1));
    e.take_commands();
    let nlt = NewLeadershipTerm {
        log_leadership_term_id: 0,
        next_leadership_term_id: 1,
        next_term_base_log_position: 100,
        next_log_position: -1,
        leadership_term_id: 1,
        term_base_log_position: 100,
        log_position: 100,
        leader_recording_id: 3,
        timestamp: 0,
        leader_member_id: 0,
        log_session_id: 77,
        app_version: 1,
        is_startup: BooleanType::True,
        commit_position: 100,
    };
    e.on_new_leadership_term(T0 + MS, &nlt);
    assert_eq!(e.take_commands(), vec![sc(S::FollowerBallot, S::FollowerReplay, "")]);
    e.do_work(T0 + 2 * MS);
    assert_eq!(e.take_commands(), vec![sc(S::FollowerReplay, S::FollowerLogInit, "nothing to replay")]);
    e.do_work(T0 + 3 * MS);
    assert_eq!(
        e.take_commands(),
        vec![
            ElectionCommand::AddFollowerSubscription { log_session_id: 77 },
            ElectionCommand::AddLiveLogDestination { log_endpoint: "h1:3".into() },
            sc(S::FollowerLogInit, S::FollowerLogAwait, ""),
        ]
    );
    e.on_follower_log_joined(100);
    e.do_work(T0 + 4 * MS);
    assert_eq!(
        e.take_commands(),
        vec![
            ElectionCommand::EnsureRecordingLogCoherent {
                leadership_term_id: 1,
                term_base_log_position: 100,
                log_position: -1
            },
            sc(S::FollowerLogAwait, S::FollowerReady, ""),
        ]
    );
    e.do_work(T0 + 5 * MS);
    let append = AppendPosition { leadership_term_id: 1, log_position: 100, follower_member_id: 1, flags: 0 };
    assert_eq!(
        e.take_commands(),
        vec![
            ElectionCommand::Send { to_member_id: 0, message: ConsensusMessage::AppendPosition(append) },
            ElectionCommand::ElectionComplete {
                role: Role::Follower,
                leader_member_id: 0,
                leadership_term_id: 1,
                log_position: 100,
                log_session_id: 77,
                is_leader_startup: true,
            },
            sc(S::FollowerReady, S::Closed, ""),
        ]
    );
}

#[test]
fn follower_with_longer_uncommitted_tail_truncates_and_restarts() {
    let mut e = election(3, 1, 0, 300);
    e.do_work(T0);
    e.take_commands();
    let nlt = NewLeadershipTerm {
        log_leadership_term_id: 0,
        next_leadership_term_id: 1,
        next_term_base_log_position: 200,
        next_log_position: -1,
        leadership_term_id: 1,
        term_base_log_position: 200,
        log_position: 200,
        leader_recording_id: 3,
        timestamp: 0,
        leader_member_id: 0,
        log_session_id: 77,
        app_version: 1,
        is_startup: BooleanType::False,
        commit_position: 200,
    };
    e.on_new_leadership_term(T0 + MS, &nlt);
    assert_eq!(
        e.take_commands(),
        vec![
            ElectionCommand::TruncateLog { log_leadership_term_id: 0, position: 200 },
            sc(S::Canvass, S::Init, "truncating cluster log"),
        ]
    );
    assert_eq!(e.append_position(), 200);
}

#[test]
fn leader_steps_down_on_higher_term_canvass() {
    let mut e = election(1, 0, 0, 0);
    e.do_work(T0);
    assert_eq!(e.state(), S::LeaderLogReplication);
    e.take_commands();
    // A single-node leader receiving a canvass from an unknown member ignores it.
    e.on_canvass_position(T0, &canvass_msg(5, 9, 0));
    assert_eq!(e.take_commands(), vec![]);
    let mut e = election(3, 0, 0, 0);
    e.do_work(T0);
    e.on_canvass_position(T0, &canvass_msg(1, 0, 0));
    e.on_canvass_position(T0, &canvass_msg(2, 0, 0));
    e.do_work(T0 + MS);
    e.do_work(T0 + 600 * MS);
    e.do_work(T0 + 601 * MS);
    e.on_vote(T0, &vote(0, 1, 1, 0, 0, true));
    e.on_vote(T0, &vote(0, 2, 1, 0, 0, true));
    e.do_work(T0 + 602 * MS);
    assert_eq!(e.state(), S::LeaderLogReplication);
    e.take_commands();
    e.on_canvass_position(T0 + 603 * MS, &canvass_msg(1, 5, 0));
    assert_eq!(
        e.take_commands(),
        vec![sc(S::LeaderLogReplication, S::Init, "potential new election in progress")]
    );
}
