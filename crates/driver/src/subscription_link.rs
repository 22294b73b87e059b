//! [`SubscriptionLink`]: a client's subscription as the driver tracks it, and the publications (images)
//! it is linked to. The `sub-pos` counters live with the publication; the link records which
//! publications it is linked to so it can be unlinked.

use crate::subscription_params::SubscriptionParams;

/// A subscription registered by a client.
#[derive(Debug, Clone)]
pub struct SubscriptionLink {
    pub(crate) registration_id: i64,
    pub(crate) client_id: i64,
    pub(crate) stream_id: i32,
    pub(crate) channel: String,
    pub(crate) params: SubscriptionParams,
    pub(crate) linked_publications: Vec<i64>,
}

impl SubscriptionLink {
    /// The registration id (correlation id of ADD_SUBSCRIPTION).
    pub fn registration_id(&self) -> i64 {
        self.registration_id
    }
    /// The owning client.
    pub fn client_id(&self) -> i64 {
        self.client_id
    }
    /// The stream id.
    pub fn stream_id(&self) -> i32 {
        self.stream_id
    }
    /// The channel it was added with.
    pub fn channel(&self) -> &str {
        &self.channel
    }
    /// Registration ids of the publications it is linked to.
    pub fn linked_publications(&self) -> &[i64] {
        &self.linked_publications
    }

    /// True if this subscription wants a publication of `stream_id`/`session_id`.
    pub(crate) fn matches(&self, stream_id: i32, session_id: i32) -> bool {
        self.stream_id == stream_id && self.params.session_id.is_none_or(|wanted| wanted == session_id)
    }

    pub(crate) fn is_linked(&self, publication_registration_id: i64) -> bool {
        self.linked_publications.contains(&publication_registration_id)
    }

    pub(crate) fn unlink(&mut self, publication_registration_id: i64) {
        self.linked_publications.retain(|&id| id != publication_registration_id);
    }
}
