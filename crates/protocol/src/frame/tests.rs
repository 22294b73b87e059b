//! Byte-exact tests against the reference layouts (§1.1–1.9), datagram and walk rules, and proptests
//! (never panic on arbitrary bytes; `decode(encode(x)) == x`).

use super::*;
use proptest::prelude::*;

fn le_i32(buf: &[u8], offset: usize) -> i32 {
    i32::from_le_bytes(buf[offset..offset + 4].try_into().unwrap())
}

fn le_i64(buf: &[u8], offset: usize) -> i64 {
    i64::from_le_bytes(buf[offset..offset + 8].try_into().unwrap())
}

fn le_u16(buf: &[u8], offset: usize) -> u16 {
    u16::from_le_bytes(buf[offset..offset + 2].try_into().unwrap())
}

fn hello_header() -> DataHeader {
    DataHeader {
        frame_length: 37,
        flags: BEGIN_AND_END_FLAGS,
        term_offset: 0,
        session_id: 1001,
        stream_id: 100,
        term_id: 7,
        reserved_value: 0,
    }
}

const HELLO_DATAGRAM: [u8; 64] = {
    let mut bytes = [0u8; 64];
    let head: [u8; 24] = [
        0x25, 0x00, 0x00, 0x00, // frame_length 37
        0x00, // version
        0xC0, // B|E
        0x01, 0x00, // DATA
        0x00, 0x00, 0x00, 0x00, // term_offset 0
        0xE9, 0x03, 0x00, 0x00, // session 1001
        0x64, 0x00, 0x00, 0x00, // stream 100
        0x07, 0x00, 0x00, 0x00, // term id 7
    ];
    let mut i = 0;
    while i < head.len() {
        bytes[i] = head[i];
        i += 1;
    }
    // reserved value: 8 zero bytes at 24..32, then "hello", then 27 zero bytes.
    bytes[32] = b'h';
    bytes[33] = b'e';
    bytes[34] = b'l';
    bytes[35] = b'l';
    bytes[36] = b'o';
    bytes
};

#[test]
fn worked_example_hello_data_datagram_is_byte_exact() {
    let mut buf = [0xAAu8; 80];
    let written = hello_header().encode_with_payload(b"hello", &mut buf).unwrap();
    assert_eq!(written, 64);
    assert_eq!(&buf[..64], &HELLO_DATAGRAM[..]);
    assert!(buf[64..].iter().all(|&b| b == 0xAA), "wrote past the aligned frame");

    assert_eq!(validate_datagram(&HELLO_DATAGRAM), Ok(FrameType::Data));
    let decoded = DataHeader::decode(&HELLO_DATAGRAM).unwrap();
    assert_eq!(decoded, hello_header());
    assert_eq!(decoded.payload_length(), 5);

    let frames: Vec<_> = DataFrames::new(&HELLO_DATAGRAM, 64 * 1024).collect::<Result<_, _>>().unwrap();
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].payload(), b"hello");
    assert_eq!(frames[0].bytes.len(), 64);
    assert_eq!(frames[0].aligned_length(), 64);
    let packet = validate_data_packet(&HELLO_DATAGRAM, 64 * 1024).unwrap();
    assert_eq!(packet.length, 64, "the next message starts at term offset 64");
    assert!(!packet.is_heartbeat);
}

#[test]
fn worked_example_status_message_is_byte_exact() {
    let sm = StatusMessage {
        flags: 0,
        session_id: 1001,
        stream_id: 100,
        consumption_term_id: 7,
        consumption_term_offset: 64,
        receiver_window: 128 * 1024,
        receiver_id: 0x0102_0304_0506_0708,
        group_tag: None,
    };
    let expected: [u8; 36] = [
        0x24, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0xE9, 0x03, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00, 0x07,
        0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03,
        0x02, 0x01,
    ];
    let mut buf = [0u8; 64];
    assert_eq!(sm.encode(&mut buf), Ok(36));
    assert_eq!(&buf[..36], &expected[..]);
    assert_eq!(validate_control_side_datagram(&expected), Ok(FrameType::StatusMessage));
    assert_eq!(StatusMessage::decode(&expected), Ok(sm));
    assert!(sm.is_valid(16 * 1024 * 1024), "window 128 KiB needs a term of at least 256 KiB");
    assert!(!sm.is_valid(64 * 1024));
}

#[test]
fn common_header_offsets() {
    assert_eq!(
        (header::FRAME_LENGTH_FIELD_OFFSET, header::VERSION_FIELD_OFFSET, header::FLAGS_FIELD_OFFSET),
        (0, 4, 5)
    );
    assert_eq!((header::TYPE_FIELD_OFFSET, FRAME_HEADER_LENGTH), (6, 8));
    let header = FrameHeader { frame_length: 0x1234_5678, version: 9, flags: 0xA5, frame_type: 0xBEEF };
    let mut buf = [0u8; 8];
    assert_eq!(header.encode(&mut buf), Ok(8));
    assert_eq!(buf, [0x78, 0x56, 0x34, 0x12, 9, 0xA5, 0xEF, 0xBE]);
    assert_eq!(FrameHeader::decode(&buf), Ok(header));
    assert_eq!(header.known_type(), None);
}

#[test]
fn frame_type_values() {
    let expected = [
        (FrameType::Pad, 0x00),
        (FrameType::Data, 0x01),
        (FrameType::Nak, 0x02),
        (FrameType::StatusMessage, 0x03),
        (FrameType::Error, 0x04),
        (FrameType::Setup, 0x05),
        (FrameType::Rttm, 0x06),
        (FrameType::Resolution, 0x07),
        (FrameType::ResponseSetup, 0x0B),
    ];
    for (frame_type, value) in expected {
        assert_eq!(frame_type.as_u16(), value);
        assert_eq!(FrameType::from_u16(value), Some(frame_type));
    }
    for unsupported in [HDR_TYPE_ATS_DATA, HDR_TYPE_ATS_SM, HDR_TYPE_ATS_SETUP, HDR_TYPE_EXT, 0x0C] {
        assert_eq!(FrameType::from_u16(unsupported), None);
    }
}

