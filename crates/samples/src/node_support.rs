//! From a validated [`NodeConfig`] to what [`node::ClusterNode`] runs: the consensus module's settings,
//! the node directory and the driver's threading mode; and the client's view of the members (ingress
//! endpoints).
//!
//! Invariants: pure functions of their arguments (no I/O); every `NodeConfig` setting the consensus
//! module has a field for is carried over, and the settings it has no field for yet are listed by
//! [`unsupported_settings`] so a launcher can say so instead of ignoring them silently.

use std::path::{Path, PathBuf};

use cluster::{ClusterMember, ConsensusModuleConfig, ElectionConfig};
use node::{NodeConfig, ThreadingMode};

/// Aeron's default log term length (64 MiB) when the log channel names none.
pub const DEFAULT_LOG_TERM_LENGTH: i64 = 64 * 1024 * 1024;

/// Parses an Aeron size: digits with an optional `k`, `m` or `g` suffix (any case).
pub fn parse_size(value: &str) -> Option<i64> {
    let lower = value.trim().to_ascii_lowercase();
    let (digits, multiplier) = match lower.chars().last()? {
        'k' => (&lower[..lower.len() - 1], 1024),
        'm' => (&lower[..lower.len() - 1], 1024 * 1024),
        'g' => (&lower[..lower.len() - 1], 1024 * 1024 * 1024),
        _ => (lower.as_str(), 1),
    };
    digits.parse::<i64>().ok().filter(|n| *n > 0).and_then(|n| n.checked_mul(multiplier))
}

/// The `term-length` of a channel URI, if it names one that parses.
pub fn channel_term_length(channel: &str) -> Option<i64> {
    let (_, params) = channel.split_once('?')?;
    params.split('|').find_map(|param| match param.split_once('=') {
        Some((key, value)) if key.trim() == "term-length" => parse_size(value),
        _ => None,
    })
}

/// The consensus module settings `config` describes (members, ids, channels, stream ids, timeouts,
/// session limits). Errors if the result does not validate.
///
/// The election's random seed keeps the default: a launcher should set `seed` from OS entropy
/// (`sys::entropy_seed()`), or nodes started together nominate themselves at the same instants and
/// split votes. (The consensus module mixes the member id into the seed itself.)
pub fn consensus_config(config: &NodeConfig) -> Result<ConsensusModuleConfig, String> {
    let mut cm = ConsensusModuleConfig::new(config.cluster_id, config.member_id, config.members.clone());
    cm.service_count = config.service_count;
    cm.ingress_channel = config.ingress_channel.clone();
    cm.ingress_stream_id = config.ingress_stream_id;
    cm.log_channel = config.log_channel.clone();
    cm.log_stream_id = config.log_stream_id;
    cm.consensus_channel = config.consensus_channel.clone();
    cm.consensus_stream_id = config.consensus_stream_id;
    cm.session_timeout_ns = config.session_timeout_ns;
    cm.max_concurrent_sessions = usize::try_from(config.max_sessions).map_err(|e| e.to_string())?;
    cm.election = ElectionConfig {
        election_status_interval_ns: config.election_status_interval_ns,
        election_timeout_ns: config.election_timeout_ns,
        startup_canvass_timeout_ns: config.startup_canvass_timeout_ns,
        leader_heartbeat_timeout_ns: config.leader_heartbeat_timeout_ns,
        leader_heartbeat_interval_ns: config.leader_heartbeat_interval_ns,
        appointed_leader_id: (config.appointed_leader_id != -1).then_some(config.appointed_leader_id),
        app_version: ElectionConfig::default().app_version,
        log_term_length: channel_term_length(&config.log_channel).unwrap_or(DEFAULT_LOG_TERM_LENGTH),
    };
    config.apply_snapshot_settings(&mut cm);
    cm.validate()?;
    Ok(cm)
}

/// The settings of `config` that [`node::ClusterNode`] does not use yet (name and value), so that a
/// launcher can report them: the archive control and replication channels, the follower catch-up
/// channel, the idle strategy (threads always back off), `aeron.dir` when it is not the node
/// directory's `driver/`, and `aeron.cluster.termination.timeout`.
pub fn unsupported_settings(config: &NodeConfig, node_dir: &Path) -> Vec<(&'static str, String)> {
    let mut settings = vec![
        ("aeron.archive.control.channel", config.archive_control_channel.clone()),
        ("aeron.cluster.replication.channel", config.replication_channel.clone()),
        ("aeron.cluster.follower.catchup.channel", config.follower_catchup_channel.clone()),
    ];
    if let Some(aeron_dir) = &config.aeron_dir
        && Path::new(aeron_dir) != node_dir.join("driver")
    {
        settings.push(("aeron.dir", aeron_dir.clone()));
    }
    settings
}

