//! fulmar-client: the Aeron client API over a media driver's shared memory.
//!
//! Connect with [`Aeron::connect`] (a [`Context`] names the driver's [`agrona::MemoryStore`], the clocks
//! and the idle strategy), then add [`Publication`]s, [`ExclusivePublication`]s and [`Subscription`]s, and
//! allocate [`Counter`]s in the driver's counters region.
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

#![warn(missing_docs)]

mod aeron;
mod client_conductor;
mod client_error;
mod client_shared;
mod conductor_agent;
mod context;
mod counter;
mod driver_proxy;
mod exclusive_publication;
mod image;
mod publication;
mod subscription;

pub use aeron::Aeron;
pub use client_conductor::{CLIENT_HEARTBEAT_TYPE_ID, ImageHandler, MAX_CHANNEL_LENGTH};
pub use client_error::ClientError;
pub use conductor_agent::ClientConductorAgent;
pub use context::{
    Context, DRIVER_TIMEOUT_NS_DEFAULT, DriverAgentInvoker, ErrorHandler, KEEPALIVE_INTERVAL_NS_DEFAULT,
    RESOURCE_LINGER_NS_DEFAULT,
};
pub use counter::Counter;
pub use exclusive_publication::ExclusivePublication;
pub use image::Image;
pub use logbuffer::{BufferClaim, ControlledPollAction, FragmentAssembler, Header, OfferError};
pub use publication::Publication;
pub use subscription::Subscription;

#[cfg(test)]
mod tests {
    use super::*;

    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}

    #[test]
    fn handles_have_the_promised_thread_safety() {
        send_sync::<Aeron>();
        send_sync::<Publication>();
        send_sync::<Image>();
        send_sync::<Counter>();
        send::<ExclusivePublication>();
        send::<Subscription>();
        send::<ClientConductorAgent>();
        send::<Context>();
    }
}
