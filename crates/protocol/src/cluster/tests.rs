//! Cross-message tests: `decode_any` dispatch for every template, hand-assembled byte images, and
//! property tests over random, structured and mutated bytes (every decoder never panics; whatever
//! decodes re-encodes and decodes to itself).

use super::*;
use proptest::prelude::*;

/// Random input that often looks like a cluster message: a plausible header, a random block and a
/// few var-data fields (or group headers) with small, honest length prefixes.
fn message_like_bytes() -> impl Strategy<Value = Vec<u8>> {
    let header = (
        prop_oneof![
            8 => proptest::sample::select(TEMPLATE_IDS),
            1 => any::<u16>(),
        ],
        prop_oneof![8 => Just(SCHEMA_ID), 1 => any::<u16>()],
        0u16..110,
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
        proptest::collection::vec(any::<u8>(), 0..110),
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

/// A valid encoding of a random template (see [`sample_bytes`]) with a few bytes overwritten and
/// possibly truncated: exercises groups and var-data deep inside otherwise valid messages.
fn mutated_sample_bytes() -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::sample::select(TEMPLATE_IDS),
        proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
        prop_oneof![3 => Just(None), 1 => any::<prop::sample::Index>().prop_map(Some)],
    )
        .prop_map(|(template_id, edits, truncate)| {
            let mut bytes = sample_bytes(template_id);
            for (index, value) in edits {
                let at = index.index(bytes.len());
                bytes[at] = value;
            }
            if let Some(index) = truncate {
                bytes.truncate(index.index(bytes.len() + 1));
            }
            bytes
        })
}

/// Any bytes: random, message-like or a mutated valid message.
fn any_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => proptest::collection::vec(any::<u8>(), 0..200),
        3 => message_like_bytes(),
        3 => mutated_sample_bytes(),
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
                        prop_assert_eq!(decode_any(bytes), Ok(ClusterMessage::$ty(message)));
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
        fn samples() -> Vec<ClusterMessage<'static>> {
            let mut samples = Vec::new();
            $(
                let bytes: &'static [u8] = Box::leak(sample_bytes($ty::TEMPLATE_ID).into_boxed_slice());
                samples.push(ClusterMessage::$ty($ty::decode(bytes).expect(stringify!($test))));
            )*
            samples
        }
    };
}

fuzz_decoders! {
    session_message: SessionMessage,
    session_event: SessionEvent,
    session_connect_request: SessionConnectRequest,
    session_close_request: SessionCloseRequest,
    session_keep_alive: SessionKeepAlive,
    new_leader_event: NewLeaderEvent,
    challenge: Challenge,
    challenge_response: ChallengeResponse,
    timer_event: TimerEvent,
    session_open_event: SessionOpenEvent,
    session_close_event: SessionCloseEvent,
    cluster_action_request: ClusterActionRequest,
    new_leadership_term_event: NewLeadershipTermEvent,
    membership_change_event: MembershipChangeEvent,
    admin_request: AdminRequest,
    admin_response: AdminResponse,
    close_session: CloseSession,
    schedule_timer: ScheduleTimer,
    cancel_timer: CancelTimer,
    service_ack: ServiceAck,
    cluster_members_query: ClusterMembersQuery,
    remove_member: RemoveMember,
    join_log: JoinLog,
    cluster_members_response: ClusterMembersResponse,
    service_termination_position: ServiceTerminationPosition,
    cluster_members_extended_response: ClusterMembersExtendedResponse,
    request_service_ack: RequestServiceAck,
    canvass_position: CanvassPosition,
    request_vote: RequestVote,
    vote: Vote,
    new_leadership_term: NewLeadershipTerm,
    append_position: AppendPosition,
    commit_position: CommitPosition,
    catchup_position: CatchupPosition,
    stop_catchup: StopCatchup,
    add_passive_member: AddPassiveMember,
    cluster_members_change: ClusterMembersChange,
    snapshot_recording_query: SnapshotRecordingQuery,
    snapshot_recordings: SnapshotRecordings,
    join_cluster: JoinCluster,
    termination_position: TerminationPosition,
    termination_ack: TerminationAck,
    backup_query: BackupQuery,
    backup_response: BackupResponse,
    heartbeat_request: HeartbeatRequest,
    heartbeat_response: HeartbeatResponse,
    standby_snapshot: StandbySnapshot,
    snapshot_marker: SnapshotMarker,
    client_session: ClientSession,
    cluster_session: ClusterSession,
    timer: Timer,
    consensus_module: ConsensusModule,
    cluster_members: ClusterMembers,
    pending_message_tracker: PendingMessageTracker,
}

