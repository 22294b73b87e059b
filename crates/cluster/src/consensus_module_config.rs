//! [`ConsensusModuleConfig`]: the settings of one consensus module (Aeron `ConsensusModule.Context`),
//! with Aeron 1.54's defaults (`reference/aeron-cluster-protocol.md` §1.9).
//!
//! Invariants (checked by [`ConsensusModuleConfig::validate`]): the member id is one of the members,
//! every timeout is positive, the election settings are valid, and the channels parse.

use protocol::channel_uri::{ChannelUri, ChannelUriBuilder};
use protocol::cluster::AdminRequestType;

use crate::authenticator::Authenticator;
use protocol::cluster::defaults;

use crate::cluster_event_log::ClusterEventLog;
use crate::cluster_member::ClusterMember;
use crate::election_config::ElectionConfig;

/// Settings of a consensus module. Build with [`ConsensusModuleConfig::new`] and adjust the public
/// fields; [`ConsensusModuleConfig::test_min`] shrinks terms and timeouts for tests and the simulator.
#[derive(Debug, Clone)]
pub struct ConsensusModuleConfig {
    /// Cluster id (`aeron.cluster.id`); keys the commit-position counter.
    pub cluster_id: i32,
    /// This member's id (`aeron.cluster.member.id`).
    pub member_id: i32,
    /// The static membership (`aeron.cluster.members`).
    pub members: Vec<ClusterMember>,
    /// Number of clustered services on this node (`aeron.cluster.service.count`, 0..=10).
    pub service_count: usize,
    /// Ingress channel template; this member's ingress endpoint is set as `endpoint`.
    pub ingress_channel: String,
    /// Ingress stream id (101).
    pub ingress_stream_id: i32,
    /// Log channel template (`aeron:udp?term-length=64m`); must not carry positions.
    pub log_channel: String,
    /// Log stream id (100).
    pub log_stream_id: i32,
    /// Consensus channel template (`aeron:udp`); the peer's consensus endpoint is set as `endpoint`.
    pub consensus_channel: String,
    /// Consensus stream id (108).
    pub consensus_stream_id: i32,
    /// Control channel to the services (`aeron:ipc?term-length=128k`).
    pub control_channel: String,
    /// Consensus module → service stream (104).
    pub service_stream_id: i32,
    /// Service → consensus module stream (105).
    pub consensus_module_stream_id: i32,
    /// Local log replay channel (`aeron:ipc`).
    pub replay_channel: String,
    /// Local log replay stream (103).
    pub replay_stream_id: i32,
    /// Where this member's archive receives a replicated log from the leader's archive
    /// (`aeron.cluster.replication.channel`; give a concrete port).
    pub replication_channel: String,
    /// Control stream of the members' archives, for replication (10).
    pub archive_control_stream_id: i32,
    /// Channel template the leader's archive replays a catching-up follower's log on (`aeron:udp`).
    pub catchup_channel: String,
    /// Election timing (also the leader heartbeat interval and timeout).
    pub election: ElectionConfig,
    /// A session without activity for this long is closed with TIMEOUT (10 s).
    pub session_timeout_ns: i64,
    /// Maximum concurrent client sessions (10).
    pub max_concurrent_sessions: usize,
    /// Seed of the module's random draws (election nomination jitter).
    pub seed: u64,
    /// A deliberately broken rule, for proving that the simulator's invariants catch faults. Always
    /// [`InjectedFault::None`] in production.
    pub injected_fault: InjectedFault,
    /// The debug event log (reference §9); disabled by default. The node enables it from
    /// `FULMAR_EVENT_LOG`, the simulator keeps a seed's lines in memory.
    pub event_log: ClusterEventLog,
    /// Channel the module's own snapshot is written on (`aeron:ipc?alias=snapshot`).
    pub snapshot_channel: String,
    /// Stream id of the module's snapshot (107).
    pub consensus_module_snapshot_stream_id: i32,
    /// The leader takes a snapshot when this long passed since the last one (0 = never by time).
    pub snapshot_interval_ns: i64,
    /// The leader takes a snapshot when the log grew by this many bytes since the last one (0 = never
    /// by growth).
    pub snapshot_log_growth_bytes: i64,
    /// Snapshot sets kept once a newer one is recorded; the log before the oldest kept set is purged
    /// from the archive, and older snapshot recordings are deleted (0 = keep everything, never purge).
    pub retained_snapshot_count: usize,
    /// How long loading the snapshots at start-up may take, in nanoseconds.
    pub snapshot_load_timeout_ns: i64,
    /// At start-up the module asks its peers for their newest snapshot and waits this long for their
    /// answers; if one holds a snapshot beyond everything this node has (an empty node, or one whose
    /// log is older than the cluster's snapshots), the module replicates that snapshot into its own
    /// archive and starts from it (0 = never ask: an empty node then needs the whole log).
    pub snapshot_catchup_timeout_ns: i64,
    /// How long replicating one snapshot recording from a peer may take, in nanoseconds.
    pub snapshot_replication_timeout_ns: i64,
    /// Authenticates connecting clients (Aeron's authenticator; challenge/response supported). `None`
    /// accepts every client at once with an empty principal (Aeron's `DefaultAuthenticator`).
    pub authenticator: Option<AuthenticatorHandle>,
    /// Decides which sessions may send admin requests (a snapshot on request, Aeron's authorisation
    /// service); `None` refuses every admin request (Aeron's default, `DENY_ALL`).
    pub admin_authoriser: Option<AdminAuthoriser>,
    /// Receives warnings an operator must see (a snapshot skipped at recovery, a failed snapshot or
    /// purge); the node records them in its mark file's error log. Also written to the event log.
    pub warning_sink: Option<WarningSink>,
}

