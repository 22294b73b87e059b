//! [`NodeConfig`]: the validated configuration of one cluster node (media driver, archive, consensus
//! module and services), named by Aeron's property keys (reference aeron-cluster-protocol.md §1.9).
//!
//! Precedence, lowest first: Aeron's defaults, the TOML file, environment variables
//! (`AERON_CLUSTER_MEMBERS` for `aeron.cluster.members`), explicit `key=value` overrides.
//!
//! Invariants of a built `NodeConfig` (each violation is a [`ConfigError`] naming the key):
//! - `members` parsed from `aeron.cluster.members` (a trailing `|` is tolerated, as Aeron's Java split
//!   drops it) and `member_id` is one of them; `appointed_leader_id` is -1 or a member.
//! - Every channel is a valid Aeron channel URI (the ingress, log, consensus and catch-up channels may be
//!   templates completed with member endpoints); the log channel has no `init-term-id`, `term-id` or
//!   `term-offset`.
//! - Every timeout and interval is positive (except the snapshot interval and the snapshot catch-up
//!   timeout, where 0 means never); the leader heartbeat interval is below the heartbeat timeout and the
//!   startup canvass timeout is at least twice the heartbeat timeout.
//! - The fulmar extensions (`fulmar.cluster.*`, see [`crate::config_keys`]) hold no negative value: the
//!   snapshot log growth is a size of at least 0 bytes, the retained snapshot count at least 0, and
//!   `fulmar.cluster.admin.requests.allowed` is `true` or `false`. [`NodeConfig::apply_snapshot_settings`]
//!   carries them onto a [`ConsensusModuleConfig`].
//! - `1 <= service_count <= 10` and `service_names` holds `service_count` distinct non-empty names.

use cluster::cluster_member::ClusterMember;
use cluster::{AdminAuthoriser, ConsensusModuleConfig};
use protocol::channel_uri::ChannelUri;

use crate::config_error::{ConfigError, ValueSource};
use crate::config_keys::{self as keys, parse_duration_ns, parse_size_bytes};
use crate::config_sources::ConfigSources;
use crate::idle_strategy_kind::IdleStrategyKind;
use crate::threading_mode::ThreadingMode;

/// Aeron's limit on clustered services per node.
pub const MAX_SERVICE_COUNT: usize = 10;
/// Aeron's default service name (`aeron.cluster.service.name`).
pub const DEFAULT_SERVICE_NAME: &str = "clustered-service";

