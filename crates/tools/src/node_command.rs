//! `fulmar node`: one cluster member (media driver, archive, consensus module and a built-in clustered
//! service) in this process, until SIGINT/SIGTERM (the tutorial's `BasicAuctionClusteredServiceNode`).
//!
//! Configuration, lowest precedence first: the tutorial's settings when `--tutorial-node N` is given
//! (members from `--hosts` and the port scheme, directories under `--dir`), the `--config` TOML file,
//! `AERON_*` environment variables, then `--set key=value` overrides — all named by Aeron's keys
//! (`aeron.cluster.members`, `aeron.cluster.member.id`, ...).
//!
//! Output (stdout, one line per event, stable enough for scripts and `fulmar demo`):
//! - `node N: started ...` once the agents run;
//! - `node N: role OLD -> NEW, commit position P` on every role change (the first line has
//!   `OLD` = `NONE`);
//! - `node N: election OLD -> NEW` on every election state change (Aeron's ELECTION_STATE_CHANGE; the
//!   counter is sampled every 20 ms, so very short states may be skipped);
//! - `node N: auction best price P by customer C (A accepted, R rejected)` at most once a second while
//!   the basic auction changes;
//! - `node N: stopping` / `node N: stopped` on a signal.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use node::{ClusterNode, ClusterNodeContext, ConfigSources, NodeConfig, PortScheme};
use samples::basic_auction::{AuctionStats, BasicAuctionClusteredService};
use samples::node_support;
use service::ClusteredService;
use service::samples::EchoService;
use sys::ShutdownSignal;

use crate::bench::bench_state_service::{BenchStateOptions, BenchStateService};

/// The services `fulmar node` can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ServiceKind {
    /// Echoes every client message back.
    Echo,
    /// The tutorial's basic auction.
    BasicAuction,
    /// `fulmar bench recovery`'s service: echoes, counts, and holds state it snapshots (settings from
    /// `--service-option`).
    BenchState,
}

/// Arguments of `fulmar node`.
#[derive(Debug, Args)]
pub struct NodeArgs {
    /// The clustered service to run.
    #[arg(long, value_enum, default_value = "basic-auction")]
    pub service: ServiceKind,
    /// A setting of the service `key=value` (repeatable; bench-state: `state-bytes=100m`,
    /// `announce-at=200000`).
    #[arg(long = "service-option", value_name = "KEY=VALUE")]
    pub service_options: Vec<String>,
    /// A TOML file of Aeron keys (e.g. `[aeron.cluster] members = "..."`).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// An override `key=value` (repeatable), e.g. `--set aeron.cluster.member.id=1`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,
    /// Use the tutorial's layout for node N: members from --hosts and the port scheme, directories
    /// `<dir>/nodeN/{driver,archive,cluster}`.
    #[arg(long)]
    pub tutorial_node: Option<i32>,
    /// The hosts of nodes 0, 1, 2, ... for --tutorial-node (comma-separated).
    #[arg(long, default_value = "localhost,localhost,localhost")]
    pub hosts: String,
    /// First port of node 0's range in the tutorial's port scheme.
    #[arg(long, default_value_t = PortScheme::TUTORIAL.base_port)]
    pub base_port: u16,
    /// Ports per node in the tutorial's port scheme.
    #[arg(long, default_value_t = PortScheme::TUTORIAL.ports_per_node)]
    pub ports_per_node: u16,
    /// With --tutorial-node: the base directory (default `fulmar-cluster`); otherwise the node
    /// directory (default: from `aeron.cluster.dir`).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

/// Loads the layered configuration of `args`.
fn load_config(args: &NodeArgs) -> anyhow::Result<NodeConfig> {
    let mut sources = match args.tutorial_node {
        Some(node_id) => {
            let hosts: Vec<&str> = args.hosts.split(',').map(str::trim).collect();
            let scheme = PortScheme { base_port: args.base_port, ports_per_node: args.ports_per_node };
            let base = args.dir.clone().unwrap_or_else(|| PathBuf::from("fulmar-cluster"));
            scheme.tutorial_sources(node_id, &hosts, &base).context("tutorial configuration")?
        }
        None => ConfigSources::new(),
    };
    if let Some(path) = &args.config {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        sources.add_toml(&text).with_context(|| format!("in {}", path.display()))?;
    }
    sources.add_env(std::env::vars());
    for assignment in &args.overrides {
        sources.add_override(assignment)?;
    }
    Ok(NodeConfig::from_sources(&sources)?)
}

fn role_name(code: Option<i64>) -> &'static str {
    match code {
        Some(0) => "FOLLOWER",
        Some(1) => "CANDIDATE",
        Some(2) => "LEADER",
        Some(_) => "UNKNOWN",
        None => "NONE",
    }
}

