//! Baselines measured in the same run as each benchmark, on the same two threads, so that the reported
//! figure is a ratio that survives a noisy shared machine (DESIGN.md, Measuring).
//!
//! - [`cache_line_ping_pong`]: the floor for any inter-thread round trip: two threads bounce a counter
//!   through two cache lines.
//! - [`spsc_throughput`]: the bare form of a log buffer: a single-producer single-consumer ring of fixed
//!   64-byte slots, each published by a sequence word, with no framing, fragmentation or rotation.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::Instant;

use agrona::AtomicBuffer;
use hdrhistogram::Histogram;

use super::report::new_latency_histogram;

#[repr(align(128))]
struct PaddedU64(AtomicU64);

/// Round-trip latency of a bare cache-line ping-pong between two threads: `warmup` then `count` samples.
pub fn cache_line_ping_pong(warmup: u64, count: u64) -> Histogram<u64> {
    let ping = Arc::new(PaddedU64(AtomicU64::new(0)));
    let pong = Arc::new(PaddedU64(AtomicU64::new(0)));
    let total = warmup + count;
    let ponger = {
        let (ping, pong) = (Arc::clone(&ping), Arc::clone(&pong));
        thread::spawn(move || {
            for sequence in 1..=total {
                while ping.0.load(Ordering::Acquire) != sequence {
                    std::hint::spin_loop();
                }
                pong.0.store(sequence, Ordering::Release);
            }
        })
    };
    let mut histogram = new_latency_histogram();
    for sequence in 1..=total {
        let start = Instant::now();
        ping.0.store(sequence, Ordering::Release);
        while pong.0.load(Ordering::Acquire) != sequence {
            std::hint::spin_loop();
        }
        let elapsed_ns = start.elapsed().as_nanos() as u64;
        if sequence > warmup {
            histogram.record(elapsed_ns.max(1)).expect("latency in histogram range");
        }
    }
    ponger.join().expect("ponger thread");
    histogram
}

const SLOT_LENGTH: usize = 64;
const RING_SLOTS: usize = 1 << 16;

struct SpscRing {
    slots: AtomicBuffer,
    head: PaddedU64,
}

/// Messages per second through a bare single-producer single-consumer ring of 64-byte slots carrying
/// `size`-byte payloads (clamped to 56 bytes): the bare form of a log buffer. Each slot starts with a
/// sequence word the producer stores with release after the payload; the consumer spins on that word
/// (no shared tail), and publishes its head once per batch so the producer knows which slots are free.
pub fn spsc_throughput(size: usize, messages: u64) -> f64 {
    let size = size.clamp(1, SLOT_LENGTH - 8);
    let ring = Arc::new(SpscRing {
        slots: AtomicBuffer::heap(SLOT_LENGTH * RING_SLOTS),
        head: PaddedU64(AtomicU64::new(0)),
    });
    let started = Arc::new(AtomicBool::new(false));
    let consumer = {
        let ring = Arc::clone(&ring);
        let started = Arc::clone(&started);
        thread::spawn(move || {
            started.store(true, Ordering::Release);
            let mut head = 0u64;
            let mut checksum = 0u64;
            while head < messages {
                let batch_start = head;
                loop {
                    let slot = (head as usize & (RING_SLOTS - 1)) * SLOT_LENGTH;
                    let stamp = ring.slots.get_i64_volatile(slot);
                    if stamp != head as i64 + 1 {
                        break;
                    }
                    checksum = checksum.wrapping_add(ring.slots.get_u8(slot + 8) as u64);
                    head += 1;
                    if head - batch_start == 256 || head == messages {
                        break;
                    }
                }
                if head != batch_start {
                    ring.head.0.store(head, Ordering::Release);
                } else {
                    std::hint::spin_loop();
                }
            }
            checksum
        })
    };
    while !started.load(Ordering::Acquire) {
        std::hint::spin_loop();
    }
    let payload = vec![7u8; size];
    let start = Instant::now();
    let mut head_cache = 0u64;
    for tail in 0..messages {
        while tail - head_cache >= RING_SLOTS as u64 {
            head_cache = ring.head.0.load(Ordering::Acquire);
            std::hint::spin_loop();
        }
        let slot = (tail as usize & (RING_SLOTS - 1)) * SLOT_LENGTH;
        // The slot belongs to the producer until its stamp is published (release below).
        ring.slots.put_bytes(slot + 8, &payload);
        ring.slots.put_i64_ordered(slot, tail as i64 + 1);
    }
    let checksum = consumer.join().expect("consumer thread");
    let elapsed = start.elapsed().as_secs_f64();
    assert_eq!(checksum, 7 * messages, "baseline checksum: a message was lost or torn");
    messages as f64 / elapsed
}
