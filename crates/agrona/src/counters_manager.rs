//! [`CountersManager`]: allocates and frees counters in Agrona's layout (see
//! [`crate::counters_descriptor`]); the single writer of the metadata buffer (Aeron's driver conductor).
//!
//! Invariants:
//! - one manager per pair of buffers, which start zero-filled;
//! - allocation writes type, reuse deadline (`i64::MAX`), key and label, then the state
//!   [`RECORD_ALLOCATED`] with release;
//! - a freed id is marked [`RECORD_RECLAIMED`], its key zeroed, and it is reused only once
//!   `now_ms >= free time + free_to_reuse_timeout_ms` (so readers still holding the id do not see a new
//!   counter under it too soon); a reused counter's value and ids are reset to zero before it is published.

use crate::atomic_buffer::AtomicBuffer;
use crate::atomic_counter::AtomicCounter;
use crate::counters_descriptor::{
    COUNTER_VALUE_OFFSET, CountersError, DEFAULT_OWNER_ID, DEFAULT_REFERENCE_ID, DEFAULT_REGISTRATION_ID,
    FREE_FOR_REUSE_DEADLINE_OFFSET, KEY_OFFSET, LABEL_LENGTH_OFFSET, LABEL_OFFSET, MAX_KEY_LENGTH,
    MAX_LABEL_LENGTH, NOT_FREE_TO_REUSE, OWNER_ID_OFFSET, RECORD_ALLOCATED, RECORD_RECLAIMED,
    REFERENCE_ID_OFFSET, REGISTRATION_ID_OFFSET, STATE_OFFSET, TYPE_ID_OFFSET, counter_offset,
    metadata_offset,
};
use crate::counters_reader::CountersReader;

/// Allocates, labels and frees counters.
///
/// How to drive it: [`allocate`](Self::allocate) a counter (passing the current epoch time), set its
/// registration/owner/reference ids, hand out [`counter`](Self::counter) cells to update it, and
/// [`free`](Self::free) it when the resource goes away. Readers in any process use a [`CountersReader`]
/// over the same memory ([`reader`](Self::reader) gives one).
#[derive(Debug)]
pub struct CountersManager {
    reader: CountersReader,
    free_to_reuse_timeout_ms: i64,
    id_high_water_mark: i32,
    free_list: Vec<i32>,
}

impl CountersManager {
    /// A manager over zero-filled `metadata` and `values` buffers; freed ids become reusable
    /// `free_to_reuse_timeout_ms` after being freed.
    ///
    /// Panics if either buffer is not 8-byte aligned.
    pub fn new(metadata: AtomicBuffer, values: AtomicBuffer, free_to_reuse_timeout_ms: i64) -> Self {
        Self {
            reader: CountersReader::new(metadata, values),
            free_to_reuse_timeout_ms,
            id_high_water_mark: -1,
            free_list: Vec::new(),
        }
    }

    /// A reader over the same memory.
    pub fn reader(&self) -> CountersReader {
        self.reader.clone()
    }

    /// The highest counter id the buffers can hold.
    pub fn max_counter_id(&self) -> i32 {
        self.reader.max_counter_id()
    }

    /// Number of freed ids not yet reused.
    pub fn free_list_len(&self) -> usize {
        self.free_list.len()
    }

    /// Allocates a counter of `type_id` with `key` (at most [`MAX_KEY_LENGTH`] bytes) and `label`
    /// (truncated to [`MAX_LABEL_LENGTH`] bytes at a character boundary) at epoch time `now_ms`; returns its
    /// id. The value and registration/owner/reference ids start at zero.
    pub fn allocate(
        &mut self,
        type_id: i32,
        key: &[u8],
        label: &str,
        now_ms: i64,
    ) -> Result<i32, CountersError> {
        if key.len() > MAX_KEY_LENGTH {
            return Err(CountersError::KeyTooLong(key.len()));
        }
        let counter_id = self.next_counter_id(now_ms)?;
        let metadata = self.reader.metadata_buffer();
        let offset = metadata_offset(counter_id);
        metadata.put_i32(offset + TYPE_ID_OFFSET, type_id);
        metadata.put_i64_ordered(offset + FREE_FOR_REUSE_DEADLINE_OFFSET, NOT_FREE_TO_REUSE);
        metadata.set_memory(offset + KEY_OFFSET, MAX_KEY_LENGTH, 0);
        metadata.put_bytes(offset + KEY_OFFSET, key);
        self.write_label(counter_id, label);
        metadata.put_i32_ordered(offset + STATE_OFFSET, RECORD_ALLOCATED);
        Ok(counter_id)
    }