fn election_state_name(code: Option<i64>) -> &'static str {
    code.and_then(|code| i32::try_from(code).ok())
        .and_then(cluster::ElectionState::from_code)
        .map_or("NONE", cluster::ElectionState::name)
}

/// Runs the node until SIGINT/SIGTERM or an agent failure.
pub fn run(args: NodeArgs) -> anyhow::Result<()> {
    let config = load_config(&args)?;
    if !args.service_options.is_empty() && args.service != ServiceKind::BenchState {
        bail!("--service-option applies to --service bench-state only");
    }
    if config.service_count != 1 {
        bail!("aeron.cluster.service.count={}: fulmar node runs one built-in service", config.service_count);
    }
    let mut consensus = node_support::consensus_config(&config).map_err(anyhow::Error::msg)?;
    // Nodes started together must draw different nomination delays (see `consensus_config`).
    consensus.seed = sys::entropy_seed();
    let node_dir = match (&args.dir, args.tutorial_node) {
        (Some(dir), None) => dir.clone(),
        _ => node_support::node_dir(&config),
    };
    let member_id = config.member_id;
    let unused: Vec<String> = node_support::unsupported_settings(&config, &node_dir)
        .into_iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect();
    if !unused.is_empty() {
        eprintln!("node {member_id}: note: not used by this node yet: {}", unused.join(" "));
    }
    let signal = ShutdownSignal::install().context("installing signal handlers")?;
    let mut auction_stats: Option<Arc<AuctionStats>> = None;
    let service: Box<dyn ClusteredService + Send> = match args.service {
        ServiceKind::Echo => Box::new(EchoService::new()),
        ServiceKind::BenchState => {
            Box::new(BenchStateService::new(BenchStateOptions::parse(&args.service_options)?, member_id))
        }
        ServiceKind::BasicAuction => {
            let service = BasicAuctionClusteredService::new();
            auction_stats = Some(service.stats());
            Box::new(service)
        }
    };
    let mut ctx = ClusterNodeContext::new(&node_dir, consensus, vec![service]);
    ctx.driver_threading_mode = node_support::driver_threading_mode(config.threading_mode);
    ctx.idle_strategy = config.idle_strategy;
    ctx.archive_segment_length = ctx.archive_segment_length.max(
        i32::try_from(node_support::channel_term_length(&config.log_channel).unwrap_or(0))
            .unwrap_or(i32::MAX),
    );
    let mut node = ClusterNode::launch(ctx).with_context(|| format!("starting node {member_id}"))?;
    println!(
        "node {member_id}: started (service {:?}, dir {}, pid {}, ingress {})",
        args.service,
        node_dir.display(),
        sys::current_pid(),
        config.this_member().ingress_endpoint
    );

    let mut role: Option<i64> = None;
    let mut election: Option<i64> = None;
    let mut last_auction = (0u64, 0u64);
    let mut last_auction_print = Instant::now() - Duration::from_secs(1);
    while node.is_running() && !signal.is_requested() {
        let current = node.counter(protocol::cluster::defaults::CLUSTER_NODE_ROLE_TYPE_ID);
        if current.is_some() && current != role {
            println!(
                "node {member_id}: role {} -> {}, commit position {}",
                role_name(role),
                role_name(current),
                node.counter(protocol::cluster::defaults::COMMIT_POSITION_TYPE_ID).unwrap_or(-1),
            );
            role = current;
        }
        let current = node.counter(protocol::cluster::defaults::ELECTION_STATE_TYPE_ID);
        if current.is_some() && current != election {
            println!(
                "node {member_id}: election {} -> {}",
                election_state_name(election),
                election_state_name(current)
            );
            election = current;
        }
        if let Some(stats) = &auction_stats {
            let counts =
                (stats.bids_accepted.load(Ordering::Relaxed), stats.bids_rejected.load(Ordering::Relaxed));
            if counts != last_auction && last_auction_print.elapsed() >= Duration::from_secs(1) {
                println!(
                    "node {member_id}: auction best price {} by customer {} ({} accepted, {} rejected)",
                    stats.best_price.load(Ordering::Relaxed),
                    stats.winning_customer_id.load(Ordering::Relaxed),
                    counts.0,
                    counts.1
                );
                last_auction = counts;
                last_auction_print = Instant::now();
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    if signal.is_requested() {
        println!("node {member_id}: stopping");
    }
    if let Some(stats) = &auction_stats {
        println!(
            "node {member_id}: auction best price {} by customer {} ({} accepted, {} rejected)",
            stats.best_price.load(Ordering::Relaxed),
            stats.winning_customer_id.load(Ordering::Relaxed),
            stats.bids_accepted.load(Ordering::Relaxed),
            stats.bids_rejected.load(Ordering::Relaxed)
        );
    }
    let failure = node.close();
    match failure {
        Some(failure) => bail!("node {member_id} failed: {failure}"),
        None => {
            println!("node {member_id}: stopped");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(tutorial_node: Option<i32>, config: Option<PathBuf>, overrides: &[&str]) -> NodeArgs {
        NodeArgs {
            service: ServiceKind::BasicAuction,
            service_options: Vec::new(),
            config,
            overrides: overrides.iter().map(|s| (*s).to_owned()).collect(),
            tutorial_node,
            hosts: "a,b,c".to_owned(),
            base_port: 9000,
            ports_per_node: 100,
            dir: Some(PathBuf::from("/var/auction")),
        }
    }

    #[test]
    fn tutorial_then_file_then_overrides() {
        let path = std::env::temp_dir().join(format!("fulmar-node-command-{}.toml", std::process::id()));
        std::fs::write(&path, "[aeron.cluster]\nsession.timeout = \"3s\"\nmax.sessions = 4\n").unwrap();
        let config =
            load_config(&args(Some(2), Some(path.clone()), &["aeron.cluster.session.timeout=4s"])).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(config.member_id, 2);
        assert_eq!(config.this_member().ingress_endpoint, "c:9202");
        assert_eq!(config.max_sessions, 4, "from the file");
        assert_eq!(config.session_timeout_ns, 4_000_000_000, "the override wins over the file");
        assert_eq!(config.cluster_dir, "/var/auction/node2/cluster");
        assert_eq!(node_support::node_dir(&config), PathBuf::from("/var/auction/node2"));
    }

    #[test]
    fn errors_name_the_problem() {
        let error = load_config(&args(Some(3), None, &[])).unwrap_err();
        assert!(format!("{error:#}").contains("node id"), "{error:#}");
        let error = load_config(&args(None, None, &[])).unwrap_err();
        assert!(format!("{error:#}").contains("aeron.cluster.members"), "{error:#}");
        let missing = args(Some(0), Some(PathBuf::from("/nonexistent/fulmar.toml")), &[]);
        assert!(format!("{:#}", load_config(&missing).unwrap_err()).contains("/nonexistent/fulmar.toml"));
        let error = load_config(&args(Some(0), None, &["aeron.cluster.nope=1"])).unwrap_err();
        assert!(format!("{error:#}").contains("aeron.cluster.nope"), "{error:#}");
        assert_eq!(role_name(Some(2)), "LEADER");
        assert_eq!(role_name(None), "NONE");
    }
}
