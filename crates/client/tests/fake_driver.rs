//! The client against a hand-made "driver" built from agrona primitives only, to exercise what a real
//! driver never does: foreign or corrupt CnC regions, missing heartbeats, garbage responses, unusable log
//! buffers and counter ids, silence. Everything is single-threaded on a `ManualClock`.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use agrona::{
    AtomicBuffer, BroadcastTransmitter, CountersManager, HeapMemoryStore, IdleStrategy, ManualClock,
    ManyToOneRingBuffer, MemoryStore,
};
use fulmar_client::{Aeron, ClientError, Context, Header, OfferError};
use logbuffer::{LogBuffer, LogParams, compute_log_length};
use proptest::prelude::*;
use protocol::command::cnc::{CNC_FILE, CNC_VERSION, CncHeader, CncLayout, META_DATA_LENGTH};
use protocol::command::{
    ClientTimeout, CorrelatedMessage, ErrorResponse, ImageBuffersReady, ImageMessage,
    PublicationBuffersReady, PublicationMessage, RemoveMessage, RemovePublicationMessage,
    SubscriptionMessage, SubscriptionReady, error_code, event,
};

const START_NS: i64 = 1_000_000_000_000;
const RING_CAPACITY: usize = 64 * 1024;
const BROADCAST_CAPACITY: usize = 64 * 1024;
const COUNTERS: usize = 64;
const TERM_LENGTH: i32 = 64 * 1024;

/// How the fake driver answers add commands.
#[derive(Debug, Clone, PartialEq)]
enum Answer {
    /// As a driver would.
    Normal,
    /// Not at all (still heart-beating).
    Silent,
    /// With an error response.
    Error(i32, String),
    /// With a log buffer name that does not exist.
    MissingLog,
    /// With a publisher-limit counter id outside the counters region.
    BadCounterId,
}

/// A command the fake driver received.
#[derive(Debug, Clone, PartialEq)]
enum Received {
    AddPublication { correlation_id: i64, exclusive: bool },
    RemovePublication { registration_id: i64 },
    AddSubscription { correlation_id: i64 },
    RemoveSubscription { registration_id: i64 },
    Keepalive,
    ClientClose { client_id: i64 },
    Other(i32),
}

struct FakeDriver {
    store: HeapMemoryStore,
    clock: ManualClock,
    ring: ManyToOneRingBuffer,
    transmitter: BroadcastTransmitter,
    counters: CountersManager,
    answer: Answer,
    heartbeat: bool,
    received: Vec<Received>,
    heartbeat_counter: Option<i32>,
    next_session_id: i32,
}

impl FakeDriver {
    /// Creates `cnc.dat` in `store` with the given version.
    fn with_version(store: &HeapMemoryStore, clock: &ManualClock, version: i32) -> Self {
        let layout = CncLayout::new(
            RING_CAPACITY + 768,
            BROADCAST_CAPACITY + 128,
            COUNTERS * 512,
            COUNTERS * 128,
            4096,
        );
        let buffer = store.create(CNC_FILE, layout.file_length(4096)).unwrap();
        let header = CncHeader {
            cnc_version: CNC_VERSION,
            to_driver_buffer_length: (RING_CAPACITY + 768) as i32,
            to_clients_buffer_length: (BROADCAST_CAPACITY + 128) as i32,
            counters_metadata_buffer_length: (COUNTERS * 512) as i32,
            counters_values_buffer_length: (COUNTERS * 128) as i32,
            error_log_buffer_length: 4096,
            client_liveness_timeout_ns: 10_000_000_000,
            start_timestamp_ms: clock.time_ms_now(),
            pid: 1,
            file_page_size: 4096,
        };
        let mut fields = [0u8; META_DATA_LENGTH];
        header.encode_fields(&mut fields).unwrap();
        buffer.put_bytes(4, &fields[4..]);
        let ring =
            ManyToOneRingBuffer::new(buffer.view(layout.to_driver_offset, layout.to_driver_length)).unwrap();
        ring.set_consumer_heartbeat_time(clock.time_ms_now());
        let transmitter =
            BroadcastTransmitter::new(buffer.view(layout.to_clients_offset, layout.to_clients_length))
                .unwrap();
        let counters = CountersManager::new(
            buffer.view(layout.counters_metadata_offset, layout.counters_metadata_length),
            buffer.view(layout.counters_values_offset, layout.counters_values_length),
            0,
        );
        buffer.put_i32_ordered(0, version);
        Self {
            store: store.clone(),
            clock: clock.clone(),
            ring,
            transmitter,
            counters,
            answer: Answer::Normal,
            heartbeat: true,
            received: Vec::new(),
            heartbeat_counter: None,
            next_session_id: 100,
        }
    }

