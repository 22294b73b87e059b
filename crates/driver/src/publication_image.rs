//! [`PublicationImage`]: the conductor's record of a network image (the receiver thread owns the media
//! image itself, in a [`crate::ReceiverImage`]): identity, log name, source identity, counters and the
//! subscriptions linked to it.
//!
//! Invariants: the log is `images/<correlation_id>.logbuffer`; the conductor frees the counters and the
//! log only after the receiver reported the image DONE; `is_lingering` is set once the receiver released
//! the image, after which no subscription links to it.

use agrona::AtomicCounter;

/// A subscription's link to an image: its registration id and `sub-pos` counter.
#[derive(Clone)]
pub(crate) struct ImageSubscriber {
    pub(crate) subscription_registration_id: i64,
    pub(crate) position: AtomicCounter,
}

/// The conductor's record of an image. See the module documentation.
pub struct PublicationImage {
    pub(crate) correlation_id: i64,
    pub(crate) endpoint_id: i64,
    pub(crate) session_id: i32,
    pub(crate) stream_id: i32,
    pub(crate) log_name: String,
    pub(crate) source_identity: String,
    pub(crate) subscribers: Vec<ImageSubscriber>,
    pub(crate) hwm: AtomicCounter,
    pub(crate) rebuild: AtomicCounter,
    pub(crate) is_lingering: bool,
}

impl PublicationImage {
    /// The correlation id (names the log).
    pub fn correlation_id(&self) -> i64 {
        self.correlation_id
    }
    /// The session id.
    pub fn session_id(&self) -> i32 {
        self.session_id
    }
    /// The stream id.
    pub fn stream_id(&self) -> i32 {
        self.stream_id
    }
    /// The log's name in the memory store.
    pub fn log_name(&self) -> &str {
        &self.log_name
    }
    /// The sender's address as `ip:port`.
    pub fn source_identity(&self) -> &str {
        &self.source_identity
    }
    /// The `rcv-hwm` counter id.
    pub fn hwm_counter_id(&self) -> i32 {
        self.hwm.id()
    }
    /// The `rcv-pos` counter id.
    pub fn rebuild_counter_id(&self) -> i32 {
        self.rebuild.id()
    }
    /// Whether the receiver released the image.
    pub fn is_lingering(&self) -> bool {
        self.is_lingering
    }

    /// Where a newly linked subscriber starts: the slowest subscriber, at most the rebuild position.
    pub(crate) fn join_position(&self) -> i64 {
        self.subscribers.iter().map(|s| s.position.get_volatile()).fold(self.rebuild.get_volatile(), i64::min)
    }
}
