//! End-to-end tests: a [`NetworkPublicationSender`] and one or more receive endpoints
//! ([`DataPacketDispatcher`] + [`PublicationImageReceiver`]) connected through an in-memory lossy link
//! (seeded loss, duplication, reordering and delay), all driven by a virtual `now_ns`.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};

use agrona::{AtomicBuffer, Prng};
use logbuffer::log_buffer_descriptor::compute_log_length;
use logbuffer::{
    ExclusivePublicationWriter, FragmentAssembler, ImageReader, LogBuffer, LogParams, OfferError,
};
use protocol::frame::SetupHeader;

use crate::*;

const SESSION_ID: i32 = 1001;
const STREAM_ID: i32 = 100;
const TICK_NS: i64 = 100_000;

fn address(text: &str) -> SocketAddr {
    text.parse().expect("valid socket address")
}

fn new_log(params: &LogParams) -> LogBuffer {
    let length = compute_log_length(params.term_length, params.page_size);
    LogBuffer::initialize(AtomicBuffer::heap(length), params).expect("valid log parameters")
}

/// Decides to drop one datagram (by its bytes).
type DropFilter = Box<dyn FnMut(&[u8]) -> bool>;

/// A one-way in-memory link: seeded loss, duplication, reordering (random extra delay) and a base delay.
struct Link {
    prng: Prng,
    loss: f64,
    duplication: f64,
    delay_ns: i64,
    jitter_ns: i64,
    partitioned: bool,
    sequence: u64,
    in_flight: Vec<(i64, u64, SocketAddr, SocketAddr, Vec<u8>)>,
    dropped: u64,
    drop_filter: Option<DropFilter>,
}

impl Link {
    fn new(seed: u64) -> Self {
        Self {
            prng: Prng::from_seed(seed),
            loss: 0.0,
            duplication: 0.0,
            delay_ns: 50_000,
            jitter_ns: 0,
            partitioned: false,
            sequence: 0,
            in_flight: Vec::new(),
            dropped: 0,
            drop_filter: None,
        }
    }

    fn lossy(seed: u64, loss: f64, duplication: f64, jitter_ns: i64) -> Self {
        Self { loss, duplication, jitter_ns, ..Self::new(seed) }
    }

    fn push(&mut self, now_ns: i64, from: SocketAddr, to: SocketAddr, bytes: Vec<u8>) {
        let filtered = self.drop_filter.as_mut().is_some_and(|filter| filter(&bytes));
        if self.partitioned || filtered || self.prng.chance(self.loss) {
            self.dropped += 1;
            return;
        }
        let copies = if self.prng.chance(self.duplication) { 2 } else { 1 };
        for _ in 0..copies {
            let jitter =
                if self.jitter_ns > 0 { self.prng.gen_range(0..self.jitter_ns as u64) as i64 } else { 0 };
            self.sequence += 1;
            self.in_flight.push((now_ns + self.delay_ns + jitter, self.sequence, from, to, bytes.clone()));
        }
    }

    fn due(&mut self, now_ns: i64) -> Vec<(SocketAddr, SocketAddr, Vec<u8>)> {
        let mut due: Vec<_> = Vec::new();
        let mut index = 0;
        while index < self.in_flight.len() {
            if self.in_flight[index].0 <= now_ns {
                due.push(self.in_flight.swap_remove(index));
            } else {
                index += 1;
            }
        }
        due.sort_by_key(|(at, sequence, ..)| (*at, *sequence));
        due.into_iter().map(|(_, _, from, to, bytes)| (from, to, bytes)).collect()
    }
}

/// One receive endpoint with a single subscriber on `STREAM_ID`.
struct Endpoint {
    address: SocketAddr,
    dispatcher: DataPacketDispatcher,
    reader: Option<ImageReader>,
    position: AtomicI64,
    assembler: FragmentAssembler,
    messages: Vec<Vec<u8>>,
    polling: bool,
    fragment_limit: usize,
    images_created: usize,
    images_unavailable: usize,
    to_endpoint: Link,
    from_endpoint: Link,
    prng: Prng,
    datagrams_received: u64,
}

impl Endpoint {
    fn new(address: SocketAddr, receiver_id: i64, seed: u64) -> Self {
        let mut dispatcher = DataPacketDispatcher::new(receiver_id, None);
        dispatcher.add_subscription(STREAM_ID);
        Self {
            address,
            dispatcher,
            reader: None,
            position: AtomicI64::new(0),
            assembler: FragmentAssembler::new(4096),
            messages: Vec::new(),
            polling: true,
            fragment_limit: 64,
            images_created: 0,
            images_unavailable: 0,
            to_endpoint: Link::new(seed),
            from_endpoint: Link::new(seed + 1),
            prng: Prng::from_seed(seed + 2),
            datagrams_received: 0,
        }
    }

    fn image(&self) -> Option<&PublicationImageReceiver> {
        self.dispatcher.image(STREAM_ID, SESSION_ID)
    }

    fn on_datagram(&mut self, source: SocketAddr, bytes: &[u8], now_ns: i64) {
        self.datagrams_received += 1;
        let mut sink = RecordingSink::new();
        if let DispatchOutcome::CreateImage(request) =
            self.dispatcher.on_datagram(bytes, source, 0, now_ns, &mut sink)
        {
            let params = PublicationImageReceiver::log_params(&request.setup, 7);
            let log = new_log(&params);
            let config = ImageConfig::new(
                self.dispatcher.receiver_id(),
                DelayGenerator::for_nak(request.setup.has_group_semantics(), self.prng.fork()),
            );
            let image = PublicationImageReceiver::new(
                log.clone(),
                &request.setup,
                request.control_address,
                request.transport_index,
                config,
                now_ns,
            );
            self.position.store(image.join_position(), Ordering::Relaxed);
            self.reader = Some(ImageReader::new(log));
            self.dispatcher.add_publication_image(image, now_ns);
            self.images_created += 1;
        }
        self.flush(sink, now_ns);
    }

