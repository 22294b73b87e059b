//! `DestinationByIdMessage` (Aeron `DestinationByIdMessageFlyweight`), for REMOVE_DESTINATION_BY_ID:
//! `client_id:i64 @0 | correlation_id:i64 @8 | resource_registration_id:i64 @16 | destination_registration_id:i64 @24`.

use super::{CommandError, check_dst, check_src, get_i64, put_i64};

/// A request to remove the destination `destination_registration_id` of the resource `resource_registration_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DestinationByIdMessage {
    /// The client's id.
    pub client_id: i64,
    /// This request's correlation id.
    pub correlation_id: i64,
    /// The publication's registration id.
    pub resource_registration_id: i64,
    /// The destination's registration id.
    pub destination_registration_id: i64,
}

impl DestinationByIdMessage {
    /// Encoded length in bytes (32).
    pub const LENGTH: usize = 32;
    /// Offset of `resource_registration_id`.
    pub const RESOURCE_REGISTRATION_ID_OFFSET: usize = 16;
    /// Offset of `destination_registration_id`.
    pub const DESTINATION_REGISTRATION_ID_OFFSET: usize = 24;

    /// Always [`Self::LENGTH`].
    pub fn encoded_length(&self) -> usize {
        Self::LENGTH
    }

    /// Writes the message at the start of `dst`; returns the bytes written.
    pub fn encode(&self, dst: &mut [u8]) -> Result<usize, CommandError> {
        check_dst(dst, Self::LENGTH)?;
        put_i64(dst, 0, self.client_id);
        put_i64(dst, 8, self.correlation_id);
        put_i64(dst, Self::RESOURCE_REGISTRATION_ID_OFFSET, self.resource_registration_id);
        put_i64(dst, Self::DESTINATION_REGISTRATION_ID_OFFSET, self.destination_registration_id);
        Ok(Self::LENGTH)
    }

    /// Reads a message from the start of `src`; never panics.
    pub fn decode(src: &[u8]) -> Result<Self, CommandError> {
        check_src(src, Self::LENGTH)?;
        Ok(Self {
            client_id: get_i64(src, 0)?,
            correlation_id: get_i64(src, 8)?,
            resource_registration_id: get_i64(src, Self::RESOURCE_REGISTRATION_ID_OFFSET)?,
            destination_registration_id: get_i64(src, Self::DESTINATION_REGISTRATION_ID_OFFSET)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_java_offsets() {
        let message = DestinationByIdMessage {
            client_id: 1,
            correlation_id: 2,
            resource_registration_id: 3,
            destination_registration_id: 4,
        };
        let mut dst = [0u8; 32];
        assert_eq!(message.encode(&mut dst), Ok(32));
        assert_eq!(&dst[24..32], &4i64.to_le_bytes());
        assert_eq!(DestinationByIdMessage::decode(&dst), Ok(message));
        assert!(DestinationByIdMessage::decode(&dst[..31]).is_err());
    }
}
