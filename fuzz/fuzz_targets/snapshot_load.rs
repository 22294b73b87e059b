//! Fuzz: arbitrary bytes, split into snapshot messages, must decode as a consensus-module snapshot or a
//! service snapshot header or fail with an error, never panic; whatever decodes must re-encode to
//! messages that decode to the same value.
//!
//! Input format: a sequence of `length:u16 LE` + `length` bytes; a length running past the end of the
//! input takes the rest.
#![no_main]

use cluster::ConsensusModuleSnapshot;
use libfuzzer_sys::fuzz_target;
use service::ServiceSnapshotHeader;

fn split_messages(mut data: &[u8]) -> Vec<&[u8]> {
    let mut messages = Vec::new();
    while let Some((length_bytes, rest)) = data.split_first_chunk::<2>() {
        let length = usize::from(u16::from_le_bytes(*length_bytes)).min(rest.len());
        let (message, rest) = rest.split_at(length);
        messages.push(message);
        data = rest;
    }
    messages
}

fuzz_target!(|data: &[u8]| {
    let messages = split_messages(data);

    if let Ok(snapshot) = ConsensusModuleSnapshot::decode(&messages) {
        let encoded = snapshot.encode();
        assert_eq!(ConsensusModuleSnapshot::decode(&encoded), Ok(snapshot.clone()));
        let _ = snapshot.describe();
    }

    if let Ok((header, first_application_message)) = ServiceSnapshotHeader::decode(&messages) {
        assert!(first_application_message <= messages.len());
        assert_eq!(ServiceSnapshotHeader::decode(&header.encode()), Ok((header, first_application_message)));
    }
});
