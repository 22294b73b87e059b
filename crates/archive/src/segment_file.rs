//! Segment file naming and position arithmetic (reference §5.3, gotcha 8): [`SegmentGeometry`].
//!
//! A recording's bytes live in files `<recordingId>-<segmentBasePosition>.rec`, each
//! `segment_length = max(configured, term_length)` bytes (both powers of two, so a segment is a whole
//! number of terms). Base positions count from the recording's start *term* base, not from 0:
//! `start_term_base = start - (start & (term_length - 1))` and
//! `segment_base(p) = start_term_base + floor((p - start_term_base) / segment_length) * segment_length`.
//! Position `p` sits at byte `p - segment_base(p)` of its file.
//!
//! Invariants: a [`SegmentGeometry`] always has a valid term length and a power-of-two segment length
//! in [term length, 1 GiB], and a non-negative, 32-aligned start position; every function is total.

use logbuffer::{TERM_MAX_LENGTH, check_term_length, position_bits_to_shift};

use crate::RecordingDescriptor;

/// Suffix of segment files.
pub const SEGMENT_FILE_SUFFIX: &str = ".rec";
/// Smallest configurable segment length (64 KiB).
pub const SEGMENT_MIN_LENGTH: i32 = 64 * 1024;
/// Largest segment length (1 GiB).
pub const SEGMENT_MAX_LENGTH: i32 = TERM_MAX_LENGTH;

/// The segment file name for `recording_id` and `segment_base_position`.
pub fn segment_file_name(recording_id: i64, segment_base_position: i64) -> String {
    format!("{recording_id}-{segment_base_position}{SEGMENT_FILE_SUFFIX}")
}

/// Parses `<recordingId>-<segmentBasePosition>.rec` into (recording id, base position); `None` for any
/// other name.
pub fn parse_segment_file_name(name: &str) -> Option<(i64, i64)> {
    let stem = name.strip_suffix(SEGMENT_FILE_SUFFIX)?;
    let (id, base) = stem.split_once('-')?;
    let digits = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    if !digits(id) || !digits(base) {
        return None;
    }
    Some((id.parse().ok()?, base.parse().ok()?))
}

/// Why a recording's geometry is unusable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum GeometryError {
    /// The term length is not a power of two in [64 KiB, 1 GiB].
    #[error("invalid term length {0}")]
    TermLength(i32),
    /// The segment length is not a power of two in [term length, 1 GiB].
    #[error("invalid segment length {0}")]
    SegmentLength(i32),
    /// The start position is negative or not 32-aligned.
    #[error("invalid start position {0}")]
    StartPosition(i64),
}

/// Where a recording's positions live on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentGeometry {
    start_position: i64,
    term_length: i32,
    segment_length: i32,
    initial_term_id: i32,
    position_bits_to_shift: u32,
}

impl SegmentGeometry {
    /// Validates and builds the geometry.
    pub fn new(
        start_position: i64,
        term_length: i32,
        segment_length: i32,
        initial_term_id: i32,
    ) -> Result<Self, GeometryError> {
        check_term_length(term_length).map_err(|_| GeometryError::TermLength(term_length))?;
        if segment_length < term_length
            || segment_length > SEGMENT_MAX_LENGTH
            || !(segment_length as u32).is_power_of_two()
        {
            return Err(GeometryError::SegmentLength(segment_length));
        }
        if start_position < 0 || start_position & 31 != 0 {
            return Err(GeometryError::StartPosition(start_position));
        }
        Ok(Self {
            start_position,
            term_length,
            segment_length,
            initial_term_id,
            position_bits_to_shift: position_bits_to_shift(term_length),
        })
    }

    /// The geometry of a catalog entry.
    pub fn from_descriptor(descriptor: &RecordingDescriptor) -> Result<Self, GeometryError> {
        Self::new(
            descriptor.start_position,
            descriptor.term_buffer_length,
            descriptor.segment_file_length,
            descriptor.initial_term_id,
        )
    }

    /// `max(configured_segment_length, term_length)`: the segment length of a new recording.
    pub fn segment_length_for(configured_segment_length: i32, term_length: i32) -> i32 {
        configured_segment_length.max(term_length)
    }

