//! [`FaultInjector`]: the seeded fault schedule of the safety phase.
//!
//! Every `mean_interval_ns` on average it takes one action among the enabled kinds of
//! [`FaultConfig`]: degrade a directed link (loss, duplication, jitter), partition a random minority
//! of members (with or without the client host) from the rest, cut one direction between two members,
//! clog a link, or crash-stop a node (the leader when `kill_leader`). Partitions and clogs expire;
//! [`FaultInjector::heal_all`] ends everything for the liveness phase.
//!
//! Invariants: all draws come from the injector's own generator, so enabling a fault kind changes the
//! schedule only of this injector; killed nodes stay isolated; no more than `max_node_kills` kills.

use std::net::IpAddr;

use agrona::Prng;
use sim::LinkConfig;

use crate::fnv::{fold_bytes, fold_i64};
use crate::sim_cluster::{CLIENT_HOST, SimCluster};
use crate::sim_config::FaultConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Link,
    Partition,
    OneWay,
    Clog,
    Kill,
}

#[derive(Debug, Clone)]
enum Cut {
    Both(Vec<IpAddr>, Vec<IpAddr>),
    OneWay(IpAddr, IpAddr),
}

/// Injects the faults of one run. Build with [`FaultInjector::new`]; call [`FaultInjector::tick`]
/// after every step of the safety phase and [`FaultInjector::heal_all`] at its end.
#[derive(Debug)]
pub struct FaultInjector {
    config: FaultConfig,
    base_latency_ns: i64,
    prng: Prng,
    next_action_ns: i64,
    cuts: Vec<(i64, Cut)>,
    degraded_links: Vec<(IpAddr, IpAddr)>,
    /// Fault actions taken.
    pub injected: u64,
    /// Nodes killed.
    pub kills: u64,
    /// Hash of every action taken (part of the trace hash).
    pub events_hash: u64,
    /// One line per action, for replaying a seed by eye.
    pub log: Vec<String>,
}

impl FaultInjector {
    /// An injector for `config`; the first action comes after a quiet start of `start_ns`.
    pub fn new(config: FaultConfig, base_latency_ns: i64, prng: Prng, start_ns: i64) -> Self {
        Self {
            config,
            base_latency_ns,
            prng,
            next_action_ns: start_ns,
            cuts: Vec::new(),
            degraded_links: Vec::new(),
            injected: 0,
            kills: 0,
            events_hash: crate::fnv::FNV_OFFSET,
            log: Vec::new(),
        }
    }

    fn enabled_kinds(&self) -> Vec<Kind> {
        let c = &self.config;
        let mut kinds = Vec::new();
        if c.max_loss_probability > 0.0 || c.max_duplicate_probability > 0.0 || c.max_jitter_ns > 0 {
            kinds.push(Kind::Link);
        }
        if c.partitions {
            kinds.push(Kind::Partition);
        }
        if c.one_way_partitions {
            kinds.push(Kind::OneWay);
        }
        if c.clogs {
            kinds.push(Kind::Clog);
        }
        if (self.kills as usize) < c.max_node_kills {
            kinds.push(Kind::Kill);
        }
        kinds
    }

    fn note(&mut self, now_ns: i64, line: String) {
        self.injected += 1;
        self.events_hash = fold_bytes(fold_i64(self.events_hash, now_ns), line.as_bytes());
        self.log.push(format!("{} ms: {line}", now_ns / 1_000_000));
    }

    fn duration_ns(&mut self) -> i64 {
        let span = (self.config.max_fault_ns - self.config.min_fault_ns) as u64 + 1;
        self.config.min_fault_ns + self.prng.gen_range(0..span) as i64
    }

    fn pick_pair(&mut self, hosts: &[IpAddr]) -> (IpAddr, IpAddr) {
        let a = self.prng.gen_range(0..hosts.len() as u64) as usize;
        let mut b = self.prng.gen_range(0..hosts.len() as u64 - 1) as usize;
        if b >= a {
            b += 1;
        }
        (hosts[a], hosts[b])
    }

