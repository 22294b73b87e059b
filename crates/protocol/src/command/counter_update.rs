//! `CounterUpdate` (Aeron `CounterUpdateFlyweight`), for ON_COUNTER_READY and ON_UNAVAILABLE_COUNTER: `correlation_id:i64 @0 | counter_id:i32 @8`.

use super::{CommandError, check_dst, check_src, get_i32, get_i64, put_i32, put_i64};

/// A counter became ready (answer to ADD_COUNTER) or unavailable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CounterUpdate {
    /// The counter's registration id (the ADD_COUNTER correlation id).
    pub correlation_id: i64,
    /// The counter id.
    pub counter_id: i32,
}

impl CounterUpdate {
    /// Encoded length in bytes (12).
    pub const LENGTH: usize = 12;
    /// Offset of `counter_id`.
    pub const COUNTER_ID_OFFSET: usize = 8;

    /// Always [`Self::LENGTH`].
    pub fn encoded_length(&self) -> usize {
        Self::LENGTH
    }

    /// Writes the message at the start of `dst`; returns the bytes written.
    pub fn encode(&self, dst: &mut [u8]) -> Result<usize, CommandError> {
        check_dst(dst, Self::LENGTH)?;
        put_i64(dst, 0, self.correlation_id);
        put_i32(dst, Self::COUNTER_ID_OFFSET, self.counter_id);
        Ok(Self::LENGTH)
    }

    /// Reads a message from the start of `src`; never panics.
    pub fn decode(src: &[u8]) -> Result<Self, CommandError> {
        check_src(src, Self::LENGTH)?;
        Ok(Self { correlation_id: get_i64(src, 0)?, counter_id: get_i32(src, Self::COUNTER_ID_OFFSET)? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_java_offsets() {
        let message = CounterUpdate { correlation_id: 9, counter_id: -2 };
        let mut dst = [0u8; 12];
        assert_eq!(message.encode(&mut dst), Ok(12));
        assert_eq!(&dst[0..8], &9i64.to_le_bytes());
        assert_eq!(&dst[8..12], &(-2i32).to_le_bytes());
        assert_eq!(CounterUpdate::decode(&dst), Ok(message));
        assert!(CounterUpdate::decode(&dst[..11]).is_err());
    }
}
