//! [`SenderPublication`]: the sender-thread half of a network publication: a
//! [`media::NetworkPublicationSender`] plus the counters it mirrors and the status it shares with the
//! conductor.
//!
//! How it is driven: the conductor builds it and moves it to the sender with
//! `SenderCommand::AddPublication`; the sender calls [`SenderPublication::send`] every duty cycle and
//! [`SenderPublication::on_control_datagram`] for the endpoint's control datagrams of its session.
//!
//! Invariants:
//! - Only the sender thread touches the `NetworkPublicationSender`; the conductor sees the publication
//!   through the `pub-pos`, `pub-lmt`, `snd-pos` and `snd-lmt` counters, the log metadata and
//!   [`NetworkPublicationStatus`] (atomics), never through a lock.
//! - `pub-lmt` is the media sender's publisher limit, further held back to `min(spy) + window` while spies
//!   are linked (spies count as consumers). The media sender is told before every send and control poll
//!   whether spies are linked and how far the furthest one read: with `ssc=true` spies alone make the
//!   publication connected and, without a live receiver, carry the sender position along.
//! - The media sender's counters are mirrored into the driver's system counters by delta, so every
//!   event is counted exactly once.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use agrona::AtomicCounter;
use media::{DatagramSink, NetworkPublicationSender, SenderCounters};

use crate::system_counters::{
    BYTES_SENT, ERROR_FRAMES_RECEIVED, HEARTBEATS_SENT, INVALID_PACKETS, NAKS_RECEIVED, RETRANSMIT_OVERFLOW,
    RETRANSMITS_SENT, RETRANSMITTED_BYTES, SENDER_FLOW_CONTROL_LIMITS, SHORT_SENDS, STATUS_MESSAGES_RECEIVED,
    STATUS_MESSAGES_REJECTED, SystemCounters,
};

/// What the sender shares with the conductor about one publication (written by the sender, read by the
/// conductor's timers).
#[derive(Debug, Default)]
pub struct NetworkPublicationStatus {
    end_of_stream: AtomicBool,
    unicast_eos: AtomicBool,
    has_receivers: AtomicBool,
}

impl NetworkPublicationStatus {
    /// Whether the closed publication has been sent up to its end-of-stream position.
    pub fn is_end_of_stream(&self) -> bool {
        self.end_of_stream.load(Ordering::Acquire)
    }
    /// Whether a unicast receiver acknowledged end of stream.
    pub fn has_received_unicast_eos(&self) -> bool {
        self.unicast_eos.load(Ordering::Acquire)
    }
    /// Whether any receiver is live.
    pub fn has_receivers(&self) -> bool {
        self.has_receivers.load(Ordering::Acquire)
    }
}

/// The sender-thread half of a network publication. See the module documentation.
pub struct SenderPublication {
    pub(crate) registration_id: i64,
    sender: NetworkPublicationSender,
    publisher_position: AtomicCounter,
    publisher_limit: AtomicCounter,
    sender_position: AtomicCounter,
    sender_limit: AtomicCounter,
    status: Arc<NetworkPublicationStatus>,
    spies: Vec<AtomicCounter>,
    term_window_length: i64,
    mirrored: SenderCounters,
    mirrored_retransmit_overflows: u64,
    system_counters: SystemCounters,
}

/// Construction parameters of a [`SenderPublication`].
pub(crate) struct SenderPublicationConfig {
    pub(crate) registration_id: i64,
    pub(crate) sender: NetworkPublicationSender,
    pub(crate) publisher_position: AtomicCounter,
    pub(crate) publisher_limit: AtomicCounter,
    pub(crate) sender_position: AtomicCounter,
    pub(crate) sender_limit: AtomicCounter,
    pub(crate) status: Arc<NetworkPublicationStatus>,
    pub(crate) term_window_length: i32,
    pub(crate) system_counters: SystemCounters,
}

impl SenderPublication {
    pub(crate) fn new(config: SenderPublicationConfig) -> Self {
        Self {
            registration_id: config.registration_id,
            sender: config.sender,
            publisher_position: config.publisher_position,
            publisher_limit: config.publisher_limit,
            sender_position: config.sender_position,
            sender_limit: config.sender_limit,
            status: config.status,
            spies: Vec::new(),
            term_window_length: i64::from(config.term_window_length),
            mirrored: SenderCounters::default(),
            mirrored_retransmit_overflows: 0,
            system_counters: config.system_counters,
        }
    }

    /// The registration id.
    pub fn registration_id(&self) -> i64 {
        self.registration_id
    }

    /// Session id.
    pub fn session_id(&self) -> i32 {
        self.sender.session_id()
    }

    /// Stream id.
    pub fn stream_id(&self) -> i32 {
        self.sender.stream_id()
    }