    fn new(store: &HeapMemoryStore, clock: &ManualClock) -> Self {
        Self::with_version(store, clock, CNC_VERSION)
    }

    fn transmit(&mut self, msg_type_id: i32, encoded: &[u8]) {
        self.transmitter.transmit(msg_type_id, encoded).unwrap();
    }

    fn do_work(&mut self) -> usize {
        if self.heartbeat {
            self.ring.set_consumer_heartbeat_time(self.clock.time_ms_now());
        }
        let mut commands = VecDeque::new();
        let count =
            self.ring.read(|msg_type_id, bytes| commands.push_back((msg_type_id, bytes.to_vec())), 100);
        for (msg_type_id, bytes) in commands {
            self.on_command(msg_type_id, &bytes);
        }
        count
    }

    fn ensure_heartbeat_counter(&mut self, client_id: i64) {
        if self.heartbeat_counter.is_none() {
            let id = self.counters.allocate(11, &client_id.to_le_bytes(), "client-heartbeat", 0).unwrap();
            self.counters.reader();
            self.heartbeat_counter = Some(id);
        }
    }

    fn on_command(&mut self, msg_type_id: i32, bytes: &[u8]) {
        match msg_type_id {
            event::ADD_PUBLICATION | event::ADD_EXCLUSIVE_PUBLICATION => {
                let message = PublicationMessage::decode(bytes).unwrap();
                let exclusive = msg_type_id == event::ADD_EXCLUSIVE_PUBLICATION;
                self.received
                    .push(Received::AddPublication { correlation_id: message.correlation_id, exclusive });
                self.ensure_heartbeat_counter(message.client_id);
                self.answer_publication(message.correlation_id, message.stream_id, exclusive);
            }
            event::REMOVE_PUBLICATION => {
                let message = RemovePublicationMessage::decode(bytes).unwrap();
                self.received.push(Received::RemovePublication { registration_id: message.registration_id });
            }
            event::ADD_SUBSCRIPTION => {
                let message = SubscriptionMessage::decode(bytes).unwrap();
                self.received.push(Received::AddSubscription { correlation_id: message.correlation_id });
                self.ensure_heartbeat_counter(message.client_id);
                match self.answer.clone() {
                    Answer::Silent => {}
                    Answer::Error(code, text) => self.send_error(message.correlation_id, code, &text),
                    _ => {
                        let ready = SubscriptionReady {
                            correlation_id: message.correlation_id,
                            channel_status_indicator_id: 0,
                        };
                        self.send(event::ON_SUBSCRIPTION_READY, |dst| ready.encode(dst));
                    }
                }
            }
            event::REMOVE_SUBSCRIPTION => {
                let message = RemoveMessage::decode(bytes).unwrap();
                self.received.push(Received::RemoveSubscription { registration_id: message.registration_id });
            }
            event::CLIENT_KEEPALIVE => self.received.push(Received::Keepalive),
            event::CLIENT_CLOSE => {
                let message = CorrelatedMessage::decode(bytes).unwrap();
                self.received.push(Received::ClientClose { client_id: message.client_id });
            }
            other => self.received.push(Received::Other(other)),
        }
    }

