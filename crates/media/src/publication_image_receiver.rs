//! [`PublicationImageReceiver`]: the receiver half of one publication image (Aeron `PublicationImage`'s
//! receiver and conductor duties with the static-window congestion control; reference §1.11–§1.13).
//!
//! Invariants:
//! * the image starts at the join position of its SETUP: HWM, rebuild position, last SM position and the
//!   clean position all start there, and data before it is never asked for;
//! * a DATA datagram is inserted only if it passes the frame walk of §1.11 step 4, does not overrun
//!   (`packet_position + length <= last_sm_position + term_length / 2`) and does not underrun
//!   (`packet_position >= last_sm_position`); inserts never overwrite a slot whose length word is set;
//! * the HWM and the rebuild position only move forward; the rebuild position never passes a gap;
//! * a gap is NAKed after the delay generator's delay and then every retry delay until filled (unreliable
//!   images fill it with padding instead);
//! * a status message goes out at once when the image starts, when consumption moves more than
//!   window / 4 past the last scheduled SM position, and otherwise every SM timeout; it carries EOS while
//!   the image drains;
//! * the image is connected while DATA or heartbeats arrived within the image liveness timeout;
//! * malformed datagrams are dropped and counted; nothing here panics on network input or allocates on
//!   the data path.

use std::net::SocketAddr;

use logbuffer::log_buffer_descriptor::{compute_position, compute_term_id_from_position, index_by_position};
use logbuffer::{LogBuffer, LogParams, LogType};
use protocol::frame::{Nak, SetupHeader, StatusMessage, validate_data_packet};

use crate::datagram_sink::DatagramSink;
use crate::defaults::{
    DESTINATION_TIMEOUT_NS, IMAGE_LIVENESS_TIMEOUT_NS, INITIAL_WINDOW_LENGTH, SM_EOS_MULTIPLE,
    STATUS_MESSAGE_TIMEOUT_NS, receiver_window_length,
};
use crate::feedback_delay_generator::DelayGenerator;
use crate::loss_detector::LossDetector;

/// Settings of one image (Aeron's defaults via [`ImageConfig::new`]).
#[derive(Debug, Clone)]
pub struct ImageConfig {
    /// The receive endpoint's random receiver id, put into every SM.
    pub receiver_id: i64,
    /// Receiver group tag (`gtag`); `Some` makes SMs 44 bytes.
    pub group_tag: Option<i64>,
    /// Initial receiver window (`rcv-wnd`, default 128 KiB); the window is `min(this, term_length / 2)`.
    pub initial_window_length: i32,
    /// Reliable (NAK gaps) or not (fill gaps with padding).
    pub is_reliable: bool,
    /// SM interval (default 200 ms).
    pub status_message_timeout_ns: i64,
    /// Image liveness (default 10 s).
    pub image_liveness_timeout_ns: i64,
    /// Several transports feed the image (MDS): SMs and NAKs go to every recently active connection.
    pub is_multi_destination: bool,
    /// NAK timing.
    pub nak_delay: DelayGenerator,
}

impl ImageConfig {
    /// Aeron defaults with `receiver_id` and the given NAK delay generator.
    pub fn new(receiver_id: i64, nak_delay: DelayGenerator) -> Self {
        Self {
            receiver_id,
            group_tag: None,
            initial_window_length: INITIAL_WINDOW_LENGTH,
            is_reliable: true,
            status_message_timeout_ns: STATUS_MESSAGE_TIMEOUT_NS,
            image_liveness_timeout_ns: IMAGE_LIVENESS_TIMEOUT_NS,
            is_multi_destination: false,
            nak_delay,
        }
    }
}

/// Lifecycle of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageState {
    /// Created, not yet added to the dispatcher.
    Init,
    /// Receiving.
    Active,
    /// End of stream reached or the subscription went away; sending EOS-flagged SMs.
    Draining,
    /// Released by the receiver; waiting for subscribers to let go.
    Linger,
    /// Finished; the conductor frees it.
    Done,
}