    fn flush(&mut self, mut sink: RecordingSink, now_ns: i64) {
        for datagram in sink.take() {
            self.from_endpoint.push(now_ns, self.address, datagram.destination, datagram.bytes);
        }
    }

    fn duty_cycle(&mut self, now_ns: i64) {
        if self.polling
            && let Some(reader) = &self.reader
        {
            let assembler = &mut self.assembler;
            let messages = &mut self.messages;
            reader.poll(
                &self.position,
                &mut |fragment: &[u8], header: &logbuffer::Header| {
                    assembler.on_fragment(fragment, header, &mut |message: &[u8], _: &logbuffer::Header| {
                        messages.push(message.to_vec());
                    });
                },
                self.fragment_limit,
            );
        }
        let position = self.position.load(Ordering::Relaxed);
        if let Some(image) = self.dispatcher.image_mut(STREAM_ID, SESSION_ID) {
            image.track_rebuild(now_ns, position, position);
        }
        let mut sink = RecordingSink::new();
        let mut unavailable = 0;
        self.dispatcher.do_work(now_ns, &mut sink, &mut |_image| unavailable += 1);
        if unavailable > 0 {
            self.reader = None;
        }
        self.images_unavailable += unavailable;
        self.flush(sink, now_ns);
    }
}

/// A sender and its endpoints.
struct Network {
    now_ns: i64,
    sender_address: SocketAddr,
    sender: NetworkPublicationSender,
    writer: ExclusivePublicationWriter,
    endpoints: Vec<Endpoint>,
    outbox: VecDeque<Vec<u8>>,
    messages_offered: usize,
}

impl Network {
    fn new(
        term_length: i32,
        config: SenderConfig,
        flow_control: Box<dyn FlowControl>,
        endpoints: Vec<Endpoint>,
    ) -> Self {
        let params = LogParams::new(term_length, 1408, 7, SESSION_ID, STREAM_ID);
        let log = new_log(&params);
        let now_ns = 1_000_000_000;
        Self {
            now_ns,
            sender_address: address("10.0.0.1:40001"),
            sender: NetworkPublicationSender::new(log.clone(), flow_control, config, now_ns),
            writer: ExclusivePublicationWriter::new(log),
            endpoints,
            outbox: VecDeque::new(),
            messages_offered: 0,
        }
    }

    fn unicast(term_length: i32, endpoint: Endpoint) -> Self {
        let config = SenderConfig::unicast(endpoint.address);
        Self::new(term_length, config, Box::new(UnicastFlowControl::unicast()), vec![endpoint])
    }

    fn queue_messages(&mut self, count: usize, seed: u64) {
        let mut prng = Prng::from_seed(seed);
        for sequence in 0..count {
            let length = match prng.gen_range(0..10) {
                0 => 1500 + prng.gen_range(0..3000) as usize,
                1..=3 => 8,
                _ => 8 + prng.gen_range(0..400) as usize,
            };
            let mut message = vec![0u8; length];
            message[..8].copy_from_slice(&(sequence as u64).to_le_bytes());
            for (index, byte) in message.iter_mut().enumerate().skip(8) {
                *byte = (sequence as u8).wrapping_mul(31).wrapping_add(index as u8);
            }
            self.outbox.push_back(message);
        }
    }

    fn step(&mut self) {
        let now_ns = self.now_ns;
        let limit = self.sender.update_publisher_limit();
        while let Some(message) = self.outbox.front() {
            match self.writer.offer(limit, message) {
                Ok(_) => {
                    self.outbox.pop_front();
                    self.messages_offered += 1;
                }
                Err(OfferError::AdminAction) => {}
                Err(_) => break,
            }
        }

        let mut sink = RecordingSink::new();
        self.sender.send(now_ns, &mut sink);
        self.route_from_sender(sink, now_ns);

        for index in 0..self.endpoints.len() {
            let due = self.endpoints[index].to_endpoint.due(now_ns);
            for (from, _, bytes) in due {
                self.endpoints[index].on_datagram(from, &bytes, now_ns);
            }
            self.endpoints[index].duty_cycle(now_ns);
            let due = self.endpoints[index].from_endpoint.due(now_ns);
            for (from, to, bytes) in due {
                assert_eq!(to, self.sender_address, "receivers answer the sender");
                let mut sink = RecordingSink::new();
                self.sender.on_control_datagram(&bytes, from, now_ns, &mut sink);
                self.route_from_sender(sink, now_ns);
            }
        }
        self.now_ns += TICK_NS;
    }

    fn route_from_sender(&mut self, mut sink: RecordingSink, now_ns: i64) {
        for datagram in sink.take() {
            if let Some(endpoint) =
                self.endpoints.iter_mut().find(|endpoint| endpoint.address == datagram.destination)
            {
                endpoint.to_endpoint.push(now_ns, self.sender_address, datagram.destination, datagram.bytes);
            }
        }
    }

    fn run_for(&mut self, duration_ns: i64) {
        let end = self.now_ns + duration_ns;
        while self.now_ns < end {
            self.step();
        }
    }

    fn run_until(&mut self, limit_ns: i64, mut done: impl FnMut(&Self) -> bool) -> bool {
        let end = self.now_ns + limit_ns;
        while self.now_ns < end {
            if done(self) {
                return true;
            }
            self.step();
        }
        done(self)
    }
}

fn assert_in_order_exactly_once(messages: &[Vec<u8>], expected_count: usize) {
    assert_eq!(messages.len(), expected_count, "every message delivered exactly once");
    for (sequence, message) in messages.iter().enumerate() {
        let mut prefix = [0u8; 8];
        prefix.copy_from_slice(&message[..8]);
        assert_eq!(u64::from_le_bytes(prefix), sequence as u64, "messages arrive in order");
        for (index, byte) in message.iter().enumerate().skip(8) {
            assert_eq!(*byte, (sequence as u8).wrapping_mul(31).wrapping_add(index as u8), "payload intact");
        }
    }
}

