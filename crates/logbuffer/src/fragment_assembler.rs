//! [`FragmentAssembler`]: reassembles fragmented messages from any number of sessions (Aeron's
//! `FragmentAssembler`, reference §2.5).
//!
//! Invariants: unfragmented messages (B|E) pass straight through without copying; a B fragment starts
//! (or restarts) its session's message; a later fragment is accepted only if its term offset is the one
//! expected after the previous fragment, otherwise the partial message is dropped; E delivers the whole
//! message with a header whose position is after the last fragment. Per-session buffers are created on a
//! session's first fragmented message and keep their capacity, so steady-state reassembly does not
//! allocate.

use std::collections::HashMap;

use crate::buffer_builder::BufferBuilder;
use crate::frame_descriptor::{BEGIN_FRAG_FLAG, UNFRAGMENTED};
use crate::header::Header;

/// Reassembles fragments keyed by session id. Feed it every fragment a poll delivers.
#[derive(Debug, Default)]
pub struct FragmentAssembler {
    initial_buffer_length: usize,
    builders: HashMap<i32, BufferBuilder>,
}

impl FragmentAssembler {
    /// An assembler whose per-session buffers start with `initial_buffer_length` bytes of capacity.
    pub fn new(initial_buffer_length: usize) -> Self {
        Self { initial_buffer_length, builders: HashMap::new() }
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
        } else {
            self.handle_fragment(fragment, header, flags, handler);
        }
    }

    fn handle_fragment(
        &mut self,
        fragment: &[u8],
        header: &Header,
        flags: u8,
        handler: &mut impl FnMut(&[u8], &Header),
    ) {
        if flags & BEGIN_FRAG_FLAG == BEGIN_FRAG_FLAG {
            let initial = self.initial_buffer_length;
            self.builders
                .entry(header.session_id())
                .or_insert_with(|| BufferBuilder::new(initial))
                .begin(fragment, header);
        } else if let Some(builder) = self.builders.get_mut(&header.session_id())
            && builder.continue_with(fragment, header)
        {
            builder.deliver(handler);
        }
    }

    /// Frees the buffer kept for `session_id` (when its image goes away). Returns true if there was one.
    pub fn free_session_buffer(&mut self, session_id: i32) -> bool {
        self.builders.remove(&session_id).is_some()
    }

    /// Frees every session buffer.
    pub fn clear(&mut self) {
        self.builders.clear();
    }
}
