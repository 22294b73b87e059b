//! Publication writers and the image reader end to end on 64 KiB logs: rotations, fragmentation,
//! claims, back pressure, late joiners, controlled/bounded/block polls, term-id wrap-around.

extern crate fulmar_logbuffer as logbuffer;

mod common;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicI64, Ordering};

use common::{
    Conductor, MTU, Rng, SESSION_ID, STREAM_ID, TERM_LENGTH, check_message, fill_message, new_log, params,
};
use logbuffer::{
    ConcurrentPublicationWriter, ControlledPollAction, ExclusivePublicationWriter, Header,
    ImageFragmentAssembler, ImageReader, LogBuffer, OfferError, PositionCell, compute_position,
    max_possible_position,
};

const MAX_PAYLOAD: usize = (MTU - 32) as usize;
const MAX_MESSAGE: usize = (TERM_LENGTH / 8) as usize;

/// Anything that offers like a publication.
trait Offer {
    fn offer_message(&mut self, limit: i64, payload: &[u8]) -> Result<i64, OfferError>;
}

impl Offer for ExclusivePublicationWriter {
    fn offer_message(&mut self, limit: i64, payload: &[u8]) -> Result<i64, OfferError> {
        self.offer(limit, payload)
    }
}

impl Offer for ConcurrentPublicationWriter {
    fn offer_message(&mut self, limit: i64, payload: &[u8]) -> Result<i64, OfferError> {
        self.offer(limit, payload)
    }
}

/// Pushes `count` random-sized messages through the log with a reader that polls only when the writer
/// is back-pressured, and the conductor cleaning behind it. Checks order, content and positions.
fn run_through_log(
    writer: &mut impl Offer,
    log: &LogBuffer,
    count: u32,
    seed: u64,
    max_length: usize,
) -> (i64, u64) {
    let conductor = Conductor::new(log.clone());
    let reader = ImageReader::new(log.clone());
    let mut assembler = ImageFragmentAssembler::new(64);
    let mut rng = Rng::new(seed);
    let mut message = Vec::new();
    let mut expected_positions = VecDeque::new();
    let mut next_expected = 0u32;
    let mut admin_actions = 0u64;
    let mut sequence = 0u32;
    while next_expected < count {
        if sequence < count {
            let length = rng.range(8, max_length);
            fill_message(&mut message, 7, sequence, length);
            loop {
                match writer.offer_message(conductor.limit(), &message) {
                    Ok(position) => {
                        expected_positions.push_back((sequence, length, position));
                        sequence += 1;
                        break;
                    }
                    Err(OfferError::AdminAction) => admin_actions += 1,
                    Err(OfferError::BackPressured) => break,
                    Err(other) => panic!("unexpected offer outcome {other:?}"),
                }
            }
            if expected_positions.len() < 64 && sequence < count && rng.range(0, 3) != 0 {
                continue;
            }
        }
        reader.poll(
            &conductor.subscriber_position,
            &mut |fragment: &[u8], header: &Header| {
                assembler.on_fragment(fragment, header, &mut |msg: &[u8], header: &Header| {
                    let (publisher, received) = check_message(msg);
                    assert_eq!(publisher, 7);
                    let (sequence, length, position) =
                        expected_positions.pop_front().expect("an expected message");
                    assert_eq!(received, sequence, "messages out of order or lost");
                    assert_eq!(msg.len(), length);
                    assert_eq!(header.position(), position, "header position after message {sequence}");
                    assert_eq!(header.session_id(), SESSION_ID);
                    assert_eq!(header.stream_id(), STREAM_ID);
                    next_expected += 1;
                });
            },
            rng.range(1, 20),
        );
        conductor.duty_cycle();
    }
    assert!(expected_positions.is_empty());
    (conductor.subscriber_position.load(Ordering::Relaxed), admin_actions)
}

#[test]
fn exclusive_writer_survives_many_rotations_with_random_sizes_and_cleaning() {
    let log = new_log(&params(5));
    let mut writer = ExclusivePublicationWriter::new(log.clone());
    let (final_position, admin_actions) = run_through_log(&mut writer, &log, 10_000, 42, MAX_MESSAGE);
    assert_eq!(final_position, writer.position());
    let rotations = log.metadata().active_term_count();
    assert!(rotations > 100, "expected many rotations, saw {rotations}");
    assert_eq!(admin_actions, rotations as u64, "one AdminAction per rotation for an exclusive writer");
    // Everything two terms behind the reader has been zeroed.
    let dirty_partition = logbuffer::index_by_position(final_position - 2 * TERM_LENGTH as i64, 16);
    let term = log.term(dirty_partition);
    assert!(
        (0..TERM_LENGTH as usize).step_by(32).all(|offset| term.get_i32(offset) == 0),
        "cleaned term is zero"
    );
}

