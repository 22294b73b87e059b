//! The conductor's UDP duties (Aeron `DriverConductor`'s network half): network publications and their
//! send endpoints, network subscriptions and their receive endpoints, image creation, spies, MDC and
//! MDS destinations, and the events coming back from the sender and receiver.
//!
//! Invariants:
//! - Endpoints are shared by canonical form and reference counted: a send endpoint by its publications,
//!   a receive endpoint by its subscriptions; the last reference closes it on the agent's thread.
//! - Dispatcher interest is reference counted per (endpoint, stream, session filter), so removing one of
//!   two identical subscriptions keeps the stream subscribed.
//! - Counters and logs are freed only after the owning agent acknowledged the removal.
//! - A channel tag (`tags=T`) is looked up before the canonical form: a tagged channel matching an open
//!   endpoint's tag shares that endpoint (receive: including a manual MDS one; send: its publications are
//!   added to it); a tag-only channel with no such endpoint is rejected. An ephemeral (`:0`) subscription
//!   endpoint or publication control address without a tag is never shared.
//! - Every endpoint has a channel status counter (`snd-channel`/`rcv-channel`, value ACTIVE), announced as
//!   the channel status indicator of its publications/subscriptions, and one `*-local-sockaddr` counter
//!   per bound socket (one per MDS destination); they are freed with the endpoint or destination.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::mpsc::{Receiver as ChannelReceiver, Sender as ChannelSender};

use agrona::{AtomicCounter, CountersManager, Prng};
use logbuffer::LogBuffer;
use media::{
    DataPacketDispatcher, DatagramTransportFactory, DelayGenerator, FlowControlConfig, ImageConfig,
    ImageRequest, NetworkPublicationSender, PublicationImageReceiver, ReceiverIdGenerator, SenderConfig,
};
use protocol::command::error_code::{
    GENERIC_ERROR, INVALID_CHANNEL, NOT_SUPPORTED, UNKNOWN_PUBLICATION, UNKNOWN_SUBSCRIPTION,
};
use protocol::command::{
    DestinationByIdMessage, DestinationMessage, ImageBuffersReady, PublicationMessage, SubscriptionMessage,
};

use super::{AnnouncedPublication, DriverConductor, NO_ID_ALLOCATED};
use crate::channel::ParsedChannel;
use crate::channel_endpoint_status::{
    RECEIVE_CHANNEL_STATUS_TYPE_ID, RECEIVE_LOCAL_SOCKADDR_TYPE_ID, SEND_CHANNEL_STATUS_TYPE_ID,
    SEND_LOCAL_SOCKADDR_TYPE_ID, allocate_channel_status, allocate_local_sockaddr,
};
use crate::driver_error::ControlError;
use crate::ipc_publication::PublicationState;
use crate::network_commands::{ConductorEvent, ReceiverCommand, SenderCommand};
use crate::network_publication::{NetworkPublication, NetworkPublicationConfig, Spy};
use crate::publication_image::{ImageSubscriber, PublicationImage};
use crate::publication_params::{PublicationParams, TaggedPublication};
use crate::receive_channel_endpoint::ReceiveChannelEndpoint;
use crate::receiver_image::ReceiverImage;
use crate::sender_publication::{NetworkPublicationStatus, SenderPublication, SenderPublicationConfig};
use crate::stream_counters::{
    PUBLISHER_LIMIT_TYPE_ID, PUBLISHER_POSITION_TYPE_ID, RECEIVER_HWM_TYPE_ID, RECEIVER_POSITION_TYPE_ID,
    SENDER_LIMIT_TYPE_ID, SENDER_POSITION_TYPE_ID, SUBSCRIBER_POSITION_TYPE_ID, StreamCounterSpec,
    allocate_stream_counter,
};
use crate::subscription_link::{SubscriptionKind, SubscriptionLink};
use crate::subscription_params::SubscriptionParams;
use crate::udp_channel::{ControlMode, UdpChannel};

/// A send endpoint as the conductor tracks it.
struct SendEndpointRecord {
    endpoint_id: i64,
    canonical_form: String,
    /// The channel the endpoint was opened for (tagged channels refer to it).
    channel: UdpChannel,
    publication_count: usize,
    /// The `snd-channel` counter announced as the publications' channel status indicator.
    status_counter_id: i32,
    /// The `snd-local-sockaddr` counter of the bound socket.
    local_sockaddr_counter_id: i32,
}

/// A receive endpoint as the conductor tracks it.
struct ReceiveEndpointRecord {
    endpoint_id: i64,
    canonical_form: String,
    channel: UdpChannel,
    receiver_id: i64,
    is_multi_destination: bool,
    subscription_count: usize,
    /// (stream, session filter, subscriptions wanting it).
    interests: Vec<(i32, Option<i32>, usize)>,
    /// MDS destinations: (ADD_RCV_DESTINATION correlation id, destination channel).
    destinations: Vec<(i64, String)>,
    /// The `rcv-channel` counter announced as the subscriptions' channel status indicator.
    status_counter_id: i32,
    /// `rcv-local-sockaddr` counters: (destination registration id, or -1 for the endpoint's own socket,
    /// counter id).
    local_sockaddr_counter_ids: Vec<(i64, i32)>,
}

/// The conductor's network state; present when the driver has a sender, a receiver and a transport factory.
pub(crate) struct NetworkState {
    factory: Arc<dyn DatagramTransportFactory>,
    to_sender: ChannelSender<SenderCommand>,
    to_receiver: ChannelSender<ReceiverCommand>,
    events: ChannelReceiver<ConductorEvent>,
    prng: Prng,
    receiver_ids: ReceiverIdGenerator,
    next_endpoint_id: i64,
    send_endpoints: Vec<SendEndpointRecord>,
    receive_endpoints: Vec<ReceiveEndpointRecord>,
    pub(crate) publications: Vec<NetworkPublication>,
    pub(crate) images: Vec<PublicationImage>,
}

impl NetworkState {
    pub(crate) fn new(
        factory: Arc<dyn DatagramTransportFactory>,
        to_sender: ChannelSender<SenderCommand>,
        to_receiver: ChannelSender<ReceiverCommand>,
        events: ChannelReceiver<ConductorEvent>,
        seed: u64,
    ) -> Self {
        let mut prng = Prng::from_seed(seed);
        let receiver_ids = ReceiverIdGenerator::new(&mut prng);
        Self {
            factory,
            to_sender,
            to_receiver,
            events,
            prng,
            receiver_ids,
            next_endpoint_id: 1,
            send_endpoints: Vec::new(),
            receive_endpoints: Vec::new(),
            publications: Vec::new(),
            images: Vec::new(),
        }
    }

