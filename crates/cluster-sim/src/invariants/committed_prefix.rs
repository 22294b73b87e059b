//! The committed prefix never changes (log matching): every member's sequence of applied entries
//! (position, kind, session, sequence, digest) is a prefix of the longest one seen. Since services
//! apply only committed entries, a difference means a committed entry changed or diverged.

use crate::service_record::AppliedEntry;

use super::{Invariant, Observation};

/// The longest applied sequence seen, and how far each member has been compared.
#[derive(Debug)]
pub struct CommittedPrefix {
    canonical: Vec<AppliedEntry>,
    canonical_node: usize,
    cursor: Vec<usize>,
}

impl CommittedPrefix {
    /// For `node_count` members.
    pub fn new(node_count: usize) -> Self {
        Self { canonical: Vec::new(), canonical_node: 0, cursor: vec![0; node_count] }
    }
}

fn same_entry(a: &AppliedEntry, b: &AppliedEntry) -> bool {
    a.log_position == b.log_position
        && a.kind == b.kind
        && a.session_id == b.session_id
        && a.client_seq == b.client_seq
        && a.digest == b.digest
}

impl Invariant for CommittedPrefix {
    fn name(&self) -> &'static str {
        "committed_prefix"
    }

    fn check(&mut self, observation: &Observation<'_>) -> Result<(), String> {
        for (node, record) in observation.records.iter().enumerate() {
            let entries = &record.entries;
            for (index, entry) in entries.iter().enumerate().skip(self.cursor[node]) {
                match self.canonical.get(index) {
                    Some(expected) if !same_entry(expected, entry) => {
                        return Err(format!(
                            "entry {index}: node {node} applied {entry:?} but node {} applied {expected:?}",
                            self.canonical_node
                        ));
                    }
                    Some(_) => {}
                    None => {
                        self.canonical.push(*entry);
                        self.canonical_node = node;
                    }
                }
            }
            self.cursor[node] = entries.len();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service_record::{EntryKind, ServiceRecord};
    use crate::sim_cluster::NodeView;

    fn entry(log_position: i64, client_seq: i64) -> AppliedEntry {
        AppliedEntry {
            log_position,
            kind: EntryKind::ClientMessage,
            session_id: 1,
            client_seq,
            digest: client_seq as u64,
            state_hash_after: 0,
        }
    }

    fn check(invariant: &mut CommittedPrefix, records: &[ServiceRecord]) -> Result<(), String> {
        let refs: Vec<&ServiceRecord> = records.iter().collect();
        let views: Vec<NodeView> = Vec::new();
        invariant.check(&Observation {
            views: &views,
            records: &refs,
            acked: &[],
            final_leader: None,
            timers_due_position: 0,
        })
    }

    #[test]
    fn prefixes_pass_and_a_diverging_entry_is_caught() {
        let mut invariant = CommittedPrefix::new(2);
        let mut a = ServiceRecord::default();
        let mut b = ServiceRecord::default();
        a.entries = vec![entry(64, 0), entry(128, 1)];
        b.entries = vec![entry(64, 0)];
        assert!(check(&mut invariant, &[a.clone(), b.clone()]).is_ok());
        b.entries.push(entry(128, 7));
        let error = check(&mut invariant, &[a, b]).unwrap_err();
        assert!(error.contains("entry 1: node 1"), "{error}");
    }
}
