//! `GetNextAvailableSessionIdMessage` (Aeron `GetNextAvailableSessionIdMessageFlyweight`), for
//! GET_NEXT_AVAILABLE_SESSION_ID: `client_id:i64 @0 | correlation_id:i64 @8 | stream_id:i32 @16`.

use super::{CommandError, check_dst, check_src, get_i32, get_i64, put_i32, put_i64};

/// A request for the session id the driver would assign next on `stream_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetNextAvailableSessionIdMessage {
    /// The client's id.
    pub client_id: i64,
    /// This request's correlation id.
    pub correlation_id: i64,
    /// The stream id.
    pub stream_id: i32,
}

impl GetNextAvailableSessionIdMessage {
    /// Encoded length in bytes (20).
    pub const LENGTH: usize = 20;
    /// Offset of `stream_id`.
    pub const STREAM_ID_OFFSET: usize = 16;

    /// Always [`Self::LENGTH`].
    pub fn encoded_length(&self) -> usize {
        Self::LENGTH
    }

    /// Writes the message at the start of `dst`; returns the bytes written.
    pub fn encode(&self, dst: &mut [u8]) -> Result<usize, CommandError> {
        check_dst(dst, Self::LENGTH)?;
        put_i64(dst, 0, self.client_id);
        put_i64(dst, 8, self.correlation_id);
        put_i32(dst, Self::STREAM_ID_OFFSET, self.stream_id);
        Ok(Self::LENGTH)
    }

    /// Reads a message from the start of `src`; never panics.
    pub fn decode(src: &[u8]) -> Result<Self, CommandError> {
        check_src(src, Self::LENGTH)?;
        Ok(Self {
            client_id: get_i64(src, 0)?,
            correlation_id: get_i64(src, 8)?,
            stream_id: get_i32(src, Self::STREAM_ID_OFFSET)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_java_offsets() {
        let message = GetNextAvailableSessionIdMessage { client_id: 1, correlation_id: 2, stream_id: 3 };
        let mut dst = [0u8; 20];
        assert_eq!(message.encode(&mut dst), Ok(20));
        assert_eq!(&dst[16..20], &3i32.to_le_bytes());
        assert_eq!(GetNextAvailableSessionIdMessage::decode(&dst), Ok(message));
        assert!(GetNextAvailableSessionIdMessage::decode(&dst[..19]).is_err());
    }
}
