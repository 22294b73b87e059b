//! The driver conductor driven by hand: commands written into the CnC ring buffer with the protocol
//! codecs, duty cycles at explicit times, responses read from the CnC broadcast buffer.

mod common;

use fulmar_driver as driver;

use agrona::MemoryStore;
use common::{Harness, of_type, single_error};
use logbuffer::{ConcurrentPublicationWriter, LogBuffer};
use protocol::command::error_code::{
    GENERIC_ERROR, INVALID_CHANNEL, NOT_SUPPORTED, UNKNOWN_COUNTER, UNKNOWN_PUBLICATION, UNKNOWN_SUBSCRIPTION,
};
use protocol::command::{
    ClientTimeout, CounterUpdate, ImageBuffersReady, ImageMessage, OperationSucceeded,
    PublicationBuffersReady, SubscriptionReady, event,
};

const STREAM: i32 = 1001;

fn publication_ready(responses: &[common::Response], exclusive: bool) -> PublicationBuffersReady<'_> {
    let msg_type_id =
        if exclusive { event::ON_EXCLUSIVE_PUBLICATION_READY } else { event::ON_PUBLICATION_READY };
    let ready: Vec<_> = responses.iter().filter(|r| r.msg_type_id == msg_type_id).collect();
    assert_eq!(ready.len(), 1, "expected one ready, got {responses:?}");
    PublicationBuffersReady::decode(&ready[0].bytes).unwrap()
}

fn images(responses: &[common::Response]) -> Vec<ImageBuffersReady<'_>> {
    responses
        .iter()
        .filter(|r| r.msg_type_id == event::ON_AVAILABLE_IMAGE)
        .map(|r| ImageBuffersReady::decode(&r.bytes).unwrap())
        .collect()
}

fn unavailable_images(responses: &[common::Response]) -> Vec<ImageMessage<'_>> {
    responses
        .iter()
        .filter(|r| r.msg_type_id == event::ON_UNAVAILABLE_IMAGE)
        .map(|r| ImageMessage::decode(&r.bytes).unwrap())
        .collect()
}

fn succeeded(responses: &[common::Response], correlation_id: i64) -> bool {
    responses
        .iter()
        .filter(|r| r.msg_type_id == event::ON_OPERATION_SUCCESS)
        .any(|r| OperationSucceeded::decode(&r.bytes).unwrap().correlation_id == correlation_id)
}

#[test]
fn cnc_header_describes_the_region_and_the_driver_heartbeats() {
    let mut h = Harness::new();
    assert_eq!(h.header.pid, 4242);
    assert_eq!(h.header.client_liveness_timeout_ns, 1_000_000_000);
    assert_eq!(h.header.start_timestamp_ms, common::START_NS / 1_000_000);
    assert_eq!(h.counters.counter_type_id(15), 0);
    assert!(h.counter_label(15).starts_with("Errors"));
    assert_eq!(h.counter_label(24), "Client liveness timeouts");
    assert_eq!(h.counters.counter_value(43), 1 << 16, "control protocol version");
    h.advance_ns(2_000_000_000);
    let heartbeat_ms = h.to_driver.consumer_heartbeat_time();
    let now_ms = h.now_ns() / 1_000_000;
    assert!(heartbeat_ms <= now_ms && heartbeat_ms > now_ms - 20, "heartbeat {heartbeat_ms} at {now_ms}");
}

#[test]
fn a_second_driver_refuses_a_live_cnc_but_replaces_a_stale_one() {
    let mut h = Harness::new();
    let store: std::sync::Arc<dyn MemoryStore> = h.store.clone();
    let clock = h.clock.clone();
    let ctx = || {
        driver::DriverContext::test_min()
            .with_memory_store(store.clone())
            .with_epoch_clock(std::sync::Arc::new(clock.clone()))
    };
    assert!(matches!(
        driver::DriverConductor::new(ctx()),
        Err(driver::DriverError::ActiveDriverExists { .. })
    ));
    agrona::Agent::on_close(&mut h.conductor);
    assert_eq!(h.to_driver.consumer_heartbeat_time(), -1);
    driver::DriverConductor::new(ctx()).expect("stale CnC replaced");
}

