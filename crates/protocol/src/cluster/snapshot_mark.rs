//! [`SnapshotMark`]: an `int32`-encoded enum of the cluster schema.

use super::codec::sbe_enum;

sbe_enum! {
    /// Position of a [`SnapshotMarker`](super::SnapshotMarker) within a snapshot (`SnapshotMark`).
    ///
    /// Decoding never fails on an unnamed value: it becomes `Unknown(value)` and encodes back unchanged.
    pub enum SnapshotMark {
        /// Begin marker for a snapshot. Wire value 0.
        Begin = 0,
        /// Section marker for a snapshot. Wire value 1.
        Section = 1,
        /// End marker for a snapshot. Wire value 2.
        End = 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values_match_the_schema() {
        assert_eq!(SnapshotMark::Begin.as_i32(), 0);
        assert_eq!(SnapshotMark::from_i32(0), SnapshotMark::Begin);
        assert_eq!(SnapshotMark::Section.as_i32(), 1);
        assert_eq!(SnapshotMark::from_i32(1), SnapshotMark::Section);
        assert_eq!(SnapshotMark::End.as_i32(), 2);
        assert_eq!(SnapshotMark::from_i32(2), SnapshotMark::End);
        assert_eq!(SnapshotMark::from_i32(99), SnapshotMark::Unknown(99));
        assert_eq!(SnapshotMark::Unknown(99).as_i32(), 99);
        assert_eq!(SnapshotMark::from_i32(SnapshotMark::NULL_VALUE), SnapshotMark::Unknown(i32::MIN));
    }
}
