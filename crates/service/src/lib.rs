//! fulmar-service: the clustered-service container (Aeron's `ClusteredServiceContainer`).
//!
//! Implement [`ClusteredService`], wrap it in a [`ClusteredServiceAgent`] with a [`ServiceContext`]
//! (service id, cluster id, an Aeron client on the node's driver) and run the agent like any
//! [`agrona::Agent`]. The agent talks to the node's consensus module only through the driver: the
//! commit-position counter (type 203, key = cluster id), the control streams 104/105 on the control
//! channel, and the replicated log image the consensus module announces with JoinLog. Several services
//! on one node are several agents with distinct service ids.
//!
//! Invariants:
//! - The service sees exactly the committed log entries, in order, once each, through the callbacks;
//!   `Cluster::time()` is the timestamp of the entry being processed, `Cluster::log_position()` the
//!   position after it.
//! - Only a leader's service sends egress; followers' `ClientSession::offer` returns
//!   `Ok(MOCKED_OFFER)`.
//! - Bytes from the log or the control stream never make the container panic: problems are reported
//!   as [`ServiceError`]s (counted, passed to the context's error handler) and skipped.
//! - Library code reads no clock and never blocks: time comes in as `now_ns`.
//! - Snapshots: with an archive client in the [`ServiceContext`], a SNAPSHOT action in the log makes
//!   the container record the sessions and what `on_take_snapshot` writes to a [`SnapshotWriter`]; a
//!   restart hands the service a [`SnapshotReader`] over it in `on_start` (see
//!   [`ClusteredServiceAgent`] for the sequence).

#![warn(missing_docs)]

mod client_session;
mod cluster;
mod clustered_service;
mod clustered_service_agent;
mod consensus_module_proxy;
mod control_event;
mod leadership_term;
mod log_adapter;
pub mod samples;
mod service_context;
mod service_error;
mod service_shared;
mod service_snapshot;
mod service_state;
mod snapshot_reader;
mod snapshot_writer;

pub use client_session::ClientSession;
pub use cluster::Cluster;
pub use clustered_service::ClusteredService;
pub use clustered_service_agent::ClusteredServiceAgent;
pub use leadership_term::LeadershipTerm;
pub use protocol::cluster::defaults::MOCKED_OFFER;
pub use protocol::cluster::{CloseReason, ClusterTimeUnit, Role};
pub use service_context::{
    LOG_FRAGMENT_LIMIT_DEFAULT, SLOW_TICK_INTERVAL_NS_DEFAULT, ServiceContext, ServiceErrorHandler,
};
pub use service_error::ServiceError;
pub use service_snapshot::{
    SERVICE_SNAPSHOT_TYPE_ID, ServiceSnapshotError, ServiceSnapshotHeader, SnapshotClientSession,
};
pub use snapshot_reader::SnapshotReader;
pub use snapshot_writer::SnapshotWriter;
