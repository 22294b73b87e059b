//! [`ReceiveChannelEndpoint`]: the receiver's side of a UDP channel (Aeron `ReceiveChannelEndpoint` and
//! `MultiRcvDestination`): its sockets (one, or one per MDS destination), its
//! [`media::DataPacketDispatcher`] and the receiver halves of its active images.
//!
//! Invariants:
//! - Owned by the receiver thread. Each socket is a transport index of the dispatcher; an MDS destination
//!   keeps its index for life (removed destinations leave a hole), so connection state in images stays
//!   aligned.
//! - Outgoing SMs, NAKs and RTTM replies leave through the socket that last heard from the destination
//!   address (MDS), else through the first open socket.
//! - `images` holds the counters side of exactly the images the dispatcher holds (same (stream, session)
//!   keys); when the dispatcher lets an image go, both halves move to the receiver's released list.

use std::net::SocketAddr;

use media::{
    DataPacketDispatcher, DatagramSink, DatagramTransport, DispatchOutcome, SendOutcome, SessionState,
};

use crate::receiver_image::ReceiverImage;
use crate::system_counters::{
    BYTES_RECEIVED, INVALID_PACKETS, SHORT_SENDS, STATUS_MESSAGES_SENT, SystemCounters,
};

/// One socket of an endpoint: its transport and (for MDS) the ADD_RCV_DESTINATION correlation id.
struct EndpointTransport {
    transport: Box<dyn DatagramTransport>,
    destination_registration_id: i64,
}

/// Routes outgoing datagrams of a multi-socket endpoint (see the module invariants).
struct EndpointSink<'a> {
    transports: &'a mut [Option<EndpointTransport>],
    routes: &'a [(SocketAddr, usize)],
}

impl DatagramSink for EndpointSink<'_> {
    fn send(&mut self, destination: SocketAddr, datagram: &[u8]) -> SendOutcome {
        let routed = self.routes.iter().find(|(address, _)| *address == destination).map(|(_, index)| *index);
        let index = routed
            .filter(|index| self.transports.get(*index).is_some_and(Option::is_some))
            .or_else(|| self.transports.iter().position(Option::is_some));
        match index.and_then(|index| self.transports[index].as_mut()) {
            Some(socket) => socket.transport.send(destination, datagram),
            None => SendOutcome::WouldBlock,
        }
    }
}

/// A receive endpoint. See the module documentation.
pub struct ReceiveChannelEndpoint {
    pub(crate) endpoint_id: i64,
    transports: Vec<Option<EndpointTransport>>,
    routes: Vec<(SocketAddr, usize)>,
    pub(crate) dispatcher: DataPacketDispatcher,
    pub(crate) images: Vec<ReceiverImage>,
    mdc_control_address: Option<SocketAddr>,
    is_started: bool,
    mirrored_invalid_packets: u64,
    mirrored_short_sends: u64,
    mirrored_setup_elicitations: u64,
}

/// The result of reading datagrams: work done and image requests for the conductor.
pub(crate) struct PollOutcome {
    pub(crate) datagrams: usize,
}

impl ReceiveChannelEndpoint {
    /// An endpoint with `dispatcher` and, unless it is an MDS endpoint, its one socket. With
    /// `mdc_control_address` (a dynamic-MDC subscription), setup-eliciting SMs go there from the first duty
    /// cycle on.
    pub(crate) fn new(
        endpoint_id: i64,
        transport: Option<Box<dyn DatagramTransport>>,
        dispatcher: DataPacketDispatcher,
        mdc_control_address: Option<SocketAddr>,
    ) -> Self {
        let transports = transport
            .map(|transport| EndpointTransport { transport, destination_registration_id: -1 })
            .into_iter()
            .map(Some)
            .collect();
        Self {
            endpoint_id,
            transports,
            routes: Vec::new(),
            dispatcher,
            images: Vec::new(),
            mdc_control_address,
            is_started: false,
            mirrored_invalid_packets: 0,
            mirrored_short_sends: 0,
            mirrored_setup_elicitations: 0,
        }
    }

    /// The endpoint id assigned by the conductor.
    pub fn endpoint_id(&self) -> i64 {
        self.endpoint_id
    }

