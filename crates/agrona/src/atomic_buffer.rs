//! [`AtomicBuffer`]: a view of shared memory (heap or memory-mapped) with plain, ordered and atomic
//! accessors, as Agrona's `UnsafeBuffer`.
//!
//! Invariants:
//! - every access is bounds-checked against the view; an out-of-range index is a bug and panics;
//! - ordered and atomic accessors require natural alignment of the absolute address (asserted);
//! - integers are little-endian in memory (the crate refuses to build on big-endian targets);
//! - the view keeps its backing [`Memory`] alive, so a buffer can never dangle.
//!
//! Plain accessors (`get_i32`, `put_i64`, `put_bytes`...) use unaligned non-atomic reads and writes.
//! Use them only on bytes that no other thread is writing at the same time, or that a release store
//! (`put_*_ordered`) publishes and an acquire load (`get_*_volatile`) observes: that is the discipline of
//! Aeron's log buffers (a frame's length word is committed last, with release; readers acquire it first).

use std::fmt;
use std::ptr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, AtomicI64, Ordering};

use crate::memory::{HeapMemory, Memory};

const _: () = assert!(cfg!(target_endian = "little"), "fulmar's shared-memory layouts are little-endian");

/// A bounds-checked view of a region of shared memory.
///
/// Cloning is cheap (an `Arc` clone) and yields another view of the same bytes. All methods take `&self`:
/// the memory is shared between threads and processes, so mutation is interior, as in Agrona.
#[derive(Clone)]
pub struct AtomicBuffer {
    ptr: *mut u8,
    len: usize,
    _owner: Arc<dyn Memory>,
}

// SAFETY: the pointer targets memory kept alive by `_owner` (which is Send + Sync); concurrent access
// follows the documented plain/ordered discipline above, as in Aeron.
unsafe impl Send for AtomicBuffer {}
// SAFETY: as above.
unsafe impl Sync for AtomicBuffer {}

impl fmt::Debug for AtomicBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AtomicBuffer").field("ptr", &self.ptr).field("len", &self.len).finish()
    }
}

macro_rules! plain_accessors {
    ($($get:ident, $put:ident, $t:ty);* $(;)?) => {
        $(
            #[doc = concat!("Reads a little-endian `", stringify!($t), "` at `index` (plain, unaligned).")]
            #[inline]
            pub fn $get(&self, index: usize) -> $t {
                self.check(index, size_of::<$t>());
                // SAFETY: bounds checked above; the memory is alive while `self` is.
                unsafe { <$t>::from_le(ptr::read_unaligned(self.ptr.add(index) as *const $t)) }
            }

            #[doc = concat!("Writes a little-endian `", stringify!($t), "` at `index` (plain, unaligned).")]
            #[inline]
            pub fn $put(&self, index: usize, value: $t) {
                self.check(index, size_of::<$t>());
                // SAFETY: bounds checked above; the memory is alive while `self` is.
                unsafe { ptr::write_unaligned(self.ptr.add(index) as *mut $t, value.to_le()) }
            }
        )*
    };
}

impl AtomicBuffer {
    /// A view of the whole of `memory`.
    pub fn new(memory: Arc<dyn Memory>) -> Self {
        let ptr = memory.as_mut_ptr();
        let len = memory.len();
        Self { ptr, len, _owner: memory }
    }

    /// A zero-filled, page-aligned heap buffer of `len` bytes (for in-process use and tests).
    pub fn heap(len: usize) -> Self {
        Self::new(Arc::new(HeapMemory::zeroed(len)))
    }

    /// A view of `len` bytes from `offset` of this view, sharing the same backing memory.
    ///
    /// Panics if the range is outside this view.
    pub fn view(&self, offset: usize, len: usize) -> Self {
        self.check(offset, len);
        // SAFETY: bounds checked above.
        let ptr = unsafe { self.ptr.add(offset) };
        Self { ptr, len, _owner: Arc::clone(&self._owner) }
    }

