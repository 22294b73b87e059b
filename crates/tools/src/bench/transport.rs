//! `fulmar bench transport`: throughput (one exclusive publisher thread, one subscriber thread) and
//! ping-pong latency (two streams, two threads) through an embedded media driver.
//!
//! The driver and client conductors share one backing-off thread, as a small machine should run them;
//! the publisher and subscriber (or pinger and ponger) spin on the two cores. Each message carries its
//! sequence number; a lost, duplicated or reordered message fails the run.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Instant;

use agrona::{HeapMemoryStore, IdleStrategy};
use anyhow::{Context as _, bail, ensure};
use clap::{Args, ValueEnum};
use client::{Aeron, Context, ExclusivePublication, Header, OfferError, Subscription};
use driver::DriverContext;
use serde_json::json;
use sys::{AgentRunner, BackoffIdleStrategy, SystemEpochClock, SystemNanoClock};

use crate::driver_threads::{DriverThreads, ThreadingModeArg};

use super::cli_parse::parse_size;
use super::report::{LatencySummary, new_latency_histogram, write_hdr_log};
use super::{baseline, udp_baseline};

/// Which transport to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TransportKind {
    /// Shared-memory IPC (`aeron:ipc`).
    Ipc,
    /// UDP over loopback (not yet available).
    Udp,
}

/// Which pattern to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Pattern {
    /// Messages per second, one publisher to one subscriber.
    Throughput,
    /// Round-trip latency percentiles.
    Pingpong,
}

/// Arguments of `fulmar bench transport`.
#[derive(Debug, Args)]
pub struct TransportArgs {
    /// Transport.
    #[arg(long, value_enum, default_value = "ipc")]
    pub transport: TransportKind,
    /// Pattern.
    #[arg(long, value_enum, default_value = "throughput")]
    pub pattern: Pattern,
    /// Message length in bytes (at least 8).
    #[arg(long, default_value_t = 32)]
    pub size: usize,
    /// Messages measured (after the warm-up).
    #[arg(long, default_value_t = 10_000_000)]
    pub messages: u64,
    /// Warm-up messages (default: 10% of --messages, at most 100k for ping-pong).
    #[arg(long)]
    pub warmup: Option<u64>,
    /// Term length of the publications (e.g. 64m).
    #[arg(long, value_parser = parse_size, default_value = "64m")]
    pub term_length: i64,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Write HdrHistogram logs (ping-pong) into this directory.
    #[arg(long)]
    pub hdr_dir: Option<PathBuf>,
    /// Ping-pong: pings per second (0 = the next ping as soon as the pong arrives).
    #[arg(long, default_value_t = 0)]
    pub rate: u64,
    /// How the benchmark's own threads wait for work: spin or backoff.
    #[arg(long, default_value = "spin")]
    pub idle: String,
    /// How the embedded driver's agents share threads.
    #[arg(long, value_enum, default_value = "shared")]
    pub driver_threading_mode: ThreadingModeArg,
    /// Idle strategy of the embedded driver's threads (backoff, spin, yield, sleep-ns, noop).
    #[arg(long, default_value = "backoff")]
    pub driver_idle: String,
}

impl TransportArgs {
    fn transport_name(&self) -> &'static str {
        match self.transport {
            TransportKind::Ipc => "ipc",
            TransportKind::Udp => "udp",
        }
    }

    /// The channel of stream `stream_id` (UDP: each stream on its own ephemeral loopback port).
    fn channel(&self, term_length: i32) -> anyhow::Result<String> {
        Ok(match self.transport {
            TransportKind::Ipc => format!("aeron:ipc?term-length={term_length}"),
            TransportKind::Udp => {
                let port = std::net::UdpSocket::bind("127.0.0.1:0")?.local_addr()?.port();
                format!("aeron:udp?endpoint=127.0.0.1:{port}|term-length={term_length}")
            }
        })
    }
}

/// An embedded driver (by default all its agents on one backing-off thread, as a 2-core machine should run
/// it; UDP through real sockets) and a client whose conductor has a backing-off thread of its own.
struct EmbeddedTransport {
    aeron: Aeron,
    client_runner: AgentRunner,
    driver: DriverThreads,
}

