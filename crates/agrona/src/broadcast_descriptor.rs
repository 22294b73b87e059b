//! Layout of Agrona's broadcast buffer (Aeron's to-clients buffer), shared by
//! [`crate::BroadcastTransmitter`], [`crate::BroadcastReceiver`] and [`crate::CopyBroadcastReceiver`].
//!
//! `capacity` data bytes (a power of two) followed by a [`BROADCAST_BUFFER_TRAILER_LENGTH`]-byte trailer:
//! tail intent @ `capacity + 0`, tail @ `+8`, latest @ `+16` (all `i64` positions). A record is
//! `length:i32 | type:i32 | payload`, starting 8-aligned; `length` counts the header and the payload.
//! Type [`BROADCAST_PADDING_MSG_TYPE_ID`] (-1) fills the end of the buffer when a record would wrap.
//!
//! Invariants: one transmitter; it announces the tail it is about to reach (tail intent) before it
//! overwrites anything, and publishes the tail (release) after the record is complete. A receiver that
//! finds `cursor + capacity <= tail intent` has been lapped: the bytes it was reading may be overwritten.

/// Bytes after the data region holding the broadcast positions.
pub const BROADCAST_BUFFER_TRAILER_LENGTH: usize = 128;
/// Offset, from the end of the data region, of the tail intent position (`i64`).
pub const TAIL_INTENT_COUNTER_OFFSET: usize = 0;
/// Offset, from the end of the data region, of the tail position (`i64`).
pub const TAIL_COUNTER_OFFSET: usize = 8;
/// Offset, from the end of the data region, of the position of the latest record (`i64`).
pub const LATEST_COUNTER_OFFSET: usize = 16;
/// Length of a record header (`length:i32 | type:i32`).
pub const BROADCAST_RECORD_HEADER_LENGTH: usize = 8;
/// Alignment of records.
pub const BROADCAST_RECORD_ALIGNMENT: usize = 8;
/// Message type of a padding record.
pub const BROADCAST_PADDING_MSG_TYPE_ID: i32 = -1;
/// The smallest data capacity accepted (a record of maximal length must fit).
pub const BROADCAST_MIN_CAPACITY: usize = 16;

/// Why a broadcast buffer could not be wrapped, a message sent, or a message received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BroadcastError {
    /// The data capacity (buffer length minus the trailer) is not a power of two of at least
    /// [`BROADCAST_MIN_CAPACITY`] and below `i32::MAX`, or the buffer is not 8-byte aligned.
    #[error("invalid broadcast buffer capacity {0} (must be a power of two >= 16, 8-byte aligned)")]
    InvalidCapacity(usize),
    /// The message is longer than the buffer's maximum message length (`capacity / 8`).
    #[error("message of {length} bytes exceeds the maximum of {max}")]
    MessageTooLong {
        /// The message length asked for.
        length: usize,
        /// The maximum message length of this buffer.
        max: usize,
    },
    /// The transmitter overtook the receiver: messages were lost. The receiver has re-synchronised and can
    /// be used again.
    #[error("unable to keep up with broadcast: messages were lost")]
    Lapped,
    /// The receiver met a record that no transmitter writes (garbage from a crashed or hostile process)
    /// at stream position `position`. It has skipped to the transmitter's tail and can be used again.
    #[error("corrupt broadcast record at position {position}")]
    Corrupt {
        /// Stream position of the corrupt record.
        position: i64,
    },
}

/// Validates a broadcast buffer's total length and alignment; returns its data capacity.
pub(crate) fn check_broadcast_buffer(length: usize, address: usize) -> Result<usize, BroadcastError> {
    let capacity = length.saturating_sub(BROADCAST_BUFFER_TRAILER_LENGTH);
    if length < BROADCAST_BUFFER_TRAILER_LENGTH
        || !capacity.is_power_of_two()
        || capacity < BROADCAST_MIN_CAPACITY
        || capacity >= i32::MAX as usize
        || !address.is_multiple_of(8)
    {
        return Err(BroadcastError::InvalidCapacity(capacity));
    }
    Ok(capacity)
}

/// The longest message a broadcast buffer of `capacity` data bytes carries.
pub const fn broadcast_max_message_length(capacity: usize) -> usize {
    capacity / 8
}