#[test]
fn concurrent_writer_survives_many_rotations_with_random_sizes_and_cleaning() {
    let log = new_log(&params(-77));
    let mut writer = ConcurrentPublicationWriter::new(log.clone());
    let (final_position, _) = run_through_log(&mut writer, &log, 10_000, 7, MAX_MESSAGE);
    assert_eq!(final_position, writer.position());
    assert!(log.metadata().active_term_count() > 100);
}

#[test]
fn small_messages_fill_terms_exactly_and_rotate() {
    // 32-byte messages make 64-byte frames: a term holds exactly 1024 of them, with no padding.
    let log = new_log(&params(0));
    let mut writer = ExclusivePublicationWriter::new(log.clone());
    let (final_position, admin_actions) = run_through_log(&mut writer, &log, 5_000, 3, 8);
    assert!(final_position > 4 * TERM_LENGTH as i64);
    assert!(admin_actions >= 4);
}

#[test]
fn term_id_wraps_around_i32_max_without_breaking_positions() {
    let log = new_log(&params(i32::MAX - 2));
    let mut writer = ExclusivePublicationWriter::new(log.clone());
    let (final_position, _) = run_through_log(&mut writer, &log, 2_000, 99, 2048);
    let term_count = log.metadata().active_term_count();
    assert!(term_count >= 4, "must cross the wrap, term count {term_count}");
    assert!(writer.term_id() < 0, "term id wrapped to {}", writer.term_id());
    assert_eq!(
        compute_position(writer.term_id(), writer.term_offset(), 16, i32::MAX - 2),
        final_position,
        "position from a wrapped term id"
    );
}

#[test]
fn hello_frame_is_byte_exact_with_the_reference_example() {
    let log = new_log(&params(7));
    let mut writer = ExclusivePublicationWriter::new(log.clone());
    assert_eq!(writer.offer(i64::MAX, b"hello"), Ok(64));
    let mut expected =
        vec![0x25, 0, 0, 0, 0, 0xC0, 0x01, 0x00, 0, 0, 0, 0, 0xE9, 0x03, 0, 0, 0x64, 0, 0, 0, 7, 0, 0, 0];
    expected.extend_from_slice(&[0; 8]);
    expected.extend_from_slice(b"hello");
    expected.extend_from_slice(&[0; 27]);
    let mut actual = vec![0u8; 64];
    log.term(0).get_bytes(0, &mut actual);
    assert_eq!(actual, expected);
    assert_eq!(log.metadata().raw_tail_volatile(0), (7i64 << 32) | 64);
}

#[test]
fn end_of_term_padding_frame_is_byte_exact() {
    let log = new_log(&params(7).starting_at(7, TERM_LENGTH - 64));
    let mut writer = ExclusivePublicationWriter::new(log.clone());
    assert_eq!(writer.offer(i64::MAX, &[1u8; 100]), Err(OfferError::AdminAction));
    let term = log.term(0);
    let pad = (TERM_LENGTH - 64) as usize;
    assert_eq!(term.get_i32(pad), 64, "pad frame length covers the rest of the term");
    assert_eq!(term.get_u8(pad + 4), 0);
    assert_eq!(term.get_u8(pad + 5), 0xC0);
    assert_eq!(term.get_u16(pad + 6), 0, "PAD type");
    assert_eq!(term.get_i32(pad + 8), TERM_LENGTH - 64);
    assert_eq!(term.get_i32(pad + 12), SESSION_ID);
    assert_eq!(term.get_i32(pad + 16), STREAM_ID);
    assert_eq!(term.get_i32(pad + 20), 7);
    assert_eq!(log.metadata().active_term_count(), 1);
    assert_eq!(log.metadata().raw_tail_volatile(1), 8i64 << 32);
    assert_eq!(writer.offer(i64::MAX, &[1u8; 100]), Ok(TERM_LENGTH as i64 + 160));
}

