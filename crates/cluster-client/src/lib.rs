//! fulmar-cluster-client: the Aeron Cluster client, `AeronCluster` (reference §6), byte-compatible with
//! Aeron 1.54's cluster client protocol (schema 111, client protocol version 0.3.0).
//!
//! A client opens a *session* with the cluster: it subscribes to its egress channel, publishes a
//! `SessionConnectRequest` on the ingress of a member (with several members, to every member's ingress
//! endpoint; the first publication that connects is used), follows a `REDIRECT` to the leader, answers a
//! `Challenge`, and on `SessionEvent` `OK` holds a session id. Application messages then go to the leader
//! prefixed by a 32-byte `SessionMessageHeader`; the clustered service's answers come back on egress.
//! When the leader changes, the client follows the `NewLeaderEvent` to the new leader, keeping its
//! session.
//!
//! Minimal use (with a threaded driver and client conductor; single-threaded programs also pass
//! [`ClusterClientContext::agent_invoker`] to step their driver during the blocking connect):
//!
//! ```no_run
//! # use std::sync::Arc;
//! # fn demo(aeron: client::Aeron, clock: Arc<dyn agrona::NanoClock>) -> Result<(), Box<dyn std::error::Error>> {
//! use fulmar_cluster_client::{AeronCluster, ClusterClientContext, EgressListener};
//!
//! struct Printer;
//! impl EgressListener for Printer {
//!     fn on_message(&mut self, session_id: i64, timestamp: i64, payload: &[u8]) {
//!         println!("session {session_id} at {timestamp}: {} bytes", payload.len());
//!     }
//! }
//!
//! let ctx = ClusterClientContext::new(aeron, clock)
//!     .ingress_channel("aeron:udp")
//!     .ingress_endpoints("0=10.0.0.1:9010,1=10.0.0.2:9010,2=10.0.0.3:9010")
//!     .egress_channel("aeron:udp?endpoint=10.0.0.9:9020") // a concrete port: see below
//!     .client_name("demo");
//! let mut cluster = AeronCluster::connect(ctx)?;
//! while cluster.offer(b"hello").is_err() {
//!     cluster.poll_egress(&mut Printer);
//! }
//! loop {
//!     if cluster.poll_egress(&mut Printer) == 0 && cluster.is_closed() {
//!         break;
//!     }
//! #   break;
//! }
//! cluster.close();
//! # Ok(())
//! # }
//! ```
//!
//! Invariants:
//! - The library reads time only from the context's nano clock, never sleeps or spawns: waiting goes
//!   through the context's agent invoker, the Aeron conductor and the idle strategy.
//! - Nothing received on egress can make the client panic: undecodable messages are ignored and counted
//!   ([`AeronCluster::malformed_egress_count`]); every control-path failure is a [`ClusterClientError`].
//! - Steady-state `offer`, `try_claim` and `poll_egress` neither allocate nor lock.
//!
//! Limitations (today): the egress channel must name a concrete endpoint, because the driver does not
//! report resolved ephemeral ports (`endpoint=host:0`) yet; a connect attempt that fails while an
//! asynchronous add is still unanswered leaves that registration to the Aeron client (released when the
//! client closes), since the client has no asynchronous remove yet; the controlled egress poll and the
//! egress listener extension of Aeron are reduced to [`EgressListener::on_extension_message`].

#![warn(missing_docs)]

mod aeron_cluster;
mod async_cluster_connect;
mod client_state;
mod cluster_client_context;
mod cluster_client_error;
mod connect_state;
mod egress_listener;
mod ingress_endpoints;
mod response_assembler;

pub use aeron_cluster::{AeronCluster, EGRESS_FRAGMENT_LIMIT, SEND_ATTEMPTS};
pub use async_cluster_connect::AsyncClusterConnect;
pub use client_state::ClientState;
pub use cluster_client_context::{
    ChallengeHandler, ClusterAgentInvoker, ClusterClientContext, EGRESS_STREAM_ID_DEFAULT,
    INGRESS_STREAM_ID_DEFAULT, LEADER_HEARTBEAT_TIMEOUT_NS_DEFAULT, MESSAGE_TIMEOUT_NS_DEFAULT,
};
pub use cluster_client_error::ClusterClientError;
pub use connect_state::ConnectState;
pub use egress_listener::EgressListener;
pub use protocol::cluster::{AdminRequestType, AdminResponseCode, EventCode, SESSION_HEADER_LENGTH};

#[cfg(test)]
mod tests {
    use super::*;

    fn send<T: Send>() {}

    #[test]
    fn clients_can_move_to_another_thread() {
        send::<AeronCluster>();
        send::<AsyncClusterConnect>();
        send::<ClusterClientContext>();
        assert_eq!(ConnectState::CreateEgressSubscription.step(), -1);
        assert_eq!(ConnectState::Done.step(), 5);
        assert_eq!(ClientState::Connected.code(), 0);
        assert_eq!(ClientState::Closed.code(), 4);
    }
}
