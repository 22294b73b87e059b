//! [`ConsensusModuleSnapshot`]: the content of a consensus-module snapshot (Aeron
//! `ConsensusModuleSnapshotTaker` / `ConsensusModuleSnapshotAdapter`, reference §1.6 and §4.3), encoded
//! to and decoded from a list of SBE messages. Pure: no I/O; the caller offers the encoded messages to
//! the snapshot publication, or collects the reassembled messages of a snapshot replay and decodes them.
//!
//! Message order (exactly what Aeron 1.54 writes):
//! `SnapshotMarker BEGIN (typeId 1)`, `ConsensusModule`, `ClusterSession*`, `Timer*`,
//! `(PendingMessageTracker, SessionMessageHeader message*)*`, `SnapshotMarker END`.
//!
//! Invariants:
//! - `ConsensusModuleSnapshot::decode(&snapshot.encode()) == Ok(snapshot)` for every snapshot with a
//!   named time unit, named (or absent) close reasons, tracker service ids in `0..128` (each at most
//!   once), non-negative capacities and pending messages that satisfy the tracker id rule below.
//! - `decode` never panics. It accepts only the order above, cluster-schema messages (schema id 111),
//!   a BEGIN marker with typeId 1 first and an END marker with the same typeId, log position and
//!   leadership term id last, and nothing after END. A null time unit decodes as milliseconds (Aeron
//!   `ClusterClock.map`); other unnamed enum values are errors, as Aeron's generated decoders throw.
//! - The pending messages of a tracker are SessionMessageHeader messages (so at least the 32-byte
//!   session header long) whose cluster session ids are
//!   `log_service_session_id + 1, + 2, ...` and the tracker's `next_service_session_id` is one past the
//!   last (`log_service_session_id + count + 1`, wrapping like
//!   [`PendingServiceMessageTracker::verify`](crate::PendingServiceMessageTracker::verify)).
//! - Errors name the index of the offending message in the input list.

use std::fmt::Write as _;

use protocol::cluster::{
    CloseReason, ClusterSession, ClusterTimeUnit, ConsensusModule, MessageHeader, PendingMessageTracker,
    SCHEMA_ID, SbeError, SessionMessageHeader, SnapshotMark, SnapshotMarker, Timer,
};

/// [`SnapshotMarker::type_id`] of a consensus-module snapshot (Aeron
/// `ConsensusModule.Configuration.SNAPSHOT_TYPE_ID`).
pub const CONSENSUS_MODULE_SNAPSHOT_TYPE_ID: i64 = protocol::cluster::CONSENSUS_MODULE_SNAPSHOT_TYPE_ID;

/// Exclusive upper bound of a service id (service ids occupy 7 bits of a service session id).
const SERVICE_ID_LIMIT: i32 = 128;

/// The messages allowed right after BEGIN, for error messages.
const AFTER_BEGIN: &str = "ConsensusModule";
/// The messages allowed after ConsensusModule or a ClusterSession.
const AFTER_STATE: &str = "ClusterSession, Timer, PendingMessageTracker or END marker";
/// The messages allowed after a Timer.
const AFTER_TIMER: &str = "Timer, PendingMessageTracker or END marker";
/// The messages allowed after a PendingMessageTracker or a pending message.
const AFTER_TRACKER: &str = "SessionMessageHeader, PendingMessageTracker or END marker";

/// Which section of the snapshot the decoder is in (after ConsensusModule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Sessions,
    Timers,
    Trackers,
}

impl Section {
    /// The messages allowed next, for error messages.
    fn expected(self) -> &'static str {
        match self {
            Section::Sessions => AFTER_STATE,
            Section::Timers => AFTER_TIMER,
            Section::Trackers => AFTER_TRACKER,
        }
    }
}

/// Why a consensus-module snapshot could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsensusModuleSnapshotError {
    /// The snapshot holds no message at all.
    #[error("snapshot is empty")]
    Empty,
    /// A message's bytes do not decode (truncated, foreign schema, bad var-data, ...).
    #[error("snapshot message {index}: {source}")]
    Malformed {
        /// Index of the message in the snapshot.
        index: usize,
        /// What the SBE decoder reported.
        source: SbeError,
    },
    /// A message of a template that may not appear at this place.
    #[error("snapshot message {index}: expected {expected}, found template {template_id}")]
    UnexpectedMessage {
        /// Index of the message in the snapshot.
        index: usize,
        /// The messages allowed here.
        expected: &'static str,
        /// Template id found.
        template_id: u16,
    },
    /// A snapshot marker with the wrong mark (e.g. the first message is not BEGIN).
    #[error("snapshot message {index}: expected {expected:?} marker, found {found:?}")]
    UnexpectedMark {
        /// Index of the message in the snapshot.
        index: usize,
        /// The mark required here.
        expected: SnapshotMark,
        /// The mark found.
        found: SnapshotMark,
    },
    /// A snapshot marker of another snapshot type.
    #[error("snapshot message {index}: snapshot type {actual}, expected {expected}")]
    WrongSnapshotType {
        /// Index of the message in the snapshot.
        index: usize,
        /// The required type id.
        expected: i64,
        /// The type id found.
        actual: i64,
    },
    /// The END marker disagrees with the BEGIN marker.
    #[error("snapshot message {index}: END marker {field} {end} differs from BEGIN marker's {begin}")]
    EndMismatch {
        /// Index of the END marker.
        index: usize,
        /// Name of the field that differs.
        field: &'static str,
        /// Value in the BEGIN marker.
        begin: i64,
        /// Value in the END marker.
        end: i64,
    },
    /// The messages end without an END marker.
    #[error("snapshot of {count} messages ends without an END marker")]
    MissingEnd {
        /// Number of messages in the snapshot.
        count: usize,
    },
    /// Messages follow the END marker.
    #[error("snapshot message {index}: message after the END marker")]
    AfterEnd {
        /// Index of the first message after END.
        index: usize,
    },
    /// An unnamed, non-null time unit in the BEGIN marker.
    #[error("snapshot message {index}: unknown cluster time unit {value}")]
    UnknownTimeUnit {
        /// Index of the marker.
        index: usize,
        /// Wire value found.
        value: i32,
    },
    /// An unnamed, non-null close reason of a session.
    #[error("snapshot message {index}: unknown close reason {value}")]
    UnknownCloseReason {
        /// Index of the ClusterSession message.
        index: usize,
        /// Wire value found.
        value: i32,
    },
    /// A tracker of a service id outside `0..128`.
    #[error("snapshot message {index}: service id {service_id} outside 0..128")]
    InvalidServiceId {
        /// Index of the PendingMessageTracker message.
        index: usize,
        /// Service id found.
        service_id: i32,
    },
    /// A second tracker for the same service.
    #[error("snapshot message {index}: second pending message tracker for service {service_id}")]
    DuplicateTracker {
        /// Index of the second PendingMessageTracker message.
        index: usize,
        /// The repeated service id.
        service_id: i32,
    },
    /// A tracker with a negative pending message capacity.
    #[error("snapshot message {index}: negative pending message capacity {capacity}")]
    NegativeCapacity {
        /// Index of the PendingMessageTracker message.
        index: usize,
        /// Capacity found.
        capacity: i32,
    },
    /// A pending message whose cluster session id does not follow the previous one (Aeron `verify`).
    #[error(
        "snapshot message {index}: pending message of service {service_id} has cluster session id \
         {actual}, expected {expected}"
    )]
    PendingMessageOutOfSequence {
        /// Index of the pending message.
        index: usize,
        /// Service of the tracker.
        service_id: i32,
        /// `log_service_session_id + k` for the k-th message.
        expected: i64,
        /// Cluster session id found.
        actual: i64,
    },
    /// A tracker whose `next_service_session_id` is not one past its last pending message.
    #[error(
        "snapshot message {index}: tracker of service {service_id} has next service session id \
         {actual}, expected {expected}"
    )]
    NextServiceSessionIdMismatch {
        /// Index of the PendingMessageTracker message.
        index: usize,
        /// Service of the tracker.
        service_id: i32,
        /// `log_service_session_id + count + 1`.
        expected: i64,
        /// `next_service_session_id` found.
        actual: i64,
    },
}

