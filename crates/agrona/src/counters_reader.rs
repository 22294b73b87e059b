//! [`CountersReader`]: reads counters (values and metadata, layout in [`crate::counters_descriptor`])
//! allocated by a [`crate::CountersManager`], possibly in another process.
//!
//! Invariants: the reader never writes; it never panics and never reads outside the two buffers whatever
//! they hold: ids outside `0..=max_counter_id()` read as an unused, zeroed record, label lengths are
//! clamped to `0..=MAX_LABEL_LENGTH` and labels are decoded lossily.

use crate::atomic_buffer::AtomicBuffer;
use crate::atomic_counter::AtomicCounter;
use crate::counters_descriptor::{
    COUNTER_LENGTH, COUNTER_VALUE_OFFSET, DEFAULT_OWNER_ID, DEFAULT_REFERENCE_ID, DEFAULT_REGISTRATION_ID,
    FREE_FOR_REUSE_DEADLINE_OFFSET, KEY_OFFSET, LABEL_LENGTH_OFFSET, LABEL_OFFSET, MAX_KEY_LENGTH,
    MAX_LABEL_LENGTH, METADATA_LENGTH, OWNER_ID_OFFSET, RECORD_ALLOCATED, RECORD_UNUSED, REFERENCE_ID_OFFSET,
    REGISTRATION_ID_OFFSET, STATE_OFFSET, TYPE_ID_OFFSET, counter_offset, metadata_offset,
};

/// A read-only view of a counters metadata buffer and values buffer.
///
/// How to drive it: build it over the same memory the manager writes (for example the CnC's counter
/// buffers), then look counters up with [`for_each`](Self::for_each) or
/// [`find_by_type_id_and_registration_id`](Self::find_by_type_id_and_registration_id) and read them.
/// Cheap to clone (views of the same memory).
#[derive(Debug, Clone)]
pub struct CountersReader {
    metadata: AtomicBuffer,
    values: AtomicBuffer,
    max_counter_id: i32,
}

impl CountersReader {
    /// A reader over `metadata` and `values`. The highest id is bounded by both buffers' lengths.
    ///
    /// Panics if either buffer is not 8-byte aligned (a programmer error: both come from page-aligned
    /// memory at 8-aligned offsets).
    pub fn new(metadata: AtomicBuffer, values: AtomicBuffer) -> Self {
        assert!(
            metadata.address().is_multiple_of(8) && values.address().is_multiple_of(8),
            "counters buffers must be 8-byte aligned"
        );
        let count = (values.capacity() / COUNTER_LENGTH).min(metadata.capacity() / METADATA_LENGTH);
        let max_counter_id = count.min(i32::MAX as usize) as i32 - 1;
        Self { metadata, values, max_counter_id }
    }

    /// The metadata buffer.
    pub fn metadata_buffer(&self) -> &AtomicBuffer {
        &self.metadata
    }

    /// The values buffer.
    pub fn values_buffer(&self) -> &AtomicBuffer {
        &self.values
    }

    /// The highest counter id these buffers can hold (-1 if none).
    pub fn max_counter_id(&self) -> i32 {
        self.max_counter_id
    }

    /// True if `counter_id` is within `0..=max_counter_id()`.
    pub fn is_valid_counter_id(&self, counter_id: i32) -> bool {
        (0..=self.max_counter_id).contains(&counter_id)
    }

    fn metadata_i64(&self, counter_id: i32, field: usize, default: i64) -> i64 {
        if self.is_valid_counter_id(counter_id) {
            self.metadata.get_i64_volatile(metadata_offset(counter_id) + field)
        } else {
            default
        }
    }

    fn value_i64(&self, counter_id: i32, field: usize, default: i64) -> i64 {
        if self.is_valid_counter_id(counter_id) {
            self.values.get_i64_volatile(counter_offset(counter_id) + field)
        } else {
            default
        }
    }

    /// The record state ([`crate::RECORD_UNUSED`], [`crate::RECORD_ALLOCATED`],
    /// [`crate::RECORD_RECLAIMED`], or garbage) with acquire semantics.
    pub fn counter_state(&self, counter_id: i32) -> i32 {
        if self.is_valid_counter_id(counter_id) {
            self.metadata.get_i32_volatile(metadata_offset(counter_id) + STATE_OFFSET)
        } else {
            RECORD_UNUSED
        }
    }

    /// The counter's type id (0 for an invalid id).
    pub fn counter_type_id(&self, counter_id: i32) -> i32 {
        if self.is_valid_counter_id(counter_id) {
            self.metadata.get_i32(metadata_offset(counter_id) + TYPE_ID_OFFSET)
        } else {
            0
        }
    }

    /// The counter's value (acquire load; 0 for an invalid id).
    pub fn counter_value(&self, counter_id: i32) -> i64 {
        self.value_i64(counter_id, COUNTER_VALUE_OFFSET, 0)
    }

