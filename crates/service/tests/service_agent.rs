//! The service agent against a fake consensus module over an in-process driver (IPC), single-threaded on
//! a ManualClock: start-up ack, JoinLog, commit-bounded log delivery of every event kind, acks, egress
//! (leader real, follower mocked), service → CM messages, refusals in lifecycle callbacks, malformed
//! input, termination, several services per node.

#![allow(clippy::disallowed_methods)]

extern crate fulmar_service as service;

mod support;

use std::sync::{Arc, Mutex};

use agrona::{Agent, AgentTermination};
use client::OfferError;
use protocol::cluster::defaults::{EGRESS_STREAM_ID, MOCKED_OFFER};
use protocol::cluster::{
    BooleanType, ClusterMessage, ClusterTimeUnit, MembershipChangeEvent, NewLeadershipTermEvent,
    ServiceTerminationPosition, SessionCloseEvent, SessionMessage, SessionMessageHeader, SessionOpenEvent,
    TimerEvent, decode_any,
};
use service::samples::{CountingService, EchoService};
use service::{
    ClientSession, CloseReason, Cluster, ClusteredService, ClusteredServiceAgent, LeadershipTerm, Role,
    ServiceContext, ServiceError, SnapshotReader, SnapshotWriter,
};
use support::{CLUSTER_ID, FakeConsensusModule, FromService, encode};

const RESPONSE_CHANNEL: &str = "aeron:ipc?term-length=64k";

/// What the recording service saw, with the cluster's view at that moment.
#[derive(Debug, Clone, PartialEq)]
enum Seen {
    Start { refused_offer: bool, refused_timer: bool },
    Open { id: i64, timestamp: i64, position: i64, channel: String, stream_id: i32, principal: Vec<u8> },
    Close { id: i64, timestamp: i64, position: i64, reason: CloseReason, remaining_sessions: usize },
    Message { session: Option<i64>, timestamp: i64, time: i64, position: i64, payload: Vec<u8> },
    Timer { correlation_id: i64, timestamp: i64, position: i64 },
    Term(LeadershipTerm),
    Role { role: Role, refused_offer: bool },
    Terminate { refused_offer: bool },
    Egress(Result<i64, OfferError>),
    Sent { timer: bool, offer: Result<i64, OfferError> },
}

/// Records every callback; a client message starting with `cmd:` triggers actions.
struct RecordingService {
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl RecordingService {
    fn new() -> (Self, Arc<Mutex<Vec<Seen>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        (Self { seen: Arc::clone(&seen) }, seen)
    }

    fn push(&self, seen: Seen) {
        self.seen.lock().unwrap().push(seen);
    }
}

impl ClusteredService for RecordingService {
    fn on_start(&mut self, cluster: &mut Cluster<'_>, snapshot: Option<&mut SnapshotReader<'_>>) {
        assert!(snapshot.is_none());
        let refused_offer = cluster.offer(b"from on_start") == Err(OfferError::Closed);
        let refused_timer = !cluster.schedule_timer(1, 2);
        self.push(Seen::Start { refused_offer, refused_timer });
    }

    fn on_session_open(&mut self, cluster: &mut Cluster<'_>, session: &ClientSession, timestamp: i64) {
        assert_eq!(cluster.cluster_session(session.id()).map(ClientSession::id), Some(session.id()));
        assert_eq!(cluster.time(), timestamp);
        self.push(Seen::Open {
            id: session.id(),
            timestamp,
            position: cluster.log_position(),
            channel: session.response_channel().to_string(),
            stream_id: session.response_stream_id(),
            principal: session.encoded_principal().to_vec(),
        });
    }

    fn on_session_close(
        &mut self,
        cluster: &mut Cluster<'_>,
        session: &ClientSession,
        timestamp: i64,
        reason: CloseReason,
    ) {
        self.push(Seen::Close {
            id: session.id(),
            timestamp,
            position: cluster.log_position(),
            reason,
            remaining_sessions: cluster.client_sessions().count(),
        });
    }

