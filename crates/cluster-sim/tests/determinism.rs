//! Same seed → same report, byte for byte, including the trace hash; different seeds → different
//! traces.

use fulmar_cluster_sim::{FaultConfig, SimConfig, run_seed};

#[test]
fn a_seed_replays_exactly() {
    for (nodes, faults) in [(3, FaultConfig::default()), (5, FaultConfig::without_failover())] {
        let mut config = SimConfig::new(42, nodes, 8_000_000_000);
        config.faults = faults;
        let first = run_seed(&config);
        let second = run_seed(&config);
        assert_eq!(first, second, "\n{first}\n{second}");
        assert_eq!(first.to_string(), second.to_string());
        assert!(first.messages_sent > 0 && first.datagrams_sent > 0, "{first}");
    }
}

#[test]
fn different_seeds_give_different_traces() {
    let a = run_seed(&SimConfig::new(1, 3, 3_000_000_000));
    let b = run_seed(&SimConfig::new(2, 3, 3_000_000_000));
    assert_ne!(a.trace_hash, b.trace_hash);
}