    /// The registration id of the counter's owner resource (acquire load).
    pub fn counter_registration_id(&self, counter_id: i32) -> i64 {
        self.value_i64(counter_id, REGISTRATION_ID_OFFSET, DEFAULT_REGISTRATION_ID)
    }

    /// The id of the client that owns the counter (acquire load).
    pub fn counter_owner_id(&self, counter_id: i32) -> i64 {
        self.value_i64(counter_id, OWNER_ID_OFFSET, DEFAULT_OWNER_ID)
    }

    /// The reference id the counter points at (acquire load).
    pub fn counter_reference_id(&self, counter_id: i32) -> i64 {
        self.value_i64(counter_id, REFERENCE_ID_OFFSET, DEFAULT_REFERENCE_ID)
    }

    /// The epoch time (ms) after which a freed counter may be reused (`i64::MAX` while allocated).
    pub fn free_for_reuse_deadline_ms(&self, counter_id: i32) -> i64 {
        self.metadata_i64(counter_id, FREE_FOR_REUSE_DEADLINE_OFFSET, 0)
    }

    /// The counter's label (empty for an invalid id; invalid UTF-8 replaced).
    pub fn counter_label(&self, counter_id: i32) -> String {
        let mut label = [0u8; MAX_LABEL_LENGTH];
        let length = self.label_into(counter_id, &mut label);
        String::from_utf8_lossy(&label[..length]).into_owned()
    }

    /// Copies the label bytes into `dst`; returns their length (clamped to `0..=MAX_LABEL_LENGTH`).
    fn label_into(&self, counter_id: i32, dst: &mut [u8; MAX_LABEL_LENGTH]) -> usize {
        if !self.is_valid_counter_id(counter_id) {
            return 0;
        }
        let offset = metadata_offset(counter_id);
        let length =
            self.metadata.get_i32_volatile(offset + LABEL_LENGTH_OFFSET).clamp(0, MAX_LABEL_LENGTH as i32);
        let length = length as usize;
        self.metadata.get_bytes(offset + LABEL_OFFSET, &mut dst[..length]);
        length
    }

    /// The counter's whole key area (112 bytes; empty for an invalid id).
    pub fn counter_key(&self, counter_id: i32) -> Vec<u8> {
        if !self.is_valid_counter_id(counter_id) {
            return Vec::new();
        }
        let mut key = vec![0u8; MAX_KEY_LENGTH];
        self.metadata.get_bytes(metadata_offset(counter_id) + KEY_OFFSET, &mut key);
        key
    }

    /// The value cell of `counter_id`. Panics if the id is outside `0..=max_counter_id()`; use
    /// [`try_counter`](Self::try_counter) for ids that came from another process.
    pub fn counter(&self, counter_id: i32) -> AtomicCounter {
        assert!(self.is_valid_counter_id(counter_id), "counter id {counter_id} out of range");
        AtomicCounter::new(self.values.clone(), counter_id)
    }

    /// The value cell of `counter_id`, or `None` if the id is out of range.
    pub fn try_counter(&self, counter_id: i32) -> Option<AtomicCounter> {
        self.is_valid_counter_id(counter_id).then(|| AtomicCounter::new(self.values.clone(), counter_id))
    }

    /// Calls `f(counter_id, type_id, key, label)` for every allocated counter, in id order, stopping at the
    /// first never-used record. The key is the whole 112-byte key area.
    pub fn for_each(&self, mut f: impl FnMut(i32, i32, &[u8], &str)) {
        let mut key = [0u8; MAX_KEY_LENGTH];
        let mut label = [0u8; MAX_LABEL_LENGTH];
        for counter_id in 0..=self.max_counter_id {
            match self.counter_state(counter_id) {
                RECORD_ALLOCATED => {
                    let offset = metadata_offset(counter_id);
                    let type_id = self.metadata.get_i32(offset + TYPE_ID_OFFSET);
                    self.metadata.get_bytes(offset + KEY_OFFSET, &mut key);
                    let length = self.label_into(counter_id, &mut label);
                    let text = String::from_utf8_lossy(&label[..length]);
                    f(counter_id, type_id, &key, &text);
                }
                RECORD_UNUSED => break,
                _ => {}
            }
        }
    }

    /// The id of the allocated counter of type `type_id` whose registration id is `registration_id`.
    pub fn find_by_type_id_and_registration_id(&self, type_id: i32, registration_id: i64) -> Option<i32> {
        for counter_id in 0..=self.max_counter_id {
            match self.counter_state(counter_id) {
                RECORD_ALLOCATED
                    if self.counter_type_id(counter_id) == type_id
                        && self.counter_registration_id(counter_id) == registration_id =>
                {
                    return Some(counter_id);
                }
                RECORD_UNUSED => break,
                _ => {}
            }
        }
        None
    }
}