    fn send(
        &mut self,
        msg_type_id: i32,
        encode: impl FnOnce(&mut [u8]) -> Result<usize, protocol::command::CommandError>,
    ) {
        let mut scratch = vec![0u8; 4096];
        let length = encode(&mut scratch).unwrap();
        self.transmit(msg_type_id, &scratch[..length]);
    }

    fn send_error(&mut self, correlation_id: i64, code: i32, text: &str) {
        let error = ErrorResponse {
            offending_command_correlation_id: correlation_id,
            error_code: code,
            error_message: text,
        };
        self.send(event::ON_ERROR, |dst| error.encode(dst));
    }

    /// Creates a log for `(session, stream)` named after `correlation_id`.
    fn create_log(&mut self, name: &str, session_id: i32, stream_id: i32) -> LogBuffer {
        let buffer = self.store.create(name, compute_log_length(TERM_LENGTH, 4096)).unwrap();
        LogBuffer::initialize(buffer, &LogParams::new(TERM_LENGTH, 1408, 7, session_id, stream_id)).unwrap()
    }

    fn answer_publication(&mut self, correlation_id: i64, stream_id: i32, exclusive: bool) {
        let (log_file_name, limit_id) = match self.answer.clone() {
            Answer::Silent => return,
            Answer::Error(code, text) => return self.send_error(correlation_id, code, &text),
            Answer::MissingLog => ("publications/missing.logbuffer".to_owned(), 0),
            Answer::BadCounterId => (format!("publications/{correlation_id}.logbuffer"), 1_000_000),
            Answer::Normal => (format!("publications/{correlation_id}.logbuffer"), -1),
        };
        let session_id = self.next_session_id;
        self.next_session_id += 1;
        if self.answer != Answer::MissingLog {
            self.create_log(&log_file_name, session_id, stream_id);
        }
        let limit_id = if limit_id == -1 {
            let id = self.counters.allocate(1, &correlation_id.to_le_bytes(), "pub-lmt", 0).unwrap();
            self.counters.counter(id).set_ordered(i64::from(TERM_LENGTH / 2));
            id
        } else {
            limit_id
        };
        let ready = PublicationBuffersReady {
            correlation_id,
            registration_id: correlation_id,
            session_id,
            stream_id,
            publication_limit_counter_id: limit_id,
            channel_status_indicator_id: 0,
            log_file_name: &log_file_name,
        };
        let type_id =
            if exclusive { event::ON_EXCLUSIVE_PUBLICATION_READY } else { event::ON_PUBLICATION_READY };
        self.send(type_id, |dst| ready.encode(dst));
    }

    /// Announces an image of a fresh log to a subscription; returns the log.
    fn announce_image(
        &mut self,
        subscription_registration_id: i64,
        correlation_id: i64,
        session_id: i32,
    ) -> LogBuffer {
        let name = format!("images/{correlation_id}.logbuffer");
        let log = self.create_log(&name, session_id, 10);
        let position_id = self.counters.allocate(4, &correlation_id.to_le_bytes(), "sub-pos", 0).unwrap();
        let ready = ImageBuffersReady {
            correlation_id,
            session_id,
            stream_id: 10,
            subscription_registration_id,
            subscriber_position_id: position_id,
            log_file_name: &name,
            source_identity: "fake-source",
        };
        self.send(event::ON_AVAILABLE_IMAGE, |dst| ready.encode(dst));
        log
    }

    fn withdraw_image(&mut self, subscription_registration_id: i64, correlation_id: i64) {
        let message = ImageMessage {
            correlation_id,
            subscription_registration_id,
            stream_id: 10,
            channel: "aeron:ipc",
        };
        self.send(event::ON_UNAVAILABLE_IMAGE, |dst| message.encode(dst));
    }
}

/// `ManualClock::time_ms` without naming the trait at every call.
trait TimeMsNow {
    fn time_ms_now(&self) -> i64;
}

impl TimeMsNow for ManualClock {
    fn time_ms_now(&self) -> i64 {
        agrona::EpochClock::time_ms(self)
    }
}

