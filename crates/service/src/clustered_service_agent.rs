//! [`ClusteredServiceAgent`]: runs one [`ClusteredService`] against the local consensus module
//! (Aeron's `ClusteredServiceAgent`, reference §5.4), as an [`agrona::Agent`].
//!
//! How it proceeds (never blocking; every wait is a state re-checked on the next duty cycle):
//! 1. Start-up (on slow ticks): find the commit-position counter (type 203, key = cluster id) in the
//!    client's counters, add the control publication (stream 105) and subscription (stream 104), call
//!    `on_start(cluster, None)`, queue ServiceAck(ackId 0, relevantId = Aeron client id).
//! 2. Every slow tick (`slow_tick_interval_ns`, 1 ms): optionally run the Aeron conductor, check that
//!    the client and the commit counter are alive, poll one control fragment (JoinLog,
//!    ServiceTerminationPosition, RequestServiceAck), progress a pending log join, acknowledge, and
//!    terminate when the log position reaches the termination position.
//! 3. Every duty cycle: poll the joined log image bounded by min(commit position, maxLogPosition), at
//!    most `log_fragment_limit` fragments; once the image is done (reached maxLogPosition, ended or
//!    closed) drop it, drop egress and revert to Follower; then `do_background_work`.
//!
//! Invariants:
//! - Acks carry sequential ack ids from 0 and are sent in order; while one is unsent (back pressure)
//!   the agent does nothing else but retry it, so nothing the service sends can overtake it — the
//!   non-blocking equivalent of Aeron's ack loops.
//! - Joining checks contiguity: the image's join position and `JoinLog.logPosition` must both equal
//!   this service's log position, otherwise the agent terminates with a fatal error.
//! - After termination `do_work` returns `Err(AgentTermination)` forever and `is_terminated()` is true;
//!   `on_terminate` has run exactly once (also when the agent is closed without a termination).
//! - Malformed control or log messages are reported (counted and passed to the error handler) and
//!   skipped, never a panic.
//! - Recovery: the agent starts only once the consensus module's recovery-state counter (type 204)
//!   exists; if it names a snapshot for this service, the whole recording is read from the archive, its
//!   checksum and markers checked, the client sessions restored and `on_start` handed the service's
//!   messages; a snapshot that cannot be loaded is fatal (the consensus module has already checked
//!   the set, so this means the archive failed).
//! - Snapshots: on a SNAPSHOT action the log is not read further until the snapshot is recorded; the
//!   container's part (markers, sessions) and the service's messages are captured at once, then
//!   streamed into an archive recording over later duty cycles; the ServiceAck carries the recording
//!   id, or -1 if anything failed (the consensus module then abandons the snapshot).

use agrona::counters_descriptor::RECORD_ALLOCATED;
use agrona::{Agent, AgentTermination, AtomicCounter, CountersReader};
use archive_client::{AeronArchive, SnapshotRecordingReader, SnapshotRecordingWriter};
use client::{FragmentAssembler, Publication, Subscription};
use protocol::channel_uri::{ChannelUri, ChannelUriBuilder};
use protocol::cluster::defaults::{COMMIT_POSITION_TYPE_ID, RECOVERY_STATE_TYPE_ID};
use protocol::cluster::{RecoveryState, Role};

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use crate::client_session::ClientSession;
use crate::cluster::Cluster;
use crate::clustered_service::ClusteredService;
use crate::consensus_module_proxy::ConsensusModuleProxy;
use crate::control_event::{ActiveLogEvent, ControlEvent};
use crate::log_adapter::{LogAdapter, NULL_VALUE};
use crate::service_context::ServiceContext;
use crate::service_error::ServiceError;
use crate::service_shared::{Lifecycle, ServiceShared};
use crate::service_snapshot::{ServiceSnapshotHeader, SnapshotClientSession};
use crate::service_state::{ErrorSink, ServiceState};
use crate::snapshot_reader::SnapshotReader;
use crate::snapshot_writer::SnapshotWriter;

/// Aeron's `NULL_POSITION`.
const NULL_POSITION: i64 = -1;
/// Control fragments per slow tick (Aeron's `ServiceAdapter.FRAGMENT_LIMIT`).
const CONTROL_FRAGMENT_LIMIT: usize = 1;
/// Attempts to send the termination ack (Aeron: 5).
const TERMINATION_ACK_ATTEMPTS: usize = 5;

/// A resource added asynchronously.
enum Pending<T> {
    NotRequested,
    Requested(i64),
    Ready(T),
}

/// Progress of joining an announced log.
enum JoinState {
    Idle,
    Subscribing(i64),
    AwaitingImage(Subscription),
}

