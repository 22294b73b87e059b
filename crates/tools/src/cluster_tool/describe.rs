//! Read-only commands about a node: `describe`, `pid`, `errors`, `list-members`, `is-leader`.
//!
//! Invariant: nothing here writes a file or a counter.

use anyhow::{Context as _, bail};
use cluster::cluster_mark_file::{MarkFileContents, MarkFileHeader, semantic_major};
use cluster::{CLUSTER_MARK_FILE_NAME, ClusterMember, ErrorObservation};
use node::node_mark_file::{CLUSTER_MEMBERS_FILE_NAME, MARK_FILE_LIVENESS_TIMEOUT_MS};
use serde_json::{Value, json};

use super::Exit;
use super::node_counters::{
    CounterValues, NodeCounters, election_state_name, module_state_name, or_dash, role_name, toggle_name,
};
use super::node_paths::{NodePaths, now_ms};
use super::screaming_snake;
use crate::stat::open_cnc;

fn version_text(version: i32) -> String {
    if version <= 0 {
        return version.to_string();
    }
    format!("{}.{}.{}", semantic_major(version), (version >> 8) & 0xFF, version & 0xFF)
}

fn liveness(header: &MarkFileHeader) -> &'static str {
    if header.version < 0 {
        "failed start"
    } else if header.version == 0 {
        "starting"
    } else if header.activity_timestamp_ms == -1 {
        "terminated"
    } else if header.is_active(now_ms(), MARK_FILE_LIVENESS_TIMEOUT_MS) && sys::is_process_alive(header.pid) {
        "live"
    } else {
        "stale (the process stopped without closing)"
    }
}

fn header_json(header: &MarkFileHeader) -> Value {
    json!({
        "version": version_text(header.version),
        "component_type": screaming_snake(&format!("{:?}", header.component_type)),
        "liveness": liveness(header),
        "activity_timestamp_ms": header.activity_timestamp_ms,
        "start_timestamp_ms": header.start_timestamp_ms,
        "pid": header.pid,
        "member_id": header.member_id,
        "service_id": header.service_id,
        "cluster_id": header.cluster_id,
        "archive_stream_id": header.archive_stream_id,
        "service_stream_id": header.service_stream_id,
        "consensus_module_stream_id": header.consensus_module_stream_id,
        "ingress_stream_id": header.ingress_stream_id,
        "header_length": header.header_length,
        "error_buffer_length": header.error_buffer_length,
        "aeron_directory": header.aeron_directory,
        "control_channel": header.control_channel,
        "ingress_channel": header.ingress_channel,
        "authenticator": header.authenticator,
        "services_cluster_dir": header.services_cluster_dir,
    })
}

/// The counters of the node, or why they cannot be read.
fn counters(paths: &NodePaths, mark_file: &MarkFileContents) -> Result<(CounterValues, String), String> {
    let counters = NodeCounters::open(&paths.driver_dir(Some(mark_file)), mark_file.header.cluster_id)
        .map_err(|e| format!("{e:#}"))?;
    Ok((counters.values(), counters.cnc_path().display().to_string()))
}

