//! Catching up from a peer's snapshot at start-up (issue 6: "a node with an empty or too-old log
//! catches up by replicating the leader's latest snapshot, then the log").
//!
//! Before it plans recovery, a module with peers sends each of them a `BackupQuery` on the consensus
//! channel and collects their `BackupResponse`s: each peer's newest complete snapshot set. Once every
//! peer answered, or the query timeout passed, [`SnapshotCatchup::decide`] picks the newest set. If it
//! lies beyond everything this node holds (its appended log position), the module replicates each
//! recording of that set from the peer's archive into its own, then records them in `recording.log`
//! and recovers from them as from its own snapshots; the log after the snapshot then comes from the
//! leader by the usual follower log replication.
//!
//! Invariants:
//! - only answers to this query (same correlation id) from queried peers count, at most one per peer;
//! - a set is used only if it is complete: the consensus module first, then services `0..n` in order,
//!   all at one log position (anything else from the network is ignored);
//! - a set is adopted only if its position is strictly beyond this node's appended log position, so a
//!   node never trades log it has for an older or equal snapshot;
//! - recordings are replicated one at a time, in set order; the local ids line up with the set.

use std::collections::BTreeMap;

use crate::recording_log_entry::CONSENSUS_MODULE_SERVICE_ID;
use crate::recovery_plan::Snapshot;

/// How often the query is sent again to peers that have not answered.
pub const QUERY_RESEND_INTERVAL_NS: i64 = 100_000_000;

/// What to do once the query phase is over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatchupDecision {
    /// No peer holds a snapshot beyond this node's log: recover from local state.
    UseLocal,
    /// Replicate a peer's snapshot set.
    Replicate {
        /// The member whose archive holds the set.
        source_member_id: i32,
        /// The set, index 0 = consensus module, `k + 1` = service `k` (the peer's recording ids).
        set: Vec<Snapshot>,
    },
}

/// The query phase and the replication progress of a snapshot catch-up. The consensus module drives
/// it: it sends the query when [`Self::query_due`] says so, feeds answers to [`Self::on_answer`], asks
/// [`Self::decide`], then walks the chosen set with [`Self::next_to_replicate`] and
/// [`Self::on_replicated`].
#[derive(Debug)]
pub struct SnapshotCatchup {
    correlation_id: i64,
    local_position: i64,
    service_count: usize,
    deadline_ns: i64,
    next_query_ns: i64,
    peers: Vec<i32>,
    answers: BTreeMap<i32, Option<Vec<Snapshot>>>,
    decided: bool,
    source: Option<(i32, Vec<Snapshot>)>,
    local_recording_ids: Vec<i64>,
}

impl SnapshotCatchup {
    /// A catch-up for a node whose log reaches `local_position`, asking `peers` (member ids) under
    /// `correlation_id` until `now_ns + timeout_ns`.
    pub fn new(
        correlation_id: i64,
        local_position: i64,
        service_count: usize,
        peers: Vec<i32>,
        now_ns: i64,
        timeout_ns: i64,
    ) -> Self {
        Self {
            correlation_id,
            local_position,
            service_count,
            deadline_ns: now_ns.saturating_add(timeout_ns),
            next_query_ns: now_ns,
            peers,
            answers: BTreeMap::new(),
            decided: false,
            source: None,
            local_recording_ids: Vec::new(),
        }
    }

    /// Correlation id of the query; answers carry it.
    pub fn correlation_id(&self) -> i64 {
        self.correlation_id
    }

    /// The peers still to (re)send the query to, if it is time; marks them sent.
    pub fn query_due(&mut self, now_ns: i64) -> Vec<i32> {
        if self.decided || now_ns < self.next_query_ns {
            return Vec::new();
        }
        self.next_query_ns = now_ns.saturating_add(QUERY_RESEND_INTERVAL_NS);
        self.peers.iter().copied().filter(|id| !self.answers.contains_key(id)).collect()
    }