/// Collects every frame header (flags, frame length, term offset) and the reassembled messages.
/// (flags, frame length, term offset) of each frame.
type Frames = Vec<(u8, i32, i32)>;
/// (message, position after it) of each reassembled message.
type Messages = Vec<(Vec<u8>, i64)>;

fn read_all(reader: &ImageReader, position: &AtomicI64) -> (Frames, Messages) {
    let mut frames = Vec::new();
    let mut messages = Vec::new();
    let mut assembler = ImageFragmentAssembler::new(0);
    while reader.poll(
        position,
        &mut |fragment: &[u8], header: &Header| {
            frames.push((header.flags(), header.frame_length(), header.term_offset()));
            assembler.on_fragment(fragment, header, &mut |msg: &[u8], header: &Header| {
                messages.push((msg.to_vec(), header.position()))
            });
        },
        100,
    ) > 0
    {}
    (frames, messages)
}

#[test]
fn fragmentation_splits_into_b_middle_e_frames_and_reassembles_up_to_max_message_length() {
    for length in [0, 1, MAX_PAYLOAD - 1, MAX_PAYLOAD, MAX_PAYLOAD + 1, 2 * MAX_PAYLOAD, 5000, MAX_MESSAGE] {
        let log = new_log(&params(3));
        let mut writer = ExclusivePublicationWriter::new(log.clone());
        let payload: Vec<u8> = (0..length).map(|i| (i * 7 + length) as u8).collect();
        let position = writer.offer(i64::MAX, &payload).expect("fits");
        let expected_frames = if length <= MAX_PAYLOAD { 1 } else { length.div_ceil(MAX_PAYLOAD) };
        let reader = ImageReader::new(log.clone());
        let sub = AtomicI64::new(0);
        let (frames, messages) = read_all(&reader, &sub);
        assert_eq!(frames.len(), expected_frames, "frames for length {length}");
        if expected_frames == 1 {
            assert_eq!(frames[0].0, 0xC0);
        } else {
            assert_eq!(frames[0].0, 0x80, "B on the first fragment");
            assert!(frames[1..expected_frames - 1].iter().all(|f| f.0 == 0), "no flags in the middle");
            assert_eq!(frames[expected_frames - 1].0, 0x40, "E on the last fragment");
            let mut offset = 0;
            for (i, frame) in frames.iter().enumerate() {
                assert_eq!(frame.2, offset, "fragments are consecutive");
                let payload_length =
                    if i + 1 < expected_frames { MAX_PAYLOAD } else { length - i * MAX_PAYLOAD };
                assert_eq!(frame.1 as usize, payload_length + 32);
                offset += (frame.1 + 31) & !31;
            }
        }
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].0, payload, "payload of length {length}");
        assert_eq!(messages[0].1, position, "reassembled header position is the offer result");
        assert_eq!(sub.load(Ordering::Relaxed), position);
    }
}

#[test]
#[should_panic(expected = "exceeds max message length")]
fn offering_more_than_the_max_message_length_is_misuse() {
    let log = new_log(&params(0));
    let mut writer = ExclusivePublicationWriter::new(log);
    let _ = writer.offer(i64::MAX, &vec![0u8; MAX_MESSAGE + 1]);
}

#[test]
fn a_fragmented_message_that_does_not_fit_pads_the_term_and_goes_whole_into_the_next() {
    let log = new_log(&params(0).starting_at(0, TERM_LENGTH - 4096));
    let writer = ConcurrentPublicationWriter::new(log.clone());
    let payload = vec![9u8; MAX_MESSAGE];
    assert_eq!(writer.offer(i64::MAX, &payload), Err(OfferError::AdminAction));
    let position = writer.offer(i64::MAX, &payload).expect("fits the new term");
    assert!(position > TERM_LENGTH as i64 && position < 2 * TERM_LENGTH as i64);
    let reader = ImageReader::new(log.clone());
    let sub = AtomicI64::new(TERM_LENGTH as i64 - 4096);
    let (_, messages) = read_all(&reader, &sub);
    assert!(messages.is_empty(), "first poll only skips the padding");
    assert_eq!(sub.load(Ordering::Relaxed), TERM_LENGTH as i64);
    let (frames, messages) = read_all(&reader, &sub);
    assert!(frames.iter().all(|f| f.2 < 12_000), "the message starts at the new term's beginning");
    assert_eq!(messages, vec![(payload, position)]);
}

