//! Shared test helpers: a synthetic stream produced by logbuffer's `ExclusivePublicationWriter` over a heap
//! `LogBuffer` and taken out with `ImageReader::block_poll`, exactly as a recorder would see it.

#![allow(dead_code)]

use std::sync::atomic::AtomicI64;

use agrona::{AtomicBuffer, Prng};
use fulmar_archive::{Catalog, CatalogConfig, MemoryArchiveStorage, NewRecording, SegmentGeometry};
use logbuffer::{
    ExclusivePublicationWriter, ImageReader, LogBuffer, LogParams, OfferError, PositionCell, clean_buffer_to,
    compute_log_length, compute_position,
};

pub const SESSION_ID: i32 = 0x1234;
pub const STREAM_ID: i32 = 1001;
pub const MTU: i32 = 1408;

/// A publication and an image over one heap log; `produce` offers random messages and hands every block
/// the image yields to a sink, cleaning terms behind like the driver.
pub struct StreamSynth {
    log: LogBuffer,
    writer: ExclusivePublicationWriter,
    reader: ImageReader,
    subscriber_position: AtomicI64,
    clean_position: i64,
    prng: Prng,
    max_message_length: usize,
    pub start_position: i64,
    pub initial_term_id: i32,
    pub term_length: i32,
}

impl StreamSynth {
    pub fn new(term_length: i32, initial_term_id: i32, term_count: i32, term_offset: i32, seed: u64) -> Self {
        let params = LogParams::new(term_length, MTU, initial_term_id, SESSION_ID, STREAM_ID)
            .starting_at(initial_term_id.wrapping_add(term_count), term_offset);
        let buffer = AtomicBuffer::heap(compute_log_length(term_length, 4096));
        let log = LogBuffer::initialize(buffer, &params).unwrap();
        log.metadata().set_is_connected(true);
        let writer = ExclusivePublicationWriter::new(log.clone());
        let reader = ImageReader::new(log.clone());
        let start_position = compute_position(
            initial_term_id.wrapping_add(term_count),
            term_offset,
            logbuffer::position_bits_to_shift(term_length),
            initial_term_id,
        );
        Self {
            max_message_length: 4 * MTU as usize,
            log,
            writer,
            reader,
            subscriber_position: AtomicI64::new(start_position),
            clean_position: start_position - (start_position & (term_length as i64 - 1)),
            prng: Prng::from_seed(seed),
            start_position,
            initial_term_id,
            term_length,
        }
    }

    pub fn with_max_message_length(mut self, length: usize) -> Self {
        self.max_message_length = length;
        self
    }

    pub fn geometry(&self, segment_length: i32) -> SegmentGeometry {
        SegmentGeometry::new(self.start_position, self.term_length, segment_length, self.initial_term_id)
            .unwrap()
    }

    pub fn new_recording(&self, segment_length: i32) -> NewRecording {
        NewRecording {
            control_session_id: 7,
            correlation_id: 8,
            start_timestamp_ms: 1_000,
            start_position: self.start_position,
            initial_term_id: self.initial_term_id,
            segment_file_length: segment_length,
            term_buffer_length: self.term_length,
            mtu_length: MTU,
            session_id: SESSION_ID,
            stream_id: STREAM_ID,
            stripped_channel: "aeron:udp?endpoint=localhost:20121".to_string(),
            original_channel: "aeron:udp?endpoint=localhost:20121|term-length=65536".to_string(),
            source_identity: "127.0.0.1:40123".to_string(),
        }
    }

    pub fn position(&self) -> i64 {
        self.subscriber_position.get()
    }

    fn drain(&mut self, block_limit: usize, sink: &mut dyn FnMut(&[u8], i64)) -> usize {
        let mut total = 0;
        loop {
            let position = self.subscriber_position.get();
            let consumed = self.reader.block_poll(
                &self.subscriber_position,
                &mut |block: &[u8], _session_id: i32, _term_id: i32| sink(block, position),
                block_limit,
            );
            if consumed == 0 {
                break;
            }
            total += consumed;
        }
        let target = self.subscriber_position.get() - self.term_length as i64;
        while self.clean_position < target {
            self.clean_position = clean_buffer_to(&self.log, self.clean_position, target);
        }
        total
    }

    /// Offers messages until at least `bytes` more stream bytes have gone to `sink`; returns the position.
    pub fn produce(&mut self, bytes: u64, block_limit: usize, sink: &mut dyn FnMut(&[u8], i64)) -> i64 {
        let goal = self.subscriber_position.get() + bytes as i64;
        let mut payload = vec![0u8; self.max_message_length];
        while self.subscriber_position.get() < goal {
            let limit = self.subscriber_position.get() + self.term_length as i64 / 2;
            let length = 1 + self.prng.gen_range(0..self.max_message_length as u64) as usize;
            let fill = (self.prng.next_u32() as u8) | 1;
            for (index, byte) in payload[..length].iter_mut().enumerate() {
                *byte = fill.wrapping_add(index as u8) | 1;
            }
            loop {
                match self.writer.offer(limit, &payload[..length]) {
                    Ok(_) => break,
                    Err(OfferError::AdminAction) => continue,
                    Err(OfferError::BackPressured | OfferError::NotConnected) => {
                        self.drain(block_limit, sink);
                        break;
                    }
                    Err(other) => panic!("offer failed: {other:?}"),
                }
            }
            if self.prng.chance(0.3) {
                self.drain(block_limit, sink);
            }
        }
        self.drain(block_limit, sink);
        self.subscriber_position.get()
    }
}

/// A crash-image storage with a catalog holding one recording for `synth`; returns (storage, catalog, id).
pub fn storage_with_recording(
    storage: MemoryArchiveStorage,
    synth: &StreamSynth,
    segment_length: i32,
) -> (MemoryArchiveStorage, Catalog<fulmar_archive::MemoryArchiveFile>, i64) {
    let mut catalog = Catalog::create(&storage, CatalogConfig::default()).unwrap();
    let id = catalog.add_recording(&synth.new_recording(segment_length)).unwrap();
    (storage, catalog, id)
}

/// Splits a block into (offset-in-block, aligned length, is_padding) frames.
pub fn frames_of(block: &[u8]) -> Vec<(usize, usize, bool)> {
    let mut frames = Vec::new();
    let mut offset = 0;
    while offset < block.len() {
        let length = i32::from_le_bytes(block[offset..offset + 4].try_into().unwrap()) as usize;
        let aligned = (length + 31) & !31;
        let is_padding = u16::from_le_bytes([block[offset + 6], block[offset + 7]]) == 0;
        frames.push((offset, aligned, is_padding));
        offset += aligned;
    }
    frames
}
