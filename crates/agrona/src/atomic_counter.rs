//! [`AtomicCounter`]: the 8-byte value cell of one counter in a counters values buffer (layout in
//! [`crate::counters_descriptor`]).
//!
//! Invariants: the cell is 8-aligned (the values buffer is asserted 8-aligned and slots are 128 bytes), so
//! every access is a real atomic; `get`/`get_volatile` are acquire loads, `set_ordered` a release store,
//! `set`/`set_volatile` sequentially consistent stores. The `*_ordered` read-modify-writes assume a single
//! writer, as in Agrona.

use crate::atomic_buffer::AtomicBuffer;
use crate::counters_descriptor::{COUNTER_LENGTH, counter_offset};

/// A shared `i64` counter value, visible to other threads and processes through the values buffer.
///
/// How to drive it: obtain it from [`crate::CountersManager::counter`] or
/// [`crate::CountersReader::counter`] (or [`AtomicCounter::new`]) and read or update it; clones refer to
/// the same cell. Never allocates or locks.
#[derive(Debug, Clone)]
pub struct AtomicCounter {
    values: AtomicBuffer,
    offset: usize,
    id: i32,
}

impl AtomicCounter {
    /// The value cell of counter `counter_id` in `values`.
    ///
    /// Panics if the slot lies outside `values` or `values` is not 8-byte aligned (programmer errors).
    pub fn new(values: AtomicBuffer, counter_id: i32) -> Self {
        assert!(counter_id >= 0, "invalid counter id {counter_id}");
        let offset = counter_offset(counter_id);
        assert!(
            offset.checked_add(COUNTER_LENGTH).is_some_and(|end| end <= values.capacity()),
            "counter id {counter_id} outside a values buffer of {} bytes",
            values.capacity()
        );
        assert!(values.address().is_multiple_of(8), "counters values buffer must be 8-byte aligned");
        Self { values, offset, id: counter_id }
    }

    /// The counter id.
    pub fn id(&self) -> i32 {
        self.id
    }

    /// The value (acquire load).
    pub fn get(&self) -> i64 {
        self.values.get_i64_volatile(self.offset)
    }

    /// The value (acquire load); same as [`get`](Self::get), named as Agrona.
    pub fn get_volatile(&self) -> i64 {
        self.values.get_i64_volatile(self.offset)
    }

    /// Sets the value (sequentially consistent store).
    pub fn set(&self, value: i64) {
        self.values.put_i64_volatile(self.offset, value);
    }

    /// Sets the value with release semantics (cheaper; enough to publish to readers).
    pub fn set_ordered(&self, value: i64) {
        self.values.put_i64_ordered(self.offset, value);
    }

    /// Sets the value (sequentially consistent store).
    pub fn set_volatile(&self, value: i64) {
        self.values.put_i64_volatile(self.offset, value);
    }

    /// Atomically adds one; returns the previous value. Safe with many writers.
    pub fn increment(&self) -> i64 {
        self.values.get_and_add_i64(self.offset, 1)
    }

    /// Adds one with a release store; returns the previous value. Single writer only.
    pub fn increment_ordered(&self) -> i64 {
        self.values.add_i64_ordered(self.offset, 1)
    }

    /// Atomically adds `delta`; returns the previous value. Safe with many writers.
    pub fn get_and_add(&self, delta: i64) -> i64 {
        self.values.get_and_add_i64(self.offset, delta)
    }

    /// Adds `delta` with a release store; returns the previous value. Single writer only.
    pub fn get_and_add_ordered(&self, delta: i64) -> i64 {
        self.values.add_i64_ordered(self.offset, delta)
    }

    /// Atomically replaces `expected` with `update`; true if it did.
    pub fn compare_and_set(&self, expected: i64, update: i64) -> bool {
        self.values.compare_and_set_i64(self.offset, expected, update)
    }

    /// Sets the value to `proposed` (release) if it is greater than the current one; true if it did.
    /// Single writer only.
    pub fn propose_max_ordered(&self, proposed: i64) -> bool {
        if self.values.get_i64_volatile(self.offset) < proposed {
            self.values.put_i64_ordered(self.offset, proposed);
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_update_the_shared_cell() {
        let values = AtomicBuffer::heap(4 * COUNTER_LENGTH);
        let counter = AtomicCounter::new(values.clone(), 2);
        assert_eq!(counter.id(), 2);
        counter.set(10);
        assert_eq!(values.get_i64(256), 10);
        assert_eq!(counter.increment(), 10);
        assert_eq!(counter.increment_ordered(), 11);
        assert_eq!(counter.get_and_add(5), 12);
        assert_eq!(counter.get_and_add_ordered(-7), 17);
        assert_eq!(counter.get(), 10);
        assert!(!counter.propose_max_ordered(9));
        assert!(counter.propose_max_ordered(11));
        assert_eq!(counter.clone().get_volatile(), 11, "clones share the cell");
        counter.set_ordered(-1);
        assert_eq!(counter.get(), -1);
        counter.set_volatile(3);
        assert!(counter.compare_and_set(3, 4));
        assert!(!counter.compare_and_set(3, 5));
        assert_eq!(values.get_i64(256), 4);
        assert_eq!(values.get_i64(128), 0, "neighbours untouched");
    }

    #[test]
    #[should_panic(expected = "outside a values buffer")]
    fn out_of_range_id_is_a_bug() {
        AtomicCounter::new(AtomicBuffer::heap(2 * COUNTER_LENGTH), 2);
    }
}
