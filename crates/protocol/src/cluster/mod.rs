//! The Aeron Cluster SBE codecs (schema `io.aeron.cluster.codecs`, id 111, version 17, semantic
//! version 5.4) as plain Rust codecs, byte-compatible with Aeron 1.54: every message of the schema —
//! client ⇄ cluster (ingress/egress), replicated-log events, consensus module ⇄ service control,
//! member ⇄ member consensus, snapshot serialisation — including the legacy and deprecated ones, so
//! that [`decode_any`] recognises every template id the schema defines.
//!
//! How to use: build a message struct (var-data fields borrow `&str` / `&[u8]`, repeating groups
//! borrow a slice of entries through [`Group::new`]), size a buffer with `encoded_length()` and
//! `encode` it; offer the bytes as one Aeron message. On the receiving side call [`decode_any`] on a
//! reassembled fragment and match on [`ClusterMessage`], or call a specific `decode` when the template
//! id is known (peek with [`MessageHeader::decode`]). Application messages are a
//! [`SessionMessageHeader`] followed by the payload at offset [`SESSION_HEADER_LENGTH`] (32);
//! [`SessionMessage`] handles both. Messages whose header carries another schema id are rejected with
//! [`SbeError::WrongSchemaId`]; on the log and ingress those are Aeron's "extension messages", for the
//! caller to route.
//!
//! Invariants:
//! - Wire layout: an 8-byte [`MessageHeader`] (`blockLength`, `templateId`, `schemaId`, `version`, all
//!   `u16`), the fixed block with every field little-endian at the schema's offset, then the repeating
//!   groups (`blockLength:u16, numInGroup:u16`, then per entry its block and its var-data), then the
//!   var-data fields in declaration order, each `length:u32` + bytes (strings are `varAsciiEncoding`,
//!   blobs `varDataEncoding`; both have a `u32` length with `maxValue` 1 GiB).
//! - `encode` always writes schema id 111, version 17 and this schema's block lengths (message and
//!   group entries), zero-fills every block first, writes exactly `encoded_length()` bytes and returns
//!   that count; it checks capacity and var-data lengths before writing anything. A group with more than
//!   65 535 entries is API misuse and panics.
//! - `decode` never panics. It rejects a foreign schema id and a different template id, and it honours
//!   the header: the block is `blockLength` bytes (unknown trailing fixed fields of newer versions are
//!   skipped, as are unknown trailing bytes of group entries), groups and var-data start after it, a
//!   field whose `sinceVersion` is above the header's `version` is not read and takes its SBE null value
//!   (`i64::MIN`, `i32::MIN`, 255 for `uint8`, 0 for `version_t` and `capacity_t`, `Unknown(i32::MIN)`
//!   for enums, empty for var-data) exactly like Aeron's generated decoders. A field the version says is
//!   present must lie inside the block ([`SbeError::BlockTooShort`]) and var-data the version says is
//!   present must be there ([`SbeError::TooShort`]). Bytes after the last known field are ignored.
//! - The codecs report SBE nulls and leave Aeron's substitutions to the caller (e.g. a null
//!   `AppendPosition::flags` means [`APPEND_POSITION_FLAG_NONE`], a null `ClusterActionRequest::flags`
//!   means [`CLUSTER_ACTION_FLAGS_DEFAULT`], a null time unit means milliseconds).
//! - Enum fields decode every `i32`: unnamed values become `Unknown(value)` and re-encode unchanged,
//!   so `decode(encode(decode(x)))` equals `decode(x)` for every input that decodes.
//! - Strings must be valid UTF-8 ([`SbeError::InvalidUtf8`]); Aeron only ever writes ASCII.
//! - [`SbeError`] and [`MessageHeader`] are the archive family's types, shared so both SBE families
//!   report errors alike; build cluster headers with [`message_header`], not `MessageHeader::new`
//!   (which stamps the archive schema).

#![warn(missing_docs)]

