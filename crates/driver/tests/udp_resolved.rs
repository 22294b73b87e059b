//! Resolved endpoints (reference: Aeron `LocalSocketAddressStatus`): a subscription on `endpoint=host:0`
//! binds an ephemeral port, and the driver publishes the bound address in a `rcv-local-sockaddr` counter
//! (type id 14) linked to the subscription's `rcv-channel` status counter (type id 7), which is what
//! `Subscription::resolved_endpoint` reads. Publications get `snd-channel` (6) and `snd-local-sockaddr`
//! (13). Over the simulated network and over real loopback sockets.

#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod sim_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use agrona::{CountersReader, HeapMemoryStore};
use client::{Aeron, Context, Header};
use fulmar_driver::channel_endpoint_status::{
    ACTIVE, RECEIVE_CHANNEL_STATUS_TYPE_ID, RECEIVE_LOCAL_SOCKADDR_TYPE_ID, SEND_CHANNEL_STATUS_TYPE_ID,
    SEND_LOCAL_SOCKADDR_TYPE_ID,
};
use fulmar_driver::{DriverContext, MediaDriver, ThreadingMode};
use sim::LinkConfig;
use sim_support::{SimCluster, check_payload, payload};
use sys::{AgentRunner, BackoffIdleStrategy, SystemEpochClock, SystemNanoClock, UdpTransportFactory};

const STREAM: i32 = 1201;

fn lossless() -> LinkConfig {
    LinkConfig { latency_ns: 100_000, jitter_ns: 0, loss_probability: 0.0, duplicate_probability: 0.0 }
}

/// Every allocated counter of `type_id`: (id, key, label).
fn counters_of_type(reader: &CountersReader, type_id: i32) -> Vec<(i32, Vec<u8>, String)> {
    let mut found = Vec::new();
    reader.for_each(|id, counter_type, key, label| {
        if counter_type == type_id {
            found.push((id, key.to_vec(), label.to_owned()));
        }
    });
    found
}

/// The addresses of the local socket address counters of `type_id` linked to `status_id`.
fn linked_addresses(reader: &CountersReader, type_id: i32, status_id: i32) -> Vec<String> {
    counters_of_type(reader, type_id)
        .into_iter()
        .filter(|(_, key, _)| i32::from_le_bytes(key[0..4].try_into().unwrap()) == status_id)
        .map(|(_, key, _)| {
            let length = i32::from_le_bytes(key[4..8].try_into().unwrap()) as usize;
            String::from_utf8(key[8..8 + length].to_vec()).unwrap()
        })
        .collect()
}

fn port_of(address: &str) -> u16 {
    address.rsplit(':').next().unwrap().parse().unwrap()
}

/// `endpoint=10.0.0.2:0`: the subscription reports the ephemeral port it got, a publication to that
/// address connects, a second `:0` subscription gets its own socket, and the counters go with the endpoint.
#[test]
fn ephemeral_subscription_endpoint_is_resolved_on_the_sim() {
    let cluster = SimCluster::new(&["10.0.0.1", "10.0.0.2"], lossless(), 21);
    let aerons: Vec<Aeron> = (0..2).map(|i| cluster.connect(i)).collect();
    let clients: Vec<&Aeron> = aerons.iter().collect();

    let mut subscription = aerons[1].add_subscription("aeron:udp?endpoint=10.0.0.2:0", STREAM).unwrap();
    let resolved = subscription.resolved_endpoint().expect("resolved endpoint");
    assert!(resolved.starts_with("10.0.0.2:") && port_of(&resolved) != 0, "{resolved}");
    let reader = aerons[1].counters_reader();
    let status_id = subscription.channel_status_id();
    assert_eq!(reader.counter_type_id(status_id), RECEIVE_CHANNEL_STATUS_TYPE_ID);
    assert_eq!(reader.counter_value(status_id), ACTIVE);
    assert_eq!(reader.counter_label(status_id), "rcv-channel: aeron:udp?endpoint=10.0.0.2:0 ");
    let sockaddrs = counters_of_type(&reader, RECEIVE_LOCAL_SOCKADDR_TYPE_ID);
    assert_eq!(sockaddrs.len(), 1);
    assert_eq!(sockaddrs[0].2, format!("rcv-local-sockaddr: {status_id} {resolved}"));

    let mut other = aerons[1].add_subscription("aeron:udp?endpoint=10.0.0.2:0", STREAM).unwrap();
    let other_resolved = other.resolved_endpoint().expect("resolved endpoint");
    assert_ne!(other_resolved, resolved, "an ephemeral endpoint is never shared");

    let mut publication =
        aerons[0].add_exclusive_publication(&format!("aeron:udp?endpoint={resolved}"), STREAM).unwrap();
    cluster.step_until(&clients, 5_000, || publication.is_connected() && subscription.image_count() == 1);
    assert_eq!(other.image_count(), 0);
    let message = payload(0, 0, 64);
    cluster.offer_until_accepted(&clients, || publication.offer(&message), || 0, 5_000);
    let mut received = Vec::new();
    cluster.step_until(&clients, 5_000, || {
        subscription.poll(&mut |bytes: &[u8], _header: &Header| received.push(check_payload(bytes).1), 10);
        !received.is_empty()
    });

    subscription.close();
    other.close();
    cluster.run_for(20_000_000, &clients);
    assert!(counters_of_type(&reader, RECEIVE_LOCAL_SOCKADDR_TYPE_ID).is_empty());
    assert!(counters_of_type(&reader, RECEIVE_CHANNEL_STATUS_TYPE_ID).is_empty());
}

