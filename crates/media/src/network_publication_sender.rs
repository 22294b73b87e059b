//! [`NetworkPublicationSender`]: the sender half of one network publication (Aeron `NetworkPublication`'s
//! sender-thread duties and the publication-specific parts of `SendChannelEndpoint`; reference §1.9, §1.11,
//! §1.12, §1.13, §1.15, §1.16).
//!
//! Invariants:
//! * SETUP goes out every [`PUBLICATION_SETUP_TIMEOUT_NS`] until the first (non-eliciting) status message,
//!   and again while a SETUP-eliciting SM is outstanding and until receivers are live;
//! * DATA is sent straight from the term as whole committed frames, at most one MTU per datagram and never
//!   past the sender limit or the term end; a PAD frame contributes only its 32-byte header and the sender
//!   position then advances by the full padding;
//! * after the first SM, a heartbeat (32-byte DATA header, `frame_length` 0, flags B|E, plus EOS once the
//!   closed publication is fully sent, plus REVOKED after a revoke) goes out whenever nothing was sent
//!   for [`PUBLICATION_HEARTBEAT_TIMEOUT_NS`];
//! * status messages are validated (§1.4) before they touch flow control or liveness; the sender limit
//!   only changes through the [`FlowControl`] strategy;
//! * the publication is connected while a receiver sent an SM within the connection timeout and flow
//!   control has its required receivers, or (`spies_simulate_connection`) while spies are linked; the log
//!   metadata's `is_connected` mirrors it;
//! * with `spies_simulate_connection`, spies and no live receiver, an idle duty cycle moves the sender
//!   position up to the furthest spy (Aeron `NetworkPublication.send`), so spies alone keep the stream
//!   moving;
//! * malformed control datagrams are dropped and counted, never panic; the duty cycle never allocates.

use std::net::SocketAddr;

use logbuffer::LogBuffer;
use logbuffer::log_buffer_descriptor::{
    TERM_MAX_LENGTH, compute_max_message_length, compute_position, compute_term_id_from_position,
    index_by_position,
};
use protocol::frame::{
    BEGIN_AND_END_FLAGS, BEGIN_END_AND_EOS_FLAGS, BEGIN_END_EOS_AND_REVOKED_FLAGS, ErrorFrame, FrameType,
    Heartbeat, Nak, RttMeasurement, SetupHeader, StatusMessage, validate_datagram,
};

use crate::datagram_sink::DatagramSink;
use crate::defaults::{
    MAX_RESEND, PUBLICATION_CONNECTION_TIMEOUT_NS, PUBLICATION_HEARTBEAT_TIMEOUT_NS,
    PUBLICATION_SETUP_TIMEOUT_NS, RETRANSMIT_UNICAST_DELAY_NS, RETRANSMIT_UNICAST_LINGER_NS,
};
use crate::feedback_delay_generator::DelayGenerator;
use crate::flow_control::FlowControl;
use crate::receiver_liveness_tracker::ReceiverLivenessTracker;
use crate::retransmit_handler::RetransmitHandler;
use crate::send_destinations::{DestinationMode, SendDestinations};
use crate::static_delay_generator::StaticDelayGenerator;

/// How a [`NetworkPublicationSender`] behaves (Aeron's defaults via the constructors).
#[derive(Debug, Clone)]
pub struct SenderConfig {
    /// Where datagrams go.
    pub destination_mode: DestinationMode,
    /// Multicast or MDC: SETUP carries the GROUP flag and retransmits get `max_resend` slots.
    pub has_group_semantics: bool,
    /// Multicast TTL written into SETUP (0 for unicast).
    pub multicast_ttl: i32,
    /// Whether heartbeats carry EOS once the closed publication is fully sent (URI `eos`, default true).
    pub signal_eos: bool,
    /// SETUP carries SEND_RESPONSE_SETUP (a request publication of a response channel).
    pub send_response_setup: bool,
    /// Receiver liveness timeout (default 5 s).
    pub connection_timeout_ns: i64,
    /// SETUP interval (default 100 ms).
    pub setup_timeout_ns: i64,
    /// Heartbeat interval (default 100 ms).
    pub heartbeat_timeout_ns: i64,
    /// Delay before a NAKed range is resent (default 0).
    pub retransmit_delay: DelayGenerator,
    /// How long a resent range ignores repeat NAKs (default 10 ms).
    pub retransmit_linger: DelayGenerator,
    /// Retransmit slots with group semantics (default 16).
    pub max_resend: usize,
    /// Publisher window: how far the producer may run ahead of the sender (default `term_length / 2`).
    pub publication_window_length: Option<i32>,
    /// Spies simulate a connection (URI `ssc`, default false): with spies and no live receiver the
    /// publication counts as connected and the sender position follows the fastest spy.
    pub spies_simulate_connection: bool,
}

