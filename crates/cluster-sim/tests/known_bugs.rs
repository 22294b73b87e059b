//! Cluster bugs the simulator found, each a regression test that always runs. (A bug found but not
//! yet fixed goes here gated by `FULMAR_SIM_KNOWN_BUGS=1` until it is; none is open now.)
//!
//! Fixed (regression tests below): the election's log replay completed before the services had read
//! it, so their next JoinLog was not contiguous; the replay's image could drain and go before the
//! services subscribed (the module now reads it only after they joined); the follower's log
//! subscription used fresh channel tags every term, so a new term could not share the receive endpoint
//! the services still held; log replication from the leader's archive was not wired (and the
//! simulator's archives had no remote control endpoint); a late NewLeadershipTermEvent appended in a
//! later term; a catching-up follower reporting its consumed instead of its recorded position; a
//! follower log image joined at the wrong position passed on to the services.

use fulmar_cluster_sim::{FaultConfig, SimConfig, run_seed};

/// Only fault: the leader is crash-stopped 2 s into the run, under a steady client load (2 clients,
/// a message every ~20 ms each).
fn leader_kill_under_load(seed: u64, nodes: usize) -> SimConfig {
    let mut config = SimConfig::new(seed, nodes, 6_000_000_000);
    config.faults = FaultConfig { max_node_kills: 1, kill_leader: true, ..FaultConfig::none() };
    config
}

/// Bug 1: after the leader dies under load, a surviving member's service container fails at the new
/// term's JoinLog with "cluster log must be contiguous: expected position 19392, join position 19488"
/// (seed 10, 3 nodes, node 2, 723 ms after the kill). The member had appended (and the old leader
/// committed) log past what its service had applied when the election started; the service is handed
/// the new term's log at the append position without first being given the tail in between (the
/// election's log replay to the services, [service position, append position), either is not sent to
/// the services or is stopped before they drained it). Fails for seeds 2 and 10 of 3 nodes and
/// 3, 4, 8, 9, 10 of 5 nodes among seeds 1..=12.
#[test]
fn regression_service_log_contiguous_after_leader_kill_under_load() {
    for (seed, nodes) in [(10, 3), (2, 3), (3, 5), (10, 5)] {
        let report = run_seed(&leader_kill_under_load(seed, nodes));
        assert!(report.is_ok(), "{report}");
    }
}

/// Bug 1 without a leader change: the only fault is a follower (node 1) partitioned from everyone for
/// 906 ms at 2 s (longer than the 500 ms heartbeat timeout), under load. It starts an election,
/// rejoins term 1 of the same leader at its append position, and its service fails with "cluster log
/// must be contiguous: expected position 22560, join position 22784" (seed 2 of the default profile,
/// 3 nodes, at 2984 ms; seed 18 likewise).
#[test]
fn regression_service_log_contiguous_after_follower_partition() {
    let mut config = SimConfig::new(2, 3, 4_000_000_000);
    config.faults = FaultConfig {
        partitions: true,
        min_fault_ns: 906_000_000,
        max_fault_ns: 906_000_000,
        mean_interval_ns: 100_000_000_000,
        ..FaultConfig::none()
    };
    let report = run_seed(&config);
    assert!(report.is_ok(), "{report}\n{}", report.fault_log.join("\n"));
}

/// Bug 2 (the full fault profile, seed 7, 3 nodes): after the leader (node 0) is killed at 8.8 s and
/// the network healed at 10 s, no leader completes an election within 10 s: node 1 reports
/// Leader of term 2 but stays electing, node 2 stays Follower of term 1. Possibly the same root cause
/// as bug 1 or the missing follower catch-up (ConsensusModuleAgent docs: "a member whose log is behind
/// the leader's current term cannot rejoin").
#[test]
fn regression_leader_after_leader_kill_and_link_faults() {
    let report = run_seed(&SimConfig::new(7, 3, 10_000_000_000));
    assert!(report.is_ok(), "{report}\n{}", report.fault_log.join("\n"));
}

/// Fixed — the full default fault profile (partitions longer than the heartbeat timeout, leader
/// kills) over 20 seeds failed 4 (seeds 6, 10, 11, 19 at 20 s), and seed 4 of the injected-fault
/// control experiment broke `identical_state`. Causes, found with `--event-log`:
/// (a) `positions_monotonic` (seeds 6, 11, 19): a leader whose NewLeadershipTermEvent could not be
/// appended at once kept it pending past the end of its term and appended it at the start of a later
/// term, so services saw a term begin at a position already behind them. The event now goes before
/// any other entry of its own term and is dropped when the term ends.
/// (b) no progress after healing (seed 10): a catching-up follower reported the position it had
/// consumed (bounded by the commit position) instead of the position its archive had recorded, so the
/// leader could never commit with it. It now reports the recorded position, as Aeron's `catchupPoll`.
#[test]
fn regression_full_fault_profile_batch() {
    let failures: Vec<String> = (1..=20)
        .map(|seed| run_seed(&SimConfig::new(seed, 3, 20_000_000_000)))
        .filter(|report| !report.is_ok())
        .map(|report| report.to_string())
        .collect();
    assert!(failures.is_empty(), "{} of 20 seeds failed:\n{}", failures.len(), failures.join("\n"));
}

/// Fixed — seed 64 of the full profile (3 nodes): an old leader re-joining as follower subscribed to
/// the new leader's log after the leader had moved on, so its image joined at 21280 while its log
/// ended at 20096; the module sent that JoinLog to its services, which failed ("cluster log must be
/// contiguous"). The module now checks the image's join position against the election's log
/// position before any JoinLog goes out, and a mismatch restarts the election (Aeron
/// `verifyLogJoinPosition`), which then catches the member up.
#[test]
fn regression_follower_log_join_position_checked_before_join_log() {
    let report = run_seed(&SimConfig::new(64, 3, 20_000_000_000));
    assert!(report.is_ok(), "{report}\n{}", report.fault_log.join("\n"));
}

/// Fixed — found by `fulmar sim --faults full` (200 three-node seeds of 20 s: 2 failed): no leader
/// made progress within 10 s of healing on seeds 177 and 189. A member stuck in FOLLOWER_CATCHUP of an
/// old term (its leader gone) ignored every later term and never answered a canvass, so the one other
/// survivor could not be elected. A catch-up whose recorded position does not move for a leader
/// heartbeat timeout now restarts the election (Aeron `catchupPoll`, "no catchup progress").
///
/// Seed 177 later (after start-up traffic changed the trace) failed with "the driver timed this client
/// out" for a service: the consensus module blocked in `get_stop_position` because the archive's
/// answer was back-pressured — the module's and the service's archive clients shared one IPC
/// response stream, and the service's client, not polling, held every response on it back. Every
/// archive client of a node now has its own response stream (as in `fulmar node`).
#[test]
fn regression_stalled_catchup_restarts_the_election() {
    for seed in [177, 189] {
        let report = run_seed(&SimConfig::new(seed, 3, 20_000_000_000));
        assert!(report.is_ok(), "{report}");
    }
}
