//! Garbage on the wire: a receive endpoint and a sender's control socket fed arbitrary datagrams through
//! the simulated network (random bytes, truncated frames, wrong versions, lying `frame_length`s, absurd
//! term offsets, SETUPs with impossible term lengths, SMs and NAKs with impossible fields, frames of the
//! wrong side) while a real stream runs on the same endpoints. The drivers keep running, drop the
//! garbage, count it in the `Invalid packets` system counter (frames of the other side are ignored
//! without being counted, as Aeron does), and the real stream is delivered exactly once, in order.

mod sim_support;

use std::net::SocketAddr;

use agrona::Prng;
use client::Header;
use fulmar_driver::system_counters::{INVALID_PACKETS, STATUS_MESSAGES_REJECTED};
use media::{DatagramSink, DatagramTransport, TransportSpec};
use protocol::frame::{DataHeader, FrameType, Nak, SetupHeader, StatusMessage, validate_datagram};
use sim::LinkConfig;
use sim_support::{SimCluster, check_payload, payload};

const STREAM: i32 = 3003;
const TERM_LENGTH: i32 = 64 * 1024;

/// How a garbage datagram must be treated by the endpoint it is sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Must be counted as an invalid packet.
    Invalid,
    /// Well-formed but of no use (another side's frame, an unknown session): must not be counted.
    Ignored,
    /// Random bytes that happen to pass the generic checks: may or may not be counted.
    Either,
    /// A well-formed SM for the real session whose position is out of range: rejected, not invalid.
    Rejected,
}

/// The real stream's identity, for garbage that targets it.
#[derive(Clone, Copy)]
struct Target {
    session_id: i32,
    term_id: i32,
}

fn random_bytes(prng: &mut Prng, length: usize) -> Vec<u8> {
    (0..length).map(|_| prng.next_u32() as u8).collect()
}

fn classify_random(bytes: &[u8], data_side: bool) -> Expect {
    match validate_datagram(bytes) {
        Err(_) => Expect::Invalid,
        Ok(frame_type) if data_side && !frame_type.is_accepted_on_data_side() => Expect::Ignored,
        Ok(frame_type) if !data_side && !frame_type.is_accepted_on_control_side() => Expect::Ignored,
        Ok(_) => Expect::Either,
    }
}

fn data_frame(session_id: i32, term_id: i32, term_offset: i32, frame_length: i32, length: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; length.max(32)];
    let header = DataHeader {
        frame_length: 64,
        flags: 0xC0,
        term_offset,
        session_id,
        stream_id: STREAM,
        term_id,
        reserved_value: 0,
    };
    header.encode(&mut bytes).expect("header fits");
    // The encoder refuses impossible lengths: write the lie afterwards.
    bytes[0..4].copy_from_slice(&frame_length.to_le_bytes());
    bytes.truncate(length);
    bytes
}

fn setup_frame(session_id: i32, term_length: i32, mtu: i32, term_offset: i32) -> Vec<u8> {
    let setup = SetupHeader {
        flags: 0,
        term_offset,
        session_id,
        stream_id: STREAM,
        initial_term_id: 7,
        active_term_id: 7,
        term_length,
        mtu,
        ttl: 0,
    };
    let mut bytes = vec![0u8; 64];
    let length = setup.encode(&mut bytes).expect("setup fits");
    bytes.truncate(length);
    bytes
}

fn status_message(session_id: i32, term_id: i32, term_offset: i32, window: i32, receiver_id: i64) -> Vec<u8> {
    let sm = StatusMessage {
        flags: 0,
        session_id,
        stream_id: STREAM,
        consumption_term_id: term_id,
        consumption_term_offset: term_offset,
        receiver_window: window,
        receiver_id,
        group_tag: None,
    };
    let mut bytes = vec![0u8; 64];
    let length = sm.encode(&mut bytes).expect("sm fits");
    bytes.truncate(length);
    bytes
}

fn nak(session_id: i32, term_id: i32, term_offset: i32, length: i32) -> Vec<u8> {
    let nak = Nak { flags: 0, session_id, stream_id: STREAM, term_id, term_offset, length };
    let mut bytes = vec![0u8; 64];
    let frame_length = nak.encode(&mut bytes).expect("nak fits");
    bytes.truncate(frame_length);
    bytes
}

