//! [`ClusterTimeUnit`]: an `int32`-encoded enum of the cluster schema.

use super::codec::sbe_enum;

sbe_enum! {
    /// Time unit of cluster timestamps (`ClusterTimeUnit`). Aeron treats the null value as milliseconds.
    ///
    /// Decoding never fails on an unnamed value: it becomes `Unknown(value)` and encodes back unchanged.
    pub enum ClusterTimeUnit {
        /// Time unit of milliseconds for timestamps. Wire value 0.
        Millis = 0,
        /// Time unit of microseconds for timestamps. Wire value 1.
        Micros = 1,
        /// Time unit of nanoseconds for timestamps. Wire value 2.
        Nanos = 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values_match_the_schema() {
        assert_eq!(ClusterTimeUnit::Millis.as_i32(), 0);
        assert_eq!(ClusterTimeUnit::from_i32(0), ClusterTimeUnit::Millis);
        assert_eq!(ClusterTimeUnit::Micros.as_i32(), 1);
        assert_eq!(ClusterTimeUnit::from_i32(1), ClusterTimeUnit::Micros);
        assert_eq!(ClusterTimeUnit::Nanos.as_i32(), 2);
        assert_eq!(ClusterTimeUnit::from_i32(2), ClusterTimeUnit::Nanos);
        assert_eq!(ClusterTimeUnit::from_i32(99), ClusterTimeUnit::Unknown(99));
        assert_eq!(ClusterTimeUnit::Unknown(99).as_i32(), 99);
        assert_eq!(
            ClusterTimeUnit::from_i32(ClusterTimeUnit::NULL_VALUE),
            ClusterTimeUnit::Unknown(i32::MIN)
        );
    }
}