/// A client session as the consensus module snapshots it (open or closing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotSession {
    /// Id of the session.
    pub cluster_session_id: i64,
    /// Correlation id of the session's connect request.
    pub correlation_id: i64,
    /// Log position at which the session opened.
    pub opened_log_position: i64,
    /// Stream id of the response channel.
    pub response_stream_id: i32,
    /// Channel URI of the egress.
    pub response_channel: String,
    /// Why the session is closing; `None` if it is open (written as the enum's null value).
    /// `Some(CloseReason::Unknown(i32::MIN))` is written as null too and decodes as `None`.
    pub close_reason: Option<CloseReason>,
}

/// A scheduled timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotTimer {
    /// Timer id.
    pub correlation_id: i64,
    /// Deadline in cluster time units.
    pub deadline: i64,
}

/// One service's pending-message tracker and its queued messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotTracker {
    /// The service (`0..128`).
    pub service_id: i32,
    /// Next service session id to assign (as corrected by
    /// [`PendingServiceMessageTracker::snapshot_next_service_session_id`](crate::PendingServiceMessageTracker::snapshot_next_service_session_id)).
    pub next_service_session_id: i64,
    /// Last service session id seen in the log.
    pub log_service_session_id: i64,
    /// Pending message buffer capacity in bytes (Aeron writes the bytes in use).
    pub pending_message_capacity: i32,
    /// The raw pending messages, each a SessionMessageHeader message (template 1) + payload, exactly as
    /// [`PendingServiceMessageTracker::for_each_message`](crate::PendingServiceMessageTracker::for_each_message)
    /// yields them.
    pub messages: Vec<Vec<u8>>,
}

/// The whole content of a consensus-module snapshot.
///
/// How to drive it: to take a snapshot fill the fields from the session manager, the timer service
/// and the pending-message trackers (service 0 first, as Aeron does) and offer each message of
/// [`encode`](Self::encode) to the snapshot publication in order. To load one, collect the reassembled
/// messages of the replayed recording (up to and including the END marker) and call
/// [`decode`](Self::decode); the result is validated (see the module docs) but the caller still checks
/// the app version and time unit against its configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsensusModuleSnapshot {
    /// Log position at which the snapshot was taken.
    pub log_position: i64,
    /// Leadership term at which the snapshot was taken.
    pub leadership_term_id: i64,
    /// Time unit of the cluster's timestamps.
    pub time_unit: ClusterTimeUnit,
    /// Application semantic version (`major << 16 | minor << 8 | patch`).
    pub app_version: i32,
    /// Next cluster session id to allocate (the next *committed* session id).
    pub next_session_id: i64,
    /// Open and closing sessions.
    pub sessions: Vec<SnapshotSession>,
    /// Scheduled timers.
    pub timers: Vec<SnapshotTimer>,
    /// One tracker per service.
    pub trackers: Vec<SnapshotTracker>,
}

