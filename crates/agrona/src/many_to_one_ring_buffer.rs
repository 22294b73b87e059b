//! [`ManyToOneRingBuffer`]: Agrona's many-producer, single-consumer ring buffer over shared memory
//! (Aeron's to-driver command buffer). Producers may live in other threads or other processes.
//!
//! Layout (byte-compatible with Agrona's `ManyToOneRingBuffer` and Aeron's `aeron_mpsc_rb`):
//! `capacity` data bytes (a power of two) followed by a [`RING_BUFFER_TRAILER_LENGTH`]-byte trailer with
//! the tail position @ `capacity + 128`, head cache @ `+256`, head position @ `+384`, correlation counter
//! @ `+512` and consumer heartbeat @ `+640` (all `i64`, each on its own pair of cache lines).
//! A record is `length:i32 | type:i32 | payload`, starting 8-aligned; `length` counts the 8-byte header
//! and the payload, not the alignment padding. Type [`PADDING_MSG_TYPE_ID`] (-1) marks padding.
//!
//! Invariants:
//! - positions only grow; `head <= tail`; `tail - head <= capacity`;
//! - a producer claims space with a CAS on the tail, writes `-length` (release), the type and payload, and
//!   commits by writing `+length` with release; the consumer treats `length <= 0` as "not yet committed";
//! - a record never straddles the end of the buffer: the producer that would wrap first fills the rest of
//!   the buffer with a padding record;
//! - the consumer zeroes what it consumed before publishing the new head (release), so unused space is
//!   always zero;
//! - the consumer trusts nothing it reads: a record whose length or type is impossible stops the read and
//!   is reported ([`RingBufferCorruption`]) instead of being delivered.

use std::sync::atomic::{Ordering, fence};

use crate::align;
use crate::atomic_buffer::AtomicBuffer;

/// Bytes after the data region holding the ring buffer's positions and counters.
pub const RING_BUFFER_TRAILER_LENGTH: usize = 768;
/// Offset, from the end of the data region, of the tail position (`i64`).
pub const TAIL_POSITION_OFFSET: usize = 128;
/// Offset, from the end of the data region, of the producers' cached head position (`i64`).
pub const HEAD_CACHE_POSITION_OFFSET: usize = 256;
/// Offset, from the end of the data region, of the head (consumer) position (`i64`).
pub const HEAD_POSITION_OFFSET: usize = 384;
/// Offset, from the end of the data region, of the correlation id counter (`i64`).
pub const CORRELATION_COUNTER_OFFSET: usize = 512;
/// Offset, from the end of the data region, of the consumer heartbeat time in ms (`i64`).
pub const CONSUMER_HEARTBEAT_OFFSET: usize = 640;
/// Length of a record header (`length:i32 | type:i32`).
pub const RECORD_HEADER_LENGTH: usize = 8;
/// Alignment of records.
pub const RECORD_ALIGNMENT: usize = 8;
/// Message type of a padding record.
pub const PADDING_MSG_TYPE_ID: i32 = -1;
/// The smallest valid data capacity.
pub const MIN_CAPACITY: usize = RECORD_HEADER_LENGTH;

/// Why a ring buffer could not be wrapped or a message could not be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RingBufferError {
    /// The data capacity (buffer length minus the trailer) is not a power of two of at least
    /// [`MIN_CAPACITY`] and below `i32::MAX`, or the buffer is not 8-byte aligned.
    #[error("invalid ring buffer capacity {0} (must be a power of two >= 8, 8-byte aligned)")]
    InvalidCapacity(usize),
    /// The message is longer than [`ManyToOneRingBuffer::max_message_length`].
    #[error("message of {length} bytes exceeds the maximum of {max}")]
    MessageTooLong {
        /// The message length asked for.
        length: usize,
        /// The maximum message length of this buffer.
        max: usize,
    },
    /// Not enough free space right now: the consumer is behind. Retry later. (Also returned, for ever, if
    /// another process corrupted the tail position.)
    #[error("insufficient capacity in the ring buffer")]
    InsufficientCapacity,
}

/// The consumer met a record that no correct producer writes (garbage from a crashed or hostile process).
///
/// Records before it were delivered and consumed; the corrupt record was neither, so every later read stops
/// at the same place until something repairs the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("corrupt ring buffer record at position {position}: length {record_length}, type {msg_type_id}")]
pub struct RingBufferCorruption {
    /// Stream position of the corrupt record.
    pub position: i64,
    /// Its length word.
    pub record_length: i32,
    /// Its type word.
    pub msg_type_id: i32,
    /// Messages delivered by this read before the corrupt record was met.
    pub messages_read: usize,
}