#[test]
fn every_message_arrives_once_in_order_over_a_lossy_duplicating_reordering_link() {
    for seed in [1u64, 2, 3] {
        let mut endpoint = Endpoint::new(address("10.0.0.2:40002"), 0x5eed_0000 + seed as i64, seed * 10);
        endpoint.to_endpoint = Link::lossy(seed * 100, 0.10, 0.05, 300_000);
        endpoint.from_endpoint = Link::lossy(seed * 100 + 1, 0.10, 0.05, 300_000);
        let mut network = Network::unicast(64 * 1024, endpoint);
        network.queue_messages(2_000, seed);
        let delivered =
            network.run_until(60_000_000_000, |network| network.endpoints[0].messages.len() >= 2_000);
        assert!(delivered, "seed {seed}: only {} of 2000 delivered", network.endpoints[0].messages.len());
        network.run_for(50_000_000);
        assert_in_order_exactly_once(&network.endpoints[0].messages, 2_000);
        let image = network.endpoints[0].image().expect("image stays active");
        assert!(image.counters().naks_sent > 0, "loss was detected and NAKed");
        assert!(network.sender.counters().retransmits_sent > 0, "NAKs were answered");
        assert!(network.sender.sender_position() > 3 * 64 * 1024, "the stream crossed several terms");
        assert_eq!(image.rebuild_position(), network.sender.sender_position());
    }
}

#[test]
fn setup_repeats_every_100ms_until_a_status_message_then_heartbeats_every_100ms() {
    let endpoint = Endpoint::new(address("10.0.0.2:40002"), 42, 5);
    let mut network = Network::unicast(64 * 1024, endpoint);
    network.endpoints[0].to_endpoint.partitioned = true;
    let mut sink = RecordingSink::new();
    let start = network.now_ns;
    for step in 0..=10 {
        network.sender.send(start + step * 50_000_000, &mut sink);
    }
    let setups: Vec<_> = sink.take();
    assert_eq!(
        setups.len(),
        4,
        "with 50 ms steps a SETUP goes out once more than 100 ms passed: 0, 150, 300, 450 ms"
    );
    for datagram in &setups {
        let setup = SetupHeader::decode(&datagram.bytes).expect("a SETUP");
        assert_eq!((setup.session_id, setup.stream_id, setup.initial_term_id), (SESSION_ID, STREAM_ID, 7));
        assert_eq!(
            (setup.active_term_id, setup.term_offset, setup.term_length, setup.mtu),
            (7, 0, 65536, 1408)
        );
        assert_eq!(setup.flags, 0, "unicast: no GROUP flag");
    }

    network.now_ns = start + 600_000_000;
    network.endpoints[0].to_endpoint.partitioned = false;
    assert!(network.run_until(1_000_000_000, |network| network.sender.is_connected()));
    // Connected and idle: heartbeats every 100 ms, no more SETUPs.
    let mut sink = RecordingSink::new();
    let base = network.now_ns;
    for step in 1..=100 {
        network.sender.send(base + step * 10_000_000, &mut sink);
    }
    let datagrams = sink.take();
    assert!(datagrams.iter().all(|datagram| datagram.bytes.len() == 32), "only heartbeats");
    assert!((9..=10).contains(&datagrams.len()), "one heartbeat per 100 ms: {}", datagrams.len());
    let heartbeat = &datagrams[0].bytes;
    assert_eq!(&heartbeat[0..8], &[0, 0, 0, 0, 0, 0xC0, 1, 0], "frame_length 0, flags B|E, type DATA");

    // Close: once everything is sent the heartbeat carries EOS.
    network.sender.close();
    let mut sink = RecordingSink::new();
    network.sender.send(base + 2_000_000_000, &mut sink);
    let eos = sink.take();
    assert_eq!(eos.len(), 1);
    assert_eq!(eos[0].bytes[5], 0xE0, "B|E|EOS after close");
    assert!(network.sender.is_end_of_stream());
}

#[test]
fn a_lost_datagram_is_nakked_retransmitted_and_the_gap_filled() {
    let endpoint = Endpoint::new(address("10.0.0.2:40002"), 42, 6);
    let mut network = Network::unicast(64 * 1024, endpoint);
    assert!(network.run_until(1_000_000_000, |network| network.sender.is_connected()));
    // Drop the first DATA datagram starting at or after term offset 4096, exactly once.
    let mut dropped = false;
    network.endpoints[0].to_endpoint.drop_filter = Some(Box::new(move |bytes: &[u8]| {
        let term_offset = i32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
        let is_target = bytes.len() > 32 && bytes[6] == 1 && term_offset >= 4096;
        if is_target && !dropped {
            dropped = true;
            return true;
        }
        false
    }));
    network.queue_messages(100, 9);
    assert!(network.run_until(2_000_000_000, |network| network.endpoints[0].messages.len() == 100));
    assert_eq!(network.endpoints[0].to_endpoint.dropped, 1);
    assert_in_order_exactly_once(&network.endpoints[0].messages, 100);
    let image = network.endpoints[0].image().unwrap();
    assert!(image.counters().naks_sent >= 1);
    assert!(network.sender.counters().naks_received >= 1);
    assert!(network.sender.counters().retransmits_sent >= 1);
    assert!(network.sender.counters().retransmitted_bytes >= 32);
}

