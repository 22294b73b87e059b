//! Scenario tests of the simulated network through its public API (deterministic: a manual clock and a
//! fixed seed per test).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use agrona::{ManualClock, Prng};
use fulmar_sim::{
    AddressPattern, DatagramFate, LinkConfig, NetworkConfig, NetworkCounters, SimNetwork, SimTransport,
    TraceEntry,
};
use media::{
    DatagramSink, DatagramTransport, DatagramTransportFactory, SendOutcome, TransportError, TransportSpec,
};

fn network(seed: u64) -> (ManualClock, SimNetwork) {
    let clock = ManualClock::new(0);
    let net = SimNetwork::new(clock.clone(), Prng::from_seed(seed));
    (clock, net)
}

fn addr(text: &str) -> SocketAddr {
    text.parse().unwrap()
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn open(net: &SimNetwork, bind: &str) -> SimTransport {
    net.open_transport(&TransportSpec::bind(addr(bind))).unwrap()
}

/// Datagrams as received: payload and source.
type Received = Vec<(Vec<u8>, SocketAddr)>;

fn recv_all(transport: &mut SimTransport) -> Received {
    let mut buffer = [0u8; 2048];
    let mut received = Vec::new();
    while let Some((length, source)) = transport.try_recv(&mut buffer) {
        received.push((buffer[..length].to_vec(), source));
    }
    received
}

fn payloads(received: &[(Vec<u8>, SocketAddr)]) -> Vec<Vec<u8>> {
    received.iter().map(|(payload, _)| payload.clone()).collect()
}

fn assert_conserved(net: &SimNetwork) -> NetworkCounters {
    let counters = net.counters();
    assert!(counters.is_conserved(), "not conserved: {counters:?}");
    counters
}

#[test]
fn latency_delays_delivery_until_time_advances() {
    let (clock, net) = network(1);
    net.set_default_link(LinkConfig::with_latency_ns(1_000));
    let mut a = open(&net, "127.0.0.1:5000");
    let mut b = open(&net, "127.0.0.1:6000");
    assert_eq!(a.send(b.local_addr(), b"hello"), SendOutcome::Sent(5));
    assert_eq!(net.next_arrival_ns(), Some(1_000));
    let mut buffer = [0u8; 64];
    assert_eq!(b.try_recv(&mut buffer), None);
    clock.advance_ns(999);
    assert_eq!(b.try_recv(&mut buffer), None);
    clock.advance_ns(1);
    assert_eq!(b.try_recv(&mut buffer), Some((5, addr("127.0.0.1:5000"))));
    assert_eq!(&buffer[..5], b"hello");
    assert_eq!(b.try_recv(&mut buffer), None);
    assert_eq!(net.next_arrival_ns(), None);
    let counters = assert_conserved(&net);
    assert_eq!((counters.sent, counters.delivered, counters.dropped()), (1, 1, 0));
    assert_eq!(recv_all(&mut a), vec![]);
}

#[test]
fn perfect_network_delivers_at_once_in_send_order() {
    let (_clock, net) = network(1);
    let mut a = open(&net, "127.0.0.1:5000");
    let mut b = open(&net, "127.0.0.1:6000");
    for i in 0..10u8 {
        a.send(b.local_addr(), &[i]);
    }
    assert_eq!(payloads(&recv_all(&mut b)), (0..10u8).map(|i| vec![i]).collect::<Vec<_>>());
    assert_eq!(net.counters().would_block, 0);
}

#[test]
fn loss_probability_is_roughly_honoured_and_pinned_for_seed_1() {
    let (_clock, net) = network(1);
    net.set_default_link(LinkConfig { loss_probability: 0.25, ..LinkConfig::PERFECT });
    let mut a = open(&net, "127.0.0.1:5000");
    let mut b = open(&net, "127.0.0.1:6000");
    let mut received = 0u64;
    for i in 0..10_000u32 {
        a.send(b.local_addr(), &i.to_le_bytes());
        received += recv_all(&mut b).len() as u64;
    }
    let counters = assert_conserved(&net);
    assert_eq!(counters.delivered, received);
    assert_eq!(counters.dropped_loss + received, 10_000);
    assert!((2_300..2_700).contains(&counters.dropped_loss), "lost {}", counters.dropped_loss);
    // Pinned: a change here means the network's use of the generator changed (and every seed replays
    // differently).
    assert_eq!(counters.dropped_loss, 2_590);
}

#[test]
fn duplication_delivers_copies() {
    let (_clock, net) = network(2);
    net.set_default_link(LinkConfig { duplicate_probability: 1.0, ..LinkConfig::PERFECT });
    let mut a = open(&net, "127.0.0.1:5000");
    let mut b = open(&net, "127.0.0.1:6000");
    a.send(b.local_addr(), b"x");
    a.send(b.local_addr(), b"y");
    assert_eq!(payloads(&recv_all(&mut b)), vec![b"x".to_vec(), b"x".to_vec(), b"y".to_vec(), b"y".to_vec()]);
    net.set_default_link(LinkConfig { duplicate_probability: 0.5, ..LinkConfig::PERFECT });
    for _ in 0..1_000 {
        a.send(b.local_addr(), b"z");
    }
    let copies = recv_all(&mut b).len();
    assert!((1_400..1_600).contains(&copies), "copies {copies}");
    let counters = assert_conserved(&net);
    assert_eq!(counters.duplicated, 2 + copies as u64 - 1_000);
}

#[test]
fn jitter_reorders_in_arrival_time_order() {
    let (clock, net) = network(3);
    net.enable_trace_log();
    net.set_default_link(LinkConfig { latency_ns: 100, jitter_ns: 1_000, ..LinkConfig::PERFECT });
    let mut a = open(&net, "127.0.0.1:5000");
    let mut b = open(&net, "127.0.0.1:6000");
    for i in 0..50u8 {
        a.send(b.local_addr(), &[i]);
    }
    clock.advance_ns(99);
    assert!(recv_all(&mut b).is_empty());
    clock.advance_ns(1_001);
    let order: Vec<u8> = payloads(&recv_all(&mut b)).into_iter().map(|p| p[0]).collect();
    assert_eq!(order.len(), 50);
    assert_ne!(order, (0..50u8).collect::<Vec<_>>(), "jitter must reorder");
    let mut sorted = order.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..50u8).collect::<Vec<_>>());
    // The order is exactly ascending scheduled arrival time, ties by send order.
    let mut scheduled: Vec<(i64, u64, u8)> = net
        .take_trace_log()
        .iter()
        .filter_map(|entry| match entry.fate {
            DatagramFate::Scheduled { deliver_at_ns } => Some((deliver_at_ns, entry.datagram_id)),
            _ => None,
        })
        .enumerate()
        .map(|(i, (at, id))| (at, id, i as u8))
        .collect();
    scheduled.sort_unstable();
    assert!(scheduled.iter().all(|&(at, _, _)| (100..=1_100).contains(&at)));
    assert_eq!(order, scheduled.iter().map(|&(_, _, i)| i).collect::<Vec<_>>());
}

