//! [`AuctionStats`]: a running auction service's figures, shared with other threads (a node's status
//! line, a demo's summary).
//!
//! Invariant: written only by the service's thread (relaxed atomics: each figure is individually
//! current, not a consistent snapshot of all of them); never read back by the service.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64};

/// Figures of a running auction service, readable from any thread.
#[derive(Debug)]
pub struct AuctionStats {
    /// The best price (0: none).
    pub best_price: AtomicI64,
    /// The winning customer (-1: none).
    pub winning_customer_id: AtomicI64,
    /// Bids that became the best one.
    pub bids_accepted: AtomicU64,
    /// Bids that did not beat the best price.
    pub bids_rejected: AtomicU64,
    /// Client messages that were not bids (too short).
    pub malformed_messages: AtomicU64,
    /// Replies sent (or mocked on a follower).
    pub responses_sent: AtomicU64,
    /// Replies dropped (session gone or backlog full).
    pub responses_dropped: AtomicU64,
    /// Open client sessions.
    pub open_sessions: AtomicI64,
    /// Snapshots written.
    pub snapshots_taken: AtomicU64,
    /// True if a snapshot could not be written or loaded.
    pub snapshot_failed: AtomicBool,
    /// The service's role code (0 follower, 1 candidate, 2 leader).
    pub role: AtomicI64,
}

impl Default for AuctionStats {
    fn default() -> Self {
        Self {
            best_price: AtomicI64::new(0),
            winning_customer_id: AtomicI64::new(-1),
            bids_accepted: AtomicU64::new(0),
            bids_rejected: AtomicU64::new(0),
            malformed_messages: AtomicU64::new(0),
            responses_sent: AtomicU64::new(0),
            responses_dropped: AtomicU64::new(0),
            open_sessions: AtomicI64::new(0),
            snapshots_taken: AtomicU64::new(0),
            snapshot_failed: AtomicBool::new(false),
            role: AtomicI64::new(0),
        }
    }
}