/// Counters of one image (the driver mirrors them into Aeron's system counters).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageCounters {
    /// DATA datagrams inserted (or found already present).
    pub data_packets_received: u64,
    /// Heartbeats accepted.
    pub heartbeats_received: u64,
    /// Status messages sent.
    pub status_messages_sent: u64,
    /// NAKs sent.
    pub naks_sent: u64,
    /// Datagrams behind the last SM position (already consumed).
    pub flow_control_under_runs: u64,
    /// Datagrams beyond the last SM position + term_length / 2.
    pub flow_control_over_runs: u64,
    /// Gaps filled with padding (unreliable images).
    pub loss_gap_fills: u64,
    /// Datagrams dropped as malformed.
    pub invalid_packets: u64,
    /// Datagrams the sink did not fully take.
    pub short_sends: u64,
}

#[derive(Debug, Clone, Copy)]
struct ImageConnection {
    control_address: SocketAddr,
    time_of_last_activity_ns: i64,
    time_of_last_frame_ns: i64,
    is_eos: bool,
    eos_position: i64,
}

/// The receiver side of one publication image over its [`LogBuffer`].
///
/// How to drive it:
/// * build the log with [`PublicationImageReceiver::log_params`] from the SETUP, then create the image
///   with [`new`](Self::new) and [`activate`](Self::activate) it (the dispatcher does both steps' second
///   half in [`add_publication_image`](crate::DataPacketDispatcher::add_publication_image));
/// * hand it every DATA/heartbeat datagram for its session ([`insert_packet`](Self::insert_packet));
/// * regularly call [`track_rebuild`](Self::track_rebuild) with the subscribers' positions (conductor
///   duty) and [`receiver_duty`](Self::receiver_duty) (sends SMs and NAKs), or both through
///   [`duty_cycle`](Self::duty_cycle);
/// * call [`on_time_event`](Self::on_time_event) about once a second for the lifecycle.
#[derive(Debug)]
pub struct PublicationImageReceiver {
    log: LogBuffer,
    session_id: i32,
    stream_id: i32,
    initial_term_id: i32,
    term_length: i32,
    position_bits_to_shift: u32,
    setup_flags: u8,
    join_position: i64,
    hwm_position: i64,
    rebuild_position: i64,
    clean_position: i64,
    next_sm_position: i64,
    next_sm_receiver_window_length: i32,
    is_sm_change_pending: bool,
    last_sm_position: i64,
    last_overrun_threshold: i64,
    next_sm_deadline_ns: i64,
    receiver_window_length: i32,
    loss_detector: LossDetector,
    pending_loss: Option<(i32, i32, i32)>,
    connections: Vec<Option<ImageConnection>>,
    time_of_last_packet_ns: i64,
    time_of_last_state_change_ns: i64,
    state: ImageState,
    is_end_of_stream: bool,
    is_sending_eos_sm: bool,
    is_rebuilding: bool,
    is_receiver_release_triggered: bool,
    config: ImageConfig,
    counters: ImageCounters,
}

impl PublicationImageReceiver {
    /// The log parameters for an image created from `setup` (term length, MTU, initial term id and the
    /// starting position all from the SETUP; type PUBLICATION_IMAGE).
    pub fn log_params(setup: &SetupHeader, correlation_id: i64) -> LogParams {
        let mut params = LogParams::new(
            setup.term_length,
            setup.mtu,
            setup.initial_term_id,
            setup.session_id,
            setup.stream_id,
        )
        .starting_at(setup.active_term_id, setup.term_offset);
        params.correlation_id = correlation_id;
        params.log_type = LogType::PublicationImage;
        params.group = setup.has_group_semantics();
        params
    }

