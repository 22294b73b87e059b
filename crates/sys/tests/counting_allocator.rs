//! The counting allocator, installed as this test binary's global allocator.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use fulmar_sys::CountingAllocator;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::new();

#[test]
fn counts_a_vec_allocation() {
    let (vec, allocations) = CountingAllocator::count(|| black_box(Vec::<u64>::with_capacity(16)));
    assert_eq!(allocations, 1);
    drop(vec);
    let before = CountingAllocator::thread_allocations();
    let boxed = black_box(Box::new(7_u64));
    assert_eq!(CountingAllocator::thread_allocations() - before, 1);
    drop(boxed);
}

#[test]
fn counts_growth_as_reallocation() {
    let mut vec: Vec<u8> = Vec::with_capacity(1);
    vec.push(1);
    let ((), allocations) = CountingAllocator::count(|| {
        for byte in 0..64 {
            vec.push(black_box(byte));
        }
    });
    assert!(allocations >= 1, "growing a Vec reallocates");
}

#[test]
fn arithmetic_loop_allocates_nothing() {
    let (sum, allocations) = CountingAllocator::count(|| {
        let mut sum = 0_u64;
        for i in 0..100_000_u64 {
            sum = sum.wrapping_add(black_box(i).wrapping_mul(31));
        }
        sum
    });
    assert_eq!(allocations, 0);
    assert_ne!(sum, 0);
}

#[test]
#[allow(clippy::disallowed_methods)]
fn other_threads_allocations_are_not_counted_here() {
    let start = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicBool::new(false));
    let (thread_start, thread_done) = (Arc::clone(&start), Arc::clone(&done));
    let handle = std::thread::spawn(move || {
        while !thread_start.load(Ordering::Acquire) {
            std::thread::yield_now();
        }
        let ((), allocations) = CountingAllocator::count(|| {
            for i in 0..1_000_u64 {
                drop(black_box(Box::new(i)));
            }
        });
        thread_done.store(true, Ordering::Release);
        allocations
    });
    let ((), here) = CountingAllocator::count(|| {
        start.store(true, Ordering::Release);
        while !done.load(Ordering::Acquire) {
            std::thread::yield_now();
        }
    });
    assert_eq!(handle.join().expect("thread"), 1_000, "the other thread counts its own allocations");
    assert_eq!(here, 0, "allocations of another thread are not counted on this one");
}
