//! `SubscriptionMessage` (Aeron `SubscriptionMessageFlyweight`), for ADD_SUBSCRIPTION:
//! `client_id:i64 @0 | correlation_id:i64 @8 | registration_correlation_id:i64 @16 | stream_id:i32 @24 |
//! channel_length:i32 @28 | channel @32`.

use super::{
    CommandError, check_blob, check_dst, check_src, get_i32, get_i64, get_str, put_blob, put_i32, put_i64,
};

/// A request to add a subscription on `channel` and `stream_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubscriptionMessage<'a> {
    /// The client's id.
    pub client_id: i64,
    /// This request's correlation id; it becomes the subscription's registration id.
    pub correlation_id: i64,
    /// Aeron sets this to -1 (reserved for a registration the subscription relates to).
    pub registration_correlation_id: i64,
    /// The stream id.
    pub stream_id: i32,
    /// The channel URI.
    pub channel: &'a str,
}

impl<'a> SubscriptionMessage<'a> {
    /// Offset of `registration_correlation_id`.
    pub const REGISTRATION_CORRELATION_ID_OFFSET: usize = 16;
    /// Offset of `stream_id`.
    pub const STREAM_ID_OFFSET: usize = 24;
    /// Offset of the channel's length prefix.
    pub const CHANNEL_OFFSET: usize = 28;
    /// The length with an empty channel.
    pub const MINIMUM_LENGTH: usize = 32;

    /// `32 + channel.len()`.
    pub fn encoded_length(&self) -> usize {
        Self::MINIMUM_LENGTH + self.channel.len()
    }

    /// Writes the message at the start of `dst`; returns the bytes written.
    pub fn encode(&self, dst: &mut [u8]) -> Result<usize, CommandError> {
        check_blob("channel", self.channel.as_bytes())?;
        check_dst(dst, self.encoded_length())?;
        put_i64(dst, 0, self.client_id);
        put_i64(dst, 8, self.correlation_id);
        put_i64(dst, Self::REGISTRATION_CORRELATION_ID_OFFSET, self.registration_correlation_id);
        put_i32(dst, Self::STREAM_ID_OFFSET, self.stream_id);
        Ok(put_blob(dst, Self::CHANNEL_OFFSET, self.channel.as_bytes()))
    }

    /// Reads a message from the start of `src`; never panics.
    pub fn decode(src: &'a [u8]) -> Result<Self, CommandError> {
        check_src(src, Self::MINIMUM_LENGTH)?;
        let (channel, _) = get_str(src, Self::CHANNEL_OFFSET, "channel")?;
        Ok(Self {
            client_id: get_i64(src, 0)?,
            correlation_id: get_i64(src, 8)?,
            registration_correlation_id: get_i64(src, Self::REGISTRATION_CORRELATION_ID_OFFSET)?,
            stream_id: get_i32(src, Self::STREAM_ID_OFFSET)?,
            channel,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_java_offsets() {
        let message = SubscriptionMessage {
            client_id: 1,
            correlation_id: 2,
            registration_correlation_id: -1,
            stream_id: 10,
            channel: "aeron:ipc?alias=x",
        };
        let mut dst = [0u8; 64];
        let length = message.encode(&mut dst).unwrap();
        assert_eq!(length, 32 + 17);
        assert_eq!(&dst[16..24], &(-1i64).to_le_bytes());
        assert_eq!(&dst[24..28], &10i32.to_le_bytes());
        assert_eq!(&dst[28..32], &17i32.to_le_bytes());
        assert_eq!(SubscriptionMessage::decode(&dst[..length]), Ok(message));
        assert!(SubscriptionMessage::decode(&dst[..length - 1]).is_err());
    }
}
