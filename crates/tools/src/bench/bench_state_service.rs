//! [`BenchStateService`]: the clustered service of `fulmar bench recovery` (`fulmar node --service
//! bench-state`). It echoes every client message like
//! [`BenchEchoService`](super::bench_echo_service::BenchEchoService), counts the messages it applied,
//! and holds `state-bytes` bytes of state (filled deterministically at start, or loaded from a
//! snapshot) that it writes into every snapshot as messages of the snapshot channel's maximum length.
//!
//! It reports on its node's standard output, one line per event, `node N: bench-state EVENT key=value
//! ...` (parsed by [`BenchStateEvent::parse`]):
//! - `started` at the end of `on_start`: `snapshot=none|loaded`, `state_bytes`, `applied` (messages
//!   counted so far, from the snapshot), `checksum`, `verified` (the loaded state equals the
//!   deterministic fill and its recorded checksum), `load_ns` (reading the snapshot), `verify_ns`;
//! - `first-message` at the first message applied after start;
//! - `applied` once the count reaches `announce-at`: `applied`, `replay_ns` (first message after start
//!   to this one);
//! - `snapshot-taken` in `on_take_snapshot`: `state_bytes`, `messages`, `checksum`, `capture_ns`.
//!
//! Snapshot layout: one header message `magic:u64 | applied:u64 | state_bytes:u64 | checksum:u64`
//! (little-endian), then the state in order, in messages of at most the writer's maximum length.
//!
//! Invariants: the replicated state (count, state bytes) depends only on the log and the snapshot; the
//! clock readings and printed lines are local observations for the benchmark; a malformed snapshot is
//! reported (`verified=false`, with a `problem`), never a panic.

use std::time::Instant;

use service::{ClientSession, CloseReason, Cluster, ClusteredService, Role, SnapshotReader, SnapshotWriter};

use super::bench_echo_service::BenchEchoService;
use super::cli_parse::parse_size;

/// First word of the snapshot's header message.
const SNAPSHOT_MAGIC: u64 = 0x6675_6c6d_6172_5354; // "fulmarST"
/// Length of the snapshot's header message.
const HEADER_LENGTH: usize = 32;
/// Messages taken from the snapshot reader per poll.
const SNAPSHOT_POLL_LIMIT: usize = 64;

/// The deterministic content of the state: byte `index` of a state.
fn fill_byte(index: usize) -> u8 {
    let word = (index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (word >> 56) as u8
}

/// The deterministic state of `length` bytes.
pub fn deterministic_state(length: usize) -> Vec<u8> {
    (0..length).map(fill_byte).collect()
}

/// A word-wise 64-bit hash of `bytes` (the tail shorter than a word is folded byte by byte).
pub fn state_checksum(bytes: &[u8]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64 ^ bytes.len() as u64;
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let mut raw = [0u8; 8];
        raw.copy_from_slice(word);
        hash = (hash ^ u64::from_le_bytes(raw)).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(29);
    }
    for &byte in words.remainder() {
        hash = (hash ^ byte as u64).wrapping_mul(0x100_0000_01b3);
    }
    hash
}

/// The settings of a [`BenchStateService`], from `fulmar node --service-option key=value`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BenchStateOptions {
    /// Bytes of state to hold (`state-bytes`, a size such as `100m`).
    pub state_bytes: usize,
    /// Print an `applied` line when the applied count reaches this (`announce-at`).
    pub announce_at: Option<u64>,
}

impl BenchStateOptions {
    /// Parses `key=value` options: `state-bytes=SIZE`, `announce-at=COUNT`.
    pub fn parse(options: &[String]) -> anyhow::Result<Self> {
        let mut parsed = Self::default();
        for option in options {
            let (key, value) = option
                .split_once('=')
                .ok_or_else(|| anyhow::anyhow!("service option {option:?} is not key=value"))?;
            match key.trim() {
                "state-bytes" => {
                    parsed.state_bytes = usize::try_from(parse_size(value).map_err(anyhow::Error::msg)?)?;
                }
                "announce-at" => parsed.announce_at = Some(value.trim().parse()?),
                other => anyhow::bail!("unknown bench-state option {other:?} (state-bytes, announce-at)"),
            }
        }
        Ok(parsed)
    }
}

/// What a loaded snapshot held.
struct Loaded {
    applied: u64,
    state: Vec<u8>,
    recorded_checksum: u64,
}

