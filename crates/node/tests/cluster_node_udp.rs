//! Three `ClusterNode`s in one process over real loopback UDP and files (threads, backoff idling): a
//! leader is elected, a client session echoes messages through the cluster.

#![allow(clippy::disallowed_methods)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use cluster::{ClusterMember, ConsensusModuleConfig};
use cluster_client::{AeronCluster, ClusterClientContext, EgressListener};
use fulmar_node::{ClusterNode, ClusterNodeContext};
use service::samples::EchoService;

fn free_port_base() -> u16 {
    // Test-unique ports: derived from the process id to keep parallel runs apart.
    20_000 + (std::process::id() % 2_000) as u16 * 10
}

#[derive(Default)]
struct Collect(Vec<Vec<u8>>);

impl EgressListener for Collect {
    fn on_message(&mut self, _session: i64, _timestamp: i64, payload: &[u8]) {
        self.0.push(payload.to_vec());
    }
}

#[test]
fn three_nodes_over_loopback_echo_a_client() {
    let base = free_port_base();
    let members = (0..3)
        .map(|i| {
            let p = base + i * 100;
            format!(
                "{i},127.0.0.1:{},127.0.0.1:{},127.0.0.1:{},127.0.0.1:{},127.0.0.1:{}",
                p + 2,
                p + 3,
                p + 4,
                p + 5,
                p + 1
            )
        })
        .collect::<Vec<_>>()
        .join("|");
    let dir = tempfile::tempdir().unwrap();
    let mut nodes = Vec::new();
    for id in 0..3 {
        let mut config = ConsensusModuleConfig::test_min(0, id, ClusterMember::parse(&members).unwrap());
        // Aeron's default heartbeat timeout: a loaded CI machine must not see spurious elections.
        config.election.leader_heartbeat_timeout_ns = 10_000_000_000;
        config.election.startup_canvass_timeout_ns = 20_000_000_000;
        config.session_timeout_ns = 10_000_000_000;
        let mut ctx = ClusterNodeContext::new(
            dir.path().join(format!("node{id}")),
            config,
            vec![Box::new(EchoService::new())],
        );
        ctx.archive_segment_length = 1024 * 1024;
        nodes.push(ClusterNode::launch(ctx).expect("node starts"));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let leader = loop {
        let roles: Vec<Option<i64>> = nodes.iter().map(|n| n.counter(201)).collect();
        if let Some(leader) = roles.iter().position(|r| *r == Some(2)) {
            break leader;
        }
        for node in &nodes {
            assert!(node.failure().is_none(), "{:?}", node.failure());
        }
        assert!(Instant::now() < deadline, "no leader: {roles:?}");
        std::thread::sleep(Duration::from_millis(20));
    };

    // A client with its own driver.
    let client_dir = dir.path().join("client");
    let store = sys::DriverDirectory::new(&client_dir).create_fresh().unwrap();
    let driver_ctx = driver::DriverContext::new(Arc::new(store.clone()), Arc::new(sys::SystemEpochClock))
        .with_transport_factory(Arc::new(sys::UdpTransportFactory::new()));
    let mut driver_runners = Vec::new();
    for agent in driver::MediaDriver::launch(driver_ctx).unwrap().into_agents(driver::ThreadingMode::Shared) {
        driver_runners.push(
            sys::AgentRunner::start(
                agent,
                Box::new(sys::BackoffIdleStrategy::default()),
                Arc::new(sys::SystemNanoClock::new()),
            )
            .unwrap(),
        );
    }
    let aeron = client::Aeron::connect(
        client::Context::new(
            Arc::new(store),
            Arc::new(sys::SystemNanoClock::new()),
            Arc::new(sys::SystemEpochClock),
        )
        .idle_strategy(Box::new(sys::BackoffIdleStrategy::default())),
    )
    .unwrap();
    let endpoints =
        (0..3).map(|i| format!("{i}=127.0.0.1:{}", base + i * 100 + 2)).collect::<Vec<_>>().join(",");
    let ctx = ClusterClientContext::new(aeron.clone(), Arc::new(sys::SystemNanoClock::new()))
        .ingress_channel("aeron:udp")
        .ingress_endpoints(endpoints)
        .egress_channel(format!("aeron:udp?endpoint=127.0.0.1:{}", base + 900))
        .message_timeout_ns(10_000_000_000)
        .idle_strategy(Box::new(sys::BackoffIdleStrategy::default()));
    let mut cluster = AeronCluster::connect(ctx).expect("client connects");
    assert_eq!(cluster.leader_member_id(), leader as i32);
    let mut listener = Collect::default();
    // Stop-and-wait with a resend after 2 s: a message offered while the cluster changes leader may be
    // lost (it was never acknowledged), so it is sent again; what comes back must be every message, in
    // order, a resent one at most repeated.
    let count = 1_000u32;
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut echoed: Vec<u32> = Vec::new();
    for sequence in 0..count {
        let mut sent_at: Option<Instant> = None;
        loop {
            if sent_at.is_none_or(|t| t.elapsed() > Duration::from_secs(2))
                && cluster.offer(&sequence.to_le_bytes()).is_ok()
            {
                sent_at = Some(Instant::now());
            }
            aeron.conductor_do_work_now();
            if cluster.poll_egress(&mut listener) == 0 {
                std::thread::sleep(Duration::from_micros(50));
            }
            for message in listener.0.drain(..) {
                let value = u32::from_le_bytes(message[..4].try_into().unwrap());
                if echoed.last() != Some(&value) {
                    echoed.push(value);
                }
            }
            if echoed.last() == Some(&sequence) {
                break;
            }
            assert!(Instant::now() < deadline, "echoed {} of {count}", echoed.len());
        }
    }
    assert_eq!(echoed, (0..count).collect::<Vec<_>>(), "every message, in order");
    cluster.close();
    for node in &mut nodes {
        assert_eq!(node.close(), None);
    }
    for runner in &mut driver_runners {
        runner.close();
    }
}
