//! `LogBuffer::initialize` writes Aeron's exact metadata layout and start tails; `LogBuffer::wrap` reads
//! it back and rejects what it must, without panicking.

extern crate fulmar_logbuffer as logbuffer;

mod common;

use agrona::AtomicBuffer;
use common::{MTU, TERM_LENGTH, new_log, params};
use logbuffer::{
    LOG_META_DATA_LENGTH, LogBuffer, LogBufferError, LogParams, LogType, compute_log_length, pack_tail,
};

fn distinct_params() -> LogParams {
    let mut p = LogParams::new(TERM_LENGTH, MTU, 0x1122_3344, 0x0A0B_0C0D, -99);
    p.correlation_id = 0x0102_0304_0506_0708;
    p.publication_window_length = 32768 + 32;
    p.receiver_window_length = 2001;
    p.socket_sndbuf_length = 2002;
    p.os_default_socket_sndbuf_length = 2003;
    p.os_max_socket_sndbuf_length = 2004;
    p.socket_rcvbuf_length = 2005;
    p.os_default_socket_rcvbuf_length = 2006;
    p.os_max_socket_rcvbuf_length = 2007;
    p.max_resend = 2008;
    p.entity_tag = 3001;
    p.response_correlation_id = 3002;
    p.linger_timeout_ns = 3003;
    p.untethered_window_limit_timeout_ns = 3004;
    p.untethered_resting_timeout_ns = 3005;
    p.untethered_linger_timeout_ns = 3006;
    p.group = true;
    p.is_response = false;
    p.rejoin = true;
    p.reliable = false;
    p.sparse = true;
    p.signal_eos = false;
    p.spies_simulate_connection = true;
    p.tether = false;
    p.log_type = LogType::PublicationImage;
    p
}

#[test]
fn metadata_fields_sit_at_aerons_offsets() {
    let p = distinct_params();
    let log = new_log(&p);
    let m = log.buffer().view(log.buffer().capacity() - LOG_META_DATA_LENGTH, LOG_META_DATA_LENGTH);
    assert_eq!(m.get_i64(0), pack_tail(0x1122_3344, 0));
    assert_eq!(m.get_i64(8), pack_tail(0x1122_3344 - 2, 0));
    assert_eq!(m.get_i64(16), pack_tail(0x1122_3344 - 1, 0));
    assert_eq!(m.get_i32(24), 0);
    assert_eq!(m.get_i64(128), i64::MAX);
    assert_eq!(m.get_i32(136), 0);
    assert_eq!(m.get_i32(140), 0);
    assert_eq!(m.get_i64(256), 0x0102_0304_0506_0708);
    assert_eq!(m.get_i32(264), 0x1122_3344);
    assert_eq!(m.get_i32(268), 32);
    assert_eq!(m.get_i32(272), MTU);
    assert_eq!(m.get_i32(276), TERM_LENGTH);
    assert_eq!(m.get_i32(280), 4096);
    assert_eq!(m.get_i32(284), 32768 + 32);
    for (i, offset) in (288..=316).step_by(4).enumerate() {
        assert_eq!(m.get_i32(offset), 2001 + i as i32, "int field at {offset}");
    }
    let mut header = [0u8; 32];
    m.get_bytes(320, &mut header);
    let mut expected = [0u8; 32];
    expected[5] = 0xC0;
    expected[6] = 1;
    expected[12..16].copy_from_slice(&0x0A0B_0C0Di32.to_le_bytes());
    expected[16..20].copy_from_slice(&(-99i32).to_le_bytes());
    expected[20..24].copy_from_slice(&0x1122_3344i32.to_le_bytes());
    assert_eq!(header, expected, "default frame header");
    assert_eq!(m.get_i64(448), 3001);
    assert_eq!(m.get_i64(456), 3002);
    assert_eq!(m.get_i64(464), 3003);
    assert_eq!(m.get_i64(472), 3004);
    assert_eq!(m.get_i64(480), 3005);
    let flags: Vec<u8> = (488..498).map(|o| m.get_u8(o)).collect();
    assert_eq!(flags, vec![1, 0, 1, 0, 1, 0, 1, 0, 0, 2]);
    assert_eq!(m.get_i64(500), 3006);
}

