//! [`BackupQuery`] (template id 77, block length 24): query a member for the latest backup information.
//!
//! Block layout (offsets from the end of the message header):
//! `correlationId:i64 @0`;
//! `responseStreamId:i32 @8`;
//! `version:version_t (i32, null 0) @12`, since version 2;
//! `logPosition:i64 @16`, since version 16;
//! then var-data `responseChannel`, `encodedCredentials`, each `length:u32` + bytes.

use super::codec::sbe_message;

sbe_message! {
    /// Query a member for the latest backup information.
    ///
    /// Sent by a cluster backup (or standby) to a member on the consensus stream; answered with a
    /// [`BackupResponse`](super::BackupResponse) on `response_channel`.
    /// The var-data fields borrow from the decoded input.
    pub struct BackupQuery<'a> {
        template_id: 77,
        block_length: 24,
        fixed: {
            /// Correlation id chosen by the requester; the response carries the same id.
            correlation_id: i64 = 0;
            /// Stream id of the channel responses are sent on.
            response_stream_id: i32 = 8;
            /// Protocol semantic version (`major << 16 | minor << 8 | patch`, see
            /// [`semantic_version`](super::semantic_version)); 0 is the SBE null of `version_t` (since
            /// version 2).
            version: i32 = 12, since 2, null 0;
            /// Log position the backup wants (since version 16; `i64::MIN`, meaning latest, if absent).
            log_position: i64 = 16, since 16;
        }
        groups: {
        }
        var_data: {
            /// Channel URI responses are sent on.
            response_channel: &'a str;
            /// Opaque credentials for the authenticator.
            encoded_credentials: &'a [u8];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::SbeError;
    use crate::cluster::codec::test_support::*;

    fn sample() -> BackupQuery<'static> {
        BackupQuery {
            correlation_id: 72340172854985733i64,
            response_stream_id: -33818122i32,
            version: 0x0001_0203,
            log_position: -289360691369215752i64,
            response_channel: "aeron:udp?endpoint=localhost:20121|term-length=64k#response_channel",
            encoded_credentials: &[0xCA, 0xFE],
        }
    }

    #[test]
    fn layout_matches_the_schema() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(BackupQuery::TEMPLATE_ID, 77);
        assert_eq!(BackupQuery::BLOCK_LENGTH, 24);
        assert_header(&bytes, 77, 24);
        assert_i64_at(&bytes, 0, message.correlation_id);
        assert_i32_at(&bytes, 8, message.response_stream_id);
        assert_i32_at(&bytes, 12, message.version);
        assert_i64_at(&bytes, 16, message.log_position);
        let at = 8 + 24;
        let at = assert_var_at(&bytes, at, message.response_channel.as_bytes());
        let at = assert_var_at(&bytes, at, message.encoded_credentials);
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn round_trips_and_rejects_bad_input() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        assert_eq!(BackupQuery::decode(&bytes), Ok(message));
        for length in 0..bytes.len() {
            assert!(BackupQuery::decode(&bytes[..length]).is_err(), "decoded from {length} bytes");
        }
        assert_eq!(
            BackupQuery::decode(&with_schema_id(&bytes, 101)),
            Err(SbeError::WrongSchemaId { expected: 111, actual: 101 })
        );
        assert_eq!(
            BackupQuery::decode(&with_template_id(&bytes, 999)),
            Err(SbeError::UnexpectedTemplateId { expected: 77, actual: 999 })
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
        let mut newer = extend_block(&bytes, 24, 12, 18);
        newer.extend_from_slice(&[0xAB; 9]);
        assert_eq!(BackupQuery::decode(&newer), Ok(message));
        let truncated_block = with_header(&bytes, 23, 17);
        assert!(BackupQuery::decode(&truncated_block).is_err());
    }

    #[test]
    fn version_1_sender_leaves_newer_fields_null() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        let mut old = with_header(&bytes[..8 + 12], 12, 1);
        old.extend_from_slice(&bytes[8 + 24..]);
        let expected = BackupQuery { version: 0, log_position: i64::MIN, ..message };
        assert_eq!(BackupQuery::decode(&old), Ok(expected));
        assert!(BackupQuery::decode(&with_header(&old, 12, 17)).is_err());
    }

    #[test]
    fn version_15_sender_leaves_newer_fields_null() {
        let message = sample();
        let bytes = encode_with(message.encoded_length(), |dst| message.encode(dst));
        let mut old = with_header(&bytes[..8 + 16], 16, 15);
        old.extend_from_slice(&bytes[8 + 24..]);
        let expected = BackupQuery { log_position: i64::MIN, ..message };
        assert_eq!(BackupQuery::decode(&old), Ok(expected));
        assert!(BackupQuery::decode(&with_header(&old, 16, 17)).is_err());
    }
}
