//! [`AeronCluster`]: a connected cluster client session (Aeron `AeronCluster`, reference §6.3, §6.4).
//!
//! How to drive it: obtain one from [`AeronCluster::connect`] (blocking) or an
//! [`AsyncClusterConnect`]; then [`AeronCluster::offer`] application messages, call
//! [`AeronCluster::poll_egress`] often (it delivers the service's answers and drives fail-over), send
//! [`AeronCluster::send_keep_alive`] more often than the cluster's session timeout when idle, and
//! [`AeronCluster::close`] when done. The Aeron client's conductor must keep running (a runner thread, or
//! `Aeron::conductor_do_work` from the application loop) so images appear and disappear.
//!
//! Invariants:
//! - Every ingress message carries the current leadership term id and the session id (32-byte
//!   `SessionMessageHeader`, timestamp 0); after a `NewLeaderEvent` the new term id is used.
//! - Only messages of this session reach the [`EgressListener`]; fragmented messages are reassembled;
//!   undecodable egress bytes never panic: they are ignored and counted.
//! - `offer`, `try_claim` and `poll_egress` in steady state (`Connected`) neither allocate nor lock;
//!   the fail-over path (new publication) does.
//! - State machine: `Connected` → (egress image closed, or ingress `NotConnected`/`Closed`) →
//!   `AwaitNewLeader` (deadline: new-leader timeout) → (`NewLeaderEvent`) → `AwaitNewLeaderConnection`
//!   (deadline: message timeout) → (first successful offer) → `Connected`. A `CLOSED` session event or
//!   `MaxPositionExceeded` → `PendingClose`; an expired deadline or `PendingClose` → `Closed` on the next
//!   poll. `Closed` is terminal.

use client::{
    BufferClaim, ClientError, ExclusivePublication, FragmentAssembler, Header, Image, OfferError,
    Subscription,
};
use protocol::cluster::{
    AdminRequest, AdminRequestType, ClusterMessage, EventCode, MessageHeader, SCHEMA_ID,
    SESSION_HEADER_LENGTH, SbeError, SessionCloseRequest, SessionKeepAlive, SessionMessageHeader, decode_any,
};
use protocol::command::error_code::RESOURCE_TEMPORARILY_UNAVAILABLE;

use crate::ingress_endpoints::{channel_for_endpoint, parse_ingress_endpoints};
use crate::{AsyncClusterConnect, ClientState, ClusterClientContext, ClusterClientError, EgressListener};

/// Most fragments one [`AeronCluster::poll_egress`] delivers (Aeron `FRAGMENT_LIMIT`).
pub const EGRESS_FRAGMENT_LIMIT: usize = 10;
/// Attempts of a keep-alive, admin request or close request while the ingress is back-pressured.
pub const SEND_ATTEMPTS: usize = 3;

/// Identity of the session as seen by the egress dispatch.
#[derive(Debug)]
struct SessionIdentity {
    cluster_session_id: i64,
    leadership_term_id: i64,
    leader_member_id: i32,
    header: [u8; SESSION_HEADER_LENGTH],
}

impl SessionIdentity {
    fn new(cluster_session_id: i64, leadership_term_id: i64, leader_member_id: i32) -> Self {
        let mut identity = Self {
            cluster_session_id,
            leadership_term_id,
            leader_member_id,
            header: [0; SESSION_HEADER_LENGTH],
        };
        identity.encode_header();
        identity
    }

    fn encode_header(&mut self) {
        let header = SessionMessageHeader {
            leadership_term_id: self.leadership_term_id,
            cluster_session_id: self.cluster_session_id,
            timestamp: 0,
        };
        // The array is exactly SESSION_HEADER_LENGTH bytes: the encode cannot fail.
        let _ = header.encode(&mut self.header);
    }
}

/// What a poll saw that changes the client's state (applied after the poll).
#[derive(Debug, Default)]
struct PollOutcome {
    pending_close: bool,
    new_leader: Option<NewLeader>,
    malformed: u64,
}

/// A `NewLeaderEvent` for this session.
#[derive(Debug)]
struct NewLeader {
    egress_session_id: i32,
    ingress_endpoints: String,
}

