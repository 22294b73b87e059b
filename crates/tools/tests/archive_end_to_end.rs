//! The real `AeronArchive` client against the real `ArchiveConductor`, in-process and single-threaded on a
//! `ManualClock`: the driver is stepped through the clients' `driver_agent_invoker`, the archive conductor
//! and the client conductor through the archive client's agent invoker. Connect, record an IPC stream
//! across terms, stop, list, replay byte-identical, query the stop position, truncate, close.
//!
//! (Lives in the `fulmar` package because it is the crate depending on both `fulmar-archive` and
//! `fulmar-archive-client`.)

#![allow(clippy::disallowed_methods)]

use std::sync::{Arc, Mutex};

use agrona::{Agent, HeapMemoryStore, ManualClock, NanoClock};
use archive::{ArchiveConductor, ArchiveContext, MemoryArchiveStorage};
use archive_client::{AeronArchive, ArchiveClientContext, NULL_POSITION};
use client::{Aeron, Context, Header, OfferError};
use driver::{DriverConductor, DriverContext};
use protocol::archive::SourceLocation;

const START_NS: i64 = 1_000_000_000_000;
const STEP_NS: i64 = 1_000_000;
const RECORDED_CHANNEL: &str = "aeron:ipc?term-length=64k";
const RECORDED_STREAM: i32 = 1001;
const REPLAY_STREAM: i32 = 2001;

fn client_context(
    store: &HeapMemoryStore,
    clock: &ManualClock,
    driver: &Arc<Mutex<DriverConductor>>,
) -> Context {
    let driver = Arc::clone(driver);
    let step_clock = clock.clone();
    Context::new(Arc::new(store.clone()), Arc::new(clock.clone()), Arc::new(clock.clone()))
        .driver_timeout_ns(2_000_000_000)
        .resource_linger_ns(10_000_000)
        .driver_agent_invoker(Box::new(move |_now_ns| {
            step_clock.advance_ns(STEP_NS);
            driver.lock().unwrap().do_work(step_clock.nano_time()).unwrap_or(0)
        }))
}

fn payload(sequence: u32) -> Vec<u8> {
    let length = 100 + (sequence as usize * 37) % 900;
    let mut bytes = vec![0u8; length];
    bytes[0..4].copy_from_slice(&sequence.to_le_bytes());
    for (i, byte) in bytes.iter_mut().enumerate().skip(4) {
        *byte = (i as u32).wrapping_mul(13).wrapping_add(sequence) as u8;
    }
    bytes
}

