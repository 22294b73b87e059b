//! [`DataPacketDispatcher`]: the data side of one receive channel endpoint: validates every datagram,
//! routes DATA/heartbeats to the image of their (stream, session), asks the conductor to create images
//! from SETUPs, elicits SETUPs for unknown sessions and answers RTTM requests (Aeron `DataPacketDispatcher`
//! plus the receiver's pending-setup bookkeeping; reference §1.11 receiver steps 1–3).
//!
//! Per (stream, session) state (only for subscribed streams):
//! * no entry: nothing seen yet;
//! * [`SessionState::PendingSetupFrame`]: DATA seen for a wanted session without an image; a
//!   setup-eliciting SM was sent; dropped after [`PENDING_SETUPS_TIMEOUT_NS`] so it can be elicited again;
//! * [`SessionState::InitInProgress`]: a SETUP arrived; the conductor is creating the image;
//! * active: an image exists ([`add_publication_image`](DataPacketDispatcher::add_publication_image));
//! * [`SessionState::OnCoolDown`]: the image went away without EOS; ignored until the conductor clears it;
//! * [`SessionState::NoInterest`]: a session-specific subscription does not want it.
//!
//! Invariants: iteration is in (stream, session) order, so the same inputs give the same outputs;
//! malformed datagrams (failing Aeron's `isValidFrame` rules, or the frame's own checks) are dropped and
//! counted, never panic; well-formed frames of the control side (SM, NAK, ERR, RSP_SETUP) are ignored
//! without being counted, as Aeron's data poller does.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use protocol::frame::{FrameType, RttMeasurement, SetupHeader, StatusMessage, validate_datagram};

use crate::datagram_sink::DatagramSink;
use crate::defaults::PENDING_SETUPS_TIMEOUT_NS;
use crate::publication_image_receiver::PublicationImageReceiver;

/// State of a (stream, session) without an active image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    /// A setup-eliciting SM was sent; waiting for SETUP.
    PendingSetupFrame,
    /// The conductor is creating the image.
    InitInProgress,
    /// The previous image went away without EOS.
    OnCoolDown,
    /// Not wanted by any subscription.
    NoInterest,
}

/// What the conductor needs to create an image for a SETUP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageRequest {
    /// The (validated) SETUP.
    pub setup: SetupHeader,
    /// Where SMs and NAKs go (the source, or the configured control address).
    pub control_address: SocketAddr,
    /// Where the SETUP came from.
    pub source_address: SocketAddr,
    /// Receiving transport.
    pub transport_index: usize,
}

/// What [`DataPacketDispatcher::on_datagram`] did with a datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DispatchOutcome {
    /// Dropped: malformed or invalid (counted).
    Invalid,
    /// Not for any subscribed stream or wanted session, or a duplicate SETUP.
    Ignored,
    /// Handed to an existing image.
    Delivered,
    /// DATA for an unknown wanted session: a setup-eliciting SM was sent.
    SetupElicited,
    /// A SETUP for a wanted session: the caller must create the image and call
    /// [`add_publication_image`](DataPacketDispatcher::add_publication_image) (or
    /// [`remove_session_state`](DataPacketDispatcher::remove_session_state) if it cannot).
    CreateImage(ImageRequest),
    /// An RTTM was answered or passed to its image.
    RttMeasurement,
}

/// Counters of one dispatcher.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DispatcherCounters {
    /// Datagrams dropped as malformed.
    pub invalid_packets: u64,
    /// Setup-eliciting SMs sent.
    pub setup_eliciting_messages_sent: u64,
    /// RTTM replies sent.
    pub rtt_replies_sent: u64,
    /// Datagrams the sink did not fully take.
    pub short_sends: u64,
}

#[derive(Debug, Default)]
struct StreamInterest {
    is_all_sessions: bool,
    subscribed_session_ids: Vec<i32>,
    session_states: BTreeMap<i32, SessionState>,
}

impl StreamInterest {
    fn wants(&self, session_id: i32) -> bool {
        self.is_all_sessions || self.subscribed_session_ids.contains(&session_id)
    }
}

#[derive(Debug, Clone, Copy)]
struct PendingSetup {
    stream_id: i32,
    session_id: i32,
    time_of_status_message_ns: i64,
}

