//! [`ReplicationSession`]: copies a recording from a source archive into this archive (Aeron's
//! `ReplicationSession`, reference §5.10).
//!
//! The destination archive becomes a client of the source archive, without ever blocking: every step
//! sends at most one request (offered once; a refused offer is retried on a later duty cycle) and
//! polls the source's control responses once. The states are CONNECT (own control request publication
//! and response subscription, `AuthConnectRequest`, challenge answered with the request's credentials)
//! → REPLICATE_DESCRIPTOR (`ListRecording` on the source; the destination recording is created, or the
//! existing one validated, by the [`ReplicationHost`]) → EXTEND (an
//! extend-recording subscription on the replication channel with `rejoin=false|session-id=…`) →
//! REPLAY (`ReplayRequest` on the source towards that channel) → AWAIT_IMAGE → REPLICATE (until the
//! source stop position, the requested stop position, end of stream or a closed image) → DONE.
//! Live merge (`liveDestination`) is not supported: the conductor refuses such requests.
//!
//! Invariants:
//! - every wait for the source is bounded by the action timeout (the message timeout); a timeout, an
//!   ERROR from the source, a lost source connection or a replication image that closes before its end
//!   is reported once to the requesting control session as an ERROR response whose correlation id is
//!   the replication id, and ends the session;
//! - signals (REPLICATE, SYNC, MERGE, REPLICATE_END) carry the replication id as correlation id; the
//!   recording itself (EXTEND, STOP) is signalled by the archive's recording machinery with the same id;
//! - [`ReplicationSession::close`] always stops the destination recording subscription (the recording
//!   is then stopped at what was written, so it stays valid), stops the source replay unless it ended,
//!   closes the source session, and signals REPLICATE_END exactly once;
//! - bytes from the source archive are decoded with `protocol::archive` codecs and never panic.

use archive_client::{
    ArchiveError as ClientArchiveError, ArchiveProxy, ControlMessage, ControlResponsePoller,
};
use client::{Aeron, Image};
use protocol::archive::{
    ArchiveMessage, AuthConnectRequest, CLIENT_PROTOCOL_SEMANTIC_VERSION, ChallengeResponse,
    CloseSessionRequest, ControlResponseCode, KeepAliveRequest, ListRecordingRequest, RecordingSignal,
    ReplayRequest, StopReplayRequest, archive_error_code as code,
};
use protocol::channel_uri::{ChannelUri, ChannelUriBuilder};

use crate::NULL_VALUE;

/// Interval of keep-alives sent to the source archive while idle.
const KEEP_ALIVE_INTERVAL_NS: i64 = 1_000_000_000;

/// Why a host operation refused: an `archive_error_code` and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReplicationFailure {
    /// `archive_error_code` sent with the ERROR response.
    pub(crate) error_code: i64,
    /// The message.
    pub(crate) message: String,
}

impl ReplicationFailure {
    pub(crate) fn new(error_code: i64, message: impl Into<String>) -> Self {
        Self { error_code, message: message.into() }
    }
}

/// A replication request, owned (ReplicateRequest, TaggedReplicateRequest and ReplicateRequest2 map to
/// it with Aeron's defaults for missing fields).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReplicationRequest {
    /// The requesting control session.
    pub(crate) control_session_id: i64,
    /// Id of this replication (correlation id of its signals and errors).
    pub(crate) replication_id: i64,
    /// Recording to copy on the source archive.
    pub(crate) src_recording_id: i64,
    /// Destination recording to extend, or `NULL_VALUE` for a new one.
    pub(crate) dst_recording_id: i64,
    /// Position to stop at, or `NULL_VALUE` to follow the source.
    pub(crate) stop_position: i64,
    /// Channel tag (MDS), or `NULL_VALUE`.
    pub(crate) channel_tag_id: i64,
    /// Subscription tag (MDS), or `NULL_VALUE`.
    pub(crate) subscription_tag_id: i64,
    /// Source archive control request stream.
    pub(crate) src_control_stream_id: i32,
    /// Source archive control request channel.
    pub(crate) src_control_channel: String,
    /// Channel the source replays to (already defaulted).
    pub(crate) replication_channel: String,
    /// Replay `fileIoMaxLength`, or `NULL_VALUE`.
    pub(crate) file_io_max_length: i32,
    /// Session id of the replicated stream, or `NULL_VALUE`.
    pub(crate) replication_session_id: i32,
    /// Credentials for the source archive.
    pub(crate) encoded_credentials: Vec<u8>,
    /// Channel the source archive answers on.
    pub(crate) src_response_channel: String,
    /// Stream the source archive answers on.
    pub(crate) src_response_stream_id: i32,
    /// Bound of every wait for the source.
    pub(crate) action_timeout_ns: i64,
    /// The destination's stop position and stream id when `dst_recording_id` exists.
    pub(crate) dst_summary: Option<DestinationSummary>,
}

