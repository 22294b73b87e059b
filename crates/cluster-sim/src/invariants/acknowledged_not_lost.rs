//! No acknowledged message is ever lost: a message echoed to a client as applied at log position P
//! must be, on every member whose service has applied up to P, exactly the entry at P (same session
//! and sequence); and after the liveness phase the final leader must have applied every acknowledged
//! message (leader completeness).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::service_record::EntryKind;

use super::{Invariant, Observation};

/// Per member, the acknowledgements not yet reached by its service (a min-heap on position).
#[derive(Debug)]
pub struct AcknowledgedNotLost {
    pending: Vec<BinaryHeap<Reverse<(i64, usize)>>>,
    acked_cursor: usize,
}

impl AcknowledgedNotLost {
    /// For `node_count` members.
    pub fn new(node_count: usize) -> Self {
        Self { pending: vec![BinaryHeap::new(); node_count], acked_cursor: 0 }
    }
}

impl Invariant for AcknowledgedNotLost {
    fn name(&self) -> &'static str {
        "acknowledged_not_lost"
    }

    fn check(&mut self, observation: &Observation<'_>) -> Result<(), String> {
        for index in self.acked_cursor..observation.acked.len() {
            let position = observation.acked[index].echo.log_position;
            for heap in &mut self.pending {
                heap.push(Reverse((position, index)));
            }
        }
        self.acked_cursor = observation.acked.len();
        for (node, record) in observation.records.iter().enumerate() {
            let applied = record.last_position();
            while let Some(&Reverse((position, index))) = self.pending[node].peek() {
                if position > applied {
                    break;
                }
                self.pending[node].pop();
                let acked = &observation.acked[index];
                let matches = record.entry_at(position).is_some_and(|e| {
                    e.kind == EntryKind::ClientMessage
                        && e.session_id == acked.session_id
                        && e.client_seq == acked.echo.client_seq as i64
                });
                if !matches {
                    return Err(format!(
                        "session {} seq {} acknowledged at position {position} but node {node} applied {:?} there",
                        acked.session_id,
                        acked.echo.client_seq,
                        record.entry_at(position)
                    ));
                }
            }
        }
        Ok(())
    }

    fn check_final(&mut self, observation: &Observation<'_>) -> Result<(), String> {
        self.check(observation)?;
        let Some(leader) = observation.final_leader else {
            return Err("no final leader".into());
        };
        match self.pending[leader].peek() {
            None => Ok(()),
            Some(&Reverse((position, index))) => {
                let acked = &observation.acked[index];
                Err(format!(
                    "final leader {leader} applied up to {} but session {} seq {} was acknowledged at {position}",
                    observation.records[leader].last_position(),
                    acked.session_id,
                    acked.echo.client_seq
                ))
            }
        }
    }
}