    fn send(&self, command: SenderCommand) {
        // The sender outlives the conductor in every threading mode; a closed queue means shutdown.
        let _ = self.to_sender.send(command);
    }

    fn receive(&self, command: ReceiverCommand) {
        let _ = self.to_receiver.send(command);
    }
}

fn generic(message: String) -> ControlError {
    ControlError::new(GENERIC_ERROR, message)
}

impl DriverConductor {
    fn network_or_unsupported(&self, channel: &str) -> Result<(), ControlError> {
        if self.network.is_some() { Ok(()) } else { Err(Self::unsupported_udp(channel)) }
    }

    // ---------------------------------------------------------------------------------------------------
    // Publications

    pub(super) fn on_add_network_publication(
        &mut self,
        message: &PublicationMessage<'_>,
        channel: &ParsedChannel,
        is_exclusive: bool,
    ) -> Result<(), ControlError> {
        self.network_or_unsupported(message.channel)?;
        let udp = {
            let network = self.network.as_ref().expect("checked");
            UdpChannel::parse(channel, message.channel, &*network.factory, false)?
        };
        let mut udp = self.resolve_send_channel_tag(udp, message.channel)?;
        if udp.channel_tag.is_none() && udp.control.is_some_and(|control| control.port() == 0) {
            // An ephemeral control port is never shared (Aeron adds a unique canonical suffix).
            udp.canonical_form = format!("{}-{}", udp.canonical_form, message.correlation_id);
        }
        if udp.control_mode == ControlMode::Response {
            return Err(ControlError::new(
                NOT_SUPPORTED,
                format!("control-mode=response is not supported yet: channel={}", message.channel),
            ));
        }
        let params = {
            let network = self.network.as_ref().expect("checked");
            let publications = &network.publications;
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
                channel,
                message.channel,
                &self.ctx,
                message.stream_id,
                &find_tagged,
                &tag_in_use,
                true,
            )?
        };
        let flow_control = FlowControlConfig::parse(channel.get("fc"), udp.has_group_semantics())
            .map_err(|e| ControlError::new(INVALID_CHANNEL, format!("{e}: channel={}", message.channel)))?;

