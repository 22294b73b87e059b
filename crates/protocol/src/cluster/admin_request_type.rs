//! [`AdminRequestType`]: an `int32`-encoded enum of the cluster schema.

use super::codec::sbe_enum;

sbe_enum! {
    /// Admin command carried by an [`AdminRequest`](super::AdminRequest) (`AdminRequestType`).
    ///
    /// Decoding never fails on an unnamed value: it becomes `Unknown(value)` and encodes back unchanged.
    pub enum AdminRequestType {
        /// Command to snapshot state in the cluster. Wire value 0.
        Snapshot = 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values_match_the_schema() {
        assert_eq!(AdminRequestType::Snapshot.as_i32(), 0);
        assert_eq!(AdminRequestType::from_i32(0), AdminRequestType::Snapshot);
        assert_eq!(AdminRequestType::from_i32(99), AdminRequestType::Unknown(99));
        assert_eq!(AdminRequestType::Unknown(99).as_i32(), 99);
        assert_eq!(
            AdminRequestType::from_i32(AdminRequestType::NULL_VALUE),
            AdminRequestType::Unknown(i32::MIN)
        );
    }
}