    /// Expires partitions and clogs that are due and takes the next action if it is time.
    /// `since_start_ns` is the time since the start of the run (for the log).
    pub fn tick(&mut self, cluster: &mut SimCluster, now_ns: i64, since_start_ns: i64) {
        if self.cuts.iter().any(|(until, _)| *until <= now_ns) {
            self.cuts.retain(|(until, _)| *until > now_ns);
            cluster.heal_network();
            for (_, cut) in &self.cuts {
                apply_cut(cluster, cut);
            }
        }
        if now_ns < self.next_action_ns {
            return;
        }
        let mean = self.config.mean_interval_ns.max(2) as u64;
        self.next_action_ns = now_ns + (mean / 2 + self.prng.gen_range(0..mean)) as i64;
        let kinds = self.enabled_kinds();
        if kinds.is_empty() {
            return;
        }
        let kind = kinds[self.prng.gen_range(0..kinds.len() as u64) as usize];
        let client: IpAddr = CLIENT_HOST.parse().expect("client host");
        let nodes: Vec<IpAddr> = (0..cluster.node_count()).map(|i| cluster.node_ip(i)).collect();
        let mut hosts = nodes.clone();
        hosts.push(client);
        match kind {
            Kind::Link => {
                let (from, to) = self.pick_pair(&hosts);
                let c = &self.config;
                let link = LinkConfig {
                    latency_ns: self.base_latency_ns,
                    jitter_ns: if c.max_jitter_ns > 0 {
                        self.prng.gen_range(0..c.max_jitter_ns as u64 + 1) as i64
                    } else {
                        0
                    },
                    loss_probability: self.prng.next_f64() * c.max_loss_probability,
                    duplicate_probability: self.prng.next_f64() * c.max_duplicate_probability,
                };
                cluster.net.set_link(from, to, link);
                if !self.degraded_links.contains(&(from, to)) {
                    self.degraded_links.push((from, to));
                }
                self.note(since_start_ns, format!("link {from}->{to} {link:?}"));
            }
            Kind::Partition => {
                let mut shuffled = nodes.clone();
                self.prng.shuffle(&mut shuffled);
                if self.config.partition_leader
                    && let Some(leader) = cluster.leader()
                    && let Some(at) = shuffled.iter().position(|ip| *ip == nodes[leader])
                {
                    shuffled.swap(0, at);
                }
                let minority = 1 + self.prng.gen_range(0..((nodes.len() - 1) / 2) as u64) as usize;
                let mut side_a: Vec<IpAddr> = shuffled[..minority].to_vec();
                let mut side_b: Vec<IpAddr> = shuffled[minority..].to_vec();
                if self.prng.chance(0.5) {
                    side_a.push(client);
                } else {
                    side_b.push(client);
                }
                let until = now_ns + self.duration_ns();
                let cut = Cut::Both(side_a, side_b);
                apply_cut(cluster, &cut);
                self.note(
                    since_start_ns,
                    format!("partition {cut:?} for {} ms", (until - now_ns) / 1_000_000),
                );
                self.cuts.push((until, cut));
            }
            Kind::OneWay => {
                let (from, to) = self.pick_pair(&nodes);
                let until = now_ns + self.duration_ns();
                let cut = Cut::OneWay(from, to);
                apply_cut(cluster, &cut);
                self.note(
                    since_start_ns,
                    format!("one-way cut {from}->{to} for {} ms", (until - now_ns) / 1_000_000),
                );
                self.cuts.push((until, cut));
            }
            Kind::Clog => {
                let (from, to) = self.pick_pair(&hosts);
                let duration_ns = self.duration_ns();
                cluster.net.clog(from, to, duration_ns);
                self.note(since_start_ns, format!("clog {from}->{to} for {} ms", duration_ns / 1_000_000));
            }
            Kind::Kill => {
                let alive: Vec<usize> = (0..cluster.node_count()).filter(|&i| cluster.is_alive(i)).collect();
                let victim = match cluster.leader() {
                    Some(leader) if self.config.kill_leader => leader,
                    _ => alive[self.prng.gen_range(0..alive.len() as u64) as usize],
                };
                cluster.kill(victim);
                self.kills += 1;
                self.note(since_start_ns, format!("kill node {victim}"));
            }
        }
    }

    /// Ends every fault: link rules removed, partitions and clogs healed (killed nodes stay isolated).
    pub fn heal_all(&mut self, cluster: &mut SimCluster) {
        for (from, to) in self.degraded_links.drain(..) {
            cluster.net.clear_link(from, to);
        }
        self.cuts.clear();
        cluster.heal_network();
    }
}

fn apply_cut(cluster: &SimCluster, cut: &Cut) {
    match cut {
        Cut::Both(a, b) => cluster.net.partition(a.iter().copied(), b.iter().copied()),
        Cut::OneWay(from, to) => cluster.net.partition_one_way([*from], [*to]),
    }
}
