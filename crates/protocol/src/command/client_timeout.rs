//! `ClientTimeout` (Aeron `ClientTimeoutFlyweight`), for ON_CLIENT_TIMEOUT: `client_id:i64 @0`.

use super::{CommandError, check_dst, check_src, get_i64, put_i64};

/// The driver timed out a client and released its resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientTimeout {
    /// The client's id.
    pub client_id: i64,
}

impl ClientTimeout {
    /// Encoded length in bytes (8).
    pub const LENGTH: usize = 8;

    /// Always [`Self::LENGTH`].
    pub fn encoded_length(&self) -> usize {
        Self::LENGTH
    }

    /// Writes the message at the start of `dst`; returns the bytes written.
    pub fn encode(&self, dst: &mut [u8]) -> Result<usize, CommandError> {
        check_dst(dst, Self::LENGTH)?;
        put_i64(dst, 0, self.client_id);
        Ok(Self::LENGTH)
    }

    /// Reads a message from the start of `src`; never panics.
    pub fn decode(src: &[u8]) -> Result<Self, CommandError> {
        check_src(src, Self::LENGTH)?;
        Ok(Self { client_id: get_i64(src, 0)? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_java_offsets() {
        let message = ClientTimeout { client_id: 0x0102_0304_0506_0708 };
        let mut dst = [0u8; 8];
        assert_eq!(message.encode(&mut dst), Ok(8));
        assert_eq!(dst, [8, 7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(ClientTimeout::decode(&dst), Ok(message));
        assert!(ClientTimeout::decode(&dst[..7]).is_err());
    }
}