#[test]
fn a_partition_longer_than_image_liveness_makes_the_image_unavailable() {
    let endpoint = Endpoint::new(address("10.0.0.2:40002"), 42, 7);
    let mut network = Network::unicast(64 * 1024, endpoint);
    network.queue_messages(10, 3);
    assert!(network.run_until(1_000_000_000, |network| network.endpoints[0].messages.len() == 10));
    network.endpoints[0].to_endpoint.partitioned = true;
    network.endpoints[0].from_endpoint.partitioned = true;
    network.run_for(6_000_000_000);
    assert!(!network.sender.is_connected(), "no SM for 5 s: the sender loses its receiver");
    assert!(!network.sender.log().metadata().is_connected());
    assert_eq!(network.endpoints[0].images_unavailable, 0, "image liveness is 10 s");
    network.run_for(4_500_000_000);
    assert_eq!(network.endpoints[0].images_unavailable, 1);
    assert!(network.endpoints[0].image().is_none());
    assert_eq!(
        network.endpoints[0].dispatcher.session_state(STREAM_ID, SESSION_ID),
        Some(SessionState::OnCoolDown)
    );
    // After the partition heals the session stays on cool-down until the conductor clears it; then a new
    // image is built from an elicited SETUP.
    network.endpoints[0].to_endpoint.partitioned = false;
    network.endpoints[0].from_endpoint.partitioned = false;
    network.run_for(500_000_000);
    assert_eq!(network.endpoints[0].images_created, 1);
    network.endpoints[0].dispatcher.remove_session_state(STREAM_ID, SESSION_ID, SessionState::OnCoolDown);
    assert!(network.run_until(2_000_000_000, |network| network.sender.is_connected()));
    assert_eq!(network.endpoints[0].images_created, 2);
}

fn two_receiver_network(flow_control: Box<dyn FlowControl>) -> Network {
    let fast = Endpoint::new(address("10.0.0.2:40002"), 1, 20);
    let mut slow = Endpoint::new(address("10.0.0.3:40003"), 2, 30);
    slow.fragment_limit = 1;
    let mut network = Network::new(64 * 1024, SenderConfig::manual_mdc(), flow_control, vec![fast, slow]);
    let now_ns = network.now_ns;
    network.sender.add_destination(address("10.0.0.2:40002"), 1, now_ns);
    network.sender.add_destination(address("10.0.0.3:40003"), 2, now_ns);
    network
}

#[test]
fn min_flow_control_holds_the_sender_to_the_slowest_receiver_and_max_follows_the_fastest() {
    let mut min = two_receiver_network(Box::new(MinMulticastFlowControl::default()));
    min.endpoints[1].polling = false;
    min.queue_messages(3_000, 4);
    min.run_for(3_000_000_000);
    let slow_position = min.endpoints[1].position.load(Ordering::Relaxed);
    let window = i64::from(min.endpoints[1].image().unwrap().receiver_window_length());
    assert_eq!(min.sender.flow_control().receiver_count(), 2);
    assert!(min.sender.sender_limit() <= slow_position + window, "min: limit held by the stalled receiver");
    assert!(min.endpoints[0].messages.len() < 3_000, "the fast receiver is held back too");
    min.endpoints[1].polling = true;
    assert!(
        min.run_until(30_000_000_000, |network| network.endpoints.iter().all(|e| e.messages.len() == 3_000))
    );
    for endpoint in &min.endpoints {
        assert_in_order_exactly_once(&endpoint.messages, 3_000);
    }

    let mut max = two_receiver_network(Box::new(UnicastFlowControl::max_multicast()));
    max.endpoints[1].polling = false;
    max.queue_messages(3_000, 4);
    assert!(max.run_until(30_000_000_000, |network| network.endpoints[0].messages.len() == 3_000));
    let slow_position = max.endpoints[1].position.load(Ordering::Relaxed);
    assert!(
        max.sender.sender_position() > slow_position + 64 * 1024,
        "max: the sender follows the fastest receiver"
    );
    assert!(
        max.endpoints[1].image().unwrap().counters().flow_control_over_runs > 0,
        "the slow receiver is overrun"
    );
    assert_in_order_exactly_once(&max.endpoints[0].messages, 3_000);
}

#[test]
fn mdc_sends_to_every_destination_and_follows_removal_and_re_addition() {
    let endpoints = vec![
        Endpoint::new(address("10.0.0.2:40002"), 1, 40),
        Endpoint::new(address("10.0.0.3:40003"), 2, 50),
        Endpoint::new(address("10.0.0.4:40004"), 3, 60),
    ];
    let mut network = Network::new(
        64 * 1024,
        SenderConfig::manual_mdc(),
        Box::new(UnicastFlowControl::max_multicast()),
        endpoints,
    );
    let now_ns = network.now_ns;
    for (index, endpoint_address) in ["10.0.0.2:40002", "10.0.0.3:40003", "10.0.0.4:40004"].iter().enumerate()
    {
        network.sender.add_destination(address(endpoint_address), index as i64 + 10, now_ns);
    }
    network.queue_messages(200, 8);
    assert!(
        network.run_until(3_000_000_000, |network| network.endpoints.iter().all(|e| e.messages.len() == 200))
    );
    for endpoint in &network.endpoints {
        assert_in_order_exactly_once(&endpoint.messages, 200);
        let setup_flags = endpoint.image().unwrap().setup_flags();
        assert_eq!(setup_flags & protocol::frame::setup::GROUP_FLAG, protocol::frame::setup::GROUP_FLAG);
    }
    assert!(
        network
            .sender
            .destinations()
            .destinations()
            .iter()
            .all(|destination| destination.is_receiver_id_valid)
    );

    assert!(network.sender.remove_destination(address("10.0.0.3:40003")));
    let received_before = network.endpoints[1].datagrams_received;
    network.queue_messages(200, 8);
    assert!(network.run_until(3_000_000_000, |network| network.endpoints[0].messages.len() == 400));
    assert!(network.run_until(3_000_000_000, |network| network.endpoints[2].messages.len() == 400));
    network.run_for(100_000_000);
    assert_eq!(network.endpoints[1].messages.len(), 200, "a removed destination receives nothing more");
    assert!(network.endpoints[1].datagrams_received <= received_before + 2, "at most in-flight datagrams");

    let now_ns = network.now_ns;
    network.sender.remove_destination_by_registration_id(12);
    network.sender.add_destination(address("10.0.0.3:40003"), 11, now_ns);
    network.sender.add_destination(address("10.0.0.4:40004"), 12, now_ns);
    network.queue_messages(100, 8);
    assert!(network.run_until(3_000_000_000, |network| network.endpoints[2].messages.len() == 500));
    assert_eq!(network.sender.destinations().destinations().len(), 3);
    // The re-added destination's image resumes (its SMs keep it alive; it missed data while removed and is
    // past its window, so its SMs report the position it had consumed): it receives datagrams again.
    assert!(network.endpoints[1].datagrams_received > received_before + 2);
}

