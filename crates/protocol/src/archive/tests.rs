//! Cross-message tests: `decode_any` dispatch for every template, and property tests over random and
//! structured bytes (every decoder never panics; whatever decodes re-encodes and decodes to itself).

use super::*;
use proptest::prelude::*;

/// Random input that often looks like an archive message: a plausible header, a random block and a
/// few var-data fields with small, honest length prefixes.
fn message_like_bytes() -> impl Strategy<Value = Vec<u8>> {
    let header = (
        prop_oneof![
            8 => proptest::sample::select(TEMPLATE_IDS),
            1 => any::<u16>(),
        ],
        prop_oneof![8 => Just(SCHEMA_ID), 1 => any::<u16>()],
        0u16..100,
        prop_oneof![4 => Just(SCHEMA_VERSION), 4 => 0u16..20, 1 => any::<u16>()],
    );
    let var_data = proptest::collection::vec(
        prop_oneof![
            4 => proptest::collection::vec(0x20u8..0x7F, 0..24),
            1 => proptest::collection::vec(any::<u8>(), 0..24),
        ],
        0..6,
    );
    (
        header,
        proptest::collection::vec(any::<u8>(), 0..100),
        var_data,
        proptest::collection::vec(any::<u8>(), 0..8),
    )
        .prop_map(|((template_id, schema_id, block_length, version), block, fields, tail)| {
            let mut bytes = Vec::new();
            bytes.extend_from_slice(&block_length.to_le_bytes());
            bytes.extend_from_slice(&template_id.to_le_bytes());
            bytes.extend_from_slice(&schema_id.to_le_bytes());
            bytes.extend_from_slice(&version.to_le_bytes());
            bytes.extend(block.iter().copied().cycle().take(usize::from(block_length)));
            if block.is_empty() {
                bytes.resize(8 + usize::from(block_length), 0);
            }
            for field in fields {
                bytes.extend_from_slice(&(field.len() as u32).to_le_bytes());
                bytes.extend_from_slice(&field);
            }
            bytes.extend_from_slice(&tail);
            bytes
        })
}

/// Any bytes: random, or message-like.
fn any_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => proptest::collection::vec(any::<u8>(), 0..200),
        3 => message_like_bytes(),
    ]
}

/// `decode_any` must never panic, and whatever it decodes must re-encode to a message that decodes to
/// the same value, with the same template id.
fn check_decode_any(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(message) = decode_any(bytes) {
        let header = MessageHeader::decode(bytes).expect("decoded messages have headers");
        prop_assert_eq!(message.template_id(), header.template_id);
        let mut dst = vec![0u8; message.encoded_length()];
        prop_assert_eq!(message.encode(&mut dst), Ok(dst.len()));
        prop_assert_eq!(decode_any(&dst), Ok(message));
    }
    Ok(())
}

macro_rules! fuzz_decoders {
    ($($test:ident: $ty:ident,)*) => {
        /// Runs one message's decoder: never panics, agrees with `decode_any`, and round-trips.
        fn check_each_decoder(bytes: &[u8]) -> Result<(), TestCaseError> {
            $(
                match $ty::decode(bytes) {
                    Ok(message) => {
                        prop_assert_eq!(decode_any(bytes), Ok(ArchiveMessage::$ty(message)));
                        let mut dst = vec![0u8; message.encoded_length()];
                        prop_assert_eq!(message.encode(&mut dst), Ok(dst.len()));
                        prop_assert_eq!($ty::decode(&dst), Ok(message));
                    }
                    Err(SbeError::UnexpectedTemplateId { expected, .. }) => {
                        prop_assert_eq!(expected, $ty::TEMPLATE_ID);
                    }
                    Err(_) => {}
                }
            )*
            Ok(())
        }

        /// Every decodable template id, with a sample of each message.
        fn samples() -> Vec<ArchiveMessage<'static>> {
            let mut samples = Vec::new();
            $(
                let bytes: &'static [u8] = Box::leak(sample_bytes($ty::TEMPLATE_ID).into_boxed_slice());
                samples.push(ArchiveMessage::$ty($ty::decode(bytes).expect(stringify!($test))));
            )*
            samples
        }
    };
}