impl ConsensusModuleSnapshot {
    /// The snapshot as SBE messages (each with its 8-byte header), in Aeron's order: BEGIN marker
    /// (typeId 1, index 0), ConsensusModule (next session id and the first service-0 tracker's ids and
    /// capacity, or zeros without one, as Aeron writes), one ClusterSession per session
    /// (timeOfLastActivity -1), one Timer per timer, per tracker its PendingMessageTracker then its
    /// messages verbatim, END marker (same fields as BEGIN).
    ///
    /// # Panics
    ///
    /// If a response channel is longer than the SBE maximum of 1 GiB (API misuse).
    pub fn encode(&self) -> Vec<Vec<u8>> {
        let message_count = 3
            + self.sessions.len()
            + self.timers.len()
            + self.trackers.iter().map(|tracker| 1 + tracker.messages.len()).sum::<usize>();
        let mut messages = Vec::with_capacity(message_count);
        messages.push(self.marker(SnapshotMark::Begin));

        let service_zero = self.trackers.iter().find(|tracker| tracker.service_id == 0);
        let state = ConsensusModule {
            next_session_id: self.next_session_id,
            next_service_session_id: service_zero.map_or(0, |tracker| tracker.next_service_session_id),
            log_service_session_id: service_zero.map_or(0, |tracker| tracker.log_service_session_id),
            pending_message_capacity: service_zero.map_or(0, |tracker| tracker.pending_message_capacity),
        };
        messages.push(encode_with(state.encoded_length(), |dst| state.encode(dst)));

        for session in &self.sessions {
            let message = ClusterSession {
                cluster_session_id: session.cluster_session_id,
                correlation_id: session.correlation_id,
                opened_log_position: session.opened_log_position,
                time_of_last_activity: -1,
                close_reason: session.close_reason.unwrap_or(CloseReason::Unknown(CloseReason::NULL_VALUE)),
                response_stream_id: session.response_stream_id,
                response_channel: &session.response_channel,
            };
            messages.push(encode_with(message.encoded_length(), |dst| message.encode(dst)));
        }

        for timer in &self.timers {
            let message = Timer { correlation_id: timer.correlation_id, deadline: timer.deadline };
            messages.push(encode_with(message.encoded_length(), |dst| message.encode(dst)));
        }

        for tracker in &self.trackers {
            let message = PendingMessageTracker {
                next_service_session_id: tracker.next_service_session_id,
                log_service_session_id: tracker.log_service_session_id,
                pending_message_capacity: tracker.pending_message_capacity,
                service_id: tracker.service_id,
            };
            messages.push(encode_with(message.encoded_length(), |dst| message.encode(dst)));
            messages.extend(tracker.messages.iter().cloned());
        }

        messages.push(self.marker(SnapshotMark::End));
        messages
    }

    /// Decodes and validates a whole snapshot, from the BEGIN marker to the END marker inclusive (see the
    /// module docs for the rules). Never panics.
    pub fn decode<M: AsRef<[u8]>>(messages: &[M]) -> Result<Self, ConsensusModuleSnapshotError> {
        use ConsensusModuleSnapshotError as Error;

        let first = messages.first().ok_or(Error::Empty)?;
        let begin = decode_marker(0, first.as_ref(), SnapshotMark::Begin)?;
        let time_unit = match begin.time_unit {
            ClusterTimeUnit::Unknown(ClusterTimeUnit::NULL_VALUE) => ClusterTimeUnit::Millis,
            ClusterTimeUnit::Unknown(value) => return Err(Error::UnknownTimeUnit { index: 0, value }),
            named => named,
        };

        let mut index = 1;
        let state = {
            let bytes = message_at(messages, index)?;
            let header = peek_header(index, bytes)?;
            if header.template_id != ConsensusModule::TEMPLATE_ID {
                return Err(unexpected(index, AFTER_BEGIN, header.template_id));
            }
            ConsensusModule::decode(bytes).map_err(|source| Error::Malformed { index, source })?
        };
        index += 1;

        let mut snapshot = ConsensusModuleSnapshot {
            log_position: begin.log_position,
            leadership_term_id: begin.leadership_term_id,
            time_unit,
            app_version: begin.app_version,
            next_session_id: state.next_session_id,
            sessions: Vec::new(),
            timers: Vec::new(),
            trackers: Vec::new(),
        };

        let mut section = Section::Sessions;
        loop {
            let bytes = message_at(messages, index)?;
            let header = peek_header(index, bytes)?;
            match header.template_id {
                ClusterSession::TEMPLATE_ID if section == Section::Sessions => {
                    snapshot.sessions.push(decode_session(index, bytes)?);
                }
                Timer::TEMPLATE_ID if section != Section::Trackers => {
                    let timer = Timer::decode(bytes).map_err(|source| Error::Malformed { index, source })?;
                    snapshot.timers.push(SnapshotTimer {
                        correlation_id: timer.correlation_id,
                        deadline: timer.deadline,
                    });
                    section = Section::Timers;
                }
                PendingMessageTracker::TEMPLATE_ID => {
                    finish_tracker(&snapshot.trackers, index)?;
                    let tracker = decode_tracker(index, bytes, &snapshot.trackers)?;
                    snapshot.trackers.push(tracker);
                    section = Section::Trackers;
                }
                SessionMessageHeader::TEMPLATE_ID if section == Section::Trackers => {
                    if let Some(tracker) = snapshot.trackers.last_mut() {
                        check_pending_message(index, bytes, tracker)?;
                        tracker.messages.push(bytes.to_vec());
                    }
                }
                SnapshotMarker::TEMPLATE_ID => {
                    finish_tracker(&snapshot.trackers, index)?;
                    let end = decode_marker(index, bytes, SnapshotMark::End)?;
                    check_end(index, &begin, &end)?;
                    if index + 1 != messages.len() {
                        return Err(Error::AfterEnd { index: index + 1 });
                    }
                    return Ok(snapshot);
                }
                template_id => return Err(unexpected(index, section.expected(), template_id)),
            }
            index += 1;
        }
    }

    /// A readable multi-line summary (for the cluster tool's `describe-latest-cm-snapshot`): position,
    /// term, time unit, app version, next session id, then one line per session, timer and tracker.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "Consensus module snapshot: logPosition={} leadershipTermId={} timeUnit={:?} appVersion={}.{}.{} \
             nextSessionId={}",
            self.log_position,
            self.leadership_term_id,
            self.time_unit,
            (self.app_version >> 16) & 0xFF,
            (self.app_version >> 8) & 0xFF,
            self.app_version & 0xFF,
            self.next_session_id,
        );
        let _ = writeln!(out, "Sessions: {}", self.sessions.len());
        for session in &self.sessions {
            let state = match session.close_reason {
                None => "OPEN".to_string(),
                Some(reason) => format!("CLOSING({reason:?})"),
            };
            let _ = writeln!(
                out,
                "  session id={} correlationId={} openedLogPosition={} state={} responseStreamId={} \
                 responseChannel={}",
                session.cluster_session_id,
                session.correlation_id,
                session.opened_log_position,
                state,
                session.response_stream_id,
                session.response_channel,
            );
        }
        let _ = writeln!(out, "Timers: {}", self.timers.len());
        for timer in &self.timers {
            let _ =
                writeln!(out, "  timer correlationId={} deadline={}", timer.correlation_id, timer.deadline);
        }
        let _ = writeln!(out, "Pending message trackers: {}", self.trackers.len());
        for tracker in &self.trackers {
            let _ = writeln!(
                out,
                "  tracker serviceId={} nextServiceSessionId={} logServiceSessionId={} capacity={} \
                 pendingMessages={}",
                tracker.service_id,
                tracker.next_service_session_id,
                tracker.log_service_session_id,
                tracker.pending_message_capacity,
                tracker.messages.len(),
            );
        }
        out
    }

    fn marker(&self, mark: SnapshotMark) -> Vec<u8> {
        let marker = SnapshotMarker {
            type_id: CONSENSUS_MODULE_SNAPSHOT_TYPE_ID,
            log_position: self.log_position,
            leadership_term_id: self.leadership_term_id,
            index: 0,
            mark,
            time_unit: self.time_unit,
            app_version: self.app_version,
        };
        encode_with(marker.encoded_length(), |dst| marker.encode(dst))
    }
}

