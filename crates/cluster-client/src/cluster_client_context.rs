//! [`ClusterClientContext`]: configuration of an [`AeronCluster`](crate::AeronCluster) client.
//!
//! Invariants: every wait of the client is bounded on the context's nano clock (connect by
//! `message_timeout_ns`, a fail-over by the new-leader timeout); each iteration of a blocking wait calls
//! the agent invoker (if any), then `Aeron::conductor_do_work_now`, then the idle strategy, so a
//! single-threaded application (or test) can step its embedded driver and anything else it runs.

use std::fmt;
use std::sync::Arc;

use agrona::{IdleStrategy, NanoClock, NoOpIdleStrategy};
use client::Aeron;
use protocol::cluster::defaults::{EGRESS_STREAM_ID, INGRESS_STREAM_ID};

/// Default message timeout (Aeron `MESSAGE_TIMEOUT_DEFAULT_NS`): 5 s.
pub const MESSAGE_TIMEOUT_NS_DEFAULT: i64 = 5_000_000_000;
/// Default ingress stream id: 101.
pub const INGRESS_STREAM_ID_DEFAULT: i32 = INGRESS_STREAM_ID;
/// Default egress stream id: 102.
pub const EGRESS_STREAM_ID_DEFAULT: i32 = EGRESS_STREAM_ID;
/// The consensus module's default leader heartbeat timeout (10 s); the new-leader timeout defaults to
/// twice the value the leader reports in its `SessionEvent`, or twice this when it reports none.
pub const LEADER_HEARTBEAT_TIMEOUT_NS_DEFAULT: i64 = 10_000_000_000;

/// Steps whatever must progress while the client waits (an embedded driver, a test cluster); called with
/// the current nano time, returns the work done.
pub type ClusterAgentInvoker = Box<dyn FnMut(i64) -> usize + Send>;

/// Answers a cluster `Challenge`: receives the encoded challenge, returns the encoded credentials for the
/// `ChallengeResponse` (Aeron `CredentialsSupplier.onChallenge`).
pub type ChallengeHandler = Box<dyn FnMut(&[u8]) -> Vec<u8> + Send>;

/// Configuration of a cluster client. Build with [`ClusterClientContext::new`] and the setters (or set
/// the public fields), then pass to [`AeronCluster::connect`](crate::AeronCluster::connect) or
/// [`AeronCluster::async_connect`](crate::AeronCluster::async_connect).
///
/// `ingress_channel` and `egress_channel` are required. With `ingress_endpoints`
/// (`"0=host:port,1=host:port"`) the ingress channel must be UDP and each member's endpoint is substituted
/// into it; without, the channel is used as is (IPC, multicast or a single unicast endpoint).
///
/// The egress channel must name a concrete endpoint (`aeron:udp?endpoint=10.0.0.9:9020`): the driver does
/// not report resolved ephemeral ports yet, so `endpoint=host:0` cannot be used; the egress channel is sent
/// as the response channel of the connect request (with `rejoin=false` added for UDP, as Aeron does).
pub struct ClusterClientContext {
    /// The Aeron client used for the ingress publications and the egress subscription.
    pub aeron: Aeron,
    /// Channel of the cluster's ingress (required).
    pub ingress_channel: String,
    /// Ingress endpoints of the members, `id=host:port,...`, or `None` to use `ingress_channel` as is.
    pub ingress_endpoints: Option<String>,
    /// Stream id of the ingress (default 101).
    pub ingress_stream_id: i32,
    /// Channel the cluster answers on (required; a concrete endpoint, see the type docs).
    pub egress_channel: String,
    /// Stream id of the egress (default 102).
    pub egress_stream_id: i32,
    /// Bound of the connect handshake and of a new leader's ingress connection (default 5 s).
    pub message_timeout_ns: i64,
    /// How long to wait for a new leader after losing the old one; `None` = twice the leader heartbeat
    /// timeout the leader reported at connect (or 2 × 10 s).
    pub new_leader_timeout_ns: Option<i64>,
    /// Encoded credentials sent in the connect request (default empty).
    pub credentials: Vec<u8>,
    /// Name sent in the connect request's `clientInfo` (`name=<name> version=<crate version>`).
    pub client_name: String,
    nano_clock: Arc<dyn NanoClock>,
    pub(crate) challenge_handler: Option<ChallengeHandler>,
    pub(crate) agent_invoker: Option<ClusterAgentInvoker>,
    pub(crate) idle_strategy: Box<dyn IdleStrategy>,
}

impl fmt::Debug for ClusterClientContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClusterClientContext")
            .field("ingress_channel", &self.ingress_channel)
            .field("ingress_endpoints", &self.ingress_endpoints)
            .field("ingress_stream_id", &self.ingress_stream_id)
            .field("egress_channel", &self.egress_channel)
            .field("egress_stream_id", &self.egress_stream_id)
            .field("message_timeout_ns", &self.message_timeout_ns)
            .field("new_leader_timeout_ns", &self.new_leader_timeout_ns)
            .field("credentials_length", &self.credentials.len())
            .field("client_name", &self.client_name)
            .field("challenge_handler", &self.challenge_handler.is_some())
            .field("agent_invoker", &self.agent_invoker.is_some())
            .field("idle_strategy", &self.idle_strategy.alias())
            .finish_non_exhaustive()
    }
}

