//! [`LogBuffer`]: the three terms and the metadata of one log, laid out byte-exact as Aeron (reference
//! §2.1), and [`LogBufferError`].
//!
//! Invariants (established by [`LogBuffer::initialize`] or checked by [`LogBuffer::wrap`]):
//! - the term length is a power of two in [64 KiB, 1 GiB]; the page size and MTU are valid;
//! - term `i` occupies `[i * term_length, (i + 1) * term_length)`; the metadata is the last 4096 bytes of the
//!   buffer (Aeron maps it at `log_length - 4096`);
//! - the buffer start and the metadata are 8-byte aligned, so every frame header and tail counter is
//!   naturally aligned for atomic access;
//! - the cached values (term length, initial term id, MTU) are read once and never change for a log.

use agrona::AtomicBuffer;

use crate::frame_descriptor::{
    FLAGS_OFFSET, FRAME_ALIGNMENT, HDR_TYPE_DATA, SESSION_ID_OFFSET, STREAM_ID_OFFSET, TERM_ID_OFFSET,
    TERM_OFFSET_OFFSET, TYPE_OFFSET, UNFRAGMENTED, VERSION_OFFSET,
};
use crate::log_buffer_descriptor::{
    LOG_META_DATA_LENGTH, LOG_MIN_LENGTH, PARTITION_COUNT, check_mtu_length, check_page_size,
    check_term_length, compute_position, index_by_term, index_by_term_count, next_partition_index, pack_tail,
    position_bits_to_shift, term_id, term_offset,
};
use crate::log_metadata::{LOG_DEFAULT_FRAME_HEADER_OFFSET, LogMetadata};
use crate::log_params::LogParams;

/// Why a log buffer could not be created or wrapped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogBufferError {
    /// The term length is not a power of two in [64 KiB, 1 GiB].
    #[error("invalid term length {0}: must be a power of two in [65536, 1073741824]")]
    InvalidTermLength(i32),
    /// The page size is not a power of two in [4 KiB, 1 GiB].
    #[error("invalid page size {0}: must be a power of two in [4096, 1073741824]")]
    InvalidPageSize(i32),
    /// The MTU is not in (32, 65504] or not a multiple of 32.
    #[error("invalid MTU length {0}: must be in (32, 65504] and a multiple of 32")]
    InvalidMtuLength(i32),
    /// The buffer is too short for three terms and the metadata.
    #[error("log buffer of {length} bytes is too short: {required} required")]
    BufferTooShort {
        /// The buffer's length.
        length: usize,
        /// The least length the log needs.
        required: usize,
    },
    /// The buffer (or its metadata section) is not 8-byte aligned.
    #[error("log buffer is not 8-byte aligned")]
    Misaligned,
    /// The start position is not valid for the term length and initial term id.
    #[error(
        "invalid start: initial term id {initial_term_id}, term id {active_term_id}, term offset {term_offset}"
    )]
    InvalidStartPosition {
        /// The initial term id.
        initial_term_id: i32,
        /// The requested start term id.
        active_term_id: i32,
        /// The requested start term offset.
        term_offset: i32,
    },
    /// The metadata has no term length: the log was never initialised (or not yet).
    #[error("log buffer metadata is not initialised")]
    Uninitialised,
}

/// One log: three term buffers plus metadata. Cheap to clone (clones share the memory); `Send + Sync`.
///
/// Create a new log with [`LogBuffer::initialize`] (the driver), or attach to an existing one with
/// [`LogBuffer::wrap`] (clients, other processes). Writers and readers
/// ([`crate::ConcurrentPublicationWriter`], [`crate::ExclusivePublicationWriter`], [`crate::ImageReader`]) are
/// built on top of it.
#[derive(Clone, Debug)]
pub struct LogBuffer {
    buffer: AtomicBuffer,
    terms: [AtomicBuffer; PARTITION_COUNT],
    metadata: LogMetadata,
    term_length: i32,
    position_bits_to_shift: u32,
    initial_term_id: i32,
    mtu_length: i32,
}