impl SenderConfig {
    fn with_mode(destination_mode: DestinationMode, has_group_semantics: bool, multicast_ttl: i32) -> Self {
        Self {
            destination_mode,
            has_group_semantics,
            multicast_ttl,
            signal_eos: true,
            send_response_setup: false,
            connection_timeout_ns: PUBLICATION_CONNECTION_TIMEOUT_NS,
            setup_timeout_ns: PUBLICATION_SETUP_TIMEOUT_NS,
            heartbeat_timeout_ns: PUBLICATION_HEARTBEAT_TIMEOUT_NS,
            retransmit_delay: DelayGenerator::Static(StaticDelayGenerator::fixed(
                RETRANSMIT_UNICAST_DELAY_NS,
            )),
            retransmit_linger: DelayGenerator::Static(StaticDelayGenerator::fixed(
                RETRANSMIT_UNICAST_LINGER_NS,
            )),
            max_resend: MAX_RESEND,
            publication_window_length: None,
            spies_simulate_connection: false,
        }
    }

    /// A unicast publication to `endpoint`.
    pub fn unicast(endpoint: SocketAddr) -> Self {
        Self::with_mode(DestinationMode::Endpoint(endpoint), false, 0)
    }

    /// A multicast publication to the data group `group` with `ttl`.
    pub fn multicast(group: SocketAddr, ttl: i32) -> Self {
        Self::with_mode(DestinationMode::Endpoint(group), true, ttl)
    }

    /// An MDC publication with `control-mode=manual`.
    pub fn manual_mdc() -> Self {
        Self::with_mode(DestinationMode::ManualMdc, true, 0)
    }

    /// An MDC publication with `control-mode=dynamic`.
    pub fn dynamic_mdc() -> Self {
        Self::with_mode(DestinationMode::DynamicMdc, true, 0)
    }
}

/// Counters of one sender (the driver mirrors them into Aeron's system counters).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SenderCounters {
    /// Bytes of DATA sent, not counting retransmits (Aeron `bytes sent` share of this publication).
    pub bytes_sent: u64,
    /// Datagrams the sink took only partly or not at all.
    pub short_sends: u64,
    /// Heartbeats sent.
    pub heartbeats_sent: u64,
    /// SETUP frames sent.
    pub setups_sent: u64,
    /// Status messages accepted.
    pub status_messages_received: u64,
    /// Status messages dropped because their position was out of range.
    pub status_messages_rejected: u64,
    /// NAKs accepted.
    pub naks_received: u64,
    /// ERR frames received.
    pub errors_received: u64,
    /// Control datagrams dropped as malformed or invalid.
    pub invalid_packets: u64,
    /// Resend operations that sent something.
    pub retransmits_sent: u64,
    /// Bytes resent.
    pub retransmitted_bytes: u64,
    /// Times the sender hit its flow-control limit (Aeron `sender flow control limits`).
    pub flow_control_limits: u64,
    /// RTTM replies sent.
    pub rtt_replies_sent: u64,
    /// RSP_SETUP frames received (for the conductor: a response channel's session id).
    pub response_setups_received: u64,
}

/// The state needed to put bytes on the wire, split from the strategies so the retransmit handler can call
/// back into it.
#[derive(Debug)]
struct SenderCore {
    log: LogBuffer,
    session_id: i32,
    stream_id: i32,
    initial_term_id: i32,
    term_length: i32,
    position_bits_to_shift: u32,
    mtu_length: i32,
    sender_position: i64,
    destinations: SendDestinations,
    data_buffer: Vec<u8>,
    counters: SenderCounters,
}

