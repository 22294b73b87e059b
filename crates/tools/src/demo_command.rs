//! `fulmar demo`: the Aeron Cluster tutorial in one command. Starts three `fulmar node` processes running
//! the basic auction (test-unique ports, a temporary directory), waits for a leader, runs a bidding
//! client, kills the leader with SIGKILL part-way through, and shows the client carrying on with the new
//! leader on the same session; then prints the figures (bids sent / acknowledged / lost, fail-over
//! times) and stops the surviving nodes gracefully.
//!
//! Invariants: every wait is bounded (the whole demo by [`DEMO_DEADLINE`]); the child processes are
//! killed and the temporary directory removed on every exit path (the [`DemoCluster`] guard's drop);
//! nothing spins: the client loop sleeps 1 ms when idle and the nodes back off.

use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

use crate::node_output::{NodeLine, forward_lines};
use clap::Args;
use node::PortScheme;
use samples::basic_auction::{BasicAuctionClusterClient, ClientEvent, ClientSettings};
use samples::client_runtime::ClientRuntime;
use sys::ShutdownSignal;

use crate::bench::cli_parse::parse_duration_ns;

/// The whole demo must finish within this.
pub const DEMO_DEADLINE: Duration = Duration::from_secs(55);
/// Nodes in the demo cluster.
const NODE_COUNT: i32 = 3;
/// Ports per node of the demo's port scheme (the tutorial's offsets fit in 10).
const PORTS_PER_NODE: u16 = 10;
/// How long a restarted node may take to follow again.
const RESTART_WAIT: Duration = Duration::from_secs(15);
/// How long a restarted follower gets to catch up before the states are compared.
const RESTART_CATCH_UP: Duration = Duration::from_secs(2);
/// Most bids the client sends (it stops after `--acks-after` acknowledgements past the fail-over).
const MAX_BIDS: u32 = 1_000;
/// The client's connect timeout and how long it waits for a new leader.
const CLIENT_TIMEOUT_NS: i64 = 20_000_000_000;

/// Arguments of `fulmar demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Acknowledged bids before the leader is killed.
    #[arg(long, default_value_t = 10)]
    pub kill_after: u64,
    /// Acknowledged bids after the fail-over before the client stops bidding.
    #[arg(long, default_value_t = 10)]
    pub acks_after: u64,
    /// Upper bound of the random pause between bids (e.g. 200ms).
    #[arg(long, default_value = "200ms", value_parser = parse_duration_ns)]
    pub bid_interval: i64,
    /// The bidding customer's id.
    #[arg(long, default_value_t = 10)]
    pub customer: i64,
    /// Restart the killed node at the end and check that it catches up (says so if it cannot yet).
    #[arg(long)]
    pub restart: bool,
    /// Print every line the nodes write (stderr included).
    #[arg(long)]
    pub verbose: bool,
    /// Keep the temporary directory (node logs, archives) for inspection.
    #[arg(long)]
    pub keep_dir: bool,
}

/// One `fulmar node` child.
struct NodeProcess {
    child: Child,
    /// None while running; the exit status once it ended.
    exit: Option<ExitStatus>,
}

/// The three node processes and the temporary directory; dropping it kills what still runs and
/// removes the directory (unless kept).
struct DemoCluster {
    nodes: Vec<NodeProcess>,
    lines: mpsc::Receiver<NodeLine>,
    sender: mpsc::Sender<NodeLine>,
    dir: PathBuf,
    keep_dir: bool,
    verbose: bool,
    roles: Vec<String>,
    auction: Vec<Option<String>>,
    killed: Option<(i32, Instant)>,
    leader_elected_after_kill: Option<Duration>,
    started: Instant,
}

