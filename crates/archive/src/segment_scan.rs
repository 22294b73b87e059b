//! Scanning a segment image for the end of the recorded frames (reference §5.4; Aeron's
//! `Catalog.recoverStopOffset`, `fragmentStraddlesPageBoundary`, `isValidFragment`): [`scan_segment`].
//!
//! The scan walks frames from a start offset until the first `frame_length <= 0` (or the end of the
//! image). The last frame found is *torn* when it straddles a 4 KiB page boundary and fails its check:
//! its record checksum when checksums are on, otherwise "every page it covers after the boundary holds
//! some non-zero byte". A device writes whole pages, so a frame inside one page is all-or-nothing, but a
//! frame across pages may have lost its later pages. PAD frames are stored as their header only and are
//! never torn (a deliberate difference from Aeron, which would misjudge a trailing PAD across a page).
//!
//! Invariants: pure and total: any bytes give a [`SegmentScan`], never a panic; the stop offset is
//! always a frame boundary at or after the start offset and within the image.

use crate::SegmentGeometry;
use crate::frame_check::{FRAME_HEADER_LENGTH, FrameProblem, check_frame, check_frame_checksum, read_i32};

/// The page size recovery assumes the device writes atomically.
pub const RECOVERY_PAGE_SIZE: usize = 4096;

/// What a segment scan found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentScan {
    /// Offset after the last trusted frame.
    pub stop_offset: usize,
    /// Offset of a torn last frame that was excluded (it should be erased).
    pub torn_frame_offset: Option<usize>,
    /// A frame with an inconsistent header where the scan stopped: the recording cannot be trusted.
    pub problem: Option<(usize, FrameProblem)>,
}

/// True if a frame at `offset` of `length` bytes crosses a page boundary.
pub fn straddles_page_boundary(offset: usize, length: usize) -> bool {
    length > 0 && offset / RECOVERY_PAGE_SIZE != (offset + length - 1) / RECOVERY_PAGE_SIZE
}

fn page_has_data(frame: &[u8]) -> bool {
    // `frame` starts at `frame_offset` in the segment; page boundaries are relative to the segment.
    frame.iter().any(|&b| b != 0)
}

/// Scans `segment` (the image of the segment file whose base position is `segment_base_position`) from
/// `start_offset`, checking frame headers against `geometry` (and `stream_id`, and checksums when
/// `record_checksum`).
pub fn scan_segment(
    segment: &[u8],
    start_offset: usize,
    segment_base_position: i64,
    geometry: &SegmentGeometry,
    stream_id: Option<i32>,
    record_checksum: bool,
) -> SegmentScan {
    let mut offset = start_offset.min(segment.len()) & !31;
    let mut last_frame: Option<(usize, usize, bool)> = None;
    let mut problem = None;
    while segment.len() - offset >= FRAME_HEADER_LENGTH {
        if read_i32(segment, offset) <= 0 {
            break;
        }
        match check_frame(&segment[offset..], segment_base_position + offset as i64, geometry, stream_id) {
            Ok(checked) if checked.aligned_length <= segment.len() - offset => {
                last_frame = Some((offset, checked.aligned_length, checked.is_padding));
                offset += checked.aligned_length;
            }
            Ok(checked) => {
                problem = Some((offset, FrameProblem::RunsPastTerm(checked.frame_length)));
                break;
            }
            Err(frame_problem) => {
                problem = Some((offset, frame_problem));
                break;
            }
        }
    }
    let mut torn_frame_offset = None;
    if let Some((frame_offset, aligned_length, is_padding)) = last_frame
        && !is_padding
        && straddles_page_boundary(frame_offset, aligned_length)
    {
        let frame = &segment[frame_offset..frame_offset + aligned_length];
        let valid = if record_checksum {
            check_frame(frame, segment_base_position + frame_offset as i64, geometry, stream_id)
                .is_ok_and(|checked| check_frame_checksum(frame, &checked).is_ok())
        } else {
            let first_boundary = (frame_offset / RECOVERY_PAGE_SIZE + 1) * RECOVERY_PAGE_SIZE;
            let end = frame_offset + aligned_length;
            let mut page = first_boundary;
            let mut all_pages_have_data = true;
            while page < end {
                let page_end = (page + RECOVERY_PAGE_SIZE).min(end);
                if !page_has_data(&segment[page..page_end]) {
                    all_pages_have_data = false;
                    break;
                }
                page += RECOVERY_PAGE_SIZE;
            }
            all_pages_have_data
        };
        if !valid {
            torn_frame_offset = Some(frame_offset);
            offset = frame_offset;
        }
    }
    SegmentScan { stop_offset: offset, torn_frame_offset, problem }
}
