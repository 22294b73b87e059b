//! Several publisher threads on one `ConcurrentPublicationWriter` (and one exclusive writer on its own
//! thread) with a reader thread that cleans behind itself like the driver: no message may be lost,
//! duplicated, reordered within a publisher, or torn.

#![allow(clippy::disallowed_methods)] // threads and a wall-clock deadline are the point of these tests

extern crate fulmar_logbuffer as logbuffer;

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use common::{Conductor, Rng, check_message, fill_message, new_log, params};
use logbuffer::{
    ConcurrentPublicationWriter, ExclusivePublicationWriter, FragmentAssembler, Header, ImageReader,
    OfferError,
};
use proptest::prelude::*;

const DEADLINE: Duration = Duration::from_secs(20);

/// Offers until accepted; retries at once on AdminAction, yields on back pressure.
fn offer_until_accepted(
    mut offer: impl FnMut() -> Result<i64, OfferError>,
    conductor: &Conductor,
    deadline: Instant,
) {
    loop {
        match offer() {
            Ok(_) => return,
            Err(OfferError::AdminAction) => {
                assert!(Instant::now() < deadline, "publisher stuck rotating");
            }
            Err(OfferError::BackPressured) => {
                assert!(Instant::now() < deadline, "publisher stuck at limit {}", conductor.limit());
                thread::yield_now();
            }
            Err(other) => panic!("unexpected offer outcome {other:?}"),
        }
    }
}

/// Reads until every publisher's `count` messages arrived, checking order and content, cleaning behind.
fn read_everything(
    conductor: &Conductor,
    publishers: usize,
    counts: &[u32],
    done: &AtomicBool,
    deadline: Instant,
) {
    let reader = ImageReader::new(conductor.log.clone());
    let mut assembler = FragmentAssembler::new(1024);
    let mut next = vec![0u32; publishers];
    let total: u64 = counts.iter().map(|&c| c as u64).sum();
    let mut received = 0u64;
    while received < total {
        let read = reader.poll(
            &conductor.subscriber_position,
            &mut |fragment: &[u8], header: &Header| {
                assembler.on_fragment(fragment, header, &mut |message: &[u8], _: &Header| {
                    let (publisher, sequence) = check_message(message);
                    let publisher = publisher as usize;
                    assert!(publisher < publishers, "unknown publisher {publisher}");
                    assert_eq!(
                        sequence, next[publisher],
                        "publisher {publisher}: lost, duplicated or reordered"
                    );
                    next[publisher] += 1;
                    received += 1;
                });
            },
            16,
        );
        conductor.duty_cycle();
        assert!(Instant::now() < deadline, "reader stuck: received {received} of {total}");
        if read == 0 {
            thread::yield_now();
        }
    }
    assert_eq!(next, counts);
    done.store(true, Ordering::Release);
}

fn run_concurrent(publishers: usize, counts: Vec<u32>, max_length: usize, seed: u64) {
    let log = new_log(&params(seed as i32));
    let conductor = Conductor::new(log.clone());
    let writer = ConcurrentPublicationWriter::new(log.clone());
    let done = AtomicBool::new(false);
    let deadline = Instant::now() + DEADLINE;
    thread::scope(|scope| {
        for (publisher, &count) in counts.iter().enumerate() {
            let writer = &writer;
            let conductor = &conductor;
            scope.spawn(move || {
                let mut rng = Rng::new(seed ^ ((publisher as u64 + 1) * 0x51));
                let mut message = Vec::new();
                for sequence in 0..count {
                    fill_message(&mut message, publisher as u32, sequence, rng.range(8, max_length));
                    offer_until_accepted(|| writer.offer(conductor.limit(), &message), conductor, deadline);
                }
            });
        }
        read_everything(&conductor, publishers, &counts, &done, deadline);
    });
    assert!(done.load(Ordering::Acquire));
    assert_eq!(conductor.subscriber_position.load(Ordering::Relaxed), log.producer_position());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, max_shrink_iters: 0, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn concurrent_publishers_lose_duplicate_and_tear_nothing(
        counts in proptest::collection::vec(100u32..1500, 2..=4),
        max_length in prop_oneof![Just(64usize), Just(1400usize), Just(8192usize)],
        seed in any::<u64>(),
    ) {
        let publishers = counts.len();
        run_concurrent(publishers, counts, max_length, seed);
    }
}

#[test]
fn three_publishers_with_fragmented_messages() {
    run_concurrent(3, vec![2000, 2000, 2000], 8192, 12345);
}

#[test]
fn exclusive_writer_on_its_own_thread_with_a_concurrent_reader() {
    let log = new_log(&params(-3));
    let conductor = Conductor::new(log.clone());
    let mut writer = ExclusivePublicationWriter::new(log.clone());
    let done = AtomicBool::new(false);
    let deadline = Instant::now() + DEADLINE;
    let count = 20_000u32;
    thread::scope(|scope| {
        let conductor_ref = &conductor;
        scope.spawn(move || {
            let mut rng = Rng::new(77);
            let mut message = Vec::new();
            for sequence in 0..count {
                fill_message(&mut message, 0, sequence, rng.range(8, 3000));
                offer_until_accepted(
                    || writer.offer(conductor_ref.limit(), &message),
                    conductor_ref,
                    deadline,
                );
            }
        });
        read_everything(&conductor, 1, &[count], &done, deadline);
    });
    assert!(log.metadata().active_term_count() > 50);
}