/// The node directory: `aeron.cluster.dir`'s parent when that directory is named `cluster` (the
/// tutorial layout `<base>/node<N>/cluster`), else `aeron.cluster.dir` itself. [`node::ClusterNode`]
/// puts `driver/`, `archive/` and `cluster/` inside it.
pub fn node_dir(config: &NodeConfig) -> PathBuf {
    let cluster_dir = PathBuf::from(&config.cluster_dir);
    match (cluster_dir.file_name(), cluster_dir.parent()) {
        (Some(name), Some(parent)) if name == "cluster" => {
            if parent.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                parent.to_path_buf()
            }
        }
        _ => cluster_dir,
    }
}

/// The media driver threading mode for `mode` (`INVOKER` runs shared: the node owns its threads).
pub fn driver_threading_mode(mode: ThreadingMode) -> driver::ThreadingMode {
    match mode {
        ThreadingMode::Dedicated => driver::ThreadingMode::Dedicated,
        ThreadingMode::SharedNetwork => driver::ThreadingMode::SharedNetwork,
        ThreadingMode::Shared | ThreadingMode::Invoker => driver::ThreadingMode::Shared,
    }
}

/// The client's ingress endpoints for `members`: `id=host:port,...` (Aeron's
/// `aeron.cluster.ingress.endpoints`).
pub fn ingress_endpoints(members: &[ClusterMember]) -> String {
    members.iter().map(|m| format!("{}={}", m.id, m.ingress_endpoint)).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use node::PortScheme;

    fn tutorial_config(overrides: &[&str]) -> NodeConfig {
        let mut sources = PortScheme::TUTORIAL
            .tutorial_sources(1, &["localhost", "localhost", "localhost"], Path::new("/tmp/auction"))
            .unwrap();
        for assignment in overrides {
            sources.add_override(assignment).unwrap();
        }
        NodeConfig::from_sources(&sources).unwrap()
    }

    #[test]
    fn sizes_and_term_lengths() {
        assert_eq!(parse_size("64k"), Some(65_536));
        assert_eq!(parse_size("64M"), Some(64 * 1024 * 1024));
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("x"), None);
        assert_eq!(parse_size("0"), None);
        assert_eq!(channel_term_length("aeron:udp?term-length=64k|control-mode=manual"), Some(65_536));
        assert_eq!(channel_term_length("aeron:udp?endpoint=h:1"), None);
        assert_eq!(channel_term_length("aeron:udp"), None);
    }

    #[test]
    fn tutorial_node_config_becomes_a_consensus_config() {
        let config = tutorial_config(&[
            "aeron.cluster.leader.heartbeat.timeout=1s",
            "aeron.cluster.startup.canvass.timeout=2s",
            "aeron.cluster.appointed.leader.id=2",
        ]);
        let cm = consensus_config(&config).unwrap();
        assert_eq!(cm.member_id, 1);
        assert_eq!(cm.members.len(), 3);
        assert_eq!(cm.ingress_channel, "aeron:udp?term-length=64k");
        assert_eq!(cm.election.log_term_length, 65_536);
        assert_eq!(cm.election.leader_heartbeat_timeout_ns, 1_000_000_000);
        assert_eq!(cm.election.appointed_leader_id, Some(2));
        assert_eq!(node_dir(&config), PathBuf::from("/tmp/auction/node1"));
        assert!(unsupported_settings(&config, &node_dir(&config)).iter().all(|(k, _)| *k != "aeron.dir"));
        assert_eq!(ingress_endpoints(&config.members), "0=localhost:9002,1=localhost:9102,2=localhost:9202");
    }

    #[test]
    fn node_dir_rules_and_threading() {
        let config = tutorial_config(&["aeron.cluster.dir=/data/c1"]);
        assert_eq!(node_dir(&config), PathBuf::from("/data/c1"));
        let config = tutorial_config(&["aeron.cluster.dir=cluster"]);
        assert_eq!(node_dir(&config), PathBuf::from("."));
        assert_eq!(driver_threading_mode(ThreadingMode::Invoker), driver::ThreadingMode::Shared);
        assert_eq!(driver_threading_mode(ThreadingMode::Dedicated), driver::ThreadingMode::Dedicated);
    }
}
