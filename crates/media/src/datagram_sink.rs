//! [`DatagramSink`]: where the protocol state machines put outgoing datagrams.
//!
//! Invariants: a sink either takes the whole datagram ([`SendOutcome::Sent`] with the byte count the
//! transport accepted) or none of it ([`SendOutcome::WouldBlock`]); the state machines count anything
//! other than a full send as a short send and retry on a later duty cycle where Aeron does.

use std::net::SocketAddr;

/// The result of handing one datagram to a [`DatagramSink`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendOutcome {
    /// The transport accepted this many bytes (a full send equals the datagram length).
    Sent(usize),
    /// The transport could not take the datagram now (socket buffer full); nothing was sent.
    WouldBlock,
}

impl SendOutcome {
    /// Bytes sent (0 for [`SendOutcome::WouldBlock`]).
    pub const fn bytes(self) -> usize {
        match self {
            Self::Sent(bytes) => bytes,
            Self::WouldBlock => 0,
        }
    }
}

/// Outgoing datagram seam: a UDP socket in the driver, a simulated network in the simulator, a
/// [`RecordingSink`](crate::RecordingSink) in tests.
///
/// How to drive it: implement `send`; the state machines call it synchronously from their duty-cycle
/// methods and never keep `datagram` after the call returns.
pub trait DatagramSink {
    /// Sends `datagram` to `destination`.
    fn send(&mut self, destination: SocketAddr, datagram: &[u8]) -> SendOutcome;
}

impl<S: DatagramSink + ?Sized> DatagramSink for &mut S {
    fn send(&mut self, destination: SocketAddr, datagram: &[u8]) -> SendOutcome {
        (**self).send(destination, datagram)
    }
}