impl DemoCluster {
    fn new(dir: PathBuf, keep_dir: bool, verbose: bool) -> anyhow::Result<Self> {
        if dir.exists() {
            std::fs::remove_dir_all(&dir).with_context(|| format!("removing stale {}", dir.display()))?;
        }
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let (sender, lines) = mpsc::channel();
        Ok(Self {
            nodes: Vec::new(),
            lines,
            sender,
            dir,
            keep_dir,
            verbose,
            roles: vec!["NONE".to_owned(); NODE_COUNT as usize],
            auction: vec![None; NODE_COUNT as usize],
            killed: None,
            leader_elected_after_kill: None,
            started: Instant::now(),
        })
    }

    fn elapsed(&self) -> String {
        format!("{:6.2}s", self.started.elapsed().as_secs_f64())
    }

    fn spawn(&mut self, node_id: i32, base_port: u16) -> anyhow::Result<()> {
        let exe = std::env::current_exe().context("locating the fulmar executable")?;
        let hosts = vec!["127.0.0.1"; NODE_COUNT as usize].join(",");
        let mut child = Command::new(exe)
            .args(["node", "--service", "basic-auction", "--tutorial-node", &node_id.to_string()])
            .args(["--hosts", &hosts, "--base-port", &base_port.to_string()])
            .args(["--ports-per-node", &PORTS_PER_NODE.to_string()])
            .arg("--dir")
            .arg(&self.dir)
            .args([
                "--set",
                "aeron.threading.mode=SHARED",
                "--set",
                "aeron.cluster.leader.heartbeat.timeout=1s",
                "--set",
                "aeron.cluster.leader.heartbeat.interval=100ms",
                "--set",
                "aeron.cluster.startup.canvass.timeout=2s",
                "--set",
                "aeron.cluster.election.timeout=500ms",
            ])
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
        println!("{} started node {node_id} (pid {})", self.elapsed(), child.id());
        let index = node_id as usize;
        let node = NodeProcess { child, exit: None };
        if index < self.nodes.len() {
            self.nodes[index] = node;
            self.roles[index] = "NONE".to_owned();
            self.auction[index] = None;
        } else {
            self.nodes.push(node);
        }
        Ok(())
    }

    /// Handles one line: tracks roles and auction states, prints what matters.
    fn on_line(&mut self, line: NodeLine) {
        let id = line.node_id as usize;
        let body = line.text.split_once(": ").map_or(line.text.as_str(), |(_, body)| body).to_owned();
        if line.stderr {
            if self.verbose || !body.starts_with("note:") {
                println!("{}   [node {}] {}", self.elapsed(), line.node_id, line.text);
            }
            return;
        }
        if let Some(change) = body.strip_prefix("role ") {
            if let Some((_, new)) = change.split_once(" -> ") {
                let role = new.split(',').next().unwrap_or(new).trim().to_owned();
                if role == "LEADER"
                    && let Some((_, killed_at)) = self.killed
                    && self.leader_elected_after_kill.is_none()
                {
                    self.leader_elected_after_kill = Some(killed_at.elapsed());
                }
                self.roles[id] = role;
            }
            println!("{}   [node {}] {}", self.elapsed(), line.node_id, body);
        } else if body.starts_with("auction ") {
            self.auction[id] = Some(body.clone());
            if self.verbose {
                println!("{}   [node {}] {}", self.elapsed(), line.node_id, body);
            }
        } else if self.verbose || body.starts_with("started") || body.starts_with("stopped") {
            println!("{}   [node {}] {}", self.elapsed(), line.node_id, body);
        }
    }

    /// Handles every line received so far.
    fn drain(&mut self) {
        while let Ok(line) = self.lines.try_recv() {
            self.on_line(line);
        }
    }

    /// Waits up to `timeout` for one line, then handles the rest.
    fn drain_for(&mut self, timeout: Duration) {
        if let Ok(line) = self.lines.recv_timeout(timeout) {
            self.on_line(line);
        }
        self.drain();
    }

