//! Archive-to-archive replication (reference §5.10): two archives, each with its own media driver, in one
//! process, single-threaded on a `ManualClock`, the drivers exchanging UDP over the simulated network.
//! Archive A (10.0.0.1) records an IPC stream; archive B (10.0.0.2) replicates it on request of an
//! `AeronArchive` client. Checked: byte-identical copies, following a live recording up to a stop
//! position, extending an existing destination recording, StopReplication, a bad source recording id,
//! and the source going away mid-replication. Every loop has a step bound.

#![allow(clippy::disallowed_methods)]

use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use agrona::{Agent, HeapMemoryStore, ManualClock, NanoClock, Prng};
use archive_client::{AeronArchive, ArchiveClientContext, ArchiveError, NULL_POSITION, ReplicationParams};
use client::{Aeron, Context, ExclusivePublication, OfferError};
use driver::{DriverContext, MediaDriver, ThreadingMode};
use fulmar_archive::{
    ArchiveConductor, ArchiveContext, ArchiveFile, ArchiveStorage, MemoryArchiveStorage, RecordingDescriptor,
    SegmentGeometry, segment_file_name,
};
use protocol::archive::{RecordingSignal, SourceLocation, archive_error_code};
use sim::{LinkConfig, SimNetwork};

const START_NS: i64 = 1_000_000_000_000;
const STEP_NS: i64 = 1_000_000;
const HOST_A: &str = "10.0.0.1";
const HOST_B: &str = "10.0.0.2";
const SRC_CONTROL_CHANNEL: &str = "aeron:udp?endpoint=10.0.0.1:8010";
const REPLICATION_CHANNEL: &str = "aeron:udp?endpoint=10.0.0.2:8030";
const RECORDED_CHANNEL: &str = "aeron:ipc?term-length=64k";
const RECORDED_STREAM: i32 = 1001;
const CONTROL_STREAM: i32 = 10;

type SharedAgent = Arc<Mutex<Box<dyn Agent>>>;
type SharedArchive = Arc<Mutex<ArchiveConductor<MemoryArchiveStorage>>>;

/// Everything that runs, stepped together.
struct World {
    clock: ManualClock,
    net: SimNetwork,
    drivers: Arc<Vec<SharedAgent>>,
    archives: Mutex<Vec<SharedArchive>>,
    clients: Mutex<Vec<Aeron>>,
}

impl World {
    fn step_drivers(drivers: &[SharedAgent], clock: &ManualClock) -> usize {
        clock.advance_ns(STEP_NS);
        let now_ns = clock.nano_time();
        drivers.iter().map(|driver| driver.lock().unwrap().do_work(now_ns).unwrap_or(0)).sum()
    }

    /// Moves the clock one step and runs every driver, archive and client conductor once.
    fn step(&self) -> usize {
        let mut work = Self::step_drivers(&self.drivers, &self.clock);
        let now_ns = self.clock.nano_time();
        let archives = self.archives.lock().unwrap().clone();
        for archive in archives {
            work += archive.lock().unwrap().do_work(now_ns).expect("archive runs");
        }
        let clients = self.clients.lock().unwrap().clone();
        for client in clients {
            work += client.conductor_do_work(now_ns);
        }
        work
    }

    fn client_context(&self, store: &HeapMemoryStore) -> Context {
        let drivers = Arc::clone(&self.drivers);
        let clock = self.clock.clone();
        Context::new(Arc::new(store.clone()), Arc::new(self.clock.clone()), Arc::new(self.clock.clone()))
            .driver_timeout_ns(5_000_000_000)
            .resource_linger_ns(10_000_000)
            .driver_agent_invoker(Box::new(move |_now_ns| Self::step_drivers(&drivers, &clock)))
    }
}

struct Node {
    storage: MemoryArchiveStorage,
    archive: SharedArchive,
    aeron: Aeron,
    archive_client: AeronArchive,
}

struct Pair {
    world: Arc<World>,
    a: Node,
    b: Node,
    next_session_id: i32,
}