/// Progress of recovering from the consensus module's recovery state.
enum Recovery {
    /// The recovery-state counter is not there yet.
    Awaiting,
    /// Reading this service's snapshot.
    Loading { state: RecoveryState, reader: SnapshotRecordingReader, deadline_ns: i64 },
    /// Ready to start: the recovery state and the snapshot's messages, if there is one.
    Ready { state: RecoveryState, messages: Option<Vec<Vec<u8>>> },
}

/// The commit-position counter found at start-up.
struct CommitCounter {
    counter: AtomicCounter,
    counter_id: i32,
    registration_id: i64,
}

/// Runs one clustered service. Drive it like any [`Agent`]: `do_work(now_ns)` repeatedly (from a
/// runner thread or the caller's loop) until it returns `Err`, then `on_close`.
pub struct ClusteredServiceAgent {
    service: Box<dyn ClusteredService + Send>,
    state: ServiceState,
    service_name: String,
    cluster_id: i32,
    control_channel: String,
    service_stream_id: i32,
    consensus_module_stream_id: i32,
    log_fragment_limit: usize,
    slow_tick_interval_ns: i64,
    invoke_aeron_conductor: bool,
    subscription_alias: String,
    counters: CountersReader,
    commit_position: Option<CommitCounter>,
    control_publication: Pending<()>,
    control_subscription: Pending<Subscription>,
    control_assembler: FragmentAssembler,
    log: Option<LogAdapter>,
    join: JoinState,
    pending_join: Option<ActiveLogEvent>,
    termination_position: i64,
    termination_ack_required: bool,
    requested_ack_position: i64,
    last_slow_tick_ns: Option<i64>,
    archive: Option<AeronArchive>,
    snapshot_channel: String,
    snapshot_stream_id: i32,
    replay_channel: String,
    replay_stream_id: i32,
    snapshot_load_timeout_ns: i64,
    recovery: Recovery,
    snapshot_task: Option<(SnapshotRecordingWriter, i64)>,
    now_ns: i64,
    started: bool,
    on_terminate_called: bool,
    termination: Option<AgentTermination>,
}

impl std::fmt::Debug for ClusteredServiceAgent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusteredServiceAgent")
            .field("service_name", &self.service_name)
            .field("service_id", &self.state.service_id)
            .field("role", &self.role())
            .field("log_position", &self.state.log_position)
            .field("started", &self.started)
            .field("terminated", &self.is_terminated())
            .finish_non_exhaustive()
    }
}

impl ClusteredServiceAgent {
    /// An agent for `service` configured by `ctx`. Nothing is added to the driver until the first
    /// `do_work`.
    ///
    /// The service must be `Send` because [`Agent`] is (the agent may run on a runner thread).
    pub fn new(ctx: ServiceContext, service: Box<dyn ClusteredService + Send>) -> Self {
        let ServiceContext {
            service_id,
            cluster_id,
            aeron,
            control_channel,
            service_stream_id,
            consensus_module_stream_id,
            service_name,
            log_fragment_limit,
            slow_tick_interval_ns,
            invoke_aeron_conductor,
            is_responding_service,
            app_version,
            error_handler,
            archive,
            snapshot_channel,
            snapshot_stream_id,
            replay_channel,
            replay_stream_id,
            snapshot_load_timeout_ns,
        } = ctx;
        let counters = aeron.counters_reader();
        let shared = Arc::new(ServiceShared::new(aeron, is_responding_service));
        let state = ServiceState {
            service_id,
            member_id: -1,
            log_position: 0,
            time_unit: protocol::cluster::ClusterTimeUnit::Millis,
            sessions: BTreeMap::new(),
            proxy: None,
            shared,
            errors: ErrorSink::new(error_handler),
            next_ack_id: 0,
            pending_acks: VecDeque::new(),
            standby_snapshot_flags: 0,
            app_version,
            fatal: None,
            connects_pending: false,
            snapshot_request: None,
        };
        Self {
            service,
            state,
            service_name,
            cluster_id,
            control_channel,
            service_stream_id,
            consensus_module_stream_id,
            log_fragment_limit: log_fragment_limit.max(1),
            slow_tick_interval_ns,
            invoke_aeron_conductor,
            subscription_alias: format!("log-sc-{service_id}"),
            counters,
            commit_position: None,
            control_publication: Pending::NotRequested,
            control_subscription: Pending::NotRequested,
            control_assembler: FragmentAssembler::new(1024),
            log: None,
            join: JoinState::Idle,
            pending_join: None,
            termination_position: NULL_POSITION,
            termination_ack_required: false,
            requested_ack_position: NULL_POSITION,
            last_slow_tick_ns: None,
            archive,
            snapshot_channel,
            snapshot_stream_id,
            replay_channel,
            replay_stream_id,
            snapshot_load_timeout_ns,
            recovery: Recovery::Awaiting,
            snapshot_task: None,
            now_ns: 0,
            started: false,
            on_terminate_called: false,
            termination: None,
        }
    }

