//! The tutorial's `BasicAuctionClusteredServiceNode`: node N of a 3-node basic-auction cluster on this
//! host with the tutorial's ports (node N owns 9000 + 100 N ..), running until Ctrl-C.
//!
//! ```text
//! cargo run -p fulmar-samples --example basic_auction_node -- 0   # and 1, 2 in other terminals
//! cargo run -p fulmar-samples --example basic_auction_node -- 1 --dir /tmp/auction --hosts a,b,c
//! ```
//!
//! Data goes to `<dir>/node<N>/{driver,archive,cluster}` (default dir `target/basic-auction`).
//! `AERON_*` environment variables override settings (e.g. `AERON_CLUSTER_LEADER_HEARTBEAT_TIMEOUT=2s`).
#![allow(clippy::disallowed_methods)]

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::Duration;

use fulmar_samples::basic_auction::BasicAuctionClusteredService;
use fulmar_samples::node_support;
use node::{ClusterNode, ClusterNodeContext, NodeConfig, PortScheme};

fn usage() -> ! {
    eprintln!("usage: basic_auction_node <node-id> [--dir DIR] [--hosts h0,h1,h2]");
    std::process::exit(2);
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let node_id: i32 = args.next().and_then(|a| a.parse().ok()).unwrap_or_else(|| usage());
    let mut dir = PathBuf::from("target/basic-auction");
    let mut hosts = "localhost,localhost,localhost".to_owned();
    while let Some(flag) = args.next() {
        match (flag.as_str(), args.next()) {
            ("--dir", Some(value)) => dir = PathBuf::from(value),
            ("--hosts", Some(value)) => hosts = value,
            _ => usage(),
        }
    }
    let hostnames: Vec<&str> = hosts.split(',').collect();
    let mut sources = PortScheme::TUTORIAL.tutorial_sources(node_id, &hostnames, &dir)?;
    sources.add_env(std::env::vars());
    let config = NodeConfig::from_sources(&sources)?;
    let mut consensus = node_support::consensus_config(&config)?;
    consensus.seed = sys::entropy_seed();

    let signal = sys::ShutdownSignal::install()?;
    let service = BasicAuctionClusteredService::new();
    let stats = service.stats();
    let mut ctx =
        ClusterNodeContext::new(node_support::node_dir(&config), consensus, vec![Box::new(service)]);
    ctx.driver_threading_mode = driver::ThreadingMode::Shared;
    let mut node = ClusterNode::launch(ctx)?;
    println!("[{node_id}] Started Cluster Node on {}...", hostnames[node_id as usize]);

    let mut role = None;
    let mut accepted = 0;
    while node.is_running() && !signal.is_requested() {
        let current = node.counter(201);
        if current != role {
            println!("[{node_id}] role {:?} -> {:?} (0 follower, 1 candidate, 2 leader)", role, current);
            role = current;
        }
        let now_accepted = stats.bids_accepted.load(Ordering::Relaxed);
        if now_accepted != accepted {
            accepted = now_accepted;
            println!(
                "[{node_id}] auction: best price {} by customer {}",
                stats.best_price.load(Ordering::Relaxed),
                stats.winning_customer_id.load(Ordering::Relaxed)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    println!("[{node_id}] Exiting");
    if let Some(failure) = node.close() {
        return Err(failure.into());
    }
    Ok(())
}
