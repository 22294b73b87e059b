//! [`read_snapshot_recording`]: reads a snapshot recording straight from an archive directory's storage,
//! without a running archive (for the cluster tool's `describe-latest-cm-snapshot` and other offline
//! inspection).
//!
//! How it works: the recording is looked up in the archive catalog (`archive.catalog`); it must be VALID
//! and stopped. Every frame from its start position to its stop position is read and validated by
//! [`archive::RecordingReader`] (length, type, term offset, term id and stream id against the
//! position); PAD frames are skipped; DATA fragments are reassembled into messages by their BEGIN (0x80)
//! and END (0x40) flags; finally the checksum trailer is verified with
//! [`archive_client::snapshot_seal::verify_seal`] and removed.
//!
//! Invariants:
//! - messages are returned only if every frame up to the stop position is valid, every message is whole
//!   (no fragment without its BEGIN, no message left open at the stop position) and the trailer's
//!   message count, byte length and CRC-32C match the content: anything else is an
//!   [`OfflineSnapshotError`], never a partial or garbage snapshot;
//! - bytes read from storage are untrusted: nothing here panics, whatever the catalog or segment files
//!   hold;
//! - storage is only read: the catalog and the segment files are never written.
//!
//! The archive's record checksum (CRC-32C of each frame in its `session_id` field) is not checked: the
//! seal covers the whole content, and the storage alone does not say whether the archive wrote one.

use archive::{
    ArchiveStorage, Catalog, CatalogConfig, CatalogError, GeometryError, ReadError, RecordingReader,
    RecordingState, SegmentGeometry,
};
use archive_client::snapshot_seal::{SealError, verify_seal};

/// Bytes read per poll: more than the largest frame Aeron allows (MTU at most 64 KiB - 32).
const READ_BUFFER_LENGTH: usize = 64 * 1024;
/// Length of a DATA/PAD frame header.
const HEADER_LENGTH: usize = 32;
/// Offset of the flags byte in a frame header.
const FLAGS_OFFSET: usize = 5;
/// Offset of the frame type in a frame header.
const TYPE_OFFSET: usize = 6;
/// PAD frame type.
const TYPE_PAD: u16 = 0;
/// Flag of a message's first fragment.
const BEGIN_FLAG: u8 = 0x80;
/// Flag of a message's last fragment.
const END_FLAG: u8 = 0x40;

/// Why a snapshot recording could not be read from the archive directory.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OfflineSnapshotError {
    /// The catalog could not be opened or decoded.
    #[error("archive catalog: {0}")]
    Catalog(CatalogError),
    /// The catalog has no entry for the recording.
    #[error("snapshot recording {0} is not in the archive catalog")]
    UnknownRecording(i64),
    /// The catalog entry is not VALID (invalidated or deleted).
    #[error("snapshot recording {recording_id} is {state:?} in the archive catalog")]
    NotValid {
        /// The recording.
        recording_id: i64,
        /// Its catalog state.
        state: RecordingState,
    },
    /// The recording has no stop position: the snapshot was never finished (or the archive stopped
    /// before recording its end).
    #[error("snapshot recording {0} has no stop position (never finished)")]
    NotStopped(i64),
    /// The catalog entry's term length, segment length or start position is impossible.
    #[error("snapshot recording {recording_id}: invalid catalog entry: {source}")]
    InvalidDescriptor {
        /// The recording.
        recording_id: i64,
        /// What is wrong.
        source: GeometryError,
    },
    /// A frame could not be read or failed validation.
    #[error("snapshot recording {recording_id}: read failed at position {position}: {source}")]
    Read {
        /// The recording.
        recording_id: i64,
        /// The reader's position when it failed.
        position: i64,
        /// What the reader reported.
        source: ReadError,
    },
    /// The fragments do not form whole messages.
    #[error("snapshot recording {recording_id}: incomplete message at position {position}: {reason}")]
    IncompleteMessage {
        /// The recording.
        recording_id: i64,
        /// Position of the offending fragment (the stop position for a message left open).
        position: i64,
        /// What is wrong.
        reason: &'static str,
    },
    /// The messages do not match the checksum trailer.
    #[error("snapshot recording {recording_id}: {source}")]
    Seal {
        /// The recording.
        recording_id: i64,
        /// What did not match.
        source: SealError,
    },
}