/// A session id that is not the real one.
fn other_session(prng: &mut Prng, target: Target) -> i32 {
    let session_id = prng.next_i32();
    if session_id == target.session_id { session_id.wrapping_add(1) } else { session_id }
}

/// One garbage datagram for a receiver's data socket.
fn data_side_garbage(prng: &mut Prng, target: Target) -> (Vec<u8>, Expect) {
    match prng.gen_range(0..10) {
        0 => {
            let length = prng.gen_range(0..300) as usize;
            let bytes = random_bytes(prng, length);
            let expect = classify_random(&bytes, true);
            (bytes, expect)
        }
        1 => {
            // Truncated: a DATA or SETUP header cut short.
            let mut bytes = if prng.next_u32().is_multiple_of(2) {
                data_frame(target.session_id, target.term_id, 0, 64, 64)
            } else {
                setup_frame(other_session(prng, target), TERM_LENGTH, 1408, 0)
            };
            bytes.truncate(prng.gen_range(0..bytes.len() as u64 - 1) as usize);
            let expect = classify_random(&bytes, true);
            (bytes, expect)
        }
        2 => {
            // Wrong version.
            let mut bytes = data_frame(target.session_id, target.term_id, 0, 64, 64);
            bytes[4] = 1 + (prng.next_u32() % 255) as u8;
            (bytes, Expect::Invalid)
        }
        3 => {
            // The real session at an absurd term offset (negative, unaligned or past the term).
            let term_offset = match prng.gen_range(0..3) {
                0 => -32 * (1 + prng.gen_range(0..100) as i32),
                1 => 32 * prng.gen_range(0..100) as i32 + 1 + prng.gen_range(0..31) as i32,
                _ => TERM_LENGTH + 32 * prng.gen_range(0..1000) as i32,
            };
            (data_frame(target.session_id, target.term_id, term_offset, 64, 64), Expect::Invalid)
        }
        4 => {
            // The real session, lying frame_length: too short to be a frame, or past the datagram.
            let frame_length = if prng.next_u32().is_multiple_of(2) {
                1 + prng.gen_range(0..31) as i32
            } else {
                96 + prng.gen_range(0..10_000) as i32
            };
            (data_frame(target.session_id, target.term_id, 0, frame_length, 64), Expect::Invalid)
        }
        5 => {
            // A valid-looking SETUP with an impossible term length or MTU.
            let (term_length, mtu) = match prng.gen_range(0..4) {
                0 => (TERM_LENGTH + 32, 1408),
                1 => (32 * 1024, 1408),
                2 => (i32::MIN, 1408),
                _ => (TERM_LENGTH, 17),
            };
            (setup_frame(other_session(prng, target), term_length, mtu, 0), Expect::Invalid)
        }
        6 => {
            // A SETUP with a term offset past its term.
            (setup_frame(other_session(prng, target), TERM_LENGTH, 1408, TERM_LENGTH), Expect::Invalid)
        }
        7 => {
            // Frames of the control side on a data socket: ignored.
            let bytes = if prng.next_u32().is_multiple_of(2) {
                status_message(target.session_id, target.term_id, 0, 1024, prng.next_u64() as i64)
            } else {
                nak(target.session_id, target.term_id, 0, 64)
            };
            (bytes, Expect::Ignored)
        }
        8 => {
            // Well-formed DATA of an unsubscribed stream: ignored.
            let mut bytes = data_frame(other_session(prng, target), 1, 0, 64, 64);
            bytes[16..20].copy_from_slice(&(STREAM + 1).to_le_bytes());
            (bytes, Expect::Ignored)
        }
        _ => {
            // Negative frame length.
            (data_frame(target.session_id, target.term_id, 0, -64, 64), Expect::Invalid)
        }
    }
}