    /// Errors if a node that should run has exited.
    fn check_alive(&mut self) -> anyhow::Result<()> {
        for (id, node) in self.nodes.iter_mut().enumerate() {
            if node.exit.is_none()
                && let Some(status) = node.child.try_wait().context("polling a node")?
            {
                node.exit = Some(status);
                if self.killed.map(|(killed, _)| killed) != Some(id as i32) {
                    bail!("node {id} exited unexpectedly ({status})");
                }
            }
        }
        Ok(())
    }

    /// The live node that says it leads.
    fn leader(&self) -> Option<i32> {
        (0..self.nodes.len())
            .find(|&id| self.nodes[id].exit.is_none() && self.roles[id] == "LEADER")
            .map(|id| id as i32)
    }

    fn kill(&mut self, node_id: i32) -> anyhow::Result<()> {
        let node = &mut self.nodes[node_id as usize];
        let pid = node.child.id();
        self.killed = Some((node_id, Instant::now()));
        node.child.kill().with_context(|| format!("killing node {node_id}"))?;
        node.exit = Some(node.child.wait().context("reaping the killed node")?);
        println!();
        println!("{} *** SIGKILL -> leader node {node_id} (pid {pid}) ***", self.elapsed());
        println!();
        Ok(())
    }

    /// SIGTERM to every live node, then waits (bounded) for them to stop; SIGKILL for stragglers.
    fn stop(&mut self, timeout: Duration) -> Vec<(i32, String)> {
        for node in self.nodes.iter().filter(|n| n.exit.is_none()) {
            // SAFETY: a plain kill(2) on our own child's pid.
            unsafe {
                libc::kill(node.child.id() as i32, libc::SIGTERM);
            }
        }
        let deadline = Instant::now() + timeout;
        let mut outcomes = Vec::new();
        while Instant::now() < deadline && self.nodes.iter().any(|n| n.exit.is_none()) {
            for node in self.nodes.iter_mut().filter(|n| n.exit.is_none()) {
                if let Ok(Some(status)) = node.child.try_wait() {
                    node.exit = Some(status);
                }
            }
            self.drain_for(Duration::from_millis(20));
        }
        for (id, node) in self.nodes.iter_mut().enumerate() {
            if node.exit.is_none() {
                let _ = node.child.kill();
                node.exit = node.child.wait().ok();
                outcomes.push((id as i32, "did not stop in time: killed".to_owned()));
            }
        }
        self.drain_for(Duration::from_millis(50));
        outcomes
    }
}