    /// Records `member_id`'s answer to query `correlation_id`: its newest snapshot set, in set order.
    /// Answers to other queries, from unknown members, or repeated, are ignored. An incomplete or
    /// inconsistent set counts as "no snapshot".
    pub fn on_answer(&mut self, correlation_id: i64, member_id: i32, snapshots: Vec<Snapshot>) {
        if correlation_id != self.correlation_id
            || self.decided
            || !self.peers.contains(&member_id)
            || self.answers.contains_key(&member_id)
        {
            return;
        }
        let usable = self.is_complete_set(&snapshots).then_some(snapshots);
        self.answers.insert(member_id, usable);
    }

    fn is_complete_set(&self, set: &[Snapshot]) -> bool {
        set.len() == self.service_count + 1
            && set.iter().enumerate().all(|(index, s)| {
                let expected_service_id =
                    if index == 0 { CONSENSUS_MODULE_SERVICE_ID } else { index as i32 - 1 };
                s.service_id == expected_service_id
                    && s.log_position == set[0].log_position
                    && s.leadership_term_id == set[0].leadership_term_id
                    && s.recording_id >= 0
                    && s.log_position > 0
            })
    }

    /// Once every peer answered or the timeout passed: whether to replicate a peer's set, and which.
    /// `None` while still waiting. Decides once; later calls return `None`.
    pub fn decide(&mut self, now_ns: i64) -> Option<CatchupDecision> {
        if self.decided || (self.answers.len() < self.peers.len() && now_ns < self.deadline_ns) {
            return None;
        }
        self.decided = true;
        let best = self
            .answers
            .iter()
            .filter_map(|(member_id, set)| set.as_ref().map(|set| (*member_id, set)))
            .max_by_key(|(member_id, set)| (set[0].log_position, -member_id));
        match best {
            Some((member_id, set)) if set[0].log_position > self.local_position => {
                self.source = Some((member_id, set.clone()));
                Some(CatchupDecision::Replicate { source_member_id: member_id, set: set.clone() })
            }
            _ => Some(CatchupDecision::UseLocal),
        }
    }

    /// The next snapshot of the chosen set to replicate (with its index), or `None` when all are done
    /// or nothing was chosen.
    pub fn next_to_replicate(&self) -> Option<(usize, Snapshot)> {
        let (_, set) = self.source.as_ref()?;
        let index = self.local_recording_ids.len();
        set.get(index).map(|snapshot| (index, *snapshot))
    }

    /// The snapshot [`Self::next_to_replicate`] named is now local recording `recording_id`.
    pub fn on_replicated(&mut self, recording_id: i64) {
        if self.next_to_replicate().is_some() {
            self.local_recording_ids.push(recording_id);
        }
    }

    /// The chosen set with local recording ids, once every recording is replicated.
    pub fn replicated_set(&self) -> Option<Vec<Snapshot>> {
        let (_, set) = self.source.as_ref()?;
        (self.local_recording_ids.len() == set.len()).then(|| {
            set.iter()
                .zip(&self.local_recording_ids)
                .map(|(snapshot, id)| Snapshot { recording_id: *id, ..*snapshot })
                .collect()
        })
    }

