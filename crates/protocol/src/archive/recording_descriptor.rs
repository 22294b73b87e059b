//! [`RecordingDescriptor`] (template id 22, block length 80): describes a recording in the catalog.
//!
//! Block layout (offsets from the end of the message header):
//! `controlSessionId:i64 @0`;
//! `correlationId:i64 @8`;
//! `recordingId:i64 @16`;
//! `startTimestamp:i64 @24`;
//! `stopTimestamp:i64 @32`;
//! `startPosition:i64 @40`;
//! `stopPosition:i64 @48`;
//! `initialTermId:i32 @56`;
//! `segmentFileLength:i32 @60`;
//! `termBufferLength:i32 @64`;
//! `mtuLength:i32 @68`;
//! `sessionId:i32 @72`;
//! `streamId:i32 @76`;
//! then var-data `strippedChannel`, `originalChannel`, `sourceIdentity`, each `length:u32` + bytes.

use super::{
    MessageHeader, SCHEMA_VERSION, SbeError, codec::BodyReader, codec::BodyWriter, codec::sbe_message,
};

sbe_message! {
    /// Describes a recording in the catalog.
    ///
    /// Sent on the control response channel for each listed recording; the catalog stores the same block and
    /// strings (without the message header), see [`Self::decode_block`].
    /// The var-data fields borrow from the decoded input.
    pub struct RecordingDescriptor<'a> {
        template_id: 22,
        block_length: 80,
        fixed: {
            /// Control session the message belongs to (the `relevantId` of the connect response).
            control_session_id: i64 = 0;
            /// Correlation id of the request; a response or signal carries the id of the request that caused
            /// it.
            correlation_id: i64 = 8;
            /// Recording id.
            recording_id: i64 = 16;
            /// Epoch milliseconds at which the recording started.
            start_timestamp: i64 = 24;
            /// Epoch milliseconds at which the recording stopped; -1 while it is active.
            stop_timestamp: i64 = 32;
            /// Position at which the recording starts.
            start_position: i64 = 40;
            /// Position at which the recording stopped; -1 (`NULL_POSITION`) while it is active.
            stop_position: i64 = 48;
            /// Initial term id of the recorded stream.
            initial_term_id: i32 = 56;
            /// Length of each segment file in bytes.
            segment_file_length: i32 = 60;
            /// Term length of the recorded stream in bytes.
            term_buffer_length: i32 = 64;
            /// MTU of the recorded stream in bytes.
            mtu_length: i32 = 68;
            /// Session id of the recorded image.
            session_id: i32 = 72;
            /// Stream id.
            stream_id: i32 = 76;
        }
        var_data: {
            /// Channel URI of the recording, reduced to the parameters that identify the stream.
            stripped_channel: &'a str;
            /// Channel URI exactly as given when the recording was started.
            original_channel: &'a str;
            /// Identity of the source, e.g. the sender's `ip:port` or `aeron:ipc`.
            source_identity: &'a str;
        }
    }
}

impl<'a> RecordingDescriptor<'a> {
    /// Exact number of bytes [`Self::encode_block`] writes: the block and the three strings, without
    /// a message header and without catalog alignment padding.
    pub fn block_encoded_length(&self) -> usize {
        self.encoded_length() - MessageHeader::ENCODED_LENGTH
    }

    /// Reads a descriptor stored without a message header, as a catalog entry holds it after its
    /// [`RecordingDescriptorHeader`](super::RecordingDescriptorHeader): an 80-byte block of schema
    /// version 14, then the three strings. Trailing alignment padding is ignored; never panics.
    pub fn decode_block(src: &'a [u8]) -> Result<Self, SbeError> {
        Self::read_body(BodyReader::new(
            src,
            Self::TEMPLATE_ID,
            0,
            usize::from(Self::BLOCK_LENGTH),
            SCHEMA_VERSION,
        )?)
    }

