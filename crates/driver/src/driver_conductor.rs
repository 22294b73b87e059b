//! [`DriverConductor`]: the driver's conductor agent (Aeron `DriverConductor`), IPC only for now.
//!
//! How to drive it: build it with [`DriverConductor::new`] (creates `cnc.dat`), then call
//! [`agrona::Agent::do_work`] with a monotonic `now_ns` (an `AgentRunner` thread in `sys`, an
//! `AgentInvoker`, or a test loop). Each duty cycle: refresh the cached epoch time, run the timers when
//! due (client liveness, publication life cycles, unblocking, CnC heartbeat), read at most
//! `command_drain_limit` commands from the to-driver ring buffer and answer them on the broadcast
//! buffer, then move every publication's `pub-pos`/`pub-lmt`.
//!
//! Guarantees:
//! - Every command is answered: success events, or ON_ERROR with Aeron's error code (malformed bytes,
//!   unknown type ids, bad or unsupported channels, unknown registration ids). Nothing a client writes
//!   makes the conductor panic.
//! - Errors are also counted (system counter `ERRORS`) and recorded in the CnC's distinct error log.
//! - A client silent for longer than `client_liveness_timeout_ns` loses everything it owns as if it had
//!   removed it, and ON_CLIENT_TIMEOUT is broadcast; CLIENT_CLOSE releases at once, without the event.
//! - Structure: network publications, images, senders and receivers will sit next to the IPC
//!   publications in the same duty cycle (timers, commands, stream positions).

use agrona::{
    Agent, AgentTermination, AtomicBuffer, CountersManager, CountersReader, DistinctErrorLog,
    ManyToOneRingBuffer, Prng,
};
use logbuffer::{LogBuffer, LogParams, LogType};
use protocol::command::error_code::{
    GENERIC_ERROR, INVALID_CHANNEL, MALFORMED_COMMAND, NOT_SUPPORTED, RESOURCE_TEMPORARILY_UNAVAILABLE,
    STORAGE_SPACE, UNKNOWN_COMMAND_TYPE_ID, UNKNOWN_COUNTER, UNKNOWN_PUBLICATION, UNKNOWN_SUBSCRIPTION,
};
use protocol::command::{
    CommandError, CorrelatedMessage, CounterMessage, DestinationByIdMessage, DestinationMessage,
    GetNextAvailableSessionIdMessage, ImageBuffersReady, ImageMessage, PublicationBuffersReady,
    PublicationMessage, RejectImage, RemoveMessage, RemovePublicationMessage, StaticCounterMessage,
    SubscriptionMessage, TerminateDriver, event,
};

use crate::aeron_client::AeronClient;
use crate::channel::{Media, ParsedChannel};
use crate::client_proxy::{BroadcastFailure, ClientProxy};
use crate::cnc_file::CncFile;
use crate::driver_context::DriverContext;
use crate::driver_error::{ControlError, DriverError, error_code_name};
use crate::ipc_publication::{IpcPublication, IpcPublicationConfig, PublicationState};
use crate::publication_params::{PublicationParams, TaggedPublication};
use crate::stream_counters::{
    PUBLISHER_LIMIT_TYPE_ID, PUBLISHER_POSITION_TYPE_ID, SUBSCRIBER_POSITION_TYPE_ID, StreamCounterSpec,
    allocate_client_heartbeat, allocate_stream_counter,
};
use crate::subscription_link::{SubscriptionKind, SubscriptionLink};
use crate::subscription_params::SubscriptionParams;
use crate::system_counters::{
    CLIENT_TIMEOUTS, ERRORS, IMAGES_REJECTED, PUBLICATIONS_REVOKED, SystemCounters, UNBLOCKED_COMMANDS,
    UNBLOCKED_PUBLICATIONS,
};

mod network;

pub(crate) use network::NetworkState;

/// The source identity of IPC images.
pub const IPC_SOURCE_IDENTITY: &str = "aeron:ipc";
/// The channel status indicator id of resources without one (Aeron `ChannelEndpointStatus.NO_ID_ALLOCATED`).
pub const NO_ID_ALLOCATED: i32 = -1;
/// How often the cached epoch time is refreshed.
const CLOCK_UPDATE_INTERVAL_NS: i64 = 1_000_000;

/// A client's hold on a publication (one per ADD_(EXCLUSIVE_)PUBLICATION).
#[derive(Debug, Clone, Copy)]
struct PublicationLink {
    registration_id: i64,
    client_id: i64,
    publication_registration_id: i64,
}

/// A counter allocated by ADD_COUNTER.
#[derive(Debug, Clone, Copy)]
struct CounterLink {
    registration_id: i64,
    client_id: i64,
    counter_id: i32,
}

/// The driver conductor agent. See the module documentation.
pub struct DriverConductor {
    ctx: DriverContext,
    cnc_buffer: AtomicBuffer,
    to_driver: ManyToOneRingBuffer,
    client_proxy: ClientProxy,
    counters: CountersManager,
    error_log: DistinctErrorLog,
    system_counters: SystemCounters,
    prng: Prng,
    next_session_id: i32,
    clients: Vec<AeronClient>,
    publications: Vec<IpcPublication>,
    publication_links: Vec<PublicationLink>,
    subscriptions: Vec<SubscriptionLink>,
    counter_links: Vec<CounterLink>,
    timer_deadline_ns: Option<i64>,
    clock_update_deadline_ns: i64,
    now_ns: i64,
    now_ms: i64,
    last_command_consumer_position: i64,
    time_of_last_to_driver_position_change_ns: i64,
    last_reported_corruption_position: Option<i64>,
    terminate_requested: bool,
    closed: bool,
    network: Option<NetworkState>,
}

/// What a client is told about a publication it added (shared by the IPC and network paths).
struct AnnouncedPublication {
    registration_id: i64,
    session_id: i32,
    stream_id: i32,
    publisher_limit_id: i32,
    log_name: String,
    channel_status_id: i32,
}

impl DriverConductor {
    /// Validates `ctx`, creates `cnc.dat` in its memory store (replacing a stale one), allocates the system
    /// counters and finally publishes the CnC version.
    pub fn new(ctx: DriverContext) -> Result<Self, DriverError> {
        Self::with_network(ctx, None)
    }