/// A many-producer, single-consumer ring buffer in Agrona's layout.
///
/// How to drive it: producers call [`write`](Self::write), or [`try_claim`](Self::try_claim), encode into
/// [`buffer`](Self::buffer) at the returned index, then [`commit`](Self::commit) or
/// [`abort`](Self::abort). Exactly one consumer calls [`read`](Self::read) (or
/// [`try_read`](Self::try_read)) and, when the consumer position has not moved for a while,
/// [`unblock`](Self::unblock) to skip a claim abandoned by a dead producer.
///
/// Guarantees: producers are lock-free and never allocate; messages from one producer are delivered in
/// order, each exactly once; the consumer never panics or reads out of bounds whatever the memory holds.
/// Clones are views of the same memory.
#[derive(Debug, Clone)]
pub struct ManyToOneRingBuffer {
    buffer: AtomicBuffer,
    capacity: usize,
    max_message_length: usize,
    tail_position_index: usize,
    head_cache_position_index: usize,
    head_position_index: usize,
    correlation_counter_index: usize,
    consumer_heartbeat_index: usize,
}

impl ManyToOneRingBuffer {
    /// Wraps `buffer` (data capacity + [`RING_BUFFER_TRAILER_LENGTH`]). Does not initialise anything: a
    /// fresh buffer must be zero-filled, an existing one is used as it stands.
    pub fn new(buffer: AtomicBuffer) -> Result<Self, RingBufferError> {
        let length = buffer.capacity();
        let capacity = length.saturating_sub(RING_BUFFER_TRAILER_LENGTH);
        if length < RING_BUFFER_TRAILER_LENGTH
            || !capacity.is_power_of_two()
            || capacity < MIN_CAPACITY
            || capacity >= i32::MAX as usize
            || !buffer.address().is_multiple_of(8)
        {
            return Err(RingBufferError::InvalidCapacity(capacity));
        }
        let max_message_length =
            if capacity == MIN_CAPACITY { 0 } else { (capacity / 8).max(RECORD_HEADER_LENGTH) };
        Ok(Self {
            buffer,
            capacity,
            max_message_length,
            tail_position_index: capacity + TAIL_POSITION_OFFSET,
            head_cache_position_index: capacity + HEAD_CACHE_POSITION_OFFSET,
            head_position_index: capacity + HEAD_POSITION_OFFSET,
            correlation_counter_index: capacity + CORRELATION_COUNTER_OFFSET,
            consumer_heartbeat_index: capacity + CONSUMER_HEARTBEAT_OFFSET,
        })
    }

    /// The data capacity in bytes (excluding the trailer).
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The longest payload a single message may have (`capacity / 8`).
    pub fn max_message_length(&self) -> usize {
        self.max_message_length
    }

    /// The underlying memory (data region and trailer), for encoding into a claim.
    pub fn buffer(&self) -> &AtomicBuffer {
        &self.buffer
    }

    fn check_message(&self, msg_type_id: i32, length: usize) -> Result<(), RingBufferError> {
        assert!(msg_type_id >= 1, "message type id must be >= 1, got {msg_type_id}");
        if length > self.max_message_length {
            return Err(RingBufferError::MessageTooLong { length, max: self.max_message_length });
        }
        Ok(())
    }

    /// Copies one message of type `msg_type_id` (>= 1, asserted) into the buffer.
    ///
    /// Lock-free; safe to call from many threads and processes at once.
    pub fn write(&self, msg_type_id: i32, src: &[u8]) -> Result<(), RingBufferError> {
        self.check_message(msg_type_id, src.len())?;
        let record_length = src.len() + RECORD_HEADER_LENGTH;
        let record_index = self.claim_capacity(record_length)?;
        let buffer = &self.buffer;
        buffer.put_i32_ordered(record_index, -(record_length as i32));
        fence(Ordering::Release);
        buffer.put_bytes(record_index + RECORD_HEADER_LENGTH, src);
        buffer.put_i32(record_index + 4, msg_type_id);
        buffer.put_i32_ordered(record_index, record_length as i32);
        Ok(())
    }

