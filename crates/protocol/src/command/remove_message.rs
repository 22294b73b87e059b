//! `RemoveMessage` (Aeron `RemoveMessageFlyweight`, also `RemoveSubscriptionFlyweight` and
//! `RemoveCounterFlyweight`), for REMOVE_SUBSCRIPTION and REMOVE_COUNTER:
//! `client_id:i64 @0 | correlation_id:i64 @8 | registration_id:i64 @16`.

use super::{CommandError, check_dst, check_src, get_i64, put_i64};

/// A request to remove the resource registered as `registration_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoveMessage {
    /// The client's id.
    pub client_id: i64,
    /// This request's correlation id.
    pub correlation_id: i64,
    /// The registration id of the resource to remove.
    pub registration_id: i64,
}

impl RemoveMessage {
    /// Encoded length in bytes (24).
    pub const LENGTH: usize = 24;
    /// Offset of `registration_id`.
    pub const REGISTRATION_ID_OFFSET: usize = 16;

    /// Always [`Self::LENGTH`].
    pub fn encoded_length(&self) -> usize {
        Self::LENGTH
    }

    /// Writes the message at the start of `dst`; returns the bytes written.
    pub fn encode(&self, dst: &mut [u8]) -> Result<usize, CommandError> {
        check_dst(dst, Self::LENGTH)?;
        put_i64(dst, 0, self.client_id);
        put_i64(dst, 8, self.correlation_id);
        put_i64(dst, Self::REGISTRATION_ID_OFFSET, self.registration_id);
        Ok(Self::LENGTH)
    }

    /// Reads a message from the start of `src`; never panics.
    pub fn decode(src: &[u8]) -> Result<Self, CommandError> {
        check_src(src, Self::LENGTH)?;
        Ok(Self {
            client_id: get_i64(src, 0)?,
            correlation_id: get_i64(src, 8)?,
            registration_id: get_i64(src, Self::REGISTRATION_ID_OFFSET)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_java_offsets() {
        let message = RemoveMessage { client_id: 1, correlation_id: 2, registration_id: 3 };
        let mut dst = [0u8; 24];
        assert_eq!(message.encode(&mut dst), Ok(24));
        assert_eq!(&dst[16..24], &3i64.to_le_bytes());
        assert_eq!(RemoveMessage::decode(&dst), Ok(message));
        assert!(RemoveMessage::decode(&dst[..23]).is_err());
    }
}
