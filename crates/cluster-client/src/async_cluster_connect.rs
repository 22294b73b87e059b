//! [`AsyncClusterConnect`]: the non-blocking connect handshake of a cluster client (Aeron
//! `AeronCluster.AsyncConnect`, reference §6.2).
//!
//! How to drive it: create with [`AeronCluster::async_connect`](crate::AeronCluster::async_connect) and
//! call [`AsyncClusterConnect::poll`] with the current time until it returns the client or an error,
//! keeping the driver running in between (each poll also runs the Aeron client's conductor once).
//!
//! Invariants:
//! - One overall deadline: `message_timeout_ns` from creation; past it, the next poll fails with
//!   [`ClusterClientError::ConnectTimeout`].
//! - With ingress endpoints, one publication per member is added and the first that connects carries
//!   the connect request; after a `REDIRECT` only the named leader's publication is used (a publication
//!   already pointing at the leader's endpoint is kept).
//! - Only an answer carrying the correlation id of the last request sent is acted upon; everything else
//!   on egress is skipped, undecodable bytes included (never a panic).
//! - After the client was handed out or an error was returned, the attempt is finished: resources not
//!   handed to the client are closed and later polls return [`ClusterClientError::Closed`].

use client::{ControlledPollAction, ExclusivePublication, Header, Subscription};
use protocol::cluster::{
    CLIENT_PROTOCOL_SEMANTIC_VERSION, ChallengeResponse, ClusterMessage, EventCode, SessionConnectRequest,
    decode_any,
};
use protocol::command::error_code::RESOURCE_TEMPORARILY_UNAVAILABLE;

use crate::aeron_cluster::ConnectedParts;
use crate::ingress_endpoints::{channel_for_endpoint, parse_ingress_endpoints, response_channel};
use crate::response_assembler::ResponseAssembler;
use crate::{
    AeronCluster, ClusterClientContext, ClusterClientError, ConnectState, EGRESS_FRAGMENT_LIMIT,
    LEADER_HEARTBEAT_TIMEOUT_NS_DEFAULT,
};

/// Aeron's `NULL_VALUE`.
const NULL_VALUE: i64 = -1;

/// One member's ingress publication during the handshake.
#[derive(Debug)]
struct MemberIngress {
    member_id: i32,
    channel: String,
    registration_id: Option<i64>,
    publication: Option<ExclusivePublication>,
    failure: Option<String>,
}

impl MemberIngress {
    fn new(member_id: i32, channel: String) -> Self {
        Self { member_id, channel, registration_id: None, publication: None, failure: None }
    }

    /// Adds (once) and polls the publication. Returns a fatal error only when `fatal` (no endpoints).
    fn progress(&mut self, ctx: &ClusterClientContext, fatal: bool) -> Result<(), ClusterClientError> {
        if self.publication.is_some() || self.failure.is_some() {
            return Ok(());
        }
        let aeron = &ctx.aeron;
        let registration = match self.registration_id {
            Some(id) => Ok(id),
            None => aeron.async_add_exclusive_publication(&self.channel, ctx.ingress_stream_id),
        };
        if let Ok(id) = registration {
            self.registration_id = Some(id);
        }
        match registration.and_then(|id| aeron.poll_exclusive_publication(id)) {
            Ok(None) => Ok(()),
            Ok(Some(publication)) => {
                self.registration_id = None;
                self.publication = Some(publication);
                Ok(())
            }
            Err(client::ClientError::Registration { code, .. })
                if code == RESOURCE_TEMPORARILY_UNAVAILABLE =>
            {
                self.registration_id = None;
                Ok(())
            }
            Err(error) if fatal => Err(error.into()),
            Err(error) => {
                self.registration_id = None;
                self.failure = Some(error.to_string());
                Ok(())
            }
        }
    }

    fn is_connected(&self) -> bool {
        self.publication.as_ref().is_some_and(ExclusivePublication::is_connected)
    }
}

/// An answer to the last request, copied out of the egress.
#[derive(Debug)]
enum Response {
    Challenge {
        cluster_session_id: i64,
        encoded_challenge: Vec<u8>,
    },
    Event {
        code: EventCode,
        cluster_session_id: i64,
        leadership_term_id: i64,
        leader_member_id: i32,
        leader_heartbeat_timeout_ns: i64,
        detail: String,
        egress_session_id: i32,
    },
}

