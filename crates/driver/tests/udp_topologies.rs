//! Topologies beyond plain unicast on the simulated network: dynamic multi-destination cast, multi-
//! destination subscriptions (MDS), spies, and multicast with min and max flow control.

mod sim_support;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use client::{Header, OfferError};
use sim::{DatagramFate, LinkConfig};
use sim_support::{SimCluster, check_payload, payload};

const STREAM: i32 = 2002;

fn ip(text: &str) -> IpAddr {
    text.parse().expect("ip")
}

/// Polls `subscription`, appending the sequences of `(source, sequence)` payloads to `received`.
fn poll_into(subscription: &mut client::Subscription, received: &mut Vec<u32>) -> usize {
    subscription.poll(&mut |bytes: &[u8], _header: &Header| received.push(check_payload(bytes).1), 100)
}

/// Offers `payload(0, sequence, length)`, stepping (and running `poll`) while the publication refuses.
fn offer_one(
    cluster: &SimCluster,
    clients: &[&client::Aeron],
    offer: &mut dyn FnMut(&[u8]) -> Result<i64, OfferError>,
    sequence: u32,
    length: usize,
    poll: &mut dyn FnMut(),
) {
    let message = payload(0, sequence, length);
    for _ in 0..20_000 {
        match offer(&message) {
            Ok(_) => return,
            Err(OfferError::BackPressured | OfferError::NotConnected | OfferError::AdminAction) => {
                poll();
                cluster.step(clients);
            }
            Err(other) => panic!("offer failed: {other}"),
        }
    }
    panic!("offer of {sequence} not accepted");
}

/// Counts datagrams put on the wire towards `destination` (any fate but `WouldBlock`).
fn count_datagrams_to(cluster: &SimCluster, destination: SocketAddr) -> Arc<AtomicU64> {
    let count = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&count);
    cluster.net.set_trace_hook(Some(Box::new(move |entry| {
        if entry.destination == destination
            && matches!(entry.fate, DatagramFate::Scheduled { .. } | DatagramFate::Lost)
        {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    })));
    count
}

// ---------------------------------------------------------------------------------------------------------
// Dynamic MDC

