//! [`ClusterEventLog`]: the consensus module's debug event log (reference §9, Aeron's
//! `aeron.event.cluster.log`). Each enabled event becomes one line
//! `[secs.nanos] CLUSTER: NAME: memberId=N …` handed to a [`ClusterEventSink`]: the node prints to
//! standard error (`FULMAR_EVENT_LOG=cluster`), the simulator keeps the lines of a seed in memory.
//!
//! Which events are enabled is a [`ClusterEventSet`], parsed from Aeron's syntax: `all`, or a comma
//! list of event names (`ELECTION_STATE_CHANGE`) or ids (`1`); `cluster` means `all` without the three
//! chatty position events (CANVASS_POSITION, APPEND_POSITION, COMMIT_POSITION), as Aeron's system tests
//! run it.
//!
//! Invariants:
//! - a disabled event costs one bit test: no formatting, no allocation;
//! - the timestamp is the module's duty-cycle time (`now_ns`), never a clock read, so a simulated
//!   cluster's log is as deterministic as the simulation.

use std::fmt;
use std::sync::Arc;

/// Event codes of Aeron's `ClusterEventCode` (id = Aeron's code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClusterEventCode {
    /// The election moved from one state to another.
    ElectionStateChange = 1,
    /// A NewLeadershipTerm message was received.
    NewLeadershipTerm = 2,
    /// The module state changed.
    StateChange = 3,
    /// The node's role changed.
    RoleChange = 4,
    /// A CanvassPosition was received.
    CanvassPosition = 5,
    /// A RequestVote was received.
    RequestVote = 6,
    /// A CatchupPosition was received.
    CatchupPosition = 7,
    /// A StopCatchup was received.
    StopCatchup = 8,
    /// The log was truncated.
    TruncateLogEntry = 9,
    /// A NewLeadershipTermEvent was read from the log.
    ReplayNewLeadershipTerm = 10,
    /// An AppendPosition was received.
    AppendPosition = 11,
    /// A CommitPosition was received.
    CommitPosition = 12,
    /// A SessionCloseEvent was appended.
    AppendSessionClose = 14,
    /// A termination position was set.
    TerminationPosition = 17,
    /// A service acknowledged termination.
    TerminationAck = 18,
    /// A service acknowledgement arrived.
    ServiceAck = 19,
    /// A log replication ended.
    ReplicationEnded = 20,
    /// An election started.
    NewElection = 22,
    /// A SessionOpenEvent was appended.
    AppendSessionOpen = 23,
    /// A client session changed state.
    ClusterSessionStateChange = 24,
    /// A Vote was received.
    Vote = 25,
    /// The module started.
    Start = 27,
}

impl ClusterEventCode {
    /// Every code, in id order.
    pub const ALL: [ClusterEventCode; 22] = [
        Self::ElectionStateChange,
        Self::NewLeadershipTerm,
        Self::StateChange,
        Self::RoleChange,
        Self::CanvassPosition,
        Self::RequestVote,
        Self::CatchupPosition,
        Self::StopCatchup,
        Self::TruncateLogEntry,
        Self::ReplayNewLeadershipTerm,
        Self::AppendPosition,
        Self::CommitPosition,
        Self::AppendSessionClose,
        Self::TerminationPosition,
        Self::TerminationAck,
        Self::ServiceAck,
        Self::ReplicationEnded,
        Self::NewElection,
        Self::AppendSessionOpen,
        Self::ClusterSessionStateChange,
        Self::Vote,
        Self::Start,
    ];

    /// Aeron's id of the event.
    pub fn id(self) -> u32 {
        self as u32
    }

