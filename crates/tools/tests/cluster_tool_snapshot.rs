//! `fulmar tool` snapshot commands against a real one-node cluster (`fulmar node` process): `snapshot`
//! takes a snapshot (the snapshot counter reaches 1), `describe-latest-cm-snapshot` reads the snapshot
//! recording from the node's archive directory and decodes it (text and JSON), `shutdown` takes a
//! second snapshot and stops the node, and a corrupted snapshot recording is reported with exit 2.
//! Every wait is bounded; the child is killed and the directory removed when the test ends, pass or
//! fail.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod support;
use support::TempDir;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use cluster_client::{AeronCluster, EgressListener};
use samples::client_runtime::ClientRuntime;
use serde_json::Value;

const DEADLINE: Duration = Duration::from_secs(40);

/// A `fulmar node` child, SIGKILLed when dropped; its stdout lines arrive on `lines`.
struct NodeProcess {
    child: Child,
    lines: mpsc::Receiver<String>,
    printed: Vec<String>,
}

impl NodeProcess {
    fn spawn(base_port: u16, dir: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_fulmar"))
            .args(["node", "--service", "echo", "--tutorial-node", "0"])
            .args(["--hosts", "127.0.0.1", "--base-port", &base_port.to_string()])
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
        Self { child, lines, printed: Vec::new() }
    }

    /// Everything the node printed so far.
    fn output(&mut self) -> String {
        while let Ok(line) = self.lines.try_recv() {
            self.printed.push(line);
        }
        self.printed.join("\n")
    }