/// `control-mode=dynamic|control=...`: subscribers with an endpoint and `control=` announce themselves with
/// setup-eliciting SMs to the control address and become destinations; a late joiner gets an image at the
/// current position; a subscriber that goes away is dropped after the destination timeout (5 s).
#[test]
fn dynamic_mdc_learns_destinations_and_drops_a_departed_one_after_the_timeout() {
    let hosts = ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"];
    let cluster = SimCluster::new(&hosts, LinkConfig::with_latency_ns(100_000), 31);
    let aerons: Vec<client::Aeron> = (0..4).map(|i| cluster.connect(i)).collect();
    let clients: Vec<&client::Aeron> = aerons.iter().collect();
    let control = "10.0.0.1:40400";
    let sub_channel = |i: usize| format!("aeron:udp?endpoint=10.0.0.{i}:40401|control={control}");
    let mut subscriptions: Vec<Option<client::Subscription>> = vec![
        Some(aerons[1].add_subscription(&sub_channel(2), STREAM).unwrap()),
        Some(aerons[2].add_subscription(&sub_channel(3), STREAM).unwrap()),
        None,
    ];
    let mut publication = aerons[0]
        .add_exclusive_publication(&format!("aeron:udp?control-mode=dynamic|control={control}"), STREAM)
        .unwrap();
    cluster.step_until(&clients, 5_000, || {
        subscriptions.iter_mut().flatten().all(|s| s.image_count() == 1) && publication.is_connected()
    });
    assert!(
        subscriptions[0].as_mut().unwrap().images()[0].source_identity().starts_with("10.0.0.1:40400"),
        "data comes from the control address"
    );

    let mut received: Vec<Vec<u32>> = vec![Vec::new(); 3];
    let poll_all = |subscriptions: &mut Vec<Option<client::Subscription>>, received: &mut Vec<Vec<u32>>| {
        for (index, subscription) in subscriptions.iter_mut().enumerate() {
            if let Some(subscription) = subscription {
                poll_into(subscription, &mut received[index]);
            }
        }
    };
    for sequence in 0..500 {
        offer_one(&cluster, &clients, &mut |m| publication.offer(m), sequence, 100, &mut || {
            poll_all(&mut subscriptions, &mut received)
        });
    }
    cluster.step_until(&clients, 5_000, || {
        poll_all(&mut subscriptions, &mut received);
        received[0].len() == 500 && received[1].len() == 500
    });
    assert_eq!(received[0], (0..500).collect::<Vec<_>>());
    assert_eq!(received[1], (0..500).collect::<Vec<_>>());

    // A late joiner announces itself and joins at the current position.
    subscriptions[2] = Some(aerons[3].add_subscription(&sub_channel(4), STREAM).unwrap());
    cluster.step_until(&clients, 5_000, || subscriptions[2].as_mut().unwrap().image_count() == 1);
    for sequence in 500..1_000 {
        offer_one(&cluster, &clients, &mut |m| publication.offer(m), sequence, 100, &mut || {
            poll_all(&mut subscriptions, &mut received)
        });
    }
    cluster.step_until(&clients, 5_000, || {
        poll_all(&mut subscriptions, &mut received);
        received.iter().all(|r| r.last() == Some(&999))
    });
    assert_eq!(received[0], (0..1_000).collect::<Vec<_>>());
    assert_eq!(received[1], (0..1_000).collect::<Vec<_>>());
    let joined = received[2][0];
    assert!(joined <= 500, "the late joiner saw everything sent after it joined: from {joined}");
    assert_eq!(received[2], (joined..1_000).collect::<Vec<_>>());

    // The subscriber on .3 goes away: it stops sending SMs, and after the destination timeout the
    // publication stops sending to it, while the others keep receiving.
    let departed: SocketAddr = "10.0.0.3:40401".parse().unwrap();
    if let Some(mut subscription) = subscriptions[1].take() {
        subscription.close();
    }
    let sent_to_departed = count_datagrams_to(&cluster, departed);
    let mut sequence = 1_000;
    let mut trickle = |cluster: &SimCluster, steps: usize, received: &mut Vec<Vec<u32>>| {
        for _ in 0..steps / 10 {
            offer_one(cluster, &clients, &mut |m| publication.offer(m), sequence, 100, &mut || {});
            sequence += 1;
            for _ in 0..10 {
                poll_all(&mut subscriptions, received);
                cluster.step(&clients);
            }
        }
    };
    trickle(&cluster, 2_000, &mut received);
    assert!(sent_to_departed.load(Ordering::Relaxed) > 0, "still a destination within the timeout");
    trickle(&cluster, 4_000, &mut received);
    let before = sent_to_departed.load(Ordering::Relaxed);
    trickle(&cluster, 1_000, &mut received);
    assert_eq!(sent_to_departed.load(Ordering::Relaxed), before, "dropped after the destination timeout");
    cluster.net.set_trace_hook(None);
    cluster.step_until(&clients, 2_000, || {
        poll_all(&mut subscriptions, &mut received);
        received[0].len() == 1_700 && received[2].last() == Some(&1_699)
    });
    assert_eq!(received[0], (0..1_700).collect::<Vec<_>>());
    assert_eq!(received[2], (joined..1_700).collect::<Vec<_>>(), "the remaining destinations keep receiving");
}