#[test]
fn status_message_and_nak_are_byte_exact_with_the_reference_example() {
    // DATA: the sender's datagram for "hello" at term id 7, offset 0 (reference §1.9).
    let params = LogParams::new(256 * 1024, 1408, 7, SESSION_ID, STREAM_ID);
    let log = new_log(&params);
    let mut writer = ExclusivePublicationWriter::new(log.clone());
    let receiver = address("10.0.0.2:40002");
    let mut sender = NetworkPublicationSender::new(
        log,
        Box::new(UnicastFlowControl::unicast()),
        SenderConfig::unicast(receiver),
        0,
    );
    writer.offer(1 << 20, b"hello").expect("offer");
    let sm = protocol::frame::StatusMessage {
        flags: 0,
        session_id: SESSION_ID,
        stream_id: STREAM_ID,
        consumption_term_id: 7,
        consumption_term_offset: 0,
        receiver_window: 131_072,
        receiver_id: 99,
        group_tag: None,
    };
    let mut frame = [0u8; 36];
    sm.encode(&mut frame).unwrap();
    let mut sink = RecordingSink::new();
    assert!(sender.on_control_datagram(&frame, receiver, 1, &mut sink));
    sender.send(2, &mut sink);
    let datagrams = sink.take();
    let data = &datagrams.last().unwrap().bytes;
    let mut expected = vec![
        0x25, 0, 0, 0, 0, 0xC0, 1, 0, 0, 0, 0, 0, 0xE9, 3, 0, 0, 0x64, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0,
    ];
    expected.extend_from_slice(b"hello");
    expected.resize(64, 0);
    assert_eq!(data, &expected);

    // SM: an image whose consumption position is term 7 offset 64, window 128 KiB.
    let setup = SetupHeader {
        flags: 0,
        term_offset: 64,
        session_id: SESSION_ID,
        stream_id: STREAM_ID,
        initial_term_id: 7,
        active_term_id: 7,
        term_length: 256 * 1024,
        mtu: 1408,
        ttl: 0,
    };
    let receiver_id: i64 = 0x0102_0304_0506_0708;
    let image_log = new_log(&PublicationImageReceiver::log_params(&setup, 1));
    let sender_address = address("10.0.0.1:40001");
    let mut image = PublicationImageReceiver::new(
        image_log,
        &setup,
        sender_address,
        0,
        ImageConfig::new(receiver_id, DelayGenerator::unicast_nak()),
        1_000,
    );
    image.activate(1_000);
    let mut sink = RecordingSink::new();
    image.duty_cycle(1_000, 64, 64, &mut sink);
    let sent = sink.take();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].destination, sender_address);
    let mut expected_sm =
        vec![0x24, 0, 0, 0, 0, 0, 3, 0, 0xE9, 3, 0, 0, 0x64, 0, 0, 0, 7, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 2, 0];
    expected_sm.extend_from_slice(&receiver_id.to_le_bytes());
    assert_eq!(sent[0].bytes, expected_sm);

    // NAK: the frame at offset 64 arrives but offset 0..64 is missing in an image joined at offset 0.
    let setup = SetupHeader { term_offset: 0, ..setup };
    let image_log = new_log(&PublicationImageReceiver::log_params(&setup, 2));
    let mut image = PublicationImageReceiver::new(
        image_log,
        &setup,
        sender_address,
        0,
        ImageConfig::new(receiver_id, DelayGenerator::unicast_nak()),
        1_000,
    );
    image.activate(1_000);
    let mut second = expected.clone();
    second[8] = 64; // term offset 64
    assert_eq!(image.insert_packet(&second, 0, sender_address, 2_000), 64);
    assert_eq!(image.hwm_position(), 128);
    image.duty_cycle(2_000, 0, 0, &mut sink);
    sink.take();
    image.duty_cycle(3_001, 0, 0, &mut sink);
    let naks: Vec<_> = sink.take().into_iter().filter(|datagram| datagram.bytes.len() == 28).collect();
    assert_eq!(naks.len(), 1, "NAK after the 1 µs unicast delay");
    assert_eq!(
        naks[0].bytes,
        vec![0x1C, 0, 0, 0, 0, 0, 2, 0, 0xE9, 3, 0, 0, 0x64, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0]
    );
    // Retry every 100 µs while the gap stays open.
    image.duty_cycle(50_000, 0, 0, &mut sink);
    assert!(sink.take().iter().all(|datagram| datagram.bytes.len() != 28), "no retry before 100 µs");
    image.duty_cycle(104_000, 0, 0, &mut sink);
    assert_eq!(sink.take().iter().filter(|datagram| datagram.bytes.len() == 28).count(), 1);
    // The gap is filled: the rebuild position jumps to the HWM.
    assert_eq!(image.insert_packet(&expected, 0, sender_address, 105_000), 64);
    image.duty_cycle(105_000, 0, 0, &mut sink);
    assert_eq!(image.rebuild_position(), 128);
}

