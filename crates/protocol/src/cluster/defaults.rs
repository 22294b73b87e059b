//! Aeron Cluster 1.54's default stream ids, channels and counter type ids
//! (`reference/aeron-cluster-protocol.md` §1.9, §3.1), shared by the consensus module, the service
//! container, the cluster client and the tools so that every part agrees on them.
//!
//! Invariant: every value equals Aeron's default; a fulmar node configured with defaults talks to the
//! same streams as an Aeron node configured with defaults.

/// Replicated log stream (`aeron.cluster.log.stream.id`).
pub const LOG_STREAM_ID: i32 = 100;
/// Ingress stream, client → cluster (`aeron.cluster.ingress.stream.id`).
pub const INGRESS_STREAM_ID: i32 = 101;
/// Egress stream, cluster → client (`aeron.cluster.egress.stream.id`).
pub const EGRESS_STREAM_ID: i32 = 102;
/// Local log replay stream (`aeron.cluster.replay.stream.id`).
pub const REPLAY_STREAM_ID: i32 = 103;
/// Consensus module → service stream (`aeron.cluster.service.stream.id`).
pub const SERVICE_STREAM_ID: i32 = 104;
/// Service → consensus module stream (`aeron.cluster.consensus.module.stream.id`).
pub const CONSENSUS_MODULE_STREAM_ID: i32 = 105;
/// Service snapshot stream (`aeron.cluster.snapshot.stream.id`).
pub const SNAPSHOT_STREAM_ID: i32 = 106;
/// Consensus module snapshot stream.
pub const CONSENSUS_MODULE_SNAPSHOT_STREAM_ID: i32 = 107;
/// Member ⇄ member consensus stream (`aeron.cluster.consensus.stream.id`).
pub const CONSENSUS_STREAM_ID: i32 = 108;

/// Default control channel between the consensus module and its services.
pub const CONTROL_CHANNEL: &str = "aeron:ipc?term-length=128k";
/// Default local replay channel.
pub const REPLAY_CHANNEL: &str = "aeron:ipc";
/// Default service snapshot channel.
pub const SNAPSHOT_CHANNEL: &str = "aeron:ipc?alias=snapshot";

/// Counter type: consensus module state (INIT=0 … CLOSED=6).
pub const CONSENSUS_MODULE_STATE_TYPE_ID: i32 = 200;
/// Counter type: node role (Follower=0, Candidate=1, Leader=2).
pub const CLUSTER_NODE_ROLE_TYPE_ID: i32 = 201;
/// Counter type: cluster control toggle.
pub const CONTROL_TOGGLE_TYPE_ID: i32 = 202;
/// Counter type: commit position ("Cluster commit-pos:").
pub const COMMIT_POSITION_TYPE_ID: i32 = 203;
/// Counter type: recovery state.
pub const RECOVERY_STATE_TYPE_ID: i32 = 204;
/// Counter type: snapshot count.
pub const SNAPSHOT_COUNTER_TYPE_ID: i32 = 205;
/// Counter type: election state.
pub const ELECTION_STATE_TYPE_ID: i32 = 207;
/// Counter type: consensus module errors.
pub const CLUSTER_ERRORS_TYPE_ID: i32 = 212;
/// Counter type: timed-out client sessions.
pub const CLUSTER_TIMED_OUT_CLIENTS_TYPE_ID: i32 = 213;
/// Counter type: service errors.
pub const CLUSTER_SERVICE_ERRORS_TYPE_ID: i32 = 215;
/// Counter type: election count.
pub const CLUSTER_ELECTION_COUNT_TYPE_ID: i32 = 238;
/// Counter type: leadership term id.
pub const CLUSTER_LEADERSHIP_TERM_ID_TYPE_ID: i32 = 239;
/// Counter type: one per client session ("cluster-session").
pub const CLUSTER_SESSION_TYPE_ID: i32 = 241;

/// What a follower's `ClientSession::offer` returns: the message was not sent because only the
/// leader's copy of a deterministic service reaches the client (Aeron's `MOCKED_OFFER`).
pub const MOCKED_OFFER: i64 = 1;
