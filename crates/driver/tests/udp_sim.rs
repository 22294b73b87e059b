//! UDP transport between drivers on the simulated network (`fulmar_sim::SimNetwork`), single-threaded on a
//! `ManualClock`: every driver is a `MediaDriver` in `ThreadingMode::Invoker`, stepped together with the
//! clients. Every loop has a step bound.

mod sim_support;

use std::collections::BTreeMap;

use client::Header;
use fulmar_driver::system_counters::{NAKS_RECEIVED, NAKS_SENT, RETRANSMITS_SENT};
use sim::LinkConfig;
use sim_support::{SimCluster, check_payload, payload};

const CHANNEL_B: &str = "aeron:udp?endpoint=10.0.0.2:40123";
const STREAM: i32 = 1001;

#[test]
fn unicast_exchange_between_two_drivers() {
    let cluster = SimCluster::new(&["10.0.0.1", "10.0.0.2"], LinkConfig::with_latency_ns(100_000), 1);
    let publisher = cluster.connect(0);
    let subscriber = cluster.connect(1);
    let clients = [&publisher, &subscriber];
    let mut subscription = subscriber.add_subscription(CHANNEL_B, STREAM).unwrap();
    let publication = publisher.add_publication(CHANNEL_B, STREAM).unwrap();
    cluster.step_until(&clients, 2_000, || subscription.image_count() == 1 && publication.is_connected());
    let image = subscription.images()[0].clone();
    assert_eq!(image.session_id(), publication.session_id());
    assert!(image.source_identity().starts_with("10.0.0.1:"), "{}", image.source_identity());
    assert!(image.log_file_name().starts_with("images/"), "{}", image.log_file_name());

    let count = 2_000u32;
    let mut received = Vec::new();
    let poll = |subscription: &mut client::Subscription, received: &mut Vec<u32>| {
        subscription.poll(
            &mut |bytes: &[u8], header: &Header| {
                let (source, sequence) = check_payload(bytes);
                assert_eq!((source, header.stream_id()), (1, STREAM));
                received.push(sequence);
            },
            100,
        )
    };
    for sequence in 0..count {
        let message = payload(1, sequence, 8 + (sequence as usize * 37) % 300);
        cluster.offer_until_accepted(
            &clients,
            || publication.offer(&message),
            || poll(&mut subscription, &mut received),
            10_000,
        );
    }
    cluster.step_until(&clients, 20_000, || {
        poll(&mut subscription, &mut received);
        received.len() == count as usize
    });
    assert_eq!(received, (0..count).collect::<Vec<_>>());

    // Closing the publication ends the stream: the image goes away.
    publication.close();
    cluster.step_until(&clients, 20_000, || {
        poll(&mut subscription, &mut received);
        subscription.image_count() == 0
    });
}

#[test]
fn loss_duplication_and_reordering_deliver_everything_once_in_order() {
    let link = LinkConfig {
        latency_ns: 200_000,
        jitter_ns: 400_000,
        loss_probability: 0.10,
        duplicate_probability: 0.05,
    };
    let cluster = SimCluster::new(&["10.0.0.1", "10.0.0.2"], link, 7);
    let publisher = cluster.connect(0);
    let subscriber = cluster.connect(1);
    let clients = [&publisher, &subscriber];
    let mut subscription = subscriber.add_subscription(CHANNEL_B, STREAM).unwrap();
    let publication = publisher.add_publication(CHANNEL_B, STREAM).unwrap();
    cluster.step_until(&clients, 5_000, || subscription.image_count() == 1 && publication.is_connected());

    let count = 3_000u32;
    let mut received = Vec::new();
    let poll = |subscription: &mut client::Subscription, received: &mut Vec<u32>| {
        subscription.poll(
            &mut |bytes: &[u8], _header: &Header| {
                let (_, sequence) = check_payload(bytes);
                received.push(sequence);
            },
            100,
        )
    };
    for sequence in 0..count {
        let message = payload(1, sequence, 8 + (sequence as usize * 53) % 900);
        cluster.offer_until_accepted(
            &clients,
            || publication.offer(&message),
            || poll(&mut subscription, &mut received),
            20_000,
        );
    }
    cluster.step_until(&clients, 60_000, || {
        poll(&mut subscription, &mut received);
        received.len() >= count as usize
    });
    assert_eq!(received, (0..count).collect::<Vec<_>>(), "exactly once, in order");
    assert!(cluster.system_counter(1, NAKS_SENT) > 0, "loss was repaired by NAKs");
    assert!(cluster.system_counter(0, NAKS_RECEIVED) > 0);
    assert!(cluster.system_counter(0, RETRANSMITS_SENT) > 0);
}