    /// Aeron's name of the event (`ELECTION_STATE_CHANGE`).
    pub fn name(self) -> &'static str {
        match self {
            Self::ElectionStateChange => "ELECTION_STATE_CHANGE",
            Self::NewLeadershipTerm => "NEW_LEADERSHIP_TERM",
            Self::StateChange => "STATE_CHANGE",
            Self::RoleChange => "ROLE_CHANGE",
            Self::CanvassPosition => "CANVASS_POSITION",
            Self::RequestVote => "REQUEST_VOTE",
            Self::CatchupPosition => "CATCHUP_POSITION",
            Self::StopCatchup => "STOP_CATCHUP",
            Self::TruncateLogEntry => "TRUNCATE_LOG_ENTRY",
            Self::ReplayNewLeadershipTerm => "REPLAY_NEW_LEADERSHIP_TERM",
            Self::AppendPosition => "APPEND_POSITION",
            Self::CommitPosition => "COMMIT_POSITION",
            Self::AppendSessionClose => "APPEND_SESSION_CLOSE",
            Self::TerminationPosition => "TERMINATION_POSITION",
            Self::TerminationAck => "TERMINATION_ACK",
            Self::ServiceAck => "SERVICE_ACK",
            Self::ReplicationEnded => "REPLICATION_ENDED",
            Self::NewElection => "NEW_ELECTION",
            Self::AppendSessionOpen => "APPEND_SESSION_OPEN",
            Self::ClusterSessionStateChange => "CLUSTER_SESSION_STATE_CHANGE",
            Self::Vote => "VOTE",
            Self::Start => "START",
        }
    }

    fn parse(token: &str) -> Option<Self> {
        let token = token.trim();
        if let Ok(id) = token.parse::<u32>() {
            return Self::ALL.into_iter().find(|code| code.id() == id);
        }
        Self::ALL.into_iter().find(|code| code.name().eq_ignore_ascii_case(token))
    }
}

/// A set of enabled event codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClusterEventSet(u64);

/// An event log specification that names no known event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown cluster event {token:?} in event log specification (use all, cluster, or names/ids of reference §9)"
)]
pub struct ClusterEventSpecError {
    /// The token that was not understood.
    pub token: String,
}

impl ClusterEventSet {
    /// No events.
    pub const NONE: Self = Self(0);

    /// Every event.
    pub fn all() -> Self {
        Self::ALL_BITS
    }

    const ALL_BITS: Self = {
        let mut bits = 0u64;
        let mut index = 0;
        while index < ClusterEventCode::ALL.len() {
            bits |= 1 << (ClusterEventCode::ALL[index] as u32);
            index += 1;
        }
        Self(bits)
    };

    /// Parses `all`, `cluster` (all but the chatty position events) or a comma list of names or ids.
    /// An empty string enables nothing.
    pub fn parse(spec: &str) -> Result<Self, ClusterEventSpecError> {
        let mut set = Self::NONE;
        for token in spec.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            if token.eq_ignore_ascii_case("all") {
                set = Self::all();
            } else if token.eq_ignore_ascii_case("cluster") {
                set = Self::all()
                    .without(ClusterEventCode::CanvassPosition)
                    .without(ClusterEventCode::AppendPosition)
                    .without(ClusterEventCode::CommitPosition);
            } else {
                let code = ClusterEventCode::parse(token)
                    .ok_or_else(|| ClusterEventSpecError { token: token.to_owned() })?;
                set = set.with(code);
            }
        }
        Ok(set)
    }

    /// This set plus `code`.
    pub fn with(self, code: ClusterEventCode) -> Self {
        Self(self.0 | (1 << code.id()))
    }

    /// This set without `code`.
    pub fn without(self, code: ClusterEventCode) -> Self {
        Self(self.0 & !(1 << code.id()))
    }

    /// Whether `code` is in the set.
    pub fn contains(self, code: ClusterEventCode) -> bool {
        self.0 & (1 << code.id()) != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// Where event lines go. Called from the module's thread; implementations must not block for long.
pub trait ClusterEventSink: Send + Sync {
    /// One formatted line, without a trailing newline.
    fn on_event(&self, line: &str);
}

/// The module's event log: an enabled set, a member id and a sink.
#[derive(Clone, Default)]
pub struct ClusterEventLog {
    enabled: ClusterEventSet,
    sink: Option<Arc<dyn ClusterEventSink>>,
}

impl fmt::Debug for ClusterEventLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClusterEventLog").field("enabled", &self.enabled).finish_non_exhaustive()
    }
}

