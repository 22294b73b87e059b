//! Inserting a received datagram into an image's term (Aeron's `TermRebuilder.insert`, reference §1.11).
//!
//! Invariants: data already present is never overwritten (the slot's length word must still be 0); the
//! bytes after the first 32 go first, then header words 24, 16 and 8, and the first 8 bytes
//! (length/version/flags/type) last with release, so a reader sees the frame only once it is complete.

use agrona::AtomicBuffer;

use crate::frame_descriptor::{HEADER_LENGTH_USIZE, is_valid_frame_offset};

/// Copies `packet` (one or more whole frames, already validated by the receiver) into `term` at
/// `term_offset`, but only if nothing has been written there yet. Does nothing if the packet is shorter
/// than a frame header or would not fit the term at that offset.
pub fn insert_packet(term: &AtomicBuffer, term_offset: i32, packet: &[u8]) {
    let capacity = term.capacity();
    if packet.len() < HEADER_LENGTH_USIZE
        || !is_valid_frame_offset(term_offset as i64, capacity)
        || !term.address().is_multiple_of(8)
        || packet.len() > capacity - term_offset as usize
    {
        return;
    }
    let offset = term_offset as usize;
    if term.get_i32(offset) != 0 {
        return;
    }
    term.put_bytes(offset + HEADER_LENGTH_USIZE, &packet[HEADER_LENGTH_USIZE..]);
    term.put_i64(offset + 24, word(packet, 24));
    term.put_i64(offset + 16, word(packet, 16));
    term.put_i64(offset + 8, word(packet, 8));
    term.put_i64_ordered(offset, word(packet, 0));
}

#[inline]
fn word(packet: &[u8], offset: usize) -> i64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&packet[offset..offset + 8]);
    i64::from_le_bytes(bytes)
}
