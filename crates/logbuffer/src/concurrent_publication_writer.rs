//! [`ConcurrentPublicationWriter`]: appends messages to a log from many threads (or processes) at once,
//! as Aeron's `ConcurrentPublication` (reference §2.4).
//!
//! Protocol, per append:
//! 1. read the active term count (acquire) and that partition's raw tail (acquire); if the tail's term id
//!    does not match the count, a rotation is under way: `AdminAction`;
//! 2. if the tail position is at or past the caller's limit: `MaxPositionExceeded`, `BackPressured` (the
//!    log says connected) or `NotConnected`;
//! 3. claim space with one atomic `getAndAdd` of the aligned (or fragmented) length on the raw tail;
//! 4. if the claim ends past the term: pad from the claim start to the term end (if the start is inside
//!    the term), rotate (CAS the next tail, CAS the term count) and return `AdminAction` (or
//!    `MaxPositionExceeded`); the caller retries;
//! 5. otherwise write the frame(s) (header with negative length, payload, reserved value) and commit each
//!    with a release store of its length.
//!
//! Invariants: frames never span terms; a fragmented message is one claim; no allocation, lock or
//! metadata re-read beyond the two acquire loads and the one `getAndAdd`.

use agrona::AtomicBuffer;

use crate::buffer_claim::BufferClaim;
use crate::frame_descriptor::{HEADER_LENGTH, align_i32};
use crate::log_buffer::LogBuffer;
use crate::log_buffer_descriptor::{
    compute_fragmented_frame_length, compute_position, index_by_term_count, term_id, term_offset,
};
use crate::offer_error::OfferError;
use crate::term_appender::{PayloadSource, ReservedValueSupplier, WriterConfig};

/// A publication writer that any number of threads may share (`&self`, `Send + Sync`).
///
/// Every append takes `limit_position`, the publication limit (Aeron's `pub-lmt` counter, read with
/// acquire by the caller): appends start only while the current position is below it. On success the
/// result is the new stream position (the end of the message); retry on `AdminAction` at once and on
/// `BackPressured`/`NotConnected` later.
#[derive(Debug)]
pub struct ConcurrentPublicationWriter {
    log: LogBuffer,
    config: WriterConfig,
}

/// Where an append may go: the active partition and the tail position found there.
struct ActiveTail {
    partition_index: usize,
    position: i64,
}

impl ConcurrentPublicationWriter {
    /// A writer for `log`; session, stream, MTU and initial term id come from the log's metadata.
    pub fn new(log: LogBuffer) -> Self {
        let config = WriterConfig::new(&log);
        Self { log, config }
    }

    /// The log this writer appends to.
    #[inline]
    pub fn log(&self) -> &LogBuffer {
        &self.log
    }

    /// The current producer position (from the active tail; Aeron's `Publication.position()`).
    #[inline]
    pub fn position(&self) -> i64 {
        self.log.producer_position()
    }

    /// Largest payload that fits one frame: `mtu - 32`. Longer messages are fragmented; claims cannot be.
    #[inline]
    pub fn max_payload_length(&self) -> usize {
        self.config.max_payload_length as usize
    }

    /// Largest message accepted: `min(term_length / 8, 16 MiB)`.
    #[inline]
    pub fn max_message_length(&self) -> usize {
        self.config.max_message_length as usize
    }

    /// Session id of the frames written.
    #[inline]
    pub fn session_id(&self) -> i32 {
        self.config.header_writer.session_id()
    }

    /// Stream id of the frames written.
    #[inline]
    pub fn stream_id(&self) -> i32 {
        self.config.header_writer.stream_id()
    }

    /// Appends `payload` as one message (fragmented above [`Self::max_payload_length`]).
    ///
    /// # Panics
    /// If `payload` is longer than [`Self::max_message_length`] (API misuse, as Aeron's exception).
    #[inline]
    pub fn offer(&self, limit_position: i64, payload: &[u8]) -> Result<i64, OfferError> {
        self.append(limit_position, payload, None)
    }

    /// As [`Self::offer`], setting each frame's reserved value from `reserved(term, frame_offset,
    /// frame_length)` just before the frame is committed.
    pub fn offer_with_reserved_value(
        &self,
        limit_position: i64,
        payload: &[u8],
        reserved: &mut dyn FnMut(&AtomicBuffer, usize, usize) -> i64,
    ) -> Result<i64, OfferError> {
        self.append(limit_position, payload, Some(reserved))
    }

    /// Appends the concatenation of `parts` as one message, without first copying it anywhere.
    ///
    /// # Panics
    /// If the total length is above [`Self::max_message_length`].
    pub fn offer_vectored(&self, limit_position: i64, parts: &[&[u8]]) -> Result<i64, OfferError> {
        self.append(limit_position, parts, None)
    }

