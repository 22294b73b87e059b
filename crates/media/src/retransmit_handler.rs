//! [`RetransmitHandler`]: turns NAKs into resends, with an optional delay, a linger that suppresses
//! repeat NAKs for the same range, and a bounded pool of action slots (Aeron `RetransmitHandler`,
//! reference §1.12).
//!
//! Invariants:
//! * a NAK whose offset falls inside an active (DELAYED or LINGERING) action of the same term is ignored;
//! * without group semantics there is one slot and a non-overlapping NAK replaces the active action;
//! * with group semantics there are `max_retransmits` slots, and a NAK finding none free is counted in
//!   [`overflow_count`](RetransmitHandler::overflow_count) and dropped;
//! * the pool is allocated once; NAK handling never allocates.

use crate::feedback_delay_generator::{DelayGenerator, FeedbackDelayGenerator};
use crate::flow_control::FlowControl;
use crate::retransmit_action::{RetransmitAction, RetransmitActionState};

/// Retransmission scheduler for one publication.
///
/// How to drive it: call [`on_nak`](Self::on_nak) for each valid NAK and
/// [`process_timeouts`](Self::process_timeouts) on every sender duty cycle; both call
/// `resend(term_id, term_offset, length)` for each range that must go out now.
#[derive(Debug, Clone)]
pub struct RetransmitHandler {
    actions: Vec<RetransmitAction>,
    delay_generator: DelayGenerator,
    linger_generator: DelayGenerator,
    has_group_semantics: bool,
    active_count: usize,
    overflow_count: u64,
}

impl RetransmitHandler {
    /// A handler with `max_retransmits` slots when `has_group_semantics`, else one slot.
    pub fn new(
        delay_generator: DelayGenerator,
        linger_generator: DelayGenerator,
        has_group_semantics: bool,
        max_retransmits: usize,
    ) -> Self {
        let slots = if has_group_semantics { max_retransmits.max(1) } else { 1 };
        Self {
            actions: vec![RetransmitAction::default(); slots],
            delay_generator,
            linger_generator,
            has_group_semantics,
            active_count: 0,
            overflow_count: 0,
        }
    }

    /// NAKs dropped because every slot was busy (group semantics only).
    pub fn overflow_count(&self) -> u64 {
        self.overflow_count
    }

    /// Actions currently DELAYED or LINGERING.
    pub fn active_count(&self) -> usize {
        self.actions.iter().filter(|action| action.is_active()).count()
    }

    /// The action slots.
    pub fn actions(&self) -> &[RetransmitAction] {
        &self.actions
    }

    /// Handles a NAK for (`term_id`, `term_offset`, `length`).
    #[allow(clippy::too_many_arguments)]
    pub fn on_nak(
        &mut self,
        term_id: i32,
        term_offset: i32,
        length: i32,
        term_length: i32,
        mtu_length: i32,
        flow_control: &dyn FlowControl,
        now_ns: i64,
        resend: &mut dyn FnMut(i32, i32, i32),
    ) {
        if length == 0 {
            return;
        }
        let retransmit_length =
            flow_control.max_retransmission_length(term_offset, length, term_length, mtu_length);
        let Some(index) = self.scan_for_available_retransmit(term_id, term_offset) else {
            return;
        };
        let delay_ns = self.delay_generator.generate_delay_ns();
        let action = &mut self.actions[index];
        action.term_id = term_id;
        action.term_offset = term_offset;
        action.length = retransmit_length;
        if delay_ns == 0 {
            resend(term_id, term_offset, retransmit_length);
            let linger_ns = self.linger_generator.generate_delay_ns();
            self.actions[index].linger(linger_ns, now_ns);
        } else {
            action.delay(delay_ns, now_ns);
        }
    }

    /// A retransmission for (`term_id`, `term_offset`) was seen from elsewhere (multicast): a DELAYED
    /// action for exactly that range is cancelled.
    pub fn on_retransmit_received(&mut self, term_id: i32, term_offset: i32) {
        if self.active_count == 0 {
            return;
        }
        if let Some(index) = self.actions.iter().position(|action| {
            action.is_active() && action.term_id == term_id && action.term_offset == term_offset
        }) && self.actions[index].state == RetransmitActionState::Delayed
        {
            self.remove(index);
        }
    }

    /// Fires DELAYED actions whose delay has passed and frees LINGERING ones whose linger has passed.
    pub fn process_timeouts(&mut self, now_ns: i64, resend: &mut dyn FnMut(i32, i32, i32)) {
        if self.active_count == 0 {
            return;
        }
        for index in 0..self.actions.len() {
            let action = self.actions[index];
            let expired = action.expiry_ns.wrapping_sub(now_ns) < 0;
            match action.state {
                RetransmitActionState::Delayed if expired => {
                    resend(action.term_id, action.term_offset, action.length);
                    let linger_ns = self.linger_generator.generate_delay_ns();
                    self.actions[index].linger(linger_ns, now_ns);
                }
                RetransmitActionState::Lingering if expired => self.remove(index),
                _ => {}
            }
        }
    }