    /// An image for the (validated) `setup`, over `log` (built from [`log_params`](Self::log_params)),
    /// whose SMs and NAKs go to `control_address`; `transport_index` is the receiving transport (0 unless
    /// MDS).
    ///
    /// Panics if `log` does not match `setup` (programmer error).
    pub fn new(
        log: LogBuffer,
        setup: &SetupHeader,
        control_address: SocketAddr,
        transport_index: usize,
        config: ImageConfig,
        now_ns: i64,
    ) -> Self {
        assert!(
            log.term_length() == setup.term_length && log.initial_term_id() == setup.initial_term_id,
            "image log does not match its SETUP"
        );
        let term_length = log.term_length();
        let position_bits_to_shift = log.position_bits_to_shift();
        let join_position = compute_position(
            setup.active_term_id,
            setup.term_offset,
            position_bits_to_shift,
            setup.initial_term_id,
        );
        let window = receiver_window_length(term_length, config.initial_window_length);
        let mut connections = vec![None; transport_index + 1];
        connections[transport_index] = Some(ImageConnection {
            control_address,
            time_of_last_activity_ns: now_ns,
            time_of_last_frame_ns: now_ns,
            is_eos: false,
            eos_position: 0,
        });
        Self {
            session_id: setup.session_id,
            stream_id: setup.stream_id,
            initial_term_id: setup.initial_term_id,
            term_length,
            position_bits_to_shift,
            setup_flags: setup.flags,
            join_position,
            hwm_position: join_position,
            rebuild_position: join_position,
            clean_position: join_position,
            next_sm_position: join_position,
            next_sm_receiver_window_length: window,
            is_sm_change_pending: false,
            last_sm_position: join_position,
            last_overrun_threshold: join_position + i64::from(term_length >> 1),
            next_sm_deadline_ns: now_ns - 1,
            receiver_window_length: window,
            loss_detector: LossDetector::new(config.nak_delay.clone(), term_length, setup.initial_term_id),
            pending_loss: None,
            connections,
            time_of_last_packet_ns: now_ns,
            time_of_last_state_change_ns: now_ns,
            state: ImageState::Init,
            is_end_of_stream: false,
            is_sending_eos_sm: false,
            is_rebuilding: true,
            is_receiver_release_triggered: false,
            config,
            counters: ImageCounters::default(),
            log,
        }
    }

    /// Session id.
    pub fn session_id(&self) -> i32 {
        self.session_id
    }

    /// Stream id.
    pub fn stream_id(&self) -> i32 {
        self.stream_id
    }

    /// The image's log (subscribers read it with `logbuffer::ImageReader`).
    pub fn log(&self) -> &LogBuffer {
        &self.log
    }

    /// Where subscribers start: the position of the SETUP that created the image.
    pub fn join_position(&self) -> i64 {
        self.join_position
    }

    /// Highest position received (`rcv-hwm`).
    pub fn hwm_position(&self) -> i64 {
        self.hwm_position
    }

    /// Position up to which the log is complete (`rcv-pos`).
    pub fn rebuild_position(&self) -> i64 {
        self.rebuild_position
    }

    /// Position carried by the last status message sent.
    pub fn last_sm_position(&self) -> i64 {
        self.last_sm_position
    }

    /// The receiver window advertised in SMs.
    pub fn receiver_window_length(&self) -> i32 {
        self.receiver_window_length
    }

    /// SETUP flags the image was created with (SEND_RESPONSE_SETUP, GROUP).
    pub fn setup_flags(&self) -> u8 {
        self.setup_flags
    }

    /// Lifecycle state.
    pub fn state(&self) -> ImageState {
        self.state
    }

    /// Whether every connection has signalled end of stream.
    pub fn is_end_of_stream(&self) -> bool {
        self.is_end_of_stream
    }

    /// The counters.
    pub fn counters(&self) -> &ImageCounters {
        &self.counters
    }

    /// Whether DATA or a heartbeat arrived within the image liveness timeout (and the receiver has not
    /// released the image).
    pub fn is_connected(&self, now_ns: i64) -> bool {
        self.time_of_last_packet_ns + self.config.image_liveness_timeout_ns - now_ns >= 0
            && !self.is_receiver_release_triggered
    }

    /// INIT → ACTIVE.
    pub fn activate(&mut self, now_ns: i64) {
        self.time_of_last_state_change_ns = now_ns;
        self.state = ImageState::Active;
    }

    /// ACTIVE → DRAINING (the subscription went away or the dispatcher removed the image).
    pub fn deactivate(&mut self, now_ns: i64) {
        if self.state == ImageState::Active {
            self.is_rebuilding = false;
            self.time_of_last_state_change_ns = now_ns;
            if !self.is_sending_eos_sm {
                self.is_sending_eos_sm = !self.is_end_of_stream || self.rebuild_position == self.hwm_position;
            }
            if self.is_sending_eos_sm {
                self.next_sm_deadline_ns = now_ns - 1;
            }
            self.state = ImageState::Draining;
        }
    }