/// Reads the snapshot: header, then the state. Errors name what is wrong.
fn read_snapshot(reader: &mut SnapshotReader<'_>) -> Result<Loaded, String> {
    let mut header: Option<(u64, usize, u64)> = None;
    let mut state = Vec::new();
    let mut problem: Option<String> = None;
    while !reader.is_done() {
        reader.poll(
            &mut |message| {
                if problem.is_some() {
                    return;
                }
                let Some((_, length, _)) = header else {
                    let word = |index: usize| {
                        message
                            .get(index * 8..index * 8 + 8)
                            .and_then(|raw| raw.try_into().ok())
                            .map(u64::from_le_bytes)
                    };
                    match (message.len(), word(0), word(1), word(2), word(3)) {
                        (
                            HEADER_LENGTH,
                            Some(SNAPSHOT_MAGIC),
                            Some(applied),
                            Some(length),
                            Some(checksum),
                        ) => match usize::try_from(length) {
                            Ok(length) => {
                                header = Some((applied, length, checksum));
                                state.reserve_exact(length);
                            }
                            Err(_) => problem = Some(format!("state length {length} too large")),
                        },
                        _ => problem = Some(format!("bad header message of {} bytes", message.len())),
                    }
                    return;
                };
                if state.len() + message.len() > length {
                    problem = Some(format!("more than the {length} state bytes the header announced"));
                    return;
                }
                state.extend_from_slice(message);
            },
            SNAPSHOT_POLL_LIMIT,
        );
    }
    if let Some(problem) = problem {
        return Err(problem);
    }
    let (applied, length, recorded_checksum) = header.ok_or("empty snapshot")?;
    if state.len() != length {
        return Err(format!("{} state bytes of the {length} the header announced", state.len()));
    }
    Ok(Loaded { applied, state, recorded_checksum })
}

/// Echoes, counts and holds state; see the module docs. Create with [`BenchStateService::new`].
#[derive(Debug)]
pub struct BenchStateService {
    options: BenchStateOptions,
    echo: BenchEchoService,
    state: Vec<u8>,
    applied: u64,
    member_id: i32,
    first_message_at: Option<Instant>,
}

impl BenchStateService {
    /// A service with `options` on member `member_id` (named in its lines); its state is set up in
    /// `on_start`.
    pub fn new(options: BenchStateOptions, member_id: i32) -> Self {
        Self {
            options,
            echo: BenchEchoService::new(),
            state: Vec::new(),
            applied: 0,
            member_id,
            first_message_at: None,
        }
    }

    fn report(&self, event: &str, fields: &str) {
        println!("node {}: bench-state {event} {fields}", self.member_id);
    }
}

impl ClusteredService for BenchStateService {
    fn on_start(&mut self, _cluster: &mut Cluster<'_>, snapshot: Option<&mut SnapshotReader<'_>>) {
        let Some(reader) = snapshot else {
            self.state = deterministic_state(self.options.state_bytes);
            let checksum = state_checksum(&self.state);
            self.report(
                "started",
                &format!(
                    "snapshot=none state_bytes={} applied=0 checksum={checksum:016x} verified=true load_ns=0 \
                     verify_ns=0",
                    self.state.len()
                ),
            );
            return;
        };
        let load_start = Instant::now();
        let loaded = read_snapshot(reader);
        let load_ns = load_start.elapsed().as_nanos();
        match loaded {
            Ok(loaded) => {
                let verify_start = Instant::now();
                let checksum = state_checksum(&loaded.state);
                let expected_checksum = state_checksum(&deterministic_state(loaded.state.len()));
                let verify_ns = verify_start.elapsed().as_nanos();
                let verified = checksum == loaded.recorded_checksum && checksum == expected_checksum;
                self.applied = loaded.applied;
                self.state = loaded.state;
                self.report(
                    "started",
                    &format!(
                        "snapshot=loaded state_bytes={} applied={} checksum={checksum:016x} verified={verified} \
                         load_ns={load_ns} verify_ns={verify_ns}",
                        self.state.len(),
                        self.applied
                    ),
                );
            }
            Err(problem) => {
                self.report(
                    "started",
                    &format!(
                        "snapshot=loaded state_bytes=0 applied=0 checksum=0 verified=false load_ns={load_ns} \
                         verify_ns=0 problem={}",
                        problem.replace(' ', "_")
                    ),
                );
            }
        }
    }

    fn on_session_open(&mut self, cluster: &mut Cluster<'_>, session: &ClientSession, timestamp: i64) {
        self.echo.on_session_open(cluster, session, timestamp);
    }

    fn on_session_close(
        &mut self,
        cluster: &mut Cluster<'_>,
        session: &ClientSession,
        timestamp: i64,
        reason: CloseReason,
    ) {
        self.echo.on_session_close(cluster, session, timestamp, reason);
    }

    fn on_session_message(
        &mut self,
        cluster: &mut Cluster<'_>,
        session: Option<&ClientSession>,
        timestamp: i64,
        message: &[u8],
    ) {
        self.applied += 1;
        let first_at = match self.first_message_at {
            Some(at) => at,
            None => {
                let now = Instant::now();
                self.first_message_at = Some(now);
                self.report("first-message", &format!("applied={}", self.applied));
                now
            }
        };
        if self.options.announce_at == Some(self.applied) {
            let replay_ns = first_at.elapsed().as_nanos();
            self.report("applied", &format!("applied={} replay_ns={replay_ns}", self.applied));
        }
        self.echo.on_session_message(cluster, session, timestamp, message);
    }

