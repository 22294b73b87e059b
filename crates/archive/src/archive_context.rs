//! [`ArchiveContext`]: everything an [`crate::ArchiveConductor`] is built from (Aeron's `Archive.Context`).
//!
//! Invariants: the context reads no clock and opens nothing itself; time comes from the injected
//! [`EpochClock`] (for catalog timestamps) and the `now_ns` of each duty cycle, files come from the
//! [`ArchiveStorage`] backend, and the media driver is reached only through the [`Aeron`] client handle.

use std::sync::Arc;

use agrona::EpochClock;
use client::Aeron;

use crate::{ArchiveStorage, DEFAULT_CATALOG_CAPACITY, FileSyncLevel};

/// Aeron's local control channel default (`LOCAL_CONTROL_CHANNEL_DEFAULT`).
pub const LOCAL_CONTROL_CHANNEL_DEFAULT: &str = "aeron:ipc?term-length=64k";
/// Aeron's control request stream id default.
pub const CONTROL_STREAM_ID_DEFAULT: i32 = 10;
/// Aeron's control response stream id default (used by clients; the archive answers on whatever stream the
/// connect request names).
pub const CONTROL_RESPONSE_STREAM_ID_DEFAULT: i32 = 20;
/// Aeron's recording events stream id default.
pub const RECORDING_EVENTS_STREAM_ID_DEFAULT: i32 = 30;
/// Aeron's default segment file length (128 MiB).
pub const SEGMENT_FILE_LENGTH_DEFAULT: i32 = 128 * 1024 * 1024;
/// Aeron's default `fileIoMaxLength` (1 MiB): the largest block read or written in one go.
pub const FILE_IO_MAX_LENGTH_DEFAULT: usize = 1024 * 1024;
/// Aeron's default maximum of concurrent replays.
pub const MAX_CONCURRENT_REPLAYS_DEFAULT: usize = 20;
/// Aeron's default maximum of concurrent recordings.
pub const MAX_CONCURRENT_RECORDINGS_DEFAULT: usize = 20;
/// Aeron's default control session liveness timeout (10 s).
pub const SESSION_LIVENESS_TIMEOUT_NS_DEFAULT: i64 = 10_000_000_000;
/// Aeron's default connect timeout (5 s): how long a replay waits for its publication to connect.
pub const CONNECT_TIMEOUT_NS_DEFAULT: i64 = 5_000_000_000;
/// Aeron's default replication channel (`aeron.archive.replication.channel`).
pub const REPLICATION_CHANNEL_DEFAULT: &str = "aeron:udp?endpoint=localhost:0";
/// Default channel on which a source archive answers a replicating archive (Aeron's archive client
/// `CONTROL_RESPONSE_CHANNEL` default). Its port must be explicit: wildcard ports are not resolved.
pub const REPLICATION_RESPONSE_CHANNEL_DEFAULT: &str = "aeron:udp?endpoint=localhost:0";
/// Default stream on which a source archive answers a replicating archive.
pub const REPLICATION_RESPONSE_STREAM_ID_DEFAULT: i32 = 20;
/// Default bound of every wait of a replication for its source archive (the archive client's 10 s
/// message timeout).
pub const REPLICATION_MESSAGE_TIMEOUT_NS_DEFAULT: i64 = 10_000_000_000;

