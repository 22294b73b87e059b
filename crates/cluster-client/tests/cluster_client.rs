//! The cluster client against a fake cluster over UDP on the simulated network, single-threaded on a
//! `ManualClock` (see `support`): connect (with and without endpoints, async and blocking), echo round
//! trips, REDIRECT, challenge/response, ERROR and AUTHENTICATION_REJECTED, connect timeout, fail-over to
//! a new leader on the same session, close, CLOSED events, admin requests and malformed egress.

#![allow(clippy::disallowed_methods)]

mod support;

use fulmar_cluster_client::{
    AdminRequestType, AdminResponseCode, AeronCluster, ClientState, ClusterClientError, ConnectState,
    EgressListener, EventCode, SESSION_HEADER_LENGTH,
};
use protocol::cluster::{
    CLIENT_PROTOCOL_SEMANTIC_VERSION, SessionEvent, SessionMessage, SessionMessageHeader,
};
use support::{EGRESS_CHANNEL, Ingress, MemberRole, World, check_payload, encode, endpoints, payload};

/// Records everything the client delivers.
#[derive(Debug, Default)]
struct Recorder {
    messages: Vec<(i64, i64, Vec<u8>)>,
    events: Vec<(i64, i64, EventCode, String)>,
    new_leaders: Vec<(i64, i64, i32, String)>,
    admin: Vec<(i64, i64, AdminRequestType, AdminResponseCode, String)>,
    extensions: Vec<(u16, u16)>,
}

impl EgressListener for Recorder {
    fn on_message(&mut self, cluster_session_id: i64, timestamp: i64, payload: &[u8]) {
        self.messages.push((cluster_session_id, timestamp, payload.to_vec()));
    }

    fn on_session_event(
        &mut self,
        correlation_id: i64,
        cluster_session_id: i64,
        _leadership_term_id: i64,
        _leader_member_id: i32,
        code: EventCode,
        detail: &str,
    ) {
        self.events.push((correlation_id, cluster_session_id, code, detail.to_owned()));
    }

    fn on_new_leader(
        &mut self,
        cluster_session_id: i64,
        leadership_term_id: i64,
        leader_member_id: i32,
        ingress_endpoints: &str,
    ) {
        self.new_leaders.push((
            cluster_session_id,
            leadership_term_id,
            leader_member_id,
            ingress_endpoints.to_owned(),
        ));
    }

    fn on_admin_response(
        &mut self,
        cluster_session_id: i64,
        correlation_id: i64,
        request_type: AdminRequestType,
        response_code: AdminResponseCode,
        message: &str,
        _payload: &[u8],
    ) {
        self.admin.push((
            cluster_session_id,
            correlation_id,
            request_type,
            response_code,
            message.to_owned(),
        ));
    }

    fn on_extension_message(
        &mut self,
        _block_length: u16,
        template_id: u16,
        schema_id: u16,
        _version: u16,
        _body: &[u8],
    ) {
        self.extensions.push((schema_id, template_id));
    }
}

/// A world of `members` members with the given roles (the endpoint list covers all members).
fn world_with(members: i32, roles: Vec<MemberRole>, seed: u64) -> World {
    let world = World::new(members, seed);
    world.cluster().configure(&endpoints(members), roles);
    world
}

/// Offers `message` until accepted, polling egress and stepping in between.
fn offer(world: &World, cluster: &mut AeronCluster, recorder: &mut Recorder, message: &[u8]) -> i64 {
    for _ in 0..20_000 {
        match cluster.offer(message) {
            Ok(position) => return position,
            Err(_) => {
                cluster.poll_egress(recorder);
                world.step();
            }
        }
    }
    panic!("offer not accepted (state {:?})", cluster.state());
}

/// Polls egress, stepping, until `done`.
fn poll_until(
    world: &World,
    cluster: &mut AeronCluster,
    recorder: &mut Recorder,
    max_steps: usize,
    mut done: impl FnMut(&AeronCluster, &Recorder) -> bool,
) {
    for _ in 0..max_steps {
        if done(cluster, recorder) {
            return;
        }
        cluster.poll_egress(recorder);
        world.step();
    }
    assert!(done(cluster, recorder), "not reached within {max_steps} steps; state {:?}", cluster.state());
}

