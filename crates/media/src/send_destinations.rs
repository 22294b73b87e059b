//! [`SendDestinations`]: where a publication's datagrams go: one endpoint (unicast/multicast), or a
//! multi-destination-cast list (reference §1.16, Aeron `SendChannelEndpoint` `ManualSndMultiDestination` /
//! `DynamicSndMultiDestination`).
//!
//! Invariants:
//! * with MDC every datagram goes to every (active) destination, starting from a rotating index;
//! * manual destinations never time out; an SM matches one by receiver id + port once the receiver id is
//!   known, else by address + port;
//! * dynamic destinations are added by any SM from an unknown (receiver id, port) and dropped after
//!   [`DESTINATION_TIMEOUT_NS`] without an SM;
//! * the result of a send is the smallest byte count any destination took (a short send if any was short).

use std::net::SocketAddr;

use crate::datagram_sink::{DatagramSink, SendOutcome};
use crate::defaults::DESTINATION_TIMEOUT_NS;

/// How a publication addresses its receivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DestinationMode {
    /// A single endpoint (unicast, or the multicast data group).
    Endpoint(SocketAddr),
    /// MDC with `control-mode=manual`: destinations added and removed by the application.
    ManualMdc,
    /// MDC with `control-mode=dynamic`: destinations learned from status messages.
    DynamicMdc,
}

/// One MDC destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// Where datagrams go.
    pub address: SocketAddr,
    /// The receiver id learned from its SMs (valid if `is_receiver_id_valid`).
    pub receiver_id: i64,
    /// Whether `receiver_id` is known.
    pub is_receiver_id_valid: bool,
    /// Time of the last SM matched to it (or of its creation).
    pub time_of_last_activity_ns: i64,
    /// The registration id given when it was added manually (`-1` for dynamic ones).
    pub registration_id: i64,
}

impl Destination {
    fn is_match(&self, receiver_id: i64, address: SocketAddr) -> bool {
        if self.is_receiver_id_valid {
            receiver_id == self.receiver_id && address.port() == self.address.port()
        } else {
            address.port() == self.address.port() && address.ip() == self.address.ip()
        }
    }
}

/// The destination list of one publication.
///
/// How to drive it: build it from a [`DestinationMode`]; call [`on_status_message`](Self::on_status_message)
/// for every SM, [`send`](Self::send) for every datagram, and (manual MDC) [`add`](Self::add) /
/// [`remove`](Self::remove).
#[derive(Debug, Clone)]
pub struct SendDestinations {
    mode: DestinationMode,
    destinations: Vec<Destination>,
    round_robin_index: usize,
}

impl SendDestinations {
    /// An empty list in `mode`.
    pub fn new(mode: DestinationMode) -> Self {
        Self { mode, destinations: Vec::new(), round_robin_index: 0 }
    }

    /// The mode.
    pub fn mode(&self) -> DestinationMode {
        self.mode
    }

    /// Whether this is MDC (manual or dynamic).
    pub fn is_multi_destination(&self) -> bool {
        !matches!(self.mode, DestinationMode::Endpoint(_))
    }

    /// The MDC destinations (empty for a single endpoint).
    pub fn destinations(&self) -> &[Destination] {
        &self.destinations
    }

    /// Adds a manual destination (ignored unless the mode is [`DestinationMode::ManualMdc`]).
    pub fn add(&mut self, address: SocketAddr, registration_id: i64, now_ns: i64) {
        if self.mode == DestinationMode::ManualMdc {
            self.destinations.push(Destination {
                address,
                receiver_id: 0,
                is_receiver_id_valid: false,
                time_of_last_activity_ns: now_ns,
                registration_id,
            });
        }
    }

    /// Removes the first manual destination with `address`; returns whether one was removed.
    pub fn remove(&mut self, address: SocketAddr) -> bool {
        match self.destinations.iter().position(|destination| destination.address == address) {
            Some(index) => {
                self.destinations.remove(index);
                true
            }
            None => false,
        }
    }

    /// Removes the manual destination added with `registration_id`; returns whether one was removed.
    pub fn remove_by_registration_id(&mut self, registration_id: i64) -> bool {
        match self.destinations.iter().position(|destination| destination.registration_id == registration_id)
        {
            Some(index) => {
                self.destinations.remove(index);
                true
            }
            None => false,
        }
    }

    /// Registration id of the destination an ERR (by receiver id and source) came from, if any.
    pub fn find_registration_id(&self, receiver_id: i64, address: SocketAddr) -> Option<i64> {
        self.destinations
            .iter()
            .find(|destination| destination.is_match(receiver_id, address))
            .map(|destination| destination.registration_id)
    }

    /// Tracks an SM from `address` carrying `receiver_id`.
    pub fn on_status_message(&mut self, receiver_id: i64, address: SocketAddr, now_ns: i64) {
        match self.mode {
            DestinationMode::Endpoint(_) => {}
            DestinationMode::ManualMdc => {
                if let Some(destination) = self
                    .destinations
                    .iter_mut()
                    .find(|destination| destination.is_match(receiver_id, address))
                {
                    if !destination.is_receiver_id_valid {
                        destination.receiver_id = receiver_id;
                        destination.is_receiver_id_valid = true;
                    }
                    destination.time_of_last_activity_ns = now_ns;
                }
            }
            DestinationMode::DynamicMdc => {
                match self.destinations.iter_mut().find(|destination| {
                    destination.receiver_id == receiver_id && destination.address.port() == address.port()
                }) {
                    Some(destination) => destination.time_of_last_activity_ns = now_ns,
                    None => self.destinations.push(Destination {
                        address,
                        receiver_id,
                        is_receiver_id_valid: true,
                        time_of_last_activity_ns: now_ns,
                        registration_id: -1,
                    }),
                }
            }
        }
    }

    /// Sends `datagram` to the endpoint or to every active destination; returns the smallest count sent
    /// (the full length if there is nowhere to send it, as Aeron does).
    pub fn send(&mut self, sink: &mut dyn DatagramSink, datagram: &[u8], now_ns: i64) -> usize {
        let length = datagram.len();
        match self.mode {
            DestinationMode::Endpoint(address) => sink.send(address, datagram).bytes(),
            DestinationMode::ManualMdc | DestinationMode::DynamicMdc => {
                let is_dynamic = self.mode == DestinationMode::DynamicMdc;
                let count = self.destinations.len();
                let mut starting_index = self.round_robin_index;
                self.round_robin_index += 1;
                if starting_index >= count {
                    starting_index = 0;
                    self.round_robin_index = 1;
                }
                let mut result = length;
                let mut inactive = 0;
                for step in 0..count {
                    let destination = &self.destinations[(starting_index + step) % count];
                    if is_dynamic && !is_active(destination, now_ns) {
                        inactive += 1;
                        continue;
                    }
                    let sent = match sink.send(destination.address, datagram) {
                        SendOutcome::Sent(bytes) => bytes,
                        SendOutcome::WouldBlock => 0,
                    };
                    result = result.min(sent);
                }
                if inactive > 0 {
                    self.destinations.retain(|destination| is_active(destination, now_ns));
                }
                result
            }
        }
    }
}

fn is_active(destination: &Destination, now_ns: i64) -> bool {
    destination.time_of_last_activity_ns.wrapping_add(DESTINATION_TIMEOUT_NS).wrapping_sub(now_ns) >= 0
}