#[test]
fn typed_accessors_read_every_field() {
    let p = distinct_params();
    let log = new_log(&p);
    let m = log.metadata();
    assert_eq!(m.correlation_id(), p.correlation_id);
    assert_eq!(m.initial_term_id(), p.initial_term_id);
    assert_eq!(m.default_frame_header_length(), 32);
    assert_eq!(m.mtu_length(), MTU);
    assert_eq!(m.term_length(), TERM_LENGTH);
    assert_eq!(m.page_size(), 4096);
    assert_eq!(m.publication_window_length(), p.publication_window_length);
    assert_eq!(m.receiver_window_length(), 2001);
    assert_eq!(m.socket_sndbuf_length(), 2002);
    assert_eq!(m.os_default_socket_sndbuf_length(), 2003);
    assert_eq!(m.os_max_socket_sndbuf_length(), 2004);
    assert_eq!(m.socket_rcvbuf_length(), 2005);
    assert_eq!(m.os_default_socket_rcvbuf_length(), 2006);
    assert_eq!(m.os_max_socket_rcvbuf_length(), 2007);
    assert_eq!(m.max_resend(), 2008);
    assert_eq!(m.entity_tag(), 3001);
    assert_eq!(m.response_correlation_id(), 3002);
    assert_eq!(m.linger_timeout_ns(), 3003);
    assert_eq!(m.untethered_window_limit_timeout_ns(), 3004);
    assert_eq!(m.untethered_resting_timeout_ns(), 3005);
    assert_eq!(m.untethered_linger_timeout_ns(), 3006);
    assert!(m.group() && !m.is_response() && m.rejoin() && !m.reliable() && m.sparse());
    assert!(!m.signal_eos() && m.spies_simulate_connection() && !m.tether() && !m.is_publication_revoked());
    assert_eq!(LogType::from_u8(m.log_type()), Some(LogType::PublicationImage));
    assert_eq!(m.end_of_stream_position(), i64::MAX);
    assert!(!m.is_connected());
    m.set_is_connected(true);
    m.set_active_transport_count(3);
    m.set_end_of_stream_position(4096);
    assert!(m.is_connected());
    assert_eq!(m.active_transport_count(), 3);
    assert_eq!(m.end_of_stream_position(), 4096);
    assert_eq!(log.session_id(), 0x0A0B_0C0D);
    assert_eq!(log.stream_id(), -99);
}

#[test]
fn a_log_can_start_at_any_term_id_and_offset() {
    let initial = i32::MAX - 3;
    let start_term = initial.wrapping_add(7); // wraps to a negative id, term count 7, partition 1
    let log = new_log(&params(initial).starting_at(start_term, 4096));
    let m = log.metadata();
    assert_eq!(m.active_term_count(), 7);
    assert_eq!(m.raw_tail_volatile(1), pack_tail(start_term, 4096));
    assert_eq!(m.raw_tail_volatile(2), pack_tail(start_term.wrapping_sub(2), 0));
    assert_eq!(m.raw_tail_volatile(0), pack_tail(start_term.wrapping_sub(1), 0));
    assert_eq!(log.producer_position(), 7 * TERM_LENGTH as i64 + 4096);
    let header = m.default_frame_header();
    assert_eq!(
        i32::from_le_bytes(header[8..12].try_into().unwrap()),
        4096,
        "Aeron stores the start offset there"
    );
}

#[test]
fn wrap_reads_back_what_initialize_wrote() {
    let log = new_log(&distinct_params());
    let wrapped = LogBuffer::wrap(log.buffer().clone()).expect("valid log");
    assert_eq!(wrapped.term_length(), TERM_LENGTH);
    assert_eq!(wrapped.mtu_length(), MTU);
    assert_eq!(wrapped.initial_term_id(), 0x1122_3344);
    assert_eq!(wrapped.position_bits_to_shift(), 16);
    assert_eq!(wrapped.producer_position(), 0);
    wrapped.term(2).put_i32(64, 7);
    assert_eq!(log.term(2).get_i32(64), 7, "same memory");
}

