//! `NetworkState`: the simulated network behind every [`SimNetwork`](crate::SimNetwork) handle and
//! [`SimTransport`](crate::SimTransport) endpoint (crate-private; the handles lock it for each call).
//!
//! Model:
//! * Hosts own an IP address and a port space; endpoints are opened on a host. An endpoint bound to the
//!   wildcard address receives what is sent to its host's address or to its host's loopback.
//! * A send draws its fate at once (partition, loss, latency + jitter, duplication) and puts each copy on
//!   the wire, a min-heap ordered by (arrival time, copy id). Copy ids grow in send order, so equal
//!   arrival times keep send order.
//! * Arrival is evaluated in arrival-time order: a clogged link holds the copy until the clog ends; a
//!   partition in force at arrival drops it; then the copy is routed to an endpoint (unicast: by address
//!   at arrival time; multicast: to the member chosen at send time) and queued, or dropped when the
//!   endpoint is connected elsewhere or its queue is full.
//!
//! Invariants:
//! * Caught up: every public operation first processes all arrivals due at the clock's current time
//!   (`catch_up`), so that a state change (partition, heal, open, close) takes effect exactly at the time
//!   it is made, as if arrivals were processed eagerly. The clock must never go backwards.
//! * Conservation (see [`NetworkCounters`]): every copy is in exactly one of the in-flight heap, an
//!   endpoint queue, delivered, or a drop counter; `counters.in_flight`/`counters.queued` always equal the
//!   heap length and the sum of queue lengths.
//! * Determinism: every random draw comes from `prng`, in an order fixed by the calls; endpoints, rules
//!   and hosts live in ordered containers.
//! * Payload buffers are recycled through a free list, so steady-state traffic does not allocate.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use agrona::{NanoClock, Prng};
use media::{SendOutcome, TransportError, TransportSpec};

use crate::address_pattern::AddressPattern;
use crate::link_config::LinkConfig;
use crate::network_config::NetworkConfig;
use crate::network_counters::NetworkCounters;
use crate::trace_entry::{DatagramFate, TraceEntry, TraceHook};

/// Index of a host in `NetworkState::hosts`.
pub(crate) type HostIndex = usize;

/// Identity of an open endpoint (never reused).
pub(crate) type EndpointId = u64;

/// A simulated machine: its address and ephemeral-port cursor.
struct Host {
    ip: IpAddr,
    next_ephemeral_port: u16,
}

/// One open endpoint.
struct Endpoint {
    host: HostIndex,
    local_addr: SocketAddr,
    connect_address: Option<SocketAddr>,
    multicast_group: Option<IpAddr>,
    reuse_address: bool,
    receive_capacity_bytes: usize,
    send_capacity_bytes: usize,
    queue: VecDeque<QueuedDatagram>,
    queued_bytes: usize,
    /// When the send buffer will have drained (send-buffer model only).
    send_idle_at_ns: i64,
}

/// A datagram waiting in an endpoint's receive queue.
struct QueuedDatagram {
    id: u64,
    source: SocketAddr,
    destination: SocketAddr,
    payload: Vec<u8>,
}

/// A datagram copy on the wire.
struct InFlight {
    deliver_at_ns: i64,
    id: u64,
    /// The sender's host (loopback destinations route within it).
    sender_host: HostIndex,
    source: SocketAddr,
    /// Where the copy travels to; used for rules and, for unicast, for routing.
    destination: SocketAddr,
    /// For a multicast copy, the member endpoint chosen at send time.
    member: Option<EndpointId>,
    /// True once a clog has held this copy back (a heal releases it).
    held: bool,
    payload: Vec<u8>,
}

