//! The UDP transport on real loopback sockets (`sys::UdpTransportFactory`), with the driver's agents on
//! `sys::AgentRunner` threads (conductor + a sender/receiver composite, `ThreadingMode::SharedNetwork`)
//! and the client conductor on its own runner, back-off idling and bounded waits on the real clock.

#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use agrona::HeapMemoryStore;
use client::{Aeron, Context, Header, OfferError};
use fulmar_driver::{DriverContext, MediaDriver, ThreadingMode};
use sys::{AgentRunner, BackoffIdleStrategy, SystemEpochClock, SystemNanoClock, UdpTransportFactory};

fn free_udp_port() -> u16 {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind an ephemeral port");
    socket.local_addr().expect("local address").port()
}

fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_micros(200));
    }
}

#[test]
fn unicast_exchange_over_loopback_with_threads() {
    let store = HeapMemoryStore::new();
    let mut ctx = DriverContext::test_min()
        .with_memory_store(Arc::new(store.clone()))
        .with_epoch_clock(Arc::new(SystemEpochClock::new()))
        .with_transport_factory(Arc::new(UdpTransportFactory));
    ctx.client_liveness_timeout_ns = 10_000_000_000;
    ctx.image_liveness_timeout_ns = 10_000_000_000;
    ctx.publication_connection_timeout_ns = 5_000_000_000;
    let driver = MediaDriver::launch(ctx).expect("driver starts");
    let mut runners: Vec<AgentRunner> = driver
        .into_agents(ThreadingMode::SharedNetwork)
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
    assert_eq!(runners.len(), 2);

    let client_ctx = Context::new(
        Arc::new(store.clone()),
        Arc::new(SystemNanoClock::new()),
        Arc::new(SystemEpochClock::new()),
    )
    .idle_strategy(Box::new(BackoffIdleStrategy::default()))
    .resource_linger_ns(10_000_000);
    let aeron = Aeron::connect(client_ctx).expect("client connects");
    let mut client_runner = AgentRunner::start(
        Box::new(aeron.conductor_agent()),
        Box::new(BackoffIdleStrategy::default()),
        Arc::new(SystemNanoClock::new()),
    )
    .expect("client conductor thread");

    let channel = format!("aeron:udp?endpoint=127.0.0.1:{}", free_udp_port());
    let mut subscription = aeron.add_subscription(&channel, 7).expect("subscription");
    let publication = aeron.add_publication(&channel, 7).expect("publication");
    wait_until("connection", Duration::from_secs(20), || {
        subscription.image_count() == 1 && publication.is_connected()
    });
    assert!(subscription.images()[0].source_identity().starts_with("127.0.0.1:"));

    let count = 5_000u32;
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
    aeron.close();
    client_runner.close();
    for runner in &mut runners {
        runner.close();
    }
}
