//! Multi-destination cast (manual and dynamic) on the simulated network: destinations removed and
//! re-added while their images live, min versus max flow control, and dynamic destinations learned from
//! setup-eliciting status messages and dropped after the destination timeout.
//!
//! What Aeron does when a manual MDC destination is removed and re-added before its image timed out
//! (reference §1.12, §1.15, §1.16), and these tests pin down:
//! - While removed, the receiver's image gets nothing; it keeps sending SMs at its old position. The
//!   sender accepts them while that position is within half a term behind the sender, then counts them
//!   as rejected (`Status Messages rejected`).
//! - Re-added, the image accepts data up to `last SM position + term_length / 2` (beyond is a flow-control
//!   over-run) and NAKs the gap from its old position. The sender resends only positions within
//!   `[sender_position - term_length / 2 - max_message_length, sender_position)`.
//!   * If the gap is still inside that window when the NAK is served (the publisher was quiet, or the
//!     gap is small), the destination recovers on the same image and misses nothing.
//!   * With `fc=max` (the MDC default) the sender follows the fastest receiver, so a busy publisher can
//!     move the gap out of the window before the NAK (after the NAK delay, up to 10 ms with group
//!     semantics) arrives. The gap is then never repaired: the image's rebuild position, hence its SM
//!     position, is stuck, every later datagram is an over-run, and the NAKs get no retransmission. The
//!     image times out after the image liveness timeout and the session rejoins with a new image at the
//!     sender's position: no duplicates, no reordering, but the messages in between are lost for it.
//!   * With `fc=min` the stale receiver holds the sender back (its SMs keep it tracked), so the gap can
//!     never leave the window and the re-added destination misses nothing.
//!
//! The same mechanism explains why, under `fc=max`, loss plus a fast publisher can leave a lagging
//! receiver that was never removed behind for good; `fc=min` keeps every receiver within the window.

mod sim_support;

use client::Header;
use fulmar_driver::system_counters::{NAKS_SENT, RETRANSMITS_SENT, STATUS_MESSAGES_REJECTED};
use sim::LinkConfig;
use sim_support::{SimCluster, check_payload, payload};

const STREAM: i32 = 1001;

/// What one subscription received: `(image correlation id, sequence)` in delivery order.
type Log = Vec<(i64, u32)>;

fn poll_images(subscriptions: &mut [client::Subscription], received: &mut [Log]) -> usize {
    let mut work = 0;
    for (index, subscription) in subscriptions.iter_mut().enumerate() {
        for image in subscription.images() {
            let image_id = image.correlation_id();
            work += image.poll(
                &mut |bytes: &[u8], _header: &Header| {
                    received[index].push((image_id, check_payload(bytes).1))
                },
                100,
            );
        }
    }
    work
}

fn last_sequence(log: &Log) -> Option<u32> {
    log.last().map(|(_, sequence)| *sequence)
}

fn sequences(log: &Log) -> Vec<u32> {
    log.iter().map(|(_, sequence)| *sequence).collect()
}

/// Checks that `log` never goes back or repeats and is contiguous within each image; returns each image
/// with its first sequence, in order.
fn image_runs(name: &str, log: &Log) -> Vec<(i64, u32)> {
    for window in log.windows(2) {
        let ((image_a, a), (image_b, b)) = (window[0], window[1]);
        if image_a == image_b {
            assert_eq!(b, a + 1, "{name}: gap or duplicate inside image {image_a}: {a} then {b}");
        } else {
            assert!(b > a, "{name}: image {image_b} went back: {a} then {b}");
        }
    }
    let mut runs: Vec<(i64, u32)> = Vec::new();
    for &(image, sequence) in log {
        if runs.last().is_none_or(|(last, _)| *last != image) {
            assert!(!runs.iter().any(|(i, _)| *i == image), "{name}: image {image} came back");
            runs.push((image, sequence));
        }
    }
    runs
}

/// How the publisher offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pace {
    /// One message, then one step.
    Paced,
    /// As fast as the publication accepts (stepping only when back-pressured).
    Burst,
}

/// A publisher on 10.0.0.1 with a manual MDC exclusive publication (extra channel parameters `params`)
/// to subscribers on 10.0.0.2, .3 and .4.
struct Mdc<'a> {
    cluster: &'a SimCluster,
    clients: Vec<&'a client::Aeron>,
    publication: client::ExclusivePublication,
    subscriptions: Vec<client::Subscription>,
    endpoints: Vec<String>,
    received: Vec<Log>,
    next: u32,
}

