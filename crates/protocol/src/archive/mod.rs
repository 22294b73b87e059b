//! The Aeron Archive control protocol (SBE schema `io.aeron.archive.codecs`, id 101, version 14,
//! semantic version 5.2) as plain Rust codecs, byte-compatible with Aeron 1.54: every message of the
//! control request/response streams and of the recording events stream, plus the catalog's raw
//! header blocks ([`CatalogHeader`], [`RecordingDescriptorHeader`], [`RecordingDescriptor::decode_block`]).
//!
//! How to use: build a request struct (its var-data fields borrow `&str` / `&[u8]`), size a buffer
//! with `encoded_length()` and `encode` it; offer the bytes as one Aeron message. On the receiving
//! side call [`decode_any`] on a reassembled fragment and match on [`ArchiveMessage`], or call a
//! specific `decode` when the template id is known (see [`MessageHeader`]).
//!
//! Invariants:
//! - Wire layout: an 8-byte [`MessageHeader`] (`blockLength`, `templateId`, `schemaId`, `version`, all
//!   `u16`), the fixed block with every field little-endian at the schema's offset, then the var-data
//!   fields in declaration order, each `length:u32` + bytes (strings are `varAsciiEncoding`, blobs
//!   `varDataEncoding`; both have a `u32` length with `maxValue` 1 GiB).
//! - `encode` always writes schema id 101, version 14 and this schema's block length, zero-fills the
//!   block first, writes exactly `encoded_length()` bytes and returns that count; it checks capacity
//!   and var-data lengths before writing anything.
//! - `decode` never panics. It rejects a foreign schema id ([`SbeError::WrongSchemaId`], as Aeron's
//!   adapters do) and a different template id, and it honours the header: the block is
//!   `blockLength` bytes (unknown trailing fixed fields of newer versions are skipped), var-data starts
//!   after it, a field whose `sinceVersion` is above the header's `version` is not read and takes its
//!   SBE null value (`i64::MIN`, `i32::MIN`, 0 for `version_t`, empty for var-data) exactly like
//!   Aeron's generated decoders. A field the version says is present must lie inside the block
//!   ([`SbeError::BlockTooShort`]) and var-data the version says is present must be there
//!   ([`SbeError::TooShort`]). Bytes after the last known var-data field are ignored.
//! - Note that Aeron's own archive substitutes `Aeron.NULL_VALUE` (-1) for absent `fileIoMaxLength`,
//!   `replayToken` and `replicationSessionId`; this codec reports the SBE null and leaves that
//!   policy to the caller.
//! - Enum fields decode every `i32`: unnamed values become `Unknown(value)` and re-encode unchanged,
//!   so `decode(encode(decode(x)))` equals `decode(x)` for every input that decodes.
//! - Decoded strings must be valid UTF-8 ([`SbeError::InvalidUtf8`]); Aeron only ever writes ASCII.
//!   Encoders write string bytes as given: keep them ASCII for Java peers, which decode other bytes
//!   as U+FFFD.

#![warn(missing_docs)]

pub mod archive_error_code;
mod archive_id_request;
mod attach_segments_request;
mod auth_connect_request;
mod boolean_type;
mod bounded_replay_request;
mod catalog_header;
mod challenge;
mod challenge_response;
mod close_session_request;
mod codec;
mod control_response;
mod control_response_code;
mod delete_detached_segments_request;
mod detach_segments_request;
mod error;
mod extend_recording_request;
mod extend_recording_request2;
mod find_last_matching_recording_request;
mod header;
mod keep_alive_request;
mod list_recording_request;
mod list_recording_subscriptions_request;
mod list_recordings_for_uri_request;
mod list_recordings_request;
mod max_recorded_position_request;
mod message;
mod migrate_segments_request;
mod ping;
mod purge_recording_request;
mod purge_segments_request;
mod recording_descriptor;
mod recording_descriptor_header;
mod recording_position_request;
mod recording_progress;
mod recording_signal;
mod recording_signal_event;
mod recording_started;
mod recording_state;
mod recording_stopped;
mod recording_subscription_descriptor;
mod replay_request;
mod replay_token_request;
mod replicate_request;
mod replicate_request2;
mod source_location;
mod start_position_request;
mod start_recording_request;
mod start_recording_request2;
mod stop_all_replays_request;
mod stop_position_request;
mod stop_recording_by_identity_request;
mod stop_recording_request;
mod stop_recording_subscription_request;
mod stop_replay_request;
mod stop_replication_request;
mod tagged_replicate_request;
mod truncate_recording_request;
mod update_channel_request;

