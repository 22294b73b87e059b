//! [`LeadershipTerm`]: the content of a NewLeadershipTermEvent as handed to
//! [`crate::ClusteredService::on_new_leadership_term`].

use protocol::cluster::{ClusterTimeUnit, NewLeadershipTermEvent};

/// A new leadership term as recorded in the log (the first entry of every term). A null time unit in
/// the log is reported as [`ClusterTimeUnit::Millis`] (Aeron's substitution).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeadershipTerm {
    /// The term's id.
    pub leadership_term_id: i64,
    /// Log position after the event.
    pub log_position: i64,
    /// Cluster time of the event (in `time_unit`).
    pub timestamp: i64,
    /// Log position at which the term began.
    pub term_base_log_position: i64,
    /// Member id of the term's leader.
    pub leader_member_id: i32,
    /// Session id of the term's log publication.
    pub log_session_id: i32,
    /// Unit of every timestamp in the log.
    pub time_unit: ClusterTimeUnit,
    /// Application version (semantic version, `major << 16 | minor << 8 | patch`) the leader runs.
    pub app_version: i32,
}

impl LeadershipTerm {
    /// Builds the term from a decoded NewLeadershipTermEvent, substituting milliseconds for a null
    /// time unit.
    pub fn from_event(event: &NewLeadershipTermEvent) -> Self {
        let time_unit = match event.time_unit {
            ClusterTimeUnit::Unknown(i32::MIN) => ClusterTimeUnit::Millis,
            other => other,
        };
        Self {
            leadership_term_id: event.leadership_term_id,
            log_position: event.log_position,
            timestamp: event.timestamp,
            term_base_log_position: event.term_base_log_position,
            leader_member_id: event.leader_member_id,
            log_session_id: event.log_session_id,
            time_unit,
            app_version: event.app_version,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_null_time_unit_means_milliseconds() {
        let event = NewLeadershipTermEvent {
            leadership_term_id: 1,
            log_position: 96,
            timestamp: 5,
            term_base_log_position: 0,
            leader_member_id: 2,
            log_session_id: 3,
            time_unit: ClusterTimeUnit::Unknown(i32::MIN),
            app_version: 0,
        };
        assert_eq!(LeadershipTerm::from_event(&event).time_unit, ClusterTimeUnit::Millis);
        let nanos = NewLeadershipTermEvent { time_unit: ClusterTimeUnit::Nanos, ..event };
        let term = LeadershipTerm::from_event(&nanos);
        assert_eq!(term.time_unit, ClusterTimeUnit::Nanos);
        assert_eq!((term.leadership_term_id, term.log_position, term.leader_member_id), (1, 96, 2));
    }
}