/// Reassembles fragments of consecutive blocks into messages.
struct Assembler {
    messages: Vec<Vec<u8>>,
    partial: Option<Vec<u8>>,
    /// The first problem found: (position, reason).
    problem: Option<(i64, &'static str)>,
}

impl Assembler {
    fn on_block(&mut self, block: &[u8], position: i64) {
        let mut offset = 0usize;
        while self.problem.is_none() && offset + HEADER_LENGTH <= block.len() {
            let frame_position = position + offset as i64;
            let frame_type =
                u16::from_le_bytes([block[offset + TYPE_OFFSET], block[offset + TYPE_OFFSET + 1]]);
            if frame_type == TYPE_PAD {
                // Delivered alone, as its header: nothing follows it in this block.
                return;
            }
            let length_bytes = [block[offset], block[offset + 1], block[offset + 2], block[offset + 3]];
            let frame_length = i32::from_le_bytes(length_bytes);
            let end = usize::try_from(frame_length).ok().and_then(|length| offset.checked_add(length));
            let Some(end) = end.filter(|&end| end >= offset + HEADER_LENGTH && end <= block.len()) else {
                self.problem = Some((frame_position, "frame length outside its block"));
                return;
            };
            let flags = block[offset + FLAGS_OFFSET];
            self.on_fragment(&block[offset + HEADER_LENGTH..end], flags, frame_position);
            offset = agrona::align(end, HEADER_LENGTH);
        }
    }