    /// Handles one DATA/PAD/heartbeat datagram for this image (Aeron `insertPacket`); returns the datagram
    /// length if it was well formed (even if dropped by the flow-control window), else 0.
    pub fn insert_packet(
        &mut self,
        datagram: &[u8],
        transport_index: usize,
        source: SocketAddr,
        now_ns: i64,
    ) -> usize {
        let packet = match validate_data_packet(datagram, self.term_length) {
            Ok(packet) if packet.session_id == self.session_id && packet.stream_id == self.stream_id => {
                packet
            }
            _ => {
                self.counters.invalid_packets += 1;
                return 0;
            }
        };
        let packet_position = compute_position(
            packet.term_id,
            packet.term_offset,
            self.position_bits_to_shift,
            self.initial_term_id,
        );
        let proposed_position = packet_position.saturating_add(packet.length);

        if proposed_position > self.last_overrun_threshold {
            self.counters.flow_control_over_runs += 1;
            return datagram.len();
        }
        if packet.is_heartbeat {
            let window_bottom = (self.last_sm_position - i64::from(self.term_length)).max(0);
            if packet_position >= window_bottom {
                self.time_of_last_packet_ns = now_ns;
                let index = self.track_connection(transport_index, source, now_ns);
                if packet.flags & protocol::frame::EOS_FLAG != 0 {
                    if let Some(connection) = self.connections[index].as_mut() {
                        connection.eos_position = packet_position;
                        connection.is_eos = true;
                    }
                    if !self.is_end_of_stream && self.is_all_connected_eos() {
                        let eos_position = self.find_eos_position();
                        if packet.flags & protocol::frame::REVOKED_FLAG != 0 {
                            self.log.metadata().set_is_publication_revoked(true);
                        }
                        self.log.metadata().set_end_of_stream_position(eos_position);
                        self.is_end_of_stream = true;
                    }
                }
                self.hwm_position = self.hwm_position.max(proposed_position);
                self.counters.heartbeats_received += 1;
            } else {
                self.counters.flow_control_under_runs += 1;
            }
        } else if packet_position >= self.last_sm_position {
            self.time_of_last_packet_ns = now_ns;
            self.track_connection(transport_index, source, now_ns);
            let term = self.log.term(index_by_position(packet_position, self.position_bits_to_shift));
            logbuffer::insert_packet(term, packet.term_offset, datagram);
            self.hwm_position = self.hwm_position.max(proposed_position);
            self.counters.data_packets_received += 1;
        } else {
            self.counters.flow_control_under_runs += 1;
            if packet_position >= self.last_sm_position - i64::from(self.receiver_window_length) {
                self.track_connection(transport_index, source, now_ns);
            }
        }
        datagram.len()
    }

    /// A SETUP for this image arrived (possibly on another transport): remembers the connection.
    pub fn on_setup(&mut self, transport_index: usize, source: SocketAddr, now_ns: i64) {
        let known = self.connections.get(transport_index).is_some_and(Option::is_some);
        if !known {
            self.track_connection(transport_index, source, now_ns);
        }
    }

    /// Conductor duty (Aeron `trackRebuild` with static-window congestion control): scans for loss from the
    /// rebuild position, advances it, schedules a NAK when a gap's timer expires, and schedules an SM when
    /// consumption (`min_subscriber_position`) moved more than window / 4. Also cleans the log one term
    /// behind the slowest subscriber. Returns work done.
    pub fn track_rebuild(
        &mut self,
        now_ns: i64,
        min_subscriber_position: i64,
        max_subscriber_position: i64,
    ) -> usize {
        if !self.is_rebuilding {
            return 0;
        }
        let rebuild_position = self.rebuild_position.max(max_subscriber_position);
        let term = self.log.term(index_by_position(rebuild_position, self.position_bits_to_shift)).clone();
        let outcome = self.loss_detector.scan(&term, rebuild_position, self.hwm_position, now_ns);
        let rebuild_term_offset = rebuild_position & (i64::from(self.term_length) - 1);
        let new_rebuild_position = rebuild_position - rebuild_term_offset + i64::from(outcome.rebuild_offset);
        self.rebuild_position = self.rebuild_position.max(new_rebuild_position);
        if let Some(gap) = outcome.nak {
            self.pending_loss = Some(gap);
        }

        let window_length = self.receiver_window_length;
        let threshold = i64::from(window_length >> 2);
        if min_subscriber_position > self.next_sm_position + threshold
            || window_length != self.next_sm_receiver_window_length
        {
            self.clean_position = logbuffer::clean_buffer_to(
                &self.log,
                self.clean_position,
                min_subscriber_position - i64::from(self.term_length),
            );
            self.next_sm_position = min_subscriber_position;
            self.next_sm_receiver_window_length = window_length;
            self.is_sm_change_pending = true;
            return 1;
        }
        0
    }

