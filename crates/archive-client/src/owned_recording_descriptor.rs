//! [`OwnedRecordingDescriptor`]: an owned copy of a `RecordingDescriptor` message, as returned by
//! [`AeronArchive::list_recording`](crate::AeronArchive::list_recording).

use protocol::archive::RecordingDescriptor;

/// One recording's catalog entry, copied out of the control response stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedRecordingDescriptor {
    /// Recording id.
    pub recording_id: i64,
    /// Epoch ms at which the recording started.
    pub start_timestamp: i64,
    /// Epoch ms at which it stopped; -1 while active.
    pub stop_timestamp: i64,
    /// Position at which the recording starts.
    pub start_position: i64,
    /// Position at which it stopped; -1 (`NULL_POSITION`) while active.
    pub stop_position: i64,
    /// Initial term id of the recorded stream.
    pub initial_term_id: i32,
    /// Segment file length in bytes.
    pub segment_file_length: i32,
    /// Term length in bytes.
    pub term_buffer_length: i32,
    /// MTU in bytes.
    pub mtu_length: i32,
    /// Session id of the recorded image.
    pub session_id: i32,
    /// Stream id.
    pub stream_id: i32,
    /// Channel reduced to the parameters that identify the stream.
    pub stripped_channel: String,
    /// Channel as given when the recording started.
    pub original_channel: String,
    /// Source identity of the recorded image.
    pub source_identity: String,
}

impl OwnedRecordingDescriptor {
    /// The base position of the segment file holding `position` (Aeron
    /// `AeronArchive.segmentFileBasePosition`): segments are counted from the base of the term holding
    /// the start position. This is what `purge_segments`/`detach_segments` accept as a new start.
    pub fn segment_file_base_position(&self, position: i64) -> i64 {
        let term_length = i64::from(self.term_buffer_length.max(1));
        let segment_length = i64::from(self.segment_file_length.max(1));
        let start_term_base = self.start_position - (self.start_position & (term_length - 1));
        start_term_base + (position - start_term_base).div_euclid(segment_length) * segment_length
    }
}

impl From<&RecordingDescriptor<'_>> for OwnedRecordingDescriptor {
    fn from(d: &RecordingDescriptor<'_>) -> Self {
        Self {
            recording_id: d.recording_id,
            start_timestamp: d.start_timestamp,
            stop_timestamp: d.stop_timestamp,
            start_position: d.start_position,
            stop_position: d.stop_position,
            initial_term_id: d.initial_term_id,
            segment_file_length: d.segment_file_length,
            term_buffer_length: d.term_buffer_length,
            mtu_length: d.mtu_length,
            session_id: d.session_id,
            stream_id: d.stream_id,
            stripped_channel: d.stripped_channel.to_owned(),
            original_channel: d.original_channel.to_owned(),
            source_identity: d.source_identity.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_file_base_position_counts_segments_from_the_start_term() {
        let descriptor = OwnedRecordingDescriptor {
            recording_id: 1,
            start_timestamp: 0,
            stop_timestamp: -1,
            start_position: 65_536 + 96,
            stop_position: -1,
            initial_term_id: 0,
            segment_file_length: 262_144,
            term_buffer_length: 65_536,
            mtu_length: 1_408,
            session_id: 1,
            stream_id: 100,
            stripped_channel: String::new(),
            original_channel: String::new(),
            source_identity: String::new(),
        };
        assert_eq!(descriptor.segment_file_base_position(65_536 + 96), 65_536);
        assert_eq!(descriptor.segment_file_base_position(65_536 + 262_143), 65_536);
        assert_eq!(descriptor.segment_file_base_position(65_536 + 262_144), 65_536 + 262_144);
        assert_eq!(descriptor.segment_file_base_position(480_832), 327_680);
    }
}