impl PartialEq for InFlight {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for InFlight {}

impl PartialOrd for InFlight {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for InFlight {
    /// Reversed (arrival time, id), so that `BinaryHeap` pops the earliest arrival first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.deliver_at_ns, other.id).cmp(&(self.deliver_at_ns, self.id))
    }
}

/// A per-link configuration override.
struct LinkRule {
    from: AddressPattern,
    to: AddressPattern,
    config: LinkConfig,
}

/// A one-way partition: datagrams from `from` to `to` are dropped.
struct PartitionRule {
    from: AddressPattern,
    to: AddressPattern,
}

/// A one-way clog: datagrams from `from` to `to` arriving before `until_ns` are held until then.
struct ClogRule {
    from: AddressPattern,
    to: AddressPattern,
    until_ns: i64,
}

/// A copy about to be put on the wire by `send`.
#[derive(Clone, Copy)]
struct CopyTarget {
    destination: SocketAddr,
    member: Option<EndpointId>,
}

/// The whole simulated network.
pub(crate) struct NetworkState {
    clock: Box<dyn NanoClock>,
    prng: Prng,
    config: NetworkConfig,
    hosts: Vec<Host>,
    host_names: BTreeMap<String, IpAddr>,
    endpoints: BTreeMap<EndpointId, Endpoint>,
    next_endpoint_id: EndpointId,
    links: Vec<LinkRule>,
    partitions: Vec<PartitionRule>,
    clogs: Vec<ClogRule>,
    in_flight: BinaryHeap<InFlight>,
    next_datagram_id: u64,
    free_buffers: Vec<Vec<u8>>,
    copy_targets: Vec<CopyTarget>,
    counters: NetworkCounters,
    caught_up_ns: i64,
    trace_log: Option<Vec<TraceEntry>>,
    trace_hook: Option<TraceHook>,
}

impl NetworkState {
    /// A network with no hosts or endpoints, reading time from `clock` and drawing faults from `prng`.
    pub(crate) fn new(clock: Box<dyn NanoClock>, prng: Prng, config: NetworkConfig) -> Self {
        config.validate();
        let caught_up_ns = clock.nano_time();
        Self {
            clock,
            prng,
            config,
            hosts: Vec::new(),
            host_names: BTreeMap::new(),
            endpoints: BTreeMap::new(),
            next_endpoint_id: 1,
            links: Vec::new(),
            partitions: Vec::new(),
            clogs: Vec::new(),
            in_flight: BinaryHeap::new(),
            next_datagram_id: 1,
            free_buffers: Vec::new(),
            copy_targets: Vec::new(),
            counters: NetworkCounters::default(),
            caught_up_ns,
            trace_log: None,
            trace_hook: None,
        }
    }

    // ----- hosts and names -----

    /// The host owning `ip`, created if new.
    pub(crate) fn host_index(&mut self, ip: IpAddr) -> HostIndex {
        assert!(
            !ip.is_unspecified() && !ip.is_multicast(),
            "a host address must be a unicast address, not {ip}"
        );
        if let Some(index) = self.hosts.iter().position(|host| host.ip == ip) {
            return index;
        }
        self.hosts.push(Host { ip, next_ephemeral_port: self.config.ephemeral_port_first });
        self.hosts.len() - 1
    }

    /// The address of host `host`.
    pub(crate) fn host_ip(&self, host: HostIndex) -> IpAddr {
        self.hosts[host].ip
    }

    /// Makes `name` resolve to `ip`.
    pub(crate) fn register_host_name(&mut self, name: &str, ip: IpAddr) {
        self.host_names.insert(name.to_owned(), ip);
    }

    /// Resolves `host:port`, `[v6]:port`, `localhost:port` or a registered name.
    pub(crate) fn resolve(&self, host_and_port: &str) -> Result<SocketAddr, TransportError> {
        if let Ok(address) = host_and_port.parse::<SocketAddr>() {
            return Ok(address);
        }
        let Some((host, port)) = host_and_port.rsplit_once(':') else {
            return Err(TransportError::Io(format!(
                "invalid endpoint {host_and_port:?}: expected host:port"
            )));
        };
        let Ok(port) = port.parse::<u16>() else {
            return Err(TransportError::Io(format!("invalid port in endpoint {host_and_port:?}")));
        };
        let ip = if host.eq_ignore_ascii_case("localhost") {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        } else if let Some(ip) = self.host_names.get(host) {
            *ip
        } else {
            return Err(TransportError::UnknownHost(host.to_owned()));
        };
        Ok(SocketAddr::new(ip, port))
    }

    // ----- time -----

    /// The clock's current time.
    pub(crate) fn now_ns(&self) -> i64 {
        self.clock.nano_time()
    }