    /// The service's role (Follower until it joins a log as leader).
    pub fn role(&self) -> Role {
        self.state.shared.role()
    }

    /// Log position after the last message the service processed (0 on a fresh log).
    pub fn log_position(&self) -> i64 {
        self.state.log_position
    }

    /// Cluster time of the last message processed.
    pub fn cluster_time(&self) -> i64 {
        self.state.shared.cluster_time()
    }

    /// This service's id.
    pub fn service_id(&self) -> i32 {
        self.state.service_id
    }

    /// Member id from the latest JoinLog (-1 before one).
    pub fn member_id(&self) -> i32 {
        self.state.member_id
    }

    /// True once `on_start` has run.
    pub fn is_started(&self) -> bool {
        self.started
    }

    /// True once the agent has terminated (normally or fatally).
    pub fn is_terminated(&self) -> bool {
        self.termination.is_some()
    }

    /// Why the agent terminated, once it has.
    pub fn termination(&self) -> Option<&AgentTermination> {
        self.termination.as_ref()
    }

    /// True while a log image is joined.
    pub fn has_log(&self) -> bool {
        self.log.is_some()
    }

    /// Number of open client sessions.
    pub fn client_session_count(&self) -> usize {
        self.state.sessions.len()
    }

    /// The ack id the next ServiceAck will carry.
    pub fn next_ack_id(&self) -> i64 {
        self.state.next_ack_id
    }

    /// Number of errors reported so far.
    pub fn error_count(&self) -> u64 {
        self.state.errors.count
    }

    /// The service (for inspection).
    pub fn service(&self) -> &dyn ClusteredService {
        &*self.service
    }

    /// The service, mutably (for inspection between duty cycles).
    pub fn service_mut(&mut self) -> &mut dyn ClusteredService {
        &mut *self.service
    }

    fn report(&mut self, error: ServiceError) {
        self.state.errors.report(error);
    }

    /// Runs `on_terminate` once (if the service started).
    fn call_on_terminate(&mut self) {
        if self.started && !self.on_terminate_called {
            self.on_terminate_called = true;
            self.state.shared.set_lifecycle(Lifecycle::OnTerminate);
            self.service.on_terminate(&mut Cluster::new(&self.state));
            self.state.shared.set_lifecycle(Lifecycle::None);
        }
    }

    /// Ends the agent with a fatal error.
    fn fail(&mut self, error: ServiceError) -> AgentTermination {
        let reason = error.to_string();
        self.report(error);
        self.call_on_terminate();
        let termination = AgentTermination::Fatal(reason);
        self.termination = Some(termination.clone());
        termination
    }

    /// Ends the agent normally (termination position reached, commit counter gone).
    fn finish(&mut self) -> AgentTermination {
        self.call_on_terminate();
        self.termination = Some(AgentTermination::Done);
        AgentTermination::Done
    }

    fn set_role(&mut self, role: Role) {
        if role != self.state.shared.role() {
            self.state.shared.set_role(role);
            self.state.shared.set_lifecycle(Lifecycle::OnRoleChange);
            self.service.on_role_change(&mut Cluster::new(&self.state), role);
            self.state.shared.set_lifecycle(Lifecycle::None);
        }
    }