#[test]
fn add_publication_creates_a_log_and_counters() {
    let mut h = Harness::new();
    let correlation_id = h.add_publication("aeron:ipc?alias=test", STREAM);
    let responses = h.work_and_collect();
    let heartbeats = of_type(&responses, event::ON_COUNTER_READY);
    assert_eq!(heartbeats.len(), 1, "client heartbeat counter announced");
    let heartbeat = CounterUpdate::decode(&heartbeats[0].bytes).unwrap();
    assert_eq!(heartbeat.correlation_id, h.client_id);
    assert_eq!(h.counters.counter_type_id(heartbeat.counter_id), 11);
    assert_eq!(h.counters.counter_registration_id(heartbeat.counter_id), h.client_id);

    let ready = publication_ready(&responses, false);
    assert_eq!(ready.correlation_id, correlation_id);
    assert_eq!(ready.registration_id, correlation_id);
    assert_eq!(ready.stream_id, STREAM);
    assert_eq!(ready.channel_status_indicator_id, -1);
    assert_eq!(ready.log_file_name, format!("publications/{correlation_id}.logbuffer"));
    assert!(!(-1..=1000).contains(&ready.session_id), "reserved session ids skipped");

    let log = LogBuffer::wrap(h.store.open(ready.log_file_name).unwrap()).unwrap();
    assert_eq!(log.term_length(), 64 * 1024);
    assert_eq!(log.mtu_length(), 1408);
    assert_eq!(log.session_id(), ready.session_id);
    assert_eq!(log.stream_id(), STREAM);
    assert_eq!(log.metadata().correlation_id(), correlation_id);
    assert!(!log.metadata().is_connected());

    let limit_id = ready.publication_limit_counter_id;
    assert_eq!(h.counters.counter_type_id(limit_id), 1);
    assert_eq!(
        h.counter_label(limit_id),
        format!("pub-lmt: {correlation_id} {} {STREAM} aeron:ipc?alias=test", ready.session_id)
    );
    assert_eq!(h.counters.counter_value(limit_id), 0, "no subscribers: limit at the start");
    let key = h.counters.counter_key(limit_id);
    assert_eq!(&key[0..8], &correlation_id.to_le_bytes());
    assert_eq!(&key[12..16], &STREAM.to_le_bytes());
}

#[test]
fn concurrent_publications_on_one_stream_share_a_log() {
    let mut h = Harness::new();
    let first = h.add_publication("aeron:ipc", STREAM);
    let responses = h.work_and_collect();
    let first_ready = publication_ready(&responses, false);
    let (first_name, first_session) = (first_ready.log_file_name.to_owned(), first_ready.session_id);

    let second = h.add_publication("aeron:ipc?alias=other", STREAM);
    let responses = h.work_and_collect();
    let second_ready = publication_ready(&responses, false);
    assert_eq!(second_ready.correlation_id, second);
    assert_eq!(second_ready.registration_id, first, "shared registration");
    assert_eq!(second_ready.log_file_name, first_name);
    assert_eq!(second_ready.session_id, first_session);
    assert_eq!(h.conductor.publication(first).unwrap().ref_count(), 2);

    h.add_publication("aeron:ipc", STREAM + 1);
    let responses = h.work_and_collect();
    assert_ne!(publication_ready(&responses, false).log_file_name, first_name);

    // Removing one of the two sharers keeps the log alive.
    let removal = h.remove_publication(first);
    let responses = h.work_and_collect();
    assert!(succeeded(&responses, removal));
    h.advance_ns(500_000_000);
    assert!(h.store.exists(&first_name));
    assert_eq!(h.conductor.publication(first).unwrap().ref_count(), 1);
}

#[test]
fn exclusive_publications_get_their_own_logs() {
    let mut h = Harness::new();
    h.add_exclusive_publication("aeron:ipc", STREAM);
    let responses = h.work_and_collect();
    let a = publication_ready(&responses, true).log_file_name.to_owned();
    h.add_exclusive_publication("aeron:ipc", STREAM);
    let responses = h.work_and_collect();
    let b = publication_ready(&responses, true);
    assert_ne!(a, b.log_file_name);
    let log = LogBuffer::wrap(h.store.open(b.log_file_name).unwrap()).unwrap();
    assert_eq!(log.metadata().log_type(), 1);
    h.add_publication("aeron:ipc", STREAM);
    let responses = h.work_and_collect();
    let c = publication_ready(&responses, false).log_file_name.to_owned();
    assert_ne!(c, a);
    assert_eq!(h.conductor.publications().len(), 3);
}

