//! [`ArchiveConductor`]: the archive agent (Aeron's `ArchiveConductor` in DEDICATED-less, single-agent
//! form): control sessions, recordings and replays on one duty cycle.
//!
//! Each duty cycle: run the client conductor (if configured), poll the control request channels and
//! serve each request, flush control sessions' queued responses and check their liveness, start a
//! recording session for each new image of a recording subscription, record one block per recording
//! session, and replay one block per replay session.
//!
//! Invariants:
//! - every loop is bounded: fragments per poll, sessions per cycle, catalog entries per listing;
//! - every request of a known control session gets exactly one answer (OK, ERROR with an Aeron
//!   `ArchiveException` code and a message, or the descriptors + RECORDING_UNKNOWN of a listing), except
//!   KeepAlive and CloseSession, which Aeron does not answer; requests of unknown sessions are ignored;
//! - a recording's catalog stop position is written when its session stops (end of stream, request,
//!   storage failure), then its `rec-pos` counter is freed and a STOP signal sent; replays following it
//!   switch to that stop position;
//! - a fatal storage error on a recording stops that recording (reported once, never retried); a fatal
//!   catalog error stops the archive (`AgentTermination::Fatal`);
//! - bytes from clients are decoded with `protocol::archive` codecs, which never panic.

use std::sync::Arc;

use agrona::{Agent, AgentTermination, CountersReader, EpochClock};
use client::{Aeron, FragmentAssembler, Header, Image, Subscription};
use protocol::archive::{
    ArchiveMessage, RecordingSignal, SourceLocation, archive_error_code as code, decode_any,
};
use protocol::channel_uri::{ChannelUri, ChannelUriBuilder};

use crate::archive_context::ArchiveContext;
use crate::control_session::ControlSession;
use crate::recording_events_proxy::RecordingEventsProxy;
use crate::recording_session::{
    RECORDING_POSITION_TYPE_ID, RecordingOrigin, RecordingProgress, RecordingSession, recording_position_key,
};
use crate::replay_session::{ReplayEnd, ReplayLimit, ReplayOrigin, ReplaySession};
use crate::replication_session::ReplicationSession;
use crate::segment_operations::{self, SegmentOperationError};
use crate::{
    ArchiveFile, ArchiveStorage, Catalog, CatalogConfig, CatalogError, FileSyncLevel, NULL_VALUE,
    NewRecording, RecordingError, RecordingReader, RecordingState, RecordingWriter, RecoveryError,
    RecoveryReport, SegmentGeometry, StorageError, check_frame, recover_catalog, segment_file_name,
};

mod replication;

/// Replay length meaning "replay everything and follow a live recording" (`REPLAY_ALL_AND_FOLLOW`).
pub const REPLAY_ALL_AND_FOLLOW: i64 = -1;
/// Replay length meaning "replay up to the current end and stop" (`REPLAY_ALL_AND_STOP`).
pub const REPLAY_ALL_AND_STOP: i64 = -2;
/// Control request fragments read per duty cycle.
const CONTROL_FRAGMENT_LIMIT: usize = 10;
/// Errors kept in [`ArchiveConductor::errors`].
const MAX_KEPT_ERRORS: usize = 256;
/// Keys kept in a recording's stripped channel (Aeron's `strippedChannelBuilder`).
const STRIPPED_KEYS: &[&str] =
    &["endpoint", "interface", "control", "control-mode", "session-id", "tags", "rejoin", "group", "tether"];

/// Why the archive could not start.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The catalog could not be opened or created.
    #[error("archive catalog: {0}")]
    Catalog(#[from] CatalogError),
    /// Crash recovery failed.
    #[error("archive recovery: {0}")]
    Recovery(#[from] RecoveryError),
    /// A control channel could not be subscribed to.
    #[error("archive control channel {channel}: {reason}")]
    ControlChannel {
        /// The channel.
        channel: String,
        /// The client's error.
        reason: String,
    },
    /// The recording events publication could not be added.
    #[error("archive recording events channel {channel}: {reason}")]
    EventsChannel {
        /// The channel.
        channel: String,
        /// The client's error.
        reason: String,
    },
}

/// An error answer: an `archive_error_code` and a message.
struct Refusal {
    error_code: i64,
    message: String,
}

fn refuse<T>(error_code: i64, message: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal { error_code, message: message.into() })
}

fn unknown_recording(recording_id: i64) -> Refusal {
    Refusal { error_code: code::UNKNOWN_RECORDING, message: format!("unknown recording id: {recording_id}") }
}

/// What a recording subscription feeds.
#[derive(Debug)]
enum SubscriptionKind {
    /// Each new image starts a new recording.
    Start { original_channel: String, stripped_channel: String },
    /// The first image extends this recording.
    Extend { recording_id: i64 },
}

/// A subscription the archive records from.
#[derive(Debug)]
struct RecordingSubscription {
    subscription: Subscription,
    key: String,
    stream_id: i32,
    control_session_id: i64,
    correlation_id: i64,
    auto_stop: bool,
    kind: SubscriptionKind,
    seen_images: Vec<i64>,
    closing: bool,
}

/// The archive agent.
///
/// Build it with [`ArchiveConductor::new`] (opens or creates the catalog, recovers interrupted
/// recordings, subscribes to the control channels), then run it as an [`Agent`] ("archive-conductor") on
/// a runner thread, or step it with [`Agent::do_work`]. Clients talk to it with Aeron's archive control
/// protocol on the control channel.
pub struct ArchiveConductor<S: ArchiveStorage> {
    ctx: ArchiveContext<S>,
    catalog: Catalog<S::File>,
    recovery_report: RecoveryReport,
    control_subscriptions: Vec<Subscription>,
    assembler: FragmentAssembler,
    control_sessions: Vec<ControlSession>,
    recording_subscriptions: Vec<RecordingSubscription>,
    recording_sessions: Vec<RecordingSession<S>>,
    replay_sessions: Vec<ReplaySession<S>>,
    replication_sessions: Vec<ReplicationSession>,
    events: Option<RecordingEventsProxy>,
    replay_counter: i64,
    errors: Vec<String>,
    error_count: u64,
    fatal: Option<String>,
    now_ns: i64,
}

impl<S: ArchiveStorage> std::fmt::Debug for ArchiveConductor<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArchiveConductor")
            .field("control_sessions", &self.control_sessions.len())
            .field("recording_sessions", &self.recording_sessions.len())
            .field("replay_sessions", &self.replay_sessions.len())
            .field("error_count", &self.error_count)
            .finish_non_exhaustive()
    }
}

fn strip_channel(uri: &ChannelUri, original: &str) -> String {
    let mut builder = ChannelUriBuilder::from_uri(uri).spy(false);
    for (key, _) in uri.params() {
        if !STRIPPED_KEYS.contains(&key) {
            builder = builder.remove(key);
        }
    }
    builder.build_template().map(|stripped| stripped.to_string()).unwrap_or_else(|_| original.to_string())
}