    /// As [`Self::new`], with the queues to a sender and a receiver (built by [`crate::MediaDriver`]).
    pub(crate) fn with_network(
        ctx: DriverContext,
        network: Option<NetworkState>,
    ) -> Result<Self, DriverError> {
        ctx.validate()?;
        let now_ms = ctx.epoch_clock.time_ms();
        let CncFile { buffer, to_driver, to_clients, mut counters, error_log, .. } =
            CncFile::create(&ctx, now_ms)?;
        let system_counters = SystemCounters::allocate(&mut counters, now_ms)
            .map_err(|e| DriverError::Cnc(format!("system counters: {e}")))?;
        let mut prng = Prng::from_seed(ctx.session_id_seed);
        let next_session_id = prng.next_i32();
        let conductor = Self {
            cnc_buffer: buffer,
            to_driver,
            client_proxy: ClientProxy::new(to_clients),
            counters,
            error_log,
            system_counters,
            prng,
            next_session_id,
            clients: Vec::new(),
            publications: Vec::new(),
            publication_links: Vec::new(),
            subscriptions: Vec::new(),
            counter_links: Vec::new(),
            timer_deadline_ns: None,
            clock_update_deadline_ns: 0,
            now_ns: 0,
            now_ms,
            last_command_consumer_position: 0,
            time_of_last_to_driver_position_change_ns: 0,
            last_reported_corruption_position: None,
            terminate_requested: false,
            closed: false,
            network,
            ctx,
        };
        // Last: publishing the version (release) makes everything above visible to clients.
        CncFile::signal_ready(&conductor.cnc_buffer);
        Ok(conductor)
    }

    /// The context the conductor runs with.
    pub fn context(&self) -> &DriverContext {
        &self.ctx
    }

    /// The whole CnC region.
    pub fn cnc_buffer(&self) -> &AtomicBuffer {
        &self.cnc_buffer
    }

    /// The to-driver ring buffer (clients write commands here).
    pub fn to_driver(&self) -> &ManyToOneRingBuffer {
        &self.to_driver
    }

    /// A reader over the driver's counters.
    pub fn counters_reader(&self) -> CountersReader {
        self.counters.reader()
    }

    /// The value of system counter `id` (see [`crate::system_counters`]).
    pub fn system_counter_value(&self, id: i32) -> i64 {
        self.system_counters.get(id).get_volatile()
    }

    /// The system counters (shared with the sender and receiver).
    pub(crate) fn system_counters(&self) -> &SystemCounters {
        &self.system_counters
    }

    /// The network publications (every state until freed); empty without a network.
    pub fn network_publications(&self) -> &[crate::NetworkPublication] {
        self.network.as_ref().map_or(&[], |n| &n.publications)
    }

    /// The network images (until the receiver reported them done); empty without a network.
    pub fn images(&self) -> &[crate::PublicationImage] {
        self.network.as_ref().map_or(&[], |n| &n.images)
    }

    /// True once a TERMINATE_DRIVER command was accepted; `do_work` then returns `AgentTermination::Done`.
    pub fn terminate_requested(&self) -> bool {
        self.terminate_requested
    }

    /// The IPC publications (every state until freed).
    pub fn publications(&self) -> &[IpcPublication] {
        &self.publications
    }

    /// The IPC publication registered as `registration_id`.
    pub fn publication(&self, registration_id: i64) -> Option<&IpcPublication> {
        self.publications.iter().find(|p| p.registration_id() == registration_id)
    }

    /// The subscriptions.
    pub fn subscriptions(&self) -> &[SubscriptionLink] {
        &self.subscriptions
    }

    /// The clients the driver knows.
    pub fn clients(&self) -> &[AeronClient] {
        &self.clients
    }

    // ---------------------------------------------------------------------------------------------------
    // Duty cycle

    fn track_time(&mut self, now_ns: i64) {
        self.now_ns = now_ns;
        if now_ns - self.clock_update_deadline_ns >= 0 {
            self.clock_update_deadline_ns = now_ns + CLOCK_UPDATE_INTERVAL_NS;
            self.now_ms = self.ctx.epoch_clock.time_ms();
        }
    }

    fn process_timers(&mut self, now_ns: i64) -> usize {
        let Some(deadline) = self.timer_deadline_ns else {
            self.timer_deadline_ns = Some(now_ns + self.ctx.timer_interval_ns);
            self.time_of_last_to_driver_position_change_ns = now_ns;
            self.last_command_consumer_position = self.to_driver.consumer_position();
            self.to_driver.set_consumer_heartbeat_time(self.now_ms);
            return 0;
        };
        if now_ns - deadline < 0 {
            return 0;
        }
        self.timer_deadline_ns = Some(now_ns + self.ctx.timer_interval_ns);
        self.to_driver.set_consumer_heartbeat_time(self.now_ms);
        self.check_clients();
        self.check_publications(now_ns);
        self.check_network_publications(now_ns);
        self.check_for_blocked_to_driver_commands(now_ns);
        1
    }

    fn process_commands(&mut self) -> usize {
        let to_driver = self.to_driver.clone();
        let limit = self.ctx.command_drain_limit;
        match to_driver.try_read(|msg_type_id, bytes| self.on_command(msg_type_id, bytes), limit) {
            Ok(count) => count,
            Err(corruption) => {
                // Reported once per position: the record stays until unblocked.
                if self.last_reported_corruption_position != Some(corruption.position) {
                    self.last_reported_corruption_position = Some(corruption.position);
                    self.record_error(&format!("to-driver ring buffer: {corruption}"));
                }
                corruption.messages_read
            }
        }
    }

    fn track_stream_positions(&mut self) -> usize {
        self.publications.iter_mut().map(IpcPublication::update_publisher_position_and_limit).sum()
    }

