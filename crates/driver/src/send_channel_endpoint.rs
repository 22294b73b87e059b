//! [`SendChannelEndpoint`]: one socket of the sender (Aeron `SendChannelEndpoint`) and the network
//! publications that send through it.
//!
//! Invariants: owned by the sender thread; control datagrams received on the socket are routed by the
//! (session id, stream id) at bytes 8..16 of every control frame. A status message with session 0 and
//! stream 0 (an MDC setup-eliciting SM), and every SM on a dynamic-MDC endpoint (which learns
//! destinations from them), goes to every publication of the endpoint. A datagram too short to route is
//! counted as an invalid packet and dropped.

use std::net::SocketAddr;

use media::DatagramTransport;
use protocol::frame::HDR_TYPE_SM;

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

    /// Reads at most `limit` control datagrams into `buffer` and routes them. Returns `(datagrams read,
    /// datagrams too short to route)`.
    pub(crate) fn poll_control(&mut self, now_ns: i64, buffer: &mut [u8], limit: usize) -> (usize, u64) {
        let mut read = 0;
        let mut unroutable = 0;
        while read < limit {
            let Some((length, source)) = self.transport.try_recv(buffer) else { break };
            read += 1;
            let datagram = &buffer[..length.min(buffer.len())];
            if datagram.len() < ROUTABLE_LENGTH {
                unroutable += 1;
                continue;
            }
            let session_id = i32::from_le_bytes([datagram[8], datagram[9], datagram[10], datagram[11]]);
            let stream_id = i32::from_le_bytes([datagram[12], datagram[13], datagram[14], datagram[15]]);
            let frame_type = u16::from_le_bytes([datagram[6], datagram[7]]);
            let is_status_message = frame_type == HDR_TYPE_SM;
            let to_all = is_status_message && (self.is_dynamic_mdc || (session_id == 0 && stream_id == 0));
            let transport = &mut *self.transport;
            let mut delivered = false;
            for publication in &mut self.publications {
                if to_all || (publication.session_id() == session_id && publication.stream_id() == stream_id)
                {
                    publication.on_control_datagram(datagram, source, now_ns, transport);
                    delivered = true;
                }
            }
            if !delivered && !to_all && protocol::frame::validate_control_side_datagram(datagram).is_err() {
                unroutable += 1;
            }
        }
        (read, unroutable)
    }
}
