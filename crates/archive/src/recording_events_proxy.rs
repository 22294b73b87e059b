//! [`RecordingEventsProxy`]: the recording events stream (Aeron's `RecordingEventsProxy`, stream 30 by
//! default): `RecordingStarted` (101), `RecordingProgress` (102), `RecordingStopped` (103).
//!
//! Invariants: events are best effort, as in Aeron: an event the publication does not take after a few
//! attempts is dropped (and counted), never queued, so a slow listener cannot hold the archive back.

use client::Publication;
use protocol::archive::{RecordingProgress, RecordingStarted, RecordingStopped};

const OFFER_ATTEMPTS: usize = 3;

/// Publishes recording events on one publication.
#[derive(Debug)]
pub struct RecordingEventsProxy {
    publication: Publication,
    buffer: Vec<u8>,
    dropped_count: u64,
}

impl RecordingEventsProxy {
    /// A proxy over `publication`.
    pub fn new(publication: Publication) -> Self {
        Self { publication, buffer: vec![0; 512], dropped_count: 0 }
    }

    /// Events dropped because the publication did not take them.
    pub fn dropped_count(&self) -> u64 {
        self.dropped_count
    }

    fn send(&mut self, length: usize) {
        for _ in 0..OFFER_ATTEMPTS {
            if self.publication.offer(&self.buffer[..length]).is_ok() {
                return;
            }
        }
        self.dropped_count += 1;
    }

    fn reserve(&mut self, length: usize) {
        if self.buffer.len() < length {
            self.buffer.resize(length, 0);
        }
    }

    /// A recording started.
    pub fn started(
        &mut self,
        recording_id: i64,
        start_position: i64,
        session_id: i32,
        stream_id: i32,
        channel: &str,
        source_identity: &str,
    ) {
        let message = RecordingStarted {
            recording_id,
            start_position,
            session_id,
            stream_id,
            channel,
            source_identity,
        };
        self.reserve(message.encoded_length());
        if let Ok(length) = message.encode(&mut self.buffer) {
            self.send(length);
        }
    }

    /// A recording progressed to `position`.
    pub fn progress(&mut self, recording_id: i64, start_position: i64, position: i64) {
        let message = RecordingProgress { recording_id, start_position, position };
        if let Ok(length) = message.encode(&mut self.buffer) {
            self.send(length);
        }
    }

    /// A recording stopped at `stop_position`.
    pub fn stopped(&mut self, recording_id: i64, start_position: i64, stop_position: i64) {
        let message = RecordingStopped { recording_id, start_position, stop_position };
        if let Ok(length) = message.encode(&mut self.buffer) {
            self.send(length);
        }
    }
}
