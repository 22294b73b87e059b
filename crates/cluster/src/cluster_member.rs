//! [`ClusterMember`]: one member of a static cluster as seen by this node, parsing of Aeron's
//! `aeron.cluster.members` string, and the quorum helpers of Aeron's `ClusterMember.java`.
//!
//! Invariants:
//! - [`quorum_threshold`]`(n) = n / 2 + 1`; every "quorum" helper compares a count against it.
//! - Logs compare by `(log leadership term id, log position)`, term first ([`compare_log`]).
//! - A member whose `log_position` is [`NULL_POSITION`] has not reported and never counts as a possible
//!   vote ([`ClusterMember::will_vote_for`]); activity is deliberately not checked there (Aeron: doing so
//!   breaks nomination after a crash or partition).
//! - A member is active iff `time_of_last_append_position_ns + timeout_ns > now_ns`; a member that never
//!   reported (`i64::MIN`) is never active.
//! - Parsing never panics: malformed input yields a [`MembersParseError`].

use std::cmp::Ordering;
use std::collections::HashSet;

/// Aeron's `NULL_VALUE` (-1) for ids and terms.
pub const NULL_VALUE: i64 = -1;
/// Aeron's `NULL_POSITION` (-1).
pub const NULL_POSITION: i64 = -1;
/// "Never" for `time_of_last_append_position_ns`: never active.
pub const NEVER_NS: i64 = i64::MIN;

/// One cluster member: its endpoints (from the members string) and the election / replication state this
/// node tracks for it.
///
/// How to drive it: parse the static membership with [`ClusterMember::parse`]; the [`Election`]
/// (crate::Election) owns a copy and updates the tracking fields from consensus messages. The static
/// helpers ([`quorum_position`], [`is_quorum_candidate`], ...) take a member slice and read only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterMember {
    /// Member id (unique within the cluster).
    pub id: i32,
    /// Client ingress endpoint (`host:port`).
    pub ingress_endpoint: String,
    /// Member ⇄ member consensus endpoint.
    pub consensus_endpoint: String,
    /// Log endpoint: the leader's MDC log destination on this member.
    pub log_endpoint: String,
    /// Catch-up endpoint: archive replay destination (`host:0` allowed).
    pub catchup_endpoint: String,
    /// This member's archive control endpoint.
    pub archive_endpoint: String,
    /// Optional archive response-channel control endpoint (7th field).
    pub archive_response_endpoint: Option<String>,
    /// Optional egress response endpoint (8th field).
    pub egress_response_endpoint: Option<String>,
    /// Leadership term id of the member's last reported log (canvass/vote) or append position.
    pub leadership_term_id: i64,
    /// Last reported log (append) position, [`NULL_POSITION`] when unknown.
    pub log_position: i64,
    /// Candidate term id this member's vote applies to, [`NULL_VALUE`] when none.
    pub candidate_term_id: i64,
    /// When the member last reported a position (ns), [`NEVER_NS`] when never.
    pub time_of_last_append_position_ns: i64,
    /// Whether this member is the current leader.
    pub is_leader: bool,
    /// Vote received for `candidate_term_id`: `None` = no answer yet.
    pub vote: Option<bool>,
    /// Whether the RequestVote of the current ballot has been emitted to this member.
    pub is_ballot_sent: bool,
    /// Leader side: whether an archive catch-up replay to this follower is running.
    pub is_catchup_replay_active: bool,
}

/// Why a members string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MembersParseError {
    /// The string is empty.
    #[error("cluster members string is empty")]
    Empty,
    /// A member does not have 6 to 8 comma separated fields.
    #[error("invalid member value '{value}': expected 6 to 8 comma separated fields, found {field_count}")]
    WrongFieldCount {
        /// The offending member value.
        value: String,
        /// How many fields it had.
        field_count: usize,
    },
    /// The id is not an `i32`.
    #[error("invalid cluster member id '{value}', must be an integer value")]
    InvalidId {
        /// The offending id text.
        value: String,
    },
    /// Two members share an id.
    #[error("duplicate cluster member id {id}")]
    DuplicateId {
        /// The duplicated id.
        id: i32,
    },
    /// An endpoint is not `host:port` (port 0..=65535, non-empty host, IPv6 hosts in brackets).
    #[error("member {id}: invalid {field} endpoint '{value}', expected host:port")]
    InvalidEndpoint {
        /// Member id.
        id: i32,
        /// Which endpoint (`ingress`, `consensus`, `log`, `catchup`, `archive`, ...).
        field: &'static str,
        /// The offending text.
        value: String,
    },
}