impl EmbeddedTransport {
    fn start(args: &TransportArgs, term_length: i32) -> anyhow::Result<Self> {
        let store = HeapMemoryStore::new();
        let mut driver_context = DriverContext::new(Arc::new(store.clone()), Arc::new(SystemEpochClock))
            .with_session_id_seed(sys::entropy_seed());
        driver_context.ipc_term_buffer_length = term_length;
        let driver = DriverThreads::start(driver_context, args.driver_threading_mode, &args.driver_idle)?;
        let clock = Arc::new(SystemNanoClock::new());
        let context = Context::new(Arc::new(store), clock.clone(), Arc::new(SystemEpochClock))
            .idle_strategy(Box::new(BackoffIdleStrategy::default()));
        let aeron = Aeron::connect(context).context("connecting the benchmark client")?;
        let client_runner = AgentRunner::start(
            Box::new(aeron.conductor_agent()),
            Box::new(BackoffIdleStrategy::default()),
            clock,
        )?;
        Ok(Self { aeron, client_runner, driver })
    }
}

impl Drop for EmbeddedTransport {
    fn drop(&mut self) {
        self.client_runner.close();
        self.aeron.close();
        self.driver.close();
    }
}

/// Runs `fulmar bench transport`.
pub fn run(args: TransportArgs) -> anyhow::Result<()> {
    ensure!(args.size >= 8, "--size must be at least 8 bytes (the sequence number)");
    ensure!(args.messages > 0, "--messages must be positive");
    let term_length = i32::try_from(args.term_length).context("--term-length too large")?;
    match args.pattern {
        Pattern::Throughput => throughput(&args, term_length),
        Pattern::Pingpong => ping_pong(&args, term_length),
    }
}

fn wait_connected(publication: &ExclusivePublication, subscription: &mut Subscription) -> anyhow::Result<()> {
    let deadline = Instant::now() + std::time::Duration::from_secs(10);
    while !publication.is_connected() || subscription.image_count() == 0 {
        if Instant::now() > deadline {
            bail!("publication and subscription did not connect within 10 s");
        }
        thread::sleep(std::time::Duration::from_millis(1));
    }
    Ok(())
}

/// A waiting strategy for the benchmark's own threads, from `--idle`.
fn idle_strategy(args: &TransportArgs) -> anyhow::Result<Box<dyn IdleStrategy>> {
    match args.idle.as_str() {
        "spin" => Ok(Box::new(agrona::BusySpinIdleStrategy)),
        "backoff" => Ok(Box::new(BackoffIdleStrategy::default())),
        other => bail!("--idle must be spin or backoff, not {other:?}"),
    }
}

fn offer(
    publication: &mut ExclusivePublication,
    message: &[u8],
    idle: &mut dyn IdleStrategy,
) -> anyhow::Result<()> {
    loop {
        match publication.offer(message) {
            Ok(_) => {
                idle.reset();
                return Ok(());
            }
            Err(OfferError::BackPressured | OfferError::AdminAction) => idle.idle_once(),
            Err(error) => bail!("offer failed: {error}"),
        }
    }
}