/// An idle strategy that moves a manual clock forward, so waits for a silent driver end.
struct AdvancingIdle {
    clock: ManualClock,
    step_ns: i64,
}

impl IdleStrategy for AdvancingIdle {
    fn idle_once(&mut self) {
        self.clock.advance_ns(self.step_ns);
    }
    fn alias(&self) -> &'static str {
        "advancing"
    }
}

struct Harness {
    clock: ManualClock,
    store: HeapMemoryStore,
    driver: Arc<Mutex<FakeDriver>>,
    errors: Arc<AtomicUsize>,
}

impl Harness {
    fn new() -> Self {
        let clock = ManualClock::new(START_NS);
        let store = HeapMemoryStore::new();
        let driver = Arc::new(Mutex::new(FakeDriver::new(&store, &clock)));
        Self { clock, store, driver, errors: Arc::new(AtomicUsize::new(0)) }
    }

    /// A context whose invoker steps the fake driver and advances the clock 1 ms per step.
    fn context(&self) -> Context {
        let driver = Arc::clone(&self.driver);
        let clock = self.clock.clone();
        let errors = Arc::clone(&self.errors);
        Context::new(Arc::new(self.store.clone()), Arc::new(self.clock.clone()), Arc::new(self.clock.clone()))
            .driver_timeout_ns(1_000_000_000)
            .idle_strategy(Box::new(AdvancingIdle { clock: self.clock.clone(), step_ns: 1_000_000 }))
            .driver_agent_invoker(Box::new(move |_now_ns| {
                clock.advance_ns(1_000_000);
                driver.lock().unwrap().do_work()
            }))
            .error_handler(Box::new(move |_error| {
                errors.fetch_add(1, Ordering::Relaxed);
            }))
    }

    fn connect(&self) -> Aeron {
        Aeron::connect(self.context()).expect("connect to the fake driver")
    }

    fn step(&self, aeron: &Aeron) {
        self.clock.advance_ns(1_000_000);
        self.driver.lock().unwrap().do_work();
        aeron.conductor_do_work(agrona::NanoClock::nano_time(&self.clock));
    }

    fn received(&self) -> Vec<Received> {
        self.driver.lock().unwrap().received.clone()
    }
}

fn bare_context(store: &HeapMemoryStore, clock: &ManualClock) -> Context {
    Context::new(Arc::new(store.clone()), Arc::new(clock.clone()), Arc::new(clock.clone()))
        .driver_timeout_ns(500_000_000)
        .idle_strategy(Box::new(AdvancingIdle { clock: clock.clone(), step_ns: 1_000_000 }))
}

#[test]
fn connect_times_out_without_a_cnc_region() {
    let clock = ManualClock::new(START_NS);
    let store = HeapMemoryStore::new();
    let error = Aeron::connect(bare_context(&store, &clock)).unwrap_err();
    assert!(matches!(&error, ClientError::DriverTimeout { reason } if reason.contains("no CnC")), "{error}");
    assert!(agrona::NanoClock::nano_time(&clock) - START_NS >= 500_000_000, "waited the whole timeout");
}

#[test]
fn connect_rejects_an_incompatible_cnc_version() {
    let clock = ManualClock::new(START_NS);
    let store = HeapMemoryStore::new();
    let _driver = FakeDriver::with_version(&store, &clock, 2 << 16);
    let error = Aeron::connect(bare_context(&store, &clock)).unwrap_err();
    assert!(matches!(&error, ClientError::CncInvalid { reason } if reason.contains("version")), "{error}");
    assert_eq!(agrona::NanoClock::nano_time(&clock), START_NS, "fails at once, without waiting");
}