    /// Start-up steps; returns the work done.
    fn start_up(&mut self) -> Result<usize, AgentTermination> {
        let mut work = 0;
        let aeron = self.state.shared.aeron.clone();
        if self.commit_position.is_none() {
            self.commit_position = find_commit_position(&self.counters, self.cluster_id);
            work += usize::from(self.commit_position.is_some());
        }
        match self.control_publication {
            Pending::NotRequested => {
                match aeron.async_add_publication(&self.control_channel, self.consensus_module_stream_id) {
                    Ok(registration_id) => self.control_publication = Pending::Requested(registration_id),
                    Err(source) => {
                        self.report(ServiceError::Client { operation: "add control publication", source })
                    }
                }
                work += 1;
            }
            Pending::Requested(registration_id) => match aeron.poll_publication(registration_id) {
                Ok(Some(publication)) => {
                    self.install_proxy(publication);
                    work += 1;
                }
                Ok(None) => {}
                Err(source) => {
                    self.control_publication = Pending::NotRequested;
                    self.report(ServiceError::Client { operation: "add control publication", source });
                }
            },
            Pending::Ready(()) => {}
        }
        match self.control_subscription {
            Pending::NotRequested => {
                match aeron.async_add_subscription(&self.control_channel, self.service_stream_id) {
                    Ok(registration_id) => self.control_subscription = Pending::Requested(registration_id),
                    Err(source) => {
                        self.report(ServiceError::Client { operation: "add control subscription", source })
                    }
                }
                work += 1;
            }
            Pending::Requested(registration_id) => match aeron.poll_subscription(registration_id) {
                Ok(Some(subscription)) => {
                    self.control_subscription = Pending::Ready(subscription);
                    work += 1;
                }
                Ok(None) => {}
                Err(source) => {
                    self.control_subscription = Pending::NotRequested;
                    self.report(ServiceError::Client { operation: "add control subscription", source });
                }
            },
            Pending::Ready(_) => {}
        }
        work += self.recover()?;
        let ready = self.commit_position.is_some()
            && matches!(self.control_publication, Pending::Ready(()))
            && matches!(self.control_subscription, Pending::Ready(_))
            && matches!(self.recovery, Recovery::Ready { .. });
        if ready {
            let Recovery::Ready { state, messages } =
                std::mem::replace(&mut self.recovery, Recovery::Awaiting)
            else {
                unreachable!("checked above")
            };
            let first_service_message = match messages.as_ref() {
                Some(messages) => Some(self.restore_from_snapshot(&state, messages)?),
                None => None,
            };
            self.started = true;
            self.state.shared.set_lifecycle(Lifecycle::OnStart);
            match (messages.as_ref(), first_service_message) {
                (Some(messages), Some(first)) => {
                    let mut reader = SnapshotReader::new(&messages[first..]);
                    self.service.on_start(&mut Cluster::new(&self.state), Some(&mut reader));
                }
                _ => self.service.on_start(&mut Cluster::new(&self.state), None),
            }
            self.state.shared.set_lifecycle(Lifecycle::None);
            self.state.queue_ack(self.state.log_position, aeron.client_id());
            work += 1;
        }
        Ok(work)
    }

    /// Finds the recovery state and loads this service's snapshot, if it has one.
    fn recover(&mut self) -> Result<usize, AgentTermination> {
        match std::mem::replace(&mut self.recovery, Recovery::Awaiting) {
            Recovery::Awaiting => {
                let Some(state) = find_recovery_state(&self.counters, self.cluster_id) else { return Ok(0) };
                let Some(recording_id) = state.snapshot_recording_id(self.state.service_id) else {
                    self.recovery = Recovery::Ready { state, messages: None };
                    return Ok(1);
                };
                let load_failed = |reason: String| ServiceError::SnapshotLoadFailed { recording_id, reason };
                let Some(archive) = self.archive.as_mut() else {
                    return Err(self.fail(load_failed("no archive client configured".into())));
                };
                match SnapshotRecordingReader::start(
                    archive,
                    recording_id,
                    &self.replay_channel,
                    self.replay_stream_id,
                ) {
                    Ok(reader) => {
                        let deadline_ns = self.now_ns.saturating_add(self.snapshot_load_timeout_ns);
                        self.recovery = Recovery::Loading { state, reader, deadline_ns };
                        Ok(1)
                    }
                    Err(error) => Err(self.fail(load_failed(error.to_string()))),
                }
            }
            Recovery::Loading { state, mut reader, deadline_ns } => {
                let recording_id = reader.recording_id();
                match reader.poll(self.log_fragment_limit.max(64)) {
                    Ok(Some(messages)) => {
                        self.recovery = Recovery::Ready { state, messages: Some(messages) };
                        Ok(1)
                    }
                    Ok(None) if self.now_ns > deadline_ns => Err(self
                        .fail(ServiceError::SnapshotLoadFailed { recording_id, reason: "timed out".into() })),
                    Ok(None) => {
                        self.recovery = Recovery::Loading { state, reader, deadline_ns };
                        Ok(0)
                    }
                    Err(error) => Err(self
                        .fail(ServiceError::SnapshotLoadFailed { recording_id, reason: error.to_string() })),
                }
            }
            ready @ Recovery::Ready { .. } => {
                self.recovery = ready;
                Ok(0)
            }
        }
    }

