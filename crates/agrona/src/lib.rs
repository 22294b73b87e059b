//! Fulmar's foundation, after Agrona: shared memory ([`AtomicBuffer`], [`Memory`], [`MemoryStore`]),
//! agents ([`Agent`], [`AgentInvoker`], [`CompositeAgent`]) and idle strategies, clocks, and Agrona's
//! shared-memory structures in Agrona's byte layouts: the many-to-one ring buffer
//! ([`ManyToOneRingBuffer`]), the broadcast buffer ([`BroadcastTransmitter`], [`BroadcastReceiver`],
//! [`CopyBroadcastReceiver`]), counters ([`CountersManager`], [`CountersReader`], [`AtomicCounter`]), the
//! distinct error log ([`DistinctErrorLog`], [`read_error_log`]) and the seeded [`Prng`].
//!
//! Robustness contract: every reader of memory written by another process (ring buffer consumer,
//! broadcast receivers, counters reader, error log reader) bounds-checks what it reads and never panics on
//! garbage.
//!
//! Determinism contract: nothing in this crate reads a clock, sleeps, spawns a thread, touches a file or
//! socket, or draws unseeded randomness. Time and I/O come in through the seams defined here.

pub mod agent;
pub mod agent_invoker;
pub mod atomic_buffer;
pub mod atomic_counter;
pub mod broadcast_descriptor;
pub mod broadcast_receiver;
pub mod broadcast_transmitter;
pub mod clock;
pub mod composite_agent;
pub mod copy_broadcast_receiver;
pub mod counters_descriptor;
pub mod counters_manager;
pub mod counters_reader;
pub mod crc32c;
pub mod distinct_error_log;
pub mod error_log_descriptor;
pub mod error_log_reader;
pub mod idle_strategy;
pub mod many_to_one_ring_buffer;
pub mod memory;
pub mod prng;

pub use agent::{Agent, AgentTermination};
pub use agent_invoker::AgentInvoker;
pub use atomic_buffer::AtomicBuffer;
pub use atomic_counter::AtomicCounter;
pub use broadcast_descriptor::{BROADCAST_BUFFER_TRAILER_LENGTH, BroadcastError};
pub use broadcast_receiver::BroadcastReceiver;
pub use broadcast_transmitter::BroadcastTransmitter;
pub use clock::{EpochClock, ManualClock, NanoClock};
pub use composite_agent::CompositeAgent;
pub use copy_broadcast_receiver::CopyBroadcastReceiver;
pub use counters_descriptor::{
    COUNTER_LENGTH, CountersError, MAX_KEY_LENGTH, MAX_LABEL_LENGTH, METADATA_LENGTH, NULL_COUNTER_ID,
    RECORD_ALLOCATED, RECORD_RECLAIMED, RECORD_UNUSED,
};
pub use counters_manager::CountersManager;
pub use counters_reader::CountersReader;
pub use crc32c::{crc32c, crc32c_extend};
pub use distinct_error_log::DistinctErrorLog;
pub use error_log_reader::{ErrorLogCorruption, error_log_exists, read_error_log, try_read_error_log};
pub use idle_strategy::{BusySpinIdleStrategy, IdleStrategy, NoOpIdleStrategy};
pub use many_to_one_ring_buffer::{
    ManyToOneRingBuffer, RING_BUFFER_TRAILER_LENGTH, RingBufferCorruption, RingBufferError,
};
pub use memory::{HeapMemory, HeapMemoryStore, Memory, MemoryError, MemoryStore};
pub use prng::Prng;

/// Rounds `value` up to a multiple of `alignment` (a power of two).
#[inline]
pub const fn align(value: usize, alignment: usize) -> usize {
    (value + alignment - 1) & !(alignment - 1)
}

/// Rounds `value` up to a multiple of `alignment` (a power of two), for `i32` lengths.
#[inline]
pub const fn align_i32(value: i32, alignment: i32) -> i32 {
    (value + alignment - 1) & !(alignment - 1)
}