#[test]
fn connect_waits_for_a_version_then_for_a_heartbeat() {
    let clock = ManualClock::new(START_NS);
    let store = HeapMemoryStore::new();
    let driver = FakeDriver::with_version(&store, &clock, 0);
    let error = Aeron::connect(bare_context(&store, &clock)).unwrap_err();
    assert!(matches!(&error, ClientError::DriverTimeout { .. }), "{error}");

    driver.ring.set_consumer_heartbeat_time(0);
    store.open(CNC_FILE).unwrap().put_i32_ordered(0, CNC_VERSION);
    let error = Aeron::connect(bare_context(&store, &clock)).unwrap_err();
    assert!(
        matches!(&error, ClientError::DriverTimeout { reason } if reason.contains("heartbeat")),
        "{error}"
    );

    // A heartbeat older than the driver timeout is as good as none.
    driver.ring.set_consumer_heartbeat_time(clock.time_ms_now() - 600);
    let error = Aeron::connect(bare_context(&store, &clock)).unwrap_err();
    assert!(
        matches!(&error, ClientError::DriverTimeout { reason } if reason.contains("heartbeat")),
        "{error}"
    );

    driver.ring.set_consumer_heartbeat_time(clock.time_ms_now());
    let aeron = Aeron::connect(bare_context(&store, &clock)).unwrap();
    assert!(aeron.client_id() > 0 || aeron.client_id() == 0);
    assert_ne!(aeron.next_correlation_id(), aeron.client_id());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Whatever a foreign process wrote into `cnc.dat`, connecting returns a value and never panics.
    #[test]
    fn connect_never_panics_on_a_garbage_cnc(
        header in proptest::collection::vec(any::<u8>(), META_DATA_LENGTH),
        fields in proptest::collection::vec((0usize..6, any::<i32>()), 0..6),
        length in 0usize..300_000,
    ) {
        let clock = ManualClock::new(START_NS);
        let store = HeapMemoryStore::new();
        let buffer: AtomicBuffer = store.create(CNC_FILE, length.max(1)).unwrap();
        let mut header = header;
        header[0..4].copy_from_slice(&CNC_VERSION.to_le_bytes());
        // Plausible lengths make it past the first checks more often.
        for (field, value) in fields {
            let offset = 4 + field * 4;
            header[offset..offset + 4].copy_from_slice(&value.to_le_bytes());
        }
        let n = header.len().min(buffer.capacity());
        buffer.put_bytes(0, &header[..n]);
        let context = bare_context(&store, &clock).driver_timeout_ns(5_000_000);
        let _ = Aeron::connect(context);
    }
}

#[test]
fn publication_and_subscription_round_trip_through_a_fake_driver() {
    let harness = Harness::new();
    let aeron = harness.connect();
    let publication = aeron.add_publication("aeron:ipc", 10).unwrap();
    assert_eq!(publication.stream_id(), 10);
    assert_eq!(publication.position_limit(), i64::from(TERM_LENGTH / 2));
    assert_eq!(publication.position(), 0);
    assert_eq!(publication.offer(b"hello"), Ok(64), "below the limit an offer appends, connected or not");
    assert!(!publication.is_connected());

    let mut exclusive = aeron.add_exclusive_publication("aeron:ipc", 11).unwrap();
    assert_ne!(exclusive.session_id(), publication.session_id());
    assert_eq!(exclusive.offer(b"x"), Ok(64));

    let mut subscription = aeron.add_subscription("aeron:ipc", 10).unwrap();
    assert_eq!(subscription.image_count(), 0);
    let registration_id = subscription.registration_id();
    let log = harness.driver.lock().unwrap().announce_image(registration_id, 9_000, 77);
    harness.step(&aeron);
    assert_eq!(subscription.image_count(), 1);
    let image = subscription.image_by_session_id(77).unwrap().clone();
    assert_eq!(image.source_identity(), "fake-source");
    assert_eq!(image.join_position(), 0);
    assert_eq!(image.term_buffer_length(), TERM_LENGTH);
    assert_eq!(image.initial_term_id(), 7);

    // Write one message into the image's log with a writer, as a publisher process would.
    let writer = logbuffer::ConcurrentPublicationWriter::new(log);
    writer.offer(i64::MAX, b"from elsewhere").unwrap();
    let mut got = Vec::new();
    let fragments = subscription.poll(
        &mut |payload: &[u8], header: &Header| {
            got.push((payload.to_vec(), header.session_id()));
        },
        10,
    );
    assert_eq!(fragments, 1);
    assert_eq!(got, vec![(b"from elsewhere".to_vec(), 77)]);
    assert_eq!(image.position(), 64);

    harness.driver.lock().unwrap().withdraw_image(registration_id, 9_000);
    harness.step(&aeron);
    assert!(image.is_closed());
    assert_eq!(image.position(), 64);
    assert_eq!(subscription.image_count(), 0);

    publication.close();
    exclusive.close();
    subscription.close();
    harness.step(&aeron);
    let received = harness.received();
    assert!(
        received.contains(&Received::RemovePublication { registration_id: publication.registration_id() })
    );
    assert!(received.contains(&Received::RemovePublication { registration_id: exclusive.registration_id() }));
    assert!(received.contains(&Received::RemoveSubscription { registration_id }));
    assert_eq!(publication.offer(b"late"), Err(OfferError::Closed));
    assert_eq!(exclusive.offer(b"late"), Err(OfferError::Closed));

    aeron.close();
    assert!(aeron.is_closed());
    harness.step(&aeron);
    assert!(harness.received().contains(&Received::ClientClose { client_id: aeron.client_id() }));
    assert_eq!(aeron.add_publication("aeron:ipc", 1).unwrap_err(), ClientError::Closed);
}

