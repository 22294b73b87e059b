//! [`SimConfig`] and [`FaultConfig`]: what one simulated run does.
//!
//! Invariants (asserted by [`SimConfig::validate`]): 3 or 5 nodes, at least one client, positive
//! durations and intervals, probabilities in `[0, 1]`, at most a minority of nodes killed.

use cluster::{ClusterEventLog, InjectedFault};

/// Which faults the safety phase injects, and how hard. Every choice is drawn from the run's seed.
///
/// How to use it: start from [`FaultConfig::default`] (every fault kind on, moderate rates) or
/// [`FaultConfig::none`], and switch kinds off or tune rates. The injector picks one fault action
/// every `mean_interval_ns` on average (uniform in `[0.5, 1.5]` times the mean); a partition or clog
/// lasts a uniform time in `[min_fault_ns, max_fault_ns]`; a link fault stays until it is replaced
/// or the liveness phase heals the network.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultConfig {
    /// Mean time between fault actions, in simulated nanoseconds.
    pub mean_interval_ns: i64,
    /// Shortest partition or clog.
    pub min_fault_ns: i64,
    /// Longest partition or clog.
    pub max_fault_ns: i64,
    /// Per-link loss probability upper bound (0 disables loss).
    pub max_loss_probability: f64,
    /// Per-link duplication probability upper bound (0 disables duplication).
    pub max_duplicate_probability: f64,
    /// Per-link jitter upper bound (reordering), in nanoseconds (0 disables).
    pub max_jitter_ns: i64,
    /// Symmetric partitions (a random minority cut off from the rest).
    pub partitions: bool,
    /// One-way partitions (`SimNetwork::partition_one_way` between two members).
    pub one_way_partitions: bool,
    /// Clogged links (held, then delivered in a burst).
    pub clogs: bool,
    /// Crash-stops of random nodes (at most this many over the run; the cluster cannot restart a node
    /// yet, see [`crate::SimCluster::restart`]).
    pub max_node_kills: usize,
    /// When killing, prefer the current leader.
    pub kill_leader: bool,
    /// Symmetric partitions always put the current leader in the minority.
    pub partition_leader: bool,
}

impl FaultConfig {
    /// No faults at all (a plain run; useful to measure the workload alone).
    pub fn none() -> Self {
        Self {
            mean_interval_ns: i64::MAX / 4,
            min_fault_ns: 1,
            max_fault_ns: 1,
            max_loss_probability: 0.0,
            max_duplicate_probability: 0.0,
            max_jitter_ns: 0,
            partitions: false,
            one_way_partitions: false,
            clogs: false,
            max_node_kills: 0,
            kill_leader: false,
            partition_leader: false,
        }
    }

    /// Every fault kind, but partitions, cuts and clogs stay shorter than the leader heartbeat timeout
    /// of `ConsensusModuleConfig::test_min` (500 ms) and no node is killed, so leadership rarely
    /// changes. The CI profile while the cluster cannot fail over under load (see the crate's known
    /// bugs): switch CI to [`FaultConfig::default`] once they are fixed.
    pub fn without_failover() -> Self {
        Self {
            mean_interval_ns: 700_000_000,
            min_fault_ns: 20_000_000,
            max_fault_ns: 300_000_000,
            max_node_kills: 0,
            kill_leader: false,
            ..Self::default()
        }
    }

    /// True if no fault kind is enabled.
    pub fn is_none(&self) -> bool {
        self.max_loss_probability == 0.0
            && self.max_duplicate_probability == 0.0
            && self.max_jitter_ns == 0
            && !self.partitions
            && !self.one_way_partitions
            && !self.clogs
            && self.max_node_kills == 0
    }
}

impl Default for FaultConfig {
    fn default() -> Self {
        Self {
            mean_interval_ns: 1_500_000_000,
            min_fault_ns: 100_000_000,
            max_fault_ns: 1_500_000_000,
            max_loss_probability: 0.05,
            max_duplicate_probability: 0.05,
            max_jitter_ns: 2_000_000,
            partitions: true,
            one_way_partitions: true,
            clogs: true,
            max_node_kills: 1,
            kill_leader: true,
            partition_leader: false,
        }
    }
}

/// One simulated run.
///
/// How to use it: [`SimConfig::new`] for a seed and node count with the default workload and faults,
/// adjust fields, then [`crate::run_seed`]. The same config always gives the same
/// [`crate::SeedReport`].
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// The seed every random choice derives from.
    pub seed: u64,
    /// Cluster size: 3 or 5.
    pub nodes: usize,
    /// Length of the safety phase (faults on), in simulated nanoseconds.
    pub duration_ns: i64,
    /// The liveness phase (faults healed) must see a leader and workload progress within this bound.
    pub liveness_bound_ns: i64,
    /// Acknowledged messages the workload must add during the liveness phase.
    pub liveness_progress_messages: u64,
    /// Client sessions (all on one simulated client host).
    pub clients: usize,
    /// Mean time between two messages of one client, in simulated nanoseconds.
    pub message_interval_ns: i64,
    /// Base one-way network latency of every link.
    pub latency_ns: i64,
    /// Faults of the safety phase.
    pub faults: FaultConfig,
    /// A rule the consensus modules break on purpose (simulator self-test); `None` in normal runs.
    pub injected_fault: InjectedFault,
    /// When an agent fails: end the run with an `agent_failed` violation (true, the default), or
    /// crash-stop that node and go on (false: lets a run look for safety violations past a known
    /// agent failure).
    pub stop_on_agent_failure: bool,
    /// The consensus modules' debug event log (disabled by default; `fulmar sim --event-log`).
    pub event_log: ClusterEventLog,
}

impl SimConfig {
    /// Default workload and faults for `seed` on `nodes` nodes, running `duration_ns` of safety phase.
    pub fn new(seed: u64, nodes: usize, duration_ns: i64) -> Self {
        Self {
            seed,
            nodes,
            duration_ns,
            liveness_bound_ns: 10_000_000_000,
            liveness_progress_messages: 10,
            clients: 2,
            message_interval_ns: 20_000_000,
            latency_ns: 200_000,
            faults: FaultConfig::default(),
            injected_fault: InjectedFault::None,
            stop_on_agent_failure: true,
            event_log: ClusterEventLog::disabled(),
        }
    }

    /// Asserts the invariants in the module docs (a bad config is a bug in the caller).
    pub fn validate(&self) {
        assert!(self.nodes == 3 || self.nodes == 5, "nodes must be 3 or 5: {}", self.nodes);
        assert!(self.clients >= 1, "at least one client");
        assert!(self.duration_ns > 0 && self.liveness_bound_ns > 0, "durations must be positive");
        assert!(self.message_interval_ns > 0, "message_interval_ns must be positive");
        assert!(self.latency_ns >= 0, "latency_ns must not be negative");
        let f = &self.faults;
        assert!(
            f.mean_interval_ns > 0 && f.min_fault_ns > 0 && f.max_fault_ns >= f.min_fault_ns,
            "fault times"
        );
        assert!((0.0..=1.0).contains(&f.max_loss_probability), "max_loss_probability");
        assert!((0.0..=1.0).contains(&f.max_duplicate_probability), "max_duplicate_probability");
        assert!(f.max_jitter_ns >= 0, "max_jitter_ns");
        assert!(f.max_node_kills <= (self.nodes - 1) / 2, "at most a minority of nodes may be killed");
    }
}