/// A connect handshake in progress. See the module docs.
pub struct AsyncClusterConnect {
    ctx: Option<ClusterClientContext>,
    state: ConnectState,
    finished: bool,
    deadline_ns: i64,
    response_channel: String,
    egress_registration_id: Option<i64>,
    egress_subscription: Option<Subscription>,
    members: Vec<MemberIngress>,
    has_endpoints: bool,
    ingress_index: Option<usize>,
    redirect_leader: Option<i32>,
    correlation_id: i64,
    cluster_session_id: i64,
    leadership_term_id: i64,
    leader_member_id: i32,
    leader_heartbeat_timeout_ns: i64,
    egress_session_id: i32,
    message: Vec<u8>,
    assembler: ResponseAssembler,
}

impl std::fmt::Debug for AsyncClusterConnect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncClusterConnect")
            .field("state", &self.state)
            .field("finished", &self.finished)
            .field("deadline_ns", &self.deadline_ns)
            .field("correlation_id", &self.correlation_id)
            .field("cluster_session_id", &self.cluster_session_id)
            .field("leader_member_id", &self.leader_member_id)
            .finish_non_exhaustive()
    }
}

impl AsyncClusterConnect {
    /// Checks the configuration and starts the handshake; the deadline is now + message timeout.
    pub(crate) fn new(ctx: ClusterClientContext) -> Result<Self, ClusterClientError> {
        let invalid = |reason: String| ClusterClientError::InvalidConfiguration { reason };
        if ctx.ingress_channel.is_empty() {
            return Err(invalid("ingress channel is required".to_owned()));
        }
        if ctx.egress_channel.is_empty() {
            return Err(invalid("egress channel is required".to_owned()));
        }
        let response_channel = response_channel(&ctx.egress_channel).map_err(invalid)?;
        let members = match &ctx.ingress_endpoints {
            None => vec![MemberIngress::new(NULL_VALUE as i32, ctx.ingress_channel.clone())],
            Some(endpoints) => {
                if ctx.ingress_channel.starts_with("aeron:ipc") {
                    return Err(invalid(format!(
                        "ingress endpoints {endpoints:?} cannot be used with an IPC ingress channel"
                    )));
                }
                let mut members = Vec::new();
                for member in parse_ingress_endpoints(endpoints).map_err(invalid)? {
                    let channel = channel_for_endpoint(&ctx.ingress_channel, Some(&member.endpoint))
                        .map_err(invalid)?;
                    members.push(MemberIngress::new(member.member_id, channel));
                }
                members
            }
        };
        let has_endpoints = ctx.ingress_endpoints.is_some();
        let deadline_ns = ctx.now_ns().wrapping_add(ctx.message_timeout_ns);
        Ok(Self {
            ctx: Some(ctx),
            state: ConnectState::CreateEgressSubscription,
            finished: false,
            deadline_ns,
            response_channel,
            egress_registration_id: None,
            egress_subscription: None,
            members,
            has_endpoints,
            ingress_index: None,
            redirect_leader: None,
            correlation_id: NULL_VALUE,
            cluster_session_id: NULL_VALUE,
            leadership_term_id: NULL_VALUE,
            leader_member_id: NULL_VALUE as i32,
            leader_heartbeat_timeout_ns: NULL_VALUE,
            egress_session_id: 0,
            message: Vec::new(),
            assembler: ResponseAssembler::default(),
        })
    }

    /// The step reached.
    pub fn state(&self) -> ConnectState {
        self.state
    }

    /// Aeron's step number of [`AsyncClusterConnect::state`].
    pub fn step(&self) -> i32 {
        self.state.step()
    }

    /// The deadline of the handshake on the context's clock.
    pub fn deadline_ns(&self) -> i64 {
        self.deadline_ns
    }

    /// The current time of the context's clock (the connect's own clock).
    pub fn now_ns(&self) -> i64 {
        self.ctx.as_ref().map_or(0, ClusterClientContext::now_ns)
    }

    /// One blocking-wait iteration with the context's invoker, Aeron conductor and idle strategy.
    pub(crate) fn wait_step(&mut self) {
        if let Some(ctx) = self.ctx.as_mut() {
            ctx.wait_step();
        }
    }