/// A small faulty workload; returns the trace and what each endpoint received.
fn run_workload(seed: u64) -> (Vec<TraceEntry>, Vec<Received>) {
    let (clock, net) = network(seed);
    net.enable_trace_log();
    net.set_default_link(LinkConfig {
        latency_ns: 50,
        jitter_ns: 200,
        loss_probability: 0.1,
        duplicate_probability: 0.1,
    });
    let mut endpoints: Vec<SimTransport> = (0..3).map(|_| open(&net, "127.0.0.1:0")).collect();
    let addresses: Vec<SocketAddr> = endpoints.iter().map(|e| e.local_addr()).collect();
    let mut received = vec![Vec::new(); 3];
    for step in 0..200usize {
        let from = step % 3;
        let to = (step * 7 + 1) % 3;
        endpoints[from].send(addresses[to], &(step as u32).to_le_bytes());
        clock.advance_ns(30);
        for (index, endpoint) in endpoints.iter_mut().enumerate() {
            received[index].extend(recv_all(endpoint));
        }
    }
    clock.advance_ns(1_000);
    for (index, endpoint) in endpoints.iter_mut().enumerate() {
        received[index].extend(recv_all(endpoint));
    }
    assert_conserved(&net);
    (net.take_trace_log(), received)
}

#[test]
fn same_seed_same_trace_different_seed_different_trace() {
    let (trace_a, received_a) = run_workload(7);
    let (trace_b, received_b) = run_workload(7);
    assert!(!trace_a.is_empty());
    assert_eq!(trace_a, trace_b);
    assert_eq!(received_a, received_b);
    let (trace_c, received_c) = run_workload(8);
    assert_ne!(trace_a, trace_c);
    assert_ne!(received_a, received_c);
}

