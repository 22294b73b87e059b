//! fulmar-driver: the media driver, after Aeron's `io.aeron.driver`. The [`DriverConductor`] agent serves
//! client commands over the CnC region (`cnc.dat`), creates publication logs, links subscriptions,
//! moves publisher limits, tracks client liveness and manages counters and the error log. For
//! `aeron:udp` channels the [`Sender`] and [`Receiver`] agents wrap the sans-IO protocol core of
//! `fulmar-media` (`NetworkPublicationSender`, `DataPacketDispatcher`, `PublicationImageReceiver`) around
//! `media::DatagramTransport`s opened by the context's transport factory.
//!
//! How to run a driver: build a [`DriverContext`] (Aeron defaults, or [`DriverContext::test_min`]) over a
//! `MemoryStore` and an `EpochClock` (plus a `transport_factory` for UDP), [`MediaDriver::launch`] it and
//! hand [`MediaDriver::into_agents`] to threads (`sys::AgentRunner`) or an `AgentInvoker`. An IPC-only
//! driver may also run a bare [`DriverConductor`].
//!
//! Determinism: no clock reads, threads, files or unseeded randomness here; time comes from `now_ns`
//! and the context's `EpochClock`, memory from its `MemoryStore`, randomness from a seeded `Prng`.

#![warn(missing_docs)]
pub mod aeron_client;
mod channel;
pub mod channel_endpoint_status;
pub mod client_proxy;
pub mod cnc_file;
pub mod driver_conductor;
pub mod driver_context;
pub mod driver_error;
pub mod ipc_publication;
pub mod media_driver;
mod network_commands;
pub mod network_publication;
pub mod publication_image;
mod publication_params;
pub mod receive_channel_endpoint;
pub mod receiver;
pub mod receiver_image;
pub mod send_channel_endpoint;
pub mod sender;
pub mod sender_publication;
pub mod stream_counters;
pub mod subscription_link;
mod subscription_params;
pub mod system_counters;
mod udp_channel;

pub use aeron_client::AeronClient;
pub use cnc_file::CncFile;
pub use driver_conductor::{DriverConductor, IPC_SOURCE_IDENTITY, NO_ID_ALLOCATED};
pub use driver_context::DriverContext;
pub use driver_error::{ControlError, DriverError};
pub use ipc_publication::{IpcPublication, PublicationState};
pub use media_driver::{MediaDriver, ThreadingMode};
pub use network_publication::NetworkPublication;
pub use publication_image::PublicationImage;
pub use receive_channel_endpoint::ReceiveChannelEndpoint;
pub use receiver::Receiver;
pub use receiver_image::ReceiverImage;
pub use send_channel_endpoint::SendChannelEndpoint;
pub use sender::Sender;
pub use sender_publication::{NetworkPublicationStatus, SenderPublication};
pub use subscription_link::{SubscriptionKind, SubscriptionLink};