fuzz_decoders! {
        control_response: ControlResponse,
        close_session_request: CloseSessionRequest,
        start_recording_request: StartRecordingRequest,
        stop_recording_request: StopRecordingRequest,
        replay_request: ReplayRequest,
        stop_replay_request: StopReplayRequest,
        list_recordings_request: ListRecordingsRequest,
        list_recordings_for_uri_request: ListRecordingsForUriRequest,
        list_recording_request: ListRecordingRequest,
        extend_recording_request: ExtendRecordingRequest,
        recording_position_request: RecordingPositionRequest,
        truncate_recording_request: TruncateRecordingRequest,
        stop_recording_subscription_request: StopRecordingSubscriptionRequest,
        stop_position_request: StopPositionRequest,
        find_last_matching_recording_request: FindLastMatchingRecordingRequest,
        list_recording_subscriptions_request: ListRecordingSubscriptionsRequest,
        bounded_replay_request: BoundedReplayRequest,
        stop_all_replays_request: StopAllReplaysRequest,
        recording_descriptor: RecordingDescriptor,
        recording_subscription_descriptor: RecordingSubscriptionDescriptor,
        recording_signal_event: RecordingSignalEvent,
        replicate_request: ReplicateRequest,
        stop_replication_request: StopReplicationRequest,
        start_position_request: StartPositionRequest,
        detach_segments_request: DetachSegmentsRequest,
        delete_detached_segments_request: DeleteDetachedSegmentsRequest,
        purge_segments_request: PurgeSegmentsRequest,
        attach_segments_request: AttachSegmentsRequest,
        migrate_segments_request: MigrateSegmentsRequest,
        auth_connect_request: AuthConnectRequest,
        challenge: Challenge,
        challenge_response: ChallengeResponse,
        keep_alive_request: KeepAliveRequest,
        tagged_replicate_request: TaggedReplicateRequest,
        start_recording_request2: StartRecordingRequest2,
        extend_recording_request2: ExtendRecordingRequest2,
        stop_recording_by_identity_request: StopRecordingByIdentityRequest,
        replicate_request2: ReplicateRequest2,
        max_recorded_position_request: MaxRecordedPositionRequest,
        archive_id_request: ArchiveIdRequest,
        recording_started: RecordingStarted,
        recording_progress: RecordingProgress,
        recording_stopped: RecordingStopped,
        purge_recording_request: PurgeRecordingRequest,
        replay_token_request: ReplayTokenRequest,
        ping: Ping,
        update_channel_request: UpdateChannelRequest,
}

/// A well-formed message of `template_id` as a newer sender might write it: a patterned 100-byte block
/// (longer than any in this schema) and five small ASCII var-data fields (more than any message has).
fn sample_bytes(template_id: u16) -> Vec<u8> {
    let block_length = 100u16;
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&block_length.to_le_bytes());
    bytes.extend_from_slice(&template_id.to_le_bytes());
    bytes.extend_from_slice(&SCHEMA_ID.to_le_bytes());
    bytes.extend_from_slice(&SCHEMA_VERSION.to_le_bytes());
    bytes.extend((0..block_length).map(|index| (index as u8).wrapping_mul(37)));
    for index in 0..5u8 {
        bytes.extend_from_slice(&3u32.to_le_bytes());
        bytes.extend_from_slice(&[b'a' + index, b':', b'x']);
    }
    bytes
}

#[test]
fn decode_any_dispatches_every_template_and_round_trips() {
    let samples = samples();
    assert_eq!(samples.len(), TEMPLATE_IDS.len());
    for (sample, &template_id) in samples.iter().zip(TEMPLATE_IDS) {
        assert_eq!(sample.template_id(), template_id);
        let mut dst = vec![0u8; sample.encoded_length()];
        assert_eq!(sample.encode(&mut dst), Ok(dst.len()));
        assert_eq!(decode_any(&dst), Ok(*sample));
        assert_eq!(
            sample.encode(&mut vec![0u8; dst.len() - 1]),
            Err(SbeError::BufferTooSmall { needed: dst.len(), capacity: dst.len() - 1 })
        );
    }
    let mut ids = TEMPLATE_IDS.to_vec();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), TEMPLATE_IDS.len(), "template ids are unique");
}

#[test]
fn decode_any_rejects_foreign_and_unknown_messages() {
    let keep_alive = KeepAliveRequest { control_session_id: 5, correlation_id: 6 };
    let mut bytes = vec![0u8; keep_alive.encoded_length()];
    keep_alive.encode(&mut bytes).unwrap();
    assert_eq!(decode_any(&bytes), Ok(ArchiveMessage::KeepAliveRequest(keep_alive)));

    let mut foreign = bytes.clone();
    foreign[4..6].copy_from_slice(&111u16.to_le_bytes());
    assert_eq!(decode_any(&foreign), Err(SbeError::WrongSchemaId { expected: 101, actual: 111 }));

    for unknown in [0u16, 2, 20, 21, 25, 69, 100, 108, u16::MAX] {
        let mut other = bytes.clone();
        other[2..4].copy_from_slice(&unknown.to_le_bytes());
        assert_eq!(decode_any(&other), Err(SbeError::UnknownTemplateId(unknown)));
    }
    assert_eq!(decode_any(&bytes[..7]), Err(SbeError::TooShort { needed: 8, actual: 7 }));
}