/// What the destination recording looked like when the request arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DestinationSummary {
    /// Its start position.
    pub(crate) start_position: i64,
    /// Its stop position (where the replay starts).
    pub(crate) stop_position: i64,
}

/// The source recording's descriptor, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SourceDescriptor {
    pub(crate) start_timestamp_ms: i64,
    pub(crate) start_position: i64,
    pub(crate) stop_position: i64,
    pub(crate) initial_term_id: i32,
    pub(crate) segment_file_length: i32,
    pub(crate) term_buffer_length: i32,
    pub(crate) mtu_length: i32,
    pub(crate) session_id: i32,
    pub(crate) stream_id: i32,
    pub(crate) stripped_channel: String,
    pub(crate) original_channel: String,
    pub(crate) source_identity: String,
}

/// What the archive conductor does for a replication session.
pub(crate) trait ReplicationHost {
    /// The archive's client.
    fn aeron(&self) -> &Aeron;
    /// Creates the destination recording from `source` (`dst_recording_id == NULL_VALUE`) or checks /
    /// resets the existing one; returns the destination recording id.
    fn adopt_source_descriptor(
        &mut self,
        request: &ReplicationRequest,
        source: &SourceDescriptor,
    ) -> Result<i64, ReplicationFailure>;
    /// The stop position of the destination recording in the catalog.
    fn destination_stop_position(&self, dst_recording_id: i64) -> i64;
    /// Starts an extend recording (REMOTE, auto-stop) of `dst_recording_id` on `channel`/`stream_id` for the
    /// request's control session with the replication id as correlation id; returns the subscription id.
    fn extend_for_replication(
        &mut self,
        request: &ReplicationRequest,
        dst_recording_id: i64,
        channel: &str,
        stream_id: i32,
    ) -> Result<i64, ReplicationFailure>;
    /// Whether the recording subscription `subscription_id` is still open.
    fn has_recording_subscription(&self, subscription_id: i64) -> bool;
    /// The image of `session_id` on recording subscription `subscription_id`, if it has appeared.
    fn recording_image(&mut self, subscription_id: i64, session_id: i32) -> Option<Image>;
    /// Adds (`add`) or removes a receive destination of an MDS recording subscription.
    fn rcv_destination(
        &mut self,
        subscription_id: i64,
        destination: &str,
        add: bool,
    ) -> Result<(), ReplicationFailure>;
    /// Stops the recording subscription (its recording session drains and stops, signalling STOP).
    fn stop_recording_subscription(&mut self, subscription_id: i64);
    /// Whether the control session is still open.
    fn control_session_open(&self, control_session_id: i64) -> bool;
    /// Sends a recording signal on a control session.
    fn send_signal(
        &mut self,
        control_session_id: i64,
        correlation_id: i64,
        recording_id: i64,
        subscription_id: i64,
        position: i64,
        signal: RecordingSignal,
    );
    /// Sends an ERROR response on a control session and records the error.
    fn send_error(&mut self, control_session_id: i64, correlation_id: i64, error_code: i64, message: &str);
}

/// Where a [`ReplicationSession`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReplicationState {
    /// Adding the control response subscription for the source archive.
    AwaitSubscription,
    /// Adding the control request publication to the source archive.
    AwaitPublication,
    /// Waiting for the source archive to subscribe, then sending `AuthConnectRequest`.
    SendConnect,
    /// Waiting for the connect response (or a challenge).
    AwaitConnectResponse,
    /// Listing the source recording.
    ReplicateDescriptor,
    /// Starting the destination's extend recording.
    Extend,
    /// Asking the source to replay.
    Replay,
    /// Waiting for the replay image.
    AwaitImage,
    /// Recording the replay.
    Replicate,
    /// Finished; close it.
    Done,
}

