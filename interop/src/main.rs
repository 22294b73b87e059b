//! Loopback interop checks between fulmar's sans-IO UDP protocol core (`media`, `logbuffer`, `sys`) and a
//! stock Aeron 1.54 C media driver and C client (through the `rusteron-*` crates, which build Aeron's C
//! sources).
//!
//! Four checks, each bounded in time, confined to 127.0.0.1, each with its own embedded Aeron driver in a
//! unique `/tmp/fulmar-interop-*` directory that is removed at the end:
//! 1. `fulmar-to-aeron`: a fulmar `NetworkPublicationSender` (unicast flow control) over a real UDP
//!    socket (`sys::UdpTransportFactory`, connected to the endpoint) publishes N messages of varied sizes
//!    (some fragmented, ~130 term rotations with a 64 KiB term, term ids wrapping past `i32::MAX`) to an
//!    Aeron C subscription on `aeron:udp?endpoint=127.0.0.1:<port>` stream 1001. Aeron's
//!    `FragmentAssembler` must hand over every message exactly once, in order, byte for byte; the image
//!    must have become available (SETUP/SM handshake). Then fulmar closes: Aeron's image must reach end of
//!    stream, answer with EOS status messages, and go unavailable.
//! 2. `aeron-to-fulmar`: an Aeron C publication on
//!    `aeron:udp?endpoint=127.0.0.1:<port+1>|term-length=64k` offers N messages; a fulmar
//!    `DataPacketDispatcher` + `PublicationImageReceiver` on a socket bound to the endpoint creates the
//!    image from Aeron's SETUP, sends SMs/NAKs back, and a fulmar `ImageReader` + `FragmentAssembler` must
//!    read every message exactly once, in order, byte for byte. Then Aeron closes: the fulmar image must
//!    reach end of stream and send an EOS status message.
//! 3. and 4. `fulmar-to-aeron-mid-stream`, `aeron-to-fulmar-mid-stream` (ports +2, +3): the same with a
//!    stream that starts mid-term several terms after its initial term id (fulmar's
//!    `LogParams::starting_at`; Aeron's `init-term-id|term-id|term-offset`), so SETUP carries a non-zero
//!    term offset and the join position is not 0.
//!
//! Usage: `fulmar-interop [all|<check name>]` (default `all`). Environment: `INTEROP_MESSAGES` (default
//! 10000), `INTEROP_PORT` (default 40456; checks use port..=port+3), `INTEROP_TIMEOUT_S` per check
//! (default 60), `INTEROP_LOSS` (probability of dropping each DATA datagram, default 0: fulmar's sender
//! drops before sending, fulmar's receiver drops on receipt, seeded), `INTEROP_TRACE=1` to print the first
//! datagrams of each frame type as hex. Exit code 0 only if every selected check passed; the last line is
//! `N passed, M failed`.

#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use agrona::{AtomicBuffer, Prng};
use logbuffer::log_buffer_descriptor::compute_log_length;
use logbuffer::{
    ExclusivePublicationWriter, FragmentAssembler, ImageReader, LogBuffer, LogParams, OfferError,
};
use media::{
    DataPacketDispatcher, DatagramSink, DatagramTransport, DelayGenerator, DispatchOutcome, ImageConfig,
    NetworkPublicationSender, PublicationImageReceiver, SendOutcome, SenderConfig, TransportSpec,
    UnicastFlowControl,
};
use rusteron_client::{
    Aeron, AeronAvailableImageCallback, AeronContext, AeronFragmentHandlerCallback, AeronHeader, AeronImage,
    AeronOfferError, AeronSubscription, AeronUnavailableImageCallback, Handler, IntoCString,
};
use rusteron_media_driver::testing::EmbeddedDriver;
use sys::{UdpTransport, UdpTransportFactory};

const STREAM_ID: i32 = 1001;
const TERM_LENGTH: i32 = 64 * 1024;
const MTU_LENGTH: i32 = 1408;
const MAX_PAYLOAD_LENGTH: usize = (MTU_LENGTH - 32) as usize;
/// Largest message a 64 KiB term allows (term_length / 8).
const MAX_MESSAGE_LENGTH: usize = (TERM_LENGTH / 8) as usize;
/// How long the end-of-stream phase of a check may take after the publication closes.
const EOS_TIMEOUT: Duration = Duration::from_secs(8);

// ------------------------------------------------------------------------------------------------
// Messages: deterministic, self-describing (8-byte little-endian sequence, then a pattern).

