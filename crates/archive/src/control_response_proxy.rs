//! [`ControlResponseProxy`]: encodes the archive's answers on a control session's response stream
//! (Aeron's `ControlResponseProxy`): `ControlResponse` (1), `RecordingDescriptor` (22) and
//! `RecordingSignalEvent` (24), with `protocol::archive` codecs.
//!
//! Invariants: every message is encoded into one buffer owned by the proxy (grown only for a longer
//! error message or descriptor), so the caller gets a borrowed slice ready to offer as one Aeron
//! message; a `RecordingDescriptor` is the SBE header, the control session and correlation ids, then
//! the catalog's bytes from `recordingId` on, padding included (reference §5.2).

use protocol::archive::{
    CLIENT_PROTOCOL_SEMANTIC_VERSION, ControlResponse, ControlResponseCode, MessageHeader,
    RecordingDescriptor, RecordingSignal, RecordingSignalEvent,
};

/// Encodes control responses into an owned buffer.
#[derive(Debug, Default)]
pub struct ControlResponseProxy {
    buffer: Vec<u8>,
}

impl ControlResponseProxy {
    /// A proxy with an empty buffer.
    pub fn new() -> Self {
        Self { buffer: Vec::with_capacity(256) }
    }

    fn reserve(&mut self, length: usize) -> &mut [u8] {
        if self.buffer.len() < length {
            self.buffer.resize(length, 0);
        }
        &mut self.buffer[..length]
    }

    /// A `ControlResponse` with `code`, `relevant_id` and `error_message` (empty unless an error).
    pub fn response(
        &mut self,
        control_session_id: i64,
        correlation_id: i64,
        relevant_id: i64,
        code: ControlResponseCode,
        error_message: &str,
    ) -> &[u8] {
        let message = ControlResponse {
            control_session_id,
            correlation_id,
            relevant_id,
            code,
            version: CLIENT_PROTOCOL_SEMANTIC_VERSION,
            error_message,
        };
        let length = message.encoded_length();
        let written = message.encode(self.reserve(length)).unwrap_or(0);
        &self.buffer[..written]
    }

    /// A `RecordingDescriptor` from the catalog's raw descriptor bytes (`Catalog::descriptor_bytes`: the
    /// block from `controlSessionId` on, strings and padding).
    pub fn descriptor(
        &mut self,
        control_session_id: i64,
        correlation_id: i64,
        catalog_bytes: &[u8],
    ) -> &[u8] {
        if catalog_bytes.len() < 16 {
            return &[];
        }
        let length = MessageHeader::ENCODED_LENGTH + catalog_bytes.len();
        let dst = self.reserve(length);
        let header = MessageHeader::new(RecordingDescriptor::TEMPLATE_ID, RecordingDescriptor::BLOCK_LENGTH);
        if header.encode(dst).is_err() {
            return &[];
        }
        let body = &mut dst[MessageHeader::ENCODED_LENGTH..];
        body[0..8].copy_from_slice(&control_session_id.to_le_bytes());
        body[8..16].copy_from_slice(&correlation_id.to_le_bytes());
        body[16..].copy_from_slice(&catalog_bytes[16..]);
        &self.buffer[..length]
    }

    /// A `RecordingSignalEvent`.
    pub fn signal(
        &mut self,
        control_session_id: i64,
        correlation_id: i64,
        recording_id: i64,
        subscription_id: i64,
        position: i64,
        signal: RecordingSignal,
    ) -> &[u8] {
        let message = RecordingSignalEvent {
            control_session_id,
            correlation_id,
            recording_id,
            subscription_id,
            position,
            signal,
        };
        let length = message.encoded_length();
        let written = message.encode(self.reserve(length)).unwrap_or(0);
        &self.buffer[..written]
    }
}
