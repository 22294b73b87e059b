//! The archive conductor against the real driver and client, single-threaded on a `ManualClock`: the
//! driver is stepped through the clients' `driver_agent_invoker` inside blocking calls and explicitly in
//! between, the archive conductor is stepped by the test. Control requests are written with the
//! `protocol::archive` codecs on an exclusive publication and responses read on a subscription. Every loop
//! has a step bound.

use std::sync::{Arc, Mutex};

use agrona::{Agent, HeapMemoryStore, ManualClock, NanoClock};
use archive_client::RecordingPos;
use client::{Aeron, Context, ExclusivePublication, Header, OfferError, Publication, Subscription};
use driver::{DriverConductor, DriverContext};
use fulmar_archive::{
    ArchiveConductor, ArchiveContext, ArchiveStorage, Fault, FaultKind, FaultyArchiveStorage,
    MemoryArchiveStorage, RECORDING_POSITION_TYPE_ID,
};
use protocol::archive::{
    ArchiveIdRequest, ArchiveMessage, AuthConnectRequest, BooleanType, BoundedReplayRequest,
    CLIENT_PROTOCOL_SEMANTIC_VERSION, ControlResponseCode, ExtendRecordingRequest2, ListRecordingRequest,
    ListRecordingsRequest, RecordingPositionRequest, RecordingSignal, ReplayRequest, SourceLocation,
    StartRecordingRequest2, StopPositionRequest, StopRecordingSubscriptionRequest, TruncateRecordingRequest,
    archive_error_code, decode_any,
};

const START_NS: i64 = 1_000_000_000_000;
const STEP_NS: i64 = 1_000_000;
const CONTROL_CHANNEL: &str = "aeron:ipc?term-length=64k";
const RESPONSE_STREAM: i32 = 20;
const RECORDED_CHANNEL: &str = "aeron:ipc?term-length=64k";
const RECORDED_STREAM: i32 = 1001;
const REPLAY_STREAM: i32 = 2001;

#[derive(Debug, Clone, PartialEq)]
enum Received {
    Response {
        correlation_id: i64,
        relevant_id: i64,
        code: ControlResponseCode,
        message: String,
    },
    Descriptor {
        correlation_id: i64,
        recording_id: i64,
        start: i64,
        stop: i64,
        stream_id: i32,
        stripped: String,
        original: String,
        term_length: i32,
        segment_length: i32,
    },
    Signal {
        recording_id: i64,
        position: i64,
        signal: RecordingSignal,
    },
}

struct Harness<S: ArchiveStorage> {
    clock: ManualClock,
    driver: Arc<Mutex<DriverConductor>>,
    archive: ArchiveConductor<S>,
    client: Aeron,
    requests: ExclusivePublication,
    responses: Subscription,
    received: Vec<Received>,
    control_session_id: i64,
    next_correlation_id: i64,
}

fn client_context(
    store: &HeapMemoryStore,
    clock: &ManualClock,
    driver: &Arc<Mutex<DriverConductor>>,
) -> Context {
    let driver = Arc::clone(driver);
    let step_clock = clock.clone();
    Context::new(Arc::new(store.clone()), Arc::new(clock.clone()), Arc::new(clock.clone()))
        .driver_timeout_ns(2_000_000_000)
        .resource_linger_ns(10_000_000)
        .driver_agent_invoker(Box::new(move |_now_ns| {
            step_clock.advance_ns(STEP_NS);
            driver.lock().unwrap().do_work(step_clock.nano_time()).unwrap_or(0)
        }))
}

impl<S: ArchiveStorage> Harness<S> {
    fn new(storage: S) -> Self {
        let clock = ManualClock::new(START_NS);
        let store = HeapMemoryStore::new();
        let ctx = DriverContext::test_min()
            .with_memory_store(Arc::new(store.clone()))
            .with_epoch_clock(Arc::new(clock.clone()));
        let driver = Arc::new(Mutex::new(DriverConductor::new(ctx).expect("driver starts")));
        let archive_aeron = Aeron::connect(client_context(&store, &clock, &driver)).expect("archive client");
        let mut archive_ctx = ArchiveContext::new(storage, archive_aeron, Arc::new(clock.clone()));
        archive_ctx.segment_file_length = 64 * 1024;
        archive_ctx.archive_id = 77;
        let archive = ArchiveConductor::new(archive_ctx, clock.nano_time()).expect("archive starts");
        let client = Aeron::connect(client_context(&store, &clock, &driver)).expect("test client");
        let responses = client.add_subscription(CONTROL_CHANNEL, RESPONSE_STREAM).unwrap();
        let requests = client.add_exclusive_publication(CONTROL_CHANNEL, 10).unwrap();
        let mut harness = Self {
            clock,
            driver,
            archive,
            client,
            requests,
            responses,
            received: Vec::new(),
            control_session_id: -1,
            next_correlation_id: 1,
        };
        harness.connect();
        harness
    }

