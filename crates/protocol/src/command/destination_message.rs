//! `DestinationMessage` (Aeron `DestinationMessageFlyweight`), for ADD/REMOVE_(RCV_)DESTINATION:
//! `client_id:i64 @0 | correlation_id:i64 @8 | registration_correlation_id:i64 @16 | channel_length:i32 @24 |
//! channel @28`.

use super::{CommandError, check_blob, check_dst, check_src, get_i64, get_str, put_blob, put_i64};

/// A request to add or remove a destination of the publication or subscription `registration_correlation_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DestinationMessage<'a> {
    /// The client's id.
    pub client_id: i64,
    /// This request's correlation id.
    pub correlation_id: i64,
    /// The registration id of the publication or subscription.
    pub registration_correlation_id: i64,
    /// The destination's channel URI.
    pub channel: &'a str,
}

impl<'a> DestinationMessage<'a> {
    /// Offset of `registration_correlation_id`.
    pub const REGISTRATION_CORRELATION_ID_OFFSET: usize = 16;
    /// Offset of the channel's length prefix.
    pub const CHANNEL_OFFSET: usize = 24;
    /// The length with an empty channel.
    pub const MINIMUM_LENGTH: usize = 28;

    /// `28 + channel.len()`.
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
            channel,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_java_offsets() {
        let message = DestinationMessage {
            client_id: 1,
            correlation_id: 2,
            registration_correlation_id: 3,
            channel: "aeron:udp?endpoint=localhost:4000",
        };
        let mut dst = [0u8; 128];
        let length = message.encode(&mut dst).unwrap();
        assert_eq!(length, 28 + message.channel.len());
        assert_eq!(&dst[24..28], &(message.channel.len() as i32).to_le_bytes());
        assert_eq!(DestinationMessage::decode(&dst[..length]), Ok(message));
        assert!(DestinationMessage::decode(&dst[..length - 1]).is_err());
    }
}