#[test]
fn data_header_field_offsets() {
    assert_eq!(
        [
            data::TERM_OFFSET_FIELD_OFFSET,
            data::SESSION_ID_FIELD_OFFSET,
            data::STREAM_ID_FIELD_OFFSET,
            data::TERM_ID_FIELD_OFFSET,
            data::RESERVED_VALUE_FIELD_OFFSET,
            data::HEADER_LENGTH,
            data::DATA_OFFSET,
        ],
        [8, 12, 16, 20, 24, 32, 32]
    );
    let header = DataHeader {
        frame_length: 1000,
        flags: 0x80,
        term_offset: 0x0101_0101,
        session_id: -2,
        stream_id: 0x0303_0303,
        term_id: -4,
        reserved_value: -0x0505_0505_0505_0505,
    };
    let mut buf = [0u8; 32];
    assert_eq!(header.encode(&mut buf), Ok(32));
    assert_eq!(le_i32(&buf, 0), 1000);
    assert_eq!(buf[4], 0);
    assert_eq!(buf[5], 0x80);
    assert_eq!(le_u16(&buf, 6), 1);
    assert_eq!(le_i32(&buf, 8), 0x0101_0101);
    assert_eq!(le_i32(&buf, 12), -2);
    assert_eq!(le_i32(&buf, 16), 0x0303_0303);
    assert_eq!(le_i32(&buf, 20), -4);
    assert_eq!(le_i64(&buf, 24), -0x0505_0505_0505_0505);
    assert_eq!(DataHeader::decode(&buf), Ok(header));
}

#[test]
fn data_flags() {
    assert_eq!((BEGIN_FLAG, END_FLAG, EOS_FLAG, REVOKED_FLAG), (0x80, 0x40, 0x20, 0x10));
    assert_eq!(
        (BEGIN_AND_END_FLAGS, BEGIN_END_AND_EOS_FLAGS, BEGIN_END_EOS_AND_REVOKED_FLAGS),
        (0xC0, 0xE0, 0xF0)
    );
    let header = DataHeader { flags: 0xF0, ..hello_header() };
    assert!(
        header.is_begin_fragment()
            && header.is_end_fragment()
            && header.is_end_of_stream()
            && header.is_revoked()
    );
    let header = DataHeader { flags: 0, ..hello_header() };
    assert!(!header.is_begin_fragment() && !header.is_end_fragment() && !header.is_end_of_stream());
}

#[test]
fn data_header_rejects_bad_input() {
    let mut buf = HELLO_DATAGRAM;
    assert_eq!(DataHeader::decode(&buf[..31]), Err(FrameError::TooShort { needed: 32, actual: 31 }));
    buf[4] = 1;
    assert_eq!(DataHeader::decode(&buf), Err(FrameError::UnsupportedVersion(1)));
    buf[4] = 0;
    buf[6] = 0;
    assert_eq!(DataHeader::decode(&buf), Err(FrameError::UnexpectedType { expected: 1, actual: 0 }));
    buf[6] = 1;
    buf[0] = 31;
    assert_eq!(
        DataHeader::decode(&buf),
        Err(FrameError::InvalidFrameLength { frame_type: HDR_TYPE_DATA, frame_length: 31 })
    );
    let bad = DataHeader { frame_length: -1, ..hello_header() };
    assert!(bad.encode(&mut [0u8; 32]).is_err());
    assert_eq!(
        hello_header().encode(&mut [0u8; 31]),
        Err(FrameError::BufferTooSmall { needed: 32, capacity: 31 })
    );
    assert_eq!(
        hello_header().encode_with_payload(b"hello", &mut [0u8; 63]),
        Err(FrameError::BufferTooSmall { needed: 64, capacity: 63 })
    );
}

#[test]
fn encode_with_payload_of_aligned_and_empty_payloads() {
    let mut buf = [0xFFu8; 96];
    assert_eq!(hello_header().encode_with_payload(&[], &mut buf), Ok(32));
    assert_eq!(le_i32(&buf, 0), 32);
    let mut buf = [0xFFu8; 96];
    assert_eq!(hello_header().encode_with_payload(&[7u8; 32], &mut buf), Ok(64));
    assert_eq!(le_i32(&buf, 0), 64);
    assert_eq!(buf[64], 0xFF);
}

#[test]
fn pad_header_layout_and_rules() {
    let pad = PadHeader {
        frame_length: 4096,
        flags: 0xC0,
        term_offset: 60 * 1024,
        session_id: 5,
        stream_id: 6,
        term_id: 7,
        reserved_value: 0,
    };
    let mut buf = [0u8; 32];
    assert_eq!(pad.encode(&mut buf), Ok(32));
    assert_eq!(le_i32(&buf, 0), 4096);
    assert_eq!(le_u16(&buf, 6), HDR_TYPE_PAD);
    assert_eq!(le_i32(&buf, 8), 60 * 1024);
    assert_eq!(le_i32(&buf, 12), 5);
    assert_eq!(le_i32(&buf, 16), 6);
    assert_eq!(le_i32(&buf, 20), 7);
    assert_eq!(PadHeader::decode(&buf), Ok(pad));
    assert_eq!(validate_data_side_datagram(&buf), Ok(FrameType::Pad));
    assert!(PadHeader { frame_length: 31, ..pad }.encode(&mut buf).is_err());
    assert!(DataHeader::decode(&buf).is_err());
}

#[test]
fn heartbeat_layout_and_detection() {
    let heartbeat = Heartbeat {
        flags: BEGIN_END_AND_EOS_FLAGS,
        term_offset: 4096,
        session_id: 1001,
        stream_id: 100,
        term_id: 9,
    };
    let mut buf = [0xEEu8; 32];
    assert_eq!(heartbeat.encode(&mut buf), Ok(32));
    assert_eq!(le_i32(&buf, 0), 0);
    assert_eq!(buf[5], 0xE0);
    assert_eq!(le_u16(&buf, 6), HDR_TYPE_DATA);
    assert_eq!(le_i32(&buf, 8), 4096);
    assert_eq!(le_i32(&buf, 12), 1001);
    assert_eq!(le_i32(&buf, 16), 100);
    assert_eq!(le_i32(&buf, 20), 9);
    assert_eq!(le_i64(&buf, 24), 0);
    assert!(is_heartbeat(&buf));
    assert!(!is_heartbeat(&HELLO_DATAGRAM));
    assert!(!is_heartbeat(&[0u8; 64]), "a heartbeat is exactly 32 bytes");
    assert_eq!(Heartbeat::decode(&buf), Ok(heartbeat));
    assert!(heartbeat.is_end_of_stream() && !heartbeat.is_revoked());
    assert!(DataHeader::decode(&buf).unwrap().is_heartbeat());
    assert!(Heartbeat::decode(&HELLO_DATAGRAM).is_err());
    assert_eq!(Heartbeat::default().flags, 0xC0);

    let packet = validate_data_packet(&buf, 64 * 1024).unwrap();
    assert!(packet.is_heartbeat);
    assert_eq!((packet.length, packet.term_id, packet.term_offset), (0, 9, 4096));
    assert_eq!(
        DataFrames::new(&buf, 64 * 1024).next(),
        Some(Err(FrameError::FrameTooShort { datagram_offset: 0, frame_length: 0 }))
    );
}

