//! `ImageBuffersReady` (Aeron `ImageBuffersReadyFlyweight`), for ON_AVAILABLE_IMAGE:
//! `correlation_id:i64 @0 | session_id:i32 @8 | stream_id:i32 @12 | subscription_registration_id:i64 @16 |
//! subscriber_position_id:i32 @24 | log_file_name_length:i32 @28 | log_file_name @32 | pad to 4 |
//! source_identity_length:i32 | source_identity`.

use super::{
    CommandError, SIZE_OF_INT, align4, check_blob, check_dst, check_src, get_i32, get_i64, get_str, put_blob,
    put_i32, put_i64,
};

/// The driver tells a subscription that an image (a publication's stream as seen by it) is available.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageBuffersReady<'a> {
    /// The image's correlation id (for IPC: the publication's registration id).
    pub correlation_id: i64,
    /// The image's session id.
    pub session_id: i32,
    /// The stream id.
    pub stream_id: i32,
    /// The registration id of the subscription this image is for.
    pub subscription_registration_id: i64,
    /// The `sub-pos` counter id the subscriber advances.
    pub subscriber_position_id: i32,
    /// The log buffer's name in the memory store.
    pub log_file_name: &'a str,
    /// Where the data comes from (`aeron:ipc` for IPC, `host:port` for UDP).
    pub source_identity: &'a str,
}

impl<'a> ImageBuffersReady<'a> {
    /// Offset of `session_id`.
    pub const SESSION_ID_OFFSET: usize = 8;
    /// Offset of `stream_id`.
    pub const STREAM_ID_OFFSET: usize = 12;
    /// Offset of `subscription_registration_id`.
    pub const SUBSCRIPTION_REGISTRATION_ID_OFFSET: usize = 16;
    /// Offset of `subscriber_position_id`.
    pub const SUBSCRIBER_POSITION_ID_OFFSET: usize = 24;
    /// Offset of the log file name's length prefix.
    pub const LOG_FILE_NAME_OFFSET: usize = 28;
    /// The length with empty strings.
    pub const MINIMUM_LENGTH: usize = 36;

    fn source_identity_offset(&self) -> usize {
        Self::LOG_FILE_NAME_OFFSET + SIZE_OF_INT + align4(self.log_file_name.len())
    }

    /// `32 + align4(log_file_name.len()) + 4 + source_identity.len()`.
    pub fn encoded_length(&self) -> usize {
        self.source_identity_offset() + SIZE_OF_INT + self.source_identity.len()
    }

    /// Writes the message at the start of `dst` (padding zeroed); returns the bytes written.
    pub fn encode(&self, dst: &mut [u8]) -> Result<usize, CommandError> {
        check_blob("log_file_name", self.log_file_name.as_bytes())?;
        check_blob("source_identity", self.source_identity.as_bytes())?;
        check_dst(dst, self.encoded_length())?;
        put_i64(dst, 0, self.correlation_id);
        put_i32(dst, Self::SESSION_ID_OFFSET, self.session_id);
        put_i32(dst, Self::STREAM_ID_OFFSET, self.stream_id);
        put_i64(dst, Self::SUBSCRIPTION_REGISTRATION_ID_OFFSET, self.subscription_registration_id);
        put_i32(dst, Self::SUBSCRIBER_POSITION_ID_OFFSET, self.subscriber_position_id);
        let name_end = put_blob(dst, Self::LOG_FILE_NAME_OFFSET, self.log_file_name.as_bytes());
        let source_offset = self.source_identity_offset();
        dst[name_end..source_offset].fill(0);
        Ok(put_blob(dst, source_offset, self.source_identity.as_bytes()))
    }

    /// Reads a message from the start of `src`; never panics.
    pub fn decode(src: &'a [u8]) -> Result<Self, CommandError> {
        check_src(src, Self::MINIMUM_LENGTH)?;
        let (log_file_name, _) = get_str(src, Self::LOG_FILE_NAME_OFFSET, "log_file_name")?;
        let source_offset = Self::LOG_FILE_NAME_OFFSET + SIZE_OF_INT + align4(log_file_name.len());
        let (source_identity, _) = get_str(src, source_offset, "source_identity")?;
        Ok(Self {
            correlation_id: get_i64(src, 0)?,
            session_id: get_i32(src, Self::SESSION_ID_OFFSET)?,
            stream_id: get_i32(src, Self::STREAM_ID_OFFSET)?,
            subscription_registration_id: get_i64(src, Self::SUBSCRIPTION_REGISTRATION_ID_OFFSET)?,
            subscriber_position_id: get_i32(src, Self::SUBSCRIBER_POSITION_ID_OFFSET)?,
            log_file_name,
            source_identity,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_java_offsets() {
        let message = ImageBuffersReady {
            correlation_id: 4,
            session_id: 1234,
            stream_id: 10,
            subscription_registration_id: 9,
            subscriber_position_id: 6,
            log_file_name: "publications/4.logbuffer1",
            source_identity: "aeron:ipc",
        };
        let mut dst = [0xAAu8; 128];
        let length = message.encode(&mut dst).unwrap();
        assert_eq!(length, 32 + 28 + 4 + 9);
        assert_eq!(&dst[28..32], &25i32.to_le_bytes());
        assert_eq!(&dst[57..60], &[0, 0, 0]);
        assert_eq!(&dst[60..64], &9i32.to_le_bytes());
        assert_eq!(&dst[64..73], b"aeron:ipc");
        assert_eq!(ImageBuffersReady::decode(&dst[..length]), Ok(message));
        assert!(ImageBuffersReady::decode(&dst[..length - 1]).is_err());
    }
}