impl SenderCore {
    fn send_to_destinations(&mut self, sink: &mut dyn DatagramSink, length: usize, now_ns: i64) -> bool {
        let sent = self.destinations.send(sink, &self.data_buffer[..length], now_ns);
        if sent == length {
            true
        } else {
            self.counters.short_sends += 1;
            false
        }
    }

    fn send_control(&mut self, sink: &mut dyn DatagramSink, frame: &[u8], now_ns: i64) -> usize {
        let sent = self.destinations.send(sink, frame, now_ns);
        if sent != frame.len() {
            self.counters.short_sends += 1;
        }
        sent
    }

    /// Aeron `NetworkPublication.resend`.
    fn resend(
        &mut self,
        sink: &mut dyn DatagramSink,
        term_id: i32,
        term_offset: i32,
        length: i32,
        now_ns: i64,
    ) {
        let resend_position =
            compute_position(term_id, term_offset, self.position_bits_to_shift, self.initial_term_id);
        let bottom_resend_window = self.sender_position
            - i64::from(self.term_length >> 1)
            - i64::from(compute_max_message_length(self.term_length));
        if !(bottom_resend_window <= resend_position && resend_position < self.sender_position) {
            return;
        }
        let term = self.log.term(index_by_position(resend_position, self.position_bits_to_shift)).clone();
        let mut remaining_bytes = length;
        let mut total_bytes_sent: i64 = 0;
        let mut offset = term_offset;
        while remaining_bytes > 0 {
            let (available, padding) =
                logbuffer::scan_for_availability(&term, offset, self.mtu_length.min(remaining_bytes));
            if available <= 0 {
                break;
            }
            term.get_bytes(offset as usize, &mut self.data_buffer[..available as usize]);
            if !self.send_to_destinations(sink, available as usize, now_ns) {
                break;
            }
            let bytes_sent = available + padding;
            remaining_bytes -= bytes_sent;
            total_bytes_sent += i64::from(bytes_sent);
            offset += bytes_sent;
        }
        if total_bytes_sent > 0 {
            self.counters.retransmits_sent += 1;
            self.counters.retransmitted_bytes += total_bytes_sent as u64;
        }
    }
}

/// The sender side of one network publication over its [`LogBuffer`].
///
/// How to drive it (one thread, the driver's sender):
/// * create it with [`new`](Self::new) once the log is initialised;
/// * call [`send`](Self::send) every duty cycle (it sends SETUP/DATA/heartbeats and due retransmits);
/// * feed every datagram received on the control socket to
///   [`on_control_datagram`](Self::on_control_datagram);
/// * from the conductor, call [`update_publisher_limit`](Self::update_publisher_limit) to clean the log
///   behind the sender and compute the publisher limit the client offers against, and
///   [`close`](Self::close) when the last publisher goes.
#[derive(Debug)]
pub struct NetworkPublicationSender {
    core: SenderCore,
    flow_control: Box<dyn FlowControl>,
    retransmit_handler: RetransmitHandler,
    liveness: ReceiverLivenessTracker,
    config: SenderConfig,
    sender_limit: i64,
    publisher_limit: i64,
    clean_position: i64,
    term_window_length: i64,
    has_initial_connection: bool,
    is_setup_elicited: bool,
    has_receivers: bool,
    is_connected: bool,
    track_sender_limits: bool,
    has_received_unicast_eos: bool,
    has_spies: bool,
    max_spy_position: i64,
    end_of_stream_position: Option<i64>,
    is_end_of_stream: bool,
    time_of_last_setup_ns: i64,
    time_of_last_data_or_heartbeat_ns: i64,
    time_of_last_status_message_ns: i64,
}

