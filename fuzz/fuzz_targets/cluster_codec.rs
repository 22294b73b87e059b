//! Fuzz target: the cluster SBE codecs (`protocol::cluster`) must never panic on arbitrary bytes, and
//! whatever decodes must re-encode to a message that decodes to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use protocol::cluster::{
    MessageHeader, SCHEMA_ID, SCHEMA_VERSION, SessionMessageHeader, TEMPLATE_IDS, decode_any,
};

fuzz_target!(|data: &[u8]| {
    // The first byte chooses between the raw input and the input with a valid cluster header for a
    // known template (so the fuzzer reaches every decoder's body quickly).
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let mut input = rest.to_vec();
    if selector & 1 == 1 && input.len() >= MessageHeader::ENCODED_LENGTH {
        let template_id = TEMPLATE_IDS[usize::from(selector >> 1) % TEMPLATE_IDS.len()];
        input[2..4].copy_from_slice(&template_id.to_le_bytes());
        input[4..6].copy_from_slice(&SCHEMA_ID.to_le_bytes());
        if selector & 0x80 == 0 {
            input[6..8].copy_from_slice(&SCHEMA_VERSION.to_le_bytes());
        }
    }

    if let Ok(message) = decode_any(&input) {
        let header = MessageHeader::decode(&input).expect("decoded messages have headers");
        assert_eq!(message.template_id(), header.template_id);
        let mut out = vec![0u8; message.encoded_length()];
        assert_eq!(message.encode(&mut out), Ok(out.len()));
        assert_eq!(decode_any(&out), Ok(message));
    }
    if let Ok(header) = SessionMessageHeader::decode(&input) {
        let mut out = [0u8; 32];
        assert_eq!(header.encode(&mut out), Ok(32));
        assert_eq!(SessionMessageHeader::decode(&out), Ok(header));
    }
});
