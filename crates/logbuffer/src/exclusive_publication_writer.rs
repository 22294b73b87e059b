//! [`ExclusivePublicationWriter`]: appends messages to a log from a single writer, as Aeron's
//! `ExclusivePublication` (reference §2.4).
//!
//! Protocol, per append: the position is kept locally (`term_begin_position + term_offset`); if it is
//! below the caller's limit, the writer stores the new raw tail with a plain release store *before*
//! writing the frame(s), then writes and commits them. If the message does not fit the rest of the term,
//! it pads to the term end, rotates locally (next partition's tail = (term id + 1, 0), then the active term
//! count with release) and returns `AdminAction`; the caller retries into the new term.
//!
//! Invariants: only this writer changes the log's tails and term count while it exists; frames never
//! span terms; the hot path reads no metadata, takes no lock, does no atomic read-modify-write and never
//! allocates.

use agrona::AtomicBuffer;

use crate::buffer_claim::BufferClaim;
use crate::frame_descriptor::{
    FRAME_ALIGNMENT, HDR_TYPE_DATA, HDR_TYPE_PAD, HEADER_LENGTH, HEADER_LENGTH_USIZE, SESSION_ID_OFFSET,
    STREAM_ID_OFFSET, TERM_ID_OFFSET, TERM_OFFSET_OFFSET, TYPE_OFFSET, align_i32, frame_length_ordered,
    set_frame_type,
};
use crate::log_buffer::LogBuffer;
use crate::log_buffer_descriptor::{
    compute_fragmented_frame_length, compute_term_begin_position, index_by_term_count, next_partition_index,
    pack_tail, term_id, term_offset,
};
use crate::offer_error::OfferError;
use crate::term_appender::{PayloadSource, ReservedValueSupplier, WriterConfig};

/// A publication writer with a single owner (`&mut self`; `Send`).
///
/// Every append takes `limit_position`, the publication limit (Aeron's `pub-lmt` counter, read by the
/// caller): appends start only while the current position is below it. On success the result is the new
/// stream position (the end of the message); retry on `AdminAction` at once and on
/// `BackPressured`/`NotConnected` later.
#[derive(Debug)]
pub struct ExclusivePublicationWriter {
    log: LogBuffer,
    config: WriterConfig,
    term_offset: i32,
    term_id: i32,
    active_partition_index: usize,
    term_begin_position: i64,
}

impl ExclusivePublicationWriter {
    /// A writer for `log`, resuming at the log's current tail (the active partition's tail offset, clamped
    /// to the term length).
    pub fn new(log: LogBuffer) -> Self {
        let config = WriterConfig::new(&log);
        let metadata = log.metadata();
        let active_partition_index = index_by_term_count(metadata.active_term_count() as i64);
        let raw_tail = metadata.raw_tail_volatile(active_partition_index);
        let term_id = term_id(raw_tail);
        let term_offset = term_offset(raw_tail, config.term_length as i64);
        let term_begin_position =
            compute_term_begin_position(term_id, config.position_bits_to_shift, config.initial_term_id);
        Self { log, config, term_offset, term_id, active_partition_index, term_begin_position }
    }

    /// The log this writer appends to.
    #[inline]
    pub fn log(&self) -> &LogBuffer {
        &self.log
    }

    /// The current position: `term_begin_position + term_offset`.
    #[inline]
    pub fn position(&self) -> i64 {
        self.term_begin_position + self.term_offset as i64
    }

    /// The term id being appended to.
    #[inline]
    pub fn term_id(&self) -> i32 {
        self.term_id
    }