impl NetworkPublicationSender {
    /// A sender for the publication in `log`, starting at the log's producer position.
    pub fn new(
        log: LogBuffer,
        flow_control: Box<dyn FlowControl>,
        config: SenderConfig,
        now_ns: i64,
    ) -> Self {
        let term_length = log.term_length();
        let mtu_length = log.mtu_length();
        let position = log.producer_position();
        let term_window_length = i64::from(config.publication_window_length.unwrap_or(term_length / 2));
        let retransmit_handler = RetransmitHandler::new(
            config.retransmit_delay.clone(),
            config.retransmit_linger.clone(),
            config.has_group_semantics,
            config.max_resend,
        );
        let core = SenderCore {
            session_id: log.session_id(),
            stream_id: log.stream_id(),
            initial_term_id: log.initial_term_id(),
            term_length,
            position_bits_to_shift: log.position_bits_to_shift(),
            mtu_length,
            sender_position: position,
            destinations: SendDestinations::new(config.destination_mode),
            data_buffer: vec![0; mtu_length.max(64) as usize],
            counters: SenderCounters::default(),
            log,
        };
        Self {
            core,
            flow_control,
            retransmit_handler,
            liveness: ReceiverLivenessTracker::new(),
            sender_limit: position,
            publisher_limit: position,
            clean_position: position,
            term_window_length,
            has_initial_connection: false,
            is_setup_elicited: false,
            has_receivers: false,
            is_connected: false,
            track_sender_limits: false,
            has_received_unicast_eos: false,
            has_spies: false,
            max_spy_position: position,
            end_of_stream_position: None,
            is_end_of_stream: false,
            time_of_last_setup_ns: now_ns - config.setup_timeout_ns - 1,
            time_of_last_data_or_heartbeat_ns: now_ns - config.heartbeat_timeout_ns - 1,
            time_of_last_status_message_ns: now_ns,
            config,
        }
    }

    /// Session id.
    pub fn session_id(&self) -> i32 {
        self.core.session_id
    }

    /// Stream id.
    pub fn stream_id(&self) -> i32 {
        self.core.stream_id
    }

    /// The publication's log.
    pub fn log(&self) -> &LogBuffer {
        &self.core.log
    }

    /// Sender position (`snd-pos`): everything before it has been sent at least once.
    pub fn sender_position(&self) -> i64 {
        self.core.sender_position
    }

    /// Sender limit (`snd-lmt`), set by flow control.
    pub fn sender_limit(&self) -> i64 {
        self.sender_limit
    }

    /// The publisher limit last computed by [`update_publisher_limit`](Self::update_publisher_limit).
    pub fn publisher_limit(&self) -> i64 {
        self.publisher_limit
    }

    /// Whether any receiver is live.
    pub fn has_receivers(&self) -> bool {
        self.has_receivers
    }

    /// Whether the publication counts as connected (live receivers and flow control satisfied).
    pub fn is_connected(&self) -> bool {
        self.is_connected
    }

    /// Whether a first status message has arrived.
    pub fn has_initial_connection(&self) -> bool {
        self.has_initial_connection
    }

    /// Whether the closed publication has been sent up to its end-of-stream position.
    pub fn is_end_of_stream(&self) -> bool {
        self.is_end_of_stream
    }

    /// Whether a unicast receiver has answered with an EOS status message (lets linger end early).
    pub fn has_received_unicast_eos(&self) -> bool {
        self.has_received_unicast_eos
    }

    /// Time of the last accepted status message (or SETUP-eliciting SM).
    pub fn time_of_last_status_message_ns(&self) -> i64 {
        self.time_of_last_status_message_ns
    }

    /// The counters.
    pub fn counters(&self) -> &SenderCounters {
        &self.core.counters
    }

    /// NAKs dropped because every retransmit slot was busy.
    pub fn retransmit_overflows(&self) -> u64 {
        self.retransmit_handler.overflow_count()
    }

    /// The flow-control strategy.
    pub fn flow_control(&self) -> &dyn FlowControl {
        &*self.flow_control
    }

    /// The destination list.
    pub fn destinations(&self) -> &SendDestinations {
        &self.core.destinations
    }

    /// Adds a manual MDC destination (`registration_id` identifies it for removal).
    pub fn add_destination(&mut self, address: SocketAddr, registration_id: i64, now_ns: i64) {
        self.core.destinations.add(address, registration_id, now_ns);
    }

    /// Removes a manual MDC destination by address; returns whether one was removed.
    pub fn remove_destination(&mut self, address: SocketAddr) -> bool {
        self.core.destinations.remove(address)
    }

