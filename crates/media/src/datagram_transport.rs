//! The datagram seam: [`DatagramTransport`] (one bound endpoint that sends and receives datagrams) and
//! [`DatagramTransportFactory`] (opens endpoints and resolves names). `sys` implements them with UDP
//! sockets; the simulator implements them with a simulated network. The driver's sender and receiver
//! agents see only these traits.
//!
//! Invariants: `try_recv` never blocks and returns at most one datagram; a datagram is delivered whole or
//! not at all (a datagram longer than the caller's buffer is dropped and counted by the transport, never
//! truncated silently); `send` never blocks ([`SendOutcome::WouldBlock`] when the socket buffer is full).

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use crate::datagram_sink::DatagramSink;

/// One bound datagram endpoint (a UDP socket, or a simulated one).
pub trait DatagramTransport: DatagramSink + Send {
    /// Receives one waiting datagram into `buffer`: `Some((length, source))`, or `None` if none waits.
    fn try_recv(&mut self, buffer: &mut [u8]) -> Option<(usize, SocketAddr)>;

    /// The address this endpoint is bound to (with the real port if the spec asked for port 0).
    fn local_addr(&self) -> SocketAddr;
}

/// How to open a [`DatagramTransport`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportSpec {
    /// Local address to bind (port 0 = ephemeral). For multicast receivers: the group's port on the
    /// wildcard or interface address, as the factory decides.
    pub bind_address: SocketAddr,
    /// If set, the socket only exchanges datagrams with this peer (Aeron connects a unicast sender's socket
    /// to its endpoint).
    pub connect_address: Option<SocketAddr>,
    /// If set, join this multicast group (on `multicast_interface`, else the default interface).
    pub multicast_group: Option<IpAddr>,
    /// Interface for multicast membership and outgoing multicast.
    pub multicast_interface: Option<IpAddr>,
    /// Multicast TTL for sends.
    pub multicast_ttl: Option<u32>,
    /// `SO_RCVBUF` in bytes (None = OS default).
    pub socket_rcvbuf_length: Option<usize>,
    /// `SO_SNDBUF` in bytes (None = OS default).
    pub socket_sndbuf_length: Option<usize>,
    /// Allow several sockets on the same address (multicast receivers).
    pub reuse_address: bool,
}

impl TransportSpec {
    /// A plain unicast endpoint bound to `bind_address`.
    pub fn bind(bind_address: SocketAddr) -> Self {
        Self {
            bind_address,
            connect_address: None,
            multicast_group: None,
            multicast_interface: None,
            multicast_ttl: None,
            socket_rcvbuf_length: None,
            socket_sndbuf_length: None,
            reuse_address: false,
        }
    }
}

/// Why an endpoint could not be opened or a name resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// The address is taken by another endpoint.
    AddressInUse(SocketAddr),
    /// A host name did not resolve.
    UnknownHost(String),
    /// The platform does not support what the spec asks (for example multicast on this interface).
    Unsupported(String),
    /// Any other OS error, with its message.
    Io(String),
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AddressInUse(address) => write!(f, "address {address} is in use"),
            Self::UnknownHost(host) => write!(f, "unknown host {host:?}"),
            Self::Unsupported(what) => write!(f, "unsupported: {what}"),
            Self::Io(message) => write!(f, "{message}"),
        }
    }
}

impl std::error::Error for TransportError {}

/// Opens datagram endpoints and resolves endpoint names; shared by the driver's agents.
pub trait DatagramTransportFactory: Send + Sync {
    /// Opens an endpoint as `spec` says.
    fn open(&self, spec: &TransportSpec) -> Result<Box<dyn DatagramTransport>, TransportError>;

    /// Resolves `host:port` (IPv4, `[IPv6]`, or a host name) to an address.
    fn resolve(&self, host_and_port: &str) -> Result<SocketAddr, TransportError>;
}
