//! The node's configuration keys: Aeron property names, their defaults, and the environment variable
//! naming rule (upper case, `.` and `-` become `_`: `aeron.cluster.members` → `AERON_CLUSTER_MEMBERS`).
//!
//! Keys starting `fulmar.` are fulmar extensions: Aeron has no such property (its consensus module
//! takes these settings only through `ConsensusModule.Context` setters). They follow the same rules
//! (`fulmar.cluster.snapshot.interval` → `FULMAR_CLUSTER_SNAPSHOT_INTERVAL`, `--set
//! fulmar.cluster.snapshot.interval=...`, `[fulmar.cluster]` in TOML):
//! - [`SNAPSHOT_INTERVAL`], [`SNAPSHOT_LOG_GROWTH`], [`SNAPSHOT_RETAINED_COUNT`]: when the leader
//!   takes a snapshot and how many snapshot sets are kept;
//! - [`SNAPSHOT_CATCHUP_TIMEOUT`], [`SNAPSHOT_REPLICATION_TIMEOUT`], [`SNAPSHOT_LOAD_TIMEOUT`]: start-up
//!   snapshot catch-up from peers and snapshot loading;
//! - [`ADMIN_REQUESTS_ALLOWED`]: whether clients may send admin requests (a snapshot on request).
//!
//! Invariants: every key appears once in [`KEYS`]; a key with no default is required unless documented
//! as optional on [`crate::NodeConfig`]; no key is a dotted prefix of another (TOML could not hold both).

/// `aeron.cluster.members`: the static members string (required).
pub const CLUSTER_MEMBERS: &str = "aeron.cluster.members";
/// `aeron.cluster.member.id`: this node's member id.
pub const CLUSTER_MEMBER_ID: &str = "aeron.cluster.member.id";
/// `aeron.cluster.appointed.leader.id`: appointed leader, -1 for none.
pub const APPOINTED_LEADER_ID: &str = "aeron.cluster.appointed.leader.id";
/// `aeron.cluster.id`: cluster id.
pub const CLUSTER_ID: &str = "aeron.cluster.id";
/// `aeron.cluster.ingress.channel`: ingress channel (or template without endpoint; required).
pub const INGRESS_CHANNEL: &str = "aeron.cluster.ingress.channel";
/// `aeron.cluster.ingress.stream.id`.
pub const INGRESS_STREAM_ID: &str = "aeron.cluster.ingress.stream.id";
/// `aeron.cluster.log.channel`.
pub const LOG_CHANNEL: &str = "aeron.cluster.log.channel";
/// `aeron.cluster.log.stream.id`.
pub const LOG_STREAM_ID: &str = "aeron.cluster.log.stream.id";
/// `aeron.cluster.consensus.channel`.
pub const CONSENSUS_CHANNEL: &str = "aeron.cluster.consensus.channel";
/// `aeron.cluster.consensus.stream.id`.
pub const CONSENSUS_STREAM_ID: &str = "aeron.cluster.consensus.stream.id";
/// `aeron.cluster.replication.channel`: the archive replication channel (required).
pub const REPLICATION_CHANNEL: &str = "aeron.cluster.replication.channel";
/// `aeron.cluster.follower.catchup.channel`.
pub const FOLLOWER_CATCHUP_CHANNEL: &str = "aeron.cluster.follower.catchup.channel";
/// `aeron.archive.control.channel`: this node's archive control channel.
pub const ARCHIVE_CONTROL_CHANNEL: &str = "aeron.archive.control.channel";
/// `aeron.archive.control.stream.id`.
pub const ARCHIVE_CONTROL_STREAM_ID: &str = "aeron.archive.control.stream.id";
/// `aeron.cluster.dir`: the consensus module's directory.
pub const CLUSTER_DIR: &str = "aeron.cluster.dir";
/// `aeron.dir`: the media driver's directory (optional; the layout helper supplies one).
pub const AERON_DIR: &str = "aeron.dir";
/// `aeron.cluster.service.count`.
pub const SERVICE_COUNT: &str = "aeron.cluster.service.count";
/// `aeron.cluster.service.name`: comma-separated, one name per service.
pub const SERVICE_NAME: &str = "aeron.cluster.service.name";
/// `aeron.cluster.max.sessions`.
pub const MAX_SESSIONS: &str = "aeron.cluster.max.sessions";
/// `aeron.cluster.session.timeout`.
pub const SESSION_TIMEOUT: &str = "aeron.cluster.session.timeout";
/// `aeron.cluster.leader.heartbeat.timeout`.
pub const LEADER_HEARTBEAT_TIMEOUT: &str = "aeron.cluster.leader.heartbeat.timeout";
/// `aeron.cluster.leader.heartbeat.interval`.
pub const LEADER_HEARTBEAT_INTERVAL: &str = "aeron.cluster.leader.heartbeat.interval";
/// `aeron.cluster.startup.canvass.timeout`.
pub const STARTUP_CANVASS_TIMEOUT: &str = "aeron.cluster.startup.canvass.timeout";
/// `aeron.cluster.election.timeout`.
pub const ELECTION_TIMEOUT: &str = "aeron.cluster.election.timeout";
/// `aeron.cluster.election.status.interval`.
pub const ELECTION_STATUS_INTERVAL: &str = "aeron.cluster.election.status.interval";
/// `aeron.cluster.termination.timeout`.
pub const TERMINATION_TIMEOUT: &str = "aeron.cluster.termination.timeout";
/// `aeron.threading.mode`: the media driver's threading mode.
pub const THREADING_MODE: &str = "aeron.threading.mode";
/// `aeron.cluster.idle.strategy`: the consensus module's idle strategy.
pub const IDLE_STRATEGY: &str = "aeron.cluster.idle.strategy";