/// An ingress publication being added for a new leader.
#[derive(Debug)]
struct PendingIngress {
    channel: String,
    registration_id: Option<i64>,
}

/// A connected cluster session. See the module docs for how to drive it.
pub struct AeronCluster {
    ctx: ClusterClientContext,
    publication: Option<ExclusivePublication>,
    pending_ingress: Option<PendingIngress>,
    subscription: Subscription,
    assembler: FragmentAssembler,
    egress_image: Option<Image>,
    session: SessionIdentity,
    state: ClientState,
    state_deadline_ns: i64,
    new_leader_timeout_ns: i64,
    malformed_egress_count: u64,
    last_error: Option<ClusterClientError>,
}

impl std::fmt::Debug for AeronCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AeronCluster")
            .field("cluster_session_id", &self.session.cluster_session_id)
            .field("leadership_term_id", &self.session.leadership_term_id)
            .field("leader_member_id", &self.session.leader_member_id)
            .field("state", &self.state)
            .field("malformed_egress_count", &self.malformed_egress_count)
            .finish_non_exhaustive()
    }
}

/// Parts handed over by the connect handshake.
pub(crate) struct ConnectedParts {
    pub(crate) ctx: ClusterClientContext,
    pub(crate) publication: ExclusivePublication,
    pub(crate) subscription: Subscription,
    pub(crate) egress_image: Option<Image>,
    pub(crate) cluster_session_id: i64,
    pub(crate) leadership_term_id: i64,
    pub(crate) leader_member_id: i32,
    pub(crate) new_leader_timeout_ns: i64,
}

impl AeronCluster {
    /// Connects (blocking): runs an [`AsyncClusterConnect`] to completion, calling the context's agent
    /// invoker, the Aeron conductor and the idle strategy between steps. Bounded by the message timeout.
    ///
    /// Errors: [`ClusterClientError::ConnectTimeout`], [`ClusterClientError::Rejected`],
    /// [`ClusterClientError::AuthenticationRejected`], [`ClusterClientError::Cluster`],
    /// [`ClusterClientError::InvalidConfiguration`], [`ClusterClientError::Client`].
    pub fn connect(ctx: ClusterClientContext) -> Result<Self, ClusterClientError> {
        let mut connect = Self::async_connect(ctx)?;
        loop {
            let now_ns = connect.now_ns();
            if let Some(cluster) = connect.poll(now_ns)? {
                return Ok(cluster);
            }
            connect.wait_step();
        }
    }

    /// Starts a non-blocking connect; step it with [`AsyncClusterConnect::poll`]. Checks the
    /// configuration first ([`ClusterClientError::InvalidConfiguration`]).
    pub fn async_connect(ctx: ClusterClientContext) -> Result<AsyncClusterConnect, ClusterClientError> {
        AsyncClusterConnect::new(ctx)
    }

    pub(crate) fn from_parts(parts: ConnectedParts) -> Self {
        Self {
            ctx: parts.ctx,
            publication: Some(parts.publication),
            pending_ingress: None,
            subscription: parts.subscription,
            assembler: FragmentAssembler::new(4096),
            egress_image: parts.egress_image,
            session: SessionIdentity::new(
                parts.cluster_session_id,
                parts.leadership_term_id,
                parts.leader_member_id,
            ),
            state: ClientState::Connected,
            state_deadline_ns: 0,
            new_leader_timeout_ns: parts.new_leader_timeout_ns,
            malformed_egress_count: 0,
            last_error: None,
        }
    }

    /// The cluster session id assigned by the leader.
    pub fn cluster_session_id(&self) -> i64 {
        self.session.cluster_session_id
    }

    /// The current leadership term id (stamped on every ingress message).
    pub fn leadership_term_id(&self) -> i64 {
        self.session.leadership_term_id
    }

    /// The member id of the current leader.
    pub fn leader_member_id(&self) -> i32 {
        self.session.leader_member_id
    }

    /// The client's state.
    pub fn state(&self) -> ClientState {
        self.state
    }

    /// True once closed (by [`AeronCluster::close`], a `CLOSED` session event, or a lost cluster).
    pub fn is_closed(&self) -> bool {
        self.state == ClientState::Closed
    }

    /// How many egress messages could not be decoded (they were ignored).
    pub fn malformed_egress_count(&self) -> u64 {
        self.malformed_egress_count
    }

