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
