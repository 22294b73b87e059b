//! The reassembly buffer behind [`crate::FragmentAssembler`] and [`crate::ImageFragmentAssembler`]
//! (Aeron's `BufferBuilder`).
//!
//! Invariants: it holds the fragments of at most one message, in order; `next_term_offset` is the term
//! offset the next fragment must have (`None` when no message is in progress); its capacity only grows,
//! so once it has grown to the largest message no further allocation happens; it never holds more than
//! [`MAX_MESSAGE_LENGTH`] bytes (a longer run of fragments cannot be a valid message and is dropped).

use crate::frame_descriptor::{
    FLAGS_OFFSET, FRAME_LENGTH_OFFSET, HEADER_LENGTH, HEADER_LENGTH_USIZE, MAX_MESSAGE_LENGTH,
};
use crate::header::Header;
use crate::log_buffer_descriptor::compute_fragmented_frame_length;

#[derive(Debug)]
pub(crate) struct BufferBuilder {
    buffer: Vec<u8>,
    header: [u8; HEADER_LENGTH_USIZE],
    first_frame_length: i32,
    initial_term_id: i32,
    position_bits_to_shift: u32,
    next_term_offset: Option<i32>,
}

impl BufferBuilder {
    pub(crate) fn new(initial_capacity: usize) -> Self {
        Self {
            buffer: Vec::with_capacity(initial_capacity),
            header: [0; HEADER_LENGTH_USIZE],
            first_frame_length: 0,
            initial_term_id: 0,
            position_bits_to_shift: 0,
            next_term_offset: None,
        }
    }

    /// Drops any message in progress (keeps the capacity).
    #[inline]
    pub(crate) fn reset(&mut self) {
        self.buffer.clear();
        self.next_term_offset = None;
    }

    /// Starts a message with its B fragment.
    pub(crate) fn begin(&mut self, fragment: &[u8], header: &Header) {
        self.reset();
        self.header.copy_from_slice(header.bytes());
        self.first_frame_length = header.frame_length();
        self.initial_term_id = header.initial_term_id();
        self.position_bits_to_shift = header.position_bits_to_shift();
        if self.append(fragment) {
            self.next_term_offset = Some(header.next_term_offset());
        }
    }

    /// Feeds a middle or E fragment. Returns true when the message is complete (E seen); then
    /// [`BufferBuilder::deliver`] must be called.
    pub(crate) fn continue_with(&mut self, fragment: &[u8], header: &Header) -> bool {
        if self.next_term_offset != Some(header.term_offset()) || !self.append(fragment) {
            self.reset();
            return false;
        }
        if header.flags() & crate::frame_descriptor::END_FRAG_FLAG != 0 {
            self.header[FLAGS_OFFSET] |= header.flags();
            return true;
        }
        self.next_term_offset = Some(header.next_term_offset());
        false
    }

    /// Hands the completed message to `handler` with a header built from the first and last fragments,
    /// then resets.
    pub(crate) fn deliver(&mut self, handler: &mut impl FnMut(&[u8], &Header)) {
        let length = self.buffer.len() as i32;
        let frame_length = HEADER_LENGTH + length;
        self.header[FRAME_LENGTH_OFFSET..FRAME_LENGTH_OFFSET + 4]
            .copy_from_slice(&frame_length.to_le_bytes());
        let fragmented_frame_length =
            compute_fragmented_frame_length(length, self.first_frame_length - HEADER_LENGTH);
        let header = Header::new(&self.header, self.initial_term_id, self.position_bits_to_shift)
            .with_fragmented_frame_length(fragmented_frame_length);
        handler(&self.buffer, &header);
        self.reset();
    }

    fn append(&mut self, fragment: &[u8]) -> bool {
        if self.buffer.len() + fragment.len() > MAX_MESSAGE_LENGTH as usize {
            return false;
        }
        self.buffer.extend_from_slice(fragment);
        true
    }
}