fn sample_setup() -> SetupHeader {
    SetupHeader {
        flags: setup::GROUP_FLAG,
        term_offset: 1024,
        session_id: 11,
        stream_id: 12,
        initial_term_id: 13,
        active_term_id: 14,
        term_length: 64 * 1024,
        mtu: 1408,
        ttl: 16,
    }
}

#[test]
fn setup_field_offsets() {
    assert_eq!(
        [
            setup::TERM_OFFSET_FIELD_OFFSET,
            setup::SESSION_ID_FIELD_OFFSET,
            setup::STREAM_ID_FIELD_OFFSET,
            setup::INITIAL_TERM_ID_FIELD_OFFSET,
            setup::ACTIVE_TERM_ID_FIELD_OFFSET,
            setup::TERM_LENGTH_FIELD_OFFSET,
            setup::MTU_FIELD_OFFSET,
            setup::TTL_FIELD_OFFSET,
            setup::HEADER_LENGTH,
        ],
        [8, 12, 16, 20, 24, 28, 32, 36, 40]
    );
    assert_eq!((setup::SEND_RESPONSE_SETUP_FLAG, setup::GROUP_FLAG), (0x80, 0x40));
    let frame = sample_setup();
    let mut buf = [0u8; 40];
    assert_eq!(frame.encode(&mut buf), Ok(40));
    assert_eq!(le_i32(&buf, 0), 40);
    assert_eq!((buf[4], buf[5], le_u16(&buf, 6)), (0, 0x40, 5));
    let fields: Vec<i32> = (8..40).step_by(4).map(|offset| le_i32(&buf, offset)).collect();
    assert_eq!(fields, [1024, 11, 12, 13, 14, 64 * 1024, 1408, 16]);
    assert_eq!(SetupHeader::decode(&buf), Ok(frame));
    assert_eq!(validate_data_side_datagram(&buf), Ok(FrameType::Setup));
    assert!(frame.has_group_semantics() && !frame.wants_response_setup());
}

#[test]
fn setup_decode_accepts_longer_frames_and_rejects_shorter() {
    let mut buf = [0u8; 48];
    sample_setup().encode(&mut buf).unwrap();
    buf[0] = 48;
    assert_eq!(SetupHeader::decode(&buf), Ok(sample_setup()));
    buf[0] = 39;
    assert!(SetupHeader::decode(&buf).is_err());
}

#[test]
fn setup_validation() {
    assert_eq!(sample_setup().validate(), Ok(()));
    let cases = [
        (SetupHeader { term_length: 32 * 1024, ..sample_setup() }, FrameError::InvalidTermLength(32 * 1024)),
        (SetupHeader { term_length: 96 * 1024, ..sample_setup() }, FrameError::InvalidTermLength(96 * 1024)),
        (SetupHeader { term_length: i32::MIN, ..sample_setup() }, FrameError::InvalidTermLength(i32::MIN)),
        (
            SetupHeader { term_offset: 64 * 1024, ..sample_setup() },
            FrameError::InvalidTermOffset { term_offset: 64 * 1024, term_length: 64 * 1024 },
        ),
        (
            SetupHeader { term_offset: 33, ..sample_setup() },
            FrameError::InvalidTermOffset { term_offset: 33, term_length: 64 * 1024 },
        ),
        (
            SetupHeader { term_offset: -32, ..sample_setup() },
            FrameError::InvalidTermOffset { term_offset: -32, term_length: 64 * 1024 },
        ),
        (SetupHeader { mtu: 1400, ..sample_setup() }, FrameError::InvalidMtu(1400)),
        (SetupHeader { mtu: 0, ..sample_setup() }, FrameError::InvalidMtu(0)),
        (SetupHeader { mtu: 65536, ..sample_setup() }, FrameError::InvalidMtu(65536)),
    ];
    for (frame, error) in cases {
        assert_eq!(frame.validate(), Err(error), "{frame:?}");
        assert!(!frame.is_valid());
    }
    for (term_length, mtu) in [(TERM_MIN_LENGTH, 32), (TERM_MAX_LENGTH, MAX_UDP_PAYLOAD_LENGTH)] {
        assert!(SetupHeader { term_length, mtu, term_offset: term_length - 32, ..sample_setup() }.is_valid());
    }
}

fn sample_sm() -> StatusMessage {
    StatusMessage {
        flags: status_message::SEND_SETUP_FLAG,
        session_id: 21,
        stream_id: 22,
        consumption_term_id: 23,
        consumption_term_offset: 2048,
        receiver_window: 4096,
        receiver_id: 0x1122_3344_5566_7788,
        group_tag: Some(-99),
    }
}

#[test]
fn status_message_field_offsets_with_group_tag() {
    assert_eq!(
        [
            status_message::SESSION_ID_FIELD_OFFSET,
            status_message::STREAM_ID_FIELD_OFFSET,
            status_message::CONSUMPTION_TERM_ID_FIELD_OFFSET,
            status_message::CONSUMPTION_TERM_OFFSET_FIELD_OFFSET,
            status_message::RECEIVER_WINDOW_FIELD_OFFSET,
            status_message::RECEIVER_ID_FIELD_OFFSET,
            status_message::HEADER_LENGTH,
            status_message::GROUP_TAG_FIELD_OFFSET,
            status_message::HEADER_LENGTH_WITH_GROUP_TAG,
        ],
        [8, 12, 16, 20, 24, 28, 36, 36, 44]
    );
    assert_eq!((status_message::SEND_SETUP_FLAG, status_message::END_OF_STREAM_FLAG), (0x80, 0x40));
    let sm = sample_sm();
    let mut buf = [0u8; 44];
    assert_eq!(sm.encode(&mut buf[..43]), Err(FrameError::BufferTooSmall { needed: 44, capacity: 43 }));
    assert_eq!(sm.encode(&mut buf), Ok(44));
    assert_eq!((le_i32(&buf, 0), buf[5], le_u16(&buf, 6)), (44, 0x80, 3));
    assert_eq!(
        [le_i32(&buf, 8), le_i32(&buf, 12), le_i32(&buf, 16), le_i32(&buf, 20), le_i32(&buf, 24)],
        [21, 22, 23, 2048, 4096]
    );
    assert_eq!(le_i64(&buf, 28), 0x1122_3344_5566_7788);
    assert_eq!(le_i64(&buf, 36), -99);
    assert_eq!(StatusMessage::decode(&buf), Ok(sm));
    assert!(sm.is_setup_eliciting() && !sm.is_end_of_stream());
    assert_eq!(StatusMessage::decode(&buf[..43]), Err(FrameError::TooShort { needed: 44, actual: 43 }));
    buf[0] = 40;
    assert_eq!(
        StatusMessage::decode(&buf),
        Err(FrameError::InvalidFrameLength { frame_type: HDR_TYPE_SM, frame_length: 40 })
    );
}