    fn scan_for_available_retransmit(&mut self, term_id: i32, term_offset: i32) -> Option<usize> {
        if self.active_count == 0 {
            self.active_count += 1;
            return Some(0);
        }
        let mut available = None;
        for (index, action) in self.actions.iter().enumerate() {
            match action.state {
                RetransmitActionState::Inactive => {
                    if available.is_none() {
                        available = Some(index);
                    }
                }
                RetransmitActionState::Delayed | RetransmitActionState::Lingering => {
                    if action.covers(term_id, term_offset) {
                        return None;
                    }
                    if !self.has_group_semantics {
                        // Unicast: a non-overlapping NAK simply reuses the single slot.
                        available = Some(index);
                    }
                }
            }
        }
        if self.has_group_semantics {
            if available.is_some() {
                self.active_count += 1;
            } else {
                self.overflow_count += 1;
            }
        }
        available
    }

    fn remove(&mut self, index: usize) {
        self.active_count = self.active_count.saturating_sub(1);
        self.actions[index].cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::static_delay_generator::StaticDelayGenerator;
    use crate::unicast_flow_control::UnicastFlowControl;

    const TERM_LENGTH: i32 = 64 * 1024;

    fn handler(delay_ns: i64, group: bool, slots: usize) -> RetransmitHandler {
        RetransmitHandler::new(
            DelayGenerator::Static(StaticDelayGenerator::fixed(delay_ns)),
            DelayGenerator::Static(StaticDelayGenerator::fixed(10_000_000)),
            group,
            slots,
        )
    }

    fn nak(
        handler: &mut RetransmitHandler,
        term_offset: i32,
        length: i32,
        now_ns: i64,
    ) -> Vec<(i32, i32, i32)> {
        let mut resent = Vec::new();
        let flow_control = UnicastFlowControl::unicast();
        handler.on_nak(7, term_offset, length, TERM_LENGTH, 1408, &flow_control, now_ns, &mut |t, o, l| {
            resent.push((t, o, l))
        });
        resent
    }

    #[test]
    fn resends_at_once_then_lingers_ignoring_covered_naks() {
        let mut handler = handler(0, false, 16);
        assert_eq!(handler.actions().len(), 1, "unicast has one slot");
        assert_eq!(nak(&mut handler, 1024, 512, 0), vec![(7, 1024, 512)]);
        assert!(nak(&mut handler, 1024, 512, 1_000).is_empty(), "same range while lingering");
        assert!(nak(&mut handler, 1280, 64, 2_000).is_empty(), "offset inside the lingering range");
        let mut resent = Vec::new();
        handler.process_timeouts(10_000_001, &mut |t, o, l| resent.push((t, o, l)));
        assert!(resent.is_empty());
        assert_eq!(handler.active_count(), 0, "linger over");
        assert_eq!(nak(&mut handler, 1024, 512, 10_000_002), vec![(7, 1024, 512)]);
        assert_eq!(nak(&mut handler, 4096, 32, 10_000_003), vec![(7, 4096, 32)], "unicast reuses the slot");
        assert_eq!(nak(&mut handler, 0, 0, 10_000_004), vec![], "zero length is ignored");
    }

    #[test]
    fn delayed_actions_fire_on_timeout_and_can_be_cancelled() {
        let mut handler = handler(1_000, true, 4);
        assert!(nak(&mut handler, 0, 64, 0).is_empty());
        assert!(nak(&mut handler, 64, 64, 0).is_empty());
        handler.on_retransmit_received(7, 64);
        let mut resent = Vec::new();
        handler.process_timeouts(1_001, &mut |t, o, l| resent.push((t, o, l)));
        assert_eq!(resent, vec![(7, 0, 64)], "the cancelled one does not fire");
        assert_eq!(handler.actions()[0].state, RetransmitActionState::Lingering);
    }

    #[test]
    fn group_semantics_use_max_resend_slots_and_count_overflow() {
        let mut handler = handler(0, true, 2);
        assert_eq!(nak(&mut handler, 0, 64, 0).len(), 1);
        assert_eq!(nak(&mut handler, 128, 64, 0).len(), 1);
        assert!(nak(&mut handler, 256, 64, 0).is_empty());
        assert_eq!(handler.overflow_count(), 1);
        assert_eq!(handler.active_count(), 2);
    }

    #[test]
    fn resend_length_is_clipped_to_the_term_end_and_the_window_multiple() {
        let mut handler = handler(0, false, 1);
        assert_eq!(nak(&mut handler, TERM_LENGTH - 64, 1 << 20, 0), vec![(7, TERM_LENGTH - 64, 64)]);
        assert_eq!(crate::calculate_retransmission_length(1 << 30, 1 << 24, 0, 16), 128 * 1024 * 16);
        assert_eq!(crate::calculate_retransmission_length(100, 1 << 24, 0, 16), 100);
    }
}
