//! [`TaggedReplicateRequest`] (template id 62, block length 52): replicate a recording from another archive
//! and set tags on subscription.
//!
//! Block layout (offsets from the end of the message header):
//! `controlSessionId:i64 @0`;
//! `correlationId:i64 @8`;
//! `srcRecordingId:i64 @16`;
//! `dstRecordingId:i64 @24`;
//! `channelTagId:i64 @32`;
//! `subscriptionTagId:i64 @40`;
//! `srcControlStreamId:i32 @48`;
//! then var-data `srcControlChannel`, `liveDestination`, each `length:u32` + bytes.

use super::codec::sbe_message;

sbe_message! {
    /// Replicate a recording from another archive and set tags on subscription.
    ///
    /// Old form of [`ReplicateRequest2`](super::ReplicateRequest2) with tags; answered by a `ControlResponse`
    /// whose `relevantId` is the replication id.
    /// The var-data fields borrow from the decoded input.
    pub struct TaggedReplicateRequest<'a> {
        template_id: 62,
        block_length: 52,
        fixed: {
            /// Control session the message belongs to (the `relevantId` of the connect response).
            control_session_id: i64 = 0;
            /// Correlation id of the request; a response or signal carries the id of the request that caused
            /// it.
            correlation_id: i64 = 8;
            /// Recording id in the source archive.
            src_recording_id: i64 = 16;
            /// Recording id in the destination archive to extend, or -1 (`NULL_VALUE`) to create a new
            /// recording.
            dst_recording_id: i64 = 24;
            /// Tag id for the replication subscription's channel, or -1 (`NULL_VALUE`) for none.
            channel_tag_id: i64 = 32;
            /// Tag id for the replication subscription, or -1 (`NULL_VALUE`) for none.
            subscription_tag_id: i64 = 40;
            /// Control request stream id of the source archive.
            src_control_stream_id: i32 = 48;
        }
        var_data: {
            /// Control request channel of the source archive.
            src_control_channel: &'a str;
            /// Destination of the live stream to merge with once the replay has caught up; empty for none.
            live_destination: &'a str;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::SbeError;
    use crate::archive::codec::test_support::*;

    fn sample() -> TaggedReplicateRequest<'static> {
        TaggedReplicateRequest {
            control_session_id: 0x0101_0101_0101_0101,
            correlation_id: -0x0202_0202_0202_0202,
            src_recording_id: 0x0303_0303_0303_0303,
            dst_recording_id: -0x0404_0404_0404_0404,
            channel_tag_id: 0x0505_0505_0505_0505,
            subscription_tag_id: -0x0606_0606_0606_0606,
            src_control_stream_id: 0x0707_0707,
            src_control_channel: "aeron:udp?endpoint=localhost:40008|alias=src_control_channel",
            live_destination: "aeron:udp?endpoint=localhost:40009|alias=live_destination",
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(TaggedReplicateRequest::TEMPLATE_ID, 62);
        assert_eq!(TaggedReplicateRequest::BLOCK_LENGTH, 52);
        assert_header(&bytes, 62, 52);
        assert_i64_at(&bytes, 0, message.control_session_id);
        assert_i64_at(&bytes, 8, message.correlation_id);
        assert_i64_at(&bytes, 16, message.src_recording_id);
        assert_i64_at(&bytes, 24, message.dst_recording_id);
        assert_i64_at(&bytes, 32, message.channel_tag_id);
        assert_i64_at(&bytes, 40, message.subscription_tag_id);
        assert_i32_at(&bytes, 48, message.src_control_stream_id);
        let at = 8 + 52;
        let at = assert_var_at(&bytes, at, message.src_control_channel.as_bytes());
        let at = assert_var_at(&bytes, at, message.live_destination.as_bytes());
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(TaggedReplicateRequest::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(TaggedReplicateRequest::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            TaggedReplicateRequest::decode(&with_schema_id(&bytes, 100)),
            Err(SbeError::WrongSchemaId { expected: 101, actual: 100 })
        );
        assert_eq!(
            TaggedReplicateRequest::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 62, actual: 999 })
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
        let mut newer = extend_block(&bytes, 52, 12, 15);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(TaggedReplicateRequest::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 51, 14);
        assert!(TaggedReplicateRequest::decode(&truncated_block).is_err());
    }
}