#[test]
fn status_message_validation() {
    let term_length = 64 * 1024;
    assert_eq!(sample_sm().validate(term_length), Ok(()));
    let too_big_window = StatusMessage { receiver_window: term_length / 2 + 1, ..sample_sm() };
    assert_eq!(
        too_big_window.validate(term_length),
        Err(FrameError::InvalidReceiverWindow { receiver_window: term_length / 2 + 1, term_length })
    );
    assert!(StatusMessage { receiver_window: term_length / 2, ..sample_sm() }.is_valid(term_length));
    assert!(!StatusMessage { receiver_window: -1, ..sample_sm() }.is_valid(term_length));
    assert!(!StatusMessage { consumption_term_offset: 31, ..sample_sm() }.is_valid(term_length));
    assert!(!StatusMessage { consumption_term_offset: term_length, ..sample_sm() }.is_valid(term_length));
    assert!(!StatusMessage { consumption_term_offset: -32, ..sample_sm() }.is_valid(term_length));

    let sender_position = 1_000_000;
    let half = i64::from(term_length / 2);
    assert!(StatusMessage::is_position_acceptable(sender_position - half, sender_position, term_length));
    assert!(!StatusMessage::is_position_acceptable(sender_position - half - 1, sender_position, term_length));
    let high = sender_position + i64::from(term_length) + half;
    assert!(StatusMessage::is_position_acceptable(high, sender_position, term_length));
    assert!(!StatusMessage::is_position_acceptable(high + 1, sender_position, term_length));
    assert!(StatusMessage::is_position_acceptable(i64::MAX, i64::MAX, term_length));
}

#[test]
fn nak_field_offsets_and_validation() {
    assert_eq!(
        [
            nak::SESSION_ID_FIELD_OFFSET,
            nak::STREAM_ID_FIELD_OFFSET,
            nak::TERM_ID_FIELD_OFFSET,
            nak::TERM_OFFSET_FIELD_OFFSET,
            nak::LENGTH_FIELD_OFFSET,
            nak::HEADER_LENGTH,
        ],
        [8, 12, 16, 20, 24, 28]
    );
    let frame = Nak { flags: 0, session_id: 31, stream_id: 32, term_id: 33, term_offset: 4096, length: 1408 };
    let mut buf = [0u8; 28];
    assert_eq!(frame.encode(&mut buf), Ok(28));
    assert_eq!((le_i32(&buf, 0), buf[4], buf[5], le_u16(&buf, 6)), (28, 0, 0, 2));
    let fields: Vec<i32> = (8..28).step_by(4).map(|offset| le_i32(&buf, offset)).collect();
    assert_eq!(fields, [31, 32, 33, 4096, 1408]);
    assert_eq!(Nak::decode(&buf), Ok(frame));
    assert_eq!(validate_control_side_datagram(&buf), Ok(FrameType::Nak));
    assert_eq!(validate_data_side_datagram(&buf), Err(FrameError::NotAcceptedOnThisSide(HDR_TYPE_NAK)));

    let term_length = 64 * 1024;
    assert_eq!(frame.validate(term_length), Ok(()));
    assert!(Nak { term_offset: term_length - 32, length: 32, ..frame }.is_valid(term_length));
    assert!(Nak { length: 0, ..frame }.is_valid(term_length));
    assert_eq!(
        Nak { term_offset: term_length - 32, length: 33, ..frame }.validate(term_length),
        Err(FrameError::InvalidNakRange { term_offset: term_length - 32, length: 33, term_length })
    );
    assert!(!Nak { length: -1, ..frame }.is_valid(term_length));
    assert!(!Nak { term_offset: 16, ..frame }.is_valid(term_length));
    assert!(!Nak { term_offset: term_length, length: 0, ..frame }.is_valid(term_length));
    assert!(!Nak { term_offset: 32, length: i32::MAX, ..frame }.is_valid(term_length));

    buf[0] = 27;
    assert!(Nak::decode(&buf).is_err());
    buf[0] = 29;
    assert_eq!(
        Nak::decode(&buf),
        Err(FrameError::FrameLengthExceedsDatagram { frame_length: 29, datagram_length: 28 })
    );
}

#[test]
fn rttm_field_offsets_and_reply() {
    assert_eq!(
        [
            rttm::SESSION_ID_FIELD_OFFSET,
            rttm::STREAM_ID_FIELD_OFFSET,
            rttm::ECHO_TIMESTAMP_FIELD_OFFSET,
            rttm::RECEPTION_DELTA_FIELD_OFFSET,
            rttm::RECEIVER_ID_FIELD_OFFSET,
            rttm::HEADER_LENGTH,
        ],
        [8, 12, 16, 24, 32, 40]
    );
    let frame = RttMeasurement {
        flags: rttm::REPLY_FLAG,
        session_id: 41,
        stream_id: 42,
        echo_timestamp_ns: 43_000_000_000,
        reception_delta_ns: 44,
        receiver_id: -45,
    };
    let mut buf = [0u8; 40];
    assert_eq!(frame.encode(&mut buf), Ok(40));
    assert_eq!((le_i32(&buf, 0), buf[5], le_u16(&buf, 6)), (40, 0x80, 6));
    assert_eq!((le_i32(&buf, 8), le_i32(&buf, 12)), (41, 42));
    assert_eq!((le_i64(&buf, 16), le_i64(&buf, 24), le_i64(&buf, 32)), (43_000_000_000, 44, -45));
    assert_eq!(RttMeasurement::decode(&buf), Ok(frame));
    assert_eq!(validate_data_side_datagram(&buf), Ok(FrameType::Rttm));
    assert_eq!(validate_control_side_datagram(&buf), Ok(FrameType::Rttm));
    assert!(frame.is_reply_requested());
    let reply = frame.reply();
    assert_eq!((reply.flags, reply.reception_delta_ns), (0, 0));
    assert_eq!((reply.echo_timestamp_ns, reply.receiver_id), (frame.echo_timestamp_ns, frame.receiver_id));
}