#[test]
fn symmetric_partition_drops_both_ways_until_heal() {
    let (clock, net) = network(4);
    let node_a = net.for_host(ip("10.0.0.1"));
    let node_b = net.for_host(ip("10.0.0.2"));
    let node_c = net.for_host(ip("10.0.0.3"));
    let mut a = open(&node_a, "10.0.0.1:9000");
    let mut b = open(&node_b, "10.0.0.2:9000");
    let mut c = open(&node_c, "10.0.0.3:9000");
    net.partition([ip("10.0.0.1")], [ip("10.0.0.2")]);
    a.send(b.local_addr(), b"a->b");
    b.send(a.local_addr(), b"b->a");
    a.send(c.local_addr(), b"a->c");
    assert!(recv_all(&mut a).is_empty());
    assert!(recv_all(&mut b).is_empty());
    assert_eq!(payloads(&recv_all(&mut c)), vec![b"a->c".to_vec()]);
    assert_eq!(net.counters().dropped_partition, 2);

    // A datagram in flight when the partition starts is lost at arrival.
    net.heal();
    net.set_default_link(LinkConfig::with_latency_ns(100));
    a.send(b.local_addr(), b"in flight");
    clock.advance_ns(50);
    net.partition([ip("10.0.0.1")], [ip("10.0.0.2")]);
    clock.advance_ns(50);
    assert!(recv_all(&mut b).is_empty());
    assert_eq!(net.counters().dropped_partition, 3);

    net.heal();
    a.send(b.local_addr(), b"healed");
    b.send(a.local_addr(), b"healed too");
    clock.advance_ns(100);
    assert_eq!(payloads(&recv_all(&mut b)), vec![b"healed".to_vec()]);
    assert_eq!(payloads(&recv_all(&mut a)), vec![b"healed too".to_vec()]);
    assert_conserved(&net);
}

#[test]
fn one_way_partition_and_isolate() {
    let (_clock, net) = network(5);
    let mut a = open(&net.for_host(ip("10.0.0.1")), "0.0.0.0:9000");
    let mut b = open(&net.for_host(ip("10.0.0.2")), "0.0.0.0:9000");
    net.partition_one_way([ip("10.0.0.1")], [addr("10.0.0.2:9000")]);
    a.send(addr("10.0.0.2:9000"), b"a->b");
    b.send(addr("10.0.0.1:9000"), b"b->a");
    assert!(recv_all(&mut b).is_empty());
    assert_eq!(recv_all(&mut a), vec![(b"b->a".to_vec(), addr("10.0.0.2:9000"))]);
    net.heal();

    net.isolate(ip("10.0.0.2"));
    a.send(addr("10.0.0.2:9000"), b"a->b");
    b.send(addr("10.0.0.1:9000"), b"b->a");
    assert!(recv_all(&mut a).is_empty() && recv_all(&mut b).is_empty());
    // Loopback traffic on the isolated host still flows.
    let mut b_loopback = open(&net.for_host(ip("10.0.0.2")), "127.0.0.1:7000");
    b.send(addr("127.0.0.1:7000"), b"local");
    assert_eq!(recv_all(&mut b_loopback), vec![(b"local".to_vec(), addr("127.0.0.1:9000"))]);
    net.heal();
    a.send(addr("10.0.0.2:9000"), b"again");
    assert_eq!(payloads(&recv_all(&mut b)), vec![b"again".to_vec()]);
    let counters = assert_conserved(&net);
    assert_eq!(counters.dropped_partition, 3);
}

#[test]
fn clog_holds_then_releases_in_order() {
    let (clock, net) = network(6);
    net.set_default_link(LinkConfig::with_latency_ns(10));
    let mut a = open(&net, "127.0.0.1:5000");
    let mut b = open(&net, "127.0.0.1:6000");
    net.clog(a.local_addr(), b.local_addr(), 1_000);
    for i in 0..3u8 {
        a.send(b.local_addr(), &[i]);
    }
    b.send(a.local_addr(), b"reverse");
    clock.advance_ns(500);
    assert!(recv_all(&mut b).is_empty(), "held by the clog");
    assert_eq!(payloads(&recv_all(&mut a)), vec![b"reverse".to_vec()], "the other direction flows");
    let counters = assert_conserved(&net);
    assert_eq!((counters.held_by_clog, counters.in_flight), (3, 3));
    assert_eq!(net.next_arrival_ns(), Some(1_000));
    clock.advance_ns(499);
    assert!(recv_all(&mut b).is_empty());
    clock.advance_ns(1);
    assert_eq!(payloads(&recv_all(&mut b)), vec![vec![0], vec![1], vec![2]]);

    // After the clog ends, datagrams flow normally; a heal releases a clog early.
    a.send(b.local_addr(), b"after");
    clock.advance_ns(10);
    assert_eq!(payloads(&recv_all(&mut b)), vec![b"after".to_vec()]);
    net.clog(AddressPattern::Any, AddressPattern::Any, 1_000_000);
    a.send(b.local_addr(), b"held");
    clock.advance_ns(100);
    assert!(recv_all(&mut b).is_empty());
    net.heal();
    assert_eq!(payloads(&recv_all(&mut b)), vec![b"held".to_vec()]);
    assert_conserved(&net);
}

