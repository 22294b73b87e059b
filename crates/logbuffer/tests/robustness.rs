//! Whatever bytes a term holds (a crashed or hostile process, a fuzzer), the reader and every scanner
//! must neither panic nor read out of bounds. CI runs these proptests in place of fuzzing.

extern crate fulmar_logbuffer as logbuffer;

mod common;

use std::sync::atomic::AtomicI64;

use agrona::AtomicBuffer;
use common::{new_log, params};
use logbuffer::term_reader::{read, read_controlled};
use logbuffer::{
    ControlledPollAction, FragmentAssembler, Header, ImageFragmentAssembler, ImageReader, LogBuffer,
    insert_packet, scan_block, scan_for_availability, scan_for_gap, try_fill_gap, unblock_log, unblock_term,
};
use proptest::prelude::*;

/// One piece of a synthetic term.
#[derive(Debug, Clone)]
enum Piece {
    Data { payload_length: u16, flags: u8 },
    Pad { length: i32 },
    Uncommitted { length: i32 },
    Empty,
    Garbage { length_word: i32, frame_type: u16 },
}

fn piece() -> impl Strategy<Value = Piece> {
    prop_oneof![
        4 => (0u16..3000, any::<u8>()).prop_map(|(payload_length, flags)| Piece::Data { payload_length, flags }),
        1 => prop_oneof![any::<i32>(), 0i32..70_000].prop_map(|length| Piece::Pad { length }),
        1 => (1i32..5000).prop_map(|length| Piece::Uncommitted { length: -length }),
        1 => Just(Piece::Empty),
        1 => (any::<i32>(), prop_oneof![Just(0u16), Just(1u16), any::<u16>()])
            .prop_map(|(length_word, frame_type)| Piece::Garbage { length_word, frame_type }),
    ]
}

/// Lays the pieces out from offset 0 at frame-aligned offsets (frames may overlap the next piece when
/// their length word lies).
fn build_term(term: &AtomicBuffer, pieces: &[Piece], fill: u8) {
    let capacity = term.capacity();
    term.set_memory(0, capacity, fill);
    let mut offset = 0usize;
    for piece in pieces {
        if offset + 32 > capacity {
            break;
        }
        let (length_word, frame_type, advance) = match *piece {
            Piece::Data { payload_length, flags } => {
                term.put_u8(offset + 5, flags);
                (32 + payload_length as i32, 1u16, (32 + payload_length as usize + 31) & !31)
            }
            Piece::Pad { length } => (length, 0, 32),
            Piece::Uncommitted { length } => (length, 1, ((-length) as usize + 31) & !31),
            Piece::Empty => (0, 0, 32),
            Piece::Garbage { length_word, frame_type } => (length_word, frame_type, 32),
        };
        term.put_i32(offset, length_word);
        term.put_u16(offset + 6, frame_type);
        term.put_i32(offset + 8, offset as i32);
        offset += advance.max(32);
    }
}

/// Runs every reader and scanner over `term` from `offset` with `limit`, checking results stay in bounds.
fn exercise(term: &AtomicBuffer, offset: i32, limit: i32, seed: u8) {
    let capacity = term.capacity() as i64;
    let mut delivered = 0usize;
    let outcome = read(term, offset, usize::MAX, 3, 16, &mut |payload: &[u8], header: &Header| {
        delivered += 1;
        assert_eq!(payload.len() as i32 + 32, header.frame_length());
        let _ = (header.position(), header.reserved_value(), header.next_term_offset());
    });
    assert_eq!(outcome.fragments_read, delivered);
    assert!(outcome.offset == offset || (outcome.offset >= 0 && outcome.offset as i64 <= capacity));

    let mut count = 0u32;
    let outcome = read_controlled(
        term,
        offset,
        limit,
        1000,
        0,
        20,
        &mut |_: &[u8], _: &Header| {
            count += 1;
            match (count + seed as u32) % 7 {
                0 => ControlledPollAction::Abort,
                1 => ControlledPollAction::Break,
                2 => ControlledPollAction::Commit,
                _ => ControlledPollAction::Continue,
            }
        },
        &mut |commit_offset| assert!(commit_offset as i64 <= capacity),
    );
    assert!(outcome.offset == offset || (outcome.offset >= 0 && outcome.offset as i64 <= capacity));

    let mut assembler = FragmentAssembler::new(0);
    let mut image_assembler = ImageFragmentAssembler::new(16);
    read(term, offset, 1000, 0, 16, &mut |payload: &[u8], header: &Header| {
        assembler.on_fragment(payload, header, &mut |message: &[u8], header: &Header| {
            let _ = (message.len(), header.position());
        });
        image_assembler.on_fragment(payload, header, &mut |message: &[u8], header: &Header| {
            let _ = (message.len(), header.position());
        });
    });

    let end = scan_block(term, offset, limit);
    assert!(end == offset || (end >= offset && end as i64 <= capacity));

    let (available, padding) = scan_for_availability(term, offset, limit);
    assert!(available.unsigned_abs() as i64 <= capacity && padding >= 0);
    if available > 0 {
        assert!(
            offset as i64 + available as i64 + padding as i64 <= capacity,
            "sender would skip past the term"
        );
    }

    let mut gaps = 0;
    let rebuild = scan_for_gap(term, 5, offset, limit, |term_id, gap_offset, gap_length| {
        gaps += 1;
        assert_eq!(term_id, 5);
        assert!(gap_offset >= 0 && gap_length > 0 && gap_offset as i64 + gap_length as i64 <= capacity + 32);
    });
    assert!(gaps <= 1);
    assert!(rebuild == offset || (rebuild >= 0 && rebuild as i64 <= capacity));
}