/// `fulmar.cluster.snapshot.interval` (fulmar extension): the leader takes a snapshot when this long
/// passed since the last one; a duration, `0` (the default) never by time.
pub const SNAPSHOT_INTERVAL: &str = "fulmar.cluster.snapshot.interval";
/// `fulmar.cluster.snapshot.log.growth` (fulmar extension): the leader takes a snapshot when the log grew
/// by this many bytes since the last one; a size (`512m`, `1g`, plain bytes), `0` (the default) never
/// by growth.
pub const SNAPSHOT_LOG_GROWTH: &str = "fulmar.cluster.snapshot.log.growth";
/// `fulmar.cluster.snapshot.retained.count` (fulmar extension): snapshot sets kept once a newer one is
/// recorded (older ones and the log before the oldest kept set are purged); `0` (the default) keeps
/// everything.
pub const SNAPSHOT_RETAINED_COUNT: &str = "fulmar.cluster.snapshot.retained.count";
/// `fulmar.cluster.snapshot.catchup.timeout` (fulmar extension): how long the module waits at start-up
/// for its peers to say which snapshots they hold (default `1s`; `0`: never ask).
pub const SNAPSHOT_CATCHUP_TIMEOUT: &str = "fulmar.cluster.snapshot.catchup.timeout";
/// `fulmar.cluster.snapshot.replication.timeout` (fulmar extension): how long replicating one snapshot
/// recording from a peer may take (default `60s`; positive).
pub const SNAPSHOT_REPLICATION_TIMEOUT: &str = "fulmar.cluster.snapshot.replication.timeout";
/// `fulmar.cluster.snapshot.load.timeout` (fulmar extension): how long loading the snapshots at
/// start-up may take (default `60s`; positive).
pub const SNAPSHOT_LOAD_TIMEOUT: &str = "fulmar.cluster.snapshot.load.timeout";
/// `fulmar.cluster.admin.requests.allowed` (fulmar extension): `true` lets every session's admin
/// requests through; `false` (the default, Aeron's `DENY_ALL`) refuses them all.
pub const ADMIN_REQUESTS_ALLOWED: &str = "fulmar.cluster.admin.requests.allowed";