        let existing = if is_exclusive {
            None
        } else {
            self.network.as_ref().expect("checked").publications.iter().position(|p| {
                !p.is_exclusive()
                    && p.stream_id() == message.stream_id
                    && p.canonical_form == udp.canonical_form
                    && p.state() == PublicationState::Active
            })
        };
        let (index, is_new) = match existing {
            Some(index) => {
                let existing = &self.network.as_ref().expect("checked").publications[index];
                if (channel.contains("mtu") && existing.mtu_length() != params.mtu_length)
                    || (channel.contains("term-length") && existing.term_length() != params.term_length)
                {
                    return Err(generic(format!(
                        "existing publication has different mtu or term-length: existingChannel={} channel={}",
                        existing.channel(),
                        message.channel
                    )));
                }
                (index, false)
            }
            None => (self.new_network_publication(message, &udp, &params, flow_control, is_exclusive)?, true),
        };
        let network = self.network.as_mut().expect("checked");
        let publication = &mut network.publications[index];
        publication.inc_ref();
        let announced = AnnouncedPublication {
            registration_id: publication.registration_id(),
            session_id: publication.session_id(),
            stream_id: publication.stream_id(),
            publisher_limit_id: publication.publisher_limit_id(),
            log_name: publication.log_name().to_owned(),
            channel_status_id: network
                .send_endpoints
                .iter()
                .find(|e| e.endpoint_id == publication.endpoint_id)
                .map_or(NO_ID_ALLOCATED, |e| e.status_counter_id),
        };
        self.link_and_announce_publication(message, &announced, is_exclusive);
        if is_new {
            let publication_id =
                self.network.as_ref().expect("checked").publications[index].registration_id();
            self.link_spies_to(publication_id);
        }
        Ok(())
    }

    fn new_network_publication(
        &mut self,
        message: &PublicationMessage<'_>,
        udp: &UdpChannel,
        params: &PublicationParams,
        flow_control: FlowControlConfig,
        is_exclusive: bool,
    ) -> Result<usize, ControlError> {
        let endpoint_id = self.acquire_send_endpoint(udp, message.channel, message.correlation_id)?;
        let (log, log_name, session_id, term_id, term_offset) =
            match self.create_publication_log(message, params, is_exclusive) {
                Ok(created) => created,
                Err(error) => {
                    self.release_send_endpoint(endpoint_id);
                    return Err(error);
                }
            };
        let registration_id = message.correlation_id;
        let now_ms = self.now_ms;
        let spec = |name, type_id| StreamCounterSpec {
            name,
            type_id,
            client_id: message.client_id,
            registration_id,
            session_id,
            stream_id: message.stream_id,
            channel: message.channel,
            join_position: None,
        };
        let position_name = if is_exclusive { "pub-pos (exclusive)" } else { "pub-pos (concurrent)" };
        let mut ids = Vec::with_capacity(4);
        for (name, type_id) in [
            (position_name, PUBLISHER_POSITION_TYPE_ID),
            ("pub-lmt", PUBLISHER_LIMIT_TYPE_ID),
            ("snd-pos", SENDER_POSITION_TYPE_ID),
            ("snd-lmt", SENDER_LIMIT_TYPE_ID),
        ] {
            match allocate_stream_counter(&mut self.counters, &spec(name, type_id), now_ms) {
                Ok(id) => ids.push(id),
                Err(_) => {
                    for id in ids {
                        self.counters.free(id, now_ms);
                    }
                    self.ctx.memory_store.remove(&log_name);
                    self.release_send_endpoint(endpoint_id);
                    return Err(generic(format!(
                        "unable to allocate publication counters: counters buffer is full: channel={}",
                        message.channel
                    )));
                }
            }
        }
        let counter_ids = [ids[0], ids[1], ids[2], ids[3]];
        let producer_position = log.producer_position();
        for id in counter_ids {
            self.counters.counter(id).set_ordered(producer_position);
        }

        let mut config = match (udp.control_mode, udp.endpoint) {
            (ControlMode::Manual, _) => SenderConfig::manual_mdc(),
            (ControlMode::Dynamic, _) => SenderConfig::dynamic_mdc(),
            (_, Some(endpoint)) if udp.is_multicast => {
                SenderConfig::multicast(endpoint, udp.ttl.map_or(0, |ttl| ttl as i32))
            }
            (_, Some(endpoint)) => SenderConfig::unicast(endpoint),
            (_, None) => {
                return Err(ControlError::new(
                    INVALID_CHANNEL,
                    format!("aeron:udp publications need an endpoint: channel={}", message.channel),
                ));
            }
        };
        config.signal_eos = params.signal_eos;
        config.connection_timeout_ns = self.ctx.publication_connection_timeout_ns;
        config.publication_window_length = Some(params.publication_window_length);
        config.max_resend = params.max_resend.max(1) as usize;
        config.spies_simulate_connection = params.spies_simulate_connection;
        let status = Arc::new(NetworkPublicationStatus::default());
        let sender = NetworkPublicationSender::new(log.clone(), flow_control.build(), config, self.now_ns);
        let sender_publication = SenderPublication::new(SenderPublicationConfig {
            registration_id,
            sender,
            publisher_position: self.counters.counter(counter_ids[0]),
            publisher_limit: self.counters.counter(counter_ids[1]),
            sender_position: self.counters.counter(counter_ids[2]),
            sender_limit: self.counters.counter(counter_ids[3]),
            status: Arc::clone(&status),
            term_window_length: params.publication_window_length,
            system_counters: self.system_counters.clone(),
        });
        let network = self.network.as_mut().expect("network present");
        network
            .send(SenderCommand::AddPublication { endpoint_id, publication: Box::new(sender_publication) });
        network.publications.push(NetworkPublication::new(NetworkPublicationConfig {
            registration_id,
            channel: message.channel.to_owned(),
            canonical_form: udp.canonical_form.clone(),
            endpoint_id,
            entity_tag: params.entity_tag,
            is_exclusive,
            log,
            log_name,
            counter_ids,
            status,
            linger_timeout_ns: params.linger_timeout_ns,
            starting_term_id: term_id,
            starting_term_offset: term_offset,
        }));
        Ok(network.publications.len() - 1)
    }

    /// A tagged publication channel that matches the channel tag of an open send endpoint becomes that
    /// endpoint's channel (so it shares the endpoint and its publications); a tag-only channel without
    /// such an endpoint is rejected.
    fn resolve_send_channel_tag(&self, udp: UdpChannel, uri: &str) -> Result<UdpChannel, ControlError> {
        let Some(tag) = udp.channel_tag else { return Ok(udp) };
        let network = self.network.as_ref().expect("checked");
        for record in &network.send_endpoints {
            if udp.matches_tag(&record.channel, uri)? {
                return Ok(record.channel.clone());
            }
        }
        if udp.is_wildcard() && udp.control_mode == ControlMode::None {
            return Err(ControlError::new(
                INVALID_CHANNEL,
                format!("no send channel endpoint has tag={tag}: channel={uri}"),
            ));
        }
        Ok(udp)
    }

    fn acquire_send_endpoint(
        &mut self,
        udp: &UdpChannel,
        uri: &str,
        registration_id: i64,
    ) -> Result<i64, ControlError> {
        let spec = udp.send_spec(&self.ctx);
        let network = self.network.as_mut().expect("network present");
        if let Some(record) = network.send_endpoints.iter_mut().find(|e| {
            e.canonical_form == udp.canonical_form
                && (e.channel.channel_tag.is_none()
                    || udp.channel_tag.is_none()
                    || e.channel.channel_tag == udp.channel_tag)
        }) {
            record.publication_count += 1;
            return Ok(record.endpoint_id);
        }
        let transport = network
            .factory
            .open(&spec)
            .map_err(|e| generic(format!("cannot open send channel endpoint: {e}: channel={uri}")))?;
        let (status_counter_id, local_sockaddr_counter_id) = allocate_endpoint_counters(
            &mut self.counters,
            EndpointSide::Send,
            registration_id,
            uri,
            &transport.local_addr().to_string(),
            self.now_ms,
        )?;
        let endpoint_id = network.next_endpoint_id;
        network.next_endpoint_id += 1;
        network.send(SenderCommand::AddEndpoint {
            endpoint_id,
            transport,
            is_dynamic_mdc: udp.control_mode == ControlMode::Dynamic,
        });
        network.send_endpoints.push(SendEndpointRecord {
            endpoint_id,
            canonical_form: udp.canonical_form.clone(),
            channel: udp.clone(),
            publication_count: 1,
            status_counter_id,
            local_sockaddr_counter_id,
        });
        Ok(endpoint_id)
    }

    fn release_send_endpoint(&mut self, endpoint_id: i64) {
        let network = self.network.as_mut().expect("network present");
        if let Some(index) = network.send_endpoints.iter().position(|e| e.endpoint_id == endpoint_id) {
            let record = &mut network.send_endpoints[index];
            record.publication_count = record.publication_count.saturating_sub(1);
            if record.publication_count == 0 {
                let record = network.send_endpoints.swap_remove(index);
                network.send(SenderCommand::RemoveEndpoint { endpoint_id });
                self.counters.free(record.local_sockaddr_counter_id, self.now_ms);
                self.counters.free(record.status_counter_id, self.now_ms);
            }
        }
    }

    /// Drops one reference of a network publication (a removed or timed-out publication link). Returns
    /// false if no network publication has that registration id.
    pub(super) fn release_network_publication(&mut self, registration_id: i64, revoke: bool) -> bool {
        let Some(network) = self.network.as_mut() else { return false };
        let Some(publication) =
            network.publications.iter_mut().find(|p| p.registration_id() == registration_id)
        else {
            return false;
        };
        if revoke {
            publication.revoke();
        }
        if publication.dec_ref() {
            network.send(SenderCommand::ClosePublication { registration_id });
        }
        true
    }

    /// Timer work for network publications.
    pub(super) fn check_network_publications(&mut self, now_ns: i64) {
        let Some(network) = self.network.as_mut() else { return };
        let mut lingering = Vec::new();
        for publication in &mut network.publications {
            let events = publication.on_time_event(now_ns);
            if events.revoked {
                let _ = network
                    .to_sender
                    .send(SenderCommand::ClosePublication { registration_id: publication.registration_id() });
                self.system_counters.get(crate::system_counters::PUBLICATIONS_REVOKED).increment_ordered();
            }
            if events.entered_linger {
                lingering.push(publication.registration_id());
            }
            if events.reached_end_of_life && !publication.is_removal_requested {
                publication.is_removal_requested = true;
                let _ = network.to_sender.send(SenderCommand::RemovePublication {
                    registration_id: publication.registration_id(),
                });
            }
        }
        for registration_id in lingering {
            self.notify_unavailable_images(registration_id, false);
        }
    }

    fn on_publication_removed(&mut self, registration_id: i64) {
        let Some(network) = self.network.as_mut() else { return };
        let Some(index) = network.publications.iter().position(|p| p.registration_id() == registration_id)
        else {
            return;
        };
        let publication = network.publications.swap_remove(index);
        for subscription in &mut self.subscriptions {
            subscription.unlink(registration_id);
        }
        let now_ms = self.now_ms;
        for id in publication.counter_ids_to_free() {
            self.counters.free(id, now_ms);
        }
        self.ctx.memory_store.remove(publication.log_name());
        self.release_send_endpoint(publication.endpoint_id);
    }

    fn find_network_publication_for_link(&self, link_registration_id: i64) -> Option<usize> {
        let publication_id = self
            .publication_links
            .iter()
            .find(|l| l.registration_id == link_registration_id)
            .map(|l| l.publication_registration_id)?;
        self.network.as_ref()?.publications.iter().position(|p| p.registration_id() == publication_id)
    }

    fn resolve_destination(&self, channel: &str) -> Result<SocketAddr, ControlError> {
        let parsed = Self::parse_channel(channel)?;
        let network = self.network.as_ref().expect("checked");
        let udp = UdpChannel::parse(&parsed, channel, &*network.factory, true)?;
        udp.endpoint.ok_or_else(|| {
            ControlError::new(INVALID_CHANNEL, format!("destination needs an endpoint: channel={channel}"))
        })
    }

    /// ADD_DESTINATION / REMOVE_DESTINATION on a manual MDC publication.
    pub(super) fn on_destination(
        &mut self,
        message: &DestinationMessage<'_>,
        add: bool,
    ) -> Result<(), ControlError> {
        self.get_or_add_client(message.client_id);
        let Some(index) = self.find_network_publication_for_link(message.registration_correlation_id) else {
            return Err(ControlError::new(
                UNKNOWN_PUBLICATION,
                format!("unknown publication: {}", message.registration_correlation_id),
            ));
        };
        let address = self.resolve_destination(message.channel)?;
        let network = self.network.as_mut().expect("found");
        let publication = &mut network.publications[index];
        let registration_id = publication.registration_id();
        if add {
            publication.destinations.push((message.correlation_id, address));
            network.send(SenderCommand::AddDestination {
                registration_id,
                address,
                destination_registration_id: message.correlation_id,
            });
        } else {
            publication.destinations.retain(|(_, a)| *a != address);
            network.send(SenderCommand::RemoveDestination { registration_id, address });
        }
        let result = self.client_proxy.operation_succeeded(message.correlation_id);
        self.respond(result);
        Ok(())
    }

    /// REMOVE_DESTINATION_BY_ID on a manual MDC publication.
    pub(super) fn on_remove_destination_by_id(
        &mut self,
        message: &DestinationByIdMessage,
    ) -> Result<(), ControlError> {
        self.get_or_add_client(message.client_id);
        let Some(index) = self.find_network_publication_for_link(message.resource_registration_id) else {
            return Err(ControlError::new(
                UNKNOWN_PUBLICATION,
                format!("unknown publication: {}", message.resource_registration_id),
            ));
        };
        let network = self.network.as_mut().expect("found");
        let publication = &mut network.publications[index];
        let registration_id = publication.registration_id();
        let Some(position) =
            publication.destinations.iter().position(|(id, _)| *id == message.destination_registration_id)
        else {
            return Err(generic(format!("unknown destination: {}", message.destination_registration_id)));
        };
        let (_, address) = publication.destinations.swap_remove(position);
        network.send(SenderCommand::RemoveDestination { registration_id, address });
        let result = self.client_proxy.operation_succeeded(message.correlation_id);
        self.respond(result);
        Ok(())
    }

    // ---------------------------------------------------------------------------------------------------
    // Subscriptions

    pub(super) fn on_add_network_subscription(
        &mut self,
        message: &SubscriptionMessage<'_>,
        channel: &ParsedChannel,
    ) -> Result<(), ControlError> {
        self.network_or_unsupported(message.channel)?;
        let udp = {
            let network = self.network.as_ref().expect("checked");
            UdpChannel::parse(channel, message.channel, &*network.factory, true)?
        };
        if udp.control_mode == ControlMode::Response || udp.control_mode == ControlMode::Dynamic {
            return Err(ControlError::new(
                NOT_SUPPORTED,
                format!("control-mode on subscriptions is not supported: channel={}", message.channel),
            ));
        }
        let params = SubscriptionParams::parse(channel, message.channel, &self.ctx)?;
        if channel.is_spy {
            let canonical_form = self.resolve_send_channel_tag(udp, message.channel)?.canonical_form;
            self.subscriptions.push(SubscriptionLink {
                kind: SubscriptionKind::Spy { canonical_form },
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
            let publication_ids: Vec<i64> = self
                .network
                .as_ref()
                .expect("checked")
                .publications
                .iter()
                .map(NetworkPublication::registration_id)
                .collect();
            for publication_id in publication_ids {
                self.link_spy(subscription_index, publication_id);
            }
            return Ok(());
        }
        let session_filter = params.session_id;
        let endpoint_id = self.acquire_receive_endpoint(&udp, message.channel, message.correlation_id)?;
        let status_counter_id = self
            .network
            .as_ref()
            .and_then(|n| n.receive_endpoints.iter().find(|e| e.endpoint_id == endpoint_id))
            .map_or(NO_ID_ALLOCATED, |e| e.status_counter_id);
        {
            let network = self.network.as_mut().expect("checked");
            let record = network
                .receive_endpoints
                .iter_mut()
                .find(|e| e.endpoint_id == endpoint_id)
                .expect("acquired");
            match record
                .interests
                .iter_mut()
                .find(|(s, f, _)| *s == message.stream_id && *f == session_filter)
            {
                Some(interest) => interest.2 += 1,
                None => {
                    record.interests.push((message.stream_id, session_filter, 1));
                    network.receive(ReceiverCommand::AddSubscription {
                        endpoint_id,
                        stream_id: message.stream_id,
                        session_id: session_filter,
                    });
                }
            }
        }
        self.subscriptions.push(SubscriptionLink {
            kind: SubscriptionKind::Network { endpoint_id },
            registration_id: message.correlation_id,
            client_id: message.client_id,
            stream_id: message.stream_id,
            channel: message.channel.to_owned(),
            params,
            linked_publications: Vec::new(),
        });
        let result = self.client_proxy.on_subscription_ready(message.correlation_id, status_counter_id);
        self.respond(result);
        let subscription_index = self.subscriptions.len() - 1;
        let image_ids: Vec<i64> = self
            .network
            .as_ref()
            .expect("checked")
            .images
            .iter()
            .filter(|image| image.endpoint_id == endpoint_id && !image.is_lingering)
            .filter(|image| self.subscriptions[subscription_index].matches(image.stream_id, image.session_id))
            .map(|image| image.correlation_id)
            .collect();
        for correlation_id in image_ids {
            let join_position = self
                .network
                .as_ref()
                .and_then(|n| n.images.iter().find(|i| i.correlation_id == correlation_id))
                .map_or(0, PublicationImage::join_position);
            if let Some(position) = self.link_image(subscription_index, correlation_id, join_position) {
                self.network.as_ref().expect("checked").receive(ReceiverCommand::AddSubscriber {
                    image_correlation_id: correlation_id,
                    position,
                });
            }
        }
        Ok(())
    }

    fn acquire_receive_endpoint(
        &mut self,
        udp: &UdpChannel,
        uri: &str,
        registration_id: i64,
    ) -> Result<i64, ControlError> {
        let is_multi_destination = udp.control_mode == ControlMode::Manual;
        let canonical_form = if is_multi_destination {
            format!("{}-mds-{registration_id}", udp.canonical_form)
        } else if udp.channel_tag.is_none() && udp.endpoint.is_some_and(|endpoint| endpoint.port() == 0) {
            // An ephemeral endpoint port is never shared (Aeron adds a unique canonical suffix).
            format!("{}-{registration_id}", udp.canonical_form)
        } else {
            udp.canonical_form.clone()
        };
        let ctx = &self.ctx;
        let network = self.network.as_mut().expect("network present");
        let mut tagged = None;
        for (index, record) in network.receive_endpoints.iter().enumerate() {
            if udp.matches_tag(&record.channel, uri)? {
                tagged = Some(index);
                break;
            }
        }
        if tagged.is_none()
            && let Some(tag) = udp.channel_tag
            && udp.is_wildcard()
            && udp.control_mode == ControlMode::None
        {
            return Err(ControlError::new(
                INVALID_CHANNEL,
                format!("no receive channel endpoint has tag={tag}: channel={uri}"),
            ));
        }
        let existing = tagged.or_else(|| {
            network.receive_endpoints.iter().position(|e| {
                e.canonical_form == canonical_form
                    && (e.channel.channel_tag.is_none()
                        || udp.channel_tag.is_none()
                        || e.channel.channel_tag == udp.channel_tag)
            })
        });
        if let Some(index) = existing {
            let record = &mut network.receive_endpoints[index];
            record.subscription_count += 1;
            return Ok(record.endpoint_id);
        }
        let transport = match (is_multi_destination, udp.endpoint) {
            (false, Some(endpoint)) => {
                Some(network.factory.open(&udp.receive_spec_for(endpoint, ctx)).map_err(|e| {
                    generic(format!("cannot open receive channel endpoint: {e}: channel={uri}"))
                })?)
            }
            _ => None,
        };
        let local_address = transport.as_ref().map(|t| t.local_addr().to_string()).unwrap_or_default();
        let (status_counter_id, local_sockaddr_counter_id) = allocate_endpoint_counters(
            &mut self.counters,
            EndpointSide::Receive,
            registration_id,
            uri,
            &local_address,
            self.now_ms,
        )?;
        let receiver_id = network.receiver_ids.next_receiver_id();
        let endpoint_id = network.next_endpoint_id;
        network.next_endpoint_id += 1;
        let mut dispatcher = DataPacketDispatcher::new(receiver_id, udp.group_tag);
        dispatcher.set_control_address(udp.receiver_control_address());
        let mdc_control = udp.control.filter(|_| !udp.is_multicast && !is_multi_destination);
        let endpoint = ReceiveChannelEndpoint::new(endpoint_id, transport, dispatcher, mdc_control);
        network.receive(ReceiverCommand::AddEndpoint { endpoint: Box::new(endpoint) });
        network.receive_endpoints.push(ReceiveEndpointRecord {
            endpoint_id,
            canonical_form,
            channel: udp.clone(),
            receiver_id,
            is_multi_destination,
            subscription_count: 1,
            interests: Vec::new(),
            destinations: Vec::new(),
            status_counter_id,
            local_sockaddr_counter_ids: vec![(-1, local_sockaddr_counter_id)],
        });
        Ok(endpoint_id)
    }

    /// Links subscription `subscription_index` to image `correlation_id` at `join_position`: allocates its
    /// `sub-pos` and sends ON_AVAILABLE_IMAGE. Returns the position counter for the receiver.
    fn link_image(
        &mut self,
        subscription_index: usize,
        correlation_id: i64,
        join_position: i64,
    ) -> Option<AtomicCounter> {
        let now_ms = self.now_ms;
        let network = self.network.as_mut()?;
        let image = network.images.iter_mut().find(|i| i.correlation_id == correlation_id)?;
        let subscription = &mut self.subscriptions[subscription_index];
        let spec = StreamCounterSpec {
            name: "sub-pos",
            type_id: SUBSCRIBER_POSITION_TYPE_ID,
            client_id: subscription.client_id,
            registration_id: subscription.registration_id,
            session_id: image.session_id,
            stream_id: subscription.stream_id,
            channel: &subscription.channel,
            join_position: Some(join_position),
        };
        let counter_id = match allocate_stream_counter(&mut self.counters, &spec, now_ms) {
            Ok(id) => id,
            Err(e) => {
                let text = format!(
                    "cannot link subscription {} to image {correlation_id}: {e}",
                    subscription.registration_id
                );
                self.record_error(&text);
                return None;
            }
        };
        self.counters.set_counter_reference_id(counter_id, correlation_id);
        let position = self.counters.counter(counter_id);
        position.set_ordered(join_position);
        subscription.linked_publications.push(correlation_id);
        image.subscribers.push(ImageSubscriber {
            subscription_registration_id: subscription.registration_id,
            position: position.clone(),
        });
        let ready = ImageBuffersReady {
            correlation_id,
            session_id: image.session_id,
            stream_id: image.stream_id,
            subscription_registration_id: subscription.registration_id,
            subscriber_position_id: counter_id,
            log_file_name: &image.log_name,
            source_identity: &image.source_identity,
        };
        let result = self.client_proxy.on_available_image(&ready);
        self.respond(result);
        Some(position)
    }

    /// Unlinks a removed subscription from network images and publications and drops its endpoint
    /// interest. Returns true if it was a network or spy subscription.
    pub(super) fn unlink_network_subscription(&mut self, subscription: &SubscriptionLink) -> bool {
        let now_ms = self.now_ms;
        match &subscription.kind {
            SubscriptionKind::Ipc => false,
            SubscriptionKind::Spy { .. } => {
                let Some(network) = self.network.as_mut() else { return true };
                for &publication_id in &subscription.linked_publications {
                    if let Some(publication) =
                        network.publications.iter_mut().find(|p| p.registration_id() == publication_id)
                        && let Some(index) = publication
                            .spies
                            .iter()
                            .position(|s| s.subscription_registration_id == subscription.registration_id)
                    {
                        let spy = publication.spies.swap_remove(index);
                        let _ = network.to_sender.send(SenderCommand::RemoveSpy {
                            registration_id: publication_id,
                            counter_id: spy.position.id(),
                        });
                        self.counters.free(spy.position.id(), now_ms);
                    }
                }
                true
            }
            SubscriptionKind::Network { endpoint_id } => {
                let endpoint_id = *endpoint_id;
                let Some(network) = self.network.as_mut() else { return true };
                for &correlation_id in &subscription.linked_publications {
                    if let Some(image) =
                        network.images.iter_mut().find(|i| i.correlation_id == correlation_id)
                        && let Some(index) = image
                            .subscribers
                            .iter()
                            .position(|s| s.subscription_registration_id == subscription.registration_id)
                    {
                        let subscriber = image.subscribers.swap_remove(index);
                        let _ = network.to_receiver.send(ReceiverCommand::RemoveSubscriber {
                            image_correlation_id: correlation_id,
                            counter_id: subscriber.position.id(),
                        });
                        self.counters.free(subscriber.position.id(), now_ms);
                    }
                }
                let Some(record_index) =
                    network.receive_endpoints.iter().position(|e| e.endpoint_id == endpoint_id)
                else {
                    return true;
                };
                let record = &mut network.receive_endpoints[record_index];
                let filter = subscription.params.session_id;
                if let Some(index) =
                    record.interests.iter().position(|(s, f, _)| *s == subscription.stream_id && *f == filter)
                {
                    record.interests[index].2 -= 1;
                    if record.interests[index].2 == 0 {
                        record.interests.swap_remove(index);
                        let _ = network.to_receiver.send(ReceiverCommand::RemoveSubscription {
                            endpoint_id,
                            stream_id: subscription.stream_id,
                            session_id: filter,
                        });
                    }
                }
                record.subscription_count = record.subscription_count.saturating_sub(1);
                if record.subscription_count == 0 {
                    let record = network.receive_endpoints.swap_remove(record_index);
                    let _ = network.to_receiver.send(ReceiverCommand::RemoveEndpoint { endpoint_id });
                    for (_, counter_id) in record.local_sockaddr_counter_ids {
                        self.counters.free(counter_id, now_ms);
                    }
                    self.counters.free(record.status_counter_id, now_ms);
                }
                true
            }
        }
    }

    /// ADD_RCV_DESTINATION / REMOVE_RCV_DESTINATION on an MDS subscription.
    pub(super) fn on_network_rcv_destination(
        &mut self,
        message: &DestinationMessage<'_>,
        add: bool,
    ) -> Result<(), ControlError> {
        let Some(subscription) =
            self.subscriptions.iter().find(|s| s.registration_id == message.registration_correlation_id)
        else {
            return Err(ControlError::new(
                UNKNOWN_SUBSCRIPTION,
                format!("unknown subscription: {}", message.registration_correlation_id),
            ));
        };
        let SubscriptionKind::Network { endpoint_id } = subscription.kind else {
            return Err(ControlError::new(
                INVALID_CHANNEL,
                format!("not a multi-destination subscription: {}", message.registration_correlation_id),
            ));
        };
        let address = self.resolve_destination(message.channel)?;
        let ctx = &self.ctx;
        let network = self.network.as_mut().expect("network subscription");
        let Some(record) = network.receive_endpoints.iter_mut().find(|e| e.endpoint_id == endpoint_id) else {
            return Err(generic(format!(
                "endpoint gone for subscription {}",
                message.registration_correlation_id
            )));
        };
        if !record.is_multi_destination {
            return Err(ControlError::new(
                INVALID_CHANNEL,
                format!(
                    "control-mode=manual is needed for receive destinations: channel={}",
                    message.channel
                ),
            ));
        }
        if add && record.destinations.iter().any(|(_, channel)| channel == message.channel) {
            // Already a destination of this (shared, tagged) endpoint: subscriptions that share the
            // endpoint share its destinations too, so adding it again is a no-op.
            return Ok(());
        }
        if add {
            let spec = record.channel.receive_spec_for(address, ctx);
            let transport = network.factory.open(&spec).map_err(|e| {
                generic(format!("cannot open receive destination: {e}: channel={}", message.channel))
            })?;
            match allocate_local_sockaddr(
                &mut self.counters,
                "rcv-local-sockaddr",
                RECEIVE_LOCAL_SOCKADDR_TYPE_ID,
                message.correlation_id,
                record.status_counter_id,
                &transport.local_addr().to_string(),
                self.now_ms,
            ) {
                Ok(counter_id) => {
                    record.local_sockaddr_counter_ids.push((message.correlation_id, counter_id))
                }
                Err(e) => {
                    return Err(generic(format!(
                        "cannot allocate rcv-local-sockaddr counter: {e}: channel={}",
                        message.channel
                    )));
                }
            }
            record.destinations.push((message.correlation_id, message.channel.to_owned()));
            let _ = network.to_receiver.send(ReceiverCommand::AddDestination {
                endpoint_id,
                transport,
                destination_registration_id: message.correlation_id,
            });
        } else {
            let Some(index) = record.destinations.iter().position(|(_, c)| c == message.channel) else {
                return Err(generic(format!("unknown destination: channel={}", message.channel)));
            };
            let (destination_registration_id, _) = record.destinations.swap_remove(index);
            if let Some(position) = record
                .local_sockaddr_counter_ids
                .iter()
                .position(|(id, _)| *id == destination_registration_id)
            {
                let (_, counter_id) = record.local_sockaddr_counter_ids.swap_remove(position);
                self.counters.free(counter_id, self.now_ms);
            }
            let _ = network
                .to_receiver
                .send(ReceiverCommand::RemoveDestination { endpoint_id, destination_registration_id });
        }
        let result = self.client_proxy.operation_succeeded(message.correlation_id);
        self.respond(result);
        Ok(())
    }

    // ---------------------------------------------------------------------------------------------------
    // Spies

    fn link_spies_to(&mut self, publication_id: i64) {
        for subscription_index in 0..self.subscriptions.len() {
            if matches!(self.subscriptions[subscription_index].kind, SubscriptionKind::Spy { .. }) {
                self.link_spy(subscription_index, publication_id);
            }
        }
    }

    fn link_spy(&mut self, subscription_index: usize, publication_id: i64) {
        let now_ms = self.now_ms;
        let Some(network) = self.network.as_mut() else { return };
        let Some(publication) =
            network.publications.iter_mut().find(|p| p.registration_id() == publication_id)
        else {
            return;
        };
        let subscription = &mut self.subscriptions[subscription_index];
        let SubscriptionKind::Spy { canonical_form } = &subscription.kind else { return };
        if *canonical_form != publication.canonical_form
            || !subscription.matches(publication.stream_id(), publication.session_id())
            || subscription.is_linked(publication_id)
            || publication.state() != PublicationState::Active
        {
            return;
        }
        let join_position = self.counters.counter(publication.sender_position_id()).get_volatile();
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
                let text = format!("cannot link spy {}: {e}", subscription.registration_id);
                self.record_error(&text);
                return;
            }
        };
        self.counters.set_counter_reference_id(counter_id, publication_id);
        let position = self.counters.counter(counter_id);
        position.set_ordered(join_position);
        subscription.linked_publications.push(publication_id);
        publication.spies.push(Spy {
            subscription_registration_id: subscription.registration_id,
            position: position.clone(),
        });
        let _ = network.to_sender.send(SenderCommand::AddSpy { registration_id: publication_id, position });
        let ready = ImageBuffersReady {
            correlation_id: publication_id,
            session_id: publication.session_id(),
            stream_id: publication.stream_id(),
            subscription_registration_id: subscription.registration_id,
            subscriber_position_id: counter_id,
            log_file_name: publication.log_name(),
            source_identity: crate::driver_conductor::IPC_SOURCE_IDENTITY,
        };
        let result = self.client_proxy.on_available_image(&ready);
        self.respond(result);
    }

    // ---------------------------------------------------------------------------------------------------
    // Events from the sender and receiver

    /// Applies the sender's and receiver's events. Returns how many.
    pub(super) fn process_network_events(&mut self) -> usize {
        let mut work = 0;
        while let Some(event) = self.network.as_ref().and_then(|n| n.events.try_recv().ok()) {
            work += 1;
            match event {
                ConductorEvent::CreateImage { endpoint_id, request } => {
                    self.on_create_image(endpoint_id, &request)
                }
                ConductorEvent::ImageLinger { correlation_id } => self.on_image_linger(correlation_id),
                ConductorEvent::ImageDone { correlation_id } => self.on_image_done(correlation_id),
                ConductorEvent::PublicationRemoved { registration_id } => {
                    self.on_publication_removed(registration_id);
                }
            }
        }
        work
    }

    fn on_create_image(&mut self, endpoint_id: i64, request: &ImageRequest) {
        let setup = request.setup;
        let fail = |conductor: &mut Self, reason: Option<String>| {
            if let Some(reason) = reason {
                conductor.record_error(&reason);
            }
            if let Some(network) = conductor.network.as_ref() {
                network.receive(ReceiverCommand::CreateImageFailed {
                    endpoint_id,
                    stream_id: setup.stream_id,
                    session_id: setup.session_id,
                });
            }
        };
        let subscription_indices: Vec<usize> = (0..self.subscriptions.len())
            .filter(|&i| {
                self.subscriptions[i].kind == SubscriptionKind::Network { endpoint_id }
                    && self.subscriptions[i].matches(setup.stream_id, setup.session_id)
            })
            .collect();
        let Some(&first) = subscription_indices.first() else {
            fail(self, None);
            return;
        };
        let Some(record) = self
            .network
            .as_ref()
            .and_then(|n| n.receive_endpoints.iter().find(|e| e.endpoint_id == endpoint_id))
        else {
            fail(self, None);
            return;
        };
        let receiver_id = record.receiver_id;
        let is_multi_destination = record.is_multi_destination;
        let initial_window = record.channel.receiver_window_length.unwrap_or(self.ctx.initial_window_length);
        if logbuffer::check_term_length(setup.term_length).is_err()
            || logbuffer::check_mtu_length(setup.mtu).is_err()
            || media::defaults::receiver_window_length(setup.term_length, initial_window) < setup.mtu
        {
            let reason = format!(
                "image rejected: term length {} / mtu {} not acceptable for window {initial_window}",
                setup.term_length, setup.mtu
            );
            fail(self, Some(reason));
            return;
        }
        let subscription = &self.subscriptions[first];
        let is_group = ParsedChannel::parse(&subscription.channel)
            .ok()
            .and_then(|c| c.get("group").map(|g| g == "true"))
            .unwrap_or(setup.has_group_semantics());
        let is_reliable = subscription.params.is_reliable;
        let correlation_id = self.to_driver.next_correlation_id();
        let log_name = format!("images/{correlation_id}.logbuffer");
        let mut log_params = PublicationImageReceiver::log_params(&setup, correlation_id);
        log_params.page_size = self.ctx.file_page_size;
        log_params.group = is_group;
        let log_length = logbuffer::compute_log_length(setup.term_length, self.ctx.file_page_size);
        if self.ctx.memory_store.exists(&log_name) {
            self.ctx.memory_store.remove(&log_name);
        }
        let log = match self
            .ctx
            .memory_store
            .create(&log_name, log_length)
            .map_err(|e| e.to_string())
            .and_then(|buffer| LogBuffer::initialize(buffer, &log_params).map_err(|e| e.to_string()))
        {
            Ok(log) => log,
            Err(e) => {
                self.ctx.memory_store.remove(&log_name);
                fail(self, Some(format!("cannot create image log {log_name}: {e}")));
                return;
            }
        };
        let now_ms = self.now_ms;
        let channel = self.subscriptions[first].channel.clone();
        let spec = |name, type_id| StreamCounterSpec {
            name,
            type_id,
            client_id: 0,
            registration_id: correlation_id,
            session_id: setup.session_id,
            stream_id: setup.stream_id,
            channel: &channel,
            join_position: None,
        };
        let hwm_id =
            allocate_stream_counter(&mut self.counters, &spec("rcv-hwm", RECEIVER_HWM_TYPE_ID), now_ms);
        let pos_id =
            allocate_stream_counter(&mut self.counters, &spec("rcv-pos", RECEIVER_POSITION_TYPE_ID), now_ms);
        let (hwm_id, pos_id) = match (hwm_id, pos_id) {
            (Ok(h), Ok(p)) => (h, p),
            (h, p) => {
                for id in [h.ok(), p.ok()].into_iter().flatten() {
                    self.counters.free(id, now_ms);
                }
                self.ctx.memory_store.remove(&log_name);
                fail(self, Some(format!("cannot allocate image counters for {log_name}")));
                return;
            }
        };

        let network = self.network.as_mut().expect("checked");
        let mut config =
            ImageConfig::new(receiver_id, DelayGenerator::for_nak(is_group, network.prng.fork()));
        config.group_tag = record_group_tag(network, endpoint_id);
        config.initial_window_length = initial_window;
        config.is_reliable = is_reliable;
        config.status_message_timeout_ns = self.ctx.status_message_timeout_ns;
        config.image_liveness_timeout_ns = self.ctx.image_liveness_timeout_ns;
        config.is_multi_destination = is_multi_destination;
        let receiver = PublicationImageReceiver::new(
            log,
            &setup,
            request.control_address,
            request.transport_index,
            config,
            self.now_ns,
        );
        let join_position = receiver.join_position();
        let hwm = self.counters.counter(hwm_id);
        let rebuild = self.counters.counter(pos_id);
        hwm.set_ordered(join_position);
        rebuild.set_ordered(join_position);
        network.images.push(PublicationImage {
            correlation_id,
            endpoint_id,
            session_id: setup.session_id,
            stream_id: setup.stream_id,
            log_name,
            source_identity: request.source_address.to_string(),
            subscribers: Vec::new(),
            hwm: hwm.clone(),
            rebuild: rebuild.clone(),
            is_lingering: false,
        });
        let mut positions = Vec::with_capacity(subscription_indices.len());
        for index in subscription_indices {
            if let Some(position) = self.link_image(index, correlation_id, join_position) {
                positions.push(position);
            }
        }
        let image = ReceiverImage::new(correlation_id, endpoint_id, receiver, positions, hwm, rebuild);
        self.network
            .as_ref()
            .expect("checked")
            .receive(ReceiverCommand::AddImage { endpoint_id, image: Box::new(image) });
    }

    fn on_image_linger(&mut self, correlation_id: i64) {
        let Some(network) = self.network.as_mut() else { return };
        let Some(image) = network.images.iter_mut().find(|i| i.correlation_id == correlation_id) else {
            return;
        };
        image.is_lingering = true;
        let (endpoint_id, stream_id, session_id) = (image.endpoint_id, image.stream_id, image.session_id);
        let rejoin =
            self.subscriptions.iter().filter(|s| s.is_linked(correlation_id)).all(|s| s.params.is_rejoin);
        self.notify_unavailable_images(correlation_id, false);
        if rejoin && let Some(network) = self.network.as_ref() {
            network.receive(ReceiverCommand::RemoveCoolDown { endpoint_id, stream_id, session_id });
        }
    }

    fn on_image_done(&mut self, correlation_id: i64) {
        let Some(network) = self.network.as_mut() else { return };
        let Some(index) = network.images.iter().position(|i| i.correlation_id == correlation_id) else {
            return;
        };
        let image = network.images.swap_remove(index);
        let now_ms = self.now_ms;
        for subscription in &mut self.subscriptions {
            subscription.unlink(correlation_id);
        }
        for subscriber in &image.subscribers {
            self.counters.free(subscriber.position.id(), now_ms);
        }
        self.counters.free(image.hwm.id(), now_ms);
        self.counters.free(image.rebuild.id(), now_ms);
        self.ctx.memory_store.remove(&image.log_name);
    }

    /// Removes every network log (driver shutdown).
    pub(super) fn remove_network_logs(&mut self) {
        let Some(network) = self.network.as_ref() else { return };
        for publication in &network.publications {
            self.ctx.memory_store.remove(publication.log_name());
        }
        for image in &network.images {
            self.ctx.memory_store.remove(&image.log_name);
        }
    }

    /// True if a network publication of `stream_id` uses `session_id` and is not finished.
    /// Whether an active network publication of `(session_id, stream_id)` has a channel `same_channel`
    /// accepts.
    pub(super) fn network_publications_clash(
        &self,
        session_id: i32,
        stream_id: i32,
        same_channel: impl Fn(&str) -> bool,
    ) -> bool {
        self.network.as_ref().is_some_and(|network| {
            network.publications.iter().any(|p| {
                p.session_id() == session_id
                    && p.stream_id() == stream_id
                    && matches!(p.state(), PublicationState::Active | PublicationState::Draining)
                    && same_channel(p.channel())
            })
        })
    }
}