/// One replication.
///
/// Drive it from the archive conductor: [`ReplicationSession::do_work`] every duty cycle until
/// [`ReplicationSession::is_done`], then [`ReplicationSession::close`] once. [`ReplicationSession::abort`]
/// (StopReplication, closed control session) makes it done at the next step.
pub(crate) struct ReplicationSession {
    request: ReplicationRequest,
    state: ReplicationState,
    pending: Option<Pending>,
    proxy: Option<ArchiveProxy>,
    poller: Option<ControlResponsePoller>,
    src_control_session_id: i64,
    active_correlation_id: i64,
    action_deadline_ns: i64,
    keep_alive_deadline_ns: i64,
    dst_recording_id: i64,
    replay_position: i64,
    src_stop_position: i64,
    replay_stream_id: i32,
    replay_session_id: i32,
    src_replay_session_id: i64,
    subscription_id: i64,
    replay_destination: Option<String>,
    image: Option<Image>,
    now_ns: i64,
    closed: bool,
}

impl std::fmt::Debug for ReplicationSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplicationSession")
            .field("replication_id", &self.request.replication_id)
            .field("state", &self.state)
            .field("src_recording_id", &self.request.src_recording_id)
            .field("dst_recording_id", &self.dst_recording_id)
            .finish_non_exhaustive()
    }
}

impl ReplicationSession {
    /// A session for `request`, starting at `now_ns`.
    pub(crate) fn new(request: ReplicationRequest, now_ns: i64) -> Self {
        let (replay_position, replay_stream_id) =
            (request.dst_summary.map_or(NULL_VALUE, |summary| summary.stop_position), NULL_VALUE as i32);
        let dst_recording_id = request.dst_recording_id;
        let action_deadline_ns = now_ns.saturating_add(request.action_timeout_ns);
        Self {
            request,
            state: ReplicationState::AwaitSubscription,
            pending: None,
            proxy: None,
            poller: None,
            src_control_session_id: NULL_VALUE,
            active_correlation_id: NULL_VALUE,
            action_deadline_ns,
            keep_alive_deadline_ns: now_ns.saturating_add(KEEP_ALIVE_INTERVAL_NS),
            dst_recording_id,
            replay_position,
            src_stop_position: NULL_VALUE,
            replay_stream_id,
            replay_session_id: 0,
            src_replay_session_id: NULL_VALUE,
            subscription_id: NULL_VALUE,
            replay_destination: None,
            image: None,
            now_ns,
            closed: false,
        }
    }

    /// The replication id.
    pub(crate) fn replication_id(&self) -> i64 {
        self.request.replication_id
    }

    /// True once finished (close it).
    pub(crate) fn is_done(&self) -> bool {
        self.state == ReplicationState::Done
    }

    /// Ends the replication at the next step (StopReplication).
    pub(crate) fn abort(&mut self) {
        self.set_state(ReplicationState::Done);
    }

    fn set_state(&mut self, state: ReplicationState) {
        self.state = state;
        self.active_correlation_id = NULL_VALUE;
        self.action_deadline_ns = self.now_ns.saturating_add(self.request.action_timeout_ns);
    }

    fn track(&mut self, correlation_id: i64) {
        self.active_correlation_id = correlation_id;
        self.action_deadline_ns = self.now_ns.saturating_add(self.request.action_timeout_ns);
    }

    fn is_past_deadline(&self) -> bool {
        self.now_ns.wrapping_sub(self.action_deadline_ns) > 0
    }

    /// Reports `failure` to the requester and ends the session.
    fn fail(&mut self, host: &mut dyn ReplicationHost, error_code: i64, message: String) {
        host.send_error(self.request.control_session_id, self.request.replication_id, error_code, &message);
        self.set_state(ReplicationState::Done);
    }

    fn signal(&self, host: &mut dyn ReplicationHost, position: i64, signal: RecordingSignal) {
        host.send_signal(
            self.request.control_session_id,
            self.request.replication_id,
            self.dst_recording_id,
            self.subscription_id,
            position,
            signal,
        );
    }