impl Pair {
    fn new(seed: u64) -> Self {
        let clock = ManualClock::new(START_NS);
        let mut prng = Prng::from_seed(seed);
        let net = SimNetwork::new(clock.clone(), prng.fork());
        net.set_default_link(LinkConfig::with_latency_ns(100_000));
        let mut drivers = Vec::new();
        let mut stores = Vec::new();
        for (index, host) in [HOST_A, HOST_B].iter().enumerate() {
            let ip: IpAddr = host.parse().unwrap();
            let store = HeapMemoryStore::new();
            let ctx = DriverContext::test_min()
                .with_memory_store(Arc::new(store.clone()))
                .with_epoch_clock(Arc::new(clock.clone()))
                .with_transport_factory(Arc::new(net.for_host(ip)))
                .with_session_id_seed(seed.wrapping_add(index as u64 * 7919))
                .with_network_seed(prng.next_u64());
            let driver = MediaDriver::launch(ctx).expect("driver starts");
            let mut agents = driver.into_agents(ThreadingMode::Invoker);
            let agent: SharedAgent = Arc::new(Mutex::new(agents.pop().expect("one agent")));
            drivers.push(agent);
            stores.push(store);
        }
        let world = Arc::new(World {
            clock: clock.clone(),
            net,
            drivers: Arc::new(drivers),
            archives: Mutex::new(Vec::new()),
            clients: Mutex::new(Vec::new()),
        });
        let a = Self::node(&world, &stores[0], 1, |ctx| {
            ctx.udp_control_channel = Some(SRC_CONTROL_CHANNEL.to_string());
        });
        let b = Self::node(&world, &stores[1], 2, |ctx| {
            ctx.replication_channel = REPLICATION_CHANNEL.to_string();
            ctx.replication_response_channel = "aeron:udp?endpoint=10.0.0.2:8020".to_string();
        });
        Self { world, a, b, next_session_id: 0x5EED }
    }

    fn node(
        world: &Arc<World>,
        store: &HeapMemoryStore,
        archive_id: i64,
        configure: impl FnOnce(&mut ArchiveContext<MemoryArchiveStorage>),
    ) -> Node {
        let storage = MemoryArchiveStorage::new();
        let archive_aeron = Aeron::connect(world.client_context(store)).expect("archive's client");
        let mut ctx = ArchiveContext::new(storage.clone(), archive_aeron, Arc::new(world.clock.clone()));
        ctx.segment_file_length = 128 * 1024;
        ctx.archive_id = archive_id;
        configure(&mut ctx);
        let archive =
            Arc::new(Mutex::new(ArchiveConductor::new(ctx, world.clock.nano_time()).expect("archive")));
        world.archives.lock().unwrap().push(Arc::clone(&archive));
        let aeron = Aeron::connect(world.client_context(store)).expect("test client");
        world.clients.lock().unwrap().push(aeron.clone());
        let step_world = Arc::clone(world);
        let archive_ctx = ArchiveClientContext::new(Arc::new(world.clock.clone()))
            .agent_invoker(Box::new(move |_now_ns| step_world.step()));
        let archive_client = AeronArchive::connect(&aeron, archive_ctx).expect("connects to its archive");
        Node { storage, archive, aeron, archive_client }
    }

    fn step(&self) {
        self.world.step();
    }

    /// Starts recording the IPC stream on A; returns the publication and the recording id.
    fn start_source_recording(&mut self) -> (ExclusivePublication, i64) {
        self.a
            .archive_client
            .start_recording(RECORDED_CHANNEL, RECORDED_STREAM, SourceLocation::Local, false)
            .expect("start recording");
        let publication = self.a.aeron.add_exclusive_publication(RECORDED_CHANNEL, RECORDED_STREAM).unwrap();
        let mut recording_id = None;
        for _ in 0..2_000 {
            self.a
                .archive_client
                .list_recordings(0, 10, &mut |d| recording_id = Some(d.recording_id))
                .unwrap();
            if recording_id.is_some() {
                break;
            }
            self.step();
        }
        (publication, recording_id.expect("the recording started"))
    }