    /// As [`Self::offer_vectored`], with a reserved value supplier.
    pub fn offer_vectored_with_reserved_value(
        &self,
        limit_position: i64,
        parts: &[&[u8]],
        reserved: &mut dyn FnMut(&AtomicBuffer, usize, usize) -> i64,
    ) -> Result<i64, OfferError> {
        self.append(limit_position, parts, Some(reserved))
    }

    /// Claims one unfragmented frame of `length` payload bytes to fill in place. Commit (or abort) the claim
    /// promptly: readers cannot pass it until then, and a claim that is never finished is only cleared by
    /// the driver's unblocker.
    ///
    /// # Panics
    /// If `length` is above [`Self::max_payload_length`] (claims never fragment).
    pub fn try_claim(&self, limit_position: i64, length: usize) -> Result<BufferClaim<'_>, OfferError> {
        let length = self.config.check_payload_length(length);
        let active = self.active_tail()?;
        if active.position >= limit_position {
            return Err(self.config.back_pressure_status(&self.log, active.position, length as usize));
        }
        let frame_length = length + HEADER_LENGTH;
        let aligned_length = align_i32(frame_length);
        let (term, frame_offset, term_id, position) = self.claim(active.partition_index, aligned_length)?;
        self.config.header_writer.write(term, frame_offset, frame_length, term_id);
        Ok(BufferClaim::new(term, frame_offset, frame_length as usize, position))
    }

    #[inline]
    fn active_tail(&self) -> Result<ActiveTail, OfferError> {
        let metadata = self.log.metadata();
        let term_count = metadata.active_term_count();
        let partition_index = index_by_term_count(term_count as i64);
        let raw_tail = metadata.raw_tail_volatile(partition_index);
        let tail_term_id = term_id(raw_tail);
        if term_count != tail_term_id.wrapping_sub(self.config.initial_term_id) {
            return Err(OfferError::AdminAction);
        }
        let tail_offset = term_offset(raw_tail, self.config.term_length as i64);
        let position = compute_position(
            tail_term_id,
            tail_offset,
            self.config.position_bits_to_shift,
            self.config.initial_term_id,
        );
        Ok(ActiveTail { partition_index, position })
    }

    #[inline]
    fn append<P: PayloadSource + ?Sized>(
        &self,
        limit_position: i64,
        payload: &P,
        reserved: Option<ReservedValueSupplier<'_>>,
    ) -> Result<i64, OfferError> {
        let length = self.config.check_message_length(payload.payload_length());
        let active = self.active_tail()?;
        if active.position >= limit_position {
            return Err(self.config.back_pressure_status(&self.log, active.position, length as usize));
        }
        if length <= self.config.max_payload_length {
            let aligned_length = align_i32(length + HEADER_LENGTH);
            let (term, frame_offset, term_id, position) =
                self.claim(active.partition_index, aligned_length)?;
            self.config.write_unfragmented(term, frame_offset, term_id, payload, length, reserved);
            Ok(position)
        } else {
            let framed_length = compute_fragmented_frame_length(length, self.config.max_payload_length);
            let (term, frame_offset, term_id, position) =
                self.claim(active.partition_index, framed_length)?;
            self.config.write_fragmented(term, frame_offset, term_id, payload, length, reserved);
            Ok(position)
        }
    }

    /// Claims `claim_length` bytes on the partition's tail. On success returns the term, the frame offset,
    /// the term id and the position after the claim; past the term end, pads and rotates instead.
    #[inline]
    fn claim(
        &self,
        partition_index: usize,
        claim_length: i32,
    ) -> Result<(&AtomicBuffer, usize, i32, i64), OfferError> {
        let term_length = self.config.term_length;
        let raw_tail = self.log.metadata().get_and_add_raw_tail(partition_index, claim_length as i64);
        let claimed_term_id = term_id(raw_tail);
        let claimed_offset = term_offset(raw_tail, term_length as i64);
        let resulting_offset = claimed_offset + claim_length;
        let position = compute_position(
            claimed_term_id,
            resulting_offset,
            self.config.position_bits_to_shift,
            self.config.initial_term_id,
        );
        let term = self.log.term(partition_index);
        if resulting_offset > term_length {
            return Err(self.handle_end_of_log(term, claimed_term_id, claimed_offset, position));
        }
        Ok((term, claimed_offset as usize, claimed_term_id, position))
    }

    #[cold]
    fn handle_end_of_log(
        &self,
        term: &AtomicBuffer,
        claimed_term_id: i32,
        claimed_offset: i32,
        position: i64,
    ) -> OfferError {
        let term_length = self.config.term_length;
        if claimed_offset < term_length {
            self.config.write_padding(
                term,
                claimed_offset as usize,
                term_length - claimed_offset,
                claimed_term_id,
            );
        }
        if position >= self.config.max_possible_position {
            return OfferError::MaxPositionExceeded;
        }
        self.log
            .metadata()
            .rotate_log(claimed_term_id.wrapping_sub(self.config.initial_term_id), claimed_term_id);
        OfferError::AdminAction
    }
}
