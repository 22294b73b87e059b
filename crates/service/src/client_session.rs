//! [`ClientSession`]: a cluster client's session as the service sees it (Aeron's `ClientSession` /
//! `ContainerClientSession`).
//!
//! Invariants:
//! - A session exists from its SessionOpenEvent to its SessionCloseEvent in the log, identically on
//!   every node (the services are deterministic).
//! - Only a LEADER service sends egress: on any other role [`ClientSession::offer`] returns
//!   `Ok(MOCKED_OFFER)` and sends nothing, so the client gets exactly one copy of each reply.
//! - The response publication exists only while this service is leader and responding: it is added
//!   (asynchronously) when the session opens on a leader or when the service becomes leader, and
//!   dropped when the session closes, the log ends or the service stops leading. Until the driver has
//!   answered, `offer` returns `NotConnected`.
//! - `offer` does not allocate and takes no lock once the publication is ready; it prefixes the payload
//!   with a SessionMessageHeader(leadershipTermId, clusterSessionId, timestamp = cluster time) through
//!   a gather write.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::sync::Arc;

use client::{ClientError, OfferError, Publication};
use protocol::cluster::defaults::MOCKED_OFFER;
use protocol::cluster::{Role, SESSION_HEADER_LENGTH, SessionMessageHeader};

use crate::service_shared::ServiceShared;

/// The response publication of a session.
enum ResponsePublication {
    /// None (not leader, not responding, or disconnected).
    Absent,
    /// `ADD_PUBLICATION` sent, waiting for the driver.
    Pending(i64),
    /// Ready to offer.
    Ready(Publication),
    /// The driver refused it; the agent reports the error on its next tick.
    Failed(ClientError),
}

/// A client session known to the service. Handed to the callbacks by reference; look one up with
/// [`crate::Cluster::cluster_session`].
pub struct ClientSession {
    id: i64,
    response_stream_id: i32,
    response_channel: String,
    encoded_principal: Vec<u8>,
    closing: Cell<bool>,
    publication: RefCell<ResponsePublication>,
    shared: Arc<ServiceShared>,
}

impl fmt::Debug for ClientSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSession")
            .field("id", &self.id)
            .field("response_stream_id", &self.response_stream_id)
            .field("response_channel", &self.response_channel)
            .field("encoded_principal_length", &self.encoded_principal.len())
            .field("closing", &self.closing.get())
            .finish()
    }
}

impl ClientSession {
    pub(crate) fn new(
        id: i64,
        response_stream_id: i32,
        response_channel: &str,
        encoded_principal: &[u8],
        shared: Arc<ServiceShared>,
    ) -> Self {
        Self {
            id,
            response_stream_id,
            response_channel: response_channel.to_string(),
            encoded_principal: encoded_principal.to_vec(),
            closing: Cell::new(false),
            publication: RefCell::new(ResponsePublication::Absent),
            shared,
        }
    }

    /// The cluster session id (positive, assigned by the leader's consensus module).
    pub fn id(&self) -> i64 {
        self.id
    }

    /// Stream id of the client's egress (response) subscription.
    pub fn response_stream_id(&self) -> i32 {
        self.response_stream_id
    }

    /// Channel of the client's egress (response) subscription.
    pub fn response_channel(&self) -> &str {
        &self.response_channel
    }

    /// The principal the authenticator attached to the session (empty by default).
    pub fn encoded_principal(&self) -> &[u8] {
        &self.encoded_principal
    }

    /// True once [`crate::Cluster::close_client_session`] asked the consensus module to close it (and
    /// before its SessionCloseEvent arrives). Reset when the service becomes leader.
    pub fn is_closing(&self) -> bool {
        self.closing.get()
    }

    /// Sends `payload` to the client, prefixed with the session header. Returns:
    /// - `Ok(MOCKED_OFFER)` (1) on a follower or candidate: nothing is sent;
    /// - `Ok(position)` on the leader once the response publication took it;
    /// - `Err(NotConnected)` on a leader while the response publication is being added or has no
    ///   subscriber (or the service is not responding), `Err(BackPressured)`/`Err(AdminAction)` (retry
    ///   later), `Err(Closed)`/`Err(MaxPositionExceeded)`;
    /// - `Err(Closed)` when called from `on_start`, `on_terminate` or `on_role_change`, where sending is
    ///   not allowed (Aeron throws a ClusterException there).
    ///
    /// Panics if the payload is longer than the publication's maximum message length minus 32.
    pub fn offer(&self, payload: &[u8]) -> Result<i64, OfferError> {
        if !self.shared.sending_allowed() {
            return Err(OfferError::Closed);
        }
        if self.shared.role() != Role::Leader {
            return Ok(MOCKED_OFFER);
        }
        let mut publication = self.publication.borrow_mut();
        if let ResponsePublication::Pending(registration_id) = *publication {
            match self.shared.aeron.poll_publication(registration_id) {
                Ok(Some(ready)) => *publication = ResponsePublication::Ready(ready),
                Ok(None) => return Err(OfferError::NotConnected),
                Err(error) => {
                    *publication = ResponsePublication::Failed(error);
                    return Err(OfferError::NotConnected);
                }
            }
        }
        let ResponsePublication::Ready(publication) = &*publication else {
            return Err(OfferError::NotConnected);
        };
        let header = SessionMessageHeader {
            leadership_term_id: self.shared.leadership_term_id(),
            cluster_session_id: self.id,
            timestamp: self.shared.cluster_time(),
        };
        let mut encoded = [0u8; SESSION_HEADER_LENGTH];
        header.encode(&mut encoded).map_err(|_| OfferError::Closed)?;
        publication.offer_vectored(&[&encoded, payload])
    }

    pub(crate) fn mark_closing(&self) {
        self.closing.set(true);
    }

    pub(crate) fn reset_closing(&self) {
        self.closing.set(false);
    }

    /// Starts adding the response publication if there is none (non-blocking).
    pub(crate) fn connect(&self) -> Result<(), ClientError> {
        let mut publication = self.publication.borrow_mut();
        if matches!(*publication, ResponsePublication::Absent | ResponsePublication::Failed(_)) {
            let registration_id =
                self.shared.aeron.async_add_publication(&self.response_channel, self.response_stream_id)?;
            *publication = ResponsePublication::Pending(registration_id);
        }
        Ok(())
    }

    /// Drops the response publication (closing it).
    pub(crate) fn disconnect(&self) {
        *self.publication.borrow_mut() = ResponsePublication::Absent;
    }

    /// If the publication is pending, asks the driver once more; returns a refusal to report.
    pub(crate) fn poll_connect(&self) -> Option<ClientError> {
        let mut publication = self.publication.borrow_mut();
        match &*publication {
            ResponsePublication::Pending(registration_id) => {
                match self.shared.aeron.poll_publication(*registration_id) {
                    Ok(Some(ready)) => *publication = ResponsePublication::Ready(ready),
                    Ok(None) => {}
                    Err(error) => {
                        *publication = ResponsePublication::Absent;
                        return Some(error);
                    }
                }
                None
            }
            ResponsePublication::Failed(error) => {
                let error = error.clone();
                *publication = ResponsePublication::Absent;
                Some(error)
            }
            ResponsePublication::Absent | ResponsePublication::Ready(_) => None,
        }
    }

    /// True while the response publication is being added.
    pub(crate) fn is_connect_pending(&self) -> bool {
        matches!(*self.publication.borrow(), ResponsePublication::Pending(_) | ResponsePublication::Failed(_))
    }
}
