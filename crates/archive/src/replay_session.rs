//! [`ReplaySession`]: replays a recording from a position into an exclusive publication (Aeron's
//! `ReplaySession`, reference §5.7).
//!
//! The publication was created with the recording's `init-term-id`/`term-id`/`term-offset`/
//! `term-length`/`mtu` at the replay position, so every frame goes to the same position it was
//! recorded at. Each cycle reads one block with a [`RecordingReader`] (validated frames only), copies it
//! into the session's buffer, rewrites each frame's session id and stream id to the publication's, and
//! offers it with `offer_block`; a PAD frame is sent with `append_padding`. A block the publication
//! refused (back pressure) is kept and offered again before anything new is read.
//!
//! Invariants:
//! - the position never passes `min(end_position, limit)`; the limit is fixed, a live recording's
//!   `rec-pos` counter (re-read each cycle), or a bounding counter from the driver;
//! - a read error (missing segment, corrupt frame) ends the replay with an error: nothing that failed
//!   validation is ever offered;
//! - the data path does not allocate: the block buffer is allocated at start.

use agrona::{CountersReader, counters_descriptor::RECORD_ALLOCATED};
use client::{ExclusivePublication, OfferError};

use crate::{ArchiveStorage, ReadError, RecordingReader};

const FRAME_HEADER_LENGTH: usize = 32;
const SESSION_ID_OFFSET: usize = 12;
const STREAM_ID_OFFSET: usize = 16;

/// Where a replay may read up to.
#[derive(Debug)]
pub enum ReplayLimit {
    /// A fixed position (a stopped recording's stop position).
    Fixed(i64),
    /// The `rec-pos` counter of the live recording being replayed.
    Recording(client::Counter),
    /// A counter in the driver's counters (BoundedReplay's `limitCounterId`); when it is freed the replay
    /// ends at the last value seen.
    Counter {
        /// The driver's counters.
        reader: CountersReader,
        /// The counter id.
        counter_id: i32,
        /// The counter's registration id when the replay started (detects reuse of the slot).
        registration_id: i64,
        /// The last value read.
        last_value: i64,
    },
}

impl ReplayLimit {
    /// The current limit and whether it can still move.
    fn current(&mut self) -> (i64, bool) {
        match self {
            ReplayLimit::Fixed(position) => (*position, false),
            ReplayLimit::Recording(counter) => (counter.get(), true),
            ReplayLimit::Counter { reader, counter_id, registration_id, last_value } => {
                if reader.counter_state(*counter_id) == RECORD_ALLOCATED
                    && reader.counter_registration_id(*counter_id) == *registration_id
                {
                    *last_value = reader.counter_value(*counter_id);
                    (*last_value, true)
                } else {
                    (*last_value, false)
                }
            }
        }
    }
}

/// How a replay ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplayEnd {
    /// Everything up to the end or limit was sent.
    Completed,
    /// Stopped by request (StopReplay, StopAllReplays, truncate, close).
    Aborted,
    /// The subscriber went away or never connected in time.
    Disconnected,
    /// The recording could not be read.
    ReadFailed(ReadError),
}

/// One replay.
///
/// Drive it with [`ReplaySession::do_work`] every duty cycle until it returns `Some(end)`; the publication
/// is closed when it ends.
pub struct ReplaySession<S: ArchiveStorage> {
    replay_session_id: i64,
    recording_id: i64,
    control_session_id: i64,
    correlation_id: i64,
    publication: ExclusivePublication,
    reader: RecordingReader<S>,
    buffer: Vec<u8>,
    pending_length: usize,
    pending_padding: Option<usize>,
    end_position: i64,
    limit: ReplayLimit,
    connect_deadline_ns: i64,
    connected: bool,
    ended: Option<ReplayEnd>,
}

/// Identity of a replay request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplayOrigin {
    /// The replay session id (`replay counter << 32 | publication session id`).
    pub replay_session_id: i64,
    /// The recording replayed.
    pub recording_id: i64,
    /// The control session that asked.
    pub control_session_id: i64,
    /// The request's correlation id.
    pub correlation_id: i64,
}

impl<S: ArchiveStorage> ReplaySession<S> {
    /// A replay of `reader`'s recording into `publication` up to `end_position` (bounded by `limit`),
    /// waiting until `connect_deadline_ns` for the publication to connect. `buffer_length` bytes are
    /// allocated now for the block copy (the reader's buffer length).
    pub fn new(
        origin: ReplayOrigin,
        publication: ExclusivePublication,
        reader: RecordingReader<S>,
        buffer_length: usize,
        end_position: i64,
        limit: ReplayLimit,
        connect_deadline_ns: i64,
    ) -> Self {
        Self {
            replay_session_id: origin.replay_session_id,
            recording_id: origin.recording_id,
            control_session_id: origin.control_session_id,
            correlation_id: origin.correlation_id,
            publication,
            reader,
            buffer: vec![0; buffer_length],
            pending_length: 0,
            pending_padding: None,
            end_position,
            limit,
            connect_deadline_ns,
            connected: false,
            ended: None,
        }
    }

    /// The replay session id.
    pub fn replay_session_id(&self) -> i64 {
        self.replay_session_id
    }

