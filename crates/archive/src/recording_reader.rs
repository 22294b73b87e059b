//! [`RecordingReader`]: reads a recording's frames back from its segment files, from a position up to a
//! limit, validating every frame header on the way (reference §5.7; Aeron's `RecordingReader` and the
//! replay session's checks).
//!
//! Invariants:
//! - each [`RecordingReader::poll`] delivers either one block of whole, consecutive DATA frames (never
//!   crossing a term, a segment or the limit) or one PAD frame alone (its 32-byte header; the position
//!   moves past its full length), like block poll on the recording side;
//! - nothing is delivered that failed [`crate::check_frame`] (and the record checksum, when on): a
//!   corrupt or missing frame before the limit is an error, never garbage;
//! - the read buffer is allocated once; polling does not allocate (except opening the next segment).

use crate::frame_check::{FrameProblem, check_frame, check_frame_checksum};
use crate::{ArchiveFile, ArchiveStorage, SegmentGeometry, StorageError, segment_file_name};

/// Why a read failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// The storage failed.
    #[error("recording storage: {0}")]
    Storage(#[from] StorageError),
    /// The start position is before the start, unaligned, or after the limit.
    #[error("invalid read position {position}")]
    InvalidPosition {
        /// The requested position.
        position: i64,
    },
    /// The segment file holding `position` is missing.
    #[error("segment file {name} missing")]
    MissingSegment {
        /// The missing file.
        name: String,
    },
    /// The frame at `position` is not valid.
    #[error("invalid frame at position {position}: {problem}")]
    Frame {
        /// Where the frame should be.
        position: i64,
        /// What is wrong.
        problem: FrameProblem,
    },
    /// A DATA frame is longer than the read buffer.
    #[error("frame at position {position} longer than the read buffer")]
    FrameTooLong {
        /// Where the frame is.
        position: i64,
    },
    /// A frame runs past the limit position.
    #[error("frame at position {position} runs past the limit")]
    FrameCrossesLimit {
        /// Where the frame is.
        position: i64,
    },
}

/// Reads frames of one recording between two positions.
///
/// Create it with the recording's geometry, the position to start at (a frame boundary) and the limit
/// (the stop position, or the live recording position; raise it with [`RecordingReader::set_limit`]),
/// then call [`RecordingReader::poll`] until [`RecordingReader::is_done`].
#[derive(Debug)]
pub struct RecordingReader<S: ArchiveStorage> {
    storage: S,
    recording_id: i64,
    geometry: SegmentGeometry,
    stream_id: Option<i32>,
    record_checksum: bool,
    position: i64,
    limit_position: i64,
    file: Option<S::File>,
    segment_base_position: i64,
    buffer: Vec<u8>,
}

impl<S: ArchiveStorage> RecordingReader<S> {
    /// A reader of `recording_id` from `from_position` to `limit_position`, reading at most
    /// `buffer_length` bytes per poll (at least the MTU; Aeron's `fileIoMaxLength`). `stream_id`, when
    /// given, is checked in every frame; `record_checksum` checks DATA frame checksums.
    #[allow(clippy::too_many_arguments)] // Aeron's RecordingReader takes the same set.
    pub fn new(
        storage: S,
        recording_id: i64,
        geometry: SegmentGeometry,
        stream_id: Option<i32>,
        record_checksum: bool,
        from_position: i64,
        limit_position: i64,
        buffer_length: usize,
    ) -> Result<Self, ReadError> {
        assert!(buffer_length >= 64, "read buffer too small");
        if from_position < geometry.start_position()
            || from_position & 31 != 0
            || from_position > limit_position
        {
            return Err(ReadError::InvalidPosition { position: from_position });
        }
        Ok(Self {
            storage,
            recording_id,
            geometry,
            stream_id,
            record_checksum,
            position: from_position,
            limit_position,
            file: None,
            segment_base_position: geometry.segment_base(from_position),
            buffer: vec![0; buffer_length],
        })
    }

    /// The position of the next frame to deliver.
    pub fn position(&self) -> i64 {
        self.position
    }

    /// The limit position.
    pub fn limit_position(&self) -> i64 {
        self.limit_position
    }

    /// Raises (or lowers, not below the position) the limit, for a replay trailing a live recording.
    pub fn set_limit(&mut self, limit_position: i64) {
        self.limit_position = limit_position.max(self.position);
    }

    /// True once the position has reached the limit.
    pub fn is_done(&self) -> bool {
        self.position >= self.limit_position
    }

    /// Delivers the next block (or PAD frame) to `handler(bytes, position)`; returns how far the position
    /// moved (0 at the limit).
    pub fn poll(&mut self, handler: &mut impl FnMut(&[u8], i64)) -> Result<usize, ReadError> {
        if self.is_done() {
            return Ok(0);
        }
        let position = self.position;
        let base = self.geometry.segment_base(position);
        if self.file.is_none() || base != self.segment_base_position {
            let name = segment_file_name(self.recording_id, base);
            self.file = Some(match self.storage.open(&name) {
                Ok(file) => file,
                Err(StorageError::NotFound(_)) => return Err(ReadError::MissingSegment { name }),
                Err(error) => return Err(error.into()),
            });
            self.segment_base_position = base;
        }
        let term_remaining = (self.geometry.term_length() - self.geometry.term_offset(position)) as i64;
        let want = (self.buffer.len() as i64).min(self.limit_position - position).min(term_remaining)
            as usize
            & !(crate::frame_check::FRAME_ALIGNMENT - 1);
        if want < crate::frame_check::FRAME_HEADER_LENGTH {
            return Err(ReadError::FrameCrossesLimit { position });
        }
        let Some(file) = self.file.as_ref() else { return Ok(0) };
        file.read_at_zero_filled((position - base) as u64, &mut self.buffer[..want])?;
        let mut offset = 0;
        let mut delivered_padding = false;
        while offset < want {
            let frame_position = position + offset as i64;
            let checked =
                check_frame(&self.buffer[offset..want], frame_position, &self.geometry, self.stream_id)
                    .map_err(|problem| ReadError::Frame { position: frame_position, problem })?;
            if checked.is_padding {
                if offset == 0 {
                    if checked.aligned_length as i64 > self.limit_position - position {
                        return Err(ReadError::FrameCrossesLimit { position });
                    }
                    delivered_padding = true;
                }
                break;
            }
            if checked.aligned_length > want - offset {
                if offset == 0 {
                    return Err(if checked.aligned_length as i64 > self.limit_position - position {
                        ReadError::FrameCrossesLimit { position }
                    } else {
                        ReadError::FrameTooLong { position }
                    });
                }
                break;
            }
            if self.record_checksum {
                check_frame_checksum(&self.buffer[offset..want], &checked)
                    .map_err(|problem| ReadError::Frame { position: frame_position, problem })?;
            }
            offset += checked.aligned_length;
        }
        let advance = if delivered_padding {
            handler(&self.buffer[..crate::frame_check::FRAME_HEADER_LENGTH], position);
            crate::frame_check::read_i32(&self.buffer, 0) as usize
        } else {
            handler(&self.buffer[..offset], position);
            offset
        };
        let advance = agrona::align(advance, crate::frame_check::FRAME_ALIGNMENT);
        self.position += advance as i64;
        if self.position - base >= self.geometry.segment_length() as i64 {
            self.file = None;
        }
        Ok(advance)
    }
}