    /// Writes the block and the three strings at the start of `dst`, without a message header (the
    /// catalog form); returns [`Self::block_encoded_length`]. Fails without writing if `dst` is too
    /// small or a string is longer than 1 GiB. The caller adds any catalog alignment padding.
    pub fn encode_block(&self, dst: &mut [u8]) -> Result<usize, SbeError> {
        self.check_var_lengths()?;
        let length = self.block_encoded_length();
        if dst.len() < length {
            return Err(SbeError::BufferTooSmall { needed: length, capacity: dst.len() });
        }
        let mut writer = BodyWriter::begin_block(dst, 0, usize::from(Self::BLOCK_LENGTH));
        self.write_body(&mut writer);
        Ok(length)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::codec::test_support::*;

    fn sample() -> RecordingDescriptor<'static> {
        RecordingDescriptor {
            control_session_id: 0x0101_0101_0101_0101,
            correlation_id: -0x0202_0202_0202_0202,
            recording_id: 0x0303_0303_0303_0303,
            start_timestamp: -0x0404_0404_0404_0404,
            stop_timestamp: 0x0505_0505_0505_0505,
            start_position: -0x0606_0606_0606_0606,
            stop_position: 0x0707_0707_0707_0707,
            initial_term_id: -0x0808_0808,
            segment_file_length: 0x0909_0909,
            term_buffer_length: -0x0A0A_0A0A,
            mtu_length: 0x0B0B_0B0B,
            session_id: -0x0C0C_0C0C,
            stream_id: 0x0D0D_0D0D,
            stripped_channel: "aeron:udp?endpoint=localhost:40014|alias=stripped_channel",
            original_channel: "aeron:udp?endpoint=localhost:40015|alias=original_channel",
            source_identity: "aeron:udp?endpoint=localhost:40016|alias=source_identity",
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(RecordingDescriptor::TEMPLATE_ID, 22);
        assert_eq!(RecordingDescriptor::BLOCK_LENGTH, 80);
        assert_header(&bytes, 22, 80);
        assert_i64_at(&bytes, 0, message.control_session_id);
        assert_i64_at(&bytes, 8, message.correlation_id);
        assert_i64_at(&bytes, 16, message.recording_id);
        assert_i64_at(&bytes, 24, message.start_timestamp);
        assert_i64_at(&bytes, 32, message.stop_timestamp);
        assert_i64_at(&bytes, 40, message.start_position);
        assert_i64_at(&bytes, 48, message.stop_position);
        assert_i32_at(&bytes, 56, message.initial_term_id);
        assert_i32_at(&bytes, 60, message.segment_file_length);
        assert_i32_at(&bytes, 64, message.term_buffer_length);
        assert_i32_at(&bytes, 68, message.mtu_length);
        assert_i32_at(&bytes, 72, message.session_id);
        assert_i32_at(&bytes, 76, message.stream_id);
        let at = 8 + 80;
        let at = assert_var_at(&bytes, at, message.stripped_channel.as_bytes());
        let at = assert_var_at(&bytes, at, message.original_channel.as_bytes());
        let at = assert_var_at(&bytes, at, message.source_identity.as_bytes());
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(RecordingDescriptor::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(RecordingDescriptor::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            RecordingDescriptor::decode(&with_schema_id(&bytes, 100)),
            Err(SbeError::WrongSchemaId { expected: 101, actual: 100 })
        );
        assert_eq!(
            RecordingDescriptor::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 22, actual: 999 })
        );
        let mut short = vec![0u8; bytes.len() - 1];
        assert_eq!(
            message.encode(&mut short),
            Err(SbeError::BufferTooSmall { needed: bytes.len(), capacity: bytes.len() - 1 })
        );
        assert!(short.iter().all(|&byte| byte == 0), "a failed encode must not write");
    }

    #[test]
    fn newer_senders_with_longer_blocks_and_trailing_bytes_decode() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        let mut newer = extend_block(&bytes, 80, 12, 15);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(RecordingDescriptor::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 79, 14);
        assert!(RecordingDescriptor::decode(&truncated_block).is_err());
    }

    #[test]
    fn catalog_block_form_is_the_message_without_its_header() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        let block = encode_with(message.block_encoded_length(), |dst| message.encode_block(dst));
        assert_eq!(&block[..], &bytes[8..]);
        let mut padded = block.clone();
        padded.resize(block.len().next_multiple_of(64), 0);
        assert_eq!(RecordingDescriptor::decode_block(&padded), Ok(message));
        for length in 0..block.len() {
            assert!(RecordingDescriptor::decode_block(&block[..length]).is_err());
        }
        assert_eq!(
            message.encode_block(&mut [0u8; 16]),
            Err(SbeError::BufferTooSmall { needed: block.len(), capacity: 16 })
        );
    }
}
