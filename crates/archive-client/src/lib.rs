//! fulmar-archive-client: the Aeron Archive client (Aeron `io.aeron.archive.client`), speaking the
//! archive control protocol (`protocol::archive`, SBE schema 101 v14) over an Aeron client's
//! publications and subscriptions.
//!
//! Connect with [`AeronArchive::connect`] (blocking) or [`AsyncConnect`] (polled) using an
//! [`ArchiveClientContext`]; then call typed operations (record, replay, list, query positions,
//! truncate/purge, segment management, replication) and poll recording signals.
//! [`SnapshotRecordingWriter`] and [`SnapshotRecordingReader`] write a sealed snapshot into a recording
//! and read it back, polled from a duty cycle. [`ReplayMerge`] joins
//! a replay with the live stream; [`RecordingPos`] finds `rec-pos` counters.
//!
//! Invariants:
//! - Library code reads no clock and never sleeps: time comes from the context's nano clock (or a
//!   `now_ns` argument), waiting goes through its agent invoker and idle strategy.
//! - Every wait is bounded by the message timeout; every failure is a typed [`ArchiveError`].
//! - Nothing the archive sends on the response stream can make the client panic: undecodable or
//!   foreign messages are dropped (and counted by the [`ControlResponsePoller`]).
//! - Only messages of this client's control session are acted on.

#![warn(missing_docs)]

mod aeron_archive;
mod archive_client_context;
mod archive_error;
mod archive_proxy;
mod async_connect;
mod control_response_poller;
mod owned_recording_descriptor;
mod recording_pos;
mod replay_merge;
mod replication_params;
mod snapshot_recording_reader;
mod snapshot_recording_writer;
pub mod snapshot_seal;
mod waiter;

pub use aeron_archive::{
    AeronArchive, NULL_POSITION, NULL_VALUE, REPLAY_ALL_AND_FOLLOW, REPLAY_ALL_AND_STOP,
};
pub use archive_client_context::{
    ArchiveAgentInvoker, ArchiveClientContext, CONTROL_REQUEST_CHANNEL_DEFAULT,
    CONTROL_REQUEST_STREAM_ID_DEFAULT, CONTROL_RESPONSE_CHANNEL_DEFAULT, CONTROL_RESPONSE_STREAM_ID_DEFAULT,
    CredentialsSupplier, KEEP_ALIVE_INTERVAL_NS_DEFAULT, MESSAGE_RETRY_ATTEMPTS_DEFAULT,
    MESSAGE_TIMEOUT_NS_DEFAULT, NullCredentialsSupplier,
};
pub use archive_error::ArchiveError;
pub use archive_proxy::ArchiveProxy;
pub use async_connect::{AsyncConnect, AsyncConnectState};
pub use control_response_poller::{ControlMessage, ControlResponsePoller, FRAGMENT_LIMIT};
pub use owned_recording_descriptor::OwnedRecordingDescriptor;
pub use recording_pos::{RECORDING_POSITION_TYPE_ID, RecordingPos};
pub use replay_merge::{
    LIVE_ADD_MAX_WINDOW, MERGE_PROGRESS_TIMEOUT_NS_DEFAULT, ReplayMerge, ReplayMergeState,
};
pub use replication_params::ReplicationParams;
pub use snapshot_recording_reader::{SnapshotReadError, SnapshotRecordingReader};
pub use snapshot_recording_writer::SnapshotRecordingWriter;

#[cfg(test)]
mod tests {
    use super::*;

    fn send<T: Send>() {}

    #[test]
    fn clients_can_move_between_threads() {
        send::<AeronArchive>();
        send::<AsyncConnect>();
        send::<ReplayMerge>();
        send::<ArchiveClientContext>();
    }
}