#[test]
fn many_publishers_into_one_subscription() {
    let cluster = SimCluster::new(
        &["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"],
        LinkConfig {
            latency_ns: 100_000,
            jitter_ns: 200_000,
            loss_probability: 0.02,
            duplicate_probability: 0.0,
        },
        11,
    );
    let subscriber = cluster.connect(3);
    let channel = "aeron:udp?endpoint=10.0.0.4:40200";
    let publishers: Vec<_> = (0..3).map(|i| cluster.connect(i)).collect();
    let mut clients: Vec<&client::Aeron> = publishers.iter().collect();
    clients.push(&subscriber);
    let mut subscription = subscriber.add_subscription(channel, STREAM).unwrap();
    // Two publications (two sessions) on the first host, one on each of the others.
    let mut publications: Vec<client::ExclusivePublication> =
        publishers.iter().map(|p| p.add_exclusive_publication(channel, STREAM).unwrap()).collect();
    publications.push(publishers[0].add_exclusive_publication(channel, STREAM).unwrap());
    cluster.step_until(&clients, 5_000, || {
        subscription.image_count() == publications.len() && publications.iter().all(|p| p.is_connected())
    });
    let sessions: Vec<i32> = publications.iter().map(|p| p.session_id()).collect();

    let per_publication = 500u32;
    let mut received: BTreeMap<i32, Vec<u32>> = BTreeMap::new();
    let poll = |subscription: &mut client::Subscription, received: &mut BTreeMap<i32, Vec<u32>>| {
        subscription.poll(
            &mut |bytes: &[u8], header: &Header| {
                let (source, sequence) = check_payload(bytes);
                assert_eq!(sessions[source as usize], header.session_id());
                received.entry(header.session_id()).or_default().push(sequence);
            },
            100,
        )
    };
    for sequence in 0..per_publication {
        for (source, publication) in publications.iter_mut().enumerate() {
            let message = payload(source as u32, sequence, 64);
            cluster.offer_until_accepted(
                &clients,
                || publication.offer(&message),
                || poll(&mut subscription, &mut received),
                20_000,
            );
        }
    }
    cluster.step_until(&clients, 30_000, || {
        poll(&mut subscription, &mut received);
        received.values().map(Vec::len).sum::<usize>() == per_publication as usize * publications.len()
    });
    for session in &sessions {
        assert_eq!(received[session], (0..per_publication).collect::<Vec<_>>(), "session {session}");
    }
}

#[test]
fn partition_longer_than_image_liveness_makes_a_new_image_after_heal() {
    let cluster = SimCluster::new(&["10.0.0.1", "10.0.0.2"], LinkConfig::with_latency_ns(100_000), 3);
    let publisher = cluster.connect(0);
    let subscriber = cluster.connect(1);
    let clients = [&publisher, &subscriber];
    let mut subscription = subscriber.add_subscription(CHANNEL_B, STREAM).unwrap();
    let publication = publisher.add_publication(CHANNEL_B, STREAM).unwrap();
    cluster.step_until(&clients, 2_000, || subscription.image_count() == 1 && publication.is_connected());
    let first_image = subscription.images()[0].correlation_id();

    let mut received = Vec::new();
    let poll = |subscription: &mut client::Subscription, received: &mut Vec<u32>| {
        subscription.poll(
            &mut |bytes: &[u8], _header: &Header| {
                received.push(check_payload(bytes).1);
            },
            100,
        )
    };
    for sequence in 0..100 {
        let message = payload(1, sequence, 100);
        cluster.offer_until_accepted(&clients, || publication.offer(&message), || 0, 1_000);
    }
    cluster.step_until(&clients, 2_000, || {
        poll(&mut subscription, &mut received);
        received.len() == 100
    });

    let host_a: std::net::IpAddr = "10.0.0.1".parse().unwrap();
    let host_b: std::net::IpAddr = "10.0.0.2".parse().unwrap();
    cluster.net.partition([host_a], [host_b]);
    // Image liveness (1 s in test_min), then drain linger and image linger.
    cluster.step_until(&clients, 10_000, || {
        poll(&mut subscription, &mut received);
        subscription.image_count() == 0
    });
    cluster.step_until(&clients, 5_000, || !publication.is_connected());
    cluster.run_for(500_000_000, &clients);
    assert_eq!(subscription.image_count(), 0, "no image while partitioned");

    cluster.net.heal();
    cluster.step_until(&clients, 10_000, || {
        poll(&mut subscription, &mut received);
        subscription.image_count() == 1 && publication.is_connected()
    });
    let second_image = subscription.images()[0].correlation_id();
    assert_ne!(first_image, second_image, "a new image after the heal");
    for sequence in 100..200 {
        let message = payload(1, sequence, 100);
        cluster.offer_until_accepted(&clients, || publication.offer(&message), || 0, 2_000);
    }
    cluster.step_until(&clients, 5_000, || {
        poll(&mut subscription, &mut received);
        received.len() == 200
    });
    assert_eq!(received, (0..200).collect::<Vec<_>>());
}