    fn assert_running(&mut self) {
        if let Some(status) = self.child.try_wait().expect("try_wait") {
            panic!("the node exited: {status}; it printed:\n{}", self.output());
        }
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `fulmar tool <dir> <args>`: exit code and stdout followed by stderr.
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

/// The consensus-module (service id -1) SNAPSHOT entries of `recording-log --json`.
fn cm_snapshots(log: &Value) -> Vec<Value> {
    log["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["type"] == "SNAPSHOT" && e["service_id"] == -1)
        .cloned()
        .collect()
}

#[derive(Default)]
struct Echoes {
    received: usize,
}

impl EgressListener for Echoes {
    fn on_message(&mut self, _session: i64, _timestamp: i64, _payload: &[u8]) {
        self.received += 1;
    }
}

/// Keeps the client alive (and collects echoes) for `duration`.
fn poll(runtime: &ClientRuntime, cluster: &mut AeronCluster, echoes: &mut Echoes, duration: Duration) {
    let until = Instant::now() + duration;
    while Instant::now() < until {
        if runtime.do_work() + cluster.poll_egress(echoes) == 0 {
            thread::sleep(Duration::from_millis(1));
        }
    }
}

fn base_port() -> u16 {
    // Below the ephemeral range, distinct per test process (and from cluster_tool.rs's ranges).
    21_000 + (std::process::id() % 400) as u16 * 20
}

#[test]
fn snapshot_then_describe_latest_cm_snapshot_then_shutdown() {
    let dir = TempDir::new("cluster-tool-snapshot");
    let base = base_port();
    let mut node = NodeProcess::spawn(base, &dir.0);
    let node_dir = dir.0.join("node0");
    let deadline = Instant::now() + DEADLINE;
    while !node_dir.join("cluster").is_dir() || tool(&node_dir, &["is-leader"]).0 != 0 {
        node.assert_running();
        assert!(Instant::now() < deadline, "the node did not become leader:\n{}", node.output());
        thread::sleep(Duration::from_millis(50));
    }
    let described = tool_json(&node_dir, &["describe"]);
    assert_eq!(described["counters"]["snapshot_count"], 0, "{described}");

    // A client with an open session, so the snapshot holds one.
    let mut runtime = ClientRuntime::launch(&dir.0.join("client"), "cluster-tool-snapshot").expect("client");
    let mut cluster = runtime
        .connect_cluster(
            &format!("0=127.0.0.1:{}", base + 2),
            &format!("127.0.0.1:{}", base + 15),
            10_000_000_000,
        )
        .expect("client connects");
    let session_id = cluster.cluster_session_id();
    let mut echoes = Echoes::default();
    let echoed_by = Instant::now() + Duration::from_secs(10);
    let mut sent = 0;
    while echoes.received == 0 {
        assert!(Instant::now() < echoed_by, "no echo");
        if sent < 3 && cluster.offer(b"ping").is_ok() {
            sent += 1;
        }
        poll(&runtime, &mut cluster, &mut echoes, Duration::from_millis(10));
    }

    // snapshot: applied; the snapshot counter reaches 1 and recording.log holds the set.
    let (code, text) = tool(&node_dir, &["snapshot"]);
    assert_eq!(code, 0, "snapshot: {text}\nnode errors: {}", tool(&node_dir, &["errors"]).1);
    assert!(text.contains("SNAPSHOT applied successfully"), "{text}");
    let counted_by = Instant::now() + Duration::from_secs(10);
    loop {
        let (code, text) = tool(&node_dir, &["describe"]);
        assert_eq!(code, 0, "{text}");
        if text.contains("snapshotCount=1") {
            break;
        }
        node.assert_running();
        assert!(Instant::now() < counted_by, "the snapshot counter did not reach 1: {text}");
        poll(&runtime, &mut cluster, &mut echoes, Duration::from_millis(20));
    }
    let first = cm_snapshots(&tool_json(&node_dir, &["recording-log"]));
    assert_eq!(first.len(), 1, "{first:?}");
    let first_position = first[0]["log_position"].as_i64().expect("log position");
    assert!(first_position > 0, "{first:?}");

    // describe-latest-cm-snapshot decodes the recording the live node's archive wrote.
    let (code, text) = tool(&node_dir, &["describe-latest-cm-snapshot"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains(&format!("recordingId={}", first[0]["recording_id"])), "{text}");
    assert!(text.contains(&format!("Consensus module snapshot: logPosition={first_position} ")), "{text}");
    assert!(text.contains("Sessions: 1") && text.contains(&format!("session id={session_id} ")), "{text}");
    assert!(text.contains("state=OPEN") && text.contains("Timers: 0"), "{text}");
    let described = tool_json(&node_dir, &["describe-latest-cm-snapshot"]);
    let snapshot = &described["snapshot"];
    assert_eq!(described["recording_id"], first[0]["recording_id"], "{described}");
    assert_eq!(snapshot["log_position"], first_position, "{described}");
    assert_eq!(snapshot["leadership_term_id"], first[0]["leadership_term_id"], "{described}");
    assert_eq!(snapshot["sessions"][0]["cluster_session_id"], session_id, "{described}");
    assert_eq!(snapshot["sessions"][0]["close_reason"], Value::Null, "{described}");
    assert_eq!(snapshot["timers"], Value::Array(Vec::new()), "{described}");
    assert!(snapshot["next_session_id"].as_i64().is_some_and(|id| id > session_id), "{described}");
    assert_eq!(described["error"], Value::Null, "{described}");

    // More log after the snapshot, then the client leaves.
    let more_by = Instant::now() + Duration::from_secs(10);
    let before = echoes.received;
    while echoes.received == before {
        assert!(Instant::now() < more_by, "no echo after the snapshot");
        let _ = cluster.offer(b"pong");
        poll(&runtime, &mut cluster, &mut echoes, Duration::from_millis(10));
    }
    cluster.close();
    runtime.do_work();
    runtime.close();

    // shutdown: a second snapshot at the final position, then the node exits.
    let (code, text) = tool(&node_dir, &["shutdown"]);
    assert_eq!(code, 0, "shutdown: {text}");
    assert!(text.contains("SHUTDOWN applied successfully"), "{text}");
    let stopped_by = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = node.child.try_wait().expect("try_wait") {
            break status;
        }
        assert!(
            Instant::now() < stopped_by,
            "the node did not stop after SHUTDOWN; errors: {}\nnode printed:\n{}",
            tool(&node_dir, &["errors"]).1,
            node.output()
        );
        thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "node exit status {status}:\n{}", node.output());
    let log = tool_json(&node_dir, &["recording-log"]);
    let snapshots = cm_snapshots(&log);
    assert_eq!(snapshots.len(), 2, "{log}");
    let final_position = snapshots[1]["log_position"].as_i64().expect("log position");
    assert!(final_position > first_position, "the log grew after the first snapshot: {log}");
    let service_snapshots = log["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["type"] == "SNAPSHOT" && e["service_id"] == 0 && e["log_position"] == final_position)
        .count();
    assert_eq!(service_snapshots, 1, "the service snapshot of the second set: {log}");
    let (code, text) = tool(&node_dir, &["describe-latest-cm-snapshot"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains(&format!("logPosition={final_position} ")), "{text}");

    // A flipped byte in the snapshot's first message: exit 2 with a clear error.
    let recording_id = snapshots[1]["recording_id"].as_i64().expect("recording id");
    let segment = node_dir.join("archive").join(format!("{recording_id}-0.rec"));
    let mut bytes = std::fs::read(&segment).expect("snapshot segment file");
    bytes[32 + 12] ^= 0x01;
    std::fs::write(&segment, &bytes).expect("write segment");
    let (code, text) = tool(&node_dir, &["describe-latest-cm-snapshot"]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("checksum mismatch") && text.contains("unreadable"), "{text}");
    let (code, text) = tool(&node_dir, &["describe-latest-cm-snapshot", "--json"]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("\"snapshot\":null") && text.contains("checksum mismatch"), "{text}");
}
