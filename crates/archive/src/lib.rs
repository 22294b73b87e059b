//! `fulmar-archive`: the storage layer of Aeron's Archive, byte-compatible with Aeron 1.54 (reference
//! §5.1–5.4, §5.8, §5.11).
//!
//! - the storage seam: [`ArchiveStorage`]/[`ArchiveFile`], [`StorageError`] (with file poisoning),
//!   [`FileSyncLevel`]; backends [`MemoryArchiveStorage`] (with crash images), [`FaultyArchiveStorage`]
//!   (fault injection) and, in `fulmar-sys`, `FsArchiveStorage`; the [`conformance`] suite;
//! - the catalog `archive.catalog`: [`Catalog`], [`RecordingDescriptor`], [`RecordingState`];
//! - segment files `<recordingId>-<segmentBase>.rec`: [`SegmentGeometry`], [`RecordingWriter`],
//!   [`RecordingReader`], [`check_frame`];
//! - crash recovery [`recover_catalog`] (with [`scan_segment`]), [`verify_recording`], and the
//!   storage-level operations in [`segment_operations`] (truncate, purge, detach/attach, extension rules);
//! - the archive agent: [`ArchiveConductor`] built from an [`ArchiveContext`], serving Aeron's archive
//!   control protocol with [`ControlSession`]s, [`RecordingSession`]s and [`ReplaySession`]s, and
//!   replicating recordings from other archives (replication sessions, reference §5.10).
//!
//! Crate-wide invariants:
//! - no file, clock or thread is touched directly: all I/O goes through [`ArchiveStorage`], time comes in
//!   as `now_ms` arguments;
//! - bytes read from storage are untrusted: decoding the catalog, scanning, reading and verifying
//!   segments never panic, they return errors or reports;
//! - a failed write or sync is fatal and never retried: the file handle and the component owning it are
//!   poisoned, and every later operation fails with `PreviousIo`/`Poisoned`.

#![warn(missing_docs)]

mod archive_conductor;
mod archive_context;
mod archive_storage;
mod catalog;
pub mod conformance;
mod control_response_proxy;
mod control_session;
mod faulty_archive_storage;
mod file_sync_level;
mod frame_check;
mod memory_archive_storage;
pub mod recording_descriptor;
mod recording_events_proxy;
mod recording_reader;
mod recording_session;
mod recording_writer;
mod recovery;
mod replay_session;
mod replication_session;
mod segment_file;
pub mod segment_operations;
mod segment_scan;
mod storage_error;
mod verify;

pub use agrona::crc32c::{crc32c, crc32c_extend};
pub use archive_conductor::{ArchiveConductor, ArchiveError, REPLAY_ALL_AND_FOLLOW, REPLAY_ALL_AND_STOP};
pub use archive_context::{
    ArchiveContext, CONNECT_TIMEOUT_NS_DEFAULT, CONTROL_RESPONSE_STREAM_ID_DEFAULT,
    CONTROL_STREAM_ID_DEFAULT, FILE_IO_MAX_LENGTH_DEFAULT, LOCAL_CONTROL_CHANNEL_DEFAULT,
    MAX_CONCURRENT_RECORDINGS_DEFAULT, MAX_CONCURRENT_REPLAYS_DEFAULT, RECORDING_EVENTS_STREAM_ID_DEFAULT,
    REPLICATION_CHANNEL_DEFAULT, REPLICATION_MESSAGE_TIMEOUT_NS_DEFAULT,
    REPLICATION_RESPONSE_CHANNEL_DEFAULT, REPLICATION_RESPONSE_STREAM_ID_DEFAULT,
    SEGMENT_FILE_LENGTH_DEFAULT, SESSION_LIVENESS_TIMEOUT_NS_DEFAULT,
};
pub use archive_storage::{ArchiveFile, ArchiveStorage};
pub use catalog::{
    CATALOG_ALIGNMENT, CATALOG_FILE_NAME, CATALOG_HEADER_LENGTH, CATALOG_MAJOR_VERSION, CATALOG_VERSION,
    Catalog, CatalogConfig, CatalogError, DEFAULT_CATALOG_CAPACITY, MAX_CATALOG_CAPACITY, NewRecording,
    validate_catalog_bytes,
};
pub use control_response_proxy::ControlResponseProxy;
pub use control_session::{ControlSession, MAX_QUEUED_RESPONSES};
pub use faulty_archive_storage::{Fault, FaultKind, FaultyArchiveFile, FaultyArchiveStorage};
pub use file_sync_level::FileSyncLevel;
pub use frame_check::{
    CheckedFrame, FRAME_HEADER_LENGTH, FrameProblem, check_frame, check_frame_checksum, frame_checksum,
};
pub use memory_archive_storage::{CRASH_PAGE_SIZE, CrashMode, MemoryArchiveFile, MemoryArchiveStorage};
pub use recording_descriptor::{NULL_VALUE, RecordingDescriptor, RecordingState};
pub use recording_events_proxy::RecordingEventsProxy;
pub use recording_reader::{ReadError, RecordingReader};
pub use recording_session::{
    RECORDING_POSITION_TYPE_ID, RecordingOrigin, RecordingProgress, RecordingSession, recording_position_key,
};
pub use recording_writer::{RecordingError, RecordingWriter};
pub use recovery::{
    RecoveryAction, RecoveryError, RecoveryReport, erase_from, last_segment_bases, recover_catalog,
};
pub use replay_session::{ReplayEnd, ReplayLimit, ReplayOrigin, ReplaySession};
pub use segment_file::{
    GeometryError, SEGMENT_FILE_SUFFIX, SEGMENT_MAX_LENGTH, SEGMENT_MIN_LENGTH, SegmentGeometry,
    parse_segment_file_name, segment_file_name,
};
pub use segment_scan::{RECOVERY_PAGE_SIZE, SegmentScan, scan_segment, straddles_page_boundary};
pub use storage_error::{Poison, StorageError, check_file_name};
pub use verify::{VerifyProblem, VerifyReport, verify_and_mark, verify_recording};
