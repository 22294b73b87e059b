//! The Aeron Cluster tutorial's basic auction (seed 002): one auction tracking the best price and the
//! customer who bid it.
//!
//! - [`messages`]: the wire formats (little-endian, tutorial-compatible).
//! - [`Auction`]: the deterministic state machine and its snapshot ([`SnapshotLoader`]).
//! - [`BasicAuctionClusteredService`]: the state machine as a [`service::ClusteredService`].
//! - [`BasicAuctionClusterClient`]: the bidding client (sans-IO, driven against an `AeronCluster`).

mod auction;
mod auction_stats;
mod client;
pub mod messages;
mod service;
mod snapshot_loader;

pub use auction::Auction;
pub use auction_stats::AuctionStats;
pub use client::{BasicAuctionClusterClient, ClientEvent, ClientSettings, ClientStats};
pub use messages::{AuctionSnapshot, BidRequest, BidResponse, DecodeError};
pub use service::{
    BasicAuctionClusteredService, OFFER_ATTEMPTS, RESPONSE_BACKLOG_CAPACITY, SNAPSHOT_IDLE_POLL_LIMIT,
    SNAPSHOT_OFFER_ATTEMPTS,
};
pub use snapshot_loader::{SnapshotLoadError, SnapshotLoader};