impl ClusterClientContext {
    /// A context with Aeron's defaults: no channels yet, no endpoints, ingress stream 101, egress stream
    /// 102, 5 s message timeout, new-leader timeout from the leader, empty credentials (and empty answers
    /// to challenges), empty client name, no invoker, a no-op idle strategy. `nano_clock` must be the
    /// clock the Aeron client was given (the timeouts run on it).
    pub fn new(aeron: Aeron, nano_clock: Arc<dyn NanoClock>) -> Self {
        Self {
            aeron,
            ingress_channel: String::new(),
            ingress_endpoints: None,
            ingress_stream_id: INGRESS_STREAM_ID_DEFAULT,
            egress_channel: String::new(),
            egress_stream_id: EGRESS_STREAM_ID_DEFAULT,
            message_timeout_ns: MESSAGE_TIMEOUT_NS_DEFAULT,
            new_leader_timeout_ns: None,
            credentials: Vec::new(),
            client_name: String::new(),
            nano_clock,
            challenge_handler: None,
            agent_invoker: None,
            idle_strategy: Box::new(NoOpIdleStrategy),
        }
    }

    /// The ingress channel (e.g. `aeron:udp` with endpoints, `aeron:udp?endpoint=host:port`, `aeron:ipc`).
    pub fn ingress_channel(mut self, channel: impl Into<String>) -> Self {
        self.ingress_channel = channel.into();
        self
    }

    /// The members' ingress endpoints, `id=host:port,id=host:port,...`.
    pub fn ingress_endpoints(mut self, endpoints: impl Into<String>) -> Self {
        self.ingress_endpoints = Some(endpoints.into());
        self
    }

    /// The ingress stream id.
    pub fn ingress_stream_id(mut self, stream_id: i32) -> Self {
        self.ingress_stream_id = stream_id;
        self
    }

    /// The egress channel (a concrete endpoint for UDP).
    pub fn egress_channel(mut self, channel: impl Into<String>) -> Self {
        self.egress_channel = channel.into();
        self
    }

    /// The egress stream id.
    pub fn egress_stream_id(mut self, stream_id: i32) -> Self {
        self.egress_stream_id = stream_id;
        self
    }

    /// Bound of the connect handshake and of a new leader's ingress connection. Panics if not positive.
    pub fn message_timeout_ns(mut self, message_timeout_ns: i64) -> Self {
        assert!(message_timeout_ns > 0, "message_timeout_ns must be positive");
        self.message_timeout_ns = message_timeout_ns;
        self
    }

    /// How long to wait for a new leader after the old one is lost. Panics if not positive.
    pub fn new_leader_timeout_ns(mut self, new_leader_timeout_ns: i64) -> Self {
        assert!(new_leader_timeout_ns > 0, "new_leader_timeout_ns must be positive");
        self.new_leader_timeout_ns = Some(new_leader_timeout_ns);
        self
    }

    /// Encoded credentials for the connect request.
    pub fn credentials(mut self, credentials: impl Into<Vec<u8>>) -> Self {
        self.credentials = credentials.into();
        self
    }

    /// Answers challenges (default: empty credentials).
    pub fn challenge_handler(mut self, handler: ChallengeHandler) -> Self {
        self.challenge_handler = Some(handler);
        self
    }

    /// The name sent in the connect request's `clientInfo`.
    pub fn client_name(mut self, name: impl Into<String>) -> Self {
        self.client_name = name.into();
        self
    }

    /// A closure called with the current nano time in every iteration of every blocking wait (before
    /// idling). A single-threaded application steps its embedded driver here.
    pub fn agent_invoker(mut self, invoker: ClusterAgentInvoker) -> Self {
        self.agent_invoker = Some(invoker);
        self
    }

    /// The idle strategy between checks of blocking waits and between send attempts.
    pub fn idle_strategy(mut self, idle_strategy: Box<dyn IdleStrategy>) -> Self {
        self.idle_strategy = idle_strategy;
        self
    }

    /// The nano clock every timeout runs on.
    pub fn nano_clock(&self) -> &Arc<dyn NanoClock> {
        &self.nano_clock
    }
}

impl ClusterClientContext {
    /// The current time of the context's clock.
    pub(crate) fn now_ns(&self) -> i64 {
        self.nano_clock.nano_time()
    }

    /// One iteration of a blocking wait: the agent invoker, the Aeron conductor, then the idle strategy.
    pub(crate) fn wait_step(&mut self) {
        let now_ns = self.nano_clock.nano_time();
        let mut work_count = self.agent_invoker.as_mut().map_or(0, |invoke| invoke(now_ns));
        work_count += self.aeron.conductor_do_work_now();
        self.idle_strategy.idle(work_count);
    }

    /// The credentials answering `challenge` (empty without a handler).
    pub(crate) fn answer_challenge(&mut self, challenge: &[u8]) -> Vec<u8> {
        self.challenge_handler.as_mut().map_or_else(Vec::new, |handler| handler(challenge))
    }
}