#[test]
fn subscriptions_link_to_publications_added_before_and_after() {
    let mut h = Harness::new();
    let early = h.add_subscription("aeron:ipc", STREAM);
    let responses = h.work_and_collect();
    let ready = of_type(&responses, event::ON_SUBSCRIPTION_READY);
    assert_eq!(
        SubscriptionReady::decode(&ready[0].bytes).unwrap(),
        SubscriptionReady { correlation_id: early, channel_status_indicator_id: -1 }
    );
    assert!(images(&responses).is_empty());

    let publication = h.add_publication("aeron:ipc", STREAM);
    let responses = h.work_and_collect();
    let pub_ready = publication_ready(&responses, false);
    let image = images(&responses);
    assert_eq!(image.len(), 1);
    assert_eq!(image[0].correlation_id, publication);
    assert_eq!(image[0].subscription_registration_id, early);
    assert_eq!(image[0].session_id, pub_ready.session_id);
    assert_eq!(image[0].stream_id, STREAM);
    assert_eq!(image[0].log_file_name, pub_ready.log_file_name);
    assert_eq!(image[0].source_identity, "aeron:ipc");
    let sub_pos = image[0].subscriber_position_id;
    assert_eq!(h.counters.counter_type_id(sub_pos), 4);
    assert_eq!(h.counters.counter_value(sub_pos), 0);
    assert!(
        h.counter_label(sub_pos)
            .starts_with(&format!("sub-pos: {early} {} {STREAM} aeron:ipc @0", pub_ready.session_id))
    );
    let log = LogBuffer::wrap(h.store.open(pub_ready.log_file_name).unwrap()).unwrap();
    assert!(log.metadata().is_connected());

    // A late subscriber joins at the slowest subscriber's position.
    h.counters.counter(sub_pos).set_ordered(4096);
    h.work();
    let late = h.add_subscription("aeron:ipc?alias=late", STREAM);
    let responses = h.work_and_collect();
    let image = images(&responses);
    assert_eq!(image.len(), 1);
    assert_eq!(image[0].subscription_registration_id, late);
    assert_eq!(h.counters.counter_value(image[0].subscriber_position_id), 4096);

    // Other streams and other sessions do not link.
    h.add_subscription("aeron:ipc", STREAM + 1);
    h.add_subscription("aeron:ipc?session-id=12345", STREAM);
    let responses = h.work_and_collect();
    assert!(images(&responses).is_empty());
    let wanted = pub_ready_session(&mut h, publication);
    h.add_subscription(&format!("aeron:ipc?session-id={wanted}"), STREAM);
    let responses = h.work_and_collect();
    assert_eq!(images(&responses).len(), 1);
}

fn pub_ready_session(h: &mut Harness, registration_id: i64) -> i32 {
    h.conductor.publication(registration_id).unwrap().session_id()
}

#[test]
fn removes_answer_success_or_unknown_errors() {
    let mut h = Harness::new();
    let publication = h.add_publication("aeron:ipc", STREAM);
    let subscription = h.add_subscription("aeron:ipc", STREAM);
    let responses = h.work_and_collect();
    let sub_pos = images(&responses)[0].subscriber_position_id;

    let removal = h.remove(event::REMOVE_SUBSCRIPTION, subscription);
    let responses = h.work_and_collect();
    assert!(succeeded(&responses, removal));
    assert_eq!(h.counters.counter_state(sub_pos), agrona::RECORD_RECLAIMED);
    assert!(
        !LogBuffer::wrap(h.store.open(&format!("publications/{publication}.logbuffer")).unwrap())
            .unwrap()
            .metadata()
            .is_connected()
    );

    let again = h.remove(event::REMOVE_SUBSCRIPTION, subscription);
    let (correlation_id, code, message) = single_error(&h.work_and_collect());
    assert_eq!((correlation_id, code), (again, UNKNOWN_SUBSCRIPTION));
    assert!(message.contains(&subscription.to_string()));

    let removal = h.remove_publication(publication);
    assert!(succeeded(&h.work_and_collect(), removal));
    let again = h.remove_publication(publication);
    let (correlation_id, code, _) = single_error(&h.work_and_collect());
    assert_eq!((correlation_id, code), (again, UNKNOWN_PUBLICATION));

    let unknown = h.remove(event::REMOVE_COUNTER, 999_999);
    let (correlation_id, code, _) = single_error(&h.work_and_collect());
    assert_eq!((correlation_id, code), (unknown, UNKNOWN_COUNTER));
}

