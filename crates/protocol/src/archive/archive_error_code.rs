//! Archive error codes (`io.aeron.archive.client.ArchiveException` constants): the `relevantId` of a
//! [`ControlResponse`](super::ControlResponse) whose code is
//! [`ControlResponseCode::Error`](super::ControlResponseCode::Error).

/// Generic error.
pub const GENERIC: i64 = 0;
/// A listing is already in progress on this control session.
pub const ACTIVE_LISTING: i64 = 1;
/// The recording is active (still recording).
pub const ACTIVE_RECORDING: i64 = 2;
/// The subscription is already being recorded.
pub const ACTIVE_SUBSCRIPTION: i64 = 3;
/// The subscription is unknown.
pub const UNKNOWN_SUBSCRIPTION: i64 = 4;
/// The recording is unknown.
pub const UNKNOWN_RECORDING: i64 = 5;
/// The replay session is unknown.
pub const UNKNOWN_REPLAY: i64 = 6;
/// The maximum number of concurrent replays has been reached.
pub const MAX_REPLAYS: i64 = 7;
/// The maximum number of concurrent recordings has been reached.
pub const MAX_RECORDINGS: i64 = 8;
/// The image does not match the recording it would extend.
pub const INVALID_EXTENSION: i64 = 9;
/// Authentication was rejected.
pub const AUTHENTICATION_REJECTED: i64 = 10;
/// The archive is low on storage space.
pub const STORAGE_SPACE: i64 = 11;
/// The replication session is unknown.
pub const UNKNOWN_REPLICATION: i64 = 12;
/// The action is not authorised for this principal.
pub const UNAUTHORISED_ACTION: i64 = 13;
/// A replication could not connect to the source archive.
pub const REPLICATION_CONNECTION_FAILURE: i64 = 14;
/// The recording is empty.
pub const EMPTY_RECORDING: i64 = 15;
/// A position is invalid for the recording.
pub const INVALID_POSITION: i64 = 16;