fn throughput(args: &TransportArgs, term_length: i32) -> anyhow::Result<()> {
    let warmup = args.warmup.unwrap_or(args.messages / 10);
    let total = warmup + args.messages;
    let transport = EmbeddedTransport::start(args, term_length)?;
    let channel = args.channel(term_length)?;
    let mut publication = transport.aeron.add_exclusive_publication(&channel, 1001)?;
    let mut subscription = transport.aeron.add_subscription(&channel, 1001)?;
    wait_connected(&publication, &mut subscription)?;

    let size = args.size;
    let failed = Arc::new(AtomicBool::new(false));
    let mut publisher_idle = idle_strategy(args)?;
    let publisher = {
        let failed = Arc::clone(&failed);
        thread::Builder::new().name("bench-publisher".into()).spawn(move || -> anyhow::Result<()> {
            let mut message = vec![0u8; size];
            for sequence in 0..total {
                if failed.load(Ordering::Relaxed) {
                    bail!("subscriber failed");
                }
                message[..8].copy_from_slice(&sequence.to_le_bytes());
                offer(&mut publication, &message, publisher_idle.as_mut())?;
            }
            Ok(())
        })?
    };

    let mut idle = idle_strategy(args)?;
    let mut next_sequence = 0u64;
    let mut error: Option<String> = None;
    let mut measure_start: Option<Instant> = None;
    let deadline = Instant::now() + std::time::Duration::from_secs(600);
    while next_sequence < total {
        let fragments = subscription.poll(
            &mut |message: &[u8], _header: &Header| {
                let sequence = u64::from_le_bytes(message[..8].try_into().expect("8-byte sequence"));
                if sequence != next_sequence && error.is_none() {
                    error = Some(format!("expected message {next_sequence}, received {sequence}"));
                }
                next_sequence += 1;
            },
            1024,
        );
        if measure_start.is_none() && next_sequence >= warmup {
            measure_start = Some(Instant::now());
        }
        if let Some(error) = &error {
            failed.store(true, Ordering::Relaxed);
            bail!("throughput run failed: {error}");
        }
        if fragments == 0 && Instant::now() > deadline {
            failed.store(true, Ordering::Relaxed);
            bail!("throughput run stalled at message {next_sequence} of {total}");
        }
        idle.idle(fragments);
    }
    let elapsed = measure_start.expect("measurement started").elapsed().as_secs_f64();
    publisher.join().map_err(|_| anyhow::anyhow!("publisher panicked"))??;
    let measured = total - warmup.min(total);
    let rate = measured as f64 / elapsed;
    drop(subscription);
    drop(transport);

    let (baseline_name, baseline_rate) = match args.transport {
        TransportKind::Ipc => {
            ("bare slot ring (same two threads)", baseline::spsc_throughput(size, args.messages))
        }
        TransportKind::Udp => {
            ("raw UDP, one datagram per send()", udp_baseline::udp_send_recv_throughput(size, args.messages)?)
        }
    };
    let ratio = rate / baseline_rate;
    let transport_name = args.transport_name();
    if args.json {
        println!(
            "{}",
            json!({
                "transport": transport_name, "pattern": "throughput", "size": size, "messages": measured,
                "messages_per_second": rate, "megabytes_per_second": rate * size as f64 / 1e6,
                "baseline": baseline_name, "baseline_messages_per_second": baseline_rate, "ratio_to_baseline": ratio,
            })
        );
    } else {
        println!(
            "transport {transport_name} throughput, {size}-byte messages, {measured} measured after {warmup} warm-up"
        );
        println!(
            "  fulmar exclusive publication -> subscription: {:>12.0} msg/s ({:.1} MB/s)",
            rate,
            rate * size as f64 / 1e6
        );
        println!("  baseline {baseline_name}: {:>12.0} msg/s", baseline_rate);
        println!("  ratio to baseline: {ratio:.2}");
    }
    Ok(())
}

/// Waits (sleeping, then spinning) until `deadline`, the intended send time of the next ping.
pub fn wait_until(deadline: Instant) {
    loop {
        let now = Instant::now();
        if now >= deadline {
            return;
        }
        let remaining = deadline - now;
        if remaining > std::time::Duration::from_micros(60) {
            thread::sleep(remaining - std::time::Duration::from_micros(50));
        } else {
            std::hint::spin_loop();
        }
    }
}