impl<S: ArchiveStorage> ArchiveConductor<S> {
    /// Opens (or creates) the catalog in `ctx.storage`, recovers recordings interrupted by a crash (see
    /// [`ArchiveConductor::recovery_report`]), subscribes to the control channel(s) and, if configured,
    /// adds the recording events publication. Blocking client calls run here, bounded by the client's
    /// driver timeout.
    pub fn new(ctx: ArchiveContext<S>, now_ns: i64) -> Result<Self, ArchiveError> {
        let config = CatalogConfig {
            capacity: ctx.catalog_capacity,
            sync_level: ctx.catalog_file_sync_level,
            entry_checksum: ctx.record_checksum,
        };
        let mut catalog = Catalog::open_or_create(&ctx.storage, config)?;
        let recovery_report =
            recover_catalog(&ctx.storage, &mut catalog, ctx.epoch_clock.time_ms(), ctx.record_checksum)?;
        let mut channels = vec![ctx.control_channel.clone()];
        channels.extend(ctx.udp_control_channel.clone());
        let mut control_subscriptions = Vec::new();
        for channel in channels {
            let subscription =
                ctx.aeron.add_subscription(&channel, ctx.control_stream_id).map_err(|error| {
                    ArchiveError::ControlChannel { channel: channel.clone(), reason: error.to_string() }
                })?;
            control_subscriptions.push(subscription);
        }
        let events = match &ctx.recording_events_channel {
            None => None,
            Some(channel) => Some(RecordingEventsProxy::new(
                ctx.aeron.add_publication(channel, ctx.recording_events_stream_id).map_err(|error| {
                    ArchiveError::EventsChannel { channel: channel.clone(), reason: error.to_string() }
                })?,
            )),
        };
        Ok(Self {
            ctx,
            catalog,
            recovery_report,
            control_subscriptions,
            assembler: FragmentAssembler::new(1024),
            control_sessions: Vec::new(),
            recording_subscriptions: Vec::new(),
            recording_sessions: Vec::new(),
            replay_sessions: Vec::new(),
            replication_sessions: Vec::new(),
            events,
            replay_counter: 1,
            errors: Vec::new(),
            error_count: 0,
            fatal: None,
            now_ns,
        })
    }

    /// What crash recovery did when the archive started.
    pub fn recovery_report(&self) -> &RecoveryReport {
        &self.recovery_report
    }

    /// The catalog (read-only).
    pub fn catalog(&self) -> &Catalog<S::File> {
        &self.catalog
    }

    /// Errors observed so far (storage failures, malformed requests...), oldest first, the last 256.
    pub fn errors(&self) -> &[String] {
        &self.errors
    }

    /// How many errors were observed.
    pub fn error_count(&self) -> u64 {
        self.error_count
    }

    /// A reader over the media driver's counters, where the archive's `rec-pos` counters (type 100, key
    /// per reference §4) live.
    pub fn recording_counters(&self) -> CountersReader {
        self.ctx.aeron.counters_reader()
    }

    /// The `rec-pos` counter id of an active recording.
    pub fn recording_counter_id(&self, recording_id: i64) -> Option<i32> {
        self.recording_sessions
            .iter()
            .find(|session| session.recording_id() == recording_id)
            .map(RecordingSession::counter_id)
    }

    /// Open control sessions.
    pub fn control_session_count(&self) -> usize {
        self.control_sessions.len()
    }

    /// Active recording sessions.
    pub fn recording_session_count(&self) -> usize {
        self.recording_sessions.len()
    }

    /// Active replay sessions.
    pub fn replay_session_count(&self) -> usize {
        self.replay_sessions.len()
    }

    /// Active replication sessions (this archive copying recordings from other archives).
    pub fn replication_session_count(&self) -> usize {
        self.replication_sessions.len()
    }

    /// Recording events dropped by a slow events stream.
    pub fn dropped_event_count(&self) -> u64 {
        self.events.as_ref().map_or(0, RecordingEventsProxy::dropped_count)
    }

    fn now_ms(&self) -> i64 {
        self.ctx.epoch_clock.time_ms()
    }

    fn record_error(&mut self, message: String) {
        self.error_count += 1;
        if self.errors.len() >= MAX_KEPT_ERRORS {
            self.errors.remove(0);
        }
        self.errors.push(message);
    }

    fn catalog_failed(&mut self, error: CatalogError) -> Refusal {
        let fatal = match &error {
            CatalogError::Storage(storage) => storage.is_fatal(),
            CatalogError::Poisoned => true,
            _ => false,
        };
        let message = format!("catalog: {error}");
        if fatal && self.fatal.is_none() {
            self.fatal = Some(message.clone());
        }
        self.record_error(message.clone());
        Refusal { error_code: code::GENERIC, message }
    }

    fn session_mut(&mut self, control_session_id: i64) -> Option<&mut ControlSession> {
        self.control_sessions
            .iter_mut()
            .find(|session| session.id() == control_session_id && !session.is_done())
    }

    fn reply(&mut self, control_session_id: i64, correlation_id: i64, result: Result<i64, Refusal>) {
        if let Some(session) = self.session_mut(control_session_id) {
            match result {
                Ok(relevant_id) => session.send_ok(correlation_id, relevant_id),
                Err(refusal) => session.send_error(correlation_id, refusal.error_code, &refusal.message),
            }
        }
    }

    fn signal(
        &mut self,
        control_session_id: i64,
        correlation_id: i64,
        recording_id: i64,
        subscription_id: i64,
        position: i64,
        signal: RecordingSignal,
    ) {
        if let Some(session) = self.session_mut(control_session_id) {
            session.send_signal(correlation_id, recording_id, subscription_id, position, signal);
        }
    }

    // ---------------------------------------------------------------- control requests

    fn poll_control_requests(&mut self) -> usize {
        let mut subscriptions = std::mem::take(&mut self.control_subscriptions);
        let mut assembler = std::mem::replace(&mut self.assembler, FragmentAssembler::new(0));
        let mut work = 0;
        for subscription in &mut subscriptions {
            work += subscription.poll(
                &mut |fragment: &[u8], header: &Header| {
                    assembler.on_fragment(fragment, header, &mut |message: &[u8], _header: &Header| {
                        self.on_request(message);
                    });
                },
                CONTROL_FRAGMENT_LIMIT,
            );
        }
        self.control_subscriptions = subscriptions;
        self.assembler = assembler;
        work
    }

    /// Marks `control_session_id` active; false if unknown (the request is then ignored).
    fn touch(&mut self, control_session_id: i64) -> bool {
        let now_ns = self.now_ns;
        match self.session_mut(control_session_id) {
            Some(session) => {
                session.on_activity(now_ns);
                true
            }
            None => false,
        }
    }