    fn on_fragment(&mut self, payload: &[u8], flags: u8, position: i64) {
        let begin = flags & BEGIN_FLAG != 0;
        let end = flags & END_FLAG != 0;
        match (begin, self.partial.as_mut()) {
            (true, Some(_)) => {
                self.problem = Some((position, "a message begins before the previous one ended"))
            }
            (false, None) => self.problem = Some((position, "a fragment without the start of its message")),
            (true, None) if end => self.messages.push(payload.to_vec()),
            (true, None) => self.partial = Some(payload.to_vec()),
            (false, Some(partial)) => {
                partial.extend_from_slice(payload);
                if end && let Some(message) = self.partial.take() {
                    self.messages.push(message);
                }
            }
        }
    }
}

/// Reads snapshot recording `recording_id` from an archive directory's storage without a running
/// archive: catalog lookup (the recording must be VALID and stopped), every frame from the start to the
/// stop position validated by [`RecordingReader`], fragments reassembled into messages, seal verified.
/// Returns the messages WITHOUT the trailer.
///
/// Only reads `archive_storage`. Never panics on corrupt files: every problem is an
/// [`OfflineSnapshotError`] naming the recording (and the position, for frame problems).
pub fn read_snapshot_recording<S: ArchiveStorage>(
    archive_storage: &S,
    recording_id: i64,
) -> Result<Vec<Vec<u8>>, OfflineSnapshotError> {
    // Opening only reads the file; nothing is written through this handle.
    let catalog = Catalog::<S::File>::open(archive_storage, CatalogConfig::default())
        .map_err(OfflineSnapshotError::Catalog)?;
    let descriptor = catalog.descriptor(recording_id).map_err(|error| match error {
        CatalogError::UnknownRecording(id) => OfflineSnapshotError::UnknownRecording(id),
        other => OfflineSnapshotError::Catalog(other),
    })?;
    if descriptor.state != RecordingState::Valid {
        return Err(OfflineSnapshotError::NotValid { recording_id, state: descriptor.state });
    }
    if descriptor.stop_position == archive::NULL_VALUE {
        return Err(OfflineSnapshotError::NotStopped(recording_id));
    }
    let geometry = SegmentGeometry::from_descriptor(&descriptor)
        .map_err(|source| OfflineSnapshotError::InvalidDescriptor { recording_id, source })?;
    let read_error = |position, source| OfflineSnapshotError::Read { recording_id, position, source };
    let mut reader = RecordingReader::new(
        archive_storage.clone(),
        recording_id,
        geometry,
        Some(descriptor.stream_id),
        false,
        descriptor.start_position,
        descriptor.stop_position,
        READ_BUFFER_LENGTH,
    )
    .map_err(|source| read_error(descriptor.start_position, source))?;
    let mut assembler = Assembler { messages: Vec::new(), partial: None, problem: None };
    while !reader.is_done() {
        let position = reader.position();
        let advanced = reader
            .poll(&mut |block: &[u8], block_position: i64| assembler.on_block(block, block_position))
            .map_err(|source| read_error(position, source))?;
        if let Some((position, reason)) = assembler.problem {
            return Err(OfflineSnapshotError::IncompleteMessage { recording_id, position, reason });
        }
        if advanced == 0 {
            // Defensive: a reader that stops moving before the limit would loop forever.
            return Err(OfflineSnapshotError::IncompleteMessage {
                recording_id,
                position,
                reason: "the recording stops moving before its stop position",
            });
        }
    }
    if assembler.partial.is_some() {
        return Err(OfflineSnapshotError::IncompleteMessage {
            recording_id,
            position: descriptor.stop_position,
            reason: "the last message has no END fragment before the stop position",
        });
    }
    let mut messages = assembler.messages;
    let count =
        verify_seal(&messages).map_err(|source| OfflineSnapshotError::Seal { recording_id, source })?;
    messages.truncate(count);
    Ok(messages)
}

#[cfg(test)]
mod tests {
    use archive::{ArchiveFile, FileSyncLevel, MemoryArchiveStorage, NewRecording, RecordingWriter};
    use archive_client::snapshot_seal::seal;

    use super::*;

    const TERM_LENGTH: i32 = 64 * 1024;
    const MTU: usize = 1408;
    const STREAM_ID: i32 = 107;
    const INITIAL_TERM_ID: i32 = 5;

    fn header(frame_length: usize, flags: u8, frame_type: u16, term_offset: i32, term_id: i32) -> Vec<u8> {
        let mut frame = Vec::with_capacity(HEADER_LENGTH);
        frame.extend_from_slice(&(frame_length as i32).to_le_bytes());
        frame.push(0);
        frame.push(flags);
        frame.extend_from_slice(&frame_type.to_le_bytes());
        frame.extend_from_slice(&term_offset.to_le_bytes());
        frame.extend_from_slice(&77i32.to_le_bytes());
        frame.extend_from_slice(&STREAM_ID.to_le_bytes());
        frame.extend_from_slice(&term_id.to_le_bytes());
        frame.extend_from_slice(&0i64.to_le_bytes());
        frame
    }

