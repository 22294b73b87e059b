//! `fulmar pub` / `fulmar sub`: sample clients of a standalone driver. Each message carries the
//! publisher's id and a sequence number, and a payload derived from both, so the subscriber can check
//! that nothing was lost, duplicated, reordered or torn. The multi-process tests drive these.
//!
//! Message layout: `sequence:u64 | publisher_id:u32 | fill`, where `fill[i] = (sequence + publisher_id + i) as u8`.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use agrona::IdleStrategy;
use anyhow::{Context as _, bail, ensure};
use clap::Args;
use client::{Aeron, Context, FragmentAssembler, Header, OfferError};
use sys::{AgentRunner, BackoffIdleStrategy, DriverDirectory, SystemEpochClock, SystemNanoClock};

use crate::bench::cli_parse::parse_duration_ns;

/// The smallest message: sequence and publisher id.
pub const MIN_MESSAGE_LENGTH: usize = 12;

/// Arguments of `fulmar pub`.
#[derive(Debug, Args)]
pub struct PubArgs {
    /// The driver directory.
    #[arg(long)]
    pub dir: PathBuf,
    /// Channel URI.
    #[arg(long, default_value = "aeron:ipc")]
    pub channel: String,
    /// Stream id.
    #[arg(long, default_value_t = 1001)]
    pub stream: i32,
    /// Number of messages to send.
    #[arg(long, default_value_t = 1000)]
    pub count: u64,
    /// Message length in bytes (at least 12).
    #[arg(long, default_value_t = 64)]
    pub size: usize,
    /// This publisher's id, carried in every message.
    #[arg(long, default_value_t = 1)]
    pub publisher_id: u32,
    /// Use an exclusive publication (default: a concurrent one, shared with other publishers).
    #[arg(long)]
    pub exclusive: bool,
    /// After this many messages, claim space for one more and never commit it, print `CLAIMED`, then
    /// hang until killed (to test that the driver unblocks a publication whose writer died).
    #[arg(long)]
    pub hang_after_claim: Option<u64>,
    /// Give up after this long (e.g. 30s).
    #[arg(long, default_value = "30s", value_parser = parse_duration_ns)]
    pub timeout: i64,
    /// After sending, keep the publication open this long before exiting (e.g. 60s).
    #[arg(long, value_parser = parse_duration_ns)]
    pub hold: Option<i64>,
}

/// Arguments of `fulmar sub`.
#[derive(Debug, Args)]
pub struct SubArgs {
    /// The driver directory.
    #[arg(long)]
    pub dir: PathBuf,
    /// Channel URI.
    #[arg(long, default_value = "aeron:ipc")]
    pub channel: String,
    /// Stream id.
    #[arg(long, default_value_t = 1001)]
    pub stream: i32,
    /// Messages expected from each publisher.
    #[arg(long, default_value_t = 1000)]
    pub count: u64,
    /// Number of distinct publishers expected.
    #[arg(long, default_value_t = 1)]
    pub publishers: u32,
    /// Total messages expected (default: --count × --publishers).
    #[arg(long)]
    pub total: Option<u64>,
    /// Give up after this long (e.g. 30s).
    #[arg(long, default_value = "30s", value_parser = parse_duration_ns)]
    pub timeout: i64,
}

/// A connected client whose conductor runs on its own backing-off thread (keep-alives, image updates).
pub struct ConnectedClient {
    /// The client.
    pub aeron: Aeron,
    runner: AgentRunner,
}

impl Drop for ConnectedClient {
    fn drop(&mut self) {
        self.runner.close();
        self.aeron.close();
    }
}

/// Connects to the driver in `dir` and starts the client conductor thread.
pub fn connect(dir: &Path) -> anyhow::Result<ConnectedClient> {
    let store =
        DriverDirectory::new(dir).open_store().with_context(|| format!("opening {}", dir.display()))?;
    let context = Context::new(Arc::new(store), Arc::new(SystemNanoClock::new()), Arc::new(SystemEpochClock))
        .idle_strategy(Box::new(BackoffIdleStrategy::default()));
    let aeron = Aeron::connect(context).context("connecting to the driver")?;
    let runner = AgentRunner::start(
        Box::new(aeron.conductor_agent()),
        Box::new(BackoffIdleStrategy::default()),
        Arc::new(SystemNanoClock::new()),
    )?;
    Ok(ConnectedClient { aeron, runner })
}

/// Fills `buffer` with message `sequence` of `publisher_id`.
pub fn encode_message(buffer: &mut [u8], sequence: u64, publisher_id: u32) {
    buffer[..8].copy_from_slice(&sequence.to_le_bytes());
    buffer[8..12].copy_from_slice(&publisher_id.to_le_bytes());
    for (i, byte) in buffer[12..].iter_mut().enumerate() {
        *byte = sequence.wrapping_add(publisher_id as u64).wrapping_add(i as u64) as u8;
    }
}

