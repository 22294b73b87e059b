//! `fulmar tool`: every command against a running three-node cluster of real `fulmar node` processes
//! (describe, pid, is-leader, recording-log, recovery-plan, errors, list-members, the toggles — suspend
//! must really stop ingress and resume restart it — and abort), and the recording-log commands against
//! a prepared node directory. Every wait is bounded; children are killed and directories removed when a
//! test ends, pass or fail.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod support;
use support::TempDir;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use agrona::ManualClock;
use cluster::{ClusterMember, RecordingLog, RecordingLogOptions};
use cluster_client::EgressListener;
use node::{NodeMarkFile, NodeMarkFileInfo};
use samples::client_runtime::ClientRuntime;
use serde_json::Value;
use sys::FsArchiveStorage;

const DEADLINE: Duration = Duration::from_secs(40);

/// A `fulmar node` child, SIGKILLed when dropped; its stdout lines arrive on `lines`.
struct NodeProcess {
    child: Child,
    lines: mpsc::Receiver<String>,
    role: Option<String>,
}

impl NodeProcess {
    fn spawn(node_id: i32, base_port: u16, dir: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_fulmar"))
            .args(["node", "--service", "echo", "--tutorial-node", &node_id.to_string()])
            .args(["--hosts", "127.0.0.1,127.0.0.1,127.0.0.1", "--base-port", &base_port.to_string()])
            .args(["--ports-per-node", "10"])
            .arg("--dir")
            .arg(dir)
            .args(["--set", "aeron.threading.mode=SHARED"])
            .args(["--set", "aeron.cluster.leader.heartbeat.timeout=1s"])
            .args(["--set", "aeron.cluster.leader.heartbeat.interval=100ms"])
            .args(["--set", "aeron.cluster.startup.canvass.timeout=2s"])
            .args(["--set", "aeron.cluster.election.timeout=500ms"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn fulmar node");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Self { child, lines, role: None }
    }

    /// Reads the lines printed so far and remembers the role announced last.
    fn poll_role(&mut self) -> Option<&str> {
        while let Ok(line) = self.lines.try_recv() {
            if let Some((_, new)) = line.split_once(" -> ")
                && line.contains(": role ")
            {
                self.role = Some(new.split(',').next().unwrap_or(new).trim().to_owned());
            }
        }
        self.role.as_deref()
    }

    fn assert_running(&mut self, node_id: usize) {
        if let Some(status) = self.child.try_wait().expect("try_wait") {
            panic!("node {node_id} exited: {status}");
        }
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `fulmar tool <dir> <args>`: exit code and stdout (stderr is appended for messages).
fn tool(dir: &Path, args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_fulmar"))
        .arg("tool")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run fulmar tool");
    let text =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.code().unwrap_or(-1), text)
}

/// Runs a `--json` command that must succeed and parses its output.
fn tool_json(dir: &Path, args: &[&str]) -> Value {
    let mut args = args.to_vec();
    args.push("--json");
    let (code, text) = tool(dir, &args);
    assert_eq!(code, 0, "fulmar tool {args:?}: {text}");
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("{args:?} printed no JSON ({e}): {text}"))
}

#[derive(Default)]
struct Echoes {
    received: Vec<u32>,
}

impl EgressListener for Echoes {
    fn on_message(&mut self, _session: i64, _timestamp: i64, payload: &[u8]) {
        if let Ok(bytes) = <[u8; 4]>::try_from(payload) {
            self.received.push(u32::from_le_bytes(bytes));
        }
    }
}

fn base_port() -> u16 {
    // Below the ephemeral range, distinct per test process.
    12_000 + (std::process::id() % 400) as u16 * 50
}

#[test]
fn commands_against_a_running_cluster() {
    let dir = TempDir::new("cluster-tool");
    let base = base_port();
    let mut nodes: Vec<NodeProcess> = (0..3).map(|id| NodeProcess::spawn(id, base, &dir.0)).collect();
    let node_dir = |id: usize| dir.0.join(format!("node{id}"));
    let deadline = Instant::now() + DEADLINE;
    let leader = loop {
        for (id, node) in nodes.iter_mut().enumerate() {
            node.assert_running(id);
        }
        let leader = nodes.iter_mut().position(|n| n.poll_role() == Some("LEADER"));
        if let Some(leader) = leader
            && tool(&node_dir(leader), &["is-leader"]).0 == 0
        {
            break leader;
        }
        assert!(Instant::now() < deadline, "no leader");
        thread::sleep(Duration::from_millis(50));
    };
    let follower = (leader + 1) % 3;

    // describe, pid, is-leader, through the node directory and through its cluster directory.
    for (id, node) in nodes.iter().enumerate() {
        let child_pid = i64::from(node.child.id());
        let described = tool_json(&node_dir(id), &["describe"]);
        assert_eq!(described["header"]["member_id"], id as i64, "{described}");
        assert_eq!(described["header"]["pid"], child_pid, "{described}");
        assert_eq!(described["header"]["liveness"], "live", "{described}");
        assert_eq!(described["header"]["component_type"], "CONSENSUS_MODULE");
        let pid = tool_json(&node_dir(id).join("cluster"), &["pid"]);
        assert_eq!(pid["pid"], child_pid);
        let (code, text) = tool(&node_dir(id), &["pid"]);
        assert_eq!((code, text.trim()), (0, child_pid.to_string().as_str()));
    }
    let described = tool_json(&node_dir(leader), &["describe"]);
    assert_eq!(described["counters"]["role"], "LEADER", "{described}");
    assert_eq!(described["counters"]["module_state"], "ACTIVE", "{described}");
    assert_eq!(described["counters"]["election_state"], "CLOSED", "{described}");
    assert!(described["counters"]["commit_position"].as_i64().is_some_and(|p| p > 0), "{described}");
    let (code, text) = tool(&node_dir(leader), &["describe"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("role=LEADER moduleState=ACTIVE electionState=CLOSED"), "{text}");
    assert_eq!(tool(&node_dir(leader).join("cluster"), &["is-leader"]).0, 0);
    let (code, text) = tool(&node_dir(follower), &["is-leader"]);
    assert_eq!(code, 1, "a follower is not the leader: {text}");
    assert_eq!(tool_json(&node_dir(leader), &["is-leader"])["is_leader"], true);

    // recording-log and recovery-plan: one TERM of the log recording the plan replays.
    let log = tool_json(&node_dir(leader), &["recording-log"]);
    let entries = log["entries"].as_array().expect("entries");
    // The latest TERM: a loaded machine may have needed more than one election.
    let term = entries.iter().rev().find(|e| e["type"] == "TERM").unwrap_or_else(|| panic!("no TERM: {log}"));
    let plan = tool_json(&node_dir(leader), &["recovery-plan", "1"]);
    assert_eq!(plan["log"]["recording_id"], term["recording_id"], "{plan}");
    assert_eq!(plan["last_leadership_term_id"], term["leadership_term_id"], "{plan}");
    let (code, text) = tool(&node_dir(follower), &["recording-log"]);
    assert!(code == 0 && text.contains("type=TERM"), "{text}");

    // errors: both logs readable (empty on a healthy node).
    let errors = tool_json(&node_dir(leader), &["errors"]);
    assert!(errors["consensus_module"].as_array().is_some_and(Vec::is_empty), "{errors}");
    assert!(errors["driver"].is_array(), "{errors}");

    // list-members: the static members, the leader as known by the leader itself.
    let members = tool_json(&node_dir(leader), &["list-members"]);
    assert_eq!(members["members"].as_array().map(Vec::len), Some(3), "{members}");
    assert_eq!(members["leader_member_id"], leader as i64, "{members}");
    assert_eq!(tool_json(&node_dir(follower), &["list-members"])["member_id"], follower as i64);

    // Toggles are refused by a follower, and RESUME by an ACTIVE leader.
    for command in ["suspend", "snapshot", "shutdown", "abort"] {
        let (code, text) = tool(&node_dir(follower), &[command]);
        assert_eq!(code, 1, "{command} on a follower: {text}");
        assert!(text.contains("is not the leader"), "{text}");
    }
    let (code, text) = tool(&node_dir(leader), &["resume"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("needs to be SUSPENDED"), "{text}");

    // A client's messages are echoed; SUSPEND stops ingress, RESUME restarts it.
    let endpoints =
        (0..3).map(|i| format!("{i}=127.0.0.1:{}", base + i * 10 + 2)).collect::<Vec<_>>().join(",");
    let mut runtime = ClientRuntime::launch(&dir.0.join("client"), "cluster-tool-test").expect("client");
    let mut cluster = runtime
        .connect_cluster(&endpoints, &format!("127.0.0.1:{}", base + 30), 10_000_000_000)
        .expect("client connects");
    let mut echoes = Echoes::default();
    let mut next = 0u32;
    // Sends one message every 5 ms for `duration` while polling egress.
    let mut exchange = |duration: Duration, next: &mut u32, echoes: &mut Echoes| {
        let until = Instant::now() + duration;
        let mut last_send = Instant::now() - Duration::from_secs(1);
        while Instant::now() < until {
            assert!(!cluster.is_closed(), "session closed: {:?}", cluster.last_error());
            let mut work = runtime.do_work() + cluster.poll_egress(echoes);
            if last_send.elapsed() >= Duration::from_millis(5) && cluster.offer(&next.to_le_bytes()).is_ok() {
                *next += 1;
                last_send = Instant::now();
                work += 1;
            }
            if work == 0 {
                thread::sleep(Duration::from_millis(1));
            }
        }
    };
    exchange(Duration::from_millis(500), &mut next, &mut echoes);
    assert!(!echoes.received.is_empty(), "echoes before suspending");

    let (code, text) = tool(&node_dir(leader), &["suspend"]);
    assert_eq!(code, 0, "suspend: {text}");
    assert!(text.contains("SUSPEND applied successfully"), "{text}");
    let suspended_by = Instant::now() + Duration::from_secs(5);
    while tool_json(&node_dir(leader), &["describe"])["counters"]["module_state"] != "SUSPENDED" {
        assert!(Instant::now() < suspended_by, "the leader did not enter SUSPENDED");
        exchange(Duration::from_millis(20), &mut next, &mut echoes);
    }
    // Anything appended before the suspension is echoed shortly; after that, nothing.
    exchange(Duration::from_millis(300), &mut next, &mut echoes);
    let echoed_when_suspended = echoes.received.len();
    let sent_when_suspended = next;
    exchange(Duration::from_millis(1000), &mut next, &mut echoes);
    assert_eq!(echoes.received.len(), echoed_when_suspended, "no ingress is processed while suspended");
    assert!(next > sent_when_suspended, "the client kept sending");
    let (code, text) = tool(&node_dir(leader), &["suspend"]);
    assert_eq!(code, 1, "a second suspend is refused: {text}");

    let (code, text) = tool(&node_dir(leader), &["resume"]);
    assert_eq!(code, 0, "resume: {text}");
    assert!(text.contains("RESUME applied successfully"), "{text}");
    // Every message sent up to now (the ones held back while suspended included) is echoed. The
    // client keeps sending meanwhile, so the target is fixed here rather than chasing `next`.
    let sent_before_resume = next;
    let resumed_by = Instant::now() + Duration::from_secs(10);
    while echoes.received.len() < sent_before_resume as usize {
        assert!(
            Instant::now() < resumed_by,
            "ingress did not restart: {} of {sent_before_resume} echoed",
            echoes.received.len()
        );
        exchange(Duration::from_millis(20), &mut next, &mut echoes);
    }
    assert!(echoes.received.windows(2).all(|w| w[0] < w[1]), "echoes in order, once each");
    assert!(
        echoes.received.iter().take(sent_before_resume as usize).copied().eq(0..sent_before_resume),
        "no message lost across suspend and resume"
    );
    assert_eq!(tool_json(&node_dir(leader), &["describe"])["counters"]["module_state"], "ACTIVE");
    cluster.close();
    runtime.do_work();
    runtime.close();

    // ABORT stops the cluster: every node exits.
    let (code, text) = tool(&node_dir(leader), &["abort"]);
    assert_eq!(code, 0, "abort: {text}");
    let stopped_by = Instant::now() + Duration::from_secs(15);
    for (id, node) in nodes.iter_mut().enumerate() {
        loop {
            if node.child.try_wait().expect("try_wait").is_some() {
                break;
            }
            assert!(Instant::now() < stopped_by, "node {id} did not stop after ABORT");
            thread::sleep(Duration::from_millis(20));
        }
    }
    let described = tool_json(&node_dir(leader), &["describe"]);
    assert_eq!(described["header"]["liveness"], "terminated", "{described}");
    assert_eq!(tool(&node_dir(leader), &["is-leader"]).0, 1, "a stopped node is not the leader");
}

fn mark_file_info(node_dir: &Path) -> NodeMarkFileInfo {
    NodeMarkFileInfo {
        member_id: 1,
        cluster_id: 0,
        archive_stream_id: 10,
        service_stream_id: 104,
        consensus_module_stream_id: 105,
        ingress_stream_id: 101,
        aeron_directory: node_dir.join("driver").display().to_string(),
        control_channel: "aeron:ipc?term-length=128k".to_owned(),
        ingress_channel: "aeron:udp".to_owned(),
        authenticator: "default".to_owned(),
        services_cluster_dir: node_dir.join("cluster").display().to_string(),
    }
}

fn entry_summary(log: &Value) -> Vec<(String, i64, i64, bool)> {
    log["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                format!("{}:{}", e["type"].as_str().unwrap_or("?"), e["service_id"]),
                e["leadership_term_id"].as_i64().unwrap_or(-99),
                e["log_position"].as_i64().unwrap_or(-99),
                e["is_valid"].as_bool().unwrap_or(false),
            )
        })
        .collect()
}

#[test]
fn recording_log_commands_on_a_stopped_node() {
    let dir = TempDir::new("cluster-tool-offline");
    let node_dir = dir.0.join("node1");
    let cluster_dir = node_dir.join("cluster");
    std::fs::create_dir_all(&cluster_dir).unwrap();

    // No mark file, no recording log: file errors (2).
    for command in [&["pid"][..], &["describe"], &["is-leader"], &["errors"], &["recording-log"]] {
        let (code, text) = tool(&node_dir, command);
        assert_eq!(code, 2, "{command:?}: {text}");
    }
    assert!(tool(&node_dir, &["pid"]).1.contains("cluster-mark.dat does not exist"));
    assert_eq!(tool(&dir.0.join("missing"), &["pid"]).0, 2);
    assert_eq!(tool(&node_dir, &["no-such-command"]).0, 2, "usage error");

    // Two snapshot sets (one service) in term 0, then term 1; the file order is not sorted because the
    // set at 300 of term 0 was appended after term 1 started.
    let storage = FsArchiveStorage::open(&cluster_dir).unwrap();
    let options = RecordingLogOptions { create_if_missing: true, ..RecordingLogOptions::default() };
    let mut log = RecordingLog::open(&storage, options).unwrap();
    // An empty log: nothing to invalidate, describe or sort (negative answers, 1).
    for command in ["invalidate-latest-snapshot", "describe-latest-cm-snapshot", "sort-recording-log"] {
        let (code, text) = tool(&node_dir, &[command]);
        assert_eq!(code, 1, "{command}: {text}");
    }
    assert_eq!(tool_json(&node_dir, &["recording-log"])["entries"], Value::Array(Vec::new()));
    log.append_term(7, 0, 0, 1_000).unwrap();
    log.append_snapshot(20, 0, 0, 100, 1_100, 0).unwrap();
    log.append_snapshot(21, 0, 0, 100, 1_100, -1).unwrap();
    log.append_term(7, 1, 400, 1_400).unwrap();
    log.append_snapshot(22, 0, 0, 300, 1_300, 0).unwrap();
    log.append_snapshot(23, 0, 0, 300, 1_300, -1).unwrap();
    drop(log);

    let listed = tool_json(&node_dir, &["recording-log"]);
    let expected = [
        ("TERM:-1".to_owned(), 0, 400, true),
        ("SNAPSHOT:0".to_owned(), 0, 100, true),
        ("SNAPSHOT:-1".to_owned(), 0, 100, true),
        ("SNAPSHOT:0".to_owned(), 0, 300, true),
        ("SNAPSHOT:-1".to_owned(), 0, 300, true),
        ("TERM:-1".to_owned(), 1, -1, true),
    ];
    assert_eq!(entry_summary(&listed), expected, "{listed}");
    // The entries are listed; the content cannot be read (this node directory has no archive): exit 2.
    let (code, text) = tool(&node_dir, &["describe-latest-cm-snapshot"]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("recordingId=23") && text.contains("recordingId=22"), "{text}");
    assert!(text.contains("unreadable"), "says the snapshot could not be read: {text}");
    let (code, text) = tool(&node_dir, &["recovery-plan"]);
    assert_eq!(code, 2, "no archive catalog: {text}");

    // sort-recording-log rewrites the file once; then it is sorted (exit 1).
    let (code, text) = tool(&node_dir, &["sort-recording-log"]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(entry_summary(&tool_json(&node_dir, &["recording-log"])), expected);
    let indices: Vec<i64> = tool_json(&node_dir, &["recording-log"])["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["entry_index"].as_i64().unwrap())
        .collect();
    assert_eq!(indices, [0, 1, 2, 3, 4, 5], "file order is now sorted order");
    assert_eq!(tool(&node_dir, &["sort-recording-log"]).0, 1, "already sorted");

    // invalidate-latest-snapshot: the set at 300 becomes invalid, the one at 100 is the latest.
    let (code, text) = tool(&node_dir, &["invalidate-latest-snapshot"]);
    assert_eq!(code, 0, "{text}");
    let listed = tool_json(&node_dir, &["recording-log"]);
    let valid: Vec<bool> = entry_summary(&listed).iter().map(|e| e.3).collect();
    assert_eq!(valid, [true, true, true, false, false, true], "{listed}");
    let (code, text) = tool(&node_dir, &["describe-latest-cm-snapshot"]);
    assert!(code == 2 && text.contains("recordingId=21") && !text.contains("recordingId=23"), "{text}");

    // seed-recording-log-from-snapshot: only the set at 100, at position 0; the old log is backed up.
    let (code, text) = tool(&node_dir, &["seed-recording-log-from-snapshot"]);
    assert_eq!(code, 0, "{text}");
    assert!(cluster_dir.join("recording.log.bak").is_file());
    let seeded = tool_json(&node_dir, &["recording-log"]);
    assert_eq!(
        entry_summary(&seeded),
        [("SNAPSHOT:0".to_owned(), 0, 0, true), ("SNAPSHOT:-1".to_owned(), 0, 0, true)],
        "{seeded}"
    );
    assert!(seeded["entries"].as_array().unwrap().iter().all(|e| e["term_base_log_position"] == 0));
    assert_eq!(tool(&node_dir, &["describe-latest-cm-snapshot"]).0, 2, "entries listed, content unreadable");
    let (code, text) = tool(&node_dir, &["invalidate-latest-snapshot"]);
    assert_eq!(code, 2, "as in Aeron, a snapshot without its TERM entry is an error: {text}");

    // A live mark file (this process): the tool reads it, and refuses to change recording.log.
    let clock = Arc::new(ManualClock::new(
        i64::try_from(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos())
            .unwrap(),
    ));
    let members = ClusterMember::parse("1,h:1,h:2,h:3,h:4,h:5").unwrap();
    let (mark_file, _) =
        NodeMarkFile::create(&cluster_dir, &mark_file_info(&node_dir), &members, clock).unwrap();
    mark_file.signal_ready();
    mark_file.record_error("something went wrong");
    assert_eq!(tool_json(&cluster_dir, &["pid"])["pid"], i64::from(std::process::id()));
    let described = tool_json(&node_dir, &["describe"]);
    assert_eq!(described["header"]["liveness"], "live", "{described}");
    assert!(described["counters"].is_null() && described["counters_error"].is_string(), "{described}");
    let errors = tool_json(&node_dir, &["errors"]);
    assert_eq!(errors["consensus_module"][0]["text"], "something went wrong", "{errors}");
    assert_eq!(errors["consensus_module"][0]["observations"], 1, "{errors}");
    let (code, text) = tool(&node_dir, &["errors"]);
    assert!(code == 0 && text.contains("1 observations") && text.contains("something went wrong"), "{text}");
    let members = tool_json(&node_dir, &["list-members"]);
    assert_eq!(members["members"][0]["ingress_endpoint"], "h:1", "{members}");
    assert_eq!(members["leader_member_id"], -1, "no driver: the leader is unknown");
    let (code, text) = tool(&node_dir, &["seed-recording-log-from-snapshot"]);
    assert_eq!(code, 2, "refused while the node is live: {text}");
    assert!(text.contains("is running"), "{text}");
    assert_eq!(tool(&node_dir, &["is-leader"]).0, 1, "no driver: not the leader");
    let (code, text) = tool(&node_dir, &["suspend"]);
    assert_eq!(code, 2, "no driver to toggle: {text}");
    mark_file.signal_terminated();
    assert_eq!(tool_json(&node_dir, &["describe"])["header"]["liveness"], "terminated");
}
