//! Storage-level recording operations (reference §5.8, §5.11; Aeron's `ArchiveConductor`
//! `truncateRecording`, `purgeRecording`, `detachSegments`, `deleteDetachedSegments`, `purgeSegments`,
//! `attachSegments`, `validateImageForExtendRecording`).
//!
//! Invariants: every operation validates its arguments against the catalog entry before changing
//! anything; the catalog is updated before files are deleted (a crash in between leaves orphan files,
//! never an entry pointing at missing data); a truncated segment is zeroed from the cut to its end and
//! synced. The caller (the conductor) checks what needs live state: no active recording or replay.

use crate::frame_check::check_frame;
use crate::recovery::erase_from;
use crate::{
    ArchiveFile, ArchiveStorage, Catalog, CatalogError, RecordingDescriptor, RecordingState, SegmentGeometry,
    StorageError, parse_segment_file_name, segment_file_name,
};

/// Why an operation was refused or failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SegmentOperationError {
    /// The catalog failed or does not know the recording.
    #[error("{0}")]
    Catalog(#[from] CatalogError),
    /// A file operation failed.
    #[error("{0}")]
    Storage(#[from] StorageError),
    /// The request does not fit the recording (Aeron's INVALID_POSITION, INVALID_EXTENSION, ...).
    #[error("refused: {0}")]
    Refused(String),
}

fn refused<T>(message: String) -> Result<T, SegmentOperationError> {
    Err(SegmentOperationError::Refused(message))
}

fn geometry_of(descriptor: &RecordingDescriptor) -> Result<SegmentGeometry, SegmentOperationError> {
    SegmentGeometry::from_descriptor(descriptor)
        .map_err(|error| SegmentOperationError::Refused(error.to_string()))
}

/// Segment bases of `recording_id` present in `storage`, ascending.
pub fn segment_bases<S: ArchiveStorage>(storage: &S, recording_id: i64) -> Result<Vec<i64>, StorageError> {
    let mut bases: Vec<i64> = storage
        .list()?
        .iter()
        .filter_map(|name| parse_segment_file_name(name))
        .filter(|&(id, _)| id == recording_id)
        .map(|(_, base)| base)
        .collect();
    bases.sort_unstable();
    Ok(bases)
}

/// Truncates a stopped recording to `position` (start <= position <= stop, 32-aligned, at a frame
/// header): sets the stop position, zeroes the rest of the segment holding `position`, and deletes every
/// later segment (all segments when `position` is the start). Returns the deleted file names.
pub fn truncate_recording<S: ArchiveStorage>(
    storage: &S,
    catalog: &mut Catalog<S::File>,
    recording_id: i64,
    position: i64,
) -> Result<Vec<String>, SegmentOperationError> {
    let descriptor = catalog.descriptor(recording_id)?;
    let geometry = geometry_of(&descriptor)?;
    if descriptor.is_active() {
        return refused(format!("recording {recording_id} is active"));
    }
    if position < descriptor.start_position || position > descriptor.stop_position || position & 31 != 0 {
        return refused(format!(
            "position {position} outside [{}, {}] or unaligned",
            descriptor.start_position, descriptor.stop_position
        ));
    }
    let segment_length = geometry.segment_length() as u64;
    let cut_base = geometry.segment_base(position);
    if position < descriptor.stop_position {
        let name = segment_file_name(recording_id, cut_base);
        let file = storage.open(&name)?;
        let mut header = [0u8; 32];
        file.read_at_zero_filled((position - cut_base) as u64, &mut header)?;
        if check_frame(&header, position, &geometry, Some(descriptor.stream_id)).is_err() {
            return refused(format!("position {position} is not at a frame header"));
        }
    }
    catalog.set_stop_position(recording_id, position)?;
    let mut deleted = Vec::new();
    for base in segment_bases(storage, recording_id)? {
        let name = segment_file_name(recording_id, base);
        if position == descriptor.start_position || base > cut_base {
            storage.remove(&name)?;
            deleted.push(name);
        } else if base == cut_base {
            let mut file = storage.open(&name)?;
            erase_from(&mut file, (position - base) as u64, segment_length)?;
        }
    }
    Ok(deleted)
}

/// Marks `recording_id` DELETED and removes all its segment files (`purgeRecording`); returns their names.
pub fn purge_recording<S: ArchiveStorage>(
    storage: &S,
    catalog: &mut Catalog<S::File>,
    recording_id: i64,
) -> Result<Vec<String>, SegmentOperationError> {
    let descriptor = catalog.descriptor(recording_id)?;
    if descriptor.is_active() {
        return refused(format!("recording {recording_id} is active"));
    }
    catalog.change_state(recording_id, RecordingState::Deleted)?;
    let mut deleted = Vec::new();
    for base in segment_bases(storage, recording_id)? {
        let name = segment_file_name(recording_id, base);
        storage.remove(&name)?;
        deleted.push(name);
    }
    Ok(deleted)
}

/// Moves the start position to `new_start_position`, a segment base after the current start's segment
/// and not after the segment holding the stop (or live) position (`detachSegments`). The files stay.
pub fn detach_segments<F: ArchiveFile>(
    catalog: &mut Catalog<F>,
    recording_id: i64,
    new_start_position: i64,
    recorded_position: i64,
) -> Result<(), SegmentOperationError> {
    let descriptor = catalog.descriptor(recording_id)?;
    let geometry = geometry_of(&descriptor)?;
    if !geometry.is_segment_base(new_start_position) {
        return refused(format!("{new_start_position} is not a segment base"));
    }
    if new_start_position <= descriptor.start_position {
        return refused(format!("{new_start_position} is not after the start position"));
    }
    if new_start_position > geometry.segment_base(recorded_position) {
        return refused(format!("{new_start_position} is past the segment being recorded"));
    }
    catalog.set_start_position(recording_id, new_start_position)?;
    Ok(())
}

/// Deletes the segment files before the start position's segment (`deleteDetachedSegments`); returns
/// their names.
pub fn delete_detached_segments<S: ArchiveStorage>(
    storage: &S,
    catalog: &Catalog<S::File>,
    recording_id: i64,
) -> Result<Vec<String>, SegmentOperationError> {
    let descriptor = catalog.descriptor(recording_id)?;
    let geometry = geometry_of(&descriptor)?;
    let first_base = geometry.segment_base(descriptor.start_position);
    let mut deleted = Vec::new();
    for base in segment_bases(storage, recording_id)? {
        if base < first_base {
            let name = segment_file_name(recording_id, base);
            storage.remove(&name)?;
            deleted.push(name);
        }
    }
    Ok(deleted)
}

/// [`detach_segments`] then [`delete_detached_segments`] (`purgeSegments`).
pub fn purge_segments<S: ArchiveStorage>(
    storage: &S,
    catalog: &mut Catalog<S::File>,
    recording_id: i64,
    new_start_position: i64,
    recorded_position: i64,
) -> Result<Vec<String>, SegmentOperationError> {
    detach_segments(catalog, recording_id, new_start_position, recorded_position)?;
    delete_detached_segments(storage, catalog, recording_id)
}

/// Moves the start position back over detached segment files that are still present, one segment at a
/// time while the file before exists and its first frame header fits its position (`attachSegments`);
/// returns the new start position.
pub fn attach_segments<S: ArchiveStorage>(
    storage: &S,
    catalog: &mut Catalog<S::File>,
    recording_id: i64,
) -> Result<i64, SegmentOperationError> {
    let descriptor = catalog.descriptor(recording_id)?;
    let geometry = geometry_of(&descriptor)?;
    let segment_length = geometry.segment_length() as i64;
    let mut start = descriptor.start_position;
    if geometry.segment_base(start) != start {
        return Ok(start);
    }
    loop {
        let base = start - segment_length;
        if base < 0 {
            break;
        }
        let name = segment_file_name(recording_id, base);
        let file = match storage.open(&name) {
            Ok(file) => file,
            Err(StorageError::NotFound(_)) => break,
            Err(error) => return Err(error.into()),
        };
        let mut header = [0u8; 32];
        file.read_at_zero_filled(0, &mut header)?;
        if check_frame(&header, base, &geometry, Some(descriptor.stream_id)).is_err() {
            break;
        }
        start = base;
    }
    if start != descriptor.start_position {
        catalog.set_start_position(recording_id, start)?;
    }
    Ok(start)
}

/// Checks Aeron's extend-recording rules (§5.11): the recording is stopped, and the new image joins at
/// its stop position with the same initial term id, term length and MTU.
pub fn check_extension(
    descriptor: &RecordingDescriptor,
    join_position: i64,
    initial_term_id: i32,
    term_buffer_length: i32,
    mtu_length: i32,
) -> Result<(), SegmentOperationError> {
    if descriptor.is_active() {
        return refused(format!("recording {} is active", descriptor.recording_id));
    }
    if join_position != descriptor.stop_position {
        return refused(format!(
            "join position {join_position} != stop position {}",
            descriptor.stop_position
        ));
    }
    if initial_term_id != descriptor.initial_term_id
        || term_buffer_length != descriptor.term_buffer_length
        || mtu_length != descriptor.mtu_length
    {
        return refused("initial term id, term length or MTU differs".to_string());
    }
    Ok(())
}
