//! The consensus module end to end on the simulated network: three nodes elect a leader, replicate and
//! commit the log, and elect a new leader when the leader dies.

#![allow(clippy::disallowed_methods)]

mod cluster_support;

use cluster_support::SimClusterHarness;
use sim::LinkConfig;

#[test]
fn three_nodes_elect_a_leader_and_commit_the_new_term() {
    let harness = SimClusterHarness::new(3, 11, LinkConfig::with_latency_ns(200_000), |_| {});
    harness.step_until(20_000, "a leader", |h| h.leader().is_some() && h.followers_ready());
    let leader = harness.leader().unwrap();
    let term = harness.nodes[leader].cm.lock().unwrap().leadership_term_id();
    assert!(term >= 0);
    // The NewLeadershipTermEvent is appended and committed everywhere.
    harness.step_until(5_000, "commit on every node", |h| {
        h.nodes.iter().all(|n| n.cm.lock().unwrap().commit_position() > 0)
    });
    eprintln!("{}", harness.describe());
    for node in &harness.nodes {
        let cm = node.cm.lock().unwrap();
        assert_ne!(cm.log_recording_id(), -1, "every node records the log: {cm:?}");
        assert_eq!(cm.leadership_term_id(), term);
        assert!(cm.append_position() >= cm.commit_position(), "{cm:?}");
    }
}

#[test]
fn a_new_leader_is_elected_when_the_leader_dies() {
    let mut harness = SimClusterHarness::new(3, 12, LinkConfig::with_latency_ns(200_000), |_| {});
    harness.step_until(20_000, "a leader", |h| h.leader().is_some() && h.followers_ready());
    let old_leader = harness.leader().unwrap();
    let old_term = harness.nodes[old_leader].cm.lock().unwrap().leadership_term_id();
    harness
        .step_until(5_000, "commit", |h| h.nodes.iter().all(|n| n.cm.lock().unwrap().commit_position() > 0));
    harness.kill(old_leader);
    harness.step_until(30_000, "a new leader", |h| {
        h.leader().is_some_and(|l| l != old_leader) && h.followers_ready()
    });
    let new_leader = harness.leader().unwrap();
    let cm = harness.nodes[new_leader].cm.lock().unwrap();
    assert!(cm.leadership_term_id() > old_term, "{cm:?}");
}

mod with_services {
    use super::cluster_support::{CLIENT_HOST, SimClusterHarness};
    use cluster_client::{AeronCluster, ClusterClientContext, EgressListener};
    use service::samples::EchoService;
    use sim::LinkConfig;
    use std::sync::Arc;

    #[derive(Default)]
    struct Collect {
        messages: Vec<Vec<u8>>,
    }

    impl EgressListener for Collect {
        fn on_message(&mut self, _cluster_session_id: i64, _timestamp: i64, payload: &[u8]) {
            self.messages.push(payload.to_vec());
        }
    }

    fn connect(harness: &SimClusterHarness, aeron: &client::Aeron) -> AeronCluster {
        let ctx = ClusterClientContext::new(aeron.clone(), Arc::new(harness.clock.clone()))
            .ingress_channel("aeron:udp")
            .ingress_endpoints(harness.ingress_endpoints())
            .egress_channel(format!("aeron:udp?endpoint={CLIENT_HOST}:19000"))
            .message_timeout_ns(5_000_000_000);
        let mut connect = AeronCluster::async_connect(ctx).expect("async connect");
        for _ in 0..20_000 {
            harness.step();
            aeron.conductor_do_work(harness.now_ns());
            if let Some(client) = connect.poll(harness.now_ns()).expect("connects") {
                return client;
            }
        }
        panic!("client did not connect: {}", harness.describe());
    }