const ENDPOINT_FIELDS: [&str; 7] =
    ["ingress", "consensus", "log", "catchup", "archive", "archiveResponse", "egressResponse"];

fn is_valid_endpoint(value: &str) -> bool {
    let Some(colon) = value.rfind(':') else { return false };
    let (host, port) = (&value[..colon], &value[colon + 1..]);
    if host.is_empty() || port.is_empty() || port.parse::<u16>().is_err() {
        return false;
    }
    if host.starts_with('[') {
        return host.ends_with(']') && host.len() > 2;
    }
    !host.contains(':') && !host.chars().any(char::is_whitespace)
}

impl ClusterMember {
    /// A member with these endpoints and no tracking state.
    pub fn new(id: i32, ingress: &str, consensus: &str, log: &str, catchup: &str, archive: &str) -> Self {
        Self {
            id,
            ingress_endpoint: ingress.to_owned(),
            consensus_endpoint: consensus.to_owned(),
            log_endpoint: log.to_owned(),
            catchup_endpoint: catchup.to_owned(),
            archive_endpoint: archive.to_owned(),
            archive_response_endpoint: None,
            egress_response_endpoint: None,
            leadership_term_id: NULL_VALUE,
            log_position: NULL_POSITION,
            candidate_term_id: NULL_VALUE,
            time_of_last_append_position_ns: NEVER_NS,
            is_leader: false,
            vote: None,
            is_ballot_sent: false,
            is_catchup_replay_active: false,
        }
    }

    /// Parses Aeron's members string
    /// `id,ingress,consensus,log,catchup,archive[,archiveResponse[,egressResponse]]|...`.
    ///
    /// Errors on an empty string, a wrong field count, a non-integer id, a duplicate id or an endpoint
    /// that is not `host:port`.
    pub fn parse(value: &str) -> Result<Vec<ClusterMember>, MembersParseError> {
        if value.trim().is_empty() {
            return Err(MembersParseError::Empty);
        }
        let mut members = Vec::new();
        let mut ids = HashSet::new();
        for member_value in value.split('|') {
            let fields: Vec<&str> = member_value.split(',').collect();
            if !(6..=8).contains(&fields.len()) {
                return Err(MembersParseError::WrongFieldCount {
                    value: member_value.to_owned(),
                    field_count: fields.len(),
                });
            }
            let id: i32 = fields[0]
                .trim()
                .parse()
                .map_err(|_| MembersParseError::InvalidId { value: fields[0].to_owned() })?;
            if !ids.insert(id) {
                return Err(MembersParseError::DuplicateId { id });
            }
            for (field, endpoint) in ENDPOINT_FIELDS.iter().zip(&fields[1..]) {
                if !is_valid_endpoint(endpoint) {
                    return Err(MembersParseError::InvalidEndpoint {
                        id,
                        field,
                        value: (*endpoint).to_owned(),
                    });
                }
            }
            let mut member = ClusterMember::new(id, fields[1], fields[2], fields[3], fields[4], fields[5]);
            member.archive_response_endpoint = fields.get(6).map(|s| (*s).to_owned());
            member.egress_response_endpoint = fields.get(7).map(|s| (*s).to_owned());
            members.push(member);
        }
        Ok(members)
    }

    /// Clears the election tracking state (Aeron `ClusterMember.reset`): ballot, leader flag, vote,
    /// candidate term, reported term and position. The activity time is kept.
    pub fn reset(&mut self) {
        self.is_ballot_sent = false;
        self.is_leader = false;
        self.vote = None;
        self.candidate_term_id = NULL_VALUE;
        self.leadership_term_id = NULL_VALUE;
        self.log_position = NULL_POSITION;
    }