#[test]
fn a_reader_joining_late_at_the_producer_position_sees_only_later_messages() {
    let log = new_log(&params(11));
    let mut writer = ExclusivePublicationWriter::new(log.clone());
    for i in 0..50u8 {
        writer.offer(i64::MAX, &[i; 100]).unwrap();
    }
    let join_position = log.producer_position();
    assert_eq!(join_position, writer.position());
    let sub = AtomicI64::new(join_position);
    let reader = ImageReader::new(log.clone());
    assert_eq!(reader.poll(&sub, &mut |_: &[u8], _: &Header| panic!("nothing new yet"), 10), 0);
    writer.offer(i64::MAX, b"late").unwrap();
    let mut seen = Vec::new();
    assert_eq!(reader.poll(&sub, &mut |m: &[u8], _: &Header| seen.push(m.to_vec()), 10), 1);
    assert_eq!(seen, vec![b"late".to_vec()]);
}

fn write_numbered(count: u8) -> (LogBuffer, Vec<i64>) {
    let log = new_log(&params(0));
    let mut writer = ExclusivePublicationWriter::new(log.clone());
    let positions = (0..count).map(|i| writer.offer(i64::MAX, &[i; 40]).unwrap()).collect();
    (log, positions)
}

#[test]
fn controlled_poll_abort_break_commit_continue() {
    let (log, positions) = write_numbered(5);
    let reader = ImageReader::new(log);
    let sub = AtomicI64::new(0);

    // Abort on the first fragment: nothing consumed.
    let read = reader.controlled_poll(&sub, &mut |_: &[u8], _: &Header| ControlledPollAction::Abort, 10);
    assert_eq!((read, sub.load(Ordering::Relaxed)), (0, 0));

    // Continue twice, abort the third: two consumed, the third is delivered again next time.
    let mut calls = 0;
    let read = reader.controlled_poll(
        &sub,
        &mut |m: &[u8], _: &Header| {
            calls += 1;
            assert_eq!(sub.load(Ordering::Relaxed), 0, "Continue stores the position only at the end");
            if m[0] == 2 { ControlledPollAction::Abort } else { ControlledPollAction::Continue }
        },
        10,
    );
    assert_eq!((read, calls, sub.load(Ordering::Relaxed)), (2, 3, positions[1]));

    // Break after the first: one consumed.
    let mut first = None;
    let read = reader.controlled_poll(
        &sub,
        &mut |m: &[u8], _: &Header| {
            first = Some(m[0]);
            ControlledPollAction::Break
        },
        10,
    );
    assert_eq!((read, first, sub.load(Ordering::Relaxed)), (1, Some(2), positions[2]));

    // Commit stores the position before the next fragment is handed over.
    let mut observed = Vec::new();
    let read = reader.controlled_poll(
        &sub,
        &mut |_: &[u8], header: &Header| {
            observed.push(sub.load(Ordering::Relaxed));
            assert_eq!(header.position(), positions[observed.len() + 2]);
            ControlledPollAction::Commit
        },
        10,
    );
    assert_eq!(read, 2);
    assert_eq!(observed, vec![positions[2], positions[3]]);
    assert_eq!(sub.load(Ordering::Relaxed), positions[4]);
}

#[test]
fn bounded_polls_stop_at_the_limit_position() {
    let (log, positions) = write_numbered(5);
    let reader = ImageReader::new(log);
    let sub = AtomicI64::new(0);
    let mut seen = Vec::new();
    let read = reader.bounded_poll(&sub, &mut |m: &[u8], _: &Header| seen.push(m[0]), positions[1], 10);
    assert_eq!((read, seen.clone()), (2, vec![0, 1]));
    assert_eq!(sub.load(Ordering::Relaxed), positions[1]);
    assert_eq!(
        reader.bounded_poll(&sub, &mut |_: &[u8], _: &Header| panic!("at limit"), positions[1], 10),
        0
    );
    let read = reader.bounded_controlled_poll(
        &sub,
        &mut |m: &[u8], _: &Header| {
            seen.push(m[0]);
            ControlledPollAction::Continue
        },
        positions[3],
        1,
    );
    assert_eq!(read, 1, "fragment limit applies too");
    assert_eq!(seen, vec![0, 1, 2]);
    assert_eq!(sub.load(Ordering::Relaxed), positions[2]);
}