fn message_length(sequence: usize, prng: &mut Prng) -> usize {
    match sequence % 10 {
        // Above one MTU payload: fragmented (up to the term's max message length).
        0 => {
            MAX_PAYLOAD_LENGTH
                + 1
                + prng.gen_range(0..(MAX_MESSAGE_LENGTH - MAX_PAYLOAD_LENGTH - 1) as u64) as usize
        }
        // Exactly one full frame, and exactly one byte over (two fragments).
        1 if sequence % 20 == 1 => MAX_PAYLOAD_LENGTH,
        1 => MAX_PAYLOAD_LENGTH + 1,
        2..=4 => 8,
        _ => 8 + prng.gen_range(0..600) as usize,
    }
}

fn make_messages(count: usize, seed: u64) -> Vec<Vec<u8>> {
    let mut prng = Prng::from_seed(seed);
    (0..count)
        .map(|sequence| {
            let length = message_length(sequence, &mut prng);
            let mut message = vec![0u8; length];
            message[..8].copy_from_slice(&(sequence as u64).to_le_bytes());
            for (index, byte) in message.iter_mut().enumerate().skip(8) {
                *byte = (sequence as u8).wrapping_mul(31).wrapping_add((index as u8) ^ (index >> 8) as u8);
            }
            message
        })
        .collect()
}

/// Compares what arrived with what was sent: exactly once, in order, byte for byte.
fn verify(received: &[Vec<u8>], expected: &[Vec<u8>]) -> Result<(), String> {
    for (index, message) in received.iter().enumerate() {
        let Some(want) = expected.get(index) else {
            return Err(format!(
                "extra message #{index} ({} bytes) after all {} expected",
                message.len(),
                expected.len()
            ));
        };
        if message != want {
            let sequence =
                message.get(..8).map(|prefix| u64::from_le_bytes(prefix.try_into().unwrap_or([0; 8])));
            let first_diff = message.iter().zip(want).position(|(a, b)| a != b);
            return Err(format!(
                "message #{index} differs: got {} bytes (sequence prefix {sequence:?}), expected {} bytes; first differing byte {first_diff:?}",
                message.len(),
                want.len()
            ));
        }
    }
    if received.len() != expected.len() {
        return Err(format!("received {} of {} messages", received.len(), expected.len()));
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------------
// A datagram sink over the real socket that also keeps statistics and (optionally) a hex trace.

fn frame_type_name(datagram: &[u8]) -> &'static str {
    if datagram.len() < 8 {
        return "short";
    }
    let flags = datagram[5];
    match u16::from_le_bytes([datagram[6], datagram[7]]) {
        0 => "PAD",
        1 if datagram.len() == 32 && datagram[..4] == [0, 0, 0, 0] && flags & 0x20 != 0 => "HEARTBEAT(EOS)",
        1 if datagram.len() == 32 && datagram[..4] == [0, 0, 0, 0] => "HEARTBEAT",
        1 => "DATA",
        2 => "NAK",
        3 if flags & 0x80 != 0 => "SM(SEND_SETUP)",
        3 if flags & 0x40 != 0 => "SM(EOS)",
        3 => "SM",
        4 => "ERR",
        5 => "SETUP",
        6 => "RTTM",
        0x0B => "RSP_SETUP",
        _ => "OTHER",
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect::<Vec<_>>().join(" ")
}

#[derive(Default)]
struct WireStats {
    counts: BTreeMap<String, u64>,
    traced: BTreeMap<String, u32>,
    trace: bool,
}

impl WireStats {
    fn record(&mut self, direction: &str, datagram: &[u8]) {
        let name = frame_type_name(datagram);
        let key = format!("{direction} {name}");
        *self.counts.entry(key.clone()).or_default() += 1;
        let traced = self.traced.entry(key.clone()).or_default();
        if self.trace && *traced < 2 {
            *traced += 1;
            let shown = &datagram[..datagram.len().min(64)];
            println!("    trace {key} ({} bytes): {}", datagram.len(), hex(shown));
        }
    }

    fn print(&self, indent: &str) {
        for (key, count) in &self.counts {
            println!("{indent}{key}: {count}");
        }
    }
}

/// Whether a datagram is DATA with payload (what the loss injection drops).
fn is_data_with_payload(datagram: &[u8]) -> bool {
    datagram.len() > 32 && datagram[6] == 1 && datagram[7] == 0
}

struct TracingSocket {
    socket: UdpTransport,
    stats: WireStats,
    direction: &'static str,
    /// Probability of silently dropping an outgoing DATA datagram (loss injection), and its seeded source.
    loss: f64,
    prng: Prng,
    dropped: u64,
}

impl TracingSocket {
    fn new(socket: UdpTransport, trace: bool, loss: f64, seed: u64) -> Self {
        Self {
            socket,
            stats: WireStats { trace, ..WireStats::default() },
            direction: "fulmar->aeron",
            loss,
            prng: Prng::from_seed(seed),
            dropped: 0,
        }
    }
}

impl DatagramSink for TracingSocket {
    fn send(&mut self, destination: SocketAddr, datagram: &[u8]) -> SendOutcome {
        if self.loss > 0.0 && is_data_with_payload(datagram) && self.prng.chance(self.loss) {
            self.dropped += 1;
            return SendOutcome::Sent(datagram.len());
        }
        let outcome = self.socket.send(destination, datagram);
        if outcome.bytes() == datagram.len() {
            self.stats.record(self.direction, datagram);
        }
        outcome
    }
}

// ------------------------------------------------------------------------------------------------
// Aeron-side plumbing.

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|value| value.parse().ok()).unwrap_or(default)
}