    /// Processes every arrival due now and returns now. Panics if the clock went backwards.
    fn catch_up(&mut self) -> i64 {
        let now_ns = self.clock.nano_time();
        assert!(
            now_ns >= self.caught_up_ns,
            "the network clock went backwards ({} -> {now_ns})",
            self.caught_up_ns
        );
        self.caught_up_ns = now_ns;
        self.deliver_due(now_ns);
        now_ns
    }

    /// The earliest arrival time on the wire (a simulator may jump the clock there when idle).
    pub(crate) fn next_arrival_ns(&mut self) -> Option<i64> {
        self.catch_up();
        self.in_flight.peek().map(|datagram| datagram.deliver_at_ns)
    }

    // ----- configuration and faults -----

    pub(crate) fn set_default_link(&mut self, config: LinkConfig) {
        config.validate();
        self.catch_up();
        self.config.default_link = config;
    }

    pub(crate) fn set_link(&mut self, from: AddressPattern, to: AddressPattern, config: LinkConfig) {
        config.validate();
        self.catch_up();
        self.links.retain(|rule| !(rule.from == from && rule.to == to));
        self.links.push(LinkRule { from, to, config });
    }

    pub(crate) fn clear_link(&mut self, from: AddressPattern, to: AddressPattern) {
        self.catch_up();
        self.links.retain(|rule| !(rule.from == from && rule.to == to));
    }

    pub(crate) fn partition_one_way(&mut self, from: AddressPattern, to: AddressPattern) {
        self.catch_up();
        if !self.partitions.iter().any(|rule| rule.from == from && rule.to == to) {
            self.partitions.push(PartitionRule { from, to });
        }
    }

    pub(crate) fn clog(&mut self, from: AddressPattern, to: AddressPattern, duration_ns: i64) {
        assert!(duration_ns >= 0, "clog duration must not be negative: {duration_ns}");
        let now_ns = self.catch_up();
        self.clogs.push(ClogRule { from, to, until_ns: now_ns.saturating_add(duration_ns) });
    }

    /// Removes every partition and clog; held datagrams become receivable now.
    pub(crate) fn heal(&mut self) {
        let now_ns = self.catch_up();
        self.partitions.clear();
        self.clogs.clear();
        let mut datagrams = std::mem::take(&mut self.in_flight).into_vec();
        for datagram in &mut datagrams {
            if datagram.held && datagram.deliver_at_ns > now_ns {
                datagram.deliver_at_ns = now_ns;
            }
        }
        self.in_flight = BinaryHeap::from(datagrams);
        self.deliver_due(now_ns);
    }

    // ----- observability -----

    pub(crate) fn counters(&mut self) -> NetworkCounters {
        self.catch_up();
        self.counters
    }

    pub(crate) fn enable_trace_log(&mut self) {
        if self.trace_log.is_none() {
            self.trace_log = Some(Vec::new());
        }
    }

    pub(crate) fn take_trace_log(&mut self) -> Vec<TraceEntry> {
        self.catch_up();
        self.trace_log.as_mut().map(std::mem::take).unwrap_or_default()
    }

    pub(crate) fn set_trace_hook(&mut self, hook: Option<TraceHook>) {
        self.trace_hook = hook;
    }

    fn trace(&mut self, entry: TraceEntry) {
        if let Some(log) = &mut self.trace_log {
            log.push(entry);
        }
        if let Some(hook) = &mut self.trace_hook {
            hook(&entry);
        }
    }

    // ----- endpoints -----