    /// Whether the member reported a position within `timeout_ns` before `now_ns`.
    pub fn is_active(&self, now_ns: i64, timeout_ns: i64) -> bool {
        self.time_of_last_append_position_ns != NEVER_NS
            && self.time_of_last_append_position_ns.saturating_add(timeout_ns) > now_ns
    }

    /// Whether this member would vote for `candidate`: it has reported a position and its log is not
    /// more recent than the candidate's.
    pub fn will_vote_for(&self, candidate: &ClusterMember) -> bool {
        self.log_position != NULL_POSITION
            && compare_log(
                self.leadership_term_id,
                self.log_position,
                candidate.leadership_term_id,
                candidate.log_position,
            ) != Ordering::Greater
    }

    /// Whether the member is active and has reached `position` in `leadership_term_id`.
    pub fn has_reached_position(
        &self,
        leadership_term_id: i64,
        position: i64,
        now_ns: i64,
        timeout_ns: i64,
    ) -> bool {
        self.is_active(now_ns, timeout_ns)
            && self.leadership_term_id == leadership_term_id
            && self.log_position >= position
    }
}

/// The number of members that form a quorum: `member_count / 2 + 1`.
pub fn quorum_threshold(member_count: usize) -> usize {
    (member_count >> 1) + 1
}

/// Compares two logs by `(log leadership term id, position)`: `Greater` means the left log is more recent.
pub fn compare_log(lhs_term_id: i64, lhs_position: i64, rhs_term_id: i64, rhs_position: i64) -> Ordering {
    lhs_term_id.cmp(&rhs_term_id).then(lhs_position.cmp(&rhs_position))
}

/// Whether at least a quorum of members is active.
pub fn has_active_quorum(members: &[ClusterMember], now_ns: i64, timeout_ns: i64) -> bool {
    members.iter().filter(|m| m.is_active(now_ns, timeout_ns)).count() >= quorum_threshold(members.len())
}

/// The position held by a quorum of *active* members: the `quorum_threshold`-th highest reported
/// position among active members (0 for missing ranks), as Aeron's ranked-positions algorithm.
pub fn quorum_position(members: &[ClusterMember], now_ns: i64, timeout_ns: i64) -> i64 {
    let mut ranked = vec![0i64; quorum_threshold(members.len())];
    for member in members.iter().filter(|m| m.is_active(now_ns, timeout_ns)) {
        let mut position = member.log_position;
        for slot in ranked.iter_mut() {
            if position > *slot {
                std::mem::swap(slot, &mut position);
            }
        }
    }
    ranked[ranked.len() - 1]
}

/// Whether a quorum of members is active, in `leadership_term_id`, at or beyond `position`.
pub fn has_quorum_at_position(
    members: &[ClusterMember],
    leadership_term_id: i64,
    position: i64,
    now_ns: i64,
    timeout_ns: i64,
) -> bool {
    let count = members
        .iter()
        .filter(|m| m.has_reached_position(leadership_term_id, position, now_ns, timeout_ns))
        .count();
    count >= quorum_threshold(members.len())
}

/// Whether every member (except a gracefully closed old leader) has reported a log no more recent than
/// `candidate`'s, and those members form at least a quorum.
pub fn is_unanimous_candidate(
    members: &[ClusterMember],
    candidate: &ClusterMember,
    graceful_closed_leader_id: i32,
) -> bool {
    let mut possible_votes = 0;
    for member in members.iter().filter(|m| m.id != graceful_closed_leader_id) {
        if !member.will_vote_for(candidate) {
            return false;
        }
        possible_votes += 1;
    }
    possible_votes >= quorum_threshold(members.len())
}

/// Whether at least a quorum of members (the candidate included) would vote for `candidate` by log
/// comparison.
pub fn is_quorum_candidate(members: &[ClusterMember], candidate: &ClusterMember) -> bool {
    members.iter().filter(|m| m.will_vote_for(candidate)).count() >= quorum_threshold(members.len())
}

