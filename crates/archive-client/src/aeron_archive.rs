//! [`AeronArchive`]: a connected archive client (Aeron `AeronArchive`): typed, blocking control
//! operations over one control session.
//!
//! Invariants:
//! - Each operation takes a fresh correlation id from the driver, sends one request and waits for the
//!   response with that correlation id on this control session, bounded by the message timeout on the
//!   context's nano clock; each wait iteration runs the agent invoker and then the idle strategy.
//! - `ControlResponseCode::Error` for the awaited request becomes [`ArchiveError::Archive`]; any other
//!   unexpected code becomes [`ArchiveError::Protocol`]. Responses to other requests (late answers after
//!   a timeout) are dropped.
//! - Recording signals that arrive while an operation waits are queued, in order, and handed out by
//!   [`AeronArchive::poll_for_recording_signals`]; none is lost.
//! - After [`AeronArchive::close`] every operation returns [`ArchiveError::Closed`].

use std::collections::VecDeque;

use client::{Aeron, Subscription};
use protocol::archive::{
    ArchiveMessage, AttachSegmentsRequest, BooleanType, BoundedReplayRequest, ControlResponseCode,
    DeleteDetachedSegmentsRequest, DetachSegmentsRequest, ExtendRecordingRequest2, ListRecordingRequest,
    ListRecordingsForUriRequest, ListRecordingsRequest, MaxRecordedPositionRequest, PurgeRecordingRequest,
    PurgeSegmentsRequest, RecordingDescriptor, RecordingPositionRequest, RecordingSignalEvent, ReplayRequest,
    ReplicateRequest2, SourceLocation, StartPositionRequest, StartRecordingRequest2, StopAllReplaysRequest,
    StopPositionRequest, StopRecordingByIdentityRequest, StopRecordingRequest,
    StopRecordingSubscriptionRequest, StopReplayRequest, StopReplicationRequest, TaggedReplicateRequest,
    TruncateRecordingRequest,
};
use protocol::channel_uri::{ChannelUri, ChannelUriBuilder};

use crate::archive_client_context::ArchiveClientContext;
use crate::archive_error::ArchiveError;
use crate::archive_proxy::ArchiveProxy;
use crate::async_connect::AsyncConnect;
use crate::control_response_poller::{ControlMessage, ControlResponsePoller};
use crate::owned_recording_descriptor::OwnedRecordingDescriptor;
use crate::replication_params::ReplicationParams;
use crate::waiter::Waiter;

/// Aeron's `NULL_VALUE`.
pub const NULL_VALUE: i64 = -1;
/// A position that is not known (`AeronArchive.NULL_POSITION`).
pub const NULL_POSITION: i64 = -1;
/// Replay length meaning "replay and follow the live recording" (`AeronArchive.REPLAY_ALL_AND_FOLLOW`).
pub const REPLAY_ALL_AND_FOLLOW: i64 = -1;
/// Replay length meaning "replay up to the current stop" (`AeronArchive.REPLAY_ALL_AND_STOP`).
pub const REPLAY_ALL_AND_STOP: i64 = -2;

/// Everything [`AsyncConnect`] hands to a new client.
pub(crate) struct ArchiveParts {
    pub(crate) aeron: Aeron,
    pub(crate) proxy: ArchiveProxy,
    pub(crate) poller: ControlResponsePoller,
    pub(crate) waiter: Waiter,
    pub(crate) control_session_id: i64,
    pub(crate) archive_id: i64,
    pub(crate) keep_alive_interval_ns: i64,
}

/// A connected archive client. Not thread-safe (`Send`): use it from one thread.
///
/// Drive it by calling operations; they block (stepping the agent invoker) until the archive answers or
/// the message timeout passes. Call [`AeronArchive::keep_alive_if_due`] (or any operation) at least once
/// per archive session timeout while otherwise idle, and [`AeronArchive::close`] when done.
pub struct AeronArchive {
    aeron: Aeron,
    proxy: ArchiveProxy,
    poller: ControlResponsePoller,
    waiter: Waiter,
    control_session_id: i64,
    archive_id: i64,
    keep_alive_interval_ns: i64,
    last_request_ns: i64,
    signals: VecDeque<RecordingSignalEvent>,
    closed: bool,
}