/// Every SM reaches every publication of a dynamic-MDC endpoint (so that each learns destinations), but
/// is counted once in `Status Messages received`: by the publication owning its session, else by the
/// endpoint.
#[test]
fn dynamic_mdc_counts_each_status_message_once() {
    use fulmar_driver::system_counters::{STATUS_MESSAGES_RECEIVED, STATUS_MESSAGES_SENT};
    let cluster = SimCluster::new(&["10.0.0.1", "10.0.0.2"], LinkConfig::with_latency_ns(100_000), 67);
    let aerons: Vec<client::Aeron> = (0..2).map(|i| cluster.connect(i)).collect();
    let clients: Vec<&client::Aeron> = aerons.iter().collect();
    let control = "10.0.0.1:40410";
    let publication_channel = format!("aeron:udp?control-mode=dynamic|control={control}");
    let mut subscription = aerons[1]
        .add_subscription(&format!("aeron:udp?endpoint=10.0.0.2:40411|control={control}"), STREAM)
        .unwrap();
    let first = aerons[0].add_exclusive_publication(&publication_channel, STREAM).unwrap();
    let second = aerons[0].add_exclusive_publication(&publication_channel, STREAM + 1).unwrap();
    cluster.step_until(&clients, 5_000, || subscription.image_count() == 1 && first.is_connected());
    cluster.run_for(3_000_000_000, &clients);
    assert!(!second.is_connected(), "nobody subscribes to the second stream");
    let sent = cluster.system_counter(1, STATUS_MESSAGES_SENT);
    let received = cluster.system_counter(0, STATUS_MESSAGES_RECEIVED);
    assert!(sent > 10, "{sent}");
    assert!(received <= sent && received + 3 >= sent, "received {received} for {sent} sent");
}

// ---------------------------------------------------------------------------------------------------------
// MDS

/// An MDS subscription (`control-mode=manual` + `add_rcv_destination`) fed by two sources carrying the same
/// session (a "live" publication and a second one with the same session id and start position, as a replay
/// would be): one image, every message exactly once, surviving the removal of either destination.
#[test]
fn mds_merges_two_sources_of_one_session_into_one_image() {
    let link = LinkConfig {
        latency_ns: 150_000,
        jitter_ns: 200_000,
        loss_probability: 0.05,
        duplicate_probability: 0.0,
    };
    let cluster = SimCluster::new(&["10.0.0.1", "10.0.0.2", "10.0.0.3"], link, 37);
    let aerons: Vec<client::Aeron> = (0..3).map(|i| cluster.connect(i)).collect();
    let clients: Vec<&client::Aeron> = aerons.iter().collect();
    let params = "session-id=777|init-term-id=5|term-id=5|term-offset=0|term-length=65536";
    let live_endpoint = "aeron:udp?endpoint=10.0.0.3:40500";
    let replay_endpoint = "aeron:udp?endpoint=10.0.0.3:40501";
    let mut subscription = aerons[2].add_subscription("aeron:udp?control-mode=manual", STREAM).unwrap();
    subscription.add_rcv_destination(live_endpoint).unwrap();
    subscription.add_rcv_destination(replay_endpoint).unwrap();
    let mut live = aerons[0].add_exclusive_publication(&format!("{live_endpoint}|{params}"), STREAM).unwrap();
    let mut replay =
        aerons[1].add_exclusive_publication(&format!("{replay_endpoint}|{params}"), STREAM).unwrap();
    cluster.step_until(&clients, 5_000, || {
        subscription.image_count() == 1 && live.is_connected() && replay.is_connected()
    });
    assert_eq!(subscription.images()[0].session_id(), 777);

    let mut received = Vec::new();
    let offer_both = |range: std::ops::Range<u32>,
                      live: &mut client::ExclusivePublication,
                      replay: &mut client::ExclusivePublication,
                      subscription: &mut client::Subscription,
                      received: &mut Vec<u32>,
                      use_live: bool,
                      use_replay: bool| {
        for sequence in range {
            if use_live {
                offer_one(&cluster, &clients, &mut |m| live.offer(m), sequence, 200, &mut || {
                    poll_into(subscription, received);
                });
            }
            if use_replay {
                offer_one(&cluster, &clients, &mut |m| replay.offer(m), sequence, 200, &mut || {
                    poll_into(subscription, received);
                });
            }
        }
    };
    offer_both(0..600, &mut live, &mut replay, &mut subscription, &mut received, true, true);
    cluster.step_until(&clients, 10_000, || {
        poll_into(&mut subscription, &mut received);
        received.len() >= 600
    });
    assert_eq!(received, (0..600).collect::<Vec<_>>(), "two copies merged into one stream");

    // Drop the live destination: the replay source carries on alone, on the same image.
    subscription.remove_rcv_destination(live_endpoint).unwrap();
    offer_both(600..1_200, &mut live, &mut replay, &mut subscription, &mut received, false, true);
    cluster.step_until(&clients, 10_000, || {
        poll_into(&mut subscription, &mut received);
        received.len() >= 1_200
    });
    assert_eq!(received, (0..1_200).collect::<Vec<_>>());
    assert_eq!(subscription.image_count(), 1);
}