    fn next_counter_id(&mut self, now_ms: i64) -> Result<i32, CountersError> {
        let metadata = self.reader.metadata_buffer();
        let reusable = self.free_list.iter().position(|&counter_id| {
            now_ms >= metadata.get_i64_volatile(metadata_offset(counter_id) + FREE_FOR_REUSE_DEADLINE_OFFSET)
        });
        if let Some(index) = reusable {
            let counter_id = self.free_list.remove(index);
            let values = self.reader.values_buffer();
            let offset = counter_offset(counter_id);
            values.put_i64_ordered(offset + REGISTRATION_ID_OFFSET, DEFAULT_REGISTRATION_ID);
            values.put_i64_ordered(offset + OWNER_ID_OFFSET, DEFAULT_OWNER_ID);
            values.put_i64_ordered(offset + REFERENCE_ID_OFFSET, DEFAULT_REFERENCE_ID);
            values.put_i64_ordered(offset + COUNTER_VALUE_OFFSET, 0);
            return Ok(counter_id);
        }
        if self.id_high_water_mark >= self.reader.max_counter_id() {
            return Err(CountersError::Full);
        }
        self.id_high_water_mark += 1;
        Ok(self.id_high_water_mark)
    }

    fn write_label(&self, counter_id: i32, label: &str) {
        let mut length = label.len().min(MAX_LABEL_LENGTH);
        while !label.is_char_boundary(length) {
            length -= 1;
        }
        let metadata = self.reader.metadata_buffer();
        let offset = metadata_offset(counter_id);
        metadata.put_bytes(offset + LABEL_OFFSET, &label.as_bytes()[..length]);
        metadata.put_i32_ordered(offset + LABEL_LENGTH_OFFSET, length as i32);
    }

    /// Replaces the label of an allocated counter (truncated as in [`allocate`](Self::allocate)).
    pub fn set_counter_label(&self, counter_id: i32, label: &str) {
        self.assert_allocated(counter_id);
        self.write_label(counter_id, label);
    }

    /// Appends `suffix` to the label of an allocated counter, as much as fits at a character boundary.
    pub fn append_to_label(&self, counter_id: i32, suffix: &str) {
        let current = self.reader.counter_label(counter_id);
        self.set_counter_label(counter_id, &(current + suffix));
    }

    /// Frees `counter_id` at epoch time `now_ms`: it becomes [`RECORD_RECLAIMED`] and reusable after the
    /// timeout. Returns false (and does nothing) if the id is out of range or not allocated.
    pub fn free(&mut self, counter_id: i32, now_ms: i64) -> bool {
        if self.reader.counter_state(counter_id) != RECORD_ALLOCATED {
            return false;
        }
        let metadata = self.reader.metadata_buffer();
        let offset = metadata_offset(counter_id);
        metadata.put_i32_ordered(offset + STATE_OFFSET, RECORD_RECLAIMED);
        metadata.set_memory(offset + KEY_OFFSET, MAX_KEY_LENGTH, 0);
        metadata.put_i64_ordered(
            offset + FREE_FOR_REUSE_DEADLINE_OFFSET,
            now_ms.saturating_add(self.free_to_reuse_timeout_ms),
        );
        self.free_list.push(counter_id);
        true
    }

    fn assert_allocated(&self, counter_id: i32) {
        assert!(
            self.reader.counter_state(counter_id) == RECORD_ALLOCATED,
            "counter {counter_id} is not allocated"
        );
    }

    /// The value cell of `counter_id`. Panics if the id is out of range.
    pub fn counter(&self, counter_id: i32) -> AtomicCounter {
        self.reader.counter(counter_id)
    }

    /// Sets the counter's value (release store).
    pub fn set_counter_value(&self, counter_id: i32, value: i64) {
        self.counter(counter_id).set_ordered(value);
    }

    fn put_value_field(&self, counter_id: i32, field: usize, value: i64) {
        assert!(self.reader.is_valid_counter_id(counter_id), "counter id {counter_id} out of range");
        self.reader.values_buffer().put_i64_ordered(counter_offset(counter_id) + field, value);
    }

