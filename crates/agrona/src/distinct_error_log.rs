//! [`DistinctErrorLog`]: records each distinct error once in a shared buffer (Agrona layout, see
//! [`crate::error_log_descriptor`]) and counts repeat observations, so a storm of identical errors cannot
//! fill the log.
//!
//! Invariants: one writer per buffer, starting from a zero-filled buffer; a new record's text, first and
//! last timestamps and count (1) are written before its length (release), so a reader that acquires a
//! non-zero length sees a whole record; repeats only bump the count (atomic add) and the last timestamp
//! (release). Errors are distinct by their exact text.

use std::collections::HashMap;

use crate::align;
use crate::atomic_buffer::AtomicBuffer;
use crate::error_log_descriptor::{
    ENCODED_ERROR_OFFSET, ERROR_LOG_HEADER_LENGTH, ERROR_LOG_RECORD_ALIGNMENT,
    FIRST_OBSERVATION_TIMESTAMP_OFFSET, LAST_OBSERVATION_TIMESTAMP_OFFSET, LENGTH_OFFSET,
    OBSERVATION_COUNT_OFFSET,
};

/// The writer of a distinct error log.
///
/// How to drive it: wrap a zero-filled buffer (for example the CnC error log region) and call
/// [`record`](Self::record) for every error with the current epoch time. Read the log, from any process,
/// with [`crate::read_error_log`].
#[derive(Debug)]
pub struct DistinctErrorLog {
    buffer: AtomicBuffer,
    next_offset: usize,
    observations: HashMap<String, usize>,
}

impl DistinctErrorLog {
    /// A log writing into `buffer` from offset 0. Panics if `buffer` is not 8-byte aligned.
    pub fn new(buffer: AtomicBuffer) -> Self {
        assert!(buffer.address().is_multiple_of(8), "error log buffer must be 8-byte aligned");
        Self { buffer, next_offset: 0, observations: HashMap::new() }
    }

    /// The underlying memory.
    pub fn buffer(&self) -> &AtomicBuffer {
        &self.buffer
    }

    /// Number of distinct errors recorded.
    pub fn distinct_count(&self) -> usize {
        self.observations.len()
    }

    /// Records an observation of `error_text` at `timestamp_ms`: a new record the first time, otherwise
    /// one more observation of the existing record. Returns false if a new record does not fit (the log is
    /// full); repeats of already-recorded errors always succeed.
    pub fn record(&mut self, timestamp_ms: i64, error_text: &str) -> bool {
        if let Some(&offset) = self.observations.get(error_text) {
            self.buffer.get_and_add_i32(offset + OBSERVATION_COUNT_OFFSET, 1);
            self.buffer.put_i64_ordered(offset + LAST_OBSERVATION_TIMESTAMP_OFFSET, timestamp_ms);
            return true;
        }
        let offset = self.next_offset;
        let length = ERROR_LOG_HEADER_LENGTH + error_text.len();
        if length > i32::MAX as usize || length > self.buffer.capacity().saturating_sub(offset) {
            return false;
        }
        let buffer = &self.buffer;
        buffer.put_bytes(offset + ENCODED_ERROR_OFFSET, error_text.as_bytes());
        buffer.put_i64(offset + FIRST_OBSERVATION_TIMESTAMP_OFFSET, timestamp_ms);
        buffer.put_i64_ordered(offset + LAST_OBSERVATION_TIMESTAMP_OFFSET, timestamp_ms);
        buffer.put_i32_ordered(offset + OBSERVATION_COUNT_OFFSET, 1);
        buffer.put_i32_ordered(offset + LENGTH_OFFSET, length as i32);
        self.next_offset = align(offset + length, ERROR_LOG_RECORD_ALIGNMENT);
        self.observations.insert(error_text.to_owned(), offset);
        true
    }
}