#[test]
fn full_receive_queue_drops_and_counts() {
    let (_clock, net) = network(7);
    let mut a = open(&net, "127.0.0.1:5000");
    let spec =
        TransportSpec { socket_rcvbuf_length: Some(100), ..TransportSpec::bind(addr("127.0.0.1:6000")) };
    let mut b = net.open_transport(&spec).unwrap();
    for i in 0..5u8 {
        a.send(b.local_addr(), &[i; 30]);
    }
    let counters = assert_conserved(&net);
    assert_eq!((counters.queued, counters.dropped_queue_full), (3, 2));
    assert_eq!(payloads(&recv_all(&mut b)), vec![vec![0; 30], vec![1; 30], vec![2; 30]]);
    // Reading frees room.
    a.send(b.local_addr(), &[9; 100]);
    assert_eq!(payloads(&recv_all(&mut b)), vec![vec![9; 100]]);

    // The network-wide default bound applies when the spec leaves it unset.
    let (_clock, net) = network(7);
    let config = NetworkConfig { receive_buffer_bytes: 10, ..NetworkConfig::default() };
    let net =
        SimNetwork::with_config(ManualClock::new(0), Prng::from_seed(7), config).for_host(net.host_ip());
    let mut a = open(&net, "127.0.0.1:5000");
    let mut b = open(&net, "127.0.0.1:6000");
    a.send(b.local_addr(), &[1; 10]);
    a.send(b.local_addr(), &[2; 1]);
    assert_eq!(recv_all(&mut b).len(), 1);
    assert_eq!(net.counters().dropped_queue_full, 1);
}

#[test]
fn connected_endpoint_only_hears_its_peer() {
    let (_clock, net) = network(8);
    let mut peer = open(&net, "127.0.0.1:5000");
    let mut stranger = open(&net, "127.0.0.1:5001");
    let spec = TransportSpec {
        connect_address: Some(peer.local_addr()),
        ..TransportSpec::bind(addr("127.0.0.1:6000"))
    };
    let mut connected = net.open_transport(&spec).unwrap();
    stranger.send(connected.local_addr(), b"stranger");
    peer.send(connected.local_addr(), b"peer");
    assert_eq!(recv_all(&mut connected), vec![(b"peer".to_vec(), peer.local_addr())]);
    connected.send(peer.local_addr(), b"reply");
    assert_eq!(payloads(&recv_all(&mut peer)), vec![b"reply".to_vec()]);
    assert!(recv_all(&mut stranger).is_empty());
    let counters = assert_conserved(&net);
    assert_eq!(counters.dropped_filtered, 1);
}

