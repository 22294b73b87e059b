//! [`BasicAuctionClusteredService`]: the tutorial's `BasicAuctionClusteredService` — the [`Auction`]
//! wired to the cluster through [`ClusteredService`].
//!
//! Invariants:
//! - The replicated state is only the [`Auction`], changed only by client messages in log order with
//!   the log's timestamp (`Cluster::time()`), so every replica agrees.
//! - Replies never block the service: a reply the response publication refuses (it is still being
//!   added right after a session opened or a leader change, or it is back-pressured) is kept in a
//!   bounded backlog of [`RESPONSE_BACKLOG_CAPACITY`] and retried at the next log-driven callback; a
//!   reply for a closed session or beyond the backlog is dropped and counted. The backlog exists only
//!   on the leader (followers' offers are mocked) and is not replicated state.
//! - A snapshot is one [`super::AuctionSnapshot`] message; loading it is bounded (see
//!   [`SNAPSHOT_IDLE_POLL_LIMIT`]) and a bad snapshot is reported in [`AuctionStats`] rather than
//!   panicking the service thread.
//! - [`AuctionStats`] mirrors the state for other threads (the node's status line); it is written only
//!   by the service and never read back by it.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use service::{ClientSession, CloseReason, Cluster, ClusteredService, Role, SnapshotReader, SnapshotWriter};

use super::auction::Auction;
use super::auction_stats::AuctionStats;
use super::messages::{BidRequest, BidResponse};
use super::snapshot_loader::SnapshotLoader;

/// Replies kept for a retry when the response publication refuses them.
pub const RESPONSE_BACKLOG_CAPACITY: usize = 1024;
/// Offers of one reply per callback before it goes to the backlog.
pub const OFFER_ATTEMPTS: usize = 3;
/// Consecutive empty polls of the snapshot image after which loading gives up.
pub const SNAPSHOT_IDLE_POLL_LIMIT: usize = 1_000_000;
/// Offers of the snapshot message before `on_take_snapshot` reports a failure.
pub const SNAPSHOT_OFFER_ATTEMPTS: usize = 100_000;

/// The basic auction as a clustered service. Create it with [`BasicAuctionClusteredService::new`], keep
/// [`BasicAuctionClusteredService::stats`] if you want to watch it, and hand it to a node.
#[derive(Debug, Default)]
pub struct BasicAuctionClusteredService {
    auction: Auction,
    backlog: VecDeque<(i64, [u8; BidResponse::LENGTH])>,
    stats: Arc<AuctionStats>,
}

impl BasicAuctionClusteredService {
    /// A service with an empty auction.
    pub fn new() -> Self {
        Self::default()
    }

    /// The shared figures (best price, counts, snapshot failures).
    pub fn stats(&self) -> Arc<AuctionStats> {
        Arc::clone(&self.stats)
    }

    /// The auction's current state.
    pub fn auction(&self) -> &Auction {
        &self.auction
    }

    fn publish_state(&self) {
        self.stats.best_price.store(self.auction.best_price(), Ordering::Relaxed);
        self.stats.winning_customer_id.store(self.auction.winning_customer_id(), Ordering::Relaxed);
        self.stats.bids_accepted.store(self.auction.bids_accepted(), Ordering::Relaxed);
        self.stats.bids_rejected.store(self.auction.bids_rejected(), Ordering::Relaxed);
    }

    fn try_offer(session: &ClientSession, reply: &[u8]) -> bool {
        (0..OFFER_ATTEMPTS).any(|_| session.offer(reply).is_ok())
    }

    /// Retries backlogged replies in order; stops at the first one still refused.
    fn drain_backlog(&mut self, cluster: &Cluster<'_>) {
        while let Some((session_id, reply)) = self.backlog.front() {
            match cluster.cluster_session(*session_id) {
                None => {
                    self.stats.responses_dropped.fetch_add(1, Ordering::Relaxed);
                }
                Some(session) => {
                    if !Self::try_offer(session, reply) {
                        return;
                    }
                    self.stats.responses_sent.fetch_add(1, Ordering::Relaxed);
                }
            }
            self.backlog.pop_front();
        }
    }

