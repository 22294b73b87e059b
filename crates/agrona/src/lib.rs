//! Fulmar's foundation, after Agrona: shared memory ([`AtomicBuffer`], [`Memory`], [`MemoryStore`]),
//! agents and idle strategies, clocks, and (in their own modules) the ring buffer, broadcast buffer,
//! counters, distinct error log and seeded PRNG.
//!
//! Determinism contract: nothing in this crate reads a clock, sleeps, spawns a thread, touches a file or
//! socket, or draws unseeded randomness. Time and I/O come in through the seams defined here.

pub mod agent;
pub mod atomic_buffer;
pub mod clock;
pub mod idle_strategy;
pub mod memory;

pub use agent::{Agent, AgentTermination};
pub use atomic_buffer::AtomicBuffer;
pub use clock::{EpochClock, ManualClock, NanoClock};
pub use idle_strategy::{BusySpinIdleStrategy, IdleStrategy, NoOpIdleStrategy};
pub use memory::{HeapMemory, HeapMemoryStore, Memory, MemoryError, MemoryStore};

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
