//! [`BooleanType`]: an `int32`-encoded enum of the cluster schema.

use super::codec::sbe_enum;

sbe_enum! {
    /// Language-independent boolean (`BooleanType`), e.g. `JoinLog::is_startup` and `Vote::vote`.
    ///
    /// Decoding never fails on an unnamed value: it becomes `Unknown(value)` and encodes back unchanged.
    pub enum BooleanType {
        /// Language independent boolean false. Wire value 0.
        False = 0,
        /// Language independent boolean true. Wire value 1.
        True = 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values_match_the_schema() {
        assert_eq!(BooleanType::False.as_i32(), 0);
        assert_eq!(BooleanType::from_i32(0), BooleanType::False);
        assert_eq!(BooleanType::True.as_i32(), 1);
        assert_eq!(BooleanType::from_i32(1), BooleanType::True);
        assert_eq!(BooleanType::from_i32(99), BooleanType::Unknown(99));
        assert_eq!(BooleanType::Unknown(99).as_i32(), 99);
        assert_eq!(BooleanType::from_i32(BooleanType::NULL_VALUE), BooleanType::Unknown(i32::MIN));
    }
}