    /// The error that made the client close itself, if any (e.g. a new leader's ingress publication
    /// the driver refused).
    pub fn last_error(&self) -> Option<&ClusterClientError> {
        self.last_error.as_ref()
    }

    /// The new-leader timeout in force (configured, or twice the leader's heartbeat timeout).
    pub fn new_leader_timeout_ns(&self) -> i64 {
        self.new_leader_timeout_ns
    }

    /// The context the client was built from (channels, endpoints after a fail-over, the Aeron client).
    pub fn context(&self) -> &ClusterClientContext {
        &self.ctx
    }

    /// The current ingress publication (none while awaiting a new leader or closed).
    pub fn ingress_publication(&self) -> Option<&ExclusivePublication> {
        self.publication.as_ref()
    }

    /// The egress subscription.
    pub fn egress_subscription(&mut self) -> &mut Subscription {
        &mut self.subscription
    }

    /// Offers `payload` as one application message: the 32-byte session header (current term, session id,
    /// timestamp 0) gathered with the payload. Returns the new ingress position.
    ///
    /// Errors: Aeron's offer results; `NotConnected` while awaiting a new leader (keep polling egress),
    /// `Closed` once pending close or closed. `NotConnected`/`Closed` while connected start a fail-over.
    pub fn offer(&mut self, payload: &[u8]) -> Result<i64, OfferError> {
        let result = match (self.state, self.publication.as_mut()) {
            (ClientState::Connected | ClientState::AwaitNewLeaderConnection, Some(publication)) => {
                publication.offer_vectored(&[&self.session.header, payload])
            }
            (ClientState::PendingClose | ClientState::Closed, _) => Err(OfferError::Closed),
            _ => Err(OfferError::NotConnected),
        };
        self.track_ingress_result(result.map(|_| ()));
        result
    }

