//! [`SnapshotReader`]: where [`crate::ClusteredService::on_start`] reads its snapshot back.
//!
//! The container reads the whole snapshot recording from the archive before `on_start`, checks its
//! checksum trailer and its markers, restores the client sessions, and hands the service a reader over
//! the service's own messages (those after the END marker).
//!
//! Invariant: messages are delivered whole, in order, exactly as they were offered to the
//! [`crate::SnapshotWriter`] when the snapshot was taken.

/// Reads the service's snapshot messages. Handed to [`crate::ClusteredService::on_start`].
#[derive(Debug)]
pub struct SnapshotReader<'a> {
    messages: &'a [Vec<u8>],
    next: usize,
}

impl<'a> SnapshotReader<'a> {
    /// A reader over `messages`.
    pub fn new(messages: &'a [Vec<u8>]) -> Self {
        Self { messages, next: 0 }
    }

    /// Delivers up to `message_limit` messages to `handler`; returns how many (0 once done).
    pub fn poll(&mut self, handler: &mut dyn FnMut(&[u8]), message_limit: usize) -> usize {
        let end = self.messages.len().min(self.next + message_limit);
        for message in &self.messages[self.next..end] {
            handler(message);
        }
        let delivered = end - self.next;
        self.next = end;
        delivered
    }

    /// Messages not yet delivered.
    pub fn remaining(&self) -> usize {
        self.messages.len() - self.next
    }

    /// True once every message was delivered.
    pub fn is_done(&self) -> bool {
        self.next >= self.messages.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_come_back_in_order_within_the_limit() {
        let messages = vec![b"a".to_vec(), b"bb".to_vec(), b"ccc".to_vec()];
        let mut reader = SnapshotReader::new(&messages);
        let mut seen = Vec::new();
        assert_eq!(reader.poll(&mut |m| seen.push(m.to_vec()), 2), 2);
        assert_eq!(reader.remaining(), 1);
        assert!(!reader.is_done());
        assert_eq!(reader.poll(&mut |m| seen.push(m.to_vec()), 10), 1);
        assert_eq!(reader.poll(&mut |m| seen.push(m.to_vec()), 10), 0);
        assert!(reader.is_done());
        assert_eq!(seen, messages);
    }
}
