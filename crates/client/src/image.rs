//! [`Image`]: one publisher's stream as seen by one subscription (Aeron `Image`).
//!
//! An image reads a log buffer the driver named in `ON_AVAILABLE_IMAGE` and stores how far it has read
//! in its subscriber-position (`sub-pos`) counter, which the driver reads to compute flow control and
//! cleaning. It is created by the client conductor and handed to the owning [`crate::Subscription`].
//!
//! Invariants:
//! - Polls never allocate and never lock: one relaxed load of the closed flag, then the
//!   [`logbuffer::ImageReader`], which reads frame lengths with acquire and stores the position with
//!   release (only when it moved).
//! - Once closed (the driver reported it unavailable, or the subscription or client closed), every poll
//!   returns 0 and never writes the position counter again (the driver may reuse the counter slot);
//!   [`Image::position`] then reports the position observed at close.
//! - Clones share the counter, the closed flag and the log; only one thread should poll an image at a
//!   time (concurrent polls of one image would race on its position, as in Aeron).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use agrona::AtomicCounter;
use logbuffer::{ControlledPollAction, Header, ImageReader, LogBuffer, PositionCell};

/// The subscriber-position (`sub-pos`) counter as the reader's position cell.
#[derive(Clone)]
struct SubscriberPosition(AtomicCounter);

impl PositionCell for SubscriberPosition {
    #[inline]
    fn get(&self) -> i64 {
        self.0.get()
    }

    #[inline]
    fn set_ordered(&self, value: i64) {
        self.0.set_ordered(value);
    }
}

/// State shared by all clones of one image and the conductor.
struct ImageShared {
    closed: AtomicBool,
    final_position: AtomicI64,
    session_id: i32,
    correlation_id: i64,
    subscription_registration_id: i64,
    join_position: i64,
    source_identity: String,
    log_file_name: String,
}

/// A publisher's stream for one subscription: poll it for fragments (usually through
/// [`crate::Subscription::poll`], which round-robins over its images).
pub struct Image {
    reader: ImageReader,
    position: SubscriberPosition,
    shared: Arc<ImageShared>,
}

impl std::fmt::Debug for Image {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Image")
            .field("correlation_id", &self.shared.correlation_id)
            .field("session_id", &self.shared.session_id)
            .field("subscription_registration_id", &self.shared.subscription_registration_id)
            .field("source_identity", &self.shared.source_identity)
            .field("log_file_name", &self.shared.log_file_name)
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl Clone for Image {
    fn clone(&self) -> Self {
        Self {
            reader: self.reader.clone(),
            position: self.position.clone(),
            shared: Arc::clone(&self.shared),
        }
    }
}

/// Identity of an image as announced by the driver.
pub(crate) struct ImageIdentity {
    pub(crate) session_id: i32,
    pub(crate) correlation_id: i64,
    pub(crate) subscription_registration_id: i64,
    pub(crate) source_identity: String,
    pub(crate) log_file_name: String,
}

impl Image {
    /// Wraps a validated log and its subscriber-position counter; the join position is the counter's
    /// current value (the driver sets it before announcing the image).
    pub(crate) fn new(log: LogBuffer, position: AtomicCounter, identity: ImageIdentity) -> Self {
        let join_position = position.get_volatile();
        Self {
            reader: ImageReader::new(log),
            position: SubscriberPosition(position),
            shared: Arc::new(ImageShared {
                closed: AtomicBool::new(false),
                final_position: AtomicI64::new(join_position),
                session_id: identity.session_id,
                correlation_id: identity.correlation_id,
                subscription_registration_id: identity.subscription_registration_id,
                join_position,
                source_identity: identity.source_identity,
                log_file_name: identity.log_file_name,
            }),
        }
    }

    /// Closes the image: records the final position, then stops all further polls (idempotent).
    pub(crate) fn close(&self) {
        if !self.shared.closed.load(Ordering::Acquire) {
            self.shared.final_position.store(self.position.0.get_volatile(), Ordering::Relaxed);
            self.shared.closed.store(true, Ordering::Release);
        }
    }

    /// Delivers up to `fragment_limit` fragments (at most to the end of the current term) to `handler`
    /// as `(payload, header)`; returns how many were delivered. Padding is skipped. Returns 0 once closed.
    #[inline]
    pub fn poll(&self, handler: &mut impl FnMut(&[u8], &Header), fragment_limit: usize) -> usize {
        if self.shared.closed.load(Ordering::Relaxed) {
            return 0;
        }
        self.reader.poll(&self.position, handler, fragment_limit)
    }

