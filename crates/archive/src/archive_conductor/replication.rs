//! The archive conductor's side of replication (Aeron's `ArchiveConductor.replicate`,
//! `stopReplication`): it checks and accepts replication requests, runs the [`ReplicationSession`]s
//! each duty cycle, and serves them as their [`ReplicationHost`] (catalog, extend recordings, control
//! session answers).
//!
//! Invariants:
//! - a replication request is answered once, at once: OK with the new replication id, or an ERROR;
//!   everything later arrives as signals or ERROR responses whose correlation id is the replication id;
//! - a destination recording is created or reset only from a source descriptor whose geometry is valid
//!   (remote input is checked, never trusted);
//! - a finished replication session is closed exactly once, in the duty cycle it finished.

use client::{Aeron, Image};
use protocol::archive::{RecordingSignal, SourceLocation, archive_error_code as code};
use protocol::channel_uri::ChannelUri;

use super::{ArchiveConductor, Refusal, refuse};
use crate::replication_session::{
    DestinationSummary, ReplicationFailure, ReplicationHost, ReplicationRequest, ReplicationSession,
    SourceDescriptor,
};
use crate::{ArchiveStorage, NULL_VALUE, NewRecording, RecordingState, SegmentGeometry};

/// The fields of ReplicateRequest, TaggedReplicateRequest and ReplicateRequest2.
pub(super) struct ReplicateParams<'a> {
    pub(super) control_session_id: i64,
    pub(super) src_recording_id: i64,
    pub(super) dst_recording_id: i64,
    pub(super) stop_position: i64,
    pub(super) channel_tag_id: i64,
    pub(super) subscription_tag_id: i64,
    pub(super) src_control_stream_id: i32,
    pub(super) src_control_channel: &'a str,
    pub(super) live_destination: &'a str,
    pub(super) replication_channel: &'a str,
    pub(super) file_io_max_length: i32,
    pub(super) replication_session_id: i32,
    pub(super) encoded_credentials: &'a [u8],
    pub(super) src_response_channel: &'a str,
}

fn failure(refusal: Refusal) -> ReplicationFailure {
    ReplicationFailure::new(refusal.error_code, refusal.message)
}

impl<S: ArchiveStorage> ArchiveConductor<S> {
    /// Accepts a replication request; returns the replication id.
    pub(super) fn replicate(&mut self, params: ReplicateParams<'_>) -> Result<i64, Refusal> {
        if !params.live_destination.is_empty() {
            return refuse(
                code::GENERIC,
                "replication with a live destination (live merge) is not supported",
            );
        }
        let replication_channel = if params.replication_channel.is_empty() {
            self.ctx.replication_channel.clone()
        } else {
            params.replication_channel.to_string()
        };
        match ChannelUri::parse(&replication_channel) {
            Ok(uri) if uri.get("control-mode") == Some("response") => {
                return refuse(code::GENERIC, "response channels are not supported for replication");
            }
            Ok(uri) if !uri.is_udp() => {
                return refuse(
                    code::GENERIC,
                    format!("replication channel must be UDP: {replication_channel}"),
                );
            }
            Ok(_) => {}
            Err(error) => {
                return refuse(
                    code::GENERIC,
                    format!("invalid replication channel {replication_channel}: {error}"),
                );
            }
        }
        if let Err(error) = ChannelUri::parse(params.src_control_channel) {
            return refuse(
                code::GENERIC,
                format!("invalid source control channel {}: {error}", params.src_control_channel),
            );
        }
        let dst_summary = if params.dst_recording_id == NULL_VALUE {
            None
        } else {
            let descriptor = match self.catalog.descriptor(params.dst_recording_id) {
                Ok(descriptor) if descriptor.state == RecordingState::Valid => descriptor,
                _ => {
                    return refuse(
                        code::UNKNOWN_RECORDING,
                        format!("unknown destination recording id {}", params.dst_recording_id),
                    );
                }
            };
            if descriptor.stop_position == NULL_VALUE || self.live_session(params.dst_recording_id).is_some()
            {
                return refuse(
                    code::ACTIVE_RECORDING,
                    format!("cannot replicate to active recording {}", params.dst_recording_id),
                );
            }
            Some(DestinationSummary {
                start_position: descriptor.start_position,
                stop_position: descriptor.stop_position,
            })
        };
        let src_response_channel = if params.src_response_channel.is_empty() {
            self.ctx.replication_response_channel.clone()
        } else {
            params.src_response_channel.to_string()
        };
        let replication_id = self.ctx.aeron.next_correlation_id();
        let null_if_absent = |value: i32| if value <= 0 { NULL_VALUE as i32 } else { value };
        let request = ReplicationRequest {
            control_session_id: params.control_session_id,
            replication_id,
            src_recording_id: params.src_recording_id,
            dst_recording_id: params.dst_recording_id,
            stop_position: params.stop_position,
            channel_tag_id: params.channel_tag_id,
            subscription_tag_id: params.subscription_tag_id,
            src_control_stream_id: params.src_control_stream_id,
            src_control_channel: params.src_control_channel.to_string(),
            replication_channel,
            file_io_max_length: null_if_absent(params.file_io_max_length),
            replication_session_id: if params.replication_session_id == i32::MIN {
                NULL_VALUE as i32
            } else {
                params.replication_session_id
            },
            encoded_credentials: params.encoded_credentials.to_vec(),
            src_response_channel,
            src_response_stream_id: self.ctx.replication_response_stream_id,
            action_timeout_ns: self.ctx.replication_message_timeout_ns,
            dst_summary,
        };
        self.replication_sessions.push(ReplicationSession::new(request, self.now_ns));
        Ok(replication_id)
    }