    /// Removes a manual MDC destination by registration id; returns whether one was removed.
    pub fn remove_destination_by_registration_id(&mut self, registration_id: i64) -> bool {
        self.core.destinations.remove_by_registration_id(registration_id)
    }

    /// Conductor duty: whether spies are linked and the furthest spy position (Aeron keeps both on the
    /// publication). With `spies_simulate_connection` they make the publication connected, and while no
    /// receiver is live an idle duty cycle moves the sender position up to the furthest spy.
    pub fn on_spies(&mut self, has_spies: bool, max_spy_position: i64) {
        self.has_spies = has_spies;
        self.max_spy_position = self.max_spy_position.max(max_spy_position);
        if self.config.spies_simulate_connection {
            self.update_connected_state();
        }
    }

    /// The last publisher has gone: the publication drains up to the producer position, then signals EOS.
    /// Writes the end-of-stream position into the log metadata.
    pub fn close(&mut self) {
        if self.end_of_stream_position.is_none() {
            let position = self.core.log.producer_position();
            self.core.log.metadata().set_end_of_stream_position(position);
            self.end_of_stream_position = Some(position);
            self.publisher_limit = self.publisher_limit.min(position);
        }
    }

    /// One sender duty cycle (Aeron `NetworkPublication.send`); returns the bytes sent.
    pub fn send(&mut self, now_ns: i64, sink: &mut dyn DatagramSink) -> usize {
        let sender_position = self.core.sender_position;
        let active_term_id = compute_term_id_from_position(
            sender_position,
            self.core.position_bits_to_shift,
            self.core.initial_term_id,
        );
        let term_offset = (sender_position & (i64::from(self.core.term_length) - 1)) as i32;

        if let Some(eos_position) = self.end_of_stream_position
            && sender_position >= eos_position
        {
            self.is_end_of_stream = true;
        }

        if !self.has_initial_connection || self.is_setup_elicited {
            self.setup_message_check(now_ns, active_term_id, term_offset, sink);
        }

        let mut bytes_sent = self.send_data(now_ns, sender_position, term_offset, sink);
        if bytes_sent == 0 {
            bytes_sent = self.heartbeat_message_check(now_ns, active_term_id, term_offset, sink);
            if self.config.spies_simulate_connection && self.has_spies && !self.has_receivers {
                // Nobody on the network: what the spies have read counts as sent.
                let new_sender_position = self.max_spy_position.max(self.core.sender_position);
                self.core.sender_position = new_sender_position;
                self.sender_limit = self.flow_control.on_idle(
                    now_ns,
                    new_sender_position,
                    new_sender_position,
                    self.is_end_of_stream,
                );
            } else {
                self.sender_limit = self.flow_control.on_idle(
                    now_ns,
                    self.sender_limit,
                    self.core.sender_position,
                    self.is_end_of_stream,
                );
            }
            self.update_has_receivers(now_ns);
        }

        let core = &mut self.core;
        self.retransmit_handler.process_timeouts(now_ns, &mut |term_id, term_offset, length| {
            core.resend(sink, term_id, term_offset, length, now_ns);
        });
        bytes_sent
    }

    /// Handles one datagram from the control socket (SM, NAK, ERR, RTTM, RSP_SETUP); returns whether it
    /// was valid (an invalid one is counted). Frames for another session/stream are not counted here:
    /// another session's SM only updates the MDC destination list, the rest is ignored.
    pub fn on_control_datagram(
        &mut self,
        datagram: &[u8],
        source: SocketAddr,
        now_ns: i64,
        sink: &mut dyn DatagramSink,
    ) -> bool {
        let frame_type = match validate_datagram(datagram) {
            Ok(frame_type) if frame_type.is_accepted_on_control_side() => frame_type,
            // A well-formed frame of the data side: ignored without being counted, as Aeron does.
            Ok(_) => return true,
            Err(_) => {
                self.core.counters.invalid_packets += 1;
                return false;
            }
        };
        let valid = match frame_type {
            FrameType::StatusMessage => match StatusMessage::decode(datagram) {
                Ok(status_message) => self.on_status_message(&status_message, source, now_ns),
                Err(_) => false,
            },
            FrameType::Nak => match Nak::decode(datagram) {
                Ok(nak) => self.on_nak(&nak, now_ns, sink),
                Err(_) => false,
            },
            FrameType::Error => match ErrorFrame::decode(datagram) {
                Ok(error) => {
                    self.on_error(&error, source, now_ns);
                    true
                }
                Err(_) => false,
            },
            FrameType::Rttm => match RttMeasurement::decode(datagram) {
                Ok(rttm) => {
                    self.on_rtt_measurement(&rttm, now_ns, sink);
                    true
                }
                Err(_) => false,
            },
            FrameType::ResponseSetup => {
                self.core.counters.response_setups_received += 1;
                true
            }
            _ => false,
        };
        if !valid {
            self.core.counters.invalid_packets += 1;
        }
        valid
    }