    /// The recording replayed.
    pub fn recording_id(&self) -> i64 {
        self.recording_id
    }

    /// The control session that asked.
    pub fn control_session_id(&self) -> i64 {
        self.control_session_id
    }

    /// The request's correlation id.
    pub fn correlation_id(&self) -> i64 {
        self.correlation_id
    }

    /// The next position to replay.
    pub fn position(&self) -> i64 {
        self.reader.position()
    }

    /// Replaces a live recording's counter by its final stop position (the recording stopped).
    pub fn recording_stopped(&mut self, stop_position: i64) {
        if matches!(self.limit, ReplayLimit::Recording(_)) {
            self.limit = ReplayLimit::Fixed(stop_position);
        }
    }

    /// Ends the replay at the next cycle.
    pub fn abort(&mut self) {
        if self.ended.is_none() {
            self.ended = Some(ReplayEnd::Aborted);
        }
    }

    fn finish(&mut self, end: ReplayEnd) -> Option<ReplayEnd> {
        self.publication.close();
        self.ended = Some(end.clone());
        Some(end)
    }

    /// Offers the pending block; true once nothing is pending.
    fn flush(&mut self) -> Result<bool, ReplayEnd> {
        let result = if let Some(padding) = self.pending_padding {
            self.publication.append_padding(padding)
        } else if self.pending_length > 0 {
            self.publication.offer_block(&self.buffer[..self.pending_length])
        } else {
            return Ok(true);
        };
        match result {
            Ok(_) => {
                self.pending_length = 0;
                self.pending_padding = None;
                Ok(true)
            }
            Err(OfferError::Closed | OfferError::MaxPositionExceeded) => Err(ReplayEnd::Disconnected),
            Err(OfferError::NotConnected) if self.connected => Err(ReplayEnd::Disconnected),
            Err(_) => Ok(false),
        }
    }

    /// One replay step at `now_ns`; returns how it ended once it has (the publication is then closed).
    pub fn do_work(&mut self, now_ns: i64) -> (usize, Option<ReplayEnd>) {
        if let Some(end) = self.ended.clone() {
            if !self.publication.is_closed() {
                self.publication.close();
            }
            return (1, Some(end));
        }
        if !self.connected {
            if self.publication.is_connected() {
                self.connected = true;
            } else if now_ns.wrapping_sub(self.connect_deadline_ns) > 0 {
                return (1, self.finish(ReplayEnd::Disconnected));
            } else {
                return (0, None);
            }
        } else if !self.publication.is_connected() {
            return (1, self.finish(ReplayEnd::Disconnected));
        }
        match self.flush() {
            Ok(true) => {}
            Ok(false) => return (0, None),
            Err(end) => return (1, self.finish(end)),
        }
        let (limit, live) = self.limit.current();
        let target = limit.min(self.end_position);
        if self.reader.position() >= target {
            if !live || self.reader.position() >= self.end_position {
                return (1, self.finish(ReplayEnd::Completed));
            }
            return (0, None);
        }
        self.reader.set_limit(target);
        let buffer = &mut self.buffer;
        let mut delivered = 0usize;
        let mut padding = None;
        let polled = self.reader.poll(&mut |bytes: &[u8], _position| {
            let length = bytes.len().min(buffer.len());
            buffer[..length].copy_from_slice(&bytes[..length]);
            delivered = length;
            let frame_type = u16::from_le_bytes([bytes[6], bytes[7]]);
            if frame_type == 0 && length >= FRAME_HEADER_LENGTH {
                let frame_length = i32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
                padding = Some((frame_length as usize).saturating_sub(FRAME_HEADER_LENGTH));
            }
        });
        let advanced = match polled {
            Ok(advanced) => advanced,
            Err(error) => return (1, self.finish(ReplayEnd::ReadFailed(error))),
        };
        if advanced == 0 {
            return (0, None);
        }
        if padding.is_some() {
            self.pending_padding = padding;
        } else {
            let session_id = self.publication.session_id().to_le_bytes();
            let stream_id = self.publication.stream_id().to_le_bytes();
            let mut offset = 0;
            while offset + FRAME_HEADER_LENGTH <= delivered {
                let frame = &mut self.buffer[offset..];
                let frame_length =
                    i32::from_le_bytes([frame[0], frame[1], frame[2], frame[3]]).max(0) as usize;
                frame[SESSION_ID_OFFSET..SESSION_ID_OFFSET + 4].copy_from_slice(&session_id);
                frame[STREAM_ID_OFFSET..STREAM_ID_OFFSET + 4].copy_from_slice(&stream_id);
                let aligned = agrona::align(frame_length.max(FRAME_HEADER_LENGTH), FRAME_HEADER_LENGTH);
                offset += aligned;
            }
            self.pending_length = delivered;
        }
        match self.flush() {
            Ok(_) => (advanced, None),
            Err(end) => (1, self.finish(end)),
        }
    }
}

impl<S: ArchiveStorage> std::fmt::Debug for ReplaySession<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplaySession")
            .field("replay_session_id", &self.replay_session_id)
            .field("recording_id", &self.recording_id)
            .field("end_position", &self.end_position)
            .finish_non_exhaustive()
    }
}
