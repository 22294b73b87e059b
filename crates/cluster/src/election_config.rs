//! [`ElectionConfig`]: the timeouts and options the election reads (Aeron `ConsensusModule.Context`).
//!
//! Invariants (checked by [`ElectionConfig::validate`]): every interval and timeout is positive, and
//! `startup_canvass_timeout_ns >= 2 * leader_heartbeat_timeout_ns` as Aeron requires.

/// Election timing and options. [`Default`] gives Aeron 1.54's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElectionConfig {
    /// How often CanvassPosition is sent while canvassing/nominated (`aeron.cluster.election.status.interval`, 100 ms).
    pub election_status_interval_ns: i64,
    /// Ballot and follower-ballot timeout; nomination delay is drawn from `[0, this / 2)`
    /// (`aeron.cluster.election.timeout`, 1 s).
    pub election_timeout_ns: i64,
    /// Extended canvass on node start-up (`aeron.cluster.startup.canvass.timeout`, 60 s).
    pub startup_canvass_timeout_ns: i64,
    /// Leader liveness and member activity timeout (`aeron.cluster.leader.heartbeat.timeout`, 10 s).
    pub leader_heartbeat_timeout_ns: i64,
    /// NewLeadershipTerm / CommitPosition / AppendPosition interval (`aeron.cluster.leader.heartbeat.interval`, 200 ms).
    pub leader_heartbeat_interval_ns: i64,
    /// Appointed leader (`aeron.cluster.appointed.leader.id`), `None` for a normal election.
    pub appointed_leader_id: Option<i32>,
    /// Application semantic version written in NewLeadershipTerm (default 0.0.1 = 1).
    pub app_version: i32,
    /// Term length of the log (64 MiB by default): catch-up is "near live" within `min(term / 4, 32 MiB)`.
    pub log_term_length: i64,
}

impl Default for ElectionConfig {
    fn default() -> Self {
        Self {
            election_status_interval_ns: 100_000_000,
            election_timeout_ns: 1_000_000_000,
            startup_canvass_timeout_ns: 60_000_000_000,
            leader_heartbeat_timeout_ns: 10_000_000_000,
            leader_heartbeat_interval_ns: 200_000_000,
            appointed_leader_id: None,
            app_version: 1,
            log_term_length: 64 * 1024 * 1024,
        }
    }
}

impl ElectionConfig {
    /// Checks the invariants above; the message names the offending setting.
    pub fn validate(&self) -> Result<(), String> {
        let positive = [
            ("election_status_interval_ns", self.election_status_interval_ns),
            ("election_timeout_ns", self.election_timeout_ns),
            ("startup_canvass_timeout_ns", self.startup_canvass_timeout_ns),
            ("leader_heartbeat_timeout_ns", self.leader_heartbeat_timeout_ns),
            ("leader_heartbeat_interval_ns", self.leader_heartbeat_interval_ns),
            ("log_term_length", self.log_term_length),
        ];
        if let Some((name, _)) = positive.iter().find(|(_, value)| *value <= 0) {
            return Err(format!("{name} must be positive"));
        }
        if self.startup_canvass_timeout_ns < 2 * self.leader_heartbeat_timeout_ns {
            return Err("startup_canvass_timeout_ns must be >= 2 * leader_heartbeat_timeout_ns".into());
        }
        Ok(())
    }

    /// Distance from the catch-up target at which the live log destination is added.
    pub fn catchup_near_live_threshold(&self) -> i64 {
        (self.log_term_length / 4).min(32 * 1024 * 1024)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_aerons_and_valid() {
        let config = ElectionConfig::default();
        assert_eq!(config.validate(), Ok(()));
        assert_eq!(config.election_timeout_ns, 1_000_000_000);
        assert_eq!(config.catchup_near_live_threshold(), 16 * 1024 * 1024);
        let bad = ElectionConfig { startup_canvass_timeout_ns: 1, ..config.clone() };
        assert!(bad.validate().is_err());
        let bad = ElectionConfig { election_timeout_ns: 0, ..config };
        assert_eq!(bad.validate(), Err("election_timeout_ns must be positive".into()));
    }
}