    /// One step; returns the work done. Never blocks.
    pub(crate) fn do_work(&mut self, now_ns: i64, host: &mut dyn ReplicationHost) -> usize {
        self.now_ns = now_ns;
        if self.state == ReplicationState::Done {
            return 0;
        }
        if !host.control_session_open(self.request.control_session_id) {
            self.set_state(ReplicationState::Done);
            return 1;
        }
        let result = match self.state {
            ReplicationState::AwaitSubscription => self.await_subscription(host),
            ReplicationState::AwaitPublication => self.await_publication(host),
            ReplicationState::SendConnect => self.send_connect(host),
            ReplicationState::AwaitConnectResponse => self.await_connect_response(),
            ReplicationState::ReplicateDescriptor => self.replicate_descriptor(host),
            ReplicationState::Extend => self.extend(host),
            ReplicationState::Replay => self.replay(host),
            ReplicationState::AwaitImage => self.await_image(host),
            ReplicationState::Replicate => Ok(self.replicate(host)),
            ReplicationState::Done => Ok(0),
        };
        let mut work = match result {
            Ok(work) => work,
            Err(failure) => {
                self.fail(host, failure.error_code, failure.message);
                return 1;
            }
        };
        if self.state != ReplicationState::Done
            && self.subscription_id != NULL_VALUE
            && !host.has_recording_subscription(self.subscription_id)
        {
            // The recording could not start (its error went to the requester already) or it ended, maybe
            // before this session saw the replay image: it is in sync if it reached the source's stop.
            self.subscription_id = NULL_VALUE;
            let stop_position = host.destination_stop_position(self.dst_recording_id);
            if self.src_stop_position != NULL_VALUE && stop_position >= self.src_stop_position {
                self.signal(host, stop_position, RecordingSignal::Sync);
            }
            self.set_state(ReplicationState::Done);
            work += 1;
        }
        if let Err(failure) = self.check_source() {
            self.fail(host, failure.error_code, failure.message);
            work += 1;
        }
        work
    }

    /// After connect: detects a lost source connection and keeps the source session alive.
    fn check_source(&mut self) -> Result<(), ReplicationFailure> {
        if self.state == ReplicationState::Done || self.src_control_session_id == NULL_VALUE {
            return Ok(());
        }
        if let Some(poller) = self.poller.as_mut()
            && !poller.is_connected()
        {
            return Err(ReplicationFailure::new(
                code::REPLICATION_CONNECTION_FAILURE,
                format!("replication {}: connection to the source archive lost", self.request.replication_id),
            ));
        }
        if self.active_correlation_id == NULL_VALUE
            && self.now_ns.wrapping_sub(self.keep_alive_deadline_ns) > 0
        {
            self.keep_alive_deadline_ns = self.now_ns.saturating_add(KEEP_ALIVE_INTERVAL_NS);
            let message = ArchiveMessage::KeepAliveRequest(KeepAliveRequest {
                control_session_id: self.src_control_session_id,
                correlation_id: NULL_VALUE,
            });
            // A keep-alive that cannot be offered now is simply sent at the next interval.
            let _ = self.offer(&message);
        }
        Ok(())
    }

    fn timeout(&self, what: &str) -> ReplicationFailure {
        ReplicationFailure::new(
            code::GENERIC,
            format!("replication {}: timed out: {what}", self.request.replication_id),
        )
    }

    /// Offers one request once: `Ok(true)` sent, `Ok(false)` try again later.
    fn offer(&mut self, message: &ArchiveMessage<'_>) -> Result<bool, ReplicationFailure> {
        let Some(proxy) = self.proxy.as_mut() else {
            return Err(ReplicationFailure::new(code::GENERIC, "no source archive publication"));
        };
        match proxy.send(message, &mut || {}) {
            Ok(()) => Ok(true),
            Err(ClientArchiveError::NotConnected { .. } | ClientArchiveError::SendFailed { .. }) => Ok(false),
            Err(other) => Err(ReplicationFailure::new(
                code::REPLICATION_CONNECTION_FAILURE,
                format!(
                    "replication {}: source archive request failed: {other}",
                    self.request.replication_id
                ),
            )),
        }
    }

    /// Sends a request built with a fresh correlation id and tracks it; a refused offer is retried until
    /// the action deadline.
    fn send_tracked(
        &mut self,
        host: &mut dyn ReplicationHost,
        what: &str,
        build: impl FnOnce(i64, i64) -> ArchiveMessage<'static>,
    ) -> Result<usize, ReplicationFailure> {
        let correlation_id = host.aeron().next_correlation_id();
        let message = build(self.src_control_session_id, correlation_id);
        if self.offer(&message)? {
            self.track(correlation_id);
            self.keep_alive_deadline_ns = self.now_ns.saturating_add(KEEP_ALIVE_INTERVAL_NS);
            Ok(1)
        } else if self.is_past_deadline() {
            Err(self.timeout(what))
        } else {
            Ok(0)
        }
    }

    // ------------------------------------------------------------------------------------ connect

    fn connect_failure(&self, what: &str, error: impl std::fmt::Display) -> ReplicationFailure {
        ReplicationFailure::new(
            code::REPLICATION_CONNECTION_FAILURE,
            format!("replication connection failed={what}: {error}"),
        )
    }