    /// Sets the registration id of the resource the counter belongs to (release store).
    pub fn set_counter_registration_id(&self, counter_id: i32, id: i64) {
        self.put_value_field(counter_id, REGISTRATION_ID_OFFSET, id);
    }

    /// Sets the id of the client owning the counter (release store).
    pub fn set_counter_owner_id(&self, counter_id: i32, id: i64) {
        self.put_value_field(counter_id, OWNER_ID_OFFSET, id);
    }

    /// Sets the reference id the counter points at (release store).
    pub fn set_counter_reference_id(&self, counter_id: i32, id: i64) {
        self.put_value_field(counter_id, REFERENCE_ID_OFFSET, id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::counters_descriptor::{COUNTER_LENGTH, METADATA_LENGTH, NULL_COUNTER_ID, RECORD_UNUSED};
    use crate::memory::{HeapMemoryStore, MemoryStore};
    use proptest::prelude::*;

    const COUNTERS: usize = 8;
    const TIMEOUT_MS: i64 = 1_000;

    fn manager() -> CountersManager {
        CountersManager::new(
            AtomicBuffer::heap(COUNTERS * METADATA_LENGTH),
            AtomicBuffer::heap(COUNTERS * COUNTER_LENGTH),
            TIMEOUT_MS,
        )
    }

    #[test]
    fn allocates_dense_ids_with_layout() {
        let mut manager = manager();
        assert_eq!(manager.max_counter_id(), COUNTERS as i32 - 1);
        assert_eq!(manager.allocate(4, b"key", "sub-pos: 1", 0), Ok(0));
        assert_eq!(manager.allocate(5, b"", "second", 0), Ok(1));
        let reader = manager.reader();
        let metadata = reader.metadata_buffer();
        assert_eq!(metadata.get_i32(0), RECORD_ALLOCATED);
        assert_eq!(metadata.get_i32(4), 4);
        assert_eq!(metadata.get_i64(8), NOT_FREE_TO_REUSE);
        assert_eq!(metadata.get_u8(16), b'k');
        assert_eq!(metadata.get_i32(128), 10);
        assert_eq!(metadata.get_u8(132), b's');
        assert_eq!(metadata.get_i32(METADATA_LENGTH + 4), 5);
        assert_eq!(reader.counter_state(2), RECORD_UNUSED);
    }

    #[test]
    fn full_and_key_too_long() {
        let mut manager = manager();
        for i in 0..COUNTERS as i32 {
            assert_eq!(manager.allocate(1, b"", "c", 0), Ok(i));
        }
        assert_eq!(manager.allocate(1, b"", "c", 0), Err(CountersError::Full));
        assert_eq!(
            manager.allocate(1, &[0u8; MAX_KEY_LENGTH + 1], "c", 0),
            Err(CountersError::KeyTooLong(113))
        );
    }

    #[test]
    fn freed_ids_are_reused_only_after_the_timeout() {
        let mut manager = manager();
        let first = manager.allocate(1, b"k1", "one", 0).unwrap();
        let second = manager.allocate(1, b"k2", "two", 0).unwrap();
        manager.counter(first).set(42);
        manager.set_counter_registration_id(first, 77);
        manager.set_counter_owner_id(first, 78);
        manager.set_counter_reference_id(first, 79);
        assert!(manager.free(first, 100));
        assert!(!manager.free(first, 100), "double free is refused");
        assert!(!manager.free(99, 100), "out-of-range free is refused");
        let reader = manager.reader();
        assert_eq!(reader.counter_state(first), RECORD_RECLAIMED);
        assert_eq!(reader.free_for_reuse_deadline_ms(first), 100 + TIMEOUT_MS);
        assert_eq!(reader.counter_key(first), vec![0u8; MAX_KEY_LENGTH], "key zeroed on free");

        assert_eq!(manager.allocate(1, b"", "three", 100 + TIMEOUT_MS - 1), Ok(2), "too early to reuse");
        assert_eq!(manager.free_list_len(), 1);
        assert_eq!(manager.allocate(1, b"k4", "four", 100 + TIMEOUT_MS), Ok(first), "reused at the deadline");
        assert_eq!(manager.free_list_len(), 0);
        assert_eq!(reader.counter_value(first), 0, "value reset on reuse");
        assert_eq!(reader.counter_registration_id(first), 0);
        assert_eq!(reader.counter_owner_id(first), 0);
        assert_eq!(reader.counter_reference_id(first), 0);
        assert_eq!(reader.counter_label(first), "four");
        assert_eq!(&reader.counter_key(first)[..3], b"k4\0");
        assert_eq!(reader.counter_state(second), RECORD_ALLOCATED);
    }

    #[test]
    fn labels_and_keys_round_trip_through_a_second_view() {
        let store = HeapMemoryStore::new();
        let metadata = store.create("meta", COUNTERS * METADATA_LENGTH).unwrap();
        let values = store.create("values", COUNTERS * COUNTER_LENGTH).unwrap();
        let mut manager = CountersManager::new(metadata, values, TIMEOUT_MS);
        let key: Vec<u8> = (0..MAX_KEY_LENGTH as u8).collect();
        let long_label = "é".repeat(300); // 600 bytes: truncated at a character boundary
        let a = manager.allocate(11, &key, "client-heartbeat: 9", 0).unwrap();
        let b = manager.allocate(12, b"pk", &long_label, 0).unwrap();
        manager.set_counter_registration_id(b, 555);
        manager.counter(b).set_ordered(1234);
        manager.append_to_label(a, " (closed)");

        // A reader in "another process": new views of the same memory.
        let reader = CountersReader::new(store.open("meta").unwrap(), store.open("values").unwrap());
        assert_eq!(reader.counter_label(a), "client-heartbeat: 9 (closed)");
        assert_eq!(reader.counter_key(a), key);
        assert_eq!(reader.counter_label(b), "é".repeat(190));
        assert_eq!(reader.counter_type_id(b), 12);
        assert_eq!(reader.counter_value(b), 1234);
        assert_eq!(reader.counter(b).get(), 1234);
        assert_eq!(reader.find_by_type_id_and_registration_id(12, 555), Some(b));
        assert_eq!(reader.find_by_type_id_and_registration_id(11, 555), None);

        let mut seen = Vec::new();
        reader.for_each(|id, type_id, key, label| {
            seen.push((id, type_id, key[..2].to_vec(), label.to_owned()))
        });
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0], (a, 11, vec![0, 1], "client-heartbeat: 9 (closed)".to_owned()));
        assert_eq!(seen[1].2, b"pk".to_vec());

        manager.free(a, 0);
        let mut ids = Vec::new();
        reader.for_each(|id, _, _, _| ids.push(id));
        assert_eq!(ids, vec![b], "reclaimed records are skipped, not the end");
    }

