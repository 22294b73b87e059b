//! Verifying a recording's segment files against its catalog entry (reference §5.4, Aeron's
//! `ArchiveTool verify -a`): [`verify_recording`] and [`verify_and_mark`].
//!
//! Checks: the geometry is valid; start and stop positions are non-negative, 32-aligned, and
//! `stop >= start`; every segment file between them exists; every frame in `[start, stop)` passes
//! [`crate::check_frame`] (term offset and term id consistent with its position, stream id, sane length,
//! and the record checksum when on) and frames tile the range exactly; no frame starts at the stop
//! position (the stop position is the end of the data). For an active recording (no stop position) the
//! data is checked up to the end found by scanning.
//!
//! Invariants: never panics on any bytes; reads through the storage seam only; reports every segment's
//! first problem rather than stopping at the first bad segment.

use crate::frame_check::{FrameProblem, check_frame, check_frame_checksum, read_i32};
use crate::{
    ArchiveFile, ArchiveStorage, Catalog, CatalogError, RecordingDescriptor, RecordingState, SegmentGeometry,
    StorageError, last_segment_bases, scan_segment, segment_file_name,
};

/// One problem found by verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyProblem {
    /// The entry's geometry or positions are invalid.
    InvalidDescriptor(String),
    /// A segment file that should hold data is missing.
    MissingSegment(String),
    /// A frame is invalid.
    BadFrame {
        /// Where the frame should start.
        position: i64,
        /// What is wrong.
        problem: FrameProblem,
    },
    /// A frame runs past the stop position.
    FrameCrossesStop {
        /// Where the frame starts.
        position: i64,
    },
    /// A committed frame starts at the stop position: the catalog's stop position is behind the data.
    DataAfterStop {
        /// The stop position.
        stop_position: i64,
    },
}

/// The result of verifying one recording.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VerifyReport {
    /// Every problem found (empty = the recording verified).
    pub problems: Vec<VerifyProblem>,
    /// Frames checked.
    pub frames_checked: u64,
}

impl VerifyReport {
    /// True if nothing was wrong.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Verifies `descriptor`'s segment files in `storage`. Storage failures are returned; everything about
/// the data itself goes into the report.
pub fn verify_recording<S: ArchiveStorage>(
    storage: &S,
    descriptor: &RecordingDescriptor,
    record_checksum: bool,
) -> Result<VerifyReport, StorageError> {
    let mut report = VerifyReport::default();
    let geometry = match SegmentGeometry::from_descriptor(descriptor) {
        Ok(geometry) => geometry,
        Err(error) => {
            report.problems.push(VerifyProblem::InvalidDescriptor(error.to_string()));
            return Ok(report);
        }
    };
    let start = descriptor.start_position;
    let segment_length = geometry.segment_length() as usize;
    let stop = if descriptor.is_active() {
        let bases = last_segment_bases(storage)?;
        match bases.get(&descriptor.recording_id) {
            Some(&base) if base >= geometry.start_term_base() && geometry.is_segment_base(base) => {
                let image =
                    read_segment(storage, &segment_file_name(descriptor.recording_id, base), segment_length)?
                        .unwrap_or_default();
                let start_offset = (start - base).clamp(0, segment_length as i64) as usize;
                let scan = scan_segment(&image, start_offset, base, &geometry, None, false);
                (base + scan.stop_offset as i64).max(start)
            }
            _ => start,
        }
    } else {
        descriptor.stop_position
    };
    if stop < start || stop & 31 != 0 {
        report.problems.push(VerifyProblem::InvalidDescriptor(format!(
            "stop position {stop} before start {start} or unaligned"
        )));
        return Ok(report);
    }
    let last_base = geometry.segment_base(stop);
    let mut base = geometry.segment_base(start);
    while base <= last_base {
        let name = segment_file_name(descriptor.recording_id, base);
        let data_start = start.max(base);
        let data_end = stop.min(base + segment_length as i64);
        let Some(image) = read_segment(storage, &name, segment_length)? else {
            if data_start < data_end {
                report.problems.push(VerifyProblem::MissingSegment(name));
            }
            base += segment_length as i64;
            continue;
        };
        let mut position = data_start;
        while position < data_end {
            let offset = (position - base) as usize;
            let checked = check_frame(&image[offset..], position, &geometry, Some(descriptor.stream_id))
                .and_then(|checked| {
                    if record_checksum {
                        check_frame_checksum(&image[offset..], &checked).map(|()| checked)
                    } else {
                        Ok(checked)
                    }
                });
            match checked {
                Ok(checked) if position + checked.aligned_length as i64 > stop => {
                    report.problems.push(VerifyProblem::FrameCrossesStop { position });
                    break;
                }
                Ok(checked) => {
                    report.frames_checked += 1;
                    position += checked.aligned_length as i64;
                }
                Err(problem) => {
                    report.problems.push(VerifyProblem::BadFrame { position, problem });
                    break;
                }
            }
        }
        let stop_offset = (stop - base) as usize;
        if base == last_base
            && position == stop
            && stop_offset + 4 <= image.len()
            && read_i32(&image, stop_offset) > 0
        {
            report.problems.push(VerifyProblem::DataAfterStop { stop_position: stop });
        }
        base += segment_length as i64;
    }
    Ok(report)
}

fn read_segment<S: ArchiveStorage>(
    storage: &S,
    name: &str,
    segment_length: usize,
) -> Result<Option<Vec<u8>>, StorageError> {
    let file = match storage.open(name) {
        Ok(file) => file,
        Err(StorageError::NotFound(_)) => return Ok(None),
        Err(error) => return Err(error),
    };
    let mut image = vec![0u8; segment_length];
    file.read_at_zero_filled(0, &mut image)?;
    Ok(Some(image))
}

/// Verifies `recording_id` and records the verdict in the catalog as `ArchiveTool verify` does: a failure
/// marks a VALID entry INVALID, a pass sets an INVALID entry back to VALID (DELETED entries are left alone).
pub fn verify_and_mark<S: ArchiveStorage>(
    storage: &S,
    catalog: &mut Catalog<S::File>,
    recording_id: i64,
    record_checksum: bool,
) -> Result<VerifyReport, CatalogError> {
    let descriptor = catalog.descriptor(recording_id)?;
    let report = verify_recording(storage, &descriptor, record_checksum)?;
    match (descriptor.state, report.is_ok()) {
        (RecordingState::Valid, false) => catalog.change_state(recording_id, RecordingState::Invalid)?,
        (RecordingState::Invalid, true) => catalog.change_state(recording_id, RecordingState::Valid)?,
        _ => {}
    }
    Ok(report)
}
