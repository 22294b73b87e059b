//! [`SourceLocation`]: an `int32`-encoded enum of the archive schema.

use super::codec::sbe_enum;

sbe_enum! {
    /// Where the recorded stream comes from relative to the archive (`SourceLocation`).
    ///
    /// Decoding never fails on an unnamed value: it becomes `Unknown(value)` and encodes back unchanged.
    pub enum SourceLocation {
        /// The archive is local to the driver: record over IPC or spy on the publication. Wire value 0.
        Local = 0,
        /// The archive is remote to the driver: record over the network. Wire value 1.
        Remote = 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values_match_the_schema() {
        assert_eq!(SourceLocation::Local.as_i32(), 0);
        assert_eq!(SourceLocation::from_i32(0), SourceLocation::Local);
        assert_eq!(SourceLocation::Remote.as_i32(), 1);
        assert_eq!(SourceLocation::from_i32(1), SourceLocation::Remote);
        assert_eq!(SourceLocation::from_i32(99), SourceLocation::Unknown(99));
        assert_eq!(SourceLocation::Unknown(99).as_i32(), 99);
        assert_eq!(SourceLocation::from_i32(SourceLocation::NULL_VALUE), SourceLocation::Unknown(i32::MIN));
    }
}