/// Every key with its default (`None`: no default).
pub const KEYS: &[(&str, Option<&str>)] = &[
    (CLUSTER_MEMBERS, None),
    (CLUSTER_MEMBER_ID, Some("0")),
    (APPOINTED_LEADER_ID, Some("-1")),
    (CLUSTER_ID, Some("0")),
    (INGRESS_CHANNEL, None),
    (INGRESS_STREAM_ID, Some("101")),
    (LOG_CHANNEL, Some("aeron:udp?term-length=64m")),
    (LOG_STREAM_ID, Some("100")),
    (CONSENSUS_CHANNEL, Some("aeron:udp")),
    (CONSENSUS_STREAM_ID, Some("108")),
    (REPLICATION_CHANNEL, None),
    (FOLLOWER_CATCHUP_CHANNEL, Some("aeron:udp")),
    (ARCHIVE_CONTROL_CHANNEL, Some("aeron:udp?endpoint=localhost:8010")),
    (ARCHIVE_CONTROL_STREAM_ID, Some("10")),
    (CLUSTER_DIR, Some("aeron-cluster")),
    (AERON_DIR, None),
    (SERVICE_COUNT, Some("1")),
    (SERVICE_NAME, None),
    (MAX_SESSIONS, Some("10")),
    (SESSION_TIMEOUT, Some("10s")),
    (LEADER_HEARTBEAT_TIMEOUT, Some("10s")),
    (LEADER_HEARTBEAT_INTERVAL, Some("200ms")),
    (STARTUP_CANVASS_TIMEOUT, Some("60s")),
    (ELECTION_TIMEOUT, Some("1s")),
    (ELECTION_STATUS_INTERVAL, Some("100ms")),
    (TERMINATION_TIMEOUT, Some("10s")),
    (THREADING_MODE, Some("DEDICATED")),
    (IDLE_STRATEGY, Some("backoff")),
    (SNAPSHOT_INTERVAL, Some("0")),
    (SNAPSHOT_LOG_GROWTH, Some("0")),
    (SNAPSHOT_RETAINED_COUNT, Some("0")),
    (SNAPSHOT_CATCHUP_TIMEOUT, Some("1s")),
    (SNAPSHOT_REPLICATION_TIMEOUT, Some("60s")),
    (SNAPSHOT_LOAD_TIMEOUT, Some("60s")),
    (ADMIN_REQUESTS_ALLOWED, Some("false")),
];

/// The canonical `&'static str` of `key`, if it is a known key.
pub fn known_key(key: &str) -> Option<&'static str> {
    KEYS.iter().map(|(name, _)| *name).find(|name| *name == key)
}

/// The environment variable that overrides `key`: upper case, `.` and `-` replaced by `_`.
pub fn env_var_name(key: &str) -> String {
    key.chars().map(|c| if c == '.' || c == '-' { '_' } else { c.to_ascii_uppercase() }).collect()
}

/// Parses an Aeron duration (`SystemUtil.parseDuration`): digits with an optional `ns`, `us`, `ms` or `s`
/// suffix (any case); no suffix means nanoseconds. Returns nanoseconds, or why it is not a duration.
pub fn parse_duration_ns(value: &str) -> Result<i64, String> {
    let lower = value.trim().to_ascii_lowercase();
    let (digits, multiplier) = if let Some(d) = lower.strip_suffix("ns") {
        (d, 1i64)
    } else if let Some(d) = lower.strip_suffix("us") {
        (d, 1_000)
    } else if let Some(d) = lower.strip_suffix("ms") {
        (d, 1_000_000)
    } else if let Some(d) = lower.strip_suffix('s') {
        (d, 1_000_000_000)
    } else {
        (lower.as_str(), 1)
    };
    let number: i64 =
        digits.trim().parse().map_err(|_| "not a duration (e.g. 10s, 200ms, 500us, 1000ns)".to_owned())?;
    if number < 0 {
        return Err("a duration cannot be negative".to_owned());
    }
    number.checked_mul(multiplier).ok_or_else(|| "duration overflows i64 nanoseconds".to_owned())
}

