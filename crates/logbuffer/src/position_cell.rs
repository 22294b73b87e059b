//! [`PositionCell`]: the position counter an [`crate::ImageReader`] reads and advances (Aeron's subscriber
//! `Position`), so the reader works with `agrona::AtomicCounter` or any other 64-bit cell.
//!
//! Invariant: a reader is the only writer of its position cell; `get` may therefore be a plain load, and
//! `set_ordered` must be a release store so that the driver (which reads the cell to find the slowest
//! consumer and clean behind it) never sees a position before the reads that led to it are complete.

use std::sync::atomic::{AtomicI64, Ordering};

/// A single-writer 64-bit position cell.
pub trait PositionCell {
    /// The current value (the owner's own last store).
    fn get(&self) -> i64;
    /// Stores `value` with release ordering.
    fn set_ordered(&self, value: i64);
}

impl PositionCell for AtomicI64 {
    #[inline]
    fn get(&self) -> i64 {
        self.load(Ordering::Relaxed)
    }

    #[inline]
    fn set_ordered(&self, value: i64) {
        self.store(value, Ordering::Release)
    }
}

impl PositionCell for agrona::AtomicCounter {
    #[inline]
    fn get(&self) -> i64 {
        agrona::AtomicCounter::get(self)
    }

    #[inline]
    fn set_ordered(&self, value: i64) {
        agrona::AtomicCounter::set_ordered(self, value)
    }
}