    fn on_request(&mut self, message: &[u8]) {
        let request = match decode_any(message) {
            Ok(request) => request,
            Err(error) => {
                self.record_error(format!("malformed control request: {error}"));
                return;
            }
        };
        if let ArchiveMessage::AuthConnectRequest(connect) = request {
            self.on_connect(connect.correlation_id, connect.response_channel, connect.response_stream_id);
            return;
        }
        if let ArchiveMessage::CloseSessionRequest(close) = request {
            if let Some(session) = self.session_mut(close.control_session_id) {
                session.close();
            }
            return;
        }
        let Some((control_session_id, correlation_id)) = request_ids(&request) else {
            self.record_error(format!(
                "unexpected message template {} on the control channel",
                request.template_id()
            ));
            return;
        };
        if !self.touch(control_session_id) {
            return;
        }
        let cs = control_session_id;
        let corr = correlation_id;
        let result = match request {
            ArchiveMessage::KeepAliveRequest(_) => return,
            ArchiveMessage::StartRecordingRequest(r) => {
                self.start_recording(cs, corr, r.channel, r.stream_id, r.source_location, false)
            }
            ArchiveMessage::StartRecordingRequest2(r) => {
                let auto_stop = r.auto_stop == protocol::archive::BooleanType::True;
                self.start_recording(cs, corr, r.channel, r.stream_id, r.source_location, auto_stop)
            }
            ArchiveMessage::ExtendRecordingRequest(r) => self.extend_recording(
                cs,
                corr,
                r.recording_id,
                r.channel,
                r.stream_id,
                r.source_location,
                false,
            ),
            ArchiveMessage::ExtendRecordingRequest2(r) => {
                let auto_stop = r.auto_stop == protocol::archive::BooleanType::True;
                self.extend_recording(
                    cs,
                    corr,
                    r.recording_id,
                    r.channel,
                    r.stream_id,
                    r.source_location,
                    auto_stop,
                )
            }
            ArchiveMessage::StopRecordingRequest(r) => self.stop_recording(r.channel, r.stream_id),
            ArchiveMessage::StopRecordingSubscriptionRequest(r) => {
                self.stop_recording_subscription(r.subscription_id)
            }
            ArchiveMessage::StopRecordingByIdentityRequest(r) => {
                self.stop_recording_by_identity(r.recording_id)
            }
            ArchiveMessage::ReplayRequest(r) => self.start_replay(
                cs,
                corr,
                r.recording_id,
                r.position,
                r.length,
                r.file_io_max_length,
                r.replay_stream_id,
                r.replay_channel,
                None,
            ),
            ArchiveMessage::BoundedReplayRequest(r) => self.start_replay(
                cs,
                corr,
                r.recording_id,
                r.position,
                r.length,
                r.file_io_max_length,
                r.replay_stream_id,
                r.replay_channel,
                Some(r.limit_counter_id),
            ),
            ArchiveMessage::StopReplayRequest(r) => {
                for replay in &mut self.replay_sessions {
                    if replay.replay_session_id() == r.replay_session_id {
                        replay.abort();
                    }
                }
                Ok(0)
            }
            ArchiveMessage::StopAllReplaysRequest(r) => {
                for replay in &mut self.replay_sessions {
                    if r.recording_id == NULL_VALUE || replay.recording_id() == r.recording_id {
                        replay.abort();
                    }
                }
                Ok(0)
            }
            ArchiveMessage::ListRecordingsRequest(r) => {
                self.list_recordings(cs, corr, r.from_recording_id, r.record_count, None);
                return;
            }
            ArchiveMessage::ListRecordingsForUriRequest(r) => {
                self.list_recordings(
                    cs,
                    corr,
                    r.from_recording_id,
                    r.record_count,
                    Some((r.channel, r.stream_id)),
                );
                return;
            }
            ArchiveMessage::ListRecordingRequest(r) => {
                self.list_recording(cs, corr, r.recording_id);
                return;
            }
            ArchiveMessage::FindLastMatchingRecordingRequest(r) => Ok(self
                .catalog
                .find_last_matching(r.min_recording_id, r.channel, r.stream_id, r.session_id)
                .unwrap_or(NULL_VALUE)),
            ArchiveMessage::RecordingPositionRequest(r) => self.known(r.recording_id).map(|_| {
                self.live_session(r.recording_id).map_or(NULL_VALUE, RecordingSession::recorded_position)
            }),
            ArchiveMessage::StopPositionRequest(r) => self.known(r.recording_id).map(|d| d.stop_position),
            ArchiveMessage::StartPositionRequest(r) => self.known(r.recording_id).map(|d| d.start_position),
            ArchiveMessage::MaxRecordedPositionRequest(r) => self.known(r.recording_id).map(|d| {
                self.live_session(r.recording_id).map_or(d.stop_position, RecordingSession::recorded_position)
            }),
            ArchiveMessage::TruncateRecordingRequest(r) => {
                self.truncate_recording(cs, corr, r.recording_id, r.position)
            }
            ArchiveMessage::PurgeRecordingRequest(r) => self.purge_recording(cs, corr, r.recording_id),
            ArchiveMessage::DetachSegmentsRequest(r) => {
                self.detach_segments(r.recording_id, r.new_start_position)
            }
            ArchiveMessage::DeleteDetachedSegmentsRequest(r) => {
                self.delete_detached_segments(cs, corr, r.recording_id)
            }
            ArchiveMessage::PurgeSegmentsRequest(r) => {
                self.purge_segments(cs, corr, r.recording_id, r.new_start_position)
            }
            ArchiveMessage::AttachSegmentsRequest(r) => self.attach_segments(r.recording_id),
            ArchiveMessage::ArchiveIdRequest(_) => Ok(self.ctx.archive_id),
            ArchiveMessage::ReplicateRequest(r) => self.replicate(replication::ReplicateParams {
                control_session_id: cs,
                src_recording_id: r.src_recording_id,
                dst_recording_id: r.dst_recording_id,
                stop_position: NULL_VALUE,
                channel_tag_id: NULL_VALUE,
                subscription_tag_id: NULL_VALUE,
                src_control_stream_id: r.src_control_stream_id,
                src_control_channel: r.src_control_channel,
                live_destination: r.live_destination,
                replication_channel: "",
                file_io_max_length: NULL_VALUE as i32,
                replication_session_id: NULL_VALUE as i32,
                encoded_credentials: &[],
                src_response_channel: "",
            }),
            ArchiveMessage::TaggedReplicateRequest(r) => self.replicate(replication::ReplicateParams {
                control_session_id: cs,
                src_recording_id: r.src_recording_id,
                dst_recording_id: r.dst_recording_id,
                stop_position: NULL_VALUE,
                channel_tag_id: r.channel_tag_id,
                subscription_tag_id: r.subscription_tag_id,
                src_control_stream_id: r.src_control_stream_id,
                src_control_channel: r.src_control_channel,
                live_destination: r.live_destination,
                replication_channel: "",
                file_io_max_length: NULL_VALUE as i32,
                replication_session_id: NULL_VALUE as i32,
                encoded_credentials: &[],
                src_response_channel: "",
            }),
            ArchiveMessage::ReplicateRequest2(r) => self.replicate(replication::ReplicateParams {
                control_session_id: cs,
                src_recording_id: r.src_recording_id,
                dst_recording_id: r.dst_recording_id,
                stop_position: r.stop_position,
                channel_tag_id: r.channel_tag_id,
                subscription_tag_id: r.subscription_tag_id,
                src_control_stream_id: r.src_control_stream_id,
                src_control_channel: r.src_control_channel,
                live_destination: r.live_destination,
                replication_channel: r.replication_channel,
                file_io_max_length: r.file_io_max_length,
                replication_session_id: r.replication_session_id,
                encoded_credentials: r.encoded_credentials,
                src_response_channel: r.src_response_channel,
            }),
            ArchiveMessage::StopReplicationRequest(r) => self.stop_replication(r.replication_id),
            other => {
                refuse(code::GENERIC, format!("unsupported request: template id {}", other.template_id()))
            }
        };
        self.reply(cs, corr, result);
    }

    fn on_connect(&mut self, correlation_id: i64, response_channel: &str, response_stream_id: i32) {
        let publication = match self.ctx.aeron.add_exclusive_publication(response_channel, response_stream_id)
        {
            Ok(publication) => publication,
            Err(error) => {
                self.record_error(format!(
                    "control session response publication {response_channel} stream {response_stream_id}: {error}"
                ));
                return;
            }
        };
        let control_session_id = self.ctx.aeron.next_correlation_id();
        let mut session = ControlSession::new(
            control_session_id,
            publication,
            self.now_ns,
            self.ctx.session_liveness_timeout_ns,
        );
        session.send_ok(correlation_id, control_session_id);
        self.control_sessions.push(session);
    }

