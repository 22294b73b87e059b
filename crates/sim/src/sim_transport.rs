//! [`SimTransport`]: one endpoint of a [`SimNetwork`](crate::SimNetwork), implementing
//! [`DatagramTransport`].
//!
//! Invariants: `try_recv` never blocks and returns only datagrams whose arrival time has come, in arrival
//! order; a datagram longer than the caller's buffer is dropped and counted
//! ([`NetworkCounters::dropped_truncated`](crate::NetworkCounters::dropped_truncated)), never truncated;
//! `send` returns `WouldBlock` only under the configured send-buffer model; dropping the transport
//! closes the endpoint (its queued datagrams are dropped and counted) and frees its address.

use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use media::{DatagramSink, DatagramTransport, SendOutcome};

use crate::network_state::{EndpointId, NetworkState};

/// One bound endpoint on a simulated network.
///
/// How to drive it: obtain it from [`SimNetwork::open_transport`](crate::SimNetwork::open_transport) or
/// through [`DatagramTransportFactory::open`](media::DatagramTransportFactory::open); call
/// [`send`](DatagramSink::send) and [`try_recv`](DatagramTransport::try_recv) from the agent's duty cycle
/// exactly as with a UDP socket; drop it to close it.
pub struct SimTransport {
    state: Arc<Mutex<NetworkState>>,
    id: EndpointId,
    local_addr: SocketAddr,
}

impl SimTransport {
    pub(crate) fn new(state: Arc<Mutex<NetworkState>>, id: EndpointId, local_addr: SocketAddr) -> Self {
        Self { state, id, local_addr }
    }

    fn lock(&self) -> MutexGuard<'_, NetworkState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl DatagramSink for SimTransport {
    fn send(&mut self, destination: SocketAddr, datagram: &[u8]) -> SendOutcome {
        self.lock().send(self.id, destination, datagram)
    }
}

impl DatagramTransport for SimTransport {
    fn try_recv(&mut self, buffer: &mut [u8]) -> Option<(usize, SocketAddr)> {
        self.lock().try_recv(self.id, buffer)
    }

    fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }
}

impl Drop for SimTransport {
    fn drop(&mut self) {
        self.lock().close(self.id);
    }
}

impl fmt::Debug for SimTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimTransport").field("local_addr", &self.local_addr).finish_non_exhaustive()
    }
}
