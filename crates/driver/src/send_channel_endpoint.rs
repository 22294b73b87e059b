//! [`SendChannelEndpoint`]: one socket of the sender (Aeron `SendChannelEndpoint`) and the network
//! publications that send through it.
//!
//! Invariants: owned by the sender thread; every datagram is first checked as Aeron's `isValidFrame`
//! does: one that fails (too short, bad version, unknown type, lying lengths) is counted as an invalid
//! packet and dropped; a well-formed frame of the data side (DATA, PAD, SETUP) is dropped without being
//! counted, like Aeron's control poller. Control frames are routed by the (session id, stream id) at bytes
//! 8..16. A status message with session 0 and stream 0 (an MDC setup-eliciting SM), and every SM on a
//! dynamic-MDC endpoint (which learns destinations from them), goes to every publication of the
//! endpoint; a control frame for no publication of the endpoint is dropped without being counted as
//! invalid. Each SM is counted once: by the publication owning its session, else by the endpoint.

use std::net::SocketAddr;

use logbuffer::log_buffer_descriptor::TERM_MAX_LENGTH;
use media::DatagramTransport;
use protocol::frame::{HDR_TYPE_SM, StatusMessage};

use crate::sender_publication::SenderPublication;

/// Shortest control datagram that can be routed (header + session id + stream id).
const ROUTABLE_LENGTH: usize = 16;

/// A sender-side endpoint. See the module documentation.
pub struct SendChannelEndpoint {
    pub(crate) endpoint_id: i64,
    pub(crate) transport: Box<dyn DatagramTransport>,
    pub(crate) is_dynamic_mdc: bool,
    pub(crate) publications: Vec<SenderPublication>,
}

impl SendChannelEndpoint {
    /// An endpoint over `transport` without publications.
    pub(crate) fn new(endpoint_id: i64, transport: Box<dyn DatagramTransport>, is_dynamic_mdc: bool) -> Self {
        Self { endpoint_id, transport, is_dynamic_mdc, publications: Vec::new() }
    }

    /// The endpoint id assigned by the conductor.
    pub fn endpoint_id(&self) -> i64 {
        self.endpoint_id
    }

    /// The socket's local address.
    pub fn local_addr(&self) -> SocketAddr {
        self.transport.local_addr()
    }

    /// Sends every publication's due datagrams; returns the bytes sent.
    pub(crate) fn send(&mut self, now_ns: i64) -> usize {
        let transport = &mut *self.transport;
        let mut bytes_sent = 0;
        for publication in &mut self.publications {
            bytes_sent += publication.send(now_ns, transport);
        }
        bytes_sent
    }

    /// Reads at most `limit` control datagrams into `buffer` and routes them; see [`ControlPoll`].
    pub(crate) fn poll_control(&mut self, now_ns: i64, buffer: &mut [u8], limit: usize) -> ControlPoll {
        let mut outcome = ControlPoll::default();
        while outcome.datagrams < limit {
            let Some((length, source)) = self.transport.try_recv(buffer) else { break };
            outcome.datagrams += 1;
            let datagram = &buffer[..length.min(buffer.len())];
            match protocol::frame::validate_datagram(datagram) {
                Err(_) => {
                    outcome.invalid += 1;
                    continue;
                }
                // A well-formed frame meant for a data socket (e.g. a multicast group's DATA looped back
                // to a wildcard-bound socket on the same port) is ignored, as Aeron does.
                Ok(frame_type) if !frame_type.is_accepted_on_control_side() => continue,
                Ok(_) if datagram.len() < ROUTABLE_LENGTH => {
                    outcome.invalid += 1;
                    continue;
                }
                Ok(_) => {}
            }
            let session_id = i32::from_le_bytes([datagram[8], datagram[9], datagram[10], datagram[11]]);
            let stream_id = i32::from_le_bytes([datagram[12], datagram[13], datagram[14], datagram[15]]);
            let frame_type = u16::from_le_bytes([datagram[6], datagram[7]]);
            let is_status_message = frame_type == HDR_TYPE_SM;
            let to_all = is_status_message && (self.is_dynamic_mdc || (session_id == 0 && stream_id == 0));
            let is_owned =
                self.publications.iter().any(|p| p.session_id() == session_id && p.stream_id() == stream_id);
            if is_status_message && !is_owned {
                // Counted once here; the owner of a session counts its own SMs.
                match StatusMessage::decode(datagram) {
                    Ok(sm) if sm.validate(TERM_MAX_LENGTH).is_ok() => outcome.foreign_status_messages += 1,
                    _ => {
                        outcome.invalid += 1;
                        continue;
                    }
                }
            }
            let transport = &mut *self.transport;
            for publication in &mut self.publications {
                if to_all || (publication.session_id() == session_id && publication.stream_id() == stream_id)
                {
                    publication.on_control_datagram(datagram, source, now_ns, transport);
                }
            }
        }
        outcome
    }
}

/// What one [`SendChannelEndpoint::poll_control`] did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ControlPoll {
    /// Datagrams read.
    pub(crate) datagrams: usize,
    /// Datagrams dropped as malformed before reaching a publication (Aeron's `isValidFrame` rules, or an
    /// SM no publication owns that fails its own checks).
    pub(crate) invalid: u64,
    /// Well-formed SMs no publication of the endpoint owns (MDC setup-eliciting SMs with session 0,
    /// another session's SMs): counted once as received.
    pub(crate) foreign_status_messages: u64,
}
