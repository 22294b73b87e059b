//! [`ReplicationParams`]: optional parameters of [`AeronArchive::replicate`](crate::AeronArchive::replicate)
//! (Aeron `ReplicationParams`).

/// Parameters of a replication; [`Default`] gives Aeron's defaults (everything null: a new destination
/// recording, no stop position, no live merge, no tags, the archive's default replication channel).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicationParams {
    /// Destination recording to extend, or -1 for a new recording.
    pub dst_recording_id: i64,
    /// Position to stop at, or -1 (`NULL_POSITION`) to follow.
    pub stop_position: i64,
    /// Live destination to merge with, or empty.
    pub live_destination: String,
    /// Channel for the replication stream, or empty for the archive's default.
    pub replication_channel: String,
    /// Response channel for the source archive's control session, or empty.
    pub src_response_channel: String,
    /// Channel tag, or -1.
    pub channel_tag_id: i64,
    /// Subscription tag, or -1.
    pub subscription_tag_id: i64,
    /// Max file IO length for the source replay, or -1 for the archive's default.
    pub file_io_max_length: i32,
    /// Session id for the replicated stream, or -1.
    pub replication_session_id: i32,
    /// Credentials for the source archive.
    pub encoded_credentials: Vec<u8>,
}

impl Default for ReplicationParams {
    fn default() -> Self {
        Self {
            dst_recording_id: -1,
            stop_position: -1,
            live_destination: String::new(),
            replication_channel: String::new(),
            src_response_channel: String::new(),
            channel_tag_id: -1,
            subscription_tag_id: -1,
            file_io_max_length: -1,
            replication_session_id: -1,
            encoded_credentials: Vec::new(),
        }
    }
}
