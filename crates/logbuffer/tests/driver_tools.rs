//! The driver's log tools: availability scan (sender), packet insert and gap scan/fill (receiver),
//! unblocking a dead publisher's claim, and cleaning.

extern crate fulmar_logbuffer as logbuffer;

mod common;

use std::sync::atomic::{AtomicI64, Ordering};

use common::{SESSION_ID, STREAM_ID, TERM_LENGTH, new_log, params};
use logbuffer::{
    ConcurrentPublicationWriter, ExclusivePublicationWriter, Header, ImageReader, LogBuffer, OfferError,
    UnblockStatus, clean_term_range, insert_packet, scan_block, scan_for_availability, scan_for_gap,
    try_fill_gap, unblock_log, unblock_term,
};

fn read_payloads(log: &LogBuffer, position: &AtomicI64) -> Vec<Vec<u8>> {
    let reader = ImageReader::new(log.clone());
    let mut seen = Vec::new();
    while reader.poll(position, &mut |m: &[u8], _: &Header| seen.push(m.to_vec()), 100) > 0 {}
    seen
}

#[test]
fn unblocks_a_claim_that_was_never_committed() {
    let log = new_log(&params(0));
    let writer = ConcurrentPublicationWriter::new(log.clone());
    writer.offer(i64::MAX, b"before").unwrap();
    let claim = writer.try_claim(i64::MAX, 100).unwrap();
    std::mem::forget(claim); // the publisher "dies" holding the claim: length stays negative
    writer.offer(i64::MAX, b"after").unwrap();
    let sub = AtomicI64::new(0);
    assert_eq!(read_payloads(&log, &sub), vec![b"before".to_vec()]);
    let blocked = sub.load(Ordering::Relaxed);
    assert_eq!(log.term(0).get_i32(blocked as usize), -132, "claimed, uncommitted");
    assert!(!unblock_log(&log, 0), "nothing blocked at a committed frame");
    assert!(unblock_log(&log, blocked));
    let term = log.term(0);
    assert_eq!(term.get_i32(blocked as usize), 132);
    assert_eq!(term.get_u16(blocked as usize + 6), 0, "now a PAD frame");
    assert_eq!(term.get_i32(blocked as usize + 8), blocked as i32);
    assert_eq!(term.get_i32(blocked as usize + 12), SESSION_ID);
    assert_eq!(term.get_i32(blocked as usize + 16), STREAM_ID);
    assert_eq!(read_payloads(&log, &sub), vec![b"after".to_vec()]);
    assert!(!unblock_log(&log, sub.load(Ordering::Relaxed)), "nothing left to unblock");
}

#[test]
fn unblocks_a_claim_whose_header_was_never_written() {
    let log = new_log(&params(0));
    let writer = ConcurrentPublicationWriter::new(log.clone());
    writer.offer(i64::MAX, b"one").unwrap();
    log.metadata().get_and_add_raw_tail(0, 96); // claimed, then died before writing anything
    writer.offer(i64::MAX, b"two").unwrap();
    let sub = AtomicI64::new(0);
    assert_eq!(read_payloads(&log, &sub), vec![b"one".to_vec()]);
    let blocked = sub.load(Ordering::Relaxed);
    assert_eq!(
        unblock_term(log.metadata(), log.term(0), blocked as i32, 64 + 96 + 64, 0),
        UnblockStatus::Unblocked
    );
    assert_eq!(log.term(0).get_i32(blocked as usize), 96, "padding up to the next frame");
    assert_eq!(read_payloads(&log, &sub), vec![b"two".to_vec()]);
}

#[test]
fn a_zero_slot_is_padded_up_to_the_next_non_zero_word() {
    let log = new_log(&params(0));
    let term = log.term(0);
    // Zero at 0, but a stray non-zero word at 32 followed by a frame at 64: scanning back finds it.
    term.put_i32(32, 5);
    term.put_i32(64, 64);
    assert_eq!(
        unblock_term(log.metadata(), term, 0, 128, 0),
        UnblockStatus::Unblocked,
        "pads up to offset 32"
    );
    assert_eq!(term.get_i32(0), 32);
    term.put_i32(96, 0);
    assert_eq!(unblock_term(log.metadata(), term, 64, 128, 0), UnblockStatus::NoAction, "committed frame");
}

