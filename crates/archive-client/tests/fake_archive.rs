//! The archive client against a fake archive (a test agent decoding requests with `protocol::archive`
//! codecs and answering scripted responses over real IPC publications), stepped single-threaded with an
//! embedded driver on a `ManualClock`.

mod common;

use std::collections::VecDeque;

use common::{ARCHIVE_ID, CONTROL_SESSION_ID, Harness, encode, ok, response};
use fulmar_archive_client::{
    AeronArchive, ArchiveError, AsyncConnect, AsyncConnectState, CredentialsSupplier, ReplicationParams,
};
use protocol::archive::{
    ArchiveMessage, BooleanType, Challenge, ControlResponseCode, RecordingDescriptor, RecordingSignal,
    RecordingSignalEvent, SourceLocation,
};

/// Answers every request that carries a correlation id with OK and `relevantId = 1000 + template id`.
fn echo_template(message: &ArchiveMessage<'_>, out: &mut VecDeque<Vec<u8>>) {
    if let Some(correlation_id) = correlation_id_of(message) {
        out.push_back(ok(correlation_id, 1000 + i64::from(message.template_id())));
    }
}

fn correlation_id_of(message: &ArchiveMessage<'_>) -> Option<i64> {
    Some(match message {
        ArchiveMessage::StartRecordingRequest2(m) => m.correlation_id,
        ArchiveMessage::ExtendRecordingRequest2(m) => m.correlation_id,
        ArchiveMessage::StopRecordingRequest(m) => m.correlation_id,
        ArchiveMessage::StopRecordingSubscriptionRequest(m) => m.correlation_id,
        ArchiveMessage::StopRecordingByIdentityRequest(m) => m.correlation_id,
        ArchiveMessage::ReplayRequest(m) => m.correlation_id,
        ArchiveMessage::BoundedReplayRequest(m) => m.correlation_id,
        ArchiveMessage::StopReplayRequest(m) => m.correlation_id,
        ArchiveMessage::StopAllReplaysRequest(m) => m.correlation_id,
        ArchiveMessage::RecordingPositionRequest(m) => m.correlation_id,
        ArchiveMessage::StopPositionRequest(m) => m.correlation_id,
        ArchiveMessage::StartPositionRequest(m) => m.correlation_id,
        ArchiveMessage::MaxRecordedPositionRequest(m) => m.correlation_id,
        ArchiveMessage::TruncateRecordingRequest(m) => m.correlation_id,
        ArchiveMessage::PurgeRecordingRequest(m) => m.correlation_id,
        ArchiveMessage::DetachSegmentsRequest(m) => m.correlation_id,
        ArchiveMessage::DeleteDetachedSegmentsRequest(m) => m.correlation_id,
        ArchiveMessage::PurgeSegmentsRequest(m) => m.correlation_id,
        ArchiveMessage::AttachSegmentsRequest(m) => m.correlation_id,
        ArchiveMessage::ReplicateRequest2(m) => m.correlation_id,
        ArchiveMessage::TaggedReplicateRequest(m) => m.correlation_id,
        ArchiveMessage::StopReplicationRequest(m) => m.correlation_id,
        _ => return None,
    })
}

fn connect(harness: &Harness) -> AeronArchive {
    AeronArchive::connect(&harness.aeron, harness.context()).expect("archive connects")
}

#[test]
fn connect_handshake_learns_session_and_archive_id() {
    let harness = Harness::new(|_, _| {});
    let mut archive = connect(&harness);
    assert_eq!(archive.control_session_id(), CONTROL_SESSION_ID);
    assert_eq!(archive.archive_id(), ARCHIVE_ID);
    harness.fake().do_work();
    {
        let fake = harness.fake();
        let requests = fake.requests();
        let ArchiveMessage::AuthConnectRequest(connect) = requests[0] else {
            panic!("first request {:?}", requests[0])
        };
        assert_eq!(connect.response_channel, "aeron:ipc");
        assert_eq!(connect.response_stream_id, 20);
        assert_eq!(connect.version, protocol::archive::CLIENT_PROTOCOL_SEMANTIC_VERSION);
        assert!(connect.encoded_credentials.is_empty());
        let ArchiveMessage::ArchiveIdRequest(id_request) = requests[1] else {
            panic!("second {:?}", requests[1])
        };
        assert_eq!(id_request.control_session_id, CONTROL_SESSION_ID);
        assert_ne!(id_request.correlation_id, connect.correlation_id);
        assert!(
            matches!(requests[2], ArchiveMessage::KeepAliveRequest(k) if k.control_session_id == CONTROL_SESSION_ID)
        );
    }
    archive.close();
    harness.fake().do_work();
    assert!(matches!(
        harness.fake().last_request(),
        ArchiveMessage::CloseSessionRequest(c) if c.control_session_id == CONTROL_SESSION_ID
    ));
    assert_eq!(archive.get_stop_position(1), Err(ArchiveError::Closed));
}