    /// The descriptor of a known (not deleted) recording.
    fn known(&self, recording_id: i64) -> Result<crate::RecordingDescriptor, Refusal> {
        match self.catalog.descriptor(recording_id) {
            Ok(descriptor) if descriptor.state != RecordingState::Deleted => Ok(descriptor),
            _ => Err(unknown_recording(recording_id)),
        }
    }

    fn live_session(&self, recording_id: i64) -> Option<&RecordingSession<S>> {
        self.recording_sessions.iter().find(|session| session.recording_id() == recording_id)
    }

    fn list_recordings(
        &mut self,
        control_session_id: i64,
        correlation_id: i64,
        from_recording_id: i64,
        record_count: i32,
        filter: Option<(&str, i32)>,
    ) {
        let count = record_count.max(0) as usize;
        let descriptors = match filter {
            None => self.catalog.list(from_recording_id, count),
            Some((channel, stream_id)) => {
                self.catalog.list_for_uri(from_recording_id, count, channel, stream_id)
            }
        };
        let mut sent = 0;
        let mut next_id = from_recording_id.max(0);
        for descriptor in &descriptors {
            let Ok(bytes) = self.catalog.descriptor_bytes(descriptor.recording_id) else { continue };
            let Some(session) =
                self.control_sessions.iter_mut().find(|session| session.id() == control_session_id)
            else {
                return;
            };
            session.send_descriptor(correlation_id, bytes);
            sent += 1;
            next_id = descriptor.recording_id + 1;
        }
        if sent < count {
            let last_id = self.catalog.next_recording_id().max(next_id);
            if let Some(session) = self.session_mut(control_session_id) {
                session.send_recording_unknown(correlation_id, last_id);
            }
        }
    }

    fn list_recording(&mut self, control_session_id: i64, correlation_id: i64, recording_id: i64) {
        let valid = self
            .catalog
            .descriptor(recording_id)
            .is_ok_and(|descriptor| descriptor.state == RecordingState::Valid);
        let Some(session) =
            self.control_sessions.iter_mut().find(|session| session.id() == control_session_id)
        else {
            return;
        };
        match self.catalog.descriptor_bytes(recording_id) {
            Ok(bytes) if valid => session.send_descriptor(correlation_id, bytes),
            _ => session.send_recording_unknown(correlation_id, recording_id),
        }
    }

    // ---------------------------------------------------------------- recording

    fn subscribe_for_recording(
        &mut self,
        channel: &str,
        stream_id: i32,
        source_location: SourceLocation,
    ) -> Result<(ChannelUri, String, Subscription), Refusal> {
        let uri = match ChannelUri::parse(channel) {
            Ok(uri) => uri,
            Err(error) => return refuse(code::GENERIC, format!("invalid channel {channel}: {error}")),
        };
        let stripped = strip_channel(&uri, channel);
        let key = format!("{stream_id}:{stripped}");
        if self.recording_subscriptions.iter().any(|existing| existing.key == key && !existing.closing) {
            return refuse(
                code::ACTIVE_SUBSCRIPTION,
                format!("recording exists for streamId={stream_id} channel={channel}"),
            );
        }
        if self.recording_sessions.len() >= self.ctx.max_concurrent_recordings {
            return refuse(
                code::MAX_RECORDINGS,
                format!("max concurrent recordings reached {}", self.ctx.max_concurrent_recordings),
            );
        }
        let subscription_channel =
            if source_location == SourceLocation::Local && uri.is_udp() && !uri.is_spy() {
                format!("aeron-spy:{channel}")
            } else {
                channel.to_string()
            };
        match self.ctx.aeron.add_subscription(&subscription_channel, stream_id) {
            Ok(subscription) => Ok((uri, key, subscription)),
            Err(error) => {
                refuse(code::GENERIC, format!("failed to subscribe to {subscription_channel}: {error}"))
            }
        }
    }

    fn start_recording(
        &mut self,
        control_session_id: i64,
        correlation_id: i64,
        channel: &str,
        stream_id: i32,
        source_location: SourceLocation,
        auto_stop: bool,
    ) -> Result<i64, Refusal> {
        let (uri, key, subscription) = self.subscribe_for_recording(channel, stream_id, source_location)?;
        let subscription_id = subscription.registration_id();
        let stripped_channel = strip_channel(&uri, channel);
        self.recording_subscriptions.push(RecordingSubscription {
            subscription,
            key,
            stream_id,
            control_session_id,
            correlation_id,
            auto_stop,
            kind: SubscriptionKind::Start { original_channel: channel.to_string(), stripped_channel },
            seen_images: Vec::new(),
            closing: false,
        });
        Ok(subscription_id)
    }

    #[allow(clippy::too_many_arguments)] // the request's fields
    fn extend_recording(
        &mut self,
        control_session_id: i64,
        correlation_id: i64,
        recording_id: i64,
        channel: &str,
        stream_id: i32,
        source_location: SourceLocation,
        auto_stop: bool,
    ) -> Result<i64, Refusal> {
        let descriptor = self.known(recording_id)?;
        if self.live_session(recording_id).is_some() || descriptor.is_active() {
            return refuse(code::ACTIVE_RECORDING, format!("cannot extend active recording {recording_id}"));
        }
        if descriptor.stream_id != stream_id {
            return refuse(
                code::INVALID_EXTENSION,
                format!(
                    "cannot extend recording {recording_id}: stream id {stream_id} != {}",
                    descriptor.stream_id
                ),
            );
        }
        let (_, key, subscription) = self.subscribe_for_recording(channel, stream_id, source_location)?;
        let subscription_id = subscription.registration_id();
        self.recording_subscriptions.push(RecordingSubscription {
            subscription,
            key,
            stream_id,
            control_session_id,
            correlation_id,
            auto_stop,
            kind: SubscriptionKind::Extend { recording_id },
            seen_images: Vec::new(),
            closing: false,
        });
        Ok(subscription_id)
    }

    fn check_new_images(&mut self) -> usize {
        let mut work = 0;
        for index in 0..self.recording_subscriptions.len() {
            let entry = &mut self.recording_subscriptions[index];
            if entry.closing {
                continue;
            }
            let seen = &entry.seen_images;
            let new_images: Vec<Image> = entry
                .subscription
                .images()
                .iter()
                .filter(|image| !seen.contains(&image.correlation_id()) && !image.is_closed())
                .cloned()
                .collect();
            for image in new_images {
                self.recording_subscriptions[index].seen_images.push(image.correlation_id());
                self.start_recording_session(index, image);
                work += 1;
            }
        }
        work
    }