    /// Advances the handshake at `now_ns`: `Ok(None)` while in progress, `Ok(Some(client))` once
    /// connected, an error if it failed (then the attempt is finished and its resources closed).
    ///
    /// Errors: [`ClusterClientError::ConnectTimeout`], [`ClusterClientError::Rejected`] (`ERROR`),
    /// [`ClusterClientError::AuthenticationRejected`], [`ClusterClientError::Cluster`] (connection lost
    /// while sending, redirect to an unknown leader), [`ClusterClientError::Client`] (the driver refused
    /// the egress subscription or the only ingress publication), [`ClusterClientError::Closed`] after the
    /// attempt finished.
    pub fn poll(&mut self, now_ns: i64) -> Result<Option<AeronCluster>, ClusterClientError> {
        if self.finished {
            return Err(ClusterClientError::Closed);
        }
        match self.step_once(now_ns) {
            Ok(None) => Ok(None),
            Ok(Some(cluster)) => {
                self.finished = true;
                self.state = ConnectState::Done;
                Ok(Some(cluster))
            }
            Err(error) => {
                self.finished = true;
                self.release();
                Err(error)
            }
        }
    }

    fn step_once(&mut self, now_ns: i64) -> Result<Option<AeronCluster>, ClusterClientError> {
        let Some(ctx) = self.ctx.as_ref() else {
            return Err(ClusterClientError::Closed);
        };
        if now_ns.wrapping_sub(self.deadline_ns) > 0 {
            return Err(self.timeout_error(ctx));
        }
        ctx.aeron.conductor_do_work(now_ns);
        match self.state {
            ConnectState::CreateEgressSubscription => self.create_egress_subscription()?,
            ConnectState::CreateIngressPublications => self.create_ingress_publications()?,
            ConnectState::AwaitPublicationConnected => self.await_publication_connected()?,
            ConnectState::SendMessage => self.send_message()?,
            ConnectState::PollResponse => self.poll_response()?,
            ConnectState::ConcludeConnect => return self.conclude().map(Some),
            ConnectState::Done => return Err(ClusterClientError::Closed),
        }
        Ok(None)
    }

    fn ctx(&self) -> Result<&ClusterClientContext, ClusterClientError> {
        self.ctx.as_ref().ok_or(ClusterClientError::Closed)
    }

    fn timeout_error(&self, ctx: &ClusterClientContext) -> ClusterClientError {
        let mut detail = format!(
            "ingress_channel={:?} ingress_endpoints={:?} egress_channel={:?} egress_subscribed={}",
            ctx.ingress_channel,
            ctx.ingress_endpoints,
            ctx.egress_channel,
            self.egress_subscription.is_some(),
        );
        for member in &self.members {
            detail.push_str(&format!(
                " member {}: {}",
                member.member_id,
                match (&member.failure, &member.publication) {
                    (Some(failure), _) => failure.clone(),
                    (None, Some(p)) if p.is_connected() => "connected".to_owned(),
                    (None, Some(_)) => "not connected".to_owned(),
                    (None, None) => "no publication".to_owned(),
                }
            ));
        }
        ClusterClientError::ConnectTimeout {
            state: self.state,
            message_timeout_ns: ctx.message_timeout_ns,
            detail,
        }
    }

    fn create_egress_subscription(&mut self) -> Result<(), ClusterClientError> {
        let ctx = self.ctx.as_ref().ok_or(ClusterClientError::Closed)?;
        let registration_id = match self.egress_registration_id {
            Some(id) => id,
            None => {
                let id = ctx.aeron.async_add_subscription(&ctx.egress_channel, ctx.egress_stream_id)?;
                self.egress_registration_id = Some(id);
                id
            }
        };
        match ctx.aeron.poll_subscription(registration_id) {
            Ok(None) => {}
            Ok(Some(subscription)) => {
                self.egress_registration_id = None;
                self.egress_subscription = Some(subscription);
                self.state = ConnectState::CreateIngressPublications;
            }
            Err(client::ClientError::Registration { code, .. })
                if code == RESOURCE_TEMPORARILY_UNAVAILABLE =>
            {
                self.egress_registration_id = None;
            }
            Err(error) => return Err(error.into()),
        }
        Ok(())
    }

    fn create_ingress_publications(&mut self) -> Result<(), ClusterClientError> {
        if self.has_endpoints {
            self.state = ConnectState::AwaitPublicationConnected;
            return Ok(());
        }
        let ctx = self.ctx.as_ref().ok_or(ClusterClientError::Closed)?;
        let member = &mut self.members[0];
        member.progress(ctx, true)?;
        if member.publication.is_some() {
            self.state = ConnectState::AwaitPublicationConnected;
        }
        Ok(())
    }

    fn await_publication_connected(&mut self) -> Result<(), ClusterClientError> {
        let ctx = self.ctx.as_ref().ok_or(ClusterClientError::Closed)?;
        let fatal = !self.has_endpoints;
        let mut chosen = None;
        for (index, member) in self.members.iter_mut().enumerate() {
            if self.redirect_leader.is_some_and(|leader| leader != member.member_id) {
                continue;
            }
            member.progress(ctx, fatal)?;
            if member.is_connected() {
                chosen = Some(index);
                break;
            }
        }
        if let Some(index) = chosen {
            self.ingress_index = Some(index);
            self.prepare_connect_request()?;
        }
        Ok(())
    }

