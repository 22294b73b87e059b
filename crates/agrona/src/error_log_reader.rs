//! Reading a distinct error log (layout in [`crate::error_log_descriptor`]) written by a
//! [`crate::DistinctErrorLog`], possibly in another, crashed or hostile process.
//!
//! Invariants: the reader never writes, never panics and never reads outside the buffer: a record whose
//! length is below the header length or runs past the end stops the read (reported by
//! [`try_read_error_log`]); text is decoded lossily.

use std::borrow::Cow;

use crate::align;
use crate::atomic_buffer::AtomicBuffer;
use crate::error_log_descriptor::{
    ENCODED_ERROR_OFFSET, ERROR_LOG_HEADER_LENGTH, ERROR_LOG_RECORD_ALIGNMENT,
    FIRST_OBSERVATION_TIMESTAMP_OFFSET, LAST_OBSERVATION_TIMESTAMP_OFFSET, LENGTH_OFFSET,
    OBSERVATION_COUNT_OFFSET,
};

/// The error log holds a record no writer produces; records before it were delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("corrupt error log record at offset {offset}: length {length}")]
pub struct ErrorLogCorruption {
    /// Offset of the corrupt record.
    pub offset: usize,
    /// Its length word.
    pub length: i32,
    /// Entries delivered before it.
    pub entries_read: usize,
}

/// True if at least one error has been recorded in `buffer`.
pub fn error_log_exists(buffer: &AtomicBuffer) -> bool {
    buffer.capacity() >= 4
        && buffer.address().is_multiple_of(8)
        && buffer.get_i32_volatile(LENGTH_OFFSET) != 0
}

/// Calls `handler(observation_count, first_timestamp_ms, last_timestamp_ms, text)` for every error whose
/// last observation is at or after `since_timestamp_ms`, in log order; returns how many were delivered.
///
/// Stops quietly at the end of the log or at a corrupt record (see [`try_read_error_log`]).
pub fn read_error_log(
    buffer: &AtomicBuffer,
    handler: impl FnMut(i32, i64, i64, &str),
    since_timestamp_ms: i64,
) -> usize {
    match try_read_error_log(buffer, handler, since_timestamp_ms) {
        Ok(entries) => entries,
        Err(corruption) => corruption.entries_read,
    }
}

