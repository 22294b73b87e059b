//! [`FlowControl`]: how a network publication turns status messages into its sender limit (reference §1.15,
//! Aeron `FlowControl`).
//!
//! Invariants: strategies never move the sender limit backwards from an SM (`on_status_message` returns at
//! least the limit it was given), except min/tagged `on_idle`, which recomputes the minimum over live
//! receivers exactly as Aeron does. All timing comes from the `now_ns` arguments.

use std::net::SocketAddr;

use protocol::frame::StatusMessage;

use crate::defaults::{INITIAL_WINDOW_LENGTH, receiver_window_length};

/// A flow-control strategy, driven by the sender of one publication.
///
/// How to drive it: the sender calls [`on_status_message`](Self::on_status_message) for every accepted
/// non-SETUP-eliciting SM, [`on_trigger_send_setup`](Self::on_trigger_send_setup) for SETUP-eliciting ones,
/// [`on_setup`](Self::on_setup) when it sends a SETUP in answer to one, [`on_error`](Self::on_error) for
/// ERR frames and [`on_idle`](Self::on_idle) on every duty cycle that sent no data; each `-> i64` method
/// returns the new sender limit.
pub trait FlowControl: Send + std::fmt::Debug {
    /// A status message arrived from `receiver_address`; returns the new sender limit.
    fn on_status_message(
        &mut self,
        status_message: &StatusMessage,
        receiver_address: SocketAddr,
        sender_limit: i64,
        initial_term_id: i32,
        position_bits_to_shift: u32,
        now_ns: i64,
    ) -> i64;

    /// A SETUP-eliciting status message arrived.
    fn on_trigger_send_setup(
        &mut self,
        status_message: &StatusMessage,
        receiver_address: SocketAddr,
        now_ns: i64,
    );

    /// The sender is sending a SETUP because one was elicited; returns the new sender limit.
    fn on_setup(&mut self, sender_limit: i64, sender_position: i64, now_ns: i64) -> i64;

    /// An ERR frame arrived from a receiver (`group_tag` is `Some` only if the frame flags one).
    fn on_error(
        &mut self,
        receiver_id: i64,
        group_tag: Option<i64>,
        receiver_address: SocketAddr,
        now_ns: i64,
    );

    /// Called when the sender is idle (sent no data this duty cycle); returns the new sender limit.
    fn on_idle(
        &mut self,
        now_ns: i64,
        sender_limit: i64,
        sender_position: i64,
        is_end_of_stream: bool,
    ) -> i64;

    /// Whether enough receivers are present for the publication to count as connected (min group size).
    fn has_required_receivers(&self) -> bool;

    /// How much of a NAKed range to resend (Aeron `maxRetransmissionLength`).
    fn max_retransmission_length(
        &self,
        term_offset: i32,
        resend_length: i32,
        term_length: i32,
        mtu_length: i32,
    ) -> i32;

    /// Receivers tracked individually (min/tagged); 0 for strategies that track none.
    fn receiver_count(&self) -> usize {
        0
    }
}

/// Aeron `FlowControl.calculateRetransmissionLength`: the NAKed length clipped to
/// `receiver_window(term_length, 128 KiB) × multiple` and to the end of the term.
pub fn calculate_retransmission_length(
    resend_length: i32,
    term_length: i32,
    term_offset: i32,
    retransmit_receiver_window_multiple: i32,
) -> i32 {
    let length_to_end_of_term = term_length - term_offset;
    let estimated = i64::from(receiver_window_length(term_length, INITIAL_WINDOW_LENGTH))
        * i64::from(retransmit_receiver_window_multiple);
    let estimated = estimated.min(i64::from(i32::MAX)) as i32;
    if length_to_end_of_term < estimated {
        length_to_end_of_term.min(resend_length)
    } else {
        estimated.min(resend_length)
    }
}

/// Position of an SM's consumption point.
pub(crate) fn status_message_position(
    status_message: &StatusMessage,
    initial_term_id: i32,
    position_bits_to_shift: u32,
) -> i64 {
    logbuffer::log_buffer_descriptor::compute_position(
        status_message.consumption_term_id,
        status_message.consumption_term_offset,
        position_bits_to_shift,
        initial_term_id,
    )
}
