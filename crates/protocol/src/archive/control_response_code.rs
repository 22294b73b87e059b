//! [`ControlResponseCode`]: an `int32`-encoded enum of the archive schema.

use super::codec::sbe_enum;

sbe_enum! {
    /// Control protocol response code (`ControlResponseCode`), the `code` of a
    /// [`ControlResponse`](super::ControlResponse).
    ///
    /// Decoding never fails on an unnamed value: it becomes `Unknown(value)` and encodes back unchanged.
    pub enum ControlResponseCode {
        /// Operation successful; `relevantId` holds the operation's result. Wire value 0.
        Ok = 0,
        /// Error occurred; `relevantId` holds an [`archive_error_code`](super::archive_error_code) value and
        /// `errorMessage` the detail. Wire value 1.
        Error = 1,
        /// The recording id was unknown (also ends a recording listing). Wire value 2.
        RecordingUnknown = 2,
        /// The subscription id was unknown (also ends a recording-subscription listing). Wire value 3.
        SubscriptionUnknown = 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values_match_the_schema() {
        assert_eq!(ControlResponseCode::Ok.as_i32(), 0);
        assert_eq!(ControlResponseCode::from_i32(0), ControlResponseCode::Ok);
        assert_eq!(ControlResponseCode::Error.as_i32(), 1);
        assert_eq!(ControlResponseCode::from_i32(1), ControlResponseCode::Error);
        assert_eq!(ControlResponseCode::RecordingUnknown.as_i32(), 2);
        assert_eq!(ControlResponseCode::from_i32(2), ControlResponseCode::RecordingUnknown);
        assert_eq!(ControlResponseCode::SubscriptionUnknown.as_i32(), 3);
        assert_eq!(ControlResponseCode::from_i32(3), ControlResponseCode::SubscriptionUnknown);
        assert_eq!(ControlResponseCode::from_i32(99), ControlResponseCode::Unknown(99));
        assert_eq!(ControlResponseCode::Unknown(99).as_i32(), 99);
        assert_eq!(
            ControlResponseCode::from_i32(ControlResponseCode::NULL_VALUE),
            ControlResponseCode::Unknown(i32::MIN)
        );
    }
}