    /// Claims room for a message of `length` bytes and type `msg_type_id` (>= 1, asserted); returns the
    /// index in [`buffer`](Self::buffer) where the payload goes.
    ///
    /// The claim must be completed promptly with [`commit`](Self::commit) or [`abort`](Self::abort): the
    /// consumer cannot pass it until then.
    pub fn try_claim(&self, msg_type_id: i32, length: usize) -> Result<usize, RingBufferError> {
        self.check_message(msg_type_id, length)?;
        let record_length = length + RECORD_HEADER_LENGTH;
        let record_index = self.claim_capacity(record_length)?;
        let buffer = &self.buffer;
        buffer.put_i32_ordered(record_index, -(record_length as i32));
        fence(Ordering::Release);
        buffer.put_i32(record_index + 4, msg_type_id);
        Ok(record_index + RECORD_HEADER_LENGTH)
    }

    fn claimed_record_index(&self, index: usize) -> (usize, i32) {
        let record_index = index.wrapping_sub(RECORD_HEADER_LENGTH);
        assert!(
            index >= RECORD_HEADER_LENGTH
                && record_index <= self.capacity - RECORD_HEADER_LENGTH
                && record_index.is_multiple_of(RECORD_ALIGNMENT),
            "invalid claim index {index}"
        );
        let length = self.buffer.get_i32(record_index);
        assert!(length < 0, "claim at index {index} was already committed or aborted");
        (record_index, length)
    }

    /// Publishes the message claimed at `index` (as returned by [`try_claim`](Self::try_claim)).
    ///
    /// Panics if `index` is not an outstanding claim.
    pub fn commit(&self, index: usize) {
        let (record_index, length) = self.claimed_record_index(index);
        self.buffer.put_i32_ordered(record_index, -length);
    }

    /// Abandons the message claimed at `index`: the consumer will skip it as padding.
    ///
    /// Panics if `index` is not an outstanding claim.
    pub fn abort(&self, index: usize) {
        let (record_index, length) = self.claimed_record_index(index);
        self.buffer.put_i32(record_index + 4, PADDING_MSG_TYPE_ID);
        self.buffer.put_i32_ordered(record_index, -length);
    }

    /// Reserves `record_length` bytes (aligned) and returns the record index; writes a padding record first
    /// if the reservation wraps.
    fn claim_capacity(&self, record_length: usize) -> Result<usize, RingBufferError> {
        let buffer = &self.buffer;
        let required = align(record_length, RECORD_ALIGNMENT) as i64;
        let capacity = self.capacity as i64;
        let mask = capacity - 1;
        let mut head = buffer.get_i64_volatile(self.head_cache_position_index);
        let mut tail;
        let mut tail_index;
        let mut padding;
        loop {
            tail = buffer.get_i64_volatile(self.tail_position_index);
            let available = capacity.wrapping_sub(tail.wrapping_sub(head));
            if required > available {
                head = buffer.get_i64_volatile(self.head_position_index);
                if required > capacity.wrapping_sub(tail.wrapping_sub(head)) {
                    return Err(RingBufferError::InsufficientCapacity);
                }
                buffer.put_i64_ordered(self.head_cache_position_index, head);
            }
            padding = 0;
            tail_index = tail & mask;
            if tail_index & (RECORD_ALIGNMENT as i64 - 1) != 0 {
                // Only a corrupt trailer gets here; refuse rather than write at a misaligned index.
                return Err(RingBufferError::InsufficientCapacity);
            }
            let to_buffer_end = capacity - tail_index;
            if required > to_buffer_end {
                let mut head_index = head & mask;
                if required > head_index {
                    head = buffer.get_i64_volatile(self.head_position_index);
                    head_index = head & mask;
                    if required > head_index {
                        return Err(RingBufferError::InsufficientCapacity);
                    }
                    buffer.put_i64_ordered(self.head_cache_position_index, head);
                }
                padding = to_buffer_end;
            }
            let new_tail = tail.wrapping_add(required + padding);
            if buffer.compare_and_set_i64(self.tail_position_index, tail, new_tail) {
                break;
            }
        }
        let mut record_index = tail_index as usize;
        if padding != 0 {
            buffer.put_i32_ordered(record_index, -(padding as i32));
            fence(Ordering::Release);
            buffer.put_i32(record_index + 4, PADDING_MSG_TYPE_ID);
            buffer.put_i32_ordered(record_index, padding as i32);
            record_index = 0;
        }
        Ok(record_index)
    }