#[test]
fn a_slow_subscriber_back_pressures_only_its_own_publication() {
    let cluster = SimCluster::new(&["10.0.0.1", "10.0.0.2"], LinkConfig::with_latency_ns(100_000), 5);
    let publisher = cluster.connect(0);
    let subscriber = cluster.connect(1);
    let clients = [&publisher, &subscriber];
    let mut slow = subscriber.add_subscription(CHANNEL_B, 1).unwrap();
    let mut fast = subscriber.add_subscription(CHANNEL_B, 2).unwrap();
    let slow_publication = publisher.add_publication(CHANNEL_B, 1).unwrap();
    let fast_publication = publisher.add_publication(CHANNEL_B, 2).unwrap();
    cluster.step_until(&clients, 2_000, || {
        slow.image_count() == 1
            && fast.image_count() == 1
            && slow_publication.is_connected()
            && fast_publication.is_connected()
    });

    // The slow subscription never polls: its publication fills the window and is back-pressured.
    let message = payload(1, 0, 1_000);
    let mut back_pressured = false;
    for _ in 0..5_000 {
        match slow_publication.offer(&message) {
            Ok(_) | Err(client::OfferError::AdminAction) => {}
            Err(client::OfferError::BackPressured) => {
                back_pressured = true;
                break;
            }
            Err(other) => panic!("unexpected {other}"),
        }
        cluster.step(&clients);
    }
    assert!(back_pressured, "the slow subscriber's publication is back-pressured");
    let stuck_limit = slow_publication.position_limit();
    assert!(stuck_limit >= 16 * 1024, "the window was used before back-pressure: {stuck_limit}");

    let mut received = 0u32;
    for sequence in 0..2_000u32 {
        let message = payload(2, sequence, 1_000);
        cluster.offer_until_accepted(
            &clients,
            || fast_publication.offer(&message),
            || {
                fast.poll(
                    &mut |bytes: &[u8], _header: &Header| {
                        assert_eq!(check_payload(bytes), (2, received));
                        received += 1;
                    },
                    100,
                )
            },
            5_000,
        );
    }
    cluster.step_until(&clients, 5_000, || {
        fast.poll(
            &mut |bytes: &[u8], _header: &Header| {
                assert_eq!(check_payload(bytes), (2, received));
                received += 1;
            },
            100,
        );
        received == 2_000
    });
    assert_eq!(slow_publication.offer(&message), Err(client::OfferError::BackPressured));
    assert_eq!(slow_publication.position_limit(), stuck_limit, "the slow stream did not move");
    // Once the slow subscriber polls, its publication flows again.
    let mut drained = 0;
    cluster.step_until(&clients, 5_000, || {
        drained += slow.poll(&mut |_: &[u8], _: &Header| {}, 100);
        slow_publication.position_limit() > stuck_limit
    });
    assert!(drained > 0);
}