#[test]
fn publisher_limit_follows_the_slowest_subscriber_and_terms_are_cleaned_first() {
    let mut h = Harness::new();
    let publication = h.add_publication("aeron:ipc", STREAM);
    let responses = h.work_and_collect();
    let ready = publication_ready(&responses, false);
    let limit_id = ready.publication_limit_counter_id;
    let log = LogBuffer::wrap(h.store.open(ready.log_file_name).unwrap()).unwrap();
    let term_length = i64::from(log.term_length());
    let window = term_length / 2;
    assert_eq!(h.counters.counter_value(limit_id), 0);

    h.add_subscription("aeron:ipc", STREAM);
    let fast = images(&h.work_and_collect())[0].subscriber_position_id;
    h.add_subscription("aeron:ipc", STREAM);
    let slow = images(&h.work_and_collect())[0].subscriber_position_id;
    assert_eq!(h.counters.counter_value(limit_id), window);

    // Publish through five terms; subscribers consume, the slow one lagging.
    let writer = ConcurrentPublicationWriter::new(log.clone());
    let payload = [0xABu8; 1000];
    let target = 5 * term_length;
    let mut iterations = 0;
    while writer.position() < target {
        iterations += 1;
        assert!(iterations < 100_000, "publication stalled at {}", writer.position());
        let limit = h.counters.counter_value(limit_id);
        let _ = writer.offer(limit, &payload);
        let producer = writer.position();
        h.counters.counter(fast).set_ordered(producer);
        let slow_position = (producer - 4096).max(h.counters.counter_value(slow));
        h.counters.counter(slow).set_ordered(slow_position);
        h.do_work().unwrap();

        let limit = h.counters.counter_value(limit_id);
        let min = h.counters.counter_value(slow);
        assert!(limit <= min + window, "limit {limit} beyond slowest {min} + window");
        // The partition the limit reaches must be clean beyond the producer.
        let limit_term_begin = limit & !(term_length - 1);
        if limit_term_begin > producer {
            let partition = logbuffer::index_by_position(limit, log.position_bits_to_shift());
            let term = log.term(partition);
            assert!((0..term_length as usize).step_by(32).all(|offset| term.get_i32(offset) == 0));
        }
    }
    let min = h.counters.counter_value(slow);
    h.do_work().unwrap();
    assert!(h.counters.counter_value(limit_id) >= min + window - window / 8);
    let publication = h.conductor.publication(publication).unwrap();
    assert!(publication.clean_position() >= min - term_length - window, "cleaned one term behind");

    // Without subscribers the limit falls back to the consumer position.
    let consumer = publication.consumer_position();
    let subscriptions: Vec<i64> = h.conductor.subscriptions().iter().map(|s| s.registration_id()).collect();
    for subscription in subscriptions {
        h.remove(event::REMOVE_SUBSCRIPTION, subscription);
    }
    h.work();
    assert_eq!(h.counters.counter_value(limit_id), consumer);
}

