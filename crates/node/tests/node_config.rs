//! NodeConfig loading: TOML, environment and overrides in precedence order, Aeron defaults, the
//! tutorial's port scheme, and validation errors that name the key.

use std::path::Path;

use protocol::cluster::AdminRequestType;

use cluster::ConsensusModuleConfig;
use fulmar_node::config_keys::{self as keys, KEYS};
use fulmar_node::{ConfigError, IdleStrategyKind, NodeConfig, PortScheme, ThreadingMode, ValueSource};

const MEMBERS: &str = "0,h0:9002,h0:9003,h0:9004,h0:9005,h0:9001|1,h1:9102,h1:9103,h1:9104,h1:9105,h1:9101|\
                       2,h2:9202,h2:9203,h2:9204,h2:9205,h2:9201";

const TOML: &str = r#"
[aeron.cluster]
members = "0,h0:9002,h0:9003,h0:9004,h0:9005,h0:9001|1,h1:9102,h1:9103,h1:9104,h1:9105,h1:9101|2,h2:9202,h2:9203,h2:9204,h2:9205,h2:9201"
member.id = 1
ingress.channel = "aeron:udp?term-length=64k"
replication.channel = "aeron:udp?endpoint=h1:0"
dir = "/data/node1/cluster"
leader.heartbeat.timeout = "5s"
startup.canvass.timeout = "30s"
service.count = 2
service.name = ["matching", "risk"]
idle.strategy = "org.agrona.concurrent.BusySpinIdleStrategy"

[aeron]
threading.mode = "SHARED"
archive.control.channel = "aeron:udp?endpoint=h1:9101|term-length=64k"
"#;

fn no_env() -> Vec<(String, String)> {
    Vec::new()
}

fn minimal() -> Vec<String> {
    vec![
        format!("{}={MEMBERS}", keys::CLUSTER_MEMBERS),
        format!("{}=aeron:udp?term-length=64k", keys::INGRESS_CHANNEL),
        format!("{}=aeron:udp?endpoint=h0:0", keys::REPLICATION_CHANNEL),
    ]
}

fn load_with(extra: &[&str]) -> Result<NodeConfig, ConfigError> {
    let mut overrides = minimal();
    overrides.extend(extra.iter().map(|s| (*s).to_owned()));
    let refs: Vec<&str> = overrides.iter().map(String::as_str).collect();
    NodeConfig::load(None, no_env(), &refs)
}

#[test]
fn defaults_are_aerons() {
    let config = load_with(&[]).unwrap();
    assert_eq!(config.member_id, 0);
    assert_eq!(config.members.len(), 3);
    assert_eq!(config.this_member().ingress_endpoint, "h0:9002");
    assert_eq!(config.appointed_leader_id, -1);
    assert_eq!(config.log_channel, "aeron:udp?term-length=64m");
    assert_eq!(config.log_stream_id, 100);
    assert_eq!(config.ingress_stream_id, 101);
    assert_eq!(config.consensus_stream_id, 108);
    assert_eq!(config.archive_control_stream_id, 10);
    assert_eq!(config.cluster_dir, "aeron-cluster");
    assert_eq!(config.aeron_dir, None);
    assert_eq!(config.service_count, 1);
    assert_eq!(config.service_names, vec!["clustered-service".to_owned()]);
    assert_eq!(config.max_sessions, 10);
    assert_eq!(config.session_timeout_ns, 10_000_000_000);
    assert_eq!(config.leader_heartbeat_timeout_ns, 10_000_000_000);
    assert_eq!(config.leader_heartbeat_interval_ns, 200_000_000);
    assert_eq!(config.startup_canvass_timeout_ns, 60_000_000_000);
    assert_eq!(config.election_timeout_ns, 1_000_000_000);
    assert_eq!(config.election_status_interval_ns, 100_000_000);
    assert_eq!(config.termination_timeout_ns, 10_000_000_000);
    assert_eq!(config.threading_mode, ThreadingMode::Dedicated);
    assert_eq!(config.idle_strategy, IdleStrategyKind::Backoff);
    assert_eq!(config.snapshot_interval_ns, 0);
    assert_eq!(config.snapshot_log_growth_bytes, 0);
    assert_eq!(config.retained_snapshot_count, 0);
    assert_eq!(config.snapshot_catchup_timeout_ns, 1_000_000_000);
    assert_eq!(config.snapshot_replication_timeout_ns, 60_000_000_000);
    assert_eq!(config.snapshot_load_timeout_ns, 60_000_000_000);
    assert!(!config.admin_requests_allowed);
}

