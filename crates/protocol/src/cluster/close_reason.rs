//! [`CloseReason`]: an `int32`-encoded enum of the cluster schema.

use super::codec::sbe_enum;

sbe_enum! {
    /// Why a cluster session was closed (`CloseReason`).
    ///
    /// Decoding never fails on an unnamed value: it becomes `Unknown(value)` and encodes back unchanged.
    pub enum CloseReason {
        /// Client closed the session. Wire value 0.
        ClientAction = 0,
        /// Service closed the session. Wire value 1.
        ServiceAction = 1,
        /// Session timed out due to inactivity. Wire value 2.
        Timeout = 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values_match_the_schema() {
        assert_eq!(CloseReason::ClientAction.as_i32(), 0);
        assert_eq!(CloseReason::from_i32(0), CloseReason::ClientAction);
        assert_eq!(CloseReason::ServiceAction.as_i32(), 1);
        assert_eq!(CloseReason::from_i32(1), CloseReason::ServiceAction);
        assert_eq!(CloseReason::Timeout.as_i32(), 2);
        assert_eq!(CloseReason::from_i32(2), CloseReason::Timeout);
        assert_eq!(CloseReason::from_i32(99), CloseReason::Unknown(99));
        assert_eq!(CloseReason::Unknown(99).as_i32(), 99);
        assert_eq!(CloseReason::from_i32(CloseReason::NULL_VALUE), CloseReason::Unknown(i32::MIN));
    }
}