    /// Stops a running replication (`StopReplicationRequest`).
    pub(super) fn stop_replication(&mut self, replication_id: i64) -> Result<i64, Refusal> {
        match self
            .replication_sessions
            .iter_mut()
            .find(|session| session.replication_id() == replication_id && !session.is_done())
        {
            Some(session) => {
                session.abort();
                Ok(0)
            }
            None => refuse(code::UNKNOWN_REPLICATION, format!("unknown replication id {replication_id}")),
        }
    }

    /// Steps every replication session once and closes the finished ones.
    pub(super) fn run_replications(&mut self) -> usize {
        if self.replication_sessions.is_empty() {
            return 0;
        }
        let mut sessions = std::mem::take(&mut self.replication_sessions);
        let now_ns = self.now_ns;
        let mut work = 0;
        for session in &mut sessions {
            work += session.do_work(now_ns, self);
        }
        sessions.retain_mut(|session| {
            if session.is_done() {
                session.close(self);
                work += 1;
                false
            } else {
                true
            }
        });
        sessions.append(&mut self.replication_sessions);
        self.replication_sessions = sessions;
        work
    }

    /// Closes every replication session (archive shutdown).
    pub(super) fn close_replications(&mut self) {
        let mut sessions = std::mem::take(&mut self.replication_sessions);
        for session in &mut sessions {
            session.abort();
            session.close(self);
        }
    }

    fn checked_geometry(&self, source: &SourceDescriptor) -> Result<SegmentGeometry, ReplicationFailure> {
        SegmentGeometry::new(
            source.start_position,
            source.term_buffer_length,
            source.segment_file_length,
            source.initial_term_id,
        )
        .map_err(|error| {
            ReplicationFailure::new(
                code::GENERIC,
                format!("source recording has an invalid geometry: {error}"),
            )
        })
        .and_then(|geometry| {
            if source.mtu_length < 32
                || source.mtu_length > source.term_buffer_length
                || source.mtu_length & 31 != 0
            {
                Err(ReplicationFailure::new(
                    code::GENERIC,
                    format!("source recording has an invalid mtu length {}", source.mtu_length),
                ))
            } else if source.start_position & 31 != 0
                || (source.stop_position != NULL_VALUE && source.stop_position < source.start_position)
            {
                Err(ReplicationFailure::new(
                    code::GENERIC,
                    format!(
                        "source recording has invalid positions: start {} stop {}",
                        source.start_position, source.stop_position
                    ),
                ))
            } else {
                Ok(geometry)
            }
        })
    }
}

impl<S: ArchiveStorage> ReplicationHost for ArchiveConductor<S> {
    fn aeron(&self) -> &Aeron {
        &self.ctx.aeron
    }