#[test]
fn client_timeout_releases_everything_it_owned() {
    let mut h = Harness::new();
    let other_client = h.to_driver.next_correlation_id();
    let publication = h.add_publication("aeron:ipc", STREAM);
    h.add_subscription("aeron:ipc", STREAM);
    let counter = h.add_counter(1001, b"key", "my counter");
    let survivor = h.add_subscription_as(other_client, "aeron:ipc", STREAM);
    let responses = h.work_and_collect();
    let log_name = publication_ready(&responses, false).log_file_name.to_owned();
    let limit_id = publication_ready(&responses, false).publication_limit_counter_id;
    let counter_id = of_type(&responses, event::ON_COUNTER_READY)
        .iter()
        .map(|r| CounterUpdate::decode(&r.bytes).unwrap())
        .find(|u| u.correlation_id == counter)
        .unwrap()
        .counter_id;

    // The other client stays alive by keepalives; ours goes silent.
    h.keepalive = false;
    for _ in 0..30 {
        h.correlated(event::CLIENT_KEEPALIVE, other_client);
        h.advance_ns(100_000_000);
    }
    let responses = h.responses();
    let timeouts: Vec<_> = of_type(&responses, event::ON_CLIENT_TIMEOUT)
        .iter()
        .map(|r| ClientTimeout::decode(&r.bytes).unwrap().client_id)
        .collect();
    assert_eq!(timeouts, vec![h.client_id]);
    assert_eq!(h.conductor.system_counter_value(driver::system_counters::CLIENT_TIMEOUTS), 1);
    let unavailable: Vec<_> = of_type(&responses, event::ON_UNAVAILABLE_COUNTER)
        .iter()
        .map(|r| CounterUpdate::decode(&r.bytes).unwrap())
        .collect();
    assert!(unavailable.iter().any(|u| u.correlation_id == counter && u.counter_id == counter_id));
    assert!(unavailable.iter().any(|u| u.correlation_id == h.client_id));
    assert_eq!(h.counters.counter_state(counter_id), agrona::RECORD_RECLAIMED);

    // The publication drained (no data), lingered and was freed; the survivor was told.
    assert!(h.conductor.publication(publication).is_none());
    assert!(!h.store.exists(&log_name));
    assert_eq!(h.counters.counter_state(limit_id), agrona::RECORD_RECLAIMED);
    let gone = unavailable_images(&responses);
    assert!(
        gone.iter().any(|i| i.subscription_registration_id == survivor && i.correlation_id == publication)
    );
    assert_eq!(h.conductor.clients().len(), 1);
    assert_eq!(h.conductor.subscriptions().len(), 1);
}

#[test]
fn client_close_releases_at_once_without_a_timeout_event() {
    let mut h = Harness::new();
    let publication = h.add_publication("aeron:ipc", STREAM);
    h.work_and_collect();
    h.keepalive = false;
    h.correlated(event::CLIENT_CLOSE, h.client_id);
    let responses = h.work_and_collect();
    assert!(of_type(&responses, event::ON_CLIENT_TIMEOUT).is_empty());
    assert_eq!(of_type(&responses, event::ON_UNAVAILABLE_COUNTER).len(), 1);
    assert!(h.conductor.clients().is_empty());
    assert_eq!(h.conductor.publication(publication).unwrap().ref_count(), 0);
    h.advance_ns(50_000_000);
    assert!(h.conductor.publication(publication).is_none());
}

#[test]
fn removed_publication_lingers_until_subscribers_drain() {
    let mut h = Harness::new();
    let publication = h.add_publication("aeron:ipc?linger=10s", STREAM);
    let subscription = h.add_subscription("aeron:ipc", STREAM);
    let responses = h.work_and_collect();
    let ready = publication_ready(&responses, false);
    let log_name = ready.log_file_name.to_owned();
    let sub_pos = images(&responses)[0].subscriber_position_id;
    let log = LogBuffer::wrap(h.store.open(&log_name).unwrap()).unwrap();
    let writer = ConcurrentPublicationWriter::new(log.clone());
    let end = writer.offer(h.counters.counter_value(ready.publication_limit_counter_id), b"hello").unwrap();

    h.remove_publication(publication);
    h.work();
    assert_eq!(log.metadata().end_of_stream_position(), end);
    h.advance_ns(1_000_000_000);
    assert_eq!(h.conductor.publication(publication).unwrap().state(), driver::PublicationState::Draining);
    assert!(unavailable_images(&h.responses()).is_empty());

    h.counters.counter(sub_pos).set_ordered(end);
    h.advance_ns(20_000_000);
    let responses = h.responses();
    let gone = unavailable_images(&responses);
    assert_eq!(gone.len(), 1);
    assert_eq!(
        gone[0],
        ImageMessage {
            correlation_id: publication,
            subscription_registration_id: subscription,
            stream_id: STREAM,
            channel: "aeron:ipc"
        }
    );
    h.advance_ns(20_000_000);
    assert!(h.conductor.publication(publication).is_none());
    assert!(!h.store.exists(&log_name));
    assert_eq!(h.counters.counter_state(sub_pos), agrona::RECORD_RECLAIMED);
}