    /// Opens an endpoint on `host` as `spec` says; returns its id and bound address.
    pub(crate) fn open(
        &mut self,
        host: HostIndex,
        spec: &TransportSpec,
    ) -> Result<(EndpointId, SocketAddr), TransportError> {
        self.catch_up();
        let ip = spec.bind_address.ip();
        let host_ip = self.hosts[host].ip;
        if !(ip.is_unspecified() || ip.is_loopback() || ip.is_multicast() || ip == host_ip) {
            return Err(TransportError::Io(format!(
                "cannot assign requested address {ip} on simulated host {host_ip}"
            )));
        }
        if let Some(group) = spec.multicast_group
            && !group.is_multicast()
        {
            return Err(TransportError::Unsupported(format!("{group} is not a multicast group")));
        }
        let port = match spec.bind_address.port() {
            0 => self.allocate_ephemeral_port(host).ok_or(TransportError::AddressInUse(spec.bind_address))?,
            port if self.conflicts(host, ip, port, spec.reuse_address) => {
                return Err(TransportError::AddressInUse(spec.bind_address));
            }
            port => port,
        };
        let local_addr = SocketAddr::new(ip, port);
        let id = self.next_endpoint_id;
        self.next_endpoint_id += 1;
        self.endpoints.insert(
            id,
            Endpoint {
                host,
                local_addr,
                connect_address: spec.connect_address,
                multicast_group: spec.multicast_group,
                reuse_address: spec.reuse_address,
                receive_capacity_bytes: spec.socket_rcvbuf_length.unwrap_or(self.config.receive_buffer_bytes),
                send_capacity_bytes: spec.socket_sndbuf_length.unwrap_or(self.config.send_buffer_bytes),
                queue: VecDeque::new(),
                queued_bytes: 0,
                send_idle_at_ns: 0,
            },
        );
        Ok((id, local_addr))
    }

    /// True if binding `ip:port` on `host` clashes with an open endpoint.
    fn conflicts(&self, host: HostIndex, ip: IpAddr, port: u16, reuse_address: bool) -> bool {
        self.endpoints.values().any(|endpoint| {
            let bound = endpoint.local_addr;
            endpoint.host == host
                && bound.port() == port
                && (bound.ip() == ip || bound.ip().is_unspecified() || ip.is_unspecified())
                && !(reuse_address && endpoint.reuse_address)
        })
    }

    /// The next free port of `host`'s ephemeral range, scanning upwards from its cursor and wrapping.
    fn allocate_ephemeral_port(&mut self, host: HostIndex) -> Option<u16> {
        let first = self.config.ephemeral_port_first;
        let last = self.config.ephemeral_port_last;
        let range_length = u32::from(last - first) + 1;
        let mut candidate = self.hosts[host].next_ephemeral_port.clamp(first, last);
        for _ in 0..range_length {
            let in_use = self
                .endpoints
                .values()
                .any(|endpoint| endpoint.host == host && endpoint.local_addr.port() == candidate);
            let next = if candidate == last { first } else { candidate + 1 };
            if !in_use {
                self.hosts[host].next_ephemeral_port = next;
                return Some(candidate);
            }
            candidate = next;
        }
        None
    }

    /// Closes an endpoint: its queued datagrams are dropped and counted, its address is free again.
    pub(crate) fn close(&mut self, id: EndpointId) {
        let now_ns = self.catch_up();
        let Some(endpoint) = self.endpoints.remove(&id) else { return };
        for datagram in endpoint.queue {
            self.counters.queued -= 1;
            self.counters.dropped_closed += 1;
            self.trace(TraceEntry {
                time_ns: now_ns,
                datagram_id: datagram.id,
                source: datagram.source,
                destination: datagram.destination,
                length: datagram.payload.len(),
                fate: DatagramFate::Closed,
            });
            self.free_buffers.push(datagram.payload);
        }
    }

    // ----- receive -----

    /// Pops the next queued datagram of endpoint `id` that fits `buffer` (longer ones are dropped).
    pub(crate) fn try_recv(&mut self, id: EndpointId, buffer: &mut [u8]) -> Option<(usize, SocketAddr)> {
        let now_ns = self.catch_up();
        loop {
            let endpoint = self.endpoints.get_mut(&id)?;
            let datagram = endpoint.queue.pop_front()?;
            let length = datagram.payload.len();
            endpoint.queued_bytes -= length;
            self.counters.queued -= 1;
            let fits = length <= buffer.len();
            if fits {
                buffer[..length].copy_from_slice(&datagram.payload);
                self.counters.delivered += 1;
            } else {
                self.counters.dropped_truncated += 1;
            }
            self.trace(TraceEntry {
                time_ns: now_ns,
                datagram_id: datagram.id,
                source: datagram.source,
                destination: datagram.destination,
                length,
                fate: if fits { DatagramFate::Received } else { DatagramFate::Truncated },
            });
            let source = datagram.source;
            self.free_buffers.push(datagram.payload);
            if fits {
                return Some((length, source));
            }
        }
    }

