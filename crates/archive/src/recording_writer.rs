//! [`RecordingWriter`]: writes the blocks a recorder takes from an image (`ImageReader::block_poll`) into
//! segment files at the right offsets (reference §5.3; Aeron's `RecordingWriter`).
//!
//! Invariants:
//! - blocks arrive in stream order without gaps: each block starts at the position the previous one
//!   ended; a block is whole frames of one term (block poll never crosses a term, so never a segment);
//! - a PAD frame (always alone in its block) is written as its 32-byte header only, and the write
//!   position moves past its full length;
//! - bytes land at `position - segment_base(position)` of `<recordingId>-<segmentBase>.rec`; a new segment
//!   file is created at full (sparse) length, and the directory is synced when the sync level is above 0;
//!   rolling onto a segment file that already exists is an error (only the first segment of an extension
//!   may exist);
//! - at sync level 1 or 2 every block is synced before `write_block` returns;
//! - after any storage failure the writer is poisoned: the failure is returned once (fatal), and every
//!   later call returns `StorageError::PreviousIo` without touching storage;
//! - with the record checksum on, each DATA frame's `session_id` is replaced on disk by the CRC-32C of its
//!   body (gotcha 7); the copy uses a buffer allocated once, so the steady state does not allocate.

use crate::frame_check::{
    FRAME_ALIGNMENT, FRAME_HEADER_LENGTH, FRAME_SESSION_ID_OFFSET, FRAME_TYPE_OFFSET, FRAME_TYPE_PAD,
    frame_checksum, read_i32,
};
use crate::{ArchiveFile, ArchiveStorage, FileSyncLevel, SegmentGeometry, StorageError, segment_file_name};

/// Why a block could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordingError {
    /// The storage failed (fatal when [`StorageError::is_fatal`]; the writer is now poisoned).
    #[error("recording storage: {0}")]
    Storage(#[from] StorageError),
    /// The block does not start where the previous one ended.
    #[error("block at position {found}, expected {expected}")]
    NonContiguous {
        /// The writer's position.
        expected: i64,
        /// The block's position.
        found: i64,
    },
    /// The block is empty, not 32-aligned in length, crosses a term, or holds a malformed frame.
    #[error("malformed block of {length} bytes at position {position}")]
    MalformedBlock {
        /// The block's position.
        position: i64,
        /// The block's length.
        length: usize,
    },
    /// The next segment file already exists.
    #[error("segment file {0} already exists")]
    SegmentExists(String),
}

/// Writes one recording's blocks into its segment files.
///
/// Drive it from the recorder: create it with the recording's geometry and the position to continue
/// from (the start position, or the stop position when extending), call [`RecordingWriter::write_block`]
/// with each block from block poll and the position it started at, then [`RecordingWriter::close`]. Any
/// error is fatal for the recording: stop it and report.
#[derive(Debug)]
pub struct RecordingWriter<S: ArchiveStorage> {
    storage: S,
    recording_id: i64,
    geometry: SegmentGeometry,
    sync_level: FileSyncLevel,
    record_checksum: bool,
    file: Option<S::File>,
    segment_base_position: i64,
    position: i64,
    may_open_existing: bool,
    checksum_buffer: Vec<u8>,
    poisoned_name: Option<String>,
}

impl<S: ArchiveStorage> RecordingWriter<S> {
    /// A writer continuing at `position` (32-aligned, at or after the start position). With
    /// `record_checksum`, `max_block_length` bytes are allocated now for the checksum copy (the block poll
    /// limit: `min(term_length, file_io_max_length)`).
    pub fn new(
        storage: S,
        recording_id: i64,
        geometry: SegmentGeometry,
        position: i64,
        sync_level: FileSyncLevel,
        record_checksum: bool,
        max_block_length: usize,
    ) -> Self {
        assert!(position >= geometry.start_position() && position & 31 == 0, "invalid writer position");
        Self {
            storage,
            recording_id,
            geometry,
            sync_level,
            record_checksum,
            file: None,
            segment_base_position: geometry.segment_base(position),
            position,
            may_open_existing: true,
            checksum_buffer: if record_checksum { vec![0; max_block_length] } else { Vec::new() },
            poisoned_name: None,
        }
    }

    /// The position after the last byte written (the `rec-pos` value to publish).
    pub fn position(&self) -> i64 {
        self.position
    }

    /// True after a storage failure.
    pub fn is_poisoned(&self) -> bool {
        self.poisoned_name.is_some()
    }