impl Drop for DemoCluster {
    fn drop(&mut self) {
        for node in self.nodes.iter_mut().filter(|n| n.exit.is_none()) {
            let _ = node.child.kill();
            node.exit = node.child.wait().ok();
        }
        if self.keep_dir {
            println!("kept {}", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn ms(duration: Duration) -> String {
    format!("{:.0} ms", duration.as_secs_f64() * 1e3)
}

/// Runs the demo.
pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    if args.kill_after == 0 || args.acks_after == 0 {
        bail!("--kill-after and --acks-after must be at least 1");
    }
    let signal = ShutdownSignal::install().context("installing signal handlers")?;
    let deadline = Instant::now() + DEMO_DEADLINE;
    let pid = sys::current_pid();
    let base_port = 10_000 + (pid % 550) as u16 * 40;
    let dir = std::env::temp_dir().join(format!("fulmar-demo-{pid}"));
    let mut demo = DemoCluster::new(dir.clone(), args.keep_dir, args.verbose)?;

    println!("fulmar demo: the Aeron Cluster tutorial's basic auction on a 3-node cluster");
    println!(
        "  nodes: 3 `fulmar node` processes on 127.0.0.1, ports {base_port}..{}",
        base_port + 3 * PORTS_PER_NODE
    );
    println!("  data:  {}", dir.display());
    println!();
    for node_id in 0..NODE_COUNT {
        demo.spawn(node_id, base_port)?;
    }
    let leader = loop {
        if let Some(leader) = demo.leader() {
            break leader;
        }
        demo.check_alive()?;
        check_time(deadline, &signal, "waiting for a leader")?;
        demo.drain_for(Duration::from_millis(50));
    };
    println!("{} node {leader} leads; connecting the bidding client", demo.elapsed());

    let scheme = PortScheme { base_port, ports_per_node: PORTS_PER_NODE };
    let endpoints = (0..NODE_COUNT)
        .map(|id| {
            scheme
                .endpoint(id, "127.0.0.1", node::port_scheme::INGRESS_PORT_OFFSET)
                .map(|e| format!("{id}={e}"))
        })
        .collect::<Result<Vec<_>, _>>()?
        .join(",");
    let egress = format!("127.0.0.1:{}", base_port + NODE_COUNT as u16 * PORTS_PER_NODE);
    let mut runtime =
        ClientRuntime::launch(&dir.join("client"), "fulmar-demo").map_err(anyhow::Error::msg)?;
    let mut cluster =
        runtime.connect_cluster(&endpoints, &egress, CLIENT_TIMEOUT_NS).context("client connect")?;
    let session_id = cluster.cluster_session_id();
    let first_leader = cluster.leader_member_id();
    let first_term = cluster.leadership_term_id();
    println!(
        "{} client connected: cluster session {session_id}, leader node {first_leader}, term {first_term}",
        demo.elapsed()
    );
    println!();

    let settings = ClientSettings {
        response_timeout_ns: 3_000_000_000,
        ..ClientSettings::tutorial(args.customer, MAX_BIDS, args.bid_interval)
    };
    let mut client = BasicAuctionClusterClient::new(settings);
    let mut new_leader_seen_after: Option<Duration> = None;
    let mut first_ack_after: Option<Duration> = None;
    let mut acks_after_kill = 0u64;
    let mut client_state = cluster.state();
    while !client.is_finished() {
        check_time(deadline, &signal, "bidding")?;
        let now_ns = runtime.now_ns();
        let mut work = runtime.do_work();
        work += client.step(&mut cluster, now_ns);
        while let Some(event) = client.pop_event() {
            let killed_at = demo.killed.map(|(_, at)| at);
            match &event {
                ClientEvent::NewLeader { .. } if killed_at.is_some() && new_leader_seen_after.is_none() => {
                    new_leader_seen_after = killed_at.map(|at| at.elapsed());
                }
                ClientEvent::Response { latency_ns: Some(_), .. } if killed_at.is_some() => {
                    acks_after_kill += 1;
                    if acks_after_kill == args.acks_after {
                        client.stop_bidding();
                    }
                    if first_ack_after.is_none() {
                        first_ack_after = killed_at.map(|at| at.elapsed());
                    }
                }
                _ => {}
            }
            println!("{}   client: {event}", demo.elapsed());
        }
        if cluster.state() != client_state {
            println!("{}   client: session state {client_state:?} -> {:?}", demo.elapsed(), cluster.state());
            client_state = cluster.state();
        }
        demo.drain();
        demo.check_alive()?;
        if cluster.is_closed() {
            bail!("the cluster closed the client's session: {:?}", cluster.last_error());
        }
        if demo.killed.is_none() && client.stats().bids_acknowledged >= args.kill_after {
            demo.kill(cluster.leader_member_id())?;
        }
        if work == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    let final_session = cluster.cluster_session_id();
    let final_leader = cluster.leader_member_id();
    let final_term = cluster.leadership_term_id();
    let stats = client.stats();
    cluster.close();
    runtime.do_work();

    let restarted = match (args.restart, demo.killed) {
        (true, Some((killed_id, _))) => {
            restart(&mut demo, killed_id, base_port, deadline)?;
            Some(killed_id)
        }
        _ => None,
    };
    println!();
    println!("{} stopping the nodes (SIGTERM)", demo.elapsed());
    let stragglers = demo.stop(Duration::from_secs(10));
    runtime.close();

    let killed = demo.killed.map(|(id, _)| id);
    println!();
    println!("Summary");
    println!(
        "  cluster session      : {session_id} -> {final_session} ({})",
        if session_id == final_session { "the same session throughout" } else { "CHANGED" }
    );
    println!(
        "  leader               : node {first_leader} (term {first_term}) -> node {final_leader} (term {final_term})"
    );
    println!("  killed               : node {}", killed.map_or("none".to_owned(), |id| id.to_string()));
    println!(
        "  bids                 : {} sent, {} acknowledged ({} won), {} lost in the fail-over, {} late answers",
        stats.bids_sent, stats.bids_acknowledged, stats.bids_succeeded, stats.bids_lost, stats.late_responses
    );
    println!("  acknowledged after the kill: {acks_after_kill}");
    println!(
        "  fail-over            : new leader elected {} after the kill; client told {} after; first bid \
         acknowledged {} after",
        demo.leader_elected_after_kill.map_or("?".to_owned(), ms),
        new_leader_seen_after.map_or("?".to_owned(), ms),
        first_ack_after.map_or("?".to_owned(), ms),
    );
    println!("  client's last price  : {}", client.last_bid_seen());
    for (id, state) in demo.auction.iter().enumerate() {
        if Some(id as i32) != killed
            && let Some(state) = state
        {
            println!("  node {id} final state   : {state}");
        }
    }
    for (id, outcome) in &stragglers {
        println!("  node {id}: {outcome}");
    }
    if let Some(id) = restarted {
        let restored = demo.auction[id as usize].clone();
        let survivors: Vec<Option<String>> = (0..NODE_COUNT)
            .filter(|other| *other != id)
            .map(|other| demo.auction[other as usize].clone())
            .collect();
        if restored.is_some() && survivors.iter().all(|state| *state == restored) {
            println!("  restart              : node {id} rejoined and replayed the log; its state matches");
        } else {
            println!(
                "  restart              : node {id} did not catch up ({}): restarting a killed node and \
                 replaying its log is not supported by fulmar yet",
                restored.unwrap_or_else(|| "no state reported".to_owned())
            );
        }
    }
    println!("  total time           : {:.1} s", demo.started.elapsed().as_secs_f64());

    if session_id != final_session {
        bail!("the client's session changed across the fail-over");
    }
    if killed.is_none() || killed == Some(final_leader) {
        bail!("the leader did not change");
    }
    if acks_after_kill == 0 {
        bail!("no bid was acknowledged after the fail-over");
    }
    Ok(())
}

/// Restarts the killed node in its old directory and waits (bounded) for it to follow again and catch
/// up; the summary then compares its state with the others'.
fn restart(demo: &mut DemoCluster, node_id: i32, base_port: u16, deadline: Instant) -> anyhow::Result<()> {
    println!();
    println!(
        "{} restarting node {node_id} in its old directory (it must recover and catch up)",
        demo.elapsed()
    );
    demo.spawn(node_id, base_port)?;
    let index = node_id as usize;
    let wait_until = (Instant::now() + RESTART_WAIT).min(deadline);
    let mut follower_since: Option<Instant> = None;
    while Instant::now() < wait_until && demo.nodes[index].exit.is_none() {
        if let Ok(Some(status)) = demo.nodes[index].child.try_wait() {
            println!("{} node {node_id} exited after the restart ({status})", demo.elapsed());
            demo.nodes[index].exit = Some(status);
            break;
        }
        demo.drain_for(Duration::from_millis(50));
        if demo.roles[index] == "FOLLOWER" {
            // Give it a moment to replay and catch up before the final states are compared.
            if follower_since.get_or_insert_with(Instant::now).elapsed() >= RESTART_CATCH_UP {
                break;
            }
        }
    }
    Ok(())
}

fn check_time(deadline: Instant, signal: &ShutdownSignal, what: &str) -> anyhow::Result<()> {
    if signal.is_requested() {
        bail!("interrupted while {what}");
    }
    if Instant::now() >= deadline {
        bail!("timed out ({DEMO_DEADLINE:?}) while {what}");
    }
    Ok(())
}
