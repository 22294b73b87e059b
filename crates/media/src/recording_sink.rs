//! [`RecordingSink`]: a [`DatagramSink`] that keeps every datagram, for tests and the simulator.
//!
//! Invariants: datagrams are kept in send order; while `would_block` is set, nothing is recorded and every
//! send reports [`SendOutcome::WouldBlock`].

use std::net::SocketAddr;

use crate::datagram_sink::{DatagramSink, SendOutcome};

/// One datagram captured by a [`RecordingSink`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedDatagram {
    /// Where it was sent.
    pub destination: SocketAddr,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// A sink that records datagrams (allocates per datagram: test and simulation use only).
///
/// How to drive it: pass `&mut sink` to the state machines, then inspect or [`take`](Self::take) the
/// recorded datagrams. Set [`would_block`](Self::would_block) to simulate a full socket buffer.
#[derive(Debug, Default, Clone)]
pub struct RecordingSink {
    /// The datagrams sent so far, oldest first.
    pub datagrams: Vec<RecordedDatagram>,
    /// While true, every send returns [`SendOutcome::WouldBlock`] and nothing is recorded.
    pub would_block: bool,
}

impl RecordingSink {
    /// An empty sink that accepts everything.
    pub fn new() -> Self {
        Self::default()
    }

    /// Removes and returns everything recorded so far.
    pub fn take(&mut self) -> Vec<RecordedDatagram> {
        std::mem::take(&mut self.datagrams)
    }

    /// Number of datagrams recorded.
    pub fn len(&self) -> usize {
        self.datagrams.len()
    }

    /// Whether nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.datagrams.is_empty()
    }
}

impl DatagramSink for RecordingSink {
    fn send(&mut self, destination: SocketAddr, datagram: &[u8]) -> SendOutcome {
        if self.would_block {
            return SendOutcome::WouldBlock;
        }
        self.datagrams.push(RecordedDatagram { destination, bytes: datagram.to_vec() });
        SendOutcome::Sent(datagram.len())
    }
}