    fn await_subscription(&mut self, host: &mut dyn ReplicationHost) -> Result<usize, ReplicationFailure> {
        let aeron = host.aeron().clone();
        let registration_id = match self.pending {
            Some(Pending::Subscription(id)) => id,
            _ => {
                let id = aeron
                    .async_add_subscription(
                        &self.request.src_response_channel,
                        self.request.src_response_stream_id,
                    )
                    .map_err(|error| self.connect_failure("response subscription", error))?;
                self.pending = Some(Pending::Subscription(id));
                return Ok(1);
            }
        };
        match aeron.poll_subscription(registration_id) {
            Ok(Some(subscription)) => {
                self.pending = None;
                self.poller = Some(ControlResponsePoller::new(subscription));
                self.set_state(ReplicationState::AwaitPublication);
                Ok(1)
            }
            Ok(None) if self.is_past_deadline() => Err(self.timeout("adding the response subscription")),
            Ok(None) => Ok(0),
            Err(error) => {
                self.pending = None;
                Err(self.connect_failure("response subscription", error))
            }
        }
    }

    fn await_publication(&mut self, host: &mut dyn ReplicationHost) -> Result<usize, ReplicationFailure> {
        let aeron = host.aeron().clone();
        let registration_id = match self.pending {
            Some(Pending::Publication(id)) => id,
            _ => {
                let id = aeron
                    .async_add_exclusive_publication(
                        &self.request.src_control_channel,
                        self.request.src_control_stream_id,
                    )
                    .map_err(|error| self.connect_failure("control request publication", error))?;
                self.pending = Some(Pending::Publication(id));
                return Ok(1);
            }
        };
        match aeron.poll_exclusive_publication(registration_id) {
            Ok(Some(publication)) => {
                self.pending = None;
                self.proxy = Some(ArchiveProxy::new(publication, 1));
                self.set_state(ReplicationState::SendConnect);
                Ok(1)
            }
            Ok(None) if self.is_past_deadline() => {
                Err(self.timeout("adding the control request publication"))
            }
            Ok(None) => Ok(0),
            Err(error) => {
                self.pending = None;
                Err(self.connect_failure("control request publication", error))
            }
        }
    }

    fn send_connect(&mut self, host: &mut dyn ReplicationHost) -> Result<usize, ReplicationFailure> {
        let connected = self.proxy.as_ref().is_some_and(|proxy| proxy.publication().is_connected());
        if !connected {
            return if self.is_past_deadline() {
                Err(ReplicationFailure::new(
                    code::REPLICATION_CONNECTION_FAILURE,
                    format!(
                        "replication connection failed=source archive not reachable on {} stream {}",
                        self.request.src_control_channel, self.request.src_control_stream_id
                    ),
                ))
            } else {
                Ok(0)
            };
        }
        let correlation_id = host.aeron().next_correlation_id();
        let client_info = format!("name=fulmar-archive replicationSessionId={}", self.request.replication_id);
        let credentials = self.request.encoded_credentials.clone();
        let response_channel = self.request.src_response_channel.clone();
        let message = ArchiveMessage::AuthConnectRequest(AuthConnectRequest {
            correlation_id,
            response_stream_id: self.request.src_response_stream_id,
            version: CLIENT_PROTOCOL_SEMANTIC_VERSION,
            response_channel: &response_channel,
            encoded_credentials: &credentials,
            client_info: &client_info,
        });
        if self.offer(&message)? {
            self.set_state(ReplicationState::AwaitConnectResponse);
            self.track(correlation_id);
            return Ok(1);
        }
        if self.is_past_deadline() { Err(self.timeout("sending the connect request")) } else { Ok(0) }
    }