    /// Restores the container's part of a snapshot (position, term, time, sessions); returns the index of
    /// the service's first message.
    fn restore_from_snapshot(
        &mut self,
        recovery: &RecoveryState,
        messages: &[Vec<u8>],
    ) -> Result<usize, AgentTermination> {
        let recording_id = recovery.snapshot_recording_id(self.state.service_id).unwrap_or(NULL_VALUE);
        let (header, first) = match ServiceSnapshotHeader::decode(messages) {
            Ok(decoded) => decoded,
            Err(error) => {
                return Err(
                    self.fail(ServiceError::SnapshotLoadFailed { recording_id, reason: error.to_string() })
                );
            }
        };
        if header.log_position != recovery.log_position {
            return Err(self.fail(ServiceError::SnapshotLoadFailed {
                recording_id,
                reason: format!(
                    "snapshot is at log position {}, the recovery state says {}",
                    header.log_position, recovery.log_position
                ),
            }));
        }
        self.state.log_position = header.log_position;
        self.state.time_unit = header.time_unit;
        self.state.shared.set_leadership_term_id(header.leadership_term_id);
        self.state.shared.set_cluster_time(recovery.timestamp);
        for session in header.sessions {
            let restored = ClientSession::new(
                session.cluster_session_id,
                session.response_stream_id,
                &session.response_channel,
                &session.encoded_principal,
                self.state.shared.clone(),
            );
            self.state.sessions.insert(session.cluster_session_id, restored);
        }
        Ok(first)
    }

    /// Captures the snapshot at `log_position` (container part, then the service's messages) and starts
    /// recording it; on failure acknowledges with a null recording id.
    fn take_snapshot(&mut self, log_position: i64) {
        let failed = |reason: String| ServiceError::SnapshotFailed { log_position, reason };
        let Some(archive) = self.archive.as_mut() else {
            self.report(failed("no archive client configured".into()));
            self.state.queue_ack(log_position, NULL_VALUE);
            return;
        };
        let mut writer =
            match SnapshotRecordingWriter::start(archive, &self.snapshot_channel, self.snapshot_stream_id) {
                Ok(writer) => writer,
                Err(error) => {
                    self.report(failed(error.to_string()));
                    self.state.queue_ack(log_position, NULL_VALUE);
                    return;
                }
            };
        let header = ServiceSnapshotHeader {
            log_position,
            leadership_term_id: self.state.shared.leadership_term_id(),
            time_unit: self.state.time_unit,
            app_version: self.state.app_version,
            sessions: self
                .state
                .sessions
                .values()
                .map(|session| SnapshotClientSession {
                    cluster_session_id: session.id(),
                    response_stream_id: session.response_stream_id(),
                    response_channel: session.response_channel().to_owned(),
                    encoded_principal: session.encoded_principal().to_vec(),
                })
                .collect(),
        };
        let mut messages = header.encode();
        let mut snapshot_writer = SnapshotWriter::new(&mut messages, writer.max_message_length());
        self.service.on_take_snapshot(&mut Cluster::new(&self.state), &mut snapshot_writer);
        let refused = snapshot_writer.has_refused();
        let written = if refused {
            Err(format!(
                "the service offered a message longer than the snapshot channel's maximum {}",
                writer.max_message_length()
            ))
        } else {
            writer.write(messages).map_err(|e| e.to_string())
        };
        match written {
            Ok(()) => self.snapshot_task = Some((writer, log_position)),
            Err(reason) => {
                if let Some(archive) = self.archive.as_mut() {
                    writer.abandon(archive);
                }
                self.report(failed(reason));
                self.state.queue_ack(log_position, NULL_VALUE);
            }
        }
    }

    /// Streams a snapshot being taken into its recording; acknowledges it once recorded.
    fn snapshot_work(&mut self) -> usize {
        let Some((mut writer, log_position)) = self.snapshot_task.take() else { return 0 };
        let Some(archive) = self.archive.as_mut() else { return 0 };
        match writer.poll(archive) {
            Ok(Some(recording_id)) => {
                self.state.queue_ack(log_position, recording_id);
                1
            }
            Ok(None) => {
                self.snapshot_task = Some((writer, log_position));
                0
            }
            Err(error) => {
                writer.abandon(archive);
                self.report(ServiceError::SnapshotFailed { log_position, reason: error.to_string() });
                self.state.queue_ack(log_position, NULL_VALUE);
                1
            }
        }
    }

    fn install_proxy(&mut self, publication: Publication) {
        self.state.proxy = Some(ConsensusModuleProxy::new(publication));
        self.control_publication = Pending::Ready(());
    }

    /// True if the commit-position counter is no longer the one found at start-up.
    fn commit_position_closed(&self) -> Option<i32> {
        let commit = self.commit_position.as_ref()?;
        let alive = self.counters.counter_state(commit.counter_id) == RECORD_ALLOCATED
            && self.counters.counter_registration_id(commit.counter_id) == commit.registration_id;
        (!alive).then_some(commit.counter_id)
    }

