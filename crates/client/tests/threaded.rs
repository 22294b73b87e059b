//! The client against the real driver crate with threads: the driver conductor and the client conductor
//! each run on a `sys::AgentRunner` thread with back-off idling and real clocks, publishers run on their
//! own threads. Busy threads never outnumber the two cores for long (every waiting loop backs off) and
//! every wait has a deadline.

#![allow(clippy::disallowed_methods)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use agrona::IdleStrategy;
use common::{Threaded, check_payload, payload, wait_for};
use fulmar_client::{FragmentAssembler, Header, OfferError, Publication, Subscription};
use proptest::prelude::*;
use sys::BackoffIdleStrategy;

const TIMEOUT: Duration = Duration::from_secs(10);

/// The tests of this binary run one at a time: each starts several threads, and the machine has two cores.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Offers until accepted, backing off while back-pressured; panics after [`TIMEOUT`].
fn offer_blocking(publication: &Publication, message: &[u8]) -> i64 {
    let deadline = Instant::now() + TIMEOUT;
    let mut idle = BackoffIdleStrategy::default();
    loop {
        match publication.offer(message) {
            Ok(position) => return position,
            Err(OfferError::BackPressured | OfferError::NotConnected | OfferError::AdminAction) => {
                assert!(Instant::now() < deadline, "offer not accepted within {TIMEOUT:?}");
                idle.idle(0);
            }
            Err(other) => panic!("offer failed: {other}"),
        }
    }
}

/// Polls `subscription` (reassembling) until `expected` messages arrived, backing off when idle.
fn receive(subscription: &mut Subscription, expected: usize, mut on_message: impl FnMut(&[u8])) {
    let deadline = Instant::now() + TIMEOUT;
    let mut idle = BackoffIdleStrategy::default();
    let mut assembler = FragmentAssembler::new(4096);
    let mut received = 0;
    while received < expected {
        let fragments = subscription.poll(
            &mut |fragment: &[u8], header: &Header| {
                assembler.on_fragment(fragment, header, &mut |message: &[u8], _: &Header| {
                    on_message(message);
                    received += 1;
                });
            },
            256,
        );
        if Instant::now() >= deadline {
            let state: Vec<String> = subscription
                .images()
                .iter()
                .map(|image| format!("image session {} position {}", image.session_id(), image.position()))
                .collect();
            panic!("received {received} of {expected} within {TIMEOUT:?}: {state:?}");
        }
        idle.idle(fragments);
    }
}

#[test]
fn threaded_ipc_exchange() {
    let _serial = serial();
    let threaded = Threaded::new();
    let aeron = &threaded.aeron;
    let mut subscription = aeron.add_subscription("aeron:ipc", 2001).unwrap();
    let publication = aeron.add_publication("aeron:ipc", 2001).unwrap();
    wait_for(TIMEOUT, || (subscription.image_count() == 1 && publication.is_connected()).then_some(()));

    let count = 20_000u32;
    let publisher = {
        let publication = publication.clone();
        thread::spawn(move || {
            for sequence in 0..count {
                offer_blocking(&publication, &payload(1, sequence, 16 + (sequence as usize % 300)));
            }
        })
    };
    let mut next = 0u32;
    receive(&mut subscription, count as usize, |message| {
        assert_eq!(check_payload(message), (1, next));
        next += 1;
    });
    publisher.join().unwrap();
    assert_eq!(subscription.images()[0].position(), publication.position());
}

#[test]
fn threaded_unavailable_image_after_publication_close_and_linger() {
    let _serial = serial();
    let threaded = Threaded::new();
    let aeron = &threaded.aeron;
    let unavailable = Arc::new(AtomicUsize::new(0));
    let available = Arc::new(AtomicUsize::new(0));
    let (on_available, on_unavailable) = (Arc::clone(&available), Arc::clone(&unavailable));
    let mut subscription = aeron
        .add_subscription_with_handlers(
            "aeron:ipc",
            2002,
            Box::new(move |_| {
                on_available.fetch_add(1, Ordering::SeqCst);
            }),
            Box::new(move |image| {
                assert!(image.is_closed());
                on_unavailable.fetch_add(1, Ordering::SeqCst);
            }),
        )
        .unwrap();
    let publication = aeron.add_publication("aeron:ipc", 2002).unwrap();
    wait_for(TIMEOUT, || (available.load(Ordering::SeqCst) == 1).then_some(()));
    offer_blocking(&publication, &payload(2, 0, 64));
    receive(&mut subscription, 1, |message| assert_eq!(check_payload(message), (2, 0)));
    publication.close();
    wait_for(TIMEOUT, || (unavailable.load(Ordering::SeqCst) == 1).then_some(()));
    assert_eq!(subscription.image_count(), 0);
}