    fn prepare_connect_request(&mut self) -> Result<(), ClusterClientError> {
        let ctx = self.ctx()?;
        let correlation_id = ctx.aeron.next_correlation_id();
        let client_info = format!("name={} version={}", ctx.client_name, env!("CARGO_PKG_VERSION"));
        let request = SessionConnectRequest {
            correlation_id,
            response_stream_id: ctx.egress_stream_id,
            version: CLIENT_PROTOCOL_SEMANTIC_VERSION,
            response_channel: &self.response_channel,
            encoded_credentials: &ctx.credentials,
            client_info: &client_info,
        };
        let mut message = vec![0u8; request.encoded_length()];
        request.encode(&mut message).map_err(|e| ClusterClientError::InvalidConfiguration {
            reason: format!("connect request cannot be encoded: {e}"),
        })?;
        self.message = message;
        self.correlation_id = correlation_id;
        self.state = ConnectState::SendMessage;
        Ok(())
    }

    fn prepare_challenge_response(&mut self, encoded_challenge: &[u8]) -> Result<(), ClusterClientError> {
        let ctx = self.ctx.as_mut().ok_or(ClusterClientError::Closed)?;
        let credentials = ctx.answer_challenge(encoded_challenge);
        let correlation_id = ctx.aeron.next_correlation_id();
        let response = ChallengeResponse {
            correlation_id,
            cluster_session_id: self.cluster_session_id,
            encoded_credentials: &credentials,
        };
        let mut message = vec![0u8; response.encoded_length()];
        response.encode(&mut message).map_err(|e| ClusterClientError::Cluster {
            reason: format!("challenge response cannot be encoded: {e}"),
        })?;
        self.message = message;
        self.correlation_id = correlation_id;
        self.state = ConnectState::SendMessage;
        Ok(())
    }

    fn send_message(&mut self) -> Result<(), ClusterClientError> {
        let publication = self
            .ingress_index
            .and_then(|index| self.members.get_mut(index))
            .and_then(|member| member.publication.as_mut())
            .ok_or_else(|| ClusterClientError::Cluster { reason: "no ingress publication".to_owned() })?;
        match publication.offer(&self.message) {
            Ok(_) => self.state = ConnectState::PollResponse,
            Err(client::OfferError::NotConnected | client::OfferError::Closed) => {
                return Err(ClusterClientError::Cluster {
                    reason: "unexpected loss of connection to cluster".to_owned(),
                });
            }
            Err(client::OfferError::MaxPositionExceeded) => {
                return Err(ClusterClientError::Cluster {
                    reason: "ingress publication reached its maximum position".to_owned(),
                });
            }
            Err(_) => {}
        }
        Ok(())
    }

    fn poll_response(&mut self) -> Result<(), ClusterClientError> {
        let correlation_id = self.correlation_id;
        let mut response = None;
        let Some(subscription) = self.egress_subscription.as_mut() else {
            return Err(ClusterClientError::Closed);
        };
        let assembler = &mut self.assembler;
        subscription.controlled_poll(
            &mut |fragment: &[u8], header: &Header| {
                assembler.on_fragment(fragment, header, &mut |message: &[u8], header: &Header| {
                    match read_response(message, header, correlation_id) {
                        Some(found) => {
                            response = Some(found);
                            ControlledPollAction::Break
                        }
                        None => ControlledPollAction::Continue,
                    }
                })
            },
            EGRESS_FRAGMENT_LIMIT,
        );
        match response {
            None => Ok(()),
            Some(Response::Challenge { cluster_session_id, encoded_challenge }) => {
                self.cluster_session_id = cluster_session_id;
                self.prepare_challenge_response(&encoded_challenge)
            }
            Some(Response::Event {
                code,
                cluster_session_id,
                leadership_term_id,
                leader_member_id,
                leader_heartbeat_timeout_ns,
                detail,
                egress_session_id,
            }) => match code {
                EventCode::Ok => {
                    self.cluster_session_id = cluster_session_id;
                    self.leadership_term_id = leadership_term_id;
                    self.leader_member_id = leader_member_id;
                    self.leader_heartbeat_timeout_ns = leader_heartbeat_timeout_ns;
                    self.egress_session_id = egress_session_id;
                    self.state = ConnectState::ConcludeConnect;
                    Ok(())
                }
                EventCode::Error => Err(ClusterClientError::Rejected { detail }),
                EventCode::AuthenticationRejected => {
                    Err(ClusterClientError::AuthenticationRejected { detail })
                }
                EventCode::Redirect => self.redirect(leader_member_id, &detail),
                EventCode::Closed | EventCode::Unknown(_) => Ok(()),
            },
        }
    }

