//! [`NetworkCounters`]: what happened to every datagram on a simulated network.
//!
//! Invariant (conservation, checked by [`NetworkCounters::is_conserved`]): every copy put on the wire is
//! accounted for exactly once:
//! `delivered + dropped() + in_flight + queued == sent + duplicated + multicast_copies`.

/// A snapshot of the network's counters.
///
/// How to use it: read it with [`SimNetwork::counters`](crate::SimNetwork::counters); the `dropped_*`
/// fields say why datagrams were lost, `in_flight` and `queued` are gauges (on the wire, and waiting in
/// endpoint receive queues).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NetworkCounters {
    /// Sends accepted (one per `send` call that returned `Sent`, whatever the number of receivers).
    pub sent: u64,
    /// Sends refused with `WouldBlock` (not counted in `sent`).
    pub would_block: u64,
    /// Extra copies created by link duplication.
    pub duplicated: u64,
    /// Extra copies created by multicast fan-out (receivers beyond the first).
    pub multicast_copies: u64,
    /// Datagrams handed to a receiver by `try_recv`.
    pub delivered: u64,
    /// Dropped by link loss.
    pub dropped_loss: u64,
    /// Dropped by a partition (at send or at arrival).
    pub dropped_partition: u64,
    /// Dropped because no endpoint was bound at the destination (or a multicast group had no members).
    pub dropped_unreachable: u64,
    /// Dropped because the receiving endpoint is connected to another peer.
    pub dropped_filtered: u64,
    /// Dropped because the receiving endpoint's queue was full.
    pub dropped_queue_full: u64,
    /// Dropped because the caller's receive buffer was shorter than the datagram.
    pub dropped_truncated: u64,
    /// Dropped from a receive queue when its endpoint closed.
    pub dropped_closed: u64,
    /// Times a datagram was held back by a clogged link (informational; a datagram can be held twice).
    pub held_by_clog: u64,
    /// Copies on the wire now (including those held by clogs).
    pub in_flight: u64,
    /// Copies waiting in endpoint receive queues now.
    pub queued: u64,
}

impl NetworkCounters {
    /// All drops, whatever the reason.
    pub const fn dropped(&self) -> u64 {
        self.dropped_loss
            + self.dropped_partition
            + self.dropped_unreachable
            + self.dropped_filtered
            + self.dropped_queue_full
            + self.dropped_truncated
            + self.dropped_closed
    }

    /// True if every copy put on the wire is accounted for exactly once.
    pub const fn is_conserved(&self) -> bool {
        self.delivered + self.dropped() + self.in_flight + self.queued
            == self.sent + self.duplicated + self.multicast_copies
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conservation_arithmetic() {
        let mut counters = NetworkCounters::default();
        assert!(counters.is_conserved());
        counters.sent = 3;
        counters.duplicated = 1;
        counters.delivered = 2;
        counters.dropped_loss = 1;
        counters.in_flight = 1;
        assert_eq!(counters.dropped(), 1);
        assert!(counters.is_conserved());
        counters.queued = 1;
        assert!(!counters.is_conserved());
    }
}