/// Routes data-side datagrams of one receive endpoint.
///
/// How to drive it: register subscriptions ([`add_subscription`](Self::add_subscription),
/// [`add_session_subscription`](Self::add_session_subscription)); feed every received datagram to
/// [`on_datagram`](Self::on_datagram) and act on [`DispatchOutcome::CreateImage`]; call
/// [`do_work`](Self::do_work) regularly (expires pending setups, runs each image's receiver duty, and hands
/// back images that stopped being connected).
#[derive(Debug)]
pub struct DataPacketDispatcher {
    receiver_id: i64,
    group_tag: Option<i64>,
    control_address: Option<SocketAddr>,
    stream_interests: BTreeMap<i32, StreamInterest>,
    images: BTreeMap<(i32, i32), PublicationImageReceiver>,
    pending_setups: Vec<PendingSetup>,
    mdc_elicitation: Option<(SocketAddr, i64)>,
    counters: DispatcherCounters,
}

impl DataPacketDispatcher {
    /// A dispatcher for an endpoint with `receiver_id` (random per endpoint) and optional `gtag`.
    pub fn new(receiver_id: i64, group_tag: Option<i64>) -> Self {
        Self {
            receiver_id,
            group_tag,
            control_address: None,
            stream_interests: BTreeMap::new(),
            images: BTreeMap::new(),
            pending_setups: Vec::new(),
            mdc_elicitation: None,
            counters: DispatcherCounters::default(),
        }
    }

    /// Sends SMs, NAKs and setup-eliciting SMs to `address` instead of the datagram source (multicast
    /// control group, or an explicit `control=`).
    pub fn set_control_address(&mut self, address: Option<SocketAddr>) {
        self.control_address = address;
    }

    /// The endpoint's receiver id.
    pub fn receiver_id(&self) -> i64 {
        self.receiver_id
    }

    /// The counters.
    pub fn counters(&self) -> &DispatcherCounters {
        &self.counters
    }

    /// Subscribes to every session of `stream_id`.
    pub fn add_subscription(&mut self, stream_id: i32) {
        let interest = self.stream_interests.entry(stream_id).or_default();
        if !interest.is_all_sessions {
            interest.is_all_sessions = true;
            interest.session_states.retain(|_, state| *state != SessionState::NoInterest);
        }
    }

    /// Subscribes to one session of `stream_id`.
    pub fn add_session_subscription(&mut self, stream_id: i32, session_id: i32) {
        let interest = self.stream_interests.entry(stream_id).or_default();
        if !interest.subscribed_session_ids.contains(&session_id) {
            interest.subscribed_session_ids.push(session_id);
        }
        if interest.session_states.get(&session_id) == Some(&SessionState::NoInterest) {
            interest.session_states.remove(&session_id);
        }
    }

    /// Removes the all-sessions subscription of `stream_id`; images of sessions no session-specific
    /// subscription wants are deactivated and returned.
    pub fn remove_subscription(&mut self, stream_id: i32, now_ns: i64) -> Vec<PublicationImageReceiver> {
        let mut removed = Vec::new();
        let Some(interest) = self.stream_interests.get_mut(&stream_id) else {
            return removed;
        };
        interest.is_all_sessions = false;
        let subscribed = interest.subscribed_session_ids.clone();
        interest.session_states.retain(|session_id, _| subscribed.contains(session_id));
        let keys: Vec<(i32, i32)> = self
            .images
            .keys()
            .filter(|(stream, session)| *stream == stream_id && !subscribed.contains(session))
            .copied()
            .collect();
        for key in keys {
            if let Some(mut image) = self.images.remove(&key) {
                image.deactivate(now_ns);
                removed.push(image);
            }
        }
        if subscribed.is_empty() {
            self.stream_interests.remove(&stream_id);
        }
        removed
    }

