//! The command queues between the conductor and the network agents (Aeron `SenderProxy`,
//! `ReceiverProxy`, `DriverConductorProxy`): [`SenderCommand`], [`ReceiverCommand`] and
//! [`ConductorEvent`], carried over `std::sync::mpsc` channels (control path only: nothing here is on
//! the data path).
//!
//! Invariants: ownership of sockets, sender halves and image receivers moves with the command, so each
//! is touched by exactly one thread; counters are shared as `AtomicCounter` handles over the CnC values
//! buffer. The conductor frees a counter only after the agent that writes it has acknowledged the
//! removal ([`ConductorEvent::PublicationRemoved`], [`ConductorEvent::ImageDone`]).

use std::net::SocketAddr;

use agrona::AtomicCounter;
use media::{DatagramTransport, ImageRequest};

use crate::receive_channel_endpoint::ReceiveChannelEndpoint;
use crate::receiver_image::ReceiverImage;
use crate::sender_publication::SenderPublication;

/// Conductor → sender.
pub(crate) enum SenderCommand {
    /// Start serving a send channel endpoint with its socket.
    AddEndpoint {
        /// Conductor-assigned endpoint id.
        endpoint_id: i64,
        /// The socket.
        transport: Box<dyn DatagramTransport>,
        /// Dynamic MDC: every status message goes to every publication of the endpoint.
        is_dynamic_mdc: bool,
    },
    /// Close an endpoint (no publications left).
    RemoveEndpoint {
        /// The endpoint.
        endpoint_id: i64,
    },
    /// Start sending a publication on an endpoint.
    AddPublication {
        /// The endpoint.
        endpoint_id: i64,
        /// The publication's sender half.
        publication: Box<SenderPublication>,
    },
    /// The last publisher went: drain to the producer position, then signal end of stream.
    ClosePublication {
        /// The publication.
        registration_id: i64,
    },
    /// Drop a publication; answered with [`ConductorEvent::PublicationRemoved`].
    RemovePublication {
        /// The publication.
        registration_id: i64,
    },
    /// Add a manual MDC destination.
    AddDestination {
        /// The publication.
        registration_id: i64,
        /// The destination address.
        address: SocketAddr,
        /// The ADD_DESTINATION correlation id (for removal by id).
        destination_registration_id: i64,
    },
    /// Remove a manual MDC destination by address.
    RemoveDestination {
        /// The publication.
        registration_id: i64,
        /// The destination address.
        address: SocketAddr,
    },
    /// Link a spy's `sub-pos` counter: it holds the publisher back like a receiver.
    AddSpy {
        /// The publication.
        registration_id: i64,
        /// The spy's position counter.
        position: AtomicCounter,
    },
    /// Unlink a spy.
    RemoveSpy {
        /// The publication.
        registration_id: i64,
        /// The spy's position counter id.
        counter_id: i32,
    },
}

/// Conductor → receiver.
pub(crate) enum ReceiverCommand {
    /// Start serving a receive channel endpoint.
    AddEndpoint {
        /// The endpoint, with its sockets and dispatcher.
        endpoint: Box<ReceiveChannelEndpoint>,
    },
    /// Close an endpoint (no subscriptions left); its images are released.
    RemoveEndpoint {
        /// The endpoint.
        endpoint_id: i64,
    },
    /// Subscribe an endpoint to a stream (all sessions, or one).
    AddSubscription {
        /// The endpoint.
        endpoint_id: i64,
        /// The stream.
        stream_id: i32,
        /// Only this session, if set.
        session_id: Option<i32>,
    },
    /// Unsubscribe an endpoint from a stream (all sessions, or one).
    RemoveSubscription {
        /// The endpoint.
        endpoint_id: i64,
        /// The stream.
        stream_id: i32,
        /// Only this session, if set.
        session_id: Option<i32>,
    },
    /// A new image created by the conductor for a [`ConductorEvent::CreateImage`].
    AddImage {
        /// The endpoint.
        endpoint_id: i64,
        /// The image and its counters.
        image: Box<ReceiverImage>,
    },
    /// The conductor could not create the image: forget the INIT_IN_PROGRESS state.
    CreateImageFailed {
        /// The endpoint.
        endpoint_id: i64,
        /// The stream.
        stream_id: i32,
        /// The session.
        session_id: i32,
    },
    /// A subscription linked to an image: its `sub-pos` counter joins the consumers.
    AddSubscriber {
        /// The image.
        image_correlation_id: i64,
        /// The subscriber's position.
        position: AtomicCounter,
    },
    /// A subscription unlinked from an image.
    RemoveSubscriber {
        /// The image.
        image_correlation_id: i64,
        /// The subscriber's position counter id.
        counter_id: i32,
    },
    /// An image ended without EOS and its subscriptions rejoin: clear the session's cool-down.
    RemoveCoolDown {
        /// The endpoint.
        endpoint_id: i64,
        /// The stream.
        stream_id: i32,
        /// The session.
        session_id: i32,
    },
    /// An MDS destination: a new socket feeding the endpoint.
    AddDestination {
        /// The endpoint.
        endpoint_id: i64,
        /// The destination's socket.
        transport: Box<dyn DatagramTransport>,
        /// The ADD_RCV_DESTINATION correlation id.
        destination_registration_id: i64,
    },
    /// Close an MDS destination's socket.
    RemoveDestination {
        /// The endpoint.
        endpoint_id: i64,
        /// The destination's ADD_RCV_DESTINATION correlation id.
        destination_registration_id: i64,
    },
}

/// Sender/receiver → conductor.
#[derive(Debug)]
pub(crate) enum ConductorEvent {
    /// A SETUP for a wanted session arrived: create the image.
    CreateImage {
        /// The endpoint.
        endpoint_id: i64,
        /// What the SETUP said.
        request: ImageRequest,
    },
    /// The image was released by the receiver (LINGER): its subscribers are told it is unavailable.
    ImageLinger {
        /// The image.
        correlation_id: i64,
    },
    /// The receiver dropped the image (DONE): its counters and log may be freed.
    ImageDone {
        /// The image.
        correlation_id: i64,
    },
    /// The sender dropped the publication: its counters and log may be freed.
    PublicationRemoved {
        /// The publication.
        registration_id: i64,
    },
}