    #[test]
    fn invalid_ids_read_as_unused() {
        let reader = manager().reader();
        for id in [NULL_COUNTER_ID, COUNTERS as i32, i32::MAX] {
            assert!(!reader.is_valid_counter_id(id));
            assert_eq!(reader.counter_state(id), RECORD_UNUSED);
            assert_eq!(reader.counter_value(id), 0);
            assert_eq!(reader.counter_label(id), "");
            assert!(reader.counter_key(id).is_empty());
            assert!(reader.try_counter(id).is_none());
        }
    }

    proptest! {
        #[test]
        fn reader_survives_garbage(
            metadata_bytes in proptest::collection::vec(any::<u8>(), 4 * METADATA_LENGTH),
            values_bytes in proptest::collection::vec(any::<u8>(), 4 * COUNTER_LENGTH),
            states in proptest::collection::vec(-2i32..3, 4),
            id in -2i32..6,
        ) {
            let metadata = AtomicBuffer::heap(metadata_bytes.len());
            metadata.put_bytes(0, &metadata_bytes);
            for (i, state) in states.iter().enumerate() {
                if *state != 2 { metadata.put_i32(i * METADATA_LENGTH, *state); }
            }
            let values = AtomicBuffer::heap(values_bytes.len());
            values.put_bytes(0, &values_bytes);
            let reader = CountersReader::new(metadata, values);
            let mut count = 0;
            reader.for_each(|_, _, key, label| { count += 1; assert_eq!(key.len(), MAX_KEY_LENGTH); assert!(label.len() <= 3 * MAX_LABEL_LENGTH); });
            prop_assert!(count <= 4);
            let _ = reader.find_by_type_id_and_registration_id(1, 2);
            let _ = (reader.counter_label(id), reader.counter_key(id), reader.counter_value(id));
            let _ = (reader.counter_state(id), reader.counter_type_id(id), reader.counter_owner_id(id));
        }
    }
}
