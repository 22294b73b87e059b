//! [`SnapshotReader`]: where [`crate::ClusteredService::on_start`] reads a snapshot back.
//!
//! Not wired yet: the container always passes `None` to `on_start` (no snapshot is ever loaded). The
//! type reads whole messages from a replay image so that services can be written against it now.
//!
//! Invariant: messages are delivered reassembled, in order, exactly as they were offered to the
//! [`crate::SnapshotWriter`].

use client::{FragmentAssembler, Image};

/// Reads snapshot messages from an image.
#[derive(Debug)]
pub struct SnapshotReader<'a> {
    image: &'a Image,
    assembler: FragmentAssembler,
}

impl<'a> SnapshotReader<'a> {
    /// Reads `image` from its current position.
    pub fn new(image: &'a Image) -> Self {
        Self { image, assembler: FragmentAssembler::new(4096) }
    }

    /// Delivers up to `fragment_limit` fragments' worth of whole messages to `handler`; returns the
    /// fragments consumed (0 when nothing is available yet or the image is closed).
    pub fn poll(&mut self, handler: &mut dyn FnMut(&[u8]), fragment_limit: usize) -> usize {
        let assembler = &mut self.assembler;
        self.image.poll(
            &mut |fragment, header| {
                assembler.on_fragment(fragment, header, &mut |message, _| handler(message))
            },
            fragment_limit,
        )
    }

    /// Position of the reader in the snapshot stream.
    pub fn position(&self) -> i64 {
        self.image.position()
    }

    /// True once the snapshot stream ended (end of stream reached) or the image closed.
    pub fn is_done(&self) -> bool {
        self.image.is_end_of_stream() || self.image.is_closed()
    }
}