    fn step(&mut self) {
        self.clock.advance_ns(STEP_NS);
        let now_ns = self.clock.nano_time();
        self.driver.lock().unwrap().do_work(now_ns).unwrap();
        self.archive.do_work(now_ns).expect("archive runs");
        self.client.conductor_do_work(now_ns);
        self.poll_responses();
    }

    fn step_until(&mut self, max_steps: usize, mut done: impl FnMut(&mut Self) -> bool) {
        for _ in 0..max_steps {
            if done(self) {
                return;
            }
            self.step();
        }
        assert!(done(self), "condition not reached within {max_steps} steps");
    }

    fn poll_responses(&mut self) {
        let received = &mut self.received;
        self.responses.poll(
            &mut |bytes: &[u8], _header: &Header| match decode_any(bytes)
                .expect("archive sends valid messages")
            {
                ArchiveMessage::ControlResponse(r) => received.push(Received::Response {
                    correlation_id: r.correlation_id,
                    relevant_id: r.relevant_id,
                    code: r.code,
                    message: r.error_message.to_string(),
                }),
                ArchiveMessage::RecordingDescriptor(d) => received.push(Received::Descriptor {
                    correlation_id: d.correlation_id,
                    recording_id: d.recording_id,
                    start: d.start_position,
                    stop: d.stop_position,
                    stream_id: d.stream_id,
                    stripped: d.stripped_channel.to_string(),
                    original: d.original_channel.to_string(),
                    term_length: d.term_buffer_length,
                    segment_length: d.segment_file_length,
                }),
                ArchiveMessage::RecordingSignalEvent(s) => received.push(Received::Signal {
                    recording_id: s.recording_id,
                    position: s.position,
                    signal: s.signal,
                }),
                other => panic!("unexpected message {other:?}"),
            },
            100,
        );
    }

    fn send(&mut self, encode: impl Fn(&mut [u8]) -> usize) {
        let mut buffer = vec![0u8; 1024];
        let length = encode(&mut buffer);
        for _ in 0..1000 {
            match self.requests.offer(&buffer[..length]) {
                Ok(_) => return,
                Err(OfferError::BackPressured | OfferError::NotConnected | OfferError::AdminAction) => {
                    self.step()
                }
                Err(other) => panic!("request offer failed: {other}"),
            }
        }
        panic!("request not accepted");
    }

    fn correlation_id(&mut self) -> i64 {
        self.next_correlation_id += 1;
        self.next_correlation_id
    }

    fn await_response(&mut self, correlation_id: i64) -> (i64, ControlResponseCode, String) {
        let mut found = None;
        self.step_until(2_000, |h| {
            let index = h.received.iter().position(
                |r| matches!(r, Received::Response { correlation_id: c, .. } if *c == correlation_id),
            );
            if let Some(index) = index
                && let Received::Response { relevant_id, code, message, .. } = h.received.remove(index)
            {
                found = Some((relevant_id, code, message));
            }
            found.is_some()
        });
        found.unwrap()
    }

    fn ok(&mut self, correlation_id: i64) -> i64 {
        let (relevant_id, code, message) = self.await_response(correlation_id);
        assert_eq!(code, ControlResponseCode::Ok, "error: {message}");
        relevant_id
    }

    fn error(&mut self, correlation_id: i64) -> (i64, String) {
        let (relevant_id, code, message) = self.await_response(correlation_id);
        assert_eq!(code, ControlResponseCode::Error, "expected an error");
        assert!(!message.is_empty());
        (relevant_id, message)
    }