#[test]
fn fragment_limit_and_one_term_per_poll() {
    let log = new_log(&params(0).starting_at(0, TERM_LENGTH - 128));
    let mut writer = ExclusivePublicationWriter::new(log.clone());
    writer.offer(i64::MAX, &[1; 32]).unwrap(); // 64-byte frames: the two fill the term exactly
    writer.offer(i64::MAX, &[2; 32]).unwrap();
    assert_eq!(writer.offer(i64::MAX, &[3; 32]), Err(OfferError::AdminAction));
    writer.offer(i64::MAX, &[3; 32]).unwrap();
    let reader = ImageReader::new(log);
    let sub = AtomicI64::new(TERM_LENGTH as i64 - 128);
    assert_eq!(reader.poll(&sub, &mut |_: &[u8], _: &Header| {}, 1), 1);
    assert_eq!(reader.poll(&sub, &mut |_: &[u8], _: &Header| {}, 10), 1, "stops at the term end");
    assert_eq!(sub.load(Ordering::Relaxed), TERM_LENGTH as i64);
    assert_eq!(reader.poll(&sub, &mut |m: &[u8], _: &Header| assert_eq!(m[0], 3), 10), 1);
}

#[test]
fn block_poll_delivers_whole_frames_within_the_limit_and_padding_alone() {
    let log = new_log(&params(4).starting_at(4, TERM_LENGTH - 256));
    let mut writer = ExclusivePublicationWriter::new(log.clone());
    for i in 0..3u8 {
        writer.offer(i64::MAX, &[i; 20]).unwrap(); // 64-byte frames
    }
    assert_eq!(writer.offer(i64::MAX, &[9; 100]), Err(OfferError::AdminAction)); // pads the last 64 bytes
    let reader = ImageReader::new(log.clone());
    let sub = AtomicI64::new(TERM_LENGTH as i64 - 256);
    let mut blocks = Vec::new();
    let consumed = reader.block_poll(
        &sub,
        &mut |block: &[u8], session, term_id| blocks.push((block.len(), session, term_id)),
        150,
    );
    assert_eq!(consumed, 128, "two whole 64-byte frames fit 150 bytes");
    assert_eq!(blocks, vec![(128, SESSION_ID, 4)]);
    let consumed = reader.block_poll(&sub, &mut |block: &[u8], _, _| assert_eq!(block[32], 2), 1024);
    assert_eq!(consumed, 64, "the padding ends the block");
    let consumed = reader.block_poll(
        &sub,
        &mut |block: &[u8], _, _| assert_eq!(u16::from_le_bytes([block[6], block[7]]), 0),
        16,
    );
    assert_eq!(consumed, 64, "a leading pad is delivered alone, whatever the limit");
    assert_eq!(sub.load(Ordering::Relaxed), TERM_LENGTH as i64);
    assert_eq!(reader.block_poll(&sub, &mut |_: &[u8], _, _| panic!("nothing committed"), 1024), 0);
}

#[test]
fn try_claim_commit_abort_and_drop() {
    let log = new_log(&params(0));
    let mut writer = ExclusivePublicationWriter::new(log.clone());
    let mut claim = writer.try_claim(i64::MAX, 16).unwrap();
    claim.payload_mut().copy_from_slice(b"claimed-payload!");
    claim.put_reserved_value(-12345);
    assert_eq!(claim.position(), 64);
    claim.commit();
    writer.try_claim(i64::MAX, 100).unwrap().abort();
    drop(writer.try_claim(i64::MAX, 50).unwrap());
    let mut claim = writer.try_claim(i64::MAX, 4).unwrap();
    claim.put_bytes(b"last");
    claim.commit();
    assert_eq!(writer.position(), 64 + 160 + 96 + 64);

    let concurrent = ConcurrentPublicationWriter::new(log.clone());
    drop(concurrent.try_claim(i64::MAX, 1).unwrap());
    let mut claim = concurrent.try_claim(i64::MAX, 3).unwrap();
    claim.payload_mut().copy_from_slice(b"end");
    claim.commit();

    let reader = ImageReader::new(log.clone());
    let sub = AtomicI64::new(0);
    let mut seen = Vec::new();
    reader.poll(&sub, &mut |m: &[u8], h: &Header| seen.push((m.to_vec(), h.reserved_value())), 100);
    assert_eq!(
        seen,
        vec![(b"claimed-payload!".to_vec(), -12345), (b"last".to_vec(), 0), (b"end".to_vec(), 0)],
        "aborted and dropped claims are skipped as padding"
    );
    assert_eq!(sub.load(Ordering::Relaxed), log.producer_position());
}

