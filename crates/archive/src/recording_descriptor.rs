//! [`RecordingDescriptor`]: one catalog entry, decoded, and its byte layout (reference §5.2; Aeron's
//! `RecordingDescriptorHeaderEncoder` + `RecordingDescriptorEncoder`, raw SBE blocks without message
//! headers, little-endian).
//!
//! Entry layout (offsets from the entry start): a 32-byte header (`length` @0, `state` @4, `checksum` @8,
//! reserved to @31), then the 80-byte descriptor block, then `strippedChannel`, `originalChannel`,
//! `sourceIdentity`, each a `u32` length and ASCII bytes, then zero padding to the catalog alignment.
//! `length` counts everything after the header, padding included.
//!
//! Invariant: [`RecordingDescriptor::decode`] never panics; every length is checked against the bytes.

use crate::CatalogError;

/// `NULL_POSITION`/`NULL_TIMESTAMP`: Aeron's "not set" value for positions and timestamps.
pub const NULL_VALUE: i64 = -1;

/// Length of the entry header (`RecordingDescriptorHeader`).
pub const DESCRIPTOR_HEADER_LENGTH: usize = 32;
/// Length of the fixed descriptor block (`RecordingDescriptor` without its var-data).
pub const DESCRIPTOR_BLOCK_LENGTH: usize = 80;

/// Entry header: bytes after the header, padding included.
pub const HEADER_LENGTH_OFFSET: usize = 0;
/// Entry header: [`RecordingState`] as `i32`.
pub const HEADER_STATE_OFFSET: usize = 4;
/// Entry header: checksum of the `length` bytes after the header (0 without a checksum).
pub const HEADER_CHECKSUM_OFFSET: usize = 8;

/// Descriptor block field offsets, relative to the descriptor start (entry start + 32).
pub const CONTROL_SESSION_ID_OFFSET: usize = 0;
/// `correlationId`.
pub const CORRELATION_ID_OFFSET: usize = 8;
/// `recordingId`.
pub const RECORDING_ID_OFFSET: usize = 16;
/// `startTimestamp` (epoch ms).
pub const START_TIMESTAMP_OFFSET: usize = 24;
/// `stopTimestamp` (epoch ms, −1 while active).
pub const STOP_TIMESTAMP_OFFSET: usize = 32;
/// `startPosition`.
pub const START_POSITION_OFFSET: usize = 40;
/// `stopPosition` (−1 while recording).
pub const STOP_POSITION_OFFSET: usize = 48;
/// `initialTermId`.
pub const INITIAL_TERM_ID_OFFSET: usize = 56;
/// `segmentFileLength`.
pub const SEGMENT_FILE_LENGTH_OFFSET: usize = 60;
/// `termBufferLength`.
pub const TERM_BUFFER_LENGTH_OFFSET: usize = 64;
/// `mtuLength`.
pub const MTU_LENGTH_OFFSET: usize = 68;
/// `sessionId`.
pub const SESSION_ID_OFFSET: usize = 72;
/// `streamId`.
pub const STREAM_ID_OFFSET: usize = 76;
/// First var-data field (`strippedChannel`).
pub const STRIPPED_CHANNEL_OFFSET: usize = 80;

/// The state of a catalog entry (`RecordingState` in Aeron's codecs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum RecordingState {
    /// Marked invalid by verification or by hand; not listed.
    Invalid = 0,
    /// A usable recording.
    Valid = 1,
    /// Purged: its files are gone; the entry is kept until compaction.
    Deleted = 2,
}

impl RecordingState {
    /// The state for its stored value, if known.
    pub fn from_i32(value: i32) -> Option<Self> {
        match value {
            0 => Some(Self::Invalid),
            1 => Some(Self::Valid),
            2 => Some(Self::Deleted),
            _ => None,
        }
    }
}

