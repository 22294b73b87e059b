//! [`Publication`]: a concurrent publication (Aeron `ConcurrentPublication`): any number of threads may
//! offer into it at once through clones of the same handle.
//!
//! Invariants:
//! - The hot path (`offer`, `offer_vectored`, `try_claim`) does one relaxed load of the closed flag, one
//!   acquire load of the publisher limit (`pub-lmt` counter, maintained by the driver), then appends with
//!   the lock-free [`logbuffer::ConcurrentPublicationWriter`]. It never allocates and never locks.
//! - After [`Publication::close`] (on any clone), or once the client closes or loses the driver, every
//!   offer returns [`OfferError::Closed`] and the limit counter is no longer read.
//! - Closing sends `REMOVE_PUBLICATION` once (at once if the conductor is free, otherwise on its next duty
//!   cycle); dropping the last clone closes it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use agrona::{AtomicBuffer, AtomicCounter};
use logbuffer::{BufferClaim, ConcurrentPublicationWriter, OfferError};

use crate::client_error::ClientError;
use crate::client_shared::{ClientShared, Release};

/// Everything the clones of one publication share.
pub(crate) struct PublicationInner {
    closed: AtomicBool,
    limit: AtomicCounter,
    writer: ConcurrentPublicationWriter,
    channel: String,
    stream_id: i32,
    session_id: i32,
    registration_id: i64,
    original_registration_id: i64,
    channel_status_id: i32,
    client: Arc<ClientShared>,
}

/// What the conductor learned from `ON_PUBLICATION_READY` / `ON_EXCLUSIVE_PUBLICATION_READY`.
pub(crate) struct PublicationIdentity {
    pub(crate) channel: String,
    pub(crate) stream_id: i32,
    pub(crate) session_id: i32,
    pub(crate) registration_id: i64,
    pub(crate) original_registration_id: i64,
    pub(crate) channel_status_id: i32,
}

impl PublicationInner {
    /// Marks the publication closed without telling the driver (client close or driver loss).
    pub(crate) fn force_close(&self) {
        self.closed.store(true, Ordering::Release);
    }
}

impl Drop for PublicationInner {
    fn drop(&mut self) {
        if !self.closed.swap(true, Ordering::AcqRel) {
            self.client.request_release(Release::Publication { registration_id: self.registration_id });
        }
    }
}

/// A concurrent publication on `(channel, stream_id)`: `Clone + Send + Sync`, clones share one handle.
///
/// Drive it by calling [`Publication::offer`] (or `offer_vectored`, `try_claim`) from any thread and
/// treating `Err(BackPressured | NotConnected | AdminAction)` as "try again later".
#[derive(Clone)]
pub struct Publication {
    inner: Arc<PublicationInner>,
}

impl std::fmt::Debug for Publication {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publication")
            .field("registration_id", &self.inner.registration_id)
            .field("channel", &self.inner.channel)
            .field("stream_id", &self.inner.stream_id)
            .field("session_id", &self.inner.session_id)
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl Publication {
    /// Builds the handle; the conductor keeps the returned weak reference to close it on client close.
    pub(crate) fn new(
        writer: ConcurrentPublicationWriter,
        limit: AtomicCounter,
        identity: PublicationIdentity,
        client: Arc<ClientShared>,
    ) -> Self {
        Self {
            inner: Arc::new(PublicationInner {
                closed: AtomicBool::new(false),
                limit,
                writer,
                channel: identity.channel,
                stream_id: identity.stream_id,
                session_id: identity.session_id,
                registration_id: identity.registration_id,
                original_registration_id: identity.original_registration_id,
                channel_status_id: identity.channel_status_id,
                client,
            }),
        }
    }

    pub(crate) fn downgrade(&self) -> std::sync::Weak<PublicationInner> {
        Arc::downgrade(&self.inner)
    }

    /// Appends `payload` as one message (fragmented if longer than `max_payload_length`); returns the new
    /// stream position. Errors: `BackPressured`/`NotConnected`/`AdminAction` (retry), `Closed`,
    /// `MaxPositionExceeded`. Panics if `payload` is longer than `max_message_length` (a programmer error).
    #[inline]
    pub fn offer(&self, payload: &[u8]) -> Result<i64, OfferError> {
        let inner = &*self.inner;
        if inner.closed.load(Ordering::Relaxed) {
            return Err(OfferError::Closed);
        }
        inner.writer.offer(inner.limit.get_volatile(), payload)
    }

    /// Like [`Publication::offer`], with the frame's reserved value computed by
    /// `reserved(term_buffer, frame_offset, frame_length)`.
    #[inline]
    pub fn offer_with_reserved_value(
        &self,
        payload: &[u8],
        reserved: &mut dyn FnMut(&AtomicBuffer, usize, usize) -> i64,
    ) -> Result<i64, OfferError> {
        let inner = &*self.inner;
        if inner.closed.load(Ordering::Relaxed) {
            return Err(OfferError::Closed);
        }
        inner.writer.offer_with_reserved_value(inner.limit.get_volatile(), payload, reserved)
    }

    /// Appends the concatenation of `parts` as one message (gather write). Panics if the total is longer
    /// than `max_message_length`.
    #[inline]
    pub fn offer_vectored(&self, parts: &[&[u8]]) -> Result<i64, OfferError> {
        let inner = &*self.inner;
        if inner.closed.load(Ordering::Relaxed) {
            return Err(OfferError::Closed);
        }
        inner.writer.offer_vectored(inner.limit.get_volatile(), parts)
    }

    /// Claims `length` bytes to be written in place; commit the claim to publish it, abort or drop it to
    /// turn it into padding. Panics if `length` is above `max_payload_length` (claims are never
    /// fragmented). A claim that is never finished blocks subscribers until the driver's unblock timeout.
    #[inline]
    pub fn try_claim(&self, length: usize) -> Result<BufferClaim<'_>, OfferError> {
        let inner = &*self.inner;
        if inner.closed.load(Ordering::Relaxed) {
            return Err(OfferError::Closed);
        }
        inner.writer.try_claim(inner.limit.get_volatile(), length)
    }