#[test]
fn record_list_replay_truncate_through_the_archive_client() {
    let clock = ManualClock::new(START_NS);
    let store = HeapMemoryStore::new();
    let driver_ctx = DriverContext::test_min()
        .with_memory_store(Arc::new(store.clone()))
        .with_epoch_clock(Arc::new(clock.clone()));
    let driver = Arc::new(Mutex::new(DriverConductor::new(driver_ctx).expect("driver starts")));
    let archive_aeron = Aeron::connect(client_context(&store, &clock, &driver)).expect("archive's client");
    let mut archive_ctx =
        ArchiveContext::new(MemoryArchiveStorage::new(), archive_aeron, Arc::new(clock.clone()));
    archive_ctx.segment_file_length = 64 * 1024;
    archive_ctx.archive_id = 77;
    let archive =
        Arc::new(Mutex::new(ArchiveConductor::new(archive_ctx, clock.nano_time()).expect("archive")));
    let aeron = Aeron::connect(client_context(&store, &clock, &driver)).expect("test client");

    // One step of everything but the client's own blocking call.
    let step = {
        let (clock, driver, archive, aeron) = (clock.clone(), driver.clone(), archive.clone(), aeron.clone());
        move || -> usize {
            clock.advance_ns(STEP_NS);
            let now_ns = clock.nano_time();
            let mut work = driver.lock().unwrap().do_work(now_ns).unwrap_or(0);
            work += archive.lock().unwrap().do_work(now_ns).expect("archive runs");
            work + aeron.conductor_do_work(now_ns)
        }
    };
    let invoker_step = step.clone();
    let ctx = ArchiveClientContext::new(Arc::new(clock.clone()))
        .agent_invoker(Box::new(move |_now_ns| invoker_step()))
        .client_name("end-to-end");
    let mut archive_client = AeronArchive::connect(&aeron, ctx).expect("connects to the archive");
    assert_eq!(archive_client.archive_id(), 77);

    archive_client
        .start_recording(RECORDED_CHANNEL, RECORDED_STREAM, SourceLocation::Local, false)
        .expect("start recording");
    let mut publication = aeron.add_exclusive_publication(RECORDED_CHANNEL, RECORDED_STREAM).unwrap();
    let count = 400u32;
    let mut end = 0;
    for sequence in 0..count {
        let message = payload(sequence);
        let mut accepted = false;
        for _ in 0..2_000 {
            match publication.offer(&message) {
                Ok(position) => {
                    end = position;
                    accepted = true;
                    break;
                }
                Err(OfferError::BackPressured | OfferError::NotConnected | OfferError::AdminAction) => {
                    step();
                }
                Err(other) => panic!("offer failed: {other}"),
            }
        }
        assert!(accepted, "message {sequence} not accepted");
    }
    assert!(end > 3 * 64 * 1024, "several terms: {end}");

    let mut recording_id = -1;
    let mut listed = 0;
    for _ in 0..5_000 {
        archive_client
            .list_recordings(0, 10, &mut |descriptor| {
                recording_id = descriptor.recording_id;
                listed += 1;
            })
            .expect("list");
        if archive_client.get_recording_position(recording_id.max(0)).expect("position") >= end {
            break;
        }
        step();
    }
    assert_eq!(listed.min(1), 1, "the recording is listed");
    assert_eq!(recording_id, 0);
    assert_eq!(archive_client.get_stop_position(recording_id).unwrap(), NULL_POSITION, "still recording");
    archive_client.stop_recording(RECORDED_CHANNEL, RECORDED_STREAM).expect("stop recording");
    let mut stop = NULL_POSITION;
    for _ in 0..1_000 {
        stop = archive_client.get_stop_position(recording_id).unwrap();
        if stop != NULL_POSITION {
            break;
        }
        step();
    }
    assert_eq!(stop, end, "stopped at the end of the published stream");

    let mut descriptors = Vec::new();
    archive_client
        .list_recordings(0, 10, &mut |d| {
            descriptors.push((d.recording_id, d.start_position, d.stop_position, d.stream_id))
        })
        .unwrap();
    assert_eq!(descriptors, vec![(0, 0, end, RECORDED_STREAM)]);

    let mut replay = archive_client.replay(recording_id, 0, end, "aeron:ipc", REPLAY_STREAM).expect("replay");
    let mut received: Vec<Vec<u8>> = Vec::new();
    let mut last_position = 0;
    for _ in 0..20_000 {
        replay.poll(
            &mut |bytes: &[u8], header: &Header| {
                received.push(bytes.to_vec());
                last_position = header.position();
            },
            100,
        );
        if last_position >= end {
            break;
        }
        step();
    }
    assert_eq!(received.len(), count as usize);
    for (sequence, bytes) in received.iter().enumerate() {
        assert!(*bytes == payload(sequence as u32), "replayed message {sequence} differs");
    }
    replay.close();

    // Truncate at the end of message 9 (a frame boundary).
    let cut: i64 = (0..10).map(|s| agrona::align(32 + payload(s).len(), 32) as i64).sum();
    archive_client.truncate_recording(recording_id, cut).expect("truncate");
    assert_eq!(archive_client.get_stop_position(recording_id).unwrap(), cut);
    assert!(archive_client.truncate_recording(recording_id, end).is_err(), "past the new stop is refused");
    archive_client.close();
    assert!(archive_client.is_closed());
    assert_eq!(archive.lock().unwrap().error_count(), 0, "{:?}", archive.lock().unwrap().errors());
}