    /// Receiver duty for a connected image: the EOS drain check, a pending or due status message, and a
    /// pending NAK. Returns work done.
    pub fn receiver_duty(&mut self, now_ns: i64, sink: &mut dyn DatagramSink) -> usize {
        self.check_eos_for_drain_transition(now_ns);
        self.send_pending_status_message(now_ns, sink) + self.process_pending_loss(now_ns, sink)
    }

    /// [`track_rebuild`](Self::track_rebuild) then, if still connected,
    /// [`receiver_duty`](Self::receiver_duty). Returns work done.
    pub fn duty_cycle(
        &mut self,
        now_ns: i64,
        min_subscriber_position: i64,
        max_subscriber_position: i64,
        sink: &mut dyn DatagramSink,
    ) -> usize {
        let mut work = self.track_rebuild(now_ns, min_subscriber_position, max_subscriber_position);
        if self.is_connected(now_ns) {
            work += self.receiver_duty(now_ns, sink);
        }
        work
    }

    /// Starts draining once the stream ended and everything up to the HWM has been rebuilt.
    pub fn check_eos_for_drain_transition(&mut self, now_ns: i64) {
        if !self.is_sending_eos_sm
            && self.is_end_of_stream
            && self.rebuild_position == self.hwm_position
            && self.state == ImageState::Active
        {
            self.is_rebuilding = false;
            self.time_of_last_state_change_ns = now_ns;
            self.is_sending_eos_sm = true;
            self.next_sm_deadline_ns = now_ns - 1;
            self.state = ImageState::Draining;
        }
    }

    /// Sends the scheduled status message, or one because the SM timeout passed (Aeron
    /// `sendPendingStatusMessage`). Returns work done.
    pub fn send_pending_status_message(&mut self, now_ns: i64, sink: &mut dyn DatagramSink) -> usize {
        let has_sm_timed_out = self.next_sm_deadline_ns - now_ns < 0;
        if !self.is_sm_change_pending && !has_sm_timed_out {
            return 0;
        }
        let sm_position = self.next_sm_position;
        let status_message = StatusMessage {
            flags: if self.is_sending_eos_sm {
                protocol::frame::status_message::END_OF_STREAM_FLAG
            } else {
                0
            },
            session_id: self.session_id,
            stream_id: self.stream_id,
            consumption_term_id: compute_term_id_from_position(
                sm_position,
                self.position_bits_to_shift,
                self.initial_term_id,
            ),
            consumption_term_offset: (sm_position & (i64::from(self.term_length) - 1)) as i32,
            receiver_window: self.next_sm_receiver_window_length,
            receiver_id: self.config.receiver_id,
            group_tag: self.config.group_tag,
        };
        let mut frame = [0u8; protocol::frame::status_message::HEADER_LENGTH_WITH_GROUP_TAG];
        if let Ok(length) = status_message.encode(&mut frame) {
            self.send_to_connections(sink, &frame[..length], now_ns);
        }
        self.counters.status_messages_sent += 1;
        self.last_sm_position = sm_position;
        self.last_overrun_threshold = sm_position + i64::from(self.term_length >> 1);
        self.is_sm_change_pending = false;
        self.next_sm_deadline_ns = now_ns + self.config.status_message_timeout_ns;
        self.update_active_transport_count(now_ns);
        1
    }

    /// Sends the NAK for the last gap whose timer expired (or fills it with padding when unreliable).
    /// Returns work done.
    pub fn process_pending_loss(&mut self, now_ns: i64, sink: &mut dyn DatagramSink) -> usize {
        if self.log.metadata().is_publication_revoked() {
            return 0;
        }
        let Some((term_id, term_offset, length)) = self.pending_loss.take() else {
            return 0;
        };
        if self.config.is_reliable {
            let nak = Nak {
                flags: 0,
                session_id: self.session_id,
                stream_id: self.stream_id,
                term_id,
                term_offset,
                length,
            };
            let mut frame = [0u8; protocol::frame::nak::HEADER_LENGTH];
            if let Ok(frame_length) = nak.encode(&mut frame) {
                self.send_to_connections(sink, &frame[..frame_length], now_ns);
            }
            self.counters.naks_sent += 1;
        } else {
            let index = logbuffer::log_buffer_descriptor::index_by_term(self.initial_term_id, term_id);
            if logbuffer::try_fill_gap(
                self.log.metadata(),
                self.log.term(index),
                term_id,
                term_offset,
                length,
            ) {
                self.counters.loss_gap_fills += 1;
            }
        }
        1
    }