/// `describe`: mark file header and counters. Exit 0 once the mark file was read (counters are
/// reported unavailable when the driver is not running).
pub fn describe(paths: &NodePaths, json: bool) -> anyhow::Result<Exit> {
    let mark_file = paths.mark_file()?;
    let header = &mark_file.header;
    let counters = counters(paths, &mark_file);
    if json {
        let (counters_json, error) = match &counters {
            Ok((values, cnc)) => {
                let mut value = values.to_json();
                value["cnc_file"] = json!(cnc);
                (value, Value::Null)
            }
            Err(error) => (Value::Null, json!(error)),
        };
        println!(
            "{}",
            json!({
                "mark_file": paths.cluster_file(CLUSTER_MARK_FILE_NAME).display().to_string(),
                "header": header_json(header),
                "distinct_errors": mark_file.errors.len(),
                "counters": counters_json,
                "counters_error": error,
            })
        );
        return Ok(Exit::Success);
    }
    println!("{}: {}", CLUSTER_MARK_FILE_NAME, paths.cluster_file(CLUSTER_MARK_FILE_NAME).display());
    println!(
        "  type={} version={} ({}) pid={} memberId={} serviceId={} clusterId={}",
        screaming_snake(&format!("{:?}", header.component_type)),
        version_text(header.version),
        liveness(header),
        header.pid,
        header.member_id,
        header.service_id,
        header.cluster_id
    );
    println!(
        "  startTimestamp={} ms activityTimestamp={} ms",
        header.start_timestamp_ms, header.activity_timestamp_ms
    );
    println!(
        "  archiveStreamId={} serviceStreamId={} consensusModuleStreamId={} ingressStreamId={}",
        header.archive_stream_id,
        header.service_stream_id,
        header.consensus_module_stream_id,
        header.ingress_stream_id
    );
    println!("  aeronDirectory={}", header.aeron_directory);
    println!("  controlChannel={}", header.control_channel);
    println!("  ingressChannel={}", header.ingress_channel);
    println!("  authenticator={}", header.authenticator);
    println!("  servicesClusterDir={}", header.services_cluster_dir);
    println!("  errors: {} distinct (see `errors`)", mark_file.errors.len());
    match counters {
        Ok((values, cnc)) => {
            println!("counters ({cnc}):");
            println!(
                "  role={} moduleState={} electionState={} commitPosition={} controlToggle={} snapshotCount={}",
                or_dash(values.role.map(role_name)),
                or_dash(values.module_state.map(module_state_name)),
                or_dash(values.election_state.map(election_state_name)),
                or_dash(values.commit_position.map(|p| p.to_string())),
                or_dash(values.toggle.map(toggle_name)),
                or_dash(values.snapshot_count.map(|count| count.to_string())),
            );
        }
        Err(error) => println!("counters: unavailable ({error})"),
    }
    Ok(Exit::Success)
}

/// `pid`: the node's process id from the mark file.
pub fn pid(paths: &NodePaths, json: bool) -> anyhow::Result<Exit> {
    let mark_file = paths.mark_file()?;
    if json {
        println!("{}", json!({"pid": mark_file.header.pid, "liveness": liveness(&mark_file.header)}));
    } else {
        println!("{}", mark_file.header.pid);
    }
    Ok(Exit::Success)
}

fn error_json(error: &ErrorObservation) -> Value {
    json!({
        "observations": error.observation_count,
        "first_ms": error.first_observation_timestamp_ms,
        "last_ms": error.last_observation_timestamp_ms,
        "text": error.text,
    })
}

/// `errors`: the mark file's error log, then the driver's (when its CnC file can be mapped).
pub fn errors(paths: &NodePaths, json: bool) -> anyhow::Result<Exit> {
    let mark_file = paths.mark_file()?;
    let driver_dir = paths.driver_dir(Some(&mark_file));
    let driver_errors = open_cnc(&driver_dir).map(|view| {
        let mut errors = Vec::new();
        agrona::read_error_log(
            &view.error_log,
            |count, first_ms, last_ms, text| {
                errors.push(ErrorObservation {
                    observation_count: count,
                    first_observation_timestamp_ms: first_ms,
                    last_observation_timestamp_ms: last_ms,
                    text: text.to_owned(),
                })
            },
            0,
        );
        errors
    });
    if json {
        let driver = match &driver_errors {
            Ok(errors) => json!(errors.iter().map(error_json).collect::<Vec<_>>()),
            Err(_) => Value::Null,
        };
        println!(
            "{}",
            json!({
                "consensus_module": mark_file.errors.iter().map(error_json).collect::<Vec<_>>(),
                "driver": driver,
                "driver_error": driver_errors.as_ref().err().map(|e| format!("{e:#}")),
            })
        );
        return Ok(Exit::Success);
    }
    let print = |errors: &[ErrorObservation]| {
        for e in errors {
            println!(
                "{} observations from {} to {} ms: {}",
                e.observation_count,
                e.first_observation_timestamp_ms,
                e.last_observation_timestamp_ms,
                e.text
            );
        }
        println!("{} distinct errors", errors.len());
    };
    println!("Consensus Module Error Log ({CLUSTER_MARK_FILE_NAME}):");
    print(&mark_file.errors);
    match &driver_errors {
        Ok(errors) => {
            println!("Media Driver Error Log ({}):", driver_dir.display());
            print(errors);
        }
        Err(error) => println!("Media Driver Error Log: unavailable ({error:#})"),
    }
    Ok(Exit::Success)
}