fn record_group_tag(network: &NetworkState, endpoint_id: i64) -> Option<i64> {
    network.receive_endpoints.iter().find(|e| e.endpoint_id == endpoint_id).and_then(|e| e.channel.group_tag)
}

/// Which side of a channel an endpoint serves (selects counter names and type ids).
#[derive(Clone, Copy)]
enum EndpointSide {
    Send,
    Receive,
}

/// Allocates an endpoint's channel status counter and, with `local_address`, the local socket address
/// counter of its socket. Returns (status id, socket address id or `NO_ID_ALLOCATED`); frees what it
/// allocated on failure.
fn allocate_endpoint_counters(
    counters: &mut CountersManager,
    side: EndpointSide,
    registration_id: i64,
    uri: &str,
    local_address: &str,
    now_ms: i64,
) -> Result<(i32, i32), ControlError> {
    let (status_name, status_type, address_name, address_type) = match side {
        EndpointSide::Send => {
            ("snd-channel", SEND_CHANNEL_STATUS_TYPE_ID, "snd-local-sockaddr", SEND_LOCAL_SOCKADDR_TYPE_ID)
        }
        EndpointSide::Receive => (
            "rcv-channel",
            RECEIVE_CHANNEL_STATUS_TYPE_ID,
            "rcv-local-sockaddr",
            RECEIVE_LOCAL_SOCKADDR_TYPE_ID,
        ),
    };
    let full = |e| generic(format!("cannot allocate channel status counters: {e}: channel={uri}"));
    let status_id = allocate_channel_status(counters, status_name, status_type, registration_id, uri, now_ms)
        .map_err(full)?;
    if local_address.is_empty() {
        return Ok((status_id, NO_ID_ALLOCATED));
    }
    match allocate_local_sockaddr(
        counters,
        address_name,
        address_type,
        registration_id,
        status_id,
        local_address,
        now_ms,
    ) {
        Ok(address_id) => Ok((status_id, address_id)),
        Err(e) => {
            counters.free(status_id, now_ms);
            Err(full(e))
        }
    }
}
