//! Exactly-once, in-order delivery per session: on every member, the client sequence numbers applied
//! for one session strictly increase (a message is never applied twice, nor after a later one; clients
//! never resend, so gaps are lost unacknowledged messages). On the client side, the echoes of one
//! session arrive once each with strictly increasing sequence numbers and per-session counts.

use std::collections::BTreeMap;

use crate::service_record::EntryKind;

use super::{Invariant, Observation};

/// Per member and session the last applied sequence; per session the last echo.
#[derive(Debug)]
pub struct ExactlyOnceInOrder {
    applied: Vec<BTreeMap<i64, i64>>,
    cursor: Vec<usize>,
    echoed: BTreeMap<i64, (u64, u64)>,
    acked_cursor: usize,
}

impl ExactlyOnceInOrder {
    /// For `node_count` members.
    pub fn new(node_count: usize) -> Self {
        Self {
            applied: vec![BTreeMap::new(); node_count],
            cursor: vec![0; node_count],
            echoed: BTreeMap::new(),
            acked_cursor: 0,
        }
    }
}

impl Invariant for ExactlyOnceInOrder {
    fn name(&self) -> &'static str {
        "exactly_once_in_order"
    }

    fn check(&mut self, observation: &Observation<'_>) -> Result<(), String> {
        for (node, record) in observation.records.iter().enumerate() {
            for entry in &record.entries[self.cursor[node]..] {
                if entry.kind != EntryKind::ClientMessage {
                    continue;
                }
                let last = self.applied[node].entry(entry.session_id).or_insert(-1);
                if entry.client_seq <= *last {
                    return Err(format!(
                        "node {node} session {}: applied seq {} at position {} after seq {}",
                        entry.session_id, entry.client_seq, entry.log_position, *last
                    ));
                }
                *last = entry.client_seq;
            }
            self.cursor[node] = record.entries.len();
        }
        for acked in &observation.acked[self.acked_cursor..] {
            let echo = acked.echo;
            if let Some(&(last_seq, last_count)) = self.echoed.get(&acked.session_id)
                && (echo.client_seq <= last_seq || echo.session_count <= last_count)
            {
                return Err(format!(
                    "session {}: echo of seq {} (count {}) after seq {last_seq} (count {last_count})",
                    acked.session_id, echo.client_seq, echo.session_count
                ));
            }
            self.echoed.insert(acked.session_id, (echo.client_seq, echo.session_count));
        }
        self.acked_cursor = observation.acked.len();
        Ok(())
    }
}