    /// Handles a decoded status message (validation of §1.4 included); returns false if it was invalid.
    /// An SM of another session/stream (a shared MDC endpoint, or a setup-eliciting one with session 0)
    /// only updates the destination list if it is well formed, is not counted, and returns true: whoever
    /// owns the endpoint counts it once.
    pub fn on_status_message(
        &mut self,
        status_message: &StatusMessage,
        source: SocketAddr,
        now_ns: i64,
    ) -> bool {
        let is_mine = status_message.session_id == self.core.session_id
            && status_message.stream_id == self.core.stream_id;
        if !is_mine {
            // Another session's SM on a shared MDC endpoint (or a setup-eliciting one with session 0):
            // only the destination list learns from it. The endpoint counts it, once for all publications.
            if status_message.validate(TERM_MAX_LENGTH).is_ok() {
                self.core.destinations.on_status_message(status_message.receiver_id, source, now_ns);
            }
            return true;
        }
        if status_message.validate(self.core.term_length).is_err() {
            return false;
        }
        if !status_message.is_setup_eliciting() {
            let sm_position = compute_position(
                status_message.consumption_term_id,
                status_message.consumption_term_offset,
                self.core.position_bits_to_shift,
                self.core.initial_term_id,
            );
            if !StatusMessage::is_position_acceptable(
                sm_position,
                self.core.sender_position,
                self.core.term_length,
            ) {
                self.core.counters.status_messages_received += 1;
                self.core.counters.status_messages_rejected += 1;
                return true;
            }
        }
        self.core.counters.status_messages_received += 1;
        self.core.destinations.on_status_message(status_message.receiver_id, source, now_ns);
        if status_message.is_setup_eliciting() {
            self.trigger_send_setup_frame(status_message, source, now_ns);
        } else {
            self.on_live_status_message(status_message, source, now_ns);
        }
        true
    }

    fn trigger_send_setup_frame(&mut self, status_message: &StatusMessage, source: SocketAddr, now_ns: i64) {
        if !self.is_end_of_stream {
            self.time_of_last_status_message_ns = now_ns;
            self.is_setup_elicited = true;
            self.flow_control.on_trigger_send_setup(status_message, source, now_ns);
        }
    }

    fn on_live_status_message(&mut self, status_message: &StatusMessage, source: SocketAddr, now_ns: i64) {
        if status_message.is_end_of_stream() {
            self.liveness.on_remote_close(status_message.receiver_id);
            if !self.config.has_group_semantics {
                self.has_received_unicast_eos = true;
            }
        } else {
            self.liveness.on_status_message(status_message.receiver_id, now_ns);
        }
        self.has_receivers = self.liveness.has_receivers();
        self.has_initial_connection = true;
        self.time_of_last_status_message_ns = now_ns;
        self.sender_limit = self.flow_control.on_status_message(
            status_message,
            source,
            self.sender_limit,
            self.core.initial_term_id,
            self.core.position_bits_to_shift,
            now_ns,
        );
        self.update_connected_state();
    }

    /// Handles a decoded NAK; returns false if it was invalid for this publication (or not for it).
    pub fn on_nak(&mut self, nak: &Nak, now_ns: i64, sink: &mut dyn DatagramSink) -> bool {
        if nak.session_id != self.core.session_id || nak.stream_id != self.core.stream_id {
            return true;
        }
        if nak.validate(self.core.term_length).is_err() {
            return false;
        }
        self.core.counters.naks_received += 1;
        let term_length = self.core.term_length;
        let mtu_length = self.core.mtu_length;
        let core = &mut self.core;
        self.retransmit_handler.on_nak(
            nak.term_id,
            nak.term_offset,
            nak.length,
            term_length,
            mtu_length,
            &*self.flow_control,
            now_ns,
            &mut |term_id, term_offset, length| core.resend(sink, term_id, term_offset, length, now_ns),
        );
        true
    }

