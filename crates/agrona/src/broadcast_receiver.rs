//! [`BroadcastReceiver`]: one reader of an Agrona broadcast buffer (layout in
//! [`crate::broadcast_descriptor`]), reading records in place.
//!
//! Invariants:
//! - the receiver only reads; any number of receivers may follow one transmitter;
//! - a record is usable only if [`BroadcastReceiver::validate`] still holds after it was read (the
//!   transmitter may overwrite it at any time once it laps the receiver);
//! - nothing read from the buffer is trusted: an impossible record length or type makes the receiver report
//!   [`BroadcastError::Corrupt`] (or count a lap if the transmitter overtook it) and skip to the tail, never
//!   read outside the data region.

use std::sync::atomic::{Ordering, fence};

use crate::align;
use crate::atomic_buffer::AtomicBuffer;
use crate::broadcast_descriptor::{
    BROADCAST_PADDING_MSG_TYPE_ID, BROADCAST_RECORD_ALIGNMENT, BROADCAST_RECORD_HEADER_LENGTH,
    BroadcastError, LATEST_COUNTER_OFFSET, TAIL_COUNTER_OFFSET, TAIL_INTENT_COUNTER_OFFSET,
    broadcast_max_message_length, check_broadcast_buffer,
};

/// Reads messages from a broadcast buffer without copying them.
///
/// How to drive it: call [`receive_next`](Self::receive_next); when it returns `Ok(true)` the current
/// record is described by [`type_id`](Self::type_id), [`offset`](Self::offset) and
/// [`length`](Self::length) in [`buffer`](Self::buffer); after using the bytes call
/// [`validate`](Self::validate): if it is false the transmitter overwrote them and they must be discarded.
/// [`lapped_count`](Self::lapped_count) grows each time the receiver had to skip to the latest record.
/// [`crate::CopyBroadcastReceiver`] wraps all of this.
#[derive(Debug)]
pub struct BroadcastReceiver {
    buffer: AtomicBuffer,
    capacity: usize,
    tail_intent_index: usize,
    tail_index: usize,
    latest_index: usize,
    record_offset: usize,
    cursor: i64,
    next_record: i64,
    lapped_count: u64,
}

impl BroadcastReceiver {
    /// Wraps `buffer` and starts at the latest record already transmitted (the first
    /// [`receive_next`](Self::receive_next) returns it if there is one).
    pub fn new(buffer: AtomicBuffer) -> Result<Self, BroadcastError> {
        let capacity = check_broadcast_buffer(buffer.capacity(), buffer.address())?;
        let latest_index = capacity + LATEST_COUNTER_OFFSET;
        let latest = buffer.get_i64_volatile(latest_index);
        Ok(Self {
            buffer,
            capacity,
            tail_intent_index: capacity + TAIL_INTENT_COUNTER_OFFSET,
            tail_index: capacity + TAIL_COUNTER_OFFSET,
            latest_index,
            record_offset: (latest as usize) & (capacity - 1),
            cursor: latest,
            next_record: latest,
            lapped_count: 0,
        })
    }

    /// The data capacity in bytes (excluding the trailer).
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many times the transmitter overtook this receiver.
    pub fn lapped_count(&self) -> u64 {
        self.lapped_count
    }

    /// The underlying memory.
    pub fn buffer(&self) -> &AtomicBuffer {
        &self.buffer
    }

    /// Message type of the current record.
    pub fn type_id(&self) -> i32 {
        self.buffer.get_i32(self.record_offset + 4)
    }

    /// Index in [`buffer`](Self::buffer) of the current record's payload.
    pub fn offset(&self) -> usize {
        self.record_offset + BROADCAST_RECORD_HEADER_LENGTH
    }

    /// Payload length of the current record, clamped so that `offset() + length()` stays within the data
    /// region even if the record was overwritten meanwhile (check [`validate`](Self::validate)).
    pub fn length(&self) -> usize {
        let length = self.buffer.get_i32(self.record_offset).max(0) as usize;
        length
            .saturating_sub(BROADCAST_RECORD_HEADER_LENGTH)
            .min(self.capacity - self.offset().min(self.capacity))
    }

    /// Stream position of the current record.
    pub fn position(&self) -> i64 {
        self.cursor
    }