/// Repeating groups (entry var-data field count) of the templates that have them, in order.
fn groups_of(template_id: u16) -> &'static [usize] {
    match template_id {
        ClusterMembersExtendedResponse::TEMPLATE_ID => &[5, 5],
        SnapshotRecordings::TEMPLATE_ID | BackupResponse::TEMPLATE_ID => &[0],
        StandbySnapshot::TEMPLATE_ID => &[1],
        _ => &[],
    }
}

/// Appends `count` small ASCII var-data fields.
fn push_ascii_fields(bytes: &mut Vec<u8>, count: usize, seed: u8) {
    for index in 0..count {
        bytes.extend_from_slice(&3u32.to_le_bytes());
        bytes.extend_from_slice(&[b'a' + seed.wrapping_add(index as u8) % 26, b':', b'x']);
    }
}

/// A well-formed message of `template_id` as a newer sender might write it: a patterned 100-byte block
/// (longer than any in this schema), its groups with two entries of patterned 50-byte entry blocks
/// (longer than any entry) and their var-data, then five small ASCII var-data fields (more than any
/// message has).
fn sample_bytes(template_id: u16) -> Vec<u8> {
    let block_length = 100u16;
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&block_length.to_le_bytes());
    bytes.extend_from_slice(&template_id.to_le_bytes());
    bytes.extend_from_slice(&SCHEMA_ID.to_le_bytes());
    bytes.extend_from_slice(&SCHEMA_VERSION.to_le_bytes());
    bytes.extend((0..block_length).map(|index| (index as u8).wrapping_mul(37)));
    for (group, &entry_vars) in groups_of(template_id).iter().enumerate() {
        let entry_block_length = 50u16;
        bytes.extend_from_slice(&entry_block_length.to_le_bytes());
        bytes.extend_from_slice(&2u16.to_le_bytes());
        for entry in 0..2u8 {
            bytes.extend(
                (0..entry_block_length).map(|index| (index as u8).wrapping_mul(11).wrapping_add(entry)),
            );
            push_ascii_fields(&mut bytes, entry_vars, 10 * group as u8 + entry);
        }
    }
    push_ascii_fields(&mut bytes, 5, 0);
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
    assert_eq!(ids.len(), 54, "every message of the schema");
}

#[test]
fn decoded_groups_hold_every_entry() {
    let bytes = sample_bytes(ClusterMembersExtendedResponse::TEMPLATE_ID);
    let response = ClusterMembersExtendedResponse::decode(&bytes).expect("decodes");
    assert_eq!(response.active_members.len(), 2);
    assert_eq!(response.passive_members.len(), 2);
    let members: Vec<_> = response.passive_members.iter().collect();
    assert_eq!(members[1].ingress_endpoint, "l:x");
    assert_eq!(members[1].archive_endpoint, "p:x");
    assert_eq!(members[0].member_id, i32::from_le_bytes([8, 19, 30, 41]));
}

#[test]
fn decode_any_rejects_foreign_and_unknown_messages() {
    let keep_alive = SessionKeepAlive { leadership_term_id: 5, cluster_session_id: 6 };
    let mut bytes = vec![0u8; keep_alive.encoded_length()];
    keep_alive.encode(&mut bytes).unwrap();
    assert_eq!(decode_any(&bytes), Ok(ClusterMessage::SessionKeepAlive(keep_alive)));

    let mut foreign = bytes.clone();
    foreign[4..6].copy_from_slice(&101u16.to_le_bytes());
    assert_eq!(decode_any(&foreign), Err(SbeError::WrongSchemaId { expected: 111, actual: 101 }));

    for unknown in [0u16, 9, 19, 28, 36, 44, 58, 69, 82, 101, 109, u16::MAX] {
        let mut other = bytes.clone();
        other[2..4].copy_from_slice(&unknown.to_le_bytes());
        assert_eq!(decode_any(&other), Err(SbeError::UnknownTemplateId(unknown)));
    }
    assert_eq!(decode_any(&bytes[..7]), Err(SbeError::TooShort { needed: 8, actual: 7 }));
}

