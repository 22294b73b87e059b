//! [`LossDetector`]: finds the first gap between the rebuild position and the HWM and decides when to NAK
//! it (Aeron `LossDetector`, reference §1.12).
//!
//! Invariants: a gap that differs (term id, offset or length) from the active one restarts the timer with
//! `generate_delay_ns`; once the deadline passes the gap is reported and the timer rearmed with
//! `retry_delay_ns`, so an unfilled gap is NAKed repeatedly. Scanning never allocates.

use agrona::AtomicBuffer;

use crate::feedback_delay_generator::{DelayGenerator, FeedbackDelayGenerator};

/// The result of one [`LossDetector::scan`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanOutcome {
    /// Offset (in the rebuild position's term) up to which the term is complete.
    pub rebuild_offset: i32,
    /// Whether a new gap was found by this scan.
    pub loss_found: bool,
    /// A gap to NAK now: (term id, term offset, length).
    pub nak: Option<(i32, i32, i32)>,
}

/// Loss detection state for one image.
///
/// How to drive it: call [`scan`](Self::scan) from the image's rebuild tracking with the term holding the
/// rebuild position; send a NAK for every `ScanOutcome::nak`.
#[derive(Debug, Clone)]
pub struct LossDetector {
    deadline_ns: Option<i64>,
    active_term_id: i32,
    active_term_offset: i32,
    active_length: i32,
    delay_generator: DelayGenerator,
    term_length: i32,
    position_bits_to_shift: u32,
    initial_term_id: i32,
}

impl LossDetector {
    /// A detector for an image with `term_length` (a power of two) and `initial_term_id`, using
    /// `delay_generator` for NAK timing.
    pub fn new(delay_generator: DelayGenerator, term_length: i32, initial_term_id: i32) -> Self {
        Self {
            deadline_ns: None,
            active_term_id: 0,
            active_term_offset: -1,
            active_length: 0,
            delay_generator,
            term_length,
            position_bits_to_shift: term_length.trailing_zeros(),
            initial_term_id,
        }
    }

    /// Scans `term` from `rebuild_position` up to `hwm_position` (or the term end).
    pub fn scan(
        &mut self,
        term: &AtomicBuffer,
        rebuild_position: i64,
        hwm_position: i64,
        now_ns: i64,
    ) -> ScanOutcome {
        let (term_length, position_bits_to_shift, initial_term_id) =
            (self.term_length, self.position_bits_to_shift, self.initial_term_id);
        let term_length_mask = i64::from(term_length) - 1;
        let mut outcome = ScanOutcome {
            rebuild_offset: (rebuild_position & term_length_mask) as i32,
            loss_found: false,
            nak: None,
        };
        if rebuild_position >= hwm_position {
            return outcome;
        }
        let rebuild_term_count = (rebuild_position >> position_bits_to_shift) as i32;
        let hwm_term_count = (hwm_position >> position_bits_to_shift) as i32;
        let rebuild_term_id = initial_term_id.wrapping_add(rebuild_term_count);
        let limit_offset = if rebuild_term_count == hwm_term_count {
            (hwm_position & term_length_mask) as i32
        } else {
            term_length
        };

        let mut gap = None;
        outcome.rebuild_offset = logbuffer::scan_for_gap(
            term,
            rebuild_term_id,
            outcome.rebuild_offset,
            limit_offset,
            |term_id, offset, length| {
                gap = Some((term_id, offset, length));
            },
        );
        if outcome.rebuild_offset < limit_offset {
            if let Some((term_id, offset, length)) = gap
                && (offset != self.active_term_offset
                    || term_id != self.active_term_id
                    || length != self.active_length)
            {
                self.active_term_id = term_id;
                self.active_term_offset = offset;
                self.active_length = length;
                self.deadline_ns = Some(now_ns.wrapping_add(self.delay_generator.generate_delay_ns()));
                outcome.loss_found = true;
            }
            if let Some(deadline_ns) = self.deadline_ns
                && deadline_ns.wrapping_sub(now_ns) <= 0
            {
                outcome.nak = Some((self.active_term_id, self.active_term_offset, self.active_length));
                self.deadline_ns = Some(now_ns.wrapping_add(self.delay_generator.retry_delay_ns()));
            }
        }
        outcome
    }
}