#[test]
fn driver_errors_become_typed_errors() {
    let harness = Harness::new();
    let aeron = harness.connect();
    harness.driver.lock().unwrap().answer =
        Answer::Error(error_code::INVALID_CHANNEL, "bad uri: nope".into());
    assert_eq!(
        aeron.add_publication("aeron:nope", 1).unwrap_err(),
        ClientError::ChannelInvalid { message: "bad uri: nope".into() }
    );
    assert_eq!(
        aeron.add_subscription("aeron:nope", 1).unwrap_err(),
        ClientError::ChannelInvalid { message: "bad uri: nope".into() }
    );
    harness.driver.lock().unwrap().answer = Answer::Error(error_code::GENERIC_ERROR, "no space".into());
    let error = aeron.add_exclusive_publication("aeron:ipc", 1).unwrap_err();
    assert!(
        matches!(error, ClientError::Registration { code: error_code::GENERIC_ERROR, ref message, .. } if message == "no space")
    );

    assert!(matches!(aeron.add_publication("", 1), Err(ClientError::ChannelInvalid { .. })));
    let long = format!("aeron:ipc?alias={}", "x".repeat(5000));
    assert!(matches!(aeron.add_publication(&long, 1), Err(ClientError::ChannelInvalid { .. })));

    harness.driver.lock().unwrap().answer = Answer::MissingLog;
    assert!(matches!(aeron.add_publication("aeron:ipc", 1), Err(ClientError::LogBufferInvalid { .. })));
    harness.driver.lock().unwrap().answer = Answer::BadCounterId;
    assert!(matches!(aeron.add_publication("aeron:ipc", 1), Err(ClientError::CounterInvalid { .. })));

    harness.driver.lock().unwrap().answer = Answer::Normal;
    assert!(aeron.add_publication("aeron:ipc", 1).is_ok(), "the client still works");
}