#[test]
fn toml_then_env_then_overrides() {
    let config = NodeConfig::load(Some(TOML), no_env(), &[]).unwrap();
    assert_eq!(config.member_id, 1);
    assert_eq!(config.cluster_dir, "/data/node1/cluster");
    assert_eq!(config.leader_heartbeat_timeout_ns, 5_000_000_000);
    assert_eq!(config.startup_canvass_timeout_ns, 30_000_000_000);
    assert_eq!(config.service_names, vec!["matching".to_owned(), "risk".to_owned()]);
    assert_eq!(config.threading_mode, ThreadingMode::Shared);
    assert_eq!(config.idle_strategy, IdleStrategyKind::BusySpin);
    assert_eq!(config.archive_control_channel, "aeron:udp?endpoint=h1:9101|term-length=64k");

    let env = [
        ("AERON_CLUSTER_MEMBER_ID", "2"),
        ("AERON_CLUSTER_DIR", "/env/cluster"),
        ("HOME", "/root"),
        ("AERON_THREADING_MODE", "shared_network"),
    ];
    let config = NodeConfig::load(Some(TOML), env, &[]).unwrap();
    assert_eq!(config.member_id, 2);
    assert_eq!(config.cluster_dir, "/env/cluster");
    assert_eq!(config.threading_mode, ThreadingMode::SharedNetwork);

    let config = NodeConfig::load(
        Some(TOML),
        env,
        &["aeron.cluster.member.id=0", "aeron.cluster.election.timeout=250ms"],
    )
    .unwrap();
    assert_eq!(config.member_id, 0, "override beats environment");
    assert_eq!(config.cluster_dir, "/env/cluster", "environment beats TOML");
    assert_eq!(config.election_timeout_ns, 250_000_000);
}