struct Secret;

impl CredentialsSupplier for Secret {
    fn encoded_credentials(&mut self) -> Vec<u8> {
        b"user".to_vec()
    }

    fn on_challenge(&mut self, encoded_challenge: &[u8]) -> Vec<u8> {
        assert_eq!(encoded_challenge, b"prove it");
        b"proof".to_vec()
    }
}

#[test]
fn connect_answers_a_challenge_with_the_credentials_supplier() {
    let harness = Harness::with_responder(Box::new(|message, out| match message {
        ArchiveMessage::AuthConnectRequest(request) => {
            assert_eq!(request.encoded_credentials, b"user");
            out.push_back(encode(ArchiveMessage::Challenge(Challenge {
                control_session_id: CONTROL_SESSION_ID,
                correlation_id: request.correlation_id,
                version: protocol::archive::CLIENT_PROTOCOL_SEMANTIC_VERSION,
                encoded_challenge: b"prove it",
            })));
        }
        ArchiveMessage::ChallengeResponse(answer) => {
            assert_eq!(answer.control_session_id, CONTROL_SESSION_ID);
            if answer.encoded_credentials == b"proof" {
                out.push_back(ok(answer.correlation_id, CONTROL_SESSION_ID));
            }
        }
        ArchiveMessage::ArchiveIdRequest(request) => out.push_back(ok(request.correlation_id, 5)),
        _ => {}
    }));
    let mut connect =
        AsyncConnect::new(&harness.aeron, harness.context().credentials_supplier(Box::new(Secret)));
    let mut states = vec![connect.state()];
    let archive = loop {
        if let Some(archive) = connect.poll().expect("connect progresses") {
            break archive;
        }
        if states.last() != Some(&connect.state()) {
            states.push(connect.state());
        }
    };
    assert!(states.contains(&AsyncConnectState::SendChallengeResponse), "{states:?}");
    assert_eq!(archive.control_session_id(), CONTROL_SESSION_ID);
    assert_eq!(archive.archive_id(), 5);
}

#[test]
fn refused_connect_is_an_archive_error() {
    let harness = Harness::with_responder(Box::new(|message, out| {
        if let ArchiveMessage::AuthConnectRequest(request) = message {
            out.push_back(response(
                CONTROL_SESSION_ID,
                request.correlation_id,
                protocol::archive::archive_error_code::AUTHENTICATION_REJECTED,
                ControlResponseCode::Error,
                "go away",
            ));
        }
    }));
    let error = AeronArchive::connect(&harness.aeron, harness.context()).unwrap_err();
    assert!(
        matches!(&error, ArchiveError::Archive { code: 10, message, .. } if message == "go away"),
        "{error:?}"
    );
}

#[test]
fn connect_times_out_without_an_archive() {
    let harness = Harness::new(|_, _| {});
    harness.fake().silent = true;
    let error =
        AeronArchive::connect(&harness.aeron, harness.context().message_timeout_ns(100_000_000)).unwrap_err();
    assert!(matches!(error, ArchiveError::Timeout { operation: "archive connect", .. }), "{error:?}");
}