/// Aeron 1.54 `isUnanimousLeader` (older Aeron: `hasWonVoteOnFullCount`): every member except a
/// gracefully closed old leader voted YES for `candidate_term_id`, and they form at least a quorum.
pub fn is_unanimous_leader(
    members: &[ClusterMember],
    candidate_term_id: i64,
    graceful_closed_leader_id: i32,
) -> bool {
    let mut votes = 0;
    for member in members.iter().filter(|m| m.id != graceful_closed_leader_id) {
        if member.candidate_term_id != candidate_term_id || member.vote != Some(true) {
            return false;
        }
        votes += 1;
    }
    votes >= quorum_threshold(members.len())
}

/// Aeron 1.54 `isQuorumLeader` (older Aeron: `hasMajorityVoteWithCanvassMembers`): at least a quorum
/// voted YES for `candidate_term_id` and nobody voted NO in that term.
pub fn is_quorum_leader(members: &[ClusterMember], candidate_term_id: i64) -> bool {
    let mut votes = 0;
    for member in members.iter().filter(|m| m.candidate_term_id == candidate_term_id) {
        match member.vote {
            Some(false) => return false,
            Some(true) => votes += 1,
            None => {}
        }
    }
    votes >= quorum_threshold(members.len())
}

/// Prepares a ballot (Aeron `becomeCandidate`): the candidate votes YES for itself with its ballot
/// marked sent, every other member's vote and ballot are cleared.
pub fn become_candidate(members: &mut [ClusterMember], candidate_term_id: i64, candidate_member_id: i32) {
    for member in members.iter_mut() {
        if member.id == candidate_member_id {
            member.vote = Some(true);
            member.candidate_term_id = candidate_term_id;
            member.is_ballot_sent = true;
        } else {
            member.vote = None;
            member.candidate_term_id = NULL_VALUE;
            member.is_ballot_sent = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const THREE: &str = "0,h0:9010,h0:9020,h0:9030,h0:0,h0:8010|1,h1:9010,h1:9020,h1:9030,h1:0,h1:8010|\
                         2,h2:9010,h2:9020,h2:9030,h2:0,h2:8010,h2:8020,h2:8030";

    fn reported(id: i32, term: i64, position: i64, time_ns: i64) -> ClusterMember {
        let mut m = ClusterMember::new(id, "a:1", "a:2", "a:3", "a:4", "a:5");
        m.leadership_term_id = term;
        m.log_position = position;
        m.time_of_last_append_position_ns = time_ns;
        m
    }

    #[test]
    fn parses_members_with_optional_fields() {
        let members = ClusterMember::parse(THREE).unwrap();
        assert_eq!(members.len(), 3);
        assert_eq!(members[1].id, 1);
        assert_eq!(members[1].consensus_endpoint, "h1:9020");
        assert_eq!(members[1].catchup_endpoint, "h1:0");
        assert_eq!(members[0].archive_response_endpoint, None);
        assert_eq!(members[2].archive_response_endpoint.as_deref(), Some("h2:8020"));
        assert_eq!(members[2].egress_response_endpoint.as_deref(), Some("h2:8030"));
        assert_eq!(members[2].log_position, NULL_POSITION);
        let v6 = ClusterMember::parse("0,[::1]:1,a:2,a:3,a:4,a:5").unwrap();
        assert_eq!(v6[0].ingress_endpoint, "[::1]:1");
    }

    #[test]
    fn rejects_bad_members_strings() {
        assert_eq!(ClusterMember::parse(""), Err(MembersParseError::Empty));
        assert_eq!(
            ClusterMember::parse("0,a:1,a:2,a:3,a:4"),
            Err(MembersParseError::WrongFieldCount { value: "0,a:1,a:2,a:3,a:4".into(), field_count: 5 })
        );
        assert!(matches!(
            ClusterMember::parse("0,a:1,a:2,a:3,a:4,a:5,a:6,a:7,a:8"),
            Err(MembersParseError::WrongFieldCount { field_count: 9, .. })
        ));
        assert_eq!(
            ClusterMember::parse("x,a:1,a:2,a:3,a:4,a:5"),
            Err(MembersParseError::InvalidId { value: "x".into() })
        );
        assert_eq!(
            ClusterMember::parse("3,a:1,a:2,a:3,a:4,a:5|3,b:1,b:2,b:3,b:4,b:5"),
            Err(MembersParseError::DuplicateId { id: 3 })
        );
        for bad in ["a", "a:", ":1", "a:99999", "a:-1", "a b:1", "::1:5"] {
            let text = format!("0,a:1,{bad},a:3,a:4,a:5");
            assert_eq!(
                ClusterMember::parse(&text),
                Err(MembersParseError::InvalidEndpoint { id: 0, field: "consensus", value: bad.into() }),
                "{bad}"
            );
        }
        assert!(ClusterMember::parse("0,a:1,a:2,a:3,a:4,a:5|").is_err());
    }

    #[test]
    fn quorum_threshold_and_compare_log() {
        assert_eq!([1, 2, 3, 4, 5, 6, 7].map(quorum_threshold), [1, 2, 2, 3, 3, 4, 4]);
        assert_eq!(compare_log(2, 0, 1, 1000), Ordering::Greater);
        assert_eq!(compare_log(1, 1000, 2, 0), Ordering::Less);
        assert_eq!(compare_log(1, 10, 1, 20), Ordering::Less);
        assert_eq!(compare_log(1, 20, 1, 20), Ordering::Equal);
    }

    #[test]
    fn quorum_position_uses_active_members_only() {
        let timeout = 100;
        let members = [
            reported(0, 1, 500, 1000),
            reported(1, 1, 300, 1000),
            reported(2, 1, 900, 0),
            reported(3, 1, 200, 1000),
        ];
        // 4 members: threshold 3; active positions 500, 300, 200 -> 200.
        assert_eq!(quorum_position(&members, 1050, timeout), 200);
        // all active: 900, 500, 300 -> 300.
        assert_eq!(quorum_position(&members, 50, timeout), 300);
        // nobody active -> 0.
        assert_eq!(quorum_position(&members, 10_000, timeout), 0);
        assert!(has_active_quorum(&members, 1050, timeout));
        assert!(!has_active_quorum(&members[..2], 2000, timeout));
        assert!(has_quorum_at_position(&members, 1, 200, 1050, timeout));
        assert!(!has_quorum_at_position(&members, 1, 300, 1050, timeout));
        assert!(!has_quorum_at_position(&members, 2, 200, 1050, timeout));
        assert!(!ClusterMember::new(9, "a:1", "a:1", "a:1", "a:1", "a:1").is_active(i64::MIN + 5, timeout));
    }

    #[test]
    fn candidate_helpers() {
        let candidate = reported(0, 2, 100, 0);
        let mut members = vec![candidate.clone(), reported(1, 2, 50, 0), reported(2, 1, 900, 0)];
        assert!(is_unanimous_candidate(&members, &candidate, -1));
        assert!(is_quorum_candidate(&members, &candidate));
        members[2] = reported(2, 2, 101, 0);
        assert!(!is_unanimous_candidate(&members, &candidate, -1));
        assert!(is_unanimous_candidate(&members, &candidate, 2), "a gracefully closed leader is skipped");
        assert!(is_quorum_candidate(&members, &candidate));
        members[1].log_position = NULL_POSITION;
        assert!(!is_quorum_candidate(&members, &candidate), "an unreported member is not a possible vote");
        assert!(!is_unanimous_candidate(&members, &candidate, 2));
    }

    #[test]
    fn leader_helpers_count_votes_and_any_no_defeats() {
        let mut members = vec![reported(0, 0, 0, 0), reported(1, 0, 0, 0), reported(2, 0, 0, 0)];
        become_candidate(&mut members, 5, 0);
        assert_eq!((members[0].vote, members[0].is_ballot_sent), (Some(true), true));
        assert!(!is_quorum_leader(&members, 5));
        members[1].candidate_term_id = 5;
        members[1].vote = Some(true);
        assert!(is_quorum_leader(&members, 5));
        assert!(!is_unanimous_leader(&members, 5, -1));
        assert!(is_unanimous_leader(&members, 5, 2));
        members[2].candidate_term_id = 5;
        members[2].vote = Some(false);
        assert!(!is_quorum_leader(&members, 5), "any NO defeats the candidate");
        members[2].vote = Some(true);
        assert!(is_unanimous_leader(&members, 5, -1));
        members[2].candidate_term_id = 4;
        assert!(!is_unanimous_leader(&members, 5, -1), "a vote for another term does not count");
    }
}