    /// The offset within the current term of the next append.
    #[inline]
    pub fn term_offset(&self) -> i32 {
        self.term_offset
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
    pub fn offer(&mut self, limit_position: i64, payload: &[u8]) -> Result<i64, OfferError> {
        self.append(limit_position, payload, None)
    }

    /// As [`Self::offer`], setting each frame's reserved value from `reserved(term, frame_offset,
    /// frame_length)` just before the frame is committed.
    pub fn offer_with_reserved_value(
        &mut self,
        limit_position: i64,
        payload: &[u8],
        reserved: &mut dyn FnMut(&AtomicBuffer, usize, usize) -> i64,
    ) -> Result<i64, OfferError> {
        self.append(limit_position, payload, Some(reserved))
    }

    /// Appends the concatenation of `parts` as one message.
    ///
    /// # Panics
    /// If the total length is above [`Self::max_message_length`].
    pub fn offer_vectored(&mut self, limit_position: i64, parts: &[&[u8]]) -> Result<i64, OfferError> {
        self.append(limit_position, parts, None)
    }

    /// As [`Self::offer_vectored`], with a reserved value supplier.
    pub fn offer_vectored_with_reserved_value(
        &mut self,
        limit_position: i64,
        parts: &[&[u8]],
        reserved: &mut dyn FnMut(&AtomicBuffer, usize, usize) -> i64,
    ) -> Result<i64, OfferError> {
        self.append(limit_position, parts, Some(reserved))
    }

    /// Claims one unfragmented frame of `length` payload bytes to fill in place; the claim borrows the
    /// writer, so commit or abort it before the next append.
    ///
    /// # Panics
    /// If `length` is above [`Self::max_payload_length`] (claims never fragment).
    pub fn try_claim(&mut self, limit_position: i64, length: usize) -> Result<BufferClaim<'_>, OfferError> {
        let length = self.config.check_payload_length(length);
        let position = self.position();
        if position >= limit_position {
            return Err(self.config.back_pressure_status(&self.log, position, length as usize));
        }
        let frame_length = length + HEADER_LENGTH;
        let frame_offset = self.term_offset;
        let resulting_offset = self.advance_tail(align_i32(frame_length));
        if resulting_offset > self.config.term_length {
            return Err(self.end_of_log());
        }
        self.term_offset = resulting_offset;
        let term = self.log.term(self.active_partition_index);
        self.config.header_writer.write(term, frame_offset as usize, frame_length, self.term_id);
        Ok(BufferClaim::new(
            term,
            frame_offset as usize,
            frame_length as usize,
            self.term_begin_position + resulting_offset as i64,
        ))
    }

    /// Appends a block of already formatted frames (the archive's replay path). The block's first frame
    /// must be a DATA frame whose term offset, session id, stream id and term id match this writer's
    /// current term offset, session, stream and term; the block must fit the rest of the term. The block is
    /// copied with its first 8 bytes written last, with release, so readers see it all at once.
    ///
    /// # Panics
    /// If the block is shorter than a frame header, not a multiple of 32 bytes, longer than the space left in
    /// the term, or its first header does not match (API misuse, as Aeron's `IllegalArgumentException`).
    pub fn offer_block(&mut self, limit_position: i64, block: &[u8]) -> Result<i64, OfferError> {
        if self.term_offset >= self.config.term_length {
            self.rotate_term();
        }
        let position = self.position();
        if position >= limit_position {
            return Err(self.config.back_pressure_status(&self.log, position, block.len()));
        }
        let remaining = (self.config.term_length - self.term_offset) as usize;
        assert!(
            block.len() >= HEADER_LENGTH_USIZE
                && block.len() <= remaining
                && block.len().is_multiple_of(FRAME_ALIGNMENT as usize),
            "invalid block length {}, remaining space in term is {remaining} (blocks are whole aligned frames)",
            block.len()
        );
        self.check_first_frame(block);
        let term_offset = self.term_offset as usize;
        let resulting_offset = self.advance_tail(block.len() as i32);
        let term = self.log.term(self.active_partition_index);
        term.put_bytes(term_offset + HEADER_LENGTH_USIZE, &block[HEADER_LENGTH_USIZE..]);
        term.put_i64(term_offset + 24, i64_at(block, 24));
        term.put_i64(term_offset + 16, i64_at(block, 16));
        term.put_i64(term_offset + 8, i64_at(block, 8));
        term.put_i64_ordered(term_offset, i64_at(block, 0));
        self.term_offset = resulting_offset;
        Ok(self.term_begin_position + resulting_offset as i64)
    }

    /// Appends a PAD frame covering `length` bytes plus a header (aligned), for example to leave room the
    /// way a recording expects.
    ///
    /// # Panics
    /// If `length` is above the largest fragmented message frame length (Aeron's `maxFramedLength`).
    pub fn append_padding(&mut self, limit_position: i64, length: usize) -> Result<i64, OfferError> {
        assert!(
            length <= self.config.max_framed_length as usize,
            "padding exceeds maxFramedLength of {}, length={length}",
            self.config.max_framed_length
        );
        let position = self.position();
        if position >= limit_position {
            return Err(self.config.back_pressure_status(&self.log, position, length));
        }
        let frame_length = length as i32 + HEADER_LENGTH;
        let frame_offset = self.term_offset;
        let resulting_offset = self.advance_tail(align_i32(frame_length));
        if resulting_offset > self.config.term_length {
            return Err(self.end_of_log());
        }
        let term = self.log.term(self.active_partition_index);
        self.config.header_writer.write(term, frame_offset as usize, frame_length, self.term_id);
        set_frame_type(term, frame_offset as usize, HDR_TYPE_PAD);
        frame_length_ordered(term, frame_offset as usize, frame_length);
        self.term_offset = resulting_offset;
        Ok(self.term_begin_position + resulting_offset as i64)
    }