#[test]
fn error_frame_field_offsets_and_limits() {
    assert_eq!(
        [
            error_frame::SESSION_ID_FIELD_OFFSET,
            error_frame::STREAM_ID_FIELD_OFFSET,
            error_frame::RECEIVER_ID_FIELD_OFFSET,
            error_frame::GROUP_TAG_FIELD_OFFSET,
            error_frame::ERROR_CODE_FIELD_OFFSET,
            error_frame::ERROR_LENGTH_FIELD_OFFSET,
            error_frame::ERROR_MESSAGE_FIELD_OFFSET,
            error_frame::HEADER_LENGTH,
            error_frame::MAX_ERROR_MESSAGE_LENGTH,
        ],
        [8, 12, 16, 24, 32, 36, 40, 40, 1023]
    );
    let frame = ErrorFrame {
        flags: error_frame::HAS_GROUP_TAG_FLAG,
        session_id: 51,
        stream_id: 52,
        receiver_id: 53,
        group_tag: 54,
        error_code: 13,
        message: b"image rejected".to_vec(),
    };
    let mut buf = [0u8; 64];
    assert_eq!(frame.encode(&mut buf), Ok(54));
    assert_eq!((le_i32(&buf, 0), buf[5], le_u16(&buf, 6)), (54, 0x08, 4));
    assert_eq!((le_i32(&buf, 8), le_i32(&buf, 12)), (51, 52));
    assert_eq!((le_i64(&buf, 16), le_i64(&buf, 24)), (53, 54));
    assert_eq!((le_i32(&buf, 32), le_i32(&buf, 36)), (13, 14));
    assert_eq!(&buf[40..54], b"image rejected");
    assert_eq!(ErrorFrame::decode(&buf[..54]), Ok(frame.clone()));
    assert_eq!(validate_control_side_datagram(&buf[..54]), Ok(FrameType::Error));
    assert_eq!(frame.group_tag_if_flagged(), Some(54));
    assert_eq!(frame.message_lossy(), "image rejected");

    let longest = ErrorFrame { message: vec![b'x'; 1023], ..frame.clone() };
    let mut big = vec![0u8; 1063];
    assert_eq!(longest.encode(&mut big), Ok(1063));
    assert_eq!(ErrorFrame::decode(&big), Ok(longest));
    let too_long = ErrorFrame { message: vec![b'x'; 1024], ..frame.clone() };
    assert!(matches!(too_long.encode(&mut [0u8; 2048]), Err(FrameError::InvalidErrorLength { .. })));

    // error_length larger than the frame, or negative: rejected.
    buf[36] = 15;
    assert!(matches!(ErrorFrame::decode(&buf[..54]), Err(FrameError::InvalidErrorLength { .. })));
    buf[36..40].copy_from_slice(&(-1i32).to_le_bytes());
    assert!(matches!(ErrorFrame::decode(&buf[..54]), Err(FrameError::InvalidErrorLength { .. })));
    // frame_length larger than the source.
    buf[36..40].copy_from_slice(&14i32.to_le_bytes());
    assert!(matches!(ErrorFrame::decode(&buf[..53]), Err(FrameError::FrameLengthExceedsDatagram { .. })));
}

#[test]
fn response_setup_field_offsets() {
    assert_eq!(
        [
            response_setup::SESSION_ID_FIELD_OFFSET,
            response_setup::STREAM_ID_FIELD_OFFSET,
            response_setup::RESPONSE_SESSION_ID_FIELD_OFFSET,
            response_setup::HEADER_LENGTH,
        ],
        [8, 12, 16, 20]
    );
    let frame = ResponseSetup { flags: 0, session_id: 61, stream_id: 62, response_session_id: 63 };
    let mut buf = [0u8; 20];
    assert_eq!(frame.encode(&mut buf), Ok(20));
    assert_eq!((le_i32(&buf, 0), le_u16(&buf, 6)), (20, 0x0B));
    assert_eq!((le_i32(&buf, 8), le_i32(&buf, 12), le_i32(&buf, 16)), (61, 62, 63));
    assert_eq!(ResponseSetup::decode(&buf), Ok(frame));
    assert_eq!(validate_control_side_datagram(&buf), Ok(FrameType::ResponseSetup));
    assert_eq!(validate_data_side_datagram(&buf), Err(FrameError::NotAcceptedOnThisSide(0x0B)));
}

#[test]
fn datagram_validity_rules() {
    // Too short: must be longer than 8 bytes.
    assert_eq!(validate_datagram(&[0u8; 8]), Err(FrameError::TooShort { needed: 9, actual: 8 }));
    // DATA shorter than 32 bytes, or not a multiple of 32.
    assert_eq!(
        validate_datagram(&HELLO_DATAGRAM[..31]),
        Err(FrameError::TooShort { needed: 32, actual: 31 })
    );
    assert_eq!(validate_datagram(&HELLO_DATAGRAM[..48]), Err(FrameError::UnalignedDatagram(48)));
    // Negative frame_length.
    let mut bad = HELLO_DATAGRAM;
    bad[3] = 0x80;
    assert!(matches!(validate_datagram(&bad), Err(FrameError::NegativeFrameLength(_))));
    // Wrong version.
    let mut bad = HELLO_DATAGRAM;
    bad[4] = 1;
    assert_eq!(validate_datagram(&bad), Err(FrameError::UnsupportedVersion(1)));
    // ATS / EXT / unknown types.
    for frame_type in [HDR_TYPE_ATS_DATA, HDR_TYPE_ATS_SM, HDR_TYPE_ATS_SETUP, HDR_TYPE_EXT, 0x0C] {
        let mut bad = HELLO_DATAGRAM;
        bad[6..8].copy_from_slice(&frame_type.to_le_bytes());
        assert_eq!(validate_datagram(&bad), Err(FrameError::UnsupportedType(frame_type)));
    }
    // Control frames: at least the fixed length, frame_length within the datagram.
    let mut sm = [0u8; 40];
    sample_sm().encode(&mut sm[..44 - 4]).unwrap_err();
    StatusMessage { group_tag: None, ..sample_sm() }.encode(&mut sm).unwrap();
    assert_eq!(validate_datagram(&sm[..35]), Err(FrameError::TooShort { needed: 36, actual: 35 }));
    assert_eq!(validate_datagram(&sm), Ok(FrameType::StatusMessage));
    sm[0] = 41;
    assert_eq!(
        validate_datagram(&sm),
        Err(FrameError::FrameLengthExceedsDatagram { frame_length: 41, datagram_length: 40 })
    );
    // SETUP too (Java behaviour).
    let mut setup = [0u8; 40];
    sample_setup().encode(&mut setup).unwrap();
    setup[0] = 44;
    assert!(matches!(validate_datagram(&setup), Err(FrameError::FrameLengthExceedsDatagram { .. })));
    // RES frames are recognised with their minimum length but belong to neither side.
    let mut res = [0u8; 22];
    res[0] = 22;
    res[6] = 7;
    assert_eq!(validate_datagram(&res), Ok(FrameType::Resolution));
    assert_eq!(validate_datagram(&res[..21]), Err(FrameError::TooShort { needed: 22, actual: 21 }));
    assert_eq!(validate_data_side_datagram(&res), Err(FrameError::NotAcceptedOnThisSide(7)));
    assert_eq!(validate_control_side_datagram(&res), Err(FrameError::NotAcceptedOnThisSide(7)));
    // Data side accepts DATA/PAD/SETUP/RTTM only.
    assert_eq!(validate_control_side_datagram(&HELLO_DATAGRAM), Err(FrameError::NotAcceptedOnThisSide(1)));
}