/// Two logs are equal when they enable the same events and write to the same sink.
impl PartialEq for ClusterEventLog {
    fn eq(&self, other: &Self) -> bool {
        self.enabled == other.enabled
            && match (&self.sink, &other.sink) {
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                (None, None) => true,
                _ => false,
            }
    }
}

impl ClusterEventLog {
    /// A log that records nothing.
    pub fn disabled() -> Self {
        Self::default()
    }

    /// A log of the events in `enabled`, written to `sink`.
    pub fn new(enabled: ClusterEventSet, sink: Arc<dyn ClusterEventSink>) -> Self {
        Self { enabled, sink: Some(sink) }
    }

    /// Whether `code` would be written.
    pub fn is_enabled(&self, code: ClusterEventCode) -> bool {
        self.sink.is_some() && self.enabled.contains(code)
    }

    /// Writes one event line if `code` is enabled; `details` is only formatted then.
    pub fn log(&self, code: ClusterEventCode, now_ns: i64, member_id: i32, details: fmt::Arguments<'_>) {
        if !self.is_enabled(code) {
            return;
        }
        let Some(sink) = self.sink.as_ref() else { return };
        let seconds = now_ns.div_euclid(1_000_000_000);
        let nanos = now_ns.rem_euclid(1_000_000_000);
        let line = format!("[{seconds}.{nanos:09}] CLUSTER: {}: memberId={member_id} {details}", code.name());
        sink.on_event(&line);
    }
}

/// A sink that keeps every line in memory (tests, the simulator).
#[derive(Debug, Default)]
pub struct MemoryEventSink {
    lines: std::sync::Mutex<Vec<String>>,
}

impl MemoryEventSink {
    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// The lines so far, oldest first.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().map(|lines| lines.clone()).unwrap_or_default()
    }
}

impl ClusterEventSink for MemoryEventSink {
    fn on_event(&self, line: &str) {
        if let Ok(mut lines) = self.lines.lock() {
            lines.push(line.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_cluster_and_lists() {
        assert!(ClusterEventSet::parse("all").unwrap().contains(ClusterEventCode::CommitPosition));
        let cluster = ClusterEventSet::parse("cluster").unwrap();
        assert!(cluster.contains(ClusterEventCode::ElectionStateChange));
        assert!(!cluster.contains(ClusterEventCode::CommitPosition));
        let list = ClusterEventSet::parse("ROLE_CHANGE, 22").unwrap();
        assert!(list.contains(ClusterEventCode::RoleChange));
        assert!(list.contains(ClusterEventCode::NewElection));
        assert!(!list.contains(ClusterEventCode::Vote));
        assert!(ClusterEventSet::parse("").unwrap().is_empty());
        assert_eq!(ClusterEventSet::parse("13").unwrap_err().token, "13");
        assert_eq!(ClusterEventSet::parse("NOPE").unwrap_err().token, "NOPE");
    }

    #[test]
    fn formats_enabled_events_only() {
        let sink = Arc::new(MemoryEventSink::new());
        let log = ClusterEventLog::new(ClusterEventSet::parse("ROLE_CHANGE").unwrap(), sink.clone());
        log.log(ClusterEventCode::RoleChange, 1_500_000_002, 2, format_args!("FOLLOWER -> LEADER"));
        log.log(ClusterEventCode::Vote, 1, 2, format_args!("ignored"));
        assert_eq!(sink.lines(), vec!["[1.500000002] CLUSTER: ROLE_CHANGE: memberId=2 FOLLOWER -> LEADER"]);
        assert!(!ClusterEventLog::disabled().is_enabled(ClusterEventCode::RoleChange));
    }
}