#[test]
fn multicast_fans_out_to_every_member() {
    let (_clock, net) = network(9);
    let group = ip("239.1.1.1");
    let member_spec = |bind: &str| TransportSpec {
        multicast_group: Some(group),
        reuse_address: true,
        ..TransportSpec::bind(addr(bind))
    };
    let host_b = net.for_host(ip("10.0.0.2"));
    let host_c = net.for_host(ip("10.0.0.3"));
    let mut members = vec![
        host_b.open_transport(&member_spec("0.0.0.0:4000")).unwrap(),
        host_b.open_transport(&member_spec("0.0.0.0:4000")).unwrap(),
        host_c.open_transport(&member_spec("239.1.1.1:4000")).unwrap(),
    ];
    let mut wrong_port = host_c.open_transport(&member_spec("0.0.0.0:4001")).unwrap();
    let not_joined_spec = TransportSpec { reuse_address: true, ..TransportSpec::bind(addr("0.0.0.0:4000")) };
    let mut not_joined = host_c.open_transport(&not_joined_spec).unwrap();
    let mut sender = open(&net.for_host(ip("10.0.0.1")), "0.0.0.0:0");
    sender.send(addr("239.1.1.1:4000"), b"to all");
    let source = SocketAddr::new(ip("10.0.0.1"), sender.local_addr().port());
    for member in &mut members {
        assert_eq!(recv_all(member), vec![(b"to all".to_vec(), source)]);
    }
    assert!(recv_all(&mut wrong_port).is_empty());
    assert!(recv_all(&mut not_joined).is_empty());
    let counters = assert_conserved(&net);
    assert_eq!((counters.sent, counters.multicast_copies, counters.delivered), (1, 2, 3));

    // Each copy has its own link: cutting one host leaves the others served.
    net.partition([ip("10.0.0.1")], [ip("10.0.0.3")]);
    sender.send(addr("239.1.1.1:4000"), b"again");
    assert_eq!(recv_all(&mut members[0]).len(), 1);
    assert_eq!(recv_all(&mut members[1]).len(), 1);
    assert!(recv_all(&mut members[2]).is_empty());

    // A group without members drops the datagram as unreachable.
    sender.send(addr("239.9.9.9:4000"), b"nobody");
    let counters = assert_conserved(&net);
    assert_eq!((counters.dropped_partition, counters.dropped_unreachable), (1, 1));
}

#[test]
fn ephemeral_ports_and_address_in_use() {
    let (_clock, net) = network(10);
    let first = open(&net, "127.0.0.1:0");
    let second = open(&net, "127.0.0.1:0");
    assert_eq!(first.local_addr(), addr("127.0.0.1:32768"));
    assert_eq!(second.local_addr(), addr("127.0.0.1:32769"));
    // Another host has its own port space.
    assert_eq!(open(&net.for_host(ip("10.0.0.1")), "0.0.0.0:0").local_addr(), addr("0.0.0.0:32768"));

    let taken = open(&net, "127.0.0.1:7000");
    let again = net.open_transport(&TransportSpec::bind(addr("127.0.0.1:7000")));
    assert_eq!(again.unwrap_err(), TransportError::AddressInUse(addr("127.0.0.1:7000")));
    let wildcard = net.open_transport(&TransportSpec::bind(addr("0.0.0.0:7000")));
    assert_eq!(wildcard.unwrap_err(), TransportError::AddressInUse(addr("0.0.0.0:7000")));
    // Dropping frees the address.
    drop(taken);
    let _retaken = open(&net, "127.0.0.1:7000");

    // reuse_address on both sides allows sharing.
    let reuse = TransportSpec { reuse_address: true, ..TransportSpec::bind(addr("0.0.0.0:8000")) };
    let _one = net.open_transport(&reuse).unwrap();
    let _two = net.open_transport(&reuse).unwrap();
    assert!(matches!(
        net.open_transport(&TransportSpec::bind(addr("0.0.0.0:8000"))),
        Err(TransportError::AddressInUse(_))
    ));

    // The ephemeral cursor skips ports in use and wraps at the end of the range.
    let config =
        NetworkConfig { ephemeral_port_first: 100, ephemeral_port_last: 102, ..NetworkConfig::default() };
    let small = SimNetwork::with_config(ManualClock::new(0), Prng::from_seed(1), config);
    let _fixed = open(&small, "127.0.0.1:101");
    let p100 = open(&small, "127.0.0.1:0");
    let p102 = open(&small, "127.0.0.1:0");
    assert_eq!((p100.local_addr().port(), p102.local_addr().port()), (100, 102));
    assert!(matches!(
        small.open_transport(&TransportSpec::bind(addr("127.0.0.1:0"))),
        Err(TransportError::AddressInUse(_))
    ));
    drop(p100);
    assert_eq!(open(&small, "127.0.0.1:0").local_addr().port(), 100);

    // An address the host does not own cannot be bound.
    assert!(matches!(
        net.open_transport(&TransportSpec::bind(addr("10.9.9.9:1"))),
        Err(TransportError::Io(_))
    ));
    let not_a_group =
        TransportSpec { multicast_group: Some(ip("10.0.0.1")), ..TransportSpec::bind(addr("0.0.0.0:0")) };
    assert!(matches!(net.open_transport(&not_a_group), Err(TransportError::Unsupported(_))));
}

