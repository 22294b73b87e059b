//! [`UnicastFlowControl`]: the sender follows the fastest receiver, `limit = max(limit, sm_position +
//! window)`. This is Aeron's `UnicastFlowControl` (the default for unicast) and, with a smaller retransmit
//! window multiple, its `MaxMulticastFlowControl` (`fc=max`, the default for multicast and MDC): the two
//! differ only in that multiple, so they are one type here (see [`UnicastFlowControl::max_multicast`]).
//!
//! Invariants: the limit never decreases; there are no tracked receivers and it always has its required
//! receivers.

use std::net::SocketAddr;

use protocol::frame::StatusMessage;

use crate::defaults::{
    MULTICAST_RETRANSMIT_RECEIVER_WINDOW_MULTIPLE, UNICAST_RETRANSMIT_RECEIVER_WINDOW_MULTIPLE,
};
use crate::flow_control::{FlowControl, calculate_retransmission_length, status_message_position};

/// Follow-the-fastest-receiver flow control (Aeron `UnicastFlowControl` and `MaxMulticastFlowControl`).
///
/// How to drive it: construct with [`UnicastFlowControl::unicast`], [`UnicastFlowControl::max_multicast`]
/// or [`UnicastFlowControl::new`] (or via [`FlowControlConfig`](crate::FlowControlConfig)) and hand it to
/// the sender.
#[derive(Debug, Clone)]
pub struct UnicastFlowControl {
    retransmit_receiver_window_multiple: i32,
}

impl UnicastFlowControl {
    /// Aeron's unicast default (retransmit receiver-window multiple 16).
    pub fn unicast() -> Self {
        Self::new(UNICAST_RETRANSMIT_RECEIVER_WINDOW_MULTIPLE)
    }

    /// Aeron's `MaxMulticastFlowControl` (`fc=max`; retransmit receiver-window multiple 4).
    pub fn max_multicast() -> Self {
        Self::new(MULTICAST_RETRANSMIT_RECEIVER_WINDOW_MULTIPLE)
    }

    /// Unicast flow control with the given retransmit receiver-window multiple (Aeron default 16).
    pub fn new(retransmit_receiver_window_multiple: i32) -> Self {
        Self { retransmit_receiver_window_multiple }
    }
}

impl FlowControl for UnicastFlowControl {
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