impl std::fmt::Debug for AeronArchive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AeronArchive")
            .field("control_session_id", &self.control_session_id)
            .field("archive_id", &self.archive_id)
            .field("closed", &self.closed)
            .finish()
    }
}

/// What a matching control response said.
struct Answer {
    code: ControlResponseCode,
    relevant_id: i64,
}

impl AeronArchive {
    /// Connects to the archive named by `ctx` and waits (bounded by the message timeout) for the control
    /// session: `AuthConnectRequest`, challenges answered through the credentials supplier, then the
    /// archive id. Errors: `Timeout`, `Archive` (refused), `Client`.
    pub fn connect(aeron: &Aeron, ctx: ArchiveClientContext) -> Result<Self, ArchiveError> {
        let mut connect = AsyncConnect::new(aeron, ctx);
        loop {
            if let Some(archive) = connect.poll()? {
                return Ok(archive);
            }
            connect.idle_once();
        }
    }

    pub(crate) fn from_parts(parts: ArchiveParts) -> Self {
        let last_request_ns = parts.waiter.now_ns();
        Self {
            aeron: parts.aeron,
            proxy: parts.proxy,
            poller: parts.poller,
            waiter: parts.waiter,
            control_session_id: parts.control_session_id,
            archive_id: parts.archive_id,
            keep_alive_interval_ns: parts.keep_alive_interval_ns,
            last_request_ns,
            signals: VecDeque::new(),
            closed: false,
        }
    }

    /// The control session id the archive assigned.
    pub fn control_session_id(&self) -> i64 {
        self.control_session_id
    }

    /// The archive's id (learnt at connect; -1 for archives older than protocol 1.11).
    pub fn archive_id(&self) -> i64 {
        self.archive_id
    }

    /// The Aeron client this archive client uses.
    pub fn aeron(&self) -> &Aeron {
        &self.aeron
    }

    /// The control response poller (for custom protocols on top of the session).
    pub fn control_response_poller(&mut self) -> &mut ControlResponsePoller {
        &mut self.poller
    }