    /// Removes a session-specific subscription; its image (unless an all-sessions subscription still
    /// wants it) is deactivated and returned.
    pub fn remove_session_subscription(
        &mut self,
        stream_id: i32,
        session_id: i32,
        now_ns: i64,
    ) -> Option<PublicationImageReceiver> {
        let interest = self.stream_interests.get_mut(&stream_id)?;
        interest.subscribed_session_ids.retain(|id| *id != session_id);
        let mut removed = None;
        if !interest.is_all_sessions {
            interest.session_states.remove(&session_id);
            if let Some(mut image) = self.images.remove(&(stream_id, session_id)) {
                image.deactivate(now_ns);
                removed = Some(image);
            }
            if interest.subscribed_session_ids.is_empty() {
                self.stream_interests.remove(&stream_id);
            }
        }
        removed
    }

    /// Installs a newly created image and activates it (Aeron `addPublicationImage`).
    pub fn add_publication_image(&mut self, mut image: PublicationImageReceiver, now_ns: i64) {
        let key = (image.stream_id(), image.session_id());
        if let Some(interest) = self.stream_interests.get_mut(&key.0) {
            interest.session_states.remove(&key.1);
            image.activate(now_ns);
            self.images.insert(key, image);
        }
    }

    /// Removes the image of (stream, session), putting the session on cool-down unless it ended with EOS.
    pub fn remove_publication_image(
        &mut self,
        stream_id: i32,
        session_id: i32,
        now_ns: i64,
    ) -> Option<PublicationImageReceiver> {
        let mut image = self.images.remove(&(stream_id, session_id))?;
        if !image.is_end_of_stream()
            && let Some(interest) = self.stream_interests.get_mut(&stream_id)
        {
            interest.session_states.insert(session_id, SessionState::OnCoolDown);
        }
        image.deactivate(now_ns);
        Some(image)
    }

    /// Clears `state` for (stream, session) if it is the current one (e.g. the conductor ends a cool-down or
    /// failed to create an image).
    pub fn remove_session_state(&mut self, stream_id: i32, session_id: i32, state: SessionState) {
        if let Some(interest) = self.stream_interests.get_mut(&stream_id)
            && interest.session_states.get(&session_id) == Some(&state)
        {
            interest.session_states.remove(&session_id);
        }
    }

    /// The state of (stream, session) if it has no active image.
    pub fn session_state(&self, stream_id: i32, session_id: i32) -> Option<SessionState> {
        self.stream_interests.get(&stream_id)?.session_states.get(&session_id).copied()
    }

    /// The active image of (stream, session).
    pub fn image(&self, stream_id: i32, session_id: i32) -> Option<&PublicationImageReceiver> {
        self.images.get(&(stream_id, session_id))
    }

    /// The active image of (stream, session), mutably.
    pub fn image_mut(&mut self, stream_id: i32, session_id: i32) -> Option<&mut PublicationImageReceiver> {
        self.images.get_mut(&(stream_id, session_id))
    }

    /// Every active image, in (stream, session) order.
    pub fn images_mut(&mut self) -> impl Iterator<Item = &mut PublicationImageReceiver> {
        self.images.values_mut()
    }

    /// Handles one datagram received on transport `transport_index` from `source`.
    pub fn on_datagram(
        &mut self,
        datagram: &[u8],
        source: SocketAddr,
        transport_index: usize,
        now_ns: i64,
        sink: &mut dyn DatagramSink,
    ) -> DispatchOutcome {
        let frame_type = match validate_datagram(datagram) {
            Ok(frame_type) if frame_type.is_accepted_on_data_side() => frame_type,
            // A well-formed control frame (SM, NAK, ...) on a data socket, e.g. a multicast control group's
            // traffic looped back to a wildcard-bound socket on the same port: ignored, as Aeron does.
            Ok(_) => return DispatchOutcome::Ignored,
            Err(_) => return self.invalid(),
        };
        match frame_type {
            FrameType::Data | FrameType::Pad => {
                self.on_data_packet(datagram, source, transport_index, now_ns, sink)
            }
            FrameType::Setup => match SetupHeader::decode(datagram) {
                Ok(setup) => self.on_setup_message(&setup, source, transport_index, now_ns),
                Err(_) => self.invalid(),
            },
            FrameType::Rttm => match RttMeasurement::decode(datagram) {
                Ok(rttm) => self.on_rtt_measurement(&rttm, source, now_ns, sink),
                Err(_) => self.invalid(),
            },
            _ => self.invalid(),
        }
    }