impl LogBuffer {
    /// Writes a fresh log's metadata and tails into `buffer`, which must be zeroed and at least
    /// `3 * term_length + 4096` bytes long (normally exactly
    /// [`compute_log_length`](crate::compute_log_length)). Positions start at
    /// `compute_position(active_term_id, term_offset)`: the active partition's tail is (`active_term_id`,
    /// `term_offset`) and the other two hold `active_term_id - 2` and `active_term_id - 1`, as Aeron's driver
    /// sets them up. The end-of-stream position (`i64::MAX`) is written last, with release.
    pub fn initialize(buffer: AtomicBuffer, params: &LogParams) -> Result<Self, LogBufferError> {
        check_term_length(params.term_length)?;
        check_page_size(params.page_size)?;
        check_mtu_length(params.mtu_length)?;
        let required = PARTITION_COUNT * params.term_length as usize + LOG_META_DATA_LENGTH;
        check_layout(&buffer, required)?;
        let term_count = params.active_term_id.wrapping_sub(params.initial_term_id);
        if term_count < 0
            || params.term_offset < 0
            || params.term_offset > params.term_length
            || params.term_offset % FRAME_ALIGNMENT != 0
        {
            return Err(LogBufferError::InvalidStartPosition {
                initial_term_id: params.initial_term_id,
                active_term_id: params.active_term_id,
                term_offset: params.term_offset,
            });
        }

        let metadata =
            LogMetadata::new(buffer.view(buffer.capacity() - LOG_META_DATA_LENGTH, LOG_META_DATA_LENGTH))?;

        let mut header = [0u8; 32];
        header[VERSION_OFFSET] = 0;
        header[FLAGS_OFFSET] = UNFRAGMENTED;
        header[TYPE_OFFSET..TYPE_OFFSET + 2].copy_from_slice(&HDR_TYPE_DATA.to_le_bytes());
        header[TERM_OFFSET_OFFSET..TERM_OFFSET_OFFSET + 4].copy_from_slice(&params.term_offset.to_le_bytes());
        header[SESSION_ID_OFFSET..SESSION_ID_OFFSET + 4].copy_from_slice(&params.session_id.to_le_bytes());
        header[STREAM_ID_OFFSET..STREAM_ID_OFFSET + 4].copy_from_slice(&params.stream_id.to_le_bytes());
        header[TERM_ID_OFFSET..TERM_ID_OFFSET + 4].copy_from_slice(&params.initial_term_id.to_le_bytes());
        metadata.set_default_frame_header(&header);

        metadata.set_correlation_id(params.correlation_id);
        metadata.set_initial_term_id(params.initial_term_id);
        metadata.set_mtu_length(params.mtu_length);
        metadata.set_term_length(params.term_length);
        metadata.set_page_size(params.page_size);
        metadata.set_publication_window_length(params.publication_window_length);
        metadata.set_receiver_window_length(params.receiver_window_length);
        metadata.set_socket_sndbuf_length(params.socket_sndbuf_length);
        metadata.set_os_default_socket_sndbuf_length(params.os_default_socket_sndbuf_length);
        metadata.set_os_max_socket_sndbuf_length(params.os_max_socket_sndbuf_length);
        metadata.set_socket_rcvbuf_length(params.socket_rcvbuf_length);
        metadata.set_os_default_socket_rcvbuf_length(params.os_default_socket_rcvbuf_length);
        metadata.set_os_max_socket_rcvbuf_length(params.os_max_socket_rcvbuf_length);
        metadata.set_max_resend(params.max_resend);
        metadata.set_rejoin(params.rejoin);
        metadata.set_reliable(params.reliable);
        metadata.set_sparse(params.sparse);
        metadata.set_signal_eos(params.signal_eos);
        metadata.set_spies_simulate_connection(params.spies_simulate_connection);
        metadata.set_tether(params.tether);
        metadata.set_is_publication_revoked(false);
        metadata.set_group(params.group);
        metadata.set_is_response(params.is_response);
        metadata.set_log_type(params.log_type as u8);
        metadata.set_entity_tag(params.entity_tag);
        metadata.set_response_correlation_id(params.response_correlation_id);
        metadata.set_untethered_window_limit_timeout_ns(params.untethered_window_limit_timeout_ns);
        metadata.set_untethered_linger_timeout_ns(params.untethered_linger_timeout_ns);
        metadata.set_untethered_resting_timeout_ns(params.untethered_resting_timeout_ns);
        metadata.set_linger_timeout_ns(params.linger_timeout_ns);

        let mut index = index_by_term(params.initial_term_id, params.active_term_id);
        metadata.set_raw_tail(index, pack_tail(params.active_term_id, params.term_offset));
        for i in 1..PARTITION_COUNT as i32 {
            index = next_partition_index(index);
            let expected_term_id = params.active_term_id.wrapping_add(i).wrapping_sub(PARTITION_COUNT as i32);
            metadata.initialise_tail_with_term_id(index, expected_term_id);
        }
        metadata.set_active_term_count(term_count);

        // Acts as the release fence that publishes everything above.
        metadata.set_end_of_stream_position(i64::MAX);

        Ok(Self::from_parts(buffer, metadata, params.term_length, params.initial_term_id, params.mtu_length))
    }