    fn connect(&mut self) {
        let correlation_id = self.correlation_id();
        self.send(|dst| {
            AuthConnectRequest {
                correlation_id,
                response_stream_id: RESPONSE_STREAM,
                version: CLIENT_PROTOCOL_SEMANTIC_VERSION,
                response_channel: CONTROL_CHANNEL,
                encoded_credentials: &[],
                client_info: "test",
            }
            .encode(dst)
            .unwrap()
        });
        self.control_session_id = self.ok(correlation_id);
    }

    fn start_recording(&mut self, channel: &str, stream_id: i32) -> i64 {
        let (cs, correlation_id) = (self.control_session_id, self.correlation_id());
        self.send(|dst| {
            StartRecordingRequest2 {
                control_session_id: cs,
                correlation_id,
                stream_id,
                source_location: SourceLocation::Local,
                auto_stop: BooleanType::False,
                channel,
            }
            .encode(dst)
            .unwrap()
        });
        self.ok(correlation_id)
    }

    fn extend_recording(&mut self, recording_id: i64, channel: &str, stream_id: i32) -> i64 {
        let (cs, correlation_id) = (self.control_session_id, self.correlation_id());
        self.send(|dst| {
            ExtendRecordingRequest2 {
                control_session_id: cs,
                correlation_id,
                recording_id,
                stream_id,
                source_location: SourceLocation::Local,
                auto_stop: BooleanType::False,
                channel,
            }
            .encode(dst)
            .unwrap()
        });
        self.ok(correlation_id)
    }

    fn stop_subscription(&mut self, subscription_id: i64) {
        let (cs, correlation_id) = (self.control_session_id, self.correlation_id());
        self.send(|dst| {
            StopRecordingSubscriptionRequest { control_session_id: cs, correlation_id, subscription_id }
                .encode(dst)
                .unwrap()
        });
        self.ok(correlation_id);
    }

    fn recording_position(&mut self, recording_id: i64) -> i64 {
        let (cs, correlation_id) = (self.control_session_id, self.correlation_id());
        self.send(|dst| {
            RecordingPositionRequest { control_session_id: cs, correlation_id, recording_id }
                .encode(dst)
                .unwrap()
        });
        self.ok(correlation_id)
    }

    fn stop_position(&mut self, recording_id: i64) -> i64 {
        let (cs, correlation_id) = (self.control_session_id, self.correlation_id());
        self.send(|dst| {
            StopPositionRequest { control_session_id: cs, correlation_id, recording_id }.encode(dst).unwrap()
        });
        self.ok(correlation_id)
    }

    fn replay_request(
        &mut self,
        recording_id: i64,
        position: i64,
        length: i64,
        limit_counter_id: Option<i32>,
    ) -> i64 {
        let (cs, correlation_id) = (self.control_session_id, self.correlation_id());
        match limit_counter_id {
            None => self.send(|dst| {
                ReplayRequest {
                    control_session_id: cs,
                    correlation_id,
                    recording_id,
                    position,
                    length,
                    replay_stream_id: REPLAY_STREAM,
                    file_io_max_length: 4096,
                    replay_token: -1,
                    replay_channel: "aeron:ipc",
                }
                .encode(dst)
                .unwrap()
            }),
            Some(limit_counter_id) => self.send(|dst| {
                BoundedReplayRequest {
                    control_session_id: cs,
                    correlation_id,
                    recording_id,
                    position,
                    length,
                    limit_counter_id,
                    replay_stream_id: REPLAY_STREAM,
                    file_io_max_length: 4096,
                    replay_token: -1,
                    replay_channel: "aeron:ipc",
                }
                .encode(dst)
                .unwrap()
            }),
        }
        correlation_id
    }

    fn signals(&self, signal: RecordingSignal) -> Vec<(i64, i64)> {
        self.received
            .iter()
            .filter_map(|r| match r {
                Received::Signal { recording_id, position, signal: s } if *s == signal => {
                    Some((*recording_id, *position))
                }
                _ => None,
            })
            .collect()
    }

    /// Publishes messages `range` on `publication`, stepping everything until each is accepted.
    fn publish(&mut self, publication: &Publication, range: std::ops::Range<u32>) -> i64 {
        let mut position = publication.position();
        for sequence in range {
            let message = payload(sequence);
            let mut accepted = false;
            for _ in 0..1000 {
                match publication.offer(&message) {
                    Ok(new_position) => {
                        position = new_position;
                        accepted = true;
                        break;
                    }
                    Err(OfferError::BackPressured | OfferError::NotConnected | OfferError::AdminAction) => {
                        self.step()
                    }
                    Err(other) => panic!("offer failed: {other}"),
                }
            }
            assert!(accepted, "message {sequence} not accepted");
        }
        position
    }