/// Where the module's warnings go (see [`ConsensusModuleConfig::warning_sink`]).
#[derive(Clone)]
pub struct WarningSink(pub std::sync::Arc<dyn Fn(&str) + Send + Sync>);

impl std::fmt::Debug for WarningSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WarningSink")
    }
}

/// Authorises admin requests: called with the session's encoded principal (from its authenticator)
/// and the request type; true lets the request through (see
/// [`ConsensusModuleConfig::admin_authoriser`]).
#[derive(Clone)]
pub struct AdminAuthoriser(pub std::sync::Arc<AuthoriseFn>);

/// The authorisation decision: `(encoded principal, request type) -> allowed`.
pub type AuthoriseFn = dyn Fn(&[u8], AdminRequestType) -> bool + Send + Sync;

impl AdminAuthoriser {
    /// Lets every session's admin requests through (for a cluster whose clients are all trusted).
    pub fn allow_all() -> Self {
        Self(std::sync::Arc::new(|_, _| true))
    }
}

impl std::fmt::Debug for AdminAuthoriser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminAuthoriser")
    }
}

/// The consensus module's authenticator (see [`ConsensusModuleConfig::authenticator`]); shared so that
/// the configuration stays cloneable. The module calls it from its own thread only.
#[derive(Clone)]
pub struct AuthenticatorHandle(pub std::sync::Arc<std::sync::Mutex<dyn Authenticator + Send>>);

impl AuthenticatorHandle {
    /// Wraps `authenticator`.
    pub fn new(authenticator: impl Authenticator + Send + 'static) -> Self {
        Self(std::sync::Arc::new(std::sync::Mutex::new(authenticator)))
    }
}

impl std::fmt::Debug for AuthenticatorHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthenticatorHandle")
    }
}

/// A rule the consensus module can be told to break (simulator self-tests only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InjectedFault {
    /// Follow every rule.
    #[default]
    None,
    /// The leader commits what it has appended itself, without waiting for a quorum.
    CommitWithoutQuorum,
}

impl ConsensusModuleConfig {
    /// Aeron's defaults for `member_id` of `members`.
    pub fn new(cluster_id: i32, member_id: i32, members: Vec<ClusterMember>) -> Self {
        Self {
            cluster_id,
            member_id,
            members,
            service_count: 1,
            ingress_channel: "aeron:udp".into(),
            ingress_stream_id: defaults::INGRESS_STREAM_ID,
            log_channel: "aeron:udp?term-length=64m".into(),
            log_stream_id: defaults::LOG_STREAM_ID,
            consensus_channel: "aeron:udp".into(),
            consensus_stream_id: defaults::CONSENSUS_STREAM_ID,
            control_channel: defaults::CONTROL_CHANNEL.into(),
            service_stream_id: defaults::SERVICE_STREAM_ID,
            consensus_module_stream_id: defaults::CONSENSUS_MODULE_STREAM_ID,
            replay_channel: defaults::REPLAY_CHANNEL.into(),
            replay_stream_id: defaults::REPLAY_STREAM_ID,
            replication_channel: "aeron:udp?endpoint=localhost:0".into(),
            archive_control_stream_id: 10,
            catchup_channel: "aeron:udp".into(),
            election: ElectionConfig::default(),
            session_timeout_ns: 10_000_000_000,
            max_concurrent_sessions: 10,
            seed: 0x5eed,
            injected_fault: InjectedFault::None,
            event_log: ClusterEventLog::disabled(),
            snapshot_channel: defaults::SNAPSHOT_CHANNEL.into(),
            consensus_module_snapshot_stream_id: defaults::CONSENSUS_MODULE_SNAPSHOT_STREAM_ID,
            snapshot_interval_ns: 0,
            snapshot_log_growth_bytes: 0,
            retained_snapshot_count: 0,
            snapshot_load_timeout_ns: 60_000_000_000,
            snapshot_catchup_timeout_ns: 1_000_000_000,
            snapshot_replication_timeout_ns: 60_000_000_000,
            authenticator: None,
            admin_authoriser: None,
            warning_sink: None,
        }
    }

