//! [`MaxMulticastFlowControl`] (`fc=max`, the default for multicast and MDC): the sender follows the fastest
//! receiver, `limit = max(limit, sm_position + window)`.
//!
//! Invariants: the limit never decreases; there are no tracked receivers and it always has its required
//! receivers.

use std::net::SocketAddr;

use protocol::frame::StatusMessage;

use crate::defaults::MULTICAST_RETRANSMIT_RECEIVER_WINDOW_MULTIPLE;
use crate::flow_control::{FlowControl, calculate_retransmission_length, status_message_position};

/// Max multicast flow control (Aeron `MaxMulticastFlowControl`).
///
/// How to drive it: construct with [`MaxMulticastFlowControl::new`] (or via
/// [`FlowControlConfig`](crate::FlowControlConfig)) and hand it to the sender.
#[derive(Debug, Clone)]
pub struct MaxMulticastFlowControl {
    retransmit_receiver_window_multiple: i32,
}

impl Default for MaxMulticastFlowControl {
    fn default() -> Self {
        Self::new(MULTICAST_RETRANSMIT_RECEIVER_WINDOW_MULTIPLE)
    }
}

impl MaxMulticastFlowControl {
    /// Max flow control with the given retransmit receiver-window multiple (Aeron default 4).
    pub fn new(retransmit_receiver_window_multiple: i32) -> Self {
        Self { retransmit_receiver_window_multiple }
    }
}

impl FlowControl for MaxMulticastFlowControl {
    fn on_status_message(
        &mut self,
        status_message: &StatusMessage,
        _receiver_address: SocketAddr,
        sender_limit: i64,
        initial_term_id: i32,
        position_bits_to_shift: u32,
        _now_ns: i64,
    ) -> i64 {
        let position = status_message_position(status_message, initial_term_id, position_bits_to_shift);
        sender_limit.max(position + i64::from(status_message.receiver_window))
    }

    fn on_trigger_send_setup(
        &mut self,
        _status_message: &StatusMessage,
        _receiver_address: SocketAddr,
        _now_ns: i64,
    ) {
    }

    fn on_setup(&mut self, sender_limit: i64, _sender_position: i64, _now_ns: i64) -> i64 {
        sender_limit
    }

    fn on_error(
        &mut self,
        _receiver_id: i64,
        _group_tag: Option<i64>,
        _receiver_address: SocketAddr,
        _now_ns: i64,
    ) {
    }

    fn on_idle(
        &mut self,
        _now_ns: i64,
        sender_limit: i64,
        _sender_position: i64,
        _is_end_of_stream: bool,
    ) -> i64 {
        sender_limit
    }

    fn has_required_receivers(&self) -> bool {
        true
    }

    fn max_retransmission_length(
        &self,
        term_offset: i32,
        resend_length: i32,
        term_length: i32,
        _mtu_length: i32,
    ) -> i32 {
        calculate_retransmission_length(
            resend_length,
            term_length,
            term_offset,
            self.retransmit_receiver_window_multiple,
        )
    }
}
