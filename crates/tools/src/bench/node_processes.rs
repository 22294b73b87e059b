//! [`NodeProcesses`]: `fulmar node` child processes on loopback (the tutorial's port scheme, 10 ports per
//! node, one base directory), for benchmarks that must kill a node for real (SIGKILL) and restart it in
//! its old directory.
//!
//! Each child's stdout and stderr lines are forwarded by a reader thread, stamped with the instant they
//! were read, and parsed for the `node N: role OLD -> NEW` lines `fulmar node` prints (its role counter
//! is sampled every 20 ms, so a role change is seen within about 20 ms) and `node N: election OLD -> NEW`
//! lines (a node starts as FOLLOWER before its first election, so following means FOLLOWER and an
//! election that reached CLOSED).
//!
//! Invariants: every child is killed and reaped, and the directory removed (unless kept), when the value
//! is dropped, on every exit path; a child that exits without being killed is an error
//! ([`NodeProcesses::check_alive`]); no wait in here is unbounded.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

use crate::node_output::{NodeLine, forward_lines};

use super::bench_state_service::BenchStateEvent;
use super::cluster_harness::PORTS_PER_NODE;

/// What to run.
#[derive(Debug, Clone)]
pub struct NodeProcessSettings {
    /// How many members.
    pub nodes: i32,
    /// Node 0's first port.
    pub base_port: u16,
    /// The base directory (`nodeN/` inside); created fresh, removed on drop unless `keep_dir`.
    pub dir: PathBuf,
    /// `fulmar node --service` value (e.g. `echo`).
    pub service: String,
    /// `--set key=value` settings for every node.
    pub overrides: Vec<String>,
    /// Print every line the nodes write.
    pub verbose: bool,
    /// Keep the directory at the end.
    pub keep_dir: bool,
}

/// A `bench-state` line (see [`super::bench_state_service`]) a node printed.
#[derive(Debug, Clone)]
pub struct NodeEvent {
    /// The node.
    pub node_id: i32,
    /// When the line was read.
    pub at: Instant,
    /// The parsed line.
    pub event: BenchStateEvent,
}

/// One child: the process, or `None` once it was killed and reaped.
struct Slot {
    child: Option<Child>,
}

/// A role change seen in a node's output.
#[derive(Debug, Clone, Copy)]
pub struct RoleChange {
    /// The node.
    pub node_id: i32,
    /// True if the new role is LEADER.
    pub leader: bool,
    /// When the line was read.
    pub at: Instant,
}

/// The running `fulmar node` children. Create with [`NodeProcesses::new`], start with
/// [`NodeProcesses::spawn`], call [`NodeProcesses::drain`] often.
pub struct NodeProcesses {
    settings: NodeProcessSettings,
    slots: Vec<Slot>,
    roles: Vec<String>,
    elections: Vec<String>,
    changes: Vec<RoleChange>,
    events: Vec<NodeEvent>,
    node_args: Vec<String>,
    lines: mpsc::Receiver<NodeLine>,
    sender: mpsc::Sender<NodeLine>,
}

impl std::fmt::Debug for NodeProcesses {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeProcesses").field("settings", &self.settings).field("roles", &self.roles).finish()
    }
}

impl NodeProcesses {
    /// Prepares a fresh directory; starts nothing yet.
    pub fn new(settings: NodeProcessSettings) -> anyhow::Result<Self> {
        if settings.dir.exists() {
            std::fs::remove_dir_all(&settings.dir)
                .with_context(|| format!("removing stale {}", settings.dir.display()))?;
        }
        std::fs::create_dir_all(&settings.dir)
            .with_context(|| format!("creating {}", settings.dir.display()))?;
        let (sender, lines) = mpsc::channel();
        let count = settings.nodes as usize;
        Ok(Self {
            settings,
            slots: (0..count).map(|_| Slot { child: None }).collect(),
            roles: vec!["NONE".to_owned(); count],
            elections: vec!["NONE".to_owned(); count],
            changes: Vec::new(),
            events: Vec::new(),
            node_args: Vec::new(),
            lines,
            sender,
        })
    }

    /// Extra `fulmar node` arguments for every node started from now on (e.g. `--service-option`).
    pub fn set_node_args(&mut self, node_args: Vec<String>) {
        self.node_args = node_args;
    }

    /// Starts (or restarts, in its old directory) node `node_id` as a child `fulmar node`.
    pub fn spawn(&mut self, node_id: i32) -> anyhow::Result<()> {
        let index = usize::try_from(node_id).ok().filter(|i| *i < self.slots.len()).context("node id")?;
        anyhow::ensure!(self.slots[index].child.is_none(), "node {node_id} is already running");
        let exe = std::env::current_exe().context("locating the fulmar executable")?;
        let hosts = vec!["127.0.0.1"; self.slots.len()].join(",");
        let mut command = Command::new(exe);
        command
            .args(["node", "--service", &self.settings.service, "--tutorial-node", &node_id.to_string()])
            .args(["--hosts", &hosts, "--base-port", &self.settings.base_port.to_string()])
            .args(["--ports-per-node", &PORTS_PER_NODE.to_string()])
            .arg("--dir")
            .arg(&self.settings.dir);
        for setting in &self.settings.overrides {
            command.args(["--set", setting]);
        }
        command.args(&self.node_args);
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting node {node_id}"))?;
        if let Some(stdout) = child.stdout.take() {
            forward_lines(node_id, false, stdout, self.sender.clone());
        }
        if let Some(stderr) = child.stderr.take() {
            forward_lines(node_id, true, stderr, self.sender.clone());
        }
        self.slots[index].child = Some(child);
        self.roles[index] = "NONE".to_owned();
        self.elections[index] = "NONE".to_owned();
        Ok(())
    }