    // ----- send -----

    /// Sends `datagram` from endpoint `id` to `destination`.
    pub(crate) fn send(&mut self, id: EndpointId, destination: SocketAddr, datagram: &[u8]) -> SendOutcome {
        let now_ns = self.catch_up();
        let Some(endpoint) = self.endpoints.get(&id) else {
            panic!("send on a closed simulated endpoint");
        };
        let sender_host = endpoint.host;
        let source = self.source_address(endpoint, destination);
        let length = datagram.len();

        let Some(departure_ns) = self.reserve_send_buffer(id, now_ns, length) else {
            self.counters.would_block += 1;
            self.trace(TraceEntry {
                time_ns: now_ns,
                datagram_id: 0,
                source,
                destination,
                length,
                fate: DatagramFate::WouldBlock,
            });
            return SendOutcome::WouldBlock;
        };
        self.counters.sent += 1;

        let mut targets = std::mem::take(&mut self.copy_targets);
        targets.clear();
        if destination.ip().is_multicast() {
            self.multicast_members(destination, &mut targets);
        } else {
            targets.push(CopyTarget { destination, member: None });
        }
        if targets.is_empty() {
            let datagram_id = self.next_datagram_id();
            self.counters.dropped_unreachable += 1;
            self.trace(TraceEntry {
                time_ns: now_ns,
                datagram_id,
                source,
                destination,
                length,
                fate: DatagramFate::Unreachable,
            });
        } else {
            self.counters.multicast_copies += targets.len() as u64 - 1;
        }
        for target in &targets {
            self.send_copy(now_ns, departure_ns, sender_host, source, *target, datagram);
        }
        self.copy_targets = targets;
        SendOutcome::Sent(length)
    }

    /// Applies the send-buffer model: the departure time, or `None` for `WouldBlock`.
    fn reserve_send_buffer(&mut self, id: EndpointId, now_ns: i64, length: usize) -> Option<i64> {
        if self.prng.chance(self.config.would_block_probability) {
            return None;
        }
        let Some(rate_bytes_per_s) = self.config.send_rate_bytes_per_s else {
            return Some(now_ns);
        };
        let endpoint = self.endpoints.get_mut(&id)?;
        let rate = u128::from(rate_bytes_per_s);
        let backlog_ns = (endpoint.send_idle_at_ns - now_ns).max(0) as u128;
        let backlog_bytes = backlog_ns * rate / 1_000_000_000;
        if backlog_bytes + length as u128 > endpoint.send_capacity_bytes as u128 {
            return None;
        }
        let transmit_ns = (length as u128 * 1_000_000_000).div_ceil(rate);
        let departure_ns = endpoint
            .send_idle_at_ns
            .max(now_ns)
            .saturating_add(i64::try_from(transmit_ns).unwrap_or(i64::MAX));
        endpoint.send_idle_at_ns = departure_ns;
        Some(departure_ns)
    }

    /// Puts one copy on the wire (or drops it), drawing its fate from the link's configuration.
    fn send_copy(
        &mut self,
        now_ns: i64,
        departure_ns: i64,
        sender_host: HostIndex,
        source: SocketAddr,
        target: CopyTarget,
        payload: &[u8],
    ) {
        let datagram_id = self.next_datagram_id();
        let mut entry = TraceEntry {
            time_ns: now_ns,
            datagram_id,
            source,
            destination: target.destination,
            length: payload.len(),
            fate: DatagramFate::Lost,
        };
        if self.is_partitioned(source, target.destination) {
            self.counters.dropped_partition += 1;
            entry.fate = DatagramFate::Partitioned;
            self.trace(entry);
            return;
        }
        let link = self.link_for(source, target.destination);
        if self.prng.chance(link.loss_probability) {
            self.counters.dropped_loss += 1;
            self.trace(entry);
            return;
        }
        let deliver_at_ns = self.arrival_time(departure_ns, &link);
        entry.fate = DatagramFate::Scheduled { deliver_at_ns };
        self.schedule(datagram_id, deliver_at_ns, sender_host, source, target, payload);
        self.trace(entry);
        if self.prng.chance(link.duplicate_probability) {
            let duplicate_id = self.next_datagram_id();
            let deliver_at_ns = self.arrival_time(departure_ns, &link);
            self.counters.duplicated += 1;
            self.schedule(duplicate_id, deliver_at_ns, sender_host, source, target, payload);
            self.trace(TraceEntry {
                datagram_id: duplicate_id,
                fate: DatagramFate::Duplicated { deliver_at_ns },
                ..entry
            });
        }
    }

