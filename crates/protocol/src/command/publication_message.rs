//! `PublicationMessage` (Aeron `PublicationMessageFlyweight`), for ADD_PUBLICATION and
//! ADD_EXCLUSIVE_PUBLICATION: `client_id:i64 @0 | correlation_id:i64 @8 | stream_id:i32 @16 |
//! channel_length:i32 @20 | channel @24`.

use super::{
    CommandError, check_blob, check_dst, check_src, get_i32, get_i64, get_str, put_blob, put_i32, put_i64,
};

/// A request to add a publication on `channel` and `stream_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicationMessage<'a> {
    /// The client's id.
    pub client_id: i64,
    /// This request's correlation id; it becomes the publication's registration id.
    pub correlation_id: i64,
    /// The stream id.
    pub stream_id: i32,
    /// The channel URI.
    pub channel: &'a str,
}

impl<'a> PublicationMessage<'a> {
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
        let length = self.encoded_length();
        check_dst(dst, length)?;
        put_i64(dst, 0, self.client_id);
        put_i64(dst, 8, self.correlation_id);
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
        let message =
            PublicationMessage { client_id: 1, correlation_id: 2, stream_id: 1001, channel: "aeron:ipc" };
        let mut dst = [0u8; 64];
        let length = message.encode(&mut dst).unwrap();
        assert_eq!(length, 24 + 9);
        assert_eq!(&dst[16..20], &1001i32.to_le_bytes());
        assert_eq!(&dst[20..24], &9i32.to_le_bytes());
        assert_eq!(&dst[24..33], b"aeron:ipc");
        assert_eq!(PublicationMessage::decode(&dst[..length]), Ok(message));
        assert!(PublicationMessage::decode(&dst[..length - 1]).is_err());
        assert!(message.encode(&mut [0u8; 32]).is_err());
    }

    #[test]
    fn rejects_negative_channel_length() {
        let mut dst = [0u8; 24];
        dst[20..24].copy_from_slice(&(-1i32).to_le_bytes());
        assert!(matches!(PublicationMessage::decode(&dst), Err(CommandError::NegativeLength { .. })));
    }
}
