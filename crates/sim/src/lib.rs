//! fulmar-sim: the deterministic simulator. It implements fulmar's seams (time, randomness, datagrams, and
//! later files and threads) so that the very same agents that run on the OS can run single-threaded, from
//! one seed, under injected faults (DESIGN.md principle 2, testing tier 2).
//!
//! Today it holds the simulated network:
//! * [`SimNetwork`]: a clonable handle on one simulated network; it implements
//!   [`media::DatagramTransportFactory`] for one simulated host and carries the fault controls (links,
//!   partitions, clogs, heal), the [`NetworkCounters`] and the trace.
//! * [`SimTransport`]: one endpoint, implementing [`media::DatagramTransport`].
//! * [`LinkConfig`], [`NetworkConfig`], [`AddressPattern`]: how links and the network behave.
//! * [`TraceEntry`]/[`DatagramFate`]: one line per datagram event, for debugging a failing seed.
//!
//! Invariants shared by every type here:
//! * Determinism: every random choice is drawn from the one [`agrona::Prng`] the network was given, and
//!   time comes only from the [`agrona::NanoClock`] it was given; the same seed, clock moves and calls give
//!   the same deliveries, byte for byte, and the same trace. Nothing iterates a hash map.
//! * Conservation: every datagram copy put on the wire is, at any moment, exactly one of in flight,
//!   queued at an endpoint, delivered, or dropped with a counted reason
//!   ([`NetworkCounters::is_conserved`]).
//! * Nothing here reads the OS clock, sleeps, spawns threads, or touches sockets or files.

#![warn(missing_docs)]

pub mod address_pattern;
pub mod link_config;
pub mod network_config;
pub mod network_counters;
mod network_state;
pub mod sim_network;
pub mod sim_transport;
pub mod trace_entry;

pub use address_pattern::AddressPattern;
pub use link_config::LinkConfig;
pub use network_config::NetworkConfig;
pub use network_counters::NetworkCounters;
pub use sim_network::SimNetwork;
pub use sim_transport::SimTransport;
pub use trace_entry::{DatagramFate, TraceEntry, TraceHook};