    /// Steps until the archive's recorded position of `recording_id` reaches `position`.
    fn await_recorded(&mut self, recording_id: i64, position: i64) {
        self.step_until(5_000, |h| {
            h.archive
                .recording_counter_id(recording_id)
                .is_some_and(|id| h.archive.recording_counters().counter_value(id) >= position)
        });
    }

    /// Replays into a fresh subscription and collects `(sequence, position)` until `end_position`.
    fn replay(
        &mut self,
        recording_id: i64,
        position: i64,
        length: i64,
        end_position: i64,
    ) -> Vec<(u32, i64)> {
        let mut subscription = self.client.add_subscription("aeron:ipc", REPLAY_STREAM).unwrap();
        let correlation_id = self.replay_request(recording_id, position, length, None);
        let replay_session_id = self.ok(correlation_id);
        let session_id = replay_session_id as i32;
        let mut got = Vec::new();
        self.step_until(10_000, |_| {
            subscription.poll(
                &mut |bytes: &[u8], header: &Header| {
                    // Earlier replays to the same stream may still linger: keep this replay's image only.
                    if header.session_id() == session_id {
                        assert_eq!(header.stream_id(), REPLAY_STREAM);
                        got.push((check_payload(bytes), header.position()));
                    }
                },
                100,
            );
            got.last().is_some_and(|&(_, p)| p >= end_position)
        });
        subscription.close();
        got
    }
}

fn payload(sequence: u32) -> Vec<u8> {
    let length = 40 + (sequence as usize * 53) % 300;
    let mut bytes = vec![0u8; length];
    bytes[0..4].copy_from_slice(&sequence.to_le_bytes());
    for (i, byte) in bytes.iter_mut().enumerate().skip(4) {
        *byte = (i as u32).wrapping_mul(31).wrapping_add(sequence) as u8;
    }
    bytes
}

fn check_payload(bytes: &[u8]) -> u32 {
    let sequence = u32::from_le_bytes(bytes[0..4].try_into().unwrap());
    assert_eq!(bytes, &payload(sequence)[..], "replayed payload differs from the published one");
    sequence
}

/// Positions at which each message of `0..count` ends when published from position 0.
fn message_end_positions(count: u32) -> Vec<i64> {
    let mut positions = Vec::new();
    let mut position = 0i64;
    let term = 64 * 1024i64;
    for sequence in 0..count {
        let frame = agrona::align(32 + payload(sequence).len(), 32) as i64;
        if position % term + frame > term {
            position += term - position % term;
        }
        position += frame;
        positions.push(position);
    }
    positions
}