#[test]
fn a_silent_driver_times_the_call_out_and_the_registration_is_undone() {
    let harness = Harness::new();
    let aeron = harness.connect();
    harness.driver.lock().unwrap().answer = Answer::Silent;
    let start_ns = agrona::NanoClock::nano_time(&harness.clock);
    let error = aeron.add_publication("aeron:ipc", 1).unwrap_err();
    assert!(matches!(error, ClientError::DriverTimeout { .. }), "{error}");
    assert!(agrona::NanoClock::nano_time(&harness.clock) - start_ns >= 1_000_000_000);
    harness.step(&aeron);
    let received = harness.received();
    let Some(Received::AddPublication { correlation_id, .. }) =
        received.iter().find(|r| matches!(r, Received::AddPublication { .. })).cloned()
    else {
        panic!("no add received: {received:?}");
    };
    assert!(received.contains(&Received::RemovePublication { registration_id: correlation_id }));

    // The async form reports the same timeout from poll.
    let registration_id = aeron.async_add_subscription("aeron:ipc", 2).unwrap();
    let mut outcome = Ok(None);
    for _ in 0..2_000 {
        outcome = aeron.poll_subscription(registration_id);
        if !matches!(outcome, Ok(None)) {
            break;
        }
    }
    assert!(matches!(outcome, Err(ClientError::DriverTimeout { .. })), "{outcome:?}");
    assert_eq!(
        aeron.poll_subscription(registration_id).unwrap_err(),
        ClientError::UnknownRegistration(registration_id)
    );
}

#[test]
fn async_adds_complete_through_polling() {
    let harness = Harness::new();
    let aeron = harness.connect();
    let publication_id = aeron.async_add_publication("aeron:ipc", 5).unwrap();
    let exclusive_id = aeron.async_add_exclusive_publication("aeron:ipc", 6).unwrap();
    let subscription_id = aeron.async_add_subscription("aeron:ipc", 5).unwrap();
    assert_eq!(
        aeron.poll_exclusive_publication(publication_id).unwrap_err(),
        ClientError::UnknownRegistration(publication_id),
        "asking for the wrong kind"
    );
    let mut publication = None;
    let mut exclusive = None;
    let mut subscription = None;
    for _ in 0..100 {
        if publication.is_none() {
            publication = aeron.poll_publication(publication_id).unwrap();
        }
        if exclusive.is_none() {
            exclusive = aeron.poll_exclusive_publication(exclusive_id).unwrap();
        }
        if subscription.is_none() {
            subscription = aeron.poll_subscription(subscription_id).unwrap();
        }
    }
    assert_eq!(publication.unwrap().registration_id(), publication_id);
    assert_eq!(exclusive.unwrap().registration_id(), exclusive_id);
    assert_eq!(subscription.unwrap().registration_id(), subscription_id);
}

#[test]
fn keepalives_update_the_heartbeat_counter_and_a_stale_driver_terminates_the_client() {
    let harness = Harness::new();
    let aeron = harness.connect();
    let publication = aeron.add_publication("aeron:ipc", 1).unwrap();
    for _ in 0..600 {
        harness.step(&aeron);
    }
    let counter_id = harness.driver.lock().unwrap().heartbeat_counter.unwrap();
    let reader = aeron.counters_reader();
    let heartbeat_ms = reader.counter_value(counter_id);
    assert!(harness.clock.time_ms_now() - heartbeat_ms <= 500, "heartbeat {heartbeat_ms} is fresh");
    assert!(harness.received().contains(&Received::Keepalive));

    // The driver stops: its heartbeat ages past the timeout.
    harness.driver.lock().unwrap().heartbeat = false;
    for _ in 0..1_600 {
        harness.clock.advance_ns(1_000_000);
        aeron.conductor_do_work(agrona::NanoClock::nano_time(&harness.clock));
    }
    assert!(aeron.is_closed());
    assert!(matches!(aeron.termination_reason(), Some(ClientError::DriverTimeout { .. })));
    assert_eq!(publication.offer(b"x"), Err(OfferError::Closed));
    assert!(matches!(aeron.add_subscription("aeron:ipc", 1), Err(ClientError::DriverTimeout { .. })));
    assert!(harness.errors.load(Ordering::Relaxed) >= 1, "the error handler heard about it");
}