    /// Whether [`AeronArchive::close`] has been called.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    fn ensure_open(&self) -> Result<(), ArchiveError> {
        if self.closed { Err(ArchiveError::Closed) } else { Ok(()) }
    }

    /// Sends the request built from `(control_session_id, correlation_id)`; returns the correlation id.
    pub(crate) fn send_request<'m>(
        &mut self,
        build: impl FnOnce(i64, i64) -> ArchiveMessage<'m>,
    ) -> Result<i64, ArchiveError> {
        self.ensure_open()?;
        let correlation_id = self.aeron.next_correlation_id();
        let message = build(self.control_session_id, correlation_id);
        let waiter = &mut self.waiter;
        self.proxy.send(&message, &mut || waiter.step())?;
        self.last_request_ns = self.waiter.now_ns();
        Ok(correlation_id)
    }

    /// One non-blocking look for the response to `correlation_id`: `Some(relevant_id)` on OK, `None` if
    /// it has not arrived. An ERROR response for this session (to any request) fails, as Aeron's
    /// `ReplayMerge` expects.
    pub(crate) fn poll_response_once(&mut self, correlation_id: i64) -> Result<Option<i64>, ArchiveError> {
        match self.poller.poll() {
            Some(ControlMessage::Response(response)) => {
                if response.code == ControlResponseCode::Error {
                    return Err(ArchiveError::Archive {
                        code: response.relevant_id,
                        message: response.error_message.to_owned(),
                        correlation_id: response.correlation_id,
                    });
                }
                if response.correlation_id == correlation_id {
                    return Ok(Some(response.relevant_id));
                }
            }
            Some(ControlMessage::Signal(signal)) => self.signals.push_back(signal),
            Some(_) => {}
            None => {
                if self.poller.fragments_read() == 0 && !self.poller.is_connected() {
                    return Err(ArchiveError::NotConnected { reason: "control response subscription" });
                }
            }
        }
        Ok(None)
    }

    /// Waits for the response to `correlation_id`.
    fn await_answer(&mut self, operation: &'static str, correlation_id: i64) -> Result<Answer, ArchiveError> {
        let deadline_ns = self.waiter.deadline_ns();
        loop {
            match self.poller.poll() {
                Some(ControlMessage::Response(response)) if response.correlation_id == correlation_id => {
                    if response.code == ControlResponseCode::Error {
                        return Err(ArchiveError::Archive {
                            code: response.relevant_id,
                            message: response.error_message.to_owned(),
                            correlation_id,
                        });
                    }
                    return Ok(Answer { code: response.code, relevant_id: response.relevant_id });
                }
                Some(ControlMessage::Signal(signal)) => self.signals.push_back(signal),
                Some(_) => {}
                None => {
                    if self.poller.fragments_read() == 0 && !self.poller.is_connected() {
                        return Err(ArchiveError::NotConnected { reason: "control response subscription" });
                    }
                    if self.waiter.is_past(deadline_ns) {
                        return Err(ArchiveError::Timeout { operation, correlation_id });
                    }
                    self.waiter.step();
                }
            }
        }
    }

    /// Sends a request and waits for an OK response; returns its `relevantId`.
    fn call<'m>(
        &mut self,
        operation: &'static str,
        build: impl FnOnce(i64, i64) -> ArchiveMessage<'m>,
    ) -> Result<i64, ArchiveError> {
        let correlation_id = self.send_request(build)?;
        let answer = self.await_answer(operation, correlation_id)?;
        if answer.code != ControlResponseCode::Ok {
            return Err(ArchiveError::Protocol(format!(
                "{operation}: unexpected response code {:?} (relevant id {})",
                answer.code, answer.relevant_id
            )));
        }
        Ok(answer.relevant_id)
    }

    /// Starts recording `(channel, stream_id)` (`StartRecordingRequest2`); returns the registration id of
    /// the archive's recording subscription.
    pub fn start_recording(
        &mut self,
        channel: &str,
        stream_id: i32,
        source_location: SourceLocation,
        auto_stop: bool,
    ) -> Result<i64, ArchiveError> {
        self.call("start recording", |control_session_id, correlation_id| {
            ArchiveMessage::StartRecordingRequest2(StartRecordingRequest2 {
                control_session_id,
                correlation_id,
                stream_id,
                source_location,
                auto_stop: boolean(auto_stop),
                channel,
            })
        })
    }

    /// Extends an existing, stopped recording with a new stream (`ExtendRecordingRequest2`); returns the
    /// recording subscription's registration id.
    pub fn extend_recording(
        &mut self,
        recording_id: i64,
        channel: &str,
        stream_id: i32,
        source_location: SourceLocation,
        auto_stop: bool,
    ) -> Result<i64, ArchiveError> {
        self.call("extend recording", |control_session_id, correlation_id| {
            ArchiveMessage::ExtendRecordingRequest2(ExtendRecordingRequest2 {
                control_session_id,
                correlation_id,
                recording_id,
                stream_id,
                source_location,
                auto_stop: boolean(auto_stop),
                channel,
            })
        })
    }

    /// Stops the recording subscription of `(channel, stream_id)` (`StopRecordingRequest`).
    pub fn stop_recording(&mut self, channel: &str, stream_id: i32) -> Result<(), ArchiveError> {
        self.call("stop recording", |control_session_id, correlation_id| {
            ArchiveMessage::StopRecordingRequest(StopRecordingRequest {
                control_session_id,
                correlation_id,
                stream_id,
                channel,
            })
        })
        .map(drop)
    }

    /// Stops the recording subscription with this registration id (`StopRecordingSubscriptionRequest`).
    pub fn stop_recording_by_subscription(&mut self, subscription_id: i64) -> Result<(), ArchiveError> {
        self.call("stop recording subscription", |control_session_id, correlation_id| {
            ArchiveMessage::StopRecordingSubscriptionRequest(StopRecordingSubscriptionRequest {
                control_session_id,
                correlation_id,
                subscription_id,
            })
        })
        .map(drop)
    }

    /// Stops the active recording `recording_id` (`StopRecordingByIdentityRequest`); true if one was
    /// stopped.
    pub fn stop_recording_by_identity(&mut self, recording_id: i64) -> Result<bool, ArchiveError> {
        self.call("stop recording by identity", |control_session_id, correlation_id| {
            ArchiveMessage::StopRecordingByIdentityRequest(StopRecordingByIdentityRequest {
                control_session_id,
                correlation_id,
                recording_id,
            })
        })
        .map(|relevant_id| relevant_id != 0)
    }

    /// Starts a replay of `recording_id` from `position` for `length` bytes (or
    /// [`REPLAY_ALL_AND_FOLLOW`] / [`REPLAY_ALL_AND_STOP`]) to `(replay_channel, replay_stream_id)`;
    /// returns the replay session id, whose low 32 bits are the replay image's session id.
    pub fn start_replay(
        &mut self,
        recording_id: i64,
        position: i64,
        length: i64,
        replay_channel: &str,
        replay_stream_id: i32,
    ) -> Result<i64, ArchiveError> {
        self.call("start replay", |control_session_id, correlation_id| {
            ArchiveMessage::ReplayRequest(ReplayRequest {
                control_session_id,
                correlation_id,
                recording_id,
                position,
                length,
                replay_stream_id,
                file_io_max_length: NULL_VALUE as i32,
                replay_token: NULL_VALUE,
                replay_channel,
            })
        })
    }

    /// Like [`AeronArchive::start_replay`], bounded by the value of counter `limit_counter_id`
    /// (`BoundedReplayRequest`).
    pub fn start_bounded_replay(
        &mut self,
        recording_id: i64,
        position: i64,
        length: i64,
        limit_counter_id: i32,
        replay_channel: &str,
        replay_stream_id: i32,
    ) -> Result<i64, ArchiveError> {
        self.call("start bounded replay", |control_session_id, correlation_id| {
            ArchiveMessage::BoundedReplayRequest(BoundedReplayRequest {
                control_session_id,
                correlation_id,
                recording_id,
                position,
                length,
                limit_counter_id,
                replay_stream_id,
                file_io_max_length: NULL_VALUE as i32,
                replay_token: NULL_VALUE,
                replay_channel,
            })
        })
    }

    /// Stops a replay (`StopReplayRequest`).
    pub fn stop_replay(&mut self, replay_session_id: i64) -> Result<(), ArchiveError> {
        self.call("stop replay", |control_session_id, correlation_id| {
            ArchiveMessage::StopReplayRequest(StopReplayRequest {
                control_session_id,
                correlation_id,
                replay_session_id,
            })
        })
        .map(drop)
    }

    /// Stops every replay of `recording_id`, or of all recordings with [`NULL_VALUE`]
    /// (`StopAllReplaysRequest`).
    pub fn stop_all_replays(&mut self, recording_id: i64) -> Result<(), ArchiveError> {
        self.call("stop all replays", |control_session_id, correlation_id| {
            ArchiveMessage::StopAllReplaysRequest(StopAllReplaysRequest {
                control_session_id,
                correlation_id,
                recording_id,
            })
        })
        .map(drop)
    }

    /// Starts a replay and subscribes to it: the returned subscription is on `replay_channel` with
    /// `session-id` set to the replay's session, so it sees only this replay.
    pub fn replay(
        &mut self,
        recording_id: i64,
        position: i64,
        length: i64,
        replay_channel: &str,
        replay_stream_id: i32,
    ) -> Result<Subscription, ArchiveError> {
        let parsed = parse_channel(replay_channel)?;
        let replay_session_id =
            self.start_replay(recording_id, position, length, replay_channel, replay_stream_id)?;
        let channel = with_param(&parsed, "session-id", &(replay_session_id as i32).to_string())?;
        Ok(self.aeron.add_subscription(&channel, replay_stream_id)?)
    }

    /// Lists up to `record_count` recordings from `from_recording_id` (`ListRecordingsRequest`), calling
    /// `consumer` for each; returns how many were listed (fewer at the end of the catalog).
    pub fn list_recordings(
        &mut self,
        from_recording_id: i64,
        record_count: i32,
        consumer: &mut impl FnMut(&RecordingDescriptor<'_>),
    ) -> Result<i32, ArchiveError> {
        let correlation_id = self.send_request(|control_session_id, correlation_id| {
            ArchiveMessage::ListRecordingsRequest(ListRecordingsRequest {
                control_session_id,
                correlation_id,
                from_recording_id,
                record_count,
            })
        })?;
        self.await_descriptors(correlation_id, record_count, consumer)
    }

    /// Lists up to `record_count` recordings from `from_recording_id` whose channel contains `channel`
    /// and whose stream is `stream_id` (`ListRecordingsForUriRequest`); returns how many were listed.
    pub fn list_recordings_for_uri(
        &mut self,
        from_recording_id: i64,
        record_count: i32,
        channel: &str,
        stream_id: i32,
        consumer: &mut impl FnMut(&RecordingDescriptor<'_>),
    ) -> Result<i32, ArchiveError> {
        let correlation_id = self.send_request(|control_session_id, correlation_id| {
            ArchiveMessage::ListRecordingsForUriRequest(ListRecordingsForUriRequest {
                control_session_id,
                correlation_id,
                from_recording_id,
                record_count,
                stream_id,
                channel,
            })
        })?;
        self.await_descriptors(correlation_id, record_count, consumer)
    }

    /// The descriptor of `recording_id` (`ListRecordingRequest`), or `None` if the archive does not know
    /// it.
    pub fn list_recording(
        &mut self,
        recording_id: i64,
    ) -> Result<Option<OwnedRecordingDescriptor>, ArchiveError> {
        let correlation_id = self.send_request(|control_session_id, correlation_id| {
            ArchiveMessage::ListRecordingRequest(ListRecordingRequest {
                control_session_id,
                correlation_id,
                recording_id,
            })
        })?;
        let mut found = None;
        self.await_descriptors(correlation_id, 1, &mut |descriptor: &RecordingDescriptor<'_>| {
            found = Some(OwnedRecordingDescriptor::from(descriptor));
        })?;
        Ok(found)
    }

    /// Delivers descriptors of `correlation_id` until `record_count` arrived or the archive ends the
    /// listing with RECORDING_UNKNOWN (or OK); the deadline restarts with every descriptor.
    fn await_descriptors(
        &mut self,
        correlation_id: i64,
        record_count: i32,
        consumer: &mut impl FnMut(&RecordingDescriptor<'_>),
    ) -> Result<i32, ArchiveError> {
        let mut count = 0;
        if record_count <= 0 {
            // The archive still ends the listing; consume that answer.
            self.await_answer("list recordings", correlation_id)?;
            return Ok(0);
        }
        let mut deadline_ns = self.waiter.deadline_ns();
        loop {
            match self.poller.poll() {
                Some(ControlMessage::Descriptor(descriptor))
                    if descriptor.correlation_id == correlation_id =>
                {
                    consumer(&descriptor);
                    count += 1;
                    if count >= record_count {
                        return Ok(count);
                    }
                    deadline_ns = self.waiter.deadline_ns();
                }
                Some(ControlMessage::Response(response)) if response.correlation_id == correlation_id => {
                    return match response.code {
                        ControlResponseCode::RecordingUnknown | ControlResponseCode::Ok => Ok(count),
                        ControlResponseCode::Error => Err(ArchiveError::Archive {
                            code: response.relevant_id,
                            message: response.error_message.to_owned(),
                            correlation_id,
                        }),
                        other => Err(ArchiveError::Protocol(format!("listing ended with code {other:?}"))),
                    };
                }
                Some(ControlMessage::Signal(signal)) => self.signals.push_back(signal),
                Some(_) => {}
                None => {
                    if self.poller.fragments_read() == 0 && !self.poller.is_connected() {
                        return Err(ArchiveError::NotConnected { reason: "control response subscription" });
                    }
                    if self.waiter.is_past(deadline_ns) {
                        return Err(ArchiveError::Timeout { operation: "list recordings", correlation_id });
                    }
                    self.waiter.step();
                }
            }
        }
    }

    /// The live position of an active recording, or [`NULL_POSITION`] if it is not recording
    /// (`RecordingPositionRequest`).
    pub fn get_recording_position(&mut self, recording_id: i64) -> Result<i64, ArchiveError> {
        self.call("get recording position", |control_session_id, correlation_id| {
            ArchiveMessage::RecordingPositionRequest(RecordingPositionRequest {
                control_session_id,
                correlation_id,
                recording_id,
            })
        })
    }

    /// The stop position of a recording, [`NULL_POSITION`] while active (`StopPositionRequest`).
    pub fn get_stop_position(&mut self, recording_id: i64) -> Result<i64, ArchiveError> {
        self.call("get stop position", |control_session_id, correlation_id| {
            ArchiveMessage::StopPositionRequest(StopPositionRequest {
                control_session_id,
                correlation_id,
                recording_id,
            })
        })
    }

    /// The start position of a recording (`StartPositionRequest`).
    pub fn get_start_position(&mut self, recording_id: i64) -> Result<i64, ArchiveError> {
        self.call("get start position", |control_session_id, correlation_id| {
            ArchiveMessage::StartPositionRequest(StartPositionRequest {
                control_session_id,
                correlation_id,
                recording_id,
            })
        })
    }

    /// The live position if recording, else the stop position (`MaxRecordedPositionRequest`).
    pub fn get_max_recorded_position(&mut self, recording_id: i64) -> Result<i64, ArchiveError> {
        self.call("get max recorded position", |control_session_id, correlation_id| {
            ArchiveMessage::MaxRecordedPositionRequest(MaxRecordedPositionRequest {
                control_session_id,
                correlation_id,
                recording_id,
            })
        })
    }

    /// Truncates a stopped recording to `position` (`TruncateRecordingRequest`).
    pub fn truncate_recording(&mut self, recording_id: i64, position: i64) -> Result<(), ArchiveError> {
        self.call("truncate recording", |control_session_id, correlation_id| {
            ArchiveMessage::TruncateRecordingRequest(TruncateRecordingRequest {
                control_session_id,
                correlation_id,
                recording_id,
                position,
            })
        })
        .map(drop)
    }

    /// Deletes a stopped recording and its files (`PurgeRecordingRequest`).
    pub fn purge_recording(&mut self, recording_id: i64) -> Result<(), ArchiveError> {
        self.call("purge recording", |control_session_id, correlation_id| {
            ArchiveMessage::PurgeRecordingRequest(PurgeRecordingRequest {
                control_session_id,
                correlation_id,
                recording_id,
            })
        })
        .map(drop)
    }

    /// Detaches the segments before `new_start_position` (`DetachSegmentsRequest`).
    pub fn detach_segments(
        &mut self,
        recording_id: i64,
        new_start_position: i64,
    ) -> Result<(), ArchiveError> {
        self.call("detach segments", |control_session_id, correlation_id| {
            ArchiveMessage::DetachSegmentsRequest(DetachSegmentsRequest {
                control_session_id,
                correlation_id,
                recording_id,
                new_start_position,
            })
        })
        .map(drop)
    }

    /// Deletes detached segments; returns how many were deleted (`DeleteDetachedSegmentsRequest`).
    pub fn delete_detached_segments(&mut self, recording_id: i64) -> Result<i64, ArchiveError> {
        self.call("delete detached segments", |control_session_id, correlation_id| {
            ArchiveMessage::DeleteDetachedSegmentsRequest(DeleteDetachedSegmentsRequest {
                control_session_id,
                correlation_id,
                recording_id,
            })
        })
    }

    /// Detaches and deletes the segments before `new_start_position`; returns how many were deleted
    /// (`PurgeSegmentsRequest`).
    pub fn purge_segments(
        &mut self,
        recording_id: i64,
        new_start_position: i64,
    ) -> Result<i64, ArchiveError> {
        self.call("purge segments", |control_session_id, correlation_id| {
            ArchiveMessage::PurgeSegmentsRequest(PurgeSegmentsRequest {
                control_session_id,
                correlation_id,
                recording_id,
                new_start_position,
            })
        })
    }

    /// Re-attaches detached segments still on disk; returns how many (`AttachSegmentsRequest`).
    pub fn attach_segments(&mut self, recording_id: i64) -> Result<i64, ArchiveError> {
        self.call("attach segments", |control_session_id, correlation_id| {
            ArchiveMessage::AttachSegmentsRequest(AttachSegmentsRequest {
                control_session_id,
                correlation_id,
                recording_id,
            })
        })
    }

    /// Replicates `src_recording_id` from the archive at `(src_control_channel, src_control_stream_id)`
    /// into this archive (`ReplicateRequest2`); returns the replication id. Progress arrives as recording
    /// signals.
    pub fn replicate(
        &mut self,
        src_recording_id: i64,
        src_control_stream_id: i32,
        src_control_channel: &str,
        params: &ReplicationParams,
    ) -> Result<i64, ArchiveError> {
        self.call("replicate", |control_session_id, correlation_id| {
            ArchiveMessage::ReplicateRequest2(ReplicateRequest2 {
                control_session_id,
                correlation_id,
                src_recording_id,
                dst_recording_id: params.dst_recording_id,
                stop_position: params.stop_position,
                channel_tag_id: params.channel_tag_id,
                subscription_tag_id: params.subscription_tag_id,
                src_control_stream_id,
                file_io_max_length: params.file_io_max_length,
                replication_session_id: params.replication_session_id,
                src_control_channel,
                live_destination: &params.live_destination,
                replication_channel: &params.replication_channel,
                encoded_credentials: &params.encoded_credentials,
                src_response_channel: &params.src_response_channel,
            })
        })
    }

    /// Replicates with channel and subscription tags (`TaggedReplicateRequest`); returns the replication
    /// id.
    #[allow(clippy::too_many_arguments)]
    pub fn tagged_replicate(
        &mut self,
        src_recording_id: i64,
        dst_recording_id: i64,
        channel_tag_id: i64,
        subscription_tag_id: i64,
        src_control_stream_id: i32,
        src_control_channel: &str,
        live_destination: &str,
    ) -> Result<i64, ArchiveError> {
        self.call("tagged replicate", |control_session_id, correlation_id| {
            ArchiveMessage::TaggedReplicateRequest(TaggedReplicateRequest {
                control_session_id,
                correlation_id,
                src_recording_id,
                dst_recording_id,
                channel_tag_id,
                subscription_tag_id,
                src_control_stream_id,
                src_control_channel,
                live_destination,
            })
        })
    }

    /// Stops a replication (`StopReplicationRequest`).
    pub fn stop_replication(&mut self, replication_id: i64) -> Result<(), ArchiveError> {
        self.call("stop replication", |control_session_id, correlation_id| {
            ArchiveMessage::StopReplicationRequest(StopReplicationRequest {
                control_session_id,
                correlation_id,
                replication_id,
            })
        })
        .map(drop)
    }

    /// Hands queued recording signals to `consumer`, then polls the response stream once and hands over
    /// the signals found; returns how many were delivered. An ERROR response on this session fails with
    /// [`ArchiveError::Archive`] (as Aeron's `pollForRecordingSignals`); other responses are dropped.
    /// Does not block.
    pub fn poll_for_recording_signals(
        &mut self,
        consumer: &mut impl FnMut(&RecordingSignalEvent),
    ) -> Result<usize, ArchiveError> {
        self.ensure_open()?;
        let mut count = 0;
        while let Some(signal) = self.signals.pop_front() {
            consumer(&signal);
            count += 1;
        }
        match self.poller.poll() {
            Some(ControlMessage::Signal(signal)) => {
                consumer(&signal);
                count += 1;
            }
            Some(ControlMessage::Response(response)) if response.code == ControlResponseCode::Error => {
                return Err(ArchiveError::Archive {
                    code: response.relevant_id,
                    message: response.error_message.to_owned(),
                    correlation_id: response.correlation_id,
                });
            }
            Some(_) => {}
            None => {
                if count == 0 && self.poller.fragments_read() == 0 && !self.poller.is_connected() {
                    return Err(ArchiveError::NotConnected { reason: "control response subscription" });
                }
            }
        }
        Ok(count)
    }

    /// Sends a `KeepAliveRequest` now.
    pub fn keep_alive(&mut self) -> Result<(), ArchiveError> {
        self.send_request(|control_session_id, correlation_id| {
            ArchiveMessage::KeepAliveRequest(protocol::archive::KeepAliveRequest {
                control_session_id,
                correlation_id,
            })
        })
        .map(drop)
    }

    /// Sends a keep-alive if nothing was sent for the keep-alive interval as of `now_ns` (on the
    /// context's clock); returns whether one was sent.
    pub fn keep_alive_if_due(&mut self, now_ns: i64) -> Result<bool, ArchiveError> {
        self.ensure_open()?;
        if now_ns.wrapping_sub(self.last_request_ns) < self.keep_alive_interval_ns {
            return Ok(false);
        }
        self.keep_alive()?;
        self.last_request_ns = now_ns;
        Ok(true)
    }

    /// Closes the control session: sends `CloseSessionRequest` (best effort) and closes the control
    /// publication and subscription. Idempotent.
    pub fn close(&mut self) {
        if self.closed {
            return;
        }
        self.closed = true;
        if self.proxy.publication().is_connected() {
            let waiter = &mut self.waiter;
            let _ = self.proxy.close_session(self.control_session_id, &mut || waiter.step());
        }
        self.proxy.close();
        self.poller.subscription().close();
    }
}

impl Drop for AeronArchive {
    fn drop(&mut self) {
        self.close();
    }
}

/// `BooleanType` of a `bool`.
fn boolean(value: bool) -> BooleanType {
    if value { BooleanType::True } else { BooleanType::False }
}

/// Parses a channel URI as a template (endpoint-less channels are fine).
pub(crate) fn parse_channel(channel: &str) -> Result<ChannelUri, ArchiveError> {
    ChannelUri::parse_template(channel)
        .map_err(|error| ArchiveError::InvalidArgument(format!("{channel}: {error}")))
}

/// `uri` with parameter `key` set to `value` (replacing any previous value).
pub(crate) fn with_param(uri: &ChannelUri, key: &str, value: &str) -> Result<String, ArchiveError> {
    ChannelUriBuilder::from_uri(uri)
        .set(key, value)
        .build_template()
        .map(|uri| uri.to_string())
        .map_err(|error| ArchiveError::InvalidArgument(format!("{key}={value}: {error}")))
}