/// A decoded catalog entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingDescriptor {
    /// Entry state.
    pub state: RecordingState,
    /// Stored checksum of the entry (0 when checksums are off).
    pub checksum: i32,
    /// Control session that last started or extended the recording.
    pub control_session_id: i64,
    /// Correlation id of the request that last started or extended it.
    pub correlation_id: i64,
    /// The recording id.
    pub recording_id: i64,
    /// Start time, epoch ms.
    pub start_timestamp_ms: i64,
    /// Stop time, epoch ms ([`NULL_VALUE`] while active).
    pub stop_timestamp_ms: i64,
    /// Stream position of the first recorded byte.
    pub start_position: i64,
    /// Stream position after the last recorded byte ([`NULL_VALUE`] while recording).
    pub stop_position: i64,
    /// Initial term id of the recorded stream.
    pub initial_term_id: i32,
    /// Segment file length: `max(configured, term_buffer_length)`.
    pub segment_file_length: i32,
    /// Term length of the recorded stream.
    pub term_buffer_length: i32,
    /// MTU of the recorded stream.
    pub mtu_length: i32,
    /// Session id of the (latest) recorded image.
    pub session_id: i32,
    /// Stream id.
    pub stream_id: i32,
    /// The channel without the parameters that vary per session.
    pub stripped_channel: String,
    /// The channel as given in the request.
    pub original_channel: String,
    /// Where the data came from (`ip:port`, `aeron:ipc`).
    pub source_identity: String,
}

fn get_i32(bytes: &[u8], offset: usize) -> i32 {
    i32::from_le_bytes([bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3]])
}

fn get_i64(bytes: &[u8], offset: usize) -> i64 {
    let mut raw = [0u8; 8];
    raw.copy_from_slice(&bytes[offset..offset + 8]);
    i64::from_le_bytes(raw)
}

impl RecordingDescriptor {
    /// Bytes of the entry for these strings with `alignment` (a power of two): Aeron's
    /// `recordingDescriptorFrameLength`.
    pub fn entry_length(&self, alignment: usize) -> usize {
        let unaligned = DESCRIPTOR_HEADER_LENGTH
            + DESCRIPTOR_BLOCK_LENGTH
            + 12
            + self.stripped_channel.len()
            + self.original_channel.len()
            + self.source_identity.len();
        agrona::align(unaligned, alignment)
    }

    /// Encodes the whole entry (header with `checksum` 0 in the header unless set, descriptor, strings,
    /// zero padding) for `alignment`.
    pub fn encode_entry(&self, alignment: usize) -> Vec<u8> {
        let entry_length = self.entry_length(alignment);
        let mut bytes = vec![0u8; entry_length];
        bytes[0..4].copy_from_slice(&((entry_length - DESCRIPTOR_HEADER_LENGTH) as i32).to_le_bytes());
        bytes[4..8].copy_from_slice(&(self.state as i32).to_le_bytes());
        bytes[8..12].copy_from_slice(&self.checksum.to_le_bytes());
        let d = DESCRIPTOR_HEADER_LENGTH;
        let put_i64 = |bytes: &mut Vec<u8>, offset: usize, value: i64| {
            bytes[d + offset..d + offset + 8].copy_from_slice(&value.to_le_bytes())
        };
        put_i64(&mut bytes, CONTROL_SESSION_ID_OFFSET, self.control_session_id);
        put_i64(&mut bytes, CORRELATION_ID_OFFSET, self.correlation_id);
        put_i64(&mut bytes, RECORDING_ID_OFFSET, self.recording_id);
        put_i64(&mut bytes, START_TIMESTAMP_OFFSET, self.start_timestamp_ms);
        put_i64(&mut bytes, STOP_TIMESTAMP_OFFSET, self.stop_timestamp_ms);
        put_i64(&mut bytes, START_POSITION_OFFSET, self.start_position);
        put_i64(&mut bytes, STOP_POSITION_OFFSET, self.stop_position);
        let ints = [
            (INITIAL_TERM_ID_OFFSET, self.initial_term_id),
            (SEGMENT_FILE_LENGTH_OFFSET, self.segment_file_length),
            (TERM_BUFFER_LENGTH_OFFSET, self.term_buffer_length),
            (MTU_LENGTH_OFFSET, self.mtu_length),
            (SESSION_ID_OFFSET, self.session_id),
            (STREAM_ID_OFFSET, self.stream_id),
        ];
        for (offset, value) in ints {
            bytes[d + offset..d + offset + 4].copy_from_slice(&value.to_le_bytes());
        }
        let mut offset = d + STRIPPED_CHANNEL_OFFSET;
        for text in [&self.stripped_channel, &self.original_channel, &self.source_identity] {
            bytes[offset..offset + 4].copy_from_slice(&(text.len() as u32).to_le_bytes());
            bytes[offset + 4..offset + 4 + text.len()].copy_from_slice(text.as_bytes());
            offset += 4 + text.len();
        }
        bytes
    }