    fn check_for_blocked_to_driver_commands(&mut self, now_ns: i64) {
        let consumer_position = self.to_driver.consumer_position();
        if consumer_position == self.last_command_consumer_position
            && self.to_driver.producer_position() > consumer_position
        {
            if now_ns - (self.time_of_last_to_driver_position_change_ns + self.ctx.client_liveness_timeout_ns)
                > 0
                && self.to_driver.unblock()
            {
                self.system_counters.get(UNBLOCKED_COMMANDS).increment_ordered();
            }
        } else {
            self.time_of_last_to_driver_position_change_ns = now_ns;
            self.last_command_consumer_position = consumer_position;
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Errors

    fn record_error(&mut self, text: &str) {
        self.system_counters.get(ERRORS).increment_ordered();
        self.error_log.record(self.now_ms, text);
    }

    /// Links the requesting client to a publication (IPC or network) and answers
    /// ON_(EXCLUSIVE_)PUBLICATION_READY with the publication's buffers.
    fn link_and_announce_publication(
        &mut self,
        message: &PublicationMessage<'_>,
        publication: &AnnouncedPublication,
        is_exclusive: bool,
    ) {
        self.publication_links.push(PublicationLink {
            registration_id: message.correlation_id,
            client_id: message.client_id,
            publication_registration_id: publication.registration_id,
        });
        let ready = PublicationBuffersReady {
            correlation_id: message.correlation_id,
            registration_id: publication.registration_id,
            session_id: publication.session_id,
            stream_id: publication.stream_id,
            publication_limit_counter_id: publication.publisher_limit_id,
            channel_status_indicator_id: publication.channel_status_id,
            log_file_name: &publication.log_name,
        };
        let result = self.client_proxy.on_publication_ready(&ready, is_exclusive);
        self.respond(result);
    }

    fn respond(&mut self, result: Result<(), BroadcastFailure>) {
        if let Err(BroadcastFailure(text)) = result {
            self.record_error(&text);
        }
    }

    fn on_control_error(&mut self, correlation_id: i64, error: ControlError) {
        if error.code != RESOURCE_TEMPORARILY_UNAVAILABLE {
            let text = format!("{}: {}", error_code_name(error.code), error.message);
            self.record_error(&text);
        }
        let result = self.client_proxy.on_error(correlation_id, error.code, &error.message);
        self.respond(result);
    }

    // ---------------------------------------------------------------------------------------------------
    // Commands

    fn on_command(&mut self, msg_type_id: i32, bytes: &[u8]) {
        let correlation_id = if is_client_command(msg_type_id) {
            CorrelatedMessage::decode(bytes).map(|m| m.correlation_id).unwrap_or(0)
        } else {
            0
        };
        let malformed = |e: CommandError| {
            ControlError::new(MALFORMED_COMMAND, format!("command={msg_type_id:#x} malformed: {e}"))
        };
        let result = match msg_type_id {
            event::ADD_PUBLICATION | event::ADD_EXCLUSIVE_PUBLICATION => PublicationMessage::decode(bytes)
                .map_err(malformed)
                .and_then(|m| self.on_add_publication(&m, msg_type_id == event::ADD_EXCLUSIVE_PUBLICATION)),
            event::REMOVE_PUBLICATION => RemovePublicationMessage::decode(bytes)
                .map_err(malformed)
                .and_then(|m| self.on_remove_publication(&m)),
            event::ADD_SUBSCRIPTION => SubscriptionMessage::decode(bytes)
                .map_err(malformed)
                .and_then(|m| self.on_add_subscription(&m)),
            event::REMOVE_SUBSCRIPTION => {
                RemoveMessage::decode(bytes).map_err(malformed).and_then(|m| self.on_remove_subscription(&m))
            }
            event::CLIENT_KEEPALIVE => CorrelatedMessage::decode(bytes).map_err(malformed).map(|m| {
                self.get_or_add_client(m.client_id);
            }),
            event::CLIENT_CLOSE => CorrelatedMessage::decode(bytes)
                .map_err(malformed)
                .map(|m| self.release_client(m.client_id, false)),
            event::ADD_COUNTER => {
                CounterMessage::decode(bytes).map_err(malformed).and_then(|m| self.on_add_counter(&m))
            }
            event::REMOVE_COUNTER => {
                RemoveMessage::decode(bytes).map_err(malformed).and_then(|m| self.on_remove_counter(&m))
            }
            event::ADD_STATIC_COUNTER => StaticCounterMessage::decode(bytes)
                .map_err(malformed)
                .and_then(|m| self.on_add_static_counter(&m)),
            event::ADD_DESTINATION | event::REMOVE_DESTINATION if self.network.is_some() => {
                DestinationMessage::decode(bytes)
                    .map_err(malformed)
                    .and_then(|m| self.on_destination(&m, msg_type_id == event::ADD_DESTINATION))
            }
            event::REMOVE_DESTINATION_BY_ID if self.network.is_some() => {
                DestinationByIdMessage::decode(bytes)
                    .map_err(malformed)
                    .and_then(|m| self.on_remove_destination_by_id(&m))
            }
            event::ADD_DESTINATION | event::REMOVE_DESTINATION => {
                DestinationMessage::decode(bytes).map_err(malformed).and_then(|m| {
                    self.get_or_add_client(m.client_id);
                    Err(ControlError::new(
                        UNKNOWN_PUBLICATION,
                        format!("unknown publication: {}", m.registration_correlation_id),
                    ))
                })
            }
            event::REMOVE_DESTINATION_BY_ID => {
                DestinationByIdMessage::decode(bytes).map_err(malformed).and_then(|m| {
                    self.get_or_add_client(m.client_id);
                    Err(ControlError::new(
                        UNKNOWN_PUBLICATION,
                        format!("unknown publication: {}", m.resource_registration_id),
                    ))
                })
            }
            event::ADD_RCV_DESTINATION | event::REMOVE_RCV_DESTINATION => DestinationMessage::decode(bytes)
                .map_err(malformed)
                .and_then(|m| self.on_rcv_destination(&m, msg_type_id == event::ADD_RCV_DESTINATION)),
            event::TERMINATE_DRIVER => TerminateDriver::decode(bytes).map_err(malformed).map(|m| {
                self.on_terminate_driver(&m);
            }),
            event::REJECT_IMAGE => {
                RejectImage::decode(bytes).map_err(malformed).and_then(|m| self.on_reject_image(&m))
            }
            event::GET_NEXT_AVAILABLE_SESSION_ID => GetNextAvailableSessionIdMessage::decode(bytes)
                .map_err(malformed)
                .and_then(|m| self.on_next_available_session_id(&m)),
            _ => Err(ControlError::new(UNKNOWN_COMMAND_TYPE_ID, format!("command typeId={msg_type_id}"))),
        };
        if let Err(error) = result {
            self.on_control_error(correlation_id, error);
        }
    }

    fn get_or_add_client(&mut self, client_id: i64) -> Option<usize> {
        let now_ms = self.now_ms;
        if let Some(index) = self.clients.iter().position(|c| c.client_id == client_id) {
            self.clients[index].touch(now_ms);
            return Some(index);
        }
        match allocate_client_heartbeat(&mut self.counters, client_id, now_ms) {
            Ok(counter_id) => {
                let heartbeat = self.counters.counter(counter_id);
                heartbeat.set_ordered(now_ms);
                self.clients.push(AeronClient {
                    client_id,
                    heartbeat,
                    liveness_timeout_ms: (self.ctx.client_liveness_timeout_ns / 1_000_000).max(1),
                });
                let result = self.client_proxy.on_counter_ready(client_id, counter_id);
                self.respond(result);
                Some(self.clients.len() - 1)
            }
            Err(e) => {
                self.record_error(&format!("client {client_id}: cannot allocate heartbeat counter: {e}"));
                None
            }
        }
    }

    fn parse_channel(channel: &str) -> Result<ParsedChannel, ControlError> {
        ParsedChannel::parse(channel).map_err(|e| ControlError::new(INVALID_CHANNEL, format!("{e}")))
    }

    fn unsupported_udp(channel: &str) -> ControlError {
        ControlError::new(
            NOT_SUPPORTED,
            format!("UDP channels are not supported by this driver yet (IPC only): channel={channel}"),
        )
    }

    fn next_available_session_id(&mut self, stream_id: i32) -> i32 {
        loop {
            let session_id = self.advance_session_id();
            if !self.is_session_active(session_id, stream_id) {
                return session_id;
            }
        }
    }

    fn advance_session_id(&mut self) -> i32 {
        let low = self.ctx.publication_reserved_session_id_low;
        let high = self.ctx.publication_reserved_session_id_high;
        let mut session_id = self.next_session_id;
        self.next_session_id = session_id.wrapping_add(1);
        if low <= session_id && session_id <= high {
            session_id = high.wrapping_add(1);
            self.next_session_id = session_id.wrapping_add(1);
        }
        session_id
    }

    fn is_session_active(&self, session_id: i32, stream_id: i32) -> bool {
        self.ipc_publications_clash(session_id, stream_id, |_| true)
            || self.network_publications_clash(session_id, stream_id, |_| true)
    }

    /// Whether an active IPC publication of `(session_id, stream_id)` has a channel `same_channel`
    /// accepts.
    fn ipc_publications_clash(
        &self,
        session_id: i32,
        stream_id: i32,
        same_channel: impl Fn(&str) -> bool,
    ) -> bool {
        self.publications.iter().any(|p| {
            p.session_id() == session_id
                && p.stream_id() == stream_id
                && matches!(p.state(), PublicationState::Active | PublicationState::Draining)
                && same_channel(p.channel())
        })
    }

    /// Aeron's clash rule for an explicit `session-id`: another active publication of the same stream and
    /// session on the same media and (for UDP) the same endpoint and control address. Publications on
    /// other channels may share a session id (the archive replays and the cluster's catch-up do).
    fn is_session_clashing(&self, session_id: i32, stream_id: i32, channel: &str) -> bool {
        let key = |uri: &str| {
            Self::parse_channel(uri).ok().map(|uri| {
                (
                    uri.media == Media::Udp,
                    uri.get("endpoint").map(str::to_owned),
                    uri.get("control").map(str::to_owned),
                )
            })
        };
        let wanted = key(channel);
        self.ipc_publications_clash(session_id, stream_id, |other| key(other) == wanted)
            || self.network_publications_clash(session_id, stream_id, |other| key(other) == wanted)
    }

    fn on_add_publication(
        &mut self,
        message: &PublicationMessage<'_>,
        is_exclusive: bool,
    ) -> Result<(), ControlError> {
        self.get_or_add_client(message.client_id);
        let channel = Self::parse_channel(message.channel)?;
        if channel.is_spy {
            return Err(ControlError::new(
                INVALID_CHANNEL,
                format!("aeron-spy channels are only valid for subscriptions: channel={}", message.channel),
            ));
        }
        if channel.media == Media::Udp {
            return self.on_add_network_publication(message, &channel, is_exclusive);
        }
        let params = {
            let publications = &self.publications;
            let find_tagged = |tag: i64| {
                publications
                    .iter()
                    .find(|p| p.entity_tag() == Some(tag) && p.state() != PublicationState::Done)
                    .map(|p| TaggedPublication {
                        session_id: p.session_id(),
                        mtu_length: p.mtu_length(),
                        term_length: p.term_length(),
                    })
            };
            let tag_in_use = |tag: i64| {
                publications
                    .iter()
                    .any(|p| p.entity_tag() == Some(tag) && p.state() != PublicationState::Done)
            };
            PublicationParams::parse(
                &channel,
                message.channel,
                &self.ctx,
                message.stream_id,
                &find_tagged,
                &tag_in_use,
                false,
            )?
        };

        let existing = if is_exclusive {
            None
        } else {
            self.publications.iter().position(|p| {
                !p.is_exclusive()
                    && p.stream_id() == message.stream_id
                    && p.state() == PublicationState::Active
                    && p.response_correlation_id() == params.response_correlation_id
            })
        };
        let (index, is_new) = match existing {
            Some(index) => {
                confirm_match(&channel, message.channel, &params, &self.publications[index])?;
                (index, false)
            }
            None => (self.new_ipc_publication(message, &params, is_exclusive)?, true),
        };

        let publication = &mut self.publications[index];
        publication.inc_ref();
        let announced = AnnouncedPublication {
            registration_id: publication.registration_id(),
            session_id: publication.session_id(),
            stream_id: publication.stream_id(),
            publisher_limit_id: publication.publisher_limit_id(),
            log_name: publication.log_name().to_owned(),
            channel_status_id: NO_ID_ALLOCATED,
        };
        self.link_and_announce_publication(message, &announced, is_exclusive);
        if is_new {
            self.link_ipc_subscriptions(index);
        }
        Ok(())
    }

    /// Chooses the session id and start position and creates the publication's log
    /// (`publications/<registration_id>.logbuffer`). Returns `(log, name, session, term id, term offset)`.
    fn create_publication_log(
        &mut self,
        message: &PublicationMessage<'_>,
        params: &PublicationParams,
        is_exclusive: bool,
    ) -> Result<(LogBuffer, String, i32, i32, i32), ControlError> {
        let stream_id = message.stream_id;
        let registration_id = message.correlation_id;
        let session_id = match params.session_id {
            Some(session_id) => {
                if self.is_session_clashing(session_id, stream_id, message.channel) {
                    return Err(ControlError::new(
                        INVALID_CHANNEL,
                        format!(
                            "existing publication has clashing sessionId={session_id} for streamId={stream_id} channel={}",
                            message.channel
                        ),
                    ));
                }
                session_id
            }
            None => self.next_available_session_id(stream_id),
        };
        let (initial_term_id, term_id, term_offset) = match params.initial_position {
            Some(position) => position,
            None => {
                let initial_term_id = self.prng.next_i32();
                (initial_term_id, initial_term_id, 0)
            }
        };

        let log_name = format!("publications/{registration_id}.logbuffer");
        let log_length = logbuffer::compute_log_length(params.term_length, self.ctx.file_page_size);
        if self.ctx.memory_store.exists(&log_name) {
            self.ctx.memory_store.remove(&log_name);
        }
        let buffer = self.ctx.memory_store.create(&log_name, log_length).map_err(|e| {
            let code =
                if matches!(e, agrona::MemoryError::Io { .. }) { STORAGE_SPACE } else { GENERIC_ERROR };
            ControlError::new(code, format!("cannot create log buffer {log_name}: {e}"))
        })?;
        let mut log_params =
            LogParams::new(params.term_length, params.mtu_length, initial_term_id, session_id, stream_id)
                .starting_at(term_id, term_offset);
        log_params.page_size = self.ctx.file_page_size;
        log_params.correlation_id = registration_id;
        log_params.publication_window_length = params.publication_window_length;
        log_params.max_resend = params.max_resend;
        log_params.entity_tag = params.entity_tag.unwrap_or(-1);
        log_params.response_correlation_id = params.response_correlation_id;
        log_params.linger_timeout_ns = params.linger_timeout_ns;
        log_params.untethered_window_limit_timeout_ns = params.untethered_window_limit_timeout_ns;
        log_params.untethered_linger_timeout_ns = params.untethered_linger_timeout_ns;
        log_params.untethered_resting_timeout_ns = params.untethered_resting_timeout_ns;
        log_params.is_response = params.is_response;
        log_params.sparse = params.sparse;
        log_params.signal_eos = params.signal_eos;
        log_params.spies_simulate_connection = params.spies_simulate_connection;
        log_params.rejoin = false;
        log_params.reliable = false;
        log_params.tether = false;
        log_params.group = false;
        log_params.log_type =
            if is_exclusive { LogType::ExclusivePublication } else { LogType::ConcurrentPublication };
        let log = match LogBuffer::initialize(buffer, &log_params) {
            Ok(log) => log,
            Err(e) => {
                self.ctx.memory_store.remove(&log_name);
                return Err(ControlError::new(
                    GENERIC_ERROR,
                    format!("cannot initialise log buffer {log_name}: {e}"),
                ));
            }
        };

        Ok((log, log_name, session_id, term_id, term_offset))
    }

    fn new_ipc_publication(
        &mut self,
        message: &PublicationMessage<'_>,
        params: &PublicationParams,
        is_exclusive: bool,
    ) -> Result<usize, ControlError> {
        let stream_id = message.stream_id;
        let registration_id = message.correlation_id;
        let (log, log_name, session_id, term_id, term_offset) =
            self.create_publication_log(message, params, is_exclusive)?;

        let now_ms = self.now_ms;
        let spec = |name, type_id| StreamCounterSpec {
            name,
            type_id,
            client_id: message.client_id,
            registration_id,
            session_id,
            stream_id,
            channel: message.channel,
            join_position: None,
        };
        let position_name = if is_exclusive { "pub-pos (exclusive)" } else { "pub-pos (concurrent)" };
        let position_id = allocate_stream_counter(
            &mut self.counters,
            &spec(position_name, PUBLISHER_POSITION_TYPE_ID),
            now_ms,
        );
        let limit_id =
            allocate_stream_counter(&mut self.counters, &spec("pub-lmt", PUBLISHER_LIMIT_TYPE_ID), now_ms);
        let (position_id, limit_id) = match (position_id, limit_id) {
            (Ok(p), Ok(l)) => (p, l),
            (p, l) => {
                for id in [p.ok(), l.ok()].into_iter().flatten() {
                    self.counters.free(id, now_ms);
                }
                self.ctx.memory_store.remove(&log_name);
                return Err(ControlError::new(
                    GENERIC_ERROR,
                    format!(
                        "unable to allocate publication counters: counters buffer is full: channel={}",
                        message.channel
                    ),
                ));
            }
        };

        let publication = IpcPublication::new(IpcPublicationConfig {
            registration_id,
            channel: message.channel.to_owned(),
            session_id,
            stream_id,
            entity_tag: params.entity_tag,
            is_exclusive,
            log,
            log_name,
            publisher_position: self.counters.counter(position_id),
            publisher_limit: self.counters.counter(limit_id),
            term_window_length: params.publication_window_length,
            starting_term_id: term_id,
            starting_term_offset: term_offset,
            unblock_timeout_ns: self.ctx.publication_unblock_timeout_ns,
            linger_timeout_ns: params.linger_timeout_ns,
            image_liveness_timeout_ns: self.ctx.image_liveness_timeout_ns,
            response_correlation_id: params.response_correlation_id,
            now_ns: self.now_ns,
        });
        self.publications.push(publication);
        Ok(self.publications.len() - 1)
    }

    /// Links every matching subscription not yet linked to the publication at `index`.
    fn link_ipc_subscriptions(&mut self, index: usize) {
        if !self.publications[index].is_accepting_subscriptions() {
            return;
        }
        let publication_id = self.publications[index].registration_id();
        let (stream_id, session_id) =
            (self.publications[index].stream_id(), self.publications[index].session_id());
        for subscription_index in 0..self.subscriptions.len() {
            let subscription = &self.subscriptions[subscription_index];
            if subscription.kind == SubscriptionKind::Ipc
                && subscription.matches(stream_id, session_id)
                && !subscription.is_linked(publication_id)
            {
                self.link_ipc_subscription(index, subscription_index);
            }
        }
    }

    fn link_ipc_subscription(&mut self, publication_index: usize, subscription_index: usize) {
        let now_ms = self.now_ms;
        let publication = &self.publications[publication_index];
        let subscription = &self.subscriptions[subscription_index];
        let join_position = publication.join_position();
        let spec = StreamCounterSpec {
            name: "sub-pos",
            type_id: SUBSCRIBER_POSITION_TYPE_ID,
            client_id: subscription.client_id,
            registration_id: subscription.registration_id,
            session_id: publication.session_id(),
            stream_id: subscription.stream_id,
            channel: &subscription.channel,
            join_position: Some(join_position),
        };
        let counter_id = match allocate_stream_counter(&mut self.counters, &spec, now_ms) {
            Ok(id) => id,
            Err(e) => {
                let text = format!(
                    "cannot link subscription {} to publication {}: {e}",
                    subscription.registration_id,
                    publication.registration_id()
                );
                self.record_error(&text);
                return;
            }
        };
        self.counters.set_counter_reference_id(counter_id, publication.registration_id());
        let position = self.counters.counter(counter_id);
        position.set_ordered(join_position);

        let subscription = &mut self.subscriptions[subscription_index];
        let publication = &mut self.publications[publication_index];
        subscription.linked_publications.push(publication.registration_id());
        publication.add_subscriber(subscription.registration_id, position);
        let image = ImageBuffersReady {
            correlation_id: publication.registration_id(),
            session_id: publication.session_id(),
            stream_id: publication.stream_id(),
            subscription_registration_id: subscription.registration_id,
            subscriber_position_id: counter_id,
            log_file_name: publication.log_name(),
            source_identity: IPC_SOURCE_IDENTITY,
        };
        let result = self.client_proxy.on_available_image(&image);
        self.respond(result);
    }

    fn on_remove_publication(&mut self, message: &RemovePublicationMessage) -> Result<(), ControlError> {
        self.get_or_add_client(message.client_id);
        let Some(index) =
            self.publication_links.iter().position(|l| l.registration_id == message.registration_id)
        else {
            return Err(ControlError::new(
                UNKNOWN_PUBLICATION,
                format!("unknown publication: {}", message.registration_id),
            ));
        };
        let link = self.publication_links.swap_remove(index);
        self.release_publication_link(link, message.revoke);
        let result = self.client_proxy.operation_succeeded(message.correlation_id);
        self.respond(result);
        Ok(())
    }

    fn release_publication_link(&mut self, link: PublicationLink, revoke: bool) {
        let now_ns = self.now_ns;
        if let Some(publication) =
            self.publications.iter_mut().find(|p| p.registration_id() == link.publication_registration_id)
        {
            if revoke {
                publication.revoke();
            }
            publication.dec_ref(now_ns);
            return;
        }
        self.release_network_publication(link.publication_registration_id, revoke);
    }

    fn on_add_subscription(&mut self, message: &SubscriptionMessage<'_>) -> Result<(), ControlError> {
        self.get_or_add_client(message.client_id);
        let channel = Self::parse_channel(message.channel)?;
        if channel.media == Media::Udp {
            return self.on_add_network_subscription(message, &channel);
        }
        if channel.is_spy {
            return Err(ControlError::new(
                INVALID_CHANNEL,
                format!("aeron-spy subscriptions need a UDP channel: channel={}", message.channel),
            ));
        }
        let params = SubscriptionParams::parse(&channel, message.channel, &self.ctx)?;
        self.subscriptions.push(SubscriptionLink {
            kind: SubscriptionKind::Ipc,
            registration_id: message.correlation_id,
            client_id: message.client_id,
            stream_id: message.stream_id,
            channel: message.channel.to_owned(),
            params,
            linked_publications: Vec::new(),
        });
        let result = self.client_proxy.on_subscription_ready(message.correlation_id, NO_ID_ALLOCATED);
        self.respond(result);
        let subscription_index = self.subscriptions.len() - 1;
        for publication_index in 0..self.publications.len() {
            let publication = &self.publications[publication_index];
            if self.subscriptions[subscription_index]
                .matches(publication.stream_id(), publication.session_id())
                && publication.is_accepting_subscriptions()
            {
                self.link_ipc_subscription(publication_index, subscription_index);
            }
        }
        Ok(())
    }

    fn on_remove_subscription(&mut self, message: &RemoveMessage) -> Result<(), ControlError> {
        self.get_or_add_client(message.client_id);
        let Some(index) =
            self.subscriptions.iter().position(|s| s.registration_id == message.registration_id)
        else {
            return Err(ControlError::new(
                UNKNOWN_SUBSCRIPTION,
                format!("unknown subscription: {}", message.registration_id),
            ));
        };
        let subscription = self.subscriptions.swap_remove(index);
        self.unlink_subscription(&subscription);
        let result = self.client_proxy.operation_succeeded(message.correlation_id);
        self.respond(result);
        Ok(())
    }

    /// Detaches a removed subscription from every publication it was linked to, freeing its `sub-pos` counters.
    fn unlink_subscription(&mut self, subscription: &SubscriptionLink) {
        if self.unlink_network_subscription(subscription) {
            return;
        }
        let now_ms = self.now_ms;
        for &publication_id in &subscription.linked_publications {
            if let Some(publication) =
                self.publications.iter_mut().find(|p| p.registration_id() == publication_id)
                && let Some(position) = publication.remove_subscriber(subscription.registration_id)
            {
                self.counters.free(position.id(), now_ms);
            }
        }
    }

    fn on_add_counter(&mut self, message: &CounterMessage<'_>) -> Result<(), ControlError> {
        self.get_or_add_client(message.client_id);
        let counter_id = self
            .counters
            .allocate(message.type_id, message.key, message.label, self.now_ms)
            .map_err(|e| ControlError::new(GENERIC_ERROR, format!("unable to allocate counter: {e}")))?;
        self.counters.set_counter_registration_id(counter_id, message.correlation_id);
        self.counters.set_counter_owner_id(counter_id, message.client_id);
        self.counter_links.push(CounterLink {
            registration_id: message.correlation_id,
            client_id: message.client_id,
            counter_id,
        });
        let result = self.client_proxy.on_counter_ready(message.correlation_id, counter_id);
        self.respond(result);
        Ok(())
    }

    fn on_remove_counter(&mut self, message: &RemoveMessage) -> Result<(), ControlError> {
        self.get_or_add_client(message.client_id);
        let Some(index) =
            self.counter_links.iter().position(|l| l.registration_id == message.registration_id)
        else {
            return Err(ControlError::new(
                UNKNOWN_COUNTER,
                format!("unknown counter: {}", message.registration_id),
            ));
        };
        let link = self.counter_links.swap_remove(index);
        let result = self.client_proxy.operation_succeeded(message.correlation_id);
        self.respond(result);
        self.release_counter_link(link);
        Ok(())
    }

    fn release_counter_link(&mut self, link: CounterLink) {
        let result = self.client_proxy.on_unavailable_counter(link.registration_id, link.counter_id);
        self.respond(result);
        self.counters.free(link.counter_id, self.now_ms);
    }

    fn on_add_static_counter(&mut self, message: &StaticCounterMessage<'_>) -> Result<(), ControlError> {
        self.get_or_add_client(message.client_id);
        let reader = self.counters.reader();
        if let Some(counter_id) =
            reader.find_by_type_id_and_registration_id(message.type_id, message.registration_id)
        {
            if reader.counter_owner_id(counter_id) != -1 {
                return Err(ControlError::new(
                    GENERIC_ERROR,
                    format!(
                        "cannot add static counter, because a non-static counter exists (counterId={counter_id}) for typeId={} and registrationId={}",
                        message.type_id, message.registration_id
                    ),
                ));
            }
            let result = self.client_proxy.on_static_counter(message.correlation_id, counter_id);
            self.respond(result);
            return Ok(());
        }
        let counter_id = self
            .counters
            .allocate(message.type_id, message.key, message.label, self.now_ms)
            .map_err(|e| ControlError::new(GENERIC_ERROR, format!("unable to allocate counter: {e}")))?;
        self.counters.set_counter_registration_id(counter_id, message.registration_id);
        self.counters.set_counter_owner_id(counter_id, -1);
        let result = self.client_proxy.on_static_counter(message.correlation_id, counter_id);
        self.respond(result);
        Ok(())
    }

    fn on_rcv_destination(
        &mut self,
        message: &DestinationMessage<'_>,
        add: bool,
    ) -> Result<(), ControlError> {
        self.get_or_add_client(message.client_id);
        let Some(subscription) =
            self.subscriptions.iter().find(|s| s.registration_id == message.registration_correlation_id)
        else {
            return Err(ControlError::new(
                UNKNOWN_SUBSCRIPTION,
                format!("unknown subscription: {}", message.registration_correlation_id),
            ));
        };
        if matches!(subscription.kind, SubscriptionKind::Network { .. }) {
            return self.on_network_rcv_destination(message, add);
        }
        Err(ControlError::new(
            NOT_SUPPORTED,
            format!("multi-destination subscriptions are not supported yet: channel={}", message.channel),
        ))
    }

    fn on_terminate_driver(&mut self, message: &TerminateDriver<'_>) {
        let allowed = self.ctx.termination_token.as_deref().is_none_or(|token| token == message.token);
        if allowed {
            self.terminate_requested = true;
        } else {
            self.record_error("TERMINATE_DRIVER refused: token does not match");
        }
    }

    fn on_reject_image(&mut self, message: &RejectImage<'_>) -> Result<(), ControlError> {
        self.get_or_add_client(message.client_id);
        let Some(index) =
            self.publications.iter().position(|p| p.registration_id() == message.image_correlation_id)
        else {
            return Err(ControlError::new(
                GENERIC_ERROR,
                format!("Unable to resolve image for correlationId={}", message.image_correlation_id),
            ));
        };
        let now_ns = self.now_ns;
        let now_ms = self.now_ms;
        let publication_id = self.publications[index].registration_id();
        for subscriber in self.publications[index].take_subscribers() {
            self.counters.free(subscriber.position.id(), now_ms);
        }
        self.publications[index].start_cool_down(now_ns);
        self.notify_unavailable_images(publication_id, true);
        self.system_counters.get(IMAGES_REJECTED).increment_ordered();
        let result = self.client_proxy.operation_succeeded(message.correlation_id);
        self.respond(result);
        Ok(())
    }

    fn on_next_available_session_id(
        &mut self,
        message: &GetNextAvailableSessionIdMessage,
    ) -> Result<(), ControlError> {
        self.get_or_add_client(message.client_id);
        let session_id = self.next_available_session_id(message.stream_id);
        let result = self.client_proxy.on_next_available_session_id(message.correlation_id, session_id);
        self.respond(result);
        Ok(())
    }

    // ---------------------------------------------------------------------------------------------------
    // Timers

    fn check_clients(&mut self) {
        let now_ms = self.now_ms;
        let timed_out: Vec<i64> =
            self.clients.iter().filter(|c| c.has_timed_out(now_ms)).map(|c| c.client_id).collect();
        for client_id in timed_out {
            self.release_client(client_id, true);
        }
    }

    /// Releases everything `client_id` owns. On a timeout, counts it and broadcasts ON_CLIENT_TIMEOUT.
    fn release_client(&mut self, client_id: i64, timed_out: bool) {
        let Some(index) = self.clients.iter().position(|c| c.client_id == client_id) else { return };
        let client = self.clients.swap_remove(index);
        if timed_out {
            self.system_counters.get(CLIENT_TIMEOUTS).increment_ordered();
            let result = self.client_proxy.on_client_timeout(client_id);
            self.respond(result);
        }
        let mut i = 0;
        while i < self.publication_links.len() {
            if self.publication_links[i].client_id == client_id {
                let link = self.publication_links.swap_remove(i);
                self.release_publication_link(link, false);
            } else {
                i += 1;
            }
        }
        let mut i = 0;
        while i < self.subscriptions.len() {
            if self.subscriptions[i].client_id == client_id {
                let subscription = self.subscriptions.swap_remove(i);
                self.unlink_subscription(&subscription);
            } else {
                i += 1;
            }
        }
        let mut i = 0;
        while i < self.counter_links.len() {
            if self.counter_links[i].client_id == client_id {
                let link = self.counter_links.swap_remove(i);
                self.release_counter_link(link);
            } else {
                i += 1;
            }
        }
        let heartbeat_id = client.heartbeat.id();
        let result = self.client_proxy.on_unavailable_counter(client_id, heartbeat_id);
        self.respond(result);
        self.counters.free(heartbeat_id, self.now_ms);
    }

    fn check_publications(&mut self, now_ns: i64) {
        let mut index = 0;
        while index < self.publications.len() {
            let events = self.publications[index].on_time_event(now_ns);
            let publication_id = self.publications[index].registration_id();
            if events.unblocked {
                self.system_counters.get(UNBLOCKED_PUBLICATIONS).increment_ordered();
            }
            if events.revoked {
                self.system_counters.get(PUBLICATIONS_REVOKED).increment_ordered();
            }
            if events.entered_linger {
                self.notify_unavailable_images(publication_id, false);
            }
            if events.cool_down_expired {
                self.link_ipc_subscriptions(index);
            }
            if events.reached_end_of_life {
                let publication = self.publications.swap_remove(index);
                self.cleanup_publication(publication);
                continue;
            }
            index += 1;
        }
    }

    /// Sends ON_UNAVAILABLE_IMAGE to every subscription linked to `publication_id`; `unlink` also forgets
    /// the links (rejection), otherwise they are forgotten when the publication is freed.
    fn notify_unavailable_images(&mut self, publication_id: i64, unlink: bool) {
        for index in 0..self.subscriptions.len() {
            if !self.subscriptions[index].is_linked(publication_id) {
                continue;
            }
            if unlink {
                self.subscriptions[index].unlink(publication_id);
            }
            let subscription = &self.subscriptions[index];
            let image = ImageMessage {
                correlation_id: publication_id,
                subscription_registration_id: subscription.registration_id,
                stream_id: subscription.stream_id,
                channel: &subscription.channel,
            };
            let result = self.client_proxy.on_unavailable_image(&image);
            self.respond(result);
        }
    }

    fn cleanup_publication(&mut self, publication: IpcPublication) {
        let publication_id = publication.registration_id();
        for subscription in &mut self.subscriptions {
            subscription.unlink(publication_id);
        }
        let now_ms = self.now_ms;
        for counter_id in publication.counter_ids_to_free() {
            self.counters.free(counter_id, now_ms);
        }
        self.ctx.memory_store.remove(publication.log_name());
    }
}

/// Checks that a shared publication's explicit URI parameters agree with the existing log (Aeron
/// `PublicationParams.confirmMatch`).
fn confirm_match(
    channel: &ParsedChannel,
    uri: &str,
    params: &PublicationParams,
    existing: &IpcPublication,
) -> Result<(), ControlError> {
    let mismatch = |name: &str, existing_value: String, requested: String| {
        Err(ControlError::new(
            GENERIC_ERROR,
            format!(
                "existing publication has different '{name}': existing={existing_value} requested={requested} existingChannel={} channel={uri}",
                existing.channel()
            ),
        ))
    };
    if channel.contains("mtu") && existing.mtu_length() != params.mtu_length {
        return mismatch("mtu", existing.mtu_length().to_string(), params.mtu_length.to_string());
    }
    if channel.contains("term-length") && existing.term_length() != params.term_length {
        return mismatch("term-length", existing.term_length().to_string(), params.term_length.to_string());
    }
    if let Some(session_id) = params.session_id
        && channel.contains("session-id")
        && session_id != existing.session_id()
    {
        return mismatch("session-id", existing.session_id().to_string(), session_id.to_string());
    }
    if let Some((init, term_id, term_offset)) = params.initial_position {
        if init != existing.initial_term_id() {
            return mismatch("init-term-id", existing.initial_term_id().to_string(), init.to_string());
        }
        if term_id != existing.starting_term_id() {
            return mismatch("term-id", existing.starting_term_id().to_string(), term_id.to_string());
        }
        if term_offset != existing.starting_term_offset() {
            return mismatch(
                "term-offset",
                existing.starting_term_offset().to_string(),
                term_offset.to_string(),
            );
        }
    }
    Ok(())
}

/// Commands that start with `client_id | correlation_id`.
fn is_client_command(msg_type_id: i32) -> bool {
    (event::ADD_PUBLICATION..=event::GET_NEXT_AVAILABLE_SESSION_ID).contains(&msg_type_id)
}

impl Agent for DriverConductor {
    fn role_name(&self) -> &str {
        "driver-conductor"
    }

    fn do_work(&mut self, now_ns: i64) -> Result<usize, AgentTermination> {
        if self.closed {
            return Ok(0);
        }
        self.track_time(now_ns);
        let mut work = self.process_timers(now_ns);
        work += self.process_commands();
        if self.network.is_some() {
            work += self.process_network_events();
        }
        work += self.track_stream_positions();
        if self.terminate_requested {
            return Err(AgentTermination::Done);
        }
        Ok(work)
    }

    /// Marks the driver gone for clients (consumer heartbeat -1) and removes the publication logs.
    fn on_close(&mut self) {
        if self.closed {
            return;
        }
        self.closed = true;
        self.to_driver.set_consumer_heartbeat_time(-1);
        for publication in &self.publications {
            self.ctx.memory_store.remove(publication.log_name());
        }
        self.remove_network_logs();
    }
}
