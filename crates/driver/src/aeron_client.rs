//! [`AeronClient`]: a client the driver knows, and its heartbeat counter (type 11, epoch ms).
//!
//! A client is alive while `now_ms <= heartbeat + liveness timeout`. The driver refreshes the heartbeat on
//! every command and CLIENT_KEEPALIVE; a client may also store its epoch-ms time straight into the counter
//! (as Aeron's Java client does) — both keep it alive.

use agrona::AtomicCounter;

/// A client known to the driver.
#[derive(Clone)]
pub struct AeronClient {
    pub(crate) client_id: i64,
    pub(crate) heartbeat: AtomicCounter,
    pub(crate) liveness_timeout_ms: i64,
}

impl AeronClient {
    /// The client id.
    pub fn client_id(&self) -> i64 {
        self.client_id
    }
    /// The heartbeat counter id.
    pub fn heartbeat_counter_id(&self) -> i32 {
        self.heartbeat.id()
    }
    /// Records a sign of life at `now_ms`.
    pub(crate) fn touch(&self, now_ms: i64) {
        if self.heartbeat.get_volatile() < now_ms {
            self.heartbeat.set_ordered(now_ms);
        }
    }
    /// True once the client has been silent for longer than the liveness timeout.
    pub(crate) fn has_timed_out(&self, now_ms: i64) -> bool {
        now_ms > self.heartbeat.get_volatile().saturating_add(self.liveness_timeout_ms)
    }
}
