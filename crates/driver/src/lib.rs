//! fulmar-driver: the media driver, after Aeron's `io.aeron.driver`. For now IPC only: the
//! [`DriverConductor`] agent serves client commands over the CnC region (`cnc.dat`), creates IPC
//! publication logs, links subscriptions to them, moves publisher limits, tracks client liveness and
//! manages counters and the error log. Senders, receivers and network publications come later and will
//! plug into the same conductor duty cycle.
//!
//! How to run a driver: build a [`DriverContext`] (Aeron defaults, or [`DriverContext::test_min`]) over a
//! `MemoryStore` and an `EpochClock`, create a [`DriverConductor`], and drive it as an `agrona::Agent`
//! (an `AgentRunner` thread in `sys`, an `AgentInvoker`, or a test loop with explicit `now_ns`).
//!
//! Determinism: no clock reads, threads, files or unseeded randomness here; time comes from `now_ns`
//! and the context's `EpochClock`, memory from its `MemoryStore`, randomness from a seeded `Prng`.

#![warn(missing_docs)]
pub mod aeron_client;
mod channel;
pub mod client_proxy;
pub mod cnc_file;
pub mod driver_conductor;
pub mod driver_context;
pub mod driver_error;
pub mod ipc_publication;
mod publication_params;
pub mod stream_counters;
pub mod subscription_link;
mod subscription_params;
pub mod system_counters;

pub use aeron_client::AeronClient;
pub use cnc_file::CncFile;
pub use driver_conductor::{DriverConductor, IPC_SOURCE_IDENTITY, NO_ID_ALLOCATED};
pub use driver_context::DriverContext;
pub use driver_error::{ControlError, DriverError};
pub use ipc_publication::{IpcPublication, PublicationState};
pub use subscription_link::SubscriptionLink;