    fn on_session_message(
        &mut self,
        cluster: &mut Cluster<'_>,
        session: Option<&ClientSession>,
        timestamp: i64,
        message: &[u8],
    ) {
        self.push(Seen::Message {
            session: session.map(ClientSession::id),
            timestamp,
            time: cluster.time(),
            position: cluster.log_position(),
            payload: message.to_vec(),
        });
        match (message, session) {
            (b"cmd:echo", Some(session)) => self.push(Seen::Egress(session.offer(b"echoed"))),
            (b"cmd:send", _) => {
                let timer = cluster.schedule_timer(77, 1_234) && cluster.cancel_timer(78);
                let offer = cluster.offer(b"to the log");
                self.push(Seen::Sent { timer, offer });
            }
            (b"cmd:close", Some(session)) => assert!(cluster.close_client_session(session.id())),
            _ => {}
        }
    }

    fn on_timer_event(&mut self, cluster: &mut Cluster<'_>, correlation_id: i64, timestamp: i64) {
        self.push(Seen::Timer { correlation_id, timestamp, position: cluster.log_position() });
    }

    fn on_take_snapshot(&mut self, _cluster: &mut Cluster<'_>, _snapshot: &mut SnapshotWriter<'_>) {
        panic!("snapshots are not wired");
    }

    fn on_role_change(&mut self, cluster: &mut Cluster<'_>, role: Role) {
        let refused_offer = cluster.offer(b"from on_role_change") == Err(OfferError::Closed)
            && cluster.client_sessions().all(|session| session.offer(b"x") == Err(OfferError::Closed));
        self.push(Seen::Role { role, refused_offer });
    }

    fn on_terminate(&mut self, cluster: &mut Cluster<'_>) {
        let refused_offer = cluster.offer(b"from on_terminate") == Err(OfferError::Closed);
        self.push(Seen::Terminate { refused_offer });
    }

    fn on_new_leadership_term(&mut self, _cluster: &mut Cluster<'_>, term: &LeadershipTerm) {
        self.push(Seen::Term(*term));
    }
}

fn agent_for(
    cm: &FakeConsensusModule,
    service_id: i32,
    service: Box<dyn ClusteredService + Send>,
) -> (ClusteredServiceAgent, Arc<Mutex<Vec<ServiceError>>>) {
    let errors = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&errors);
    let ctx = ServiceContext::new(cm.new_client(), service_id, CLUSTER_ID)
        .error_handler(Box::new(move |error| sink.lock().unwrap().push(error.clone())));
    (ClusteredServiceAgent::new(ctx, service), errors)
}

fn new_term(cm: &FakeConsensusModule, leadership_term_id: i64, timestamp: i64) -> Vec<u8> {
    let length = 8 + NewLeadershipTermEvent::BLOCK_LENGTH as usize;
    encode(ClusterMessage::NewLeadershipTermEvent(NewLeadershipTermEvent {
        leadership_term_id,
        log_position: cm.position_after(length),
        timestamp,
        term_base_log_position: 0,
        leader_member_id: 2,
        log_session_id: cm.log.session_id(),
        time_unit: ClusterTimeUnit::Millis,
        app_version: 0,
    }))
}

fn session_open(leadership_term_id: i64, cluster_session_id: i64, timestamp: i64) -> Vec<u8> {
    encode(ClusterMessage::SessionOpenEvent(SessionOpenEvent {
        leadership_term_id,
        correlation_id: 900 + cluster_session_id,
        cluster_session_id,
        timestamp,
        response_stream_id: EGRESS_STREAM_ID,
        response_channel: RESPONSE_CHANNEL,
        encoded_principal: b"principal",
    }))
}

fn session_message(
    leadership_term_id: i64,
    cluster_session_id: i64,
    timestamp: i64,
    payload: &[u8],
) -> Vec<u8> {
    encode(ClusterMessage::SessionMessage(SessionMessage {
        header: SessionMessageHeader { leadership_term_id, cluster_session_id, timestamp },
        payload,
    }))
}

fn snapshot(seen: &Arc<Mutex<Vec<Seen>>>) -> Vec<Seen> {
    seen.lock().unwrap().clone()
}