    /// Lifecycle timer (Aeron `onTimeEvent`, about once a second): DRAINING → LINGER once every subscriber
    /// has consumed up to the rebuild position and 5 SM timeouts passed (or at once if revoked);
    /// LINGER → DONE when there are no subscribers or the image liveness timeout passed.
    /// `min_subscriber_position` is `None` when the image has no subscribers.
    pub fn on_time_event(&mut self, now_ns: i64, min_subscriber_position: Option<i64>) {
        let is_revoked = self.log.metadata().is_publication_revoked();
        match self.state {
            ImageState::Active => {
                if is_revoked {
                    self.state = ImageState::Draining;
                }
            }
            ImageState::Draining => {
                let is_drained =
                    min_subscriber_position.is_none_or(|position| position >= self.rebuild_position);
                let drain_linger_ns = SM_EOS_MULTIPLE * self.config.status_message_timeout_ns;
                if (is_drained && self.time_of_last_state_change_ns + drain_linger_ns - now_ns < 0)
                    || is_revoked
                {
                    if is_revoked {
                        self.is_rebuilding = false;
                        self.is_sending_eos_sm = true;
                        self.next_sm_deadline_ns = now_ns - 1;
                    }
                    self.is_receiver_release_triggered = true;
                    self.time_of_last_state_change_ns = now_ns;
                    self.state = ImageState::Linger;
                }
            }
            ImageState::Linger => {
                if min_subscriber_position.is_none()
                    || self.time_of_last_state_change_ns + self.config.image_liveness_timeout_ns - now_ns < 0
                {
                    self.time_of_last_state_change_ns = now_ns;
                    self.state = ImageState::Done;
                }
            }
            ImageState::Init | ImageState::Done => {}
        }
    }

    fn track_connection(&mut self, transport_index: usize, source: SocketAddr, now_ns: i64) -> usize {
        if transport_index >= self.connections.len() {
            self.connections.resize(transport_index + 1, None);
        }
        let connection = self.connections[transport_index].get_or_insert(ImageConnection {
            control_address: source,
            time_of_last_activity_ns: now_ns,
            time_of_last_frame_ns: now_ns,
            is_eos: false,
            eos_position: 0,
        });
        connection.time_of_last_activity_ns = now_ns;
        connection.time_of_last_frame_ns = now_ns;
        transport_index
    }

    fn is_all_connected_eos(&self) -> bool {
        self.connections.iter().flatten().all(|connection| connection.is_eos)
    }

    fn find_eos_position(&self) -> i64 {
        self.connections.iter().flatten().map(|connection| connection.eos_position).fold(0, i64::max)
    }

    fn send_to_connections(&mut self, sink: &mut dyn DatagramSink, frame: &[u8], now_ns: i64) {
        let is_multi_destination = self.config.is_multi_destination;
        for connection in self.connections.iter().flatten() {
            let is_active = connection.time_of_last_activity_ns + DESTINATION_TIMEOUT_NS - now_ns >= 0;
            if is_multi_destination && !is_active {
                continue;
            }
            if sink.send(connection.control_address, frame).bytes() != frame.len() {
                self.counters.short_sends += 1;
            }
            if !is_multi_destination {
                break;
            }
        }
    }

    fn update_active_transport_count(&mut self, now_ns: i64) {
        let liveness_ns = self.config.image_liveness_timeout_ns;
        let count = self
            .connections
            .iter()
            .flatten()
            .filter(|connection| connection.time_of_last_frame_ns + liveness_ns - now_ns > 0)
            .count() as i32;
        let metadata = self.log.metadata();
        if metadata.active_transport_count() != count {
            metadata.set_active_transport_count(count);
        }
    }
}
