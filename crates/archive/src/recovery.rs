//! Crash recovery of the catalog (reference §5.4, gotcha 12; Aeron's `Catalog.refreshCatalog(fix=true)`):
//! [`recover_catalog`].
//!
//! For every VALID entry whose stop position is NULL (it was recording when the archive died): find its
//! segment file with the highest base, [`crate::scan_segment`] it, erase a torn last frame (zero from
//! that frame to the end of the segment, sync), and record the stop position
//! `max(segment_base + stop_offset, start_position)` with stop timestamp `now_ms`. An entry whose geometry
//! is invalid, whose last segment holds a frame with an inconsistent header, or whose last segment lies
//! before its start, is marked INVALID (its stop position is still set to the last trusted frame).
//!
//! Invariants: never panics on any catalog or segment contents; every change is listed in the returned
//! [`RecoveryReport`]; storage failures are returned (fatal), never retried.

use std::collections::BTreeMap;

use crate::frame_check::FrameProblem;
use crate::{
    ArchiveFile, ArchiveStorage, Catalog, CatalogError, RecordingState, SegmentGeometry, StorageError,
    parse_segment_file_name, scan_segment, segment_file_name,
};

/// One thing recovery did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecoveryAction {
    /// The stop position of an interrupted recording was recovered.
    StopPositionRecovered {
        /// The recording.
        recording_id: i64,
        /// The recovered stop position.
        stop_position: i64,
    },
    /// A torn last frame was erased from a segment file.
    TornFrameErased {
        /// The recording.
        recording_id: i64,
        /// The segment file.
        segment_file: String,
        /// Where the erased frame started in that file.
        segment_offset: usize,
    },
    /// The entry cannot be trusted and was marked INVALID.
    MarkedInvalid {
        /// The recording.
        recording_id: i64,
        /// Why.
        reason: String,
    },
}

/// Everything recovery did, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RecoveryReport {
    /// The actions, in the order taken.
    pub actions: Vec<RecoveryAction>,
}

/// Why recovery could not finish (storage failures; the catalog may be poisoned).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecoveryError {
    /// The catalog failed.
    #[error("recovery: {0}")]
    Catalog(#[from] CatalogError),
    /// A segment file operation failed.
    #[error("recovery: {0}")]
    Storage(#[from] StorageError),
}

/// The highest segment base of every recording that has segment files in `storage`.
pub fn last_segment_bases<S: ArchiveStorage>(storage: &S) -> Result<BTreeMap<i64, i64>, StorageError> {
    let mut bases = BTreeMap::new();
    for name in storage.list()? {
        if let Some((recording_id, base)) = parse_segment_file_name(&name) {
            let entry = bases.entry(recording_id).or_insert(base);
            *entry = (*entry).max(base);
        }
    }
    Ok(bases)
}

/// Recovers every interrupted recording in `catalog` (see the module docs). `now_ms` becomes the stop
/// timestamp; `record_checksum` says whether frames carry record checksums.
pub fn recover_catalog<S: ArchiveStorage>(
    storage: &S,
    catalog: &mut Catalog<S::File>,
    now_ms: i64,
    record_checksum: bool,
) -> Result<RecoveryReport, RecoveryError> {
    let mut report = RecoveryReport::default();
    let bases = last_segment_bases(storage)?;
    let ids: Vec<i64> = catalog.recording_ids().collect();
    for recording_id in ids {
        let descriptor = catalog.descriptor(recording_id)?;
        if descriptor.state != RecordingState::Valid || !descriptor.is_active() {
            continue;
        }
        let mut invalid_reason = None;
        let stop_position = match SegmentGeometry::from_descriptor(&descriptor) {
            Err(error) => {
                invalid_reason = Some(error.to_string());
                descriptor.start_position.max(0)
            }
            Ok(geometry) => match bases.get(&recording_id) {
                None => descriptor.start_position,
                Some(&base) if base < geometry.start_term_base() || !geometry.is_segment_base(base) => {
                    invalid_reason = Some(format!("last segment base {base} does not fit the recording"));
                    descriptor.start_position
                }
                Some(&base) => {
                    let name = segment_file_name(recording_id, base);
                    let segment_length = geometry.segment_length() as usize;
                    let mut file = storage.open(&name)?;
                    let mut image = vec![0u8; segment_length];
                    file.read_at_zero_filled(0, &mut image)?;
                    let start_offset =
                        (descriptor.start_position - base).clamp(0, segment_length as i64) as usize;
                    let scan = scan_segment(
                        &image,
                        start_offset,
                        base,
                        &geometry,
                        Some(descriptor.stream_id),
                        record_checksum,
                    );
                    if let Some(torn_offset) = scan.torn_frame_offset {
                        erase_from(&mut file, torn_offset as u64, segment_length as u64)?;
                        report.actions.push(RecoveryAction::TornFrameErased {
                            recording_id,
                            segment_file: name.clone(),
                            segment_offset: torn_offset,
                        });
                    }
                    if let Some((offset, problem)) = scan.problem {
                        invalid_reason = Some(describe_problem(&name, offset, problem));
                    }
                    (base + scan.stop_offset as i64).max(descriptor.start_position)
                }
            },
        };
        catalog.recording_stopped(recording_id, stop_position, now_ms)?;
        report.actions.push(RecoveryAction::StopPositionRecovered { recording_id, stop_position });
        if let Some(reason) = invalid_reason {
            catalog.change_state(recording_id, RecordingState::Invalid)?;
            report.actions.push(RecoveryAction::MarkedInvalid { recording_id, reason });
        }
    }
    Ok(report)
}

fn describe_problem(name: &str, offset: usize, problem: FrameProblem) -> String {
    format!("{name} offset {offset}: {problem}")
}

/// Zeroes `file` from `offset` to `segment_length` (truncate, then extend back to full length), then
/// syncs it: Aeron's `truncate` + one zero byte at the end.
pub fn erase_from<F: ArchiveFile>(
    file: &mut F,
    offset: u64,
    segment_length: u64,
) -> Result<(), StorageError> {
    file.set_len(offset)?;
    file.set_len(segment_length)?;
    file.sync_data()
}
