//! Garbage on the control response stream never panics the client and never hides the real answer.

mod common;

use common::{CONTROL_SESSION_ID, Harness, ok};
use fulmar_archive_client::AeronArchive;
use proptest::prelude::*;
use protocol::archive::ArchiveMessage;

/// A garbage message: random bytes, optionally behind a plausible archive header.
fn garbage() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<bool>(),
        prop_oneof![Just(1u16), Just(22u16), Just(24u16), Just(59u16), any::<u16>()],
        any::<u16>(),
        proptest::collection::vec(any::<u8>(), 1..200),
    )
        .prop_map(|(with_header, template_id, block_length, body)| {
            if !with_header {
                return body;
            }
            let mut bytes = Vec::new();
            bytes.extend_from_slice(&block_length.min(128).to_le_bytes());
            bytes.extend_from_slice(&template_id.to_le_bytes());
            bytes.extend_from_slice(&101u16.to_le_bytes());
            bytes.extend_from_slice(&14u16.to_le_bytes());
            bytes.extend_from_slice(&body);
            bytes
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn garbage_before_the_answer_is_skipped(messages in proptest::collection::vec(garbage(), 1..8)) {
        let harness = Harness::new(move |message, out| {
            if let ArchiveMessage::StopPositionRequest(request) = message {
                assert_eq!(request.control_session_id, CONTROL_SESSION_ID);
                out.extend(messages.iter().cloned());
                out.push_back(ok(request.correlation_id, 4096));
            }
        });
        let mut archive = AeronArchive::connect(&harness.aeron, harness.context()).expect("connects");
        prop_assert_eq!(archive.get_stop_position(1), Ok(4096));
        let mut signals = 0;
        prop_assert!(archive.poll_for_recording_signals(&mut |_| signals += 1).is_ok());
    }
}