/// Checks a message; returns (publisher_id, sequence).
pub fn decode_message(message: &[u8]) -> Result<(u32, u64), String> {
    if message.len() < MIN_MESSAGE_LENGTH {
        return Err(format!("message of {} bytes is shorter than {MIN_MESSAGE_LENGTH}", message.len()));
    }
    let sequence = u64::from_le_bytes(message[..8].try_into().expect("8 bytes"));
    let publisher_id = u32::from_le_bytes(message[8..12].try_into().expect("4 bytes"));
    for (i, byte) in message[12..].iter().enumerate() {
        let expected = sequence.wrapping_add(publisher_id as u64).wrapping_add(i as u64) as u8;
        if *byte != expected {
            return Err(format!(
                "message {sequence} of publisher {publisher_id} is corrupt at byte {}",
                i + 12
            ));
        }
    }
    Ok((publisher_id, sequence))
}

/// Runs `fulmar pub`.
pub fn run_pub(args: PubArgs) -> anyhow::Result<()> {
    ensure!(args.size >= MIN_MESSAGE_LENGTH, "--size must be at least {MIN_MESSAGE_LENGTH}");
    let client = connect(&args.dir)?;
    let deadline = Instant::now() + Duration::from_nanos(args.timeout as u64);
    let mut buffer = vec![0u8; args.size];
    let publication = client.aeron.add_publication(&args.channel, args.stream)?;
    let mut exclusive = if args.exclusive {
        Some(client.aeron.add_exclusive_publication(&args.channel, args.stream)?)
    } else {
        None
    };
    let mut idle = BackoffIdleStrategy::default();
    for sequence in 0..args.count {
        if args.hang_after_claim == Some(sequence) {
            // Claim and leak the claim: the frame stays uncommitted, as if this process died mid-offer.
            loop {
                let result = match exclusive.as_mut() {
                    Some(exclusive) => exclusive.try_claim(args.size).map(std::mem::forget),
                    None => publication.try_claim(args.size).map(std::mem::forget),
                };
                match result {
                    Ok(()) => break,
                    Err(error) if Instant::now() > deadline => bail!("timed out claiming: {error}"),
                    Err(_) => std::thread::sleep(Duration::from_millis(1)),
                }
            }
            println!("CLAIMED");
            std::io::stdout().flush()?;
            loop {
                std::thread::sleep(Duration::from_secs(1));
            }
        }
        encode_message(&mut buffer, sequence, args.publisher_id);
        loop {
            let result = match exclusive.as_mut() {
                Some(exclusive) => exclusive.offer(&buffer),
                None => publication.offer(&buffer),
            };
            match result {
                Ok(_) => break,
                Err(OfferError::Closed | OfferError::MaxPositionExceeded) => bail!("publication closed"),
                Err(_) if Instant::now() > deadline => bail!("timed out offering message {sequence}"),
                Err(_) => idle.idle(0),
            }
        }
    }
    println!("SENT {}", args.count);
    std::io::stdout().flush()?;
    if let Some(hold_ns) = args.hold {
        std::thread::sleep(Duration::from_nanos(hold_ns as u64));
    }
    Ok(())
}

/// Runs `fulmar sub`.
pub fn run_sub(args: SubArgs) -> anyhow::Result<()> {
    let client = connect(&args.dir)?;
    let mut subscription = client.aeron.add_subscription(&args.channel, args.stream)?;
    println!("SUBSCRIBED");
    std::io::stdout().flush()?;
    let deadline = Instant::now() + Duration::from_nanos(args.timeout as u64);
    let mut next_sequence: HashMap<u32, u64> = HashMap::new();
    let mut failure: Option<String> = None;
    let expected_total = args.total.unwrap_or(args.count * args.publishers as u64);
    let mut received = 0u64;
    let mut idle = BackoffIdleStrategy::default();
    let mut assembler = FragmentAssembler::new(4096);
    while received < expected_total && failure.is_none() {
        let fragments = subscription.poll(
            &mut |fragment: &[u8], header: &Header| {
                assembler.on_fragment(fragment, header, &mut |message: &[u8], _header: &Header| {
                    match decode_message(message) {
                        Ok((publisher_id, sequence)) => {
                            let next = next_sequence.entry(publisher_id).or_insert(0);
                            if sequence != *next {
                                failure.get_or_insert(format!(
                                    "publisher {publisher_id}: expected sequence {next}, got {sequence}"
                                ));
                            }
                            *next = sequence + 1;
                            received += 1;
                        }
                        Err(error) => {
                            failure.get_or_insert(error);
                        }
                    }
                })
            },
            64,
        );
        if fragments == 0 {
            if Instant::now() > deadline {
                bail!("timed out after {received} of {expected_total} messages");
            }
            idle.idle(0);
        }
    }
    if let Some(failure) = failure {
        bail!("verification failed: {failure}");
    }
    ensure!(
        next_sequence.len() == args.publishers as usize,
        "expected {} publishers, saw {}",
        args.publishers,
        next_sequence.len()
    );
    println!("RECEIVED {received}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_and_corruption_is_caught() {
        let mut buffer = vec![0u8; 40];
        encode_message(&mut buffer, 77, 3);
        assert_eq!(decode_message(&buffer), Ok((3, 77)));
        buffer[20] ^= 1;
        assert!(decode_message(&buffer).is_err());
        assert!(decode_message(&buffer[..5]).is_err());
    }
}