#[test]
#[should_panic(expected = "claim exceeds max payload length")]
fn claims_never_fragment() {
    let log = new_log(&params(0));
    let mut writer = ExclusivePublicationWriter::new(log);
    let _ = writer.try_claim(i64::MAX, MAX_PAYLOAD + 1);
}

#[test]
fn back_pressure_against_a_slow_reader_then_recovery() {
    for concurrent in [false, true] {
        let log = new_log(&params(0));
        let conductor = Conductor::new(log.clone());
        let mut exclusive = ExclusivePublicationWriter::new(log.clone());
        let shared = ConcurrentPublicationWriter::new(log.clone());
        let mut offer = |limit: i64, payload: &[u8]| {
            if concurrent { shared.offer(limit, payload) } else { exclusive.offer(limit, payload) }
        };
        let mut sent = 0;
        let outcome = loop {
            match offer(conductor.limit(), &[5; 200]) {
                Ok(_) => sent += 1,
                Err(OfferError::AdminAction) => {}
                Err(other) => break other,
            }
        };
        assert_eq!(outcome, OfferError::BackPressured);
        assert!(log.producer_position() >= conductor.limit());
        assert!(log.producer_position() < conductor.limit() + 256, "overshoot at most one message");
        log.metadata().set_is_connected(false);
        assert_eq!(offer(conductor.limit(), &[5; 200]), Err(OfferError::NotConnected));
        log.metadata().set_is_connected(true);

        let reader = ImageReader::new(log.clone());
        let read = reader.poll(
            &conductor.subscriber_position,
            &mut |m: &[u8], _: &Header| assert_eq!(m, &[5; 200]),
            1000,
        );
        assert_eq!(read, sent);
        conductor.duty_cycle();
        assert!(offer(conductor.limit(), &[5; 200]).is_ok(), "recovers once the reader moves");
    }
}

#[test]
fn max_position_exceeded_at_the_end_of_the_last_term() {
    let initial_term_id: i32 = 1000;
    let last_term_id = initial_term_id.wrapping_add(i32::MAX);
    let max = max_possible_position(TERM_LENGTH);
    for concurrent in [false, true] {
        let log = new_log(&params(initial_term_id).starting_at(last_term_id, TERM_LENGTH - 256));
        assert_eq!(log.producer_position(), max - 256);
        let mut exclusive = ExclusivePublicationWriter::new(log.clone());
        let shared = ConcurrentPublicationWriter::new(log.clone());
        let mut offer = |payload: &[u8]| {
            if concurrent { shared.offer(i64::MAX, payload) } else { exclusive.offer(i64::MAX, payload) }
        };
        assert_eq!(offer(&[1; 100]), Ok(max - 256 + 160));
        assert_eq!(offer(&[1; 100]), Err(OfferError::MaxPositionExceeded));
        if concurrent {
            // The failed claim moved the shared tail past the term end: the stream is over.
            assert_eq!(offer(&[1; 10]), Err(OfferError::MaxPositionExceeded));
        } else {
            // As Aeron: the exclusive tail stays put, so a message that still fits goes in.
            assert_eq!(offer(&[1; 10]), Ok(max - 32));
            assert_eq!(offer(&[]), Ok(max));
            assert_eq!(offer(&[]), Err(OfferError::MaxPositionExceeded));
        }
    }
    // At the limit, a message that would reach the max position reports it instead of back pressure.
    let log = new_log(&params(initial_term_id).starting_at(last_term_id, TERM_LENGTH - 64));
    let mut writer = ExclusivePublicationWriter::new(log);
    assert_eq!(writer.offer(max - 64, &[0; 32]), Err(OfferError::MaxPositionExceeded));
    assert_eq!(writer.offer(max - 64, &[0; 0]), Err(OfferError::NotConnected));
}

