//! `PublicationBuffersReady` (Aeron `PublicationBuffersReadyFlyweight`), for ON_PUBLICATION_READY and
//! ON_EXCLUSIVE_PUBLICATION_READY: `correlation_id:i64 @0 | registration_id:i64 @8 | session_id:i32 @16 |
//! stream_id:i32 @20 | publication_limit_counter_id:i32 @24 | channel_status_indicator_id:i32 @28 |
//! log_file_name_length:i32 @32 | log_file_name @36`.

use super::{
    CommandError, check_blob, check_dst, check_src, get_i32, get_i64, get_str, put_blob, put_i32, put_i64,
};

/// The driver's answer to ADD_(EXCLUSIVE_)PUBLICATION: where the log is and which counters to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicationBuffersReady<'a> {
    /// The request's correlation id.
    pub correlation_id: i64,
    /// The registration id of the (possibly shared) publication: the correlation id of the request that
    /// created the log. Equal to `correlation_id` for exclusive publications and first adds.
    pub registration_id: i64,
    /// The publication's session id.
    pub session_id: i32,
    /// The stream id.
    pub stream_id: i32,
    /// The `pub-lmt` counter id.
    pub publication_limit_counter_id: i32,
    /// The channel status counter id (-1 for IPC).
    pub channel_status_indicator_id: i32,
    /// The log buffer's name in the memory store.
    pub log_file_name: &'a str,
}

impl<'a> PublicationBuffersReady<'a> {
    /// Offset of `registration_id`.
    pub const REGISTRATION_ID_OFFSET: usize = 8;
    /// Offset of `session_id`.
    pub const SESSION_ID_OFFSET: usize = 16;
    /// Offset of `stream_id`.
    pub const STREAM_ID_OFFSET: usize = 20;
    /// Offset of `publication_limit_counter_id`.
    pub const PUBLICATION_LIMIT_COUNTER_ID_OFFSET: usize = 24;
    /// Offset of `channel_status_indicator_id`.
    pub const CHANNEL_STATUS_INDICATOR_ID_OFFSET: usize = 28;
    /// Offset of the log file name's length prefix.
    pub const LOG_FILE_NAME_OFFSET: usize = 32;
    /// The length with an empty log file name.
    pub const MINIMUM_LENGTH: usize = 36;

    /// `36 + log_file_name.len()`.
    pub fn encoded_length(&self) -> usize {
        Self::MINIMUM_LENGTH + self.log_file_name.len()
    }

    /// Writes the message at the start of `dst`; returns the bytes written.
    pub fn encode(&self, dst: &mut [u8]) -> Result<usize, CommandError> {
        check_blob("log_file_name", self.log_file_name.as_bytes())?;
        check_dst(dst, self.encoded_length())?;
        put_i64(dst, 0, self.correlation_id);
        put_i64(dst, Self::REGISTRATION_ID_OFFSET, self.registration_id);
        put_i32(dst, Self::SESSION_ID_OFFSET, self.session_id);
        put_i32(dst, Self::STREAM_ID_OFFSET, self.stream_id);
        put_i32(dst, Self::PUBLICATION_LIMIT_COUNTER_ID_OFFSET, self.publication_limit_counter_id);
        put_i32(dst, Self::CHANNEL_STATUS_INDICATOR_ID_OFFSET, self.channel_status_indicator_id);
        Ok(put_blob(dst, Self::LOG_FILE_NAME_OFFSET, self.log_file_name.as_bytes()))
    }

    /// Reads a message from the start of `src`; never panics.
    pub fn decode(src: &'a [u8]) -> Result<Self, CommandError> {
        check_src(src, Self::MINIMUM_LENGTH)?;
        let (log_file_name, _) = get_str(src, Self::LOG_FILE_NAME_OFFSET, "log_file_name")?;
        Ok(Self {
            correlation_id: get_i64(src, 0)?,
            registration_id: get_i64(src, Self::REGISTRATION_ID_OFFSET)?,
            session_id: get_i32(src, Self::SESSION_ID_OFFSET)?,
            stream_id: get_i32(src, Self::STREAM_ID_OFFSET)?,
            publication_limit_counter_id: get_i32(src, Self::PUBLICATION_LIMIT_COUNTER_ID_OFFSET)?,
            channel_status_indicator_id: get_i32(src, Self::CHANNEL_STATUS_INDICATOR_ID_OFFSET)?,
            log_file_name,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_java_offsets() {
        let message = PublicationBuffersReady {
            correlation_id: 5,
            registration_id: 4,
            session_id: -7,
            stream_id: 10,
            publication_limit_counter_id: 3,
            channel_status_indicator_id: -1,
            log_file_name: "publications/4.logbuffer",
        };
        let mut dst = [0u8; 128];
        let length = message.encode(&mut dst).unwrap();
        assert_eq!(length, 36 + 24);
        assert_eq!(&dst[16..20], &(-7i32).to_le_bytes());
        assert_eq!(&dst[24..28], &3i32.to_le_bytes());
        assert_eq!(&dst[32..36], &24i32.to_le_bytes());
        assert_eq!(PublicationBuffersReady::decode(&dst[..length]), Ok(message));
        assert!(PublicationBuffersReady::decode(&dst[..length - 1]).is_err());
    }
}