    fn start_recording_session(&mut self, index: usize, image: Image) {
        let entry = &self.recording_subscriptions[index];
        let origin = RecordingOrigin {
            subscription_id: entry.subscription.registration_id(),
            control_session_id: entry.control_session_id,
            correlation_id: entry.correlation_id,
        };
        let stream_id = entry.stream_id;
        let result = match &entry.kind {
            SubscriptionKind::Start { original_channel, stripped_channel } => {
                let (original_channel, stripped_channel) =
                    (original_channel.clone(), stripped_channel.clone());
                self.new_recording(origin, stream_id, &image, original_channel, stripped_channel)
            }
            SubscriptionKind::Extend { recording_id } => {
                let recording_id = *recording_id;
                self.extend_with(origin, recording_id, &image)
            }
        };
        let (recording_id, writer, signal) = match result {
            Ok(started) => started,
            Err(refusal) => {
                self.record_error(refusal.message.clone());
                self.reply(origin.control_session_id, origin.correlation_id, Err(refusal));
                let entry = &mut self.recording_subscriptions[index];
                if matches!(entry.kind, SubscriptionKind::Extend { .. }) || entry.auto_stop {
                    entry.closing = true;
                }
                return;
            }
        };
        let key = recording_position_key(
            recording_id,
            image.session_id(),
            image.source_identity(),
            self.ctx.archive_id,
        );
        let label = format!("rec-pos: {recording_id} {} {stream_id}", image.session_id());
        let position = match self.ctx.aeron.add_counter(RECORDING_POSITION_TYPE_ID, &key, &label) {
            Ok(position) => position,
            Err(error) => {
                let message = format!("no rec-pos counter for recording {recording_id}: {error}");
                self.record_error(message.clone());
                self.reply(
                    origin.control_session_id,
                    origin.correlation_id,
                    refuse(code::MAX_RECORDINGS, message),
                );
                let stop = writer.position();
                drop(writer.close());
                if let Err(error) = self.catalog.recording_stopped(recording_id, stop, self.now_ms()) {
                    self.catalog_failed(error);
                }
                return;
            }
        };
        let block_length_limit =
            (image.term_buffer_length().max(0) as usize).min(self.ctx.file_io_max_length);
        let start_position = writer.position();
        let session = RecordingSession::new(
            recording_id,
            origin,
            image.clone(),
            writer,
            position,
            block_length_limit.max(64),
        );
        self.recording_sessions.push(session);
        self.signal(
            origin.control_session_id,
            origin.correlation_id,
            recording_id,
            origin.subscription_id,
            start_position,
            signal,
        );
        if let Some(events) = &mut self.events {
            let channel = self.recording_subscriptions[index].subscription.channel().to_string();
            events.started(
                recording_id,
                start_position,
                image.session_id(),
                stream_id,
                &channel,
                image.source_identity(),
            );
        }
    }

    fn geometry_for(&self, start_position: i64, image: &Image) -> Result<SegmentGeometry, Refusal> {
        let segment_length =
            SegmentGeometry::segment_length_for(self.ctx.segment_file_length, image.term_buffer_length());
        SegmentGeometry::new(
            start_position,
            image.term_buffer_length(),
            segment_length,
            image.initial_term_id(),
        )
        .map_err(|error| Refusal {
            error_code: code::GENERIC,
            message: format!("cannot record image: {error}"),
        })
    }

    fn writer(
        &self,
        recording_id: i64,
        geometry: SegmentGeometry,
        position: i64,
        image: &Image,
    ) -> RecordingWriter<S> {
        let block_length = (image.term_buffer_length().max(0) as usize).min(self.ctx.file_io_max_length);
        RecordingWriter::new(
            self.ctx.storage.clone(),
            recording_id,
            geometry,
            position,
            self.ctx.file_sync_level,
            self.ctx.record_checksum,
            block_length,
        )
    }

    fn new_recording(
        &mut self,
        origin: RecordingOrigin,
        stream_id: i32,
        image: &Image,
        original_channel: String,
        stripped_channel: String,
    ) -> Result<(i64, RecordingWriter<S>, RecordingSignal), Refusal> {
        let start_position = image.join_position();
        let geometry = self.geometry_for(start_position, image)?;
        let recording = NewRecording {
            control_session_id: origin.control_session_id,
            correlation_id: origin.correlation_id,
            start_timestamp_ms: self.now_ms(),
            start_position,
            initial_term_id: image.initial_term_id(),
            segment_file_length: geometry.segment_length(),
            term_buffer_length: image.term_buffer_length(),
            mtu_length: image.mtu_length(),
            session_id: image.session_id(),
            stream_id,
            stripped_channel,
            original_channel,
            source_identity: image.source_identity().to_string(),
        };
        let recording_id = match self.catalog.add_recording(&recording) {
            Ok(recording_id) => recording_id,
            Err(error) => return Err(self.catalog_failed(error)),
        };
        let writer = self.writer(recording_id, geometry, start_position, image);
        Ok((recording_id, writer, RecordingSignal::Start))
    }

    fn extend_with(
        &mut self,
        origin: RecordingOrigin,
        recording_id: i64,
        image: &Image,
    ) -> Result<(i64, RecordingWriter<S>, RecordingSignal), Refusal> {
        let descriptor = self.known(recording_id)?;
        if self.live_session(recording_id).is_some() {
            return refuse(
                code::ACTIVE_RECORDING,
                format!("recording {recording_id} is already being recorded"),
            );
        }
        let join_position = image.join_position();
        if let Err(error) = segment_operations::check_extension(
            &descriptor,
            join_position,
            image.initial_term_id(),
            image.term_buffer_length(),
            image.mtu_length(),
        ) {
            return refuse(
                code::INVALID_EXTENSION,
                format!("cannot extend recording {recording_id}: {error}"),
            );
        }
        let geometry = SegmentGeometry::from_descriptor(&descriptor).map_err(|error| Refusal {
            error_code: code::INVALID_EXTENSION,
            message: format!("cannot extend recording {recording_id}: {error}"),
        })?;
        if let Err(error) = self.catalog.extend_recording(
            recording_id,
            origin.control_session_id,
            origin.correlation_id,
            image.session_id(),
        ) {
            return Err(self.catalog_failed(error));
        }
        let writer = self.writer(recording_id, geometry, join_position, image);
        Ok((recording_id, writer, RecordingSignal::Extend))
    }

    fn run_recordings(&mut self) -> usize {
        let mut work = 0;
        let mut index = 0;
        while index < self.recording_sessions.len() {
            match self.recording_sessions[index].do_work() {
                RecordingProgress::Recorded(bytes) => {
                    work += bytes.min(1);
                    index += 1;
                }
                RecordingProgress::Ended => {
                    self.stop_recording_session(index, None);
                    work += 1;
                }
                RecordingProgress::Failed(error) => {
                    self.stop_recording_session(index, Some(error));
                    work += 1;
                }
            }
        }
        work
    }

    /// Records what is available (bounded), then stops the session at `index`.
    fn drain_and_stop(&mut self, index: usize) {
        let mut failure = None;
        for _ in 0..64 {
            match self.recording_sessions[index].do_work() {
                RecordingProgress::Recorded(bytes) if bytes > 0 => {}
                RecordingProgress::Failed(error) => {
                    failure = Some(error);
                    break;
                }
                _ => break,
            }
        }
        self.stop_recording_session(index, failure);
    }

    fn stop_recording_session(&mut self, index: usize, failure: Option<RecordingError>) {
        let session = self.recording_sessions.swap_remove(index);
        let recording_id = session.recording_id();
        let subscription_id = session.subscription_id();
        let control_session_id = session.control_session_id();
        let correlation_id = session.correlation_id();
        let (stop_position, close_result) = session.close();
        let failure = failure.or(close_result.err());
        let now_ms = self.now_ms();
        let start_position = self.catalog.descriptor(recording_id).map_or(NULL_VALUE, |d| d.start_position);
        if let Err(error) = self.catalog.recording_stopped(recording_id, stop_position, now_ms) {
            self.catalog_failed(error);
        }
        for replay in &mut self.replay_sessions {
            if replay.recording_id() == recording_id {
                replay.recording_stopped(stop_position);
            }
        }
        if let Some(error) = &failure {
            let error_code = match error {
                RecordingError::Storage(StorageError::StorageFull(_)) => code::STORAGE_SPACE,
                _ => code::GENERIC,
            };
            let message = format!("recording {recording_id} stopped at {stop_position}: {error}");
            self.record_error(message.clone());
            if let Some(session) = self.session_mut(control_session_id) {
                session.send_error(correlation_id, error_code, &message);
            }
        }
        self.signal(
            control_session_id,
            correlation_id,
            recording_id,
            subscription_id,
            stop_position,
            RecordingSignal::Stop,
        );
        if let Some(events) = &mut self.events {
            events.stopped(recording_id, start_position, stop_position);
        }
        let others =
            self.recording_sessions.iter().any(|session| session.subscription_id() == subscription_id);
        if let Some(entry) = self
            .recording_subscriptions
            .iter_mut()
            .find(|entry| entry.subscription.registration_id() == subscription_id)
            && !others
            && (entry.auto_stop || failure.is_some() || matches!(entry.kind, SubscriptionKind::Extend { .. }))
        {
            entry.closing = true;
        }
    }

