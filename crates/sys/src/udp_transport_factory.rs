//! [`UdpTransportFactory`]: `media`'s [`DatagramTransportFactory`] on the OS: opens [`UdpTransport`]s and
//! resolves `host:port` names with the system resolver.
//!
//! Invariants: the factory holds no state, so one value can be shared by every agent; `resolve` prefers
//! an IPv4 address when a name has both families (as Aeron's resolver does by default) and blocks for as
//! long as the system resolver does, so call it off the hot path.

use std::net::{SocketAddr, ToSocketAddrs};

use media::{DatagramTransport, DatagramTransportFactory, TransportError, TransportSpec};

use crate::udp_transport::UdpTransport;

/// Opens UDP endpoints and resolves endpoint names.
///
/// How to drive it: create one (it is a unit value) and hand it to the driver's agents as their
/// `DatagramTransportFactory`, or call [`UdpTransportFactory::open_udp`] directly to keep the concrete
/// [`UdpTransport`] and read its counters.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct UdpTransportFactory;

impl UdpTransportFactory {
    /// A factory (stateless).
    pub const fn new() -> Self {
        Self
    }

    /// Opens a UDP endpoint as `spec` says, returning the concrete type (see [`UdpTransport::open`]).
    pub fn open_udp(&self, spec: &TransportSpec) -> Result<UdpTransport, TransportError> {
        UdpTransport::open(spec)
    }

    /// Resolves `host:port` (`1.2.3.4:port`, `[::1]:port`, or `name:port`) to one address, preferring
    /// IPv4. Fails with [`TransportError::UnknownHost`] (carrying `host_and_port`) if the text is not of
    /// that form or the name does not resolve.
    pub fn resolve_host_and_port(host_and_port: &str) -> Result<SocketAddr, TransportError> {
        let unknown = || TransportError::UnknownHost(host_and_port.to_owned());
        let mut first = None;
        for address in host_and_port.to_socket_addrs().map_err(|_| unknown())? {
            if address.is_ipv4() {
                return Ok(address);
            }
            first.get_or_insert(address);
        }
        first.ok_or_else(unknown)
    }
}

impl DatagramTransportFactory for UdpTransportFactory {
    fn open(&self, spec: &TransportSpec) -> Result<Box<dyn DatagramTransport>, TransportError> {
        Ok(Box::new(UdpTransport::open(spec)?))
    }

    fn resolve(&self, host_and_port: &str) -> Result<SocketAddr, TransportError> {
        Self::resolve_host_and_port(host_and_port)
    }
}