pub use archive_id_request::ArchiveIdRequest;
pub use attach_segments_request::AttachSegmentsRequest;
pub use auth_connect_request::AuthConnectRequest;
pub use boolean_type::BooleanType;
pub use bounded_replay_request::BoundedReplayRequest;
pub use catalog_header::CatalogHeader;
pub use challenge::Challenge;
pub use challenge_response::ChallengeResponse;
pub use close_session_request::CloseSessionRequest;
pub use control_response::ControlResponse;
pub use control_response_code::ControlResponseCode;
pub use delete_detached_segments_request::DeleteDetachedSegmentsRequest;
pub use detach_segments_request::DetachSegmentsRequest;
pub use error::SbeError;
pub use extend_recording_request::ExtendRecordingRequest;
pub use extend_recording_request2::ExtendRecordingRequest2;
pub use find_last_matching_recording_request::FindLastMatchingRecordingRequest;
pub use header::MessageHeader;
pub use keep_alive_request::KeepAliveRequest;
pub use list_recording_request::ListRecordingRequest;
pub use list_recording_subscriptions_request::ListRecordingSubscriptionsRequest;
pub use list_recordings_for_uri_request::ListRecordingsForUriRequest;
pub use list_recordings_request::ListRecordingsRequest;
pub use max_recorded_position_request::MaxRecordedPositionRequest;
pub use message::{ArchiveMessage, TEMPLATE_IDS, decode_any};
pub use migrate_segments_request::MigrateSegmentsRequest;
pub use ping::Ping;
pub use purge_recording_request::PurgeRecordingRequest;
pub use purge_segments_request::PurgeSegmentsRequest;
pub use recording_descriptor::RecordingDescriptor;
pub use recording_descriptor_header::RecordingDescriptorHeader;
pub use recording_position_request::RecordingPositionRequest;
pub use recording_progress::RecordingProgress;
pub use recording_signal::RecordingSignal;
pub use recording_signal_event::RecordingSignalEvent;
pub use recording_started::RecordingStarted;
pub use recording_state::RecordingState;
pub use recording_stopped::RecordingStopped;
pub use recording_subscription_descriptor::RecordingSubscriptionDescriptor;
pub use replay_request::ReplayRequest;
pub use replay_token_request::ReplayTokenRequest;
pub use replicate_request::ReplicateRequest;
pub use replicate_request2::ReplicateRequest2;
pub use source_location::SourceLocation;
pub use start_position_request::StartPositionRequest;
pub use start_recording_request::StartRecordingRequest;
pub use start_recording_request2::StartRecordingRequest2;
pub use stop_all_replays_request::StopAllReplaysRequest;
pub use stop_position_request::StopPositionRequest;
pub use stop_recording_by_identity_request::StopRecordingByIdentityRequest;
pub use stop_recording_request::StopRecordingRequest;
pub use stop_recording_subscription_request::StopRecordingSubscriptionRequest;
pub use stop_replay_request::StopReplayRequest;
pub use stop_replication_request::StopReplicationRequest;
pub use tagged_replicate_request::TaggedReplicateRequest;
pub use truncate_recording_request::TruncateRecordingRequest;
pub use update_channel_request::UpdateChannelRequest;

/// SBE schema id of the archive codecs (`MessageHeaderDecoder.SCHEMA_ID`).
pub const SCHEMA_ID: u16 = 101;
/// SBE schema version this crate encodes with (Aeron 1.54's archive schema).
pub const SCHEMA_VERSION: u16 = 14;
/// Largest var-data length the schema allows (`maxValue` of the `u32` length prefix).
pub const VAR_DATA_MAX_LENGTH: u32 = 1_073_741_824;
/// Archive client protocol version of Aeron 1.54 (1.12.0), sent in
/// [`AuthConnectRequest::version`].
pub const CLIENT_PROTOCOL_SEMANTIC_VERSION: i32 = semantic_version(1, 12, 0);

/// Composes an Aeron semantic version: `major << 16 | minor << 8 | patch`.
pub const fn semantic_version(major: u8, minor: u8, patch: u8) -> i32 {
    (major as i32) << 16 | (minor as i32) << 8 | patch as i32
}

#[cfg(test)]
mod tests;