    /// The current stream position (where the next message would start).
    pub fn position(&self) -> i64 {
        self.inner.writer.position()
    }

    /// The publisher limit set by the driver: offers succeed while `position() < position_limit()`.
    /// Once closed it returns `OfferError::Closed.code()` (Aeron's `CLOSED`), as the counter may be reused.
    pub fn position_limit(&self) -> i64 {
        if self.is_closed() { OfferError::Closed.code() } else { self.inner.limit.get_volatile() }
    }

    /// True if at least one subscriber is connected (as recorded by the driver in the log metadata).
    pub fn is_connected(&self) -> bool {
        !self.is_closed() && self.inner.writer.log().metadata().is_connected()
    }

    /// True once closed.
    pub fn is_closed(&self) -> bool {
        self.inner.closed.load(Ordering::Acquire)
    }

    /// Closes the publication (all clones) and asks the driver to remove it; idempotent.
    pub fn close(&self) {
        if !self.inner.closed.swap(true, Ordering::AcqRel) {
            self.inner
                .client
                .request_release(Release::Publication { registration_id: self.inner.registration_id });
        }
    }

    /// The session id of the stream.
    pub fn session_id(&self) -> i32 {
        self.inner.session_id
    }

    /// The stream id.
    pub fn stream_id(&self) -> i32 {
        self.inner.stream_id
    }

    /// The channel URI as given to `add_publication`.
    pub fn channel(&self) -> &str {
        &self.inner.channel
    }

    /// Adds a destination (`aeron:udp?endpoint=host:port`) to a manual multi-destination-cast publication
    /// (`control-mode=manual`) and waits for the driver to confirm it. Control path (takes the conductor).
    pub fn add_destination(&self, endpoint_channel: &str) -> Result<(), ClientError> {
        self.destination(protocol::command::event::ADD_DESTINATION, endpoint_channel)
    }

    /// Removes a destination added with [`Publication::add_destination`] and waits for the driver.
    pub fn remove_destination(&self, endpoint_channel: &str) -> Result<(), ClientError> {
        self.destination(protocol::command::event::REMOVE_DESTINATION, endpoint_channel)
    }

    fn destination(&self, msg_type_id: i32, endpoint_channel: &str) -> Result<(), ClientError> {
        if self.is_closed() {
            return Err(ClientError::Closed);
        }
        let mut conductor = self.inner.client.lock_conductor()?;
        conductor.destination_command(msg_type_id, self.inner.registration_id, endpoint_channel)
    }

    /// The registration id of this handle (the correlation id of its `ADD_PUBLICATION`).
    pub fn registration_id(&self) -> i64 {
        self.inner.registration_id
    }

    /// The registration id of the driver's publication (shared by every handle on the same stream).
    pub fn original_registration_id(&self) -> i64 {
        self.inner.original_registration_id
    }

    /// True if this handle created the driver's publication (rather than joining an existing one).
    pub fn is_original(&self) -> bool {
        self.inner.original_registration_id == self.inner.registration_id
    }

    /// The channel status counter id the driver reported.
    pub fn channel_status_id(&self) -> i32 {
        self.inner.channel_status_id
    }

    /// The publisher-limit counter id.
    pub fn publication_limit_id(&self) -> i32 {
        self.inner.limit.id()
    }

    /// The largest message `offer` accepts: `min(term_length / 8, 16 MiB)`.
    pub fn max_message_length(&self) -> usize {
        self.inner.writer.max_message_length()
    }

    /// The largest payload of one frame (`mtu - 32`), also the largest `try_claim`.
    pub fn max_payload_length(&self) -> usize {
        self.inner.writer.max_payload_length()
    }

    /// The length of one term.
    pub fn term_buffer_length(&self) -> i32 {
        self.inner.writer.log().term_length()
    }

    /// The initial term id of the stream.
    pub fn initial_term_id(&self) -> i32 {
        self.inner.writer.log().initial_term_id()
    }

    /// `log2(term_buffer_length)`, for position arithmetic.
    pub fn position_bits_to_shift(&self) -> u32 {
        self.inner.writer.log().position_bits_to_shift()
    }
}