fn unique_driver_dir(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or(0);
    format!("/tmp/fulmar-interop-{tag}-{}-{nanos}", std::process::id())
}

/// An embedded Aeron C media driver (shared threading, `/tmp` directory) and a connected C client.
struct AeronSide {
    aeron: Aeron,
    _context: AeronContext,
    driver: Option<EmbeddedDriver>,
    dir: String,
}

impl AeronSide {
    fn start(tag: &str) -> Result<Self, String> {
        let dir = unique_driver_dir(tag);
        let dir_for_driver = dir.clone();
        let driver = EmbeddedDriver::launch_with(move |context| {
            context.set_dir(&dir_for_driver.clone().into_c_string())?;
            context.set_threading_mode(
                rusteron_media_driver::bindings::aeron_threading_mode_enum::AERON_THREADING_MODE_SHARED,
            )?;
            Ok(())
        })
        .map_err(|error| format!("cannot launch the Aeron media driver: {error:?}"))?;
        let context = AeronContext::new().map_err(|error| format!("client context: {error:?}"))?;
        context.set_dir(&dir.clone().into_c_string()).map_err(|error| format!("client dir: {error:?}"))?;
        context
            .set_error_handler(Some(|code: i32, message: &str| {
                eprintln!("    aeron client error {code}: {message}")
            }))
            .map_err(|error| format!("client error handler: {error:?}"))?;
        // The driver writes its CnC file on its own thread: retry the connect for a while.
        let deadline = Instant::now() + Duration::from_secs(10);
        let aeron = loop {
            match Aeron::new(&context).and_then(|aeron| aeron.start().map(|_| aeron)) {
                Ok(aeron) => break aeron,
                Err(error) if Instant::now() < deadline => {
                    let _ = error;
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(error) => return Err(format!("cannot connect the Aeron client to {dir}: {error:?}")),
            }
        };
        Ok(Self { aeron, _context: context, driver: Some(driver), dir })
    }
}

impl Drop for AeronSide {
    fn drop(&mut self) {
        if let Some(driver) = self.driver.take() {
            driver.stop();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

struct Collector {
    messages: Vec<Vec<u8>>,
}

impl AeronFragmentHandlerCallback for Collector {
    fn handle_aeron_fragment_handler(&mut self, buffer: &[u8], _header: AeronHeader) {
        self.messages.push(buffer.to_vec());
    }
}

struct ImageWatch {
    available: Arc<AtomicUsize>,
    session_id: Arc<AtomicI64>,
}

struct ImageGoneWatch {
    unavailable: Arc<AtomicUsize>,
}

impl AeronUnavailableImageCallback for ImageGoneWatch {
    fn handle_aeron_on_unavailable_image(&mut self, _subscription: AeronSubscription, _image: AeronImage) {
        self.unavailable.fetch_add(1, Ordering::SeqCst);
    }
}

impl AeronAvailableImageCallback for ImageWatch {
    fn handle_aeron_on_available_image(&mut self, _subscription: AeronSubscription, image: AeronImage) {
        self.available.fetch_add(1, Ordering::SeqCst);
        if let Ok(constants) = image.get_constants() {
            self.session_id.store(i64::from(constants.session_id), Ordering::SeqCst);
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Check 1: fulmar sender -> Aeron subscriber.

/// Where a stream starts: (initial term id, active term id, term offset), as Aeron's URI parameters
/// `init-term-id|term-id|term-offset` set it.
type StreamStart = (i32, i32, i32);

fn fulmar_to_aeron(
    port: u16,
    count: usize,
    timeout: Duration,
    trace: bool,
    loss: f64,
    start_at: StreamStart,
) -> Result<String, String> {
    let endpoint: SocketAddr = format!("127.0.0.1:{port}").parse().map_err(|_| "bad endpoint".to_owned())?;
    let channel = format!("aeron:udp?endpoint=127.0.0.1:{port}");
    let aeron_side = AeronSide::start("f2a")?;
    let available = Arc::new(AtomicUsize::new(0));
    let image_session_id = Arc::new(AtomicI64::new(-1));
    let unavailable = Arc::new(AtomicUsize::new(0));
    let image_watch =
        Handler::new(ImageWatch { available: available.clone(), session_id: image_session_id.clone() });
    let image_gone_watch = Handler::new(ImageGoneWatch { unavailable: unavailable.clone() });
    let subscription = aeron_side
        .aeron
        .async_add_subscription(
            &channel.clone().into_c_string(),
            STREAM_ID,
            Some(&image_watch),
            Some(&image_gone_watch),
        )
        .and_then(|pending| pending.poll_blocking(Duration::from_secs(10)))
        .map_err(|error| format!("Aeron subscription on {channel}: {error:?}"))?;
    let (assembler, collector) =
        Handler::with_fragment_assembler(Collector { messages: Vec::with_capacity(count) })
            .map_err(|error| format!("fragment assembler: {error:?}"))?;

    // Fulmar publication: a 64 KiB-term log whose term ids wrap around i32::MAX after two terms.
    let session_id = 0x0F01_2345;
    let (initial_term_id, active_term_id, term_offset) = start_at;
    let params = LogParams::new(TERM_LENGTH, MTU_LENGTH, initial_term_id, session_id, STREAM_ID)
        .starting_at(active_term_id, term_offset);
    let log = LogBuffer::initialize(
        AtomicBuffer::heap(compute_log_length(params.term_length, params.page_size)),
        &params,
    )
    .map_err(|error| format!("log: {error:?}"))?;
    let socket = UdpTransportFactory::new()
        .open_udp(&TransportSpec {
            connect_address: Some(endpoint),
            ..TransportSpec::bind("127.0.0.1:0".parse().map_err(|_| "bad bind".to_owned())?)
        })
        .map_err(|error| format!("fulmar socket: {error}"))?;
    let mut socket = TracingSocket::new(socket, trace, loss, 0x1055);
    let mut control_stats = WireStats { trace, ..WireStats::default() };

    let start = Instant::now();
    let now = |start: Instant| start.elapsed().as_nanos() as i64 + 1_000_000_000;
    let mut sender = NetworkPublicationSender::new(
        log.clone(),
        Box::new(UnicastFlowControl::unicast()),
        SenderConfig::unicast(endpoint),
        now(start),
    );
    let start_position = sender.sender_position();
    println!(
        "  fulmar publication: session {session_id}, initial term id {initial_term_id}, starts at term id {active_term_id} offset {term_offset} (position {start_position})"
    );
    let mut writer = ExclusivePublicationWriter::new(log);
    let messages = make_messages(count, 0xF1_A2);
    let total_bytes: usize = messages.iter().map(Vec::len).sum();
    let mut next_to_offer = 0usize;
    let mut buffer = vec![0u8; 65536];
    let mut connected_at = None;
    let mut completed_at = None;
    let mut closed_at: Option<Duration> = None;
    let mut aeron_image_eos: Option<Duration> = None;
    let mut max_images = 0;

    let deadline = start + timeout;
    loop {
        let now_ns = now(start);
        let mut work = 0usize;
        let limit = sender.update_publisher_limit();
        while next_to_offer < messages.len() {
            match writer.offer(limit, &messages[next_to_offer]) {
                Ok(_) => {
                    next_to_offer += 1;
                    work += 1;
                }
                Err(OfferError::AdminAction) => {}
                Err(_) => break,
            }
        }
        work += sender.send(now_ns, &mut socket);
        while let Some((length, source)) = socket.socket.try_recv(&mut buffer) {
            control_stats.record("aeron->fulmar", &buffer[..length]);
            sender.on_control_datagram(&buffer[..length], source, now_ns, &mut socket);
            work += 1;
        }
        if connected_at.is_none() && sender.is_connected() {
            connected_at = Some(start.elapsed());
        }
        let fragments = subscription
            .poll(Some(&assembler), 256)
            .map_err(|error| format!("Aeron subscription poll: {error:?}"))?;
        work += fragments.max(0) as usize;
        max_images = max_images.max(subscription.image_count().unwrap_or(0));

        if completed_at.is_none() && collector.messages.len() >= count {
            completed_at = Some(start.elapsed());
        }
        // 300 ms after completion (to catch duplicates), close the fulmar publication: its heartbeats then
        // carry EOS, Aeron's image drains, answers with EOS status messages and goes unavailable.
        if closed_at.is_none()
            && let Some(done) = completed_at
            && start.elapsed() > done + Duration::from_millis(300)
        {
            sender.close();
            closed_at = Some(start.elapsed());
        }
        if let Some(closed) = closed_at {
            if aeron_image_eos.is_none()
                && let Some(aeron_image) = subscription.image_by_session_id(session_id)
                && aeron_image.is_end_of_stream()
            {
                aeron_image_eos = Some(start.elapsed() - closed);
            }
            let eos_done = sender.has_received_unicast_eos() && unavailable.load(Ordering::SeqCst) > 0;
            if eos_done || start.elapsed() > closed + EOS_TIMEOUT {
                break;
            }
        }
        if Instant::now() > deadline {
            break;
        }
        if work == 0 {
            std::thread::sleep(Duration::from_micros(20));
        }
    }

    let counters = sender.counters().clone();
    println!(
        "  fulmar sender: connected after {connected_at:?}, sender position {}, counters {counters:?}",
        sender.sender_position()
    );
    println!("  wire (datagrams by type):");
    socket.stats.print("    ");
    control_stats.print("    ");
    println!(
        "  aeron subscription: available-image callbacks {}, image session id {}, max image count {max_images}, image end-of-stream {aeron_image_eos:?} after close, unavailable-image callbacks {}",
        available.load(Ordering::SeqCst),
        image_session_id.load(Ordering::SeqCst),
        unavailable.load(Ordering::SeqCst)
    );
    println!(
        "  fulmar publication closed at {closed_at:?}; EOS status message from Aeron: {}; injected DATA drops {}",
        sender.has_received_unicast_eos(),
        socket.dropped
    );
    let received = collector.messages.len();
    let mut failures = Vec::new();
    if available.load(Ordering::SeqCst) == 0 || max_images == 0 {
        failures.push("the Aeron image never became available (SETUP/SM handshake failed)".to_owned());
    }
    if image_session_id.load(Ordering::SeqCst) != i64::from(session_id)
        && available.load(Ordering::SeqCst) > 0
    {
        failures.push(format!(
            "image session id {} != fulmar's {session_id}",
            image_session_id.load(Ordering::SeqCst)
        ));
    }
    if next_to_offer < count {
        failures.push(format!("fulmar offered only {next_to_offer} of {count}"));
    }
    if let Err(error) = verify(&collector.messages, &messages) {
        failures.push(error);
    }
    if sender.sender_position() - start_position <= 3 * i64::from(TERM_LENGTH) {
        failures.push("the stream did not cross several terms".to_owned());
    }
    if closed_at.is_some() {
        if aeron_image_eos.is_none() {
            failures.push("Aeron's image never reported end of stream after fulmar closed".to_owned());
        }
        if !sender.has_received_unicast_eos() {
            failures.push("no EOS status message from Aeron after fulmar's EOS heartbeat".to_owned());
        }
        if unavailable.load(Ordering::SeqCst) == 0 {
            failures.push("Aeron's image did not go unavailable after end of stream".to_owned());
        }
    }
    drop(subscription);
    drop(aeron_side);
    if failures.is_empty() {
        Ok(format!(
            "{received}/{count} messages ({total_bytes} payload bytes, {} terms) received exactly once, in order, byte for byte in {:?}",
            (sender.sender_position() - start_position) / i64::from(TERM_LENGTH) + 1,
            completed_at.unwrap_or_default()
        ))
    } else {
        Err(format!("{received}/{count} received; {}", failures.join("; ")))
    }
}

// ------------------------------------------------------------------------------------------------
// Check 2: Aeron publisher -> fulmar receiver.

struct FulmarImage {
    reader: ImageReader,
    position: AtomicI64,
    session_id: i32,
}

fn aeron_to_fulmar(
    port: u16,
    count: usize,
    timeout: Duration,
    trace: bool,
    loss: f64,
    start_at: Option<StreamStart>,
) -> Result<String, String> {
    let endpoint: SocketAddr = format!("127.0.0.1:{port}").parse().map_err(|_| "bad endpoint".to_owned())?;
    let mut channel = format!("aeron:udp?endpoint=127.0.0.1:{port}|term-length=64k");
    if let Some((initial_term_id, active_term_id, term_offset)) = start_at {
        channel.push_str(&format!(
            "|init-term-id={initial_term_id}|term-id={active_term_id}|term-offset={term_offset}"
        ));
    }
    println!("  aeron publication channel {channel}");

    // Fulmar receive endpoint first, so Aeron's first SETUP finds it.
    let socket = UdpTransportFactory::new()
        .open_udp(&TransportSpec::bind(endpoint))
        .map_err(|error| format!("fulmar socket bound to {endpoint}: {error}"))?;
    let mut socket = TracingSocket::new(socket, trace, 0.0, 0);
    let mut loss_prng = Prng::from_seed(0x2055);
    let mut dropped_on_receive = 0u64;
    let mut data_stats = WireStats { trace, ..WireStats::default() };
    let mut prng = Prng::from_seed(0xA2F1);
    let receiver_id = prng.next_u64() as i64;
    let mut dispatcher = DataPacketDispatcher::new(receiver_id, None);
    dispatcher.add_subscription(STREAM_ID);

    let aeron_side = AeronSide::start("a2f")?;
    let publication = aeron_side
        .aeron
        .async_add_publication(&channel.clone().into_c_string(), STREAM_ID)
        .and_then(|pending| pending.poll_blocking(Duration::from_secs(10)))
        .map_err(|error| format!("Aeron publication on {channel}: {error:?}"))?;
    let aeron_session_id = publication.get_constants().map(|constants| constants.session_id).unwrap_or(-1);
    let mut publication = Some(publication);

    let messages = make_messages(count, 0xA2_F1);
    let total_bytes: usize = messages.iter().map(Vec::len).sum();
    let mut next_to_offer = 0usize;
    let mut received: Vec<Vec<u8>> = Vec::with_capacity(count);
    let mut assembler = FragmentAssembler::new(MAX_MESSAGE_LENGTH);
    let mut image: Option<FulmarImage> = None;
    let mut images_created = 0;
    let mut images_lost = 0;
    let mut buffer = vec![0u8; 65536];
    let mut completed_at = None;
    let mut closed_at: Option<Duration> = None;
    let mut reader_eos: Option<Duration> = None;
    let mut image_eos = false;
    let mut images_gone_after_eos = 0;
    let mut join_position = 0i64;
    let mut snapshot = None;
    let mut offer_errors: BTreeMap<String, u64> = BTreeMap::new();
    let mut connected_at = None;

    let start = Instant::now();
    let now = |start: Instant| start.elapsed().as_nanos() as i64 + 1_000_000_000;
    let deadline = start + timeout;
    loop {
        let now_ns = now(start);
        let mut work = 0usize;
        while let Some(publication) = &publication
            && next_to_offer < messages.len()
        {
            match publication.offer(&messages[next_to_offer]) {
                Ok(_) => {
                    next_to_offer += 1;
                    work += 1;
                }
                Err(error) => {
                    let key = match &error {
                        AeronOfferError::NotConnected => "NotConnected".to_owned(),
                        AeronOfferError::BackPressured => "BackPressured".to_owned(),
                        AeronOfferError::AdminAction => "AdminAction".to_owned(),
                        other => format!("{other:?}"),
                    };
                    *offer_errors.entry(key).or_default() += 1;
                    if matches!(
                        error,
                        AeronOfferError::Closed
                            | AeronOfferError::MaxPositionExceeded
                            | AeronOfferError::Error(_)
                    ) {
                        return Err(format!("Aeron offer failed for good: {error:?}"));
                    }
                    break;
                }
            }
        }
        if connected_at.is_none()
            && publication.as_ref().is_some_and(|publication| publication.is_connected())
        {
            connected_at = Some(start.elapsed());
        }

        // Data side: everything waiting on the socket.
        while let Some((length, source)) = socket.socket.try_recv(&mut buffer) {
            work += 1;
            if loss > 0.0 && is_data_with_payload(&buffer[..length]) && loss_prng.chance(loss) {
                dropped_on_receive += 1;
                continue;
            }
            data_stats.record("aeron->fulmar", &buffer[..length]);
            if let DispatchOutcome::CreateImage(request) =
                dispatcher.on_datagram(&buffer[..length], source, 0, now_ns, &mut socket)
            {
                let params = PublicationImageReceiver::log_params(&request.setup, 1);
                let log = LogBuffer::initialize(
                    AtomicBuffer::heap(compute_log_length(params.term_length, params.page_size)),
                    &params,
                )
                .map_err(|error| format!("image log from SETUP {:?}: {error:?}", request.setup))?;
                let config = ImageConfig::new(
                    dispatcher.receiver_id(),
                    DelayGenerator::for_nak(request.setup.has_group_semantics(), prng.fork()),
                );
                let receiver = PublicationImageReceiver::new(
                    log.clone(),
                    &request.setup,
                    request.control_address,
                    request.transport_index,
                    config,
                    now_ns,
                );
                println!(
                    "  fulmar image created from SETUP {:?} (source {}), join position {}",
                    request.setup,
                    request.source_address,
                    receiver.join_position()
                );
                image = Some(FulmarImage {
                    reader: ImageReader::new(log),
                    position: AtomicI64::new(receiver.join_position()),
                    session_id: request.setup.session_id,
                });
                dispatcher.add_publication_image(receiver, now_ns);
                images_created += 1;
                join_position = image.as_ref().map_or(0, |current| current.position.load(Ordering::Acquire));
            }
        }

        // Subscriber poll, then the conductor's rebuild tracking, then the receiver's SM/NAK duty.
        if let Some(current) = &image {
            let collected = &mut received;
            let fragments = current.reader.poll(
                &current.position,
                &mut |fragment: &[u8], header: &logbuffer::Header| {
                    assembler.on_fragment(fragment, header, &mut |message: &[u8], _: &logbuffer::Header| {
                        collected.push(message.to_vec());
                    });
                },
                256,
            );
            work += fragments;
            let position = current.position.load(Ordering::Acquire);
            if closed_at.is_some()
                && reader_eos.is_none()
                && current.reader.is_end_of_stream(&current.position)
            {
                reader_eos = closed_at.map(|closed| start.elapsed() - closed);
            }
            if let Some(receiver) = dispatcher.image_mut(STREAM_ID, current.session_id) {
                work += receiver.track_rebuild(now_ns, position, position);
                snapshot =
                    Some((receiver.hwm_position(), receiver.rebuild_position(), receiver.counters().clone()));
                image_eos |= receiver.is_end_of_stream();
            }
        }
        let mut lost = 0;
        work += dispatcher.do_work(now_ns, &mut socket, &mut |_image| lost += 1);
        if lost > 0 {
            if closed_at.is_some() {
                images_gone_after_eos += lost;
            } else {
                images_lost += lost;
            }
            image = None;
        }

        if completed_at.is_none() && received.len() >= count {
            completed_at = Some(start.elapsed());
        }
        // 300 ms after completion (to catch duplicates), close the Aeron publication: once drained its
        // heartbeats carry EOS, the fulmar image reaches end of stream and answers with EOS SMs.
        if closed_at.is_none()
            && let Some(done) = completed_at
            && start.elapsed() > done + Duration::from_millis(300)
            && let Some(open) = publication.take()
        {
            open.close().map_err(|error| format!("closing the Aeron publication: {error:?}"))?;
            closed_at = Some(start.elapsed());
        }
        if let Some(closed) = closed_at {
            let eos_sms_sent = socket.stats.counts.get("fulmar->aeron SM(EOS)").copied().unwrap_or(0);
            if (reader_eos.is_some() && image_eos && eos_sms_sent > 0)
                || start.elapsed() > closed + EOS_TIMEOUT
            {
                break;
            }
        }
        if Instant::now() > deadline {
            break;
        }
        if work == 0 {
            std::thread::sleep(Duration::from_micros(20));
        }
    }

    let (hwm, rebuild, counters) = match snapshot {
        Some((hwm, rebuild, counters)) => (hwm, rebuild, Some(counters)),
        None => (-1, -1, None),
    };
    let eos_sms_sent = socket.stats.counts.get("fulmar->aeron SM(EOS)").copied().unwrap_or(0);
    println!(
        "  aeron publication closed at {closed_at:?}; fulmar image end of stream: receiver {image_eos}, reader after {reader_eos:?}; EOS SMs sent {eos_sms_sent}; images removed after EOS {images_gone_after_eos}; injected DATA drops {dropped_on_receive}"
    );
    println!(
        "  aeron publication: session id {aeron_session_id}, connected after {connected_at:?}, offer retries {offer_errors:?}"
    );
    println!(
        "  fulmar receiver: images created {images_created}, lost {images_lost}, hwm {hwm}, rebuild {rebuild}, dispatcher {:?}, image counters {counters:?}",
        dispatcher.counters()
    );
    println!("  wire (datagrams by type):");
    data_stats.print("    ");
    socket.stats.print("    ");
    let mut failures = Vec::new();
    if images_created != 1 {
        failures.push(format!("{images_created} fulmar images created (expected 1)"));
    }
    if images_lost != 0 {
        failures.push(format!("{images_lost} fulmar images went away"));
    }
    if let Some(current) = &image
        && current.session_id != aeron_session_id
    {
        failures.push(format!("image session {} != Aeron's {aeron_session_id}", current.session_id));
    }
    if next_to_offer < count {
        failures.push(format!("Aeron offered only {next_to_offer} of {count}"));
    }
    if let Err(error) = verify(&received, &messages) {
        failures.push(error);
    }
    if hwm - join_position <= 3 * i64::from(TERM_LENGTH) {
        failures.push("the stream did not cross several terms".to_owned());
    }
    if closed_at.is_some() {
        if !image_eos || reader_eos.is_none() {
            failures.push(format!(
                "fulmar image did not reach end of stream after Aeron closed (receiver {image_eos}, reader {reader_eos:?})"
            ));
        }
        if eos_sms_sent == 0 {
            failures.push("fulmar sent no EOS status message".to_owned());
        }
    }
    drop(publication);
    drop(aeron_side);
    if failures.is_empty() {
        Ok(format!(
            "{}/{count} messages ({total_bytes} payload bytes, {} terms) received exactly once, in order, byte for byte in {:?}",
            received.len(),
            (hwm - join_position) / i64::from(TERM_LENGTH) + 1,
            completed_at.unwrap_or_default()
        ))
    } else {
        Err(format!("{}/{count} received; {}", received.len(), failures.join("; ")))
    }
}

/// One named check: `Ok(summary)` or `Err(reasons)`.
type Check = Box<dyn Fn() -> Result<String, String>>;

fn main() {
    let which = std::env::args().nth(1).unwrap_or_else(|| "all".to_owned());
    let count: usize = env_or("INTEROP_MESSAGES", 10_000);
    let port: u16 = env_or("INTEROP_PORT", 40456);
    let timeout = Duration::from_secs(env_or("INTEROP_TIMEOUT_S", 60));
    let trace = env_or("INTEROP_TRACE", 0u8) != 0;
    let loss: f64 = env_or("INTEROP_LOSS", 0.0);
    println!(
        "interop: {count} messages per check, ports {port}..={}, timeout {timeout:?}, injected DATA loss {loss}",
        port + 3
    );

    let mut passed = 0;
    let mut failed = 0;
    let checks: Vec<(&str, Check)> = vec![
        // Term ids wrap past i32::MAX two terms in.
        (
            "fulmar-to-aeron",
            Box::new(move || {
                fulmar_to_aeron(port, count, timeout, trace, loss, (i32::MAX - 1, i32::MAX - 1, 0))
            }),
        ),
        ("aeron-to-fulmar", Box::new(move || aeron_to_fulmar(port + 1, count, timeout, trace, loss, None))),
        // Streams that start mid-term, several terms after their initial term id (what Aeron Cluster and
        // the Archive's extend/replay set up): SETUP carries a non-zero offset and the join is not 0.
        (
            "fulmar-to-aeron-mid-stream",
            Box::new(move || fulmar_to_aeron(port + 2, count, timeout, trace, loss, (-5, 2, 4096 + 1024))),
        ),
        (
            "aeron-to-fulmar-mid-stream",
            Box::new(move || {
                aeron_to_fulmar(
                    port + 3,
                    count,
                    timeout,
                    trace,
                    loss,
                    Some((i32::MAX - 3, i32::MAX, 32 * 1024 + 160)),
                )
            }),
        ),
    ];
    for (name, check) in checks {
        if which != "all" && which != name {
            continue;
        }
        println!("check {name}:");
        match check() {
            Ok(summary) => {
                passed += 1;
                println!("PASS {name}: {summary}");
            }
            Err(reason) => {
                failed += 1;
                println!("FAIL {name}: {reason}");
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    std::process::exit(if failed == 0 && passed > 0 { 0 } else { 1 });
}