    fn invalid(&mut self) -> DispatchOutcome {
        self.counters.invalid_packets += 1;
        DispatchOutcome::Invalid
    }

    fn on_data_packet(
        &mut self,
        datagram: &[u8],
        source: SocketAddr,
        transport_index: usize,
        now_ns: i64,
        sink: &mut dyn DatagramSink,
    ) -> DispatchOutcome {
        let Ok(header) = protocol::frame::DataHeader::decode(datagram)
            .or_else(|_| protocol::frame::PadHeader::decode(datagram).map(pad_as_data))
        else {
            return self.invalid();
        };
        let (stream_id, session_id) = (header.stream_id, header.session_id);
        let Some(interest) = self.stream_interests.get_mut(&stream_id) else {
            return DispatchOutcome::Ignored;
        };
        if let Some(image) = self.images.get_mut(&(stream_id, session_id)) {
            return if image.insert_packet(datagram, transport_index, source, now_ns) > 0 {
                DispatchOutcome::Delivered
            } else {
                self.counters.invalid_packets += 1;
                DispatchOutcome::Invalid
            };
        }
        if header.flags & protocol::frame::EOS_FLAG != 0 || interest.session_states.contains_key(&session_id)
        {
            return DispatchOutcome::Ignored;
        }
        if interest.wants(session_id) {
            interest.session_states.insert(session_id, SessionState::PendingSetupFrame);
            let control_address = self.control_address.unwrap_or(source);
            self.send_setup_eliciting_status_message(control_address, session_id, stream_id, sink);
            self.pending_setups.push(PendingSetup {
                stream_id,
                session_id,
                time_of_status_message_ns: now_ns,
            });
            DispatchOutcome::SetupElicited
        } else {
            interest.session_states.insert(session_id, SessionState::NoInterest);
            DispatchOutcome::Ignored
        }
    }

    fn on_setup_message(
        &mut self,
        setup: &SetupHeader,
        source: SocketAddr,
        transport_index: usize,
        now_ns: i64,
    ) -> DispatchOutcome {
        if setup.validate().is_err() {
            return self.invalid();
        }
        let (stream_id, session_id) = (setup.stream_id, setup.session_id);
        let Some(interest) = self.stream_interests.get_mut(&stream_id) else {
            return DispatchOutcome::Ignored;
        };
        if let Some(image) = self.images.get_mut(&(stream_id, session_id)) {
            image.on_setup(transport_index, source, now_ns);
            return DispatchOutcome::Ignored;
        }
        let wanted = match interest.session_states.get(&session_id) {
            Some(SessionState::PendingSetupFrame) => true,
            Some(_) => false,
            None => {
                if interest.wants(session_id) {
                    true
                } else {
                    interest.session_states.insert(session_id, SessionState::NoInterest);
                    false
                }
            }
        };
        if !wanted {
            return DispatchOutcome::Ignored;
        }
        interest.session_states.insert(session_id, SessionState::InitInProgress);
        self.pending_setups
            .retain(|pending| !(pending.stream_id == stream_id && pending.session_id == session_id));
        DispatchOutcome::CreateImage(ImageRequest {
            setup: *setup,
            control_address: self.control_address.unwrap_or(source),
            source_address: source,
            transport_index,
        })
    }

    fn on_rtt_measurement(
        &mut self,
        rttm: &RttMeasurement,
        source: SocketAddr,
        now_ns: i64,
        sink: &mut dyn DatagramSink,
    ) -> DispatchOutcome {
        let _ = now_ns;
        if !self.images.contains_key(&(rttm.stream_id, rttm.session_id)) {
            return DispatchOutcome::Ignored;
        }
        if rttm.is_reply_requested() {
            let reply = RttMeasurement { receiver_id: self.receiver_id, ..rttm.reply() };
            let mut frame = [0u8; protocol::frame::rttm::HEADER_LENGTH];
            if let Ok(length) = reply.encode(&mut frame) {
                let destination = self.control_address.unwrap_or(source);
                if sink.send(destination, &frame[..length]).bytes() != length {
                    self.counters.short_sends += 1;
                }
                self.counters.rtt_replies_sent += 1;
            }
        }
        DispatchOutcome::RttMeasurement
    }

