//! Property test: random operation sequences on a faulty simulated network never panic, conserve
//! datagrams after every operation, and replay identically from the same seed.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use agrona::{ManualClock, Prng};
use fulmar_sim::{AddressPattern, LinkConfig, NetworkConfig, SimNetwork, SimTransport, TraceEntry};
use media::{DatagramSink, DatagramTransport, TransportSpec};
use proptest::prelude::*;

const HOSTS: u8 = 3;
const GROUP: Ipv4Addr = Ipv4Addr::new(239, 0, 0, 1);
const GROUP_PORT: u16 = 4000;

#[derive(Debug, Clone)]
enum Op {
    Open {
        host: u8,
        fixed_port: Option<u16>,
        wildcard: bool,
        join_group: bool,
        connect_to: Option<u8>,
    },
    Close {
        endpoint: u8,
    },
    Send {
        from: u8,
        to: u8,
        multicast: bool,
        length: u16,
    },
    Recv {
        endpoint: u8,
        buffer_length: u16,
    },
    Advance {
        delta_ns: u16,
    },
    SetLink {
        from_host: u8,
        to_host: u8,
        latency_ns: u16,
        jitter_ns: u16,
        loss_percent: u8,
        duplicate_percent: u8,
    },
    Partition {
        a: u8,
        b: u8,
        one_way: bool,
    },
    Clog {
        from_host: u8,
        duration_ns: u16,
    },
    Heal,
}

fn op_strategy() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (0..HOSTS, proptest::option::of(9000u16..9003), any::<bool>(), any::<bool>(), proptest::option::of(any::<u8>()))
            .prop_map(|(host, fixed_port, wildcard, join_group, connect_to)| Op::Open { host, fixed_port, wildcard, join_group, connect_to }),
        1 => any::<u8>().prop_map(|endpoint| Op::Close { endpoint }),
        6 => (any::<u8>(), any::<u8>(), proptest::bool::weighted(0.2), 0u16..300)
            .prop_map(|(from, to, multicast, length)| Op::Send { from, to, multicast, length }),
        5 => (any::<u8>(), 0u16..300).prop_map(|(endpoint, buffer_length)| Op::Recv { endpoint, buffer_length }),
        4 => (0u16..500).prop_map(|delta_ns| Op::Advance { delta_ns }),
        1 => (0..HOSTS, 0..HOSTS, 0u16..300, 0u16..300, 0u8..=100, 0u8..=100).prop_map(
            |(from_host, to_host, latency_ns, jitter_ns, loss_percent, duplicate_percent)| Op::SetLink {
                from_host, to_host, latency_ns, jitter_ns, loss_percent, duplicate_percent
            }
        ),
        1 => (0..HOSTS, 0..HOSTS, any::<bool>()).prop_map(|(a, b, one_way)| Op::Partition { a, b, one_way }),
        1 => (0..HOSTS, 0u16..1000).prop_map(|(from_host, duration_ns)| Op::Clog { from_host, duration_ns }),
        1 => Just(Op::Heal),
    ]
}

fn host_ip(host: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(10, 0, 0, host + 1))
}

