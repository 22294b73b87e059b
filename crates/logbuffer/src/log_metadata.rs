//! [`LogMetadata`]: typed accessors over the 4096-byte metadata section at the end of a log
//! (reference §2.2; Aeron's `LogBufferDescriptor` static accessors, C `aeron_logbuffer_metadata_t`).
//!
//! Invariants:
//! - offsets and widths are exactly Aeron's, little-endian;
//! - the fields other threads or processes change while the log is live (tails, active term count,
//!   end-of-stream position, connected flag, active transport count) are read with acquire and written with
//!   release (or atomically); the rest are written once by the log's creator before it publishes the
//!   end-of-stream position, and read plainly afterwards;
//! - the view is at least [`LOG_META_DATA_LENGTH`] bytes and 8-byte aligned (checked by [`LogMetadata::new`]),
//!   so no accessor can go out of bounds or misalign.

use agrona::AtomicBuffer;

use crate::LogBufferError;
use crate::frame_descriptor::HEADER_LENGTH_USIZE;
use crate::log_buffer_descriptor::{LOG_META_DATA_LENGTH, PARTITION_COUNT, index_by_term_count, pack_tail};

/// Offset of the three raw tails.
pub const TERM_TAIL_COUNTERS_OFFSET: usize = 0;
/// Offset of `active_term_count` (i32).
pub const LOG_ACTIVE_TERM_COUNT_OFFSET: usize = 24;
/// Offset of `end_of_stream_position` (i64).
pub const LOG_END_OF_STREAM_POSITION_OFFSET: usize = 128;
/// Offset of `is_connected` (i32).
pub const LOG_IS_CONNECTED_OFFSET: usize = 136;
/// Offset of `active_transport_count` (i32).
pub const LOG_ACTIVE_TRANSPORT_COUNT_OFFSET: usize = 140;
/// Offset of `correlation_id` (i64).
pub const LOG_CORRELATION_ID_OFFSET: usize = 256;
/// Offset of `initial_term_id` (i32).
pub const LOG_INITIAL_TERM_ID_OFFSET: usize = 264;
/// Offset of `default_frame_header_length` (i32).
pub const LOG_DEFAULT_FRAME_HEADER_LENGTH_OFFSET: usize = 268;
/// Offset of `mtu_length` (i32).
pub const LOG_MTU_LENGTH_OFFSET: usize = 272;
/// Offset of `term_length` (i32).
pub const LOG_TERM_LENGTH_OFFSET: usize = 276;
/// Offset of `page_size` (i32).
pub const LOG_PAGE_SIZE_OFFSET: usize = 280;
/// Offset of `publication_window_length` (i32).
pub const LOG_PUBLICATION_WINDOW_LENGTH_OFFSET: usize = 284;
/// Offset of `receiver_window_length` (i32).
pub const LOG_RECEIVER_WINDOW_LENGTH_OFFSET: usize = 288;
/// Offset of `socket_sndbuf_length` (i32).
pub const LOG_SOCKET_SNDBUF_LENGTH_OFFSET: usize = 292;
/// Offset of `os_default_socket_sndbuf_length` (i32).
pub const LOG_OS_DEFAULT_SOCKET_SNDBUF_LENGTH_OFFSET: usize = 296;
/// Offset of `os_max_socket_sndbuf_length` (i32).
pub const LOG_OS_MAX_SOCKET_SNDBUF_LENGTH_OFFSET: usize = 300;
/// Offset of `socket_rcvbuf_length` (i32).
pub const LOG_SOCKET_RCVBUF_LENGTH_OFFSET: usize = 304;
/// Offset of `os_default_socket_rcvbuf_length` (i32).
pub const LOG_OS_DEFAULT_SOCKET_RCVBUF_LENGTH_OFFSET: usize = 308;
/// Offset of `os_max_socket_rcvbuf_length` (i32).
pub const LOG_OS_MAX_SOCKET_RCVBUF_LENGTH_OFFSET: usize = 312;
/// Offset of `max_resend` (i32).
pub const LOG_MAX_RESEND_OFFSET: usize = 316;
/// Offset of the default frame header (128 bytes reserved, 32 used).
pub const LOG_DEFAULT_FRAME_HEADER_OFFSET: usize = 320;
/// Bytes reserved for the default frame header.
pub const LOG_DEFAULT_FRAME_HEADER_MAX_LENGTH: usize = 128;
/// Offset of `entity_tag` (i64).
pub const LOG_ENTITY_TAG_OFFSET: usize = 448;
/// Offset of `response_correlation_id` (i64).
pub const LOG_RESPONSE_CORRELATION_ID_OFFSET: usize = 456;
/// Offset of `linger_timeout_ns` (i64).
pub const LOG_LINGER_TIMEOUT_NS_OFFSET: usize = 464;
/// Offset of `untethered_window_limit_timeout_ns` (i64).
pub const LOG_UNTETHERED_WINDOW_LIMIT_TIMEOUT_NS_OFFSET: usize = 472;
/// Offset of `untethered_resting_timeout_ns` (i64).
pub const LOG_UNTETHERED_RESTING_TIMEOUT_NS_OFFSET: usize = 480;
/// Offset of `group` (u8).
pub const LOG_GROUP_OFFSET: usize = 488;
/// Offset of `is_response` (u8).
pub const LOG_IS_RESPONSE_OFFSET: usize = 489;
/// Offset of `rejoin` (u8).
pub const LOG_REJOIN_OFFSET: usize = 490;
/// Offset of `reliable` (u8).
pub const LOG_RELIABLE_OFFSET: usize = 491;
/// Offset of `sparse` (u8).
pub const LOG_SPARSE_OFFSET: usize = 492;
/// Offset of `signal_eos` (u8).
pub const LOG_SIGNAL_EOS_OFFSET: usize = 493;
/// Offset of `spies_simulate_connection` (u8).
pub const LOG_SPIES_SIMULATE_CONNECTION_OFFSET: usize = 494;
/// Offset of `tether` (u8).
pub const LOG_TETHER_OFFSET: usize = 495;
/// Offset of `is_publication_revoked` (u8).
pub const LOG_IS_PUBLICATION_REVOKED_OFFSET: usize = 496;
/// Offset of the log `type` (u8, see [`crate::LogType`]).
pub const LOG_TYPE_OFFSET: usize = 497;
/// Offset of `untethered_linger_timeout_ns` (i64, not 8-aligned).
pub const LOG_UNTETHERED_LINGER_TIMEOUT_NS_OFFSET: usize = 500;