#[test]
fn unblocking_to_the_term_end_rotates_the_log() {
    let log = new_log(&params(50));
    let writer = ConcurrentPublicationWriter::new(log.clone());
    writer.offer(i64::MAX, b"x").unwrap();
    // A claimer took the rest of the term and beyond, then died before padding and rotating.
    log.metadata().get_and_add_raw_tail(0, TERM_LENGTH as i64);
    assert_eq!(writer.offer(i64::MAX, b"stuck"), Err(OfferError::AdminAction));
    assert_eq!(log.metadata().active_term_count(), 1, "the next claim past the end rotates");
    writer.offer(i64::MAX, b"new term").unwrap();
    let sub = AtomicI64::new(0);
    assert_eq!(read_payloads(&log, &sub), vec![b"x".to_vec()]);
    assert_eq!(sub.load(Ordering::Relaxed), 64, "stuck at the never-written region");
    assert!(unblock_log(&log, 64));
    assert_eq!(log.term(0).get_i32(64), TERM_LENGTH - 64, "padded to the term end");
    assert!(read_payloads(&log, &sub).is_empty());
    assert_eq!(read_payloads(&log, &sub), vec![b"new term".to_vec()]);
    let log2 = new_log(&params(50));
    let writer2 = ConcurrentPublicationWriter::new(log2.clone());
    writer2.offer(i64::MAX, b"x").unwrap();
    log2.metadata().get_and_add_raw_tail(0, (TERM_LENGTH - 64) as i64); // tail exactly at the term end
    assert!(unblock_log(&log2, 64));
    assert_eq!(log2.term(0).get_i32(64), TERM_LENGTH - 64);
    assert_eq!(log2.metadata().active_term_count(), 1, "rotated");
    assert_eq!(log2.metadata().raw_tail_volatile(1), 51i64 << 32);
    assert_eq!(writer2.offer(i64::MAX, b"next term"), Ok(TERM_LENGTH as i64 + 64));
}

#[test]
fn unblocking_at_the_start_of_the_next_term_completes_a_rotation() {
    let log = new_log(&params(0));
    let mut writer = ExclusivePublicationWriter::new(log.clone());
    while writer.position() < TERM_LENGTH as i64 {
        writer.offer(i64::MAX, &[0; 992]).unwrap(); // 1 KiB frames fill the term exactly
    }
    // The writer is exactly at the term end; the rotation has not happened yet.
    assert_eq!(log.metadata().active_term_count(), 0);
    assert!(unblock_log(&log, TERM_LENGTH as i64));
    assert_eq!(log.metadata().active_term_count(), 1);
    assert_eq!(log.metadata().raw_tail_volatile(1), 1i64 << 32);
}

#[test]
fn availability_scan_collects_whole_frames_up_to_the_limit() {
    let log = new_log(&params(0).starting_at(0, TERM_LENGTH - 1024));
    let mut writer = ExclusivePublicationWriter::new(log.clone());
    let start = TERM_LENGTH - 1024;
    for _ in 0..3 {
        writer.offer(i64::MAX, &[1; 100]).unwrap(); // 160-byte frames
    }
    let term = log.term(0);
    assert_eq!(scan_for_availability(term, start, 1408), (480, 0));
    assert_eq!(scan_for_availability(term, start, 400), (320, 0), "stops before a frame over the limit");
    assert_eq!(scan_for_availability(term, start, 100), (-160, 0), "the first frame alone is over the limit");
    assert_eq!(scan_for_availability(term, start + 480, 1408), (0, 0), "nothing committed yet");
    assert_eq!(writer.offer(i64::MAX, &[1; 1000]), Err(OfferError::AdminAction)); // pads 544 bytes
    assert_eq!(
        scan_for_availability(term, start, 1408),
        (480 + 32, 544 - 32),
        "PAD: header only, rest skipped"
    );
    assert_eq!(scan_for_availability(term, start + 480, 1408), (32, 512));
    assert_eq!(scan_for_availability(term, 17, 1408), (0, 0), "unaligned offset");
    assert_eq!(scan_for_availability(term, TERM_LENGTH, 1408), (0, 0), "offset at the term end");
}

