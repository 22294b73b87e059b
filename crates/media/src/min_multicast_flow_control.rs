//! [`MinMulticastFlowControl`] (`fc=min[,t:<timeout>][,g:/<min group size>]`): the sender limit is the
//! minimum of `position + window` over the tracked receivers (Aeron `MinMulticastFlowControl` and
//! `AbstractMinMulticastFlowControl`). With a group tag filter it is the core of
//! [`TaggedMulticastFlowControl`](crate::TaggedMulticastFlowControl).
//!
//! Invariants:
//! * a receiver (by receiver id) is tracked from its first matching, non-EOS SM that is not too far behind
//!   (`position + window >= min_limit - window`), until it sends no SM for the receiver timeout, sends an
//!   EOS SM, or an ERR;
//! * while fewer than `group_min_size` receivers are tracked, the limit does not move;
//! * after an elicited SETUP, the limit is also capped by the sender limit at that SETUP for one receiver
//!   timeout (so a receiver that is joining is not overrun);
//! * tracking changes allocate (rare); SM handling for known receivers does not.

use std::net::SocketAddr;

use protocol::frame::StatusMessage;

use crate::defaults::{
    FLOW_CONTROL_GROUP_MIN_SIZE, FLOW_CONTROL_RECEIVER_TIMEOUT_NS,
    MULTICAST_RETRANSMIT_RECEIVER_WINDOW_MULTIPLE,
};
use crate::flow_control::{FlowControl, calculate_retransmission_length, status_message_position};

#[derive(Debug, Clone)]
struct TrackedReceiver {
    receiver_id: i64,
    last_position: i64,
    last_position_plus_window: i64,
    time_of_last_status_message_ns: i64,
    eos_flagged: bool,
}

/// Min multicast flow control (optionally filtered by group tag).
///
/// How to drive it: construct with [`MinMulticastFlowControl::new`] (or via
/// [`FlowControlConfig`](crate::FlowControlConfig)) and hand it to the sender.
#[derive(Debug, Clone)]
pub struct MinMulticastFlowControl {
    group_tag: Option<i64>,
    group_min_size: i32,
    receiver_timeout_ns: i64,
    retransmit_receiver_window_multiple: i32,
    receivers: Vec<TrackedReceiver>,
    has_required_receivers: bool,
    time_of_last_setup_ns: i64,
    last_setup_sender_limit: i64,
    has_tagged_status_message_triggered_setup: bool,
}

impl Default for MinMulticastFlowControl {
    fn default() -> Self {
        Self::new(FLOW_CONTROL_RECEIVER_TIMEOUT_NS, FLOW_CONTROL_GROUP_MIN_SIZE)
    }
}

impl MinMulticastFlowControl {
    /// Min flow control: receivers time out after `receiver_timeout_ns`; the limit waits for
    /// `group_min_size` receivers.
    pub fn new(receiver_timeout_ns: i64, group_min_size: i32) -> Self {
        Self::with_group_tag(
            None,
            receiver_timeout_ns,
            group_min_size,
            MULTICAST_RETRANSMIT_RECEIVER_WINDOW_MULTIPLE,
        )
    }

    /// The general form: `group_tag = Some(tag)` only counts SMs (and ERRs) carrying that tag.
    pub fn with_group_tag(
        group_tag: Option<i64>,
        receiver_timeout_ns: i64,
        group_min_size: i32,
        retransmit_receiver_window_multiple: i32,
    ) -> Self {
        Self {
            group_tag,
            group_min_size,
            receiver_timeout_ns,
            retransmit_receiver_window_multiple,
            receivers: Vec::new(),
            has_required_receivers: 0 >= group_min_size,
            time_of_last_setup_ns: 0,
            last_setup_sender_limit: -1,
            has_tagged_status_message_triggered_setup: false,
        }
    }

    /// The receiver timeout in ns.
    pub fn receiver_timeout_ns(&self) -> i64 {
        self.receiver_timeout_ns
    }

    /// The minimum group size.
    pub fn group_min_size(&self) -> i32 {
        self.group_min_size
    }

    /// The group tag filter (`None` for plain min).
    pub fn group_tag(&self) -> Option<i64> {
        self.group_tag
    }

    /// Receiver ids currently tracked, in tracking order.
    pub fn receiver_ids(&self) -> impl Iterator<Item = i64> + '_ {
        self.receivers.iter().map(|receiver| receiver.receiver_id)
    }

    fn matches_status_message(&self, status_message: &StatusMessage) -> bool {
        match self.group_tag {
            None => true,
            Some(tag) => status_message.group_tag == Some(tag),
        }
    }

    fn matches_error(&self, group_tag: Option<i64>) -> bool {
        match self.group_tag {
            None => true,
            Some(tag) => group_tag == Some(tag),
        }
    }

    fn last_setup_sender_limit(&mut self, now_ns: i64) -> i64 {
        if self.last_setup_sender_limit != -1 {
            if self.time_of_last_setup_ns + self.receiver_timeout_ns - now_ns < 0 {
                self.last_setup_sender_limit = -1;
            } else {
                return self.last_setup_sender_limit;
            }
        }
        i64::MAX
    }

    fn group_size_reached(&self) -> bool {
        self.receivers.len() as i64 >= i64::from(self.group_min_size)
    }
}