    fn arrival_time(&mut self, departure_ns: i64, link: &LinkConfig) -> i64 {
        let jitter_ns =
            if link.jitter_ns > 0 { self.prng.gen_range(0..link.jitter_ns as u64 + 1) as i64 } else { 0 };
        departure_ns.saturating_add(link.latency_ns).saturating_add(jitter_ns)
    }

    fn schedule(
        &mut self,
        id: u64,
        deliver_at_ns: i64,
        sender_host: HostIndex,
        source: SocketAddr,
        target: CopyTarget,
        payload: &[u8],
    ) {
        let mut buffer = self.free_buffers.pop().unwrap_or_default();
        buffer.clear();
        buffer.extend_from_slice(payload);
        self.counters.in_flight += 1;
        self.in_flight.push(InFlight {
            deliver_at_ns,
            id,
            sender_host,
            source,
            destination: target.destination,
            member: target.member,
            held: false,
            payload: buffer,
        });
    }

    fn next_datagram_id(&mut self) -> u64 {
        let id = self.next_datagram_id;
        self.next_datagram_id += 1;
        id
    }

    /// The address receivers see as the sender: the bound address, or for a wildcard (or group) bind the
    /// loopback address when sending to loopback, else the host's address.
    fn source_address(&self, endpoint: &Endpoint, destination: SocketAddr) -> SocketAddr {
        let bound = endpoint.local_addr;
        if !bound.ip().is_unspecified() && !bound.ip().is_multicast() {
            return bound;
        }
        let ip = if is_local_destination(destination.ip()) {
            loopback_like(destination.ip())
        } else {
            self.hosts[endpoint.host].ip
        };
        SocketAddr::new(ip, bound.port())
    }

    /// Members of the group `group` on its port, in endpoint order, with their network addresses.
    fn multicast_members(&self, group: SocketAddr, targets: &mut Vec<CopyTarget>) {
        for (&id, endpoint) in &self.endpoints {
            let bound = endpoint.local_addr;
            if endpoint.multicast_group == Some(group.ip())
                && bound.port() == group.port()
                && (bound.ip().is_unspecified() || bound.ip() == group.ip())
            {
                let destination = SocketAddr::new(self.hosts[endpoint.host].ip, group.port());
                targets.push(CopyTarget { destination, member: Some(id) });
            }
        }
    }

    fn is_partitioned(&self, source: SocketAddr, destination: SocketAddr) -> bool {
        self.partitions.iter().any(|rule| rule.from.matches(source) && rule.to.matches(destination))
    }

    /// The most specific matching link rule (the latest set wins a tie), else the default link.
    fn link_for(&self, source: SocketAddr, destination: SocketAddr) -> LinkConfig {
        let mut best: Option<(u8, LinkConfig)> = None;
        for rule in &self.links {
            if rule.from.matches(source) && rule.to.matches(destination) {
                let specificity = rule.from.specificity() + rule.to.specificity();
                if best.is_none_or(|(best_specificity, _)| specificity >= best_specificity) {
                    best = Some((specificity, rule.config));
                }
            }
        }
        best.map_or(self.config.default_link, |(_, config)| config)
    }

    /// The latest end of a clog holding a copy from `source` to `destination` arriving at `at_ns`.
    fn clogged_until(&self, source: SocketAddr, destination: SocketAddr, at_ns: i64) -> Option<i64> {
        self.clogs
            .iter()
            .filter(|rule| rule.until_ns > at_ns && rule.from.matches(source) && rule.to.matches(destination))
            .map(|rule| rule.until_ns)
            .max()
    }

    // ----- arrival -----

