//! Fuzz target: the archive control-protocol codecs (`protocol::archive`) must never panic on arbitrary
//! bytes, and whatever decodes must re-encode to a message that decodes to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use protocol::archive::{
    CatalogHeader, MessageHeader, RecordingDescriptor, RecordingDescriptorHeader, SCHEMA_ID, SCHEMA_VERSION,
    TEMPLATE_IDS, decode_any,
};

fuzz_target!(|data: &[u8]| {
    check_message(data);

    // The first byte picks a known template id and the second a version; the rest is the block and
    // var-data. This gets past the header checks far more often than raw bytes do.
    if let [selector, version, body @ ..] = data {
        let template_id = TEMPLATE_IDS[usize::from(*selector) % TEMPLATE_IDS.len()];
        let version = if *version >= 0x80 { SCHEMA_VERSION } else { u16::from(*version % 20) };
        let block_length =
            u16::try_from(body.len().min(usize::from(body.first().copied().unwrap_or(0)))).unwrap_or(0);
        let mut message = vec![0u8; MessageHeader::ENCODED_LENGTH];
        let header = MessageHeader { block_length, template_id, schema_id: SCHEMA_ID, version };
        header.encode(&mut message).expect("8 bytes");
        message.extend_from_slice(body);
        check_message(&message);
    }

    if let Ok(header) = CatalogHeader::decode(data) {
        let mut dst = [0u8; CatalogHeader::LENGTH];
        assert_eq!(header.encode(&mut dst), Ok(CatalogHeader::LENGTH));
        assert_eq!(CatalogHeader::decode(&dst), Ok(header));
    }
    if let Ok(header) = RecordingDescriptorHeader::decode(data) {
        let mut dst = [0u8; RecordingDescriptorHeader::LENGTH];
        assert_eq!(header.encode(&mut dst), Ok(RecordingDescriptorHeader::LENGTH));
        assert_eq!(RecordingDescriptorHeader::decode(&dst), Ok(header));
    }
    if let Ok(descriptor) = RecordingDescriptor::decode_block(data) {
        let mut dst = vec![0u8; descriptor.block_encoded_length()];
        assert_eq!(descriptor.encode_block(&mut dst), Ok(dst.len()));
        assert_eq!(RecordingDescriptor::decode_block(&dst), Ok(descriptor));
    }
});

/// `decode_any` never panics; a decoded message re-encodes (schema 101, version 14) to bytes that
/// decode to the same message with the same template id.
fn check_message(bytes: &[u8]) {
    if let Ok(message) = decode_any(bytes) {
        let header = MessageHeader::decode(bytes).expect("a decoded message has a header");
        assert_eq!(message.template_id(), header.template_id);
        let mut dst = vec![0u8; message.encoded_length()];
        assert_eq!(message.encode(&mut dst), Ok(dst.len()));
        assert_eq!(decode_any(&dst), Ok(message));
    }
}