    /// Passes `warning` to the warning sink, if any.
    pub fn warn(&self, warning: &str) {
        if let Some(sink) = self.warning_sink.as_ref() {
            (sink.0)(warning);
        }
    }

    /// Small terms and short timeouts so that elections, term rotation and timeouts happen in every
    /// test and simulated run (64 KiB log terms, 500 ms heartbeat timeout, 2 s session timeout).
    pub fn test_min(cluster_id: i32, member_id: i32, members: Vec<ClusterMember>) -> Self {
        let mut config = Self::new(cluster_id, member_id, members);
        config.log_channel = "aeron:udp?term-length=64k".into();
        config.election = ElectionConfig {
            election_status_interval_ns: 20_000_000,
            election_timeout_ns: 200_000_000,
            startup_canvass_timeout_ns: 1_000_000_000,
            leader_heartbeat_timeout_ns: 500_000_000,
            leader_heartbeat_interval_ns: 50_000_000,
            appointed_leader_id: None,
            app_version: 1,
            log_term_length: 64 * 1024,
        };
        config.session_timeout_ns = 2_000_000_000;
        config
    }

    /// Checks the invariants in the module docs; the message names the offending setting.
    pub fn validate(&self) -> Result<(), String> {
        if !self.members.iter().any(|m| m.id == self.member_id) {
            return Err(format!("member.id={} is not among the members", self.member_id));
        }
        if self.service_count > 10 {
            return Err(format!("service.count={} exceeds 10", self.service_count));
        }
        if self.snapshot_interval_ns < 0 || self.snapshot_log_growth_bytes < 0 {
            return Err("snapshot interval and log growth must not be negative".into());
        }
        if self.snapshot_load_timeout_ns <= 0 {
            return Err("snapshot load timeout must be positive".into());
        }
        if self.snapshot_catchup_timeout_ns < 0 || self.snapshot_replication_timeout_ns <= 0 {
            return Err(
                "snapshot catch-up timeout must not be negative, the replication timeout positive".into()
            );
        }
        if self.session_timeout_ns <= 0 {
            return Err("session.timeout must be positive".into());
        }
        self.election.validate()?;
        for (name, channel) in [
            ("ingress.channel", &self.ingress_channel),
            ("log.channel", &self.log_channel),
            ("consensus.channel", &self.consensus_channel),
            ("control.channel", &self.control_channel),
            ("replay.channel", &self.replay_channel),
            ("snapshot.channel", &self.snapshot_channel),
        ] {
            ChannelUri::parse_template(channel).map_err(|e| format!("{name}={channel}: {e}"))?;
        }
        let log = ChannelUri::parse_template(&self.log_channel).map_err(|e| e.to_string())?;
        for key in ["init-term-id", "term-id", "term-offset"] {
            if log.get(key).is_some() {
                return Err(format!("log.channel must not contain {key}: {}", self.log_channel));
            }
        }
        Ok(())
    }

    /// `template` with `key=value` set (replacing an existing value).
    pub fn channel_with(template: &str, settings: &[(&str, String)]) -> Result<String, String> {
        let uri = ChannelUri::parse_template(template).map_err(|e| format!("{template}: {e}"))?;
        let mut builder = ChannelUriBuilder::from_uri(&uri);
        for (key, value) in settings {
            builder = builder.set(key, value.clone());
        }
        builder.build().map(|uri| uri.to_string()).map_err(|e| format!("{template}: {e}"))
    }
}
