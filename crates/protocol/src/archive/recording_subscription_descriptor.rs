//! [`RecordingSubscriptionDescriptor`] (template id 23, block length 28): describes a recording subscription
//! that has been started and not yet stopped.
//!
//! Block layout (offsets from the end of the message header):
//! `controlSessionId:i64 @0`;
//! `correlationId:i64 @8`;
//! `subscriptionId:i64 @16`;
//! `streamId:i32 @24`;
//! then var-data `strippedChannel`, `length:u32` + bytes.

use super::codec::sbe_message;

sbe_message! {
    /// Describes a recording subscription that has been started and not yet stopped.
    ///
    /// Sent on the control response channel for each listed recording subscription.
    /// The var-data fields borrow from the decoded input.
    pub struct RecordingSubscriptionDescriptor<'a> {
        template_id: 23,
        block_length: 28,
        fixed: {
            /// Control session the message belongs to (the `relevantId` of the connect response).
            control_session_id: i64 = 0;
            /// Correlation id of the request; a response or signal carries the id of the request that caused
            /// it.
            correlation_id: i64 = 8;
            /// Registration id of the recording subscription.
            subscription_id: i64 = 16;
            /// Stream id.
            stream_id: i32 = 24;
        }
        var_data: {
            /// Channel URI of the recording, reduced to the parameters that identify the stream.
            stripped_channel: &'a str;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::SbeError;
    use crate::archive::codec::test_support::*;

    fn sample() -> RecordingSubscriptionDescriptor<'static> {
        RecordingSubscriptionDescriptor {
            control_session_id: 0x0101_0101_0101_0101,
            correlation_id: -0x0202_0202_0202_0202,
            subscription_id: 0x0303_0303_0303_0303,
            stream_id: -0x0404_0404,
            stripped_channel: "aeron:udp?endpoint=localhost:40005|alias=stripped_channel",
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(RecordingSubscriptionDescriptor::TEMPLATE_ID, 23);
        assert_eq!(RecordingSubscriptionDescriptor::BLOCK_LENGTH, 28);
        assert_header(&bytes, 23, 28);
        assert_i64_at(&bytes, 0, message.control_session_id);
        assert_i64_at(&bytes, 8, message.correlation_id);
        assert_i64_at(&bytes, 16, message.subscription_id);
        assert_i32_at(&bytes, 24, message.stream_id);
        let at = 8 + 28;
        let at = assert_var_at(&bytes, at, message.stripped_channel.as_bytes());
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(RecordingSubscriptionDescriptor::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(
                RecordingSubscriptionDescriptor::decode(&bytes[..length]).is_err(),
                "decoded from {length} bytes"
            );
        }
        assert_eq!(
            RecordingSubscriptionDescriptor::decode(&with_schema_id(&bytes, 100)),
            Err(SbeError::WrongSchemaId { expected: 101, actual: 100 })
        );
        assert_eq!(
            RecordingSubscriptionDescriptor::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 23, actual: 999 })
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
        let mut newer = extend_block(&bytes, 28, 12, 15);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(RecordingSubscriptionDescriptor::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 27, 14);
        assert!(RecordingSubscriptionDescriptor::decode(&truncated_block).is_err());
    }
}