#[test]
fn a_client_timeout_from_the_driver_closes_everything() {
    let harness = Harness::new();
    let aeron = harness.connect();
    let mut exclusive = aeron.add_exclusive_publication("aeron:ipc", 1).unwrap();
    let mut subscription = aeron.add_subscription("aeron:ipc", 1).unwrap();
    // Someone else's timeout is ignored.
    let other = ClientTimeout { client_id: aeron.client_id() + 1000 };
    harness.driver.lock().unwrap().send(event::ON_CLIENT_TIMEOUT, |dst| other.encode(dst));
    harness.step(&aeron);
    assert!(!aeron.is_closed());
    let ours = ClientTimeout { client_id: aeron.client_id() };
    harness.driver.lock().unwrap().send(event::ON_CLIENT_TIMEOUT, |dst| ours.encode(dst));
    harness.step(&aeron);
    assert!(aeron.is_closed());
    assert!(matches!(aeron.termination_reason(), Some(ClientError::ClientTimeout { .. })));
    assert_eq!(exclusive.offer(b"x"), Err(OfferError::Closed));
    assert!(subscription.is_closed());
    assert_eq!(subscription.poll(&mut |_: &[u8], _: &Header| {}, 10), 0);
}

#[test]
fn image_handlers_run_and_reentrant_calls_are_refused() {
    let harness = Harness::new();
    let aeron = harness.connect();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (available, unavailable) = (Arc::clone(&seen), Arc::clone(&seen));
    let reentrant_aeron = aeron.clone();
    let mut subscription = aeron
        .add_subscription_with_handlers(
            "aeron:ipc",
            10,
            Box::new(move |image| {
                let refused = reentrant_aeron.add_publication("aeron:ipc", 1).unwrap_err();
                available.lock().unwrap().push(format!("+{} {refused}", image.session_id()));
            }),
            Box::new(move |image| unavailable.lock().unwrap().push(format!("-{}", image.session_id()))),
        )
        .unwrap();
    let registration_id = subscription.registration_id();
    harness.driver.lock().unwrap().announce_image(registration_id, 500, 1);
    harness.driver.lock().unwrap().announce_image(registration_id, 501, 2);
    harness.driver.lock().unwrap().announce_image(registration_id + 99, 502, 3);
    harness.step(&aeron);
    assert_eq!(subscription.image_count(), 2);
    harness.driver.lock().unwrap().withdraw_image(registration_id, 500);
    harness.step(&aeron);
    assert_eq!(subscription.images().iter().map(|i| i.session_id()).collect::<Vec<_>>(), vec![2]);
    subscription.close();
    harness.step(&aeron);
    let reentrant = ClientError::Reentrant.to_string();
    assert_eq!(
        *seen.lock().unwrap(),
        vec![format!("+1 {reentrant}"), format!("+2 {reentrant}"), "-1".to_owned(), "-2".to_owned()]
    );
    aeron.close();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Garbage from the driver (with real message type ids) never panics the client; it is reported and
    /// the client keeps working.
    #[test]
    fn garbage_driver_messages_never_panic_the_client(
        messages in proptest::collection::vec(
            (prop::sample::select(vec![
                event::ON_ERROR, event::ON_AVAILABLE_IMAGE, event::ON_PUBLICATION_READY,
                event::ON_OPERATION_SUCCESS, event::ON_UNAVAILABLE_IMAGE, event::ON_EXCLUSIVE_PUBLICATION_READY,
                event::ON_SUBSCRIPTION_READY, event::ON_COUNTER_READY, event::ON_CLIENT_TIMEOUT, 0x7777,
            ]), proptest::collection::vec(any::<u8>(), 0..80)),
            1..20,
        ),
    ) {
        let harness = Harness::new();
        let aeron = harness.connect();
        let mut subscription = aeron.add_subscription("aeron:ipc", 10).unwrap();
        for (msg_type_id, bytes) in &messages {
            harness.driver.lock().unwrap().transmit(*msg_type_id, bytes);
        }
        harness.step(&aeron);
        subscription.poll(&mut |_: &[u8], _: &Header| {}, 10);
        if !aeron.is_closed() {
            prop_assert!(aeron.add_publication("aeron:ipc", 1).is_ok());
        }
    }
}