    /// Consumer side: delivers up to `message_count_limit` committed messages to
    /// `handler(msg_type_id, payload)` and returns how many were delivered.
    ///
    /// Stops at the first uncommitted record, at the end of the buffer (the rest comes on the next call), or
    /// at a corrupt record (see [`try_read`](Self::try_read), which reports it). Never panics on garbage.
    /// Only one thread may consume.
    pub fn read(&self, handler: impl FnMut(i32, &[u8]), message_count_limit: usize) -> usize {
        match self.try_read(handler, message_count_limit) {
            Ok(count) => count,
            Err(corruption) => corruption.messages_read,
        }
    }

    /// As [`read`](Self::read), but reports a record that no correct producer could have written.
    ///
    /// Everything before the corrupt record is consumed; the corrupt record is left in place.
    pub fn try_read(
        &self,
        mut handler: impl FnMut(i32, &[u8]),
        message_count_limit: usize,
    ) -> Result<usize, RingBufferCorruption> {
        let buffer = &self.buffer;
        let head = buffer.get_i64(self.head_position_index);
        let head_index = (head as usize) & (self.capacity - 1);
        let contiguous_block_length = self.capacity - head_index;
        let mut messages_read = 0;
        let mut bytes_read = 0;
        let mut corruption = None;

        if !head_index.is_multiple_of(RECORD_ALIGNMENT) {
            return Err(RingBufferCorruption {
                position: head,
                record_length: 0,
                msg_type_id: 0,
                messages_read,
            });
        }

        while bytes_read < contiguous_block_length && messages_read < message_count_limit {
            let record_index = head_index + bytes_read;
            let record_length = buffer.get_i32_volatile(record_index);
            if record_length <= 0 {
                break;
            }
            let msg_type_id = buffer.get_i32(record_index + 4);
            let aligned_length = align(record_length as usize, RECORD_ALIGNMENT);
            if (record_length as usize) < RECORD_HEADER_LENGTH
                || aligned_length > contiguous_block_length - bytes_read
                || (msg_type_id < 1 && msg_type_id != PADDING_MSG_TYPE_ID)
            {
                corruption = Some(RingBufferCorruption {
                    position: head.wrapping_add(bytes_read as i64),
                    record_length,
                    msg_type_id,
                    messages_read: 0,
                });
                break;
            }
            bytes_read += aligned_length;
            if msg_type_id == PADDING_MSG_TYPE_ID {
                continue;
            }
            messages_read += 1;
            let payload_length = record_length as usize - RECORD_HEADER_LENGTH;
            // SAFETY: the record is committed (its length was observed with acquire) and belongs to the single
            // consumer until the head moves past it below, so no correct producer writes these bytes while
            // the slice lives. The range was bounds-checked against the data region above.
            let payload = unsafe { buffer.slice(record_index + RECORD_HEADER_LENGTH, payload_length) };
            handler(msg_type_id, payload);
        }

        if bytes_read != 0 {
            buffer.set_memory(head_index, bytes_read, 0);
            buffer.put_i64_ordered(self.head_position_index, head.wrapping_add(bytes_read as i64));
        }

        match corruption {
            Some(corruption) => Err(RingBufferCorruption { messages_read, ..corruption }),
            None => Ok(messages_read),
        }
    }

    /// Returns the next value of the shared correlation counter (starting at the counter's initial value,
    /// 0 for a fresh buffer). Unique across all producers.
    pub fn next_correlation_id(&self) -> i64 {
        self.buffer.get_and_add_i64(self.correlation_counter_index, 1)
    }

    /// The time (ms) the consumer last declared itself alive.
    pub fn consumer_heartbeat_time(&self) -> i64 {
        self.buffer.get_i64_volatile(self.consumer_heartbeat_index)
    }

    /// Consumer side: declares the consumer alive at `time_ms` (release store).
    pub fn set_consumer_heartbeat_time(&self, time_ms: i64) {
        self.buffer.put_i64_ordered(self.consumer_heartbeat_index, time_ms);
    }

    /// The position up to which producers have claimed space.
    pub fn producer_position(&self) -> i64 {
        self.buffer.get_i64_volatile(self.tail_position_index)
    }

    /// The position up to which the consumer has consumed.
    pub fn consumer_position(&self) -> i64 {
        self.buffer.get_i64_volatile(self.head_position_index)
    }

