//! [`RetransmitAction`]: one slot of the [`RetransmitHandler`](crate::RetransmitHandler): a NAKed range
//! that is waiting to be resent (DELAYED) or was just resent and suppresses repeat NAKs (LINGERING).
//!
//! Invariants: an INACTIVE action's fields are meaningless; `expiry_ns` is absolute time.

/// State of a [`RetransmitAction`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetransmitActionState {
    /// Waiting for the retransmit delay to pass.
    Delayed,
    /// Resent; repeat NAKs for the range are ignored until the linger expires.
    Lingering,
    /// Free.
    Inactive,
}

/// A pending or lingering retransmission of (`term_id`, `term_offset`, `length`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetransmitAction {
    /// When the current state ends (ns).
    pub expiry_ns: i64,
    /// Term of the range.
    pub term_id: i32,
    /// Start of the range in its term.
    pub term_offset: i32,
    /// Length of the range in bytes (already clipped by flow control).
    pub length: i32,
    /// Current state.
    pub state: RetransmitActionState,
}

impl Default for RetransmitAction {
    fn default() -> Self {
        Self { expiry_ns: 0, term_id: 0, term_offset: 0, length: 0, state: RetransmitActionState::Inactive }
    }
}

impl RetransmitAction {
    /// Enters DELAYED until `now_ns + delay_ns`.
    pub fn delay(&mut self, delay_ns: i64, now_ns: i64) {
        self.state = RetransmitActionState::Delayed;
        self.expiry_ns = now_ns.wrapping_add(delay_ns);
    }

    /// Enters LINGERING until `now_ns + timeout_ns`.
    pub fn linger(&mut self, timeout_ns: i64, now_ns: i64) {
        self.state = RetransmitActionState::Lingering;
        self.expiry_ns = now_ns.wrapping_add(timeout_ns);
    }

    /// Frees the slot.
    pub fn cancel(&mut self) {
        self.state = RetransmitActionState::Inactive;
    }

    /// Whether the slot is DELAYED or LINGERING.
    pub fn is_active(&self) -> bool {
        self.state != RetransmitActionState::Inactive
    }

    /// Whether this active action covers `term_offset` of `term_id`.
    pub fn covers(&self, term_id: i32, term_offset: i32) -> bool {
        self.is_active()
            && self.term_id == term_id
            && self.term_offset <= term_offset
            && i64::from(term_offset) < i64::from(self.term_offset) + i64::from(self.length)
    }
}
