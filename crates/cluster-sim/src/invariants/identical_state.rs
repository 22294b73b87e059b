//! Identical service state at the same log position: the state hash a member's service holds after
//! applying the entry at position P equals every other member's at P (a NewTerm entry, reported at
//! the position where its term starts, is keyed apart from the entry ending there).

use std::collections::BTreeMap;

use crate::service_record::EntryKind;

use super::{Invariant, Observation};

/// The first state hash seen at each position, and per-member cursors.
#[derive(Debug)]
pub struct IdenticalState {
    hashes: BTreeMap<(i64, bool), (u64, usize)>,
    cursor: Vec<usize>,
}

impl IdenticalState {
    /// For `node_count` members.
    pub fn new(node_count: usize) -> Self {
        Self { hashes: BTreeMap::new(), cursor: vec![0; node_count] }
    }
}

impl Invariant for IdenticalState {
    fn name(&self) -> &'static str {
        "identical_state"
    }

    fn check(&mut self, observation: &Observation<'_>) -> Result<(), String> {
        for (node, record) in observation.records.iter().enumerate() {
            for entry in &record.entries[self.cursor[node]..] {
                let key = (entry.log_position, entry.kind == EntryKind::NewTerm);
                let (hash, first) = *self.hashes.entry(key).or_insert((entry.state_hash_after, node));
                if hash != entry.state_hash_after {
                    return Err(format!(
                        "position {}: node {node} state {:016x} but node {first} state {hash:016x}",
                        entry.log_position, entry.state_hash_after
                    ));
                }
            }
            self.cursor[node] = record.entries.len();
        }
        Ok(())
    }
}
