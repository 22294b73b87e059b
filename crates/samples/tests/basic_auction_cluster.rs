//! The basic auction in a real 3-node cluster in this process (threads, loopback UDP, files): the
//! bidding client gets a response to every bid, and every replica's auction ends in the same state as
//! the leader's answers say. Bounded waits; the nodes and the directory are cleaned up.
#![allow(clippy::disallowed_methods)]

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use fulmar_samples::basic_auction::{
    AuctionStats, BasicAuctionClusterClient, BasicAuctionClusteredService, ClientSettings,
};
use fulmar_samples::client_runtime::ClientRuntime;
use fulmar_samples::node_support;
use node::{ClusterNode, ClusterNodeContext, NodeConfig, PortScheme};

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn every_bid_is_answered_and_the_replicas_agree() {
    let dir = TempDir(std::env::temp_dir().join(format!("fulmar-auction-cluster-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&dir.0);
    let scheme =
        PortScheme { base_port: 22_000 + (std::process::id() % 250) as u16 * 40, ports_per_node: 10 };
    let hosts = ["127.0.0.1"; 3];
    let mut nodes = Vec::new();
    let mut stats: Vec<Arc<AuctionStats>> = Vec::new();
    for id in 0..3 {
        let mut sources = scheme.tutorial_sources(id, &hosts, &dir.0).unwrap();
        for assignment in [
            "aeron.cluster.leader.heartbeat.timeout=1s",
            "aeron.cluster.leader.heartbeat.interval=100ms",
            "aeron.cluster.startup.canvass.timeout=2s",
        ] {
            sources.add_override(assignment).unwrap();
        }
        let config = NodeConfig::from_sources(&sources).unwrap();
        let mut consensus = node_support::consensus_config(&config).unwrap();
        consensus.seed = sys::entropy_seed();
        let service = BasicAuctionClusteredService::new();
        stats.push(service.stats());
        let mut ctx =
            ClusterNodeContext::new(node_support::node_dir(&config), consensus, vec![Box::new(service)]);
        ctx.archive_segment_length = 1024 * 1024;
        nodes.push(ClusterNode::launch(ctx).expect("node starts"));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while !nodes.iter().any(|n| n.counter(201) == Some(2)) {
        for node in &nodes {
            assert!(node.failure().is_none(), "{:?}", node.failure());
        }
        assert!(Instant::now() < deadline, "no leader");
        std::thread::sleep(Duration::from_millis(20));
    }

    let endpoints = (0..3)
        .map(|id| format!("{id}={}", scheme.endpoint(id, "127.0.0.1", 2).unwrap()))
        .collect::<Vec<_>>()
        .join(",");
    let egress = format!("127.0.0.1:{}", scheme.base_port + 30);
    let mut runtime = ClientRuntime::launch(&dir.0.join("client"), "auction-test").unwrap();
    let mut cluster = runtime.connect_cluster(&endpoints, &egress, 10_000_000_000).expect("connects");
    let mut client = BasicAuctionClusterClient::new(ClientSettings {
        seed: 7,
        ..ClientSettings::tutorial(10, 50, 2_000_000)
    });
    while !client.is_finished() {
        assert!(Instant::now() < deadline, "bidding stalled: {:?}", client.stats());
        let work = runtime.do_work() + client.step(&mut cluster, runtime.now_ns());
        if work == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    let totals = client.stats();
    assert_eq!((totals.bids_sent, totals.bids_acknowledged, totals.bids_lost), (50, 50, 0));
    assert!(totals.bids_succeeded > 0);

    // Every replica applied the same 50 bids.
    let expected = (client.last_bid_seen(), 10, totals.bids_succeeded, 50 - totals.bids_succeeded);
    loop {
        let states: Vec<(i64, i64, u64, u64)> = stats
            .iter()
            .map(|s| {
                (
                    s.best_price.load(Ordering::Relaxed),
                    s.winning_customer_id.load(Ordering::Relaxed),
                    s.bids_accepted.load(Ordering::Relaxed),
                    s.bids_rejected.load(Ordering::Relaxed),
                )
            })
            .collect();
        if states.iter().all(|state| *state == expected) {
            break;
        }
        assert!(Instant::now() < deadline, "replicas {states:?}, expected {expected:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(stats.iter().all(|s| s.malformed_messages.load(Ordering::Relaxed) == 0));

    cluster.close();
    runtime.do_work();
    runtime.close();
    for node in &mut nodes {
        assert_eq!(node.close(), None);
    }
}