    /// The number of bytes in this view.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.len
    }

    /// The address of the first byte (for alignment checks and diagnostics).
    #[inline]
    pub fn address(&self) -> usize {
        self.ptr as usize
    }

    /// Raw pointer to the first byte. Writing through it bypasses the bounds checks: prefer the accessors.
    #[inline]
    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr
    }

    #[inline]
    #[track_caller]
    fn check(&self, index: usize, len: usize) {
        assert!(
            index <= self.len && len <= self.len - index,
            "AtomicBuffer access out of bounds: index={index} len={len} capacity={}",
            self.len
        );
    }

    #[inline]
    #[track_caller]
    fn check_aligned(&self, index: usize, len: usize, align: usize) {
        self.check(index, len);
        assert!(
            (self.ptr as usize + index).is_multiple_of(align),
            "unaligned atomic access at index {index}"
        );
    }

    plain_accessors! {
        get_u16, put_u16, u16;
        get_i16, put_i16, i16;
        get_u32, put_u32, u32;
        get_i32, put_i32, i32;
        get_u64, put_u64, u64;
        get_i64, put_i64, i64;
    }

    /// Reads the byte at `index`.
    #[inline]
    pub fn get_u8(&self, index: usize) -> u8 {
        self.check(index, 1);
        // SAFETY: bounds checked above.
        unsafe { ptr::read(self.ptr.add(index)) }
    }

    /// Writes the byte at `index`.
    #[inline]
    pub fn put_u8(&self, index: usize, value: u8) {
        self.check(index, 1);
        // SAFETY: bounds checked above.
        unsafe { ptr::write(self.ptr.add(index), value) }
    }

    #[inline]
    fn atomic_i32(&self, index: usize) -> &AtomicI32 {
        self.check_aligned(index, 4, 4);
        // SAFETY: in bounds, aligned, and alive as long as `self`.
        unsafe { AtomicI32::from_ptr(self.ptr.add(index) as *mut i32) }
    }

    #[inline]
    fn atomic_i64(&self, index: usize) -> &AtomicI64 {
        self.check_aligned(index, 8, 8);
        // SAFETY: in bounds, aligned, and alive as long as `self`.
        unsafe { AtomicI64::from_ptr(self.ptr.add(index) as *mut i64) }
    }

    /// Acquire load of an aligned `i32`.
    #[inline]
    pub fn get_i32_volatile(&self, index: usize) -> i32 {
        self.atomic_i32(index).load(Ordering::Acquire)
    }

    /// Release store of an aligned `i32`.
    #[inline]
    pub fn put_i32_ordered(&self, index: usize, value: i32) {
        self.atomic_i32(index).store(value, Ordering::Release)
    }

    /// Sequentially consistent store of an aligned `i32`.
    #[inline]
    pub fn put_i32_volatile(&self, index: usize, value: i32) {
        self.atomic_i32(index).store(value, Ordering::SeqCst)
    }

    /// Atomic add of an aligned `i32`; returns the previous value.
    #[inline]
    pub fn get_and_add_i32(&self, index: usize, delta: i32) -> i32 {
        self.atomic_i32(index).fetch_add(delta, Ordering::AcqRel)
    }

    /// Atomic compare-and-set of an aligned `i32`; true if `expected` was replaced by `update`.
    #[inline]
    pub fn compare_and_set_i32(&self, index: usize, expected: i32, update: i32) -> bool {
        self.atomic_i32(index).compare_exchange(expected, update, Ordering::AcqRel, Ordering::Acquire).is_ok()
    }

    /// Acquire load of an aligned `i64`.
    #[inline]
    pub fn get_i64_volatile(&self, index: usize) -> i64 {
        self.atomic_i64(index).load(Ordering::Acquire)
    }

    /// Release store of an aligned `i64`.
    #[inline]
    pub fn put_i64_ordered(&self, index: usize, value: i64) {
        self.atomic_i64(index).store(value, Ordering::Release)
    }

    /// Sequentially consistent store of an aligned `i64`.
    #[inline]
    pub fn put_i64_volatile(&self, index: usize, value: i64) {
        self.atomic_i64(index).store(value, Ordering::SeqCst)
    }

    /// Atomic add of an aligned `i64`; returns the previous value.
    #[inline]
    pub fn get_and_add_i64(&self, index: usize, delta: i64) -> i64 {
        self.atomic_i64(index).fetch_add(delta, Ordering::AcqRel)
    }

    /// Single-writer increment with release semantics (no read-modify-write atomic); returns the old value.
    #[inline]
    pub fn add_i64_ordered(&self, index: usize, delta: i64) -> i64 {
        let cell = self.atomic_i64(index);
        let value = cell.load(Ordering::Relaxed);
        cell.store(value.wrapping_add(delta), Ordering::Release);
        value
    }

    /// Atomic compare-and-set of an aligned `i64`; true if `expected` was replaced by `update`.
    #[inline]
    pub fn compare_and_set_i64(&self, index: usize, expected: i64, update: i64) -> bool {
        self.atomic_i64(index).compare_exchange(expected, update, Ordering::AcqRel, Ordering::Acquire).is_ok()
    }

    /// Copies `dst.len()` bytes starting at `index` into `dst`.
    #[inline]
    pub fn get_bytes(&self, index: usize, dst: &mut [u8]) {
        self.check(index, dst.len());
        // SAFETY: bounds checked; `dst` is a distinct Rust slice so the ranges cannot overlap.
        unsafe { ptr::copy_nonoverlapping(self.ptr.add(index), dst.as_mut_ptr(), dst.len()) }
    }

    /// Copies `src` to `index`.
    #[inline]
    pub fn put_bytes(&self, index: usize, src: &[u8]) {
        self.check(index, src.len());
        // SAFETY: bounds checked; `ptr::copy` tolerates overlap should `src` alias this memory.
        unsafe { ptr::copy(src.as_ptr(), self.ptr.add(index), src.len()) }
    }

    /// Copies `len` bytes from `src` at `src_index` to this buffer at `index` (the views may alias).
    #[inline]
    pub fn put_buffer(&self, index: usize, src: &AtomicBuffer, src_index: usize, len: usize) {
        self.check(index, len);
        src.check(src_index, len);
        // SAFETY: both ranges bounds checked; `ptr::copy` tolerates overlap.
        unsafe { ptr::copy(src.ptr.add(src_index), self.ptr.add(index), len) }
    }

    /// Fills `len` bytes from `index` with `value`.
    #[inline]
    pub fn set_memory(&self, index: usize, len: usize, value: u8) {
        self.check(index, len);
        // SAFETY: bounds checked above.
        unsafe { ptr::write_bytes(self.ptr.add(index), value, len) }
    }

    /// Borrows `len` bytes from `index` as a slice, for zero-copy hand-off to a reader.
    ///
    /// # Safety
    /// No other thread or process may write these bytes while the slice is alive. In a log buffer this
    /// holds for a committed frame (observed through an acquire load of its length) until its term is
    /// cleaned, which the driver does only once every reader has moved a whole term past it.
    #[inline]
    pub unsafe fn slice(&self, index: usize, len: usize) -> &[u8] {
        self.check(index, len);
        // SAFETY: bounds checked; the caller guarantees no concurrent writers.
        unsafe { std::slice::from_raw_parts(self.ptr.add(index), len) }
    }

    /// Borrows `len` bytes from `index` mutably, for encoding in place (a claimed frame).
    ///
    /// # Safety
    /// The caller must own these bytes exclusively (for example a range it has just claimed in a term)
    /// for as long as the slice lives, and no other slice of them may exist.
    #[inline]
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn slice_mut(&self, index: usize, len: usize) -> &mut [u8] {
        self.check(index, len);
        // SAFETY: bounds checked; exclusivity guaranteed by the caller.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(index), len) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_ordered_accessors_round_trip_little_endian() {
        let buffer = AtomicBuffer::heap(64);
        buffer.put_i32(4, 0x0102_0304);
        assert_eq!(buffer.get_u8(4), 0x04, "little-endian low byte first");
        assert_eq!(buffer.get_i32(4), 0x0102_0304);
        buffer.put_i64_ordered(8, -7);
        assert_eq!(buffer.get_i64_volatile(8), -7);
        assert_eq!(buffer.get_and_add_i64(8, 10), -7);
        assert!(buffer.compare_and_set_i64(8, 3, 99));
        assert!(!buffer.compare_and_set_i64(8, 3, 100));
        assert_eq!(buffer.get_i64(8), 99);
        buffer.put_i64(17, 0x1122_3344_5566_7788);
        assert_eq!(buffer.get_i64(17), 0x1122_3344_5566_7788, "unaligned plain access works");
    }

    #[test]
    fn views_share_memory_and_are_bounded() {
        let buffer = AtomicBuffer::heap(128);
        let view = buffer.view(64, 64);
        view.put_i32(0, 42);
        assert_eq!(buffer.get_i32(64), 42);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| view.get_i32(62)));
        assert!(result.is_err(), "reading past the view must panic");
    }

    #[test]
    fn bytes_copy_and_fill() {
        let buffer = AtomicBuffer::heap(32);
        buffer.put_bytes(3, b"hello");
        let mut out = [0u8; 5];
        buffer.get_bytes(3, &mut out);
        assert_eq!(&out, b"hello");
        buffer.put_buffer(10, &buffer.clone(), 3, 5);
        // SAFETY: single-threaded test.
        assert_eq!(unsafe { buffer.slice(10, 5) }, b"hello");
        buffer.set_memory(0, 32, 0);
        assert_eq!(buffer.get_u64(8), 0);
    }

    #[test]
    #[should_panic(expected = "unaligned atomic access")]
    fn misaligned_atomic_access_is_a_bug() {
        let buffer = AtomicBuffer::heap(32);
        buffer.get_i64_volatile(4);
    }
}