#[test]
fn metadata_is_at_the_end_of_a_page_aligned_log() {
    let mut p = params(0);
    p.page_size = 65536;
    let buffer = AtomicBuffer::heap(compute_log_length(p.term_length, p.page_size));
    assert_eq!(buffer.capacity(), 4 * TERM_LENGTH as usize);
    let log = LogBuffer::initialize(buffer.clone(), &p).unwrap();
    assert_eq!(buffer.get_i32(buffer.capacity() - 4096 + 276), TERM_LENGTH);
    assert_eq!(buffer.get_i32(3 * TERM_LENGTH as usize + 276), 0, "not at 3 * term_length");
    assert_eq!(LogBuffer::wrap(buffer).unwrap().term_length(), log.term_length());
}

#[test]
fn wrap_rejects_bad_logs_without_panicking() {
    let length = compute_log_length(TERM_LENGTH, 4096);
    assert_eq!(LogBuffer::wrap(AtomicBuffer::heap(length)).unwrap_err(), LogBufferError::Uninitialised);
    assert!(matches!(LogBuffer::wrap(AtomicBuffer::heap(4096)), Err(LogBufferError::BufferTooShort { .. })));
    assert!(matches!(LogBuffer::wrap(AtomicBuffer::heap(0)), Err(LogBufferError::BufferTooShort { .. })));

    let log = new_log(&params(0));
    let meta = log.metadata();
    meta.set_term_length(TERM_LENGTH * 4); // longer than the buffer
    assert!(matches!(LogBuffer::wrap(log.buffer().clone()), Err(LogBufferError::BufferTooShort { .. })));
    meta.set_term_length(12345);
    assert_eq!(LogBuffer::wrap(log.buffer().clone()).unwrap_err(), LogBufferError::InvalidTermLength(12345));
    meta.set_term_length(TERM_LENGTH);
    meta.set_page_size(100);
    assert_eq!(LogBuffer::wrap(log.buffer().clone()).unwrap_err(), LogBufferError::InvalidPageSize(100));
    meta.set_page_size(4096);
    meta.set_mtu_length(0);
    assert_eq!(LogBuffer::wrap(log.buffer().clone()).unwrap_err(), LogBufferError::InvalidMtuLength(0));
    meta.set_mtu_length(MTU);
    assert!(LogBuffer::wrap(log.buffer().clone()).is_ok());

    let big = AtomicBuffer::heap(length + 8);
    assert_eq!(LogBuffer::wrap(big.view(4, length)).unwrap_err(), LogBufferError::Misaligned);
}

#[test]
fn initialize_rejects_bad_params() {
    let buffer = || AtomicBuffer::heap(compute_log_length(TERM_LENGTH, 4096));
    let mut p = params(0);
    p.term_length = 1000;
    assert_eq!(LogBuffer::initialize(buffer(), &p).unwrap_err(), LogBufferError::InvalidTermLength(1000));
    let mut p = params(0);
    p.mtu_length = 1000;
    assert_eq!(LogBuffer::initialize(buffer(), &p).unwrap_err(), LogBufferError::InvalidMtuLength(1000));
    let mut p = params(0);
    p.term_length = TERM_LENGTH * 2;
    assert!(matches!(LogBuffer::initialize(buffer(), &p), Err(LogBufferError::BufferTooShort { .. })));
    for (term_id, offset) in [(-1, 0), (0, 16), (0, TERM_LENGTH + 32), (0, -32), (i32::MIN, 0)] {
        let p = params(0).starting_at(term_id, offset);
        assert!(
            matches!(LogBuffer::initialize(buffer(), &p), Err(LogBufferError::InvalidStartPosition { .. })),
            "start ({term_id}, {offset})"
        );
    }
}
