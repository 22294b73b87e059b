//! [`CountingAllocator`]: a global allocator for test binaries that counts the allocations made by the
//! current thread, to prove that a hot path (offer, poll, a duty cycle) allocates nothing.
//!
//! Invariants:
//! - every allocation is served by [`std::alloc::System`] unchanged; counting adds one thread-local
//!   increment per `alloc`, `alloc_zeroed` and `realloc` (deallocations are not counted);
//! - the counter is a `const`-initialised thread-local `Cell<u64>` with no destructor, so touching it
//!   never allocates (no lazy initialisation, no destructor registration) and never recurses into the
//!   allocator; during thread teardown, when thread-locals may be gone, allocations are simply not
//!   counted.
//!
//! How to use it (in a test binary of its own, since a binary has one global allocator):
//!
//! ```
//! use std::hint::black_box;
//!
//! use fulmar_sys::CountingAllocator;
//!
//! #[global_allocator]
//! static ALLOCATOR: CountingAllocator = CountingAllocator::new();
//!
//! fn main() {
//!     // Warm up first (lazy buffers, first-time growth), then measure the hot loop:
//!     let (sum, allocations) = CountingAllocator::count(|| (0..1_000_u64).map(black_box).sum::<u64>());
//!     assert_eq!((sum, allocations), (499_500, 0));
//!     let (_vec, allocations) = CountingAllocator::count(|| black_box(vec![0_u8; 64]));
//!     assert_eq!(allocations, 1);
//! }
//! ```
//!
//! Counts are per thread, so tests running in parallel on other threads do not disturb each other.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    static THREAD_ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

/// A [`GlobalAlloc`] over [`System`] that counts allocations per thread (see the module docs).
#[derive(Debug, Default, Clone, Copy)]
pub struct CountingAllocator;

impl CountingAllocator {
    /// The allocator, for a `static` declared `#[global_allocator]`.
    pub const fn new() -> Self {
        Self
    }

    /// Allocations (`alloc`, `alloc_zeroed`, `realloc`) made by the current thread so far. Always 0 if
    /// this allocator is not the binary's global allocator.
    pub fn thread_allocations() -> u64 {
        THREAD_ALLOCATIONS.try_with(Cell::get).unwrap_or(0)
    }

    /// Runs `f` on the current thread and returns its result with the number of allocations it made.
    pub fn count<R>(f: impl FnOnce() -> R) -> (R, u64) {
        let before = Self::thread_allocations();
        let result = f();
        let after = Self::thread_allocations();
        (result, after - before)
    }

    #[inline]
    fn record() {
        let _ = THREAD_ALLOCATIONS.try_with(|count| count.set(count.get() + 1));
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the only addition is a
// thread-local counter increment, which neither allocates nor unwinds.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Self::record();
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which we pass through.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Self::record();
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` (through this allocator) with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        Self::record();
        // SAFETY: `ptr` was allocated by `System` (through this allocator) with `layout`; the caller
        // upholds the rest of `realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