    fn sweep_closing_subscriptions(&mut self) -> usize {
        let mut work = 0;
        let mut index = 0;
        while index < self.recording_subscriptions.len() {
            if self.recording_subscriptions[index].closing {
                let mut entry = self.recording_subscriptions.swap_remove(index);
                entry.subscription.close();
                work += 1;
            } else {
                index += 1;
            }
        }
        work
    }

    /// Stops every recording session of subscription `subscription_id` and closes it.
    fn close_recording_subscription(&mut self, subscription_id: i64) {
        while let Some(index) =
            self.recording_sessions.iter().position(|session| session.subscription_id() == subscription_id)
        {
            self.drain_and_stop(index);
        }
        if let Some(entry) = self
            .recording_subscriptions
            .iter_mut()
            .find(|entry| entry.subscription.registration_id() == subscription_id)
        {
            entry.closing = true;
        }
        self.sweep_closing_subscriptions();
    }

    fn stop_recording(&mut self, channel: &str, stream_id: i32) -> Result<i64, Refusal> {
        let key = match ChannelUri::parse(channel) {
            Ok(uri) => format!("{stream_id}:{}", strip_channel(&uri, channel)),
            Err(error) => return refuse(code::GENERIC, format!("invalid channel {channel}: {error}")),
        };
        let Some(subscription_id) = self
            .recording_subscriptions
            .iter()
            .find(|entry| entry.key == key && !entry.closing)
            .map(|entry| entry.subscription.registration_id())
        else {
            return refuse(
                code::UNKNOWN_SUBSCRIPTION,
                format!("no recording found for streamId={stream_id} channel={channel}"),
            );
        };
        self.close_recording_subscription(subscription_id);
        Ok(0)
    }

    fn stop_recording_subscription(&mut self, subscription_id: i64) -> Result<i64, Refusal> {
        if !self
            .recording_subscriptions
            .iter()
            .any(|entry| entry.subscription.registration_id() == subscription_id && !entry.closing)
        {
            return refuse(
                code::UNKNOWN_SUBSCRIPTION,
                format!("no recording subscription {subscription_id}"),
            );
        }
        self.close_recording_subscription(subscription_id);
        Ok(0)
    }

    fn stop_recording_by_identity(&mut self, recording_id: i64) -> Result<i64, Refusal> {
        self.known(recording_id)?;
        let Some(index) =
            self.recording_sessions.iter().position(|session| session.recording_id() == recording_id)
        else {
            return Ok(0);
        };
        let subscription_id = self.recording_sessions[index].subscription_id();
        self.drain_and_stop(index);
        if !self.recording_sessions.iter().any(|session| session.subscription_id() == subscription_id) {
            self.close_recording_subscription(subscription_id);
        }
        Ok(1)
    }

    // ---------------------------------------------------------------- replay

    #[allow(clippy::too_many_arguments)] // the request's fields
    fn start_replay(
        &mut self,
        control_session_id: i64,
        correlation_id: i64,
        recording_id: i64,
        position: i64,
        length: i64,
        file_io_max_length: i32,
        replay_stream_id: i32,
        replay_channel: &str,
        limit_counter_id: Option<i32>,
    ) -> Result<i64, Refusal> {
        if self.replay_sessions.len() >= self.ctx.max_concurrent_replays {
            return refuse(
                code::MAX_REPLAYS,
                format!("max concurrent replays reached {}", self.ctx.max_concurrent_replays),
            );
        }
        let descriptor = match self.catalog.descriptor(recording_id) {
            Ok(descriptor) if descriptor.state == RecordingState::Valid => descriptor,
            _ => return Err(unknown_recording(recording_id)),
        };
        let mut limit = match limit_counter_id {
            Some(counter_id) => {
                let reader = self.ctx.aeron.counters_reader();
                if !reader.is_valid_counter_id(counter_id)
                    || reader.counter_state(counter_id) != agrona::counters_descriptor::RECORD_ALLOCATED
                {
                    return refuse(
                        code::GENERIC,
                        format!("unable to use replay limit counter id={counter_id}"),
                    );
                }
                let registration_id = reader.counter_registration_id(counter_id);
                let last_value = reader.counter_value(counter_id);
                Some(ReplayLimit::Counter { reader, counter_id, registration_id, last_value })
            }
            None => self
                .live_session(recording_id)
                .map(|session| ReplayLimit::Recording(session.position_counter().clone())),
        };
        let limit_position = match &limit {
            Some(ReplayLimit::Recording(counter)) => counter.get(),
            Some(ReplayLimit::Counter { last_value, .. }) => *last_value,
            Some(ReplayLimit::Fixed(position)) => *position,
            None => NULL_VALUE,
        };
        let start_position = descriptor.start_position;
        let stop_position = descriptor.stop_position;
        let mut replay_position = start_position;
        if position != NULL_VALUE {
            if position & 31 != 0 {
                return refuse(
                    code::INVALID_POSITION,
                    format!(
                        "requested replay start position={position} is not a multiple of FRAME_ALIGNMENT (32) for recording {recording_id}"
                    ),
                );
            }
            if position < start_position {
                return refuse(
                    code::INVALID_POSITION,
                    format!(
                        "requested replay start position={position} is less than recording start position={start_position} for recording {recording_id}"
                    ),
                );
            }
            if stop_position != NULL_VALUE && position > stop_position {
                return refuse(
                    code::INVALID_POSITION,
                    format!(
                        "requested replay start position={position} must be less than highest recorded position={stop_position} for recording {recording_id}"
                    ),
                );
            }
            replay_position = position;
        }
        if file_io_max_length > 0 && file_io_max_length < descriptor.mtu_length {
            return refuse(
                code::GENERIC,
                format!("fileIoMaxLength={file_io_max_length} < mtuLength={}", descriptor.mtu_length),
            );
        }
        let (bound, max_length) = if limit.is_some() {
            if replay_position > limit_position {
                return refuse(
                    code::INVALID_POSITION,
                    format!(
                        "requested replay start position={replay_position} must be less than the limit position={limit_position} for recording {recording_id}"
                    ),
                );
            }
            (limit_position, i64::MAX - replay_position)
        } else if stop_position == NULL_VALUE {
            return refuse(
                code::GENERIC,
                format!("recording {recording_id} has no stop position and is not being recorded"),
            );
        } else {
            (stop_position, stop_position - replay_position)
        };
        let replay_length = match length {
            REPLAY_ALL_AND_FOLLOW => max_length,
            REPLAY_ALL_AND_STOP => {
                if bound == replay_position {
                    return refuse(
                        code::EMPTY_RECORDING,
                        format!(
                            "when replaying and stopping the replay length must be non-zero, recordingId={recording_id}"
                        ),
                    );
                }
                bound - replay_position
            }
            length => length.min(max_length),
        };
        if replay_length < 0 {
            return refuse(
                code::GENERIC,
                format!("replay length must be positive: replayLength={replay_length}, length={length}"),
            );
        }
        let end_position = replay_position.saturating_add(replay_length);
        let geometry = SegmentGeometry::from_descriptor(&descriptor).map_err(|error| Refusal {
            error_code: code::GENERIC,
            message: format!("recording {recording_id}: {error}"),
        })?;
        if replay_position < bound.min(end_position) {
            let name = segment_file_name(recording_id, geometry.segment_base(replay_position));
            let mut header = [0u8; 32];
            let read = self.ctx.storage.open(&name).and_then(|file| {
                file.read_at_zero_filled(geometry.segment_offset(replay_position) as u64, &mut header)
            });
            if let Err(error) = read {
                return refuse(
                    code::GENERIC,
                    format!("cannot read recording {recording_id} at {replay_position}: {error}"),
                );
            }
            if let Err(problem) = check_frame(&header, replay_position, &geometry, Some(descriptor.stream_id))
            {
                return refuse(
                    code::INVALID_POSITION,
                    format!(
                        "requested replay start position={replay_position} is not at a frame of recording {recording_id}: {problem}"
                    ),
                );
            }
        }
        let buffer_length =
            if file_io_max_length > 0 { file_io_max_length as usize } else { self.ctx.file_io_max_length }
                .max(descriptor.mtu_length.max(64) as usize);
        let reader = RecordingReader::new(
            self.ctx.storage.clone(),
            recording_id,
            geometry,
            Some(descriptor.stream_id),
            self.ctx.record_checksum,
            replay_position,
            bound.min(end_position).max(replay_position),
            buffer_length,
        )
        .map_err(|error| Refusal {
            error_code: code::INVALID_POSITION,
            message: format!("recording {recording_id}: {error}"),
        })?;
        let channel = ChannelUri::parse(replay_channel).map_err(|error| Refusal {
            error_code: code::GENERIC,
            message: format!("invalid replay channel {replay_channel}: {error}"),
        })?;
        let channel = ChannelUriBuilder::from_uri(&channel)
            .set("init-term-id", descriptor.initial_term_id.to_string())
            .set("term-id", geometry.term_id(replay_position).to_string())
            .set("term-offset", geometry.term_offset(replay_position).to_string())
            .set("term-length", descriptor.term_buffer_length.to_string())
            .set("mtu", descriptor.mtu_length.to_string())
            .build()
            .map_err(|error| Refusal {
                error_code: code::GENERIC,
                message: format!("invalid replay channel {replay_channel}: {error}"),
            })?
            .to_string();
        let publication =
            self.ctx.aeron.add_exclusive_publication(&channel, replay_stream_id).map_err(|error| {
                Refusal {
                    error_code: code::GENERIC,
                    message: format!("replay publication {channel}: {error}"),
                }
            })?;
        let replay_session_id = (self.replay_counter << 32) | i64::from(publication.session_id() as u32);
        self.replay_counter += 1;
        let origin = ReplayOrigin { replay_session_id, recording_id, control_session_id, correlation_id };
        let connect_deadline_ns = self.now_ns.saturating_add(self.ctx.connect_timeout_ns);
        let limit = limit.take().unwrap_or(ReplayLimit::Fixed(stop_position));
        self.replay_sessions.push(ReplaySession::new(
            origin,
            publication,
            reader,
            buffer_length,
            end_position,
            limit,
            connect_deadline_ns,
        ));
        Ok(replay_session_id)
    }