/// Runs `ops` on a fresh network; checks conservation after each; returns the trace and the received data.
fn run(seed: u64, ops: &[Op]) -> (Vec<TraceEntry>, Vec<(Vec<u8>, SocketAddr)>) {
    let clock = ManualClock::new(0);
    let config = NetworkConfig { receive_buffer_bytes: 1_000, ..NetworkConfig::default() };
    let net = SimNetwork::with_config(clock.clone(), Prng::from_seed(seed), config);
    net.enable_trace_log();
    let hosts: Vec<SimNetwork> = (0..HOSTS).map(|host| net.for_host(host_ip(host))).collect();
    let mut endpoints: Vec<(u8, SimTransport)> = Vec::new();
    let mut received = Vec::new();
    let mut buffer = vec![0u8; 300];
    for (step, op) in ops.iter().enumerate() {
        match *op {
            Op::Open { host, fixed_port, wildcard, join_group, connect_to } => {
                let ip =
                    if wildcard || join_group { IpAddr::V4(Ipv4Addr::UNSPECIFIED) } else { host_ip(host) };
                let port = if join_group { GROUP_PORT } else { fixed_port.unwrap_or(0) };
                let connect_address = connect_to
                    .filter(|_| !endpoints.is_empty())
                    .map(|index| endpoints[index as usize % endpoints.len()].1.local_addr())
                    .map(|address| SocketAddr::new(host_ip(host), address.port()));
                let spec = TransportSpec {
                    connect_address,
                    multicast_group: join_group.then_some(IpAddr::V4(GROUP)),
                    reuse_address: join_group,
                    ..TransportSpec::bind(SocketAddr::new(ip, port))
                };
                if let Ok(transport) = hosts[host as usize].open_transport(&spec) {
                    endpoints.push((host, transport));
                }
            }
            Op::Close { endpoint } if !endpoints.is_empty() => {
                let index = endpoint as usize % endpoints.len();
                endpoints.remove(index);
            }
            Op::Send { from, to, multicast, length } if !endpoints.is_empty() => {
                let (to_host, to_address) = {
                    let (host, transport) = &endpoints[to as usize % endpoints.len()];
                    (*host, transport.local_addr())
                };
                let destination = if multicast {
                    SocketAddr::new(IpAddr::V4(GROUP), GROUP_PORT)
                } else {
                    SocketAddr::new(host_ip(to_host), to_address.port())
                };
                let index = from as usize % endpoints.len();
                let payload: Vec<u8> = (0..length).map(|i| (i as usize + step) as u8).collect();
                endpoints[index].1.send(destination, &payload);
            }
            Op::Recv { endpoint, buffer_length } if !endpoints.is_empty() => {
                let index = endpoint as usize % endpoints.len();
                if let Some((length, source)) =
                    endpoints[index].1.try_recv(&mut buffer[..buffer_length as usize])
                {
                    received.push((buffer[..length].to_vec(), source));
                }
            }
            Op::Advance { delta_ns } => clock.advance_ns(i64::from(delta_ns)),
            Op::SetLink { from_host, to_host, latency_ns, jitter_ns, loss_percent, duplicate_percent } => net
                .set_link(
                    host_ip(from_host),
                    host_ip(to_host),
                    LinkConfig {
                        latency_ns: i64::from(latency_ns),
                        jitter_ns: i64::from(jitter_ns),
                        loss_probability: f64::from(loss_percent) / 100.0,
                        duplicate_probability: f64::from(duplicate_percent) / 100.0,
                    },
                ),
            Op::Partition { a, b, one_way } => {
                if one_way {
                    net.partition_one_way([host_ip(a)], [host_ip(b)]);
                } else {
                    net.partition([host_ip(a)], [host_ip(b)]);
                }
            }
            Op::Clog { from_host, duration_ns } => {
                net.clog(host_ip(from_host), AddressPattern::Any, i64::from(duration_ns));
            }
            Op::Heal => net.heal(),
            _ => {}
        }
        let counters = net.counters();
        assert!(counters.is_conserved(), "step {step} {op:?}: {counters:?}");
    }
    // Liveness: after a heal and enough time, the wire empties and every endpoint's queue can be drained.
    net.heal();
    clock.advance_ns(10_000);
    assert_eq!(net.next_arrival_ns(), None);
    for (_, transport) in &mut endpoints {
        while let Some((length, source)) = transport.try_recv(&mut buffer) {
            received.push((buffer[..length].to_vec(), source));
        }
    }
    let counters = net.counters();
    assert!(counters.is_conserved(), "{counters:?}");
    assert_eq!((counters.in_flight, counters.queued), (0, 0));
    drop(endpoints);
    assert!(net.counters().is_conserved());
    (net.take_trace_log(), received)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn random_operations_conserve_datagrams_and_replay(
        seed in any::<u64>(),
        ops in proptest::collection::vec(op_strategy(), 1..120),
    ) {
        let first = run(seed, &ops);
        let second = run(seed, &ops);
        prop_assert_eq!(first, second);
    }
}
