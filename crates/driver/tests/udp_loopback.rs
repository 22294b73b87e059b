//! The UDP transport on real loopback sockets (`sys::UdpTransportFactory`), with the driver's agents on
//! `sys::AgentRunner` threads in every threading mode (Dedicated: conductor, sender and receiver each on
//! a thread; SharedNetwork: conductor + a sender/receiver composite; Shared: one composite), the client
//! conductor on its own runner, back-off idling and bounded waits on the real clock. Also one IPv4
//! multicast exchange on 127.0.0.1.

#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use agrona::HeapMemoryStore;
use client::{Aeron, ClientError, Context, Header, OfferError};
use fulmar_driver::{DriverContext, MediaDriver, ThreadingMode};
use sys::{AgentRunner, BackoffIdleStrategy, SystemEpochClock, SystemNanoClock, UdpTransportFactory};

fn free_udp_port() -> u16 {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").expect("bind an ephemeral port");
    socket.local_addr().expect("local address").port()
}

fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// A driver on threads plus a client whose conductor runs on its own thread.
struct Running {
    aeron: Aeron,
    client_runner: AgentRunner,
    runners: Vec<AgentRunner>,
}

impl Running {
    fn start(mode: ThreadingMode) -> Self {
        let store = HeapMemoryStore::new();
        let mut ctx = DriverContext::test_min()
            .with_memory_store(Arc::new(store.clone()))
            .with_epoch_clock(Arc::new(SystemEpochClock::new()))
            .with_transport_factory(Arc::new(UdpTransportFactory));
        ctx.client_liveness_timeout_ns = 10_000_000_000;
        ctx.image_liveness_timeout_ns = 10_000_000_000;
        ctx.publication_connection_timeout_ns = 5_000_000_000;
        let driver = MediaDriver::launch(ctx).expect("driver starts");
        let runners: Vec<AgentRunner> = driver
            .into_agents(mode)
            .into_iter()
            .map(|agent| {
                AgentRunner::start(
                    agent,
                    Box::new(BackoffIdleStrategy::default()),
                    Arc::new(SystemNanoClock::new()),
                )
                .expect("agent thread")
            })
            .collect();
        let expected_threads = match mode {
            ThreadingMode::Dedicated => 3,
            ThreadingMode::SharedNetwork => 2,
            ThreadingMode::Shared | ThreadingMode::Invoker => 1,
        };
        assert_eq!(runners.len(), expected_threads, "{mode:?}");

        let client_ctx = Context::new(
            Arc::new(store.clone()),
            Arc::new(SystemNanoClock::new()),
            Arc::new(SystemEpochClock::new()),
        )
        .idle_strategy(Box::new(BackoffIdleStrategy::default()))
        .resource_linger_ns(10_000_000);
        let aeron = Aeron::connect(client_ctx).expect("client connects");
        let client_runner = AgentRunner::start(
            Box::new(aeron.conductor_agent()),
            Box::new(BackoffIdleStrategy::default()),
            Arc::new(SystemNanoClock::new()),
        )
        .expect("client conductor thread");
        Self { aeron, client_runner, runners }
    }

    fn close(mut self) {
        self.aeron.close();
        self.client_runner.close();
        for runner in &mut self.runners {
            runner.close();
        }
    }
}

/// Sends `count` sequenced messages over `channel` and checks they arrive exactly once, in order; then
/// closes the publication and waits for the image to go.
fn exchange(aeron: &Aeron, channel: &str, stream_id: i32, count: u32) {
    let mut subscription = aeron.add_subscription(channel, stream_id).expect("subscription");
    let publication = aeron.add_publication(channel, stream_id).expect("publication");
    wait_until("connection", Duration::from_secs(20), || {
        subscription.image_count() == 1 && publication.is_connected()
    });
    assert!(subscription.images()[0].source_identity().starts_with("127.0.0.1:"));

    let mut next = 0u32;
    let mut sent = 0u32;
    let deadline = Instant::now() + Duration::from_secs(60);
    while next < count {
        assert!(Instant::now() < deadline, "exchange timed out at {next}/{count}");
        if sent < count {
            let mut message = vec![0u8; 64];
            message[..4].copy_from_slice(&sent.to_le_bytes());
            match publication.offer(&message) {
                Ok(_) => sent += 1,
                Err(OfferError::BackPressured | OfferError::AdminAction | OfferError::NotConnected) => {}
                Err(other) => panic!("offer failed: {other}"),
            }
        }
        let polled = subscription.poll(
            &mut |bytes: &[u8], _header: &Header| {
                let sequence = u32::from_le_bytes(bytes[..4].try_into().unwrap());
                assert_eq!(sequence, next, "in order, exactly once");
                next += 1;
            },
            100,
        );
        if polled == 0 && sent == count {
            std::thread::sleep(Duration::from_micros(100));
        }
    }

    publication.close();
    wait_until("end of stream", Duration::from_secs(30), || subscription.image_count() == 0);
    subscription.close();
}

#[test]
fn unicast_exchange_over_loopback_in_every_threading_mode() {
    for mode in [ThreadingMode::Dedicated, ThreadingMode::SharedNetwork, ThreadingMode::Shared] {
        let running = Running::start(mode);
        let channel = format!("aeron:udp?endpoint=127.0.0.1:{}", free_udp_port());
        exchange(&running.aeron, &channel, 7, 5_000);
        running.close();
    }
}

/// The kernel's refusal to join an IPv4 group on 127.0.0.1 (`IP_ADD_MEMBERSHIP` failing with ENODEV or
/// EADDRNOTAVAIL when the loopback interface has no multicast), and nothing else.
fn is_multicast_refusal(error: &ClientError) -> bool {
    let text = error.to_string();
    ["No such device", "Cannot assign requested address"].iter().any(|refusal| text.contains(refusal))
}

#[test]
fn multicast_exchange_over_loopback() {
    let running = Running::start(ThreadingMode::SharedNetwork);
    let channel = format!("aeron:udp?endpoint=224.0.1.1:{}|interface=127.0.0.1", free_udp_port());
    match running.aeron.add_subscription(&channel, 9) {
        Ok(mut probe) => probe.close(),
        Err(error) if is_multicast_refusal(&error) => {
            eprintln!(
                "skipping multicast_exchange_over_loopback: the kernel refused IPv4 multicast on 127.0.0.1: {error}"
            );
            running.close();
            return;
        }
        Err(error) => panic!("multicast subscription failed: {error}"),
    }
    exchange(&running.aeron, &channel, 9, 5_000);
    // The kernel loops the control group's SMs back to the data socket and the data back to the control
    // socket (both are bound to the wildcard address on the same port): well-formed frames of the other
    // side are ignored, not counted as invalid.
    let invalid =
        running.aeron.counters_reader().counter_value(fulmar_driver::system_counters::INVALID_PACKETS);
    assert_eq!(invalid, 0, "invalid packets");
    running.close();
}
