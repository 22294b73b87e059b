//! `RejectImage` (Aeron `RejectImageFlyweight`), for REJECT_IMAGE:
//! `client_id:i64 @0 | correlation_id:i64 @8 | image_correlation_id:i64 @16 | position:i64 @24 |
//! reason_length:i32 @32 | reason @36`.

use super::{CommandError, check_blob, check_dst, check_src, get_i64, get_str, put_blob, put_i64};

/// A request to reject (disconnect) the image `image_correlation_id` at `position` for `reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RejectImage<'a> {
    /// The client's id.
    pub client_id: i64,
    /// This request's correlation id.
    pub correlation_id: i64,
    /// The image's correlation id.
    pub image_correlation_id: i64,
    /// The subscriber position at the time of rejection.
    pub position: i64,
    /// Why.
    pub reason: &'a str,
}

impl<'a> RejectImage<'a> {
    /// Offset of `image_correlation_id`.
    pub const IMAGE_CORRELATION_ID_OFFSET: usize = 16;
    /// Offset of `position`.
    pub const POSITION_OFFSET: usize = 24;
    /// Offset of the reason's length prefix.
    pub const REASON_OFFSET: usize = 32;
    /// The length with an empty reason.
    pub const MINIMUM_LENGTH: usize = 36;

    /// `36 + reason.len()`.
    pub fn encoded_length(&self) -> usize {
        Self::MINIMUM_LENGTH + self.reason.len()
    }

    /// Writes the message at the start of `dst`; returns the bytes written.
    pub fn encode(&self, dst: &mut [u8]) -> Result<usize, CommandError> {
        check_blob("reason", self.reason.as_bytes())?;
        check_dst(dst, self.encoded_length())?;
        put_i64(dst, 0, self.client_id);
        put_i64(dst, 8, self.correlation_id);
        put_i64(dst, Self::IMAGE_CORRELATION_ID_OFFSET, self.image_correlation_id);
        put_i64(dst, Self::POSITION_OFFSET, self.position);
        Ok(put_blob(dst, Self::REASON_OFFSET, self.reason.as_bytes()))
    }

    /// Reads a message from the start of `src`; never panics.
    pub fn decode(src: &'a [u8]) -> Result<Self, CommandError> {
        check_src(src, Self::MINIMUM_LENGTH)?;
        let (reason, _) = get_str(src, Self::REASON_OFFSET, "reason")?;
        Ok(Self {
            client_id: get_i64(src, 0)?,
            correlation_id: get_i64(src, 8)?,
            image_correlation_id: get_i64(src, Self::IMAGE_CORRELATION_ID_OFFSET)?,
            position: get_i64(src, Self::POSITION_OFFSET)?,
            reason,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_java_offsets() {
        let message = RejectImage {
            client_id: 1,
            correlation_id: 2,
            image_correlation_id: 3,
            position: 4,
            reason: "bad",
        };
        let mut dst = [0u8; 64];
        let length = message.encode(&mut dst).unwrap();
        assert_eq!(length, 39);
        assert_eq!(&dst[24..32], &4i64.to_le_bytes());
        assert_eq!(&dst[32..36], &3i32.to_le_bytes());
        assert_eq!(RejectImage::decode(&dst[..length]), Ok(message));
        assert!(RejectImage::decode(&dst[..length - 1]).is_err());
    }
}