    /// Member the set is replicated from.
    pub fn source_member_id(&self) -> Option<i32> {
        self.source.as_ref().map(|(id, _)| *id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(position: i64, services: usize, first_recording_id: i64) -> Vec<Snapshot> {
        (0..=services)
            .map(|index| Snapshot {
                recording_id: first_recording_id + index as i64,
                leadership_term_id: 3,
                term_base_log_position: 0,
                log_position: position,
                timestamp: 77,
                service_id: index as i32 - 1,
            })
            .collect()
    }

    #[test]
    fn waits_for_every_peer_then_picks_the_newest_set_beyond_the_local_log() {
        let mut catchup = SnapshotCatchup::new(9, 1_000, 1, vec![1, 2], 0, 1_000);
        assert_eq!(catchup.query_due(0), vec![1, 2]);
        assert!(catchup.query_due(10).is_empty(), "not again before the resend interval");
        catchup.on_answer(9, 1, set(4_096, 1, 10));
        assert_eq!(catchup.decide(10), None, "peer 2 has not answered");
        assert_eq!(catchup.query_due(QUERY_RESEND_INTERVAL_NS), vec![2], "only the silent peer again");
        catchup.on_answer(9, 2, set(8_192, 1, 20));
        let decision = catchup.decide(20).expect("everyone answered");
        assert_eq!(decision, CatchupDecision::Replicate { source_member_id: 2, set: set(8_192, 1, 20) });
        assert_eq!(catchup.decide(30), None, "decides once");
        assert_eq!(catchup.next_to_replicate().map(|(i, s)| (i, s.recording_id)), Some((0, 20)));
        catchup.on_replicated(100);
        assert_eq!(catchup.replicated_set(), None);
        assert_eq!(catchup.next_to_replicate().map(|(i, s)| (i, s.recording_id)), Some((1, 21)));
        catchup.on_replicated(101);
        assert_eq!(catchup.next_to_replicate(), None);
        let local = catchup.replicated_set().expect("all replicated");
        assert_eq!(local.iter().map(|s| s.recording_id).collect::<Vec<_>>(), vec![100, 101]);
        assert!(local.iter().all(|s| s.log_position == 8_192 && s.timestamp == 77));
    }

    #[test]
    fn keeps_the_local_state_when_no_peer_is_ahead() {
        let mut catchup = SnapshotCatchup::new(9, 8_192, 1, vec![1, 2], 0, 1_000);
        catchup.on_answer(9, 1, set(8_192, 1, 10));
        catchup.on_answer(9, 2, Vec::new());
        assert_eq!(catchup.decide(0), Some(CatchupDecision::UseLocal));
        assert_eq!(catchup.next_to_replicate(), None);
    }

    #[test]
    fn the_timeout_ends_the_wait_for_silent_peers() {
        let mut catchup = SnapshotCatchup::new(9, 0, 0, vec![1, 2], 0, 1_000);
        catchup.on_answer(9, 1, set(512, 0, 5));
        assert_eq!(catchup.decide(999), None);
        assert_eq!(
            catchup.decide(1_000),
            Some(CatchupDecision::Replicate { source_member_id: 1, set: set(512, 0, 5) })
        );
        let mut nobody = SnapshotCatchup::new(9, 0, 0, vec![1], 0, 1_000);
        assert_eq!(nobody.decide(1_000), Some(CatchupDecision::UseLocal));
    }

    #[test]
    fn ignores_foreign_repeated_and_malformed_answers() {
        let mut catchup = SnapshotCatchup::new(9, 0, 1, vec![1, 2], 0, 1_000);
        catchup.on_answer(8, 1, set(4_096, 1, 10)); // another query
        catchup.on_answer(9, 7, set(4_096, 1, 10)); // not a queried peer
        assert_eq!(catchup.decide(0), None);
        let mut wrong_order = set(4_096, 1, 10);
        wrong_order.swap(0, 1);
        catchup.on_answer(9, 1, wrong_order);
        catchup.on_answer(9, 1, set(9_000, 1, 10)); // a repeat does not replace the first answer
        let mut mixed = set(4_096, 1, 30);
        mixed[1].log_position = 2_048;
        catchup.on_answer(9, 2, mixed);
        assert_eq!(catchup.decide(0), Some(CatchupDecision::UseLocal), "no usable set");
        let mut short = SnapshotCatchup::new(9, 0, 2, vec![1], 0, 1_000);
        short.on_answer(9, 1, set(4_096, 1, 10)); // one service short
        assert_eq!(short.decide(0), Some(CatchupDecision::UseLocal));
    }
}
