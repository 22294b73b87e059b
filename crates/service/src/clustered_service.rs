//! [`ClusteredService`]: the application's state machine, driven by the replicated log (Aeron's
//! `ClusteredService`, reference §5.1).
//!
//! Invariants the container guarantees to an implementation:
//! - Callbacks run on the agent's thread, one at a time, in log order, and only for log entries at or
//!   below the commit position: every node's copy of the service sees the same calls with the same
//!   arguments (determinism is the service's side of the bargain: use `timestamp`/`Cluster::time`,
//!   never a clock).
//! - `on_start` runs once before anything else; `on_terminate` runs once at the end (on a termination
//!   position, or when the agent is closed after a successful start).
//! - `on_role_change` runs only on an actual change; services start as Follower.
//! - Sending (`Cluster::offer`, timers, `ClientSession::offer`) is refused from `on_start`,
//!   `on_terminate` and `on_role_change`.

use protocol::cluster::{CloseReason, Role};

use crate::client_session::ClientSession;
use crate::cluster::Cluster;
use crate::leadership_term::LeadershipTerm;
use crate::snapshot_reader::SnapshotReader;
use crate::snapshot_writer::SnapshotWriter;

/// A clustered service. Implement it and hand it to [`crate::ClusteredServiceAgent::new`].
pub trait ClusteredService {
    /// Called once when the service starts, with the snapshot to load its state from if there is one:
    /// the messages the service wrote in `on_take_snapshot`, in order (the container has already
    /// restored the client sessions and checked the snapshot's checksum).
    fn on_start(&mut self, cluster: &mut Cluster<'_>, snapshot: Option<&mut SnapshotReader<'_>>);

    /// A client session opened (its SessionOpenEvent was committed).
    fn on_session_open(&mut self, cluster: &mut Cluster<'_>, session: &ClientSession, timestamp: i64);

    /// A client session closed; the session is no longer in `Cluster::client_sessions`.
    fn on_session_close(
        &mut self,
        cluster: &mut Cluster<'_>,
        session: &ClientSession,
        timestamp: i64,
        reason: CloseReason,
    );

    /// A message: from a client (`session` is `Some`) or a service message sent with `Cluster::offer`
    /// (`session` is `None`). `message` excludes the 32-byte session header.
    fn on_session_message(
        &mut self,
        cluster: &mut Cluster<'_>,
        session: Option<&ClientSession>,
        timestamp: i64,
        message: &[u8],
    );

    /// Timer `correlation_id` fired.
    fn on_timer_event(&mut self, cluster: &mut Cluster<'_>, correlation_id: i64, timestamp: i64);

    /// Write the service's state to `snapshot`, as messages `on_start` will read back. Called when the
    /// log reaches a SNAPSHOT action, before anything later in the log is delivered; what is written is
    /// captured at once and recorded by the archive afterwards.
    fn on_take_snapshot(&mut self, cluster: &mut Cluster<'_>, snapshot: &mut SnapshotWriter<'_>);

    /// The service's role changed.
    fn on_role_change(&mut self, cluster: &mut Cluster<'_>, role: Role);

    /// The service is terminating (the last callback).
    fn on_terminate(&mut self, cluster: &mut Cluster<'_>);

    /// A new leadership term began (its NewLeadershipTermEvent was committed).
    fn on_new_leadership_term(&mut self, _cluster: &mut Cluster<'_>, _term: &LeadershipTerm) {}

    /// Called every duty cycle; must not touch the replicated state. Returns the work done.
    fn do_background_work(&mut self, _now_ns: i64) -> usize {
        0
    }
}