    fn run_replays(&mut self) -> usize {
        let mut work = 0;
        let mut index = 0;
        while index < self.replay_sessions.len() {
            let (done, end) = self.replay_sessions[index].do_work(self.now_ns);
            work += done;
            match end {
                None => index += 1,
                Some(end) => {
                    let replay = self.replay_sessions.swap_remove(index);
                    if let ReplayEnd::ReadFailed(error) = end {
                        self.record_error(format!(
                            "replay {} of recording {} failed at {}: {error}",
                            replay.replay_session_id(),
                            replay.recording_id(),
                            replay.position()
                        ));
                    }
                }
            }
        }
        work
    }

    fn has_replays_of(&self, recording_id: i64) -> bool {
        self.replay_sessions.iter().any(|replay| replay.recording_id() == recording_id)
    }

    // ---------------------------------------------------------------- segment operations

    fn segment_failed(&mut self, error: SegmentOperationError, refused_code: i64) -> Refusal {
        match error {
            SegmentOperationError::Refused(message) => Refusal { error_code: refused_code, message },
            SegmentOperationError::Catalog(CatalogError::UnknownRecording(id)) => unknown_recording(id),
            SegmentOperationError::Catalog(error) => self.catalog_failed(error),
            SegmentOperationError::Storage(error) => {
                let message = format!("storage: {error}");
                self.record_error(message.clone());
                Refusal { error_code: code::GENERIC, message }
            }
        }
    }

    fn check_idle(&self, recording_id: i64, what: &str) -> Result<crate::RecordingDescriptor, Refusal> {
        let descriptor = self.known(recording_id)?;
        if self.live_session(recording_id).is_some() || descriptor.is_active() {
            return refuse(code::ACTIVE_RECORDING, format!("cannot {what} active recording {recording_id}"));
        }
        if self.has_replays_of(recording_id) {
            return refuse(
                code::GENERIC,
                format!("cannot {what} recording {recording_id} with active replay"),
            );
        }
        Ok(descriptor)
    }

    fn truncate_recording(
        &mut self,
        cs: i64,
        corr: i64,
        recording_id: i64,
        position: i64,
    ) -> Result<i64, Refusal> {
        self.check_idle(recording_id, "truncate")?;
        match segment_operations::truncate_recording(
            &self.ctx.storage,
            &mut self.catalog,
            recording_id,
            position,
        ) {
            Ok(deleted) => {
                if !deleted.is_empty() {
                    self.signal(cs, corr, recording_id, NULL_VALUE, position, RecordingSignal::Delete);
                }
                Ok(0)
            }
            Err(error) => Err(self.segment_failed(error, code::INVALID_POSITION)),
        }
    }

    fn purge_recording(&mut self, cs: i64, corr: i64, recording_id: i64) -> Result<i64, Refusal> {
        let descriptor = self.check_idle(recording_id, "purge")?;
        match segment_operations::purge_recording(&self.ctx.storage, &mut self.catalog, recording_id) {
            Ok(_) => {
                self.signal(
                    cs,
                    corr,
                    recording_id,
                    NULL_VALUE,
                    descriptor.stop_position,
                    RecordingSignal::Delete,
                );
                Ok(0)
            }
            Err(error) => Err(self.segment_failed(error, code::GENERIC)),
        }
    }

    fn recorded_position(&self, descriptor: &crate::RecordingDescriptor) -> i64 {
        self.live_session(descriptor.recording_id)
            .map_or(descriptor.stop_position, RecordingSession::recorded_position)
    }

    fn detach_segments(&mut self, recording_id: i64, new_start_position: i64) -> Result<i64, Refusal> {
        let descriptor = self.known(recording_id)?;
        let recorded = self.recorded_position(&descriptor);
        segment_operations::detach_segments(&mut self.catalog, recording_id, new_start_position, recorded)
            .map(|()| 0)
            .map_err(|error| self.segment_failed(error, code::INVALID_POSITION))
    }