fn ping_pong(args: &TransportArgs, term_length: i32) -> anyhow::Result<()> {
    let warmup = args.warmup.unwrap_or((args.messages / 10).min(100_000));
    let total = warmup + args.messages;
    let transport = EmbeddedTransport::start(args, term_length)?;
    let ping_channel = args.channel(term_length)?;
    let pong_channel = args.channel(term_length)?;
    let mut ping_publication = transport.aeron.add_exclusive_publication(&ping_channel, 1001)?;
    let mut ping_subscription = transport.aeron.add_subscription(&ping_channel, 1001)?;
    let mut pong_publication = transport.aeron.add_exclusive_publication(&pong_channel, 1002)?;
    let mut pong_subscription = transport.aeron.add_subscription(&pong_channel, 1002)?;
    wait_connected(&ping_publication, &mut ping_subscription)?;
    wait_connected(&pong_publication, &mut pong_subscription)?;

    let mut ponger_idle = idle_strategy(args)?;
    let mut ponger_offer_idle = idle_strategy(args)?;
    let ponger =
        thread::Builder::new().name("bench-ponger".into()).spawn(move || -> anyhow::Result<()> {
            let mut echoed = 0u64;
            let mut failure: Option<anyhow::Error> = None;
            let deadline = Instant::now() + std::time::Duration::from_secs(600);
            while echoed < total {
                let fragments = ping_subscription.poll(
                    &mut |message: &[u8], _header: &Header| {
                        if failure.is_none()
                            && let Err(error) =
                                offer(&mut pong_publication, message, ponger_offer_idle.as_mut())
                        {
                            failure = Some(error);
                        }
                        echoed += 1;
                    },
                    16,
                );
                if let Some(error) = failure.take() {
                    return Err(error);
                }
                if fragments == 0 && Instant::now() > deadline {
                    bail!("ponger stalled after {echoed} pings");
                }
                ponger_idle.idle(fragments);
            }
            Ok(())
        })?;

    let interval = (args.rate > 0).then(|| std::time::Duration::from_nanos(1_000_000_000 / args.rate));
    let mut idle = idle_strategy(args)?;
    let mut offer_idle = idle_strategy(args)?;
    let mut histogram = new_latency_histogram();
    let mut message = vec![0u8; args.size];
    let mut next_send = Instant::now();
    for sequence in 0..total {
        if let Some(interval) = interval {
            wait_until(next_send);
            next_send += interval;
        }
        message[..8].copy_from_slice(&sequence.to_le_bytes());
        let start = Instant::now();
        offer(&mut ping_publication, &message, offer_idle.as_mut())?;
        let mut answer: Option<u64> = None;
        let deadline = start + std::time::Duration::from_secs(10);
        while answer.is_none() {
            let fragments = pong_subscription.poll(
                &mut |reply: &[u8], _header: &Header| {
                    answer = Some(u64::from_le_bytes(reply[..8].try_into().expect("8-byte sequence")));
                },
                1,
            );
            if fragments == 0 && Instant::now() > deadline {
                bail!("ping {sequence} got no pong within 10 s");
            }
            idle.idle(fragments);
        }
        let elapsed_ns = start.elapsed().as_nanos() as u64;
        ensure!(answer == Some(sequence), "ping {sequence} answered by {answer:?}");
        if sequence >= warmup {
            histogram.record(elapsed_ns.max(1))?;
        }
    }
    ponger.join().map_err(|_| anyhow::anyhow!("ponger panicked"))??;
    drop((ping_publication, pong_subscription));
    drop(transport);

    let (baseline_name, baseline_histogram) = match args.transport {
        TransportKind::Ipc => ("cache-line", baseline::cache_line_ping_pong(warmup, args.messages)),
        TransportKind::Udp => {
            ("raw-udp", udp_baseline::udp_ping_pong(warmup, args.messages, args.size, args.rate)?)
        }
    };
    let fulmar = LatencySummary::of(&histogram);
    let bare = LatencySummary::of(&baseline_histogram);
    let ratio = fulmar.p50_ns as f64 / bare.p50_ns.max(1) as f64;
    let transport_name = args.transport_name();
    if let Some(dir) = &args.hdr_dir {
        std::fs::create_dir_all(dir)?;
        write_hdr_log(
            &dir.join(format!("transport-{transport_name}-pingpong.hdr")),
            &[
                (&format!("fulmar-{transport_name}"), &histogram),
                (&format!("baseline-{baseline_name}"), &baseline_histogram),
            ],
        )?;
    }
    if args.json {
        println!(
            "{}",
            json!({
                "transport": transport_name, "pattern": "pingpong", "size": args.size, "messages": args.messages,
                "rate": args.rate, "idle": args.idle,
                "latency": fulmar, "baseline": baseline_name, "baseline_latency": bare,
                "p50_ratio_to_baseline": ratio,
            })
        );
    } else {
        println!(
            "transport {transport_name} ping-pong round trip, {}-byte messages, {} measured after {warmup} warm-up, rate {}, idle {}",
            args.size,
            args.messages,
            if args.rate == 0 { "closed loop".to_string() } else { format!("{}/s", args.rate) },
            args.idle
        );
        println!("  {}", fulmar.line(&format!("fulmar {transport_name}")));
        println!("  {}", bare.line(&format!("baseline {baseline_name}")));
        println!("  p50 ratio to baseline: {ratio:.2}");
    }
    Ok(())
}