    /// Polls one control fragment and applies what it says.
    fn poll_control(&mut self) -> usize {
        let Pending::Ready(subscription) = &mut self.control_subscription else {
            return 0;
        };
        let assembler = &mut self.control_assembler;
        let mut decoded = None;
        let fragments = subscription.poll(
            &mut |fragment, header| {
                assembler.on_fragment(fragment, header, &mut |message, _| {
                    decoded = Some(ControlEvent::decode(message));
                })
            },
            CONTROL_FRAGMENT_LIMIT,
        );
        match decoded {
            Some(Ok(Some(event))) => self.on_control_event(event),
            Some(Err(error)) => self.report(error),
            Some(Ok(None)) | None => {}
        }
        fragments
    }

    fn on_control_event(&mut self, event: ControlEvent) {
        match event {
            ControlEvent::JoinLog(join) => {
                if let Some(log) = self.log.as_mut() {
                    // Let the current image run up to where the new one starts, then close it.
                    log.set_max_log_position(join.log_position);
                }
                // A newer JoinLog supersedes one still being joined: its subscription (if any) is dropped
                // and the join restarts with the new channel.
                self.join = JoinState::Idle;
                self.pending_join = Some(join);
            }
            ControlEvent::TerminationPosition { log_position, ack_required } => {
                self.termination_position = log_position;
                self.termination_ack_required = ack_required;
            }
            ControlEvent::RequestAck { log_position } => self.requested_ack_position = log_position,
        }
    }

    /// Progresses joining the announced log (only once the previous image is gone).
    fn join_log(&mut self) -> Result<usize, AgentTermination> {
        if self.log.is_some() {
            return Ok(0);
        }
        let Some(event) = self.pending_join.clone() else {
            return Ok(0);
        };
        let aeron = self.state.shared.aeron.clone();
        match std::mem::replace(&mut self.join, JoinState::Idle) {
            JoinState::Idle => {
                if event.role_code != Role::Leader.code() {
                    self.state.disconnect_egress();
                }
                self.state.standby_snapshot_flags = i32::from(event.is_standby);
                let channel = with_alias(&event.log_channel, &self.subscription_alias);
                match aeron.async_add_subscription(&channel, event.log_stream_id) {
                    Ok(registration_id) => self.join = JoinState::Subscribing(registration_id),
                    Err(source) => self.report(ServiceError::Client { operation: "join log", source }),
                }
                Ok(1)
            }
            JoinState::Subscribing(registration_id) => match aeron.poll_subscription(registration_id) {
                Ok(Some(subscription)) => {
                    self.join = JoinState::AwaitingImage(subscription);
                    Ok(1)
                }
                Ok(None) => {
                    self.join = JoinState::Subscribing(registration_id);
                    Ok(0)
                }
                Err(source) => {
                    self.report(ServiceError::Client { operation: "join log", source });
                    Ok(0)
                }
            },
            JoinState::AwaitingImage(mut subscription) => {
                let Some(image) = subscription.image_by_session_id(event.log_session_id).cloned() else {
                    self.join = JoinState::AwaitingImage(subscription);
                    return Ok(0);
                };
                let expected_position = self.state.log_position;
                if image.join_position() != expected_position || event.log_position != expected_position {
                    return Err(self.fail(ServiceError::LogNotContiguous {
                        expected_position,
                        join_position: image.join_position(),
                        event_position: event.log_position,
                    }));
                }
                self.pending_join = None;
                self.log = Some(LogAdapter::new(subscription, image, event.max_log_position));
                self.state.queue_ack(event.log_position, NULL_VALUE);
                self.state.member_id = event.member_id;
                let role = Role::from_code(event.role_code).unwrap_or_else(|| {
                    self.state.errors.report(ServiceError::UnknownRole { code: event.role_code });
                    Role::Follower
                });
                if role == Role::Leader {
                    let mut failures = Vec::new();
                    for session in self.state.sessions.values() {
                        if self.state.shared.is_responding_service && !event.is_startup {
                            if let Err(source) = session.connect() {
                                failures.push(source);
                            }
                            self.state.connects_pending = true;
                        }
                        session.reset_closing();
                    }
                    for source in failures {
                        self.report(ServiceError::Client {
                            operation: "add session response publication",
                            source,
                        });
                    }
                }
                self.set_role(role);
                Ok(1)
            }
        }
    }