    /// Publishes messages `range` on A; returns the position after the last.
    fn publish(&self, publication: &mut ExclusivePublication, range: std::ops::Range<u32>) -> i64 {
        let mut end = publication.position();
        for sequence in range {
            let message = payload(sequence);
            let mut accepted = false;
            for _ in 0..5_000 {
                match publication.offer(&message) {
                    Ok(position) => {
                        end = position;
                        accepted = true;
                        break;
                    }
                    Err(OfferError::BackPressured | OfferError::NotConnected | OfferError::AdminAction) => {
                        self.step()
                    }
                    Err(other) => panic!("offer failed: {other}"),
                }
            }
            assert!(accepted, "message {sequence} not accepted");
        }
        end
    }

    /// Waits until A has recorded up to `position`.
    fn await_source_recorded(&mut self, recording_id: i64, position: i64) {
        for _ in 0..20_000 {
            if self.a.archive_client.get_recording_position(recording_id).unwrap() >= position {
                return;
            }
            self.step();
        }
        panic!("A did not record up to {position}");
    }

    /// Stops A's recording; returns its stop position.
    fn stop_source_recording(&mut self, recording_id: i64) -> i64 {
        self.a.archive_client.stop_recording(RECORDED_CHANNEL, RECORDED_STREAM).expect("stop recording");
        for _ in 0..2_000 {
            let stop = self.a.archive_client.get_stop_position(recording_id).unwrap();
            if stop != NULL_POSITION {
                return stop;
            }
            self.step();
        }
        panic!("A's recording did not stop");
    }

    /// Asks B to replicate. The replicated stream gets its own session id (as Cluster does): the driver
    /// refuses a replay publication that reuses the session id of A's still-open IPC publication on the
    /// same stream id (it checks session clashes across channels).
    fn replicate(&mut self, src_recording_id: i64, params: &ReplicationParams) -> i64 {
        let mut params = params.clone();
        if params.replication_session_id == -1 {
            self.next_session_id += 1;
            params.replication_session_id = self.next_session_id;
        }
        let params = &params;
        self.b
            .archive_client
            .replicate(src_recording_id, CONTROL_STREAM, SRC_CONTROL_CHANNEL, params)
            .expect("replicate accepted")
    }

    /// Polls B's signals for `replication_id` until REPLICATE_END (and STOP, when a recording ran), or an
    /// error; returns the signals and the error.
    fn await_replication_end(
        &mut self,
        replication_id: i64,
        max_steps: usize,
    ) -> (Vec<Signal>, Option<ArchiveError>) {
        let mut signals = Vec::new();
        let mut error = None;
        for _ in 0..max_steps {
            let result = self.b.archive_client.poll_for_recording_signals(&mut |signal| {
                if signal.correlation_id == replication_id {
                    signals.push(Signal {
                        recording_id: signal.recording_id,
                        position: signal.position,
                        signal: signal.signal,
                    });
                }
            });
            if let Err(failure) = result {
                error = Some(failure);
            }
            let ended = signals.iter().any(|s| s.signal == RecordingSignal::ReplicateEnd);
            let extended = signals.iter().any(|s| s.signal == RecordingSignal::Extend);
            let stopped = signals.iter().any(|s| s.signal == RecordingSignal::Stop);
            if ended && (!extended || stopped) {
                return (signals, error);
            }
            self.step();
        }
        panic!("replication {replication_id} did not end: {signals:?} {error:?}");
    }