#[test]
fn records_lists_and_replays_an_ipc_stream_across_terms_and_segments() {
    let storage = MemoryArchiveStorage::new();
    let mut h = Harness::new(storage.clone());
    assert!(h.archive.recovery_report().actions.is_empty());
    assert_eq!(h.archive.control_session_count(), 1);

    let subscription_id = h.start_recording(RECORDED_CHANNEL, RECORDED_STREAM);
    let publication = h.client.add_publication(RECORDED_CHANNEL, RECORDED_STREAM).unwrap();
    h.step_until(100, |h| !h.signals(RecordingSignal::Start).is_empty());
    let (recording_id, start) = h.signals(RecordingSignal::Start)[0];
    assert_eq!((recording_id, start), (0, 0));
    let counter_id = h.archive.recording_counter_id(recording_id).unwrap();
    assert_eq!(h.archive.recording_counters().counter_type_id(counter_id), RECORDING_POSITION_TYPE_ID);
    let key = h.archive.recording_counters().counter_key(counter_id);
    assert_eq!(i64::from_le_bytes(key[0..8].try_into().unwrap()), recording_id);
    assert_eq!(i32::from_le_bytes(key[8..12].try_into().unwrap()), publication.session_id());
    // The rec-pos counter lives in the driver's counters, where archive clients look for it.
    let driver_counters = h.client.counters_reader();
    assert_eq!(RecordingPos::find_counter_id_by_recording(&driver_counters, recording_id), Some(counter_id));
    assert_eq!(
        RecordingPos::find_counter_id_by_session(&driver_counters, publication.session_id()),
        Some(counter_id)
    );
    assert!(RecordingPos::is_active(&driver_counters, counter_id, recording_id));

    let count = 1_500;
    let end = h.publish(&publication, 0..count);
    assert!(end > 4 * 64 * 1024, "several terms and segments: {end}");
    h.await_recorded(recording_id, end);
    assert_eq!(h.recording_position(recording_id), end);
    assert_eq!(driver_counters.counter_value(counter_id), end, "rec-pos tracks the recorded position");
    assert_eq!(h.stop_position(recording_id), -1);
    h.stop_subscription(subscription_id);
    h.step_until(100, |h| !h.signals(RecordingSignal::Stop).is_empty());
    assert_eq!(h.signals(RecordingSignal::Stop)[0], (recording_id, end));
    assert_eq!(h.stop_position(recording_id), end);
    assert_eq!(h.recording_position(recording_id), -1, "not recording any more");
    h.step_until(100, |_| !RecordingPos::is_active(&driver_counters, counter_id, recording_id));
    assert_eq!(RecordingPos::find_counter_id_by_recording(&driver_counters, recording_id), None);
    let segments = storage.list().unwrap().into_iter().filter(|name| name.ends_with(".rec")).count();
    assert!(segments >= 5, "{segments} segment files");

    // List: descriptors, then RECORDING_UNKNOWN since fewer than asked.
    let (cs, correlation_id) = (h.control_session_id, h.correlation_id());
    h.send(|dst| {
        ListRecordingsRequest {
            control_session_id: cs,
            correlation_id,
            from_recording_id: 0,
            record_count: 10,
        }
        .encode(dst)
        .unwrap()
    });
    let (relevant_id, code, _) = h.await_response(correlation_id);
    assert_eq!(code, ControlResponseCode::RecordingUnknown);
    assert_eq!(relevant_id, 1);
    let descriptors: Vec<_> = h
        .received
        .iter()
        .filter(|r| matches!(r, Received::Descriptor { correlation_id: c, .. } if *c == correlation_id))
        .cloned()
        .collect();
    assert_eq!(
        descriptors,
        vec![Received::Descriptor {
            correlation_id,
            recording_id,
            start: 0,
            stop: end,
            stream_id: RECORDED_STREAM,
            stripped: "aeron:ipc".to_string(),
            original: RECORDED_CHANNEL.to_string(),
            term_length: 64 * 1024,
            segment_length: 64 * 1024,
        }]
    );
    let correlation_id = h.correlation_id();
    h.send(|dst| {
        ListRecordingRequest { control_session_id: cs, correlation_id, recording_id: 9 }.encode(dst).unwrap()
    });
    assert_eq!(h.await_response(correlation_id).1, ControlResponseCode::RecordingUnknown);
    let correlation_id = h.correlation_id();
    h.send(|dst| ArchiveIdRequest { control_session_id: cs, correlation_id }.encode(dst).unwrap());
    assert_eq!(h.ok(correlation_id), 77);

    // Replay from the start, then from a middle message boundary.
    let ends = message_end_positions(count);
    assert_eq!(*ends.last().unwrap(), end);
    let all = h.replay(recording_id, 0, -1, end);
    assert_eq!(all.iter().map(|&(s, _)| s).collect::<Vec<_>>(), (0..count).collect::<Vec<_>>());
    assert!(all.iter().zip(&ends).all(|(&(_, p), &e)| p == e), "same positions as the original");
    let middle = ends[700];
    let tail = h.replay(recording_id, middle, end - middle, end);
    assert_eq!(tail.iter().map(|&(s, _)| s).collect::<Vec<_>>(), (701..count).collect::<Vec<_>>());
    h.step_until(100, |h| h.archive.replay_session_count() == 0);
    assert_eq!(h.archive.error_count(), 0, "{:?}", h.archive.errors());
}