    fn adopt_source_descriptor(
        &mut self,
        request: &ReplicationRequest,
        source: &SourceDescriptor,
    ) -> Result<i64, ReplicationFailure> {
        self.checked_geometry(source)?;
        if request.dst_recording_id == NULL_VALUE {
            let recording = NewRecording {
                control_session_id: request.control_session_id,
                correlation_id: request.replication_id,
                start_timestamp_ms: source.start_timestamp_ms,
                start_position: source.start_position,
                initial_term_id: source.initial_term_id,
                segment_file_length: source.segment_file_length,
                term_buffer_length: source.term_buffer_length,
                mtu_length: source.mtu_length,
                session_id: source.session_id,
                stream_id: source.stream_id,
                stripped_channel: source.stripped_channel.clone(),
                original_channel: source.original_channel.clone(),
                source_identity: source.source_identity.clone(),
            };
            return self
                .catalog
                .add_recording_with_stop(&recording, source.start_position, source.start_timestamp_ms)
                .map_err(|error| failure(self.catalog_failed(error)));
        }
        let recording_id = request.dst_recording_id;
        let descriptor = self.known(recording_id).map_err(failure)?;
        if descriptor.stop_position == NULL_VALUE || self.live_session(recording_id).is_some() {
            return Err(ReplicationFailure::new(
                code::ACTIVE_RECORDING,
                format!("cannot replicate to active recording {recording_id}"),
            ));
        }
        let mismatch = descriptor.initial_term_id != source.initial_term_id
            || descriptor.term_buffer_length != source.term_buffer_length
            || descriptor.mtu_length != source.mtu_length
            || descriptor.stream_id != source.stream_id;
        if mismatch {
            return Err(ReplicationFailure::new(
                code::INVALID_EXTENSION,
                format!(
                    "cannot replicate into recording {recording_id}: initialTermId/termBufferLength/mtuLength/streamId differ from the source's"
                ),
            ));
        }
        if descriptor.start_position == descriptor.stop_position {
            // An empty destination takes the source's start (Aeron replaces its descriptor).
            let start = source.start_position;
            let mut result = self.catalog.set_start_position(recording_id, start);
            if result.is_ok() {
                result = self.catalog.set_stop_position(recording_id, start);
            }
            result.map_err(|error| failure(self.catalog_failed(error)))?;
        } else if descriptor.stop_position < source.start_position
            || (source.stop_position != NULL_VALUE && descriptor.stop_position > source.stop_position)
        {
            return Err(ReplicationFailure::new(
                code::INVALID_EXTENSION,
                format!(
                    "cannot replicate into recording {recording_id}: its stop position {} is outside the source's [{}, {}]",
                    descriptor.stop_position, source.start_position, source.stop_position
                ),
            ));
        }
        Ok(recording_id)
    }

    fn destination_stop_position(&self, dst_recording_id: i64) -> i64 {
        self.catalog.descriptor(dst_recording_id).map_or(NULL_VALUE, |descriptor| descriptor.stop_position)
    }

    fn extend_for_replication(
        &mut self,
        request: &ReplicationRequest,
        dst_recording_id: i64,
        channel: &str,
        stream_id: i32,
    ) -> Result<i64, ReplicationFailure> {
        self.extend_recording(
            request.control_session_id,
            request.replication_id,
            dst_recording_id,
            channel,
            stream_id,
            SourceLocation::Remote,
            true,
        )
        .map_err(failure)
    }

    fn has_recording_subscription(&self, subscription_id: i64) -> bool {
        self.recording_subscriptions
            .iter()
            .any(|entry| entry.subscription.registration_id() == subscription_id && !entry.closing)
    }

    fn recording_image(&mut self, subscription_id: i64, session_id: i32) -> Option<Image> {
        self.recording_subscriptions
            .iter_mut()
            .find(|entry| entry.subscription.registration_id() == subscription_id)
            .and_then(|entry| entry.subscription.image_by_session_id(session_id).cloned())
    }

    fn rcv_destination(
        &mut self,
        subscription_id: i64,
        destination: &str,
        add: bool,
    ) -> Result<(), ReplicationFailure> {
        let Some(entry) = self
            .recording_subscriptions
            .iter()
            .find(|entry| entry.subscription.registration_id() == subscription_id)
        else {
            return Err(ReplicationFailure::new(code::GENERIC, "replication recording subscription closed"));
        };
        let result = if add {
            entry.subscription.add_rcv_destination(destination)
        } else {
            entry.subscription.remove_rcv_destination(destination)
        };
        result.map_err(|error| {
            ReplicationFailure::new(code::GENERIC, format!("receive destination {destination}: {error}"))
        })
    }

    fn stop_recording_subscription(&mut self, subscription_id: i64) {
        self.close_recording_subscription(subscription_id);
    }

    fn control_session_open(&self, control_session_id: i64) -> bool {
        self.control_sessions.iter().any(|session| session.id() == control_session_id && !session.is_done())
    }

    fn send_signal(
        &mut self,
        control_session_id: i64,
        correlation_id: i64,
        recording_id: i64,
        subscription_id: i64,
        position: i64,
        signal: RecordingSignal,
    ) {
        self.signal(control_session_id, correlation_id, recording_id, subscription_id, position, signal);
    }

    fn send_error(&mut self, control_session_id: i64, correlation_id: i64, error_code: i64, message: &str) {
        self.record_error(message.to_string());
        if let Some(session) = self.session_mut(control_session_id) {
            session.send_error(correlation_id, error_code, message);
        }
    }
}