    /// Decodes the entry at the start of `entry` (header included; `entry` may run past the entry).
    /// Returns the descriptor and the entry's total length. `entry_offset` only labels errors.
    pub fn decode(entry: &[u8], entry_offset: usize) -> Result<(Self, usize), CatalogError> {
        let corrupt = |reason: &'static str| CatalogError::Corrupt { offset: entry_offset, reason };
        if entry.len() < DESCRIPTOR_HEADER_LENGTH {
            return Err(corrupt("entry header truncated"));
        }
        let length = get_i32(entry, HEADER_LENGTH_OFFSET);
        if length <= 0 {
            return Err(corrupt("entry length is not positive"));
        }
        let total = DESCRIPTOR_HEADER_LENGTH + length as usize;
        if total > entry.len() {
            return Err(corrupt("entry runs past the end of the catalog"));
        }
        if (length as usize) < DESCRIPTOR_BLOCK_LENGTH + 12 {
            return Err(corrupt("entry too short for a descriptor"));
        }
        let state = RecordingState::from_i32(get_i32(entry, HEADER_STATE_OFFSET))
            .ok_or(corrupt("unknown entry state"))?;
        let checksum = get_i32(entry, HEADER_CHECKSUM_OFFSET);
        let d = &entry[DESCRIPTOR_HEADER_LENGTH..total];
        let mut strings: [String; 3] = Default::default();
        let mut offset = STRIPPED_CHANNEL_OFFSET;
        for text in &mut strings {
            if d.len() - offset < 4 {
                return Err(corrupt("string length runs past the entry"));
            }
            let text_length = get_i32(d, offset) as u32 as usize;
            offset += 4;
            if text_length > d.len() - offset {
                return Err(corrupt("string runs past the entry"));
            }
            *text = String::from_utf8_lossy(&d[offset..offset + text_length]).into_owned();
            offset += text_length;
        }
        let [stripped_channel, original_channel, source_identity] = strings;
        let descriptor = RecordingDescriptor {
            state,
            checksum,
            control_session_id: get_i64(d, CONTROL_SESSION_ID_OFFSET),
            correlation_id: get_i64(d, CORRELATION_ID_OFFSET),
            recording_id: get_i64(d, RECORDING_ID_OFFSET),
            start_timestamp_ms: get_i64(d, START_TIMESTAMP_OFFSET),
            stop_timestamp_ms: get_i64(d, STOP_TIMESTAMP_OFFSET),
            start_position: get_i64(d, START_POSITION_OFFSET),
            stop_position: get_i64(d, STOP_POSITION_OFFSET),
            initial_term_id: get_i32(d, INITIAL_TERM_ID_OFFSET),
            segment_file_length: get_i32(d, SEGMENT_FILE_LENGTH_OFFSET),
            term_buffer_length: get_i32(d, TERM_BUFFER_LENGTH_OFFSET),
            mtu_length: get_i32(d, MTU_LENGTH_OFFSET),
            session_id: get_i32(d, SESSION_ID_OFFSET),
            stream_id: get_i32(d, STREAM_ID_OFFSET),
            stripped_channel,
            original_channel,
            source_identity,
        };
        Ok((descriptor, total))
    }

    /// True if the recording is still being recorded (no stop position).
    pub fn is_active(&self) -> bool {
        self.stop_position == NULL_VALUE
    }
}