    fn on_timer_event(&mut self, cluster: &mut Cluster<'_>, correlation_id: i64, timestamp: i64) {
        self.echo.on_timer_event(cluster, correlation_id, timestamp);
    }

    fn on_take_snapshot(&mut self, _cluster: &mut Cluster<'_>, snapshot: &mut SnapshotWriter<'_>) {
        let start = Instant::now();
        let checksum = state_checksum(&self.state);
        let mut header = [0u8; HEADER_LENGTH];
        for (index, word) in
            [SNAPSHOT_MAGIC, self.applied, self.state.len() as u64, checksum].iter().enumerate()
        {
            header[index * 8..index * 8 + 8].copy_from_slice(&word.to_le_bytes());
        }
        let mut messages = 1u64;
        let mut refused = snapshot.offer(&header).is_err();
        let chunk = snapshot.max_message_length().max(1);
        for part in self.state.chunks(chunk) {
            if refused {
                break;
            }
            refused = snapshot.offer(part).is_err();
            messages += 1;
        }
        let capture_ns = start.elapsed().as_nanos();
        self.report(
            "snapshot-taken",
            &format!(
                "state_bytes={} messages={messages} message_length={chunk} checksum={checksum:016x} \
                 capture_ns={capture_ns} refused={refused}",
                self.state.len()
            ),
        );
    }

    fn on_role_change(&mut self, cluster: &mut Cluster<'_>, role: Role) {
        self.echo.on_role_change(cluster, role);
    }

    fn on_terminate(&mut self, cluster: &mut Cluster<'_>) {
        self.echo.on_terminate(cluster);
    }
}

/// One `bench-state` line of a node's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchStateEvent {
    /// `started`, `first-message`, `applied` or `snapshot-taken`.
    pub event: String,
    /// The `key=value` fields, in order.
    pub fields: Vec<(String, String)>,
}

impl BenchStateEvent {
    /// Parses the body of a node line (after `node N: `); `None` if it is not a `bench-state` line.
    pub fn parse(body: &str) -> Option<Self> {
        let rest = body.strip_prefix("bench-state ")?;
        let mut words = rest.split_whitespace();
        let event = words.next()?.to_owned();
        let fields = words
            .filter_map(|word| word.split_once('='))
            .map(|(key, value)| (key.to_owned(), value.to_owned()))
            .collect();
        Some(Self { event, fields })
    }

    /// The value of field `key`.
    pub fn field(&self, key: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Field `key` as a number.
    pub fn number(&self, key: &str) -> Option<u64> {
        self.field(key)?.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_and_events_parse() {
        let options =
            BenchStateOptions::parse(&["state-bytes=2m".to_owned(), "announce-at=7".to_owned()]).unwrap();
        assert_eq!(options, BenchStateOptions { state_bytes: 2 << 20, announce_at: Some(7) });
        assert!(BenchStateOptions::parse(&["nope=1".to_owned()]).is_err());
        assert!(BenchStateOptions::parse(&["state-bytes".to_owned()]).is_err());
        let event = BenchStateEvent::parse("bench-state applied applied=7 replay_ns=123").unwrap();
        assert_eq!(event.event, "applied");
        assert_eq!(event.number("applied"), Some(7));
        assert_eq!(event.number("replay_ns"), Some(123));
        assert_eq!(event.field("nope"), None);
        assert_eq!(BenchStateEvent::parse("role NONE -> LEADER"), None);
    }

    #[test]
    fn snapshot_messages_read_back_and_corruption_is_reported() {
        let state = deterministic_state(1000);
        let checksum = state_checksum(&state);
        let mut header = Vec::new();
        for word in [SNAPSHOT_MAGIC, 42, 1000, checksum] {
            header.extend_from_slice(&word.to_le_bytes());
        }
        let mut messages = vec![header.clone()];
        messages.extend(state.chunks(300).map(<[u8]>::to_vec));
        let loaded = read_snapshot(&mut SnapshotReader::new(&messages)).unwrap();
        assert_eq!((loaded.applied, loaded.recorded_checksum), (42, checksum));
        assert_eq!(loaded.state, state);

        let short = &messages[..messages.len() - 1];
        assert!(read_snapshot(&mut SnapshotReader::new(short)).is_err(), "missing state");
        let mut bad_header = messages.clone();
        bad_header[0][0] ^= 1;
        assert!(read_snapshot(&mut SnapshotReader::new(&bad_header)).is_err());
        let mut extra = messages.clone();
        extra.push(vec![1]);
        assert!(read_snapshot(&mut SnapshotReader::new(&extra)).is_err());
        assert!(read_snapshot(&mut SnapshotReader::new(&[])).is_err());
        assert_ne!(state_checksum(&state[..999]), state_checksum(&state));
    }
}