/// Parses an Aeron size (`SystemUtil.parseSize`, the syntax of `term-length`): digits with an optional
/// `k`, `m` or `g` suffix (any case, powers of 1024); no suffix means bytes. Returns bytes (zero
/// allowed), or why it is not a size.
pub fn parse_size_bytes(value: &str) -> Result<i64, String> {
    let lower = value.trim().to_ascii_lowercase();
    let (digits, multiplier) = if let Some(d) = lower.strip_suffix('k') {
        (d, 1024i64)
    } else if let Some(d) = lower.strip_suffix('m') {
        (d, 1024 * 1024)
    } else if let Some(d) = lower.strip_suffix('g') {
        (d, 1024 * 1024 * 1024)
    } else {
        (lower.as_str(), 1)
    };
    let number: i64 =
        digits.trim().parse().map_err(|_| "not a size (e.g. 1073741824, 512m, 64k, 2g)".to_owned())?;
    if number < 0 {
        return Err("a size cannot be negative".to_owned());
    }
    number.checked_mul(multiplier).ok_or_else(|| "size overflows i64 bytes".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names_and_durations() {
        assert_eq!(env_var_name(CLUSTER_MEMBERS), "AERON_CLUSTER_MEMBERS");
        assert_eq!(env_var_name(LEADER_HEARTBEAT_TIMEOUT), "AERON_CLUSTER_LEADER_HEARTBEAT_TIMEOUT");
        assert_eq!(parse_duration_ns("10s"), Ok(10_000_000_000));
        assert_eq!(parse_duration_ns("200MS"), Ok(200_000_000));
        assert_eq!(parse_duration_ns("7us"), Ok(7_000));
        assert_eq!(parse_duration_ns("42"), Ok(42));
        assert!(parse_duration_ns("-1s").is_err());
        assert!(parse_duration_ns("soon").is_err());
        assert!(parse_duration_ns("99999999999999s").is_err());
        let mut names: Vec<&str> = KEYS.iter().map(|(k, _)| *k).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), KEYS.len(), "keys are unique");
        assert_eq!(known_key("aeron.cluster.dir"), Some(CLUSTER_DIR));
        assert_eq!(known_key("aeron.cluster.dri"), None);
    }

    #[test]
    fn fulmar_keys_env_names_and_sizes() {
        assert_eq!(env_var_name(SNAPSHOT_INTERVAL), "FULMAR_CLUSTER_SNAPSHOT_INTERVAL");
        assert_eq!(env_var_name(SNAPSHOT_LOG_GROWTH), "FULMAR_CLUSTER_SNAPSHOT_LOG_GROWTH");
        assert_eq!(env_var_name(ADMIN_REQUESTS_ALLOWED), "FULMAR_CLUSTER_ADMIN_REQUESTS_ALLOWED");
        for key in [
            SNAPSHOT_INTERVAL,
            SNAPSHOT_LOG_GROWTH,
            SNAPSHOT_RETAINED_COUNT,
            SNAPSHOT_CATCHUP_TIMEOUT,
            SNAPSHOT_REPLICATION_TIMEOUT,
            SNAPSHOT_LOAD_TIMEOUT,
            ADMIN_REQUESTS_ALLOWED,
        ] {
            assert!(key.starts_with("fulmar."), "{key} is a fulmar extension");
            assert_eq!(known_key(key), Some(key));
        }
        assert_eq!(parse_size_bytes("0"), Ok(0));
        assert_eq!(parse_size_bytes("4096"), Ok(4096));
        assert_eq!(parse_size_bytes("64k"), Ok(64 * 1024));
        assert_eq!(parse_size_bytes(" 512M "), Ok(512 * 1024 * 1024));
        assert_eq!(parse_size_bytes("2g"), Ok(2 * 1024 * 1024 * 1024));
        assert!(parse_size_bytes("-1").is_err());
        assert!(parse_size_bytes("-1m").is_err());
        assert!(parse_size_bytes("big").is_err());
        assert!(parse_size_bytes("1kb").is_err());
        assert!(parse_size_bytes("9999999999999g").is_err());
    }
}