impl<'a> Mdc<'a> {
    fn new(cluster: &'a SimCluster, aerons: &'a [client::Aeron], params: &str) -> Self {
        let clients: Vec<&client::Aeron> = aerons.iter().collect();
        let endpoints: Vec<String> = (2..5).map(|i| format!("aeron:udp?endpoint=10.0.0.{i}:40300")).collect();
        let mut subscriptions: Vec<client::Subscription> = aerons[1..]
            .iter()
            .zip(&endpoints)
            .map(|(aeron, endpoint)| aeron.add_subscription(endpoint, STREAM).unwrap())
            .collect();
        let publication = aerons[0]
            .add_exclusive_publication(&format!("aeron:udp?control-mode=manual{params}"), STREAM)
            .unwrap();
        for endpoint in &endpoints {
            publication.add_destination(endpoint).unwrap();
        }
        cluster.step_until(&clients, 5_000, || {
            subscriptions.iter_mut().all(|s| s.image_count() == 1) && publication.is_connected()
        });
        Self {
            cluster,
            clients,
            publication,
            subscriptions,
            endpoints,
            received: vec![Vec::new(); 3],
            next: 0,
        }
    }

    fn poll(&mut self) -> usize {
        poll_images(&mut self.subscriptions, &mut self.received)
    }

    fn step(&mut self) {
        self.poll();
        self.cluster.step(&self.clients);
    }

    fn offer(&mut self, count: u32, pace: Pace) {
        for _ in 0..count {
            let message = payload(0, self.next, 64);
            let mut accepted = false;
            for _ in 0..20_000 {
                match self.publication.offer(&message) {
                    Ok(_) => {
                        accepted = true;
                        break;
                    }
                    Err(
                        client::OfferError::BackPressured
                        | client::OfferError::NotConnected
                        | client::OfferError::AdminAction,
                    ) => self.step(),
                    Err(other) => panic!("offer failed: {other}"),
                }
            }
            assert!(accepted, "offer of {} not accepted", self.next);
            self.next += 1;
            if pace == Pace::Paced {
                self.step();
            }
        }
    }

    /// Steps until subscriber `index` received everything offered so far.
    fn wait_for(&mut self, indices: &[usize], max_steps: usize) {
        for _ in 0..max_steps {
            self.poll();
            if indices.iter().all(|&i| last_sequence(&self.received[i]) == self.next.checked_sub(1)) {
                return;
            }
            self.cluster.step(&self.clients);
        }
        panic!("not delivered within {max_steps} steps:\n{}", self.diagnostics());
    }

    /// Offers one message every few steps until every subscriber has everything offered (a replacement
    /// image only appears with new data).
    fn trickle_until_all_delivered(&mut self, max_messages: u32) {
        for _ in 0..max_messages {
            for _ in 0..5 {
                self.step();
            }
            if self.received.iter().all(|r| last_sequence(r) == self.next.checked_sub(1)) {
                return;
            }
            self.offer(1, Pace::Paced);
        }
        panic!("not all delivered after {max_messages} more messages:\n{}", self.diagnostics());
    }

    fn diagnostics(&self) -> String {
        let ends: Vec<Option<u32>> = self.received.iter().map(last_sequence).collect();
        let mut text = format!("offered up to {:?}, received up to {ends:?}\n", self.next.checked_sub(1));
        for node in 0..4 {
            text.push_str(&format!("node {node}:\n{}", self.cluster.dump_counters(node)));
        }
        text
    }
}

fn four_hosts(link: LinkConfig, seed: u64) -> (SimCluster, Vec<client::Aeron>) {
    let cluster = SimCluster::new(&["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"], link, seed);
    let aerons = (0..4).map(|i| cluster.connect(i)).collect();
    (cluster, aerons)
}

/// Re-added while its image lives and while the publisher is quiet: the gap is within the sender's
/// resend window, so the destination recovers by retransmission on the same image.
#[test]
fn manual_mdc_destination_re_added_while_quiet_recovers_by_retransmission() {
    for seed in [17, 18] {
        let (cluster, aerons) = four_hosts(LinkConfig::with_latency_ns(100_000), seed);
        let mut mdc = Mdc::new(&cluster, &aerons, "");
        let image_before = mdc.subscriptions[1].images()[0].correlation_id();
        mdc.offer(300, Pace::Burst);
        mdc.wait_for(&[0, 1, 2], 2_000);

        let removed = mdc.endpoints[1].clone();
        mdc.publication.remove_destination(&removed).unwrap();
        mdc.offer(200, Pace::Burst);
        mdc.wait_for(&[0, 2], 2_000);
        assert_eq!(last_sequence(&mdc.received[1]), Some(299), "a removed destination receives nothing");
        assert_eq!(mdc.subscriptions[1].image_count(), 1, "its image is still there");

        mdc.publication.add_destination(&removed).unwrap();
        // The next heartbeat shows the re-added receiver the gap; its NAK is served.
        mdc.wait_for(&[1], 2_000);
        mdc.offer(1_500, Pace::Burst);
        mdc.wait_for(&[0, 1, 2], 5_000);

        let expected: Vec<u32> = (0..2_000).collect();
        for (index, log) in mdc.received.iter().enumerate() {
            assert_eq!(sequences(log), expected, "subscriber {index}, seed {seed}");
            assert_eq!(image_runs("r", log).len(), 1, "one image each");
        }
        assert_eq!(mdc.received[1][0].0, image_before, "the re-added destination kept its image");
        assert!(cluster.system_counter(0, RETRANSMITS_SENT) > 0, "the gap was retransmitted");
    }
}

