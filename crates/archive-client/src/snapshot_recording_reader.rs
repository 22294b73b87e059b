//! [`SnapshotRecordingReader`]: reads a whole snapshot recording back from the archive into memory and
//! checks its seal ([`crate::snapshot_seal`]), without blocking the caller's duty cycle.
//!
//! How to drive it: [`SnapshotRecordingReader::start`] looks the recording up and starts a replay of all
//! of it (blocking calls through the archive client's invoker); then call
//! [`SnapshotRecordingReader::poll`] on every duty cycle until it returns the messages (or an error).
//! The caller bounds the wait: a replay whose image never appears yields `Ok(None)` forever.
//!
//! Invariants:
//! - messages are returned only if the replay delivered the recording up to its stop position and the
//!   trailer's counts, length and CRC-32C match: a recording cut short, a corrupt frame (the archive
//!   refuses to replay it) or a flipped byte is an error, never a loaded snapshot;
//! - the returned list does not include the trailer.

use client::{FragmentAssembler, Subscription};

use crate::snapshot_recording_writer::channel_with_session_id;
use crate::snapshot_seal::{self, SealError};
use crate::{AeronArchive, ArchiveError, NULL_POSITION};

/// Why a snapshot could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotReadError {
    /// The archive failed or refused a request.
    #[error("snapshot recording {recording_id}: {source}")]
    Archive {
        /// The recording.
        recording_id: i64,
        /// The archive's error.
        source: ArchiveError,
    },
    /// The archive does not know the recording.
    #[error("snapshot recording {0} is not in the archive catalog")]
    UnknownRecording(i64),
    /// The recording never stopped: the snapshot was not finished.
    #[error("snapshot recording {0} has no stop position (never finished)")]
    NotStopped(i64),
    /// The recording holds nothing.
    #[error("snapshot recording {0} is empty")]
    Empty(i64),
    /// The replay ended before the stop position.
    #[error(
        "snapshot recording {recording_id}: replay ended at {position} before the stop position {stop_position}"
    )]
    Incomplete {
        /// The recording.
        recording_id: i64,
        /// Where the replay ended.
        position: i64,
        /// Where the recording stops.
        stop_position: i64,
    },
    /// The content does not match its seal.
    #[error("snapshot recording {recording_id}: {source}")]
    Seal {
        /// The recording.
        recording_id: i64,
        /// What did not match.
        source: SealError,
    },
}

/// A snapshot recording being read. See the module docs.
#[derive(Debug)]
pub struct SnapshotRecordingReader {
    recording_id: i64,
    subscription: Subscription,
    replay_session_id: i32,
    stop_position: i64,
    assembler: FragmentAssembler,
    messages: Vec<Vec<u8>>,
}

impl SnapshotRecordingReader {
    /// Starts replaying all of `recording_id` to `(replay_channel, replay_stream_id)` (the channel gets
    /// the replay's session id).
    pub fn start(
        archive: &mut AeronArchive,
        recording_id: i64,
        replay_channel: &str,
        replay_stream_id: i32,
    ) -> Result<Self, SnapshotReadError> {
        let archive_error = |source| SnapshotReadError::Archive { recording_id, source };
        let descriptor = archive
            .list_recording(recording_id)
            .map_err(archive_error)?
            .ok_or(SnapshotReadError::UnknownRecording(recording_id))?;
        if descriptor.stop_position == NULL_POSITION {
            return Err(SnapshotReadError::NotStopped(recording_id));
        }
        let length = descriptor.stop_position - descriptor.start_position;
        if length <= 0 {
            return Err(SnapshotReadError::Empty(recording_id));
        }
        let replay_session_id = archive
            .start_replay(recording_id, descriptor.start_position, length, replay_channel, replay_stream_id)
            .map_err(archive_error)? as i32;
        let channel = channel_with_session_id(replay_channel, replay_session_id).map_err(archive_error)?;
        let subscription = archive
            .aeron()
            .add_subscription(&channel, replay_stream_id)
            .map_err(|e| archive_error(ArchiveError::Client(e)))?;
        Ok(Self {
            recording_id,
            subscription,
            replay_session_id,
            stop_position: descriptor.stop_position,
            assembler: FragmentAssembler::new(4096),
            messages: Vec::new(),
        })
    }

    /// The recording being read.
    pub fn recording_id(&self) -> i64 {
        self.recording_id
    }

    /// Makes progress (up to `fragment_limit` fragments); returns the snapshot's messages (without the
    /// trailer) once all of it is read and verified.
    pub fn poll(&mut self, fragment_limit: usize) -> Result<Option<Vec<Vec<u8>>>, SnapshotReadError> {
        let Some(image) = self.subscription.image_by_session_id(self.replay_session_id).cloned() else {
            return Ok(None);
        };
        let messages = &mut self.messages;
        let assembler = &mut self.assembler;
        image.poll(
            &mut |fragment, header| {
                assembler.on_fragment(fragment, header, &mut |message, _| messages.push(message.to_vec()))
            },
            fragment_limit,
        );
        let position = image.position();
        if position >= self.stop_position {
            let messages = std::mem::take(&mut self.messages);
            let count = snapshot_seal::verify_seal(&messages)
                .map_err(|source| SnapshotReadError::Seal { recording_id: self.recording_id, source })?;
            let mut messages = messages;
            messages.truncate(count);
            return Ok(Some(messages));
        }
        if image.is_closed() || image.is_end_of_stream() {
            return Err(SnapshotReadError::Incomplete {
                recording_id: self.recording_id,
                position,
                stop_position: self.stop_position,
            });
        }
        Ok(None)
    }
}