/// An MDS subscription fed by one manual-MDC publication through two destinations on the subscriber's
/// host: every datagram arrives twice over two transports and is merged; removing one keeps the stream.
#[test]
fn mds_with_an_mdc_publication_sending_twice_delivers_once() {
    let link = LinkConfig {
        latency_ns: 100_000,
        jitter_ns: 300_000,
        loss_probability: 0.05,
        duplicate_probability: 0.02,
    };
    let cluster = SimCluster::new(&["10.0.0.1", "10.0.0.2"], link, 41);
    let aerons: Vec<client::Aeron> = (0..2).map(|i| cluster.connect(i)).collect();
    let clients: Vec<&client::Aeron> = aerons.iter().collect();
    let endpoints = ["aeron:udp?endpoint=10.0.0.2:40510", "aeron:udp?endpoint=10.0.0.2:40511"];
    let mut subscription = aerons[1].add_subscription("aeron:udp?control-mode=manual", STREAM).unwrap();
    for endpoint in endpoints {
        subscription.add_rcv_destination(endpoint).unwrap();
    }
    let mut publication =
        aerons[0].add_exclusive_publication("aeron:udp?control-mode=manual", STREAM).unwrap();
    for endpoint in endpoints {
        publication.add_destination(endpoint).unwrap();
    }
    cluster.step_until(&clients, 5_000, || subscription.image_count() == 1 && publication.is_connected());
    let mut received = Vec::new();
    for sequence in 0..1_500u32 {
        if sequence == 700 {
            subscription.remove_rcv_destination(endpoints[0]).unwrap();
        }
        offer_one(&cluster, &clients, &mut |m| publication.offer(m), sequence, 300, &mut || {
            poll_into(&mut subscription, &mut received);
        });
    }
    cluster.step_until(&clients, 10_000, || {
        poll_into(&mut subscription, &mut received);
        received.len() >= 1_500
    });
    assert_eq!(received, (0..1_500).collect::<Vec<_>>());
    assert_eq!(subscription.image_count(), 1);
}

// ---------------------------------------------------------------------------------------------------------
// Spies