/// A view of a log's metadata section. Cheap to clone (clones share the memory).
///
/// Drive it through the accessors; the hot-path fields (tails, term count) have the atomic forms the
/// publication and image protocols need. All methods take `&self` (the memory is shared).
#[derive(Clone, Debug)]
pub struct LogMetadata {
    buffer: AtomicBuffer,
}

macro_rules! plain_fields {
    ($($(#[$doc:meta])* $get:ident, $set:ident, $t:ty, $read:ident, $write:ident, $offset:expr;)*) => {
        $(
            $(#[$doc])*
            #[inline]
            pub fn $get(&self) -> $t {
                self.buffer.$read($offset)
            }

            #[doc = concat!("Sets the field read by [`LogMetadata::", stringify!($get), "`] (plain store).")]
            #[inline]
            pub fn $set(&self, value: $t) {
                self.buffer.$write($offset, value)
            }
        )*
    };
}

macro_rules! flag_fields {
    ($($(#[$doc:meta])* $get:ident, $set:ident, $offset:expr;)*) => {
        $(
            $(#[$doc])*
            #[inline]
            pub fn $get(&self) -> bool {
                self.buffer.get_u8($offset) == 1
            }

            #[doc = concat!("Sets the flag read by [`LogMetadata::", stringify!($get), "`] (1 or 0).")]
            #[inline]
            pub fn $set(&self, value: bool) {
                self.buffer.put_u8($offset, u8::from(value))
            }
        )*
    };
}

impl LogMetadata {
    /// Wraps a metadata section. Fails if it is shorter than [`LOG_META_DATA_LENGTH`] or not 8-byte aligned.
    pub fn new(buffer: AtomicBuffer) -> Result<Self, LogBufferError> {
        if buffer.capacity() < LOG_META_DATA_LENGTH {
            return Err(LogBufferError::BufferTooShort {
                length: buffer.capacity(),
                required: LOG_META_DATA_LENGTH,
            });
        }
        if !buffer.address().is_multiple_of(8) {
            return Err(LogBufferError::Misaligned);
        }
        Ok(Self { buffer })
    }

    /// The underlying metadata bytes.
    #[inline]
    pub fn buffer(&self) -> &AtomicBuffer {
        &self.buffer
    }

    #[inline]
    fn tail_offset(partition_index: usize) -> usize {
        assert!(partition_index < PARTITION_COUNT, "partition index {partition_index} out of range");
        TERM_TAIL_COUNTERS_OFFSET + partition_index * size_of::<i64>()
    }

    /// Acquire load of a partition's raw tail. Panics if `partition_index >= 3`.
    #[inline]
    pub fn raw_tail_volatile(&self, partition_index: usize) -> i64 {
        self.buffer.get_i64_volatile(Self::tail_offset(partition_index))
    }

    /// Plain load of a partition's raw tail.
    #[inline]
    pub fn raw_tail(&self, partition_index: usize) -> i64 {
        self.buffer.get_i64(Self::tail_offset(partition_index))
    }

    /// Release store of a partition's raw tail (the exclusive writer's publication of its tail).
    #[inline]
    pub fn set_raw_tail_ordered(&self, partition_index: usize, raw_tail: i64) {
        self.buffer.put_i64_ordered(Self::tail_offset(partition_index), raw_tail)
    }

    /// Plain store of a partition's raw tail (log set-up only).
    #[inline]
    pub fn set_raw_tail(&self, partition_index: usize, raw_tail: i64) {
        self.buffer.put_i64(Self::tail_offset(partition_index), raw_tail)
    }

    /// Atomic compare-and-set of a partition's raw tail.
    #[inline]
    pub fn cas_raw_tail(&self, partition_index: usize, expected: i64, update: i64) -> bool {
        self.buffer.compare_and_set_i64(Self::tail_offset(partition_index), expected, update)
    }

    /// Atomic add to a partition's raw tail; returns the previous raw tail (the concurrent claim).
    #[inline]
    pub fn get_and_add_raw_tail(&self, partition_index: usize, delta: i64) -> i64 {
        self.buffer.get_and_add_i64(Self::tail_offset(partition_index), delta)
    }

    /// Acquire load of the raw tail of the active partition (`active_term_count % 3`).
    #[inline]
    pub fn active_raw_tail_volatile(&self) -> i64 {
        self.raw_tail_volatile(index_by_term_count(self.active_term_count() as i64))
    }

    /// Sets a partition's raw tail to (`term_id`, 0) with a plain store.
    #[inline]
    pub fn initialise_tail_with_term_id(&self, partition_index: usize, term_id: i32) {
        self.set_raw_tail(partition_index, pack_tail(term_id, 0))
    }

    /// Acquire load of the number of rotations so far (the active partition is `count % 3`).
    #[inline]
    pub fn active_term_count(&self) -> i32 {
        self.buffer.get_i32_volatile(LOG_ACTIVE_TERM_COUNT_OFFSET)
    }

    /// Atomic compare-and-set of the active term count.
    #[inline]
    pub fn cas_active_term_count(&self, expected: i32, update: i32) -> bool {
        self.buffer.compare_and_set_i32(LOG_ACTIVE_TERM_COUNT_OFFSET, expected, update)
    }

    /// Release store of the active term count (the exclusive writer's rotation).
    #[inline]
    pub fn set_active_term_count_ordered(&self, count: i32) {
        self.buffer.put_i32_ordered(LOG_ACTIVE_TERM_COUNT_OFFSET, count)
    }

    /// Plain store of the active term count (log set-up only).
    #[inline]
    pub fn set_active_term_count(&self, count: i32) {
        self.buffer.put_i32(LOG_ACTIVE_TERM_COUNT_OFFSET, count)
    }

    /// Rotates the log after term `term_id` (term count `term_count`) filled up, as Aeron's `rotateLog`:
    /// CAS the next partition's tail from any offset in term `term_id + 1 - 3` to (`term_id + 1`, 0), then
    /// CAS the active term count from `term_count` to `term_count + 1`. Returns true if this call moved the
    /// term count (another thread may have done the rotation already; both outcomes are fine).
    pub fn rotate_log(&self, term_count: i32, term_id: i32) -> bool {
        let next_term_id = term_id.wrapping_add(1);
        let next_term_count = term_count.wrapping_add(1);
        let next_index = index_by_term_count(next_term_count as i64);
        let expected_term_id = next_term_id.wrapping_sub(PARTITION_COUNT as i32);
        loop {
            let raw_tail = self.raw_tail_volatile(next_index);
            if crate::log_buffer_descriptor::term_id(raw_tail) != expected_term_id {
                break;
            }
            if self.cas_raw_tail(next_index, raw_tail, pack_tail(next_term_id, 0)) {
                break;
            }
        }
        self.cas_active_term_count(term_count, next_term_count)
    }

    /// Acquire load of the end-of-stream position (`i64::MAX` while the stream is open).
    #[inline]
    pub fn end_of_stream_position(&self) -> i64 {
        self.buffer.get_i64_volatile(LOG_END_OF_STREAM_POSITION_OFFSET)
    }

    /// Release store of the end-of-stream position.
    #[inline]
    pub fn set_end_of_stream_position(&self, position: i64) {
        self.buffer.put_i64_ordered(LOG_END_OF_STREAM_POSITION_OFFSET, position)
    }

    /// Acquire load of the connected flag (publications return `NotConnected` rather than `BackPressured`
    /// while it is false).
    #[inline]
    pub fn is_connected(&self) -> bool {
        self.buffer.get_i32_volatile(LOG_IS_CONNECTED_OFFSET) == 1
    }

    /// Release store of the connected flag.
    #[inline]
    pub fn set_is_connected(&self, connected: bool) {
        self.buffer.put_i32_ordered(LOG_IS_CONNECTED_OFFSET, i32::from(connected))
    }

    /// Acquire load of the number of active transports (MDS/MDC).
    #[inline]
    pub fn active_transport_count(&self) -> i32 {
        self.buffer.get_i32_volatile(LOG_ACTIVE_TRANSPORT_COUNT_OFFSET)
    }

    /// Release store of the number of active transports.
    #[inline]
    pub fn set_active_transport_count(&self, count: i32) {
        self.buffer.put_i32_ordered(LOG_ACTIVE_TRANSPORT_COUNT_OFFSET, count)
    }

    plain_fields! {
        /// Registration id of the publication, or correlation id of the image.
        correlation_id, set_correlation_id, i64, get_i64, put_i64, LOG_CORRELATION_ID_OFFSET;
        /// The term id of position 0.
        initial_term_id, set_initial_term_id, i32, get_i32, put_i32, LOG_INITIAL_TERM_ID_OFFSET;
        /// Length of the stored default frame header (32).
        default_frame_header_length, set_default_frame_header_length, i32, get_i32, put_i32,
            LOG_DEFAULT_FRAME_HEADER_LENGTH_OFFSET;
        /// Maximum frame length, header included.
        mtu_length, set_mtu_length, i32, get_i32, put_i32, LOG_MTU_LENGTH_OFFSET;
        /// Length of each term.
        term_length, set_term_length, i32, get_i32, put_i32, LOG_TERM_LENGTH_OFFSET;
        /// File page size the log length is aligned to.
        page_size, set_page_size, i32, get_i32, put_i32, LOG_PAGE_SIZE_OFFSET;
        /// Publication window length.
        publication_window_length, set_publication_window_length, i32, get_i32, put_i32,
            LOG_PUBLICATION_WINDOW_LENGTH_OFFSET;
        /// Receiver window length.
        receiver_window_length, set_receiver_window_length, i32, get_i32, put_i32,
            LOG_RECEIVER_WINDOW_LENGTH_OFFSET;
        /// Configured `SO_SNDBUF`.
        socket_sndbuf_length, set_socket_sndbuf_length, i32, get_i32, put_i32, LOG_SOCKET_SNDBUF_LENGTH_OFFSET;
        /// OS default `SO_SNDBUF`.
        os_default_socket_sndbuf_length, set_os_default_socket_sndbuf_length, i32, get_i32, put_i32,
            LOG_OS_DEFAULT_SOCKET_SNDBUF_LENGTH_OFFSET;
        /// OS maximum `SO_SNDBUF`.
        os_max_socket_sndbuf_length, set_os_max_socket_sndbuf_length, i32, get_i32, put_i32,
            LOG_OS_MAX_SOCKET_SNDBUF_LENGTH_OFFSET;
        /// Configured `SO_RCVBUF`.
        socket_rcvbuf_length, set_socket_rcvbuf_length, i32, get_i32, put_i32, LOG_SOCKET_RCVBUF_LENGTH_OFFSET;
        /// OS default `SO_RCVBUF`.
        os_default_socket_rcvbuf_length, set_os_default_socket_rcvbuf_length, i32, get_i32, put_i32,
            LOG_OS_DEFAULT_SOCKET_RCVBUF_LENGTH_OFFSET;
        /// OS maximum `SO_RCVBUF`.
        os_max_socket_rcvbuf_length, set_os_max_socket_rcvbuf_length, i32, get_i32, put_i32,
            LOG_OS_MAX_SOCKET_RCVBUF_LENGTH_OFFSET;
        /// Maximum concurrent retransmits.
        max_resend, set_max_resend, i32, get_i32, put_i32, LOG_MAX_RESEND_OFFSET;
        /// Application tag of the entity.
        entity_tag, set_entity_tag, i64, get_i64, put_i64, LOG_ENTITY_TAG_OFFSET;
        /// Correlation id of the response channel peer.
        response_correlation_id, set_response_correlation_id, i64, get_i64, put_i64,
            LOG_RESPONSE_CORRELATION_ID_OFFSET;
        /// Publication linger timeout.
        linger_timeout_ns, set_linger_timeout_ns, i64, get_i64, put_i64, LOG_LINGER_TIMEOUT_NS_OFFSET;
        /// Untethered subscription window limit timeout.
        untethered_window_limit_timeout_ns, set_untethered_window_limit_timeout_ns, i64, get_i64, put_i64,
            LOG_UNTETHERED_WINDOW_LIMIT_TIMEOUT_NS_OFFSET;
        /// Untethered subscription resting timeout.
        untethered_resting_timeout_ns, set_untethered_resting_timeout_ns, i64, get_i64, put_i64,
            LOG_UNTETHERED_RESTING_TIMEOUT_NS_OFFSET;
        /// Untethered subscription linger timeout.
        untethered_linger_timeout_ns, set_untethered_linger_timeout_ns, i64, get_i64, put_i64,
            LOG_UNTETHERED_LINGER_TIMEOUT_NS_OFFSET;
        /// The raw log `type` byte (see [`crate::LogType::from_u8`]).
        log_type, set_log_type, u8, get_u8, put_u8, LOG_TYPE_OFFSET;
    }

    flag_fields! {
        /// Group semantics.
        group, set_group, LOG_GROUP_OFFSET;
        /// Response channel publication.
        is_response, set_is_response, LOG_IS_RESPONSE_OFFSET;
        /// Subscription may rejoin.
        rejoin, set_rejoin, LOG_REJOIN_OFFSET;
        /// NAK on loss (true) or fill gaps (false).
        reliable, set_reliable, LOG_RELIABLE_OFFSET;
        /// Sparse log file.
        sparse, set_sparse, LOG_SPARSE_OFFSET;
        /// Heartbeats carry EOS after close.
        signal_eos, set_signal_eos, LOG_SIGNAL_EOS_OFFSET;
        /// Spies count as a connection.
        spies_simulate_connection, set_spies_simulate_connection, LOG_SPIES_SIMULATE_CONNECTION_OFFSET;
        /// Subscriptions are tethered.
        tether, set_tether, LOG_TETHER_OFFSET;
        /// The publication was revoked.
        is_publication_revoked, set_is_publication_revoked, LOG_IS_PUBLICATION_REVOKED_OFFSET;
    }

    /// A copy of the 32-byte default DATA header (frame length 0, flags 0xC0, type DATA, session, stream,
    /// initial term id).
    pub fn default_frame_header(&self) -> [u8; 32] {
        let mut header = [0u8; HEADER_LENGTH_USIZE];
        self.buffer.get_bytes(LOG_DEFAULT_FRAME_HEADER_OFFSET, &mut header);
        header
    }

    /// Stores the default frame header and its length (32), as Aeron's `storeDefaultFrameHeader`.
    pub fn set_default_frame_header(&self, header: &[u8; 32]) {
        self.buffer.put_i32(LOG_DEFAULT_FRAME_HEADER_LENGTH_OFFSET, HEADER_LENGTH_USIZE as i32);
        self.buffer.put_bytes(LOG_DEFAULT_FRAME_HEADER_OFFSET, header);
    }

    /// Copies the default frame header to `term_offset` in `term` (Aeron's `applyDefaultHeader`).
    pub(crate) fn apply_default_header(&self, term: &AtomicBuffer, term_offset: usize) {
        term.put_buffer(term_offset, &self.buffer, LOG_DEFAULT_FRAME_HEADER_OFFSET, HEADER_LENGTH_USIZE);
    }
}