    /// Asks the driver about response publications being added; reports refusals.
    fn poll_pending_connects(&mut self) {
        if !self.state.connects_pending {
            return;
        }
        let mut still_pending = false;
        let mut failures = Vec::new();
        for session in self.state.sessions.values() {
            if let Some(error) = session.poll_connect() {
                failures.push(error);
            }
            still_pending |= session.is_connect_pending();
        }
        self.state.connects_pending = still_pending;
        for source in failures {
            self.report(ServiceError::Client { operation: "add session response publication", source });
        }
    }

    /// Terminates if the log position reached the termination position (acks must be flushed).
    fn check_termination(&mut self) -> Result<(), AgentTermination> {
        if self.termination_position == NULL_POSITION || self.state.log_position < self.termination_position {
            return Ok(());
        }
        if self.state.log_position > self.termination_position {
            self.report(ServiceError::PositionOvershoot {
                what: "termination",
                log_position: self.state.log_position,
                requested_position: self.termination_position,
            });
        }
        self.call_on_terminate();
        if self.termination_ack_required {
            self.state.queue_ack(self.state.log_position, NULL_VALUE);
            let sent = (0..TERMINATION_ACK_ATTEMPTS).any(|_| self.state.flush_acks());
            if !sent {
                self.report(ServiceError::TerminationAckNotSent);
            }
        }
        self.termination_position = NULL_POSITION;
        Err(self.finish())
    }

    /// Acks a RequestServiceAck once the log position reached it.
    fn check_requested_ack(&mut self) {
        if self.requested_ack_position == NULL_POSITION
            || self.state.log_position < self.requested_ack_position
        {
            return;
        }
        if self.state.log_position > self.requested_ack_position {
            self.report(ServiceError::PositionOvershoot {
                what: "ack",
                log_position: self.state.log_position,
                requested_position: self.requested_ack_position,
            });
        }
        self.state.queue_ack(self.state.log_position, NULL_VALUE);
        self.requested_ack_position = NULL_POSITION;
    }

    /// Drops the finished log image, the egress, and reverts to Follower.
    fn close_log(&mut self) {
        if let Some(log) = self.log.take() {
            self.state.log_position = self.state.log_position.max(log.position());
        }
        self.state.disconnect_egress();
        self.set_role(Role::Follower);
    }

    /// The slow-tick duties after start-up.
    fn slow_tick(&mut self) -> Result<usize, AgentTermination> {
        if let Some(counter_id) = self.commit_position_closed() {
            self.report(ServiceError::CommitPositionClosed { counter_id });
            return Err(self.finish());
        }
        let mut work = self.poll_control();
        work += self.join_log()?;
        self.poll_pending_connects();
        self.check_termination()?;
        self.check_requested_ack();
        Ok(work)
    }

    /// Polls the log image; closes it when done.
    fn poll_log(&mut self) -> Result<usize, AgentTermination> {
        let (Some(log), Some(commit)) = (self.log.as_mut(), self.commit_position.as_ref()) else {
            return Ok(0);
        };
        let commit_position = commit.counter.get_volatile();
        let polled = log.poll(&mut *self.service, &mut self.state, commit_position, self.log_fragment_limit);
        if let Some(error) = self.state.fatal.take() {
            return Err(self.fail(error));
        }
        if let Some(log_position) = self.state.snapshot_request.take() {
            self.take_snapshot(log_position);
            return Ok(polled + 1);
        }
        if polled == 0 && log.is_done() {
            self.close_log();
            return Ok(1);
        }
        Ok(polled)
    }
}

impl Agent for ClusteredServiceAgent {
    fn role_name(&self) -> &str {
        &self.service_name
    }

    fn do_work(&mut self, now_ns: i64) -> Result<usize, AgentTermination> {
        if let Some(termination) = &self.termination {
            return Err(termination.clone());
        }
        self.now_ns = now_ns;
        let mut work = 0;
        let tick = self
            .last_slow_tick_ns
            .is_none_or(|last_ns| now_ns.wrapping_sub(last_ns) >= self.slow_tick_interval_ns);
        if tick {
            self.last_slow_tick_ns = Some(now_ns);
            if self.invoke_aeron_conductor {
                work += self.state.shared.aeron.conductor_do_work(now_ns);
            }
            if self.state.shared.aeron.is_closed() {
                let reason = self
                    .state
                    .shared
                    .aeron
                    .termination_reason()
                    .map_or_else(|| "unknown".to_owned(), |e| e.to_string());
                return Err(self.fail(ServiceError::AeronClosed { reason }));
            }
            if let Some(archive) = self.archive.as_mut() {
                let _ = archive.keep_alive_if_due(now_ns);
            }
            if !self.started {
                work += self.start_up()?;
            }
        }
        if !self.started {
            return Ok(work);
        }
        if !self.state.flush_acks() {
            return Ok(work);
        }
        if tick {
            work += self.slow_tick()?;
            if !self.state.flush_acks() {
                return Ok(work);
            }
        }
        if self.snapshot_task.is_some() {
            // Nothing later in the log is read until the snapshot is recorded and acknowledged.
            work += self.snapshot_work();
            self.state.flush_acks();
            return Ok(work);
        }
        work += self.poll_log()?;
        if self.state.flush_acks() {
            self.check_termination()?;
        }
        work += self.service.do_background_work(now_ns);
        Ok(work)
    }