    fn delete_detached_segments(&mut self, cs: i64, corr: i64, recording_id: i64) -> Result<i64, Refusal> {
        let descriptor = self.known(recording_id)?;
        match segment_operations::delete_detached_segments(&self.ctx.storage, &self.catalog, recording_id) {
            Ok(deleted) => {
                if !deleted.is_empty() {
                    self.signal(
                        cs,
                        corr,
                        recording_id,
                        NULL_VALUE,
                        descriptor.start_position,
                        RecordingSignal::Delete,
                    );
                }
                Ok(deleted.len() as i64)
            }
            Err(error) => Err(self.segment_failed(error, code::GENERIC)),
        }
    }

    fn purge_segments(
        &mut self,
        cs: i64,
        corr: i64,
        recording_id: i64,
        new_start_position: i64,
    ) -> Result<i64, Refusal> {
        let descriptor = self.known(recording_id)?;
        let recorded = self.recorded_position(&descriptor);
        match segment_operations::purge_segments(
            &self.ctx.storage,
            &mut self.catalog,
            recording_id,
            new_start_position,
            recorded,
        ) {
            Ok(deleted) => {
                if !deleted.is_empty() {
                    self.signal(
                        cs,
                        corr,
                        recording_id,
                        NULL_VALUE,
                        new_start_position,
                        RecordingSignal::Delete,
                    );
                }
                Ok(deleted.len() as i64)
            }
            Err(error) => Err(self.segment_failed(error, code::INVALID_POSITION)),
        }
    }

    fn attach_segments(&mut self, recording_id: i64) -> Result<i64, Refusal> {
        let descriptor = self.known(recording_id)?;
        match segment_operations::attach_segments(&self.ctx.storage, &mut self.catalog, recording_id) {
            Ok(new_start) => {
                let segment_length = i64::from(descriptor.segment_file_length.max(1));
                Ok((descriptor.start_position - new_start) / segment_length)
            }
            Err(error) => Err(self.segment_failed(error, code::GENERIC)),
        }
    }

    fn run_control_sessions(&mut self) -> usize {
        let now_ns = self.now_ns;
        let mut work = 0;
        for session in &mut self.control_sessions {
            work += session.do_work(now_ns);
        }
        self.control_sessions.retain(|session| !session.is_done());
        work
    }

    /// The configured catalog sync level (for diagnostics).
    pub fn catalog_sync_level(&self) -> FileSyncLevel {
        self.ctx.catalog_file_sync_level
    }

    /// The client the archive uses.
    pub fn aeron(&self) -> &Aeron {
        &self.ctx.aeron
    }

    /// The epoch clock the archive stamps with.
    pub fn epoch_clock(&self) -> &Arc<dyn EpochClock> {
        &self.ctx.epoch_clock
    }
}

/// `(controlSessionId, correlationId)` of a request, if it is one with both.
fn request_ids(message: &ArchiveMessage<'_>) -> Option<(i64, i64)> {
    use ArchiveMessage as M;
    Some(match message {
        M::StartRecordingRequest(r) => (r.control_session_id, r.correlation_id),
        M::StopRecordingRequest(r) => (r.control_session_id, r.correlation_id),
        M::ReplayRequest(r) => (r.control_session_id, r.correlation_id),
        M::StopReplayRequest(r) => (r.control_session_id, r.correlation_id),
        M::ListRecordingsRequest(r) => (r.control_session_id, r.correlation_id),
        M::ListRecordingsForUriRequest(r) => (r.control_session_id, r.correlation_id),
        M::ListRecordingRequest(r) => (r.control_session_id, r.correlation_id),
        M::ExtendRecordingRequest(r) => (r.control_session_id, r.correlation_id),
        M::RecordingPositionRequest(r) => (r.control_session_id, r.correlation_id),
        M::TruncateRecordingRequest(r) => (r.control_session_id, r.correlation_id),
        M::StopRecordingSubscriptionRequest(r) => (r.control_session_id, r.correlation_id),
        M::StopPositionRequest(r) => (r.control_session_id, r.correlation_id),
        M::FindLastMatchingRecordingRequest(r) => (r.control_session_id, r.correlation_id),
        M::ListRecordingSubscriptionsRequest(r) => (r.control_session_id, r.correlation_id),
        M::BoundedReplayRequest(r) => (r.control_session_id, r.correlation_id),
        M::StopAllReplaysRequest(r) => (r.control_session_id, r.correlation_id),
        M::ReplicateRequest(r) => (r.control_session_id, r.correlation_id),
        M::StopReplicationRequest(r) => (r.control_session_id, r.correlation_id),
        M::StartPositionRequest(r) => (r.control_session_id, r.correlation_id),
        M::DetachSegmentsRequest(r) => (r.control_session_id, r.correlation_id),
        M::DeleteDetachedSegmentsRequest(r) => (r.control_session_id, r.correlation_id),
        M::PurgeSegmentsRequest(r) => (r.control_session_id, r.correlation_id),
        M::AttachSegmentsRequest(r) => (r.control_session_id, r.correlation_id),
        M::MigrateSegmentsRequest(r) => (r.control_session_id, r.correlation_id),
        M::KeepAliveRequest(r) => (r.control_session_id, r.correlation_id),
        M::TaggedReplicateRequest(r) => (r.control_session_id, r.correlation_id),
        M::StartRecordingRequest2(r) => (r.control_session_id, r.correlation_id),
        M::ExtendRecordingRequest2(r) => (r.control_session_id, r.correlation_id),
        M::StopRecordingByIdentityRequest(r) => (r.control_session_id, r.correlation_id),
        M::ReplicateRequest2(r) => (r.control_session_id, r.correlation_id),
        M::MaxRecordedPositionRequest(r) => (r.control_session_id, r.correlation_id),
        M::ArchiveIdRequest(r) => (r.control_session_id, r.correlation_id),
        M::PurgeRecordingRequest(r) => (r.control_session_id, r.correlation_id),
        M::ReplayTokenRequest(r) => (r.control_session_id, r.correlation_id),
        M::UpdateChannelRequest(r) => (r.control_session_id, r.correlation_id),
        _ => return None,
    })
}

impl<S: ArchiveStorage> Agent for ArchiveConductor<S> {
    fn role_name(&self) -> &str {
        "archive-conductor"
    }

    fn do_work(&mut self, now_ns: i64) -> Result<usize, AgentTermination> {
        if let Some(reason) = &self.fatal {
            return Err(AgentTermination::Fatal(reason.clone()));
        }
        self.now_ns = now_ns;
        let mut work = 0;
        if self.ctx.invoke_aeron_conductor {
            work += self.ctx.aeron.conductor_do_work(now_ns);
        }
        work += self.poll_control_requests();
        work += self.run_control_sessions();
        work += self.check_new_images();
        work += self.run_recordings();
        work += self.sweep_closing_subscriptions();
        work += self.run_replications();
        work += self.run_replays();
        if let Some(reason) = &self.fatal {
            return Err(AgentTermination::Fatal(reason.clone()));
        }
        Ok(work)
    }

    fn on_close(&mut self) {
        self.close_replications();
        while !self.recording_sessions.is_empty() {
            self.stop_recording_session(0, None);
        }
        for entry in &mut self.recording_subscriptions {
            entry.closing = true;
        }
        self.sweep_closing_subscriptions();
        for replay in &mut self.replay_sessions {
            replay.abort();
        }
        let now_ns = self.now_ns;
        for replay in &mut self.replay_sessions {
            replay.do_work(now_ns);
        }
        self.replay_sessions.clear();
        for session in &mut self.control_sessions {
            session.close();
        }
        self.control_sessions.clear();
        for subscription in &mut self.control_subscriptions {
            subscription.close();
        }
    }
}