#[test]
fn close_signals_end_of_stream_and_the_image_drains_with_eos_status_messages() {
    let endpoint = Endpoint::new(address("10.0.0.2:40002"), 42, 80);
    let mut network = Network::unicast(64 * 1024, endpoint);
    network.queue_messages(10, 2);
    assert!(network.run_until(1_000_000_000, |network| network.endpoints[0].messages.len() == 10));
    network.sender.close();
    let producer_position = network.sender.log().producer_position();
    assert!(network.run_until(1_000_000_000, |network| network.sender.has_received_unicast_eos()));
    let image = network.endpoints[0].image().expect("image still present while draining");
    assert!(image.is_end_of_stream());
    assert_eq!(image.state(), ImageState::Draining);
    assert_eq!(image.log().metadata().end_of_stream_position(), producer_position);
    assert!(network.sender.is_end_of_stream());
    assert!(!network.sender.is_connected(), "an EOS SM removes the receiver at once");
}

#[test]
fn dynamic_mdc_learns_destinations_from_status_messages_and_drops_silent_ones() {
    let endpoints = vec![
        Endpoint::new(address("10.0.0.2:40002"), 1, 90),
        Endpoint::new(address("10.0.0.3:40003"), 2, 91),
    ];
    let mut network = Network::new(
        64 * 1024,
        SenderConfig::dynamic_mdc(),
        Box::new(UnicastFlowControl::max_multicast()),
        endpoints,
    );
    let sender_address = network.sender_address;
    let now_ns = network.now_ns;
    for endpoint in &mut network.endpoints {
        let mut sink = RecordingSink::new();
        endpoint.dispatcher.start_mdc_setup_elicitation(sender_address, now_ns, &mut sink);
        let datagrams = sink.take();
        assert_eq!(datagrams[0].bytes[5], 0x80, "SEND_SETUP");
        assert_eq!(&datagrams[0].bytes[8..16], &[0u8; 8], "session 0, stream 0");
        for datagram in datagrams {
            endpoint.from_endpoint.push(now_ns, endpoint.address, datagram.destination, datagram.bytes);
        }
    }
    network.queue_messages(100, 5);
    assert!(
        network.run_until(3_000_000_000, |network| network.endpoints.iter().all(|e| e.messages.len() == 100))
    );
    assert_eq!(network.sender.destinations().destinations().len(), 2);
    network.endpoints[1].from_endpoint.partitioned = true;
    network.run_for(5_500_000_000);
    let destinations = network.sender.destinations().destinations();
    assert_eq!(destinations.len(), 1, "a destination without SMs for 5 s is dropped");
    assert_eq!(destinations[0].address, address("10.0.0.2:40002"));
}

#[test]
fn the_dispatcher_tracks_session_interest_and_expires_pending_setups() {
    let mut dispatcher = DataPacketDispatcher::new(77, Some(3));
    dispatcher.add_session_subscription(STREAM_ID, 5);
    let source = address("10.0.0.1:40001");
    let mut sink = RecordingSink::new();
    let heartbeat = |session_id: i32| {
        let mut frame = vec![0u8; 32];
        protocol::frame::Heartbeat {
            flags: 0xC0,
            term_offset: 0,
            session_id,
            stream_id: STREAM_ID,
            term_id: 7,
        }
        .encode(&mut frame)
        .unwrap();
        frame
    };
    assert_eq!(
        dispatcher.on_datagram(&heartbeat(SESSION_ID), source, 0, 0, &mut sink),
        DispatchOutcome::Ignored
    );
    assert_eq!(dispatcher.session_state(STREAM_ID, SESSION_ID), Some(SessionState::NoInterest));
    assert_eq!(
        dispatcher.on_datagram(&heartbeat(5), source, 0, 0, &mut sink),
        DispatchOutcome::SetupElicited
    );
    assert_eq!(dispatcher.session_state(STREAM_ID, 5), Some(SessionState::PendingSetupFrame));
    let elicit = sink.take();
    assert_eq!(elicit.len(), 1);
    assert_eq!(elicit[0].destination, source);
    let sm = protocol::frame::StatusMessage::decode(&elicit[0].bytes).unwrap();
    assert_eq!((sm.flags, sm.session_id, sm.receiver_id, sm.group_tag), (0x80, 5, 77, Some(3)));
    assert_eq!(elicit[0].bytes.len(), 44, "a group tag makes the SM 44 bytes");
    assert_eq!(dispatcher.on_datagram(&heartbeat(5), source, 0, 1, &mut sink), DispatchOutcome::Ignored);
    assert_eq!(
        dispatcher.on_datagram(&heartbeat(9), address("10.0.0.1:1"), 0, 1, &mut sink),
        DispatchOutcome::Ignored
    );
    assert_eq!(dispatcher.on_datagram(&[1, 2, 3], source, 0, 1, &mut sink), DispatchOutcome::Invalid);
    dispatcher.do_work(1_000_000_001, &mut sink, &mut |_| {});
    assert_eq!(dispatcher.session_state(STREAM_ID, 5), None, "pending setup expired after 1 s");
    // A SETUP for the wanted session asks for an image; one for another stream is ignored.
    let mut setup = [0u8; 40];
    SetupHeader {
        flags: 0,
        term_offset: 0,
        session_id: 5,
        stream_id: STREAM_ID,
        initial_term_id: 7,
        active_term_id: 7,
        term_length: 65536,
        mtu: 1408,
        ttl: 0,
    }
    .encode(&mut setup)
    .unwrap();
    assert!(matches!(
        dispatcher.on_datagram(&setup, source, 0, 2, &mut sink),
        DispatchOutcome::CreateImage(_)
    ));
    assert_eq!(dispatcher.session_state(STREAM_ID, 5), Some(SessionState::InitInProgress));
    assert_eq!(dispatcher.on_datagram(&setup, source, 0, 3, &mut sink), DispatchOutcome::Ignored);
}

