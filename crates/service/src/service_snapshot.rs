//! [`ServiceSnapshotHeader`]: the container's part of a clustered-service snapshot (Aeron
//! `ServiceSnapshotTaker` / `ServiceSnapshotLoader`, reference §1.6 and §4.2), encoded to and decoded
//! from a list of SBE messages. Pure: no I/O.
//!
//! Message order (what Aeron 1.54 writes): `SnapshotMarker BEGIN (typeId 2)`, one `ClientSession` per
//! session, `SnapshotMarker END` (same fields as BEGIN); the service's own messages
//! (`ClusteredService::on_take_snapshot`) follow END and are not interpreted here.
//!
//! Invariants:
//! - `ServiceSnapshotHeader::decode(&header.encode()) == Ok((header, header.sessions.len() + 2))` for
//!   every header with a named time unit.
//! - `decode` never panics. It accepts only cluster-schema messages (schema id 111), a BEGIN marker with
//!   typeId 2 first, then ClientSession messages, then an END marker with the same typeId, log position
//!   and leadership term id. A null time unit decodes as milliseconds (Aeron `ClusterClock.map`); any
//!   other unnamed value is an error.
//! - Errors name the index of the offending message in the input list.

use protocol::cluster::{
    ClientSession, ClusterTimeUnit, MessageHeader, SCHEMA_ID, SbeError, SnapshotMark, SnapshotMarker,
};

/// [`SnapshotMarker::type_id`] of a clustered-service snapshot (Aeron
/// `ClusteredServiceContainer.Configuration.SNAPSHOT_TYPE_ID`).
pub const SERVICE_SNAPSHOT_TYPE_ID: i64 = protocol::cluster::SERVICE_SNAPSHOT_TYPE_ID;

/// Why the container's part of a service snapshot could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceSnapshotError {
    /// The snapshot holds no message at all.
    #[error("service snapshot is empty")]
    Empty,
    /// A message's bytes do not decode (truncated, foreign schema, bad var-data, ...).
    #[error("service snapshot message {index}: {source}")]
    Malformed {
        /// Index of the message in the snapshot.
        index: usize,
        /// What the SBE decoder reported.
        source: SbeError,
    },
    /// A message of a template that may not appear at this place.
    #[error("service snapshot message {index}: expected {expected}, found template {template_id}")]
    UnexpectedMessage {
        /// Index of the message in the snapshot.
        index: usize,
        /// The messages allowed here.
        expected: &'static str,
        /// Template id found.
        template_id: u16,
    },
    /// A snapshot marker with the wrong mark.
    #[error("service snapshot message {index}: expected {expected:?} marker, found {found:?}")]
    UnexpectedMark {
        /// Index of the message in the snapshot.
        index: usize,
        /// The mark required here.
        expected: SnapshotMark,
        /// The mark found.
        found: SnapshotMark,
    },
    /// A snapshot marker of another snapshot type.
    #[error("service snapshot message {index}: snapshot type {actual}, expected {expected}")]
    WrongSnapshotType {
        /// Index of the message in the snapshot.
        index: usize,
        /// The required type id.
        expected: i64,
        /// The type id found.
        actual: i64,
    },
    /// The END marker disagrees with the BEGIN marker.
    #[error("service snapshot message {index}: END marker {field} {end} differs from BEGIN marker's {begin}")]
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
    /// The messages end before the END marker.
    #[error("service snapshot of {count} messages ends without an END marker")]
    MissingEnd {
        /// Number of messages in the snapshot.
        count: usize,
    },
    /// An unnamed, non-null time unit in the BEGIN marker.
    #[error("service snapshot message {index}: unknown cluster time unit {value}")]
    UnknownTimeUnit {
        /// Index of the marker.
        index: usize,
        /// Wire value found.
        value: i32,
    },
}

/// A client session as a service snapshots it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotClientSession {
    /// Id of the session.
    pub cluster_session_id: i64,
    /// Stream id of the response channel.
    pub response_stream_id: i32,
    /// Channel URI of the egress.
    pub response_channel: String,
    /// Opaque principal the authenticator established for the session.
    pub encoded_principal: Vec<u8>,
}

