//! The memory seam: where shared memory comes from.
//!
//! [`Memory`] is a block of bytes that stays put while it is alive (heap or a memory-mapped file).
//! [`MemoryStore`] creates and opens named blocks: the driver creates its CnC region and log buffers
//! through it, and clients open them by name. [`HeapMemoryStore`] serves one process (and the
//! simulator); `sys::MappedMemoryStore` serves several processes through files in a driver directory.
//!
//! Invariants: a block's address and length never change while it is alive; a new block is zero-filled.

use std::alloc::{self, Layout};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::atomic_buffer::AtomicBuffer;

/// A block of memory whose address and length are fixed for its lifetime.
///
/// # Safety
/// `as_mut_ptr()` must point to `len()` bytes that stay valid (readable and writable) until the value is
/// dropped, and must return the same pointer on every call.
pub unsafe trait Memory: Send + Sync + 'static {
    /// The first byte.
    fn as_mut_ptr(&self) -> *mut u8;
    /// The length in bytes.
    fn len(&self) -> usize;
    /// True if the block has no bytes.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Page-aligned, zero-filled heap memory.
pub struct HeapMemory {
    ptr: *mut u8,
    layout: Layout,
}

/// The alignment of heap blocks: a page, as for a memory-mapped file.
pub const HEAP_MEMORY_ALIGNMENT: usize = 4096;

impl HeapMemory {
    /// Allocates `len` zeroed bytes aligned to [`HEAP_MEMORY_ALIGNMENT`]. Aborts on allocation failure.
    pub fn zeroed(len: usize) -> Self {
        let layout = Layout::from_size_align(len.max(1), HEAP_MEMORY_ALIGNMENT).expect("valid heap layout");
        // SAFETY: the layout has a non-zero size.
        let ptr = unsafe { alloc::alloc_zeroed(layout) };
        if ptr.is_null() {
            alloc::handle_alloc_error(layout);
        }
        Self { ptr, layout }
    }
}

impl Drop for HeapMemory {
    fn drop(&mut self) {
        // SAFETY: allocated in `zeroed` with this layout.
        unsafe { alloc::dealloc(self.ptr, self.layout) }
    }
}

// SAFETY: the allocation is owned by this value and freed only on drop.
unsafe impl Send for HeapMemory {}
// SAFETY: shared access follows AtomicBuffer's discipline.
unsafe impl Sync for HeapMemory {}

// SAFETY: the pointer is fixed and valid until drop.
unsafe impl Memory for HeapMemory {
    fn as_mut_ptr(&self) -> *mut u8 {
        self.ptr
    }
    fn len(&self) -> usize {
        self.layout.size()
    }
}

/// Why a named block could not be created or opened.
#[derive(Debug, thiserror::Error)]
pub enum MemoryError {
    /// `open` of a name that does not exist.
    #[error("no shared memory named {0:?}")]
    NotFound(String),
    /// `create` of a name that already exists.
    #[error("shared memory {0:?} already exists")]
    AlreadyExists(String),
    /// The OS refused (file system full, permissions, mapping failure...).
    #[error("shared memory {name:?}: {reason}")]
    Io {
        /// The block's name.
        name: String,
        /// What the OS said.
        reason: String,
    },
}

/// Creates, opens and removes named blocks of shared memory.
///
/// Names are relative paths such as `cnc.dat` or `publications/17.logbuffer`.
pub trait MemoryStore: Send + Sync {
    /// Creates a zero-filled block of `len` bytes. Fails if the name exists.
    fn create(&self, name: &str, len: usize) -> Result<AtomicBuffer, MemoryError>;
    /// Opens an existing block.
    fn open(&self, name: &str) -> Result<AtomicBuffer, MemoryError>;
    /// Forgets a block. Views already handed out stay valid until dropped.
    fn remove(&self, name: &str);
    /// True if a block of that name exists.
    fn exists(&self, name: &str) -> bool;
}

/// An in-process [`MemoryStore`] on the heap. Clones share the same blocks.
#[derive(Clone, Default)]
pub struct HeapMemoryStore {
    blocks: Arc<Mutex<HashMap<String, AtomicBuffer>>>,
}

impl HeapMemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl MemoryStore for HeapMemoryStore {
    fn create(&self, name: &str, len: usize) -> Result<AtomicBuffer, MemoryError> {
        let mut blocks = self.blocks.lock().expect("memory store lock");
        if blocks.contains_key(name) {
            return Err(MemoryError::AlreadyExists(name.to_owned()));
        }
        let buffer = AtomicBuffer::heap(len);
        blocks.insert(name.to_owned(), buffer.clone());
        Ok(buffer)
    }

    fn open(&self, name: &str) -> Result<AtomicBuffer, MemoryError> {
        let blocks = self.blocks.lock().expect("memory store lock");
        blocks.get(name).cloned().ok_or_else(|| MemoryError::NotFound(name.to_owned()))
    }

    fn remove(&self, name: &str) {
        self.blocks.lock().expect("memory store lock").remove(name);
    }

    fn exists(&self, name: &str) -> bool {
        self.blocks.lock().expect("memory store lock").contains_key(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heap_memory_is_zeroed_and_page_aligned() {
        let memory = HeapMemory::zeroed(10_000);
        assert_eq!(memory.as_mut_ptr() as usize % HEAP_MEMORY_ALIGNMENT, 0);
        let buffer = AtomicBuffer::new(Arc::new(memory));
        assert!((0..10_000).all(|i| buffer.get_u8(i) == 0));
    }

    #[test]
    fn heap_store_shares_blocks_by_name() {
        let store = HeapMemoryStore::new();
        let created = store.create("a/b.logbuffer", 4096).unwrap();
        created.put_i64(0, 5);
        let opened = store.open("a/b.logbuffer").unwrap();
        assert_eq!(opened.get_i64(0), 5);
        assert!(matches!(store.create("a/b.logbuffer", 1), Err(MemoryError::AlreadyExists(_))));
        store.remove("a/b.logbuffer");
        assert!(matches!(store.open("a/b.logbuffer"), Err(MemoryError::NotFound(_))));
        assert_eq!(opened.get_i64(0), 5, "views outlive removal");
    }
}
