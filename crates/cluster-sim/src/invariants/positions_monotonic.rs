//! Positions never go back: each member's commit position and the log position of its service's
//! applied entries only grow (applied positions strictly, except a NewTerm entry, which Aeron reports
//! at the position where the term starts, i.e. the position after the entry before it).

use crate::service_record::EntryKind;

use super::{Invariant, Observation};

/// Last commit position and applied-entry cursor per member.
#[derive(Debug)]
pub struct PositionsMonotonic {
    commit: Vec<i64>,
    applied_cursor: Vec<usize>,
}

impl PositionsMonotonic {
    /// For `node_count` members.
    pub fn new(node_count: usize) -> Self {
        Self { commit: vec![i64::MIN; node_count], applied_cursor: vec![0; node_count] }
    }
}

impl Invariant for PositionsMonotonic {
    fn name(&self) -> &'static str {
        "positions_monotonic"
    }

    fn check(&mut self, observation: &Observation<'_>) -> Result<(), String> {
        for (node, view) in observation.views.iter().enumerate() {
            if view.commit_position < self.commit[node] {
                return Err(format!(
                    "node {node}: commit position went back from {} to {}",
                    self.commit[node], view.commit_position
                ));
            }
            self.commit[node] = view.commit_position;
            let entries = &observation.records[node].entries;
            let from = self.applied_cursor[node].max(1);
            for i in from..entries.len() {
                let new_term_at_same = entries[i].kind == EntryKind::NewTerm
                    && entries[i].log_position == entries[i - 1].log_position;
                if entries[i].log_position <= entries[i - 1].log_position && !new_term_at_same {
                    return Err(format!(
                        "node {node}: applied position went back from {} to {} (entry {i}: {:?} after {:?})",
                        entries[i - 1].log_position,
                        entries[i].log_position,
                        entries[i],
                        entries[i - 1]
                    ));
                }
            }
            self.applied_cursor[node] = entries.len();
        }
        Ok(())
    }
}