    fn await_connect_response(&mut self) -> Result<usize, ReplicationFailure> {
        let correlation_id = self.active_correlation_id;
        let replication_id = self.request.replication_id;
        let Some(poller) = self.poller.as_mut() else {
            return Err(ReplicationFailure::new(code::GENERIC, "no source archive subscription"));
        };
        enum Outcome {
            Connected(i64),
            Challenged(i64),
            Refused(String),
            Nothing,
        }
        let outcome = match poller.poll() {
            Some(ControlMessage::Challenge(challenge)) if challenge.correlation_id == correlation_id => {
                Outcome::Challenged(challenge.control_session_id)
            }
            Some(ControlMessage::Response(response)) if response.correlation_id == correlation_id => {
                if response.code == ControlResponseCode::Ok {
                    Outcome::Connected(response.control_session_id)
                } else {
                    Outcome::Refused(format!("{:?}: {}", response.code, response.error_message))
                }
            }
            _ => Outcome::Nothing,
        };
        match outcome {
            Outcome::Connected(control_session_id) => {
                self.src_control_session_id = control_session_id;
                if let Some(poller) = self.poller.as_mut() {
                    poller.set_control_session_id(Some(control_session_id));
                }
                self.set_state(ReplicationState::ReplicateDescriptor);
                Ok(1)
            }
            Outcome::Challenged(control_session_id) => {
                let credentials = self.request.encoded_credentials.clone();
                let answer = ArchiveMessage::ChallengeResponse(ChallengeResponse {
                    control_session_id,
                    correlation_id,
                    encoded_credentials: &credentials,
                });
                if !self.offer(&answer)? {
                    return Err(self.connect_failure("challenge response", "not accepted"));
                }
                self.track(correlation_id);
                Ok(1)
            }
            Outcome::Refused(message) => Err(ReplicationFailure::new(
                code::REPLICATION_CONNECTION_FAILURE,
                format!("replication {replication_id}: replication connection failed={message}"),
            )),
            Outcome::Nothing if self.is_past_deadline() => Err(ReplicationFailure::new(
                code::REPLICATION_CONNECTION_FAILURE,
                format!(
                    "replication {replication_id}: replication connection failed=connect response timeout"
                ),
            )),
            Outcome::Nothing => Ok(0),
        }
    }

    // ------------------------------------------------------------------------------------ responses

    /// Polls the source once for the answer to the active request.
    fn poll_answer(&mut self) -> Result<Answer, ReplicationFailure> {
        let correlation_id = self.active_correlation_id;
        let Some(poller) = self.poller.as_mut() else {
            return Err(ReplicationFailure::new(code::GENERIC, "no source archive subscription"));
        };
        Ok(match poller.poll() {
            Some(ControlMessage::Response(response)) => {
                if response.code == ControlResponseCode::Error {
                    return Err(ReplicationFailure::new(
                        response.relevant_id,
                        format!("source archive: {}", response.error_message),
                    ));
                }
                if response.correlation_id != correlation_id {
                    Answer::Other
                } else if response.code == ControlResponseCode::Ok {
                    Answer::Ok(response.relevant_id)
                } else {
                    Answer::Unknown
                }
            }
            Some(ControlMessage::Descriptor(descriptor)) if descriptor.correlation_id == correlation_id => {
                Answer::Descriptor(SourceDescriptor {
                    start_timestamp_ms: descriptor.start_timestamp,
                    start_position: descriptor.start_position,
                    stop_position: descriptor.stop_position,
                    initial_term_id: descriptor.initial_term_id,
                    segment_file_length: descriptor.segment_file_length,
                    term_buffer_length: descriptor.term_buffer_length,
                    mtu_length: descriptor.mtu_length,
                    session_id: descriptor.session_id,
                    stream_id: descriptor.stream_id,
                    stripped_channel: descriptor.stripped_channel.to_owned(),
                    original_channel: descriptor.original_channel.to_owned(),
                    source_identity: descriptor.source_identity.to_owned(),
                })
            }
            Some(_) => Answer::Other,
            None => Answer::Nothing,
        })
    }

    // ------------------------------------------------------------------------------------ states

    fn replicate_descriptor(&mut self, host: &mut dyn ReplicationHost) -> Result<usize, ReplicationFailure> {
        let src_recording_id = self.request.src_recording_id;
        if self.active_correlation_id == NULL_VALUE {
            return self.send_tracked(
                host,
                "listing the source recording",
                |control_session_id, correlation_id| {
                    ArchiveMessage::ListRecordingRequest(ListRecordingRequest {
                        control_session_id,
                        correlation_id,
                        recording_id: src_recording_id,
                    })
                },
            );
        }
        match self.poll_answer()? {
            Answer::Descriptor(source) => {
                self.on_source_descriptor(host, &source)?;
                Ok(1)
            }
            Answer::Unknown => Err(ReplicationFailure::new(
                code::UNKNOWN_RECORDING,
                format!("unknown src recording id {src_recording_id}"),
            )),
            Answer::Nothing if self.is_past_deadline() => Err(self.timeout("fetching the source descriptor")),
            Answer::Nothing | Answer::Ok(_) | Answer::Other => Ok(0),
        }
    }

