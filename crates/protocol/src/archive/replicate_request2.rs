//! [`ReplicateRequest2`] (template id 66, block length 68): replicate a recording from another archive.
//!
//! Block layout (offsets from the end of the message header):
//! `controlSessionId:i64 @0`;
//! `correlationId:i64 @8`;
//! `srcRecordingId:i64 @16`;
//! `dstRecordingId:i64 @24`;
//! `stopPosition:i64 @32`;
//! `channelTagId:i64 @40`;
//! `subscriptionTagId:i64 @48`;
//! `srcControlStreamId:i32 @56`;
//! `fileIoMaxLength:i32 @60`, since version 7;
//! `replicationSessionId:i32 @64`, since version 8;
//! then var-data `srcControlChannel`, `liveDestination`, `replicationChannel`, `encodedCredentials` (since
//! version 8), `srcResponseChannel` (since version 10), each `length:u32` + bytes.

use super::codec::sbe_message;

sbe_message! {
    /// Replicate a recording from another archive.
    ///
    /// Answered by a `ControlResponse` whose `relevantId` is the replication id; progress is reported by
    /// [`RecordingSignalEvent`](super::RecordingSignalEvent)s.
    /// The var-data fields borrow from the decoded input.
    pub struct ReplicateRequest2<'a> {
        template_id: 66,
        block_length: 68,
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
            /// Position at which replication stops, or -1 (`NULL_POSITION`) to follow the source recording.
            stop_position: i64 = 32;
            /// Tag id for the replication subscription's channel, or -1 (`NULL_VALUE`) for none.
            channel_tag_id: i64 = 40;
            /// Tag id for the replication subscription, or -1 (`NULL_VALUE`) for none.
            subscription_tag_id: i64 = 48;
            /// Control request stream id of the source archive.
            src_control_stream_id: i32 = 56;
            /// Largest single file read or write, at least the MTU; 0 or less takes the archive default.
            /// Absent before schema version 7 (decodes as `i32::MIN`).
            file_io_max_length: i32 = 60, since 7;
            /// Session id for the replicated stream, or -1 (`NULL_VALUE`) to use the source's. Absent before
            /// schema version 8 (decodes as `i32::MIN`).
            replication_session_id: i32 = 64, since 8;
        }
        var_data: {
            /// Control request channel of the source archive.
            src_control_channel: &'a str;
            /// Destination of the live stream to merge with once the replay has caught up; empty for none.
            live_destination: &'a str;
            /// Channel the replicated stream is received on; empty takes the archive default.
            replication_channel: &'a str;
            /// Encoded credentials for the authenticator, possibly empty.
            encoded_credentials: &'a [u8], since 8;
            /// Response channel for the control session with the source archive (response-channel mode);
            /// empty for none. Absent before schema version 10.
            src_response_channel: &'a str, since 10;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::SbeError;
    use crate::archive::codec::test_support::*;

    fn sample() -> ReplicateRequest2<'static> {
        ReplicateRequest2 {
            control_session_id: 0x0101_0101_0101_0101,
            correlation_id: -0x0202_0202_0202_0202,
            src_recording_id: 0x0303_0303_0303_0303,
            dst_recording_id: -0x0404_0404_0404_0404,
            stop_position: 0x0505_0505_0505_0505,
            channel_tag_id: -0x0606_0606_0606_0606,
            subscription_tag_id: 0x0707_0707_0707_0707,
            src_control_stream_id: -0x0808_0808,
            file_io_max_length: 0x0909_0909,
            replication_session_id: -0x0A0A_0A0A,
            src_control_channel: "aeron:udp?endpoint=localhost:40011|alias=src_control_channel",
            live_destination: "aeron:udp?endpoint=localhost:40012|alias=live_destination",
            replication_channel: "aeron:udp?endpoint=localhost:40013|alias=replication_channel",
            encoded_credentials: &[14, 0xFF, 0, 7, 0x80],
            src_response_channel: "aeron:udp?endpoint=localhost:40015|alias=src_response_channel",
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ReplicateRequest2::TEMPLATE_ID, 66);
        assert_eq!(ReplicateRequest2::BLOCK_LENGTH, 68);
        assert_header(&bytes, 66, 68);
        assert_i64_at(&bytes, 0, message.control_session_id);
        assert_i64_at(&bytes, 8, message.correlation_id);
        assert_i64_at(&bytes, 16, message.src_recording_id);
        assert_i64_at(&bytes, 24, message.dst_recording_id);
        assert_i64_at(&bytes, 32, message.stop_position);
        assert_i64_at(&bytes, 40, message.channel_tag_id);
        assert_i64_at(&bytes, 48, message.subscription_tag_id);
        assert_i32_at(&bytes, 56, message.src_control_stream_id);
        assert_i32_at(&bytes, 60, message.file_io_max_length);
        assert_i32_at(&bytes, 64, message.replication_session_id);
        let at = 8 + 68;
        let at = assert_var_at(&bytes, at, message.src_control_channel.as_bytes());
        let at = assert_var_at(&bytes, at, message.live_destination.as_bytes());
        let at = assert_var_at(&bytes, at, message.replication_channel.as_bytes());
        let at = assert_var_at(&bytes, at, message.encoded_credentials);
        let at = assert_var_at(&bytes, at, message.src_response_channel.as_bytes());
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ReplicateRequest2::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(ReplicateRequest2::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            ReplicateRequest2::decode(&with_schema_id(&bytes, 100)),
            Err(SbeError::WrongSchemaId { expected: 101, actual: 100 })
        );
        assert_eq!(
            ReplicateRequest2::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 66, actual: 999 })
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
        let mut newer = extend_block(&bytes, 68, 12, 15);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(ReplicateRequest2::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 67, 14);
        assert!(ReplicateRequest2::decode(&truncated_block).is_err());
    }

    #[test]
    fn version_6_sender_leaves_newer_fields_null() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        let mut old = with_header(&bytes[..8 + 60], 60, 6);
        push_var(&mut old, message.src_control_channel.as_bytes());
        push_var(&mut old, message.live_destination.as_bytes());
        push_var(&mut old, message.replication_channel.as_bytes());
        let expected = ReplicateRequest2 {
            file_io_max_length: i32::MIN,
            replication_session_id: i32::MIN,
            encoded_credentials: &[],
            src_response_channel: "",
            ..message
        };
        assert_eq!(ReplicateRequest2::decode(&old), Ok(expected));
        assert!(ReplicateRequest2::decode(&with_header(&old, 60, 14)).is_err());
    }

    #[test]
    fn version_7_sender_leaves_newer_fields_null() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        let mut old = with_header(&bytes[..8 + 64], 64, 7);
        push_var(&mut old, message.src_control_channel.as_bytes());
        push_var(&mut old, message.live_destination.as_bytes());
        push_var(&mut old, message.replication_channel.as_bytes());
        let expected = ReplicateRequest2 {
            replication_session_id: i32::MIN,
            encoded_credentials: &[],
            src_response_channel: "",
            ..message
        };
        assert_eq!(ReplicateRequest2::decode(&old), Ok(expected));
        assert!(ReplicateRequest2::decode(&with_header(&old, 64, 14)).is_err());
    }

    #[test]
    fn version_9_sender_leaves_newer_fields_null() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        let mut old = with_header(&bytes[..8 + 68], 68, 9);
        push_var(&mut old, message.src_control_channel.as_bytes());
        push_var(&mut old, message.live_destination.as_bytes());
        push_var(&mut old, message.replication_channel.as_bytes());
        push_var(&mut old, message.encoded_credentials);
        let expected = ReplicateRequest2 { src_response_channel: "", ..message };
        assert_eq!(ReplicateRequest2::decode(&old), Ok(expected));
        assert!(ReplicateRequest2::decode(&with_header(&old, 68, 14)).is_err());
    }
}
