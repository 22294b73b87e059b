//! `SubscriptionReady` (Aeron `SubscriptionReadyFlyweight`), for ON_SUBSCRIPTION_READY: `correlation_id:i64 @0 | channel_status_indicator_id:i32 @8`.

use super::{CommandError, check_dst, check_src, get_i32, get_i64, put_i32, put_i64};

/// The driver's answer to ADD_SUBSCRIPTION.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubscriptionReady {
    /// The request's correlation id (the subscription's registration id).
    pub correlation_id: i64,
    /// The channel status counter id (-1 for IPC).
    pub channel_status_indicator_id: i32,
}

impl SubscriptionReady {
    /// Encoded length in bytes (12).
    pub const LENGTH: usize = 12;
    /// Offset of `channel_status_indicator_id`.
    pub const CHANNEL_STATUS_INDICATOR_ID_OFFSET: usize = 8;

    /// Always [`Self::LENGTH`].
    pub fn encoded_length(&self) -> usize {
        Self::LENGTH
    }

    /// Writes the message at the start of `dst`; returns the bytes written.
    pub fn encode(&self, dst: &mut [u8]) -> Result<usize, CommandError> {
        check_dst(dst, Self::LENGTH)?;
        put_i64(dst, 0, self.correlation_id);
        put_i32(dst, Self::CHANNEL_STATUS_INDICATOR_ID_OFFSET, self.channel_status_indicator_id);
        Ok(Self::LENGTH)
    }

    /// Reads a message from the start of `src`; never panics.
    pub fn decode(src: &[u8]) -> Result<Self, CommandError> {
        check_src(src, Self::LENGTH)?;
        Ok(Self {
            correlation_id: get_i64(src, 0)?,
            channel_status_indicator_id: get_i32(src, Self::CHANNEL_STATUS_INDICATOR_ID_OFFSET)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_java_offsets() {
        let message = SubscriptionReady { correlation_id: 9, channel_status_indicator_id: -2 };
        let mut dst = [0u8; 12];
        assert_eq!(message.encode(&mut dst), Ok(12));
        assert_eq!(&dst[0..8], &9i64.to_le_bytes());
        assert_eq!(&dst[8..12], &(-2i32).to_le_bytes());
        assert_eq!(SubscriptionReady::decode(&dst), Ok(message));
        assert!(SubscriptionReady::decode(&dst[..11]).is_err());
    }
}
