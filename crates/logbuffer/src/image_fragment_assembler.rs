//! [`ImageFragmentAssembler`]: reassembles fragmented messages of a single image (one session), as
//! Aeron's `ImageFragmentAssembler`: no per-session lookup.
//!
//! Invariants: as [`crate::FragmentAssembler`], with one buffer for the one session.

use crate::buffer_builder::BufferBuilder;
use crate::frame_descriptor::{BEGIN_FRAG_FLAG, UNFRAGMENTED};
use crate::header::Header;

/// Reassembles the fragments of one image. Feed it every fragment a poll of that image delivers.
#[derive(Debug)]
pub struct ImageFragmentAssembler {
    builder: BufferBuilder,
}

impl ImageFragmentAssembler {
    /// An assembler whose buffer starts with `initial_buffer_length` bytes of capacity.
    pub fn new(initial_buffer_length: usize) -> Self {
        Self { builder: BufferBuilder::new(initial_buffer_length) }
    }

    /// Feeds one fragment; calls `handler(message, header)` when a message is complete (unfragmented
    /// messages pass straight through).
    #[inline]
    pub fn on_fragment(
        &mut self,
        fragment: &[u8],
        header: &Header,
        handler: &mut impl FnMut(&[u8], &Header),
    ) {
        let flags = header.flags();
        if flags & UNFRAGMENTED == UNFRAGMENTED {
            handler(fragment, header);
        } else if flags & BEGIN_FRAG_FLAG == BEGIN_FRAG_FLAG {
            self.builder.begin(fragment, header);
        } else if self.builder.continue_with(fragment, header) {
            self.builder.deliver(handler);
        }
    }
}