#[test]
fn out_of_window_status_messages_are_rejected_and_rtt_requests_answered() {
    let endpoint = Endpoint::new(address("10.0.0.2:40002"), 42, 95);
    let mut network = Network::unicast(64 * 1024, endpoint);
    assert!(network.run_until(1_000_000_000, |network| network.sender.is_connected()));
    let receiver = address("10.0.0.2:40002");
    let limit = network.sender.sender_limit();
    let far_ahead = protocol::frame::StatusMessage {
        flags: 0,
        session_id: SESSION_ID,
        stream_id: STREAM_ID,
        consumption_term_id: 9,
        consumption_term_offset: 0,
        receiver_window: 4096,
        receiver_id: 42,
        group_tag: None,
    };
    let mut frame = [0u8; 36];
    far_ahead.encode(&mut frame).unwrap();
    let mut sink = RecordingSink::new();
    let rejected_before = network.sender.counters().status_messages_rejected;
    assert!(network.sender.on_control_datagram(&frame, receiver, network.now_ns, &mut sink));
    assert_eq!(network.sender.counters().status_messages_rejected, rejected_before + 1);
    assert_eq!(network.sender.sender_limit(), limit);

    let rttm = protocol::frame::RttMeasurement {
        flags: protocol::frame::rttm::REPLY_FLAG,
        session_id: SESSION_ID,
        stream_id: STREAM_ID,
        echo_timestamp_ns: 123_456,
        reception_delta_ns: 99,
        receiver_id: 42,
    };
    let mut frame = [0u8; 40];
    rttm.encode(&mut frame).unwrap();
    assert!(network.sender.on_control_datagram(&frame, receiver, network.now_ns, &mut sink));
    let replies = sink.take();
    assert_eq!(replies.len(), 1);
    let reply = protocol::frame::RttMeasurement::decode(&replies[0].bytes).unwrap();
    assert_eq!(
        (reply.flags, reply.echo_timestamp_ns, reply.reception_delta_ns, reply.receiver_id),
        (0, 123_456, 0, 42)
    );
    assert_eq!(network.sender.counters().rtt_replies_sent, 1);
}

#[test]
fn frames_of_the_other_side_are_ignored_without_being_counted() {
    let source = address("10.0.0.1:40001");
    let mut sink = RecordingSink::new();
    let mut dispatcher = DataPacketDispatcher::new(77, None);
    dispatcher.add_subscription(STREAM_ID);
    let mut sm = [0u8; 36];
    protocol::frame::StatusMessage {
        flags: 0,
        session_id: SESSION_ID,
        stream_id: STREAM_ID,
        consumption_term_id: 7,
        consumption_term_offset: 0,
        receiver_window: 4096,
        receiver_id: 5,
        group_tag: None,
    }
    .encode(&mut sm)
    .unwrap();
    assert_eq!(dispatcher.on_datagram(&sm, source, 0, 0, &mut sink), DispatchOutcome::Ignored);
    assert_eq!(dispatcher.counters().invalid_packets, 0, "a well-formed SM on a data socket is ignored");
    let mut truncated = sm;
    truncated[0..4].copy_from_slice(&100i32.to_le_bytes());
    assert_eq!(dispatcher.on_datagram(&truncated, source, 0, 0, &mut sink), DispatchOutcome::Invalid);
    assert_eq!(dispatcher.counters().invalid_packets, 1, "a frame longer than its datagram is invalid");

    let endpoint = Endpoint::new(address("10.0.0.2:40002"), 42, 96);
    let mut network = Network::unicast(64 * 1024, endpoint);
    let mut data = [0u8; 64];
    protocol::frame::DataHeader {
        frame_length: 40,
        flags: 0xC0,
        term_offset: 0,
        session_id: SESSION_ID,
        stream_id: STREAM_ID,
        term_id: 7,
        reserved_value: 0,
    }
    .encode(&mut data)
    .unwrap();
    assert!(network.sender.on_control_datagram(&data, source, network.now_ns, &mut sink));
    assert_eq!(network.sender.counters().invalid_packets, 0, "DATA on a control socket is ignored");
    assert!(!network.sender.on_control_datagram(&data[..20], source, network.now_ns, &mut sink));
    assert_eq!(network.sender.counters().invalid_packets, 1);
}

#[test]
fn another_sessions_status_messages_teach_destinations_without_being_counted() {
    let mut network = Network::new(
        64 * 1024,
        SenderConfig::dynamic_mdc(),
        Box::new(UnicastFlowControl::max_multicast()),
        Vec::new(),
    );
    let mut sink = RecordingSink::new();
    let sm = |session_id: i32, receiver_window: i32, flags: u8| {
        let mut frame = [0u8; 36];
        protocol::frame::StatusMessage {
            flags,
            session_id,
            stream_id: if session_id == 0 { 0 } else { STREAM_ID },
            consumption_term_id: 0,
            consumption_term_offset: 0,
            receiver_window,
            receiver_id: 9,
            group_tag: None,
        }
        .encode(&mut frame)
        .unwrap();
        frame
    };
    let now_ns = network.now_ns;
    assert!(network.sender.on_control_datagram(
        &sm(0, 0, 0x80),
        address("10.0.0.5:40005"),
        now_ns,
        &mut sink
    ));
    assert!(network.sender.on_control_datagram(
        &sm(4242, 1024, 0),
        address("10.0.0.6:40006"),
        now_ns,
        &mut sink
    ));
    assert!(network.sender.on_control_datagram(
        &sm(4343, -1, 0),
        address("10.0.0.7:40007"),
        now_ns,
        &mut sink
    ));
    let counters = network.sender.counters();
    assert_eq!(
        (counters.status_messages_received, counters.invalid_packets),
        (0, 0),
        "the endpoint counts them"
    );
    let learnt: Vec<SocketAddr> =
        network.sender.destinations().destinations().iter().map(|d| d.address).collect();
    assert_eq!(learnt, vec![address("10.0.0.5:40005"), address("10.0.0.6:40006")], "well-formed ones teach");
    assert!(!network.sender.is_connected(), "another session's SMs do not connect this one");
}

