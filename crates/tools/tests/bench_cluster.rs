//! `fulmar bench cluster` and `fulmar bench failover` as programs: a short low-rate cluster run whose
//! JSON must show every message echoed, and one leader kill whose JSON must show a gap and a new
//! leader. These check that the benchmarks work, not the figures (benchmarks are never timed tests).
//! Every run is bounded (the child is killed past its deadline) and the two run one at a time, so two
//! clusters never share the 2-core machine.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

static ONE_CLUSTER_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Runs `fulmar args...`, killing it after `timeout`; returns (success, stdout, stderr).
fn run_fulmar(args: &[&str], timeout: Duration) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fulmar"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn fulmar");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err = thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("fulmar {args:?} ran longer than {timeout:?}; stderr: {}", err.join().unwrap_or_default());
        }
        thread::sleep(Duration::from_millis(50));
    };
    (status.success(), out.join().expect("stdout reader"), err.join().expect("stderr reader"))
}

fn json_line(stdout: &str) -> Value {
    let line =
        stdout.lines().rev().find(|l| l.starts_with('{')).unwrap_or_else(|| panic!("no JSON in {stdout}"));
    serde_json::from_str(line).expect("valid JSON")
}

#[test]
fn bench_cluster_echoes_every_message_and_reports_the_baseline() {
    let _one = ONE_CLUSTER_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let started = Instant::now();
    let (ok, stdout, stderr) = run_fulmar(
        &[
            "bench",
            "cluster",
            "--nodes",
            "3",
            "--size",
            "288",
            "--rate",
            "500",
            "--duration",
            "2s",
            "--warmup",
            "500ms",
            "--json",
        ],
        Duration::from_secs(60),
    );
    assert!(ok, "bench cluster failed: {stdout}\n{stderr}");
    let report = json_line(&stdout);
    assert_eq!(report["benchmark"], "cluster");
    assert_eq!(report["nodes"], 3);
    assert_eq!(report["size"], 288);
    assert_eq!(report["lost"], 0, "{report}");
    assert!(report["baseline_latency"]["p50_ns"].as_u64().unwrap() > 0, "{report}");
    let steps = report["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 1);
    let step = &steps[0];
    assert_eq!(step["rate"], 500);
    assert_eq!(step["lost"], 0, "{step}");
    assert!(step["failure"].is_null(), "{step}");
    let sent = step["sent"].as_u64().unwrap();
    assert_eq!(sent, 1250, "2.5 s at 500 msg/s, warm-up included");
    assert_eq!(step["received"].as_u64().unwrap(), sent);
    assert_eq!(step["latency"]["count"].as_u64().unwrap(), 1000, "only the 2 s after the warm-up");
    let p50 = step["latency"]["p50_ns"].as_u64().unwrap();
    assert!(p50 > 0 && p50 <= step["latency"]["p99_ns"].as_u64().unwrap(), "{step}");
    assert!(step["p50_ratio_to_baseline"].as_f64().unwrap() > 0.0, "{step}");
    assert!(report.get("max_rate_with_p99_under_1ms").is_some());
    eprintln!("bench cluster took {:?}", started.elapsed());
}

#[test]
fn bench_failover_kills_the_leader_and_measures_the_gap() {
    let _one = ONE_CLUSTER_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let started = Instant::now();
    let (ok, stdout, stderr) = run_fulmar(
        &["bench", "failover", "--repeat", "1", "--rate", "500", "--json"],
        Duration::from_secs(90),
    );
    assert!(ok, "bench failover failed: {stdout}\n{stderr}");
    let report = json_line(&stdout);
    assert_eq!(report["benchmark"], "failover");
    assert_eq!(report["heartbeat_timeout_ms"].as_f64(), Some(1000.0));
    assert!(report["error"].is_null(), "{report}");
    let rounds = report["rounds"].as_array().expect("rounds");
    assert_eq!(rounds.len(), 1, "{report}");
    let round = &rounds[0];
    assert_ne!(round["killed_node"], round["new_leader"], "{round}");
    let gap_ms = round["gap_ms"].as_f64().unwrap();
    // A new leader cannot take over before the survivors notice the silence (the heartbeat timeout).
    assert!(gap_ms >= 900.0, "{round}");
    let first_after = round["first_reply_after_kill_ms"].as_f64().unwrap();
    let last_before = round["last_reply_before_kill_ms"].as_f64().unwrap();
    assert!((first_after + last_before - gap_ms).abs() < 0.01, "gap = last before + first after: {round}");
    assert_eq!(report["gap_max_ms"].as_f64(), Some(gap_ms));
    assert!(report["received"].as_u64().unwrap() > 0);
    eprintln!("bench failover took {:?}", started.elapsed());
}