#[test]
fn every_operation_sends_the_right_request_and_returns_the_typed_result() {
    let harness = Harness::new(echo_template);
    let mut archive = connect(&harness);
    let cs = CONTROL_SESSION_ID;

    assert_eq!(archive.start_recording("aeron:ipc?alias=rec", 33, SourceLocation::Local, true), Ok(1063));
    assert!(matches!(harness.fake().last_request(), ArchiveMessage::StartRecordingRequest2(r)
        if r.control_session_id == cs && r.channel == "aeron:ipc?alias=rec" && r.stream_id == 33
            && r.source_location == SourceLocation::Local && r.auto_stop == BooleanType::True));

    assert_eq!(
        archive.extend_recording(9, "aeron:udp?endpoint=h:1", 34, SourceLocation::Remote, false),
        Ok(1064)
    );
    assert!(matches!(harness.fake().last_request(), ArchiveMessage::ExtendRecordingRequest2(r)
        if r.recording_id == 9 && r.stream_id == 34 && r.channel == "aeron:udp?endpoint=h:1"
            && r.source_location == SourceLocation::Remote && r.auto_stop == BooleanType::False));

    assert_eq!(archive.stop_recording("aeron:ipc", 35), Ok(()));
    assert!(matches!(harness.fake().last_request(), ArchiveMessage::StopRecordingRequest(r)
        if r.channel == "aeron:ipc" && r.stream_id == 35));

    assert_eq!(archive.stop_recording_by_subscription(1063), Ok(()));
    assert!(matches!(harness.fake().last_request(), ArchiveMessage::StopRecordingSubscriptionRequest(r)
        if r.subscription_id == 1063));

    assert_eq!(archive.stop_recording_by_identity(9), Ok(true));
    assert!(matches!(harness.fake().last_request(), ArchiveMessage::StopRecordingByIdentityRequest(r)
        if r.recording_id == 9));

    assert_eq!(archive.start_replay(9, 64, 1024, "aeron:ipc", 40), Ok(1006));
    assert!(matches!(harness.fake().last_request(), ArchiveMessage::ReplayRequest(r)
        if r.recording_id == 9 && r.position == 64 && r.length == 1024 && r.replay_stream_id == 40
            && r.replay_channel == "aeron:ipc" && r.file_io_max_length == -1 && r.replay_token == -1));

    assert_eq!(archive.start_bounded_replay(9, 0, -1, 17, "aeron:ipc", 41), Ok(1018));
    assert!(matches!(harness.fake().last_request(), ArchiveMessage::BoundedReplayRequest(r)
        if r.recording_id == 9 && r.position == 0 && r.length == -1 && r.limit_counter_id == 17
            && r.replay_stream_id == 41));

    assert_eq!(archive.stop_replay(1006), Ok(()));
    assert!(
        matches!(harness.fake().last_request(), ArchiveMessage::StopReplayRequest(r) if r.replay_session_id == 1006)
    );

    assert_eq!(archive.stop_all_replays(-1), Ok(()));
    assert!(
        matches!(harness.fake().last_request(), ArchiveMessage::StopAllReplaysRequest(r) if r.recording_id == -1)
    );

    assert_eq!(archive.get_recording_position(3), Ok(1012));
    assert!(
        matches!(harness.fake().last_request(), ArchiveMessage::RecordingPositionRequest(r) if r.recording_id == 3)
    );
    assert_eq!(archive.get_stop_position(3), Ok(1015));
    assert!(
        matches!(harness.fake().last_request(), ArchiveMessage::StopPositionRequest(r) if r.recording_id == 3)
    );
    assert_eq!(archive.get_start_position(3), Ok(1052));
    assert!(
        matches!(harness.fake().last_request(), ArchiveMessage::StartPositionRequest(r) if r.recording_id == 3)
    );
    assert_eq!(archive.get_max_recorded_position(3), Ok(1067));
    assert!(
        matches!(harness.fake().last_request(), ArchiveMessage::MaxRecordedPositionRequest(r) if r.recording_id == 3)
    );

    assert_eq!(archive.truncate_recording(3, 4096), Ok(()));
    assert!(matches!(harness.fake().last_request(), ArchiveMessage::TruncateRecordingRequest(r)
        if r.recording_id == 3 && r.position == 4096));
    assert_eq!(archive.purge_recording(3), Ok(()));
    assert!(
        matches!(harness.fake().last_request(), ArchiveMessage::PurgeRecordingRequest(r) if r.recording_id == 3)
    );
    assert_eq!(archive.detach_segments(3, 8192), Ok(()));
    assert!(matches!(harness.fake().last_request(), ArchiveMessage::DetachSegmentsRequest(r)
        if r.recording_id == 3 && r.new_start_position == 8192));
    assert_eq!(archive.delete_detached_segments(3), Ok(1054));
    assert!(
        matches!(harness.fake().last_request(), ArchiveMessage::DeleteDetachedSegmentsRequest(r) if r.recording_id == 3)
    );
    assert_eq!(archive.purge_segments(3, 8192), Ok(1055));
    assert!(matches!(harness.fake().last_request(), ArchiveMessage::PurgeSegmentsRequest(r)
        if r.recording_id == 3 && r.new_start_position == 8192));
    assert_eq!(archive.attach_segments(3), Ok(1056));
    assert!(
        matches!(harness.fake().last_request(), ArchiveMessage::AttachSegmentsRequest(r) if r.recording_id == 3)
    );

    let params = ReplicationParams {
        dst_recording_id: 4,
        stop_position: 1 << 20,
        replication_channel: "aeron:udp?endpoint=localhost:0".to_owned(),
        replication_session_id: 99,
        encoded_credentials: b"c".to_vec(),
        ..ReplicationParams::default()
    };
    assert_eq!(archive.replicate(2, 10, "aeron:udp?endpoint=src:8010", &params), Ok(1066));
    assert!(matches!(harness.fake().last_request(), ArchiveMessage::ReplicateRequest2(r)
        if r.src_recording_id == 2 && r.dst_recording_id == 4 && r.stop_position == 1 << 20
            && r.src_control_stream_id == 10 && r.src_control_channel == "aeron:udp?endpoint=src:8010"
            && r.replication_channel == "aeron:udp?endpoint=localhost:0" && r.replication_session_id == 99
            && r.channel_tag_id == -1 && r.subscription_tag_id == -1 && r.file_io_max_length == -1
            && r.encoded_credentials == b"c" && r.live_destination.is_empty()));
    assert_eq!(archive.tagged_replicate(2, 4, 11, 12, 10, "aeron:udp?endpoint=src:8010", "live"), Ok(1062));
    assert!(matches!(harness.fake().last_request(), ArchiveMessage::TaggedReplicateRequest(r)
        if r.src_recording_id == 2 && r.dst_recording_id == 4 && r.channel_tag_id == 11
            && r.subscription_tag_id == 12 && r.live_destination == "live"));
    assert_eq!(archive.stop_replication(1066), Ok(()));
    assert!(
        matches!(harness.fake().last_request(), ArchiveMessage::StopReplicationRequest(r) if r.replication_id == 1066)
    );

    // Correlation ids are unique per request and every request carries the session.
    let fake = harness.fake();
    let ids: Vec<i64> = fake.requests().iter().filter_map(correlation_id_of).collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len());
}

