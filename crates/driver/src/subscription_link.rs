//! [`SubscriptionLink`]: a client's subscription as the driver tracks it, and the publications (images)
//! it is linked to. The `sub-pos` counters live with the publication; the link records which
//! publications it is linked to so it can be unlinked. Network subscriptions link to images (by image
//! correlation id), spies to network publications (by registration id).

use crate::subscription_params::SubscriptionParams;

/// What a subscription links to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscriptionKind {
    /// `aeron:ipc`: IPC publications.
    Ipc,
    /// `aeron:udp`: images of a receive channel endpoint.
    Network {
        /// The receive endpoint id.
        endpoint_id: i64,
    },
    /// `aeron-spy:aeron:udp`: local network publications with the same canonical channel.
    Spy {
        /// The canonical form of the spied channel.
        canonical_form: String,
    },
}

/// A subscription registered by a client.
#[derive(Debug, Clone)]
pub struct SubscriptionLink {
    pub(crate) kind: SubscriptionKind,
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
    /// What it links to.
    pub fn kind(&self) -> &SubscriptionKind {
        &self.kind
    }
    /// Registration ids of the publications (or correlation ids of the images) it is linked to.
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