    fn descriptor(archive: &SharedArchive, recording_id: i64) -> RecordingDescriptor {
        archive.lock().unwrap().catalog().descriptor(recording_id).expect("recording exists")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Signal {
    recording_id: i64,
    position: i64,
    signal: RecordingSignal,
}

fn kinds(signals: &[Signal]) -> Vec<RecordingSignal> {
    signals.iter().map(|s| s.signal).collect()
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

/// The position after publishing messages `0..count` from position 0 into 64 KiB terms (a frame that does
/// not fit the rest of a term goes to the next term, after a padding frame).
fn position_after(count: u32) -> i64 {
    let term_length = 64 * 1024i64;
    let mut position = 0i64;
    for sequence in 0..count {
        let length = agrona::align(32 + payload(sequence).len(), 32) as i64;
        let term_offset = position % term_length;
        if term_offset + length > term_length {
            position += term_length - term_offset;
        }
        position += length;
    }
    position
}

/// The stored bytes of a recording between two positions.
fn recorded_bytes(
    storage: &MemoryArchiveStorage,
    descriptor: &RecordingDescriptor,
    from: i64,
    to: i64,
) -> Vec<u8> {
    let geometry = SegmentGeometry::from_descriptor(descriptor).expect("geometry");
    let segment_length = i64::from(geometry.segment_length());
    let mut bytes = Vec::new();
    let mut position = from;
    while position < to {
        let base = geometry.segment_base(position);
        let offset = geometry.segment_offset(position);
        let length = (to - position).min(segment_length - offset);
        let file = storage.open(&segment_file_name(descriptor.recording_id, base)).expect("segment exists");
        let mut chunk = vec![0u8; length as usize];
        file.read_at_zero_filled(offset as u64, &mut chunk).expect("read");
        bytes.extend_from_slice(&chunk);
        position += length;
    }
    bytes
}

fn assert_same_bytes(pair: &Pair, src_id: i64, dst_id: i64, from: i64, to: i64) {
    let src = Pair::descriptor(&pair.a.archive, src_id);
    let dst = Pair::descriptor(&pair.b.archive, dst_id);
    let a = recorded_bytes(&pair.a.storage, &src, from, to);
    let b = recorded_bytes(&pair.b.storage, &dst, from, to);
    assert_eq!(a.len() as i64, to - from);
    assert_eq!(b.len(), a.len());
    // Frame by frame: identical but for the session id (the replicated stream has its own).
    let mut offset = 0usize;
    let mut frames = 0;
    while offset < a.len() {
        let frame_length = i32::from_le_bytes(a[offset..offset + 4].try_into().unwrap());
        assert!(frame_length > 0, "a frame at {}", from + offset as i64);
        let frame_type = u16::from_le_bytes(a[offset + 6..offset + 8].try_into().unwrap());
        let stored = if frame_type == 0 { 32 } else { frame_length as usize }; // PAD: header only
        let (fa, fb) = (&a[offset..offset + stored], &b[offset..offset + stored]);
        assert_eq!(fa[..12], fb[..12], "header of the frame at {}", from + offset as i64);
        assert_eq!(fa[16..], fb[16..], "frame at {}", from + offset as i64);
        offset += agrona::align(frame_length as usize, 32);
        frames += 1;
    }
    assert_eq!(offset, a.len(), "the range ends at a frame boundary");
    assert!(frames > 0);
}

fn no_errors(pair: &Pair) {
    for archive in [&pair.a.archive, &pair.b.archive] {
        let archive = archive.lock().unwrap();
        assert_eq!(archive.error_count(), 0, "{:?}", archive.errors());
    }
}

#[test]
fn replicates_a_stopped_recording_into_a_new_byte_identical_recording() {
    let mut pair = Pair::new(1);
    let (mut publication, src_id) = pair.start_source_recording();
    let end = pair.publish(&mut publication, 0..400);
    assert!(end > 3 * 64 * 1024, "several terms: {end}");
    pair.await_source_recorded(src_id, end);
    let stop = pair.stop_source_recording(src_id);
    assert_eq!(stop, end);

    let params = ReplicationParams::default();
    let replication_id = pair.replicate(src_id, &params);
    let (signals, error) = pair.await_replication_end(replication_id, 20_000);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(
        kinds(&signals),
        vec![
            RecordingSignal::Replicate,
            RecordingSignal::Extend,
            RecordingSignal::Sync,
            RecordingSignal::Stop,
            RecordingSignal::ReplicateEnd
        ]
    );
    let dst_id = signals[0].recording_id;
    assert_eq!(signals[0].position, 0, "REPLICATE at the source start");
    assert!(
        signals
            .iter()
            .filter(|s| s.signal != RecordingSignal::ReplicateEnd)
            .all(|s| s.recording_id == dst_id)
    );
    assert_eq!(signals[2].position, end, "SYNC at the source stop");
    assert_eq!(signals[3].position, end, "STOP at the source stop");

    let src = Pair::descriptor(&pair.a.archive, src_id);
    let dst = Pair::descriptor(&pair.b.archive, dst_id);
    assert_eq!((dst.start_position, dst.stop_position), (0, end));
    assert_eq!(
        (dst.initial_term_id, dst.term_buffer_length, dst.mtu_length, dst.stream_id, dst.segment_file_length),
        (src.initial_term_id, src.term_buffer_length, src.mtu_length, src.stream_id, src.segment_file_length)
    );
    assert_eq!(dst.original_channel, src.original_channel);
    assert_same_bytes(&pair, src_id, dst_id, 0, end);

    // B serves the copy: list it through B's own control session.
    let listed = pair.b.archive_client.list_recording(dst_id).unwrap().expect("B lists the copy");
    assert_eq!((listed.start_position, listed.stop_position), (0, end));
    assert_eq!(pair.b.archive.lock().unwrap().replication_session_count(), 0);
    // A replication that is already in sync: SYNC then REPLICATE_END, nothing recorded.
    let again = ReplicationParams { dst_recording_id: dst_id, ..ReplicationParams::default() };
    let replication_id = pair.replicate(src_id, &again);
    let (signals, error) = pair.await_replication_end(replication_id, 5_000);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(kinds(&signals), vec![RecordingSignal::Sync, RecordingSignal::ReplicateEnd]);
    no_errors(&pair);
}

#[test]
fn follows_a_live_recording_up_to_the_stop_position() {
    let mut pair = Pair::new(2);
    let (mut publication, src_id) = pair.start_source_recording();
    let first = pair.publish(&mut publication, 0..100);
    pair.await_source_recorded(src_id, first);
    // Stop at the end of message 299, which has not been published yet.
    let stop_position = position_after(300);
    assert!(stop_position > first);
    let params = ReplicationParams { stop_position, ..ReplicationParams::default() };
    let replication_id = pair.replicate(src_id, &params);
    for _ in 0..200 {
        pair.step();
    }
    let end = pair.publish(&mut publication, 100..400);
    assert!(end > stop_position);
    let (signals, error) = pair.await_replication_end(replication_id, 20_000);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(
        kinds(&signals),
        vec![
            RecordingSignal::Replicate,
            RecordingSignal::Extend,
            RecordingSignal::Stop,
            RecordingSignal::ReplicateEnd
        ],
        "no SYNC: the source is still recording"
    );
    let dst_id = signals[0].recording_id;
    let dst = Pair::descriptor(&pair.b.archive, dst_id);
    assert_eq!((dst.start_position, dst.stop_position), (0, stop_position));
    pair.await_source_recorded(src_id, end);
    assert_same_bytes(&pair, src_id, dst_id, 0, stop_position);
    assert_eq!(pair.a.archive.lock().unwrap().replay_session_count(), 0, "the source replay ended");
    no_errors(&pair);
}

#[test]
fn extends_an_existing_destination_recording() {
    let mut pair = Pair::new(3);
    let (mut publication, src_id) = pair.start_source_recording();
    let end = pair.publish(&mut publication, 0..300);
    pair.await_source_recorded(src_id, end);
    assert_eq!(pair.stop_source_recording(src_id), end);

    let middle = position_after(120);
    let first = ReplicationParams { stop_position: middle, ..ReplicationParams::default() };
    let replication_id = pair.replicate(src_id, &first);
    let (signals, error) = pair.await_replication_end(replication_id, 20_000);
    assert!(error.is_none(), "{error:?}");
    let dst_id = signals[0].recording_id;
    assert_eq!(Pair::descriptor(&pair.b.archive, dst_id).stop_position, middle);
    assert_same_bytes(&pair, src_id, dst_id, 0, middle);

    // Replicating into an unknown destination is refused at once.
    let unknown = ReplicationParams { dst_recording_id: 42, ..ReplicationParams::default() };
    match pair.b.archive_client.replicate(src_id, CONTROL_STREAM, SRC_CONTROL_CHANNEL, &unknown) {
        Err(ArchiveError::Archive { code, .. }) => assert_eq!(code, archive_error_code::UNKNOWN_RECORDING),
        other => panic!("expected UNKNOWN_RECORDING, got {other:?}"),
    }

    let extend = ReplicationParams { dst_recording_id: dst_id, ..ReplicationParams::default() };
    let replication_id = pair.replicate(src_id, &extend);
    let (signals, error) = pair.await_replication_end(replication_id, 20_000);
    assert!(error.is_none(), "{error:?}");
    // SYNC may come after STOP when the whole rest arrived before the replay was acknowledged.
    let mut sorted = kinds(&signals);
    sorted.sort_by_key(|signal| signal.as_i32());
    assert_eq!(
        sorted,
        vec![
            RecordingSignal::Stop,
            RecordingSignal::Extend,
            RecordingSignal::Sync,
            RecordingSignal::ReplicateEnd
        ]
    );
    assert_eq!(signals.last().unwrap().signal, RecordingSignal::ReplicateEnd);
    assert_eq!(
        signals[0],
        Signal { recording_id: dst_id, position: middle, signal: RecordingSignal::Extend }
    );
    assert!(signals.iter().any(|s| s.signal == RecordingSignal::Sync && s.position == end));
    let dst = Pair::descriptor(&pair.b.archive, dst_id);
    assert_eq!((dst.start_position, dst.stop_position), (0, end));
    assert_same_bytes(&pair, src_id, dst_id, 0, end);
    no_errors(&pair);
}

#[test]
fn stop_replication_ends_a_following_replication_midway() {
    let mut pair = Pair::new(4);
    let (mut publication, src_id) = pair.start_source_recording();
    let first = pair.publish(&mut publication, 0..100);
    pair.await_source_recorded(src_id, first);
    let replication_id = pair.replicate(src_id, &ReplicationParams::default());
    // Wait until B has copied what A has, following the live recording.
    let mut dst_id = None;
    for _ in 0..20_000 {
        let archive = pair.b.archive.lock().unwrap();
        if let Some(id) = archive.catalog().recording_ids().next()
            && archive
                .recording_counter_id(id)
                .is_some_and(|counter| archive.recording_counters().counter_value(counter) >= first)
        {
            dst_id = Some(id);
            break;
        }
        drop(archive);
        pair.step();
    }
    let dst_id = dst_id.expect("B follows A");
    pair.b.archive_client.stop_replication(replication_id).expect("stop replication");
    let (signals, error) = pair.await_replication_end(replication_id, 5_000);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(
        kinds(&signals),
        vec![
            RecordingSignal::Replicate,
            RecordingSignal::Extend,
            RecordingSignal::Stop,
            RecordingSignal::ReplicateEnd
        ]
    );
    let dst = Pair::descriptor(&pair.b.archive, dst_id);
    assert_eq!(dst.stop_position, first, "stopped where the copy was");
    assert_same_bytes(&pair, src_id, dst_id, 0, first);
    // The replication is gone: stopping it again is refused; A's replay was stopped.
    match pair.b.archive_client.stop_replication(replication_id) {
        Err(ArchiveError::Archive { code, .. }) => assert_eq!(code, archive_error_code::UNKNOWN_REPLICATION),
        other => panic!("expected UNKNOWN_REPLICATION, got {other:?}"),
    }
    for _ in 0..1_000 {
        if pair.a.archive.lock().unwrap().replay_session_count() == 0 {
            break;
        }
        pair.step();
    }
    assert_eq!(pair.a.archive.lock().unwrap().replay_session_count(), 0, "the source replay was stopped");
    // A keeps recording, unaffected.
    let end = pair.publish(&mut publication, 100..150);
    pair.await_source_recorded(src_id, end);
    no_errors(&pair);
}

#[test]
fn unknown_source_recording_is_an_error_for_the_requester() {
    let mut pair = Pair::new(5);
    let replication_id = pair.replicate(7, &ReplicationParams::default());
    let (signals, error) = pair.await_replication_end(replication_id, 5_000);
    match error {
        Some(ArchiveError::Archive { code, correlation_id, .. }) => {
            assert_eq!(code, archive_error_code::UNKNOWN_RECORDING);
            assert_eq!(correlation_id, replication_id);
        }
        other => panic!("expected an UNKNOWN_RECORDING error, got {other:?}"),
    }
    assert_eq!(kinds(&signals), vec![RecordingSignal::ReplicateEnd]);
    assert_eq!(pair.b.archive.lock().unwrap().catalog().entry_count(), 0, "nothing was created");
    assert_eq!(pair.b.archive.lock().unwrap().replication_session_count(), 0);
}

#[test]
fn source_going_away_leaves_a_valid_partial_copy_and_an_error() {
    let mut pair = Pair::new(6);
    let (mut publication, src_id) = pair.start_source_recording();
    let first = pair.publish(&mut publication, 0..150);
    pair.await_source_recorded(src_id, first);
    let replication_id = pair.replicate(src_id, &ReplicationParams::default());
    let mut dst_id = None;
    for _ in 0..20_000 {
        let archive = pair.b.archive.lock().unwrap();
        if let Some(id) = archive.catalog().recording_ids().next()
            && archive
                .recording_counter_id(id)
                .is_some_and(|counter| archive.recording_counters().counter_value(counter) >= first)
        {
            dst_id = Some(id);
            break;
        }
        drop(archive);
        pair.step();
    }
    let dst_id = dst_id.expect("B follows A");
    // A's host drops off the network for good.
    pair.world.net.isolate(HOST_A.parse::<IpAddr>().unwrap());
    let (signals, error) = pair.await_replication_end(replication_id, 30_000);
    match error {
        Some(ArchiveError::Archive { code, correlation_id, .. }) => {
            assert_eq!(code, archive_error_code::REPLICATION_CONNECTION_FAILURE);
            assert_eq!(correlation_id, replication_id);
        }
        other => panic!("expected a replication error, got {other:?}"),
    }
    assert_eq!(
        kinds(&signals),
        vec![
            RecordingSignal::Replicate,
            RecordingSignal::Extend,
            RecordingSignal::Stop,
            RecordingSignal::ReplicateEnd
        ]
    );
    let dst = Pair::descriptor(&pair.b.archive, dst_id);
    assert_eq!(dst.stop_position, first, "the copy stops at what was written");
    assert_same_bytes(&pair, src_id, dst_id, 0, first);
    assert_eq!(pair.b.archive.lock().unwrap().replication_session_count(), 0);
    assert_eq!(pair.b.archive.lock().unwrap().recording_session_count(), 0);
}

#[test]
fn tagged_replication_records_through_a_manual_multi_destination_subscription() {
    let mut pair = Pair::new(7);
    let (mut publication, src_id) = pair.start_source_recording();
    let end = pair.publish(&mut publication, 0..200);
    pair.await_source_recorded(src_id, end);
    assert_eq!(pair.stop_source_recording(src_id), end);
    let params =
        ReplicationParams { channel_tag_id: 91, subscription_tag_id: 92, ..ReplicationParams::default() };
    let replication_id = pair.replicate(src_id, &params);
    let (signals, error) = pair.await_replication_end(replication_id, 20_000);
    assert!(error.is_none(), "{error:?}");
    let dst_id = signals[0].recording_id;
    assert!(signals.iter().any(|s| s.signal == RecordingSignal::Sync && s.position == end), "{signals:?}");
    assert_eq!(Pair::descriptor(&pair.b.archive, dst_id).stop_position, end);
    assert_same_bytes(&pair, src_id, dst_id, 0, end);
    no_errors(&pair);
}
