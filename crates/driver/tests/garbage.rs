//! Garbage in the to-driver ring buffer never panics the conductor and never goes unanswered.

mod common;

use agrona::Prng;
use common::{Harness, of_type};
use protocol::command::error_code::{MALFORMED_COMMAND, UNKNOWN_COMMAND_TYPE_ID};
use protocol::command::{ErrorResponse, event};

#[test]
fn random_commands_are_answered_with_errors() {
    let mut h = Harness::new();
    let mut prng = Prng::from_seed(42);
    for round in 0..400 {
        let msg_type_id = match round % 4 {
            0 => prng.gen_range(1..0x13) as i32,
            1 => (prng.next_u32() >> 1).max(1) as i32,
            _ => prng.gen_range(1..0x13) as i32,
        };
        let length = prng.gen_range(0..200) as usize;
        let mut bytes = vec![0u8; length];
        for byte in &mut bytes {
            *byte = prng.next_u32() as u8;
        }
        h.send(msg_type_id, &bytes);
        h.work();
    }
    let responses = h.responses();
    for error in of_type(&responses, event::ON_ERROR) {
        let error = ErrorResponse::decode(&error.bytes).unwrap();
        assert!(error.error_code > 0 && error.error_code <= 14, "{error:?}");
    }
    assert!(!of_type(&responses, event::ON_ERROR).is_empty());
}

#[test]
fn short_and_unknown_commands_get_their_codes() {
    let mut h = Harness::new();
    h.send(event::ADD_PUBLICATION, &[1, 2, 3]);
    h.send(0x7777, &[0u8; 16]);
    h.work();
    let responses = h.responses();
    let codes: Vec<i32> = of_type(&responses, event::ON_ERROR)
        .iter()
        .map(|r| ErrorResponse::decode(&r.bytes).unwrap().error_code)
        .collect();
    assert_eq!(codes, vec![MALFORMED_COMMAND, UNKNOWN_COMMAND_TYPE_ID]);
}

#[test]
fn corrupt_ring_buffer_records_do_not_panic() {
    let mut h = Harness::new();
    h.send(event::CLIENT_KEEPALIVE, &[0u8; 16]);
    // Scribble over the record header written above: absurd length and type.
    let buffer = h.to_driver.buffer().clone();
    let head = h.to_driver.consumer_position() as usize;
    buffer.put_i32(head, 0x7fff_fff0);
    buffer.put_i32(head + 4, 3);
    for _ in 0..10 {
        h.do_work().unwrap();
    }
    h.advance_ns(3_000_000_000);
}
