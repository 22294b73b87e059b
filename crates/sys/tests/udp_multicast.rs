//! Multicast on loopback: two receivers joined to 224.0.1.1 on interface 127.0.0.1 both get a datagram
//! sent to the group, and a connected multicast sender (Aeron's layout: connected to the data group,
//! receiving on the control group 224.0.1.2) gets their replies.
//!
//! If the kernel refuses multicast on loopback (the membership, the outgoing interface, or a send with
//! "network unreachable"/"no such device"/"address not available"), the test prints
//! "skipping multicast: <reason>" and passes; any other failure fails it.

#![allow(clippy::disallowed_methods)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

use fulmar_sys::{UdpTransport, UdpTransportFactory};
use media::{DatagramSink, DatagramTransport, SendOutcome, TransportError, TransportSpec};

const DATA_GROUP: Ipv4Addr = Ipv4Addr::new(224, 0, 1, 1);
const CONTROL_GROUP: Ipv4Addr = Ipv4Addr::new(224, 0, 1, 2);
const ARRIVAL_TIMEOUT: Duration = Duration::from_secs(5);

/// Why the kernel refused multicast, if `error` is such a refusal.
fn refusal_of_open(error: &TransportError) -> Option<String> {
    match error {
        TransportError::Unsupported(reason)
            if reason.starts_with("cannot join") || reason.starts_with("cannot send to") =>
        {
            Some(reason.clone())
        }
        _ => None,
    }
}

/// Why the kernel refused a multicast send, if the last counted error is such a refusal.
fn refusal_of_send(transport: &UdpTransport) -> Option<String> {
    let code = transport.last_error_code()?;
    [libc::ENETUNREACH, libc::ENODEV, libc::EADDRNOTAVAIL, libc::EHOSTUNREACH]
        .contains(&code)
        .then(|| format!("send to a multicast group failed: {}", std::io::Error::from_raw_os_error(code)))
}

fn receive_within(transport: &mut UdpTransport, buffer: &mut [u8]) -> Option<(usize, SocketAddr)> {
    let deadline = Instant::now() + ARRIVAL_TIMEOUT;
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

fn group_spec(port: u16, group: Ipv4Addr) -> TransportSpec {
    TransportSpec {
        multicast_group: Some(IpAddr::V4(group)),
        multicast_interface: Some(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        multicast_ttl: Some(1),
        ..TransportSpec::bind(SocketAddr::from((Ipv4Addr::UNSPECIFIED, port)))
    }
}

#[test]
fn two_receivers_on_loopback_both_receive_a_multicast_datagram() {
    let factory = UdpTransportFactory::new();
    let first = factory.open_udp(&group_spec(0, DATA_GROUP));
    let mut first = match first {
        Ok(transport) => transport,
        Err(error) => match refusal_of_open(&error) {
            Some(reason) => {
                println!("skipping multicast: {reason}");
                return;
            }
            None => panic!("opening a multicast receiver failed: {error}"),
        },
    };
    let data_port = first.local_addr().port();
    assert_ne!(data_port, 0);
    assert_eq!(first.multicast_group(), Some(IpAddr::V4(DATA_GROUP)));
    assert_eq!(first.multicast_ttl(), Some(1));
    let mut second =
        factory.open_udp(&group_spec(data_port, DATA_GROUP)).expect("second receiver shares the port");

    // The sender, laid out as Aeron's multicast sender: connected to the data group, receiving on the
    // control group (a second socket inside the transport).
    let data_address = SocketAddr::from((DATA_GROUP, data_port));
    let mut sender = factory
        .open_udp(&TransportSpec { connect_address: Some(data_address), ..group_spec(0, CONTROL_GROUP) })
        .expect("multicast sender");
    let control_address = SocketAddr::from((CONTROL_GROUP, sender.local_addr().port()));

    match sender.send(data_address, b"to the group") {
        SendOutcome::Sent(12) => {}
        outcome => match refusal_of_send(&sender) {
            Some(reason) => {
                println!("skipping multicast: {reason}");
                return;
            }
            None => panic!("multicast send gave {outcome:?}, last error {:?}", sender.last_error_code()),
        },
    }

    let mut buffer = [0_u8; 64];
    for (name, receiver) in [("first", &mut first), ("second", &mut second)] {
        let (length, _source) = receive_within(receiver, &mut buffer)
            .unwrap_or_else(|| panic!("{name} receiver got no datagram"));
        assert_eq!(&buffer[..length], b"to the group", "{name}");
    }

    // Both receivers answer on the control group; the sender's receiving socket gets both answers.
    assert_eq!(first.send(control_address, b"first"), SendOutcome::Sent(5));
    assert_eq!(second.send(control_address, b"second"), SendOutcome::Sent(6));
    let mut answers = Vec::new();
    for _ in 0..2 {
        let (length, _source) =
            receive_within(&mut sender, &mut buffer).expect("answer on the control group");
        answers.push(buffer[..length].to_vec());
    }
    answers.sort();
    assert_eq!(answers, vec![b"first".to_vec(), b"second".to_vec()]);
    assert_eq!(sender.errors() + first.errors() + second.errors(), 0);
    println!("multicast on loopback works: both receivers and the connected sender exchanged datagrams");
}

#[test]
fn ipv6_receivers_on_loopback_receive_a_multicast_datagram() {
    let group: IpAddr = "ff02::1:3".parse().unwrap();
    let spec = |port: u16| TransportSpec {
        multicast_group: Some(group),
        multicast_interface: Some(IpAddr::V6(Ipv6Addr::LOCALHOST)),
        multicast_ttl: Some(1),
        ..TransportSpec::bind(SocketAddr::from((Ipv6Addr::UNSPECIFIED, port)))
    };
    let factory = UdpTransportFactory::new();
    let mut first = match factory.open_udp(&spec(0)) {
        Ok(transport) => transport,
        Err(error) => match refusal_of_open(&error) {
            Some(reason) => {
                println!("skipping IPv6 multicast: {reason}");
                return;
            }
            None => panic!("opening an IPv6 multicast receiver failed: {error}"),
        },
    };
    let port = first.local_addr().port();
    let mut second = factory.open_udp(&spec(port)).expect("second IPv6 receiver shares the port");
    let mut sender = factory.open_udp(&spec(0)).expect("IPv6 multicast sender");
    let destination = SocketAddr::new(group, port);
    match sender.send(destination, b"v6 group") {
        SendOutcome::Sent(8) => {}
        outcome => match refusal_of_send(&sender) {
            Some(reason) => {
                println!("skipping IPv6 multicast: {reason}");
                return;
            }
            None => panic!("IPv6 multicast send gave {outcome:?}, last error {:?}", sender.last_error_code()),
        },
    }
    let mut buffer = [0_u8; 64];
    for (name, receiver) in [("first", &mut first), ("second", &mut second)] {
        let (length, _source) = receive_within(receiver, &mut buffer)
            .unwrap_or_else(|| panic!("{name} IPv6 receiver got no datagram"));
        assert_eq!(&buffer[..length], b"v6 group", "{name}");
    }
    println!("IPv6 multicast on loopback works");
}