/// One garbage datagram for a sender's control socket.
fn control_side_garbage(prng: &mut Prng, target: Target) -> (Vec<u8>, Expect) {
    match prng.gen_range(0..9) {
        0 => {
            let length = prng.gen_range(0..300) as usize;
            let bytes = random_bytes(prng, length);
            let expect = classify_random(&bytes, false);
            (bytes, expect)
        }
        1 => {
            // Truncated SM or NAK.
            let mut bytes = if prng.next_u32().is_multiple_of(2) {
                status_message(target.session_id, target.term_id, 0, 1024, 1)
            } else {
                nak(target.session_id, target.term_id, 0, 64)
            };
            bytes.truncate(prng.gen_range(0..bytes.len() as u64 - 1) as usize);
            let expect = classify_random(&bytes, false);
            (bytes, expect)
        }
        2 => {
            // Wrong version.
            let mut bytes = nak(target.session_id, target.term_id, 0, 64);
            bytes[4] = 1 + (prng.next_u32() % 255) as u8;
            (bytes, Expect::Invalid)
        }
        3 => {
            // SM for the real session with an impossible offset or window.
            let (term_offset, window) = match prng.gen_range(0..3) {
                0 => (33, 1024),
                1 => (TERM_LENGTH, 1024),
                _ => (0, TERM_LENGTH),
            };
            (status_message(target.session_id, target.term_id, term_offset, window, 1), Expect::Invalid)
        }
        4 => {
            // NAK for the real session with an impossible range.
            let (term_offset, length) = match prng.gen_range(0..3) {
                0 => (-32, 64),
                1 => (TERM_LENGTH - 32, 64),
                _ => (0, -1),
            };
            (nak(target.session_id, target.term_id, term_offset, length), Expect::Invalid)
        }
        5 => {
            // SM for the real session, well formed but far outside the acceptable positions.
            let term_id = target.term_id.wrapping_add(1_000 + prng.gen_range(0..1_000) as i32);
            (status_message(target.session_id, term_id, 0, 1024, 1), Expect::Rejected)
        }
        6 => {
            // Frames of the data side on a control socket: ignored.
            (data_frame(other_session(prng, target), 1, 0, 64, 64), Expect::Ignored)
        }
        7 => {
            // Control frames for a session nobody publishes: ignored.
            let session_id = other_session(prng, target);
            (nak(session_id, 1, 0, 64), Expect::Ignored)
        }
        _ => {
            // A lying frame_length on a control frame (longer than the datagram).
            let mut bytes = nak(target.session_id, target.term_id, 0, 64);
            bytes[0..4].copy_from_slice(&(200 + prng.gen_range(0..1000) as i32).to_le_bytes());
            (bytes, Expect::Invalid)
        }
    }
}

/// Tally of what was sent to one endpoint.
#[derive(Debug, Default)]
struct Tally {
    invalid: i64,
    either: i64,
    rejected: i64,
    total: i64,
}

impl Tally {
    fn add(&mut self, expect: Expect) {
        self.total += 1;
        match expect {
            Expect::Invalid => self.invalid += 1,
            Expect::Either => self.either += 1,
            Expect::Rejected => self.rejected += 1,
            Expect::Ignored => {}
        }
    }
}

fn check_frame_type_sanity() {
    // The classification above relies on these.
    assert!(FrameType::StatusMessage.is_accepted_on_control_side());
    assert!(FrameType::Data.is_accepted_on_data_side());
}