/// How to build an [`crate::ArchiveConductor`]. Create it with [`ArchiveContext::new`] (Aeron's defaults)
/// and adjust the public fields before calling [`crate::ArchiveConductor::new`].
pub struct ArchiveContext<S: ArchiveStorage> {
    /// The archive directory.
    pub storage: S,
    /// The client the archive talks to the media driver through.
    pub aeron: Aeron,
    /// Epoch clock for catalog timestamps.
    pub epoch_clock: Arc<dyn EpochClock>,
    /// If true, every duty cycle runs the client's conductor (`Aeron::conductor_do_work`): set it when no
    /// other thread runs that client's conductor (an embedded or invoker-mode client).
    pub invoke_aeron_conductor: bool,
    /// The local control request channel (default `aeron:ipc?term-length=64k`).
    pub control_channel: String,
    /// Stream id of the control request channels (default 10).
    pub control_stream_id: i32,
    /// A second, UDP control request channel for remote clients, if any.
    pub udp_control_channel: Option<String>,
    /// Channel of the recording events stream (RecordingStarted/Progress/Stopped); `None` disables it.
    pub recording_events_channel: Option<String>,
    /// Stream id of the recording events stream (default 30).
    pub recording_events_stream_id: i32,
    /// Configured segment file length; each recording uses `max(this, term_length)`.
    pub segment_file_length: i32,
    /// Sync level of segment writes.
    pub file_sync_level: FileSyncLevel,
    /// Sync level of catalog changes.
    pub catalog_file_sync_level: FileSyncLevel,
    /// Capacity of a new catalog file.
    pub catalog_capacity: u64,
    /// Store a CRC-32C in DATA frames' session id on disk (Aeron's record checksum).
    pub record_checksum: bool,
    /// The archive id returned by `ArchiveIdRequest` and written into `rec-pos` counter keys.
    pub archive_id: i64,
    /// Largest block read or written at once (and the replay buffer length).
    pub file_io_max_length: usize,
    /// Replays allowed at once.
    pub max_concurrent_replays: usize,
    /// Recordings allowed at once.
    pub max_concurrent_recordings: usize,
    /// A control session with no request for this long is closed.
    pub session_liveness_timeout_ns: i64,
    /// How long a replay waits for its publication to connect.
    pub connect_timeout_ns: i64,
    /// Channel a source archive replays to when a replication request names none.
    pub replication_channel: String,
    /// Channel on which source archives answer this archive's replication sessions (used when the
    /// request names no `srcResponseChannel`); give it an explicit port.
    pub replication_response_channel: String,
    /// Stream on which source archives answer this archive's replication sessions.
    pub replication_response_stream_id: i32,
    /// Bound of every wait of a replication session for its source archive.
    pub replication_message_timeout_ns: i64,
}

impl<S: ArchiveStorage> ArchiveContext<S> {
    /// A context with Aeron's defaults over `storage`, talking through `aeron`, stamping with `epoch_clock`.
    pub fn new(storage: S, aeron: Aeron, epoch_clock: Arc<dyn EpochClock>) -> Self {
        Self {
            storage,
            aeron,
            epoch_clock,
            invoke_aeron_conductor: true,
            control_channel: LOCAL_CONTROL_CHANNEL_DEFAULT.to_string(),
            control_stream_id: CONTROL_STREAM_ID_DEFAULT,
            udp_control_channel: None,
            recording_events_channel: None,
            recording_events_stream_id: RECORDING_EVENTS_STREAM_ID_DEFAULT,
            segment_file_length: SEGMENT_FILE_LENGTH_DEFAULT,
            file_sync_level: FileSyncLevel::None,
            catalog_file_sync_level: FileSyncLevel::None,
            catalog_capacity: DEFAULT_CATALOG_CAPACITY,
            record_checksum: false,
            archive_id: 0,
            file_io_max_length: FILE_IO_MAX_LENGTH_DEFAULT,
            max_concurrent_replays: MAX_CONCURRENT_REPLAYS_DEFAULT,
            max_concurrent_recordings: MAX_CONCURRENT_RECORDINGS_DEFAULT,
            session_liveness_timeout_ns: SESSION_LIVENESS_TIMEOUT_NS_DEFAULT,
            connect_timeout_ns: CONNECT_TIMEOUT_NS_DEFAULT,
            replication_channel: REPLICATION_CHANNEL_DEFAULT.to_string(),
            replication_response_channel: REPLICATION_RESPONSE_CHANNEL_DEFAULT.to_string(),
            replication_response_stream_id: REPLICATION_RESPONSE_STREAM_ID_DEFAULT,
            replication_message_timeout_ns: REPLICATION_MESSAGE_TIMEOUT_NS_DEFAULT,
        }
    }
}

impl<S: ArchiveStorage> std::fmt::Debug for ArchiveContext<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArchiveContext")
            .field("control_channel", &self.control_channel)
            .field("control_stream_id", &self.control_stream_id)
            .field("udp_control_channel", &self.udp_control_channel)
            .field("segment_file_length", &self.segment_file_length)
            .field("archive_id", &self.archive_id)
            .finish_non_exhaustive()
    }
}