    /// Claims `length` payload bytes plus the 32-byte session header (already written) in the ingress
    /// log. Write the payload at `claim.payload_mut()[SESSION_HEADER_LENGTH..]`, then commit (or abort).
    ///
    /// Errors as [`AeronCluster::offer`]. A `NotConnected`/`Closed`/`MaxPositionExceeded` result changes
    /// the state at once and releases the publication on the next poll.
    pub fn try_claim(&mut self, length: usize) -> Result<BufferClaim<'_>, OfferError> {
        let state = self.state;
        if matches!(state, ClientState::PendingClose | ClientState::Closed) {
            return Err(OfferError::Closed);
        }
        if state == ClientState::AwaitNewLeader {
            return Err(OfferError::NotConnected);
        }
        let now_ns = self.ctx.now_ns();
        let Some(publication) = self.publication.as_mut() else {
            return Err(OfferError::NotConnected);
        };
        match publication.try_claim(length + SESSION_HEADER_LENGTH) {
            Ok(mut claim) => {
                claim.payload_mut()[..SESSION_HEADER_LENGTH].copy_from_slice(&self.session.header);
                if state == ClientState::AwaitNewLeaderConnection {
                    self.state = ClientState::Connected;
                    self.state_deadline_ns = 0;
                }
                Ok(claim)
            }
            Err(error) => {
                // The publication stays borrowed here: only the state moves; the poll releases it.
                if let Some((next, deadline_ns)) =
                    Self::state_after_error(state, error, now_ns, self.new_leader_timeout_ns)
                {
                    self.state = next;
                    self.state_deadline_ns = deadline_ns;
                }
                Err(error)
            }
        }
    }

    /// Sends a `SessionKeepAlive` (up to [`SEND_ATTEMPTS`] tries while back-pressured). Not automatic:
    /// send one more often than the cluster's session timeout when not sending messages. Returns false if
    /// not sent (back-pressured, awaiting a new leader, closed).
    pub fn send_keep_alive(&mut self) -> bool {
        let keep_alive = SessionKeepAlive {
            leadership_term_id: self.session.leadership_term_id,
            cluster_session_id: self.session.cluster_session_id,
        };
        self.send_encoded(keep_alive.encoded_length(), &|dst: &mut [u8]| keep_alive.encode(dst))
    }

    /// Asks the cluster to take a snapshot (`AdminRequest` SNAPSHOT); the answer comes to
    /// [`EgressListener::on_admin_response`] with `correlation_id`. Needs an authorised session (by
    /// default the cluster answers `UNAUTHORISED_ACCESS`). Returns false if not sent.
    pub fn send_admin_request_to_take_a_snapshot(&mut self, correlation_id: i64) -> bool {
        let request = AdminRequest {
            leadership_term_id: self.session.leadership_term_id,
            cluster_session_id: self.session.cluster_session_id,
            correlation_id,
            request_type: AdminRequestType::Snapshot,
            payload: &[],
        };
        self.send_encoded(request.encoded_length(), &|dst: &mut [u8]| request.encode(dst))
    }

    /// Polls the egress for up to [`EGRESS_FRAGMENT_LIMIT`] fragments and dispatches this session's
    /// messages to `listener`; then checks whether the leader's egress image closed, progresses a new
    /// leader's ingress publication, and applies state changes (closing the client when a deadline
    /// passed or the session was closed). Returns the work done; 0 once closed.
    pub fn poll_egress(&mut self, listener: &mut dyn EgressListener) -> usize {
        if self.state == ClientState::Closed {
            return 0;
        }
        self.release_stale_publication();
        let mut outcome = PollOutcome::default();
        let session = &mut self.session;
        let assembler = &mut self.assembler;
        let mut work_count = self.subscription.poll(
            &mut |fragment: &[u8], header: &Header| {
                assembler.on_fragment(fragment, header, &mut |message: &[u8], header: &Header| {
                    dispatch(session, listener, &mut outcome, message, header);
                });
            },
            EGRESS_FRAGMENT_LIMIT,
        );
        self.malformed_egress_count += outcome.malformed;
        if outcome.pending_close && self.state != ClientState::Closed {
            self.state = ClientState::PendingClose;
            self.state_deadline_ns = 0;
        }
        if let Some(new_leader) = outcome.new_leader
            && self.state != ClientState::PendingClose
        {
            self.on_new_leader(new_leader);
            work_count += 1;
        }
        if self.egress_image.as_ref().is_some_and(Image::is_closed)
            && matches!(self.state, ClientState::Connected | ClientState::AwaitNewLeaderConnection)
        {
            self.on_disconnected();
            work_count += 1;
        }
        work_count += self.progress_pending_ingress();
        work_count + self.poll_state_changes()
    }

    /// Applies pending state changes: closes the client if it is pending close or an await deadline
    /// passed. Returns 1 if it closed the client. (Called by [`AeronCluster::poll_egress`].)
    pub fn poll_state_changes(&mut self) -> usize {
        let expired =
            matches!(self.state, ClientState::AwaitNewLeader | ClientState::AwaitNewLeaderConnection)
                && self.ctx.now_ns().wrapping_sub(self.state_deadline_ns) >= 0;
        if self.state == ClientState::PendingClose || expired {
            self.close();
            return 1;
        }
        0
    }

    /// Closes the session: if connected, sends a `SessionCloseRequest` (up to [`SEND_ATTEMPTS`] tries);
    /// then closes the ingress publication and the egress subscription. Idempotent. The Aeron client
    /// stays open (it belongs to the caller).
    pub fn close(&mut self) {
        if self.state == ClientState::Closed {
            return;
        }
        if self.state == ClientState::Connected && self.publication.as_ref().is_some_and(|p| p.is_connected())
        {
            let request = SessionCloseRequest {
                leadership_term_id: self.session.leadership_term_id,
                cluster_session_id: self.session.cluster_session_id,
            };
            self.send_encoded(request.encoded_length(), &|dst: &mut [u8]| request.encode(dst));
        }
        if let Some(mut publication) = self.publication.take() {
            publication.close();
        }
        self.pending_ingress = None;
        self.subscription.close();
        self.egress_image = None;
        self.state = ClientState::Closed;
        self.state_deadline_ns = 0;
    }

    /// Claims `length` bytes and encodes one message into them, retrying while back-pressured.
    fn send_encoded(&mut self, length: usize, encode: &dyn Fn(&mut [u8]) -> Result<usize, SbeError>) -> bool {
        if !matches!(self.state, ClientState::Connected | ClientState::AwaitNewLeaderConnection) {
            return false;
        }
        self.ctx.idle_strategy.reset();
        for attempt in 0..SEND_ATTEMPTS {
            let result = match self.publication.as_mut() {
                None => return false,
                Some(publication) => match publication.try_claim(length) {
                    Ok(mut claim) => {
                        if encode(claim.payload_mut()).is_ok() {
                            claim.commit();
                            Ok(())
                        } else {
                            claim.abort();
                            return false;
                        }
                    }
                    Err(error) => Err(error),
                },
            };
            let failure = result.err();
            self.track_ingress_result(failure.map_or(Ok(()), Err));
            match failure {
                None => return true,
                Some(OfferError::BackPressured | OfferError::AdminAction) if attempt + 1 < SEND_ATTEMPTS => {
                    self.ctx.idle_strategy.idle(0);
                }
                Some(_) => return false,
            }
        }
        false
    }

    /// Aeron `trackIngressPublicationResult`.
    fn track_ingress_result(&mut self, result: Result<(), OfferError>) {
        match result {
            Ok(()) => {
                if self.state == ClientState::AwaitNewLeaderConnection {
                    self.state = ClientState::Connected;
                    self.state_deadline_ns = 0;
                }
            }
            Err(error) => {
                let now_ns = self.ctx.now_ns();
                if let Some((next, deadline_ns)) =
                    Self::state_after_error(self.state, error, now_ns, self.new_leader_timeout_ns)
                {
                    self.state = next;
                    self.state_deadline_ns = deadline_ns;
                    self.release_stale_publication();
                }
            }
        }
    }

    /// The state an ingress error leads to from `state`, with its deadline.
    fn state_after_error(
        state: ClientState,
        error: OfferError,
        now_ns: i64,
        new_leader_timeout_ns: i64,
    ) -> Option<(ClientState, i64)> {
        if state != ClientState::Connected {
            return None;
        }
        match error {
            OfferError::NotConnected | OfferError::Closed => {
                Some((ClientState::AwaitNewLeader, now_ns.wrapping_add(new_leader_timeout_ns)))
            }
            OfferError::MaxPositionExceeded => Some((ClientState::PendingClose, 0)),
            OfferError::BackPressured | OfferError::AdminAction => None,
        }
    }

    /// Closes the ingress publication when the state no longer uses it.
    fn release_stale_publication(&mut self) {
        if matches!(self.state, ClientState::AwaitNewLeader | ClientState::PendingClose)
            && let Some(mut publication) = self.publication.take()
        {
            publication.close();
        }
    }

    /// Aeron `onDisconnected`: drop the ingress and wait for a new leader.
    fn on_disconnected(&mut self) {
        self.state = ClientState::AwaitNewLeader;
        self.state_deadline_ns = self.ctx.now_ns().wrapping_add(self.new_leader_timeout_ns);
        self.pending_ingress = None;
        self.release_stale_publication();
    }

    /// Aeron `onNewLeader` (term and leader already updated by the dispatch): follow the new egress
    /// image, replace the ingress publication with one to the new leader.
    fn on_new_leader(&mut self, new_leader: NewLeader) {
        self.state = ClientState::AwaitNewLeaderConnection;
        self.state_deadline_ns = self.ctx.now_ns().wrapping_add(self.ctx.message_timeout_ns);
        self.egress_image = self.subscription.image_by_session_id(new_leader.egress_session_id).cloned();
        if let Some(mut publication) = self.publication.take() {
            publication.close();
        }
        self.assembler.clear();
        let channel = match self.ctx.ingress_endpoints {
            None => Ok(self.ctx.ingress_channel.clone()),
            Some(_) => {
                self.ctx.ingress_endpoints = Some(new_leader.ingress_endpoints.clone());
                leader_channel(
                    &self.ctx.ingress_channel,
                    &new_leader.ingress_endpoints,
                    self.session.leader_member_id,
                )
            }
        };
        match channel {
            Ok(channel) => self.pending_ingress = Some(PendingIngress { channel, registration_id: None }),
            Err(reason) => self.fail(ClusterClientError::Cluster { reason }),
        }
    }

    /// Adds / polls a new leader's ingress publication; returns the work done.
    fn progress_pending_ingress(&mut self) -> usize {
        let Some(pending) = self.pending_ingress.as_mut() else {
            return 0;
        };
        let aeron = &self.ctx.aeron;
        let registration = match pending.registration_id {
            Some(id) => Ok(id),
            None => aeron.async_add_exclusive_publication(&pending.channel, self.ctx.ingress_stream_id),
        };
        if let Ok(id) = registration {
            pending.registration_id = Some(id);
        }
        match registration.and_then(|id| aeron.poll_exclusive_publication(id)) {
            Ok(None) => 0,
            Ok(Some(publication)) => {
                self.publication = Some(publication);
                self.pending_ingress = None;
                1
            }
            Err(ClientError::Registration { code, .. }) if code == RESOURCE_TEMPORARILY_UNAVAILABLE => {
                if let Some(pending) = self.pending_ingress.as_mut() {
                    pending.registration_id = None;
                }
                1
            }
            Err(error) => {
                self.fail(error.into());
                1
            }
        }
    }

    /// Records `error` and closes the client on the next poll.
    fn fail(&mut self, error: ClusterClientError) {
        self.last_error = Some(error);
        self.pending_ingress = None;
        self.state = ClientState::PendingClose;
        self.state_deadline_ns = 0;
    }
}