    /// The recording's start position.
    pub fn start_position(&self) -> i64 {
        self.start_position
    }

    /// The term length.
    pub fn term_length(&self) -> i32 {
        self.term_length
    }

    /// The segment length.
    pub fn segment_length(&self) -> i32 {
        self.segment_length
    }

    /// The initial term id.
    pub fn initial_term_id(&self) -> i32 {
        self.initial_term_id
    }

    /// `log2(term_length)`.
    pub fn position_bits_to_shift(&self) -> u32 {
        self.position_bits_to_shift
    }

    /// The base of the term holding the start position.
    pub fn start_term_base(&self) -> i64 {
        self.start_position - (self.start_position & (self.term_length as i64 - 1))
    }

    /// The base position of the segment holding `position` (positions before the start term base map to
    /// segments before the first one).
    pub fn segment_base(&self, position: i64) -> i64 {
        let base = self.start_term_base();
        let segment_length = self.segment_length as i64;
        base + (position - base).div_euclid(segment_length) * segment_length
    }

    /// The byte offset of `position` in its segment file.
    pub fn segment_offset(&self, position: i64) -> i64 {
        position - self.segment_base(position)
    }

    /// The offset of `position` in its term.
    pub fn term_offset(&self, position: i64) -> i32 {
        (position & (self.term_length as i64 - 1)) as i32
    }

    /// The term id holding `position`.
    pub fn term_id(&self, position: i64) -> i32 {
        logbuffer::compute_term_id_from_position(position, self.position_bits_to_shift, self.initial_term_id)
    }

    /// True if `base` is a segment base of this recording.
    pub fn is_segment_base(&self, base: i64) -> bool {
        self.segment_base(base) == base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_reject_garbage() {
        assert_eq!(segment_file_name(7, 1_048_576), "7-1048576.rec");
        assert_eq!(parse_segment_file_name("7-1048576.rec"), Some((7, 1_048_576)));
        for bad in
            ["7-.rec", "-5.rec", "7-5", "a-5.rec", "7-5.rec.tmp", "7--5.rec", "archive.catalog", "7-+5.rec"]
        {
            assert_eq!(parse_segment_file_name(bad), None, "{bad}");
        }
        assert_eq!(parse_segment_file_name("1-99999999999999999999999.rec"), None, "overflow is not a name");
    }

    #[test]
    fn bases_count_from_the_start_term_base() {
        // Gotcha 8: a recording starting mid-term at 3 * 64 KiB + 4096 with 256 KiB segments.
        let start = 3 * 65536 + 4096;
        let geometry = SegmentGeometry::new(start, 65536, 4 * 65536, 5).unwrap();
        assert_eq!(geometry.start_term_base(), 3 * 65536);
        assert_eq!(geometry.segment_base(start), 3 * 65536);
        assert_eq!(geometry.segment_offset(start), 4096);
        assert_eq!(geometry.segment_base(7 * 65536 - 32), 3 * 65536);
        assert_eq!(geometry.segment_base(7 * 65536), 7 * 65536, "not a multiple of the segment length");
        assert_eq!(geometry.term_id(7 * 65536), 12);
        assert_eq!(geometry.term_offset(7 * 65536 + 96), 96);
        assert_eq!(
            geometry.segment_base(0),
            -65536,
            "positions before the start map before the first segment"
        );
    }

    #[test]
    fn geometry_is_validated() {
        assert_eq!(SegmentGeometry::new(0, 1000, 65536, 0), Err(GeometryError::TermLength(1000)));
        assert_eq!(SegmentGeometry::new(0, 131072, 65536, 0), Err(GeometryError::SegmentLength(65536)));
        assert_eq!(SegmentGeometry::new(0, 65536, 3 << 16, 0), Err(GeometryError::SegmentLength(3 << 16)));
        assert_eq!(SegmentGeometry::new(-32, 65536, 65536, 0), Err(GeometryError::StartPosition(-32)));
        assert_eq!(SegmentGeometry::new(16, 65536, 65536, 0), Err(GeometryError::StartPosition(16)));
        assert_eq!(SegmentGeometry::segment_length_for(65536, 1 << 20), 1 << 20);
    }
}
