//! fulmar-media: the sans-IO, deterministic core of Aeron's UDP transport protocol (reference §1), in the
//! style of quinn-proto.
//!
//! Every type here is a plain state machine: it is driven by an explicit `now_ns`, takes received datagrams
//! as byte slices, and writes outgoing datagrams through a caller-provided [`DatagramSink`]. Nothing in
//! this crate touches a socket, a clock, a thread or unseeded randomness; randomness (NAK back-off) comes
//! from an injected, seeded [`agrona::Prng`]. The driver wraps these types with sockets and the conductor;
//! the simulator wraps them with a simulated network.
//!
//! Pieces:
//! * [`NetworkPublicationSender`]: the sender half of a network publication over a [`logbuffer::LogBuffer`]
//!   (SETUP, DATA, heartbeats, flow control, retransmits, RTTM replies, MDC destinations).
//! * [`PublicationImageReceiver`]: the receiver half of one publication image (insertion, HWM/rebuild,
//!   loss detection and NAKs, status messages, liveness, end of stream).
//! * [`DataPacketDispatcher`]: routes data-side datagrams of one receive endpoint to images, tracks the
//!   per-(stream, session) states and elicits SETUPs.
//! * Flow control ([`FlowControl`]: unicast, max, min, tagged), delay generators, [`RetransmitHandler`].
//!
//! Invariants shared by all types: decoding network bytes never panics (malformed datagrams are dropped and
//! counted); the same inputs in the same order produce the same outputs; hot paths (data send, insert,
//! status messages, NAKs) do not allocate once warmed up.

#![warn(missing_docs)]

pub mod data_packet_dispatcher;
pub mod datagram_sink;
pub mod datagram_transport;
pub mod defaults;
pub mod feedback_delay_generator;
pub mod flow_control;
pub mod flow_control_config;
pub mod loss_detector;
pub mod min_multicast_flow_control;
pub mod network_publication_sender;
pub mod optimal_multicast_delay_generator;
pub mod publication_image_receiver;
pub mod receiver_id_generator;
pub mod receiver_liveness_tracker;
pub mod recording_sink;
pub mod retransmit_action;
pub mod retransmit_handler;
pub mod send_destinations;
pub mod static_delay_generator;
pub mod tagged_multicast_flow_control;
pub mod unicast_flow_control;

#[cfg(test)]
mod tests;

pub use data_packet_dispatcher::{
    DataPacketDispatcher, DispatchOutcome, DispatcherCounters, ImageRequest, SessionState,
};
pub use datagram_sink::{DatagramSink, SendOutcome};
pub use datagram_transport::{DatagramTransport, DatagramTransportFactory, TransportError, TransportSpec};
pub use feedback_delay_generator::{DelayGenerator, FeedbackDelayGenerator};
pub use flow_control::{FlowControl, calculate_retransmission_length};
pub use flow_control_config::{
    FlowControlConfig, FlowControlConfigError, FlowControlStrategy, parse_duration_ns,
};
pub use loss_detector::{LossDetector, ScanOutcome};
pub use min_multicast_flow_control::MinMulticastFlowControl;
pub use network_publication_sender::{NetworkPublicationSender, SenderConfig, SenderCounters};
pub use optimal_multicast_delay_generator::OptimalMulticastDelayGenerator;
pub use publication_image_receiver::{ImageConfig, ImageCounters, ImageState, PublicationImageReceiver};
pub use receiver_id_generator::ReceiverIdGenerator;
pub use receiver_liveness_tracker::ReceiverLivenessTracker;
pub use recording_sink::{RecordedDatagram, RecordingSink};
pub use retransmit_action::{RetransmitAction, RetransmitActionState};
pub use retransmit_handler::RetransmitHandler;
pub use send_destinations::{Destination, DestinationMode, SendDestinations};
pub use static_delay_generator::StaticDelayGenerator;
pub use tagged_multicast_flow_control::TaggedMulticastFlowControl;
pub use unicast_flow_control::UnicastFlowControl;