mod add_passive_member;
mod admin_request;
mod admin_request_type;
mod admin_response;
mod admin_response_code;
mod append_position;
mod backup_query;
mod backup_response;
mod boolean_type;
mod cancel_timer;
mod canvass_position;
mod catchup_position;
mod challenge;
mod challenge_response;
mod change_type;
mod client_session;
mod close_reason;
mod close_session;
mod cluster_action;
mod cluster_action_request;
mod cluster_member_entry;
mod cluster_members;
mod cluster_members_change;
mod cluster_members_extended_response;
mod cluster_members_query;
mod cluster_members_response;
mod cluster_session;
mod cluster_time_unit;
pub(crate) mod codec;
mod commit_position;
mod consensus_module;
pub mod defaults;
mod event_code;
pub(crate) mod group;
mod heartbeat_request;
mod heartbeat_response;
mod join_cluster;
mod join_log;
mod membership_change_event;
mod message;
mod new_leader_event;
mod new_leadership_term;
mod new_leadership_term_event;
mod pending_message_tracker;
mod recovery_state;
mod remove_member;
mod request_service_ack;
mod request_vote;
mod role;
mod schedule_timer;
mod service_ack;
mod service_termination_position;
mod session_close_event;
mod session_close_request;
mod session_connect_request;
mod session_event;
mod session_keep_alive;
mod session_message;
mod session_message_header;
mod session_open_event;
mod snapshot_entry;
mod snapshot_mark;
mod snapshot_marker;
mod snapshot_recording_query;
mod snapshot_recordings;
mod standby_snapshot;
mod standby_snapshot_entry;
mod stop_catchup;
mod termination_ack;
mod termination_position;
mod timer;
mod timer_event;
mod vote;

pub use add_passive_member::AddPassiveMember;
pub use admin_request::AdminRequest;
pub use admin_request_type::AdminRequestType;
pub use admin_response::AdminResponse;
pub use admin_response_code::AdminResponseCode;
pub use append_position::AppendPosition;
pub use backup_query::BackupQuery;
pub use backup_response::BackupResponse;
pub use boolean_type::BooleanType;
pub use cancel_timer::CancelTimer;
pub use canvass_position::CanvassPosition;
pub use catchup_position::CatchupPosition;
pub use challenge::Challenge;
pub use challenge_response::ChallengeResponse;
pub use change_type::ChangeType;
pub use client_session::ClientSession;
pub use close_reason::CloseReason;
pub use close_session::CloseSession;
pub use cluster_action::ClusterAction;
pub use cluster_action_request::ClusterActionRequest;
pub use cluster_member_entry::ClusterMemberEntry;
pub use cluster_members::ClusterMembers;
pub use cluster_members_change::ClusterMembersChange;
pub use cluster_members_extended_response::ClusterMembersExtendedResponse;
pub use cluster_members_query::ClusterMembersQuery;
pub use cluster_members_response::ClusterMembersResponse;
pub use cluster_session::ClusterSession;
pub use cluster_time_unit::ClusterTimeUnit;
pub use commit_position::CommitPosition;
pub use consensus_module::ConsensusModule;
pub use event_code::EventCode;
pub use group::{Group, GroupEntry, GroupIter};
pub use heartbeat_request::HeartbeatRequest;
pub use heartbeat_response::HeartbeatResponse;
pub use join_cluster::JoinCluster;
pub use join_log::JoinLog;
pub use membership_change_event::MembershipChangeEvent;
pub use message::{ClusterMessage, TEMPLATE_IDS, decode_any};
pub use new_leader_event::NewLeaderEvent;
pub use new_leadership_term::NewLeadershipTerm;
pub use new_leadership_term_event::NewLeadershipTermEvent;
pub use pending_message_tracker::PendingMessageTracker;
pub use recovery_state::RecoveryState;
pub use remove_member::RemoveMember;
pub use request_service_ack::RequestServiceAck;
pub use request_vote::RequestVote;
pub use role::Role;
pub use schedule_timer::ScheduleTimer;
pub use service_ack::ServiceAck;
pub use service_termination_position::ServiceTerminationPosition;
pub use session_close_event::SessionCloseEvent;
pub use session_close_request::SessionCloseRequest;
pub use session_connect_request::SessionConnectRequest;
pub use session_event::SessionEvent;
pub use session_keep_alive::SessionKeepAlive;
pub use session_message::SessionMessage;
pub use session_message_header::SessionMessageHeader;
pub use session_open_event::SessionOpenEvent;
pub use snapshot_entry::SnapshotEntry;
pub use snapshot_mark::SnapshotMark;
pub use snapshot_marker::SnapshotMarker;
pub use snapshot_recording_query::SnapshotRecordingQuery;
pub use snapshot_recordings::SnapshotRecordings;
pub use standby_snapshot::StandbySnapshot;
pub use standby_snapshot_entry::StandbySnapshotEntry;
pub use stop_catchup::StopCatchup;
pub use termination_ack::TerminationAck;
pub use termination_position::TerminationPosition;
pub use timer::Timer;
pub use timer_event::TimerEvent;
pub use vote::Vote;