#[test]
fn removed_publication_stops_lingering_after_the_linger_timeout() {
    let mut h = Harness::new();
    let publication = h.add_publication("aeron:ipc", STREAM);
    h.add_subscription("aeron:ipc", STREAM);
    let responses = h.work_and_collect();
    let ready = publication_ready(&responses, false);
    let log = LogBuffer::wrap(h.store.open(ready.log_file_name).unwrap()).unwrap();
    ConcurrentPublicationWriter::new(log)
        .offer(h.counters.counter_value(ready.publication_limit_counter_id), b"x")
        .unwrap();
    h.remove_publication(publication);
    h.work_and_collect();
    h.advance_ns(50_000_000);
    assert!(unavailable_images(&h.responses()).is_empty(), "within the 100 ms linger");
    h.advance_ns(100_000_000);
    assert_eq!(unavailable_images(&h.responses()).len(), 1);
    h.advance_ns(20_000_000);
    assert!(h.conductor.publication(publication).is_none());
}

#[test]
fn a_claim_abandoned_by_a_dead_publisher_is_unblocked_after_the_timeout() {
    let mut h = Harness::new();
    h.add_publication("aeron:ipc", STREAM);
    h.add_subscription("aeron:ipc", STREAM);
    let responses = h.work_and_collect();
    let ready = publication_ready(&responses, false);
    let log = LogBuffer::wrap(h.store.open(ready.log_file_name).unwrap()).unwrap();
    let writer = ConcurrentPublicationWriter::new(log.clone());
    let limit = h.counters.counter_value(ready.publication_limit_counter_id);
    let claim = writer.try_claim(limit, 100).unwrap();
    std::mem::forget(claim); // the publisher "dies" holding the claim
    assert!(log.term(0).get_i32_volatile(0) < 0, "claimed, not committed");

    h.advance_ns(500_000_000);
    assert_eq!(h.conductor.system_counter_value(driver::system_counters::UNBLOCKED_PUBLICATIONS), 0);
    h.advance_ns(700_000_000);
    assert_eq!(h.conductor.system_counter_value(driver::system_counters::UNBLOCKED_PUBLICATIONS), 1);
    assert!(log.term(0).get_i32_volatile(0) > 0, "padded over");
    assert_eq!(log.term(0).get_u16(6), 0, "PAD frame type");
}

#[test]
fn bad_channels_get_errors_with_aeron_codes() {
    let mut h = Harness::new();
    let cases = [
        ("aeron:udp?endpoint=localhost:40123", NOT_SUPPORTED),
        ("aeron:tcp", INVALID_CHANNEL),
        ("not a channel", INVALID_CHANNEL),
        ("aeron:ipc?term-length=3", INVALID_CHANNEL),
        ("aeron:ipc?mtu=50", INVALID_CHANNEL),
        ("aeron:ipc?init-term-id=1", INVALID_CHANNEL),
        ("aeron-spy:aeron:ipc", INVALID_CHANNEL),
    ];
    let mut errors = 0;
    for (channel, code) in cases {
        let correlation_id = h.add_publication(channel, STREAM);
        let (offending, actual, message) = single_error(&h.work_and_collect());
        assert_eq!((offending, actual), (correlation_id, code), "{channel}: {message}");
        errors += 1;
    }
    let correlation_id = h.add_subscription("aeron:udp?endpoint=localhost:40123", STREAM);
    let (offending, code, _) = single_error(&h.work_and_collect());
    assert_eq!((offending, code), (correlation_id, NOT_SUPPORTED));
    errors += 1;

    h.add_publication("aeron:ipc?term-length=128k", STREAM);
    h.work_and_collect();
    let correlation_id = h.add_publication("aeron:ipc?term-length=256k", STREAM);
    let (offending, code, message) = single_error(&h.work_and_collect());
    assert_eq!((offending, code), (correlation_id, GENERIC_ERROR));
    assert!(message.contains("term-length"), "{message}");
    errors += 1;

    assert_eq!(h.conductor.system_counter_value(driver::system_counters::ERRORS), errors);
    let layout = h.layout;
    let mut logged = Vec::new();
    agrona::read_error_log(
        &h.cnc.view(layout.error_log_offset, layout.error_log_length),
        |count, _, _, text| logged.push((count, text.to_owned())),
        0,
    );
    assert!(logged.iter().any(|(_, text)| text.starts_with("INVALID_CHANNEL")), "{logged:?}");
    assert!(logged.iter().any(|(_, text)| text.starts_with("NOT_SUPPORTED")), "{logged:?}");
}