#[test]
fn keep_alive_is_sent_once_the_interval_has_passed() {
    let harness = Harness::new(|_, _| {});
    let mut archive =
        AeronArchive::connect(&harness.aeron, harness.context().keep_alive_interval_ns(50_000_000))
            .expect("connects");
    let now_ns = harness.now_ns();
    assert_eq!(archive.keep_alive_if_due(now_ns), Ok(false));
    assert_eq!(archive.keep_alive_if_due(now_ns + 50_000_000), Ok(true));
    harness.fake().do_work();
    assert!(
        matches!(harness.fake().last_request(), ArchiveMessage::KeepAliveRequest(k) if k.control_session_id == CONTROL_SESSION_ID)
    );
    assert_eq!(archive.keep_alive_if_due(now_ns + 60_000_000), Ok(false));
}

#[test]
fn error_responses_become_archive_errors() {
    let harness = Harness::new(|message, out| {
        if let ArchiveMessage::TruncateRecordingRequest(request) = message {
            out.push_back(response(
                CONTROL_SESSION_ID,
                request.correlation_id,
                protocol::archive::archive_error_code::ACTIVE_RECORDING,
                ControlResponseCode::Error,
                "recording is active",
            ));
        }
        if let ArchiveMessage::StopPositionRequest(request) = message {
            out.push_back(response(
                CONTROL_SESSION_ID,
                request.correlation_id,
                3,
                ControlResponseCode::RecordingUnknown,
                "",
            ));
        }
    });
    let mut archive = connect(&harness);
    let error = archive.truncate_recording(1, 0).unwrap_err();
    let ArchiveError::Archive { code, message, correlation_id } = error else { panic!("{error:?}") };
    assert_eq!(code, 2);
    assert_eq!(message, "recording is active");
    assert!(
        matches!(harness.fake().last_request(), ArchiveMessage::TruncateRecordingRequest(r) if r.correlation_id == correlation_id)
    );
    assert!(matches!(archive.get_stop_position(3), Err(ArchiveError::Protocol(_))));
}