/// A ControlResponse spelled out byte by byte as Aeron's `ControlResponseEncoder` writes it.
#[test]
fn control_response_matches_hand_assembled_bytes() {
    let mut expected = vec![32, 0, 1, 0, 101, 0, 14, 0];
    expected.extend_from_slice(&0x1122_3344_5566_7788i64.to_le_bytes());
    expected.extend_from_slice(&42i64.to_le_bytes());
    expected.extend_from_slice(&(archive_error_code::UNKNOWN_RECORDING).to_le_bytes());
    expected.extend_from_slice(&1i32.to_le_bytes());
    expected.extend_from_slice(&semantic_version(1, 12, 0).to_le_bytes());
    expected.extend_from_slice(&[7, 0, 0, 0]);
    expected.extend_from_slice(b"no such");
    let response = ControlResponse {
        control_session_id: 0x1122_3344_5566_7788,
        correlation_id: 42,
        relevant_id: archive_error_code::UNKNOWN_RECORDING,
        code: ControlResponseCode::Error,
        version: CLIENT_PROTOCOL_SEMANTIC_VERSION,
        error_message: "no such",
    };
    let mut dst = vec![0u8; response.encoded_length()];
    assert_eq!(response.encode(&mut dst), Ok(expected.len()));
    assert_eq!(dst, expected);
    assert_eq!(decode_any(&expected), Ok(ArchiveMessage::ControlResponse(response)));
    assert_eq!(CLIENT_PROTOCOL_SEMANTIC_VERSION, 0x0001_0C00);
}

#[test]
fn var_data_errors_are_reported() {
    let mut bytes = vec![0u8; 8 + 16];
    MessageHeader::new(ChallengeResponse::TEMPLATE_ID, 16).encode(&mut bytes).unwrap();
    bytes.extend_from_slice(&(VAR_DATA_MAX_LENGTH + 1).to_le_bytes());
    assert_eq!(
        ChallengeResponse::decode(&bytes),
        Err(SbeError::VarDataTooLong { field: "encoded_credentials", length: 1_073_741_825 })
    );

    let mut bytes = vec![0u8; 8 + 16];
    MessageHeader::new(KeepAliveRequest::TEMPLATE_ID, 16).encode(&mut bytes).unwrap();
    bytes[2..4].copy_from_slice(&ArchiveIdRequest::TEMPLATE_ID.to_le_bytes());
    assert!(ArchiveIdRequest::decode(&bytes).is_ok());

    let mut bytes = vec![0u8; 8 + 28];
    MessageHeader::new(StartRecordingRequest2::TEMPLATE_ID, 28).encode(&mut bytes).unwrap();
    bytes.extend_from_slice(&2u32.to_le_bytes());
    bytes.extend_from_slice(&[0xC3, 0x28]);
    assert_eq!(StartRecordingRequest2::decode(&bytes), Err(SbeError::InvalidUtf8 { field: "channel" }));
    bytes.truncate(bytes.len() - 1);
    assert_eq!(StartRecordingRequest2::decode(&bytes), Err(SbeError::TooShort { needed: 42, actual: 41 }));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn decode_any_never_panics_and_round_trips(bytes in any_bytes()) {
        check_decode_any(&bytes)?;
    }

    #[test]
    fn every_decoder_never_panics_and_round_trips(bytes in any_bytes()) {
        check_each_decoder(&bytes)?;
    }

    #[test]
    fn block_decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..160)) {
        if let Ok(header) = CatalogHeader::decode(&bytes) {
            let mut dst = [0u8; 32];
            prop_assert_eq!(header.encode(&mut dst), Ok(32));
            prop_assert_eq!(CatalogHeader::decode(&dst), Ok(header));
        }
        if let Ok(header) = RecordingDescriptorHeader::decode(&bytes) {
            let mut dst = [0u8; 32];
            prop_assert_eq!(header.encode(&mut dst), Ok(32));
            prop_assert_eq!(RecordingDescriptorHeader::decode(&dst), Ok(header));
        }
        if let Ok(descriptor) = RecordingDescriptor::decode_block(&bytes) {
            let mut dst = vec![0u8; descriptor.block_encoded_length()];
            prop_assert_eq!(descriptor.encode_block(&mut dst), Ok(dst.len()));
            prop_assert_eq!(RecordingDescriptor::decode_block(&dst), Ok(descriptor));
        }
    }

    #[test]
    fn replicate_request2_round_trips(
        ids in any::<[i64; 7]>(), ints in any::<[i32; 3]>(),
        channels in proptest::collection::vec("[ -~]{0,40}", 4),
        credentials in proptest::collection::vec(any::<u8>(), 0..32),
    ) {
        let request = ReplicateRequest2 {
            control_session_id: ids[0], correlation_id: ids[1], src_recording_id: ids[2],
            dst_recording_id: ids[3], stop_position: ids[4], channel_tag_id: ids[5],
            subscription_tag_id: ids[6], src_control_stream_id: ints[0], file_io_max_length: ints[1],
            replication_session_id: ints[2], src_control_channel: &channels[0],
            live_destination: &channels[1], replication_channel: &channels[2],
            encoded_credentials: &credentials, src_response_channel: &channels[3],
        };
        let mut dst = vec![0u8; request.encoded_length()];
        prop_assert_eq!(request.encode(&mut dst), Ok(dst.len()));
        prop_assert_eq!(ReplicateRequest2::decode(&dst), Ok(request));
        prop_assert_eq!(decode_any(&dst), Ok(ArchiveMessage::ReplicateRequest2(request)));
    }
}