impl Drop for AeronCluster {
    fn drop(&mut self) {
        self.close();
    }
}

/// The ingress channel of `leader_member_id` from an endpoint list.
fn leader_channel(ingress_channel: &str, endpoints: &str, leader_member_id: i32) -> Result<String, String> {
    let members = parse_ingress_endpoints(endpoints)?;
    let leader = members
        .iter()
        .find(|m| m.member_id == leader_member_id)
        .ok_or_else(|| format!("new leader {leader_member_id} not in ingress endpoints {endpoints:?}"))?;
    channel_for_endpoint(ingress_channel, Some(&leader.endpoint))
}

/// Decodes one reassembled egress message and hands it to the listener if it concerns this session.
fn dispatch(
    session: &mut SessionIdentity,
    listener: &mut dyn EgressListener,
    outcome: &mut PollOutcome,
    message: &[u8],
    header: &Header,
) {
    let sbe_header = match MessageHeader::decode(message) {
        Ok(sbe_header) => sbe_header,
        Err(_) => {
            outcome.malformed += 1;
            return;
        }
    };
    if sbe_header.schema_id != SCHEMA_ID {
        let body = message.get(MessageHeader::ENCODED_LENGTH..).unwrap_or(&[]);
        listener.on_extension_message(
            sbe_header.block_length,
            sbe_header.template_id,
            sbe_header.schema_id,
            sbe_header.version,
            body,
        );
        return;
    }
    let own = session.cluster_session_id;
    match decode_any(message) {
        Ok(ClusterMessage::SessionMessage(m)) => {
            if m.header.cluster_session_id == own {
                listener.on_message(own, m.header.timestamp, m.payload);
            }
        }
        Ok(ClusterMessage::SessionEvent(e)) => {
            if e.cluster_session_id == own {
                if e.code == EventCode::Closed {
                    outcome.pending_close = true;
                }
                listener.on_session_event(
                    e.correlation_id,
                    own,
                    e.leadership_term_id,
                    e.leader_member_id,
                    e.code,
                    e.detail,
                );
            }
        }
        Ok(ClusterMessage::NewLeaderEvent(e)) => {
            if e.cluster_session_id == own {
                session.leadership_term_id = e.leadership_term_id;
                session.leader_member_id = e.leader_member_id;
                session.encode_header();
                outcome.new_leader = Some(NewLeader {
                    egress_session_id: header.session_id(),
                    ingress_endpoints: e.ingress_endpoints.to_owned(),
                });
                listener.on_new_leader(own, e.leadership_term_id, e.leader_member_id, e.ingress_endpoints);
            }
        }
        Ok(ClusterMessage::AdminResponse(r)) => {
            if r.cluster_session_id == own {
                listener.on_admin_response(
                    own,
                    r.correlation_id,
                    r.request_type,
                    r.response_code,
                    r.message,
                    r.payload,
                );
            }
        }
        Ok(_) => {}
        Err(_) => outcome.malformed += 1,
    }
}
