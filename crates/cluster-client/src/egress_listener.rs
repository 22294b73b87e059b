//! [`EgressListener`]: the application's callbacks for what the cluster sends on egress (Aeron
//! `EgressListener`).
//!
//! Invariant: [`AeronCluster::poll_egress`](crate::AeronCluster::poll_egress) calls these only for
//! messages addressed to the client's own cluster session, with fragmented messages reassembled, in
//! stream order.

use protocol::cluster::{AdminRequestType, AdminResponseCode, EventCode};

/// Receives egress messages of a cluster session. Only [`EgressListener::on_message`] is required.
pub trait EgressListener {
    /// An application message from a clustered service: the payload after the 32-byte session header.
    fn on_message(&mut self, cluster_session_id: i64, timestamp: i64, payload: &[u8]);

    /// A session event (e.g. `CLOSED` when the cluster closed the session, `ERROR`).
    fn on_session_event(
        &mut self,
        _correlation_id: i64,
        _cluster_session_id: i64,
        _leadership_term_id: i64,
        _leader_member_id: i32,
        _code: EventCode,
        _detail: &str,
    ) {
    }

    /// A new leader took over this session; the client is already reconnecting its ingress to it.
    fn on_new_leader(
        &mut self,
        _cluster_session_id: i64,
        _leadership_term_id: i64,
        _leader_member_id: i32,
        _ingress_endpoints: &str,
    ) {
    }

    /// The answer to an admin request (e.g. [`AeronCluster::send_admin_request_to_take_a_snapshot`](
    /// crate::AeronCluster::send_admin_request_to_take_a_snapshot)).
    #[allow(clippy::too_many_arguments)]
    fn on_admin_response(
        &mut self,
        _cluster_session_id: i64,
        _correlation_id: i64,
        _request_type: AdminRequestType,
        _response_code: AdminResponseCode,
        _message: &str,
        _payload: &[u8],
    ) {
    }

    /// A message of another SBE schema on egress (Aeron's egress listener extension); `body` follows the
    /// 8-byte SBE header. Default: ignored.
    fn on_extension_message(
        &mut self,
        _block_length: u16,
        _template_id: u16,
        _schema_id: u16,
        _version: u16,
        _body: &[u8],
    ) {
    }
}
