//! fulmar-samples: sample clustered services and clients.
//!
//! - [`basic_auction`]: the Aeron Cluster tutorial's basic auction — service, client, wire formats.
//! - [`node_support`]: turns a [`node::NodeConfig`] into what [`node::ClusterNode`] runs.
//! - [`client_runtime`]: an embedded media driver and Aeron client for cluster clients (examples,
//!   the `fulmar demo` command, tests).
//!
//! Invariants: the services and the client state machines are deterministic (no clock, no threads, no
//! unseeded randomness); only [`client_runtime`] touches the OS (threads, files), like `sys`.

#![warn(missing_docs)]

pub mod basic_auction;
pub mod client_runtime;
pub mod node_support;