fn heap_term(capacity: usize) -> AtomicBuffer {
    AtomicBuffer::heap(capacity)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_break_the_scanners(
        bytes in proptest::collection::vec(any::<u8>(), 0..9000),
        offsets in proptest::collection::vec(any::<i32>(), 1..8),
        limits in proptest::collection::vec(prop_oneof![any::<i32>(), 0i32..10_000], 1..8),
    ) {
        let term = heap_term(bytes.len());
        term.put_bytes(0, &bytes);
        for (i, &offset) in offsets.iter().enumerate() {
            let aligned = (offset & !31).rem_euclid(bytes.len().max(1) as i32 + 64);
            for start in [offset, aligned, 0] {
                exercise(&term, start, limits[i % limits.len()], i as u8);
            }
        }
    }

    #[test]
    fn synthetic_terms_never_break_the_scanners(
        pieces in proptest::collection::vec(piece(), 0..120),
        capacity in prop_oneof![Just(65536usize), 32usize..70_000],
        fill in prop_oneof![Just(0u8), any::<u8>()],
        starts in proptest::collection::vec(0i32..70_000, 1..6),
        limits in proptest::collection::vec(prop_oneof![Just(i32::MAX), 0i32..70_000], 1..6),
    ) {
        let term = heap_term(capacity);
        build_term(&term, &pieces, fill);
        exercise(&term, 0, i32::MAX, 0);
        for (i, &start) in starts.iter().enumerate() {
            exercise(&term, start & !31, limits[i % limits.len()], i as u8);
        }
    }

    #[test]
    fn driver_writes_on_foreign_terms_never_panic(
        pieces in proptest::collection::vec(piece(), 0..60),
        packet in proptest::collection::vec(any::<u8>(), 0..2000),
        offsets in proptest::collection::vec(any::<i32>(), 1..6),
        lengths in proptest::collection::vec(any::<i32>(), 1..6),
    ) {
        let log = new_log(&params(0));
        let term = log.term(0);
        build_term(term, &pieces, 0);
        for (i, &offset) in offsets.iter().enumerate() {
            let aligned = (offset & !31).rem_euclid(70_000);
            for start in [offset, aligned] {
                let length = lengths[i % lengths.len()];
                let _ = unblock_term(log.metadata(), term, start, length, 1);
                let _ = try_fill_gap(log.metadata(), term, 1, start, length);
                insert_packet(term, start, &packet);
                exercise(term, start, length, i as u8);
            }
        }
    }

    #[test]
    fn image_reader_on_a_corrupt_log_never_panics(
        pieces in proptest::collection::vec(piece(), 0..120),
        tails in proptest::collection::vec(any::<i64>(), 3),
        term_count in any::<i32>(),
        positions in proptest::collection::vec(prop_oneof![0i64..(1 << 20), any::<i64>()], 1..6),
    ) {
        let log = new_log(&params(0));
        for (partition, &tail) in tails.iter().enumerate() {
            build_term(log.term(partition), &pieces, 0);
            log.metadata().set_raw_tail(partition, tail);
        }
        log.metadata().set_active_term_count(term_count);
        let wrapped = LogBuffer::wrap(log.buffer().clone()).expect("valid layout");
        let reader = ImageReader::new(wrapped.clone());
        let _ = wrapped.producer_position();
        for &position in &positions {
            let position = position & !31;
            let cell = AtomicI64::new(position);
            reader.poll(&cell, &mut |_: &[u8], h: &Header| { let _ = h.position(); }, 100);
            let cell = AtomicI64::new(position);
            reader.controlled_poll(&cell, &mut |_: &[u8], _: &Header| ControlledPollAction::Commit, 100);
            let cell = AtomicI64::new(position);
            reader.bounded_poll(&cell, &mut |_: &[u8], _: &Header| {}, position.wrapping_add(5000), 100);
            let cell = AtomicI64::new(position);
            reader.block_poll(&cell, &mut |block: &[u8], _, _| assert!(block.len() <= 65536), 4096);
            let _ = unblock_log(&wrapped, position);
        }
    }

    #[test]
    fn wrap_of_random_metadata_never_panics(
        metadata in proptest::collection::vec(any::<u8>(), 4096),
        term_length in prop_oneof![Just(65536i32), any::<i32>()],
        mtu in prop_oneof![Just(1408i32), any::<i32>()],
        page in prop_oneof![Just(4096i32), any::<i32>()],
    ) {
        let buffer = AtomicBuffer::heap(3 * 65536 + 4096);
        buffer.put_bytes(3 * 65536, &metadata);
        buffer.put_i32(3 * 65536 + 276, term_length);
        buffer.put_i32(3 * 65536 + 272, mtu);
        buffer.put_i32(3 * 65536 + 280, page);
        if let Ok(log) = LogBuffer::wrap(buffer) {
            let _ = log.producer_position();
            let reader = ImageReader::new(log.clone());
            let cell = AtomicI64::new(0);
            reader.poll(&cell, &mut |_: &[u8], _: &Header| {}, 10);
        }
    }
}