/// `aeron-spy:` on the publisher's host reads the network publication's log directly: it sees every
/// message even while the network is partitioned, and a spy that stops polling holds the publisher back
/// (it counts as a consumer) although the network subscriber keeps up.
#[test]
fn a_spy_sees_the_stream_without_the_network_and_holds_back_the_publisher() {
    let cluster = SimCluster::new(&["10.0.0.1", "10.0.0.2"], LinkConfig::with_latency_ns(100_000), 43);
    let aerons: Vec<client::Aeron> = (0..2).map(|i| cluster.connect(i)).collect();
    let clients: Vec<&client::Aeron> = aerons.iter().collect();
    let channel = "aeron:udp?endpoint=10.0.0.2:40600";
    let mut remote = aerons[1].add_subscription(channel, STREAM).unwrap();
    let publication = aerons[0].add_publication(channel, STREAM).unwrap();
    let mut spy = aerons[0].add_subscription(&format!("aeron-spy:{channel}"), STREAM).unwrap();
    cluster.step_until(&clients, 5_000, || {
        remote.image_count() == 1 && spy.image_count() == 1 && publication.is_connected()
    });
    assert_eq!(spy.images()[0].session_id(), publication.session_id());
    assert_eq!(spy.images()[0].source_identity(), "aeron:ipc");

    let mut from_remote = Vec::new();
    let mut from_spy = Vec::new();
    for sequence in 0..300 {
        offer_one(&cluster, &clients, &mut |m| publication.offer(m), sequence, 200, &mut || {
            poll_into(&mut remote, &mut from_remote);
            poll_into(&mut spy, &mut from_spy);
        });
    }
    cluster.step_until(&clients, 2_000, || {
        poll_into(&mut remote, &mut from_remote);
        poll_into(&mut spy, &mut from_spy);
        from_remote.len() == 300 && from_spy.len() == 300
    });

    // Partitioned: nothing crosses the network, but the spy still reads what is published.
    cluster.net.partition([ip("10.0.0.1")], [ip("10.0.0.2")]);
    for sequence in 300..350 {
        let message = payload(0, sequence, 200);
        publication.offer(&message).expect("within the window");
    }
    cluster.step_until(&clients, 100, || {
        poll_into(&mut remote, &mut from_remote);
        poll_into(&mut spy, &mut from_spy);
        from_spy.len() == 350
    });
    assert_eq!(from_remote.len(), 300, "nothing went over the partitioned network");
    cluster.net.heal();
    cluster.step_until(&clients, 2_000, || {
        poll_into(&mut remote, &mut from_remote);
        poll_into(&mut spy, &mut from_spy);
        from_remote.len() == 350
    });
    assert_eq!(from_spy, (0..350).collect::<Vec<_>>());
    assert_eq!(from_remote, (0..350).collect::<Vec<_>>());

    // The spy stops polling: the publisher is held back at most a window past the spy.
    let spy_position = spy.images()[0].position();
    let mut back_pressured = false;
    for sequence in 350..2_000 {
        let message = payload(0, sequence, 200);
        let mut accepted = false;
        for _ in 0..200 {
            match publication.offer(&message) {
                Ok(_) => {
                    accepted = true;
                    break;
                }
                Err(OfferError::BackPressured | OfferError::AdminAction) => {
                    poll_into(&mut remote, &mut from_remote);
                    cluster.step(&clients);
                }
                Err(other) => panic!("offer failed: {other}"),
            }
        }
        if !accepted {
            back_pressured = true;
            break;
        }
    }
    assert!(back_pressured, "a spy that does not poll holds the publisher back");
    assert!(
        publication.position_limit() <= spy_position + 32 * 1024,
        "limit {}",
        publication.position_limit()
    );
    cluster.step_until(&clients, 2_000, || {
        poll_into(&mut remote, &mut from_remote);
        remote.images()[0].position() >= publication.position()
    });
    // Once it polls again, everything flows.
    let target = publication.position();
    cluster.step_until(&clients, 2_000, || {
        poll_into(&mut spy, &mut from_spy);
        poll_into(&mut remote, &mut from_remote);
        spy.images()[0].position() >= target
    });
    let count = from_spy.len() as u32;
    assert_eq!(from_spy, (0..count).collect::<Vec<_>>());
}