    /// Like [`Image::poll`], but the handler steers consumption with a [`ControlledPollAction`]
    /// (`Abort` re-delivers the fragment later, `Break` stops after it, `Commit` stores the position now).
    #[inline]
    pub fn controlled_poll(
        &self,
        handler: &mut impl FnMut(&[u8], &Header) -> ControlledPollAction,
        fragment_limit: usize,
    ) -> usize {
        if self.shared.closed.load(Ordering::Relaxed) {
            return 0;
        }
        self.reader.controlled_poll(&self.position, handler, fragment_limit)
    }

    /// Like [`Image::poll`], but never reads past `limit_position` (for example a commit position).
    #[inline]
    pub fn bounded_poll(
        &self,
        handler: &mut impl FnMut(&[u8], &Header),
        limit_position: i64,
        fragment_limit: usize,
    ) -> usize {
        if self.shared.closed.load(Ordering::Relaxed) {
            return 0;
        }
        self.reader.bounded_poll(&self.position, handler, limit_position, fragment_limit)
    }

    /// Like [`Image::controlled_poll`], but never reads past `limit_position`.
    #[inline]
    pub fn bounded_controlled_poll(
        &self,
        handler: &mut impl FnMut(&[u8], &Header) -> ControlledPollAction,
        limit_position: i64,
        fragment_limit: usize,
    ) -> usize {
        if self.shared.closed.load(Ordering::Relaxed) {
            return 0;
        }
        self.reader.bounded_controlled_poll(&self.position, handler, limit_position, fragment_limit)
    }

    /// Delivers whole consecutive frames (headers included) up to `block_length_limit` bytes as
    /// `handler(block, session_id, term_id)`; returns the bytes consumed (0 once closed).
    #[inline]
    pub fn block_poll(&self, handler: &mut impl FnMut(&[u8], i32, i32), block_length_limit: usize) -> usize {
        if self.shared.closed.load(Ordering::Relaxed) {
            return 0;
        }
        self.reader.block_poll(&self.position, handler, block_length_limit)
    }

    /// The subscriber position: how far this image has been consumed (the position at close once closed).
    pub fn position(&self) -> i64 {
        if self.shared.closed.load(Ordering::Acquire) {
            self.shared.final_position.load(Ordering::Relaxed)
        } else {
            self.position.0.get_volatile()
        }
    }

    /// The position at which this subscription joined the stream.
    pub fn join_position(&self) -> i64 {
        self.shared.join_position
    }

    /// The publisher's session id.
    pub fn session_id(&self) -> i32 {
        self.shared.session_id
    }

    /// The driver's correlation id for this image.
    pub fn correlation_id(&self) -> i64 {
        self.shared.correlation_id
    }

    /// The registration id of the subscription this image belongs to.
    pub fn subscription_registration_id(&self) -> i64 {
        self.shared.subscription_registration_id
    }

    /// Where the stream comes from (`aeron:ipc` for IPC, the sender's address for UDP).
    pub fn source_identity(&self) -> &str {
        &self.shared.source_identity
    }

    /// The name of the log buffer in the memory store.
    pub fn log_file_name(&self) -> &str {
        &self.shared.log_file_name
    }

    /// True once the publisher has ended the stream and this image consumed everything up to the end.
    pub fn is_end_of_stream(&self) -> bool {
        self.position() >= self.reader.log().metadata().end_of_stream_position()
    }

    /// True once the image is closed (unavailable, or its subscription or client closed).
    pub fn is_closed(&self) -> bool {
        self.shared.closed.load(Ordering::Acquire)
    }

    /// The length of one term of the log.
    pub fn term_buffer_length(&self) -> i32 {
        self.reader.log().term_length()
    }

    /// The initial term id of the stream.
    pub fn initial_term_id(&self) -> i32 {
        self.reader.log().initial_term_id()
    }

    /// The MTU of the stream (the largest frame).
    pub fn mtu_length(&self) -> i32 {
        self.reader.log().mtu_length()
    }

    /// `log2(term_buffer_length)`, for position arithmetic.
    pub fn position_bits_to_shift(&self) -> u32 {
        self.reader.log().position_bits_to_shift()
    }

    /// The id of the subscriber-position counter.
    pub fn subscriber_position_id(&self) -> i32 {
        self.position.0.id()
    }
}
