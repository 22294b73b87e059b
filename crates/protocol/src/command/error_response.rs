//! `ErrorResponse` (Aeron `ErrorResponseFlyweight`), for ON_ERROR:
//! `offending_command_correlation_id:i64 @0 | error_code:i32 @8 | error_message_length:i32 @12 | error_message @16`.

use super::{
    CommandError, check_blob, check_dst, check_src, get_i32, get_i64, get_str, put_blob, put_i32, put_i64,
};

/// The driver's answer to a command that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorResponse<'a> {
    /// The correlation id of the command that failed.
    pub offending_command_correlation_id: i64,
    /// One of [`super::error_code`].
    pub error_code: i32,
    /// A human-readable explanation.
    pub error_message: &'a str,
}

impl<'a> ErrorResponse<'a> {
    /// Offset of `error_code`.
    pub const ERROR_CODE_OFFSET: usize = 8;
    /// Offset of the message's length prefix.
    pub const ERROR_MESSAGE_OFFSET: usize = 12;
    /// The length with an empty message.
    pub const MINIMUM_LENGTH: usize = 16;

    /// `16 + error_message.len()`.
    pub fn encoded_length(&self) -> usize {
        Self::MINIMUM_LENGTH + self.error_message.len()
    }

    /// Writes the message at the start of `dst`; returns the bytes written.
    pub fn encode(&self, dst: &mut [u8]) -> Result<usize, CommandError> {
        check_blob("error_message", self.error_message.as_bytes())?;
        check_dst(dst, self.encoded_length())?;
        put_i64(dst, 0, self.offending_command_correlation_id);
        put_i32(dst, Self::ERROR_CODE_OFFSET, self.error_code);
        Ok(put_blob(dst, Self::ERROR_MESSAGE_OFFSET, self.error_message.as_bytes()))
    }

    /// Reads a message from the start of `src`; never panics.
    pub fn decode(src: &'a [u8]) -> Result<Self, CommandError> {
        check_src(src, Self::MINIMUM_LENGTH)?;
        let (error_message, _) = get_str(src, Self::ERROR_MESSAGE_OFFSET, "error_message")?;
        Ok(Self {
            offending_command_correlation_id: get_i64(src, 0)?,
            error_code: get_i32(src, Self::ERROR_CODE_OFFSET)?,
            error_message,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::error_code;

    #[test]
    fn round_trips_with_java_offsets() {
        let message = ErrorResponse {
            offending_command_correlation_id: 42,
            error_code: error_code::INVALID_CHANNEL,
            error_message: "bad channel",
        };
        let mut dst = [0u8; 64];
        let length = message.encode(&mut dst).unwrap();
        assert_eq!(length, 27);
        assert_eq!(&dst[8..12], &1i32.to_le_bytes());
        assert_eq!(&dst[12..16], &11i32.to_le_bytes());
        assert_eq!(ErrorResponse::decode(&dst[..length]), Ok(message));
        assert!(ErrorResponse::decode(&dst[..length - 1]).is_err());
    }
}