#[test]
fn threaded_client_close_frees_the_publication_for_other_clients() {
    let _serial = serial();
    let threaded = Threaded::new();
    let owner = fulmar_client::Aeron::connect(Threaded::client_context(&threaded.store)).unwrap();
    let publication = owner.add_publication("aeron:ipc", 2003).unwrap();
    let mut watcher = threaded.aeron.add_subscription("aeron:ipc", 2003).unwrap();
    wait_for(TIMEOUT, || (watcher.image_count() == 1).then_some(()));
    let limit_id = publication.publication_limit_id();
    let reader = threaded.aeron.counters_reader();
    assert_eq!(reader.counter_state(limit_id), agrona::RECORD_ALLOCATED);
    owner.close();
    assert_eq!(publication.offer(b"x"), Err(OfferError::Closed));
    wait_for(TIMEOUT, || (watcher.image_count() == 0).then_some(()));
    wait_for(TIMEOUT, || (reader.counter_state(limit_id) != agrona::RECORD_ALLOCATED).then_some(()));
}

/// Runs `publishers` threads offering `per_publisher` messages of `min_length..=max_length` bytes on one
/// shared `Publication`, and checks on the subscriber that nothing is lost, duplicated, reordered per
/// publisher or torn.
fn concurrent_publishers(
    publishers: u32,
    per_publisher: u32,
    min_length: usize,
    max_length: usize,
    seed: u64,
) {
    let _serial = serial();
    let threaded = Threaded::new();
    let aeron = &threaded.aeron;
    let mut subscription = aeron.add_subscription("aeron:ipc?term-length=256k", 2004).unwrap();
    let publication = aeron.add_publication("aeron:ipc?term-length=256k", 2004).unwrap();
    wait_for(TIMEOUT, || (subscription.image_count() == 1 && publication.is_connected()).then_some(()));
    let span = (max_length - min_length + 1) as u64;
    let handles: Vec<_> = (0..publishers)
        .map(|source| {
            let publication = publication.clone();
            thread::spawn(move || {
                let mut prng = agrona::Prng::from_seed(seed ^ u64::from(source));
                for sequence in 0..per_publisher {
                    let length = min_length + prng.gen_range(0..span) as usize;
                    offer_blocking(&publication, &payload(source, sequence, length));
                }
            })
        })
        .collect();
    let next = Mutex::new(vec![0u32; publishers as usize]);
    receive(&mut subscription, (publishers * per_publisher) as usize, |message| {
        let (source, sequence) = check_payload(message);
        let mut next = next.lock().unwrap();
        assert_eq!(sequence, next[source as usize], "publisher {source}: lost, duplicated or reordered");
        next[source as usize] += 1;
    });
    for handle in handles {
        handle.join().unwrap();
    }
    assert!(next.lock().unwrap().iter().all(|&n| n == per_publisher));
    // Nothing more arrives.
    thread::sleep(Duration::from_millis(20));
    assert_eq!(subscription.poll(&mut |_: &[u8], _: &Header| {}, 10), 0);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, max_shrink_iters: 0, ..ProptestConfig::default() })]

    #[test]
    fn concurrent_publishers_lose_duplicate_or_tear_nothing(
        publishers in 2u32..=3,
        per_publisher in 50u32..1_500,
        min_length in 8usize..200,
        extra_length in 0usize..5_000,
        seed in any::<u64>(),
    ) {
        concurrent_publishers(publishers, per_publisher, min_length, min_length + extra_length, seed);
    }
}