#[test]
fn replays_a_live_recording_as_it_grows_and_bounded_replays_stop_at_their_bound() {
    let mut h = Harness::new(MemoryArchiveStorage::new());
    h.start_recording(RECORDED_CHANNEL, RECORDED_STREAM);
    let publication = h.client.add_publication(RECORDED_CHANNEL, RECORDED_STREAM).unwrap();
    h.step_until(100, |h| !h.signals(RecordingSignal::Start).is_empty());
    let first = h.publish(&publication, 0..100);
    h.await_recorded(0, first);

    let mut live = h.client.add_subscription("aeron:ipc", REPLAY_STREAM).unwrap();
    let correlation_id = h.replay_request(0, 0, -1, None);
    let session_id = h.ok(correlation_id) as i32;
    let mut got = Vec::new();
    let poll = |subscription: &mut Subscription, got: &mut Vec<u32>| {
        subscription.poll(
            &mut |bytes: &[u8], header: &Header| {
                assert_eq!(header.session_id(), session_id);
                got.push(check_payload(bytes));
            },
            100,
        );
    };
    h.step_until(2_000, |h| {
        let _ = h;
        poll(&mut live, &mut got);
        got.len() == 100
    });
    // The recording grows; the replay follows its rec-pos counter.
    h.publish(&publication, 100..600);
    h.step_until(5_000, |_| {
        poll(&mut live, &mut got);
        got.len() == 600
    });
    assert_eq!(got, (0..600).collect::<Vec<_>>());
    assert_eq!(h.archive.replay_session_count(), 1, "a follow replay of a live recording keeps going");

    // Bounded by a counter: the test subscriber's own sub-pos counter of the live replay image.
    let limit_counter_id = live.images()[0].subscriber_position_id();
    let limit = live.images()[0].position();
    let mut bounded = h.client.add_subscription("aeron:ipc", REPLAY_STREAM + 1).unwrap();
    let (cs, correlation_id) = (h.control_session_id, h.correlation_id());
    h.send(|dst| {
        BoundedReplayRequest {
            control_session_id: cs,
            correlation_id,
            recording_id: 0,
            position: 0,
            length: -1,
            limit_counter_id,
            replay_stream_id: REPLAY_STREAM + 1,
            file_io_max_length: 4096,
            replay_token: -1,
            replay_channel: "aeron:ipc",
        }
        .encode(dst)
        .unwrap()
    });
    h.ok(correlation_id);
    let mut bounded_got = Vec::new();
    let mut last_position = 0;
    h.step_until(3_000, |_| {
        bounded.poll(
            &mut |bytes: &[u8], header: &Header| {
                bounded_got.push(check_payload(bytes));
                last_position = header.position();
            },
            100,
        );
        last_position >= limit
    });
    h.publish(&publication, 600..700);
    h.run_steps(200);
    bounded.poll(&mut |_: &[u8], _: &Header| panic!("bounded replay passed its limit counter"), 100);
    assert_eq!(bounded_got, (0..600).collect::<Vec<_>>());

    // Bounded by length: exactly the first 10 messages.
    let ends = message_end_positions(10);
    let got_ten = h.replay(0, 0, ends[9], ends[9]);
    assert_eq!(got_ten.iter().map(|&(s, _)| s).collect::<Vec<_>>(), (0..10).collect::<Vec<_>>());
    assert_eq!(h.archive.error_count(), 0, "{:?}", h.archive.errors());
}

impl<S: ArchiveStorage> Harness<S> {
    fn run_steps(&mut self, steps: usize) {
        for _ in 0..steps {
            self.step();
        }
    }
}