/// As [`read_error_log`], but reports a corrupt record (or a misaligned buffer, as offset 0).
pub fn try_read_error_log(
    buffer: &AtomicBuffer,
    mut handler: impl FnMut(i32, i64, i64, &str),
    since_timestamp_ms: i64,
) -> Result<usize, ErrorLogCorruption> {
    let capacity = buffer.capacity();
    let mut entries = 0;
    let mut offset = 0;
    if !buffer.address().is_multiple_of(8) {
        return Err(ErrorLogCorruption { offset, length: 0, entries_read: 0 });
    }
    let mut text = Vec::new();
    while capacity - offset >= ERROR_LOG_HEADER_LENGTH {
        let length = buffer.get_i32_volatile(offset + LENGTH_OFFSET);
        if length == 0 {
            break;
        }
        if length < ERROR_LOG_HEADER_LENGTH as i32 || length as usize > capacity - offset {
            return Err(ErrorLogCorruption { offset, length, entries_read: entries });
        }
        let last_timestamp_ms = buffer.get_i64_volatile(offset + LAST_OBSERVATION_TIMESTAMP_OFFSET);
        if last_timestamp_ms >= since_timestamp_ms {
            entries += 1;
            let count = buffer.get_i32_volatile(offset + OBSERVATION_COUNT_OFFSET);
            let first_timestamp_ms = buffer.get_i64(offset + FIRST_OBSERVATION_TIMESTAMP_OFFSET);
            text.resize(length as usize - ERROR_LOG_HEADER_LENGTH, 0);
            buffer.get_bytes(offset + ENCODED_ERROR_OFFSET, &mut text);
            let decoded: Cow<'_, str> = String::from_utf8_lossy(&text);
            handler(count, first_timestamp_ms, last_timestamp_ms, &decoded);
        }
        offset += align(length as usize, ERROR_LOG_RECORD_ALIGNMENT);
        if offset >= capacity {
            break;
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distinct_error_log::DistinctErrorLog;
    use proptest::prelude::*;

    fn entries(buffer: &AtomicBuffer, since_ms: i64) -> Vec<(i32, i64, i64, String)> {
        let mut out = Vec::new();
        read_error_log(buffer, |c, f, l, t| out.push((c, f, l, t.to_owned())), since_ms);
        out
    }

    #[test]
    fn records_layout_and_deduplicates() {
        let buffer = AtomicBuffer::heap(1024);
        let mut log = DistinctErrorLog::new(buffer.clone());
        assert!(!error_log_exists(&buffer));
        assert!(log.record(100, "boom"));
        assert!(error_log_exists(&buffer));
        assert_eq!(buffer.get_i32(0), 28);
        assert_eq!(buffer.get_i32(4), 1);
        assert_eq!(buffer.get_i64(8), 100);
        assert_eq!(buffer.get_i64(16), 100);
        assert_eq!(buffer.get_u8(24), b'b');
        assert!(log.record(200, "other error"));
        assert_eq!(buffer.get_i32(32), 35, "next record 8-aligned after the first");
        assert!(log.record(300, "boom"));
        assert!(log.record(400, "boom"));
        assert_eq!(log.distinct_count(), 2);
        assert_eq!(
            entries(&buffer, 0),
            vec![(3, 100, 400, "boom".to_owned()), (1, 200, 200, "other error".to_owned())]
        );
    }

    #[test]
    fn since_timestamp_filters_by_last_observation() {
        let buffer = AtomicBuffer::heap(1024);
        let mut log = DistinctErrorLog::new(buffer.clone());
        log.record(100, "a");
        log.record(200, "b");
        log.record(300, "a");
        let texts = |since| entries(&buffer, since).into_iter().map(|e| e.3).collect::<Vec<_>>();
        assert_eq!(texts(0), vec!["a", "b"]);
        assert_eq!(texts(200), vec!["a", "b"], "inclusive");
        assert_eq!(texts(201), vec!["a"]);
        assert_eq!(texts(301), Vec::<String>::new());
    }

    #[test]
    fn full_log_refuses_new_errors_but_counts_repeats() {
        let buffer = AtomicBuffer::heap(64);
        let mut log = DistinctErrorLog::new(buffer.clone());
        assert!(log.record(1, "first error text"));
        assert!(!log.record(2, "second error that does not fit"));
        assert!(log.record(3, "first error text"));
        assert_eq!(entries(&buffer, 0), vec![(2, 1, 3, "first error text".to_owned())]);
    }

    #[test]
    fn corrupt_record_stops_the_read_and_is_reported() {
        let buffer = AtomicBuffer::heap(256);
        let mut log = DistinctErrorLog::new(buffer.clone());
        log.record(1, "ok");
        buffer.put_i32(32, 5000);
        let mut seen = 0;
        assert_eq!(
            try_read_error_log(&buffer, |_, _, _, _| seen += 1, 0),
            Err(ErrorLogCorruption { offset: 32, length: 5000, entries_read: 1 })
        );
        assert_eq!(seen, 1);
        buffer.put_i32(32, 3);
        assert_eq!(read_error_log(&buffer, |_, _, _, _| {}, 0), 1);
    }

    proptest! {
        #[test]
        fn reader_survives_garbage(bytes in proptest::collection::vec(any::<u8>(), 0..600), since in any::<i64>()) {
            let buffer = AtomicBuffer::heap(bytes.len());
            buffer.put_bytes(0, &bytes);
            let count = read_error_log(&buffer, |_, _, _, text| assert!(text.len() <= 3 * 600), since);
            prop_assert!(count <= bytes.len() / ERROR_LOG_HEADER_LENGTH);
            let _ = error_log_exists(&buffer);
        }

        #[test]
        fn reader_survives_plausible_garbage(lengths in proptest::collection::vec(-40i32..700, 1..10)) {
            let buffer = AtomicBuffer::heap(512);
            let mut offset = 0usize;
            for length in lengths {
                if offset + 24 > 512 { break; }
                buffer.put_i32(offset, length);
                offset += align(length.unsigned_abs() as usize, 8).max(8);
            }
            let _ = try_read_error_log(&buffer, |_, _, _, _| {}, i64::MIN);
        }
    }
}
