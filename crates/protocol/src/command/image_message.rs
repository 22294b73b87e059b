//! `ImageMessage` (Aeron `ImageMessageFlyweight`), for ON_UNAVAILABLE_IMAGE:
//! `correlation_id:i64 @0 | subscription_registration_id:i64 @8 | stream_id:i32 @16 | channel_length:i32 @20 |
//! channel @24`.

use super::{
    CommandError, check_blob, check_dst, check_src, get_i32, get_i64, get_str, put_blob, put_i32, put_i64,
};

/// The driver tells a subscription that an image has gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageMessage<'a> {
    /// The image's correlation id (as in its [`super::ImageBuffersReady`]).
    pub correlation_id: i64,
    /// The subscription's registration id.
    pub subscription_registration_id: i64,
    /// The stream id.
    pub stream_id: i32,
    /// The subscription's channel.
    pub channel: &'a str,
}

impl<'a> ImageMessage<'a> {
    /// Offset of `subscription_registration_id`.
    pub const SUBSCRIPTION_REGISTRATION_ID_OFFSET: usize = 8;
    /// Offset of `stream_id`.
    pub const STREAM_ID_OFFSET: usize = 16;
    /// Offset of the channel's length prefix.
    pub const CHANNEL_OFFSET: usize = 20;
    /// The length with an empty channel.
    pub const MINIMUM_LENGTH: usize = 24;

    /// `24 + channel.len()`.
    pub fn encoded_length(&self) -> usize {
        Self::MINIMUM_LENGTH + self.channel.len()
    }

    /// Writes the message at the start of `dst`; returns the bytes written.
    pub fn encode(&self, dst: &mut [u8]) -> Result<usize, CommandError> {
        check_blob("channel", self.channel.as_bytes())?;
        check_dst(dst, self.encoded_length())?;
        put_i64(dst, 0, self.correlation_id);
        put_i64(dst, Self::SUBSCRIPTION_REGISTRATION_ID_OFFSET, self.subscription_registration_id);
        put_i32(dst, Self::STREAM_ID_OFFSET, self.stream_id);
        Ok(put_blob(dst, Self::CHANNEL_OFFSET, self.channel.as_bytes()))
    }

    /// Reads a message from the start of `src`; never panics.
    pub fn decode(src: &'a [u8]) -> Result<Self, CommandError> {
        check_src(src, Self::MINIMUM_LENGTH)?;
        let (channel, _) = get_str(src, Self::CHANNEL_OFFSET, "channel")?;
        Ok(Self {
            correlation_id: get_i64(src, 0)?,
            subscription_registration_id: get_i64(src, Self::SUBSCRIPTION_REGISTRATION_ID_OFFSET)?,
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
        let message = ImageMessage {
            correlation_id: 1,
            subscription_registration_id: 2,
            stream_id: 3,
            channel: "aeron:ipc",
        };
        let mut dst = [0u8; 64];
        let length = message.encode(&mut dst).unwrap();
        assert_eq!(length, 33);
        assert_eq!(&dst[16..20], &3i32.to_le_bytes());
        assert_eq!(ImageMessage::decode(&dst[..length]), Ok(message));
        assert!(ImageMessage::decode(&dst[..length - 1]).is_err());
    }
}
