//! [`ServiceContext`]: the configuration of one clustered service (Aeron's
//! `ClusteredServiceContainer.Context`, the parts this container uses).
//!
//! Invariants: the defaults equal Aeron's (`protocol::cluster::defaults`): control channel
//! `aeron:ipc?term-length=128k`, service stream 104, consensus-module stream 105, 50 log fragments per
//! duty cycle, a 1 ms slow tick; snapshots on `aeron:ipc?alias=snapshot` stream 106, loaded through
//! replays on `aeron:ipc` stream 103.

use std::fmt;

use archive_client::AeronArchive;
use client::Aeron;
use protocol::cluster::defaults::{
    CONSENSUS_MODULE_STREAM_ID, CONTROL_CHANNEL, REPLAY_CHANNEL, REPLAY_STREAM_ID, SERVICE_STREAM_ID,
    SNAPSHOT_CHANNEL, SNAPSHOT_STREAM_ID,
};

use crate::service_error::ServiceError;

/// Receives every [`ServiceError`] the agent reports (it is also counted).
pub type ServiceErrorHandler = Box<dyn FnMut(&ServiceError) + Send>;

/// Default number of log fragments polled per duty cycle (`aeron.cluster.log.fragment.limit`).
pub const LOG_FRAGMENT_LIMIT_DEFAULT: usize = 50;
/// Default interval of the slow tick (control stream, Aeron conductor, liveness checks): 1 ms.
pub const SLOW_TICK_INTERVAL_NS_DEFAULT: i64 = 1_000_000;

/// Default bound on loading a snapshot at start-up: 60 s.
pub const SNAPSHOT_LOAD_TIMEOUT_NS_DEFAULT: i64 = 60_000_000_000;

/// Configuration of one clustered service. Build it with [`ServiceContext::new`] and adjust the public
/// fields; hand it to [`crate::ClusteredServiceAgent::new`].
pub struct ServiceContext {
    /// This service's id on the node (0..=9 in Aeron); carried by every ServiceAck and service message.
    pub service_id: i32,
    /// The cluster id: the key of the commit-position counter this service reads.
    pub cluster_id: i32,
    /// The Aeron client the service uses (its own or shared with the consensus module).
    pub aeron: Aeron,
    /// Channel of the control streams between the consensus module and its services.
    pub control_channel: String,
    /// Consensus module → service stream id (104).
    pub service_stream_id: i32,
    /// Service → consensus module stream id (105).
    pub consensus_module_stream_id: i32,
    /// Name of the agent (`role_name`).
    pub service_name: String,
    /// Log fragments polled per duty cycle at most.
    pub log_fragment_limit: usize,
    /// The control stream is polled, the Aeron conductor invoked and liveness checked at most once per
    /// this interval.
    pub slow_tick_interval_ns: i64,
    /// If true, the agent runs the Aeron client's conductor (`Aeron::conductor_do_work`) on each slow
    /// tick: use it when nothing else runs the conductor (tests, simulator, a dedicated client). Leave
    /// false when the client's conductor runs on its own runner.
    pub invoke_aeron_conductor: bool,
    /// If true (Aeron's default), the leader's copy of the service sends egress to clients; if false,
    /// no response publication is ever created and `ClientSession::offer` on a leader returns
    /// `NotConnected`.
    pub is_responding_service: bool,
    /// The application's semantic version; a NewLeadershipTermEvent with another major version
    /// terminates the agent (Aeron's default `AppVersionValidator`).
    pub app_version: i32,
    /// Receives every reported error, if set.
    pub error_handler: Option<ServiceErrorHandler>,
    /// The local archive, connected (through this service's Aeron client): snapshots are recorded into
    /// it and loaded from it. Without one, a snapshot request is acknowledged as failed and a snapshot
    /// to recover from is a fatal error.
    pub archive: Option<AeronArchive>,
    /// Channel the snapshot is written on and recorded from (`aeron.cluster.snapshot.channel`).
    pub snapshot_channel: String,
    /// Stream id of the service's snapshots (106).
    pub snapshot_stream_id: i32,
    /// Channel a snapshot is replayed on when loaded (`aeron.cluster.replay.channel`).
    pub replay_channel: String,
    /// Stream id of snapshot replays (103).
    pub replay_stream_id: i32,
    /// How long loading a snapshot may take before the service gives up (fatal), in nanoseconds.
    pub snapshot_load_timeout_ns: i64,
}

impl fmt::Debug for ServiceContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceContext")
            .field("service_id", &self.service_id)
            .field("cluster_id", &self.cluster_id)
            .field("control_channel", &self.control_channel)
            .field("service_stream_id", &self.service_stream_id)
            .field("consensus_module_stream_id", &self.consensus_module_stream_id)
            .field("service_name", &self.service_name)
            .field("log_fragment_limit", &self.log_fragment_limit)
            .field("slow_tick_interval_ns", &self.slow_tick_interval_ns)
            .field("invoke_aeron_conductor", &self.invoke_aeron_conductor)
            .field("is_responding_service", &self.is_responding_service)
            .field("app_version", &self.app_version)
            .field("has_archive", &self.archive.is_some())
            .field("snapshot_channel", &self.snapshot_channel)
            .field("snapshot_stream_id", &self.snapshot_stream_id)
            .finish_non_exhaustive()
    }
}

impl ServiceContext {
    /// A context with Aeron's defaults for service `service_id` of cluster `cluster_id`; the agent
    /// invokes the Aeron conductor itself (`invoke_aeron_conductor = true`).
    pub fn new(aeron: Aeron, service_id: i32, cluster_id: i32) -> Self {
        Self {
            service_id,
            cluster_id,
            aeron,
            control_channel: CONTROL_CHANNEL.to_string(),
            service_stream_id: SERVICE_STREAM_ID,
            consensus_module_stream_id: CONSENSUS_MODULE_STREAM_ID,
            service_name: format!("clustered-service-{service_id}"),
            log_fragment_limit: LOG_FRAGMENT_LIMIT_DEFAULT,
            slow_tick_interval_ns: SLOW_TICK_INTERVAL_NS_DEFAULT,
            invoke_aeron_conductor: true,
            is_responding_service: true,
            app_version: 0,
            error_handler: None,
            archive: None,
            snapshot_channel: SNAPSHOT_CHANNEL.to_string(),
            snapshot_stream_id: SNAPSHOT_STREAM_ID,
            replay_channel: REPLAY_CHANNEL.to_string(),
            replay_stream_id: REPLAY_STREAM_ID,
            snapshot_load_timeout_ns: SNAPSHOT_LOAD_TIMEOUT_NS_DEFAULT,
        }
    }

    /// Sets the error handler (builder style).
    pub fn error_handler(mut self, handler: ServiceErrorHandler) -> Self {
        self.error_handler = Some(handler);
        self
    }
}
