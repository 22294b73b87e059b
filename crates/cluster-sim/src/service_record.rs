//! [`ServiceRecord`]: everything one member's test service applied, in log order, shared with the
//! invariant checkers through an `Arc<Mutex<_>>`.
//!
//! Invariants (upheld by [`crate::TestService`], the only writer):
//! - `entries` is in strictly increasing `log_position` order and only grows;
//! - `state_hash` after an entry depends only on the entries up to it (the service is deterministic),
//!   so two members at the same log position must hold the same hash;
//! - `timers_fired` lists each firing once, in log order.

use std::collections::BTreeMap;

/// What kind of log entry the service applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntryKind {
    /// A client session opened.
    SessionOpen,
    /// A client session closed.
    SessionClose,
    /// A client message (`session_id`, `client_seq` set).
    ClientMessage,
    /// A service message sent with `Cluster::offer`.
    ServiceMessage,
    /// A timer fired (`client_seq` holds the correlation id).
    Timer,
    /// A new leadership term began (`session_id` holds the term id).
    NewTerm,
}

/// One applied log entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppliedEntry {
    /// Log position after the entry (for [`EntryKind::NewTerm`]: where the new term starts).
    pub log_position: i64,
    /// What it was.
    pub kind: EntryKind,
    /// The client session (or term id for [`EntryKind::NewTerm`], -1 when none).
    pub session_id: i64,
    /// The client sequence, or the timer correlation id; -1 when none.
    pub client_seq: i64,
    /// FNV digest of the entry's timestamp and bytes.
    pub digest: u64,
    /// The service's state hash after applying the entry.
    pub state_hash_after: u64,
}

/// The shared record of one member's service.
#[derive(Debug, Clone, Default)]
pub struct ServiceRecord {
    /// Member id of the node the service runs on.
    pub member_id: usize,
    /// Every applied entry, in log order.
    pub entries: Vec<AppliedEntry>,
    /// Timers scheduled: correlation id → log position of the message that scheduled it.
    pub timers_scheduled: BTreeMap<i64, i64>,
    /// (correlation id, log position) of every timer firing, in log order.
    pub timers_fired: Vec<(i64, i64)>,
    /// `schedule_timer` calls the control publication refused (the timer will not fire).
    pub timer_schedule_refusals: u64,
    /// `Cluster::offer` calls that were refused (the service message is not sent by this member).
    pub service_offer_refusals: u64,
    /// Echoes the leader's service could not send (the client never sees those acknowledgements).
    pub echo_failures: u64,
}

impl ServiceRecord {
    /// Log position of the last applied entry, 0 before any.
    pub fn last_position(&self) -> i64 {
        self.entries.last().map_or(0, |e| e.log_position)
    }

    /// The entry (other than a [`EntryKind::NewTerm`]) that ends at exactly `log_position`, if any.
    pub fn entry_at(&self, log_position: i64) -> Option<&AppliedEntry> {
        let start = self.entries.partition_point(|e| e.log_position < log_position);
        self.entries[start..]
            .iter()
            .take_while(|e| e.log_position == log_position)
            .find(|e| e.kind != EntryKind::NewTerm)
    }
}