    /// Bytes currently claimed but not yet consumed (clamped to `0..=capacity`).
    pub fn size(&self) -> usize {
        let mut head_before = self.consumer_position();
        loop {
            let tail = self.producer_position();
            let head_after = self.consumer_position();
            if head_after == head_before {
                return tail.wrapping_sub(head_after).clamp(0, self.capacity as i64) as usize;
            }
            head_before = head_after;
        }
    }

    /// Consumer side: if the record at the head is a claim abandoned by a dead producer, turns it into
    /// padding so the consumer can move on; returns true if it did.
    ///
    /// Call it only after the consumer position has not moved for a timeout longer than any live producer
    /// takes to commit. Handles both a claim whose header was written (negative length) and one whose
    /// producer died right after moving the tail (zero length followed by later records).
    pub fn unblock(&self) -> bool {
        let buffer = &self.buffer;
        let head = buffer.get_i64_volatile(self.head_position_index);
        let tail = buffer.get_i64_volatile(self.tail_position_index);
        if head == tail {
            return false;
        }
        let mask = self.capacity - 1;
        let consumer_index = (head as usize) & mask;
        let producer_index = (tail as usize) & mask;
        if !consumer_index.is_multiple_of(RECORD_ALIGNMENT) {
            return false;
        }

        let length = buffer.get_i32_volatile(consumer_index);
        if length < 0 {
            let Some(record_length) = length.checked_neg() else { return false };
            let record_length = record_length as usize;
            if record_length < RECORD_HEADER_LENGTH
                || align(record_length, RECORD_ALIGNMENT) > self.capacity - consumer_index
            {
                return false;
            }
            buffer.put_i32(consumer_index + 4, PADDING_MSG_TYPE_ID);
            buffer.put_i32_ordered(consumer_index, record_length as i32);
            return true;
        }
        if length == 0 {
            let limit = if producer_index > consumer_index { producer_index } else { self.capacity };
            let mut i = consumer_index + RECORD_ALIGNMENT;
            while i < limit {
                if buffer.get_i32_volatile(i) != 0 {
                    if self.scan_back_to_confirm_still_zeroed(i, consumer_index) {
                        buffer.put_i32(consumer_index + 4, PADDING_MSG_TYPE_ID);
                        buffer.put_i32_ordered(consumer_index, (i - consumer_index) as i32);
                        return true;
                    }
                    return false;
                }
                i += RECORD_ALIGNMENT;
            }
        }
        false
    }

