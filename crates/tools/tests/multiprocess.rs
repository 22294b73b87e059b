//! Multi-process exchanges through standalone `fulmar driver`s (IPC and UDP): real processes, mapped files,
//! `kill -9`. Every wait is bounded and every child is killed when a test ends.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(60);

/// A child process killed (SIGKILL) when dropped, whose stdout lines arrive on a channel.
struct Process {
    name: String,
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Process {
    fn spawn(name: &str, args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_fulmar"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {name}: {e}"));
        let stdout = child.stdout.take().expect("stdout");
        let (sender, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Self { name: name.to_owned(), child, lines }
    }

    fn wait_for_line(&self, expected: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(remaining) {
                Ok(line) if line.starts_with(expected) => return,
                Ok(_) => {}
                Err(_) => panic!("{} did not print {expected:?} within {WAIT:?}", self.name),
            }
        }
    }

    fn wait_success(&mut self) {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                assert!(status.success(), "{} exited with {status}", self.name);
                return;
            }
            assert!(Instant::now() < deadline, "{} did not finish within {WAIT:?}", self.name);
            thread::sleep(Duration::from_millis(10));
        }
    }

    fn signal(&self, signal: i32) {
        // SAFETY: plain syscall on our own child's pid.
        let result = unsafe { libc::kill(self.child.id() as i32, signal) };
        assert_eq!(result, 0, "kill({}, {signal})", self.name);
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A temporary driver directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let path = std::env::temp_dir().join(format!("fulmar-test-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        Self(path)
    }
    fn path(&self) -> &str {
        self.0.to_str().expect("utf-8 temp path")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn start_driver(dir: &TempDir, extra: &[&str]) -> Process {
    let mut args = vec!["driver", "--dir", dir.path(), "--idle", "backoff"];
    args.extend_from_slice(extra);
    let driver = Process::spawn("driver", &args);
    // Ready when the CnC version (written last, after the pid) is non-zero.
    let cnc = Path::new(dir.path()).join("cnc.dat");
    let deadline = Instant::now() + WAIT;
    loop {
        let version =
            std::fs::read(&cnc).ok().filter(|bytes| bytes.len() >= 4).map(|bytes| bytes[0..4] != [0; 4]);
        if version == Some(true) {
            return driver;
        }
        assert!(Instant::now() < deadline, "driver did not make {} ready", cnc.display());
        thread::sleep(Duration::from_millis(10));
    }
}

/// The value of the driver counter whose label is `label`, read with `fulmar stat --json`.
fn counter_value(dir: &TempDir, label: &str) -> i64 {
    let output = Command::new(env!("CARGO_BIN_EXE_fulmar"))
        .args(["stat", "--dir", dir.path(), "--json"])
        .output()
        .expect("run fulmar stat");
    assert!(output.status.success(), "fulmar stat failed: {}", String::from_utf8_lossy(&output.stderr));
    let stat: serde_json::Value = serde_json::from_slice(&output.stdout).expect("stat JSON");
    stat["counters"]
        .as_array()
        .expect("counters array")
        .iter()
        .find(|counter| counter["label"] == label)
        .and_then(|counter| counter["value"].as_i64())
        .unwrap_or_else(|| panic!("no counter labelled {label:?}"))
}

#[test]
fn two_processes_exchange_messages_through_a_standalone_driver() {
    let dir = TempDir::new("exchange");
    let mut driver = start_driver(&dir, &[]);
    let mut subscriber =
        Process::spawn("sub", &["sub", "--dir", dir.path(), "--count", "20000", "--publishers", "1"]);
    subscriber.wait_for_line("SUBSCRIBED");
    let mut publisher = Process::spawn(
        "pub",
        &["pub", "--dir", dir.path(), "--count", "20000", "--size", "200", "--exclusive"],
    );
    publisher.wait_success();
    subscriber.wait_for_line("RECEIVED 20000");
    subscriber.wait_success();

    driver.signal(libc::SIGTERM);
    driver.wait_success();
    assert!(!Path::new(dir.path()).exists(), "the driver removes its directory on a clean stop");
}

#[test]
fn publishers_in_two_processes_share_one_concurrent_publication() {
    let dir = TempDir::new("shared");
    let _driver = start_driver(&dir, &[]);
    let mut subscriber =
        Process::spawn("sub", &["sub", "--dir", dir.path(), "--count", "5000", "--publishers", "2"]);
    subscriber.wait_for_line("SUBSCRIBED");
    let mut first = Process::spawn(
        "pub-1",
        &["pub", "--dir", dir.path(), "--count", "5000", "--size", "100", "--publisher-id", "1"],
    );
    let mut second = Process::spawn(
        "pub-2",
        &["pub", "--dir", dir.path(), "--count", "5000", "--size", "3000", "--publisher-id", "2"],
    );
    first.wait_success();
    second.wait_success();
    subscriber.wait_success();
}

#[test]
fn a_client_killed_mid_offer_does_not_wedge_the_driver() {
    let dir = TempDir::new("killed");
    let _driver =
        start_driver(&dir, &["--publication-unblock-timeout", "500ms", "--client-liveness-timeout", "1s"]);
    let mut subscriber =
        Process::spawn("sub", &["sub", "--dir", dir.path(), "--publishers", "2", "--total", "2100"]);
    subscriber.wait_for_line("SUBSCRIBED");
    // Publisher 1 sends 100 messages, claims space for a 101st, and is killed before committing it.
    let doomed = Process::spawn(
        "doomed-pub",
        &["pub", "--dir", dir.path(), "--count", "1000", "--publisher-id", "1", "--hang-after-claim", "100"],
    );
    doomed.wait_for_line("CLAIMED");
    doomed.signal(libc::SIGKILL);
    drop(doomed);
    // Publisher 2 shares the same log: everything it appends sits behind the dead claim until the driver
    // unblocks it. It stays connected (--hold), so the publication is not draining: only the unblock
    // timeout can free the log. The subscriber must still receive all of it.
    let survivor = Process::spawn(
        "pub-2",
        &["pub", "--dir", dir.path(), "--count", "2000", "--publisher-id", "2", "--hold", "60s"],
    );
    survivor.wait_for_line("SENT 2000");
    subscriber.wait_for_line("RECEIVED 2100");
    subscriber.wait_success();
    assert!(
        counter_value(&dir, "Unblocked Publications") >= 1,
        "the dead claim must have been unblocked by the driver, not skipped some other way"
    );

    // The driver is still serving: a fresh exchange works.
    let mut late_subscriber =
        Process::spawn("sub-late", &["sub", "--dir", dir.path(), "--stream", "7", "--count", "100"]);
    late_subscriber.wait_for_line("SUBSCRIBED");
    let mut late_publisher =
        Process::spawn("pub-late", &["pub", "--dir", dir.path(), "--stream", "7", "--count", "100"]);
    late_publisher.wait_success();
    late_subscriber.wait_success();
}

#[test]
fn a_second_driver_refuses_a_directory_in_use() {
    let dir = TempDir::new("in-use");
    let _driver = start_driver(&dir, &[]);
    let mut second = Command::new(env!("CARGO_BIN_EXE_fulmar"))
        .args(["driver", "--dir", dir.path()])
        .stderr(Stdio::piped())
        .spawn()
        .expect("run second driver");
    let deadline = Instant::now() + WAIT;
    let status = loop {
        if let Some(status) = second.try_wait().expect("try_wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = second.kill();
            panic!("a second driver on a directory in use kept running");
        }
        thread::sleep(Duration::from_millis(10));
    };
    assert!(!status.success(), "a second driver on the same directory must fail");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut second.stderr.take().expect("stderr"), &mut stderr).expect("stderr");
    assert!(
        stderr.contains("in use") || stderr.contains("already") || stderr.contains("running"),
        "clear error, got: {stderr}"
    );
}

#[test]
fn two_drivers_in_two_processes_exchange_over_udp() {
    let sender_dir = TempDir::new("udp-sender");
    let receiver_dir = TempDir::new("udp-receiver");
    let _sender_driver = start_driver(&sender_dir, &["--threading-mode", "shared"]);
    let _receiver_driver = start_driver(&receiver_dir, &["--threading-mode", "dedicated"]);
    let port = std::net::UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let channel = format!("aeron:udp?endpoint=127.0.0.1:{port}|term-length=64k");
    let mut subscriber = Process::spawn(
        "udp-sub",
        &["sub", "--dir", receiver_dir.path(), "--channel", &channel, "--count", "20000"],
    );
    subscriber.wait_for_line("SUBSCRIBED");
    // Sizes above the MTU payload fragment; 20k messages of 300 bytes rotate the 64 KiB terms many times.
    let mut publisher = Process::spawn(
        "udp-pub",
        &[
            "pub",
            "--dir",
            sender_dir.path(),
            "--channel",
            &channel,
            "--count",
            "20000",
            "--size",
            "300",
            "--exclusive",
        ],
    );
    publisher.wait_success();
    subscriber.wait_for_line("RECEIVED 20000");
    subscriber.wait_success();
    assert!(counter_value(&sender_dir, "Status Messages received") > 0, "the sender saw status messages");
}