    #[inline]
    fn append<P: PayloadSource + ?Sized>(
        &mut self,
        limit_position: i64,
        payload: &P,
        reserved: Option<ReservedValueSupplier<'_>>,
    ) -> Result<i64, OfferError> {
        let length = self.config.check_message_length(payload.payload_length());
        let position = self.position();
        if position >= limit_position {
            return Err(self.config.back_pressure_status(&self.log, position, length as usize));
        }
        let frame_offset = self.term_offset;
        if length <= self.config.max_payload_length {
            let resulting_offset = self.advance_tail(align_i32(length + HEADER_LENGTH));
            if resulting_offset > self.config.term_length {
                return Err(self.end_of_log());
            }
            let term = self.log.term(self.active_partition_index);
            self.config.write_unfragmented(
                term,
                frame_offset as usize,
                self.term_id,
                payload,
                length,
                reserved,
            );
            self.term_offset = resulting_offset;
            Ok(self.term_begin_position + resulting_offset as i64)
        } else {
            let framed_length = compute_fragmented_frame_length(length, self.config.max_payload_length);
            let resulting_offset = self.advance_tail(framed_length);
            if resulting_offset > self.config.term_length {
                return Err(self.end_of_log());
            }
            let term = self.log.term(self.active_partition_index);
            self.config.write_fragmented(
                term,
                frame_offset as usize,
                self.term_id,
                payload,
                length,
                reserved,
            );
            self.term_offset = resulting_offset;
            Ok(self.term_begin_position + resulting_offset as i64)
        }
    }

    /// Publishes the tail after a claim of `length` bytes (release store) and returns the resulting offset.
    #[inline]
    fn advance_tail(&self, length: i32) -> i32 {
        let resulting_offset = self.term_offset + length;
        self.log
            .metadata()
            .set_raw_tail_ordered(self.active_partition_index, pack_tail(self.term_id, resulting_offset));
        resulting_offset
    }

    /// The message did not fit: pad the rest of the term, then rotate (or report the end of the stream).
    #[cold]
    fn end_of_log(&mut self) -> OfferError {
        let term_length = self.config.term_length;
        if self.term_offset < term_length {
            let term = self.log.term(self.active_partition_index);
            self.config.write_padding(
                term,
                self.term_offset as usize,
                term_length - self.term_offset,
                self.term_id,
            );
        }
        if self.term_begin_position + term_length as i64 >= self.config.max_possible_position {
            return OfferError::MaxPositionExceeded;
        }
        self.rotate_term();
        OfferError::AdminAction
    }

    fn rotate_term(&mut self) {
        let next_index = next_partition_index(self.active_partition_index);
        let next_term_id = self.term_id.wrapping_add(1);
        self.active_partition_index = next_index;
        self.term_offset = 0;
        self.term_id = next_term_id;
        self.term_begin_position += self.config.term_length as i64;
        let term_count = next_term_id.wrapping_sub(self.config.initial_term_id);
        let metadata = self.log.metadata();
        metadata.initialise_tail_with_term_id(next_index, next_term_id);
        metadata.set_active_term_count_ordered(term_count);
    }

    #[track_caller]
    fn check_first_frame(&self, block: &[u8]) {
        let block_term_offset = i32_at(block, TERM_OFFSET_OFFSET);
        let block_session_id = i32_at(block, SESSION_ID_OFFSET);
        let block_stream_id = i32_at(block, STREAM_ID_OFFSET);
        let block_term_id = i32_at(block, TERM_ID_OFFSET);
        let block_frame_type = u16::from_le_bytes([block[TYPE_OFFSET], block[TYPE_OFFSET + 1]]);
        assert!(
            block_term_offset == self.term_offset
                && block_session_id == self.session_id()
                && block_stream_id == self.stream_id()
                && block_term_id == self.term_id
                && block_frame_type == HDR_TYPE_DATA,
            "improperly formatted block: termOffset={block_term_offset} (expected={}), sessionId={block_session_id} \
             (expected={}), streamId={block_stream_id} (expected={}), termId={block_term_id} (expected={}), \
             frameType={block_frame_type} (expected={HDR_TYPE_DATA})",
            self.term_offset,
            self.session_id(),
            self.stream_id(),
            self.term_id,
        );
    }
}

#[inline]
fn i32_at(bytes: &[u8], offset: usize) -> i32 {
    i32::from_le_bytes([bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3]])
}

#[inline]
fn i64_at(bytes: &[u8], offset: usize) -> i64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[offset..offset + 8]);
    i64::from_le_bytes(word)
}