/// `ssc=true` (spies simulate connection): a spy alone makes the network publication connected and keeps
/// it moving (the sender position follows the spy); without `ssc` a publication with only a spy stays
/// NOT_CONNECTED. A network subscriber joining later gets the stream from its join position, and a
/// closed publication's spy reads everything before its image goes.
#[test]
fn spies_simulate_connection_lets_a_spy_alone_drive_a_network_publication() {
    let cluster = SimCluster::new(&["10.0.0.1", "10.0.0.2"], LinkConfig::with_latency_ns(100_000), 59);
    let aerons: Vec<client::Aeron> = (0..2).map(|i| cluster.connect(i)).collect();
    let clients: Vec<&client::Aeron> = aerons.iter().collect();

    // Without ssc: a spy alone does not connect the publication.
    let plain = "aeron:udp?endpoint=10.0.0.2:40901";
    let plain_publication = aerons[0].add_publication(plain, STREAM).unwrap();
    let mut plain_spy = aerons[0].add_subscription(&format!("aeron-spy:{plain}"), STREAM).unwrap();
    cluster.step_until(&clients, 1_000, || plain_spy.image_count() == 1);
    cluster.run_for(300_000_000, &clients);
    assert!(!plain_publication.is_connected());
    assert_eq!(plain_publication.offer(&payload(0, 0, 100)), Err(OfferError::NotConnected));

    // With ssc: connected by the spy alone, and the spy paces the stream.
    let channel = "aeron:udp?endpoint=10.0.0.2:40900|ssc=true";
    let publication = aerons[0].add_publication(channel, STREAM).unwrap();
    let mut spy = aerons[0].add_subscription(&format!("aeron-spy:{channel}"), STREAM).unwrap();
    cluster.step_until(&clients, 1_000, || spy.image_count() == 1 && publication.is_connected());
    let mut from_spy = Vec::new();
    for sequence in 0..1_000 {
        offer_one(&cluster, &clients, &mut |m| publication.offer(m), sequence, 200, &mut || {
            poll_into(&mut spy, &mut from_spy);
        });
    }
    cluster.step_until(&clients, 1_000, || {
        poll_into(&mut spy, &mut from_spy);
        from_spy.len() == 1_000
    });
    assert_eq!(from_spy, (0..1_000).collect::<Vec<_>>());
    assert!(publication.position() > 3 * 64 * 1024, "several terms went by without a receiver");

    // A network subscriber joins: it gets the stream from where it joined, the spy keeps everything.
    let mut remote = aerons[1].add_subscription(channel.split('|').next().unwrap(), STREAM).unwrap();
    cluster.step_until(&clients, 2_000, || {
        poll_into(&mut spy, &mut from_spy);
        remote.image_count() == 1
    });
    let mut from_remote = Vec::new();
    for sequence in 1_000..2_000 {
        offer_one(&cluster, &clients, &mut |m| publication.offer(m), sequence, 200, &mut || {
            poll_into(&mut spy, &mut from_spy);
            poll_into(&mut remote, &mut from_remote);
        });
    }
    // Close: the spy reads everything before its image goes; so does the remote subscriber.
    publication.close();
    cluster.step_until(&clients, 10_000, || {
        poll_into(&mut spy, &mut from_spy);
        poll_into(&mut remote, &mut from_remote);
        spy.image_count() == 0 && remote.image_count() == 0
    });
    assert_eq!(from_spy, (0..2_000).collect::<Vec<_>>(), "the spy saw the whole stream");
    let joined = from_remote[0];
    assert!(joined >= 1_000, "joined at the sender position: {joined}");
    assert_eq!(from_remote, (joined..2_000).collect::<Vec<_>>());
}

// ---------------------------------------------------------------------------------------------------------
// Multicast

/// What a multicast run with a receiver that does not poll saw.
struct SlowReceiverRun {
    /// Messages the publication accepted while offering one per step for 3 s.
    accepted: u32,
    /// What the two polling receivers had received once things settled (before the slow one polled).
    fast: Vec<Vec<u32>>,
    /// With `drain_slow`: what the slow receiver received once it polled too.
    slow: Vec<u32>,
}

/// Multicast publication to three receivers with the given flow control (`fc` is appended to the
/// channel); the receiver on .4 does not poll until the end (and only if `drain_slow`).
fn multicast_with_a_slow_receiver(fc: &str, seed: u64, drain_slow: bool) -> SlowReceiverRun {
    let hosts = ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"];
    let cluster = SimCluster::new(&hosts, LinkConfig::with_latency_ns(100_000), seed);
    let aerons: Vec<client::Aeron> = (0..4).map(|i| cluster.connect(i)).collect();
    let clients: Vec<&client::Aeron> = aerons.iter().collect();
    let group = "224.0.1.1:40700";
    let mut subscriptions: Vec<client::Subscription> = (1..4)
        .map(|i| {
            let channel = format!("aeron:udp?endpoint={group}|interface=10.0.0.{}", i + 1);
            aerons[i].add_subscription(&channel, STREAM).unwrap()
        })
        .collect();
    let publication = aerons[0]
        .add_publication(&format!("aeron:udp?endpoint={group}|interface=10.0.0.1{fc}"), STREAM)
        .unwrap();
    cluster.step_until(&clients, 5_000, || {
        subscriptions.iter_mut().all(|s| s.image_count() == 1) && publication.is_connected()
    });
    assert!(subscriptions[0].images()[0].source_identity().starts_with("10.0.0.1:"));
    let mut received = vec![Vec::new(); 3];
    let mut accepted = 0u32;
    let poll_fast = |subscriptions: &mut [client::Subscription], received: &mut [Vec<u32>]| {
        for (index, subscription) in subscriptions[..2].iter_mut().enumerate() {
            poll_into(subscription, &mut received[index]);
        }
    };
    for _ in 0..3_000 {
        let message = payload(0, accepted, 500);
        if publication.offer(&message).is_ok() {
            accepted += 1;
        }
        poll_fast(&mut subscriptions, &mut received);
        cluster.step(&clients);
    }
    for _ in 0..500 {
        poll_fast(&mut subscriptions, &mut received);
        cluster.step(&clients);
    }
    let fast = received[..2].to_vec();
    if drain_slow {
        cluster.step_until(&clients, 5_000, || {
            for (index, subscription) in subscriptions.iter_mut().enumerate() {
                poll_into(subscription, &mut received[index]);
            }
            received.iter().all(|r| r.len() as u32 == accepted)
        });
    }
    SlowReceiverRun { accepted, fast, slow: received.pop().unwrap_or_default() }
}