/// A SessionEvent spelled out byte by byte as Aeron's `SessionEventEncoder` writes it (a REDIRECT
/// carrying the ingress endpoints).
#[test]
fn session_event_matches_hand_assembled_bytes() {
    let mut expected = vec![44, 0, 2, 0, 111, 0, 17, 0];
    expected.extend_from_slice(&0x1122_3344_5566_7788i64.to_le_bytes());
    expected.extend_from_slice(&42i64.to_le_bytes());
    expected.extend_from_slice(&7i64.to_le_bytes());
    expected.extend_from_slice(&2i32.to_le_bytes());
    expected.extend_from_slice(&2i32.to_le_bytes());
    expected.extend_from_slice(&semantic_version(0, 3, 0).to_le_bytes());
    expected.extend_from_slice(&10_000_000_000i64.to_le_bytes());
    expected.extend_from_slice(&[16, 0, 0, 0]);
    expected.extend_from_slice(b"2=node2:9010,0=x");
    let event = SessionEvent {
        cluster_session_id: 0x1122_3344_5566_7788,
        correlation_id: 42,
        leadership_term_id: 7,
        leader_member_id: 2,
        code: EventCode::Redirect,
        version: CLIENT_PROTOCOL_SEMANTIC_VERSION,
        leader_heartbeat_timeout_ns: 10_000_000_000,
        detail: "2=node2:9010,0=x",
    };
    let mut dst = vec![0u8; event.encoded_length()];
    assert_eq!(event.encode(&mut dst), Ok(expected.len()));
    assert_eq!(dst, expected);
    assert_eq!(decode_any(&expected), Ok(ClusterMessage::SessionEvent(event)));
    assert_eq!(CLIENT_PROTOCOL_SEMANTIC_VERSION, 0x0000_0300);
    assert_eq!(CONSENSUS_PROTOCOL_SEMANTIC_VERSION, 0x0001_0000);
}

/// An AppendPosition is 8 + 21 = 29 bytes, so with a 32-byte data frame header it needs one 64-byte
/// frame slot; its block ends with the `uint8` flags.
#[test]
fn append_position_is_29_bytes() {
    let append = AppendPosition {
        leadership_term_id: 3,
        log_position: 4096,
        follower_member_id: 1,
        flags: APPEND_POSITION_FLAG_CATCHUP,
    };
    let mut dst = [0u8; 29];
    assert_eq!(append.encode(&mut dst), Ok(29));
    assert_eq!(&dst[..8], &[21, 0, 54, 0, 111, 0, 17, 0]);
    assert_eq!(dst[28], 1);
    assert_eq!(decode_any(&dst), Ok(ClusterMessage::AppendPosition(append)));
}

/// A BackupResponse with one snapshot, byte by byte: block, group header + entry, then var-data.
#[test]
fn backup_response_matches_hand_assembled_bytes() {
    let snapshots = [SnapshotEntry {
        recording_id: 11,
        leadership_term_id: 2,
        term_base_log_position: 0,
        log_position: 1024,
        timestamp: 99,
        service_id: -1,
    }];
    let response = BackupResponse {
        correlation_id: 1,
        log_recording_id: 2,
        log_leadership_term_id: 3,
        log_term_base_log_position: 4,
        last_leadership_term_id: 5,
        last_term_base_log_position: 6,
        commit_position_counter_id: 7,
        leader_member_id: 8,
        member_id: 9,
        snapshots: Group::new(&snapshots),
        cluster_members: "0,a,b,c,d,e",
    };
    let mut expected = vec![60, 0, 78, 0, 111, 0, 17, 0];
    for value in 1..=6i64 {
        expected.extend_from_slice(&value.to_le_bytes());
    }
    for value in 7..=9i32 {
        expected.extend_from_slice(&value.to_le_bytes());
    }
    expected.extend_from_slice(&[44, 0, 1, 0]);
    for value in [11i64, 2, 0, 1024, 99] {
        expected.extend_from_slice(&value.to_le_bytes());
    }
    expected.extend_from_slice(&(-1i32).to_le_bytes());
    expected.extend_from_slice(&[11, 0, 0, 0]);
    expected.extend_from_slice(b"0,a,b,c,d,e");
    let mut dst = vec![0u8; response.encoded_length()];
    assert_eq!(response.encode(&mut dst), Ok(expected.len()));
    assert_eq!(dst, expected);
    let decoded = BackupResponse::decode(&expected).expect("decodes");
    assert_eq!(decoded, response);
    assert_eq!(decoded.snapshots.iter().next(), Some(snapshots[0]));
    assert_eq!(format!("{:?}", decoded.snapshots), format!("{:?}", snapshots));
}