/// `is-leader`: exit 0 if the role counter is LEADER and the election is CLOSED, else 1 (also when the
/// driver is not running).
pub fn is_leader(paths: &NodePaths, json: bool) -> anyhow::Result<Exit> {
    let mark_file = paths.mark_file()?;
    let counters = counters(paths, &mark_file);
    let values = counters.as_ref().ok().map(|(values, _)| *values);
    let leader = values.is_some_and(|v| v.is_leader());
    if json {
        println!(
            "{}",
            json!({
                "member_id": mark_file.header.member_id,
                "is_leader": leader,
                "counters": values.map(|v| v.to_json()),
                "counters_error": counters.as_ref().err(),
            })
        );
    } else {
        match &counters {
            Ok((values, _)) => println!(
                "Member [{}]: {} (role={}, electionState={})",
                mark_file.header.member_id,
                if leader { "leader" } else { "not the leader" },
                or_dash(values.role.map(role_name)),
                or_dash(values.election_state.map(election_state_name)),
            ),
            Err(error) => println!("Member [{}]: not the leader ({error})", mark_file.header.member_id),
        }
    }
    Ok(if leader { Exit::Success } else { Exit::Negative })
}

/// `list-members`: the static members (`cluster-members.txt`, written by the node at start) and, from
/// this node's counters, whether it leads. fulmar's consensus module does not answer Aeron's
/// ClusterMembersQuery yet, so a follower reports the leader as unknown (-1).
pub fn list_members(paths: &NodePaths, json: bool) -> anyhow::Result<Exit> {
    let mark_file = paths.mark_file()?;
    let members_path = paths.cluster_file(CLUSTER_MEMBERS_FILE_NAME);
    if !members_path.is_file() {
        bail!("{CLUSTER_MEMBERS_FILE_NAME} does not exist in {}.", paths.cluster_dir.display());
    }
    #[allow(clippy::disallowed_methods)] // A tool reading a small text file.
    let text = std::fs::read_to_string(&members_path)
        .with_context(|| format!("reading {}", members_path.display()))?;
    let members =
        ClusterMember::parse(text.trim()).with_context(|| format!("parsing {}", members_path.display()))?;
    let member_id = mark_file.header.member_id;
    let values = counters(paths, &mark_file).ok().map(|(values, _)| values);
    let leader_member_id = if values.is_some_and(|v| v.is_leader()) { member_id } else { -1 };
    let role = values.and_then(|v| v.role).map(role_name);
    if json {
        let members: Vec<Value> = members
            .iter()
            .map(|m| {
                json!({
                    "id": m.id,
                    "ingress_endpoint": m.ingress_endpoint,
                    "consensus_endpoint": m.consensus_endpoint,
                    "log_endpoint": m.log_endpoint,
                    "catchup_endpoint": m.catchup_endpoint,
                    "archive_endpoint": m.archive_endpoint,
                    "is_this_node": m.id == member_id,
                    "is_leader": m.id == leader_member_id,
                })
            })
            .collect();
        println!(
            "{}",
            json!({
                "current_time_ms": now_ms(),
                "member_id": member_id,
                "role": role,
                "leader_member_id": leader_member_id,
                "members": members,
            })
        );
        return Ok(Exit::Success);
    }
    println!(
        "currentTimeMs={}, leaderMemberId={}{}, memberId={member_id}, role={}, activeMembers=[",
        now_ms(),
        leader_member_id,
        if leader_member_id == -1 { " (unknown: this node does not lead)" } else { "" },
        or_dash(role),
    );
    for m in &members {
        println!(
            "  ClusterMember{{id={}, isLeader={}, ingressEndpoint={}, consensusEndpoint={}, logEndpoint={}, \
             catchupEndpoint={}, archiveEndpoint={}}}",
            m.id,
            m.id == leader_member_id,
            m.ingress_endpoint,
            m.consensus_endpoint,
            m.log_endpoint,
            m.catchup_endpoint,
            m.archive_endpoint
        );
    }
    println!("]");
    Ok(Exit::Success)
}