impl FlowControl for MinMulticastFlowControl {
    fn on_status_message(
        &mut self,
        status_message: &StatusMessage,
        _receiver_address: SocketAddr,
        sender_limit: i64,
        initial_term_id: i32,
        position_bits_to_shift: u32,
        now_ns: i64,
    ) -> i64 {
        let matches_tag = self.matches_status_message(status_message);
        let position = status_message_position(status_message, initial_term_id, position_bits_to_shift);
        let window_length = i64::from(status_message.receiver_window);
        let receiver_id = status_message.receiver_id;
        let last_position_plus_window = position + window_length;
        let eos_flagged = status_message.is_end_of_stream();
        let mut is_existing = false;
        let mut min_position = self.last_setup_sender_limit(now_ns);

        for receiver in &mut self.receivers {
            if matches_tag && receiver_id == receiver.receiver_id {
                receiver.eos_flagged = eos_flagged;
                receiver.last_position = position.max(receiver.last_position);
                receiver.last_position_plus_window = last_position_plus_window;
                receiver.time_of_last_status_message_ns = now_ns;
                is_existing = true;
            }
            min_position = min_position.min(receiver.last_position_plus_window);
        }

        if !is_existing
            && !eos_flagged
            && matches_tag
            && (self.receivers.is_empty()
                || last_position_plus_window >= min_position.saturating_sub(window_length))
        {
            self.receivers.push(TrackedReceiver {
                receiver_id,
                last_position: position,
                last_position_plus_window,
                time_of_last_status_message_ns: now_ns,
                eos_flagged: false,
            });
            self.has_required_receivers = self.group_size_reached();
            min_position = min_position.min(last_position_plus_window);
            self.last_setup_sender_limit = -1;
        }

        if !self.group_size_reached() {
            sender_limit
        } else if self.receivers.is_empty() {
            sender_limit.max(last_position_plus_window)
        } else {
            sender_limit.max(min_position)
        }
    }

    fn on_trigger_send_setup(
        &mut self,
        status_message: &StatusMessage,
        _receiver_address: SocketAddr,
        _now_ns: i64,
    ) {
        if !self.has_tagged_status_message_triggered_setup {
            self.has_tagged_status_message_triggered_setup = self.matches_status_message(status_message);
        }
    }

    fn on_setup(&mut self, sender_limit: i64, _sender_position: i64, now_ns: i64) -> i64 {
        if self.has_tagged_status_message_triggered_setup && !self.receivers.is_empty() {
            self.time_of_last_setup_ns = now_ns;
            self.last_setup_sender_limit = sender_limit;
        }
        self.has_tagged_status_message_triggered_setup = false;
        sender_limit
    }

    fn on_error(
        &mut self,
        receiver_id: i64,
        group_tag: Option<i64>,
        _receiver_address: SocketAddr,
        _now_ns: i64,
    ) {
        if self.matches_error(group_tag)
            && let Some(receiver) =
                self.receivers.iter_mut().find(|receiver| receiver.receiver_id == receiver_id)
        {
            receiver.eos_flagged = true;
        }
    }

    fn on_idle(
        &mut self,
        now_ns: i64,
        sender_limit: i64,
        _sender_position: i64,
        _is_end_of_stream: bool,
    ) -> i64 {
        let mut min_limit_position = self.last_setup_sender_limit(now_ns);
        let receiver_timeout_ns = self.receiver_timeout_ns;
        let before = self.receivers.len();
        self.receivers.retain(|receiver| {
            receiver.time_of_last_status_message_ns + receiver_timeout_ns - now_ns >= 0
                && !receiver.eos_flagged
        });
        for receiver in &self.receivers {
            min_limit_position = min_limit_position.min(receiver.last_position_plus_window);
        }
        if self.receivers.len() != before {
            self.has_required_receivers = self.group_size_reached();
        }
        if !self.group_size_reached() || self.receivers.is_empty() {
            sender_limit
        } else {
            min_limit_position
        }
    }

    fn has_required_receivers(&self) -> bool {
        self.has_required_receivers
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

    fn receiver_count(&self) -> usize {
        self.receivers.len()
    }
}

#[cfg(test)]
mod tests {
    use protocol::frame::status_message::END_OF_STREAM_FLAG;

    use super::*;
    use crate::tagged_multicast_flow_control::TaggedMulticastFlowControl;