#[test]
fn manual_mdc_to_three_destinations_with_one_removed_and_re_added() {
    let hosts = ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"];
    let cluster = SimCluster::new(&hosts, LinkConfig::with_latency_ns(100_000), 13);
    let publisher = cluster.connect(0);
    let subscribers: Vec<_> = (1..4).map(|i| cluster.connect(i)).collect();
    let mut clients: Vec<&client::Aeron> = vec![&publisher];
    clients.extend(subscribers.iter());
    let endpoints: Vec<String> = (2..5).map(|i| format!("aeron:udp?endpoint=10.0.0.{i}:40300")).collect();
    let mut subscriptions: Vec<client::Subscription> =
        subscribers.iter().zip(&endpoints).map(|(s, e)| s.add_subscription(e, STREAM).unwrap()).collect();
    let mut publication =
        publisher.add_exclusive_publication("aeron:udp?control-mode=manual", STREAM).unwrap();
    for endpoint in &endpoints {
        publication.add_destination(endpoint).unwrap();
    }
    cluster.step_until(&clients, 5_000, || {
        subscriptions.iter_mut().all(|s| s.image_count() == 1) && publication.is_connected()
    });

    let mut received: Vec<Vec<u32>> = vec![Vec::new(); 3];
    offer_range(&cluster, &clients, &mut publication, 0..300, &mut subscriptions, &mut received);
    cluster.step_until(&clients, 2_000, || {
        poll_all(&mut subscriptions, &mut received);
        received.iter().all(|r| r.len() == 300)
    });

    // Remove the second destination: it stops receiving while the others go on.
    let removed = &endpoints[1];
    publication.remove_destination(removed).unwrap();
    cluster.run_for(5_000_000, &clients);
    poll_all(&mut subscriptions, &mut received);
    let frozen = received[1].len();
    offer_range(&cluster, &clients, &mut publication, 300..500, &mut subscriptions, &mut received);
    cluster.step_until(&clients, 2_000, || {
        poll_all(&mut subscriptions, &mut received);
        received[0].len() == 500 && received[2].len() == 500
    });
    assert_eq!(received[1].len(), frozen, "a removed destination receives nothing");

    // While removed, its image times out (no data or heartbeats); re-added, it gets a new image that
    // joins at the sender's position and follows the stream from there.
    cluster.step_until(&clients, 5_000, || {
        poll_all(&mut subscriptions, &mut received);
        subscriptions[1].image_count() == 0
    });
    publication.add_destination(removed).unwrap();
    cluster.step_until(&clients, 5_000, || {
        poll_all(&mut subscriptions, &mut received);
        subscriptions[1].image_count() == 1
    });
    offer_range(&cluster, &clients, &mut publication, 500..800, &mut subscriptions, &mut received);
    cluster.step_until(&clients, 5_000, || {
        poll_all(&mut subscriptions, &mut received);
        received[0].len() == 800 && received[2].len() == 800 && received[1].last() == Some(&799)
    });
    assert_eq!(received[0], (0..800).collect::<Vec<_>>());
    assert_eq!(received[2], (0..800).collect::<Vec<_>>());
    let rejoined: Vec<u32> = received[1][frozen..].to_vec();
    assert_eq!(&received[1][..frozen], &(0..frozen as u32).collect::<Vec<_>>()[..]);
    assert_eq!(rejoined, (800 - rejoined.len() as u32..800).collect::<Vec<_>>(), "contiguous after rejoin");
}

fn poll_all(subscriptions: &mut [client::Subscription], received: &mut [Vec<u32>]) -> usize {
    let mut work = 0;
    for (index, subscription) in subscriptions.iter_mut().enumerate() {
        work += subscription
            .poll(&mut |bytes: &[u8], _header: &Header| received[index].push(check_payload(bytes).1), 100);
    }
    work
}

fn offer_range(
    cluster: &SimCluster,
    clients: &[&client::Aeron],
    publication: &mut client::ExclusivePublication,
    range: std::ops::Range<u32>,
    subscriptions: &mut [client::Subscription],
    received: &mut [Vec<u32>],
) {
    for sequence in range {
        let message = payload(0, sequence, 64);
        cluster.offer_until_accepted(
            clients,
            || publication.offer(&message),
            || poll_all(subscriptions, received),
            5_000,
        );
    }
}