/// An MDS subscription has one local address per destination; removed destinations drop theirs.
#[test]
fn mds_destinations_have_their_own_local_addresses() {
    let cluster = SimCluster::new(&["10.0.0.1", "10.0.0.2"], lossless(), 22);
    let aeron = cluster.connect(1);
    let mut subscription = aeron.add_subscription("aeron:udp?control-mode=manual", STREAM).unwrap();
    assert_eq!(subscription.resolved_endpoint(), None, "no socket yet");
    subscription.add_rcv_destination("aeron:udp?endpoint=10.0.0.2:40600").unwrap();
    subscription.add_rcv_destination("aeron:udp?endpoint=10.0.0.2:0").unwrap();
    let mut addresses = subscription.local_socket_addresses();
    addresses.sort();
    assert_eq!(addresses.len(), 2, "{addresses:?}");
    assert_eq!(addresses[1], "10.0.0.2:40600");
    assert!(addresses[0].starts_with("10.0.0.2:") && port_of(&addresses[0]) != 0);
    subscription.remove_rcv_destination("aeron:udp?endpoint=10.0.0.2:40600").unwrap();
    assert_eq!(subscription.local_socket_addresses(), vec![addresses[0].clone()]);
}

/// A publication's send socket on `control=10.0.0.1:0` is reported through `snd-local-sockaddr`, linked to
/// the `snd-channel` counter announced as the publication's channel status indicator.
#[test]
fn publication_channel_status_and_local_address() {
    let cluster = SimCluster::new(&["10.0.0.1", "10.0.0.2"], lossless(), 23);
    let aeron = cluster.connect(0);
    let channel = "aeron:udp?endpoint=10.0.0.2:40700|control=10.0.0.1:0";
    let publication = aeron.add_exclusive_publication(channel, STREAM).unwrap();
    let reader = aeron.counters_reader();
    let status_id = publication.channel_status_id();
    assert_eq!(reader.counter_type_id(status_id), SEND_CHANNEL_STATUS_TYPE_ID);
    assert_eq!(reader.counter_value(status_id), ACTIVE);
    let addresses = linked_addresses(&reader, SEND_LOCAL_SOCKADDR_TYPE_ID, status_id);
    assert_eq!(addresses.len(), 1);
    assert!(addresses[0].starts_with("10.0.0.1:") && port_of(&addresses[0]) != 0, "{addresses:?}");
    let second = aeron.add_exclusive_publication(channel, STREAM).unwrap();
    assert_ne!(second.channel_status_id(), status_id, "an ephemeral control port is never shared");
}

fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// Over real loopback sockets: `endpoint=127.0.0.1:0` resolves to the port the kernel picked, and a
/// publication to it delivers.
#[test]
fn ephemeral_subscription_endpoint_is_resolved_over_loopback() {
    let store = HeapMemoryStore::new();
    let ctx = DriverContext::test_min()
        .with_memory_store(Arc::new(store.clone()))
        .with_epoch_clock(Arc::new(SystemEpochClock::new()))
        .with_transport_factory(Arc::new(UdpTransportFactory));
    let driver = MediaDriver::launch(ctx).expect("driver starts");
    let mut runners: Vec<AgentRunner> = driver
        .into_agents(ThreadingMode::Shared)
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
    let client_ctx =
        Context::new(Arc::new(store), Arc::new(SystemNanoClock::new()), Arc::new(SystemEpochClock::new()))
            .idle_strategy(Box::new(BackoffIdleStrategy::default()))
            .resource_linger_ns(10_000_000);
    let aeron = Aeron::connect(client_ctx).expect("client connects");
    let mut client_runner = AgentRunner::start(
        Box::new(aeron.conductor_agent()),
        Box::new(BackoffIdleStrategy::default()),
        Arc::new(SystemNanoClock::new()),
    )
    .expect("client conductor thread");

    let mut subscription = aeron.add_subscription("aeron:udp?endpoint=127.0.0.1:0", STREAM).unwrap();
    let resolved = subscription.resolved_endpoint().expect("resolved endpoint");
    assert!(resolved.starts_with("127.0.0.1:") && port_of(&resolved) != 0, "{resolved}");
    let publication = aeron.add_publication(&format!("aeron:udp?endpoint={resolved}"), STREAM).unwrap();
    wait_until("connection", Duration::from_secs(20), || {
        subscription.image_count() == 1 && publication.is_connected()
    });
    let mut received = 0;
    wait_until("delivery", Duration::from_secs(20), || {
        let _ = publication.offer(b"resolved");
        subscription.poll(
            &mut |bytes: &[u8], _header: &Header| {
                assert_eq!(bytes, b"resolved");
                received += 1;
            },
            10,
        );
        received > 0
    });

    aeron.close();
    client_runner.close();
    for runner in &mut runners {
        runner.close();
    }
}
