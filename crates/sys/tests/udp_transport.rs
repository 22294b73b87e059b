//! Real-socket tests of `UdpTransport` / `UdpTransportFactory` on loopback (127.0.0.1, ephemeral ports,
//! bounded waits).

#![allow(clippy::disallowed_methods)]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use fulmar_sys::{UdpTransport, UdpTransportFactory};
use media::{
    DatagramSink, DatagramTransport, DatagramTransportFactory, SendOutcome, TransportError, TransportSpec,
};

/// How long a test waits for a datagram that should arrive on loopback.
const ARRIVAL_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a test watches for a datagram that must not arrive.
const SILENCE_WINDOW: Duration = Duration::from_millis(200);

fn loopback_any_port() -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, 0))
}

fn open(spec: &TransportSpec) -> UdpTransport {
    UdpTransportFactory::new().open_udp(spec).expect("open UDP endpoint")
}

fn open_loopback() -> UdpTransport {
    open(&TransportSpec::bind(loopback_any_port()))
}

/// Polls `transport` until a datagram arrives or `timeout` passes.
fn receive_within(
    transport: &mut UdpTransport,
    buffer: &mut [u8],
    timeout: Duration,
) -> Option<(usize, SocketAddr)> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(received) = transport.try_recv(buffer) {
            return Some(received);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn binds_to_an_ephemeral_port_and_reports_it() {
    let transport = open_loopback();
    let local = transport.local_addr();
    assert_eq!(local.ip(), IpAddr::V4(Ipv4Addr::LOCALHOST));
    assert_ne!(local.port(), 0);
    assert!(transport.socket_rcvbuf_length() > 0);
    assert!(transport.socket_sndbuf_length() > 0);
}

#[test]
fn sends_and_receives_between_two_endpoints() {
    let mut a = open_loopback();
    let mut b = open_loopback();
    let mut buffer = [0_u8; 2048];

    assert_eq!(a.send(b.local_addr(), b"hello"), SendOutcome::Sent(5));
    let (length, source) = receive_within(&mut b, &mut buffer, ARRIVAL_TIMEOUT).expect("datagram a -> b");
    assert_eq!(&buffer[..length], b"hello");
    assert_eq!(source, a.local_addr());

    assert_eq!(b.send(source, b"world!"), SendOutcome::Sent(6));
    let (length, source) = receive_within(&mut a, &mut buffer, ARRIVAL_TIMEOUT).expect("datagram b -> a");
    assert_eq!(&buffer[..length], b"world!");
    assert_eq!(source, b.local_addr());

    assert_eq!(b.try_recv(&mut buffer), None);
    assert_eq!((a.datagrams_sent(), a.datagrams_received()), (1, 1));
    assert_eq!((b.datagrams_sent(), b.datagrams_received()), (1, 1));
    assert_eq!(a.errors() + b.errors() + a.short_sends() + a.truncated_drops(), 0);
}

#[test]
fn opens_through_the_factory_trait() {
    let factory: &dyn DatagramTransportFactory = &UdpTransportFactory::new();
    let mut a = factory.open(&TransportSpec::bind(loopback_any_port())).expect("open a");
    let mut b = factory.open(&TransportSpec::bind(loopback_any_port())).expect("open b");
    assert_eq!(a.send(b.local_addr(), &[7_u8; 1408]), SendOutcome::Sent(1408));
    let mut buffer = [0_u8; 1408];
    let deadline = Instant::now() + ARRIVAL_TIMEOUT;
    let received = loop {
        if let Some(received) = b.try_recv(&mut buffer) {
            break Some(received);
        }
        if Instant::now() >= deadline {
            break None;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    assert_eq!(received, Some((1408, a.local_addr())));
    assert!(buffer.iter().all(|&byte| byte == 7));
}

#[test]
fn a_connected_endpoint_receives_only_from_its_peer() {
    let mut peer = open_loopback();
    let mut third = open_loopback();
    let mut receiver = open(&TransportSpec {
        connect_address: Some(peer.local_addr()),
        ..TransportSpec::bind(loopback_any_port())
    });
    assert_eq!(receiver.connect_address(), Some(peer.local_addr()));

    // The stranger's datagram goes first, so if the filter failed it would be read before the peer's.
    assert_eq!(third.send(receiver.local_addr(), b"stranger"), SendOutcome::Sent(8));
    assert_eq!(peer.send(receiver.local_addr(), b"peer"), SendOutcome::Sent(4));

    let mut buffer = [0_u8; 64];
    let (length, source) =
        receive_within(&mut receiver, &mut buffer, ARRIVAL_TIMEOUT).expect("peer's datagram");
    assert_eq!((&buffer[..length], source), (&b"peer"[..], peer.local_addr()));
    assert_eq!(receive_within(&mut receiver, &mut buffer, SILENCE_WINDOW), None);
    assert_eq!(receiver.datagrams_received(), 1);

    // The connected endpoint sends to its peer through the connection.
    assert_eq!(receiver.send(peer.local_addr(), b"reply"), SendOutcome::Sent(5));
    let (length, source) = receive_within(&mut peer, &mut buffer, ARRIVAL_TIMEOUT).expect("reply");
    assert_eq!((&buffer[..length], source), (&b"reply"[..], receiver.local_addr()));
}

#[test]
fn a_full_send_buffer_gives_would_block_and_never_panics() {
    let receiver =
        open(&TransportSpec { socket_rcvbuf_length: Some(4096), ..TransportSpec::bind(loopback_any_port()) });
    let mut sender =
        open(&TransportSpec { socket_sndbuf_length: Some(4096), ..TransportSpec::bind(loopback_any_port()) });
    let datagram = [0x5a_u8; 1408];
    const MAX_SENDS: u64 = 200_000;
    let mut sent = 0_u64;
    let mut saw_would_block = false;
    for _ in 0..MAX_SENDS {
        match sender.send(receiver.local_addr(), &datagram) {
            SendOutcome::Sent(length) => {
                assert_eq!(length, datagram.len());
                sent += 1;
            }
            SendOutcome::WouldBlock => {
                saw_would_block = true;
                break;
            }
        }
    }
    assert_eq!(sender.errors(), 0, "last error {:?}", sender.last_error_code());
    assert_eq!(sender.datagrams_sent(), sent);
    if saw_would_block {
        assert_eq!(sender.would_blocks(), 1);
        println!("WouldBlock after {sent} sends");
    } else {
        // Some kernels free loopback send buffers synchronously and never report EAGAIN; all this test can
        // then check is that nothing panicked and every send was counted.
        println!("no EAGAIN on loopback within {MAX_SENDS} sends: checked only that nothing panicked");
        assert_eq!(sender.would_blocks(), 0);
        assert_eq!(sent, MAX_SENDS);
    }
}

#[test]
fn a_datagram_longer_than_the_buffer_is_dropped_and_counted() {
    let mut sender = open_loopback();
    let mut receiver = open_loopback();
    assert_eq!(sender.send(receiver.local_addr(), &[1_u8; 100]), SendOutcome::Sent(100));
    assert_eq!(sender.send(receiver.local_addr(), &[2_u8; 50]), SendOutcome::Sent(50));
    assert_eq!(sender.send(receiver.local_addr(), &[3_u8; 10]), SendOutcome::Sent(10));

    let mut buffer = [0_u8; 50];
    let (length, _) = receive_within(&mut receiver, &mut buffer, ARRIVAL_TIMEOUT).expect("exact fit");
    assert_eq!(length, 50, "a datagram exactly as long as the buffer is delivered");
    assert!(buffer.iter().all(|&byte| byte == 2));
    let (length, _) = receive_within(&mut receiver, &mut buffer, ARRIVAL_TIMEOUT).expect("short datagram");
    assert_eq!(&buffer[..length], &[3_u8; 10]);
    assert_eq!(receiver.truncated_drops(), 1);
    assert_eq!(receiver.datagrams_received(), 2);
    assert_eq!(receiver.errors(), 0);
}

#[test]
fn binding_a_taken_address_is_address_in_use() {
    let first = open_loopback();
    let taken = first.local_addr();
    let second = UdpTransportFactory::new().open_udp(&TransportSpec::bind(taken));
    assert_eq!(second.err(), Some(TransportError::AddressInUse(taken)));
}

#[test]
fn reuse_address_lets_two_endpoints_share_a_port() {
    let first = open(&TransportSpec { reuse_address: true, ..TransportSpec::bind(loopback_any_port()) });
    let second = open(&TransportSpec { reuse_address: true, ..TransportSpec::bind(first.local_addr()) });
    assert_eq!(first.local_addr(), second.local_addr());
}

#[test]
fn socket_buffer_lengths_report_what_the_os_granted() {
    let transport = open(&TransportSpec {
        socket_rcvbuf_length: Some(64 * 1024),
        socket_sndbuf_length: Some(32 * 1024),
        ..TransportSpec::bind(loopback_any_port())
    });
    // Linux doubles the request (bookkeeping overhead) and caps it at rmem_max/wmem_max; others grant it
    // as asked or cap it. Either way something at least close to the request is granted.
    assert!(transport.socket_rcvbuf_length() >= 2048, "rcvbuf {}", transport.socket_rcvbuf_length());
    assert!(transport.socket_sndbuf_length() >= 2048, "sndbuf {}", transport.socket_sndbuf_length());
    println!(
        "asked rcvbuf 65536 sndbuf 32768, granted rcvbuf {} sndbuf {}",
        transport.socket_rcvbuf_length(),
        transport.socket_sndbuf_length()
    );
}

#[test]
fn an_icmp_port_unreachable_is_counted_and_the_endpoint_keeps_working() {
    // Find a port nobody listens on: bind, note it, close.
    let vacated = open_loopback().local_addr();
    let mut sender =
        open(&TransportSpec { connect_address: Some(vacated), ..TransportSpec::bind(loopback_any_port()) });
    let mut buffer = [0_u8; 64];

    let deadline = Instant::now() + ARRIVAL_TIMEOUT;
    while sender.connection_refused() == 0 && Instant::now() < deadline {
        let outcome = sender.send(vacated, b"anyone?");
        assert!(matches!(outcome, SendOutcome::Sent(7) | SendOutcome::WouldBlock), "{outcome:?}");
        assert_eq!(sender.try_recv(&mut buffer), None);
        std::thread::sleep(Duration::from_millis(1));
    }
    if sender.connection_refused() == 0 {
        println!(
            "the OS reported no ECONNREFUSED for a closed loopback port: checked only that nothing panicked"
        );
    } else {
        println!("ECONNREFUSED counted {} time(s)", sender.connection_refused());
        assert_eq!(sender.last_error_code(), Some(libc::ECONNREFUSED));
        assert!(sender.errors() >= sender.connection_refused());
    }

    // The endpoint still sends and receives once somebody listens on that port again.
    let mut listener = open(&TransportSpec::bind(vacated));
    assert_eq!(sender.send(vacated, b"back"), SendOutcome::Sent(4));
    let (length, source) =
        receive_within(&mut listener, &mut buffer, ARRIVAL_TIMEOUT).expect("after refusal");
    assert_eq!((&buffer[..length], source), (&b"back"[..], sender.local_addr()));
    assert_eq!(listener.send(source, b"ack"), SendOutcome::Sent(3));
    let (length, source) = receive_within(&mut sender, &mut buffer, ARRIVAL_TIMEOUT).expect("reply");
    assert_eq!((&buffer[..length], source), (&b"ack"[..], vacated));
}

#[test]
fn resolves_addresses_and_names() {
    let factory = UdpTransportFactory::new();
    assert_eq!(factory.resolve("127.0.0.1:1234"), Ok(SocketAddr::from((Ipv4Addr::LOCALHOST, 1234))));
    assert_eq!(factory.resolve("[::1]:5"), Ok("[::1]:5".parse().unwrap()));
    let localhost = factory.resolve("localhost:80").expect("localhost resolves");
    assert!(localhost.ip().is_loopback() && localhost.port() == 80, "{localhost}");
    assert!(localhost.is_ipv4(), "IPv4 is preferred: {localhost}");
}

#[test]
fn bad_names_are_unknown_hosts() {
    let factory = UdpTransportFactory::new();
    for bad in ["no-such-host.invalid:80", "127.0.0.1", "127.0.0.1:notaport", ""] {
        assert_eq!(factory.resolve(bad), Err(TransportError::UnknownHost(bad.to_owned())), "{bad}");
    }
}

#[test]
fn a_unicast_address_is_not_a_multicast_group() {
    let result = UdpTransportFactory::new().open_udp(&TransportSpec {
        multicast_group: Some(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        ..TransportSpec::bind(SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)))
    });
    assert!(matches!(result, Err(TransportError::Unsupported(_))), "{result:?}");
}