    fn on_source_descriptor(
        &mut self,
        host: &mut dyn ReplicationHost,
        source: &SourceDescriptor,
    ) -> Result<(), ReplicationFailure> {
        self.src_stop_position = source.stop_position;
        self.replay_stream_id = source.stream_id;
        self.replay_session_id = if self.request.replication_session_id != NULL_VALUE as i32 {
            self.request.replication_session_id
        } else {
            source.session_id
        };
        let file_io_max_length = self.request.file_io_max_length;
        if file_io_max_length != NULL_VALUE as i32 && file_io_max_length < source.mtu_length {
            return Err(ReplicationFailure::new(
                code::GENERIC,
                format!(
                    "Replication fileIoMaxLength ({file_io_max_length}) is less than the recording mtuLength ({})",
                    source.mtu_length
                ),
            ));
        }
        let is_new = self.request.dst_recording_id == NULL_VALUE;
        let is_empty =
            self.request.dst_summary.is_some_and(|summary| summary.start_position == summary.stop_position);
        self.dst_recording_id = host.adopt_source_descriptor(&self.request, source)?;
        if is_new || is_empty {
            self.replay_position = source.start_position;
        }
        if is_new {
            self.signal(host, source.start_position, RecordingSignal::Replicate);
        }
        let mut next = ReplicationState::Extend;
        if source.start_position == source.stop_position
            || source.stop_position == host.destination_stop_position(self.dst_recording_id)
        {
            self.signal(host, source.stop_position, RecordingSignal::Sync);
            next = ReplicationState::Done;
        }
        self.set_state(next);
        Ok(())
    }

    fn is_mds(&self) -> bool {
        self.request.channel_tag_id != NULL_VALUE || self.request.subscription_tag_id != NULL_VALUE
    }

    fn invalid_channel(&self, error: impl std::fmt::Display) -> ReplicationFailure {
        ReplicationFailure::new(
            code::GENERIC,
            format!("invalid replication channel {}: {error}", self.request.replication_channel),
        )
    }

    fn extend(&mut self, host: &mut dyn ReplicationHost) -> Result<usize, ReplicationFailure> {
        let uri =
            ChannelUri::parse(&self.request.replication_channel).map_err(|e| self.invalid_channel(e))?;
        let endpoint = uri.get("endpoint").map(str::to_owned);
        let mut builder = ChannelUriBuilder::from_uri(&uri)
            .set("rejoin", "false")
            .set("session-id", self.replay_session_id.to_string());
        if self.is_mds() {
            let channel_tag = if self.request.channel_tag_id == NULL_VALUE {
                self.request.replication_id
            } else {
                self.request.channel_tag_id
            };
            let subscription_tag = if self.request.subscription_tag_id == NULL_VALUE {
                self.request.replication_id
            } else {
                self.request.subscription_tag_id
            };
            builder = builder
                .remove("endpoint")
                .set("tags", format!("{channel_tag},{subscription_tag}"))
                .set("control-mode", "manual");
        }
        let channel = builder.build().map_err(|e| self.invalid_channel(e))?.to_string();
        let subscription_id = host.extend_for_replication(
            &self.request,
            self.dst_recording_id,
            &channel,
            self.replay_stream_id,
        )?;
        self.subscription_id = subscription_id;
        if self.is_mds() {
            let destination = match endpoint {
                Some(endpoint) => format!("aeron:udp?endpoint={endpoint}"),
                None => return Err(self.invalid_channel("an endpoint is needed for the replay destination")),
            };
            host.rcv_destination(subscription_id, &destination, true)?;
            self.replay_destination = Some(destination);
        }
        self.set_state(ReplicationState::Replay);
        Ok(1)
    }

    fn replay(&mut self, host: &mut dyn ReplicationHost) -> Result<usize, ReplicationFailure> {
        if self.active_correlation_id == NULL_VALUE {
            let uri =
                ChannelUri::parse(&self.request.replication_channel).map_err(|e| self.invalid_channel(e))?;
            let builder =
                ChannelUriBuilder::from_uri(&uri).set("session-id", self.replay_session_id.to_string());
            let channel = builder.build().map_err(|e| self.invalid_channel(e))?.to_string();
            let stop_position = self.request.stop_position;
            let length =
                if stop_position == NULL_VALUE { NULL_VALUE } else { stop_position - self.replay_position };
            let (recording_id, position, replay_stream_id, file_io_max_length) = (
                self.request.src_recording_id,
                self.replay_position,
                self.replay_stream_id,
                self.request.file_io_max_length,
            );
            let correlation_id = host.aeron().next_correlation_id();
            let message = ArchiveMessage::ReplayRequest(ReplayRequest {
                control_session_id: self.src_control_session_id,
                correlation_id,
                recording_id,
                position,
                length,
                replay_stream_id,
                file_io_max_length,
                replay_token: NULL_VALUE,
                replay_channel: &channel,
            });
            return if self.offer(&message)? {
                self.track(correlation_id);
                Ok(1)
            } else if self.is_past_deadline() {
                Err(self.timeout("sending the replay request"))
            } else {
                Ok(0)
            };
        }
        match self.poll_answer()? {
            Answer::Ok(src_replay_session_id) => {
                self.src_replay_session_id = src_replay_session_id;
                self.set_state(ReplicationState::AwaitImage);
                Ok(1)
            }
            Answer::Nothing if self.is_past_deadline() => {
                Err(self.timeout("acknowledgement of the replay request"))
            }
            _ => Ok(0),
        }
    }