#[test]
fn resolve_accepts_literals_localhost_and_registered_names() {
    let (_clock, net) = network(11);
    assert_eq!(net.resolve("10.1.2.3:40"), Ok(addr("10.1.2.3:40")));
    assert_eq!(net.resolve("[::1]:40"), Ok(addr("[::1]:40")));
    assert_eq!(net.resolve("localhost:40"), Ok(addr("127.0.0.1:40")));
    assert_eq!(net.resolve("nowhere:40"), Err(TransportError::UnknownHost("nowhere".to_owned())));
    net.register_host_name("node1", ip("10.0.0.1"));
    assert_eq!(net.for_host(ip("10.0.0.9")).resolve("node1:9000"), Ok(addr("10.0.0.1:9000")));
    assert!(matches!(net.resolve("10.1.2.3"), Err(TransportError::Io(_))));
    assert!(matches!(net.resolve("localhost:notaport"), Err(TransportError::Io(_))));
    assert!(matches!(net.resolve("localhost:70000"), Err(TransportError::Io(_))));
}

#[test]
fn short_buffer_drops_the_datagram_and_returns_the_next() {
    let (_clock, net) = network(12);
    let mut a = open(&net, "127.0.0.1:5000");
    let mut b = open(&net, "127.0.0.1:6000");
    a.send(b.local_addr(), &[1; 10]);
    a.send(b.local_addr(), &[2; 4]);
    let mut buffer = [0u8; 4];
    assert_eq!(b.try_recv(&mut buffer), Some((4, a.local_addr())));
    assert_eq!(buffer, [2; 4]);
    let counters = assert_conserved(&net);
    assert_eq!(counters.dropped_truncated, 1);
}

#[test]
fn closing_drops_queued_and_later_datagrams_are_unreachable() {
    let (clock, net) = network(13);
    let mut a = open(&net, "127.0.0.1:5000");
    let b = open(&net, "127.0.0.1:6000");
    let b_address = b.local_addr();
    a.send(b_address, b"queued");
    net.set_default_link(LinkConfig::with_latency_ns(10));
    a.send(b_address, b"in flight");
    drop(b);
    clock.advance_ns(10);
    let counters = assert_conserved(&net);
    assert_eq!((counters.dropped_closed, counters.dropped_unreachable), (1, 1));
    // A new endpoint on the address receives what arrives after it opened.
    let mut b2 = open(&net, "127.0.0.1:6000");
    a.send(b_address, b"new");
    clock.advance_ns(10);
    assert_eq!(payloads(&recv_all(&mut b2)), vec![b"new".to_vec()]);
}

#[test]
fn wildcard_endpoints_use_their_host_address_and_loopback() {
    let (_clock, net) = network(14);
    let host_a = net.for_host(ip("10.0.0.1"));
    let mut a = open(&host_a, "0.0.0.0:0");
    let mut b = open(&net.for_host(ip("10.0.0.2")), "0.0.0.0:9000");
    a.send(addr("10.0.0.2:9000"), b"ping");
    let received = recv_all(&mut b);
    assert_eq!(received, vec![(b"ping".to_vec(), SocketAddr::new(ip("10.0.0.1"), a.local_addr().port()))]);
    b.send(received[0].1, b"pong");
    assert_eq!(payloads(&recv_all(&mut a)), vec![b"pong".to_vec()]);
    // Loopback of host A reaches A's wildcard endpoint, not B's.
    let mut a_local = open(&host_a, "127.0.0.1:0");
    a_local.send(SocketAddr::new(ip("127.0.0.1"), a.local_addr().port()), b"self");
    assert_eq!(recv_all(&mut a), vec![(b"self".to_vec(), a_local.local_addr())]);
    a_local.send(addr("127.0.0.1:9000"), b"not b");
    assert!(recv_all(&mut b).is_empty());
    assert_eq!(net.counters().dropped_unreachable, 1);
    assert_eq!(host_a.host_ip(), ip("10.0.0.1"));
}