/// A validated node configuration. Build it with [`NodeConfig::load`] (TOML text, environment, overrides)
/// or [`NodeConfig::from_sources`]; every field is then consistent (see the module invariants).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeConfig {
    /// `aeron.cluster.members`, as given.
    pub members_string: String,
    /// The parsed members.
    pub members: Vec<ClusterMember>,
    /// `aeron.cluster.member.id`.
    pub member_id: i32,
    /// `aeron.cluster.appointed.leader.id` (-1: none).
    pub appointed_leader_id: i32,
    /// `aeron.cluster.id`.
    pub cluster_id: i32,
    /// `aeron.cluster.ingress.channel`.
    pub ingress_channel: String,
    /// `aeron.cluster.ingress.stream.id`.
    pub ingress_stream_id: i32,
    /// `aeron.cluster.log.channel`.
    pub log_channel: String,
    /// `aeron.cluster.log.stream.id`.
    pub log_stream_id: i32,
    /// `aeron.cluster.consensus.channel`.
    pub consensus_channel: String,
    /// `aeron.cluster.consensus.stream.id`.
    pub consensus_stream_id: i32,
    /// `aeron.cluster.replication.channel`.
    pub replication_channel: String,
    /// `aeron.cluster.follower.catchup.channel`.
    pub follower_catchup_channel: String,
    /// `aeron.archive.control.channel`.
    pub archive_control_channel: String,
    /// `aeron.archive.control.stream.id`.
    pub archive_control_stream_id: i32,
    /// `aeron.cluster.dir`.
    pub cluster_dir: String,
    /// `aeron.dir`, if set.
    pub aeron_dir: Option<String>,
    /// `aeron.cluster.service.count`.
    pub service_count: usize,
    /// `aeron.cluster.service.name`, one per service.
    pub service_names: Vec<String>,
    /// `aeron.cluster.max.sessions`.
    pub max_sessions: i32,
    /// `aeron.cluster.session.timeout` in ns.
    pub session_timeout_ns: i64,
    /// `aeron.cluster.leader.heartbeat.timeout` in ns.
    pub leader_heartbeat_timeout_ns: i64,
    /// `aeron.cluster.leader.heartbeat.interval` in ns.
    pub leader_heartbeat_interval_ns: i64,
    /// `aeron.cluster.startup.canvass.timeout` in ns.
    pub startup_canvass_timeout_ns: i64,
    /// `aeron.cluster.election.timeout` in ns.
    pub election_timeout_ns: i64,
    /// `aeron.cluster.election.status.interval` in ns.
    pub election_status_interval_ns: i64,
    /// `aeron.cluster.termination.timeout` in ns.
    pub termination_timeout_ns: i64,
    /// `aeron.threading.mode`.
    pub threading_mode: ThreadingMode,
    /// `aeron.cluster.idle.strategy`.
    pub idle_strategy: IdleStrategyKind,
    /// `fulmar.cluster.snapshot.interval` in ns (0: never by time).
    pub snapshot_interval_ns: i64,
    /// `fulmar.cluster.snapshot.log.growth` in bytes (0: never by growth).
    pub snapshot_log_growth_bytes: i64,
    /// `fulmar.cluster.snapshot.retained.count` (0: keep everything, never purge).
    pub retained_snapshot_count: usize,
    /// `fulmar.cluster.snapshot.catchup.timeout` in ns (0: never ask peers for a snapshot at start-up).
    pub snapshot_catchup_timeout_ns: i64,
    /// `fulmar.cluster.snapshot.replication.timeout` in ns.
    pub snapshot_replication_timeout_ns: i64,
    /// `fulmar.cluster.snapshot.load.timeout` in ns.
    pub snapshot_load_timeout_ns: i64,
    /// `fulmar.cluster.admin.requests.allowed`: true lets every session's admin requests through.
    pub admin_requests_allowed: bool,
}

/// Reads typed values out of [`ConfigSources`], producing errors that name the key.
struct Reader<'a> {
    sources: &'a ConfigSources,
}

fn invalid(key: &'static str, value: &str, source: ValueSource, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { key, value: value.to_owned(), source_name: source, reason: reason.into() }
}

impl Reader<'_> {
    fn raw(&self, key: &'static str) -> Result<(&str, ValueSource), ConfigError> {
        self.sources.get(key).ok_or(ConfigError::Missing { key })
    }

    fn string(&self, key: &'static str) -> Result<String, ConfigError> {
        let (value, source) = self.raw(key)?;
        if value.trim().is_empty() {
            return Err(invalid(key, value, source, "must not be empty"));
        }
        Ok(value.trim().to_owned())
    }

    fn i32(&self, key: &'static str) -> Result<i32, ConfigError> {
        let (value, source) = self.raw(key)?;
        value.trim().parse().map_err(|_| invalid(key, value, source, "not a 32-bit integer"))
    }

    fn duration_ns(&self, key: &'static str) -> Result<i64, ConfigError> {
        let (value, source) = self.raw(key)?;
        let duration_ns =
            parse_duration_ns(value).map_err(|reason| invalid(key, value, source.clone(), reason))?;
        if duration_ns == 0 {
            return Err(invalid(key, value, source, "must be greater than zero"));
        }
        Ok(duration_ns)
    }

    /// A duration where 0 is allowed (it means "never" for the keys read this way).
    fn duration_or_zero_ns(&self, key: &'static str) -> Result<i64, ConfigError> {
        let (value, source) = self.raw(key)?;
        parse_duration_ns(value).map_err(|reason| invalid(key, value, source, reason))
    }

    fn size_bytes(&self, key: &'static str) -> Result<i64, ConfigError> {
        let (value, source) = self.raw(key)?;
        parse_size_bytes(value).map_err(|reason| invalid(key, value, source, reason))
    }

    fn count(&self, key: &'static str) -> Result<usize, ConfigError> {
        let (value, source) = self.raw(key)?;
        let number: i64 =
            value.trim().parse().map_err(|_| invalid(key, value, source.clone(), "not an integer"))?;
        if number < 0 {
            return Err(invalid(key, value, source, "must not be negative"));
        }
        usize::try_from(number).map_err(|_| invalid(key, value, source, "too large"))
    }

    fn boolean(&self, key: &'static str) -> Result<bool, ConfigError> {
        let (value, source) = self.raw(key)?;
        match value.trim() {
            v if v.eq_ignore_ascii_case("true") => Ok(true),
            v if v.eq_ignore_ascii_case("false") => Ok(false),
            _ => Err(invalid(key, value, source, "expected true or false")),
        }
    }

    fn channel(&self, key: &'static str, template: bool) -> Result<String, ConfigError> {
        let channel = self.string(key)?;
        let parsed =
            if template { ChannelUri::parse_template(&channel) } else { ChannelUri::parse(&channel) };
        parsed.map_err(|e| {
            invalid(
                key,
                &channel,
                self.raw(key).map(|(_, s)| s).unwrap_or(ValueSource::Default),
                e.to_string(),
            )
        })?;
        Ok(channel)
    }

    fn source(&self, key: &'static str) -> ValueSource {
        self.raw(key).map(|(_, source)| source).unwrap_or(ValueSource::Default)
    }
}

