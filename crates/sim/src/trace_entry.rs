//! [`TraceEntry`] and [`DatagramFate`]: one record per datagram event on a simulated network, for
//! debugging a failing seed (one compact line each through `Display`).
//!
//! Invariants: entries are produced in the order the network processes events; each copy of a datagram
//! (duplicate, multicast member) has its own `datagram_id`, assigned in send order starting at 1 (0 is used
//! only for sends refused with `WouldBlock`, which put nothing on the wire). Arrival events carry the
//! arrival time, not the time the network happened to process them.

use std::fmt;
use std::net::SocketAddr;

/// What happened to a datagram copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatagramFate {
    /// Put on the wire; receivable from `deliver_at_ns`.
    Scheduled {
        /// When it arrives.
        deliver_at_ns: i64,
    },
    /// Put on the wire as a duplicate of the previous copy; receivable from `deliver_at_ns`.
    Duplicated {
        /// When it arrives.
        deliver_at_ns: i64,
    },
    /// The send was refused with `WouldBlock`.
    WouldBlock,
    /// Lost on the link.
    Lost,
    /// Dropped by a partition.
    Partitioned,
    /// Nobody was bound at the destination.
    Unreachable,
    /// Held back by a clogged link until `until_ns`.
    Held {
        /// When the clog releases it (unless a heal releases it earlier).
        until_ns: i64,
    },
    /// Arrived and queued at the receiving endpoint.
    Queued,
    /// Arrived at a full receive queue and was dropped.
    QueueFull,
    /// Arrived at an endpoint connected to another peer and was dropped.
    Filtered,
    /// Handed to the receiver by `try_recv`.
    Received,
    /// Dropped by `try_recv` because the caller's buffer was too short.
    Truncated,
    /// Dropped from the receive queue when the endpoint closed.
    Closed,
}

/// One datagram event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceEntry {
    /// Simulated time of the event.
    pub time_ns: i64,
    /// Which copy (see the module invariants).
    pub datagram_id: u64,
    /// The sender's address as receivers see it.
    pub source: SocketAddr,
    /// The address the copy travels to (for a multicast copy, the member host's address and the group
    /// port).
    pub destination: SocketAddr,
    /// Payload length in bytes.
    pub length: usize,
    /// What happened.
    pub fate: DatagramFate,
}

/// A callback receiving every trace entry as it happens. It runs while the network is locked, so it must
/// not call back into the network.
pub type TraceHook = Box<dyn FnMut(&TraceEntry) + Send>;

impl fmt::Display for TraceEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} #{} {} -> {} {}B ",
            self.time_ns, self.datagram_id, self.source, self.destination, self.length
        )?;
        match self.fate {
            DatagramFate::Scheduled { deliver_at_ns } => write!(f, "scheduled@{deliver_at_ns}"),
            DatagramFate::Duplicated { deliver_at_ns } => write!(f, "duplicated@{deliver_at_ns}"),
            DatagramFate::WouldBlock => f.write_str("would-block"),
            DatagramFate::Lost => f.write_str("lost"),
            DatagramFate::Partitioned => f.write_str("partitioned"),
            DatagramFate::Unreachable => f.write_str("unreachable"),
            DatagramFate::Held { until_ns } => write!(f, "held-until@{until_ns}"),
            DatagramFate::Queued => f.write_str("queued"),
            DatagramFate::QueueFull => f.write_str("queue-full"),
            DatagramFate::Filtered => f.write_str("filtered"),
            DatagramFate::Received => f.write_str("received"),
            DatagramFate::Truncated => f.write_str("truncated"),
            DatagramFate::Closed => f.write_str("closed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_one_compact_line() {
        let entry = TraceEntry {
            time_ns: 10,
            datagram_id: 3,
            source: "127.0.0.1:1".parse().unwrap(),
            destination: "127.0.0.1:2".parse().unwrap(),
            length: 4,
            fate: DatagramFate::Scheduled { deliver_at_ns: 15 },
        };
        assert_eq!(entry.to_string(), "10 #3 127.0.0.1:1 -> 127.0.0.1:2 4B scheduled@15");
        let held = TraceEntry { fate: DatagramFate::Held { until_ns: 99 }, ..entry };
        assert_eq!(held.to_string(), "10 #3 127.0.0.1:1 -> 127.0.0.1:2 4B held-until@99");
    }
}
