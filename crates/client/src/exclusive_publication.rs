//! [`ExclusivePublication`]: a publication with exactly one writer (Aeron `ExclusivePublication`).
//!
//! Invariants:
//! - The hot path does one relaxed load of the closed flag, one acquire load of the publisher limit
//!   (`pub-lmt`), then appends with [`logbuffer::ExclusivePublicationWriter`], which keeps the tail in
//!   the handle and needs no atomic read-modify-write. It never allocates and never locks.
//! - `&mut self` on every append: the type is `Send` but only one thread writes at a time.
//! - After [`ExclusivePublication::close`], client close or driver loss, appends return
//!   [`OfferError::Closed`]. Dropping the handle closes it (`REMOVE_PUBLICATION`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use agrona::{AtomicBuffer, AtomicCounter};
use logbuffer::{BufferClaim, ExclusivePublicationWriter, OfferError};

use crate::client_error::ClientError;
use crate::client_shared::{ClientShared, Release};
use crate::publication::PublicationIdentity;

/// A single-writer publication on `(channel, stream_id)` with its own session id.
///
/// Drive it like [`crate::Publication`], from one thread at a time; it also offers whole pre-framed
/// blocks ([`ExclusivePublication::offer_block`]) and explicit padding.
pub struct ExclusivePublication {
    closed: Arc<AtomicBool>,
    limit: AtomicCounter,
    writer: ExclusivePublicationWriter,
    identity: PublicationIdentity,
    client: Arc<ClientShared>,
}

impl std::fmt::Debug for ExclusivePublication {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExclusivePublication")
            .field("registration_id", &self.identity.registration_id)
            .field("channel", &self.identity.channel)
            .field("stream_id", &self.identity.stream_id)
            .field("session_id", &self.identity.session_id)
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl ExclusivePublication {
    pub(crate) fn new(
        writer: ExclusivePublicationWriter,
        limit: AtomicCounter,
        identity: PublicationIdentity,
        closed: Arc<AtomicBool>,
        client: Arc<ClientShared>,
    ) -> Self {
        Self { closed, limit, writer, identity, client }
    }

    /// Adds a destination (`aeron:udp?endpoint=host:port`) to a manual multi-destination-cast publication
    /// (`control-mode=manual`) and waits for the driver to confirm it. Control path (takes the conductor).
    pub fn add_destination(&self, endpoint_channel: &str) -> Result<(), ClientError> {
        self.destination(protocol::command::event::ADD_DESTINATION, endpoint_channel)
    }

    /// Removes a destination added with [`ExclusivePublication::add_destination`] and waits for the driver.
    pub fn remove_destination(&self, endpoint_channel: &str) -> Result<(), ClientError> {
        self.destination(protocol::command::event::REMOVE_DESTINATION, endpoint_channel)
    }

    fn destination(&self, msg_type_id: i32, endpoint_channel: &str) -> Result<(), ClientError> {
        if self.is_closed() {
            return Err(ClientError::Closed);
        }
        let mut conductor = self.client.lock_conductor()?;
        conductor.destination_command(msg_type_id, self.identity.registration_id, endpoint_channel)
    }

    /// Appends `payload` as one message (fragmented if needed); returns the new position.
    /// Panics if `payload` is longer than `max_message_length`.
    #[inline]
    pub fn offer(&mut self, payload: &[u8]) -> Result<i64, OfferError> {
        if self.closed.load(Ordering::Relaxed) {
            return Err(OfferError::Closed);
        }
        self.writer.offer(self.limit.get_volatile(), payload)
    }

    /// Like [`ExclusivePublication::offer`], with each frame's reserved value computed by
    /// `reserved(term_buffer, frame_offset, frame_length)` just before the frame is committed.
    #[inline]
    pub fn offer_with_reserved_value(
        &mut self,
        payload: &[u8],
        reserved: &mut dyn FnMut(&AtomicBuffer, usize, usize) -> i64,
    ) -> Result<i64, OfferError> {
        if self.closed.load(Ordering::Relaxed) {
            return Err(OfferError::Closed);
        }
        self.writer.offer_with_reserved_value(self.limit.get_volatile(), payload, reserved)
    }

    /// Appends the concatenation of `parts` as one message. Panics if the total is longer than
    /// `max_message_length`.
    #[inline]
    pub fn offer_vectored(&mut self, parts: &[&[u8]]) -> Result<i64, OfferError> {
        if self.closed.load(Ordering::Relaxed) {
            return Err(OfferError::Closed);
        }
        self.writer.offer_vectored(self.limit.get_volatile(), parts)
    }

    /// Claims `length` bytes to write in place; commit to publish, abort or drop to pad it out.
    /// Panics if `length` is above `max_payload_length` (claims are never fragmented).
    #[inline]
    pub fn try_claim(&mut self, length: usize) -> Result<BufferClaim<'_>, OfferError> {
        if self.closed.load(Ordering::Relaxed) {
            return Err(OfferError::Closed);
        }
        self.writer.try_claim(self.limit.get_volatile(), length)
    }