/// The container's part of a service snapshot: markers and client sessions.
///
/// How to drive it: to take a snapshot, offer each message of [`encode`](Self::encode) to the snapshot
/// publication, then let the service write its own state. To load one, collect the reassembled
/// messages of the replayed recording and call [`decode`](Self::decode); the service's own messages
/// start at the returned index. The caller still checks the app version and time unit against its
/// configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSnapshotHeader {
    /// Log position at which the snapshot was taken.
    pub log_position: i64,
    /// Leadership term at which the snapshot was taken.
    pub leadership_term_id: i64,
    /// Time unit of the cluster's timestamps.
    pub time_unit: ClusterTimeUnit,
    /// Application semantic version (`major << 16 | minor << 8 | patch`).
    pub app_version: i32,
    /// The service's client sessions.
    pub sessions: Vec<SnapshotClientSession>,
}

impl ServiceSnapshotHeader {
    /// BEGIN marker (typeId 2, index 0), one ClientSession per session, END marker (same fields as
    /// BEGIN): the container's part; the service's own messages follow END.
    ///
    /// # Panics
    ///
    /// If a response channel or principal is longer than the SBE maximum of 1 GiB (API misuse).
    pub fn encode(&self) -> Vec<Vec<u8>> {
        let mut messages = Vec::with_capacity(self.sessions.len() + 2);
        messages.push(self.marker(SnapshotMark::Begin));
        for session in &self.sessions {
            let message = ClientSession {
                cluster_session_id: session.cluster_session_id,
                response_stream_id: session.response_stream_id,
                response_channel: &session.response_channel,
                encoded_principal: &session.encoded_principal,
            };
            messages.push(encode_with(message.encoded_length(), |dst| message.encode(dst)));
        }
        messages.push(self.marker(SnapshotMark::End));
        messages
    }

    /// Decodes the container's part from the front of a whole snapshot; returns the header and the
    /// index of the first application message (the one after END, possibly `messages.len()`). Never
    /// panics.
    pub fn decode<M: AsRef<[u8]>>(messages: &[M]) -> Result<(Self, usize), ServiceSnapshotError> {
        use ServiceSnapshotError as Error;

        let first = messages.first().ok_or(Error::Empty)?;
        let begin = decode_marker(0, first.as_ref(), SnapshotMark::Begin)?;
        let time_unit = match begin.time_unit {
            ClusterTimeUnit::Unknown(ClusterTimeUnit::NULL_VALUE) => ClusterTimeUnit::Millis,
            ClusterTimeUnit::Unknown(value) => return Err(Error::UnknownTimeUnit { index: 0, value }),
            named => named,
        };
        let mut header = ServiceSnapshotHeader {
            log_position: begin.log_position,
            leadership_term_id: begin.leadership_term_id,
            time_unit,
            app_version: begin.app_version,
            sessions: Vec::new(),
        };

        for (index, message) in messages.iter().enumerate().skip(1) {
            let bytes = message.as_ref();
            let template_id = peek_header(index, bytes)?.template_id;
            match template_id {
                ClientSession::TEMPLATE_ID => {
                    let session =
                        ClientSession::decode(bytes).map_err(|source| Error::Malformed { index, source })?;
                    header.sessions.push(SnapshotClientSession {
                        cluster_session_id: session.cluster_session_id,
                        response_stream_id: session.response_stream_id,
                        response_channel: session.response_channel.to_string(),
                        encoded_principal: session.encoded_principal.to_vec(),
                    });
                }
                SnapshotMarker::TEMPLATE_ID => {
                    let end = decode_marker(index, bytes, SnapshotMark::End)?;
                    check_end(index, &begin, &end)?;
                    return Ok((header, index + 1));
                }
                _ => {
                    return Err(Error::UnexpectedMessage {
                        index,
                        expected: "ClientSession or END marker",
                        template_id,
                    });
                }
            }
        }
        Err(Error::MissingEnd { count: messages.len() })
    }