    fn poison<T>(&mut self, name: &str, result: Result<T, StorageError>) -> Result<T, RecordingError> {
        result.map_err(|error| {
            self.poisoned_name = Some(name.to_string());
            self.file = None;
            RecordingError::Storage(error)
        })
    }

    fn open_segment(&mut self) -> Result<(), RecordingError> {
        let base = self.geometry.segment_base(self.position);
        let name = segment_file_name(self.recording_id, base);
        let exists = self.storage.exists(&name);
        let exists = self.poison(&name, exists)?;
        let file = if exists {
            if !self.may_open_existing {
                return Err(RecordingError::SegmentExists(name));
            }
            let opened = self.storage.open(&name);
            let mut file = self.poison(&name, opened)?;
            let length = file.len();
            if self.poison(&name, length)? < self.geometry.segment_length() as u64 {
                let result = file.set_len(self.geometry.segment_length() as u64);
                self.poison(&name, result)?;
            }
            file
        } else {
            let created = self.storage.create(&name);
            let mut file = self.poison(&name, created)?;
            let result = file.set_len(self.geometry.segment_length() as u64);
            self.poison(&name, result)?;
            if self.sync_level > FileSyncLevel::None {
                let result = self.storage.sync_directory();
                self.poison(&name, result)?;
            }
            file
        };
        self.file = Some(file);
        self.segment_base_position = base;
        self.may_open_existing = false;
        Ok(())
    }

    /// Writes `block` (whole frames from block poll) that starts at stream `position`.
    pub fn write_block(&mut self, block: &[u8], position: i64) -> Result<(), RecordingError> {
        if let Some(name) = &self.poisoned_name {
            return Err(RecordingError::Storage(StorageError::PreviousIo(name.clone())));
        }
        if position != self.position {
            return Err(RecordingError::NonContiguous { expected: self.position, found: position });
        }
        let malformed = RecordingError::MalformedBlock { position, length: block.len() };
        let term_offset = self.geometry.term_offset(position) as usize;
        if block.len() < FRAME_HEADER_LENGTH
            || !block.len().is_multiple_of(FRAME_ALIGNMENT)
            || term_offset + block.len() > self.geometry.term_length() as usize
        {
            return Err(malformed);
        }
        if self.file.is_none() {
            self.open_segment()?;
        }
        let is_padding =
            u16::from_le_bytes([block[FRAME_TYPE_OFFSET], block[FRAME_TYPE_OFFSET + 1]]) == FRAME_TYPE_PAD;
        let data_length = if is_padding { FRAME_HEADER_LENGTH } else { block.len() };
        let data: &[u8] = if self.record_checksum && !is_padding {
            if block.len() > self.checksum_buffer.len() {
                return Err(malformed);
            }
            let copy = &mut self.checksum_buffer[..block.len()];
            copy.copy_from_slice(block);
            let mut offset = 0;
            while offset < copy.len() {
                let frame_length = read_i32(copy, offset);
                if frame_length < FRAME_HEADER_LENGTH as i32 {
                    return Err(malformed);
                }
                let aligned = agrona::align(frame_length as usize, FRAME_ALIGNMENT);
                if aligned > copy.len() - offset {
                    return Err(malformed);
                }
                let checksum = frame_checksum(&copy[offset..], aligned);
                copy[offset + FRAME_SESSION_ID_OFFSET..offset + FRAME_SESSION_ID_OFFSET + 4]
                    .copy_from_slice(&checksum.to_le_bytes());
                offset += aligned;
            }
            &self.checksum_buffer[..block.len()]
        } else {
            &block[..data_length]
        };
        let file_offset = (position - self.segment_base_position) as u64;
        let Some(file) = self.file.as_mut() else { return Err(malformed) };
        let mut result = file.write_at(file_offset, data);
        if result.is_ok() {
            result = self.sync_level.sync(file);
        }
        if let Err(error) = result {
            let name = file.name().to_string();
            return self.poison(&name, Err(error));
        }
        self.position += block.len() as i64;
        if self.position - self.segment_base_position >= self.geometry.segment_length() as i64 {
            self.file = None;
        }
        Ok(())
    }

    /// Syncs the open segment as the sync level asks and closes it.
    pub fn close(mut self) -> Result<(), RecordingError> {
        if let Some(name) = &self.poisoned_name {
            return Err(RecordingError::Storage(StorageError::PreviousIo(name.clone())));
        }
        if let Some(mut file) = self.file.take() {
            let result = self.sync_level.sync(&mut file);
            let name = file.name().to_string();
            self.poison(&name, result)?;
        }
        Ok(())
    }
}
