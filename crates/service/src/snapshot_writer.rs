//! [`SnapshotWriter`]: where [`crate::ClusteredService::on_take_snapshot`] writes the service's state.
//!
//! Not wired yet: the container does not take snapshots (a ClusterActionRequest SNAPSHOT is
//! acknowledged as failed). The type exists so that services can implement the callback now; a later
//! issue will hand it an exclusive publication recorded by the archive.
//!
//! Invariant: each `offer` is one Aeron message on the snapshot publication, in order.

use client::{ExclusivePublication, OfferError};

/// Writes snapshot messages to an exclusive publication.
#[derive(Debug)]
pub struct SnapshotWriter<'a> {
    publication: &'a mut ExclusivePublication,
}

impl<'a> SnapshotWriter<'a> {
    /// Wraps the snapshot publication.
    pub fn new(publication: &'a mut ExclusivePublication) -> Self {
        Self { publication }
    }

    /// Offers `bytes` as one message; returns the new position or the publication's error (retry on
    /// `BackPressured`/`AdminAction`). Panics above the publication's maximum message length.
    pub fn offer(&mut self, bytes: &[u8]) -> Result<i64, OfferError> {
        self.publication.offer(bytes)
    }

    /// Offers the concatenation of `parts` as one message.
    pub fn offer_vectored(&mut self, parts: &[&[u8]]) -> Result<i64, OfferError> {
        self.publication.offer_vectored(parts)
    }

    /// Position after the last message written.
    pub fn position(&self) -> i64 {
        self.publication.position()
    }

    /// Largest message [`SnapshotWriter::offer`] accepts.
    pub fn max_message_length(&self) -> usize {
        self.publication.max_message_length()
    }
}