    /// Appends a block of complete, already framed DATA frames (for example copied from another log),
    /// which must fit in the rest of the current term. Panics (API misuse, as Aeron's
    /// `IllegalArgumentException`) if the first frame's term offset, session id, stream id, term id or
    /// type does not match where it is appended.
    #[inline]
    pub fn offer_block(&mut self, block: &[u8]) -> Result<i64, OfferError> {
        if self.closed.load(Ordering::Relaxed) {
            return Err(OfferError::Closed);
        }
        self.writer.offer_block(self.limit.get_volatile(), block)
    }

    /// Appends a padding frame covering `length` payload bytes (the position moves, nothing is delivered).
    #[inline]
    pub fn append_padding(&mut self, length: usize) -> Result<i64, OfferError> {
        if self.closed.load(Ordering::Relaxed) {
            return Err(OfferError::Closed);
        }
        self.writer.append_padding(self.limit.get_volatile(), length)
    }

    /// The current stream position.
    pub fn position(&self) -> i64 {
        self.writer.position()
    }

    /// The publisher limit set by the driver, or `OfferError::Closed.code()` once closed.
    pub fn position_limit(&self) -> i64 {
        if self.is_closed() { OfferError::Closed.code() } else { self.limit.get_volatile() }
    }

    /// True if at least one subscriber is connected.
    pub fn is_connected(&self) -> bool {
        !self.is_closed() && self.writer.log().metadata().is_connected()
    }

    /// True once closed.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Closes the publication and asks the driver to remove it; idempotent.
    pub fn close(&mut self) {
        if !self.closed.swap(true, Ordering::AcqRel) {
            self.client
                .request_release(Release::Publication { registration_id: self.identity.registration_id });
        }
    }

    /// The session id of the stream.
    pub fn session_id(&self) -> i32 {
        self.identity.session_id
    }

    /// The stream id.
    pub fn stream_id(&self) -> i32 {
        self.identity.stream_id
    }

    /// The channel URI as given to `add_exclusive_publication`.
    pub fn channel(&self) -> &str {
        &self.identity.channel
    }

    /// The registration id.
    pub fn registration_id(&self) -> i64 {
        self.identity.registration_id
    }

    /// The channel status counter id the driver reported.
    pub fn channel_status_id(&self) -> i32 {
        self.identity.channel_status_id
    }

    /// The publisher-limit counter id.
    pub fn publication_limit_id(&self) -> i32 {
        self.limit.id()
    }

    /// The largest message `offer` accepts.
    pub fn max_message_length(&self) -> usize {
        self.writer.max_message_length()
    }

    /// The largest payload of one frame (`mtu - 32`), also the largest `try_claim`.
    pub fn max_payload_length(&self) -> usize {
        self.writer.max_payload_length()
    }

    /// The length of one term.
    pub fn term_buffer_length(&self) -> i32 {
        self.writer.log().term_length()
    }

    /// The initial term id of the stream.
    pub fn initial_term_id(&self) -> i32 {
        self.writer.log().initial_term_id()
    }

    /// `log2(term_buffer_length)`, for position arithmetic.
    pub fn position_bits_to_shift(&self) -> u32 {
        self.writer.log().position_bits_to_shift()
    }
}

impl Drop for ExclusivePublication {
    fn drop(&mut self) {
        self.close();
    }
}