/// Builds a datagram of consecutive DATA frames starting at `term_offset`, with the given payload lengths.
fn build_datagram(term_offset: i32, payload_lengths: &[usize]) -> Vec<u8> {
    let mut datagram = Vec::new();
    let mut offset = term_offset;
    for (i, &length) in payload_lengths.iter().enumerate() {
        let header =
            DataHeader { term_offset: offset, term_id: 3, session_id: 4, stream_id: 5, ..hello_header() };
        let aligned = align_frame_length(32 + length);
        let start = datagram.len();
        datagram.resize(start + aligned, 0);
        let payload = vec![i as u8; length];
        assert_eq!(header.encode_with_payload(&payload, &mut datagram[start..]), Ok(aligned));
        offset += aligned as i32;
    }
    datagram
}

fn pad_bytes(term_offset: i32, frame_length: i32) -> [u8; 32] {
    let mut buf = [0u8; 32];
    PadHeader {
        frame_length,
        flags: 0xC0,
        term_offset,
        session_id: 4,
        stream_id: 5,
        term_id: 3,
        reserved_value: 0,
    }
    .encode(&mut buf)
    .unwrap();
    buf
}

#[test]
fn walk_yields_consecutive_frames() {
    let datagram = build_datagram(128, &[0, 5, 32, 100]);
    let frames: Vec<_> = DataFrames::new(&datagram, 64 * 1024).collect::<Result<_, _>>().unwrap();
    assert_eq!(frames.len(), 4);
    let offsets: Vec<_> = frames.iter().map(|f| (f.datagram_offset, f.term_offset)).collect();
    assert_eq!(offsets, [(0, 128), (32, 160), (96, 224), (160, 288)]);
    assert_eq!(frames[1].payload(), &[1u8; 5]);
    assert_eq!(frames[3].payload().len(), 100);
    assert_eq!(frames[3].bytes.len(), 160);
    let packet = validate_data_packet(&datagram, 64 * 1024).unwrap();
    assert_eq!(packet.length, datagram.len() as i64);
    assert_eq!((packet.term_offset, packet.term_id, packet.session_id, packet.stream_id), (128, 3, 4, 5));
}

#[test]
fn walk_accepts_header_only_pad_as_last_frame() {
    let term_length = 64 * 1024;
    let mut datagram = build_datagram(term_length - 4096, &[10]);
    datagram.extend_from_slice(&pad_bytes(term_length - 4096 + 64, 4096 - 64));
    let frames: Vec<_> = DataFrames::new(&datagram, term_length).collect::<Result<_, _>>().unwrap();
    assert_eq!(frames.len(), 2);
    assert!(frames[1].is_padding());
    assert_eq!(frames[1].bytes.len(), 32);
    assert!(frames[1].payload().is_empty());
    assert_eq!(frames[1].aligned_length(), 4096 - 64);
    let packet = validate_data_packet(&datagram, term_length).unwrap();
    assert_eq!(packet.length, 4096, "the HWM advances over the full padding");
}

#[test]
fn walk_accepts_pad_fully_inside_the_datagram() {
    let mut datagram = pad_bytes(0, 64).to_vec();
    datagram.extend_from_slice(&[0u8; 32]);
    datagram.extend_from_slice(&build_datagram(64, &[1]));
    let frames: Vec<_> = DataFrames::new(&datagram, 64 * 1024).collect::<Result<_, _>>().unwrap();
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[0].bytes.len(), 64);
    assert_eq!(frames[1].term_offset, 64);
}

#[test]
fn walk_rejects_rule_violations() {
    let term_length = 64 * 1024;
    let first_error = |datagram: &[u8]| DataFrames::new(datagram, term_length).find_map(Result::err);

    // A PAD whose aligned length runs past the datagram ends the walk there, whatever follows it in the
    // datagram (Aeron accepts this too: the bytes after the header fall inside the padded region).
    let mut datagram = pad_bytes(0, 4096).to_vec();
    datagram.extend_from_slice(&build_datagram(4096, &[1]));
    let frames: Vec<_> = DataFrames::new(&datagram, term_length).collect::<Result<_, _>>().unwrap();
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].bytes.len(), 96);
    assert_eq!(validate_data_packet(&datagram, term_length).unwrap().length, 4096);

    // frame_length below 32 in the middle.
    let mut datagram = build_datagram(0, &[0, 0]);
    datagram[32..36].copy_from_slice(&16i32.to_le_bytes());
    assert_eq!(
        first_error(&datagram),
        Some(FrameError::FrameTooShort { datagram_offset: 32, frame_length: 16 })
    );

    // A type other than DATA/PAD.
    let mut datagram = build_datagram(0, &[0, 0]);
    datagram[38] = 5;
    assert_eq!(first_error(&datagram), Some(FrameError::NotDataOrPad { datagram_offset: 32, frame_type: 5 }));

    // Non-consecutive term offsets.
    let mut datagram = build_datagram(0, &[0, 0]);
    datagram[40..44].copy_from_slice(&96i32.to_le_bytes());
    assert_eq!(
        first_error(&datagram),
        Some(FrameError::TermOffsetMismatch { datagram_offset: 32, expected: 32, actual: 96 })
    );

    // Past the end of the term.
    let datagram = build_datagram(term_length - 32, &[0, 0]);
    assert_eq!(
        first_error(&datagram),
        Some(FrameError::PastTermEnd { datagram_offset: 32, end: i64::from(term_length) + 32, term_length })
    );
    let datagram = build_datagram(term_length - 32, &[33]);
    assert!(matches!(first_error(&datagram), Some(FrameError::PastTermEnd { datagram_offset: 0, .. })));

    // A DATA frame truncated by the datagram end.
    let mut datagram = build_datagram(0, &[1]);
    datagram[0..4].copy_from_slice(&100i32.to_le_bytes());
    assert_eq!(
        first_error(&datagram),
        Some(FrameError::TruncatedFrame { datagram_offset: 0, aligned_length: 128, remaining: 64 })
    );

    // First term offset out of range / unaligned.
    let datagram = build_datagram(term_length, &[1]);
    assert_eq!(
        first_error(&datagram),
        Some(FrameError::InvalidTermOffset { term_offset: term_length, term_length })
    );
    let mut datagram = build_datagram(0, &[1]);
    datagram[8] = 8;
    assert_eq!(first_error(&datagram), Some(FrameError::InvalidTermOffset { term_offset: 8, term_length }));
    assert!(validate_data_packet(&datagram, term_length).is_err());

    // Unaligned or short datagram.
    assert_eq!(first_error(&HELLO_DATAGRAM[..40]), Some(FrameError::UnalignedDatagram(40)));
    assert_eq!(first_error(&HELLO_DATAGRAM[..8]), Some(FrameError::TooShort { needed: 32, actual: 8 }));
}