    fn on_line(&mut self, line: NodeLine) {
        if self.settings.verbose || (line.stderr && !line.text.contains(": note:")) {
            eprintln!("[node {}] {}", line.node_id, line.text);
        }
        if line.stderr {
            return;
        }
        let body = line.text.split_once(": ").map_or(line.text.as_str(), |(_, body)| body);
        if let Some(event) = BenchStateEvent::parse(body) {
            self.events.push(NodeEvent { node_id: line.node_id, at: line.at, event });
        }
        if let Some(change) = body.strip_prefix("election ")
            && let Some((_, new)) = change.split_once(" -> ")
            && let Some(slot) = self.elections.get_mut(line.node_id as usize)
        {
            *slot = new.trim().to_owned();
        }
        if let Some(change) = body.strip_prefix("role ")
            && let Some((_, new)) = change.split_once(" -> ")
        {
            let role = new.split(',').next().unwrap_or(new).trim().to_owned();
            self.changes.push(RoleChange { node_id: line.node_id, leader: role == "LEADER", at: line.at });
            if let Some(slot) = self.roles.get_mut(line.node_id as usize) {
                *slot = role;
            }
        }
    }

    /// Handles every line read so far.
    pub fn drain(&mut self) {
        while let Ok(line) = self.lines.try_recv() {
            self.on_line(line);
        }
    }

    /// The role node `node_id` announced last (`NONE` before any, and after a restart).
    pub fn role(&self, node_id: i32) -> &str {
        self.roles.get(node_id as usize).map_or("NONE", String::as_str)
    }

    /// The election state node `node_id` announced last (`NONE` before any, and after a restart).
    pub fn election(&self, node_id: i32) -> &str {
        self.elections.get(node_id as usize).map_or("NONE", String::as_str)
    }

    /// True once node `node_id` (since its last start) announced the FOLLOWER role and then that its
    /// election ended (`election ... -> CLOSED`): it has caught up and follows the leader's log.
    pub fn is_following(&self, node_id: i32) -> bool {
        let index = node_id as usize;
        self.roles.get(index).is_some_and(|r| r == "FOLLOWER")
            && self.elections.get(index).is_some_and(|e| e == "CLOSED")
    }

    /// The running node that announced LEADER last, if exactly one did.
    pub fn leader(&self) -> Option<i32> {
        let leaders: Vec<i32> = (0..self.slots.len())
            .filter(|&i| self.slots[i].child.is_some() && self.roles[i] == "LEADER")
            .map(|i| i as i32)
            .collect();
        match leaders[..] {
            [leader] => Some(leader),
            _ => None,
        }
    }

    /// The `bench-state` lines seen so far, oldest first.
    pub fn events(&self) -> &[NodeEvent] {
        &self.events
    }

    /// The role changes seen so far, oldest first.
    pub fn role_changes(&self) -> &[RoleChange] {
        &self.changes
    }

    /// Errors if a node that should run has exited.
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        for (id, slot) in self.slots.iter_mut().enumerate() {
            if let Some(child) = slot.child.as_mut()
                && let Some(status) = child.try_wait().context("polling a node")?
            {
                slot.child = None;
                bail!("node {id} exited unexpectedly ({status})");
            }
        }
        Ok(())
    }

    /// Waits up to `timeout` (draining output) until exactly one node announces LEADER; returns it.
    pub fn await_leader(&mut self, timeout: Duration) -> anyhow::Result<i32> {
        let deadline = Instant::now() + timeout;
        loop {
            self.drain();
            self.check_alive()?;
            if let Some(leader) = self.leader() {
                return Ok(leader);
            }
            if Instant::now() >= deadline {
                bail!("no leader within {timeout:?} (roles {:?})", self.roles);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILLs node `node_id` and reaps it; returns when the signal was sent.
    pub fn kill(&mut self, node_id: i32) -> anyhow::Result<Instant> {
        let slot = self.slots.get_mut(node_id as usize).context("node id")?;
        let mut child = slot.child.take().with_context(|| format!("node {node_id} is not running"))?;
        let at = Instant::now();
        child.kill().with_context(|| format!("killing node {node_id}"))?;
        child.wait().context("reaping the killed node")?;
        self.roles[node_id as usize] = "KILLED".to_owned();
        Ok(at)
    }

    /// SIGTERM to every running node, then waits up to `timeout` for them to stop; SIGKILL for
    /// stragglers. Returns the ids that had to be killed.
    pub fn stop(&mut self, timeout: Duration) -> Vec<i32> {
        for child in self.slots.iter().filter_map(|s| s.child.as_ref()) {
            // SAFETY: kill(2) on our own child's pid, which has not been reaped yet.
            unsafe {
                libc::kill(child.id() as i32, libc::SIGTERM);
            }
        }
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline && self.slots.iter().any(|s| s.child.is_some()) {
            for slot in &mut self.slots {
                if let Some(child) = slot.child.as_mut()
                    && let Ok(Some(_)) = child.try_wait()
                {
                    slot.child = None;
                }
            }
            self.drain();
            std::thread::sleep(Duration::from_millis(20));
        }
        let mut killed = Vec::new();
        for (id, slot) in self.slots.iter_mut().enumerate() {
            if let Some(mut child) = slot.child.take() {
                let _ = child.kill();
                let _ = child.wait();
                killed.push(id as i32);
            }
        }
        killed
    }
}

impl Drop for NodeProcesses {
    fn drop(&mut self) {
        for slot in &mut self.slots {
            if let Some(mut child) = slot.child.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
        if self.settings.keep_dir {
            eprintln!("kept {}", self.settings.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.settings.dir);
        }
    }
}