#[test]
fn a_silent_archive_times_out_and_late_answers_are_ignored() {
    let harness = Harness::new(echo_template);
    let mut archive = AeronArchive::connect(&harness.aeron, harness.context().message_timeout_ns(50_000_000))
        .expect("connects");
    harness.fake().silent = true;
    let before = harness.now_ns();
    let error = archive.get_recording_position(1).unwrap_err();
    assert!(matches!(error, ArchiveError::Timeout { operation: "get recording position", .. }), "{error:?}");
    assert!(harness.now_ns() - before >= 50_000_000);
    // The late answer to the timed-out request must not be taken for the next one.
    let ArchiveMessage::RecordingPositionRequest(late) = harness.fake().last_request() else { panic!() };
    let late_correlation_id = late.correlation_id;
    harness.fake().outbox.push_back(ok(late_correlation_id, -5));
    harness.fake().silent = false;
    assert_eq!(archive.get_stop_position(1), Ok(1015));
}

#[test]
fn responses_for_another_control_session_are_ignored() {
    let harness = Harness::new(|message, out| {
        if let ArchiveMessage::StopPositionRequest(request) = message {
            out.push_back(response(
                CONTROL_SESSION_ID + 1,
                request.correlation_id,
                999,
                ControlResponseCode::Ok,
                "",
            ));
            out.push_back(response(
                CONTROL_SESSION_ID + 1,
                request.correlation_id,
                1,
                ControlResponseCode::Error,
                "not yours",
            ));
            out.push_back(encode(ArchiveMessage::RecordingSignalEvent(RecordingSignalEvent {
                control_session_id: CONTROL_SESSION_ID + 1,
                correlation_id: request.correlation_id,
                recording_id: 1,
                subscription_id: 2,
                position: 3,
                signal: RecordingSignal::Stop,
            })));
            out.push_back(ok(request.correlation_id, 4096));
        }
    });
    let mut archive = connect(&harness);
    assert_eq!(archive.get_stop_position(1), Ok(4096));
    let mut signals = Vec::new();
    archive.poll_for_recording_signals(&mut |signal| signals.push(*signal)).unwrap();
    assert!(signals.is_empty(), "{signals:?}");
}

fn descriptor(correlation_id: i64, recording_id: i64) -> Vec<u8> {
    encode(ArchiveMessage::RecordingDescriptor(RecordingDescriptor {
        control_session_id: CONTROL_SESSION_ID,
        correlation_id,
        recording_id,
        start_timestamp: 10,
        stop_timestamp: 20,
        start_position: 0,
        stop_position: 4096 * recording_id,
        initial_term_id: 7,
        segment_file_length: 1 << 20,
        term_buffer_length: 65536,
        mtu_length: 1408,
        session_id: 100 + recording_id as i32,
        stream_id: 1001,
        stripped_channel: "aeron:ipc",
        original_channel: "aeron:ipc?alias=x",
        source_identity: "aeron:ipc",
    }))
}

#[test]
fn listing_delivers_descriptors_until_recording_unknown() {
    let harness = Harness::new(|message, out| match message {
        ArchiveMessage::ListRecordingsRequest(request) => {
            for id in request.from_recording_id..3 {
                out.push_back(descriptor(request.correlation_id, id));
            }
            out.push_back(response(
                CONTROL_SESSION_ID,
                request.correlation_id,
                3,
                ControlResponseCode::RecordingUnknown,
                "",
            ));
        }
        ArchiveMessage::ListRecordingsForUriRequest(request) => {
            assert_eq!(request.channel, "aeron:ipc");
            assert_eq!(request.stream_id, 1001);
            for id in 0..request.record_count.into() {
                out.push_back(descriptor(request.correlation_id, id));
            }
        }
        ArchiveMessage::ListRecordingRequest(request) => {
            if request.recording_id == 2 {
                out.push_back(descriptor(request.correlation_id, 2));
            } else {
                out.push_back(response(
                    CONTROL_SESSION_ID,
                    request.correlation_id,
                    request.recording_id,
                    ControlResponseCode::RecordingUnknown,
                    "",
                ));
            }
        }
        _ => {}
    });
    let mut archive = connect(&harness);
    let mut ids = Vec::new();
    assert_eq!(archive.list_recordings(0, 10, &mut |d| ids.push(d.recording_id)), Ok(3));
    assert_eq!(ids, [0, 1, 2]);
    let mut channels = Vec::new();
    assert_eq!(
        archive.list_recordings_for_uri(0, 2, "aeron:ipc", 1001, &mut |d| channels
            .push(d.original_channel.to_owned())),
        Ok(2)
    );
    assert_eq!(channels, ["aeron:ipc?alias=x", "aeron:ipc?alias=x"]);
    let found = archive.list_recording(2).unwrap().expect("recording 2 exists");
    assert_eq!(found.recording_id, 2);
    assert_eq!(found.stop_position, 8192);
    assert_eq!(found.session_id, 102);
    assert_eq!(found.term_buffer_length, 65536);
    assert_eq!(found.source_identity, "aeron:ipc");
    assert_eq!(archive.list_recording(5), Ok(None));
}