#[test]
fn extends_a_stopped_recording_and_replays_across_the_join_then_truncates_and_extends_again() {
    let mut h = Harness::new(MemoryArchiveStorage::new());
    let subscription_id = h.start_recording(RECORDED_CHANNEL, RECORDED_STREAM);
    let mut publication = h.client.add_exclusive_publication(RECORDED_CHANNEL, RECORDED_STREAM).unwrap();
    h.step_until(100, |h| !h.signals(RecordingSignal::Start).is_empty());
    let mut end = 0;
    for sequence in 0..300 {
        end = offer_exclusive(&mut h, &mut publication, sequence);
    }
    h.await_recorded(0, end);
    h.stop_subscription(subscription_id);
    assert_eq!(h.stop_position(0), end);
    let (initial_term_id, term_id, term_offset) = (
        publication.initial_term_id(),
        publication.initial_term_id() + (end >> 16) as i32,
        (end & 0xFFFF) as i32,
    );
    publication.close();

    // A new publication continuing at the stop position with the same initial term id.
    let continuation = format!(
        "aeron:ipc?term-length=64k|init-term-id={initial_term_id}|term-id={term_id}|term-offset={term_offset}"
    );
    let extend_subscription = h.extend_recording(0, RECORDED_CHANNEL, RECORDED_STREAM);
    let mut publication = h.client.add_exclusive_publication(&continuation, RECORDED_STREAM).unwrap();
    assert_eq!(publication.position(), end);
    h.step_until(100, |h| !h.signals(RecordingSignal::Extend).is_empty());
    assert_eq!(h.signals(RecordingSignal::Extend)[0], (0, end));
    let mut extended_end = end;
    for sequence in 300..700 {
        extended_end = offer_exclusive(&mut h, &mut publication, sequence);
    }
    h.await_recorded(0, extended_end);
    h.stop_subscription(extend_subscription);
    assert_eq!(h.stop_position(0), extended_end);
    let all = h.replay(0, 0, -2, extended_end);
    assert_eq!(all.iter().map(|&(s, _)| s).collect::<Vec<_>>(), (0..700).collect::<Vec<_>>());
    h.step_until(100, |h| h.archive.replay_session_count() == 0);
    publication.close();

    // Truncate back to the first join, then extend again from there.
    let (cs, correlation_id) = (h.control_session_id, h.correlation_id());
    h.send(|dst| {
        TruncateRecordingRequest { control_session_id: cs, correlation_id, recording_id: 0, position: end }
            .encode(dst)
            .unwrap()
    });
    h.ok(correlation_id);
    assert_eq!(h.stop_position(0), end);
    let extend_subscription = h.extend_recording(0, RECORDED_CHANNEL, RECORDED_STREAM);
    let mut publication = h.client.add_exclusive_publication(&continuation, RECORDED_STREAM).unwrap();
    h.step_until(100, |h| h.signals(RecordingSignal::Extend).len() == 2);
    let mut final_end = end;
    for sequence in 1000..1100 {
        final_end = offer_exclusive(&mut h, &mut publication, sequence);
    }
    h.await_recorded(0, final_end);
    h.stop_subscription(extend_subscription);
    let all = h.replay(0, 0, -2, final_end);
    let expected: Vec<u32> = (0..300).chain(1000..1100).collect();
    assert_eq!(all.iter().map(|&(s, _)| s).collect::<Vec<_>>(), expected);
    assert_eq!(h.archive.error_count(), 0, "{:?}", h.archive.errors());
}

fn offer_exclusive<S: ArchiveStorage>(
    h: &mut Harness<S>,
    publication: &mut ExclusivePublication,
    sequence: u32,
) -> i64 {
    let message = payload(sequence);
    for _ in 0..1000 {
        match publication.offer(&message) {
            Ok(position) => return position,
            Err(OfferError::BackPressured | OfferError::NotConnected | OfferError::AdminAction) => h.step(),
            Err(other) => panic!("offer failed: {other}"),
        }
    }
    panic!("message {sequence} not accepted");
}

#[test]
fn a_failed_segment_write_stops_the_recording_with_an_error_and_replays_only_good_data() {
    let storage = FaultyArchiveStorage::new(MemoryArchiveStorage::new());
    let mut h = Harness::new(storage.clone());
    h.start_recording(RECORDED_CHANNEL, RECORDED_STREAM);
    let publication = h.client.add_publication(RECORDED_CHANNEL, RECORDED_STREAM).unwrap();
    h.step_until(100, |h| !h.signals(RecordingSignal::Start).is_empty());
    let first = h.publish(&publication, 0..50);
    h.await_recorded(0, first);
    storage.inject(Fault::after(FaultKind::ShortWrite { written_bytes: 40 }, 0).on_files_containing(".rec"));
    let _ = h.publish(&publication, 50..60);
    h.step_until(500, |h| !h.signals(RecordingSignal::Stop).is_empty());
    assert_eq!(storage.fired_count(), 1);
    let (_, stop) = h.signals(RecordingSignal::Stop)[0];
    assert_eq!(stop, first, "stopped at the last good block");
    assert_eq!(h.stop_position(0), first);
    let error = h.received.iter().find_map(|r| match r {
        Received::Response { code: ControlResponseCode::Error, message, .. } => Some(message.clone()),
        _ => None,
    });
    assert!(error.is_some_and(|m| m.contains("recording 0 stopped")), "the requester is told");
    assert_eq!(h.archive.error_count(), 1, "{:?}", h.archive.errors());
    assert_eq!(h.archive.recording_session_count(), 0);
    let replayed = h.replay(0, 0, -2, first);
    assert_eq!(replayed.iter().map(|&(s, _)| s).collect::<Vec<_>>(), (0..50).collect::<Vec<_>>());
}

