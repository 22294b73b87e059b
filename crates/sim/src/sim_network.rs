//! [`SimNetwork`]: a handle on one deterministic simulated network, and the
//! [`DatagramTransportFactory`] of one simulated host on it.
//!
//! Invariants: all handles cloned from one network (and all its endpoints) share one state behind a
//! mutex, meant for single-threaded use by the simulator; every call first processes the arrivals due at
//! the clock's current time, so a fault or a heal takes effect exactly when it is made; the same seed,
//! clock moves and calls give the same deliveries and the same trace.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use agrona::{NanoClock, Prng};
use media::{DatagramTransport, DatagramTransportFactory, TransportError, TransportSpec};

use crate::address_pattern::AddressPattern;
use crate::link_config::LinkConfig;
use crate::network_config::NetworkConfig;
use crate::network_counters::NetworkCounters;
use crate::network_state::{HostIndex, NetworkState};
use crate::sim_transport::SimTransport;
use crate::trace_entry::{TraceEntry, TraceHook};

/// A simulated datagram network: hosts, endpoints, links with latency, jitter, loss and duplication,
/// partitions, clogs, bounded receive queues, counters and a trace.
///
/// How to drive it:
/// 1. Create it with a clock the simulator moves (an [`agrona::ManualClock`] clone) and a seeded
///    [`Prng`] (fork one per component from the run's seed): [`SimNetwork::new`] or
///    [`SimNetwork::with_config`]. The handle returned is the factory of the host `127.0.0.1`; get the
///    factory of another host (a cluster node) with [`for_host`](Self::for_host).
/// 2. Open endpoints through [`DatagramTransportFactory::open`] (or [`open_transport`](Self::open_transport)
///    for the concrete type) and drive them with `send`/`try_recv`.
/// 3. Move the clock: a datagram sent at `t` is receivable from `t + latency + jitter`; `try_recv` returns
///    waiting datagrams in arrival order (equal arrival times in send order). When every agent is idle, a
///    simulator may jump the clock to [`next_arrival_ns`](Self::next_arrival_ns).
/// 4. Inject faults between steps ([`set_link`](Self::set_link), [`partition`](Self::partition),
///    [`partition_one_way`](Self::partition_one_way), [`isolate`](Self::isolate), [`clog`](Self::clog)),
///    then [`heal`](Self::heal) for the liveness phase.
/// 5. Check [`counters`](Self::counters) and, to debug a seed, the trace
///    ([`enable_trace_log`](Self::enable_trace_log), [`set_trace_hook`](Self::set_trace_hook)).
///
/// Addressing: an endpoint may bind the wildcard address, a loopback address, a multicast group address,
/// or its host's address (anything else is refused, as `EADDRNOTAVAIL` would be). Port 0 takes the host's
/// next free ephemeral port (deterministically, upwards, wrapping). A bind clashing with an open endpoint
/// on the same host and port fails with [`TransportError::AddressInUse`] unless both set `reuse_address`.
/// A datagram sent from a wildcard bind carries the host's address as its source (the loopback address
/// when sent to loopback). Multicast: every endpoint that joined the group and is bound to its port
/// (on the wildcard or the group address) gets its own copy, each with its own link faults. Unicast:
/// the endpoint bound to exactly the destination address, else the oldest wildcard endpoint on the host
/// owning it, receives it; with nobody bound the copy is dropped as unreachable.
#[derive(Clone)]
pub struct SimNetwork {
    state: Arc<Mutex<NetworkState>>,
    host: HostIndex,
}

impl SimNetwork {
    /// A network with the default [`NetworkConfig`] (no delay, no faults); the handle is host `127.0.0.1`.
    pub fn new(clock: impl NanoClock + 'static, prng: Prng) -> Self {
        Self::with_config(clock, prng, NetworkConfig::default())
    }

    /// A network with `config`; the handle is host `127.0.0.1`. Panics if `config` is invalid.
    pub fn with_config(clock: impl NanoClock + 'static, prng: Prng, config: NetworkConfig) -> Self {
        let mut state = NetworkState::new(Box::new(clock), prng, config);
        let host = state.host_index(IpAddr::V4(Ipv4Addr::LOCALHOST));
        Self { state: Arc::new(Mutex::new(state)), host }
    }

    /// The factory handle of the host with address `host_ip` on the same network (created on first use).
    /// Panics if `host_ip` is unspecified or multicast.
    pub fn for_host(&self, host_ip: IpAddr) -> Self {
        let host = self.lock().host_index(host_ip);
        Self { state: Arc::clone(&self.state), host }
    }

    /// The address of the host this handle opens endpoints on.
    pub fn host_ip(&self) -> IpAddr {
        self.lock().host_ip(self.host)
    }

    /// Makes `name:port` resolve to `ip:port` on every handle of this network.
    pub fn register_host_name(&self, name: &str, ip: IpAddr) {
        self.lock().register_host_name(name, ip);
    }

    /// The network clock's current time.
    pub fn now_ns(&self) -> i64 {
        self.lock().now_ns()
    }

