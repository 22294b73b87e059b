//! [`ChangeType`]: an `int32`-encoded enum of the cluster schema.

use super::codec::sbe_enum;

sbe_enum! {
    /// Type of a legacy dynamic-membership change (`ChangeType`); unused by Aeron 1.54.
    ///
    /// Decoding never fails on an unnamed value: it becomes `Unknown(value)` and encodes back unchanged.
    pub enum ChangeType {
        /// Join cluster as dynamic member. Wire value 0.
        Join = 0,
        /// Quit cluster as dynamic member. Wire value 1.
        Quit = 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values_match_the_schema() {
        assert_eq!(ChangeType::Join.as_i32(), 0);
        assert_eq!(ChangeType::from_i32(0), ChangeType::Join);
        assert_eq!(ChangeType::Quit.as_i32(), 1);
        assert_eq!(ChangeType::from_i32(1), ChangeType::Quit);
        assert_eq!(ChangeType::from_i32(99), ChangeType::Unknown(99));
        assert_eq!(ChangeType::Unknown(99).as_i32(), 99);
        assert_eq!(ChangeType::from_i32(ChangeType::NULL_VALUE), ChangeType::Unknown(i32::MIN));
    }
}
