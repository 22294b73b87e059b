//! Channel tags (`tags=T[,E]`) on UDP channels over the simulated network (reference §3.2 `tags`):
//! - a subscription `aeron:udp?tags=T` shares the receive channel endpoint registered under tag T, including
//!   a manual multi-destination one whose destinations came from ADD_RCV_DESTINATION (Aeron Cluster's log
//!   subscriptions), so both see the same images, each with its own subscriber position;
//! - the shared endpoint lives until its last subscription goes;
//! - `session-id=` filters still apply to a tagged subscription;
//! - a publication `aeron:udp?tags=T` shares the send channel endpoint registered under tag T;
//! - an unknown tag, or a tag whose channel names other addresses, is rejected on the add.

mod sim_support;

use client::Header;
use sim::LinkConfig;
use sim_support::{SimCluster, check_payload, payload};

const STREAM: i32 = 1101;
const DESTINATION: &str = "aeron:udp?endpoint=10.0.0.2:40400";

fn lossless() -> LinkConfig {
    LinkConfig { latency_ns: 100_000, jitter_ns: 0, loss_probability: 0.0, duplicate_probability: 0.0 }
}

/// Polls every image of `subscription`, appending the sequences it delivers.
fn poll_into(subscription: &mut client::Subscription, received: &mut Vec<u32>) -> usize {
    subscription.poll(&mut |bytes: &[u8], _header: &Header| received.push(check_payload(bytes).1), 100)
}

fn offer_all(
    cluster: &SimCluster,
    clients: &[&client::Aeron],
    publication: &mut client::ExclusivePublication,
    range: std::ops::Range<u32>,
) {
    for sequence in range {
        let message = payload(0, sequence, 96);
        cluster.offer_until_accepted(clients, || publication.offer(&message), || 0, 5_000);
    }
}

/// The first subscription (MDS, tagged) adds the destination; a second subscription by tag alone and a
/// third by tag with a session filter get the same image and consume independently; removing the MDS
/// subscription keeps the endpoint and its destination until the last tagged subscription goes.
#[test]
fn tagged_subscription_shares_a_multi_destination_endpoint() {
    let cluster = SimCluster::new(&["10.0.0.1", "10.0.0.2"], lossless(), 11);
    let aerons: Vec<client::Aeron> = (0..2).map(|i| cluster.connect(i)).collect();
    let clients: Vec<&client::Aeron> = aerons.iter().collect();

    let mut consensus = aerons[1].add_subscription("aeron:udp?control-mode=manual|tags=1,2", STREAM).unwrap();
    consensus.add_rcv_destination(DESTINATION).unwrap();
    let mut service = aerons[1].add_subscription("aeron:udp?tags=1,2", STREAM).unwrap();

    let mut publication =
        aerons[0].add_exclusive_publication(&format!("{DESTINATION}|session-id=4242"), STREAM).unwrap();
    let mut archive = aerons[1].add_subscription("aeron:udp?tags=1|session-id=4242", STREAM).unwrap();
    let mut other_session = aerons[1].add_subscription("aeron:udp?tags=1|session-id=99", STREAM).unwrap();
    cluster.step_until(&clients, 5_000, || {
        publication.is_connected()
            && consensus.image_count() == 1
            && service.image_count() == 1
            && archive.image_count() == 1
    });
    let image_id = consensus.images()[0].correlation_id();
    assert_eq!(service.images()[0].correlation_id(), image_id, "same image");
    assert_eq!(archive.images()[0].correlation_id(), image_id, "same image");
    assert_eq!(service.images()[0].log_file_name(), consensus.images()[0].log_file_name());
    assert_ne!(
        service.images()[0].subscriber_position_id(),
        consensus.images()[0].subscriber_position_id(),
        "each subscription has its own position"
    );
    assert_eq!(other_session.image_count(), 0, "session filter applies to a tagged subscription");

    // Only the consensus subscription consumes at first; the service's position stays at the join.
    offer_all(&cluster, &clients, &mut publication, 0..50);
    let (mut by_consensus, mut by_service, mut by_archive) = (Vec::new(), Vec::new(), Vec::new());
    cluster.step_until(&clients, 5_000, || {
        poll_into(&mut consensus, &mut by_consensus);
        by_consensus.len() >= 50
    });
    assert_eq!(by_consensus, (0..50).collect::<Vec<_>>());
    assert_eq!(service.images()[0].position(), service.images()[0].join_position());
    cluster.step_until(&clients, 5_000, || {
        poll_into(&mut service, &mut by_service);
        poll_into(&mut archive, &mut by_archive);
        by_service.len() >= 50 && by_archive.len() >= 50
    });
    assert_eq!(by_service, (0..50).collect::<Vec<_>>());
    assert_eq!(by_archive, (0..50).collect::<Vec<_>>());

    // The subscription that created the endpoint goes; the endpoint and its destination stay.
    consensus.close();
    cluster.run_for(20_000_000, &clients);
    offer_all(&cluster, &clients, &mut publication, 50..100);
    cluster.step_until(&clients, 5_000, || {
        poll_into(&mut service, &mut by_service);
        poll_into(&mut archive, &mut by_archive);
        by_service.len() >= 100 && by_archive.len() >= 100
    });
    assert_eq!(by_service, (0..100).collect::<Vec<_>>());
    assert_eq!(by_archive, (0..100).collect::<Vec<_>>());
    assert_eq!(service.images()[0].correlation_id(), image_id, "still the same image");

    // A later tagged subscription still finds the endpoint while one subscription remains.
    let late = aerons[1].add_subscription("aeron:udp?tags=1", STREAM + 1).unwrap();
    drop(late);

    // The last subscriptions go: the tag is no longer known.
    service.close();
    archive.close();
    other_session.close();
    cluster.run_for(20_000_000, &clients);
    let error = aerons[1].add_subscription("aeron:udp?tags=1", STREAM).unwrap_err();
    assert!(error.to_string().contains("tag=1"), "{error}");
}