#[test]
fn garbage_datagrams_are_dropped_and_counted_while_a_real_stream_flows() {
    check_frame_type_sanity();
    let link = LinkConfig {
        latency_ns: 100_000,
        jitter_ns: 100_000,
        loss_probability: 0.01,
        duplicate_probability: 0.01,
    };
    let cluster = SimCluster::new(&["10.0.0.1", "10.0.0.2", "10.0.0.3"], link, 61);
    let publisher = cluster.connect(0);
    let subscriber = cluster.connect(1);
    let clients = [&publisher, &subscriber];
    let channel = "aeron:udp?endpoint=10.0.0.2:40800";
    let mut subscription = subscriber.add_subscription(channel, STREAM).unwrap();
    let publication = publisher.add_publication(channel, STREAM).unwrap();
    cluster.step_until(&clients, 5_000, || subscription.image_count() == 1 && publication.is_connected());
    let data_endpoint: SocketAddr = "10.0.0.2:40800".parse().unwrap();
    let control_endpoint: SocketAddr = subscription.images()[0].source_identity().parse().unwrap();
    let initial_term_id = publication.initial_term_id();

    // The garbage travels on a perfect link, so that every datagram arrives exactly once and can be
    // tallied; the real stream keeps its loss and duplication.
    let fuzzer_ip: std::net::IpAddr = "10.0.0.3".parse().unwrap();
    cluster.net.set_link(fuzzer_ip, sim::AddressPattern::Any, LinkConfig::with_latency_ns(50_000));
    let fuzzer_host = cluster.net.for_host(fuzzer_ip);
    let mut fuzzer = fuzzer_host.open_transport(&TransportSpec::bind("10.0.0.3:0".parse().unwrap())).unwrap();
    let mut prng = Prng::from_seed(0xf022);
    let mut data_tally = Tally::default();
    let mut control_tally = Tally::default();
    let invalid_before =
        (cluster.system_counter(0, INVALID_PACKETS), cluster.system_counter(1, INVALID_PACKETS));
    let rejected_before = cluster.system_counter(0, STATUS_MESSAGES_REJECTED);

    let mut received = Vec::new();
    let poll = |subscription: &mut client::Subscription, received: &mut Vec<u32>| {
        subscription.poll(&mut |bytes: &[u8], _header: &Header| received.push(check_payload(bytes).1), 100)
    };
    let mut buffer = vec![0u8; 64 * 1024];
    let count = 3_000u32;
    let mut sequence = 0u32;
    while sequence < count {
        let message = payload(1, sequence, 8 + (sequence as usize * 41) % 700);
        match publication.offer(&message) {
            Ok(_) => sequence += 1,
            Err(client::OfferError::BackPressured | client::OfferError::AdminAction) => {}
            Err(other) => panic!("offer failed: {other}"),
        }
        let target = Target {
            session_id: publication.session_id(),
            term_id: initial_term_id.wrapping_add((publication.position() >> 16) as i32),
        };
        for _ in 0..3 {
            let (bytes, expect) = data_side_garbage(&mut prng, target);
            let _ = fuzzer.send(data_endpoint, &bytes);
            data_tally.add(expect);
            let (bytes, expect) = control_side_garbage(&mut prng, target);
            let _ = fuzzer.send(control_endpoint, &bytes);
            control_tally.add(expect);
        }
        // Drain whatever the drivers answered (setup-eliciting SMs for garbage sessions, ...).
        while fuzzer.try_recv(&mut buffer).is_some() {}
        poll(&mut subscription, &mut received);
        cluster.step(&clients);
    }
    cluster.step_until(&clients, 20_000, || {
        poll(&mut subscription, &mut received);
        received.len() == count as usize
    });
    cluster.run_for(100_000_000, &clients);
    assert_eq!(received, (0..count).collect::<Vec<_>>(), "the real stream, exactly once, in order");
    assert_eq!(subscription.image_count(), 1, "the real image survived");

    let receiver_invalid = cluster.system_counter(1, INVALID_PACKETS) - invalid_before.1;
    assert!(
        receiver_invalid >= data_tally.invalid && receiver_invalid <= data_tally.invalid + data_tally.either,
        "receiver counted {receiver_invalid} invalid packets for {data_tally:?}"
    );
    let sender_invalid = cluster.system_counter(0, INVALID_PACKETS) - invalid_before.0;
    assert!(
        sender_invalid >= control_tally.invalid
            && sender_invalid <= control_tally.invalid + control_tally.either,
        "sender counted {sender_invalid} invalid packets for {control_tally:?}"
    );
    let rejected = cluster.system_counter(0, STATUS_MESSAGES_REJECTED) - rejected_before;
    assert!(rejected >= control_tally.rejected, "rejected {rejected} for {control_tally:?}");
    assert!(data_tally.total > 5_000 && control_tally.total > 5_000, "{data_tally:?} {control_tally:?}");
}
