//! Frame-writing steps shared by both publication writers (the body of Aeron's `appendUnfragmentedMessage`,
//! `appendFragmentedMessage`, `handleEndOfLog` and `backPressureStatus`), and [`WriterConfig`], the values a
//! writer caches from its log so that the hot path never re-reads metadata.
//!
//! Invariants:
//! - a message is written only inside a range its writer has already claimed (by `getAndAdd` on the tail,
//!   or by the exclusive writer's own tail), never past the term end;
//! - every frame is committed last, with a release store of its positive length;
//! - a fragmented message is one claim: its frames are consecutive, B on the first, E on the last;
//! - nothing here allocates, locks, or touches metadata other than what the caller passes.

use agrona::AtomicBuffer;

use crate::LogBuffer;
use crate::frame_descriptor::{
    BEGIN_FRAG_FLAG, END_FRAG_FLAG, HDR_TYPE_PAD, HEADER_LENGTH, HEADER_LENGTH_USIZE, RESERVED_VALUE_OFFSET,
    align_frame_length, align_i32, frame_length_ordered, set_frame_flags, set_frame_type,
};
use crate::header_writer::HeaderWriter;
use crate::log_buffer_descriptor::{
    compute_fragmented_frame_length, compute_max_message_length, max_possible_position,
};
use crate::offer_error::OfferError;

/// A reserved-value supplier: `(term, frame_offset, frame_length) -> reserved_value`.
pub(crate) type ReservedValueSupplier<'a> = &'a mut dyn FnMut(&AtomicBuffer, usize, usize) -> i64;

/// A message payload that can be copied into a term in pieces: one slice, or a vector of slices.
pub(crate) trait PayloadSource {
    /// Total number of payload bytes.
    fn payload_length(&self) -> usize;
    /// Copies payload bytes `[src_offset, src_offset + length)` to `index` in `term`.
    fn copy_range(&self, term: &AtomicBuffer, index: usize, src_offset: usize, length: usize);
    /// Copies the whole payload to `index` in `term`.
    fn copy_all(&self, term: &AtomicBuffer, index: usize);
}

impl PayloadSource for [u8] {
    #[inline]
    fn payload_length(&self) -> usize {
        self.len()
    }

    #[inline]
    fn copy_range(&self, term: &AtomicBuffer, index: usize, src_offset: usize, length: usize) {
        term.put_bytes(index, &self[src_offset..src_offset + length]);
    }

    #[inline]
    fn copy_all(&self, term: &AtomicBuffer, index: usize) {
        term.put_bytes(index, self);
    }
}

impl PayloadSource for [&[u8]] {
    #[inline]
    fn payload_length(&self) -> usize {
        self.iter().fold(0usize, |total, part| total.saturating_add(part.len()))
    }

    fn copy_range(&self, term: &AtomicBuffer, index: usize, src_offset: usize, length: usize) {
        let mut skip = src_offset;
        let mut remaining = length;
        let mut dst = index;
        for part in self {
            if remaining == 0 {
                break;
            }
            if skip >= part.len() {
                skip -= part.len();
                continue;
            }
            let take = (part.len() - skip).min(remaining);
            term.put_bytes(dst, &part[skip..skip + take]);
            dst += take;
            remaining -= take;
            skip = 0;
        }
    }

    #[inline]
    fn copy_all(&self, term: &AtomicBuffer, index: usize) {
        let mut dst = index;
        for part in self {
            term.put_bytes(dst, part);
            dst += part.len();
        }
    }
}

/// Values a writer derives once from its log.
#[derive(Debug, Clone)]
pub(crate) struct WriterConfig {
    pub(crate) header_writer: HeaderWriter,
    pub(crate) term_length: i32,
    pub(crate) position_bits_to_shift: u32,
    pub(crate) initial_term_id: i32,
    pub(crate) max_payload_length: i32,
    pub(crate) max_message_length: i32,
    pub(crate) max_framed_length: i32,
    pub(crate) max_possible_position: i64,
}

impl WriterConfig {
    pub(crate) fn new(log: &LogBuffer) -> Self {
        let term_length = log.term_length();
        let max_payload_length = log.mtu_length() - HEADER_LENGTH;
        let max_message_length = compute_max_message_length(term_length);
        Self {
            header_writer: HeaderWriter::new(&log.metadata().default_frame_header()),
            term_length,
            position_bits_to_shift: log.position_bits_to_shift(),
            initial_term_id: log.initial_term_id(),
            max_payload_length,
            max_message_length,
            max_framed_length: compute_fragmented_frame_length(max_message_length, max_payload_length),
            max_possible_position: max_possible_position(term_length),
        }
    }