#[test]
fn bad_requests_get_error_responses() {
    let mut h = Harness::new(MemoryArchiveStorage::new());
    let subscription_id = h.start_recording(RECORDED_CHANNEL, RECORDED_STREAM);
    let publication = h.client.add_publication(RECORDED_CHANNEL, RECORDED_STREAM).unwrap();
    h.step_until(100, |h| !h.signals(RecordingSignal::Start).is_empty());
    let end = h.publish(&publication, 0..20);
    h.await_recorded(0, end);

    // The same channel and stream twice.
    let (cs, correlation_id) = (h.control_session_id, h.correlation_id());
    h.send(|dst| {
        StartRecordingRequest2 {
            control_session_id: cs,
            correlation_id,
            stream_id: RECORDED_STREAM,
            source_location: SourceLocation::Local,
            auto_stop: BooleanType::False,
            channel: RECORDED_CHANNEL,
        }
        .encode(dst)
        .unwrap()
    });
    assert_eq!(h.error(correlation_id).0, archive_error_code::ACTIVE_SUBSCRIPTION);
    // Truncating or extending an active recording.
    let correlation_id = h.correlation_id();
    h.send(|dst| {
        TruncateRecordingRequest { control_session_id: cs, correlation_id, recording_id: 0, position: 0 }
            .encode(dst)
            .unwrap()
    });
    assert_eq!(h.error(correlation_id).0, archive_error_code::ACTIVE_RECORDING);
    h.stop_subscription(subscription_id);

    // Unknown recordings.
    let correlation_id = h.correlation_id();
    h.send(|dst| {
        StopPositionRequest { control_session_id: cs, correlation_id, recording_id: 42 }.encode(dst).unwrap()
    });
    assert_eq!(h.error(correlation_id).0, archive_error_code::UNKNOWN_RECORDING);
    let correlation_id = h.replay_request(42, 0, -1, None);
    assert_eq!(h.error(correlation_id).0, archive_error_code::UNKNOWN_RECORDING);
    // Bad positions: unaligned, past the end, not at a frame, truncate past the stop.
    for position in [16, end + 32, 64 + 32 * 1000] {
        let correlation_id = h.replay_request(0, position, -1, None);
        assert_eq!(h.error(correlation_id).0, archive_error_code::INVALID_POSITION, "position {position}");
    }
    let not_a_frame = agrona::align(32 + payload(0).len(), 32) as i64 + 32;
    let correlation_id = h.replay_request(0, not_a_frame, -1, None);
    assert_eq!(h.error(correlation_id).0, archive_error_code::INVALID_POSITION);
    let correlation_id = h.correlation_id();
    h.send(|dst| {
        TruncateRecordingRequest {
            control_session_id: cs,
            correlation_id,
            recording_id: 0,
            position: end + 64,
        }
        .encode(dst)
        .unwrap()
    });
    assert_eq!(h.error(correlation_id).0, archive_error_code::INVALID_POSITION);
    // Extending with a mismatching stream (a stream that is not the recording's).
    let correlation_id = h.correlation_id();
    h.send(|dst| {
        ExtendRecordingRequest2 {
            control_session_id: cs,
            correlation_id,
            recording_id: 0,
            stream_id: RECORDED_STREAM + 5,
            source_location: SourceLocation::Local,
            auto_stop: BooleanType::False,
            channel: RECORDED_CHANNEL,
        }
        .encode(dst)
        .unwrap()
    });
    assert_eq!(h.error(correlation_id).0, archive_error_code::INVALID_EXTENSION);
    // An empty REPLAY_ALL_AND_STOP from the stop position.
    let correlation_id = h.replay_request(0, end, -2, None);
    assert_eq!(h.error(correlation_id).0, archive_error_code::EMPTY_RECORDING);
    // Requests of an unknown control session are ignored (no response at all).
    let correlation_id = h.correlation_id();
    h.send(|dst| {
        StopPositionRequest { control_session_id: 999_999, correlation_id, recording_id: 0 }
            .encode(dst)
            .unwrap()
    });
    h.run_steps(50);
    assert!(
        !h.received
            .iter()
            .any(|r| matches!(r, Received::Response { correlation_id: c, .. } if *c == correlation_id))
    );
}
