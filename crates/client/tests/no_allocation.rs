//! Offers (concurrent and exclusive publications) and polls allocate nothing after a warm-up.
//!
//! This binary installs `sys::CountingAllocator` as its global allocator, which counts allocations per
//! thread. The driver and the client conductor run on their own `AgentRunner` threads (their allocations
//! are not counted); the test thread counts only the calls to `offer` and `poll`.

#![allow(clippy::disallowed_methods)]

mod common;

use std::time::{Duration, Instant};

use agrona::IdleStrategy;
use common::{Threaded, wait_for};
use fulmar_client::{Header, OfferError, Subscription};
use sys::{BackoffIdleStrategy, CountingAllocator};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::new();

const MESSAGES: usize = 100_000;

/// Offers `MESSAGES` messages through `offer`, polling `subscription` whenever back-pressured and at the
/// end until everything arrived; returns the allocations made inside `offer` and `poll`.
fn run(
    subscription: &mut Subscription,
    mut offer: impl FnMut(&[u8]) -> Result<i64, OfferError>,
    messages: usize,
) -> u64 {
    let message = [7u8; 100];
    let mut allocations = 0;
    let mut received = 0usize;
    let mut bytes = 0usize;
    let mut idle = BackoffIdleStrategy::default();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut handler = |payload: &[u8], _: &Header| {
        received += 1;
        bytes += payload.len();
    };
    for _ in 0..messages {
        loop {
            let (result, count) = CountingAllocator::count(|| offer(&message));
            allocations += count;
            match result {
                Ok(_) => break,
                Err(OfferError::BackPressured | OfferError::AdminAction | OfferError::NotConnected) => {
                    let (fragments, count) =
                        CountingAllocator::count(|| subscription.poll(&mut handler, 256));
                    allocations += count;
                    idle.idle(fragments);
                    assert!(Instant::now() < deadline, "offers stalled");
                }
                Err(other) => panic!("offer failed: {other}"),
            }
        }
    }
    loop {
        let (fragments, count) = CountingAllocator::count(|| subscription.poll(&mut handler, 256));
        allocations += count;
        if fragments == 0 {
            break;
        }
    }
    assert_eq!((received, bytes), (messages, messages * message.len()), "every message arrived");
    allocations
}

#[test]
fn offers_and_polls_do_not_allocate() {
    let threaded = Threaded::new();
    let aeron = &threaded.aeron;
    let channel = "aeron:ipc?term-length=1m";
    let mut subscription = aeron.add_subscription(channel, 3001).unwrap();
    let publication = aeron.add_publication(channel, 3001).unwrap();
    let mut exclusive = aeron.add_exclusive_publication(channel, 3001).unwrap();
    wait_for(Duration::from_secs(30), || (subscription.image_count() == 2).then_some(()));

    // Warm up (first-touch paths, lazily grown state), then measure.
    run(&mut subscription, |m| publication.offer(m), 1_000);
    run(&mut subscription, |m| exclusive.offer(m), 1_000);
    let concurrent = run(&mut subscription, |m| publication.offer(m), MESSAGES);
    let single_writer = run(&mut subscription, |m| exclusive.offer(m), MESSAGES);
    let claims = run(
        &mut subscription,
        |m| {
            let mut claim = exclusive.try_claim(m.len())?;
            claim.payload_mut().copy_from_slice(m);
            let position = claim.position();
            claim.commit();
            Ok(position)
        },
        10_000,
    );
    assert_eq!((concurrent, single_writer, claims), (0, 0, 0), "allocations on the hot paths");
    // Nothing was left behind: both sessions were drained to their publishers' positions.
    let images = subscription.images();
    let positions: Vec<i64> = images.iter().map(|image| image.position()).collect();
    assert!(positions.contains(&publication.position()) && positions.contains(&exclusive.position()));

    // Wait until the counter really counts on this thread (it is this binary's global allocator).
    let (_, count) = CountingAllocator::count(|| std::hint::black_box(vec![0u8; 16]));
    assert_eq!(count, 1, "the counting allocator is installed");
}