pub use crate::archive::{MessageHeader, SbeError, VAR_DATA_MAX_LENGTH, semantic_version};

/// SBE schema id of the cluster codecs (`MessageHeaderDecoder.SCHEMA_ID`).
pub const SCHEMA_ID: u16 = 111;
/// SBE schema version this crate encodes with (Aeron 1.54's cluster schema).
pub const SCHEMA_VERSION: u16 = 17;
/// Bytes before the application payload of a session message: the 8-byte SBE header plus the 24-byte
/// [`SessionMessageHeader`] block (`AeronCluster.SESSION_HEADER_LENGTH`).
pub const SESSION_HEADER_LENGTH: usize =
    MessageHeader::ENCODED_LENGTH + SessionMessageHeader::BLOCK_LENGTH as usize;
/// Cluster client protocol version of Aeron 1.54 (0.3.0), sent in
/// [`SessionConnectRequest::version`]; the consensus module only requires the major to match.
pub const CLIENT_PROTOCOL_SEMANTIC_VERSION: i32 = semantic_version(0, 3, 0);
/// Consensus protocol version of Aeron 1.54 (1.0.0), sent in [`CanvassPosition::protocol_version`]
/// and [`RequestVote::protocol_version`].
pub const CONSENSUS_PROTOCOL_SEMANTIC_VERSION: i32 = semantic_version(1, 0, 0);
/// [`AppendPosition::flags`]: an ordinary append position.
pub const APPEND_POSITION_FLAG_NONE: u8 = 0;
/// [`AppendPosition::flags`]: the follower is catching up (`APPEND_POSITION_FLAG_CATCHUP`).
pub const APPEND_POSITION_FLAG_CATCHUP: u8 = 1;
/// [`ClusterActionRequest::flags`]: the default action.
pub const CLUSTER_ACTION_FLAGS_DEFAULT: i32 = 0;
/// [`ClusterActionRequest::flags`]: a snapshot to be taken by standby nodes.
pub const CLUSTER_ACTION_FLAGS_STANDBY_SNAPSHOT: i32 = 1;
/// [`SnapshotMarker::type_id`] of a consensus-module snapshot (`ConsensusModule.Configuration`).
pub const CONSENSUS_MODULE_SNAPSHOT_TYPE_ID: i64 = 1;
/// [`SnapshotMarker::type_id`] of a clustered-service snapshot
/// (`ClusteredServiceContainer.Configuration`).
pub const SERVICE_SNAPSHOT_TYPE_ID: i64 = 2;

/// A message header of the cluster schema (id 111, version 17) for `template_id` and `block_length`.
pub const fn message_header(template_id: u16, block_length: u16) -> MessageHeader {
    codec::header(template_id, block_length)
}

#[cfg(test)]
mod tests;