/// Encodes one message into a vector of exactly `length` bytes.
fn encode_with(length: usize, encode: impl FnOnce(&mut [u8]) -> Result<usize, SbeError>) -> Vec<u8> {
    let mut bytes = vec![0u8; length];
    match encode(&mut bytes) {
        Ok(written) => debug_assert_eq!(written, length),
        Err(error) => panic!("snapshot message cannot be encoded: {error}"),
    }
    bytes
}

fn message_at<M: AsRef<[u8]>>(messages: &[M], index: usize) -> Result<&[u8], ConsensusModuleSnapshotError> {
    messages
        .get(index)
        .map(AsRef::as_ref)
        .ok_or(ConsensusModuleSnapshotError::MissingEnd { count: messages.len() })
}

/// The message header, checked to be of the cluster schema.
fn peek_header(index: usize, bytes: &[u8]) -> Result<MessageHeader, ConsensusModuleSnapshotError> {
    let header = MessageHeader::decode(bytes)
        .map_err(|source| ConsensusModuleSnapshotError::Malformed { index, source })?;
    if header.schema_id != SCHEMA_ID {
        return Err(ConsensusModuleSnapshotError::Malformed {
            index,
            source: SbeError::WrongSchemaId { expected: SCHEMA_ID, actual: header.schema_id },
        });
    }
    Ok(header)
}

fn unexpected(index: usize, expected: &'static str, template_id: u16) -> ConsensusModuleSnapshotError {
    ConsensusModuleSnapshotError::UnexpectedMessage { index, expected, template_id }
}

/// Decodes a snapshot marker of this snapshot type with the required mark.
fn decode_marker(
    index: usize,
    bytes: &[u8],
    mark: SnapshotMark,
) -> Result<SnapshotMarker, ConsensusModuleSnapshotError> {
    use ConsensusModuleSnapshotError as Error;

    let header = peek_header(index, bytes)?;
    if header.template_id != SnapshotMarker::TEMPLATE_ID {
        let expected = match mark {
            SnapshotMark::Begin => "BEGIN marker",
            _ => "END marker",
        };
        return Err(unexpected(index, expected, header.template_id));
    }
    let marker = SnapshotMarker::decode(bytes).map_err(|source| Error::Malformed { index, source })?;
    if marker.type_id != CONSENSUS_MODULE_SNAPSHOT_TYPE_ID {
        return Err(Error::WrongSnapshotType {
            index,
            expected: CONSENSUS_MODULE_SNAPSHOT_TYPE_ID,
            actual: marker.type_id,
        });
    }
    if marker.mark != mark {
        return Err(Error::UnexpectedMark { index, expected: mark, found: marker.mark });
    }
    Ok(marker)
}

fn check_end(
    index: usize,
    begin: &SnapshotMarker,
    end: &SnapshotMarker,
) -> Result<(), ConsensusModuleSnapshotError> {
    let pairs = [
        ("logPosition", begin.log_position, end.log_position),
        ("leadershipTermId", begin.leadership_term_id, end.leadership_term_id),
    ];
    match pairs.into_iter().find(|(_, begin, end)| begin != end) {
        Some((field, begin, end)) => {
            Err(ConsensusModuleSnapshotError::EndMismatch { index, field, begin, end })
        }
        None => Ok(()),
    }
}

fn decode_session(index: usize, bytes: &[u8]) -> Result<SnapshotSession, ConsensusModuleSnapshotError> {
    let session = ClusterSession::decode(bytes)
        .map_err(|source| ConsensusModuleSnapshotError::Malformed { index, source })?;
    let close_reason = match session.close_reason {
        CloseReason::Unknown(CloseReason::NULL_VALUE) => None,
        CloseReason::Unknown(value) => {
            return Err(ConsensusModuleSnapshotError::UnknownCloseReason { index, value });
        }
        named => Some(named),
    };
    Ok(SnapshotSession {
        cluster_session_id: session.cluster_session_id,
        correlation_id: session.correlation_id,
        opened_log_position: session.opened_log_position,
        response_stream_id: session.response_stream_id,
        response_channel: session.response_channel.to_string(),
        close_reason,
    })
}

fn decode_tracker(
    index: usize,
    bytes: &[u8],
    trackers: &[SnapshotTracker],
) -> Result<SnapshotTracker, ConsensusModuleSnapshotError> {
    use ConsensusModuleSnapshotError as Error;

    let tracker =
        PendingMessageTracker::decode(bytes).map_err(|source| Error::Malformed { index, source })?;
    let service_id = tracker.service_id;
    if !(0..SERVICE_ID_LIMIT).contains(&service_id) {
        return Err(Error::InvalidServiceId { index, service_id });
    }
    if trackers.iter().any(|existing| existing.service_id == service_id) {
        return Err(Error::DuplicateTracker { index, service_id });
    }
    if tracker.pending_message_capacity < 0 {
        return Err(Error::NegativeCapacity { index, capacity: tracker.pending_message_capacity });
    }
    Ok(SnapshotTracker {
        service_id,
        next_service_session_id: tracker.next_service_session_id,
        log_service_session_id: tracker.log_service_session_id,
        pending_message_capacity: tracker.pending_message_capacity,
        messages: Vec::new(),
    })
}