#[test]
fn send_buffer_model_paces_and_would_block() {
    let config = NetworkConfig {
        send_rate_bytes_per_s: Some(1_000_000), // 1 byte per microsecond
        send_buffer_bytes: 300,
        ..NetworkConfig::default()
    };
    let clock = ManualClock::new(0);
    let net = SimNetwork::with_config(clock.clone(), Prng::from_seed(15), config);
    let mut a = open(&net, "127.0.0.1:5000");
    let mut b = open(&net, "127.0.0.1:6000");
    assert_eq!(a.send(b.local_addr(), &[0; 100]), SendOutcome::Sent(100));
    assert_eq!(a.send(b.local_addr(), &[1; 100]), SendOutcome::Sent(100));
    assert_eq!(a.send(b.local_addr(), &[2; 100]), SendOutcome::Sent(100));
    assert_eq!(a.send(b.local_addr(), &[3; 100]), SendOutcome::WouldBlock);
    assert!(recv_all(&mut b).is_empty(), "the first datagram departs after 100 us");
    clock.advance_ns(100_000);
    assert_eq!(payloads(&recv_all(&mut b)), vec![vec![0; 100]]);
    assert_eq!(a.send(b.local_addr(), &[3; 100]), SendOutcome::Sent(100));
    clock.advance_ns(300_000);
    assert_eq!(recv_all(&mut b).len(), 3);
    let counters = assert_conserved(&net);
    assert_eq!((counters.sent, counters.would_block), (4, 1));

    // Random WouldBlock, only when configured.
    let config = NetworkConfig { would_block_probability: 1.0, ..NetworkConfig::default() };
    let net = SimNetwork::with_config(ManualClock::new(0), Prng::from_seed(15), config);
    let mut a = open(&net, "127.0.0.1:5000");
    assert_eq!(a.send(addr("127.0.0.1:6000"), b"x"), SendOutcome::WouldBlock);
    assert_eq!(net.counters().sent, 0);
}

#[test]
fn per_link_rules_override_the_default_by_specificity() {
    let (clock, net) = network(16);
    net.set_default_link(LinkConfig::with_latency_ns(10));
    let mut a = open(&net.for_host(ip("10.0.0.1")), "10.0.0.1:1000");
    let mut b = open(&net.for_host(ip("10.0.0.2")), "10.0.0.2:2000");
    let mut c = open(&net.for_host(ip("10.0.0.2")), "10.0.0.2:3000");
    net.set_link(ip("10.0.0.1"), ip("10.0.0.2"), LinkConfig::with_latency_ns(100));
    net.set_link(ip("10.0.0.1"), addr("10.0.0.2:3000"), LinkConfig::with_latency_ns(1_000));
    a.send(b.local_addr(), b"b");
    a.send(c.local_addr(), b"c");
    b.send(a.local_addr(), b"a");
    clock.advance_ns(10);
    assert_eq!(recv_all(&mut a).len(), 1, "the reverse direction uses the default");
    clock.advance_ns(90);
    assert_eq!(recv_all(&mut b).len(), 1, "host-to-host rule");
    assert!(recv_all(&mut c).is_empty());
    clock.advance_ns(900);
    assert_eq!(recv_all(&mut c).len(), 1, "the socket rule is more specific");
    net.clear_link(ip("10.0.0.1"), addr("10.0.0.2:3000"));
    a.send(c.local_addr(), b"c");
    clock.advance_ns(100);
    assert_eq!(recv_all(&mut c).len(), 1);
}

#[test]
fn trace_hook_sees_every_event_and_factory_works_as_a_trait_object() {
    let (_clock, net) = network(17);
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = Arc::clone(&seen);
    net.set_trace_hook(Some(Box::new(move |entry: &TraceEntry| {
        sink.lock().unwrap().push(entry.to_string())
    })));
    let factory: Box<dyn DatagramTransportFactory> = Box::new(net.clone());
    let mut a = factory.open(&TransportSpec::bind(addr("127.0.0.1:0"))).unwrap();
    let mut b = factory.open(&TransportSpec::bind(factory.resolve("localhost:6000").unwrap())).unwrap();
    a.send(b.local_addr(), b"abc");
    let mut buffer = [0u8; 8];
    assert_eq!(b.try_recv(&mut buffer), Some((3, a.local_addr())));
    net.set_trace_hook(None);
    assert_eq!(
        *seen.lock().unwrap(),
        vec![
            "0 #1 127.0.0.1:32768 -> 127.0.0.1:6000 3B scheduled@0",
            "0 #1 127.0.0.1:32768 -> 127.0.0.1:6000 3B queued",
            "0 #1 127.0.0.1:32768 -> 127.0.0.1:6000 3B received",
        ]
    );
    assert_eq!(Ipv4Addr::LOCALHOST, net.host_ip());
    assert!(format!("{net:?}").contains("127.0.0.1"));
}
