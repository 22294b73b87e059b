//! [`BroadcastTransmitter`]: the single writer of an Agrona broadcast buffer (layout in
//! [`crate::broadcast_descriptor`]).
//!
//! Invariants: exactly one transmitter per buffer; it never waits for receivers (slow ones are lapped and
//! told so); for each record it stores the tail intent (release + store fence) before touching the data,
//! then the header and payload, then `latest` and finally the tail (release).

use std::sync::atomic::{Ordering, fence};

use crate::align;
use crate::atomic_buffer::AtomicBuffer;
use crate::broadcast_descriptor::{
    BROADCAST_PADDING_MSG_TYPE_ID, BROADCAST_RECORD_ALIGNMENT, BROADCAST_RECORD_HEADER_LENGTH,
    BroadcastError, LATEST_COUNTER_OFFSET, TAIL_COUNTER_OFFSET, TAIL_INTENT_COUNTER_OFFSET,
    broadcast_max_message_length, check_broadcast_buffer,
};

/// Sends messages to any number of receivers through a broadcast buffer.
///
/// How to drive it: wrap a zero-filled (or previously used) buffer with [`new`](Self::new) and call
/// [`transmit`](Self::transmit). Never blocks, never allocates; receivers that fall a whole capacity behind
/// lose messages and are told so.
#[derive(Debug)]
pub struct BroadcastTransmitter {
    buffer: AtomicBuffer,
    capacity: usize,
    max_message_length: usize,
    tail_intent_index: usize,
    tail_index: usize,
    latest_index: usize,
}

impl BroadcastTransmitter {
    /// Wraps `buffer` (data capacity + [`crate::BROADCAST_BUFFER_TRAILER_LENGTH`]) and resumes at its tail.
    pub fn new(buffer: AtomicBuffer) -> Result<Self, BroadcastError> {
        let capacity = check_broadcast_buffer(buffer.capacity(), buffer.address())?;
        Ok(Self {
            buffer,
            capacity,
            max_message_length: broadcast_max_message_length(capacity),
            tail_intent_index: capacity + TAIL_INTENT_COUNTER_OFFSET,
            tail_index: capacity + TAIL_COUNTER_OFFSET,
            latest_index: capacity + LATEST_COUNTER_OFFSET,
        })
    }

    /// The data capacity in bytes (excluding the trailer).
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The longest message that can be sent (`capacity / 8`).
    pub fn max_message_length(&self) -> usize {
        self.max_message_length
    }

    /// The underlying memory.
    pub fn buffer(&self) -> &AtomicBuffer {
        &self.buffer
    }

    /// Sends one message of type `msg_type_id` (>= 1, asserted) to all receivers.
    pub fn transmit(&mut self, msg_type_id: i32, src: &[u8]) -> Result<(), BroadcastError> {
        assert!(msg_type_id >= 1, "message type id must be >= 1, got {msg_type_id}");
        if src.len() > self.max_message_length {
            return Err(BroadcastError::MessageTooLong { length: src.len(), max: self.max_message_length });
        }
        let buffer = &self.buffer;
        let mut current_tail = buffer.get_i64(self.tail_index);
        let mut record_offset =
            (current_tail as usize) & (self.capacity - 1) & !(BROADCAST_RECORD_ALIGNMENT - 1);
        let record_length = src.len() + BROADCAST_RECORD_HEADER_LENGTH;
        let aligned_record_length = align(record_length, BROADCAST_RECORD_ALIGNMENT);
        let new_tail = current_tail.wrapping_add(aligned_record_length as i64);
        let to_end_of_buffer = self.capacity - record_offset;

        if to_end_of_buffer < aligned_record_length {
            self.signal_tail_intent(new_tail.wrapping_add(to_end_of_buffer as i64));
            buffer.put_i32(record_offset + 4, BROADCAST_PADDING_MSG_TYPE_ID);
            buffer.put_i32(record_offset, to_end_of_buffer as i32);
            current_tail = current_tail.wrapping_add(to_end_of_buffer as i64);
            record_offset = 0;
        } else {
            self.signal_tail_intent(new_tail);
        }

        buffer.put_i32(record_offset, record_length as i32);
        buffer.put_i32(record_offset + 4, msg_type_id);
        buffer.put_bytes(record_offset + BROADCAST_RECORD_HEADER_LENGTH, src);

        buffer.put_i64_ordered(self.latest_index, current_tail);
        buffer.put_i64_ordered(self.tail_index, current_tail.wrapping_add(aligned_record_length as i64));
        Ok(())
    }

    fn signal_tail_intent(&self, new_tail: i64) {
        self.buffer.put_i64_ordered(self.tail_intent_index, new_tail);
        fence(Ordering::Release);
    }
}