    /// Checks a message length, as Aeron's `checkMaxMessageLength`: a longer message is API misuse.
    #[inline]
    #[track_caller]
    pub(crate) fn check_message_length(&self, length: usize) -> i32 {
        assert!(
            length <= self.max_message_length as usize,
            "message exceeds max message length of {}: length={length}",
            self.max_message_length
        );
        length as i32
    }

    /// Checks a claim length, as Aeron's `checkPayloadLength`: claims never fragment.
    #[inline]
    #[track_caller]
    pub(crate) fn check_payload_length(&self, length: usize) -> i32 {
        assert!(
            length <= self.max_payload_length as usize,
            "claim exceeds max payload length of {}: length={length}",
            self.max_payload_length
        );
        length as i32
    }

    /// What to report when `position` has reached the limit (Aeron's `backPressureStatus`).
    #[cold]
    pub(crate) fn back_pressure_status(
        &self,
        log: &LogBuffer,
        position: i64,
        message_length: usize,
    ) -> OfferError {
        let framed = align_frame_length(message_length.min(i32::MAX as usize - 64) as i32 + HEADER_LENGTH);
        if position.saturating_add(framed) >= self.max_possible_position {
            OfferError::MaxPositionExceeded
        } else if log.metadata().is_connected() {
            OfferError::BackPressured
        } else {
            OfferError::NotConnected
        }
    }

    /// Writes and commits a single-frame message of `length` payload bytes at `frame_offset`.
    #[inline]
    pub(crate) fn write_unfragmented<P: PayloadSource + ?Sized>(
        &self,
        term: &AtomicBuffer,
        frame_offset: usize,
        term_id: i32,
        payload: &P,
        length: i32,
        reserved: Option<ReservedValueSupplier<'_>>,
    ) {
        let frame_length = length + HEADER_LENGTH;
        self.header_writer.write(term, frame_offset, frame_length, term_id);
        payload.copy_all(term, frame_offset + HEADER_LENGTH_USIZE);
        if let Some(supplier) = reserved {
            let value = supplier(term, frame_offset, frame_length as usize);
            term.put_i64(frame_offset + RESERVED_VALUE_OFFSET, value);
        }
        frame_length_ordered(term, frame_offset, frame_length);
    }

    /// Writes and commits a fragmented message of `length` payload bytes from `frame_offset`: frames of at
    /// most `max_payload_length` bytes, B on the first, E on the last.
    pub(crate) fn write_fragmented<P: PayloadSource + ?Sized>(
        &self,
        term: &AtomicBuffer,
        frame_offset: usize,
        term_id: i32,
        payload: &P,
        length: i32,
        mut reserved: Option<ReservedValueSupplier<'_>>,
    ) {
        let max_payload_length = self.max_payload_length;
        let mut offset = frame_offset;
        let mut flags = BEGIN_FRAG_FLAG;
        let mut remaining = length;
        loop {
            let bytes_to_write = remaining.min(max_payload_length);
            let frame_length = bytes_to_write + HEADER_LENGTH;
            self.header_writer.write(term, offset, frame_length, term_id);
            payload.copy_range(
                term,
                offset + HEADER_LENGTH_USIZE,
                (length - remaining) as usize,
                bytes_to_write as usize,
            );
            if remaining <= max_payload_length {
                flags |= END_FRAG_FLAG;
            }
            set_frame_flags(term, offset, flags);
            if let Some(supplier) = reserved.as_mut() {
                let value = supplier(term, offset, frame_length as usize);
                term.put_i64(offset + RESERVED_VALUE_OFFSET, value);
            }
            frame_length_ordered(term, offset, frame_length);
            flags = 0;
            offset += align_i32(frame_length) as usize;
            remaining -= bytes_to_write;
            if remaining <= 0 {
                break;
            }
        }
    }

    /// Writes and commits a PAD frame of `length` bytes at `frame_offset` (the rest of a term, an aborted
    /// claim, or explicit padding).
    #[inline]
    pub(crate) fn write_padding(&self, term: &AtomicBuffer, frame_offset: usize, length: i32, term_id: i32) {
        self.header_writer.write(term, frame_offset, length, term_id);
        set_frame_type(term, frame_offset, HDR_TYPE_PAD);
        frame_length_ordered(term, frame_offset, length);
    }
}