#[test]
fn vectored_offers_concatenate_parts_across_fragments() {
    let log = new_log(&params(0));
    let mut exclusive = ExclusivePublicationWriter::new(log.clone());
    let concurrent = ConcurrentPublicationWriter::new(log.clone());
    let a: Vec<u8> = (0..1000).map(|i| i as u8).collect();
    let b: Vec<u8> = (0..3000).map(|i| (i * 3) as u8).collect();
    let c = b"tail".to_vec();
    let whole: Vec<u8> = [a.clone(), b.clone(), c.clone()].concat();
    exclusive.offer_vectored(i64::MAX, &[&a, &b, &c]).unwrap();
    concurrent.offer_vectored(i64::MAX, &[&a[..10], &[], &c]).unwrap();
    concurrent.offer_vectored(i64::MAX, &[&a, &b, &c]).unwrap();
    let reader = ImageReader::new(log.clone());
    let sub = AtomicI64::new(0);
    let (_, messages) = read_all(&reader, &sub);
    let bodies: Vec<Vec<u8>> = messages.into_iter().map(|m| m.0).collect();
    assert_eq!(bodies, vec![whole.clone(), [&a[..10], &c[..]].concat(), whole]);
}

#[test]
fn reserved_value_supplier_sees_each_frame_and_sets_its_reserved_value() {
    let log = new_log(&params(0));
    let mut writer = ExclusivePublicationWriter::new(log.clone());
    let mut calls = Vec::new();
    writer
        .offer_with_reserved_value(i64::MAX, &[1; 3000], &mut |term, offset, length| {
            calls.push((offset, length));
            assert_eq!(term.get_i32(offset), -(length as i32), "frame still uncommitted");
            (offset * 10) as i64
        })
        .unwrap();
    assert_eq!(
        calls,
        vec![
            (0, MTU as usize),
            (MTU as usize, MTU as usize),
            (2 * MTU as usize, 3000 - 2 * MAX_PAYLOAD + 32)
        ]
    );
    let concurrent = ConcurrentPublicationWriter::new(log.clone());
    concurrent.offer_with_reserved_value(i64::MAX, b"x", &mut |_, _, _| 77).unwrap();
    let reader = ImageReader::new(log);
    let sub = AtomicI64::new(0);
    let mut reserved = Vec::new();
    reader.poll(&sub, &mut |_: &[u8], h: &Header| reserved.push(h.reserved_value()), 10);
    assert_eq!(reserved, vec![0, 14080, 28160, 77]);
}

#[test]
fn offer_block_copies_formatted_frames_and_append_padding_is_skipped() {
    let source = new_log(&params(9));
    let mut source_writer = ExclusivePublicationWriter::new(source.clone());
    for i in 0..4u8 {
        source_writer.offer(i64::MAX, &vec![i; 100 + i as usize]).unwrap();
    }
    let block_length = source_writer.position() as usize;
    let mut block = vec![0u8; block_length];
    source.term(0).get_bytes(0, &mut block);

    let target = new_log(&params(9));
    let mut writer = ExclusivePublicationWriter::new(target.clone());
    assert_eq!(writer.offer_block(i64::MAX, &block), Ok(block_length as i64));
    assert_eq!(writer.append_padding(i64::MAX, 1000), Ok(block_length as i64 + 1056));
    writer.offer(i64::MAX, b"after").unwrap();
    let mut copy = vec![0u8; block_length];
    target.term(0).get_bytes(0, &mut copy);
    assert_eq!(copy, block, "byte-identical");
    let reader = ImageReader::new(target);
    let sub = AtomicI64::new(0);
    let mut seen = Vec::new();
    reader.poll(&sub, &mut |m: &[u8], _: &Header| seen.push((m[0], m.len())), 100);
    assert_eq!(seen, vec![(0, 100), (1, 101), (2, 102), (3, 103), (b'a', 5)]);
}

#[test]
#[should_panic(expected = "improperly formatted block")]
fn offer_block_rejects_a_block_for_another_position() {
    let source = new_log(&params(9));
    let mut source_writer = ExclusivePublicationWriter::new(source.clone());
    source_writer.offer(i64::MAX, &[0; 32]).unwrap();
    source_writer.offer(i64::MAX, &[0; 32]).unwrap();
    let mut block = vec![0u8; 64];
    source.term(0).get_bytes(64, &mut block); // term offset 64, but the target is at 0
    let target = new_log(&params(9));
    let _ = ExclusivePublicationWriter::new(target).offer_block(i64::MAX, &block);
}

