//! Layout of Agrona's counters (Aeron's `CountersReader`/`CountersManager`), shared by
//! [`crate::CountersManager`], [`crate::CountersReader`] and [`crate::AtomicCounter`].
//!
//! Values buffer: one [`COUNTER_LENGTH`]-byte slot per counter id: `value:i64 @0`,
//! `registration_id:i64 @8`, `owner_id:i64 @16`, `reference_id:i64 @24`, rest padding (avoids false sharing).
//! Metadata buffer: one [`METADATA_LENGTH`]-byte record per counter id: `state:i32 @0`, `type_id:i32 @4`,
//! `free_for_reuse_deadline_ms:i64 @8`, `key[112] @16`, `label_length:i32 @128`, `label[380] @132`.
//!
//! Invariants: a record's `state` is written last with release when it becomes [`RECORD_ALLOCATED`], so a
//! reader that acquires `ALLOCATED` sees the type, key and label; ids are dense from 0, so the first
//! [`RECORD_UNUSED`] record ends the list.

/// Bytes per counter in the values buffer.
pub const COUNTER_LENGTH: usize = 128;
/// Bytes per counter in the metadata buffer.
pub const METADATA_LENGTH: usize = 512;
/// Bytes reserved for a counter's key.
pub const MAX_KEY_LENGTH: usize = 112;
/// Bytes reserved for a counter's label (UTF-8).
pub const MAX_LABEL_LENGTH: usize = 380;

/// `state` of a record never used.
pub const RECORD_UNUSED: i32 = 0;
/// `state` of a record in use.
pub const RECORD_ALLOCATED: i32 = 1;
/// `state` of a freed record (reusable after its deadline).
pub const RECORD_RECLAIMED: i32 = -1;
/// The id meaning "no counter".
pub const NULL_COUNTER_ID: i32 = -1;
/// Registration id of a counter that was not given one.
pub const DEFAULT_REGISTRATION_ID: i64 = 0;
/// Owner id of a counter that was not given one.
pub const DEFAULT_OWNER_ID: i64 = 0;
/// Reference id of a counter that was not given one.
pub const DEFAULT_REFERENCE_ID: i64 = 0;
/// `free_for_reuse_deadline_ms` of an allocated record.
pub const NOT_FREE_TO_REUSE: i64 = i64::MAX;

/// Offset of the value in a values slot.
pub const COUNTER_VALUE_OFFSET: usize = 0;
/// Offset of the registration id in a values slot.
pub const REGISTRATION_ID_OFFSET: usize = 8;
/// Offset of the owner id in a values slot.
pub const OWNER_ID_OFFSET: usize = 16;
/// Offset of the reference id in a values slot.
pub const REFERENCE_ID_OFFSET: usize = 24;

/// Offset of the state in a metadata record.
pub const STATE_OFFSET: usize = 0;
/// Offset of the type id in a metadata record.
pub const TYPE_ID_OFFSET: usize = 4;
/// Offset of the reuse deadline in a metadata record.
pub const FREE_FOR_REUSE_DEADLINE_OFFSET: usize = 8;
/// Offset of the key in a metadata record.
pub const KEY_OFFSET: usize = 16;
/// Offset of the label length in a metadata record.
pub const LABEL_LENGTH_OFFSET: usize = 128;
/// Offset of the label bytes in a metadata record.
pub const LABEL_OFFSET: usize = 132;

/// Offset of counter `counter_id`'s slot in the values buffer.
pub const fn counter_offset(counter_id: i32) -> usize {
    counter_id as usize * COUNTER_LENGTH
}

/// Offset of counter `counter_id`'s record in the metadata buffer.
pub const fn metadata_offset(counter_id: i32) -> usize {
    counter_id as usize * METADATA_LENGTH
}

/// Why a counter could not be allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CountersError {
    /// Every counter id is in use (or freed but not yet past its reuse deadline).
    #[error("no counter available: all ids are in use or awaiting reuse")]
    Full,
    /// The key is longer than [`MAX_KEY_LENGTH`].
    #[error("counter key of {0} bytes exceeds the maximum of 112")]
    KeyTooLong(usize),
}
