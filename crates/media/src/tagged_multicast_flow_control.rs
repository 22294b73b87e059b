//! [`TaggedMulticastFlowControl`] (`fc=tagged,g:<tag>[/<min group size>][,t:<timeout>]`): min flow control
//! that only counts receivers whose SMs carry the configured group tag (Aeron `TaggedMulticastFlowControl`).
//!
//! Invariants: as [`MinMulticastFlowControl`]; SMs without the tag (36-byte SMs, or another tag) never
//! change the tracked set, and ERRs only count if they flag the same tag. The legacy 4-byte "preferred"
//! ASF is not supported (the SM decoder rejects it).

use std::net::SocketAddr;

use protocol::frame::StatusMessage;

use crate::flow_control::FlowControl;
use crate::min_multicast_flow_control::MinMulticastFlowControl;

/// Tagged multicast flow control.
///
/// How to drive it: construct with [`TaggedMulticastFlowControl::new`] (or via
/// [`FlowControlConfig`](crate::FlowControlConfig)) and hand it to the sender.
#[derive(Debug, Clone)]
pub struct TaggedMulticastFlowControl {
    inner: MinMulticastFlowControl,
}

impl TaggedMulticastFlowControl {
    /// Tagged flow control for `group_tag`.
    pub fn new(
        group_tag: i64,
        receiver_timeout_ns: i64,
        group_min_size: i32,
        retransmit_receiver_window_multiple: i32,
    ) -> Self {
        Self {
            inner: MinMulticastFlowControl::with_group_tag(
                Some(group_tag),
                receiver_timeout_ns,
                group_min_size,
                retransmit_receiver_window_multiple,
            ),
        }
    }

    /// The group tag counted.
    pub fn group_tag(&self) -> i64 {
        self.inner.group_tag().unwrap_or_default()
    }

    /// The underlying min-group state.
    pub fn min_group(&self) -> &MinMulticastFlowControl {
        &self.inner
    }
}

impl FlowControl for TaggedMulticastFlowControl {
    fn on_status_message(
        &mut self,
        status_message: &StatusMessage,
        receiver_address: SocketAddr,
        sender_limit: i64,
        initial_term_id: i32,
        position_bits_to_shift: u32,
        now_ns: i64,
    ) -> i64 {
        self.inner.on_status_message(
            status_message,
            receiver_address,
            sender_limit,
            initial_term_id,
            position_bits_to_shift,
            now_ns,
        )
    }

    fn on_trigger_send_setup(
        &mut self,
        status_message: &StatusMessage,
        receiver_address: SocketAddr,
        now_ns: i64,
    ) {
        self.inner.on_trigger_send_setup(status_message, receiver_address, now_ns);
    }

    fn on_setup(&mut self, sender_limit: i64, sender_position: i64, now_ns: i64) -> i64 {
        self.inner.on_setup(sender_limit, sender_position, now_ns)
    }

    fn on_error(
        &mut self,
        receiver_id: i64,
        group_tag: Option<i64>,
        receiver_address: SocketAddr,
        now_ns: i64,
    ) {
        self.inner.on_error(receiver_id, group_tag, receiver_address, now_ns);
    }

    fn on_idle(
        &mut self,
        now_ns: i64,
        sender_limit: i64,
        sender_position: i64,
        is_end_of_stream: bool,
    ) -> i64 {
        self.inner.on_idle(now_ns, sender_limit, sender_position, is_end_of_stream)
    }

    fn has_required_receivers(&self) -> bool {
        self.inner.has_required_receivers()
    }

    fn max_retransmission_length(
        &self,
        term_offset: i32,
        resend_length: i32,
        term_length: i32,
        mtu_length: i32,
    ) -> i32 {
        self.inner.max_retransmission_length(term_offset, resend_length, term_length, mtu_length)
    }

    fn receiver_count(&self) -> usize {
        self.inner.receiver_count()
    }
}
