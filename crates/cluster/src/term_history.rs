//! [`TermHistory`]: the TERM entries of the recording log that the election reads and keeps coherent
//! (a model of Aeron `RecordingLog` restricted to terms; the consensus module owns the durable file and
//! mirrors [`ElectionCommand::EnsureRecordingLogCoherent`](crate::ElectionCommand::EnsureRecordingLogCoherent)).
//!
//! Invariants: entries are sorted by strictly increasing `leadership_term_id` with no gaps once any
//! entry exists (missing terms are filled in as empty terms, as Aeron's `ensureCoherent` does); every
//! entry but possibly the last has a committed `log_position` (`!= NULL_POSITION`) once a later term is
//! appended with a known base.

use crate::cluster_member::{NULL_POSITION, NULL_VALUE};

/// One TERM entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TermEntry {
    /// Leadership term id.
    pub leadership_term_id: i64,
    /// Position the term starts at.
    pub term_base_log_position: i64,
    /// Position the term ends at, [`NULL_POSITION`] while open.
    pub log_position: i64,
}

/// The ordered TERM entries of a node's recording log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TermHistory {
    /// Entries in increasing term order.
    pub entries: Vec<TermEntry>,
}

impl TermHistory {
    /// The entry for `leadership_term_id`, if present.
    pub fn find(&self, leadership_term_id: i64) -> Option<TermEntry> {
        self.entries.iter().copied().find(|e| e.leadership_term_id == leadership_term_id)
    }

    /// The last entry, if any.
    pub fn last(&self) -> Option<TermEntry> {
        self.entries.last().copied()
    }

    fn commit(&mut self, leadership_term_id: i64, log_position: i64) {
        if let Some(entry) = self.entries.iter_mut().find(|e| e.leadership_term_id == leadership_term_id) {
            entry.log_position = log_position;
        }
    }

    /// Aeron `RecordingLog.ensureCoherent`: make sure an entry for `leadership_term_id` exists (filling
    /// skipped terms with empty ones and closing the previous open term at `term_base_log_position`), and
    /// commit `log_position` into it when not [`NULL_POSITION`]. `term_base_log_position` may be
    /// [`NULL_VALUE`] when the previous term is already committed. Returns an error message when the
    /// previous term is open and no base is given (Aeron throws).
    pub fn ensure_coherent(
        &mut self,
        initial_log_leadership_term_id: i64,
        initial_term_base_log_position: i64,
        leadership_term_id: i64,
        term_base_log_position: i64,
        log_position: i64,
    ) -> Result<(), String> {
        let base = if term_base_log_position == NULL_VALUE {
            initial_term_base_log_position
        } else {
            term_base_log_position
        };
        match self.last() {
            None => {
                for term_id in initial_log_leadership_term_id.max(0)..leadership_term_id {
                    self.push(term_id, initial_term_base_log_position);
                }
                self.push(leadership_term_id, base);
            }
            Some(mut last) if last.leadership_term_id < leadership_term_id => {
                if last.log_position == NULL_POSITION {
                    if term_base_log_position == NULL_VALUE {
                        return Err(format!(
                            "prior term {} was not committed and no base given",
                            last.leadership_term_id
                        ));
                    }
                    self.commit(last.leadership_term_id, term_base_log_position);
                    last.log_position = term_base_log_position;
                }
                for term_id in last.leadership_term_id + 1..leadership_term_id {
                    self.push(term_id, last.log_position);
                    self.commit(term_id, last.log_position);
                }
                self.push(leadership_term_id, last.log_position);
            }
            Some(_) => {}
        }
        if log_position != NULL_POSITION {
            self.commit(leadership_term_id, log_position);
        }
        Ok(())
    }

    /// Drops entries after `log_leadership_term_id` and reopens that term (log truncated to `position`
    /// within it).
    pub fn truncate(&mut self, log_leadership_term_id: i64, position: i64) {
        self.entries.retain(|e| {
            e.leadership_term_id <= log_leadership_term_id && e.term_base_log_position <= position
        });
        if let Some(last) = self.entries.last_mut() {
            last.log_position = NULL_POSITION;
        }
    }

    fn push(&mut self, leadership_term_id: i64, term_base_log_position: i64) {
        self.entries.push(TermEntry {
            leadership_term_id,
            term_base_log_position,
            log_position: NULL_POSITION,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ensure_coherent_fills_gaps_and_commits() {
        let mut history = TermHistory::default();
        history.ensure_coherent(-1, 0, 0, 0, NULL_POSITION).unwrap();
        assert_eq!(
            history.entries,
            vec![TermEntry { leadership_term_id: 0, term_base_log_position: 0, log_position: -1 }]
        );
        assert!(history.ensure_coherent(-1, 0, 2, NULL_VALUE, NULL_POSITION).is_err());
        history.ensure_coherent(-1, 0, 3, 100, NULL_POSITION).unwrap();
        let terms: Vec<(i64, i64, i64)> = history
            .entries
            .iter()
            .map(|e| (e.leadership_term_id, e.term_base_log_position, e.log_position))
            .collect();
        assert_eq!(terms, vec![(0, 0, 100), (1, 100, 100), (2, 100, 100), (3, 100, -1)]);
        history.ensure_coherent(-1, 0, 3, NULL_VALUE, 250).unwrap();
        assert_eq!(history.find(3).unwrap().log_position, 250);
        history.truncate(1, 100);
        assert_eq!(
            history.last(),
            Some(TermEntry { leadership_term_id: 1, term_base_log_position: 100, log_position: -1 })
        );
    }
}
