//! fulmar-client: the Aeron client API over a media driver's shared memory.
//!
//! Connect with [`Aeron::connect`] (a [`Context`] names the driver's [`agrona::MemoryStore`], the clocks
//! and the idle strategy), then add [`Publication`]s, [`ExclusivePublication`]s and [`Subscription`]s.
//! Offers and polls are lock-free and allocation-free and never touch the conductor; the conductor
//! (control plane) runs in blocking calls, in [`Aeron::conductor_do_work`], or on a runner thread through
//! [`Aeron::conductor_agent`].
//!
//! Invariants:
//! - The client talks to the driver only through the CnC region (`cnc.dat`) and the log buffers it opens
//!   by name from the same store; it never calls the driver crate.
//! - Nothing the driver or another process writes into shared memory can make the client panic: it
//!   becomes a [`ClientError`] (or is reported to the context's error handler).
//! - Library code reads no clock and never sleeps: time and waiting come through the context's seams.

pub mod aeron;
pub mod client_conductor;
pub mod client_error;
mod client_shared;
pub mod conductor_agent;
pub mod context;
mod driver_proxy;
pub mod exclusive_publication;
pub mod image;
pub mod publication;
pub mod subscription;

pub use aeron::Aeron;
pub use client_conductor::{CLIENT_HEARTBEAT_TYPE_ID, ImageHandler, MAX_CHANNEL_LENGTH};
pub use client_error::ClientError;
pub use conductor_agent::ClientConductorAgent;
pub use context::{Context, DriverAgentInvoker, ErrorHandler};
pub use exclusive_publication::ExclusivePublication;
pub use image::Image;
pub use logbuffer::{BufferClaim, ControlledPollAction, FragmentAssembler, Header, OfferError};
pub use publication::Publication;
pub use subscription::Subscription;