#[test]
fn var_data_errors_are_reported() {
    let mut bytes = vec![0u8; 8 + 16];
    message_header(ChallengeResponse::TEMPLATE_ID, 16).encode(&mut bytes).unwrap();
    bytes.extend_from_slice(&(VAR_DATA_MAX_LENGTH + 1).to_le_bytes());
    assert_eq!(
        ChallengeResponse::decode(&bytes),
        Err(SbeError::VarDataTooLong { field: "encoded_credentials", length: 1_073_741_825 })
    );

    let mut bytes = vec![0u8; 8 + 20];
    message_header(NewLeaderEvent::TEMPLATE_ID, 20).encode(&mut bytes).unwrap();
    bytes.extend_from_slice(&2u32.to_le_bytes());
    bytes.extend_from_slice(&[0xC3, 0x28]);
    assert_eq!(NewLeaderEvent::decode(&bytes), Err(SbeError::InvalidUtf8 { field: "ingress_endpoints" }));
    bytes.truncate(bytes.len() - 1);
    assert_eq!(NewLeaderEvent::decode(&bytes), Err(SbeError::TooShort { needed: 34, actual: 33 }));
}

#[test]
fn group_errors_are_reported() {
    // A BackupResponse whose group claims more entries than there are bytes.
    let mut bytes = vec![0u8; 8 + 60];
    message_header(BackupResponse::TEMPLATE_ID, 60).encode(&mut bytes).unwrap();
    bytes.extend_from_slice(&[44, 0, 3, 0]);
    bytes.extend_from_slice(&[0u8; 44]);
    assert_eq!(
        BackupResponse::decode(&bytes),
        Err(SbeError::TooShort { needed: 8 + 60 + 4 + 88, actual: 116 })
    );
    // A missing group header.
    bytes.truncate(8 + 60 + 2);
    assert_eq!(BackupResponse::decode(&bytes), Err(SbeError::TooShort { needed: 72, actual: 70 }));
    // An entry block too short for the entry's fields.
    let mut bytes = vec![0u8; 8 + 60];
    message_header(BackupResponse::TEMPLATE_ID, 60).encode(&mut bytes).unwrap();
    bytes.extend_from_slice(&[40, 0, 1, 0]);
    bytes.extend_from_slice(&[0u8; 40]);
    bytes.extend_from_slice(&[0u8; 4]);
    assert_eq!(
        BackupResponse::decode(&bytes),
        Err(SbeError::BlockTooShort { template_id: 78, block_length: 40, needed: 44 })
    );
}

#[test]
#[should_panic(expected = "at most 65535")]
fn groups_longer_than_u16_are_api_misuse() {
    let entry = SnapshotEntry {
        recording_id: 0,
        leadership_term_id: 0,
        term_base_log_position: 0,
        log_position: 0,
        timestamp: 0,
        service_id: 0,
    };
    let entries = vec![entry; 65_536];
    let response =
        SnapshotRecordings { correlation_id: 1, snapshots: Group::new(&entries), member_endpoints: "" };
    let mut dst = vec![0u8; response.encoded_length()];
    let _ = response.encode(&mut dst);
}

#[test]
fn message_header_helper_stamps_the_cluster_schema() {
    let header = message_header(53, 96);
    assert_eq!(header.schema_id, 111);
    assert_eq!(header.version, 17);
    assert_eq!(SESSION_HEADER_LENGTH, 32);
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
    fn standby_snapshot_round_trips(
        ids in any::<[i64; 6]>(), ints in any::<[i32; 3]>(),
        endpoints in proptest::collection::vec("[ -~]{0,30}", 0..4),
        channel in "[ -~]{0,40}",
        credentials in proptest::collection::vec(any::<u8>(), 0..32),
    ) {
        let entries: Vec<StandbySnapshotEntry<'_>> = endpoints
            .iter()
            .map(|endpoint| StandbySnapshotEntry {
                recording_id: ids[1], leadership_term_id: ids[2], term_base_log_position: ids[3],
                log_position: ids[4], timestamp: ids[5], service_id: ints[2], archive_endpoint: endpoint,
            })
            .collect();
        let message = StandbySnapshot {
            correlation_id: ids[0], version: ints[0], response_stream_id: ints[1],
            snapshots: Group::new(&entries), response_channel: &channel, encoded_credentials: &credentials,
        };
        let mut dst = vec![0u8; message.encoded_length()];
        prop_assert_eq!(message.encode(&mut dst), Ok(dst.len()));
        prop_assert_eq!(StandbySnapshot::decode(&dst), Ok(message));
        prop_assert_eq!(decode_any(&dst), Ok(ClusterMessage::StandbySnapshot(message)));
        let decoded = StandbySnapshot::decode(&dst).expect("decodes");
        prop_assert_eq!(decoded.snapshots.iter().collect::<Vec<_>>(), entries);
    }
}
