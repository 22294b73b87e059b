//! [`SnapshotRecordingWriter`]: writes a snapshot (a list of messages) into a new recording of the local
//! archive, sealed with a checksum trailer ([`crate::snapshot_seal`]), without blocking the caller's duty
//! cycle.
//!
//! How to drive it: [`SnapshotRecordingWriter::start`] adds an exclusive publication on the snapshot
//! channel and asks the archive to record it (two blocking calls through the archive client's invoker);
//! hand it the snapshot with [`SnapshotRecordingWriter::write`] (messages no longer than
//! [`SnapshotRecordingWriter::max_message_length`]); then call [`SnapshotRecordingWriter::poll`] on
//! every duty cycle until it returns the recording id.
//! Each poll offers what the publication takes (back-pressure just ends the poll) and, once everything
//! is offered, waits for the recording to hold the publication's whole stream, then stops the
//! recording.
//!
//! Invariants:
//! - nothing is offered before the archive's recording has joined the stream, so the recording starts
//!   at the publication's first byte;
//! - the recording id is returned only when the recorded position has reached the position after the
//!   trailer: a returned snapshot is complete on the archive's side;
//! - the trailer is always the last message.

use agrona::CountersReader;
use client::{ExclusivePublication, OfferError};
use protocol::archive::SourceLocation;
use protocol::channel_uri::{ChannelUri, ChannelUriBuilder};

use crate::{AeronArchive, ArchiveError, RecordingPos, snapshot_seal};

/// A snapshot being written into a recording. See the module docs.
#[derive(Debug)]
pub struct SnapshotRecordingWriter {
    publication: ExclusivePublication,
    counters: CountersReader,
    subscription_id: i64,
    messages: Option<Vec<Vec<u8>>>,
    next_message: usize,
    recording: Option<(i32, i64)>,
    stopped: bool,
}

/// `channel` with `session-id=<session_id>`.
pub(crate) fn channel_with_session_id(channel: &str, session_id: i32) -> Result<String, ArchiveError> {
    let uri = ChannelUri::parse(channel)
        .map_err(|e| ArchiveError::InvalidArgument(format!("snapshot channel {channel}: {e}")))?;
    ChannelUriBuilder::from_uri(&uri)
        .set("session-id", session_id.to_string())
        .build()
        .map(|uri| uri.to_string())
        .map_err(|e| ArchiveError::InvalidArgument(format!("snapshot channel {channel}: {e}")))
}

impl SnapshotRecordingWriter {
    /// Adds the snapshot publication on `(channel, stream_id)` and starts the archive's recording of
    /// it. Fails if the publication cannot be added or the archive refuses the recording.
    pub fn start(archive: &mut AeronArchive, channel: &str, stream_id: i32) -> Result<Self, ArchiveError> {
        let aeron = archive.aeron().clone();
        let publication = aeron.add_exclusive_publication(channel, stream_id)?;
        let recorded_channel = channel_with_session_id(channel, publication.session_id())?;
        let subscription_id =
            archive.start_recording(&recorded_channel, stream_id, SourceLocation::Local, false)?;
        Ok(Self {
            publication,
            counters: aeron.counters_reader(),
            subscription_id,
            messages: None,
            next_message: 0,
            recording: None,
            stopped: false,
        })
    }

    /// Largest message [`SnapshotRecordingWriter::write`] accepts.
    pub fn max_message_length(&self) -> usize {
        self.publication.max_message_length()
    }

    /// Hands over the snapshot (its seal is added); fails if a message is longer than
    /// [`SnapshotRecordingWriter::max_message_length`]. Call once.
    pub fn write(&mut self, mut messages: Vec<Vec<u8>>) -> Result<(), ArchiveError> {
        let max_length = self.publication.max_message_length();
        if let Some(long) = messages.iter().find(|m| m.len() > max_length) {
            return Err(ArchiveError::InvalidArgument(format!(
                "snapshot message of {} bytes exceeds the snapshot channel's maximum message length {max_length}",
                long.len()
            )));
        }
        let trailer = snapshot_seal::seal(&messages);
        messages.push(trailer);
        self.messages = Some(messages);
        Ok(())
    }

    /// The recording id, once the archive's recording of the snapshot has started.
    pub fn recording_id(&self) -> Option<i64> {
        self.recording.map(|(_, id)| id)
    }

    /// Bytes written so far (the publication's position).
    pub fn position(&self) -> i64 {
        self.publication.position()
    }

    /// Makes progress; returns the recording id once the whole snapshot is recorded and the recording
    /// stopped, `None` while work remains. An error means the snapshot failed (call
    /// [`SnapshotRecordingWriter::abandon`]).
    pub fn poll(&mut self, archive: &mut AeronArchive) -> Result<Option<i64>, ArchiveError> {
        let (counter_id, recording_id) = match self.recording {
            Some(recording) => recording,
            None => {
                let session_id = self.publication.session_id();
                let Some(counter_id) = RecordingPos::find_counter_id_by_session(&self.counters, session_id)
                else {
                    return Ok(None);
                };
                let Some(recording_id) = RecordingPos::get_recording_id(&self.counters, counter_id) else {
                    return Ok(None);
                };
                self.recording = Some((counter_id, recording_id));
                (counter_id, recording_id)
            }
        };
        let Some(messages) = self.messages.as_ref() else { return Ok(None) };
        while let Some(message) = messages.get(self.next_message) {
            match self.publication.offer(message) {
                Ok(_) => self.next_message += 1,
                Err(OfferError::BackPressured | OfferError::AdminAction | OfferError::NotConnected) => {
                    break;
                }
                Err(error) => {
                    return Err(ArchiveError::Protocol(format!("snapshot publication: {error}")));
                }
            }
        }
        if self.next_message < messages.len() {
            return Ok(None);
        }
        if !RecordingPos::is_active(&self.counters, counter_id, recording_id) {
            return Err(ArchiveError::Protocol(format!(
                "snapshot recording {recording_id} stopped before it held the whole snapshot"
            )));
        }
        if self.counters.counter_value(counter_id) < self.publication.position() {
            return Ok(None);
        }
        archive.stop_recording_by_subscription(self.subscription_id)?;
        self.stopped = true;
        Ok(Some(recording_id))
    }

    /// Gives up: stops the recording (best effort) and closes the publication.
    pub fn abandon(mut self, archive: &mut AeronArchive) {
        if !self.stopped {
            let _ = archive.stop_recording_by_subscription(self.subscription_id);
        }
        self.publication.close();
    }
}