/// `fc=max` (the multicast default): the sender follows the fastest receivers; one that does not poll
/// does not hold it back.
#[test]
fn multicast_with_max_flow_control_is_not_held_back_by_a_slow_receiver() {
    let run = multicast_with_a_slow_receiver("", 47, false);
    assert!(run.accepted > 1_000, "the publisher kept going: {}", run.accepted);
    for log in &run.fast {
        assert_eq!(log, &(0..run.accepted).collect::<Vec<_>>());
    }
}

/// `fc=min`: the slowest receiver sets the pace; one that does not poll stops the sender after a receiver
/// window (32 KiB) and the publisher a publication window later; once it polls, everything flows to all.
#[test]
fn multicast_with_min_flow_control_is_held_back_by_a_slow_receiver() {
    let run = multicast_with_a_slow_receiver("|fc=min", 47, true);
    let frame = 544; // 500-byte payload + 32-byte header, aligned to 32
    assert_eq!(run.accepted, 2 * 32 * 1024 / frame, "sender window + publication window");
    for log in &run.fast {
        assert_eq!(log, &(0..32 * 1024 / frame).collect::<Vec<_>>(), "the sender stopped at the slow window");
    }
    assert_eq!(run.slow, (0..run.accepted).collect::<Vec<_>>());
}

/// Multicast with loss and several receivers: NAKs go to the control group and retransmissions reach
/// every receiver; with `fc=min` nobody falls behind for good.
#[test]
fn multicast_with_loss_delivers_everything_to_every_receiver() {
    let hosts = ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"];
    let link = LinkConfig {
        latency_ns: 200_000,
        jitter_ns: 200_000,
        loss_probability: 0.04,
        duplicate_probability: 0.02,
    };
    let cluster = SimCluster::new(&hosts, link, 53);
    let aerons: Vec<client::Aeron> = (0..4).map(|i| cluster.connect(i)).collect();
    let clients: Vec<&client::Aeron> = aerons.iter().collect();
    let group = "224.0.1.3:40710";
    let mut subscriptions: Vec<client::Subscription> = (1..4)
        .map(|i| aerons[i].add_subscription(&format!("aeron:udp?endpoint={group}"), STREAM).unwrap())
        .collect();
    let publication =
        aerons[0].add_publication(&format!("aeron:udp?endpoint={group}|fc=min"), STREAM).unwrap();
    cluster.step_until(&clients, 5_000, || {
        subscriptions.iter_mut().all(|s| s.image_count() == 1) && publication.is_connected()
    });
    let mut received = vec![Vec::new(); 3];
    for sequence in 0..2_000 {
        offer_one(&cluster, &clients, &mut |m| publication.offer(m), sequence, 300, &mut || {
            for (index, subscription) in subscriptions.iter_mut().enumerate() {
                poll_into(subscription, &mut received[index]);
            }
        });
    }
    cluster.step_until(&clients, 20_000, || {
        for (index, subscription) in subscriptions.iter_mut().enumerate() {
            poll_into(subscription, &mut received[index]);
        }
        received.iter().all(|r| r.len() >= 2_000)
    });
    for log in &received {
        assert_eq!(log, &(0..2_000).collect::<Vec<_>>());
    }
    assert!(cluster.system_counter(0, fulmar_driver::system_counters::RETRANSMITS_SENT) > 0);
}
