//! [`RecordingSignal`]: an `int32`-encoded enum of the archive schema.

use super::codec::sbe_enum;

sbe_enum! {
    /// Signal of an operation happening to a recording (`RecordingSignal`), carried by a
    /// [`RecordingSignalEvent`](super::RecordingSignalEvent).
    ///
    /// Decoding never fails on an unnamed value: it becomes `Unknown(value)` and encodes back unchanged.
    pub enum RecordingSignal {
        /// Recording has started for a stream. Wire value 0.
        Start = 0,
        /// Recording has stopped for a stream; `position` is the stop position. Wire value 1.
        Stop = 1,
        /// Recording has started extending. Wire value 2.
        Extend = 2,
        /// Recording descriptor replicated from the source archive (into a new recording). Wire value 3.
        Replicate = 3,
        /// Recording merged with the live stream after replay. Wire value 4.
        Merge = 4,
        /// Recording synchronised with the source archive (reached its stop position). Wire value 5.
        Sync = 5,
        /// Recording has deleted segments. Wire value 6.
        Delete = 6,
        /// Recording replication has ended. Wire value 7.
        ReplicateEnd = 7,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values_match_the_schema() {
        assert_eq!(RecordingSignal::Start.as_i32(), 0);
        assert_eq!(RecordingSignal::from_i32(0), RecordingSignal::Start);
        assert_eq!(RecordingSignal::Stop.as_i32(), 1);
        assert_eq!(RecordingSignal::from_i32(1), RecordingSignal::Stop);
        assert_eq!(RecordingSignal::Extend.as_i32(), 2);
        assert_eq!(RecordingSignal::from_i32(2), RecordingSignal::Extend);
        assert_eq!(RecordingSignal::Replicate.as_i32(), 3);
        assert_eq!(RecordingSignal::from_i32(3), RecordingSignal::Replicate);
        assert_eq!(RecordingSignal::Merge.as_i32(), 4);
        assert_eq!(RecordingSignal::from_i32(4), RecordingSignal::Merge);
        assert_eq!(RecordingSignal::Sync.as_i32(), 5);
        assert_eq!(RecordingSignal::from_i32(5), RecordingSignal::Sync);
        assert_eq!(RecordingSignal::Delete.as_i32(), 6);
        assert_eq!(RecordingSignal::from_i32(6), RecordingSignal::Delete);
        assert_eq!(RecordingSignal::ReplicateEnd.as_i32(), 7);
        assert_eq!(RecordingSignal::from_i32(7), RecordingSignal::ReplicateEnd);
        assert_eq!(RecordingSignal::from_i32(99), RecordingSignal::Unknown(99));
        assert_eq!(RecordingSignal::Unknown(99).as_i32(), 99);
        assert_eq!(
            RecordingSignal::from_i32(RecordingSignal::NULL_VALUE),
            RecordingSignal::Unknown(i32::MIN)
        );
    }
}
