//! Fuzz target: reading a term full of arbitrary bytes (a crashed or hostile writer) must never panic or
//! read out of bounds, whatever the start offset, limit and handler actions; reassembly of what is read
//! must not panic either.
//!
//! Input: bytes 0..4 start offset (i32 LE), 4..8 limit offset (i32 LE), 8 handler action seed, then the
//! term bytes (any length).
#![no_main]

use agrona::AtomicBuffer;
use libfuzzer_sys::fuzz_target;
use logbuffer::term_reader::{read, read_controlled};
use logbuffer::{ControlledPollAction, FragmentAssembler, Header, ImageFragmentAssembler};

fuzz_target!(|data: &[u8]| {
    if data.len() < 9 {
        return;
    }
    let offset = i32::from_le_bytes([data[0], data[1], data[2], data[3]]);
    let limit = i32::from_le_bytes([data[4], data[5], data[6], data[7]]);
    let seed = data[8];
    let bytes = &data[9..];
    let term = AtomicBuffer::heap(bytes.len());
    term.put_bytes(0, bytes);
    let capacity = bytes.len() as i64;

    for start in [offset, offset & !31, 0] {
        let mut assembler = FragmentAssembler::new(0);
        let mut image_assembler = ImageFragmentAssembler::new(0);
        let outcome =
            read(&term, start, usize::MAX, seed as i32, 16, &mut |payload: &[u8], header: &Header| {
                assert_eq!(payload.len() as i32 + 32, header.frame_length());
                let _ = header.position();
                assembler.on_fragment(payload, header, &mut |message: &[u8], header: &Header| {
                    let _ = (message.len(), header.position());
                });
                image_assembler.on_fragment(payload, header, &mut |message: &[u8], header: &Header| {
                    let _ = (message.len(), header.position());
                });
            });
        assert!(outcome.offset == start || (outcome.offset >= 0 && outcome.offset as i64 <= capacity));

        let mut count = seed as u32;
        let outcome = read_controlled(
            &term,
            start,
            limit,
            64,
            0,
            20,
            &mut |_: &[u8], _: &Header| {
                count = count.wrapping_mul(31).wrapping_add(7);
                match count % 4 {
                    0 => ControlledPollAction::Abort,
                    1 => ControlledPollAction::Break,
                    2 => ControlledPollAction::Commit,
                    _ => ControlledPollAction::Continue,
                }
            },
            &mut |commit_offset: i32| assert!(commit_offset as i64 <= capacity),
        );
        assert!(outcome.offset == start || (outcome.offset >= 0 && outcome.offset as i64 <= capacity));
    }
});