    fn await_image(&mut self, host: &mut dyn ReplicationHost) -> Result<usize, ReplicationFailure> {
        let session_id = self.src_replay_session_id as i32;
        match host.recording_image(self.subscription_id, session_id) {
            Some(image) => {
                self.image = Some(image);
                self.set_state(ReplicationState::Replicate);
                Ok(1)
            }
            None if self.is_past_deadline() => {
                Err(self.timeout(&format!("replay image for session id {session_id}")))
            }
            None => Ok(0),
        }
    }

    fn replicate(&mut self, host: &mut dyn ReplicationHost) -> usize {
        let Some(image) = self.image.as_ref() else {
            self.set_state(ReplicationState::Done);
            return 1;
        };
        let is_closed = image.is_closed();
        let is_end_of_stream = image.is_end_of_stream();
        let position = image.position();
        let is_synced = self.src_stop_position != NULL_VALUE && position >= self.src_stop_position;
        let at_stop = self.request.stop_position != NULL_VALUE && position >= self.request.stop_position;
        if is_synced || at_stop || is_end_of_stream {
            if is_synced {
                self.signal(host, position, RecordingSignal::Sync);
            }
            self.src_replay_session_id = NULL_VALUE;
            self.set_state(ReplicationState::Done);
            return 1;
        }
        if is_closed {
            let replication_id = self.request.replication_id;
            self.fail(
                host,
                code::REPLICATION_CONNECTION_FAILURE,
                format!(
                    "replication {replication_id}: replication image closed at {position} before its end"
                ),
            );
            return 1;
        }
        0
    }

    /// Stops the recording subscription, stops the source replay unless it ended, closes the source
    /// session and signals REPLICATE_END. Call once, when done; later calls do nothing.
    pub(crate) fn close(&mut self, host: &mut dyn ReplicationHost) {
        if self.closed {
            return;
        }
        self.closed = true;
        self.state = ReplicationState::Done;
        if self.subscription_id != NULL_VALUE {
            if host.has_recording_subscription(self.subscription_id) {
                host.stop_recording_subscription(self.subscription_id);
            }
            self.subscription_id = NULL_VALUE;
        }
        if self.src_control_session_id != NULL_VALUE {
            if self.src_replay_session_id != NULL_VALUE {
                let message = ArchiveMessage::StopReplayRequest(StopReplayRequest {
                    control_session_id: self.src_control_session_id,
                    correlation_id: host.aeron().next_correlation_id(),
                    replay_session_id: self.src_replay_session_id,
                });
                let _ = self.offer(&message);
                self.src_replay_session_id = NULL_VALUE;
            }
            let message = ArchiveMessage::CloseSessionRequest(CloseSessionRequest {
                control_session_id: self.src_control_session_id,
            });
            let _ = self.offer(&message);
        }
        // An add still in flight: close what it produced if it completed already.
        match self.pending.take() {
            Some(Pending::Subscription(id)) => {
                if let Ok(Some(mut subscription)) = host.aeron().poll_subscription(id) {
                    subscription.close();
                }
            }
            Some(Pending::Publication(id)) => {
                if let Ok(Some(mut publication)) = host.aeron().poll_exclusive_publication(id) {
                    publication.close();
                }
            }
            None => {}
        }
        if let Some(proxy) = self.proxy.as_mut() {
            proxy.close();
        }
        if let Some(poller) = self.poller.as_mut() {
            poller.subscription().close();
        }
        self.image = None;
        self.signal(host, NULL_VALUE, RecordingSignal::ReplicateEnd);
    }
}

/// An asynchronous add in flight (its registration id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    Subscription(i64),
    Publication(i64),
}

/// One poll of the source's responses.
enum Answer {
    /// OK for the active request, with its relevant id.
    Ok(i64),
    /// RECORDING_UNKNOWN for the active request.
    Unknown,
    /// The descriptor asked for.
    Descriptor(SourceDescriptor),
    /// Something else for this session.
    Other,
    /// Nothing arrived.
    Nothing,
}