    /// Processes, in arrival order, every copy whose arrival time is at or before `now_ns`.
    fn deliver_due(&mut self, now_ns: i64) {
        while self.in_flight.peek().is_some_and(|top| top.deliver_at_ns <= now_ns) {
            let Some(mut datagram) = self.in_flight.pop() else { break };
            if let Some(until_ns) =
                self.clogged_until(datagram.source, datagram.destination, datagram.deliver_at_ns)
            {
                self.counters.held_by_clog += 1;
                self.trace(TraceEntry {
                    time_ns: datagram.deliver_at_ns,
                    datagram_id: datagram.id,
                    source: datagram.source,
                    destination: datagram.destination,
                    length: datagram.payload.len(),
                    fate: DatagramFate::Held { until_ns },
                });
                datagram.deliver_at_ns = until_ns;
                datagram.held = true;
                self.in_flight.push(datagram);
                continue;
            }
            self.counters.in_flight -= 1;
            self.arrive(datagram);
        }
        self.clogs.retain(|rule| rule.until_ns > now_ns);
    }

    /// One copy reaches its destination: dropped (partition, nobody bound, connected elsewhere, queue
    /// full) or queued.
    fn arrive(&mut self, datagram: InFlight) {
        let InFlight { deliver_at_ns, id, sender_host, source, destination, member, payload, .. } = datagram;
        let length = payload.len();
        let endpoint_id = match member {
            Some(member_id) => self.endpoints.contains_key(&member_id).then_some(member_id),
            None => self.route_unicast(sender_host, destination),
        };
        let fate = if self.is_partitioned(source, destination) {
            self.counters.dropped_partition += 1;
            DatagramFate::Partitioned
        } else {
            match endpoint_id.and_then(|endpoint_id| self.endpoints.get_mut(&endpoint_id)) {
                None => {
                    self.counters.dropped_unreachable += 1;
                    DatagramFate::Unreachable
                }
                Some(endpoint) if endpoint.connect_address.is_some_and(|peer| peer != source) => {
                    self.counters.dropped_filtered += 1;
                    DatagramFate::Filtered
                }
                Some(endpoint) if endpoint.queued_bytes + length > endpoint.receive_capacity_bytes => {
                    self.counters.dropped_queue_full += 1;
                    DatagramFate::QueueFull
                }
                Some(endpoint) => {
                    endpoint.queued_bytes += length;
                    endpoint.queue.push_back(QueuedDatagram { id, source, destination, payload });
                    self.counters.queued += 1;
                    self.trace(TraceEntry {
                        time_ns: deliver_at_ns,
                        datagram_id: id,
                        source,
                        destination,
                        length,
                        fate: DatagramFate::Queued,
                    });
                    return;
                }
            }
        };
        self.free_buffers.push(payload);
        self.trace(TraceEntry { time_ns: deliver_at_ns, datagram_id: id, source, destination, length, fate });
    }

    /// The endpoint receiving a unicast datagram to `destination` sent from `sender_host`: an endpoint bound
    /// to exactly that address first, else one bound to the wildcard address on the host owning it (the
    /// sender's host for loopback); the oldest endpoint wins among equals.
    fn route_unicast(&self, sender_host: HostIndex, destination: SocketAddr) -> Option<EndpointId> {
        let local = is_local_destination(destination.ip());
        let destination_host = if local {
            Some(sender_host)
        } else {
            self.hosts.iter().position(|host| host.ip == destination.ip())
        };
        let mut wildcard = None;
        for (&id, endpoint) in &self.endpoints {
            let bound = endpoint.local_addr;
            if bound.port() != destination.port() {
                continue;
            }
            if bound.ip() == destination.ip() && (!local || endpoint.host == sender_host) {
                return Some(id);
            }
            if wildcard.is_none() && bound.ip().is_unspecified() && Some(endpoint.host) == destination_host {
                wildcard = Some(id);
            }
        }
        wildcard
    }
}

/// True for loopback and unspecified destinations (both mean "this host").
fn is_local_destination(ip: IpAddr) -> bool {
    ip.is_loopback() || ip.is_unspecified()
}

/// The loopback address of `ip`'s family.
fn loopback_like(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
    }
}
