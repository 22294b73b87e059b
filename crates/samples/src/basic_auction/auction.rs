//! [`Auction`]: the basic auction's replicated state machine (the tutorial's `Auction` class), free of
//! any cluster plumbing so that it can be tested and replayed on its own.
//!
//! Rules (the tutorial's `attemptBid`): a bid succeeds only if its price is strictly above the best
//! price so far (which starts at 0, so zero and negative prices never win); a successful bid makes its
//! customer the winner. Any customer may outbid anyone, including themselves.
//!
//! Invariants: the state depends only on the sequence of `(price, customer_id, timestamp)` applied —
//! no clock, no randomness, no iteration over unordered collections — so every replica that applies the
//! same log reaches the same state; `best_price` never decreases; [`Auction::to_snapshot`] /
//! [`Auction::from_snapshot`] round-trip the whole state.

use super::messages::AuctionSnapshot;

/// The auction's state. Drive it with [`Auction::attempt_bid`] in log order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Auction {
    best_price: i64,
    winning_customer_id: i64,
    winning_timestamp: i64,
    bids_accepted: u64,
    bids_rejected: u64,
}

impl Default for Auction {
    fn default() -> Self {
        Self::new()
    }
}

impl Auction {
    /// No bids yet: best price 0, no winner (-1).
    pub fn new() -> Self {
        Self {
            best_price: 0,
            winning_customer_id: -1,
            winning_timestamp: 0,
            bids_accepted: 0,
            bids_rejected: 0,
        }
    }

    /// Applies a bid made at cluster time `timestamp`; returns true if it became the best bid.
    pub fn attempt_bid(&mut self, price: i64, customer_id: i64, timestamp: i64) -> bool {
        if price <= self.best_price {
            self.bids_rejected += 1;
            return false;
        }
        self.best_price = price;
        self.winning_customer_id = customer_id;
        self.winning_timestamp = timestamp;
        self.bids_accepted += 1;
        true
    }

    /// The best price so far (0: none).
    pub fn best_price(&self) -> i64 {
        self.best_price
    }

    /// The customer holding the best price (-1: none).
    pub fn winning_customer_id(&self) -> i64 {
        self.winning_customer_id
    }

    /// Cluster time of the winning bid (0: none).
    pub fn winning_timestamp(&self) -> i64 {
        self.winning_timestamp
    }

    /// Bids that became the best one.
    pub fn bids_accepted(&self) -> u64 {
        self.bids_accepted
    }

    /// Bids that did not beat the best price.
    pub fn bids_rejected(&self) -> u64 {
        self.bids_rejected
    }

    /// The whole state as a snapshot message.
    pub fn to_snapshot(&self) -> AuctionSnapshot {
        AuctionSnapshot {
            winning_customer_id: self.winning_customer_id,
            best_price: self.best_price,
            winning_timestamp: self.winning_timestamp,
            bids_accepted: self.bids_accepted,
            bids_rejected: self.bids_rejected,
        }
    }

    /// The state a snapshot describes (the tutorial's `loadInitialState`).
    pub fn from_snapshot(snapshot: &AuctionSnapshot) -> Self {
        Self {
            best_price: snapshot.best_price,
            winning_customer_id: snapshot.winning_customer_id,
            winning_timestamp: snapshot.winning_timestamp,
            bids_accepted: snapshot.bids_accepted,
            bids_rejected: snapshot.bids_rejected,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bids_must_beat_the_best_price() {
        let mut auction = Auction::new();
        assert_eq!((auction.best_price(), auction.winning_customer_id()), (0, -1));
        assert!(!auction.attempt_bid(0, 1, 10), "zero never wins");
        assert!(!auction.attempt_bid(-5, 1, 10), "negative never wins");
        assert!(auction.attempt_bid(105, 10, 11));
        assert!(!auction.attempt_bid(105, 20, 12), "equal does not beat");
        assert!(auction.attempt_bid(109, 20, 13));
        assert!(auction.attempt_bid(110, 20, 14), "a customer may raise their own bid");
        assert!(!auction.attempt_bid(100, 10, 15));
        assert_eq!(auction.best_price(), 110);
        assert_eq!(auction.winning_customer_id(), 20);
        assert_eq!(auction.winning_timestamp(), 14);
        assert_eq!((auction.bids_accepted(), auction.bids_rejected()), (3, 4));
    }

    #[test]
    fn replicas_applying_the_same_log_agree() {
        let log: Vec<(i64, i64, i64)> = (0..500).map(|i| ((i * 7919) % 1000, i % 5, 1_000 + i)).collect();
        let mut a = Auction::new();
        let mut b = Auction::new();
        let outcomes_a: Vec<bool> = log.iter().map(|&(p, c, t)| a.attempt_bid(p, c, t)).collect();
        let outcomes_b: Vec<bool> = log.iter().map(|&(p, c, t)| b.attempt_bid(p, c, t)).collect();
        assert_eq!(outcomes_a, outcomes_b);
        assert_eq!(a, b);
        assert_eq!(a.best_price(), 999);
    }
}