    fn send_setup_eliciting_status_message(
        &mut self,
        destination: SocketAddr,
        session_id: i32,
        stream_id: i32,
        sink: &mut dyn DatagramSink,
    ) {
        let status_message = StatusMessage {
            flags: protocol::frame::status_message::SEND_SETUP_FLAG,
            session_id,
            stream_id,
            consumption_term_id: 0,
            consumption_term_offset: 0,
            receiver_window: 0,
            receiver_id: self.receiver_id,
            group_tag: self.group_tag,
        };
        let mut frame = [0u8; protocol::frame::status_message::HEADER_LENGTH_WITH_GROUP_TAG];
        if let Ok(length) = status_message.encode(&mut frame) {
            if sink.send(destination, &frame[..length]).bytes() != length {
                self.counters.short_sends += 1;
            }
            self.counters.setup_eliciting_messages_sent += 1;
        }
    }

    /// Sends a setup-eliciting SM with session 0 and stream 0 to `control_address` (dynamic MDC
    /// subscribers do this on start and then every second).
    pub fn send_mdc_setup_eliciting_status_message(
        &mut self,
        control_address: SocketAddr,
        sink: &mut dyn DatagramSink,
    ) {
        self.send_setup_eliciting_status_message(control_address, 0, 0, sink);
    }

    /// For a dynamic-MDC subscription (explicit `control=`): sends a setup-eliciting SM with session 0 and
    /// stream 0 to `control_address` now, and [`do_work`](Self::do_work) repeats it every
    /// [`PENDING_SETUPS_TIMEOUT_NS`] (1 s) while the endpoint has subscriptions.
    pub fn start_mdc_setup_elicitation(
        &mut self,
        control_address: SocketAddr,
        now_ns: i64,
        sink: &mut dyn DatagramSink,
    ) {
        self.send_mdc_setup_eliciting_status_message(control_address, sink);
        self.mdc_elicitation = Some((control_address, now_ns));
    }

    /// Receiver slow tick: expires pending setups, runs [`receiver_duty`](PublicationImageReceiver::receiver_duty)
    /// for every connected image, and removes (and passes to `on_unavailable`) images that are no longer
    /// connected, putting their sessions on cool-down unless they ended with EOS. Returns work done.
    pub fn do_work(
        &mut self,
        now_ns: i64,
        sink: &mut dyn DatagramSink,
        on_unavailable: &mut dyn FnMut(PublicationImageReceiver),
    ) -> usize {
        let mut work = 0;
        let mut disconnected: Vec<(i32, i32)> = Vec::new();
        for (key, image) in &mut self.images {
            if image.is_connected(now_ns) {
                work += image.receiver_duty(now_ns, sink);
            } else {
                disconnected.push(*key);
            }
        }
        for (stream_id, session_id) in disconnected {
            if let Some(image) = self.remove_publication_image(stream_id, session_id, now_ns) {
                on_unavailable(image);
                work += 1;
            }
        }
        if let Some((control_address, last_ns)) = self.mdc_elicitation
            && last_ns + PENDING_SETUPS_TIMEOUT_NS - now_ns < 0
            && !self.stream_interests.is_empty()
        {
            self.send_mdc_setup_eliciting_status_message(control_address, sink);
            self.mdc_elicitation = Some((control_address, now_ns));
            work += 1;
        }
        let interests = &mut self.stream_interests;
        self.pending_setups.retain(|pending| {
            let expired = pending.time_of_status_message_ns + PENDING_SETUPS_TIMEOUT_NS - now_ns < 0;
            if expired
                && let Some(interest) = interests.get_mut(&pending.stream_id)
                && interest.session_states.get(&pending.session_id) == Some(&SessionState::PendingSetupFrame)
            {
                interest.session_states.remove(&pending.session_id);
            }
            !expired
        });
        work
    }
}

fn pad_as_data(pad: protocol::frame::PadHeader) -> protocol::frame::DataHeader {
    protocol::frame::DataHeader {
        frame_length: pad.frame_length,
        flags: pad.flags,
        term_offset: pad.term_offset,
        session_id: pad.session_id,
        stream_id: pad.stream_id,
        term_id: pad.term_id,
        reserved_value: pad.reserved_value,
    }
}