    fn reply(&mut self, session: &ClientSession, reply: [u8; BidResponse::LENGTH]) {
        if self.backlog.is_empty() && Self::try_offer(session, &reply) {
            self.stats.responses_sent.fetch_add(1, Ordering::Relaxed);
        } else if self.backlog.len() < RESPONSE_BACKLOG_CAPACITY {
            self.backlog.push_back((session.id(), reply));
        } else {
            self.stats.responses_dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn load_snapshot(&mut self, reader: &mut SnapshotReader<'_>) {
        let mut loader = SnapshotLoader::new();
        let mut idle_polls = 0;
        while !loader.is_complete() && !reader.is_done() && idle_polls < SNAPSHOT_IDLE_POLL_LIMIT {
            let fragments = reader.poll(&mut |message| loader.on_message(message), 1);
            idle_polls = if fragments == 0 { idle_polls + 1 } else { 0 };
        }
        match loader.finish() {
            Ok(auction) => self.auction = auction,
            Err(_) => self.stats.snapshot_failed.store(true, Ordering::Relaxed),
        }
        self.publish_state();
    }
}

impl ClusteredService for BasicAuctionClusteredService {
    fn on_start(&mut self, _cluster: &mut Cluster<'_>, snapshot: Option<&mut SnapshotReader<'_>>) {
        if let Some(reader) = snapshot {
            self.load_snapshot(reader);
        }
        self.publish_state();
    }

    fn on_session_open(&mut self, cluster: &mut Cluster<'_>, _session: &ClientSession, _timestamp: i64) {
        self.stats.open_sessions.fetch_add(1, Ordering::Relaxed);
        self.drain_backlog(cluster);
    }

    fn on_session_close(
        &mut self,
        cluster: &mut Cluster<'_>,
        _session: &ClientSession,
        _timestamp: i64,
        _reason: CloseReason,
    ) {
        self.stats.open_sessions.fetch_sub(1, Ordering::Relaxed);
        self.drain_backlog(cluster);
    }

    fn on_session_message(
        &mut self,
        cluster: &mut Cluster<'_>,
        session: Option<&ClientSession>,
        _timestamp: i64,
        message: &[u8],
    ) {
        self.drain_backlog(cluster);
        let Ok(bid) = BidRequest::decode(message) else {
            self.stats.malformed_messages.fetch_add(1, Ordering::Relaxed);
            return;
        };
        let succeeded = self.auction.attempt_bid(bid.price, bid.customer_id, cluster.time());
        self.publish_state();
        if let Some(session) = session {
            let reply = BidResponse {
                correlation_id: bid.correlation_id,
                winning_customer_id: self.auction.winning_customer_id(),
                best_price: self.auction.best_price(),
                succeeded,
            };
            self.reply(session, reply.encode());
        }
    }

    fn on_timer_event(&mut self, cluster: &mut Cluster<'_>, _correlation_id: i64, _timestamp: i64) {
        self.drain_backlog(cluster);
    }

    fn on_take_snapshot(&mut self, _cluster: &mut Cluster<'_>, snapshot: &mut SnapshotWriter<'_>) {
        let bytes = self.auction.to_snapshot().encode();
        if (0..SNAPSHOT_OFFER_ATTEMPTS).any(|_| snapshot.offer(&bytes).is_ok()) {
            self.stats.snapshots_taken.fetch_add(1, Ordering::Relaxed);
        } else {
            self.stats.snapshot_failed.store(true, Ordering::Relaxed);
        }
    }

    fn on_role_change(&mut self, _cluster: &mut Cluster<'_>, role: Role) {
        self.stats.role.store(i64::from(role.code()), Ordering::Relaxed);
    }

    fn on_terminate(&mut self, _cluster: &mut Cluster<'_>) {}

    fn on_new_leadership_term(&mut self, cluster: &mut Cluster<'_>, _term: &service::LeadershipTerm) {
        self.drain_backlog(cluster);
    }
}