    /// A storage with a catalog holding one recording of `messages` (fragmented at the MTU, padded at
    /// term ends as an exclusive publication does), stopped at its end. Returns the storage, the
    /// recording id, and the position each message starts at.
    fn record(messages: &[Vec<u8>]) -> (MemoryArchiveStorage, i64, Vec<i64>) {
        let storage = MemoryArchiveStorage::new();
        let mut catalog = Catalog::create(&storage, CatalogConfig::default()).unwrap();
        let recording = NewRecording {
            start_position: 0,
            initial_term_id: INITIAL_TERM_ID,
            segment_file_length: TERM_LENGTH,
            term_buffer_length: TERM_LENGTH,
            mtu_length: MTU as i32,
            session_id: 77,
            stream_id: STREAM_ID,
            stripped_channel: "aeron:ipc".into(),
            original_channel: "aeron:ipc?alias=snapshot".into(),
            source_identity: "aeron:ipc".into(),
            ..NewRecording::default()
        };
        let id = catalog.add_recording(&recording).unwrap();
        let geometry = SegmentGeometry::new(0, TERM_LENGTH, TERM_LENGTH, INITIAL_TERM_ID).unwrap();
        let mut writer =
            RecordingWriter::new(storage.clone(), id, geometry, 0, FileSyncLevel::None, false, 0);
        let max_payload = MTU - HEADER_LENGTH;
        let mut starts = Vec::new();
        for message in messages {
            let chunks: Vec<&[u8]> =
                if message.is_empty() { vec![&[][..]] } else { message.chunks(max_payload).collect() };
            let needed: usize = chunks.iter().map(|c| agrona::align(HEADER_LENGTH + c.len(), 32)).sum();
            let mut position = writer.position();
            let term_offset = geometry.term_offset(position);
            if term_offset as usize + needed > TERM_LENGTH as usize {
                let pad_length = TERM_LENGTH as usize - term_offset as usize;
                let mut pad = header(pad_length, 0xC0, TYPE_PAD, term_offset, geometry.term_id(position));
                pad.resize(pad_length, 0);
                writer.write_block(&pad, position).unwrap();
                position = writer.position();
            }
            starts.push(position);
            for (index, chunk) in chunks.iter().enumerate() {
                let position = writer.position();
                let mut flags = 0;
                if index == 0 {
                    flags |= BEGIN_FLAG;
                }
                if index == chunks.len() - 1 {
                    flags |= END_FLAG;
                }
                let frame_length = HEADER_LENGTH + chunk.len();
                let mut frame = header(
                    frame_length,
                    flags,
                    1,
                    geometry.term_offset(position),
                    geometry.term_id(position),
                );
                frame.extend_from_slice(chunk);
                frame.resize(agrona::align(frame_length, 32), 0);
                writer.write_block(&frame, position).unwrap();
            }
        }
        let stop_position = writer.position();
        writer.close().unwrap();
        catalog.recording_stopped(id, stop_position, 2_000).unwrap();
        (storage, id, starts)
    }

    fn content() -> Vec<Vec<u8>> {
        let mut messages: Vec<Vec<u8>> = vec![b"begin marker".to_vec(), Vec::new()];
        // Enough fragmented messages to pad at the end of the first term and roll onto a second segment.
        for index in 0..20u8 {
            messages.push((0..5_000u32).map(|i| (i as u8).wrapping_mul(31).wrapping_add(index)).collect());
        }
        messages.push(b"end marker".to_vec());
        messages
    }

    fn sealed(messages: &[Vec<u8>]) -> Vec<Vec<u8>> {
        let mut list = messages.to_vec();
        list.push(seal(messages));
        list
    }

    fn set_stop_position(storage: &MemoryArchiveStorage, id: i64, stop_position: i64) {
        let mut catalog = Catalog::open(storage, CatalogConfig::default()).unwrap();
        catalog.set_stop_position(id, stop_position).unwrap();
    }

    #[test]
    fn a_sealed_recording_reads_back_without_its_trailer() {
        let messages = content();
        let (storage, id, starts) = record(&sealed(&messages));
        assert!(starts.iter().any(|&p| p >= i64::from(TERM_LENGTH)), "the recording spans two terms");
        assert_eq!(read_snapshot_recording(&storage, id), Ok(messages));
    }

    #[test]
    fn a_flipped_payload_byte_is_a_seal_error() {
        let messages = content();
        let (storage, id, starts) = record(&sealed(&messages));
        let position = starts[5] + HEADER_LENGTH as i64 + 100;
        let name = archive::segment_file_name(id, 0);
        let mut file = storage.open(&name).unwrap();
        let mut byte = [0u8; 1];
        file.read_at(position as u64, &mut byte).unwrap();
        file.write_at(position as u64, &[byte[0] ^ 0x10]).unwrap();
        assert!(matches!(
            read_snapshot_recording(&storage, id),
            Err(OfflineSnapshotError::Seal { source: SealError::Checksum { .. }, .. })
        ));
    }