/// Re-added while its image lives, but the publisher keeps sending at full speed with `fc=max`: the
/// gap leaves the resend window before the NAK is served. The old image ends where the destination was
/// removed, times out, and the session rejoins with a new image; the other destinations miss nothing.
#[test]
fn manual_mdc_destination_re_added_while_busy_rejoins_with_a_new_image() {
    for seed in [13, 17] {
        let (cluster, aerons) = four_hosts(LinkConfig::with_latency_ns(100_000), seed);
        let mut mdc = Mdc::new(&cluster, &aerons, "");
        let image_before = mdc.subscriptions[1].images()[0].correlation_id();
        mdc.offer(300, Pace::Burst);
        mdc.wait_for(&[0, 1, 2], 2_000);

        let removed = mdc.endpoints[1].clone();
        mdc.publication.remove_destination(&removed).unwrap();
        mdc.offer(200, Pace::Burst);
        mdc.wait_for(&[0, 2], 2_000);
        assert_eq!(mdc.subscriptions[1].image_count(), 1, "re-added before the image timed out");
        mdc.publication.add_destination(&removed).unwrap();
        mdc.offer(1_500, Pace::Burst);
        mdc.trickle_until_all_delivered(2_000);

        let expected: Vec<u32> = (0..mdc.next).collect();
        assert_eq!(sequences(&mdc.received[0]), expected, "seed {seed}");
        assert_eq!(sequences(&mdc.received[2]), expected, "seed {seed}");
        let runs = image_runs("re-added", &mdc.received[1]);
        assert_eq!(runs.len(), 2, "seed {seed}: old image, then a new one: {runs:?}");
        assert_eq!(runs[0], (image_before, 0));
        let old_end = mdc.received[1].iter().filter(|(image, _)| *image == image_before).count();
        // It may repair part of the gap before the rest leaves the window, never more than it got.
        assert!(old_end >= 300 && (old_end as u32) < runs[1].1, "seed {seed}: {old_end} then {runs:?}");
        assert!(runs[1].1 >= 2_000, "the new image joins at the sender's position later: {runs:?}");
        assert!(cluster.system_counter(2, NAKS_SENT) > 0, "the stuck image NAKed its gap");
        assert!(
            cluster.system_counter(0, STATUS_MESSAGES_REJECTED) > 0,
            "its stale status messages were rejected"
        );
    }
}

/// With `fc=min` a removed destination whose image still sends SMs holds the sender back, so once
/// re-added its gap is always within the resend window: every destination gets everything, on one image.
#[test]
fn manual_mdc_with_min_flow_control_loses_nothing_for_a_re_added_destination() {
    for pace in [Pace::Burst, Pace::Paced] {
        let (cluster, aerons) = four_hosts(LinkConfig::with_latency_ns(100_000), 23);
        let mut mdc = Mdc::new(&cluster, &aerons, "|fc=min");
        mdc.offer(300, Pace::Burst);
        mdc.wait_for(&[0, 1, 2], 2_000);

        let removed = mdc.endpoints[1].clone();
        mdc.publication.remove_destination(&removed).unwrap();
        mdc.offer(200, pace);
        mdc.wait_for(&[0, 2], 2_000);
        // The stale receiver still counts: the publisher cannot run more than a window ahead of it.
        let limit = mdc.publication.position_limit();
        assert!(limit <= 300 * 96 + 32 * 1024 + 64 * 1024 / 2, "held back: {limit}");

        mdc.publication.add_destination(&removed).unwrap();
        mdc.offer(1_500, pace);
        mdc.wait_for(&[0, 1, 2], 5_000);
        let expected: Vec<u32> = (0..2_000).collect();
        for (index, log) in mdc.received.iter().enumerate() {
            assert_eq!(sequences(log), expected, "subscriber {index}, {pace:?}");
            assert_eq!(image_runs("r", log).len(), 1);
        }
    }
}

/// `fc=min` with loss, duplication and reordering: the sender waits for the slowest receiver, so every
/// gap stays within the resend window and every destination gets everything exactly once, in order.
#[test]
fn manual_mdc_with_min_flow_control_repairs_loss_for_every_destination() {
    let link = LinkConfig {
        latency_ns: 200_000,
        jitter_ns: 300_000,
        loss_probability: 0.03,
        duplicate_probability: 0.02,
    };
    let (cluster, aerons) = four_hosts(link, 29);
    let mut mdc = Mdc::new(&cluster, &aerons, "|fc=min");
    mdc.offer(2_000, Pace::Burst);
    mdc.wait_for(&[0, 1, 2], 20_000);
    let expected: Vec<u32> = (0..2_000).collect();
    for (index, log) in mdc.received.iter().enumerate() {
        assert_eq!(sequences(log), expected, "subscriber {index}");
        assert_eq!(image_runs("r", log).len(), 1);
    }
    assert!(cluster.system_counter(0, RETRANSMITS_SENT) > 0);
}