    /// Handles a decoded ERR frame: flow control and liveness drop that receiver.
    pub fn on_error(&mut self, error: &ErrorFrame, source: SocketAddr, now_ns: i64) {
        if error.session_id != self.core.session_id || error.stream_id != self.core.stream_id {
            return;
        }
        self.core.counters.errors_received += 1;
        self.flow_control.on_error(error.receiver_id, error.group_tag_if_flagged(), source, now_ns);
        self.liveness.on_remote_close(error.receiver_id);
        self.has_receivers = self.liveness.has_receivers();
        self.update_connected_state();
    }

    /// Handles a decoded RTTM: answers REPLY-flagged ones (echo timestamp and receiver id, delta 0).
    pub fn on_rtt_measurement(&mut self, rttm: &RttMeasurement, now_ns: i64, sink: &mut dyn DatagramSink) {
        if rttm.session_id != self.core.session_id || rttm.stream_id != self.core.stream_id {
            return;
        }
        if rttm.is_reply_requested() {
            let reply = rttm.reply();
            let mut frame = [0u8; protocol::frame::rttm::HEADER_LENGTH];
            if let Ok(length) = reply.encode(&mut frame) {
                self.core.send_control(sink, &frame[..length], now_ns);
                self.core.counters.rtt_replies_sent += 1;
            }
        }
    }

    /// Conductor duty (Aeron `updatePublisherPositionAndLimit`): cleans the log one term behind the sender
    /// and returns the publisher limit the client may offer up to (`sender_position + window` while
    /// connected; pinned to the sender position otherwise).
    pub fn update_publisher_limit(&mut self) -> i64 {
        if self.end_of_stream_position.is_some() {
            return self.publisher_limit;
        }
        let sender_position = self.core.sender_position;
        if self.has_subscribers() {
            let new_limit_position = sender_position + self.term_window_length;
            if new_limit_position > self.publisher_limit {
                self.clean_position = logbuffer::clean_buffer_to(
                    &self.core.log,
                    self.clean_position,
                    sender_position - i64::from(self.core.term_length),
                );
                let dirty_term_id = compute_term_id_from_position(
                    self.clean_position,
                    self.core.position_bits_to_shift,
                    self.core.initial_term_id,
                );
                let active_term_id = compute_term_id_from_position(
                    new_limit_position,
                    self.core.position_bits_to_shift,
                    self.core.initial_term_id,
                );
                let term_gap = active_term_id.wrapping_sub(dirty_term_id);
                let term_length_mask = i64::from(self.core.term_length) - 1;
                if term_gap < 2 || (term_gap == 2 && (self.clean_position & term_length_mask) != 0) {
                    self.publisher_limit = new_limit_position;
                }
            }
        } else if self.publisher_limit > sender_position {
            self.set_connected(false);
            self.publisher_limit = sender_position;
            self.clean_position = logbuffer::clean_buffer_to(
                &self.core.log,
                self.clean_position,
                sender_position - i64::from(self.core.term_length),
            );
        }
        self.publisher_limit
    }

    fn has_subscribers(&self) -> bool {
        (self.config.spies_simulate_connection && self.has_spies)
            || (self.has_receivers && self.flow_control.has_required_receivers())
    }

    fn update_connected_state(&mut self) {
        let connected = self.has_subscribers();
        self.set_connected(connected);
    }

    fn set_connected(&mut self, connected: bool) {
        if connected != self.is_connected {
            self.core.log.metadata().set_is_connected(connected);
            self.is_connected = connected;
        }
    }

    fn update_has_receivers(&mut self, now_ns: i64) {
        self.liveness.on_idle(now_ns, self.config.connection_timeout_ns);
        let live = self.liveness.has_receivers();
        if live != self.has_receivers {
            self.has_receivers = live;
            self.update_connected_state();
        }
    }