#[test]
fn walk_stops_after_the_first_error() {
    let mut datagram = build_datagram(0, &[0, 0, 0]);
    datagram[32..36].copy_from_slice(&0i32.to_le_bytes());
    let items: Vec<_> = DataFrames::new(&datagram, 64 * 1024).collect();
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(items[0].is_ok());
    assert!(items[1].is_err());
}

#[test]
fn term_length_and_mtu_helpers() {
    assert!(is_valid_term_length(TERM_MIN_LENGTH) && is_valid_term_length(TERM_MAX_LENGTH));
    assert!(!is_valid_term_length(TERM_MIN_LENGTH / 2) && !is_valid_term_length(TERM_MIN_LENGTH + 32));
    assert!(!is_valid_term_length(0) && !is_valid_term_length(-65536) && !is_valid_term_length(i32::MIN));
    assert_eq!(check_mtu(32), Ok(()));
    assert_eq!(check_mtu(65504), Ok(()));
    assert_eq!(check_mtu(65536), Err(FrameError::InvalidMtu(65536)));
    assert_eq!(align_frame_length(0), 0);
    assert_eq!(align_frame_length(37), 64);
    assert_eq!(align_frame_length(64), 64);
}

/// Feeds `bytes` to every decoder, validator and the walk; only checks that nothing panics and that
/// successful decodes re-encode to the same leading bytes.
fn exercise_all(bytes: &[u8], term_length: i32) {
    let _ = FrameHeader::decode(bytes);
    let _ = validate_datagram(bytes);
    let _ = validate_data_side_datagram(bytes);
    let _ = validate_control_side_datagram(bytes);
    let _ = is_heartbeat(bytes);
    let _ = validate_data_packet(bytes, term_length);
    for frame in DataFrames::new(bytes, term_length).flatten() {
        assert!(frame.payload().len() <= frame.bytes.len());
        assert!(frame.aligned_length() >= 32);
    }
    if let Ok(header) = DataHeader::decode(bytes) {
        let mut buf = [0u8; 32];
        header.encode(&mut buf).unwrap();
        assert_eq!(&buf[..], &bytes[..32]);
    }
    if let Ok(pad) = PadHeader::decode(bytes) {
        let mut buf = [0u8; 32];
        pad.encode(&mut buf).unwrap();
        assert_eq!(&buf[..], &bytes[..32]);
    }
    let _ = Heartbeat::decode(bytes);
    if let Ok(setup) = SetupHeader::decode(bytes) {
        let _ = setup.validate();
    }
    if let Ok(sm) = StatusMessage::decode(bytes) {
        let _ = sm.validate(term_length);
        let mut buf = [0u8; 44];
        let length = sm.encode(&mut buf).unwrap();
        assert_eq!(&buf[..length], &bytes[..length]);
    }
    if let Ok(frame) = Nak::decode(bytes) {
        let _ = frame.validate(term_length);
    }
    if let Ok(frame) = RttMeasurement::decode(bytes) {
        let _ = frame.reply();
    }
    if let Ok(frame) = ErrorFrame::decode(bytes) {
        let _ = frame.message_lossy();
    }
    let _ = ResponseSetup::decode(bytes);
}

fn term_lengths() -> impl Strategy<Value = i32> {
    prop_oneof![Just(64 * 1024), Just(TERM_MAX_LENGTH), any::<i32>(), 0..4096i32]
}