/// A subscription naming an unknown tag, or a known tag with other addresses, is rejected with a clear
/// error; a tagged subscription with the same endpoint as the tagged one shares it.
#[test]
fn unknown_or_mismatched_tags_are_rejected() {
    let cluster = SimCluster::new(&["10.0.0.1", "10.0.0.2"], lossless(), 12);
    let aerons: Vec<client::Aeron> = (0..2).map(|i| cluster.connect(i)).collect();
    let clients: Vec<&client::Aeron> = aerons.iter().collect();

    let error = aerons[1].add_subscription("aeron:udp?tags=7", STREAM).unwrap_err();
    let text = error.to_string();
    assert!(text.contains("tag=7") && text.contains("aeron:udp?tags=7"), "{text}");

    let mut first = aerons[1].add_subscription(&format!("{DESTINATION}|tags=3"), STREAM).unwrap();
    let error = aerons[1].add_subscription("aeron:udp?endpoint=10.0.0.2:40401|tags=3", STREAM).unwrap_err();
    assert!(error.to_string().contains("mismatched endpoint"), "{error}");
    let error = aerons[1].add_subscription("aeron:udp?control-mode=manual|tags=3", STREAM).unwrap_err();
    assert!(error.to_string().contains("mismatched control-mode"), "{error}");
    let mut same = aerons[1].add_subscription(&format!("{DESTINATION}|tags=3"), STREAM).unwrap();
    let mut by_tag = aerons[1].add_subscription("aeron:udp?tags=3", STREAM).unwrap();

    let mut publication = aerons[0].add_exclusive_publication(DESTINATION, STREAM).unwrap();
    cluster.step_until(&clients, 5_000, || {
        publication.is_connected()
            && first.image_count() == 1
            && same.image_count() == 1
            && by_tag.image_count() == 1
    });
    let image_id = first.images()[0].correlation_id();
    assert_eq!(same.images()[0].correlation_id(), image_id);
    assert_eq!(by_tag.images()[0].correlation_id(), image_id);
    offer_all(&cluster, &clients, &mut publication, 0..10);
    let mut received = Vec::new();
    cluster.step_until(&clients, 5_000, || {
        poll_into(&mut by_tag, &mut received);
        received.len() >= 10
    });
    assert_eq!(received, (0..10).collect::<Vec<_>>());
}

/// A publication `aeron:udp?tags=T` on another stream shares the send channel endpoint (same socket, hence
/// the same source identity at the receiver) of the publication tagged T, and a spy by tag finds it; an
/// unknown tag is rejected.
#[test]
fn tagged_publication_shares_the_send_endpoint() {
    let cluster = SimCluster::new(&["10.0.0.1", "10.0.0.2"], lossless(), 13);
    let aerons: Vec<client::Aeron> = (0..2).map(|i| cluster.connect(i)).collect();
    let clients: Vec<&client::Aeron> = aerons.iter().collect();

    let error = aerons[0].add_exclusive_publication("aeron:udp?tags=9", STREAM).unwrap_err();
    assert!(error.to_string().contains("tag=9"), "{error}");

    let mut first_sub = aerons[1].add_subscription(DESTINATION, STREAM).unwrap();
    let mut second_sub = aerons[1].add_subscription(DESTINATION, STREAM + 1).unwrap();
    let mut first = aerons[0].add_exclusive_publication(&format!("{DESTINATION}|tags=5"), STREAM).unwrap();
    let mut second = aerons[0].add_exclusive_publication("aeron:udp?tags=5", STREAM + 1).unwrap();
    let mut spy = aerons[0].add_subscription("aeron-spy:aeron:udp?tags=5", STREAM + 1).unwrap();
    cluster.step_until(&clients, 5_000, || {
        spy.image_count() == 1
            && first.is_connected()
            && second.is_connected()
            && first_sub.image_count() == 1
            && second_sub.image_count() == 1
    });
    assert_eq!(
        first_sub.images()[0].source_identity(),
        second_sub.images()[0].source_identity(),
        "one send socket"
    );
    offer_all(&cluster, &clients, &mut second, 0..10);
    offer_all(&cluster, &clients, &mut first, 0..5);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    cluster.step_until(&clients, 5_000, || {
        poll_into(&mut first_sub, &mut a);
        poll_into(&mut second_sub, &mut b);
        a.len() >= 5 && b.len() >= 10
    });
    assert_eq!(a, (0..5).collect::<Vec<_>>());
    assert_eq!(b, (0..10).collect::<Vec<_>>());
}