    /// One duty cycle: send, move the limits, mirror positions and counters. Returns bytes sent.
    pub(crate) fn send(&mut self, now_ns: i64, sink: &mut dyn DatagramSink) -> usize {
        if !self.spies.is_empty() {
            self.refresh_spies();
        }
        let bytes_sent = self.sender.send(now_ns, sink);
        self.update_positions_and_limit();
        bytes_sent
    }

    /// Handles one control datagram (SM, NAK, ERR, RTTM, RSP_SETUP) for this publication.
    pub(crate) fn on_control_datagram(
        &mut self,
        datagram: &[u8],
        source: SocketAddr,
        now_ns: i64,
        sink: &mut dyn DatagramSink,
    ) {
        self.sender.on_control_datagram(datagram, source, now_ns, sink);
    }

    /// Tells the media sender whether spies are linked and how far the furthest one has read.
    fn refresh_spies(&mut self) {
        let max_spy = self.spies.iter().map(AtomicCounter::get_volatile).max();
        self.sender.on_spies(max_spy.is_some(), max_spy.unwrap_or(i64::MIN));
    }

    /// Moves `pub-lmt` and mirrors the positions and the shared status (after sends and control polls).
    pub(crate) fn update_positions_and_limit(&mut self) {
        self.refresh_spies();
        let sender = &mut self.sender;
        let mut limit = sender.update_publisher_limit();
        let producer_position = sender.log().producer_position();
        let sender_position = sender.sender_position();
        if !self.spies.is_empty() {
            let min_spy = self.spies.iter().map(AtomicCounter::get_volatile).fold(sender_position, i64::min);
            limit = limit.min(min_spy + self.term_window_length);
        }
        if self.publisher_limit.get() != limit {
            self.publisher_limit.set_ordered(limit);
        }
        if self.publisher_position.get() != producer_position {
            self.publisher_position.set_ordered(producer_position);
        }
        if self.sender_position.get() != sender_position {
            self.sender_position.set_ordered(sender_position);
        }
        let sender_limit = sender.sender_limit();
        if self.sender_limit.get() != sender_limit {
            self.sender_limit.set_ordered(sender_limit);
        }
        if sender.is_end_of_stream() != self.status.is_end_of_stream() {
            self.status.end_of_stream.store(sender.is_end_of_stream(), Ordering::Release);
        }
        if sender.has_received_unicast_eos() != self.status.has_received_unicast_eos() {
            self.status.unicast_eos.store(sender.has_received_unicast_eos(), Ordering::Release);
        }
        if sender.has_receivers() != self.status.has_receivers() {
            self.status.has_receivers.store(sender.has_receivers(), Ordering::Release);
        }
    }

    /// Adds the media sender's new events to the system counters.
    pub(crate) fn mirror_counters(&mut self) {
        let now = self.sender.counters();
        let before = &self.mirrored;
        let counters = &self.system_counters;
        let add = |id: i32, now: u64, before: u64| {
            if now > before {
                counters.get(id).get_and_add_ordered((now - before) as i64);
            }
        };
        add(BYTES_SENT, now.bytes_sent, before.bytes_sent);
        add(SHORT_SENDS, now.short_sends, before.short_sends);
        add(HEARTBEATS_SENT, now.heartbeats_sent, before.heartbeats_sent);
        add(STATUS_MESSAGES_RECEIVED, now.status_messages_received, before.status_messages_received);
        add(STATUS_MESSAGES_REJECTED, now.status_messages_rejected, before.status_messages_rejected);
        add(NAKS_RECEIVED, now.naks_received, before.naks_received);
        add(INVALID_PACKETS, now.invalid_packets, before.invalid_packets);
        add(RETRANSMITS_SENT, now.retransmits_sent, before.retransmits_sent);
        add(RETRANSMITTED_BYTES, now.retransmitted_bytes, before.retransmitted_bytes);
        add(SENDER_FLOW_CONTROL_LIMITS, now.flow_control_limits, before.flow_control_limits);
        add(ERROR_FRAMES_RECEIVED, now.errors_received, before.errors_received);
        let overflows = self.sender.retransmit_overflows();
        add(RETRANSMIT_OVERFLOW, overflows, self.mirrored_retransmit_overflows);
        self.mirrored_retransmit_overflows = overflows;
        self.mirrored = now.clone();
    }

    pub(crate) fn close(&mut self) {
        self.sender.close();
    }

    pub(crate) fn add_destination(&mut self, address: SocketAddr, registration_id: i64, now_ns: i64) {
        self.sender.add_destination(address, registration_id, now_ns);
    }

    pub(crate) fn remove_destination(&mut self, address: SocketAddr) -> bool {
        self.sender.remove_destination(address)
    }

    pub(crate) fn add_spy(&mut self, position: AtomicCounter) {
        self.spies.push(position);
        self.refresh_spies();
    }

    pub(crate) fn remove_spy(&mut self, counter_id: i32) {
        self.spies.retain(|spy| spy.id() != counter_id);
        self.refresh_spies();
    }
}
