//! `CorrelatedMessage` (Aeron `CorrelatedMessageFlyweight`): `client_id:i64 @0 | correlation_id:i64 @8`.
//! Used by CLIENT_KEEPALIVE and CLIENT_CLOSE, and as the head of every client request.

use super::{CommandError, check_dst, check_src, get_i64, put_i64};

/// A request that carries only the client id and a correlation id (CLIENT_KEEPALIVE, CLIENT_CLOSE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CorrelatedMessage {
    /// The client's id (from `next_correlation_id` at client start).
    pub client_id: i64,
    /// This request's correlation id.
    pub correlation_id: i64,
}

impl CorrelatedMessage {
    /// Encoded length in bytes (16).
    pub const LENGTH: usize = 16;
    /// Offset of `client_id`.
    pub const CLIENT_ID_OFFSET: usize = 0;
    /// Offset of `correlation_id`.
    pub const CORRELATION_ID_OFFSET: usize = 8;

    /// Always [`Self::LENGTH`].
    pub fn encoded_length(&self) -> usize {
        Self::LENGTH
    }

    /// Writes the message at the start of `dst`; returns the bytes written.
    pub fn encode(&self, dst: &mut [u8]) -> Result<usize, CommandError> {
        check_dst(dst, Self::LENGTH)?;
        put_i64(dst, Self::CLIENT_ID_OFFSET, self.client_id);
        put_i64(dst, Self::CORRELATION_ID_OFFSET, self.correlation_id);
        Ok(Self::LENGTH)
    }

    /// Reads a message from the start of `src`; never panics.
    pub fn decode(src: &[u8]) -> Result<Self, CommandError> {
        check_src(src, Self::LENGTH)?;
        Ok(Self {
            client_id: get_i64(src, Self::CLIENT_ID_OFFSET)?,
            correlation_id: get_i64(src, Self::CORRELATION_ID_OFFSET)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_java_offsets() {
        let message = CorrelatedMessage { client_id: 7, correlation_id: -3 };
        let mut dst = [0u8; 16];
        assert_eq!(message.encode(&mut dst), Ok(16));
        assert_eq!(&dst[0..8], &7i64.to_le_bytes());
        assert_eq!(&dst[8..16], &(-3i64).to_le_bytes());
        assert_eq!(CorrelatedMessage::decode(&dst), Ok(message));
        assert!(CorrelatedMessage::decode(&dst[..15]).is_err());
        assert!(message.encode(&mut [0u8; 15]).is_err());
    }
}
