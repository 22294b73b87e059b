//! [`ReceiverLivenessTracker`]: which receivers (by receiver id) have sent a status message recently
//! (Aeron `ReceiverLivenessTracker`, reference §1.11 sender step 4).
//!
//! Invariants: a receiver is live from an SM until `timeout_ns` passes without another, or until it sends
//! an EOS SM or an ERR; adding a receiver allocates (rare), refreshing one does not.

/// Live receivers of one publication.
///
/// How to drive it: [`on_status_message`](Self::on_status_message) for every non-EOS SM,
/// [`on_remote_close`](Self::on_remote_close) for EOS SMs and ERRs, [`on_idle`](Self::on_idle) to expire.
#[derive(Debug, Clone, Default)]
pub struct ReceiverLivenessTracker {
    receivers: Vec<(i64, i64)>,
}

impl ReceiverLivenessTracker {
    /// An empty tracker.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether any receiver is live.
    pub fn has_receivers(&self) -> bool {
        !self.receivers.is_empty()
    }

    /// Number of live receivers.
    pub fn receiver_count(&self) -> usize {
        self.receivers.len()
    }

    /// Records an SM from `receiver_id` at `now_ns`.
    pub fn on_status_message(&mut self, receiver_id: i64, now_ns: i64) {
        match self.receivers.iter_mut().find(|(id, _)| *id == receiver_id) {
            Some(entry) => entry.1 = now_ns,
            None => self.receivers.push((receiver_id, now_ns)),
        }
    }

    /// Drops `receiver_id` at once; returns whether it was live.
    pub fn on_remote_close(&mut self, receiver_id: i64) -> bool {
        let before = self.receivers.len();
        self.receivers.retain(|(id, _)| *id != receiver_id);
        before != self.receivers.len()
    }

    /// Drops receivers whose last SM is older than `timeout_ns`.
    pub fn on_idle(&mut self, now_ns: i64, timeout_ns: i64) {
        self.receivers.retain(|(_, last_ns)| last_ns.wrapping_add(timeout_ns).wrapping_sub(now_ns) >= 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receivers_expire_or_leave() {
        let mut tracker = ReceiverLivenessTracker::new();
        assert!(!tracker.has_receivers());
        tracker.on_status_message(1, 0);
        tracker.on_status_message(2, 100);
        tracker.on_status_message(1, 200);
        assert_eq!(tracker.receiver_count(), 2);
        tracker.on_idle(1_100, 1_000);
        assert_eq!(tracker.receiver_count(), 2, "exactly at the timeout is still live");
        tracker.on_idle(1_101, 1_000);
        assert_eq!(tracker.receiver_count(), 1);
        assert!(tracker.on_remote_close(1));
        assert!(!tracker.on_remote_close(1));
        assert!(!tracker.has_receivers());
    }
}
