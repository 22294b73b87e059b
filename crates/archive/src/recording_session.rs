//! [`RecordingSession`]: records one image into one recording (Aeron's `RecordingSession`): block-polls
//! the image, writes each block with a [`RecordingWriter`], and publishes the recorded position in the
//! recording's `rec-pos` counter (type [`RECORDING_POSITION_TYPE_ID`]) with a release store after every
//! block. The counter is a [`client::Counter`] in the media driver's counters region, so archive clients
//! find it there (`RecordingPos`) and bounded replays can use it.
//!
//! Invariants:
//! - the counter never runs ahead of the bytes handed to storage: it is set after `write_block` returned;
//! - the counter is closed (`REMOVE_COUNTER`) when the session is closed;
//! - a write error is fatal for the session: the writer is poisoned, nothing more is polled, and the
//!   session reports [`RecordingProgress::Failed`] once; nothing is retried;
//! - the data path does not allocate: the block-poll limit and the writer's buffers are fixed at start
//!   (opening the next segment file names it, which allocates once per segment).

use client::{Counter, Image};

use crate::{ArchiveStorage, RecordingError, RecordingWriter};

/// Counter type id of `rec-pos` (Aeron's `RecordingPos.RECORDING_POSITION_TYPE_ID`).
pub const RECORDING_POSITION_TYPE_ID: i32 = 100;

/// The `rec-pos` counter key (reference §4): recordingId:i64, sessionId:i32, source identity as
/// length:i32 + bytes, archiveId:i64; the source identity is cut so the key fits 112 bytes.
pub fn recording_position_key(
    recording_id: i64,
    session_id: i32,
    source_identity: &str,
    archive_id: i64,
) -> Vec<u8> {
    let max_source_length = agrona::counters_descriptor::MAX_KEY_LENGTH - 8 - 4 - 4 - 8;
    let source = &source_identity.as_bytes()[..source_identity.len().min(max_source_length)];
    let mut key = Vec::with_capacity(24 + source.len());
    key.extend_from_slice(&recording_id.to_le_bytes());
    key.extend_from_slice(&session_id.to_le_bytes());
    key.extend_from_slice(&(source.len() as i32).to_le_bytes());
    key.extend_from_slice(source);
    key.extend_from_slice(&archive_id.to_le_bytes());
    key
}

/// What one duty cycle of a recording session did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordingProgress {
    /// `n` bytes recorded (0 = idle).
    Recorded(usize),
    /// The image ended (end of stream or closed) and everything it delivered is recorded.
    Ended,
    /// Storage failed; the recording must stop. Reported once.
    Failed(RecordingError),
}

/// Records one image.
///
/// Drive it with [`RecordingSession::do_work`] every duty cycle until it returns `Ended` or `Failed`
/// (or the conductor aborts it), then [`RecordingSession::close`].
pub struct RecordingSession<S: ArchiveStorage> {
    recording_id: i64,
    subscription_id: i64,
    control_session_id: i64,
    correlation_id: i64,
    image: Image,
    writer: RecordingWriter<S>,
    position: Counter,
    block_length_limit: usize,
    failed: bool,
}

/// Identity of the request that started (or extended) a recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordingOrigin {
    /// The recording subscription's registration id.
    pub subscription_id: i64,
    /// The control session that asked.
    pub control_session_id: i64,
    /// The request's correlation id.
    pub correlation_id: i64,
}

impl<S: ArchiveStorage> RecordingSession<S> {
    /// A session recording `image` into `recording_id` through `writer`, publishing into the driver
    /// counter `position` (which the session owns and closes), polling at most `block_length_limit`
    /// bytes per cycle.
    pub fn new(
        recording_id: i64,
        origin: RecordingOrigin,
        image: Image,
        writer: RecordingWriter<S>,
        position: Counter,
        block_length_limit: usize,
    ) -> Self {
        position.set_ordered(writer.position());
        Self {
            recording_id,
            subscription_id: origin.subscription_id,
            control_session_id: origin.control_session_id,
            correlation_id: origin.correlation_id,
            image,
            writer,
            position,
            block_length_limit,
            failed: false,
        }
    }

    /// The recording id.
    pub fn recording_id(&self) -> i64 {
        self.recording_id
    }

    /// The recording subscription's registration id.
    pub fn subscription_id(&self) -> i64 {
        self.subscription_id
    }

    /// The control session that started or extended the recording.
    pub fn control_session_id(&self) -> i64 {
        self.control_session_id
    }

    /// The correlation id of that request.
    pub fn correlation_id(&self) -> i64 {
        self.correlation_id
    }

    /// The recorded position (what the `rec-pos` counter shows).
    pub fn recorded_position(&self) -> i64 {
        self.writer.position()
    }

    /// The `rec-pos` counter id.
    pub fn counter_id(&self) -> i32 {
        self.position.id()
    }

    /// A handle on the `rec-pos` counter.
    pub fn position_counter(&self) -> &Counter {
        &self.position
    }

    /// The recorded image's correlation id.
    pub fn image_correlation_id(&self) -> i64 {
        self.image.correlation_id()
    }

    /// Records the next block, if any.
    pub fn do_work(&mut self) -> RecordingProgress {
        if self.failed {
            return RecordingProgress::Recorded(0);
        }
        let mut block_position = self.image.position();
        let mut result: Result<(), RecordingError> = Ok(());
        let writer = &mut self.writer;
        let bytes = self.image.block_poll(
            &mut |block: &[u8], _session_id, _term_id| {
                if result.is_ok() {
                    result = writer.write_block(block, block_position);
                }
                block_position += block.len() as i64;
            },
            self.block_length_limit,
        );
        if let Err(error) = result {
            self.failed = true;
            return RecordingProgress::Failed(error);
        }
        if bytes > 0 {
            self.position.set_ordered(self.writer.position());
            return RecordingProgress::Recorded(bytes);
        }
        if self.image.is_closed() || self.image.is_end_of_stream() {
            return RecordingProgress::Ended;
        }
        RecordingProgress::Recorded(0)
    }

    /// Closes the writer (syncing as configured) and the `rec-pos` counter; returns the stop position and
    /// any storage error.
    pub fn close(self) -> (i64, Result<(), RecordingError>) {
        let stop_position = self.writer.position();
        self.position.close();
        let result = if self.failed { Ok(()) } else { self.writer.close() };
        (stop_position, result)
    }
}

impl<S: ArchiveStorage> std::fmt::Debug for RecordingSession<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordingSession")
            .field("recording_id", &self.recording_id)
            .field("subscription_id", &self.subscription_id)
            .field("counter_id", &self.position.id())
            .finish_non_exhaustive()
    }
}