#[test]
fn block_scan_stops_at_padding_and_the_limit() {
    let log = new_log(&params(0));
    let mut writer = ExclusivePublicationWriter::new(log.clone());
    writer.offer(i64::MAX, &[1; 32]).unwrap(); // 64
    writer.append_padding(i64::MAX, 64).unwrap(); // 96
    writer.offer(i64::MAX, &[1; 32]).unwrap(); // 64
    let term = log.term(0);
    assert_eq!(scan_block(term, 0, 1024), 64, "padding ends a block");
    assert_eq!(scan_block(term, 64, 1024), 160, "leading padding alone");
    assert_eq!(scan_block(term, 160, 1024), 224);
    assert_eq!(scan_block(term, 160, 200), 160, "a frame over the limit is left out");
    assert_eq!(scan_block(term, 224, 1024), 224);
}

#[test]
fn receiver_rebuild_gap_scan_and_gap_fill() {
    // A sender log produces datagrams; the receiver inserts some of them out of order.
    let sender = new_log(&params(9));
    let mut writer = ExclusivePublicationWriter::new(sender.clone());
    let mut frames = Vec::new();
    for i in 0..6u8 {
        let start = writer.position() as usize;
        let end = writer.offer(i64::MAX, &vec![i; 40 + i as usize * 30]).unwrap() as usize;
        let mut datagram = vec![0u8; end - start];
        sender.term(0).get_bytes(start, &mut datagram);
        frames.push((start as i32, datagram));
    }
    let receiver = new_log(&params(9));
    let term = receiver.term(0);
    for i in [0usize, 1, 4, 5] {
        insert_packet(term, frames[i].0, &frames[i].1);
    }
    let hwm = frames[5].0 + frames[5].1.len() as i32;
    let mut gaps = Vec::new();
    let rebuild =
        scan_for_gap(term, 9, 0, hwm, |term_id, offset, length| gaps.push((term_id, offset, length)));
    let gap_start = frames[2].0;
    let gap_end = frames[4].0;
    assert_eq!(rebuild, gap_start);
    assert_eq!(gaps, vec![(9, gap_start, gap_end - gap_start)]);

    // Data already present is never overwritten.
    insert_packet(term, frames[0].0, &frames[5].1);
    assert_eq!(term.get_u8(frames[0].0 as usize + 32), 0);

    // Retransmits arrive; the gap closes.
    insert_packet(term, frames[3].0, &frames[3].1);
    insert_packet(term, frames[2].0, &frames[2].1);
    let mut gaps = Vec::new();
    assert_eq!(scan_for_gap(term, 9, rebuild, hwm, |a, b, c| gaps.push((a, b, c))), hwm);
    assert!(gaps.is_empty());
    let sub = AtomicI64::new(0);
    let payloads = read_payloads(&receiver, &sub);
    assert_eq!(payloads.len(), 6);
    assert_eq!(payloads[3], vec![3u8; 130]);

    // Unreliable streams pad the gap instead.
    let receiver = new_log(&params(9));
    let term = receiver.term(0);
    insert_packet(term, frames[0].0, &frames[0].1);
    insert_packet(term, frames[3].0, &frames[3].1);
    let gap_length = frames[3].0 - frames[1].0;
    assert!(try_fill_gap(receiver.metadata(), term, 9, frames[1].0, gap_length));
    assert!(!try_fill_gap(receiver.metadata(), term, 9, frames[1].0, gap_length), "no longer empty");
    let sub = AtomicI64::new(0);
    assert_eq!(read_payloads(&receiver, &sub), vec![vec![0u8; 40], vec![3u8; 130]]);
}

#[test]
fn cleaning_zeroes_the_range_and_stops_at_the_term_end() {
    let log = new_log(&params(0));
    let term = log.term(1);
    term.set_memory(0, TERM_LENGTH as usize, 0xAB);
    clean_term_range(term, 64, 128);
    assert_eq!(term.get_u8(63), 0xAB);
    assert!((64..192).all(|i| term.get_u8(i) == 0));
    assert_eq!(term.get_u8(192), 0xAB);
    let next = logbuffer::clean_buffer_to(&log, TERM_LENGTH as i64 + 4096, 5 * TERM_LENGTH as i64);
    assert_eq!(next, 2 * TERM_LENGTH as i64, "one term at a time");
    assert!((4096..TERM_LENGTH as usize).all(|i| term.get_u8(i) == 0));
    assert_eq!(term.get_u8(4095), 0xAB);
    assert_eq!(logbuffer::clean_buffer_to(&log, next, next - 64), next, "never backwards");
}