#[test]
fn exclusive_writer_resumes_at_the_logs_tail() {
    let log = new_log(&params(0).starting_at(3, 4096));
    let mut writer = ExclusivePublicationWriter::new(log.clone());
    assert_eq!(writer.position(), 3 * TERM_LENGTH as i64 + 4096);
    writer.offer(i64::MAX, &[0; 100]).unwrap();
    let resumed = ExclusivePublicationWriter::new(log.clone());
    assert_eq!(resumed.position(), writer.position());
    assert_eq!(resumed.term_id(), 3);
    let sub = AtomicI64::new(3 * TERM_LENGTH as i64 + 4096);
    let reader = ImageReader::new(log);
    assert_eq!(reader.poll(&sub, &mut |m: &[u8], _: &Header| assert_eq!(m.len(), 100), 10), 1);
}

#[test]
fn position_cell_is_implemented_for_atomic_counter() {
    let values = agrona::AtomicBuffer::heap(256);
    let counter = agrona::AtomicCounter::new(values, 1);
    let log = new_log(&params(0));
    let mut writer = ExclusivePublicationWriter::new(log.clone());
    let end = writer.offer(i64::MAX, b"counted").unwrap();
    let reader = ImageReader::new(log);
    assert_eq!(reader.poll(&counter, &mut |_: &[u8], _: &Header| {}, 10), 1);
    assert_eq!(PositionCell::get(&counter), end);
    assert!(!reader.is_end_of_stream(&counter));
}

/// Every fragment of the log as (header bytes, payload).
fn raw_fragments(log: &LogBuffer) -> Vec<([u8; 32], Vec<u8>)> {
    let reader = ImageReader::new(log.clone());
    let sub = AtomicI64::new(0);
    let mut fragments = Vec::new();
    reader.poll(
        &sub,
        &mut |payload: &[u8], header: &Header| fragments.push((*header.bytes(), payload.to_vec())),
        100,
    );
    fragments
}

#[test]
fn fragment_assembler_keeps_sessions_apart_and_drops_broken_messages() {
    let logs: Vec<LogBuffer> = [1, 2]
        .iter()
        .map(|&session| new_log(&logbuffer::LogParams::new(TERM_LENGTH, MTU, 0, session, STREAM_ID)))
        .collect();
    let messages: Vec<Vec<u8>> = (0..2).map(|i| (0..3000).map(|b| (b + i * 100) as u8).collect()).collect();
    for (log, message) in logs.iter().zip(&messages) {
        ExclusivePublicationWriter::new(log.clone()).offer(i64::MAX, message).unwrap();
    }
    let a = raw_fragments(&logs[0]);
    let b = raw_fragments(&logs[1]);
    assert_eq!((a.len(), b.len()), (3, 3));

    let mut assembler = logbuffer::FragmentAssembler::new(0);
    let mut delivered = Vec::new();
    let mut feed = |assembler: &mut logbuffer::FragmentAssembler, fragment: &([u8; 32], Vec<u8>)| {
        let header = Header::new(&fragment.0, 0, 16);
        assembler.on_fragment(&fragment.1, &header, &mut |message: &[u8], header: &Header| {
            delivered.push((header.session_id(), message.to_vec(), header.position(), header.flags()))
        });
    };
    for i in 0..3 {
        feed(&mut assembler, &a[i]);
        feed(&mut assembler, &b[i]);
    }
    feed(&mut assembler, &a[0]);
    feed(&mut assembler, &a[2]); // the middle fragment is missing: dropped
    feed(&mut assembler, &a[1]); // not after a B: ignored
    assert!(assembler.free_session_buffer(1));
    assert!(!assembler.free_session_buffer(7));
    let end = logs[0].producer_position();
    assert_eq!(
        delivered,
        vec![(1, messages[0].clone(), end, 0xC0), (2, messages[1].clone(), end, 0xC0)],
        "interleaved sessions reassemble separately; the broken message is never delivered"
    );
}

#[test]
fn shared_types_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<LogBuffer>();
    send_sync::<logbuffer::LogMetadata>();
    send_sync::<ConcurrentPublicationWriter>();
    send_sync::<ImageReader>();
    send::<ExclusivePublicationWriter>();
    send::<logbuffer::BufferClaim<'static>>();
    send::<logbuffer::FragmentAssembler>();
}