    /// A `REDIRECT`: reconnect to `leader_member_id` at its endpoint in `detail`.
    fn redirect(&mut self, leader_member_id: i32, detail: &str) -> Result<(), ClusterClientError> {
        let ctx = self.ctx()?;
        let endpoints = parse_ingress_endpoints(detail)
            .map_err(|reason| ClusterClientError::Cluster { reason: format!("redirect: {reason}") })?;
        let leader = endpoints.iter().find(|m| m.member_id == leader_member_id).ok_or_else(|| {
            ClusterClientError::Cluster {
                reason: format!("redirect to leader {leader_member_id} not in endpoints {detail:?}"),
            }
        })?;
        let channel = channel_for_endpoint(&ctx.ingress_channel, Some(&leader.endpoint))
            .map_err(|reason| ClusterClientError::Cluster { reason: format!("redirect: {reason}") })?;
        let mut kept = None;
        for mut member in self.members.drain(..) {
            if kept.is_none()
                && member.member_id == leader_member_id
                && member.failure.is_none()
                && member.channel == channel
            {
                kept = Some(member);
            } else if let Some(mut publication) = member.publication.take() {
                publication.close();
            }
        }
        let mut leader_ingress = kept.unwrap_or_else(|| MemberIngress::new(leader_member_id, channel));
        leader_ingress.failure = None;
        self.members.push(leader_ingress);
        self.leader_member_id = leader_member_id;
        self.redirect_leader = Some(leader_member_id);
        self.ingress_index = None;
        self.state = ConnectState::AwaitPublicationConnected;
        Ok(())
    }

    fn conclude(&mut self) -> Result<AeronCluster, ClusterClientError> {
        let publication = self
            .ingress_index
            .and_then(|index| self.members.get_mut(index))
            .and_then(|member| member.publication.take())
            .ok_or(ClusterClientError::Closed)?;
        let mut subscription = self.egress_subscription.take().ok_or(ClusterClientError::Closed)?;
        let ctx = self.ctx.take().ok_or(ClusterClientError::Closed)?;
        self.release();
        let egress_image = subscription.image_by_session_id(self.egress_session_id).cloned();
        let heartbeat_timeout_ns = if self.leader_heartbeat_timeout_ns > 0 {
            self.leader_heartbeat_timeout_ns
        } else {
            LEADER_HEARTBEAT_TIMEOUT_NS_DEFAULT
        };
        let new_leader_timeout_ns =
            ctx.new_leader_timeout_ns.unwrap_or(heartbeat_timeout_ns.saturating_mul(2));
        Ok(AeronCluster::from_parts(ConnectedParts {
            ctx,
            publication,
            subscription,
            egress_image,
            cluster_session_id: self.cluster_session_id,
            leadership_term_id: self.leadership_term_id,
            leader_member_id: self.leader_member_id,
            new_leader_timeout_ns,
        }))
    }

    /// Closes every resource still held (publications not handed out, the egress subscription).
    fn release(&mut self) {
        for member in &mut self.members {
            if let Some(mut publication) = member.publication.take() {
                publication.close();
            }
        }
        self.members.clear();
        if let Some(mut subscription) = self.egress_subscription.take() {
            subscription.close();
        }
    }
}

/// The answer to `correlation_id` in one egress message, if it is one.
fn read_response(message: &[u8], header: &Header, correlation_id: i64) -> Option<Response> {
    match decode_any(message) {
        Ok(ClusterMessage::Challenge(challenge)) if challenge.correlation_id == correlation_id => {
            Some(Response::Challenge {
                cluster_session_id: challenge.cluster_session_id,
                encoded_challenge: challenge.encoded_challenge.to_vec(),
            })
        }
        Ok(ClusterMessage::SessionEvent(event)) if event.correlation_id == correlation_id => {
            Some(Response::Event {
                code: event.code,
                cluster_session_id: event.cluster_session_id,
                leadership_term_id: event.leadership_term_id,
                leader_member_id: event.leader_member_id,
                leader_heartbeat_timeout_ns: event.leader_heartbeat_timeout_ns,
                detail: event.detail.to_owned(),
                egress_session_id: header.session_id(),
            })
        }
        _ => None,
    }
}