    /// Local addresses of the open sockets.
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.transports.iter().flatten().map(|t| t.transport.local_addr()).collect()
    }

    /// Adds an MDS destination socket.
    pub(crate) fn add_destination(&mut self, transport: Box<dyn DatagramTransport>, registration_id: i64) {
        self.transports
            .push(Some(EndpointTransport { transport, destination_registration_id: registration_id }));
    }

    /// Closes an MDS destination socket.
    pub(crate) fn remove_destination(&mut self, registration_id: i64) {
        for slot in &mut self.transports {
            if slot.as_ref().is_some_and(|t| t.destination_registration_id == registration_id) {
                *slot = None;
            }
        }
        let transports = &self.transports;
        self.routes.retain(|(_, index)| transports.get(*index).is_some_and(Option::is_some));
    }

    /// Reads at most `limit` datagrams per socket and dispatches them; image requests go to `on_request`.
    pub(crate) fn poll(
        &mut self,
        now_ns: i64,
        buffer: &mut [u8],
        limit: usize,
        counters: &SystemCounters,
        on_request: &mut dyn FnMut(i64, media::ImageRequest),
    ) -> PollOutcome {
        if !self.is_started {
            self.is_started = true;
            if let Some(control) = self.mdc_control_address {
                let mut sink = EndpointSink { transports: &mut self.transports, routes: &self.routes };
                self.dispatcher.start_mdc_setup_elicitation(control, now_ns, &mut sink);
            }
        }
        let mut datagrams = 0;
        let mut bytes = 0u64;
        let multi = self.transports.len() > 1;
        for index in 0..self.transports.len() {
            for _ in 0..limit {
                let Some(socket) = self.transports[index].as_mut() else { break };
                let Some((length, source)) = socket.transport.try_recv(buffer) else { break };
                datagrams += 1;
                bytes += length as u64;
                if multi {
                    match self.routes.iter_mut().find(|(address, _)| *address == source) {
                        Some(route) => route.1 = index,
                        None => self.routes.push((source, index)),
                    }
                }
                let datagram = &buffer[..length.min(buffer.len())];
                let mut sink = EndpointSink { transports: &mut self.transports, routes: &self.routes };
                if let DispatchOutcome::CreateImage(request) =
                    self.dispatcher.on_datagram(datagram, source, index, now_ns, &mut sink)
                {
                    on_request(self.endpoint_id, request);
                }
            }
        }
        if bytes > 0 {
            counters.get(BYTES_RECEIVED).get_and_add_ordered(bytes as i64);
        }
        PollOutcome { datagrams }
    }

    /// Rebuild tracking for every active image (Aeron's conductor does `trackRebuild` on every duty
    /// cycle): loss scan from the rebuild position, NAK timers, SM scheduling from the subscribers'
    /// positions, and the `rcv-hwm`/`rcv-pos` mirror. Returns work done.
    pub(crate) fn track_rebuilds(&mut self, now_ns: i64) -> usize {
        let mut work = 0;
        for aux in &mut self.images {
            if let Some(image) = self.dispatcher.image_mut(aux.stream_id, aux.session_id) {
                work += aux.track_rebuild(image, now_ns);
            }
        }
        work
    }

    /// Slow work: the dispatcher's duty (SMs, NAKs, pending setups, liveness) and the counter mirrors.
    /// Images the dispatcher let go are appended to `released`. Returns work done.
    pub(crate) fn slow_work(
        &mut self,
        now_ns: i64,
        counters: &SystemCounters,
        released: &mut Vec<ReceiverImage>,
    ) -> usize {
        let mut work = 0;
        for aux in &mut self.images {
            if let Some(image) = self.dispatcher.image_mut(aux.stream_id, aux.session_id) {
                aux.mirror_counters(image, counters);
            }
        }
        let mut removed = Vec::new();
        let mut sink = EndpointSink { transports: &mut self.transports, routes: &self.routes };
        work += self.dispatcher.do_work(now_ns, &mut sink, &mut |image| removed.push(image));
        for image in removed {
            self.release(image, released);
        }
        self.mirror_dispatcher_counters(counters);
        work
    }

    /// Sends through this endpoint's sockets (for released images that still drain).
    pub(crate) fn with_sink<R>(&mut self, f: impl FnOnce(&mut dyn DatagramSink) -> R) -> R {
        let mut sink = EndpointSink { transports: &mut self.transports, routes: &self.routes };
        f(&mut sink)
    }

    /// Pairs an image the dispatcher let go with its counters half and moves both to `released`.
    pub(crate) fn release(
        &mut self,
        image: media::PublicationImageReceiver,
        released: &mut Vec<ReceiverImage>,
    ) {
        let key = (image.stream_id(), image.session_id());
        if let Some(index) = self.images.iter().position(|aux| (aux.stream_id, aux.session_id) == key) {
            let mut aux = self.images.swap_remove(index);
            aux.mirror_positions(&image);
            aux.receiver = Some(image);
            released.push(aux);
        }
    }

    /// Installs a new image from the conductor. If the session is no longer wanted (the subscription went
    /// away meanwhile), the image is released at once so that it is freed through the normal life cycle.
    pub(crate) fn add_image(
        &mut self,
        mut image: ReceiverImage,
        now_ns: i64,
        released: &mut Vec<ReceiverImage>,
    ) {
        let Some(mut receiver) = image.receiver.take() else { return };
        if self.dispatcher.session_state(image.stream_id, image.session_id)
            == Some(SessionState::InitInProgress)
        {
            self.dispatcher.add_publication_image(receiver, now_ns);
            self.images.push(image);
        } else {
            receiver.activate(now_ns);
            receiver.deactivate(now_ns);
            image.receiver = Some(receiver);
            released.push(image);
        }
    }

    /// Releases every image (the endpoint is closing).
    pub(crate) fn release_all(&mut self, now_ns: i64, released: &mut Vec<ReceiverImage>) {
        let keys: Vec<(i32, i32)> = self.images.iter().map(|aux| (aux.stream_id, aux.session_id)).collect();
        for (stream_id, session_id) in keys {
            if let Some(image) = self.dispatcher.remove_publication_image(stream_id, session_id, now_ns) {
                self.release(image, released);
            }
        }
    }

    fn mirror_dispatcher_counters(&mut self, counters: &SystemCounters) {
        let now = self.dispatcher.counters();
        if now.invalid_packets > self.mirrored_invalid_packets {
            counters
                .get(INVALID_PACKETS)
                .get_and_add_ordered((now.invalid_packets - self.mirrored_invalid_packets) as i64);
            self.mirrored_invalid_packets = now.invalid_packets;
        }
        if now.short_sends > self.mirrored_short_sends {
            counters
                .get(SHORT_SENDS)
                .get_and_add_ordered((now.short_sends - self.mirrored_short_sends) as i64);
            self.mirrored_short_sends = now.short_sends;
        }
        if now.setup_eliciting_messages_sent > self.mirrored_setup_elicitations {
            counters.get(STATUS_MESSAGES_SENT).get_and_add_ordered(
                (now.setup_eliciting_messages_sent - self.mirrored_setup_elicitations) as i64,
            );
            self.mirrored_setup_elicitations = now.setup_eliciting_messages_sent;
        }
    }
}