#[test]
fn explicit_session_ids_and_start_positions_are_honoured() {
    let mut h = Harness::new();
    h.add_exclusive_publication(
        "aeron:ipc?session-id=77|init-term-id=10|term-id=12|term-offset=1024",
        STREAM,
    );
    let responses = h.work_and_collect();
    let ready = publication_ready(&responses, true);
    assert_eq!(ready.session_id, 77);
    let log = LogBuffer::wrap(h.store.open(ready.log_file_name).unwrap()).unwrap();
    let start = 2 * 64 * 1024 + 1024;
    assert_eq!(log.initial_term_id(), 10);
    assert_eq!(log.producer_position(), start);
    assert_eq!(h.counters.counter_value(ready.publication_limit_counter_id), start);
    h.add_subscription("aeron:ipc", STREAM);
    let image = images(&h.work_and_collect())[0].subscriber_position_id;
    assert_eq!(h.counters.counter_value(image), start);

    let clash = h.add_exclusive_publication("aeron:ipc?session-id=77", STREAM);
    let (offending, code, _) = single_error(&h.work_and_collect());
    assert_eq!((offending, code), (clash, INVALID_CHANNEL));
}

#[test]
fn session_ids_are_deterministic_for_a_seed() {
    let sessions = |seed: u64| {
        let mut h = Harness::with(|ctx| ctx.session_id_seed = seed);
        (0..3)
            .map(|i| {
                h.add_exclusive_publication("aeron:ipc", STREAM + i);
                publication_ready(&h.work_and_collect(), true).session_id
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(sessions(7), sessions(7));
    assert_ne!(sessions(7), sessions(8));
}

#[test]
fn counters_are_added_and_removed() {
    let mut h = Harness::new();
    let registration = h.add_counter(2002, &[1, 2, 3], "app counter");
    let responses = h.work_and_collect();
    let counter_id = of_type(&responses, event::ON_COUNTER_READY)
        .iter()
        .map(|r| CounterUpdate::decode(&r.bytes).unwrap())
        .find(|u| u.correlation_id == registration)
        .unwrap()
        .counter_id;
    assert_eq!(h.counters.counter_type_id(counter_id), 2002);
    assert_eq!(h.counter_label(counter_id), "app counter");
    assert_eq!(&h.counters.counter_key(counter_id)[..3], &[1, 2, 3]);
    assert_eq!(h.counters.counter_registration_id(counter_id), registration);
    assert_eq!(h.counters.counter_owner_id(counter_id), h.client_id);

    let removal = h.remove(event::REMOVE_COUNTER, registration);
    let responses = h.work_and_collect();
    assert!(succeeded(&responses, removal));
    let unavailable =
        CounterUpdate::decode(&of_type(&responses, event::ON_UNAVAILABLE_COUNTER)[0].bytes).unwrap();
    assert_eq!(unavailable, CounterUpdate { correlation_id: registration, counter_id });
}

#[test]
fn terminate_driver_is_accepted_and_ends_the_agent() {
    let mut h = Harness::new();
    let mut bytes = [0u8; 24];
    let message =
        protocol::command::TerminateDriver { client_id: h.client_id, correlation_id: 1, token: b"bye" };
    let length = message.encode(&mut bytes).unwrap();
    h.send(event::TERMINATE_DRIVER, &bytes[..length]);
    assert_eq!(h.do_work(), Err(agrona::AgentTermination::Done));
    assert!(h.conductor.terminate_requested());
}

#[test]
fn terminate_driver_with_a_wrong_token_is_refused() {
    let mut h = Harness::with(|ctx| ctx.termination_token = Some(b"secret".to_vec()));
    let mut bytes = [0u8; 24];
    let message =
        protocol::command::TerminateDriver { client_id: h.client_id, correlation_id: 1, token: b"bye" };
    let length = message.encode(&mut bytes).unwrap();
    h.send(event::TERMINATE_DRIVER, &bytes[..length]);
    h.work();
    assert!(!h.conductor.terminate_requested());
}

#[test]
fn a_revoked_publication_ends_at_once() {
    let mut h = Harness::new();
    let publication = h.add_publication("aeron:ipc", STREAM);
    h.add_subscription("aeron:ipc", STREAM);
    let responses = h.work_and_collect();
    let ready = publication_ready(&responses, false);
    let log = LogBuffer::wrap(h.store.open(ready.log_file_name).unwrap()).unwrap();
    let end = ConcurrentPublicationWriter::new(log.clone())
        .offer(h.counters.counter_value(ready.publication_limit_counter_id), b"data")
        .unwrap();

    let correlation_id = h.next_id();
    let message = protocol::command::RemovePublicationMessage {
        client_id: h.client_id,
        correlation_id,
        registration_id: publication,
        revoke: true,
    };
    let mut bytes = [0u8; 32];
    message.encode(&mut bytes).unwrap();
    h.send(event::REMOVE_PUBLICATION, &bytes);
    assert!(succeeded(&h.work_and_collect(), correlation_id));
    h.advance_ns(20_000_000);
    assert_eq!(unavailable_images(&h.responses()).len(), 1, "no draining for a revoked publication");
    assert!(log.metadata().is_publication_revoked());
    assert_eq!(log.metadata().end_of_stream_position(), end);
    assert_eq!(h.conductor.system_counter_value(driver::system_counters::PUBLICATIONS_REVOKED), 1);
    h.advance_ns(20_000_000);
    assert!(h.conductor.publication(publication).is_none());
}

#[test]
fn a_rejected_ipc_image_is_unlinked_then_relinked_after_cool_down() {
    let mut h = Harness::new();
    let publication = h.add_publication("aeron:ipc", STREAM);
    let subscription = h.add_subscription("aeron:ipc", STREAM);
    let sub_pos = images(&h.work_and_collect())[0].subscriber_position_id;

    let correlation_id = h.next_id();
    let message = protocol::command::RejectImage {
        client_id: h.client_id,
        correlation_id,
        image_correlation_id: publication,
        position: 0,
        reason: "bad data",
    };
    let mut bytes = vec![0u8; message.encoded_length()];
    message.encode(&mut bytes).unwrap();
    h.send(event::REJECT_IMAGE, &bytes);
    let responses = h.work_and_collect();
    assert!(succeeded(&responses, correlation_id));
    assert_eq!(unavailable_images(&responses)[0].subscription_registration_id, subscription);
    assert_eq!(h.counters.counter_state(sub_pos), agrona::RECORD_RECLAIMED);
    assert_eq!(h.conductor.system_counter_value(driver::system_counters::IMAGES_REJECTED), 1);

    h.advance_ns(500_000_000);
    assert!(images(&h.responses()).is_empty(), "still cooling down");
    h.advance_ns(600_000_000);
    let relinked = h.responses();
    let image = images(&relinked);
    assert_eq!(image.len(), 1);
    assert_eq!(image[0].subscription_registration_id, subscription);
}

#[test]
fn static_counters_and_next_session_ids() {
    let mut h = Harness::new();
    let send_static = |h: &mut Harness| {
        let correlation_id = h.next_id();
        let message = protocol::command::StaticCounterMessage {
            client_id: h.client_id,
            correlation_id,
            registration_id: 555,
            type_id: 3001,
            key: b"k",
            label: "static",
        };
        let mut bytes = vec![0u8; message.encoded_length()];
        message.encode(&mut bytes).unwrap();
        h.send(event::ADD_STATIC_COUNTER, &bytes);
        let responses = h.work_and_collect();
        let statics = of_type(&responses, event::ON_STATIC_COUNTER);
        protocol::command::StaticCounter::decode(&statics[0].bytes).unwrap().counter_id
    };
    let first = send_static(&mut h);
    let second = send_static(&mut h);
    assert_eq!(first, second, "found again by type and registration id");
    assert_eq!(h.counters.counter_owner_id(first), -1);

    let correlation_id = h.next_id();
    let message = protocol::command::GetNextAvailableSessionIdMessage {
        client_id: h.client_id,
        correlation_id,
        stream_id: STREAM,
    };
    let mut bytes = [0u8; 20];
    message.encode(&mut bytes).unwrap();
    h.send(event::GET_NEXT_AVAILABLE_SESSION_ID, &bytes);
    let responses = h.work_and_collect();
    let next = of_type(&responses, event::ON_NEXT_AVAILABLE_SESSION_ID);
    let next = protocol::command::NextAvailableSessionId::decode(&next[0].bytes).unwrap();
    assert_eq!(next.correlation_id, correlation_id);
    assert!(!(-1..=1000).contains(&next.session_id));
}
