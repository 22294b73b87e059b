//! `fulmar bench recovery` as a program, in a tiny configuration (2000 messages, a 2 MiB snapshot): the
//! run must succeed and its JSON must report positive figures for the log replay, the snapshot take and
//! load, and their raw-replay baselines. This checks that the benchmark works, not the figures. The run
//! is bounded (the child is killed past its deadline; it removes its own directories and node
//! processes, and the test checks the directories are gone).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::io::Read;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

/// Runs `fulmar args...`, killing it after `timeout`; returns (success, stdout, stderr, pid).
fn run_fulmar(args: &[&str], timeout: Duration) -> (bool, String, String, u32) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fulmar"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn fulmar");
    let pid = child.id();
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
    (status.success(), out.join().expect("stdout reader"), err.join().expect("stderr reader"), pid)
}

fn positive(value: &Value, what: &str) -> f64 {
    let number = value.as_f64().unwrap_or_else(|| panic!("{what} is not a number: {value}"));
    assert!(number > 0.0 && number.is_finite(), "{what} = {number}");
    number
}

#[test]
fn bench_recovery_replays_the_log_and_takes_and_loads_a_snapshot() {
    let started = Instant::now();
    let (ok, stdout, stderr, pid) = run_fulmar(
        &["bench", "recovery", "--messages", "2000", "--snapshot-mb", "2", "--timeout", "60s", "--json"],
        Duration::from_secs(180),
    );
    assert!(ok, "bench recovery failed: {stdout}\n{stderr}");
    let line =
        stdout.lines().rev().find(|l| l.starts_with('{')).unwrap_or_else(|| panic!("no JSON in {stdout}"));
    let report: Value = serde_json::from_str(line).expect("valid JSON");
    assert_eq!(report["benchmark"], "recovery");
    assert_eq!(report["nodes"], 1);
    assert_eq!(report["messages"], 2000);

    let replay = &report["replay"];
    assert_eq!(replay["messages"], 2000, "{replay}");
    assert!(replay["log_bytes"].as_u64().unwrap() >= 2000 * 64, "{replay}");
    positive(&replay["replay"]["messages_per_second"], "replay msg/s");
    positive(&replay["replay"]["megabytes_per_second"], "replay MB/s");
    positive(&replay["end_to_end"]["messages_per_second"], "end-to-end replay msg/s");
    positive(&replay["baseline"]["messages_per_second"], "raw replay msg/s");
    positive(&replay["replay_ratio_to_raw"], "replay ratio");

    let snapshot = &report["snapshot"];
    assert_eq!(snapshot["state_bytes"], 2 << 20, "{snapshot}");
    positive(&snapshot["take"]["megabytes_per_second"], "snapshot take MB/s");
    positive(&snapshot["load"]["megabytes_per_second"], "snapshot load MB/s");
    positive(&snapshot["load_end_to_end"]["seconds"], "snapshot load end to end");
    positive(&snapshot["baseline"]["megabytes_per_second"], "raw replay MB/s");
    positive(&snapshot["take_ratio_to_raw"], "take ratio");
    positive(&snapshot["load_ratio_to_raw"], "load ratio");

    for phase in ["replay", "snapshot"] {
        let dir = std::env::temp_dir().join(format!("fulmar-bench-recovery-{pid}-{phase}"));
        assert!(!dir.exists(), "{} was left behind", dir.display());
    }
    eprintln!("bench recovery took {:?}", started.elapsed());
}