/// Checks that the pending message at `index` is the next one of `tracker`.
fn check_pending_message(
    index: usize,
    bytes: &[u8],
    tracker: &SnapshotTracker,
) -> Result<(), ConsensusModuleSnapshotError> {
    use ConsensusModuleSnapshotError as Error;

    let header = SessionMessageHeader::decode(bytes).map_err(|source| Error::Malformed { index, source })?;
    let position = tracker.messages.len() as i64 + 1;
    let expected = tracker.log_service_session_id.wrapping_add(position);
    if header.cluster_session_id != expected {
        return Err(Error::PendingMessageOutOfSequence {
            index,
            service_id: tracker.service_id,
            expected,
            actual: header.cluster_session_id,
        });
    }
    Ok(())
}

/// Checks the last tracker's `next_service_session_id` once all its messages are read; `index` is
/// the message that ends the tracker (for the error, which names the tracker's own message).
fn finish_tracker(trackers: &[SnapshotTracker], index: usize) -> Result<(), ConsensusModuleSnapshotError> {
    let Some(tracker) = trackers.last() else {
        return Ok(());
    };
    let count = tracker.messages.len();
    let expected = tracker.log_service_session_id.wrapping_add(count as i64 + 1);
    if tracker.next_service_session_id != expected {
        return Err(ConsensusModuleSnapshotError::NextServiceSessionIdMismatch {
            index: index - 1 - count,
            service_id: tracker.service_id,
            expected,
            actual: tracker.next_service_session_id,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pending_service_message_tracker::{PendingServiceMessageTracker, service_session_id};
    use agrona::Prng;
    use protocol::cluster::{ClientSession, SESSION_HEADER_LENGTH};

    type Error = ConsensusModuleSnapshotError;

    /// The `n`-th (from 1) log session id of service `service_id`.
    fn id(service_id: i32, n: i64) -> i64 {
        service_session_id(service_id, i64::MIN + n)
    }

    fn pending_message(leadership_term_id: i64, cluster_session_id: i64, payload: &[u8]) -> Vec<u8> {
        let header = SessionMessageHeader { leadership_term_id, cluster_session_id, timestamp: i64::MAX };
        let mut bytes = vec![0u8; SESSION_HEADER_LENGTH + payload.len()];
        assert_eq!(header.encode(&mut bytes), Ok(SESSION_HEADER_LENGTH));
        bytes[SESSION_HEADER_LENGTH..].copy_from_slice(payload);
        bytes
    }

    fn tracker(service_id: i32, log_n: i64, count: i64) -> SnapshotTracker {
        SnapshotTracker {
            service_id,
            next_service_session_id: id(service_id, log_n + count + 1),
            log_service_session_id: id(service_id, log_n),
            pending_message_capacity: 1024 * (service_id + 1),
            messages: (1..=count)
                .map(|k| pending_message(7, id(service_id, log_n + k), &[service_id as u8; 5]))
                .collect(),
        }
    }

    fn session(n: i64, close_reason: Option<CloseReason>) -> SnapshotSession {
        SnapshotSession {
            cluster_session_id: n,
            correlation_id: 1000 + n,
            opened_log_position: 64 * n,
            response_stream_id: 102,
            response_channel: format!("aeron:udp?endpoint=localhost:{}", 20000 + n),
            close_reason,
        }
    }

    fn sample() -> ConsensusModuleSnapshot {
        ConsensusModuleSnapshot {
            log_position: 4096,
            leadership_term_id: 3,
            time_unit: ClusterTimeUnit::Nanos,
            app_version: protocol::cluster::semantic_version(1, 2, 3),
            next_session_id: 17,
            sessions: vec![
                session(5, None),
                session(9, Some(CloseReason::Timeout)),
                session(12, Some(CloseReason::ClientAction)),
            ],
            timers: vec![
                SnapshotTimer { correlation_id: 1, deadline: 100 },
                SnapshotTimer { correlation_id: 2, deadline: -5 },
            ],
            trackers: vec![tracker(0, 4, 3), tracker(1, 0, 0), tracker(2, 10, 1)],
        }
    }

    fn marker(mark: SnapshotMark, type_id: i64, log_position: i64) -> Vec<u8> {
        let marker = SnapshotMarker {
            type_id,
            log_position,
            leadership_term_id: 3,
            index: 0,
            mark,
            time_unit: ClusterTimeUnit::Nanos,
            app_version: 1,
        };
        encode_with(marker.encoded_length(), |dst| marker.encode(dst))
    }

    fn timer_message(correlation_id: i64) -> Vec<u8> {
        let timer = Timer { correlation_id, deadline: 1 };
        encode_with(timer.encoded_length(), |dst| timer.encode(dst))
    }

    fn tracker_message(service_id: i32, next: i64, log: i64, capacity: i32) -> Vec<u8> {
        let tracker = PendingMessageTracker {
            next_service_session_id: next,
            log_service_session_id: log,
            pending_message_capacity: capacity,
            service_id,
        };
        encode_with(tracker.encoded_length(), |dst| tracker.encode(dst))
    }

    fn put_i64(bytes: &mut [u8], offset: usize, value: i64) {
        bytes[offset..offset + 8].copy_from_slice(&value.to_le_bytes());
    }

    fn put_i32(bytes: &mut [u8], offset: usize, value: i32) {
        bytes[offset..offset + 4].copy_from_slice(&value.to_le_bytes());
    }

    #[test]
    fn round_trips_sessions_timers_and_trackers() {
        let snapshot = sample();
        let messages = snapshot.encode();
        assert_eq!(messages.len(), 3 + 3 + 2 + 3 + 4);
        assert_eq!(ConsensusModuleSnapshot::decode(&messages), Ok(snapshot));
    }

    #[test]
    fn round_trips_an_empty_snapshot_and_writes_zeros_without_trackers() {
        let snapshot = ConsensusModuleSnapshot {
            log_position: 0,
            leadership_term_id: 0,
            time_unit: ClusterTimeUnit::Millis,
            app_version: 1,
            next_session_id: 1,
            sessions: Vec::new(),
            timers: Vec::new(),
            trackers: Vec::new(),
        };
        let messages = snapshot.encode();
        assert_eq!(messages.len(), 3);
        assert_eq!(
            ConsensusModule::decode(&messages[1]),
            Ok(ConsensusModule {
                next_session_id: 1,
                next_service_session_id: 0,
                log_service_session_id: 0,
                pending_message_capacity: 0,
            })
        );
        assert_eq!(ConsensusModuleSnapshot::decode(&messages), Ok(snapshot));
    }

    #[test]
    fn layout_follows_aeron_order() {
        let snapshot = sample();
        let messages = snapshot.encode();
        let begin = SnapshotMarker::decode(&messages[0]).unwrap();
        assert_eq!(
            begin,
            SnapshotMarker {
                type_id: 1,
                log_position: 4096,
                leadership_term_id: 3,
                index: 0,
                mark: SnapshotMark::Begin,
                time_unit: ClusterTimeUnit::Nanos,
                app_version: snapshot.app_version,
            }
        );
        let end = SnapshotMarker::decode(messages.last().unwrap()).unwrap();
        assert_eq!(end, SnapshotMarker { mark: SnapshotMark::End, ..begin });
        let state = ConsensusModule::decode(&messages[1]).unwrap();
        assert_eq!(state.next_session_id, 17);
        assert_eq!(state.next_service_session_id, id(0, 8));
        assert_eq!(state.log_service_session_id, id(0, 4));
        assert_eq!(state.pending_message_capacity, 1024);
        let open = ClusterSession::decode(&messages[2]).unwrap();
        assert_eq!(open.time_of_last_activity, -1);
        assert_eq!(open.close_reason, CloseReason::Unknown(i32::MIN));
        assert_eq!(ClusterSession::decode(&messages[3]).unwrap().close_reason, CloseReason::Timeout);
        assert_eq!(Timer::decode(&messages[5]).unwrap(), Timer { correlation_id: 1, deadline: 100 });
        assert_eq!(PendingMessageTracker::decode(&messages[7]).unwrap().service_id, 0);
        assert_eq!(messages[8], snapshot.trackers[0].messages[0]);
        assert_eq!(PendingMessageTracker::decode(&messages[11]).unwrap().service_id, 1);
        assert_eq!(PendingMessageTracker::decode(&messages[12]).unwrap().service_id, 2);
    }

    #[test]
    fn tracker_messages_round_trip_through_the_pending_service_message_tracker() {
        let mut live = PendingServiceMessageTracker::new(3);
        for payload in [&b"one"[..], b"two", b"three"] {
            let offered = pending_message(2, 3, payload);
            assert_eq!(live.enqueue_message(&offered), Ok(true));
        }
        let (next, _) = live.snapshot_next_service_session_id();
        let mut messages = Vec::new();
        live.for_each_message(|message| messages.push(message.to_vec()));
        let snapshot = ConsensusModuleSnapshot {
            trackers: vec![SnapshotTracker {
                service_id: 3,
                next_service_session_id: next,
                log_service_session_id: live.log_service_session_id(),
                pending_message_capacity: live.size() as i32,
                messages,
            }],
            ..sample()
        };
        let decoded = ConsensusModuleSnapshot::decode(&snapshot.encode()).unwrap();
        assert_eq!(decoded, snapshot);

        let loaded_tracker = &decoded.trackers[0];
        let mut loaded = PendingServiceMessageTracker::new(3);
        loaded.load_state(
            loaded_tracker.next_service_session_id,
            loaded_tracker.log_service_session_id,
            loaded_tracker.pending_message_capacity as usize,
        );
        for message in &loaded_tracker.messages {
            loaded.append_loaded_message(message).unwrap();
        }
        assert_eq!(loaded.verify(), Ok(()));
        assert_eq!(loaded.message_count(), 3);
    }

    #[test]
    fn a_null_time_unit_decodes_as_millis() {
        let mut messages = sample().encode();
        let last = messages.len() - 1;
        for index in [0, last] {
            put_i32(&mut messages[index], 8 + 32, i32::MIN);
        }
        assert_eq!(
            ConsensusModuleSnapshot::decode(&messages).map(|snapshot| snapshot.time_unit),
            Ok(ClusterTimeUnit::Millis)
        );
    }

    #[test]
    fn rejects_an_empty_snapshot() {
        assert_eq!(ConsensusModuleSnapshot::decode::<Vec<u8>>(&[]), Err(Error::Empty));
    }

    #[test]
    fn rejects_a_first_message_that_is_not_a_begin_marker() {
        let mut messages = sample().encode();
        messages.remove(0);
        assert_eq!(
            ConsensusModuleSnapshot::decode(&messages),
            Err(Error::UnexpectedMessage { index: 0, expected: "BEGIN marker", template_id: 105 })
        );
        let mut messages = sample().encode();
        messages[0] = marker(SnapshotMark::End, 1, 4096);
        assert_eq!(
            ConsensusModuleSnapshot::decode(&messages),
            Err(Error::UnexpectedMark { index: 0, expected: SnapshotMark::Begin, found: SnapshotMark::End })
        );
    }

    #[test]
    fn rejects_a_service_snapshot_type() {
        let mut messages = sample().encode();
        messages[0] = marker(SnapshotMark::Begin, 2, 4096);
        assert_eq!(
            ConsensusModuleSnapshot::decode(&messages),
            Err(Error::WrongSnapshotType { index: 0, expected: 1, actual: 2 })
        );
        let mut messages = sample().encode();
        let last = messages.len() - 1;
        messages[last] = marker(SnapshotMark::End, 2, 4096);
        assert_eq!(
            ConsensusModuleSnapshot::decode(&messages),
            Err(Error::WrongSnapshotType { index: last, expected: 1, actual: 2 })
        );
    }

    #[test]
    fn a_flipped_byte_in_the_end_markers_log_position_is_detected() {
        let mut messages = sample().encode();
        let last = messages.len() - 1;
        messages[last][8 + 8] ^= 0x01;
        assert_eq!(
            ConsensusModuleSnapshot::decode(&messages),
            Err(Error::EndMismatch { index: last, field: "logPosition", begin: 4096, end: 4097 })
        );
        let mut messages = sample().encode();
        put_i64(&mut messages[last], 8 + 16, 4);
        assert_eq!(
            ConsensusModuleSnapshot::decode(&messages),
            Err(Error::EndMismatch { index: last, field: "leadershipTermId", begin: 3, end: 4 })
        );
    }

    #[test]
    fn rejects_a_missing_end_and_messages_after_end() {
        let mut messages = sample().encode();
        messages.pop();
        let count = messages.len();
        assert_eq!(ConsensusModuleSnapshot::decode(&messages), Err(Error::MissingEnd { count }));
        assert_eq!(ConsensusModuleSnapshot::decode(&messages[..1]), Err(Error::MissingEnd { count: 1 }));

        let mut messages = sample().encode();
        messages.push(timer_message(9));
        assert_eq!(
            ConsensusModuleSnapshot::decode(&messages),
            Err(Error::AfterEnd { index: messages.len() - 1 })
        );
        let mut messages = sample().encode();
        let end = messages.last().unwrap().clone();
        messages.push(end);
        assert_eq!(
            ConsensusModuleSnapshot::decode(&messages),
            Err(Error::AfterEnd { index: messages.len() - 1 })
        );
    }

    #[test]
    fn requires_exactly_one_consensus_module_message_after_begin() {
        let mut messages = sample().encode();
        messages.remove(1);
        assert_eq!(
            ConsensusModuleSnapshot::decode(&messages),
            Err(Error::UnexpectedMessage { index: 1, expected: "ConsensusModule", template_id: 103 })
        );
        let mut messages = sample().encode();
        let state = messages[1].clone();
        messages.insert(2, state);
        assert_eq!(
            ConsensusModuleSnapshot::decode(&messages),
            Err(Error::UnexpectedMessage { index: 2, expected: AFTER_STATE, template_id: 105 })
        );
    }

    #[test]
    fn rejects_messages_out_of_order() {
        // A session after a timer.
        let mut messages = sample().encode();
        messages.swap(4, 5);
        assert_eq!(
            ConsensusModuleSnapshot::decode(&messages),
            Err(Error::UnexpectedMessage { index: 5, expected: AFTER_TIMER, template_id: 103 })
        );
        // A timer after a tracker.
        let mut messages = sample().encode();
        messages.insert(8, timer_message(3));
        assert_eq!(
            ConsensusModuleSnapshot::decode(&messages),
            Err(Error::UnexpectedMessage { index: 8, expected: AFTER_TRACKER, template_id: 104 })
        );
        // A pending message before any tracker.
        let mut messages = sample().encode();
        let pending = messages[8].clone();
        messages.insert(2, pending);
        assert_eq!(
            ConsensusModuleSnapshot::decode(&messages),
            Err(Error::UnexpectedMessage { index: 2, expected: AFTER_STATE, template_id: 1 })
        );
        // A message of a template that never belongs in a snapshot (ClientSession, a service's).
        let client = ClientSession {
            cluster_session_id: 1,
            response_stream_id: 2,
            response_channel: "aeron:ipc",
            encoded_principal: &[],
        };
        let mut messages = sample().encode();
        messages.insert(2, encode_with(client.encoded_length(), |dst| client.encode(dst)));
        assert_eq!(
            ConsensusModuleSnapshot::decode(&messages),
            Err(Error::UnexpectedMessage { index: 2, expected: AFTER_STATE, template_id: 102 })
        );
        // A section marker.
        let mut messages = sample().encode();
        messages.insert(2, marker(SnapshotMark::Section, 1, 4096));
        assert_eq!(
            ConsensusModuleSnapshot::decode(&messages),
            Err(Error::UnexpectedMark {
                index: 2,
                expected: SnapshotMark::End,
                found: SnapshotMark::Section
            })
        );
    }

    #[test]
    fn error_messages_name_the_index_and_the_problem() {
        let mut messages = sample().encode();
        messages[3][2..4].copy_from_slice(&42u16.to_le_bytes());
        let error = ConsensusModuleSnapshot::decode(&messages).unwrap_err();
        assert_eq!(
            error.to_string(),
            "snapshot message 3: expected ClusterSession, Timer, PendingMessageTracker or END marker, \
             found template 42"
        );
    }

    #[test]
    fn rejects_foreign_schemas_and_truncated_messages() {
        let mut messages = sample().encode();
        messages[5][4..6].copy_from_slice(&101u16.to_le_bytes());
        assert_eq!(
            ConsensusModuleSnapshot::decode(&messages),
            Err(Error::Malformed {
                index: 5,
                source: SbeError::WrongSchemaId { expected: 111, actual: 101 }
            })
        );
        let valid = sample().encode();
        for index in 0..valid.len() {
            // A pending message decodes whatever its payload length, so cut into its session header.
            let is_pending = MessageHeader::decode(&valid[index]).unwrap().template_id == 1;
            let cut = if is_pending { SESSION_HEADER_LENGTH - 1 } else { valid[index].len() - 1 };
            for length in [0, 7, cut] {
                let mut messages = valid.clone();
                messages[index].truncate(length);
                let result = ConsensusModuleSnapshot::decode(&messages);
                assert!(
                    matches!(result, Err(Error::Malformed { index: at, .. }) if at == index),
                    "message {index} truncated to {length}: {result:?}"
                );
            }
        }
    }

    #[test]
    fn rejects_unknown_enum_values() {
        let mut messages = sample().encode();
        put_i32(&mut messages[0], 8 + 32, 7);
        assert_eq!(
            ConsensusModuleSnapshot::decode(&messages),
            Err(Error::UnknownTimeUnit { index: 0, value: 7 })
        );
        let mut messages = sample().encode();
        put_i32(&mut messages[3], 8 + 32, 9);
        assert_eq!(
            ConsensusModuleSnapshot::decode(&messages),
            Err(Error::UnknownCloseReason { index: 3, value: 9 })
        );
    }

    #[test]
    fn rejects_invalid_and_duplicate_trackers() {
        let mut messages = sample().encode();
        messages[11] = tracker_message(128, 1, 0, 0);
        assert_eq!(
            ConsensusModuleSnapshot::decode(&messages),
            Err(Error::InvalidServiceId { index: 11, service_id: 128 })
        );
        let mut messages = sample().encode();
        messages[11] = tracker_message(-1, 1, 0, 0);
        assert_eq!(
            ConsensusModuleSnapshot::decode(&messages),
            Err(Error::InvalidServiceId { index: 11, service_id: -1 })
        );
        let mut messages = sample().encode();
        messages[11] = tracker_message(0, id(0, 1), id(0, 0), 0);
        assert_eq!(
            ConsensusModuleSnapshot::decode(&messages),
            Err(Error::DuplicateTracker { index: 11, service_id: 0 })
        );
        let mut messages = sample().encode();
        messages[11] = tracker_message(1, id(1, 1), id(1, 0), -4);
        assert_eq!(
            ConsensusModuleSnapshot::decode(&messages),
            Err(Error::NegativeCapacity { index: 11, capacity: -4 })
        );
    }

    #[test]
    fn rejects_pending_messages_out_of_sequence() {
        // Tracker 0 (message 7) has messages 8, 9, 10 with ids log + 1, + 2, + 3.
        let mut messages = sample().encode();
        messages.swap(8, 9);
        assert_eq!(
            ConsensusModuleSnapshot::decode(&messages),
            Err(Error::PendingMessageOutOfSequence {
                index: 8,
                service_id: 0,
                expected: id(0, 5),
                actual: id(0, 6),
            })
        );
        let mut messages = sample().encode();
        messages.remove(9);
        assert_eq!(
            ConsensusModuleSnapshot::decode(&messages),
            Err(Error::PendingMessageOutOfSequence {
                index: 9,
                service_id: 0,
                expected: id(0, 6),
                actual: id(0, 7),
            })
        );
        // A pending message that is not a SessionMessageHeader message is unexpected.
        let mut messages = sample().encode();
        messages[9][2..4].copy_from_slice(&3u16.to_le_bytes());
        assert_eq!(
            ConsensusModuleSnapshot::decode(&messages),
            Err(Error::UnexpectedMessage { index: 9, expected: AFTER_TRACKER, template_id: 3 })
        );
    }

    #[test]
    fn rejects_a_next_service_session_id_that_does_not_follow_the_messages() {
        // Dropping tracker 0's last message leaves its next id two past the last message.
        let mut messages = sample().encode();
        messages.remove(10);
        assert_eq!(
            ConsensusModuleSnapshot::decode(&messages),
            Err(Error::NextServiceSessionIdMismatch {
                index: 7,
                service_id: 0,
                expected: id(0, 7),
                actual: id(0, 8),
            })
        );
        // The last tracker before END is checked too.
        let mut messages = sample().encode();
        messages[12] = tracker_message(2, id(2, 13), id(2, 10), 0);
        assert_eq!(
            ConsensusModuleSnapshot::decode(&messages),
            Err(Error::NextServiceSessionIdMismatch {
                index: 12,
                service_id: 2,
                expected: id(2, 12),
                actual: id(2, 13),
            })
        );
        // An empty tracker must have next == log + 1.
        let mut messages = sample().encode();
        messages[11] = tracker_message(1, id(1, 5), id(1, 0), 0);
        assert_eq!(
            ConsensusModuleSnapshot::decode(&messages),
            Err(Error::NextServiceSessionIdMismatch {
                index: 11,
                service_id: 1,
                expected: id(1, 1),
                actual: id(1, 5),
            })
        );
    }

    #[test]
    fn describe_lists_every_part() {
        let text = sample().describe();
        assert!(text.contains("logPosition=4096"), "{text}");
        assert!(text.contains("leadershipTermId=3"), "{text}");
        assert!(text.contains("timeUnit=Nanos"), "{text}");
        assert!(text.contains("appVersion=1.2.3"), "{text}");
        assert!(text.contains("nextSessionId=17"), "{text}");
        assert!(text.contains("session id=9 correlationId=1009"), "{text}");
        assert!(text.contains("state=CLOSING(Timeout)"), "{text}");
        assert!(text.contains("state=OPEN"), "{text}");
        assert!(text.contains("timer correlationId=2 deadline=-5"), "{text}");
        assert!(text.contains("tracker serviceId=0"), "{text}");
        assert!(text.contains("pendingMessages=3"), "{text}");
        assert_eq!(text.lines().count(), 1 + 1 + 3 + 1 + 2 + 1 + 3);
    }

    #[test]
    fn decode_never_panics_on_random_bytes_or_mutations() {
        let mut rng = Prng::from_seed(0x5eed_c0de);
        let valid = sample().encode();
        let mut decoded_ok = 0;
        for case in 0..4000 {
            let messages: Vec<Vec<u8>> = if case % 4 == 0 {
                // Random messages, half of them with a plausible cluster header.
                let count = rng.gen_range(0..8) as usize;
                (0..count)
                    .map(|_| {
                        let length = rng.gen_range(0..80) as usize;
                        let mut bytes: Vec<u8> = (0..length).map(|_| rng.next_u32() as u8).collect();
                        if length >= 8 && rng.chance(0.5) {
                            let templates = [1u16, 100, 103, 104, 105, 107];
                            let template = templates[rng.gen_range(0..templates.len() as u64) as usize];
                            bytes[2..4].copy_from_slice(&template.to_le_bytes());
                            bytes[4..6].copy_from_slice(&SCHEMA_ID.to_le_bytes());
                        }
                        bytes
                    })
                    .collect()
            } else {
                let mut messages = valid.clone();
                for _ in 0..rng.gen_range(1..4) {
                    let index = rng.gen_range(0..messages.len() as u64) as usize;
                    match rng.gen_range(0..5) {
                        0 | 1 => {
                            let message = &mut messages[index];
                            if !message.is_empty() {
                                let at = rng.gen_range(0..message.len() as u64) as usize;
                                message[at] ^= 1 << rng.gen_range(0..8);
                            }
                        }
                        2 => {
                            let length = rng.gen_range(0..messages[index].len() as u64 + 1) as usize;
                            messages[index].truncate(length);
                        }
                        3 => {
                            messages.remove(index);
                            if messages.is_empty() {
                                break;
                            }
                        }
                        _ => {
                            let other = rng.gen_range(0..messages.len() as u64) as usize;
                            messages.swap(index, other);
                        }
                    }
                }
                messages
            };
            if let Ok(snapshot) = ConsensusModuleSnapshot::decode(&messages) {
                decoded_ok += 1;
                assert_eq!(ConsensusModuleSnapshot::decode(&snapshot.encode()), Ok(snapshot));
            }
        }
        // Mutations of payload bytes and of ids that stay consistent keep some inputs valid.
        assert!(decoded_ok > 0, "no mutated snapshot decoded");
    }
}