#[test]
fn spies_simulate_connection_connects_without_receivers_and_the_sender_follows_the_spies() {
    for ssc in [false, true] {
        let mut config = SenderConfig::unicast(address("10.0.0.2:40002"));
        config.spies_simulate_connection = ssc;
        let mut network =
            Network::new(64 * 1024, config, Box::new(UnicastFlowControl::unicast()), Vec::new());
        let start = network.sender.sender_position();
        network.sender.on_spies(true, start);
        assert_eq!(network.sender.is_connected(), ssc, "ssc={ssc}");
        assert_eq!(network.sender.log().metadata().is_connected(), ssc);
        network.queue_messages(40, 3);
        network.run_for(1_000_000);
        let producer = network.sender.log().producer_position();
        assert_eq!(producer > start, ssc, "the publisher may offer only when connected (ssc={ssc})");
        network.sender.on_spies(true, producer);
        network.run_for(1_000_000);
        let expected = if ssc { producer } else { start };
        assert_eq!(network.sender.sender_position(), expected, "the sender follows the spy (ssc={ssc})");
        assert_eq!(network.sender.counters().bytes_sent, 0, "nothing went on the wire");
        network.sender.on_spies(false, producer);
        assert!(!network.sender.is_connected(), "no spies, no receivers: not connected");
    }
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    fn connected_pair() -> (NetworkPublicationSender, DataPacketDispatcher, SocketAddr) {
        let endpoint = Endpoint::new(address("10.0.0.2:40002"), 42, 70);
        let mut network = Network::unicast(64 * 1024, endpoint);
        network.queue_messages(20, 1);
        network.run_for(200_000_000);
        let Network { sender, mut endpoints, .. } = network;
        let endpoint = endpoints.remove(0);
        (sender, endpoint.dispatcher, address("10.0.0.1:40001"))
    }

    fn datagram_strategy() -> impl Strategy<Value = Vec<u8>> {
        let header = (
            0u16..0x0D,
            any::<u8>(),
            prop_oneof![Just(0i32), Just(28), Just(32), Just(36), Just(40), Just(44), Just(64), any::<i32>()],
        );
        (header, prop::collection::vec(any::<u8>(), 0..200), any::<bool>()).prop_map(
            |((frame_type, flags, frame_length), mut body, keep_ids)| {
                body.resize(body.len().max(8), 0);
                body[0..4].copy_from_slice(&frame_length.to_le_bytes());
                body[4] = 0;
                body[5] = flags;
                body[6..8].copy_from_slice(&frame_type.to_le_bytes());
                if keep_ids && body.len() >= 20 {
                    // Aim some datagrams at the live session/stream (offsets differ by type; set both).
                    body[12..16].copy_from_slice(&SESSION_ID.to_le_bytes());
                    body[16..20].copy_from_slice(&STREAM_ID.to_le_bytes());
                }
                body
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_datagrams_never_panic_and_malformed_ones_are_counted(
            datagrams in prop::collection::vec(datagram_strategy(), 1..20),
        ) {
            let (mut sender, mut dispatcher, sender_address) = connected_pair();
            let receiver_address = address("10.0.0.2:40002");
            let mut sink = RecordingSink::new();
            let mut now_ns = 2_000_000_000;
            for datagram in &datagrams {
                now_ns += 1_000;
                let invalid_before = sender.counters().invalid_packets;
                let valid = sender.on_control_datagram(datagram, receiver_address, now_ns, &mut sink);
                prop_assert_eq!(valid, sender.counters().invalid_packets == invalid_before);
                let invalid_before = dispatcher.counters().invalid_packets;
                let outcome = dispatcher.on_datagram(datagram, sender_address, 0, now_ns, &mut sink);
                if outcome == DispatchOutcome::Invalid {
                    prop_assert_eq!(dispatcher.counters().invalid_packets, invalid_before + 1);
                }
                sender.send(now_ns, &mut sink);
                if let Some(image) = dispatcher.image_mut(STREAM_ID, SESSION_ID) {
                    let position = image.rebuild_position();
                    image.track_rebuild(now_ns, position, position);
                }
                dispatcher.do_work(now_ns, &mut sink, &mut |_| {});
                prop_assert!(sender.sender_position() <= sender.log().producer_position());
            }
        }

        #[test]
        fn every_prefix_and_mutation_of_real_datagrams_is_handled(cut in 0usize..64, flip in 0usize..64, bit in 0u8..8) {
            let (mut sender, mut dispatcher, sender_address) = connected_pair();
            let mut sink = RecordingSink::new();
            let data = {
                let mut frame = vec![0u8; 64];
                protocol::frame::DataHeader {
                    frame_length: 37, flags: 0xC0, term_offset: 0, session_id: SESSION_ID, stream_id: STREAM_ID,
                    term_id: 7, reserved_value: 0,
                }.encode(&mut frame).unwrap();
                frame
            };
            let sm = {
                let mut frame = vec![0u8; 36];
                protocol::frame::StatusMessage {
                    flags: 0, session_id: SESSION_ID, stream_id: STREAM_ID, consumption_term_id: 7,
                    consumption_term_offset: 0, receiver_window: 4096, receiver_id: 5, group_tag: None,
                }.encode(&mut frame).unwrap();
                frame
            };
            for original in [data, sm] {
                let mut mutated = original.clone();
                let index = flip % mutated.len();
                mutated[index] ^= 1 << bit;
                for datagram in [&original[..cut.min(original.len())], &mutated[..]] {
                    dispatcher.on_datagram(datagram, sender_address, 0, 3_000_000_000, &mut sink);
                    sender.on_control_datagram(datagram, address("10.0.0.2:40002"), 3_000_000_000, &mut sink);
                }
            }
        }
    }
}
