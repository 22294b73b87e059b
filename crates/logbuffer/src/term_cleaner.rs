//! Zeroing terms behind the slowest consumer so they can be reused (reference §2.6; the driver's
//! `cleanBufferTo`).
//!
//! Invariants: a range is zeroed from its ninth byte on first, and its first 8 bytes (the length word of
//! the frame at its start) last with a release store, so a writer that later claims the slot never has
//! its header overwritten by a late zero; cleaning never crosses a term boundary in one step.

use agrona::AtomicBuffer;

use crate::log_buffer::LogBuffer;
use crate::log_buffer_descriptor::index_by_position;

/// Zeroes `length` bytes of `term` from `term_offset`, the first 8 bytes last with release.
///
/// # Panics
/// If the range is outside the term, or `term_offset` is not 8-byte aligned (frame offsets always are).
pub fn clean_term_range(term: &AtomicBuffer, term_offset: usize, length: usize) {
    if length < 8 {
        term.set_memory(term_offset, length, 0);
        return;
    }
    term.set_memory(term_offset + 8, length - 8, 0);
    term.put_i64_ordered(term_offset, 0);
}

/// Cleans `log` from `clean_position` towards `target_position`, at most to the end of the term holding
/// `clean_position` (call again to go further); returns the new clean position. The driver calls this with
/// `target_position = slowest_consumer_position - term_length`, so a term is zeroed only once every
/// consumer is a whole term past it.
pub fn clean_buffer_to(log: &LogBuffer, clean_position: i64, target_position: i64) -> i64 {
    if target_position <= clean_position {
        return clean_position;
    }
    let term_length = log.term_length() as i64;
    let term = log.term(index_by_position(clean_position, log.position_bits_to_shift()));
    let term_offset = clean_position & (term_length - 1);
    let length = (target_position - clean_position).min(term_length - term_offset);
    clean_term_range(term, term_offset as usize, length as usize);
    clean_position + length
}
