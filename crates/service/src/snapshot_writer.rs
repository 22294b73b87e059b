//! [`SnapshotWriter`]: where [`crate::ClusteredService::on_take_snapshot`] writes the service's state.
//!
//! The writer collects the service's messages in memory; the container then streams them, after its
//! own part (markers and client sessions) and before the checksum trailer, into an archive recording
//! over as many duty cycles as the recording needs (so a large snapshot never stalls on back-pressure
//! inside the callback). The service's state is therefore captured exactly at the snapshot's log
//! position, whatever the archive's speed.
//!
//! Invariants: each accepted `offer` is one message of the snapshot, in order; a message longer than
//! [`SnapshotWriter::max_message_length`] is refused (and fails the snapshot), never truncated.

use client::OfferError;

/// Collects snapshot messages. Handed to [`crate::ClusteredService::on_take_snapshot`].
#[derive(Debug)]
pub struct SnapshotWriter<'a> {
    messages: &'a mut Vec<Vec<u8>>,
    max_message_length: usize,
    position: i64,
    refused: bool,
}

impl<'a> SnapshotWriter<'a> {
    /// A writer appending to `messages`; messages longer than `max_message_length` are refused.
    pub fn new(messages: &'a mut Vec<Vec<u8>>, max_message_length: usize) -> Self {
        Self { messages, max_message_length, position: 0, refused: false }
    }

    /// Adds `bytes` as one message; returns the number of bytes written so far. A message longer than
    /// [`SnapshotWriter::max_message_length`] is refused with `MaxPositionExceeded` and the snapshot
    /// will be reported as failed.
    pub fn offer(&mut self, bytes: &[u8]) -> Result<i64, OfferError> {
        self.offer_vectored(&[bytes])
    }

    /// Adds the concatenation of `parts` as one message.
    pub fn offer_vectored(&mut self, parts: &[&[u8]]) -> Result<i64, OfferError> {
        let length: usize = parts.iter().map(|p| p.len()).sum();
        if length > self.max_message_length {
            self.refused = true;
            return Err(OfferError::MaxPositionExceeded);
        }
        let mut message = Vec::with_capacity(length);
        for part in parts {
            message.extend_from_slice(part);
        }
        self.messages.push(message);
        self.position += length as i64;
        Ok(self.position)
    }

    /// Bytes of service state written so far.
    pub fn position(&self) -> i64 {
        self.position
    }

    /// Largest message [`SnapshotWriter::offer`] accepts.
    pub fn max_message_length(&self) -> usize {
        self.max_message_length
    }

    /// True if a message was refused (the snapshot is incomplete and will be reported as failed).
    pub fn has_refused(&self) -> bool {
        self.refused
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_kept_in_order_and_oversize_ones_refused() {
        let mut messages = Vec::new();
        let mut writer = SnapshotWriter::new(&mut messages, 8);
        assert_eq!(writer.offer(b"abc"), Ok(3));
        assert_eq!(writer.offer_vectored(&[b"de", b"f"]), Ok(6));
        assert!(!writer.has_refused());
        assert_eq!(writer.offer(b"123456789"), Err(OfferError::MaxPositionExceeded));
        assert!(writer.has_refused());
        assert_eq!(messages, vec![b"abc".to_vec(), b"def".to_vec()]);
    }
}