fn connect_requests(world: &World, member: i32) -> Vec<Ingress> {
    world
        .cluster()
        .member(member)
        .received
        .iter()
        .filter(|r| matches!(r, Ingress::Connect { .. }))
        .cloned()
        .collect()
}

#[test]
fn async_connect_to_a_single_member_without_endpoints() {
    let world = world_with(1, vec![MemberRole::Leader], 1);
    let mut ctx = world.client_context(1).ingress_channel("aeron:udp?endpoint=10.0.0.1:9010");
    ctx.ingress_endpoints = None;
    let mut connect = AeronCluster::async_connect(ctx).expect("valid configuration");
    assert_eq!(connect.state(), ConnectState::CreateEgressSubscription);
    assert_eq!(connect.step(), -1);
    let mut states = vec![connect.state()];
    let mut cluster = None;
    for _ in 0..5_000 {
        if let Some(connected) = connect.poll(world.now_ns()).expect("connects") {
            cluster = Some(connected);
            break;
        }
        if states.last() != Some(&connect.state()) {
            states.push(connect.state());
        }
        world.step();
    }
    let cluster = cluster.expect("connected within 5 s");
    assert_eq!(
        states,
        vec![
            ConnectState::CreateEgressSubscription,
            ConnectState::CreateIngressPublications,
            ConnectState::AwaitPublicationConnected,
            ConnectState::SendMessage,
            ConnectState::PollResponse,
            ConnectState::ConcludeConnect,
        ]
    );
    assert_eq!(connect.state(), ConnectState::Done);
    assert!(matches!(connect.poll(world.now_ns()), Err(ClusterClientError::Closed)));
    assert_eq!(cluster.state(), ClientState::Connected);
    assert_eq!(cluster.cluster_session_id(), 1);
    assert_eq!(cluster.leader_member_id(), 0);
    assert_eq!(cluster.leadership_term_id(), 0);
    assert_eq!(cluster.new_leader_timeout_ns(), 20_000_000_000, "twice the leader's heartbeat timeout");
    let requests = connect_requests(&world, 0);
    assert_eq!(requests.len(), 1);
    let Ingress::Connect { response_channel, response_stream_id, version, credentials, client_info, .. } =
        &requests[0]
    else {
        unreachable!()
    };
    assert_eq!(response_channel, &format!("{EGRESS_CHANNEL}|rejoin=false"));
    assert_eq!(*response_stream_id, 102);
    assert_eq!(*version, CLIENT_PROTOCOL_SEMANTIC_VERSION);
    assert!(credentials.is_empty());
    assert_eq!(client_info, &format!("name=test-client version={}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn echo_round_trip_of_many_messages_in_order() {
    let world = world_with(1, vec![MemberRole::Leader], 2);
    let mut cluster = AeronCluster::connect(world.client_context(1)).expect("connects");
    let session_id = cluster.cluster_session_id();
    let mut recorder = Recorder::default();
    let count = 1_500u32;
    for sequence in 0..count {
        // Sizes up to 3000 bytes: larger ones are fragmented on ingress and egress.
        let message = payload(sequence, 1 + (sequence as usize * 97) % 3_000);
        offer(&world, &mut cluster, &mut recorder, &message);
        if sequence % 4 == 0 {
            cluster.poll_egress(&mut recorder);
        }
    }
    poll_until(&world, &mut cluster, &mut recorder, 20_000, |_, r| r.messages.len() == count as usize);
    let sequences: Vec<u32> = recorder
        .messages
        .iter()
        .map(|(id, timestamp, bytes)| {
            assert_eq!(*id, session_id);
            assert!(*timestamp > 0, "the leader stamps its time");
            check_payload(bytes)
        })
        .collect();
    assert_eq!(sequences, (0..count).collect::<Vec<_>>());
    let received = world.cluster().member(0).messages();
    assert_eq!(received.len(), count as usize);
    for (sequence, (term, id, bytes)) in received.iter().enumerate() {
        assert_eq!((*term, *id), (0, session_id));
        assert_eq!(check_payload(bytes), sequence as u32);
    }
    assert_eq!(cluster.malformed_egress_count(), 0);
    assert_eq!(cluster.state(), ClientState::Connected);
}

#[test]
fn try_claim_writes_the_session_header() {
    let world = world_with(1, vec![MemberRole::Leader], 3);
    let mut cluster = AeronCluster::connect(world.client_context(1)).expect("connects");
    let mut recorder = Recorder::default();
    let body = payload(7, 200);
    for _ in 0..1_000 {
        match cluster.try_claim(body.len()) {
            Ok(mut claim) => {
                claim.payload_mut()[SESSION_HEADER_LENGTH..].copy_from_slice(&body);
                claim.commit();
                break;
            }
            Err(_) => {
                world.step();
            }
        }
    }
    poll_until(&world, &mut cluster, &mut recorder, 2_000, |_, r| r.messages.len() == 1);
    assert_eq!(recorder.messages[0].2, body);
    assert_eq!(world.cluster().member(0).messages(), vec![(0, cluster.cluster_session_id(), body)]);
}

#[test]
fn redirect_from_a_follower_to_the_leader() {
    let world = world_with(
        3,
        vec![
            MemberRole::Follower { leader_id: 2 },
            MemberRole::Follower { leader_id: 2 },
            MemberRole::Leader,
        ],
        4,
    );
    // The client only knows the two followers; the REDIRECT carries all three endpoints.
    let cluster = AeronCluster::connect(world.client_context(2)).expect("connects via redirect");
    assert_eq!(cluster.leader_member_id(), 2);
    assert_eq!(cluster.cluster_session_id(), 1);
    let followers_asked = connect_requests(&world, 0).len() + connect_requests(&world, 1).len();
    assert!(followers_asked >= 1, "a follower was asked first");
    assert_eq!(connect_requests(&world, 2).len(), 1, "then the leader");
    assert_eq!(world.cluster().member(2).sessions.len(), 1);
    let mut cluster = cluster;
    let mut recorder = Recorder::default();
    offer(&world, &mut cluster, &mut recorder, b"after redirect");
    poll_until(&world, &mut cluster, &mut recorder, 2_000, |_, r| r.messages.len() == 1);
    assert_eq!(recorder.messages[0].2, b"after redirect");
}

#[test]
fn challenge_is_answered_through_the_handler() {
    let world = world_with(
        1,
        vec![MemberRole::Challenging {
            challenge: b"nonce-42".to_vec(),
            expected: b"secret:nonce-42".to_vec(),
        }],
        5,
    );
    let ctx = world
        .client_context(1)
        .credentials(b"initial".to_vec())
        .challenge_handler(Box::new(|challenge| [b"secret:".as_slice(), challenge].concat()));
    let cluster = AeronCluster::connect(ctx).expect("authenticated");
    let session_id = cluster.cluster_session_id();
    let received = world.cluster().member(0).received.clone();
    let Ingress::Connect { correlation_id: connect_id, credentials, .. } = &received[0] else {
        panic!("first a connect request: {received:?}")
    };
    assert_eq!(credentials, b"initial");
    let Ingress::ChallengeResponse { correlation_id, cluster_session_id, credentials } = &received[1] else {
        panic!("then a challenge response: {received:?}")
    };
    assert_ne!(correlation_id, connect_id, "a fresh correlation id");
    assert_eq!(*cluster_session_id, session_id);
    assert_eq!(credentials, b"secret:nonce-42");
}

#[test]
fn a_wrong_challenge_answer_is_an_authentication_error() {
    let world = world_with(
        1,
        vec![MemberRole::Challenging { challenge: b"nonce".to_vec(), expected: b"right".to_vec() }],
        6,
    );
    let ctx = world.client_context(1).challenge_handler(Box::new(|_| b"wrong".to_vec()));
    match AeronCluster::connect(ctx) {
        Err(ClusterClientError::AuthenticationRejected { detail }) => {
            assert_eq!(detail, "session failed authentication")
        }
        other => panic!("expected AuthenticationRejected, got {other:?}"),
    }
}

#[test]
fn rejections_are_typed_errors() {
    let world = world_with(1, vec![MemberRole::Rejecting("concurrent session limit".to_owned())], 7);
    match AeronCluster::connect(world.client_context(1)) {
        Err(ClusterClientError::Rejected { detail }) => assert_eq!(detail, "concurrent session limit"),
        other => panic!("expected Rejected, got {other:?}"),
    }
    let world = world_with(1, vec![MemberRole::AuthRejecting], 8);
    assert!(matches!(
        AeronCluster::connect(world.client_context(1)),
        Err(ClusterClientError::AuthenticationRejected { .. })
    ));
}

#[test]
fn connect_times_out_when_nobody_answers() {
    let world = world_with(3, vec![MemberRole::Down, MemberRole::Down, MemberRole::Down], 9);
    let start_ms = world.elapsed_ms();
    let ctx = world.client_context(3).message_timeout_ns(300_000_000);
    match AeronCluster::connect(ctx) {
        Err(ClusterClientError::ConnectTimeout { state, message_timeout_ns, detail }) => {
            assert_eq!(state, ConnectState::AwaitPublicationConnected);
            assert_eq!(message_timeout_ns, 300_000_000);
            assert!(detail.contains("member 2: not connected"), "{detail}");
        }
        other => panic!("expected ConnectTimeout, got {other:?}"),
    }
    let elapsed_ms = world.elapsed_ms() - start_ms;
    assert!((300..1_000).contains(&elapsed_ms), "timed out after {elapsed_ms} ms");
}

#[test]
fn a_member_that_never_answers_times_out_in_poll_response() {
    let world = world_with(1, vec![MemberRole::Silent], 10);
    let ctx = world.client_context(1).message_timeout_ns(400_000_000);
    match AeronCluster::connect(ctx) {
        Err(ClusterClientError::ConnectTimeout { state, .. }) => {
            assert_eq!(state, ConnectState::PollResponse)
        }
        other => panic!("expected ConnectTimeout, got {other:?}"),
    }
    assert_eq!(connect_requests(&world, 0).len(), 1, "the request arrived");
}

#[test]
fn fail_over_to_a_new_leader_keeps_the_session() {
    let world = world_with(
        3,
        vec![
            MemberRole::Leader,
            MemberRole::Follower { leader_id: 0 },
            MemberRole::Follower { leader_id: 0 },
        ],
        11,
    );
    let mut cluster = AeronCluster::connect(world.client_context(3)).expect("connects");
    assert_eq!(cluster.leader_member_id(), 0);
    let session_id = cluster.cluster_session_id();
    let mut recorder = Recorder::default();
    for sequence in 0..50 {
        offer(&world, &mut cluster, &mut recorder, &payload(sequence, 64));
    }
    poll_until(&world, &mut cluster, &mut recorder, 5_000, |_, r| r.messages.len() == 50);

    // The leader dies: the client notices (egress image gone or ingress not connected).
    let sessions = world.cluster().member(0).kill();
    assert_eq!(sessions.len(), 1);
    poll_until(&world, &mut cluster, &mut recorder, 10_000, |c, _| c.state() == ClientState::AwaitNewLeader);
    assert!(cluster.ingress_publication().is_none());
    assert!(matches!(cluster.offer(b"nobody"), Err(client::OfferError::NotConnected)));

    // Member 1 takes over in term 1 and tells the client.
    world.cluster().member(1).promote(1, sessions);
    poll_until(&world, &mut cluster, &mut recorder, 10_000, |_, r| !r.new_leaders.is_empty());
    assert_eq!(recorder.new_leaders, vec![(session_id, 1, 1, endpoints(3))]);
    assert_eq!(cluster.leader_member_id(), 1);
    assert_eq!(cluster.leadership_term_id(), 1);
    assert_eq!(cluster.cluster_session_id(), session_id, "same session");
    for sequence in 50..100 {
        offer(&world, &mut cluster, &mut recorder, &payload(sequence, 64));
    }
    assert_eq!(cluster.state(), ClientState::Connected);
    poll_until(&world, &mut cluster, &mut recorder, 10_000, |_, r| r.messages.len() == 100);
    let sequences: Vec<u32> = recorder.messages.iter().map(|(_, _, bytes)| check_payload(bytes)).collect();
    assert_eq!(sequences, (0..100).collect::<Vec<_>>());
    let received = world.cluster().member(1).messages();
    assert_eq!(received.len(), 50);
    assert!(received.iter().all(|(term, id, _)| (*term, *id) == (1, session_id)));
    assert!(cluster.send_keep_alive());
    world.step_until(1_000, || {
        world
            .cluster()
            .member(1)
            .received
            .contains(&Ingress::KeepAlive { leadership_term_id: 1, cluster_session_id: session_id })
    });
}

#[test]
fn a_lost_ingress_is_detected_by_the_offer() {
    let world = world_with(1, vec![MemberRole::Leader], 18);
    let mut cluster = AeronCluster::connect(world.client_context(1)).expect("connects");
    let mut recorder = Recorder::default();
    // The member stops reading ingress but its egress image stays: only offers can notice.
    world.cluster().member(0).close_ingress();
    for _ in 0..5_000 {
        let result = cluster.offer(b"anyone?");
        if cluster.state() != ClientState::Connected {
            assert_eq!(result, Err(client::OfferError::NotConnected));
            break;
        }
        cluster.poll_egress(&mut recorder);
        world.step();
    }
    assert_eq!(cluster.state(), ClientState::AwaitNewLeader);
    assert!(cluster.ingress_publication().is_none(), "the old ingress is closed");
    assert!(!cluster.send_keep_alive(), "nothing to send on while awaiting a new leader");
    assert!(cluster.try_claim(8).is_err());
}

#[test]
fn a_failed_async_connect_is_finished() {
    let world = world_with(1, vec![MemberRole::Rejecting("no".to_owned())], 19);
    let mut connect = AeronCluster::async_connect(world.client_context(1)).expect("valid configuration");
    let mut outcome = Ok(None);
    for _ in 0..5_000 {
        outcome = connect.poll(world.now_ns());
        if !matches!(outcome, Ok(None)) {
            break;
        }
        world.step();
    }
    assert!(matches!(outcome, Err(ClusterClientError::Rejected { .. })), "{outcome:?}");
    assert!(matches!(connect.poll(world.now_ns()), Err(ClusterClientError::Closed)));
}

#[test]
fn without_a_new_leader_the_client_closes_itself() {
    let world = world_with(1, vec![MemberRole::Leader], 12);
    let mut cluster =
        AeronCluster::connect(world.client_context(1).new_leader_timeout_ns(500_000_000)).expect("connects");
    let mut recorder = Recorder::default();
    world.cluster().member(0).kill();
    poll_until(&world, &mut cluster, &mut recorder, 10_000, |c, _| c.state() == ClientState::AwaitNewLeader);
    let lost_ms = world.elapsed_ms();
    poll_until(&world, &mut cluster, &mut recorder, 10_000, |c, _| c.is_closed());
    let waited_ms = world.elapsed_ms() - lost_ms;
    assert!((450..1_000).contains(&waited_ms), "closed after {waited_ms} ms");
    assert!(matches!(cluster.offer(b"late"), Err(client::OfferError::Closed)));
    assert_eq!(cluster.poll_egress(&mut recorder), 0);
}

#[test]
fn close_sends_a_session_close_request() {
    let world = world_with(1, vec![MemberRole::Leader], 13);
    let mut cluster = AeronCluster::connect(world.client_context(1)).expect("connects");
    let session_id = cluster.cluster_session_id();
    assert!(cluster.send_keep_alive());
    cluster.close();
    assert!(cluster.is_closed());
    cluster.close();
    world.step_until(1_000, || {
        world
            .cluster()
            .member(0)
            .received
            .contains(&Ingress::Close { leadership_term_id: 0, cluster_session_id: session_id })
    });
    let received = world.cluster().member(0).received.clone();
    assert!(received.contains(&Ingress::KeepAlive { leadership_term_id: 0, cluster_session_id: session_id }));
    assert!(!cluster.send_keep_alive());
    assert!(matches!(cluster.offer(b"x"), Err(client::OfferError::Closed)));
}

#[test]
fn a_closed_session_event_closes_the_client() {
    let world = world_with(1, vec![MemberRole::Leader], 14);
    let mut cluster = AeronCluster::connect(world.client_context(1)).expect("connects");
    let session_id = cluster.cluster_session_id();
    let mut recorder = Recorder::default();
    // An event for another session is not ours; then ours.
    world.cluster().member(0).send_event(session_id, 0, EventCode::Closed, "SERVICE_ACTION");
    poll_until(&world, &mut cluster, &mut recorder, 2_000, |c, _| c.is_closed());
    assert_eq!(recorder.events, vec![(0, session_id, EventCode::Closed, "SERVICE_ACTION".to_owned())]);
}

#[test]
fn admin_snapshot_request_gets_its_response() {
    let world = world_with(1, vec![MemberRole::Leader], 15);
    let mut cluster = AeronCluster::connect(world.client_context(1)).expect("connects");
    let session_id = cluster.cluster_session_id();
    let mut recorder = Recorder::default();
    assert!(cluster.send_admin_request_to_take_a_snapshot(4242));
    poll_until(&world, &mut cluster, &mut recorder, 2_000, |_, r| !r.admin.is_empty());
    assert_eq!(
        recorder.admin,
        vec![(
            session_id,
            4242,
            AdminRequestType::Snapshot,
            AdminResponseCode::UnauthorisedAccess,
            "Execution of the SNAPSHOT request was not authorised".to_owned()
        )]
    );
}

#[test]
fn malformed_egress_is_ignored_and_counted() {
    let world = world_with(1, vec![MemberRole::Leader], 16);
    let mut cluster = AeronCluster::connect(world.client_context(1)).expect("connects");
    let session_id = cluster.cluster_session_id();
    let mut recorder = Recorder::default();
    {
        let mut fake = world.cluster();
        let member = fake.member(0);
        // Too short for an SBE header.
        member.queue(session_id, vec![1, 2, 3]);
        // A SessionEvent header with a truncated body.
        let event = SessionEvent {
            cluster_session_id: session_id,
            correlation_id: 1,
            leadership_term_id: 0,
            leader_member_id: 0,
            code: EventCode::Closed,
            version: 0,
            leader_heartbeat_timeout_ns: 0,
            detail: "truncated",
        };
        let bytes = encode(event.encoded_length(), |dst| event.encode(dst));
        member.queue(session_id, bytes[..20].to_vec());
        // A var-data length pointing past the end.
        let mut lying = bytes.clone();
        let at = 8 + 44;
        lying[at..at + 4].copy_from_slice(&1_000u32.to_le_bytes());
        member.queue(session_id, lying);
        // Another schema: goes to the extension callback.
        member.queue(session_id, vec![4, 0, 9, 0, 0x2a, 0, 1, 0, 0, 0, 0, 0]);
        // Unknown template id of the cluster schema.
        member.queue(session_id, vec![0, 0, 0xff, 0x7f, 111, 0, 17, 0]);
        // A message for another session: silently not ours.
        let other = SessionMessage {
            header: SessionMessageHeader {
                leadership_term_id: 0,
                cluster_session_id: session_id + 1,
                timestamp: 5,
            },
            payload: b"not yours",
        };
        member.queue(session_id, encode(other.encoded_length(), |dst| other.encode(dst)));
        member.send_message(session_id, 6, b"valid");
    }
    poll_until(&world, &mut cluster, &mut recorder, 2_000, |_, r| !r.messages.is_empty());
    assert_eq!(recorder.messages, vec![(session_id, 6, b"valid".to_vec())]);
    assert_eq!(cluster.malformed_egress_count(), 4);
    assert_eq!(recorder.extensions, vec![(42, 9)]);
    assert!(recorder.events.is_empty(), "the truncated CLOSED event was not acted upon");
    assert_eq!(cluster.state(), ClientState::Connected);
}

#[test]
fn invalid_configurations_are_refused() {
    let world = world_with(1, vec![MemberRole::Leader], 17);
    let bad = [
        world.client_context(1).ingress_channel(""),
        world.client_context(1).egress_channel(""),
        world.client_context(1).ingress_endpoints("0=10.0.0.1:9010,x"),
        world.client_context(1).ingress_channel("aeron:ipc"),
        world.client_context(1).egress_channel("aeron:udp"),
    ];
    for ctx in bad {
        assert!(
            matches!(AeronCluster::async_connect(ctx), Err(ClusterClientError::InvalidConfiguration { .. })),
            "accepted"
        );
    }
}