    /// Opens an endpoint on this handle's host, returning the concrete type.
    pub fn open_transport(&self, spec: &TransportSpec) -> Result<SimTransport, TransportError> {
        let (id, local_addr) = self.lock().open(self.host, spec)?;
        Ok(SimTransport::new(Arc::clone(&self.state), id, local_addr))
    }

    /// Sets the link behaviour used where no per-link rule matches.
    pub fn set_default_link(&self, config: LinkConfig) {
        self.lock().set_default_link(config);
    }

    /// Sets the behaviour of datagrams from `from` to `to` (one way), replacing a rule with the same
    /// patterns. When several rules match, the most specific wins, and the latest set among equals.
    pub fn set_link(
        &self,
        from: impl Into<AddressPattern>,
        to: impl Into<AddressPattern>,
        config: LinkConfig,
    ) {
        self.lock().set_link(from.into(), to.into(), config);
    }

    /// Removes the rule set by [`set_link`](Self::set_link) with exactly these patterns.
    pub fn clear_link(&self, from: impl Into<AddressPattern>, to: impl Into<AddressPattern>) {
        self.lock().clear_link(from.into(), to.into());
    }

    /// Cuts both directions between every address of `side_a` and every address of `side_b`: datagrams
    /// sent across, and those in flight across when they arrive, are dropped until [`heal`](Self::heal).
    pub fn partition<A, B>(&self, side_a: A, side_b: B)
    where
        A: IntoIterator,
        A::Item: Into<AddressPattern>,
        B: IntoIterator,
        B::Item: Into<AddressPattern>,
    {
        let side_a: Vec<AddressPattern> = side_a.into_iter().map(Into::into).collect();
        let side_b: Vec<AddressPattern> = side_b.into_iter().map(Into::into).collect();
        let mut state = self.lock();
        for a in &side_a {
            for b in &side_b {
                state.partition_one_way(*a, *b);
                state.partition_one_way(*b, *a);
            }
        }
    }

    /// Cuts only the direction from every address of `from` to every address of `to`.
    pub fn partition_one_way<A, B>(&self, from: A, to: B)
    where
        A: IntoIterator,
        A::Item: Into<AddressPattern>,
        B: IntoIterator,
        B::Item: Into<AddressPattern>,
    {
        let to: Vec<AddressPattern> = to.into_iter().map(Into::into).collect();
        let mut state = self.lock();
        for a in from {
            let a = a.into();
            for b in &to {
                state.partition_one_way(a, *b);
            }
        }
    }

    /// Cuts `address` off from every other address, both ways (loopback traffic, whose addresses are the
    /// loopback ones, is unaffected).
    pub fn isolate(&self, address: impl Into<AddressPattern>) {
        self.partition([address.into()], [AddressPattern::Any]);
    }

    /// Clogs the link from `from` to `to` for `duration_ns`: datagrams arriving in that time are held and
    /// then delivered, in their arrival order, when the clog ends (or at [`heal`](Self::heal)).
    pub fn clog(&self, from: impl Into<AddressPattern>, to: impl Into<AddressPattern>, duration_ns: i64) {
        self.lock().clog(from.into(), to.into(), duration_ns);
    }

    /// Removes every partition and clog; datagrams held by clogs become receivable now. Link
    /// configurations (latency, loss, ...) stay.
    pub fn heal(&self) {
        self.lock().heal();
    }

    /// The counters, after processing the arrivals due now.
    pub fn counters(&self) -> NetworkCounters {
        self.lock().counters()
    }

    /// The earliest arrival time of a datagram on the wire, or `None` if the wire is empty.
    pub fn next_arrival_ns(&self) -> Option<i64> {
        self.lock().next_arrival_ns()
    }

    /// Starts recording every datagram event in memory (see [`take_trace_log`](Self::take_trace_log)).
    pub fn enable_trace_log(&self) {
        self.lock().enable_trace_log();
    }

    /// The events recorded since the last call (empty if the log is not enabled).
    pub fn take_trace_log(&self) -> Vec<TraceEntry> {
        self.lock().take_trace_log()
    }

    /// Calls `hook` with every datagram event as it happens (`None` removes it). The hook runs with the
    /// network locked and must not call into the network.
    pub fn set_trace_hook(&self, hook: Option<TraceHook>) {
        self.lock().set_trace_hook(hook);
    }

    fn lock(&self) -> MutexGuard<'_, NetworkState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl DatagramTransportFactory for SimNetwork {
    fn open(&self, spec: &TransportSpec) -> Result<Box<dyn DatagramTransport>, TransportError> {
        Ok(Box::new(self.open_transport(spec)?))
    }

    /// Accepts `a.b.c.d:port`, `[v6]:port`, `localhost:port` (`127.0.0.1`) and names registered with
    /// [`SimNetwork::register_host_name`].
    fn resolve(&self, host_and_port: &str) -> Result<SocketAddr, TransportError> {
        self.lock().resolve(host_and_port)
    }
}

impl fmt::Debug for SimNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimNetwork").field("host_ip", &self.host_ip()).finish_non_exhaustive()
    }
}
