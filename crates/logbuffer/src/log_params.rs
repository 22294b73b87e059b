//! [`LogParams`]: everything [`crate::LogBuffer::initialize`] writes into a fresh log's metadata, and
//! [`LogType`].
//!
//! Invariants checked by `initialize` (not here): valid term length, page size and MTU; `term_offset` in
//! `[0, term_length]` and frame-aligned; `active_term_id - initial_term_id` (wrapping) non-negative.

use crate::log_buffer_descriptor::TERM_MIN_LENGTH;

/// What a log buffer belongs to (metadata `type` byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum LogType {
    /// A publication that many threads or processes may write (`ConcurrentPublicationWriter`).
    ConcurrentPublication = 0,
    /// A publication with a single writer (`ExclusivePublicationWriter`).
    ExclusivePublication = 1,
    /// A receiver-side image of a network publication.
    PublicationImage = 2,
}

impl LogType {
    /// Decodes the metadata `type` byte; `None` for an unknown value.
    pub fn from_u8(value: u8) -> Option<Self> {
        match value {
            0 => Some(Self::ConcurrentPublication),
            1 => Some(Self::ExclusivePublication),
            2 => Some(Self::PublicationImage),
            _ => None,
        }
    }
}

/// The contents of a new log's metadata (reference §2.2). Build with [`LogParams::new`], then adjust the
/// public fields; hand to [`crate::LogBuffer::initialize`].
///
/// The defaults are what Aeron's driver writes for a publication log: window `term_length / 2`, page size
/// 4 KiB, `sparse = true`, `signal_eos = true`, `tether/rejoin/reliable = false` (the driver writes these
/// three from the subscription for images), linger 5 s, untethered window limit and linger 5 s, untethered
/// resting 10 s, `max_resend = 16`, entity tag and response correlation id -1 (none), socket buffer
/// lengths 0, correlation id 0, starting at position 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogParams {
    /// Length of each term (power of two, 64 KiB..1 GiB).
    pub term_length: i32,
    /// File page size the log length is aligned to.
    pub page_size: i32,
    /// Maximum frame length (header included) for one datagram; messages above `mtu_length - 32` fragment.
    pub mtu_length: i32,
    /// The term id of position 0.
    pub initial_term_id: i32,
    /// The term the log starts in (equal to `initial_term_id` for a start at position 0).
    pub active_term_id: i32,
    /// The offset in `active_term_id` the log starts at (frame-aligned).
    pub term_offset: i32,
    /// Session id written in every frame header.
    pub session_id: i32,
    /// Stream id written in every frame header.
    pub stream_id: i32,
    /// Registration id of the publication or correlation id of the image.
    pub correlation_id: i64,
    /// How far a publisher may run ahead of its slowest consumer.
    pub publication_window_length: i32,
    /// Receiver window (images only).
    pub receiver_window_length: i32,
    /// Configured `SO_SNDBUF` (0 = OS default).
    pub socket_sndbuf_length: i32,
    /// The OS default `SO_SNDBUF`.
    pub os_default_socket_sndbuf_length: i32,
    /// The OS maximum `SO_SNDBUF`.
    pub os_max_socket_sndbuf_length: i32,
    /// Configured `SO_RCVBUF` (0 = OS default).
    pub socket_rcvbuf_length: i32,
    /// The OS default `SO_RCVBUF`.
    pub os_default_socket_rcvbuf_length: i32,
    /// The OS maximum `SO_RCVBUF`.
    pub os_max_socket_rcvbuf_length: i32,
    /// Maximum concurrent retransmits.
    pub max_resend: i32,
    /// Application tag of the entity.
    pub entity_tag: i64,
    /// Correlation id of the response channel peer.
    pub response_correlation_id: i64,
    /// Publication linger timeout.
    pub linger_timeout_ns: i64,
    /// Untethered subscription window limit timeout.
    pub untethered_window_limit_timeout_ns: i64,
    /// Untethered subscription resting timeout.
    pub untethered_resting_timeout_ns: i64,
    /// Untethered subscription linger timeout.
    pub untethered_linger_timeout_ns: i64,
    /// Group semantics (multicast or `group=true`).
    pub group: bool,
    /// Response channel publication.
    pub is_response: bool,
    /// Subscription may rejoin after the image goes away.
    pub rejoin: bool,
    /// NAK on loss (true) or fill gaps with padding (false).
    pub reliable: bool,
    /// Sparse log file.
    pub sparse: bool,
    /// Heartbeats carry EOS after close.
    pub signal_eos: bool,
    /// Spies count as a connection.
    pub spies_simulate_connection: bool,
    /// Subscriptions are tethered.
    pub tether: bool,
    /// What the log belongs to.
    pub log_type: LogType,
}

impl LogParams {
    /// Parameters for a log starting at position 0 (`active_term_id = initial_term_id`, offset 0), with
    /// the defaults listed on [`LogParams`].
    pub fn new(
        term_length: i32,
        mtu_length: i32,
        initial_term_id: i32,
        session_id: i32,
        stream_id: i32,
    ) -> Self {
        const FIVE_SECONDS_NS: i64 = 5_000_000_000;
        Self {
            term_length,
            page_size: crate::log_buffer_descriptor::PAGE_MIN_SIZE,
            mtu_length,
            initial_term_id,
            active_term_id: initial_term_id,
            term_offset: 0,
            session_id,
            stream_id,
            correlation_id: 0,
            publication_window_length: term_length.max(TERM_MIN_LENGTH) / 2,
            receiver_window_length: 0,
            socket_sndbuf_length: 0,
            os_default_socket_sndbuf_length: 0,
            os_max_socket_sndbuf_length: 0,
            socket_rcvbuf_length: 0,
            os_default_socket_rcvbuf_length: 0,
            os_max_socket_rcvbuf_length: 0,
            max_resend: 16,
            entity_tag: -1,
            response_correlation_id: -1,
            linger_timeout_ns: FIVE_SECONDS_NS,
            untethered_window_limit_timeout_ns: FIVE_SECONDS_NS,
            untethered_resting_timeout_ns: 2 * FIVE_SECONDS_NS,
            untethered_linger_timeout_ns: FIVE_SECONDS_NS,
            group: false,
            is_response: false,
            rejoin: false,
            reliable: false,
            sparse: true,
            signal_eos: true,
            spies_simulate_connection: false,
            tether: false,
            log_type: LogType::ConcurrentPublication,
        }
    }

    /// Moves the start of the log to (`active_term_id`, `term_offset`), as the URI parameters
    /// `init-term-id|term-id|term-offset` do.
    pub fn starting_at(mut self, active_term_id: i32, term_offset: i32) -> Self {
        self.active_term_id = active_term_id;
        self.term_offset = term_offset;
        self
    }
}
