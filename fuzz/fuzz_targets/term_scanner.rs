//! Fuzz target: the sender's availability scan, the block scanner, the gap scanner, the unblocker, the
//! gap filler and packet insertion must never panic or go out of bounds on a term of arbitrary bytes.
//!
//! Input: bytes 0..4 offset (i32 LE), 4..8 limit (i32 LE), 8..10 packet length (u16 LE), then the term
//! bytes (any length); the packet is taken from the end of the input.
#![no_main]

use agrona::AtomicBuffer;
use libfuzzer_sys::fuzz_target;
use logbuffer::{
    LogMetadata, insert_packet, scan_block, scan_for_availability, scan_for_gap, try_fill_gap, unblock_term,
};

fuzz_target!(|data: &[u8]| {
    if data.len() < 10 {
        return;
    }
    let offset = i32::from_le_bytes([data[0], data[1], data[2], data[3]]);
    let limit = i32::from_le_bytes([data[4], data[5], data[6], data[7]]);
    let packet_length = (u16::from_le_bytes([data[8], data[9]]) as usize).min(data.len() - 10);
    let bytes = &data[10..];
    let packet = &bytes[bytes.len() - packet_length..];
    let term = AtomicBuffer::heap(bytes.len());
    term.put_bytes(0, bytes);
    let capacity = bytes.len() as i64;
    let metadata = LogMetadata::new(AtomicBuffer::heap(4096)).expect("a valid metadata section");

    for start in [offset, offset & !31, 0] {
        let end = scan_block(&term, start, limit);
        assert!(end == start || (end >= start && end as i64 <= capacity));

        let (available, padding) = scan_for_availability(&term, start, limit);
        assert!(available.unsigned_abs() as i64 <= capacity && padding >= 0);
        if available > 0 {
            assert!(start as i64 + available as i64 + padding as i64 <= capacity);
        }

        let rebuild = scan_for_gap(&term, 1, start, limit, |_, gap_offset, gap_length| {
            assert!(gap_offset >= 0 && gap_length > 0);
        });
        assert!(rebuild == start || (rebuild >= 0 && rebuild as i64 <= capacity));

        let _ = unblock_term(&metadata, &term, start, limit, 1);
        let _ = try_fill_gap(&metadata, &term, 1, start, limit);
        insert_packet(&term, start, packet);
    }
});
