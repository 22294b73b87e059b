//! [`BenchEchoService`]: the clustered service of `fulmar bench cluster`. Like `service::EchoService` it
//! replies to every client message with the same bytes, but it never drops a reply silently: while the
//! egress is back-pressured it retries (yielding the thread) for up to [`ECHO_RETRY_LIMIT`], and a reply
//! it still could not send is counted in [`BenchEchoService::dropped`], so the benchmark can fail the
//! run with the true cause instead of reporting a mysterious loss.
//!
//! Invariants: stateless (deterministic on every node); only the leader's reply reaches the client (a
//! follower's `offer` is mocked and succeeds at once); the retry loop is bounded in time.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use client::OfferError;
use service::{ClientSession, CloseReason, Cluster, ClusteredService, Role, SnapshotReader, SnapshotWriter};

/// How long one reply may wait for egress space before it is dropped (and counted).
pub const ECHO_RETRY_LIMIT: Duration = Duration::from_secs(1);

/// Echoes every session message back to its session, retrying on back-pressure (bounded). Create one
/// per node with [`BenchEchoService::new`]; read [`BenchEchoService::dropped`] (shared) at the end.
#[derive(Debug, Default)]
pub struct BenchEchoService {
    dropped: Arc<AtomicU64>,
}

impl BenchEchoService {
    /// A service whose dropped replies are counted in a fresh counter.
    pub fn new() -> Self {
        Self::default()
    }

    /// The counter of replies this service gave up on (shared; stays readable after the node stops).
    pub fn dropped(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.dropped)
    }
}

impl ClusteredService for BenchEchoService {
    fn on_start(&mut self, _cluster: &mut Cluster<'_>, _snapshot: Option<&mut SnapshotReader<'_>>) {}

    fn on_session_open(&mut self, _cluster: &mut Cluster<'_>, _session: &ClientSession, _timestamp: i64) {}

    fn on_session_close(
        &mut self,
        _cluster: &mut Cluster<'_>,
        _session: &ClientSession,
        _timestamp: i64,
        _reason: CloseReason,
    ) {
    }

    fn on_session_message(
        &mut self,
        _cluster: &mut Cluster<'_>,
        session: Option<&ClientSession>,
        _timestamp: i64,
        message: &[u8],
    ) {
        let Some(session) = session else { return };
        let mut deadline: Option<Instant> = None;
        loop {
            match session.offer(message) {
                Ok(_) => return,
                Err(OfferError::BackPressured | OfferError::AdminAction | OfferError::NotConnected) => {
                    let deadline = *deadline.get_or_insert_with(|| Instant::now() + ECHO_RETRY_LIMIT);
                    if Instant::now() >= deadline {
                        break;
                    }
                    std::thread::yield_now();
                }
                Err(_) => break,
            }
        }
        self.dropped.fetch_add(1, Ordering::Relaxed);
    }

    fn on_timer_event(&mut self, _cluster: &mut Cluster<'_>, _correlation_id: i64, _timestamp: i64) {}

    fn on_take_snapshot(&mut self, _cluster: &mut Cluster<'_>, _snapshot: &mut SnapshotWriter<'_>) {}

    fn on_role_change(&mut self, _cluster: &mut Cluster<'_>, _role: Role) {}

    fn on_terminate(&mut self, _cluster: &mut Cluster<'_>) {}
}