    /// True if the current record has not been overwritten by the transmitter (call after reading it).
    pub fn validate(&self) -> bool {
        fence(Ordering::Acquire);
        self.validate_at(self.cursor)
    }

    fn validate_at(&self, cursor: i64) -> bool {
        cursor.saturating_add(self.capacity as i64) > self.buffer.get_i64_volatile(self.tail_intent_index)
    }

    /// Moves to the next record if the transmitter has published one; `Ok(false)` if there is none yet.
    ///
    /// If the transmitter lapped this receiver, skips to the latest record and increments
    /// [`lapped_count`](Self::lapped_count). Returns [`BroadcastError::Corrupt`] (after skipping to the
    /// tail) for a record no transmitter could have written.
    pub fn receive_next(&mut self) -> Result<bool, BroadcastError> {
        let tail = self.buffer.get_i64_volatile(self.tail_index);
        let mut cursor = self.next_record;
        if tail <= cursor {
            return Ok(false);
        }
        if self.buffer.get_i64_volatile(self.tail_intent_index) < tail {
            // The transmitter stores the intent before the tail, so this cannot happen unless corrupt.
            return self.reject(cursor, tail);
        }
        if !self.validate_at(cursor) {
            self.lapped_count += 1;
            cursor = self.buffer.get_i64_volatile(self.latest_index);
        }

        let mut record_offset = (cursor as usize) & (self.capacity - 1);
        let Some((length, type_id)) = self.record_at(record_offset) else {
            return self.reject(cursor, tail);
        };
        let mut current = cursor;
        let mut next = cursor.wrapping_add(align(length, BROADCAST_RECORD_ALIGNMENT) as i64);
        if type_id == BROADCAST_PADDING_MSG_TYPE_ID {
            record_offset = 0;
            current = next;
            match self.record_at(0) {
                Some((length, type_id)) if type_id != BROADCAST_PADDING_MSG_TYPE_ID => {
                    next = next.wrapping_add(align(length, BROADCAST_RECORD_ALIGNMENT) as i64);
                }
                _ => return self.reject(current, tail),
            }
        }
        self.cursor = current;
        self.next_record = next;
        self.record_offset = record_offset;
        Ok(true)
    }

    /// The header at `offset` if it describes a plausible record: 8-aligned, header and aligned record
    /// within the data region, valid type, payload no longer than the maximum message length.
    fn record_at(&self, offset: usize) -> Option<(usize, i32)> {
        if !offset.is_multiple_of(BROADCAST_RECORD_ALIGNMENT) {
            return None;
        }
        let length = self.buffer.get_i32(offset);
        let type_id = self.buffer.get_i32(offset + 4);
        if length < BROADCAST_RECORD_HEADER_LENGTH as i32
            || align(length as usize, BROADCAST_RECORD_ALIGNMENT) > self.capacity - offset
            || (type_id < 1 && type_id != BROADCAST_PADDING_MSG_TYPE_ID)
            || (type_id != BROADCAST_PADDING_MSG_TYPE_ID
                && length as usize - BROADCAST_RECORD_HEADER_LENGTH
                    > broadcast_max_message_length(self.capacity))
        {
            return None;
        }
        Some((length as usize, type_id))
    }

    /// An impossible record at `cursor`: a lap if the transmitter overwrote it, corruption otherwise. Either
    /// way skip to the tail so the receiver stays usable.
    fn reject(&mut self, cursor: i64, tail: i64) -> Result<bool, BroadcastError> {
        self.next_record = tail;
        self.cursor = tail;
        self.record_offset = (tail as usize) & (self.capacity - 1);
        fence(Ordering::Acquire);
        if self.validate_at(cursor) {
            Err(BroadcastError::Corrupt { position: cursor })
        } else {
            self.lapped_count += 1;
            Ok(false)
        }
    }

    /// Skips to the latest record (delivered by the next [`receive_next`](Self::receive_next)) after the
    /// caller found the current one overwritten; counts a lap.
    pub(crate) fn skip_to_latest(&mut self) {
        self.lapped_count += 1;
        let latest = self.buffer.get_i64_volatile(self.latest_index);
        self.cursor = latest;
        self.next_record = latest;
        self.record_offset = (latest as usize) & (self.capacity - 1);
    }
}
