//! [`ControlResponse`] (template id 1, block length 32): generic response to a control request. Error message
//! will be empty if code is OK.
//!
//! Block layout (offsets from the end of the message header):
//! `controlSessionId:i64 @0`;
//! `correlationId:i64 @8`;
//! `relevantId:i64 @16`;
//! `code:ControlResponseCode (i32) @24`;
//! `version:i32 @28`, since version 4;
//! then var-data `errorMessage`, `length:u32` + bytes.

use super::{ControlResponseCode, codec::sbe_message};

sbe_message! {
    /// Generic response to a control request. Error message will be empty if code is OK.
    ///
    /// Sent by the archive on the control response channel in answer to every request (and to a connect, with
    /// the control session id as `relevantId`).
    /// The var-data fields borrow from the decoded input.
    pub struct ControlResponse<'a> {
        template_id: 1,
        block_length: 32,
        fixed: {
            /// Control session the message belongs to (the `relevantId` of the connect response).
            control_session_id: i64 = 0;
            /// Correlation id of the request; a response or signal carries the id of the request that caused
            /// it.
            correlation_id: i64 = 8;
            /// On OK, the operation's result (e.g. the control session id for a connect, a subscription id, a
            /// replay session id, a position); on RECORDING_UNKNOWN the recording id; on ERROR an
            /// [`archive_error_code`](super::archive_error_code) value.
            relevant_id: i64 = 16;
            /// Outcome of the request.
            code: ControlResponseCode = 24;
            /// Archive protocol semantic version (`major << 16 | minor << 8 | patch`); 0 (the SBE null of
            /// `version_t`) if absent, as before schema version 4.
            version: i32 = 28, since 4, null 0;
        }
        var_data: {
            /// Error detail; empty unless the code is ERROR.
            error_message: &'a str;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::SbeError;
    use crate::archive::codec::test_support::*;

    fn sample() -> ControlResponse<'static> {
        ControlResponse {
            control_session_id: 0x0101_0101_0101_0101,
            correlation_id: -0x0202_0202_0202_0202,
            relevant_id: 0x0303_0303_0303_0303,
            code: ControlResponseCode::RecordingUnknown,
            version: 0x0001_0C00,
            error_message: "aeron:udp?endpoint=localhost:40006|alias=error_message",
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ControlResponse::TEMPLATE_ID, 1);
        assert_eq!(ControlResponse::BLOCK_LENGTH, 32);
        assert_header(&bytes, 1, 32);
        assert_i64_at(&bytes, 0, message.control_session_id);
        assert_i64_at(&bytes, 8, message.correlation_id);
        assert_i64_at(&bytes, 16, message.relevant_id);
        assert_i32_at(&bytes, 24, message.code.as_i32());
        assert_i32_at(&bytes, 28, message.version);
        let at = 8 + 32;
        let at = assert_var_at(&bytes, at, message.error_message.as_bytes());
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(ControlResponse::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(ControlResponse::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            ControlResponse::decode(&with_schema_id(&bytes, 100)),
            Err(SbeError::WrongSchemaId { expected: 101, actual: 100 })
        );
        assert_eq!(
            ControlResponse::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 1, actual: 999 })
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
        let mut newer = extend_block(&bytes, 32, 12, 15);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(ControlResponse::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 31, 14);
        assert!(ControlResponse::decode(&truncated_block).is_err());
    }

    #[test]
    fn version_3_sender_leaves_newer_fields_null() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        let mut old = with_header(&bytes[..8 + 28], 28, 3);
        push_var(&mut old, message.error_message.as_bytes());
        let expected = ControlResponse { version: 0, ..message };
        assert_eq!(ControlResponse::decode(&old), Ok(expected));
        assert!(ControlResponse::decode(&with_header(&old, 28, 14)).is_err());
    }
}
