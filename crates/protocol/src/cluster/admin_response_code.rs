//! [`AdminResponseCode`]: an `int32`-encoded enum of the cluster schema.

use super::codec::sbe_enum;

sbe_enum! {
    /// Outcome of an admin request, in an [`AdminResponse`](super::AdminResponse) (`AdminResponseCode`).
    ///
    /// Decoding never fails on an unnamed value: it becomes `Unknown(value)` and encodes back unchanged.
    pub enum AdminResponseCode {
        /// Command was submitted or executed successfully. Wire value 0.
        Ok = 0,
        /// An error occurred during admin operation. Wire value 1.
        Error = 1,
        /// Admin request was not authorised. Wire value 2.
        UnauthorisedAccess = 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values_match_the_schema() {
        assert_eq!(AdminResponseCode::Ok.as_i32(), 0);
        assert_eq!(AdminResponseCode::from_i32(0), AdminResponseCode::Ok);
        assert_eq!(AdminResponseCode::Error.as_i32(), 1);
        assert_eq!(AdminResponseCode::from_i32(1), AdminResponseCode::Error);
        assert_eq!(AdminResponseCode::UnauthorisedAccess.as_i32(), 2);
        assert_eq!(AdminResponseCode::from_i32(2), AdminResponseCode::UnauthorisedAccess);
        assert_eq!(AdminResponseCode::from_i32(99), AdminResponseCode::Unknown(99));
        assert_eq!(AdminResponseCode::Unknown(99).as_i32(), 99);
        assert_eq!(
            AdminResponseCode::from_i32(AdminResponseCode::NULL_VALUE),
            AdminResponseCode::Unknown(i32::MIN)
        );
    }
}
