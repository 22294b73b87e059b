//! [`ClusterClientError`]: every way connecting to or using a cluster can fail.
//!
//! Invariants: the cluster client never panics on bytes received on egress; undecodable messages are
//! ignored and counted ([`crate::AeronCluster::malformed_egress_count`]), and every failure of a
//! control-path call is one of these values. Offers report [`client::OfferError`] instead.

use client::ClientError;
use thiserror::Error;

use crate::ConnectState;

/// Why connecting to the cluster, or an operation of a connected client, failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ClusterClientError {
    /// The connect handshake did not complete within the message timeout (Aeron's "cluster connect
    /// timeout").
    #[error("cluster connect timeout: state={state:?} after {message_timeout_ns} ns ({detail})")]
    ConnectTimeout {
        /// The handshake step that was reached.
        state: ConnectState,
        /// The configured message timeout.
        message_timeout_ns: i64,
        /// What was waited for (channels, member publications that failed).
        detail: String,
    },
    /// The cluster answered the connect request with a `SessionEvent` `ERROR` (for example "invalid client
    /// version" or "concurrent session limit").
    #[error("cluster rejected the session: {detail}")]
    Rejected {
        /// The cluster's error text.
        detail: String,
    },
    /// The cluster answered with `AUTHENTICATION_REJECTED`.
    #[error("authentication rejected: {detail}")]
    AuthenticationRejected {
        /// The cluster's detail text.
        detail: String,
    },
    /// The client (or the connect attempt) is closed, or was already finished.
    #[error("the cluster client is closed")]
    Closed,
    /// The cluster broke the protocol or the connection was lost during the handshake (Aeron
    /// `ClusterException`), e.g. "unexpected loss of connection to cluster", a redirect naming an
    /// unknown leader.
    #[error("cluster error: {reason}")]
    Cluster {
        /// What happened.
        reason: String,
    },
    /// The context is not usable (bad endpoint list, IPC ingress with endpoints, unparsable channel).
    #[error("invalid cluster client configuration: {reason}")]
    InvalidConfiguration {
        /// What is wrong.
        reason: String,
    },
    /// The Aeron client failed (driver timeout, channel refused by the driver, client closed...).
    #[error("aeron client: {0}")]
    Client(#[from] ClientError),
}
