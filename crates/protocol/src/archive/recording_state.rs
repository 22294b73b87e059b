//! [`RecordingState`]: an `int32`-encoded enum of the archive schema.

use super::codec::sbe_enum;

sbe_enum! {
    /// State of a recording in the catalog (`RecordingState`), the `state` of a
    /// [`RecordingDescriptorHeader`](super::RecordingDescriptorHeader).
    ///
    /// Decoding never fails on an unnamed value: it becomes `Unknown(value)` and encodes back unchanged.
    pub enum RecordingState {
        /// The recording is invalid (marked by `ArchiveTool verify` or `mark-invalid`). Wire value 0.
        Invalid = 0,
        /// The recording is valid. Wire value 1.
        Valid = 1,
        /// The recording was purged (since schema version 10). Wire value 2.
        Deleted = 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values_match_the_schema() {
        assert_eq!(RecordingState::Invalid.as_i32(), 0);
        assert_eq!(RecordingState::from_i32(0), RecordingState::Invalid);
        assert_eq!(RecordingState::Valid.as_i32(), 1);
        assert_eq!(RecordingState::from_i32(1), RecordingState::Valid);
        assert_eq!(RecordingState::Deleted.as_i32(), 2);
        assert_eq!(RecordingState::from_i32(2), RecordingState::Deleted);
        assert_eq!(RecordingState::from_i32(99), RecordingState::Unknown(99));
        assert_eq!(RecordingState::Unknown(99).as_i32(), 99);
        assert_eq!(RecordingState::from_i32(RecordingState::NULL_VALUE), RecordingState::Unknown(i32::MIN));
    }
}