    fn sm(
        receiver_id: i64,
        term_offset: i32,
        window: i32,
        flags: u8,
        group_tag: Option<i64>,
    ) -> StatusMessage {
        StatusMessage {
            flags,
            session_id: 1,
            stream_id: 2,
            consumption_term_id: 0,
            consumption_term_offset: term_offset,
            receiver_window: window,
            receiver_id,
            group_tag,
        }
    }

    fn address() -> SocketAddr {
        "10.0.0.9:9".parse().unwrap()
    }

    #[test]
    fn the_limit_is_the_minimum_over_receivers_until_they_time_out() {
        let mut fc = MinMulticastFlowControl::new(5_000_000_000, 0);
        let limit = fc.on_status_message(&sm(1, 4096, 1000, 0, None), address(), 0, 0, 16, 0);
        assert_eq!(limit, 5096);
        fc.on_status_message(&sm(9, 1024, 1000, 0, None), address(), limit, 0, 16, 0);
        assert_eq!(
            fc.receiver_count(),
            1,
            "a receiver more than a window behind the minimum is not admitted"
        );
        let limit = fc.on_status_message(&sm(2, 3584, 1000, 0, None), address(), limit, 0, 16, 0);
        assert_eq!(limit, 5096, "never moves back on an SM");
        assert_eq!(fc.receiver_count(), 2);
        assert_eq!(fc.on_idle(1, limit, 0, false), 4584, "idle recomputes the minimum");
        fc.on_status_message(&sm(1, 8192, 1000, 0, None), address(), 0, 0, 16, 4_000_000_000);
        assert_eq!(fc.on_idle(5_000_000_001, 4584, 0, false), 9192, "receiver 2 timed out");
        assert_eq!(fc.receiver_count(), 1);
        fc.on_status_message(
            &sm(1, 8192, 1000, END_OF_STREAM_FLAG, None),
            address(),
            0,
            0,
            16,
            5_000_000_002,
        );
        assert_eq!(
            fc.on_idle(5_000_000_003, 9192, 0, false),
            9192,
            "EOS removes; no receivers keeps the limit"
        );
        assert_eq!(fc.receiver_count(), 0);
    }

    #[test]
    fn a_minimum_group_size_gates_the_limit_and_errors_remove_receivers() {
        let mut fc = MinMulticastFlowControl::new(5_000_000_000, 2);
        assert!(!fc.has_required_receivers());
        assert_eq!(fc.on_status_message(&sm(1, 0, 1000, 0, None), address(), 0, 0, 16, 0), 0);
        assert!(!fc.has_required_receivers());
        assert_eq!(fc.on_status_message(&sm(2, 0, 2000, 0, None), address(), 0, 0, 16, 0), 1000);
        assert!(fc.has_required_receivers());
        fc.on_error(2, None, address(), 1);
        assert_eq!(fc.on_idle(2, 1000, 0, false), 1000);
        assert!(!fc.has_required_receivers());
    }

    #[test]
    fn tagged_flow_control_only_counts_matching_tags() {
        let mut fc = TaggedMulticastFlowControl::new(77, 5_000_000_000, 0, 4);
        // With no tracked receivers any SM moves the limit (as Aeron), but only tagged ones are tracked.
        assert_eq!(fc.on_status_message(&sm(1, 0, 1000, 0, None), address(), 0, 0, 16, 0), 1000);
        assert_eq!(fc.on_status_message(&sm(2, 0, 1000, 0, Some(5)), address(), 0, 0, 16, 0), 1000);
        assert_eq!(fc.receiver_count(), 0);
        assert_eq!(fc.on_status_message(&sm(3, 64, 1000, 0, Some(77)), address(), 0, 0, 16, 0), 1064);
        assert_eq!(fc.receiver_count(), 1);
        fc.on_error(3, None, address(), 1);
        assert_eq!(fc.on_idle(2, 1064, 0, false), 1064);
        assert_eq!(fc.receiver_count(), 1, "an ERR without the tag does not count");
        fc.on_error(3, Some(77), address(), 3);
        fc.on_idle(4, 1064, 0, false);
        assert_eq!(fc.receiver_count(), 0);
    }

    #[test]
    fn an_elicited_setup_caps_the_limit_while_a_receiver_joins() {
        let mut fc = MinMulticastFlowControl::new(5_000_000_000, 0);
        let limit = fc.on_status_message(&sm(1, 4096, 1000, 0, None), address(), 0, 0, 16, 0);
        fc.on_trigger_send_setup(&sm(2, 0, 0, 0x80, None), address(), 1);
        assert_eq!(fc.on_setup(limit, 4096, 2), limit);
        // Receiver 1 moves on, but the joining receiver has not spoken: the limit stays at the SETUP's.
        assert_eq!(fc.on_idle(3, limit, 4096, false), limit);
        let limit = fc.on_status_message(&sm(1, 8192, 1000, 0, None), address(), limit, 0, 16, 4);
        assert_eq!(limit, 5096);
    }
}