#[test]
fn errors_name_the_key_and_the_source() {
    let error = NodeConfig::load(None, no_env(), &[]).unwrap_err();
    assert_eq!(error, ConfigError::Missing { key: keys::CLUSTER_MEMBERS });
    assert!(error.to_string().contains("aeron.cluster.members"));

    let error = NodeConfig::load(Some(TOML), [("AERON_CLUSTER_MEMBER_ID", "7")], &[]).unwrap_err();
    match &error {
        ConfigError::Invalid { key, source_name, .. } => {
            assert_eq!(*key, keys::CLUSTER_MEMBER_ID);
            assert_eq!(*source_name, ValueSource::Environment("AERON_CLUSTER_MEMBER_ID".to_owned()));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(error.to_string().contains("AERON_CLUSTER_MEMBER_ID"), "{error}");

    let cases: &[(&str, &str)] = &[
        ("aeron.cluster.members=0,h0:9002,h0:9003", keys::CLUSTER_MEMBERS),
        ("aeron.cluster.member.id=one", keys::CLUSTER_MEMBER_ID),
        ("aeron.cluster.appointed.leader.id=5", keys::APPOINTED_LEADER_ID),
        ("aeron.cluster.log.channel=aeron:udp?term-length=64k|term-id=5", keys::LOG_CHANNEL),
        ("aeron.cluster.log.channel=aeron:tcp?x=y", keys::LOG_CHANNEL),
        ("aeron.cluster.ingress.channel=", keys::INGRESS_CHANNEL),
        ("aeron.cluster.replication.channel=aeron:udp", keys::REPLICATION_CHANNEL),
        ("aeron.cluster.session.timeout=ten", keys::SESSION_TIMEOUT),
        ("aeron.cluster.election.timeout=0", keys::ELECTION_TIMEOUT),
        ("aeron.cluster.leader.heartbeat.interval=20s", keys::LEADER_HEARTBEAT_INTERVAL),
        ("aeron.cluster.startup.canvass.timeout=15s", keys::STARTUP_CANVASS_TIMEOUT),
        ("aeron.cluster.service.count=11", keys::SERVICE_COUNT),
        ("aeron.cluster.service.name=a,b", keys::SERVICE_NAME),
        ("aeron.cluster.max.sessions=-1", keys::MAX_SESSIONS),
        ("aeron.threading.mode=turbo", keys::THREADING_MODE),
        ("aeron.cluster.idle.strategy=lazy", keys::IDLE_STRATEGY),
    ];
    assert_override_errors_name_the_key(cases);
    let error = load_with(&["aeron.cluster.service.count=2", "aeron.cluster.service.name=a,a"]).unwrap_err();
    assert!(error.to_string().contains("distinct"), "{error}");
    let error = load_with(&["aeron.cluster.unknown=1"]).unwrap_err();
    assert!(matches!(error, ConfigError::UnknownKey { .. }), "{error:?}");
}

#[test]
fn trailing_bar_and_multiple_services() {
    let config =
        load_with(&[&format!("aeron.cluster.members={MEMBERS}|"), "aeron.cluster.service.count=3"]).unwrap();
    assert_eq!(config.members.len(), 3);
    assert_eq!(
        config.service_names,
        vec![
            "clustered-service-0".to_owned(),
            "clustered-service-1".to_owned(),
            "clustered-service-2".to_owned()
        ]
    );
}

#[test]
fn tutorial_sources_build_a_valid_config() {
    let scheme = PortScheme::TUTORIAL;
    let mut sources = scheme.tutorial_sources(1, &["h0", "h1", "h2"], Path::new("/base")).unwrap();
    sources.add_env([("AERON_CLUSTER_SESSION_TIMEOUT", "3s")]);
    let config = NodeConfig::from_sources(&sources).unwrap();
    assert_eq!(config.member_id, 1);
    assert_eq!(config.members_string, scheme.members_string(&["h0", "h1", "h2"]).unwrap());
    assert_eq!(config.this_member().consensus_endpoint, "h1:9103");
    assert_eq!(config.this_member().archive_endpoint, "h1:9101");
    assert_eq!(config.archive_control_channel, "aeron:udp?endpoint=h1:9101|term-length=64k");
    assert_eq!(config.log_channel, "aeron:udp?term-length=64k|control-mode=manual|control=h1:9106");
    assert_eq!(config.replication_channel, "aeron:udp?endpoint=h1:0");
    assert_eq!(config.cluster_dir, "/base/node1/cluster");
    assert_eq!(config.aeron_dir.as_deref(), Some("/base/node1/driver"));
    assert_eq!(config.session_timeout_ns, 3_000_000_000);
    assert!(scheme.tutorial_sources(3, &["h0", "h1", "h2"], Path::new("/base")).is_err());
}

#[test]
fn no_key_is_a_prefix_of_another() {
    // TOML cannot hold both `a.b = 1` and `a.b.c = 2`; keep the key set representable.
    for (key, _) in KEYS {
        for (other, _) in KEYS {
            assert!(!other.starts_with(&format!("{key}.")), "{key} is a prefix of {other}");
        }
    }
}

const SNAPSHOT_TOML: &str = r#"
[aeron.cluster]
members = "0,h0:9002,h0:9003,h0:9004,h0:9005,h0:9001|1,h1:9102,h1:9103,h1:9104,h1:9105,h1:9101|2,h2:9202,h2:9203,h2:9204,h2:9205,h2:9201"
ingress.channel = "aeron:udp?term-length=64k"
replication.channel = "aeron:udp?endpoint=h0:0"

[fulmar.cluster]
snapshot.interval = "30s"
snapshot.log.growth = "512m"
snapshot.retained.count = 3
snapshot.catchup.timeout = "0"
snapshot.replication.timeout = "2s"
snapshot.load.timeout = "90s"
admin.requests.allowed = true
"#;

#[test]
fn snapshot_and_admin_keys_from_toml_env_and_overrides() {
    let config = NodeConfig::load(Some(SNAPSHOT_TOML), no_env(), &[]).unwrap();
    assert_eq!(config.snapshot_interval_ns, 30_000_000_000);
    assert_eq!(config.snapshot_log_growth_bytes, 512 * 1024 * 1024);
    assert_eq!(config.retained_snapshot_count, 3);
    assert_eq!(config.snapshot_catchup_timeout_ns, 0, "0: never ask peers");
    assert_eq!(config.snapshot_replication_timeout_ns, 2_000_000_000);
    assert_eq!(config.snapshot_load_timeout_ns, 90_000_000_000);
    assert!(config.admin_requests_allowed);

    let env = [
        ("FULMAR_CLUSTER_SNAPSHOT_INTERVAL", "250ms"),
        ("FULMAR_CLUSTER_SNAPSHOT_LOG_GROWTH", "1048576"),
        ("FULMAR_CLUSTER_SNAPSHOT_RETAINED_COUNT", "1"),
        ("FULMAR_CLUSTER_SNAPSHOT_CATCHUP_TIMEOUT", "500ms"),
        ("FULMAR_CLUSTER_SNAPSHOT_REPLICATION_TIMEOUT", "5s"),
        ("FULMAR_CLUSTER_SNAPSHOT_LOAD_TIMEOUT", "7s"),
        ("FULMAR_CLUSTER_ADMIN_REQUESTS_ALLOWED", "FALSE"),
    ];
    let config = NodeConfig::load(Some(SNAPSHOT_TOML), env, &[]).unwrap();
    assert_eq!(config.snapshot_interval_ns, 250_000_000, "environment beats TOML");
    assert_eq!(config.snapshot_log_growth_bytes, 1_048_576);
    assert_eq!(config.retained_snapshot_count, 1);
    assert_eq!(config.snapshot_catchup_timeout_ns, 500_000_000);
    assert_eq!(config.snapshot_replication_timeout_ns, 5_000_000_000);
    assert_eq!(config.snapshot_load_timeout_ns, 7_000_000_000);
    assert!(!config.admin_requests_allowed);

    let config = NodeConfig::load(
        Some(SNAPSHOT_TOML),
        env,
        &[
            "fulmar.cluster.snapshot.interval=0",
            "fulmar.cluster.snapshot.log.growth=64k",
            "fulmar.cluster.admin.requests.allowed=true",
        ],
    )
    .unwrap();
    assert_eq!(config.snapshot_interval_ns, 0, "override beats environment; 0: never by time");
    assert_eq!(config.snapshot_log_growth_bytes, 64 * 1024);
    assert!(config.admin_requests_allowed);
    assert_eq!(config.retained_snapshot_count, 1, "environment still beats TOML");
}

#[test]
fn snapshot_and_admin_errors_name_the_key() {
    let cases: &[(&str, &str)] = &[
        ("fulmar.cluster.snapshot.interval=-1s", keys::SNAPSHOT_INTERVAL),
        ("fulmar.cluster.snapshot.interval=often", keys::SNAPSHOT_INTERVAL),
        ("fulmar.cluster.snapshot.log.growth=-1", keys::SNAPSHOT_LOG_GROWTH),
        ("fulmar.cluster.snapshot.log.growth=-2m", keys::SNAPSHOT_LOG_GROWTH),
        ("fulmar.cluster.snapshot.log.growth=lots", keys::SNAPSHOT_LOG_GROWTH),
        ("fulmar.cluster.snapshot.retained.count=-1", keys::SNAPSHOT_RETAINED_COUNT),
        ("fulmar.cluster.snapshot.retained.count=two", keys::SNAPSHOT_RETAINED_COUNT),
        ("fulmar.cluster.snapshot.catchup.timeout=-5", keys::SNAPSHOT_CATCHUP_TIMEOUT),
        ("fulmar.cluster.snapshot.replication.timeout=-1s", keys::SNAPSHOT_REPLICATION_TIMEOUT),
        ("fulmar.cluster.snapshot.replication.timeout=0", keys::SNAPSHOT_REPLICATION_TIMEOUT),
        ("fulmar.cluster.snapshot.load.timeout=-60s", keys::SNAPSHOT_LOAD_TIMEOUT),
        ("fulmar.cluster.snapshot.load.timeout=0", keys::SNAPSHOT_LOAD_TIMEOUT),
        ("fulmar.cluster.admin.requests.allowed=yes", keys::ADMIN_REQUESTS_ALLOWED),
    ];
    assert_override_errors_name_the_key(cases);
    let error = load_with(&["fulmar.cluster.snapshot.retained.count=-1"]).unwrap_err();
    assert!(error.to_string().contains("negative"), "{error}");

    let mut overrides = minimal();
    overrides.push("fulmar.cluster.snapshot.interval=1s".to_owned());
    let refs: Vec<&str> = overrides.iter().map(String::as_str).collect();
    let error = NodeConfig::load(None, [("FULMAR_CLUSTER_SNAPSHOT_LOG_GROWTH", "-4096")], &refs).unwrap_err();
    match &error {
        ConfigError::Invalid { key, source_name, .. } => {
            assert_eq!(*key, keys::SNAPSHOT_LOG_GROWTH);
            assert_eq!(
                *source_name,
                ValueSource::Environment("FULMAR_CLUSTER_SNAPSHOT_LOG_GROWTH".to_owned())
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(error.to_string().contains("FULMAR_CLUSTER_SNAPSHOT_LOG_GROWTH"), "{error}");
    assert!(error.to_string().contains(keys::SNAPSHOT_LOG_GROWTH), "{error}");

    let minimal = minimal();
    let refs: Vec<&str> = minimal.iter().map(String::as_str).collect();
    let error = NodeConfig::load(Some("[fulmar.cluster]\nsnapshot.retained.count = -2\n"), no_env(), &refs)
        .unwrap_err();
    match &error {
        ConfigError::Invalid { key, source_name, .. } => {
            assert_eq!(*key, keys::SNAPSHOT_RETAINED_COUNT);
            assert_eq!(*source_name, ValueSource::Toml);
        }
        other => panic!("unexpected {other:?}"),
    }
    let error = load_with(&["fulmar.cluster.snapshot.intervall=1s"]).unwrap_err();
    assert!(matches!(error, ConfigError::UnknownKey { .. }), "{error:?}");
}

#[test]
fn snapshot_settings_reach_the_consensus_module_config() {
    let config = NodeConfig::load(Some(SNAPSHOT_TOML), no_env(), &[]).unwrap();
    let mut consensus =
        ConsensusModuleConfig::new(config.cluster_id, config.member_id, config.members.clone());
    assert!(consensus.admin_authoriser.is_none(), "the module's default refuses admin requests");
    config.apply_snapshot_settings(&mut consensus);
    assert_eq!(consensus.snapshot_interval_ns, 30_000_000_000);
    assert_eq!(consensus.snapshot_log_growth_bytes, 512 * 1024 * 1024);
    assert_eq!(consensus.retained_snapshot_count, 3);
    assert_eq!(consensus.snapshot_catchup_timeout_ns, 0);
    assert_eq!(consensus.snapshot_replication_timeout_ns, 2_000_000_000);
    assert_eq!(consensus.snapshot_load_timeout_ns, 90_000_000_000);
    let authoriser = consensus.admin_authoriser.as_ref().expect("admin requests allowed");
    assert!((authoriser.0)(b"anyone", AdminRequestType::Snapshot));
    consensus.validate().unwrap();

    let config = load_with(&[]).unwrap();
    config.apply_snapshot_settings(&mut consensus);
    assert!(consensus.admin_authoriser.is_none(), "the default refuses every admin request");
    assert_eq!(consensus.snapshot_interval_ns, 0);
    assert_eq!(consensus.snapshot_catchup_timeout_ns, 1_000_000_000);
    assert_eq!(consensus.snapshot_load_timeout_ns, 60_000_000_000);
    consensus.validate().unwrap();
}

/// Each `(assignment, key)` given as an override is an `Invalid` error naming `key`.
fn assert_override_errors_name_the_key(cases: &[(&str, &str)]) {
    for &(assignment, key) in cases {
        let error = load_with(&[assignment]).unwrap_err();
        match &error {
            ConfigError::Invalid { key: reported, source_name, .. } => {
                assert_eq!(reported, &key, "{assignment}: {error}");
                assert_eq!(*source_name, ValueSource::Override, "{assignment}");
            }
            other => panic!("{assignment}: unexpected {other:?}"),
        }
        assert!(error.to_string().contains(key), "{assignment}: {error}");
    }
}
