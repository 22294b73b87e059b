//! `RemovePublicationMessage` (Aeron `RemovePublicationFlyweight`), for REMOVE_PUBLICATION:
//! `client_id:i64 @0 | correlation_id:i64 @8 | registration_id:i64 @16 | flags:i64 @24` where flag bit 0 is
//! `revoke`. Aeron accepts the 24-byte form without flags from older clients; so does [`RemovePublicationMessage::decode`].

use super::{CommandError, check_dst, check_src, get_i64, put_i64};

/// A request to remove the publication registered as `registration_id`, optionally revoking it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemovePublicationMessage {
    /// The client's id.
    pub client_id: i64,
    /// This request's correlation id.
    pub correlation_id: i64,
    /// The publication's registration id.
    pub registration_id: i64,
    /// Revoke the publication (subscribers see it end at once) instead of a graceful close.
    pub revoke: bool,
}

impl RemovePublicationMessage {
    /// Encoded length in bytes (32).
    pub const LENGTH: usize = 32;
    /// The length of the older form without flags.
    pub const MINIMUM_LENGTH: usize = 24;
    /// Offset of `registration_id`.
    pub const REGISTRATION_ID_OFFSET: usize = 16;
    /// Offset of `flags`.
    pub const FLAGS_OFFSET: usize = 24;
    /// The `revoke` bit of `flags`.
    pub const FLAG_REVOKE: i64 = 0x1;

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
        put_i64(dst, Self::FLAGS_OFFSET, if self.revoke { Self::FLAG_REVOKE } else { 0 });
        Ok(Self::LENGTH)
    }

    /// Reads a message from the start of `src` (24 or more bytes); never panics.
    pub fn decode(src: &[u8]) -> Result<Self, CommandError> {
        check_src(src, Self::MINIMUM_LENGTH)?;
        let revoke = src.len() >= Self::LENGTH && get_i64(src, Self::FLAGS_OFFSET)? & Self::FLAG_REVOKE != 0;
        Ok(Self {
            client_id: get_i64(src, 0)?,
            correlation_id: get_i64(src, 8)?,
            registration_id: get_i64(src, Self::REGISTRATION_ID_OFFSET)?,
            revoke,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_and_without_flags() {
        let message =
            RemovePublicationMessage { client_id: 1, correlation_id: 2, registration_id: 3, revoke: true };
        let mut dst = [0u8; 32];
        assert_eq!(message.encode(&mut dst), Ok(32));
        assert_eq!(&dst[24..32], &1i64.to_le_bytes());
        assert_eq!(RemovePublicationMessage::decode(&dst), Ok(message));
        let short = RemovePublicationMessage::decode(&dst[..24]).unwrap();
        assert!(!short.revoke);
        assert_eq!(short.registration_id, 3);
        assert!(RemovePublicationMessage::decode(&dst[..23]).is_err());
    }
}