    fn on_close(&mut self) {
        self.call_on_terminate();
        if let (Some((writer, _)), Some(archive)) = (self.snapshot_task.take(), self.archive.as_mut()) {
            writer.abandon(archive);
        }
        if let Some(archive) = self.archive.as_mut() {
            archive.close();
        }
        self.log = None;
        self.join = JoinState::Idle;
        self.state.disconnect_egress();
        self.state.sessions.clear();
        self.control_subscription = Pending::NotRequested;
        self.state.proxy = None;
    }
}

/// The allocated commit-position counter of `cluster_id`, if any.
fn find_commit_position(counters: &CountersReader, cluster_id: i32) -> Option<CommitCounter> {
    let mut found = None;
    let wanted_key = cluster_id.to_le_bytes();
    counters.for_each(|counter_id, type_id, key, _label| {
        if found.is_none() && type_id == COMMIT_POSITION_TYPE_ID && key.get(..4) == Some(&wanted_key[..]) {
            found = Some(counter_id);
        }
    });
    let counter_id = found?;
    Some(CommitCounter {
        counter: counters.try_counter(counter_id)?,
        counter_id,
        registration_id: counters.counter_registration_id(counter_id),
    })
}

/// The recovery state of `cluster_id`, if its counter is allocated.
fn find_recovery_state(counters: &CountersReader, cluster_id: i32) -> Option<RecoveryState> {
    let mut found = None;
    counters.for_each(|_counter_id, type_id, key, _label| {
        if found.is_none()
            && type_id == RECOVERY_STATE_TYPE_ID
            && let Some(state) = RecoveryState::decode(key)
            && state.cluster_id == cluster_id
        {
            found = Some(state);
        }
    });
    found
}

/// `channel` with `alias=<alias>` (replacing any alias); unchanged if it does not parse (the driver
/// will then refuse it and the error is reported).
fn with_alias(channel: &str, alias: &str) -> String {
    match ChannelUri::parse(channel) {
        Ok(uri) => match ChannelUriBuilder::from_uri(&uri).alias(alias).build() {
            Ok(with_alias) => with_alias.to_string(),
            Err(_) => channel.to_string(),
        },
        Err(_) => channel.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_subscription_alias_is_set_or_replaced() {
        assert_eq!(with_alias("aeron:ipc", "log-sc-1"), "aeron:ipc?alias=log-sc-1");
        let replaced = with_alias("aeron:udp?tags=7|alias=old", "log-sc-0");
        let uri = ChannelUri::parse(&replaced).expect("parses");
        assert_eq!(uri.alias(), Some("log-sc-0"));
        assert_eq!(uri.channel_tag(), Some(7));
        assert_eq!(with_alias("not a channel", "x"), "not a channel");
    }

    #[test]
    fn the_commit_counter_is_found_by_type_and_cluster_id() {
        let metadata = agrona::AtomicBuffer::heap(8 * agrona::counters_descriptor::METADATA_LENGTH);
        let values = agrona::AtomicBuffer::heap(8 * agrona::counters_descriptor::COUNTER_LENGTH);
        let mut manager = agrona::CountersManager::new(metadata, values, 0);
        let reader = manager.reader();
        assert!(find_commit_position(&reader, 7).is_none());
        manager
            .allocate(COMMIT_POSITION_TYPE_ID, &6i32.to_le_bytes(), "Cluster commit-pos: - clusterId=6", 0)
            .unwrap();
        manager.allocate(1, &7i32.to_le_bytes(), "other type", 0).unwrap();
        let id = manager
            .allocate(COMMIT_POSITION_TYPE_ID, &7i32.to_le_bytes(), "Cluster commit-pos: - clusterId=7", 0)
            .unwrap();
        let found = find_commit_position(&reader, 7).expect("found");
        assert_eq!(found.counter_id, id);
        found.counter.set_ordered(4096);
        assert_eq!(reader.counter_value(id), 4096);
    }
}