    fn send_data(
        &mut self,
        now_ns: i64,
        sender_position: i64,
        term_offset: i32,
        sink: &mut dyn DatagramSink,
    ) -> usize {
        let available_window = self.sender_limit - sender_position;
        if available_window <= 0 {
            if self.track_sender_limits {
                self.track_sender_limits = false;
                self.core.counters.flow_control_limits += 1;
            }
            return 0;
        }
        let scan_limit = available_window.min(i64::from(self.core.mtu_length)) as i32;
        let term =
            self.core.log.term(index_by_position(sender_position, self.core.position_bits_to_shift)).clone();
        let (available, padding) = logbuffer::scan_for_availability(&term, term_offset, scan_limit);
        if available > 0 {
            term.get_bytes(term_offset as usize, &mut self.core.data_buffer[..available as usize]);
            if self.core.send_to_destinations(sink, available as usize, now_ns) {
                self.time_of_last_data_or_heartbeat_ns = now_ns;
                self.track_sender_limits = true;
                let bytes_sent = available + padding;
                self.core.sender_position = sender_position + i64::from(bytes_sent);
                self.core.counters.bytes_sent += available as u64;
                return bytes_sent as usize;
            }
        } else if available < 0 && self.track_sender_limits {
            self.track_sender_limits = false;
            self.core.counters.flow_control_limits += 1;
        }
        0
    }

    fn setup_message_check(
        &mut self,
        now_ns: i64,
        active_term_id: i32,
        term_offset: i32,
        sink: &mut dyn DatagramSink,
    ) {
        if self.time_of_last_setup_ns + self.config.setup_timeout_ns - now_ns >= 0 {
            return;
        }
        self.time_of_last_setup_ns = now_ns;
        let mut flags = 0;
        if self.config.send_response_setup {
            flags |= protocol::frame::setup::SEND_RESPONSE_SETUP_FLAG;
        }
        if self.config.has_group_semantics {
            flags |= protocol::frame::setup::GROUP_FLAG;
        }
        let setup = SetupHeader {
            flags,
            term_offset,
            session_id: self.core.session_id,
            stream_id: self.core.stream_id,
            initial_term_id: self.core.initial_term_id,
            active_term_id,
            term_length: self.core.term_length,
            mtu: self.core.mtu_length,
            ttl: self.config.multicast_ttl,
        };
        if self.is_setup_elicited {
            self.sender_limit =
                self.flow_control.on_setup(self.sender_limit, self.core.sender_position, now_ns);
        }
        let mut frame = [0u8; protocol::frame::setup::HEADER_LENGTH];
        if let Ok(length) = setup.encode(&mut frame) {
            self.core.send_control(sink, &frame[..length], now_ns);
            self.core.counters.setups_sent += 1;
        }
        if self.is_setup_elicited && self.has_receivers {
            self.is_setup_elicited = false;
        }
    }

    fn heartbeat_message_check(
        &mut self,
        now_ns: i64,
        active_term_id: i32,
        term_offset: i32,
        sink: &mut dyn DatagramSink,
    ) -> usize {
        if !self.has_initial_connection
            || self.time_of_last_data_or_heartbeat_ns + self.config.heartbeat_timeout_ns - now_ns >= 0
        {
            return 0;
        }
        let flags = if self.core.log.metadata().is_publication_revoked() {
            BEGIN_END_EOS_AND_REVOKED_FLAGS
        } else if self.config.signal_eos && self.is_end_of_stream {
            BEGIN_END_AND_EOS_FLAGS
        } else {
            BEGIN_AND_END_FLAGS
        };
        let heartbeat = Heartbeat {
            flags,
            term_offset,
            session_id: self.core.session_id,
            stream_id: self.core.stream_id,
            term_id: active_term_id,
        };
        let mut frame = [0u8; protocol::frame::data::HEADER_LENGTH];
        let mut bytes_sent = 0;
        if let Ok(length) = heartbeat.encode(&mut frame) {
            bytes_sent = self.core.send_control(sink, &frame[..length], now_ns);
        }
        self.time_of_last_data_or_heartbeat_ns = now_ns;
        self.core.counters.heartbeats_sent += 1;
        bytes_sent
    }
}
