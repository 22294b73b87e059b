//! [`ClusterAction`]: an `int32`-encoded enum of the cluster schema.

use super::codec::sbe_enum;

sbe_enum! {
    /// Action the cluster nodes take on a [`ClusterActionRequest`](super::ClusterActionRequest)
    /// (`ClusterAction`).
    ///
    /// Decoding never fails on an unnamed value: it becomes `Unknown(value)` and encodes back unchanged.
    pub enum ClusterAction {
        /// Suspend ingress to the cluster. Wire value 0.
        Suspend = 0,
        /// Resume ingress to the cluster. Wire value 1.
        Resume = 1,
        /// Snapshot state in the cluster. Wire value 2.
        Snapshot = 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values_match_the_schema() {
        assert_eq!(ClusterAction::Suspend.as_i32(), 0);
        assert_eq!(ClusterAction::from_i32(0), ClusterAction::Suspend);
        assert_eq!(ClusterAction::Resume.as_i32(), 1);
        assert_eq!(ClusterAction::from_i32(1), ClusterAction::Resume);
        assert_eq!(ClusterAction::Snapshot.as_i32(), 2);
        assert_eq!(ClusterAction::from_i32(2), ClusterAction::Snapshot);
        assert_eq!(ClusterAction::from_i32(99), ClusterAction::Unknown(99));
        assert_eq!(ClusterAction::Unknown(99).as_i32(), 99);
        assert_eq!(ClusterAction::from_i32(ClusterAction::NULL_VALUE), ClusterAction::Unknown(i32::MIN));
    }
}
