//! `TerminateDriver` (Aeron `TerminateDriverFlyweight`), for TERMINATE_DRIVER:
//! `client_id:i64 @0 | correlation_id:i64 @8 | token_length:i32 @16 | token @20`.

use super::{CommandError, check_blob, check_dst, check_src, get_blob, get_i64, put_blob, put_i64};

/// A request that the driver terminate, with an opaque token the driver may validate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TerminateDriver<'a> {
    /// The client's id.
    pub client_id: i64,
    /// This request's correlation id.
    pub correlation_id: i64,
    /// The token bytes.
    pub token: &'a [u8],
}

impl<'a> TerminateDriver<'a> {
    /// Offset of the token's length prefix.
    pub const TOKEN_OFFSET: usize = 16;
    /// The length with an empty token.
    pub const MINIMUM_LENGTH: usize = 20;

    /// `20 + token.len()`.
    pub fn encoded_length(&self) -> usize {
        Self::MINIMUM_LENGTH + self.token.len()
    }

    /// Writes the message at the start of `dst`; returns the bytes written.
    pub fn encode(&self, dst: &mut [u8]) -> Result<usize, CommandError> {
        check_blob("token", self.token)?;
        check_dst(dst, self.encoded_length())?;
        put_i64(dst, 0, self.client_id);
        put_i64(dst, 8, self.correlation_id);
        Ok(put_blob(dst, Self::TOKEN_OFFSET, self.token))
    }

    /// Reads a message from the start of `src`; never panics.
    pub fn decode(src: &'a [u8]) -> Result<Self, CommandError> {
        check_src(src, Self::MINIMUM_LENGTH)?;
        let (token, _) = get_blob(src, Self::TOKEN_OFFSET, "token")?;
        Ok(Self { client_id: get_i64(src, 0)?, correlation_id: get_i64(src, 8)?, token })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_java_offsets() {
        let message = TerminateDriver { client_id: 1, correlation_id: 2, token: b"secret" };
        let mut dst = [0u8; 32];
        let length = message.encode(&mut dst).unwrap();
        assert_eq!(length, 26);
        assert_eq!(&dst[16..20], &6i32.to_le_bytes());
        assert_eq!(TerminateDriver::decode(&dst[..length]), Ok(message));
        assert!(TerminateDriver::decode(&dst[..length - 1]).is_err());
    }
}
