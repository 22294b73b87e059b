//! Fuzz target: every transport frame decoder, the datagram validators and the DATA frame walk must
//! never panic on arbitrary bytes, and whatever decodes must re-encode to the same leading bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use protocol::frame::{
    DataFrames, DataHeader, ErrorFrame, FrameHeader, Heartbeat, Nak, PadHeader, ResponseSetup,
    RttMeasurement, SetupHeader, StatusMessage, TERM_MAX_LENGTH, TERM_MIN_LENGTH, is_heartbeat,
    validate_control_side_datagram, validate_data_packet, validate_data_side_datagram, validate_datagram,
};

fuzz_target!(|data: &[u8]| {
    // The first byte picks the term length used by the term-length-dependent checks; the rest is the datagram.
    let (term_length, datagram) = match data.split_first() {
        Some((&selector, rest)) => (term_length_for(selector), rest),
        None => (TERM_MIN_LENGTH, data),
    };

    let _ = FrameHeader::decode(datagram);
    let _ = validate_datagram(datagram);
    let _ = validate_data_side_datagram(datagram);
    let _ = validate_control_side_datagram(datagram);
    let _ = is_heartbeat(datagram);

    let walked = DataFrames::new(datagram, term_length).try_fold(0i64, |length, frame| {
        frame.map(|frame| {
            assert!(frame.payload().len() <= frame.bytes.len());
            length + frame.aligned_length()
        })
    });
    if let Ok(packet) = validate_data_packet(datagram, term_length)
        && !packet.is_heartbeat
    {
        assert_eq!(walked, Ok(packet.length));
    }

    let mut buf = [0u8; 64];
    if let Ok(header) = DataHeader::decode(datagram) {
        assert_eq!(header.encode(&mut buf), Ok(32));
        assert_eq!(&buf[..32], &datagram[..32]);
    }
    if let Ok(pad) = PadHeader::decode(datagram) {
        assert_eq!(pad.encode(&mut buf), Ok(32));
        assert_eq!(&buf[..32], &datagram[..32]);
    }
    if let Ok(heartbeat) = Heartbeat::decode(datagram) {
        let _ = heartbeat.is_end_of_stream();
    }
    if let Ok(setup) = SetupHeader::decode(datagram) {
        let _ = setup.validate();
        let length = setup.encode(&mut buf).unwrap();
        assert_eq!(SetupHeader::decode(&buf[..length]), Ok(setup));
    }
    if let Ok(sm) = StatusMessage::decode(datagram) {
        let _ = sm.validate(term_length);
        let length = sm.encode(&mut buf).unwrap();
        assert_eq!(&buf[..length], &datagram[..length]);
    }
    if let Ok(nak) = Nak::decode(datagram) {
        let _ = nak.validate(term_length);
        let length = nak.encode(&mut buf).unwrap();
        assert_eq!(Nak::decode(&buf[..length]), Ok(nak));
    }
    if let Ok(rttm) = RttMeasurement::decode(datagram) {
        let length = rttm.encode(&mut buf).unwrap();
        assert_eq!(RttMeasurement::decode(&buf[..length]), Ok(rttm));
    }
    if let Ok(error) = ErrorFrame::decode(datagram) {
        let mut out = vec![0u8; error.frame_length()];
        let length = error.encode(&mut out).unwrap();
        assert_eq!(ErrorFrame::decode(&out[..length]), Ok(error));
    }
    if let Ok(response_setup) = ResponseSetup::decode(datagram) {
        let length = response_setup.encode(&mut buf).unwrap();
        assert_eq!(ResponseSetup::decode(&buf[..length]), Ok(response_setup));
    }
});

/// Mostly valid term lengths, sometimes nonsense ones (the checks must cope with both).
fn term_length_for(selector: u8) -> i32 {
    match selector % 20 {
        0 => 0,
        1 => -1,
        2 => i32::MAX,
        3 => 4096,
        shift => (TERM_MIN_LENGTH << (shift % 15)).min(TERM_MAX_LENGTH),
    }
}