/// Bytes that often look like frames: a valid header prefix with random type/length, then random bytes.
fn frame_like_bytes() -> impl Strategy<Value = Vec<u8>> {
    (0u16..13, -64i32..2048, 0i32..4096, proptest::collection::vec(any::<u8>(), 0..256)).prop_map(
        |(frame_type, frame_length, term_offset, mut rest)| {
            let mut bytes = Vec::with_capacity(8 + rest.len());
            bytes.extend_from_slice(&frame_length.to_le_bytes());
            bytes.push(0);
            bytes.push(0xC0);
            bytes.extend_from_slice(&frame_type.to_le_bytes());
            bytes.extend_from_slice(&term_offset.to_le_bytes());
            bytes.append(&mut rest);
            bytes
        },
    )
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048), term_length in term_lengths()) {
        exercise_all(&bytes, term_length);
    }

    #[test]
    fn frame_like_bytes_never_panic(bytes in frame_like_bytes(), term_length in term_lengths()) {
        exercise_all(&bytes, term_length);
    }

    #[test]
    fn mutated_valid_datagrams_never_panic(
        payload_lengths in proptest::collection::vec(0usize..200, 1..6),
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..4),
        truncate in any::<usize>(),
        with_pad in any::<bool>(),
    ) {
        let mut datagram = build_datagram(0, &payload_lengths);
        if with_pad {
            let offset = datagram.len() as i32;
            datagram.extend_from_slice(&pad_bytes(offset, 1024));
        }
        let valid = validate_data_packet(&datagram, 64 * 1024);
        prop_assert!(valid.is_ok(), "{valid:?}");
        let expected_length = datagram.len() as i64 + if with_pad { 1024 - 32 } else { 0 };
        prop_assert_eq!(valid.unwrap().length, expected_length);
        for (index, value) in flips {
            let index = index % datagram.len();
            datagram[index] = value;
        }
        datagram.truncate(truncate % (datagram.len() + 1));
        exercise_all(&datagram, 64 * 1024);
    }

    #[test]
    fn data_header_roundtrip(
        frame_length in prop_oneof![Just(0), 32..=i32::MAX],
        flags in any::<u8>(), term_offset in any::<i32>(), session_id in any::<i32>(),
        stream_id in any::<i32>(), term_id in any::<i32>(), reserved_value in any::<i64>(),
    ) {
        let x = DataHeader { frame_length, flags, term_offset, session_id, stream_id, term_id, reserved_value };
        let mut buf = [0u8; 32];
        prop_assert_eq!(x.encode(&mut buf), Ok(32));
        prop_assert_eq!(DataHeader::decode(&buf), Ok(x));
    }

    #[test]
    fn data_frame_with_payload_roundtrip(payload in proptest::collection::vec(any::<u8>(), 0..300), term_offset in (0i32..1024).prop_map(|v| v * 32)) {
        let header = DataHeader { term_offset, ..hello_header() };
        let mut buf = vec![0u8; 400];
        let aligned = header.encode_with_payload(&payload, &mut buf).unwrap();
        prop_assert_eq!(aligned, align_frame_length(32 + payload.len()));
        let frames: Vec<_> = DataFrames::new(&buf[..aligned], 64 * 1024).collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(frames.len(), 1);
        prop_assert_eq!(frames[0].payload(), &payload[..]);
        let decoded = DataHeader::decode(&buf).unwrap();
        prop_assert_eq!(decoded, DataHeader { frame_length: 32 + payload.len() as i32, ..header });
    }

    #[test]
    fn pad_roundtrip(
        frame_length in 32..=i32::MAX, flags in any::<u8>(), term_offset in any::<i32>(), session_id in any::<i32>(),
        stream_id in any::<i32>(), term_id in any::<i32>(), reserved_value in any::<i64>(),
    ) {
        let x = PadHeader { frame_length, flags, term_offset, session_id, stream_id, term_id, reserved_value };
        let mut buf = [0u8; 32];
        prop_assert_eq!(x.encode(&mut buf), Ok(32));
        prop_assert_eq!(PadHeader::decode(&buf), Ok(x));
    }

    #[test]
    fn heartbeat_roundtrip(flags in any::<u8>(), term_offset in any::<i32>(), session_id in any::<i32>(), stream_id in any::<i32>(), term_id in any::<i32>()) {
        let x = Heartbeat { flags, term_offset, session_id, stream_id, term_id };
        let mut buf = [0u8; 32];
        prop_assert_eq!(x.encode(&mut buf), Ok(32));
        prop_assert!(is_heartbeat(&buf));
        prop_assert_eq!(Heartbeat::decode(&buf), Ok(x));
    }

    #[test]
    fn setup_roundtrip(
        flags in any::<u8>(), term_offset in any::<i32>(), session_id in any::<i32>(), stream_id in any::<i32>(),
        initial_term_id in any::<i32>(), active_term_id in any::<i32>(), term_length in any::<i32>(),
        mtu in any::<i32>(), ttl in any::<i32>(),
    ) {
        let x = SetupHeader { flags, term_offset, session_id, stream_id, initial_term_id, active_term_id, term_length, mtu, ttl };
        let mut buf = [0u8; 40];
        prop_assert_eq!(x.encode(&mut buf), Ok(40));
        prop_assert_eq!(SetupHeader::decode(&buf), Ok(x));
    }

    #[test]
    fn status_message_roundtrip(
        flags in any::<u8>(), session_id in any::<i32>(), stream_id in any::<i32>(), consumption_term_id in any::<i32>(),
        consumption_term_offset in any::<i32>(), receiver_window in any::<i32>(), receiver_id in any::<i64>(),
        group_tag in proptest::option::of(any::<i64>()),
    ) {
        let x = StatusMessage { flags, session_id, stream_id, consumption_term_id, consumption_term_offset, receiver_window, receiver_id, group_tag };
        let mut buf = [0u8; 44];
        prop_assert_eq!(x.encode(&mut buf), Ok(x.frame_length()));
        prop_assert_eq!(StatusMessage::decode(&buf[..x.frame_length()]), Ok(x));
    }

    #[test]
    fn nak_roundtrip(flags in any::<u8>(), session_id in any::<i32>(), stream_id in any::<i32>(), term_id in any::<i32>(), term_offset in any::<i32>(), length in any::<i32>()) {
        let x = Nak { flags, session_id, stream_id, term_id, term_offset, length };
        let mut buf = [0u8; 28];
        prop_assert_eq!(x.encode(&mut buf), Ok(28));
        prop_assert_eq!(Nak::decode(&buf), Ok(x));
    }

    #[test]
    fn rttm_roundtrip(flags in any::<u8>(), session_id in any::<i32>(), stream_id in any::<i32>(), echo_timestamp_ns in any::<i64>(), reception_delta_ns in any::<i64>(), receiver_id in any::<i64>()) {
        let x = RttMeasurement { flags, session_id, stream_id, echo_timestamp_ns, reception_delta_ns, receiver_id };
        let mut buf = [0u8; 40];
        prop_assert_eq!(x.encode(&mut buf), Ok(40));
        prop_assert_eq!(RttMeasurement::decode(&buf), Ok(x));
    }

    #[test]
    fn error_frame_roundtrip(
        flags in any::<u8>(), session_id in any::<i32>(), stream_id in any::<i32>(), receiver_id in any::<i64>(),
        group_tag in any::<i64>(), error_code in any::<i32>(), message in proptest::collection::vec(any::<u8>(), 0..=1023),
    ) {
        let x = ErrorFrame { flags, session_id, stream_id, receiver_id, group_tag, error_code, message };
        let mut buf = vec![0u8; error_frame::MAX_ERROR_FRAME_LENGTH];
        let length = x.encode(&mut buf).unwrap();
        prop_assert_eq!(length, x.frame_length());
        prop_assert_eq!(ErrorFrame::decode(&buf[..length]), Ok(x));
    }

    #[test]
    fn response_setup_roundtrip(flags in any::<u8>(), session_id in any::<i32>(), stream_id in any::<i32>(), response_session_id in any::<i32>()) {
        let x = ResponseSetup { flags, session_id, stream_id, response_session_id };
        let mut buf = [0u8; 20];
        prop_assert_eq!(x.encode(&mut buf), Ok(20));
        prop_assert_eq!(ResponseSetup::decode(&buf), Ok(x));
    }

    #[test]
    fn frame_header_roundtrip(frame_length in any::<i32>(), version in any::<u8>(), flags in any::<u8>(), frame_type in any::<u16>()) {
        let x = FrameHeader { frame_length, version, flags, frame_type };
        let mut buf = [0u8; 8];
        prop_assert_eq!(x.encode(&mut buf), Ok(8));
        prop_assert_eq!(FrameHeader::decode(&buf), Ok(x));
    }
}