    fn scan_back_to_confirm_still_zeroed(&self, from: usize, limit: usize) -> bool {
        let mut i = from;
        while i > limit {
            i -= RECORD_ALIGNMENT;
            if self.buffer.get_i32_volatile(i) != 0 {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const CAPACITY: usize = 1024;

    fn ring(capacity: usize) -> ManyToOneRingBuffer {
        ManyToOneRingBuffer::new(AtomicBuffer::heap(capacity + RING_BUFFER_TRAILER_LENGTH)).unwrap()
    }

    fn drain(rb: &ManyToOneRingBuffer) -> Vec<(i32, Vec<u8>)> {
        let mut out = Vec::new();
        rb.read(|t, p| out.push((t, p.to_vec())), usize::MAX);
        out
    }

    #[test]
    fn shared_types_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<ManyToOneRingBuffer>();
        assert_send_sync::<crate::CountersReader>();
        assert_send_sync::<crate::AtomicCounter>();
        fn assert_send<T: Send>() {}
        assert_send::<crate::BroadcastTransmitter>();
        assert_send::<crate::CopyBroadcastReceiver>();
        assert_send::<crate::CountersManager>();
        assert_send::<crate::DistinctErrorLog>();
        assert_send::<crate::CompositeAgent>();
    }

    #[test]
    fn rejects_invalid_capacities() {
        for length in [0, 100, RING_BUFFER_TRAILER_LENGTH, RING_BUFFER_TRAILER_LENGTH + 1000] {
            assert!(matches!(
                ManyToOneRingBuffer::new(AtomicBuffer::heap(length)),
                Err(RingBufferError::InvalidCapacity(_))
            ));
        }
        let rb = ring(CAPACITY);
        assert_eq!(rb.capacity(), CAPACITY);
        assert_eq!(rb.max_message_length(), CAPACITY / 8);
    }

    #[test]
    fn single_thread_write_then_read_in_order() {
        let rb = ring(CAPACITY);
        rb.write(7, b"hello").unwrap();
        rb.write(8, b"").unwrap();
        rb.write(9, &[1, 2, 3, 4, 5, 6, 7, 8, 9]).unwrap();
        assert_eq!(rb.producer_position(), 16 + 8 + 24);
        assert_eq!(rb.buffer().get_i32(0), 13, "length counts header and payload");
        assert_eq!(rb.buffer().get_i32(4), 7);
        let got = drain(&rb);
        assert_eq!(got, vec![(7, b"hello".to_vec()), (8, vec![]), (9, vec![1, 2, 3, 4, 5, 6, 7, 8, 9])]);
        assert_eq!(rb.consumer_position(), rb.producer_position());
        assert!((0..CAPACITY).all(|i| rb.buffer().get_u8(i) == 0), "consumed space is zeroed");
        assert!(drain(&rb).is_empty());
    }

    #[test]
    fn read_respects_message_count_limit() {
        let rb = ring(CAPACITY);
        for i in 0..5u8 {
            rb.write(1, &[i]).unwrap();
        }
        let mut seen = Vec::new();
        assert_eq!(rb.read(|_, p| seen.push(p[0]), 2), 2);
        assert_eq!(rb.read(|_, p| seen.push(p[0]), 10), 3);
        assert_eq!(seen, vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn wrap_inserts_padding_record() {
        let rb = ring(CAPACITY);
        // 7 records of 128 bytes (120 payload) fill 896 bytes.
        let payload = [0xABu8; 120];
        for _ in 0..7 {
            rb.write(3, &payload).unwrap();
        }
        assert_eq!(drain(&rb).len(), 7);
        // 128 bytes left at the end; a 136-byte record must wrap behind a 128-byte padding record.
        let big = [0x5Au8; 128];
        rb.write(4, &big).unwrap();
        assert_eq!(rb.buffer().get_i32(896), 128, "padding fills to the end");
        assert_eq!(rb.buffer().get_i32(900), PADDING_MSG_TYPE_ID);
        assert_eq!(rb.buffer().get_i32(0), (big.len() + 8) as i32);
        assert_eq!(rb.producer_position(), 896 + 128 + 136);
        // The consumer delivers nothing but skips the padding on the first read, then gets the message.
        let mut got = drain(&rb);
        got.extend(drain(&rb));
        assert_eq!(got, vec![(4, big.to_vec())]);
        assert_eq!(rb.consumer_position(), rb.producer_position());
    }

    #[test]
    fn full_buffer_reports_insufficient_capacity_until_consumed() {
        let rb = ring(CAPACITY);
        let payload = [1u8; 120];
        for _ in 0..8 {
            rb.write(1, &payload).unwrap();
        }
        assert_eq!(rb.write(1, &payload), Err(RingBufferError::InsufficientCapacity));
        assert_eq!(rb.write(1, b""), Err(RingBufferError::InsufficientCapacity));
        assert_eq!(rb.try_claim(1, 0), Err(RingBufferError::InsufficientCapacity));
        assert_eq!(rb.read(|_, _| {}, 1), 1);
        rb.write(1, &payload).unwrap();
        assert_eq!(rb.size(), CAPACITY);
    }

    #[test]
    fn too_long_message_is_rejected() {
        let rb = ring(CAPACITY);
        let max = rb.max_message_length();
        assert!(rb.write(1, &vec![0u8; max]).is_ok());
        assert_eq!(
            rb.write(1, &vec![0u8; max + 1]),
            Err(RingBufferError::MessageTooLong { length: max + 1, max })
        );
        assert_eq!(rb.try_claim(1, max + 1), Err(RingBufferError::MessageTooLong { length: max + 1, max }));
    }

    #[test]
    #[should_panic(expected = "message type id must be >= 1")]
    fn non_positive_type_id_is_a_bug() {
        let _ = ring(CAPACITY).write(0, b"x");
    }

    #[test]
    fn claim_commit_and_abort() {
        let rb = ring(CAPACITY);
        let first = rb.try_claim(5, 4).unwrap();
        let second = rb.try_claim(6, 4).unwrap();
        assert_eq!((first, second), (8, 24));
        rb.buffer().put_i32(first, 111);
        rb.buffer().put_i32(second, 222);
        rb.commit(second);
        assert!(drain(&rb).is_empty(), "an uncommitted first claim blocks the consumer");
        rb.abort(first);
        assert_eq!(drain(&rb), vec![(6, 222i32.to_le_bytes().to_vec())]);
        let third = rb.try_claim(7, 4).unwrap();
        rb.buffer().put_i32(third, 333);
        rb.commit(third);
        assert_eq!(drain(&rb), vec![(7, 333i32.to_le_bytes().to_vec())]);
    }

    #[test]
    #[should_panic(expected = "already committed")]
    fn double_commit_is_a_bug() {
        let rb = ring(CAPACITY);
        let index = rb.try_claim(5, 4).unwrap();
        rb.commit(index);
        rb.commit(index);
    }

    #[test]
    fn correlation_ids_and_heartbeat() {
        let rb = ring(CAPACITY);
        assert_eq!(rb.next_correlation_id(), 0);
        assert_eq!(rb.next_correlation_id(), 1);
        assert_eq!(rb.clone().next_correlation_id(), 2, "clones share the counter");
        assert_eq!(rb.buffer().get_i64(CAPACITY + CORRELATION_COUNTER_OFFSET), 3);
        rb.set_consumer_heartbeat_time(12_345);
        assert_eq!(rb.consumer_heartbeat_time(), 12_345);
        assert_eq!(rb.buffer().get_i64(CAPACITY + CONSUMER_HEARTBEAT_OFFSET), 12_345);
    }

    #[test]
    fn unblock_skips_a_dead_claim_with_header() {
        let rb = ring(CAPACITY);
        let _dead = rb.try_claim(5, 16).unwrap();
        rb.write(6, b"alive").unwrap();
        assert!(drain(&rb).is_empty());
        assert!(rb.unblock());
        assert_eq!(drain(&rb), vec![(6, b"alive".to_vec())]);
        assert!(!rb.unblock(), "nothing left to unblock");
    }

    #[test]
    fn unblock_skips_a_dead_claim_without_header() {
        let rb = ring(CAPACITY);
        // A producer moved the tail by 32 bytes and died before writing its header.
        rb.buffer().put_i64(CAPACITY + TAIL_POSITION_OFFSET, 32);
        rb.write(6, b"alive").unwrap();
        assert_eq!(rb.buffer().get_i32(32), 13);
        assert!(drain(&rb).is_empty());
        assert!(rb.unblock());
        assert_eq!(rb.buffer().get_i32(0), 32);
        assert_eq!(drain(&rb), vec![(6, b"alive".to_vec())]);
    }

    #[test]
    fn unblock_does_nothing_while_no_later_record_exists() {
        let rb = ring(CAPACITY);
        rb.buffer().put_i64(CAPACITY + TAIL_POSITION_OFFSET, 32);
        assert!(!rb.unblock(), "cannot tell the length of the dead claim yet");
    }

    #[test]
    fn corrupt_record_is_reported_not_delivered() {
        let rb = ring(CAPACITY);
        rb.write(1, b"good").unwrap();
        rb.buffer().put_i32(16, 5000); // beyond the end of the buffer
        rb.buffer().put_i32(20, 1);
        let mut seen = 0;
        let err = rb.try_read(|_, _| seen += 1, usize::MAX).unwrap_err();
        assert_eq!(seen, 1);
        assert_eq!(
            err,
            RingBufferCorruption { position: 16, record_length: 5000, msg_type_id: 1, messages_read: 1 }
        );
        assert_eq!(rb.consumer_position(), 16, "the good record was consumed");
        assert_eq!(rb.read(|_, _| seen += 1, usize::MAX), 0);
        // A bad type id is corrupt too.
        rb.buffer().put_i32(16, 12);
        rb.buffer().put_i32(20, -7);
        assert_eq!(rb.try_read(|_, _| {}, usize::MAX).unwrap_err().msg_type_id, -7);
    }

    #[allow(clippy::disallowed_methods)]
    #[test]
    fn four_producers_lose_duplicate_and_tear_nothing() {
        const PRODUCERS: usize = 4;
        const MESSAGES: u64 = 100_000;
        let rb = ring(64 * 1024);
        // A broken buffer must fail the test, not hang it.
        let give_up = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let mut handles = Vec::new();
        for producer in 0..PRODUCERS {
            let rb = rb.clone();
            let give_up = std::sync::Arc::clone(&give_up);
            handles.push(std::thread::spawn(move || {
                let mut message = [0u8; 24];
                for seq in 0..MESSAGES {
                    // Variable length (16 or 24 bytes), payload derived from (producer, seq) to detect tearing.
                    let length = if seq % 3 == 0 { 24 } else { 16 };
                    message[..8].copy_from_slice(&seq.to_le_bytes());
                    let check = seq.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ producer as u64;
                    message[8..16].copy_from_slice(&check.to_le_bytes());
                    message[16..24].copy_from_slice(&(!check).to_le_bytes());
                    while rb.write(producer as i32 + 1, &message[..length]).is_err() {
                        if give_up.load(std::sync::atomic::Ordering::Relaxed) {
                            return;
                        }
                        std::thread::yield_now();
                    }
                }
            }));
        }
        let mut next_seq = [0u64; PRODUCERS];
        let mut total = 0u64;
        let mut errors = Vec::new();
        loop {
            let producers_done = handles.iter().all(|handle| handle.is_finished());
            let position_before = rb.consumer_position();
            let count = rb.read(
                |msg_type_id, payload| {
                    let producer = (msg_type_id - 1) as usize;
                    let seq = u64::from_le_bytes(payload[..8].try_into().unwrap());
                    let check = u64::from_le_bytes(payload[8..16].try_into().unwrap());
                    let expected_length = if seq % 3 == 0 { 24 } else { 16 };
                    let expected_check = seq.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ producer as u64;
                    if seq != next_seq[producer]
                        || check != expected_check
                        || payload.len() != expected_length
                    {
                        errors.push((producer, seq, next_seq[producer]));
                    }
                    if payload.len() == 24 && payload[16..24] != (!check).to_le_bytes() {
                        errors.push((producer, seq, u64::MAX));
                    }
                    next_seq[producer] = seq + 1;
                },
                usize::MAX,
            );
            total += count as u64;
            if count == 0 {
                if producers_done && rb.consumer_position() == position_before {
                    break; // Producers are done and nothing is left: lost messages show up in the asserts.
                }
                if std::time::Instant::now() > deadline {
                    give_up.store(true, std::sync::atomic::Ordering::Relaxed);
                    break;
                }
                std::thread::yield_now();
            }
        }
        for handle in handles {
            handle.join().unwrap();
        }
        assert!(
            errors.is_empty(),
            "lost, duplicated or torn messages: {:?}",
            &errors[..errors.len().min(10)]
        );
        assert_eq!(next_seq, [MESSAGES; PRODUCERS]);
        assert_eq!(total, PRODUCERS as u64 * MESSAGES);
        assert_eq!(rb.read(|_, _| {}, usize::MAX), 0);
        assert_eq!(rb.consumer_position(), rb.producer_position());
    }

    proptest! {
        #[test]
        fn consumer_survives_garbage(bytes in proptest::collection::vec(any::<u8>(), CAPACITY + RING_BUFFER_TRAILER_LENGTH), limit in 0usize..64) {
            let buffer = AtomicBuffer::heap(bytes.len());
            buffer.put_bytes(0, &bytes);
            let rb = ManyToOneRingBuffer::new(buffer).unwrap();
            let mut delivered = 0usize;
            let result = rb.try_read(|_, payload| { delivered += payload.len(); }, limit);
            if let Ok(count) = result { prop_assert!(count <= limit); }
            let _ = rb.unblock();
            let _ = rb.read(|_, _| {}, usize::MAX);
            let _ = rb.size();
        }

        #[test]
        fn consumer_survives_garbage_records_with_sane_trailer(
            bytes in proptest::collection::vec(any::<u8>(), CAPACITY),
            head in 0i64..4096,
            lengths in proptest::collection::vec((-64i32..2048, -3i32..5), 1..16),
        ) {
            let buffer = AtomicBuffer::heap(CAPACITY + RING_BUFFER_TRAILER_LENGTH);
            buffer.put_bytes(0, &bytes);
            let rb = ManyToOneRingBuffer::new(buffer.clone()).unwrap();
            let head = head & !7;
            buffer.put_i64(CAPACITY + HEAD_POSITION_OFFSET, head);
            buffer.put_i64(CAPACITY + TAIL_POSITION_OFFSET, head + 512);
            // Plant plausible-looking headers along the read path.
            let mut index = (head as usize) & (CAPACITY - 1);
            for (length, msg_type_id) in lengths {
                if index + 8 > CAPACITY { break; }
                buffer.put_i32(index, length);
                buffer.put_i32(index + 4, msg_type_id);
                index += align(length.unsigned_abs() as usize, 8).max(8);
            }
            let _ = rb.try_read(|_, _| {}, usize::MAX);
            let _ = rb.unblock();
            let _ = rb.try_read(|_, _| {}, usize::MAX);
        }
    }
}