    #[test]
    fn a_truncated_stop_position_is_an_error() {
        let messages = content();
        let sealed = sealed(&messages);
        let (storage, id, starts) = record(&sealed);
        let trailer_start = *starts.last().unwrap();

        // At a frame boundary: the trailer is missing.
        set_stop_position(&storage, id, trailer_start);
        assert!(matches!(
            read_snapshot_recording(&storage, id),
            Err(OfflineSnapshotError::Seal { source: SealError::MissingTrailer, .. })
        ));
        // Inside a fragmented message, at a fragment boundary: the message has no END.
        set_stop_position(&storage, id, starts[3] + MTU as i64);
        assert!(matches!(
            read_snapshot_recording(&storage, id),
            Err(OfflineSnapshotError::IncompleteMessage { .. })
        ));
        // Inside a frame: the reader refuses it.
        set_stop_position(&storage, id, trailer_start + 32);
        assert!(matches!(
            read_snapshot_recording(&storage, id),
            Err(OfflineSnapshotError::Read { source: ReadError::FrameCrossesLimit { .. }, .. })
        ));
    }

    #[test]
    fn catalog_problems_are_errors() {
        let (storage, id, _) = record(&sealed(&content()));
        assert_eq!(
            read_snapshot_recording(&storage, id + 1),
            Err(OfflineSnapshotError::UnknownRecording(id + 1))
        );
        set_stop_position(&storage, id, archive::NULL_VALUE);
        assert_eq!(read_snapshot_recording(&storage, id), Err(OfflineSnapshotError::NotStopped(id)));
        let mut catalog = Catalog::open(&storage, CatalogConfig::default()).unwrap();
        catalog.change_state(id, RecordingState::Invalid).unwrap();
        assert!(matches!(read_snapshot_recording(&storage, id), Err(OfflineSnapshotError::NotValid { .. })));
        assert!(matches!(
            read_snapshot_recording(&MemoryArchiveStorage::new(), 0),
            Err(OfflineSnapshotError::Catalog(_))
        ));
    }

    #[test]
    fn a_missing_segment_or_corrupt_header_is_a_read_error() {
        let (storage, id, starts) = record(&sealed(&content()));
        let name = archive::segment_file_name(id, 0);
        let mut file = storage.open(&name).unwrap();
        // Corrupt the term offset of a frame header.
        file.write_at(starts[2] as u64 + 8, &[0xFF]).unwrap();
        assert!(matches!(
            read_snapshot_recording(&storage, id),
            Err(OfflineSnapshotError::Read { source: ReadError::Frame { .. }, .. })
        ));
        storage.remove(&name).unwrap();
        assert!(matches!(
            read_snapshot_recording(&storage, id),
            Err(OfflineSnapshotError::Read { source: ReadError::MissingSegment { .. }, .. })
        ));
    }

    #[test]
    fn random_corruption_never_panics() {
        let (storage, id, _) = record(&sealed(&content()));
        let name = archive::segment_file_name(id, 0);
        let pristine = storage.file_contents(&name).unwrap();
        let mut prng = agrona::Prng::from_seed(11);
        let mut rejected = 0;
        for _ in 0..200 {
            let mut file = storage.open(&name).unwrap();
            file.write_at(0, &pristine).unwrap();
            for _ in 0..1 + prng.next_u64() % 4 {
                let at = prng.next_u64() % pristine.len() as u64;
                file.write_at(at, &[prng.next_u64() as u8]).unwrap();
            }
            if read_snapshot_recording(&storage, id).is_err() {
                rejected += 1;
            }
        }
        assert!(rejected > 0, "random corruption was never detected");
    }
}