    fn marker(&self, mark: SnapshotMark) -> Vec<u8> {
        let marker = SnapshotMarker {
            type_id: SERVICE_SNAPSHOT_TYPE_ID,
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

/// The message header, checked to be of the cluster schema.
fn peek_header(index: usize, bytes: &[u8]) -> Result<MessageHeader, ServiceSnapshotError> {
    let header =
        MessageHeader::decode(bytes).map_err(|source| ServiceSnapshotError::Malformed { index, source })?;
    if header.schema_id != SCHEMA_ID {
        return Err(ServiceSnapshotError::Malformed {
            index,
            source: SbeError::WrongSchemaId { expected: SCHEMA_ID, actual: header.schema_id },
        });
    }
    Ok(header)
}

/// Decodes a snapshot marker of the service snapshot type with the required mark.
fn decode_marker(
    index: usize,
    bytes: &[u8],
    mark: SnapshotMark,
) -> Result<SnapshotMarker, ServiceSnapshotError> {
    use ServiceSnapshotError as Error;

    let header = peek_header(index, bytes)?;
    if header.template_id != SnapshotMarker::TEMPLATE_ID {
        return Err(Error::UnexpectedMessage {
            index,
            expected: "BEGIN marker",
            template_id: header.template_id,
        });
    }
    let marker = SnapshotMarker::decode(bytes).map_err(|source| Error::Malformed { index, source })?;
    if marker.type_id != SERVICE_SNAPSHOT_TYPE_ID {
        return Err(Error::WrongSnapshotType {
            index,
            expected: SERVICE_SNAPSHOT_TYPE_ID,
            actual: marker.type_id,
        });
    }
    if marker.mark != mark {
        return Err(Error::UnexpectedMark { index, expected: mark, found: marker.mark });
    }
    Ok(marker)
}

fn check_end(index: usize, begin: &SnapshotMarker, end: &SnapshotMarker) -> Result<(), ServiceSnapshotError> {
    let pairs = [
        ("logPosition", begin.log_position, end.log_position),
        ("leadershipTermId", begin.leadership_term_id, end.leadership_term_id),
    ];
    match pairs.into_iter().find(|(_, begin, end)| begin != end) {
        Some((field, begin, end)) => Err(ServiceSnapshotError::EndMismatch { index, field, begin, end }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agrona::Prng;
    use protocol::cluster::{SessionMessageHeader, Timer};

    type Error = ServiceSnapshotError;

    fn session(n: i64, principal: &[u8]) -> SnapshotClientSession {
        SnapshotClientSession {
            cluster_session_id: n,
            response_stream_id: 102 + n as i32,
            response_channel: format!("aeron:udp?endpoint=localhost:{}", 20000 + n),
            encoded_principal: principal.to_vec(),
        }
    }

    fn sample() -> ServiceSnapshotHeader {
        ServiceSnapshotHeader {
            log_position: 8192,
            leadership_term_id: 4,
            time_unit: ClusterTimeUnit::Micros,
            app_version: protocol::cluster::semantic_version(2, 0, 1),
            sessions: vec![session(1, b""), session(2, b"alice"), session(7, &[0, 255, 3])],
        }
    }

    /// The header's messages followed by two application messages.
    fn with_application_messages(header: &ServiceSnapshotHeader) -> Vec<Vec<u8>> {
        let mut messages = header.encode();
        let timer = Timer { correlation_id: 1, deadline: 2 };
        messages.push(encode_with(timer.encoded_length(), |dst| timer.encode(dst)));
        messages.push(b"not even SBE".to_vec());
        messages
    }

    fn marker(mark: SnapshotMark, type_id: i64) -> Vec<u8> {
        let marker = SnapshotMarker {
            type_id,
            log_position: 8192,
            leadership_term_id: 4,
            index: 0,
            mark,
            time_unit: ClusterTimeUnit::Micros,
            app_version: 1,
        };
        encode_with(marker.encoded_length(), |dst| marker.encode(dst))
    }

    #[test]
    fn round_trips_with_several_sessions() {
        let header = sample();
        let messages = header.encode();
        assert_eq!(messages.len(), 5);
        assert_eq!(ServiceSnapshotHeader::decode(&messages), Ok((header, 5)));
    }

    #[test]
    fn round_trips_without_sessions() {
        let header = ServiceSnapshotHeader { sessions: Vec::new(), ..sample() };
        assert_eq!(ServiceSnapshotHeader::decode(&header.encode()), Ok((header, 2)));
    }

    #[test]
    fn returns_the_index_of_the_first_application_message() {
        let header = sample();
        let messages = with_application_messages(&header);
        assert_eq!(ServiceSnapshotHeader::decode(&messages), Ok((header, 5)));
    }

    #[test]
    fn layout_follows_aeron_order() {
        let header = sample();
        let messages = header.encode();
        let begin = SnapshotMarker::decode(&messages[0]).unwrap();
        assert_eq!(
            begin,
            SnapshotMarker {
                type_id: 2,
                log_position: 8192,
                leadership_term_id: 4,
                index: 0,
                mark: SnapshotMark::Begin,
                time_unit: ClusterTimeUnit::Micros,
                app_version: header.app_version,
            }
        );
        assert_eq!(
            SnapshotMarker::decode(&messages[4]).unwrap(),
            SnapshotMarker { mark: SnapshotMark::End, ..begin }
        );
        assert_eq!(
            ClientSession::decode(&messages[2]).unwrap(),
            ClientSession {
                cluster_session_id: 2,
                response_stream_id: 104,
                response_channel: "aeron:udp?endpoint=localhost:20002",
                encoded_principal: b"alice",
            }
        );
    }

    #[test]
    fn a_null_time_unit_decodes_as_millis() {
        let mut messages = sample().encode();
        messages[0][8 + 32..8 + 36].copy_from_slice(&i32::MIN.to_le_bytes());
        let (header, _) = ServiceSnapshotHeader::decode(&messages).unwrap();
        assert_eq!(header.time_unit, ClusterTimeUnit::Millis);
        messages[0][8 + 32..8 + 36].copy_from_slice(&5i32.to_le_bytes());
        assert_eq!(
            ServiceSnapshotHeader::decode(&messages),
            Err(Error::UnknownTimeUnit { index: 0, value: 5 })
        );
    }

    #[test]
    fn rejects_empty_and_non_begin_starts() {
        assert_eq!(ServiceSnapshotHeader::decode::<Vec<u8>>(&[]), Err(Error::Empty));
        let messages = sample().encode();
        assert_eq!(
            ServiceSnapshotHeader::decode(&messages[1..]),
            Err(Error::UnexpectedMessage { index: 0, expected: "BEGIN marker", template_id: 102 })
        );
        let mut messages = sample().encode();
        messages[0] = marker(SnapshotMark::End, 2);
        assert_eq!(
            ServiceSnapshotHeader::decode(&messages),
            Err(Error::UnexpectedMark { index: 0, expected: SnapshotMark::Begin, found: SnapshotMark::End })
        );
    }

    #[test]
    fn rejects_a_consensus_module_snapshot() {
        let mut messages = sample().encode();
        messages[0] = marker(SnapshotMark::Begin, 1);
        assert_eq!(
            ServiceSnapshotHeader::decode(&messages),
            Err(Error::WrongSnapshotType { index: 0, expected: 2, actual: 1 })
        );
        let mut messages = sample().encode();
        messages[4] = marker(SnapshotMark::End, 1);
        assert_eq!(
            ServiceSnapshotHeader::decode(&messages),
            Err(Error::WrongSnapshotType { index: 4, expected: 2, actual: 1 })
        );
    }

    #[test]
    fn a_flipped_byte_in_the_end_markers_log_position_is_detected() {
        let mut messages = sample().encode();
        messages[4][8 + 8] ^= 0x01;
        assert_eq!(
            ServiceSnapshotHeader::decode(&messages),
            Err(Error::EndMismatch { index: 4, field: "logPosition", begin: 8192, end: 8193 })
        );
        let mut messages = sample().encode();
        messages[4][8 + 16..8 + 24].copy_from_slice(&9i64.to_le_bytes());
        assert_eq!(
            ServiceSnapshotHeader::decode(&messages),
            Err(Error::EndMismatch { index: 4, field: "leadershipTermId", begin: 4, end: 9 })
        );
    }

    #[test]
    fn rejects_a_missing_end() {
        let mut messages = sample().encode();
        messages.pop();
        assert_eq!(ServiceSnapshotHeader::decode(&messages), Err(Error::MissingEnd { count: 4 }));
        assert_eq!(ServiceSnapshotHeader::decode(&messages[..1]), Err(Error::MissingEnd { count: 1 }));
    }

    #[test]
    fn rejects_other_messages_and_markers_before_end() {
        let mut messages = sample().encode();
        let header = SessionMessageHeader { leadership_term_id: 1, cluster_session_id: 2, timestamp: 3 };
        messages.insert(2, encode_with(header.encoded_length(), |dst| header.encode(dst)));
        let error = ServiceSnapshotHeader::decode(&messages).unwrap_err();
        assert_eq!(
            error,
            Error::UnexpectedMessage { index: 2, expected: "ClientSession or END marker", template_id: 1 }
        );
        assert_eq!(
            error.to_string(),
            "service snapshot message 2: expected ClientSession or END marker, found template 1"
        );
        let mut messages = sample().encode();
        messages.insert(2, marker(SnapshotMark::Begin, 2));
        assert_eq!(
            ServiceSnapshotHeader::decode(&messages),
            Err(Error::UnexpectedMark { index: 2, expected: SnapshotMark::End, found: SnapshotMark::Begin })
        );
    }

    #[test]
    fn rejects_foreign_schemas_and_truncated_messages() {
        let mut messages = sample().encode();
        messages[1][4..6].copy_from_slice(&101u16.to_le_bytes());
        assert_eq!(
            ServiceSnapshotHeader::decode(&messages),
            Err(Error::Malformed {
                index: 1,
                source: SbeError::WrongSchemaId { expected: 111, actual: 101 }
            })
        );
        let valid = sample().encode();
        for index in 0..valid.len() {
            for length in [0, 7, valid[index].len() - 1] {
                let mut messages = valid.clone();
                messages[index].truncate(length);
                let result = ServiceSnapshotHeader::decode(&messages);
                assert!(
                    matches!(result, Err(Error::Malformed { index: at, .. }) if at == index),
                    "message {index} truncated to {length}: {result:?}"
                );
            }
        }
        // A response channel that is not UTF-8.
        let mut messages = sample().encode();
        let channel_start = 8 + 12 + 4;
        messages[1][channel_start] = 0xFF;
        assert!(matches!(
            ServiceSnapshotHeader::decode(&messages),
            Err(Error::Malformed { index: 1, source: SbeError::InvalidUtf8 { .. } })
        ));
    }

    #[test]
    fn decode_never_panics_on_random_bytes_or_mutations() {
        let mut rng = Prng::from_seed(0x5e41_ce5a);
        let valid = with_application_messages(&sample());
        let mut decoded_ok = 0;
        for case in 0..4000 {
            let messages: Vec<Vec<u8>> = if case % 4 == 0 {
                let count = rng.gen_range(0..6) as usize;
                (0..count)
                    .map(|_| {
                        let length = rng.gen_range(0..80) as usize;
                        let mut bytes: Vec<u8> = (0..length).map(|_| rng.next_u32() as u8).collect();
                        if length >= 8 && rng.chance(0.5) {
                            let template = if rng.chance(0.5) { 100u16 } else { 102 };
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
            if let Ok((header, next)) = ServiceSnapshotHeader::decode(&messages) {
                decoded_ok += 1;
                assert!(next <= messages.len());
                assert_eq!(next, header.sessions.len() + 2);
                assert_eq!(ServiceSnapshotHeader::decode(&header.encode()), Ok((header, next)));
            }
        }
        assert!(decoded_ok > 0, "no mutated snapshot decoded");
    }
}