fn signal(correlation_id: i64, recording_id: i64, signal: RecordingSignal) -> Vec<u8> {
    encode(ArchiveMessage::RecordingSignalEvent(RecordingSignalEvent {
        control_session_id: CONTROL_SESSION_ID,
        correlation_id,
        recording_id,
        subscription_id: 55,
        position: 128,
        signal,
    }))
}

#[test]
fn recording_signals_are_delivered_in_order_even_when_they_arrive_during_an_operation() {
    let harness = Harness::new(|message, out| {
        if let ArchiveMessage::StartRecordingRequest2(request) = message {
            out.push_back(signal(request.correlation_id, 1, RecordingSignal::Start));
            out.push_back(ok(request.correlation_id, 55));
        }
    });
    let mut archive = connect(&harness);
    assert_eq!(archive.start_recording("aeron:ipc", 1, SourceLocation::Local, false), Ok(55));
    harness.fake().outbox.push_back(signal(1, 1, RecordingSignal::Stop));
    let mut signals = Vec::new();
    for _ in 0..100 {
        harness.fake().do_work();
        harness.aeron.conductor_do_work(harness.now_ns());
        archive
            .poll_for_recording_signals(&mut |s| signals.push((s.recording_id, s.signal, s.position)))
            .unwrap();
        if signals.len() == 2 {
            break;
        }
    }
    assert_eq!(signals, [(1, RecordingSignal::Start, 128), (1, RecordingSignal::Stop, 128)]);
}

#[test]
fn replay_subscribes_to_the_replay_session_and_long_errors_are_reassembled() {
    let long_message = "x".repeat(5000);
    let error_text = long_message.clone();
    let harness = Harness::new(move |message, out| match message {
        ArchiveMessage::ReplayRequest(request) => out.push_back(ok(request.correlation_id, (3 << 32) | 77)),
        ArchiveMessage::StopReplayRequest(request) => out.push_back(response(
            CONTROL_SESSION_ID,
            request.correlation_id,
            protocol::archive::archive_error_code::UNKNOWN_REPLAY,
            ControlResponseCode::Error,
            &error_text,
        )),
        _ => {}
    });
    let mut archive = connect(&harness);
    let subscription =
        archive.replay(1, 0, fulmar_archive_client::REPLAY_ALL_AND_STOP, "aeron:ipc?alias=r", 900).unwrap();
    assert_eq!(subscription.stream_id(), 900);
    assert!(subscription.channel().contains("session-id=77"), "{}", subscription.channel());
    assert!(subscription.channel().contains("alias=r"), "{}", subscription.channel());
    let error = archive.stop_replay(1).unwrap_err();
    assert!(
        matches!(&error, ArchiveError::Archive { code: 6, message, .. } if *message == long_message),
        "{error:?}"
    );
}

#[test]
fn replay_merge_refuses_ipc_and_non_manual_subscriptions() {
    let harness = Harness::new(|_, _| {});
    let subscription = harness.aeron.add_subscription("aeron:ipc", 5).unwrap();
    let error = fulmar_archive_client::ReplayMerge::new(
        subscription,
        "aeron:udp?session-id=1",
        "aeron:udp?endpoint=localhost:20001",
        "aeron:udp?endpoint=localhost:20002",
        1,
        0,
        harness.now_ns(),
        fulmar_archive_client::MERGE_PROGRESS_TIMEOUT_NS_DEFAULT,
    )
    .unwrap_err();
    assert!(matches!(error, ArchiveError::InvalidArgument(_)), "{error:?}");
}
