//! Shared helpers for the logbuffer integration tests: building logs, a tiny deterministic RNG, message
//! patterns, and a stand-in for the driver's duties (publication limit, cleaning behind the reader).

#![allow(dead_code)]

use std::sync::atomic::{AtomicI64, Ordering};

use agrona::AtomicBuffer;
use logbuffer::{LogBuffer, LogParams, clean_buffer_to, compute_log_length};

pub const TERM_LENGTH: i32 = 64 * 1024;
pub const MTU: i32 = 1408;
pub const SESSION_ID: i32 = 1001;
pub const STREAM_ID: i32 = 100;

/// A fresh, initialised log.
pub fn new_log(params: &LogParams) -> LogBuffer {
    let buffer = AtomicBuffer::heap(compute_log_length(params.term_length, params.page_size));
    LogBuffer::initialize(buffer, params).expect("valid log params")
}

/// Params for a 64 KiB-term log with the given initial term id.
pub fn params(initial_term_id: i32) -> LogParams {
    LogParams::new(TERM_LENGTH, MTU, initial_term_id, SESSION_ID, STREAM_ID)
}

/// xorshift64*: deterministic test randomness.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `[low, high]`.
    pub fn range(&mut self, low: usize, high: usize) -> usize {
        low + (self.next_u64() % (high - low + 1) as u64) as usize
    }
}

/// The byte at `index` of message (`publisher`, `sequence`).
#[inline]
pub fn pattern_byte(publisher: u32, sequence: u32, index: usize) -> u8 {
    (publisher.wrapping_mul(31).wrapping_add(sequence.wrapping_mul(7)).wrapping_add(index as u32 * 13) >> 1)
        as u8
}

/// Writes message (`publisher`, `sequence`) of `length >= 8` bytes into `out`.
pub fn fill_message(out: &mut Vec<u8>, publisher: u32, sequence: u32, length: usize) {
    assert!(length >= 8);
    out.clear();
    out.extend_from_slice(&publisher.to_le_bytes());
    out.extend_from_slice(&sequence.to_le_bytes());
    for index in 8..length {
        out.push(pattern_byte(publisher, sequence, index));
    }
}

/// Checks a received message; returns (`publisher`, `sequence`).
pub fn check_message(message: &[u8]) -> (u32, u32) {
    assert!(message.len() >= 8, "message too short: {}", message.len());
    let publisher = u32::from_le_bytes(message[0..4].try_into().unwrap());
    let sequence = u32::from_le_bytes(message[4..8].try_into().unwrap());
    for (index, byte) in message.iter().enumerate().skip(8) {
        assert_eq!(
            *byte,
            pattern_byte(publisher, sequence, index),
            "torn message {publisher}/{sequence} at byte {index}"
        );
    }
    (publisher, sequence)
}

/// What the driver does for one publication with one subscriber: publishes the limit
/// (`subscriber + window`) and zeroes terms a whole term behind the subscriber.
pub struct Conductor {
    pub log: LogBuffer,
    pub subscriber_position: AtomicI64,
    pub publication_limit: AtomicI64,
    clean_position: AtomicI64,
    window: i64,
}

impl Conductor {
    pub fn new(log: LogBuffer) -> Self {
        let start = log.producer_position();
        let window = (log.term_length() / 2) as i64;
        log.metadata().set_is_connected(true);
        Self {
            log,
            subscriber_position: AtomicI64::new(start),
            publication_limit: AtomicI64::new(start + window),
            clean_position: AtomicI64::new(start),
            window,
        }
    }

    pub fn limit(&self) -> i64 {
        self.publication_limit.load(Ordering::Acquire)
    }

    /// Clean behind the subscriber, then raise the limit (in that order, as the driver).
    /// Only one thread may run duty cycles.
    pub fn duty_cycle(&self) {
        let subscriber = self.subscriber_position.load(Ordering::Acquire);
        let target = subscriber - self.log.term_length() as i64;
        let mut clean_position = self.clean_position.load(Ordering::Relaxed);
        loop {
            let next = clean_buffer_to(&self.log, clean_position, target);
            if next == clean_position {
                break;
            }
            clean_position = next;
        }
        self.clean_position.store(clean_position, Ordering::Relaxed);
        self.publication_limit.store(subscriber + self.window, Ordering::Release);
    }

    pub fn clean_position(&self) -> i64 {
        self.clean_position.load(Ordering::Relaxed)
    }
}
