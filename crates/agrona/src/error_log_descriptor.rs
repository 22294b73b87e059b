//! Layout of Agrona's distinct error log, shared by [`crate::DistinctErrorLog`] and
//! [`crate::read_error_log`].
//!
//! A sequence of records from offset 0, each starting 8-aligned: `length:i32 @0` (header + text, written
//! last with release), `observation_count:i32 @4`, `last_observation_timestamp:i64 @8`,
//! `first_observation_timestamp:i64 @16`, UTF-8 text @ [`ERROR_LOG_HEADER_LENGTH`]. A zero length ends
//! the log.

/// Offset of the record length.
pub const LENGTH_OFFSET: usize = 0;
/// Offset of the observation count.
pub const OBSERVATION_COUNT_OFFSET: usize = 4;
/// Offset of the last observation timestamp (ms).
pub const LAST_OBSERVATION_TIMESTAMP_OFFSET: usize = 8;
/// Offset of the first observation timestamp (ms).
pub const FIRST_OBSERVATION_TIMESTAMP_OFFSET: usize = 16;
/// Offset of the encoded error text; also the header length.
pub const ENCODED_ERROR_OFFSET: usize = 24;
/// Length of a record header.
pub const ERROR_LOG_HEADER_LENGTH: usize = ENCODED_ERROR_OFFSET;
/// Alignment of records.
pub const ERROR_LOG_RECORD_ALIGNMENT: usize = 8;
