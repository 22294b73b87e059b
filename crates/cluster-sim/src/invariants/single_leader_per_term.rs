//! At most one leader per leadership term: once member A was seen as leader of term T, no other
//! member may be seen as leader of T (killed members' last observed state counts too).

use std::collections::BTreeMap;

use cluster::Role;

use super::{Invariant, Observation};

/// Remembers the leader of every term seen.
#[derive(Debug, Default)]
pub struct SingleLeaderPerTerm {
    leaders: BTreeMap<i64, usize>,
}

impl SingleLeaderPerTerm {
    /// Terms that had a leader.
    pub fn terms_with_leader(&self) -> usize {
        self.leaders.len()
    }
}

impl Invariant for SingleLeaderPerTerm {
    fn name(&self) -> &'static str {
        "single_leader_per_term"
    }

    fn check(&mut self, observation: &Observation<'_>) -> Result<(), String> {
        for (node, view) in observation.views.iter().enumerate() {
            if view.role != Role::Leader {
                continue;
            }
            let leader = *self.leaders.entry(view.leadership_term_id).or_insert(node);
            if leader != node {
                return Err(format!(
                    "term {}: node {leader} and node {node} both leader",
                    view.leadership_term_id
                ));
            }
        }
        Ok(())
    }
}
