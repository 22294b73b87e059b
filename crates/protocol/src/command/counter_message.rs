//! `CounterMessage` (Aeron `CounterMessageFlyweight`), for ADD_COUNTER:
//! `client_id:i64 @0 | correlation_id:i64 @8 | type_id:i32 @16 | key_length:i32 @20 | key @24 |
//! pad to 4 | label_length:i32 | label`.

use super::{
    CommandError, SIZE_OF_INT, align4, check_blob, check_dst, check_src, get_blob, get_i32, get_i64, get_str,
    put_blob, put_i32, put_i64,
};

/// A request to allocate a client counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CounterMessage<'a> {
    /// The client's id.
    pub client_id: i64,
    /// This request's correlation id; it becomes the counter's registration id.
    pub correlation_id: i64,
    /// The counter's type id.
    pub type_id: i32,
    /// The counter's key bytes (at most 112 are kept by the counters manager).
    pub key: &'a [u8],
    /// The counter's label.
    pub label: &'a str,
}

impl<'a> CounterMessage<'a> {
    /// Offset of `type_id`.
    pub const TYPE_ID_OFFSET: usize = 16;
    /// Offset of the key's length prefix.
    pub const KEY_OFFSET: usize = 20;
    /// The length with an empty key and label.
    pub const MINIMUM_LENGTH: usize = 28;

    fn label_offset(&self) -> usize {
        Self::KEY_OFFSET + SIZE_OF_INT + align4(self.key.len())
    }

    /// `24 + align4(key.len()) + 4 + label.len()`.
    pub fn encoded_length(&self) -> usize {
        self.label_offset() + SIZE_OF_INT + self.label.len()
    }

    /// Writes the message at the start of `dst` (key padding zeroed); returns the bytes written.
    pub fn encode(&self, dst: &mut [u8]) -> Result<usize, CommandError> {
        check_blob("key", self.key)?;
        check_blob("label", self.label.as_bytes())?;
        check_dst(dst, self.encoded_length())?;
        put_i64(dst, 0, self.client_id);
        put_i64(dst, 8, self.correlation_id);
        put_i32(dst, Self::TYPE_ID_OFFSET, self.type_id);
        let key_end = put_blob(dst, Self::KEY_OFFSET, self.key);
        let label_offset = self.label_offset();
        dst[key_end..label_offset].fill(0);
        Ok(put_blob(dst, label_offset, self.label.as_bytes()))
    }

    /// Reads a message from the start of `src`; never panics.
    pub fn decode(src: &'a [u8]) -> Result<Self, CommandError> {
        check_src(src, Self::MINIMUM_LENGTH)?;
        let (key, _) = get_blob(src, Self::KEY_OFFSET, "key")?;
        let label_offset = Self::KEY_OFFSET + SIZE_OF_INT + align4(key.len());
        let (label, _) = get_str(src, label_offset, "label")?;
        Ok(Self {
            client_id: get_i64(src, 0)?,
            correlation_id: get_i64(src, 8)?,
            type_id: get_i32(src, Self::TYPE_ID_OFFSET)?,
            key,
            label,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_java_offsets() {
        let message = CounterMessage {
            client_id: 1,
            correlation_id: 2,
            type_id: 1001,
            key: &[9, 8, 7],
            label: "hello",
        };
        let mut dst = [0xFFu8; 64];
        let length = message.encode(&mut dst).unwrap();
        assert_eq!(length, 24 + 4 + 4 + 5);
        assert_eq!(&dst[20..24], &3i32.to_le_bytes());
        assert_eq!(&dst[24..28], &[9, 8, 7, 0]);
        assert_eq!(&dst[28..32], &5i32.to_le_bytes());
        assert_eq!(&dst[32..37], b"hello");
        assert_eq!(CounterMessage::decode(&dst[..length]), Ok(message));
        assert!(CounterMessage::decode(&dst[..length - 1]).is_err());
        let empty = CounterMessage { client_id: 1, correlation_id: 2, type_id: 0, key: &[], label: "" };
        assert_eq!(empty.encoded_length(), 28);
        let length = empty.encode(&mut dst).unwrap();
        assert_eq!(CounterMessage::decode(&dst[..length]), Ok(empty));
    }
}