impl NodeConfig {
    /// Loads a configuration: Aeron defaults, then `toml` (the text of the TOML file, if any), then the
    /// environment variables in `env` that name a key, then `overrides` (`key=value` each).
    ///
    /// The caller reads the file and the process environment (`std::env::vars()`); this function does no
    /// I/O.
    pub fn load<I, K, V>(toml: Option<&str>, env: I, overrides: &[&str]) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut sources = ConfigSources::new();
        if let Some(text) = toml {
            sources.add_toml(text)?;
        }
        sources.add_env(env);
        for assignment in overrides {
            sources.add_override(assignment)?;
        }
        Self::from_sources(&sources)
    }

    /// Validates and types the values of `sources` (see the module invariants).
    pub fn from_sources(sources: &ConfigSources) -> Result<Self, ConfigError> {
        let r = Reader { sources };

        let members_string = r.string(keys::CLUSTER_MEMBERS)?;
        let members = ClusterMember::parse(members_string.trim_end_matches('|')).map_err(|e| {
            invalid(keys::CLUSTER_MEMBERS, &members_string, r.source(keys::CLUSTER_MEMBERS), e.to_string())
        })?;
        let member_id = r.i32(keys::CLUSTER_MEMBER_ID)?;
        if !members.iter().any(|m| m.id == member_id) {
            return Err(invalid(
                keys::CLUSTER_MEMBER_ID,
                &member_id.to_string(),
                r.source(keys::CLUSTER_MEMBER_ID),
                format!("no member with this id in {}", keys::CLUSTER_MEMBERS),
            ));
        }
        let appointed_leader_id = r.i32(keys::APPOINTED_LEADER_ID)?;
        if appointed_leader_id != -1 && !members.iter().any(|m| m.id == appointed_leader_id) {
            return Err(invalid(
                keys::APPOINTED_LEADER_ID,
                &appointed_leader_id.to_string(),
                r.source(keys::APPOINTED_LEADER_ID),
                format!("must be -1 or a member id of {}", keys::CLUSTER_MEMBERS),
            ));
        }

        let log_channel = r.channel(keys::LOG_CHANNEL, true)?;
        let parsed_log = ChannelUri::parse_template(&log_channel).map_err(|e| {
            invalid(keys::LOG_CHANNEL, &log_channel, r.source(keys::LOG_CHANNEL), e.to_string())
        })?;
        for forbidden in ["init-term-id", "term-id", "term-offset"] {
            if parsed_log.contains_key(forbidden) {
                return Err(invalid(
                    keys::LOG_CHANNEL,
                    &log_channel,
                    r.source(keys::LOG_CHANNEL),
                    format!("must not contain {forbidden} (the cluster sets the log's start position)"),
                ));
            }
        }

        let service_count_value = r.i32(keys::SERVICE_COUNT)?;
        let service_count = usize::try_from(service_count_value)
            .ok()
            .filter(|count| (1..=MAX_SERVICE_COUNT).contains(count))
            .ok_or_else(|| {
                invalid(
                    keys::SERVICE_COUNT,
                    &service_count_value.to_string(),
                    r.source(keys::SERVICE_COUNT),
                    format!("must be between 1 and {MAX_SERVICE_COUNT}"),
                )
            })?;
        let service_names = match sources.get(keys::SERVICE_NAME) {
            None if service_count == 1 => vec![DEFAULT_SERVICE_NAME.to_owned()],
            None => (0..service_count).map(|i| format!("{DEFAULT_SERVICE_NAME}-{i}")).collect(),
            Some((value, source)) => {
                let names: Vec<String> = value.split(',').map(|n| n.trim().to_owned()).collect();
                if names.len() != service_count {
                    return Err(invalid(
                        keys::SERVICE_NAME,
                        value,
                        source,
                        format!("{} names for {} = {service_count}", names.len(), keys::SERVICE_COUNT),
                    ));
                }
                if names.iter().any(String::is_empty) {
                    return Err(invalid(keys::SERVICE_NAME, value, source, "a service name is empty"));
                }
                let mut sorted = names.clone();
                sorted.sort_unstable();
                sorted.dedup();
                if sorted.len() != names.len() {
                    return Err(invalid(keys::SERVICE_NAME, value, source, "service names must be distinct"));
                }
                names
            }
        };

        let leader_heartbeat_timeout_ns = r.duration_ns(keys::LEADER_HEARTBEAT_TIMEOUT)?;
        let leader_heartbeat_interval_ns = r.duration_ns(keys::LEADER_HEARTBEAT_INTERVAL)?;
        if leader_heartbeat_interval_ns >= leader_heartbeat_timeout_ns {
            let (value, source) = r.raw(keys::LEADER_HEARTBEAT_INTERVAL)?;
            return Err(invalid(
                keys::LEADER_HEARTBEAT_INTERVAL,
                value,
                source,
                format!("must be less than {}", keys::LEADER_HEARTBEAT_TIMEOUT),
            ));
        }
        let startup_canvass_timeout_ns = r.duration_ns(keys::STARTUP_CANVASS_TIMEOUT)?;
        if startup_canvass_timeout_ns / 2 < leader_heartbeat_timeout_ns {
            let (value, source) = r.raw(keys::STARTUP_CANVASS_TIMEOUT)?;
            return Err(invalid(
                keys::STARTUP_CANVASS_TIMEOUT,
                value,
                source,
                format!("must be at least twice {}", keys::LEADER_HEARTBEAT_TIMEOUT),
            ));
        }

        let max_sessions = r.i32(keys::MAX_SESSIONS)?;
        if max_sessions < 0 {
            let (value, source) = r.raw(keys::MAX_SESSIONS)?;
            return Err(invalid(keys::MAX_SESSIONS, value, source, "must not be negative"));
        }
        let threading_mode = {
            let (value, source) = r.raw(keys::THREADING_MODE)?;
            ThreadingMode::parse(value).ok_or_else(|| {
                invalid(
                    keys::THREADING_MODE,
                    value,
                    source,
                    "expected DEDICATED, SHARED_NETWORK, SHARED or INVOKER",
                )
            })?
        };
        let idle_strategy = {
            let (value, source) = r.raw(keys::IDLE_STRATEGY)?;
            IdleStrategyKind::parse(value).ok_or_else(|| {
                invalid(keys::IDLE_STRATEGY, value, source, "expected noop, spin, yield, backoff or sleep")
            })?
        };
        let aeron_dir = match sources.get(keys::AERON_DIR) {
            Some((value, _)) if !value.trim().is_empty() => Some(value.trim().to_owned()),
            Some((value, source)) => {
                return Err(invalid(keys::AERON_DIR, value, source, "must not be empty"));
            }
            None => None,
        };

        Ok(Self {
            members_string,
            members,
            member_id,
            appointed_leader_id,
            cluster_id: r.i32(keys::CLUSTER_ID)?,
            ingress_channel: r.channel(keys::INGRESS_CHANNEL, true)?,
            ingress_stream_id: r.i32(keys::INGRESS_STREAM_ID)?,
            log_channel,
            log_stream_id: r.i32(keys::LOG_STREAM_ID)?,
            consensus_channel: r.channel(keys::CONSENSUS_CHANNEL, true)?,
            consensus_stream_id: r.i32(keys::CONSENSUS_STREAM_ID)?,
            replication_channel: r.channel(keys::REPLICATION_CHANNEL, false)?,
            follower_catchup_channel: r.channel(keys::FOLLOWER_CATCHUP_CHANNEL, true)?,
            archive_control_channel: r.channel(keys::ARCHIVE_CONTROL_CHANNEL, false)?,
            archive_control_stream_id: r.i32(keys::ARCHIVE_CONTROL_STREAM_ID)?,
            cluster_dir: r.string(keys::CLUSTER_DIR)?,
            aeron_dir,
            service_count,
            service_names,
            max_sessions,
            session_timeout_ns: r.duration_ns(keys::SESSION_TIMEOUT)?,
            leader_heartbeat_timeout_ns,
            leader_heartbeat_interval_ns,
            startup_canvass_timeout_ns,
            election_timeout_ns: r.duration_ns(keys::ELECTION_TIMEOUT)?,
            election_status_interval_ns: r.duration_ns(keys::ELECTION_STATUS_INTERVAL)?,
            termination_timeout_ns: r.duration_ns(keys::TERMINATION_TIMEOUT)?,
            threading_mode,
            idle_strategy,
            snapshot_interval_ns: r.duration_or_zero_ns(keys::SNAPSHOT_INTERVAL)?,
            snapshot_log_growth_bytes: r.size_bytes(keys::SNAPSHOT_LOG_GROWTH)?,
            retained_snapshot_count: r.count(keys::SNAPSHOT_RETAINED_COUNT)?,
            snapshot_catchup_timeout_ns: r.duration_or_zero_ns(keys::SNAPSHOT_CATCHUP_TIMEOUT)?,
            snapshot_replication_timeout_ns: r.duration_ns(keys::SNAPSHOT_REPLICATION_TIMEOUT)?,
            snapshot_load_timeout_ns: r.duration_ns(keys::SNAPSHOT_LOAD_TIMEOUT)?,
            admin_requests_allowed: r.boolean(keys::ADMIN_REQUESTS_ALLOWED)?,
        })
    }

    /// Sets the snapshot and admin fields of `consensus` from the `fulmar.cluster.*` keys: the snapshot
    /// interval, log growth, retained count and the catch-up, replication and load timeouts, and the
    /// admin authoriser (`Some(AdminAuthoriser::allow_all())` when `admin_requests_allowed`, else
    /// `None`, refusing every admin request). Leaves every other field alone; the values already meet
    /// [`ConsensusModuleConfig::validate`]'s rules for these fields.
    pub fn apply_snapshot_settings(&self, consensus: &mut ConsensusModuleConfig) {
        consensus.snapshot_interval_ns = self.snapshot_interval_ns;
        consensus.snapshot_log_growth_bytes = self.snapshot_log_growth_bytes;
        consensus.retained_snapshot_count = self.retained_snapshot_count;
        consensus.snapshot_catchup_timeout_ns = self.snapshot_catchup_timeout_ns;
        consensus.snapshot_replication_timeout_ns = self.snapshot_replication_timeout_ns;
        consensus.snapshot_load_timeout_ns = self.snapshot_load_timeout_ns;
        consensus.admin_authoriser = self.admin_requests_allowed.then(AdminAuthoriser::allow_all);
    }

    /// This node's own member entry.
    pub fn this_member(&self) -> &ClusterMember {
        self.members.iter().find(|m| m.id == self.member_id).expect("validated: member id is a member")
    }
}
