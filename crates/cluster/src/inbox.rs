//! [`Inbox`]: a reusable arena of reassembled messages, so the consensus module can poll a subscription
//! (which borrows it) and handle the messages afterwards (which needs the whole module).
//!
//! Invariants: messages are kept in arrival order with the stream position after each one; `clear`
//! keeps the capacity, so a steady state polls without allocating.

use client::{FragmentAssembler, Header};

/// Reassembled messages with their positions, in arrival order.
#[derive(Debug)]
pub struct Inbox {
    bytes: Vec<u8>,
    spans: Vec<(usize, usize, i64)>,
    assembler: FragmentAssembler,
}

impl Default for Inbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Inbox {
    /// An empty inbox.
    pub fn new() -> Self {
        Self {
            bytes: Vec::with_capacity(4096),
            spans: Vec::with_capacity(64),
            assembler: FragmentAssembler::new(4096),
        }
    }

    /// Feeds one fragment (reassembling fragmented messages).
    pub fn on_fragment(&mut self, fragment: &[u8], header: &Header) {
        let bytes = &mut self.bytes;
        let spans = &mut self.spans;
        self.assembler.on_fragment(fragment, header, &mut |message: &[u8], header: &Header| {
            let start = bytes.len();
            bytes.extend_from_slice(message);
            spans.push((start, message.len(), header.position()));
        });
    }

    /// Number of complete messages held.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether no message is held.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Message `index` and the position after it.
    pub fn get(&self, index: usize) -> (&[u8], i64) {
        let (start, length, position) = self.spans[index];
        (&self.bytes[start..start + length], position)
    }

    /// Forgets the messages (keeps the capacity and any partly reassembled message).
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.spans.clear();
    }

    /// Forgets partly reassembled messages too (a new image or leader).
    pub fn reset(&mut self) {
        self.clear();
        self.assembler.clear();
    }
}