    #[test]
    fn a_client_session_sends_messages_and_the_echo_service_replies() {
        let harness = SimClusterHarness::with_services(
            3,
            1,
            21,
            LinkConfig::with_latency_ns(200_000),
            |_| {},
            |_, _| Box::new(EchoService::new()),
        );
        harness.step_until(20_000, "a leader", |h| h.leader().is_some() && h.followers_ready());
        let aeron = harness.client_aeron();
        let mut client = connect(&harness, &aeron);
        let leader = harness.leader().unwrap();
        assert_eq!(client.leader_member_id(), leader as i32);
        let mut listener = Collect::default();
        let count = 200u32;
        let mut sent = 0u32;
        for _ in 0..50_000 {
            if sent < count && client.offer(&sent.to_le_bytes()).is_ok() {
                sent += 1;
            }
            harness.step();
            aeron.conductor_do_work(harness.now_ns());
            client.poll_egress(&mut listener);
            if listener.messages.len() == count as usize {
                break;
            }
        }
        let expected: Vec<Vec<u8>> = (0..count).map(|i| i.to_le_bytes().to_vec()).collect();
        assert_eq!(
            listener.messages,
            expected,
            "every message echoed once, in order: {}",
            harness.describe()
        );
        eprintln!(
            "echoed {} at {} ms: {}",
            listener.messages.len(),
            (harness.now_ns() - super::cluster_support::START_NS) / 1_000_000,
            harness.describe()
        );
        // Every member committed and applied the same log.
        let commit = harness.nodes[leader].cm.lock().unwrap().commit_position();
        harness.step_until(5_000, "followers commit", |h| {
            h.nodes.iter().all(|n| n.cm.lock().unwrap().commit_position() >= commit)
        });
    }
}

mod failover {
    use super::cluster_support::{CLIENT_HOST, SimClusterHarness};
    use cluster_client::{AeronCluster, ClientState, ClusterClientContext, EgressListener};
    use service::samples::EchoService;
    use sim::LinkConfig;
    use std::sync::Arc;

    #[derive(Default)]
    struct Collect {
        messages: Vec<u32>,
        new_leaders: Vec<i32>,
    }

    impl EgressListener for Collect {
        fn on_message(&mut self, _cluster_session_id: i64, _timestamp: i64, payload: &[u8]) {
            self.messages.push(u32::from_le_bytes(payload[..4].try_into().unwrap()));
        }

        fn on_new_leader(&mut self, _session: i64, _term: i64, leader_member_id: i32, _endpoints: &str) {
            self.new_leaders.push(leader_member_id);
        }
    }

    /// Sends `from..to` and polls until the last one is echoed; keep-alives every 100 ms as an
    /// application must (they also complete a fail-over).
    fn send_and_poll(
        harness: &SimClusterHarness,
        aeron: &client::Aeron,
        client: &mut AeronCluster,
        listener: &mut Collect,
        from: u32,
        to: u32,
    ) {
        let mut next = from;
        let mut last_keep_alive_ns = 0;
        for _ in 0..60_000 {
            if next < to
                && client.state() == ClientState::Connected
                && client.offer(&next.to_le_bytes()).is_ok()
            {
                next += 1;
            }
            if harness.now_ns() - last_keep_alive_ns >= 100_000_000 {
                client.send_keep_alive();
                last_keep_alive_ns = harness.now_ns();
            }
            harness.step();
            aeron.conductor_do_work(harness.now_ns());
            client.poll_egress(listener);
            if listener.messages.last() == Some(&(to - 1)) {
                return;
            }
        }
        panic!(
            "messages up to {to} not echoed: got {} new leaders {:?} sessions {:?} next {next} ({:?} {:?}); {}",
            listener.messages.len(),
            listener.new_leaders,
            harness.nodes.iter().map(|n| n.cm.lock().unwrap().session_count()).collect::<Vec<_>>(),
            client.state(),
            client.last_error(),
            harness.describe()
        );
    }