/// Start-up and join: returns the CM with the service joined at position 0.
fn start_and_join(
    cm: &mut FakeConsensusModule,
    agent: &mut ClusteredServiceAgent,
    role: Role,
    max_log_position: i64,
    is_startup: bool,
) {
    let service_id = agent.service_id();
    cm.step_until(&mut [&mut *agent], 200, |cm, _| !cm.acks_of(service_id).is_empty());
    cm.join_log(&mut [&mut *agent], 0, max_log_position, role, is_startup);
    cm.step_until(&mut [&mut *agent], 200, |cm, _| cm.acks_of(service_id).len() == 2);
}

#[test]
fn a_follower_service_sees_exactly_the_committed_log_in_order() {
    let mut cm = FakeConsensusModule::new();
    let (recording, seen) = RecordingService::new();
    let (mut agent, errors) = agent_for(&cm, 0, Box::new(recording));
    let client_id = {
        cm.step_until(&mut [&mut agent], 200, |cm, _| !cm.acks().is_empty());
        cm.acks()[0].relevant_id
    };
    assert_eq!(
        cm.acks()[0],
        protocol::cluster::ServiceAck {
            log_position: 0,
            timestamp: 0,
            ack_id: 0,
            relevant_id: client_id,
            service_id: 0
        }
    );
    assert!(client_id >= 0);
    assert_eq!(snapshot(&seen), vec![Seen::Start { refused_offer: true, refused_timer: true }]);
    assert!(
        cm.received.iter().all(|message| matches!(message, FromService::Ack(_))),
        "on_start sent nothing"
    );

    cm.join_log(&mut [&mut agent], 0, i64::MAX, Role::Follower, true);
    cm.step_until(&mut [&mut agent], 200, |cm, _| cm.acks().len() == 2);
    assert_eq!(cm.acks()[1].ack_id, 1);
    assert_eq!(cm.acks()[1].log_position, 0);
    assert_eq!(cm.acks()[1].relevant_id, -1);
    assert!(agent.has_log());
    assert_eq!(agent.member_id(), 2);
    assert_eq!(agent.role(), Role::Follower);

    // The whole term is in the log at once; the commit counter releases it entry by entry.
    let big: Vec<u8> = (0..5_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let entries = [
        new_term(&cm, 5, 1_000),
        session_open(5, 11, 1_001),
        session_message(5, 11, 1_002, b"cmd:send"),
        session_message(5, 11, 1_003, b"cmd:echo"),
        session_message(5, -(1 << 56) - 3, 1_004, b"a service message"),
        session_message(5, 11, 1_005, &big),
        encode(ClusterMessage::TimerEvent(TimerEvent {
            leadership_term_id: 5,
            correlation_id: 42,
            timestamp: 1_006,
        })),
        encode(ClusterMessage::MembershipChangeEvent(MembershipChangeEvent {
            leadership_term_id: 5,
            log_position: 0,
            timestamp: 1_007,
            leader_member_id: 2,
            cluster_size: 3,
            change_type: protocol::cluster::ChangeType::Join,
            member_id: 1,
            cluster_members: "",
        })),
        encode(ClusterMessage::SessionCloseEvent(SessionCloseEvent {
            leadership_term_id: 5,
            cluster_session_id: 11,
            timestamp: 1_008,
            close_reason: CloseReason::Timeout,
        })),
    ];
    let frame_length = cm.log.max_payload_length() as i64 + 32;
    let mut positions = Vec::new();
    let mut starts = Vec::new();
    for bytes in &entries {
        starts.push(cm.log.position());
        positions.push(cm.append(bytes));
    }
    assert!(positions[5] - starts[5] > 2 * frame_length, "the big message is fragmented");
    cm.steps(&mut [&mut agent], 10);
    assert_eq!(snapshot(&seen).len(), 1, "nothing is delivered before it is committed");

    let log_session_id = cm.log.session_id();
    let all = vec![
        Seen::Term(LeadershipTerm {
            leadership_term_id: 5,
            log_position: positions[0],
            timestamp: 1_000,
            term_base_log_position: 0,
            leader_member_id: 2,
            log_session_id,
            time_unit: ClusterTimeUnit::Millis,
            app_version: 0,
        }),
        Seen::Open {
            id: 11,
            timestamp: 1_001,
            position: positions[1],
            channel: RESPONSE_CHANNEL.to_string(),
            stream_id: EGRESS_STREAM_ID,
            principal: b"principal".to_vec(),
        },
        Seen::Message {
            session: Some(11),
            timestamp: 1_002,
            time: 1_002,
            position: positions[2],
            payload: b"cmd:send".to_vec(),
        },
        Seen::Sent { timer: true, offer: Ok(0) },
        Seen::Message {
            session: Some(11),
            timestamp: 1_003,
            time: 1_003,
            position: positions[3],
            payload: b"cmd:echo".to_vec(),
        },
        Seen::Egress(Ok(MOCKED_OFFER)),
        Seen::Message {
            session: None,
            timestamp: 1_004,
            time: 1_004,
            position: positions[4],
            payload: b"a service message".to_vec(),
        },
        Seen::Message {
            session: Some(11),
            timestamp: 1_005,
            time: 1_005,
            position: positions[5],
            payload: big.clone(),
        },
        Seen::Timer { correlation_id: 42, timestamp: 1_006, position: positions[6] },
        Seen::Close {
            id: 11,
            timestamp: 1_008,
            position: positions[8],
            reason: CloseReason::Timeout,
            remaining_sessions: 0,
        },
    ];
    // How many `Seen` entries the first `index + 1` log entries produce.
    let produced = [1, 2, 4, 6, 7, 8, 9, 9, 10];
    let expected_after = |index: usize| -> Vec<Seen> {
        let mut out = vec![Seen::Start { refused_offer: true, refused_timer: true }];
        out.extend(all.iter().take(produced[index]).cloned());
        out
    };
    let normalise = |mut seen: Vec<Seen>| -> Vec<Seen> {
        for entry in &mut seen {
            if let Seen::Sent { offer: Ok(position), .. } = entry {
                assert!(*position > 0);
                *position = 0;
            }
        }
        seen
    };

    for (index, &position) in positions.iter().enumerate() {
        if index == 5 {
            // A commit position inside the fragmented message releases none of it.
            for fragments in 1..=2 {
                cm.commit(starts[5] + fragments * frame_length);
                cm.steps(&mut [&mut agent], 3);
                assert_eq!(normalise(snapshot(&seen)), expected_after(4), "{fragments} fragments committed");
            }
        }
        cm.commit(position);
        cm.steps(&mut [&mut agent], 3);
        assert_eq!(normalise(snapshot(&seen)), expected_after(index), "after committing entry {index}");
        // A MembershipChangeEvent is skipped without moving the service's position (as Aeron).
        assert_eq!(agent.log_position(), if index == 7 { positions[6] } else { position });
    }
    assert_eq!(agent.client_session_count(), 0);
    assert_eq!(agent.cluster_time(), 1_008);

    // What the service sent to the consensus module, decoded.
    let sent: Vec<FromService> =
        cm.received.iter().filter(|message| !matches!(message, FromService::Ack(_))).cloned().collect();
    assert_eq!(
        sent,
        vec![
            FromService::ScheduleTimer(protocol::cluster::ScheduleTimer {
                correlation_id: 77,
                deadline: 1_234
            }),
            FromService::CancelTimer(protocol::cluster::CancelTimer { correlation_id: 78 }),
            FromService::Message(
                SessionMessageHeader { leadership_term_id: 5, cluster_session_id: 0, timestamp: 1_002 },
                b"to the log".to_vec()
            ),
        ]
    );
    assert!(errors.lock().unwrap().is_empty(), "errors: {:?}", errors.lock().unwrap());

    // Terminate at the end of the log, with an ack.
    let end = *positions.last().unwrap();
    let termination = encode(ClusterMessage::ServiceTerminationPosition(ServiceTerminationPosition {
        log_position: end,
        ack_required: BooleanType::True,
    }));
    cm.send_to_services(&mut [&mut agent], &termination);
    let mut terminated = None;
    for _ in 0..50 {
        if let Err(termination) = cm.step(&mut [&mut agent]).pop().unwrap() {
            terminated = Some(termination);
            break;
        }
    }
    assert_eq!(terminated, Some(AgentTermination::Done));
    assert!(agent.is_terminated());
    cm.steps_ignoring(&mut agent, 3);
    let acks = cm.acks();
    assert_eq!(acks.len(), 3);
    assert_eq!((acks[2].ack_id, acks[2].log_position, acks[2].timestamp), (2, end, 1_008));
    assert_eq!(snapshot(&seen).last(), Some(&Seen::Terminate { refused_offer: true }));
    assert_eq!(agent.do_work(cm.clock_now()), Err(AgentTermination::Done));
    agent.on_close();
    assert_eq!(snapshot(&seen).iter().filter(|s| matches!(s, Seen::Terminate { .. })).count(), 1);
}

/// Collects egress messages (header, payload) from a response subscription.
fn poll_egress(subscription: &mut client::Subscription, out: &mut Vec<(SessionMessageHeader, Vec<u8>)>) {
    subscription.poll(
        &mut |bytes, _header| {
            if let Ok(ClusterMessage::SessionMessage(message)) = decode_any(bytes) {
                out.push((message.header, message.payload.to_vec()));
            }
        },
        100,
    );
}

#[test]
fn a_leader_service_sends_egress_acks_requests_and_reverts_to_follower_when_the_log_ends() {
    let mut cm = FakeConsensusModule::new();
    let (recording, seen) = RecordingService::new();
    let (mut agent, errors) = agent_for(&cm, 0, Box::new(recording));
    let mut egress =
        cm.aeron.add_subscription(RESPONSE_CHANNEL, EGRESS_STREAM_ID).expect("egress subscription");
    start_and_join(&mut cm, &mut agent, Role::Leader, i64::MAX, false);
    assert_eq!(agent.role(), Role::Leader);
    assert!(snapshot(&seen).contains(&Seen::Role { role: Role::Leader, refused_offer: true }));

    let term = new_term(&cm, 7, 2_000);
    cm.append(&term);
    let open = cm.append(&session_open(7, 21, 2_001));
    cm.commit(open);
    cm.steps(&mut [&mut agent], 5);
    assert_eq!(agent.client_session_count(), 1);

    let echo = cm.append(&session_message(7, 21, 2_002, b"cmd:echo"));
    cm.commit(echo);
    cm.steps(&mut [&mut agent], 3);
    let egress_result = snapshot(&seen).into_iter().find_map(|s| match s {
        Seen::Egress(result) => Some(result),
        _ => None,
    });
    assert!(matches!(egress_result, Some(Ok(position)) if position > 0), "leader egress: {egress_result:?}");
    let mut replies = Vec::new();
    for _ in 0..20 {
        poll_egress(&mut egress, &mut replies);
        if !replies.is_empty() {
            break;
        }
        cm.steps(&mut [&mut agent], 1);
    }
    assert_eq!(
        replies,
        vec![(
            SessionMessageHeader { leadership_term_id: 7, cluster_session_id: 21, timestamp: 2_002 },
            b"echoed".to_vec()
        )]
    );

    // Closing a session from the service: CloseSession to the CM, session marked closing.
    let close = cm.append(&session_message(7, 21, 2_003, b"cmd:close"));
    cm.commit(close);
    cm.steps(&mut [&mut agent], 3);
    assert!(
        cm.received
            .contains(&FromService::CloseSession(protocol::cluster::CloseSession { cluster_session_id: 21 }))
    );

    // RequestServiceAck at the current position is acked right away with the next ack id.
    let request = encode(ClusterMessage::RequestServiceAck(protocol::cluster::RequestServiceAck {
        log_position: close,
    }));
    cm.send_to_services(&mut [&mut agent], &request);
    cm.step_until(&mut [&mut agent], 50, |cm, _| cm.acks().len() == 3);
    assert_eq!((cm.acks()[2].ack_id, cm.acks()[2].log_position, cm.acks()[2].relevant_id), (2, close, -1));

    // A SNAPSHOT action without an archive to record into is acknowledged with a null recording id.
    let snapshot_position =
        cm.position_after(8 + protocol::cluster::ClusterActionRequest::BLOCK_LENGTH as usize);
    let action =
        cm.append(&encode(ClusterMessage::ClusterActionRequest(protocol::cluster::ClusterActionRequest {
            leadership_term_id: 7,
            log_position: snapshot_position,
            timestamp: 2_004,
            action: protocol::cluster::ClusterAction::Snapshot,
            flags: 0,
        })));
    assert_eq!(action, snapshot_position);
    cm.commit(action);
    cm.step_until(&mut [&mut agent], 50, |cm, _| cm.acks().len() == 4);
    assert_eq!((cm.acks()[3].ack_id, cm.acks()[3].log_position, cm.acks()[3].relevant_id), (3, action, -1));
    assert_eq!(
        errors.lock().unwrap().clone(),
        vec![ServiceError::SnapshotFailed {
            log_position: action,
            reason: "no archive client configured".into()
        }]
    );

    // The log ends (the CM closes its publication): the image goes, the service is a follower again.
    cm.log.close();
    cm.step_until(&mut [&mut agent], 2_000, |_, agents| !agents[0].has_log());
    assert_eq!(agent.role(), Role::Follower);
    assert_eq!(agent.log_position(), action);
    assert_eq!(
        snapshot(&seen).into_iter().filter(|s| matches!(s, Seen::Role { .. })).collect::<Vec<_>>(),
        vec![
            Seen::Role { role: Role::Leader, refused_offer: true },
            Seen::Role { role: Role::Follower, refused_offer: true }
        ]
    );
    // Sessions outlive the log image (the next JoinLog continues with them).
    assert_eq!(agent.client_session_count(), 1);
}

#[test]
fn two_services_on_one_node_ack_with_their_own_ids_and_only_the_echo_service_replies() {
    let mut cm = FakeConsensusModule::new();
    let counting = CountingService::new();
    let counts = counting.counts();
    let (mut echo_agent, echo_errors) = agent_for(&cm, 0, Box::new(EchoService::new()));
    let (mut counting_agent, counting_errors) = agent_for(&cm, 1, Box::new(counting));
    let mut egress =
        cm.aeron.add_subscription(RESPONSE_CHANNEL, EGRESS_STREAM_ID).expect("egress subscription");

    cm.step_until(&mut [&mut echo_agent, &mut counting_agent], 200, |cm, _| cm.acks().len() == 2);
    cm.join_log(&mut [&mut echo_agent, &mut counting_agent], 0, i64::MAX, Role::Leader, true);
    cm.step_until(&mut [&mut echo_agent, &mut counting_agent], 200, |cm, _| cm.acks().len() == 4);
    for service_id in 0..2 {
        let acks = cm.acks_of(service_id);
        assert_eq!(acks.iter().map(|ack| ack.ack_id).collect::<Vec<_>>(), vec![0, 1], "service {service_id}");
        assert_ne!(acks[0].relevant_id, -1);
        assert_eq!(acks[1].relevant_id, -1);
    }
    assert_ne!(cm.acks_of(0)[0].relevant_id, cm.acks_of(1)[0].relevant_id, "each service has its own client");

    let term = new_term(&cm, 1, 3_000);
    cm.append(&term);
    cm.append(&session_open(1, 31, 3_001));
    let mut end = 0;
    for i in 0..3u8 {
        end = cm.append(&session_message(1, 31, 3_002 + i64::from(i), &[b'm', i]));
    }
    cm.commit(end);
    let mut replies = Vec::new();
    for _ in 0..50 {
        cm.steps(&mut [&mut echo_agent, &mut counting_agent], 1);
        poll_egress(&mut egress, &mut replies);
    }
    // The session opened on a leader: its response publication is added when the SessionOpenEvent is
    // processed and completed by the first offer, so every message is echoed exactly once, in order,
    // and only by the echo service.
    let expected: Vec<(SessionMessageHeader, Vec<u8>)> = (0..3u8)
        .map(|i| {
            let header = SessionMessageHeader {
                leadership_term_id: 1,
                cluster_session_id: 31,
                timestamp: 3_002 + i64::from(i),
            };
            (header, vec![b'm', i])
        })
        .collect();
    assert_eq!(replies, expected);
    use std::sync::atomic::Ordering::Relaxed;
    assert_eq!(counts.sessions_opened.load(Relaxed), 1);
    assert_eq!(counts.client_messages.load(Relaxed), 3);
    assert_eq!(counts.new_terms.load(Relaxed), 1);
    assert_eq!(counts.last_log_position.load(Relaxed), end);
    assert_eq!(counts.role_changes.load(Relaxed), 1);
    assert_eq!(echo_agent.log_position(), end);
    assert_eq!(counting_agent.log_position(), end);

    let termination = encode(ClusterMessage::ServiceTerminationPosition(ServiceTerminationPosition {
        log_position: end,
        ack_required: BooleanType::True,
    }));
    cm.send_to_services(&mut [&mut echo_agent, &mut counting_agent], &termination);
    for _ in 0..20 {
        let _ = cm.step(&mut [&mut echo_agent, &mut counting_agent]);
    }
    assert!(echo_agent.is_terminated() && counting_agent.is_terminated());
    assert!(counts.terminated.load(Relaxed));
    for service_id in 0..2 {
        let acks = cm.acks_of(service_id);
        assert_eq!(acks.iter().map(|ack| ack.ack_id).collect::<Vec<_>>(), vec![0, 1, 2]);
        assert_eq!(acks[2].log_position, end);
    }
    assert!(echo_errors.lock().unwrap().is_empty());
    assert!(counting_errors.lock().unwrap().is_empty());
}

#[test]
fn malformed_input_is_reported_and_skipped_and_an_incompatible_app_version_is_fatal() {
    let mut cm = FakeConsensusModule::new();
    let (recording, seen) = RecordingService::new();
    let (mut agent, errors) = agent_for(&cm, 0, Box::new(recording));
    start_and_join(&mut cm, &mut agent, Role::Follower, i64::MAX, true);

    // Garbage on the control stream.
    cm.send_to_services(&mut [&mut agent], &[0xFF; 5]);
    let mut foreign = session_message(0, 1, 1, b"x");
    foreign[4] = 101; // archive schema id
    cm.send_to_services(&mut [&mut agent], &foreign);
    cm.steps(&mut [&mut agent], 5);

    // Garbage in the log, an unknown session close, a clashing open, a message for an unknown session.
    cm.append(&[1, 2, 3]);
    cm.append(&foreign);
    let mut truncated = session_open(0, 5, 10);
    truncated.truncate(truncated.len() - 3);
    cm.append(&truncated);
    cm.append(&encode(ClusterMessage::SessionCloseEvent(SessionCloseEvent {
        leadership_term_id: 0,
        cluster_session_id: 404,
        timestamp: 11,
        close_reason: CloseReason::ClientAction,
    })));
    let open = cm.append(&session_open(0, 5, 12));
    cm.append(&session_open(0, 5, 13));
    let orphan = cm.append(&session_message(0, 99, 14, b"orphan"));
    cm.commit(orphan);
    cm.steps(&mut [&mut agent], 5);
    assert_eq!(agent.log_position(), orphan);
    let seen_now = snapshot(&seen);
    assert!(seen_now.iter().any(|s| matches!(s, Seen::Open { id: 5, position, .. } if *position == open)));
    assert!(seen_now.contains(&Seen::Message {
        session: None,
        timestamp: 14,
        time: 14,
        position: orphan,
        payload: b"orphan".to_vec()
    }));
    let reported = errors.lock().unwrap().clone();
    assert_eq!(reported.len(), 7, "{reported:#?}");
    assert_eq!(agent.error_count(), 7);
    assert!(matches!(reported[0], ServiceError::MalformedControlMessage { .. }));
    assert!(matches!(reported[1], ServiceError::MalformedControlMessage { .. }));
    assert!(matches!(reported[2], ServiceError::MalformedLogMessage { .. }));
    assert!(matches!(reported[3], ServiceError::MalformedLogMessage { .. }));
    assert!(matches!(reported[4], ServiceError::MalformedLogMessage { .. }));
    assert!(matches!(reported[5], ServiceError::UnknownSessionClose { cluster_session_id: 404, .. }));
    assert!(matches!(reported[6], ServiceError::ClashingSessionOpen { cluster_session_id: 5, .. }));

    // A term written by an application of another major version stops the service.
    let mut incompatible = NewLeadershipTermEvent::decode(&new_term(&cm, 1, 20)).unwrap();
    incompatible.app_version = 1 << 16;
    let end = cm.append(&encode(ClusterMessage::NewLeadershipTermEvent(incompatible)));
    cm.commit(end);
    let mut result = Ok(0);
    for _ in 0..5 {
        result = cm.step(&mut [&mut agent]).pop().unwrap();
        if result.is_err() {
            break;
        }
    }
    assert!(matches!(result, Err(AgentTermination::Fatal(_))), "{result:?}");
    assert_eq!(snapshot(&seen).last(), Some(&Seen::Terminate { refused_offer: true }));
    assert!(!snapshot(&seen).iter().any(|s| matches!(s, Seen::Term(_))));
}

#[test]
fn the_service_stops_at_max_log_position_and_refuses_a_non_contiguous_log() {
    let mut cm = FakeConsensusModule::new();
    let (recording, seen) = RecordingService::new();
    let (mut agent, _errors) = agent_for(&cm, 0, Box::new(recording));
    let first = session_message(0, -1, 1, b"one");
    let stop = cm.position_after(first.len());
    start_and_join(&mut cm, &mut agent, Role::Follower, stop, true);
    cm.append(&first);
    let beyond = cm.append(&session_message(0, -1, 2, b"two"));
    cm.commit(beyond);
    cm.step_until(&mut [&mut agent], 50, |_, agents| !agents[0].has_log());
    assert_eq!(agent.log_position(), stop);
    let messages: Vec<_> =
        snapshot(&seen).into_iter().filter(|s| matches!(s, Seen::Message { .. })).collect();
    assert_eq!(messages.len(), 1, "nothing past maxLogPosition: {messages:?}");

    // A new log that starts at 0 does not continue at `stop`: fatal.
    let mut second_log = cm.aeron.add_exclusive_publication(support::LOG_CHANNEL, 100).expect("second log");
    std::mem::swap(&mut cm.log, &mut second_log);
    cm.join_log(&mut [&mut agent], stop, i64::MAX, Role::Follower, false);
    let mut result = Ok(0);
    for _ in 0..50 {
        result = cm.step(&mut [&mut agent]).pop().unwrap();
        if result.is_err() {
            break;
        }
    }
    assert!(
        matches!(result, Err(AgentTermination::Fatal(ref reason)) if reason.contains("contiguous")),
        "{result:?}"
    );
}

#[test]
fn the_service_terminates_when_the_commit_position_counter_goes_away() {
    let mut cm = FakeConsensusModule::new();
    let (recording, seen) = RecordingService::new();
    let (mut agent, errors) = agent_for(&cm, 4, Box::new(recording));
    start_and_join(&mut cm, &mut agent, Role::Follower, i64::MAX, true);
    cm.commit.close();
    let mut result = Ok(0);
    for _ in 0..50 {
        result = cm.step(&mut [&mut agent]).pop().unwrap();
        if result.is_err() {
            break;
        }
    }
    assert_eq!(result, Err(AgentTermination::Done));
    assert!(matches!(errors.lock().unwrap()[..], [ServiceError::CommitPositionClosed { .. }]));
    assert_eq!(snapshot(&seen).last(), Some(&Seen::Terminate { refused_offer: true }));
    assert_eq!(cm.acks_of(4).len(), 2, "no termination ack without a termination request");
}
