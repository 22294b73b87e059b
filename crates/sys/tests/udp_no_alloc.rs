//! `UdpTransport::send` and `try_recv` do not allocate, on the normal path and on the drop and error
//! paths (the counting allocator is this test binary's global allocator).

#![allow(clippy::disallowed_methods)]

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use fulmar_sys::{CountingAllocator, UdpTransport, UdpTransportFactory};
use media::{DatagramSink, DatagramTransport, SendOutcome, TransportSpec};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::new();

fn open_loopback() -> UdpTransport {
    UdpTransportFactory::new()
        .open_udp(&TransportSpec::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))))
        .expect("open UDP endpoint")
}

#[test]
fn send_and_receive_do_not_allocate() {
    let mut sender = open_loopback();
    let mut receiver = open_loopback();
    let destination = receiver.local_addr();
    let unreachable_family: SocketAddr = "[::1]:9".parse().unwrap();
    let mut small = [0_u8; 16];
    let mut buffer = [0_u8; 2048];

    let (outcomes, allocations) = CountingAllocator::count(|| {
        [
            sender.send(destination, &[1_u8; 100]),
            sender.send(destination, &[2_u8; 8]),
            // An IPv6 destination from an IPv4 socket: an OS error, counted.
            sender.send(unreachable_family, &[3_u8; 8]),
        ]
    });
    assert_eq!(outcomes, [SendOutcome::Sent(100), SendOutcome::Sent(8), SendOutcome::WouldBlock]);
    assert_eq!(sender.errors(), 1);
    assert_eq!(allocations, 0, "send allocated");

    // Poll until the short datagram arrives; the long one before it is dropped on the way.
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut received = None;
    let mut allocations = 0;
    while received.is_none() && Instant::now() < deadline {
        let (result, counted) = CountingAllocator::count(|| receiver.try_recv(&mut small));
        allocations += counted;
        received = result;
        if received.is_none() {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    assert_eq!(received.map(|(length, _)| length), Some(8));
    assert_eq!(receiver.truncated_drops(), 1);
    let (nothing, counted) = CountingAllocator::count(|| receiver.try_recv(&mut buffer));
    assert_eq!(nothing, None);
    assert_eq!(allocations + counted, 0, "try_recv allocated");
}