    /// Wraps an initialised log, possibly created by another process. Validates the length, alignment, term
    /// length, page size and MTU found in the metadata; never panics, whatever the bytes.
    pub fn wrap(buffer: AtomicBuffer) -> Result<Self, LogBufferError> {
        check_layout(&buffer, LOG_MIN_LENGTH)?;
        let metadata =
            LogMetadata::new(buffer.view(buffer.capacity() - LOG_META_DATA_LENGTH, LOG_META_DATA_LENGTH))?;
        // Acquire: pairs with the creator's final release store.
        let _ = metadata.end_of_stream_position();
        let term_length = metadata.term_length();
        if term_length == 0 {
            return Err(LogBufferError::Uninitialised);
        }
        check_term_length(term_length)?;
        check_page_size(metadata.page_size())?;
        let mtu_length = metadata.mtu_length();
        check_mtu_length(mtu_length)?;
        let required = PARTITION_COUNT * term_length as usize + LOG_META_DATA_LENGTH;
        if buffer.capacity() < required {
            return Err(LogBufferError::BufferTooShort { length: buffer.capacity(), required });
        }
        let initial_term_id = metadata.initial_term_id();
        Ok(Self::from_parts(buffer, metadata, term_length, initial_term_id, mtu_length))
    }

    fn from_parts(
        buffer: AtomicBuffer,
        metadata: LogMetadata,
        term_length: i32,
        initial_term_id: i32,
        mtu_length: i32,
    ) -> Self {
        let tl = term_length as usize;
        let terms = [buffer.view(0, tl), buffer.view(tl, tl), buffer.view(2 * tl, tl)];
        Self {
            buffer,
            terms,
            metadata,
            term_length,
            position_bits_to_shift: position_bits_to_shift(term_length),
            initial_term_id,
            mtu_length,
        }
    }

    /// The whole log (terms and metadata).
    #[inline]
    pub fn buffer(&self) -> &AtomicBuffer {
        &self.buffer
    }

    /// Term buffer `partition_index` (0..3). Panics if the index is out of range.
    #[inline]
    pub fn term(&self, partition_index: usize) -> &AtomicBuffer {
        &self.terms[partition_index]
    }

    /// All three term buffers.
    #[inline]
    pub fn terms(&self) -> &[AtomicBuffer; PARTITION_COUNT] {
        &self.terms
    }

    /// The metadata section.
    #[inline]
    pub fn metadata(&self) -> &LogMetadata {
        &self.metadata
    }

    /// Length of each term.
    #[inline]
    pub fn term_length(&self) -> i32 {
        self.term_length
    }

    /// `log2(term_length)`.
    #[inline]
    pub fn position_bits_to_shift(&self) -> u32 {
        self.position_bits_to_shift
    }

    /// The term id of position 0.
    #[inline]
    pub fn initial_term_id(&self) -> i32 {
        self.initial_term_id
    }

    /// Maximum frame length, header included.
    #[inline]
    pub fn mtu_length(&self) -> i32 {
        self.mtu_length
    }

    /// Session id from the default frame header.
    #[inline]
    pub fn session_id(&self) -> i32 {
        self.metadata.buffer().get_i32(LOG_DEFAULT_FRAME_HEADER_OFFSET + SESSION_ID_OFFSET)
    }

    /// Stream id from the default frame header.
    #[inline]
    pub fn stream_id(&self) -> i32 {
        self.metadata.buffer().get_i32(LOG_DEFAULT_FRAME_HEADER_OFFSET + STREAM_ID_OFFSET)
    }

    /// Producer position read from the active partition's tail (rotation-aware, clamped to the term end),
    /// as Aeron's `Publication.position()`.
    #[inline]
    pub fn producer_position(&self) -> i64 {
        let raw_tail =
            self.metadata.raw_tail_volatile(index_by_term_count(self.metadata.active_term_count() as i64));
        compute_position(
            term_id(raw_tail),
            term_offset(raw_tail, self.term_length as i64),
            self.position_bits_to_shift,
            self.initial_term_id,
        )
    }
}

fn check_layout(buffer: &AtomicBuffer, required: usize) -> Result<(), LogBufferError> {
    if buffer.capacity() < required {
        return Err(LogBufferError::BufferTooShort { length: buffer.capacity(), required });
    }
    if !buffer.address().is_multiple_of(8) || !buffer.capacity().is_multiple_of(8) {
        return Err(LogBufferError::Misaligned);
    }
    Ok(())
}
