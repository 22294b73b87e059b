//! [`EventCode`]: an `int32`-encoded enum of the cluster schema.

use super::codec::sbe_enum;

sbe_enum! {
    /// Type of a [`SessionEvent`](super::SessionEvent) (`EventCode`): the outcome of a connect or an
    /// asynchronous session event.
    ///
    /// Decoding never fails on an unnamed value: it becomes `Unknown(value)` and encodes back unchanged.
    pub enum EventCode {
        /// Operation was successful. Wire value 0.
        Ok = 0,
        /// Error occurred during operation. Wire value 1.
        Error = 1,
        /// Redirect to cluster leader. Wire value 2.
        Redirect = 2,
        /// Authentication credentials rejected. Wire value 3.
        AuthenticationRejected = 3,
        /// Session has been closed. Wire value 4.
        Closed = 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values_match_the_schema() {
        assert_eq!(EventCode::Ok.as_i32(), 0);
        assert_eq!(EventCode::from_i32(0), EventCode::Ok);
        assert_eq!(EventCode::Error.as_i32(), 1);
        assert_eq!(EventCode::from_i32(1), EventCode::Error);
        assert_eq!(EventCode::Redirect.as_i32(), 2);
        assert_eq!(EventCode::from_i32(2), EventCode::Redirect);
        assert_eq!(EventCode::AuthenticationRejected.as_i32(), 3);
        assert_eq!(EventCode::from_i32(3), EventCode::AuthenticationRejected);
        assert_eq!(EventCode::Closed.as_i32(), 4);
        assert_eq!(EventCode::from_i32(4), EventCode::Closed);
        assert_eq!(EventCode::from_i32(99), EventCode::Unknown(99));
        assert_eq!(EventCode::Unknown(99).as_i32(), 99);
        assert_eq!(EventCode::from_i32(EventCode::NULL_VALUE), EventCode::Unknown(i32::MIN));
    }
}