    #[test]
    fn the_client_follows_a_new_leader_on_the_same_session() {
        let mut harness = SimClusterHarness::with_services(
            3,
            1,
            31,
            LinkConfig::with_latency_ns(200_000),
            |_| {},
            |_, _| Box::new(EchoService::new()),
        );
        harness.step_until(20_000, "a leader", |h| h.leader().is_some() && h.followers_ready());
        let aeron = harness.client_aeron();
        let ctx = ClusterClientContext::new(aeron.clone(), Arc::new(harness.clock.clone()))
            .ingress_channel("aeron:udp")
            .ingress_endpoints(harness.ingress_endpoints())
            .egress_channel(format!("aeron:udp?endpoint={CLIENT_HOST}:19000"))
            .message_timeout_ns(5_000_000_000)
            .new_leader_timeout_ns(5_000_000_000);
        let mut connect = AeronCluster::async_connect(ctx).expect("async connect");
        let mut client = None;
        for _ in 0..20_000 {
            harness.step();
            aeron.conductor_do_work(harness.now_ns());
            if let Some(connected) = connect.poll(harness.now_ns()).expect("connects") {
                client = Some(connected);
                break;
            }
        }
        let mut client = client.expect("connected");
        let session_id = client.cluster_session_id();
        let mut listener = Collect::default();
        send_and_poll(&harness, &aeron, &mut client, &mut listener, 0, 100);
        assert_eq!(listener.messages, (0..100).collect::<Vec<_>>());
        let old_leader = harness.leader().unwrap();
        harness.kill(old_leader);
        // Messages offered to the dead leader are lost (never acknowledged); wait for the new leader (the
        // application's keep-alives complete the switch), then everything sent must come back in order.
        let mut last_keep_alive_ns = 0;
        for _ in 0..30_000 {
            if client.leader_member_id() != old_leader as i32 && client.state() == ClientState::Connected {
                break;
            }
            if harness.now_ns() - last_keep_alive_ns >= 100_000_000 {
                client.send_keep_alive();
                last_keep_alive_ns = harness.now_ns();
            }
            harness.step();
            aeron.conductor_do_work(harness.now_ns());
            client.poll_egress(&mut listener);
        }
        assert_eq!(client.state(), ClientState::Connected, "{:?}", client.last_error());
        send_and_poll(&harness, &aeron, &mut client, &mut listener, 1_000, 1_100);
        assert_eq!(client.cluster_session_id(), session_id, "same session");
        let new_leader = harness.leader().unwrap();
        assert_ne!(new_leader, old_leader);
        assert_eq!(listener.new_leaders, vec![new_leader as i32]);
        assert_eq!(listener.messages[100..], (1_000..1_100).collect::<Vec<_>>()[..], "all, in order, once");
    }
}

mod restart {
    use super::cluster_support::SimClusterHarness;
    use sim::LinkConfig;

    #[test]
    fn a_restarted_follower_catches_up_from_the_leader() {
        let mut harness = SimClusterHarness::new(3, 41, LinkConfig::with_latency_ns(200_000), |_| {});
        harness.step_until(20_000, "a leader", |h| h.leader().is_some() && h.followers_ready());
        let leader = harness.leader().unwrap();
        let follower = (leader + 1) % 3;
        harness.kill(follower);
        harness.step_until(2_000, "commit", |h| h.nodes[leader].cm.lock().unwrap().commit_position() > 0);
        harness.restart(follower);
        harness.step_until(30_000, "the follower rejoins", |h| {
            let joined = {
                let cm = h.nodes[follower].cm.lock().unwrap();
                cm.state() == fulmar_cluster::ModuleState::Active
                    && cm.election_count() > 0
                    && !cm.is_electing()
            };
            joined && h.leader() == Some(leader)
        });
        let term = harness.nodes[leader].cm.lock().unwrap().leadership_term_id();
        let commit = harness.nodes[leader].cm.lock().unwrap().commit_position();
        harness.step_until(5_000, "the follower has the leader's log", |h| {
            let cm = h.nodes[follower].cm.lock().unwrap();
            cm.leadership_term_id() == term && cm.commit_position() >= commit
        });
    }

    #[test]
    fn a_restarted_old_leader_rejoins_the_new_term() {
        let mut harness = SimClusterHarness::new(3, 42, LinkConfig::with_latency_ns(200_000), |_| {});
        harness.step_until(20_000, "a leader", |h| h.leader().is_some() && h.followers_ready());
        let old_leader = harness.leader().unwrap();
        harness.step_until(2_000, "commit", |h| {
            h.nodes.iter().all(|n| n.cm.lock().unwrap().commit_position() > 0)
        });
        harness.kill(old_leader);
        harness.step_until(30_000, "a new leader", |h| {
            h.leader().is_some_and(|l| l != old_leader) && h.followers_ready()
        });
        let new_leader = harness.leader().unwrap();
        harness.restart(old_leader);
        harness.step_until(60_000, "the old leader rejoins as a follower", |h| {
            let joined = {
                let cm = h.nodes[old_leader].cm.lock().unwrap();
                cm.state() == fulmar_cluster::ModuleState::Active
                    && cm.election_count() > 0
                    && !cm.is_electing()
            };
            joined && h.leader() == Some(new_leader)
        });
        let (term, commit) = {
            let cm = harness.nodes[new_leader].cm.lock().unwrap();
            (cm.leadership_term_id(), cm.commit_position())
        };
        harness.step_until(5_000, "the old leader has the new leader's log", |h| {
            let cm = h.nodes[old_leader].cm.lock().unwrap();
            cm.leadership_term_id() == term && cm.commit_position() >= commit
        });
    }
}
