//! [`DriverContext`]: the driver's configuration, with Aeron 1.54's defaults.
//!
//! How to use: start from [`DriverContext::new`] (Aeron defaults) or [`DriverContext::test_min`] (tiny
//! buffers, short timeouts), adjust the public fields or chain the `with_*` setters, and hand it to
//! [`crate::DriverConductor::new`], which validates it ([`DriverContext::validate`]).

use std::fmt;
use std::sync::Arc;

use agrona::{EpochClock, HeapMemoryStore, ManualClock, MemoryStore};
use media::DatagramTransportFactory;
use protocol::command::cnc::{
    BROADCAST_BUFFER_TRAILER_LENGTH, COUNTER_METADATA_LENGTH, COUNTER_VALUE_LENGTH,
    RING_BUFFER_TRAILER_LENGTH,
};

use crate::driver_error::DriverError;

/// Aeron's default to-driver ring buffer length: 1 MiB of data plus the trailer.
pub const TO_DRIVER_BUFFER_LENGTH_DEFAULT: usize = 1024 * 1024 + RING_BUFFER_TRAILER_LENGTH;
/// Aeron's default to-clients broadcast buffer length: 1 MiB of data plus the trailer.
pub const TO_CLIENTS_BUFFER_LENGTH_DEFAULT: usize = 1024 * 1024 + BROADCAST_BUFFER_TRAILER_LENGTH;
/// Aeron's default counters values buffer length (8 MiB; the metadata buffer is four times larger).
pub const COUNTERS_VALUES_BUFFER_LENGTH_DEFAULT: usize = 8 * 1024 * 1024;
/// Aeron's default distinct error log length (4 MiB).
pub const ERROR_BUFFER_LENGTH_DEFAULT: usize = 4 * 1024 * 1024;
/// Aeron's default IPC term length (64 MiB).
pub const IPC_TERM_BUFFER_LENGTH_DEFAULT: i32 = 64 * 1024 * 1024;
/// Aeron's default network term length (16 MiB).
pub const TERM_BUFFER_LENGTH_DEFAULT: i32 = 16 * 1024 * 1024;
/// Aeron's default MTU (1408).
pub const MTU_LENGTH_DEFAULT: i32 = 1408;
/// Aeron's default file page size (4 KiB).
pub const FILE_PAGE_SIZE_DEFAULT: i32 = 4096;
/// Lowest session id of the reserved range skipped by generated session ids.
pub const PUBLICATION_RESERVED_SESSION_ID_LOW_DEFAULT: i32 = -1;
/// Highest session id of the reserved range skipped by generated session ids.
pub const PUBLICATION_RESERVED_SESSION_ID_HIGH_DEFAULT: i32 = 1000;

/// Everything the driver conductor needs to run.
#[derive(Clone)]
pub struct DriverContext {
    /// Where the CnC region and log buffers are created.
    pub memory_store: Arc<dyn MemoryStore>,
    /// Wall-clock time for timestamps shared with clients (heartbeats, error log, counter reuse).
    pub epoch_clock: Arc<dyn EpochClock>,
    /// Seed of the driver's PRNG (first session id, initial term ids).
    pub session_id_seed: u64,
    /// Length of the to-driver ring buffer, trailer included (power of two + 768).
    pub to_driver_buffer_length: usize,
    /// Length of the to-clients broadcast buffer, trailer included (power of two + 128).
    pub to_clients_buffer_length: usize,
    /// Length of the counters values buffer (a multiple of 128); the metadata buffer is 4× this.
    pub counters_values_buffer_length: usize,
    /// Length of the distinct error log.
    pub error_buffer_length: usize,
    /// A client that neither sends a command nor updates its heartbeat counter for this long is timed out.
    pub client_liveness_timeout_ns: i64,
    /// Default time a removed publication waits for its subscribers to drain (URI `linger=` overrides).
    pub publication_linger_timeout_ns: i64,
    /// How long a claimed-but-uncommitted frame may block subscribers before the driver pads over it.
    pub publication_unblock_timeout_ns: i64,
    /// How long a rejected IPC image stays unlinked before its subscriptions may rejoin.
    pub image_liveness_timeout_ns: i64,
    /// Interval between timer checks (liveness, linger, unblock, CnC heartbeat).
    pub timer_interval_ns: i64,
    /// Term length of IPC publications unless the URI sets `term-length`.
    pub ipc_term_buffer_length: i32,
    /// MTU of IPC publications unless the URI sets `mtu`.
    pub ipc_mtu_length: i32,
    /// IPC publication window: 0 means half the term length; otherwise at most half the term length.
    pub ipc_publication_term_window_length: i32,
    /// Page size log buffers are aligned to (power of two, 4 KiB..1 GiB).
    pub file_page_size: i32,
    /// How long a freed counter id waits before it is reused.
    pub counter_free_to_reuse_timeout_ns: i64,
    /// Reserved session id range skipped by generated session ids (inclusive).
    pub publication_reserved_session_id_low: i32,
    /// Reserved session id range skipped by generated session ids (inclusive).
    pub publication_reserved_session_id_high: i32,
    /// Default of the `sparse` URI parameter for new logs.
    pub term_buffer_sparse_file: bool,
    /// Default of the `ssc` (spies simulate connection) URI parameter.
    pub spies_simulate_connection: bool,
    /// Default of the `tether` subscription parameter.
    pub tether_subscriptions: bool,
    /// Default of the `rejoin` subscription parameter.
    pub rejoin_stream: bool,
    /// Default of the `reliable` subscription parameter.
    pub reliable_stream: bool,
    /// Default untethered window limit timeout.
    pub untethered_window_limit_timeout_ns: i64,
    /// Default untethered linger timeout (-1 = the window limit timeout).
    pub untethered_linger_timeout_ns: i64,
    /// Default untethered resting timeout.
    pub untethered_resting_timeout_ns: i64,
    /// Default `max-resend`.
    pub max_resend: i32,
    /// Commands read from the to-driver ring buffer per duty cycle.
    pub command_drain_limit: usize,
    /// If set, TERMINATE_DRIVER is honoured only with exactly this token; if `None`, any token is accepted.
    pub termination_token: Option<Vec<u8>>,
    /// The process id written into the CnC header.
    pub pid: i64,
    /// Opens UDP endpoints for `aeron:udp` channels; `None` rejects UDP channels with NOT_SUPPORTED.
    pub transport_factory: Option<Arc<dyn DatagramTransportFactory>>,
    /// Seed of the network PRNG (receiver ids, NAK back-off delays, network initial term ids).
    pub network_seed: u64,
    /// Term length of network publications unless the URI sets `term-length`.
    pub term_buffer_length: i32,
    /// MTU of network publications unless the URI sets `mtu`.
    pub mtu_length: i32,
    /// Network publication window: 0 means half the term length; otherwise at most half the term length.
    pub publication_term_window_length: i32,
    /// Receiver initial window (`rcv-wnd` default); the window is `min(this, term_length / 2)`.
    pub initial_window_length: i32,
    /// Interval between status messages of an image.
    pub status_message_timeout_ns: i64,
    /// A receiver (by receiver id) stays live this long after its last status message.
    pub publication_connection_timeout_ns: i64,
    /// The sender polls control sockets every this many duty cycles (and whenever it sent nothing).
    pub send_to_status_poll_ratio: usize,
    /// `SO_RCVBUF` for UDP sockets (None = OS default).
    pub socket_rcvbuf_length: Option<usize>,
    /// `SO_SNDBUF` for UDP sockets (None = OS default).
    pub socket_sndbuf_length: Option<usize>,
}

impl DriverContext {
    /// Aeron 1.54's defaults over the given store and clock.
    pub fn new(memory_store: Arc<dyn MemoryStore>, epoch_clock: Arc<dyn EpochClock>) -> Self {
        Self {
            memory_store,
            epoch_clock,
            session_id_seed: 0x5eed_f01a,
            to_driver_buffer_length: TO_DRIVER_BUFFER_LENGTH_DEFAULT,
            to_clients_buffer_length: TO_CLIENTS_BUFFER_LENGTH_DEFAULT,
            counters_values_buffer_length: COUNTERS_VALUES_BUFFER_LENGTH_DEFAULT,
            error_buffer_length: ERROR_BUFFER_LENGTH_DEFAULT,
            client_liveness_timeout_ns: 10_000_000_000,
            publication_linger_timeout_ns: 5_000_000_000,
            publication_unblock_timeout_ns: 15_000_000_000,
            image_liveness_timeout_ns: 10_000_000_000,
            timer_interval_ns: 1_000_000_000,
            ipc_term_buffer_length: IPC_TERM_BUFFER_LENGTH_DEFAULT,
            ipc_mtu_length: MTU_LENGTH_DEFAULT,
            ipc_publication_term_window_length: 0,
            file_page_size: FILE_PAGE_SIZE_DEFAULT,
            counter_free_to_reuse_timeout_ns: 1_000_000_000,
            publication_reserved_session_id_low: PUBLICATION_RESERVED_SESSION_ID_LOW_DEFAULT,
            publication_reserved_session_id_high: PUBLICATION_RESERVED_SESSION_ID_HIGH_DEFAULT,
            term_buffer_sparse_file: false,
            spies_simulate_connection: false,
            tether_subscriptions: true,
            rejoin_stream: true,
            reliable_stream: true,
            untethered_window_limit_timeout_ns: 5_000_000_000,
            untethered_linger_timeout_ns: -1,
            untethered_resting_timeout_ns: 10_000_000_000,
            max_resend: 16,
            command_drain_limit: 10,
            termination_token: None,
            pid: 0,
            transport_factory: None,
            network_seed: 0x6e65_7477_6f72_6b21,
            term_buffer_length: TERM_BUFFER_LENGTH_DEFAULT,
            mtu_length: MTU_LENGTH_DEFAULT,
            publication_term_window_length: 0,
            initial_window_length: media::defaults::INITIAL_WINDOW_LENGTH,
            status_message_timeout_ns: media::defaults::STATUS_MESSAGE_TIMEOUT_NS,
            publication_connection_timeout_ns: media::defaults::PUBLICATION_CONNECTION_TIMEOUT_NS,
            send_to_status_poll_ratio: 6,
            socket_rcvbuf_length: None,
            socket_sndbuf_length: None,
        }
    }

    /// Tiny buffers and short timeouts for tests: a fresh [`HeapMemoryStore`], a [`ManualClock`] at 0
    /// (replace it with [`Self::with_epoch_clock`] to drive time), 64 KiB IPC terms, 1 s client liveness,
    /// 100 ms linger, 1 s unblock, 10 ms timer interval, counter ids reusable at once; network: 64 KiB
    /// terms, 1 s image liveness and publication connection timeout, no transport factory.
    pub fn test_min() -> Self {
        Self {
            to_driver_buffer_length: 64 * 1024 + RING_BUFFER_TRAILER_LENGTH,
            to_clients_buffer_length: 64 * 1024 + BROADCAST_BUFFER_TRAILER_LENGTH,
            counters_values_buffer_length: 256 * COUNTER_VALUE_LENGTH,
            error_buffer_length: 64 * 1024,
            client_liveness_timeout_ns: 1_000_000_000,
            publication_linger_timeout_ns: 100_000_000,
            publication_unblock_timeout_ns: 1_000_000_000,
            image_liveness_timeout_ns: 1_000_000_000,
            timer_interval_ns: 10_000_000,
            ipc_term_buffer_length: 64 * 1024,
            term_buffer_length: 64 * 1024,
            publication_connection_timeout_ns: 1_000_000_000,
            counter_free_to_reuse_timeout_ns: 0,
            ..Self::new(Arc::new(HeapMemoryStore::new()), Arc::new(ManualClock::new(0)))
        }
    }

    /// Replaces the memory store.
    pub fn with_memory_store(mut self, memory_store: Arc<dyn MemoryStore>) -> Self {
        self.memory_store = memory_store;
        self
    }

    /// Replaces the epoch clock.
    pub fn with_epoch_clock(mut self, epoch_clock: Arc<dyn EpochClock>) -> Self {
        self.epoch_clock = epoch_clock;
        self
    }

    /// Sets the PRNG seed.
    pub fn with_session_id_seed(mut self, seed: u64) -> Self {
        self.session_id_seed = seed;
        self
    }

    /// Sets the datagram transport factory (enables `aeron:udp` channels in a [`crate::MediaDriver`]).
    pub fn with_transport_factory(mut self, factory: Arc<dyn DatagramTransportFactory>) -> Self {
        self.transport_factory = Some(factory);
        self
    }

    /// Sets the network PRNG seed.
    pub fn with_network_seed(mut self, seed: u64) -> Self {
        self.network_seed = seed;
        self
    }

    /// Sets the pid written into the CnC header.
    pub fn with_pid(mut self, pid: i64) -> Self {
        self.pid = pid;
        self
    }

    /// Length of the counters metadata buffer: four 512-byte records' worth per 128-byte value slot.
    pub fn counters_metadata_buffer_length(&self) -> usize {
        self.counters_values_buffer_length / COUNTER_VALUE_LENGTH * COUNTER_METADATA_LENGTH
    }

    /// Checks every length and timeout; the conductor refuses an invalid context.
    pub fn validate(&self) -> Result<(), DriverError> {
        let invalid = |reason: String| Err(DriverError::InvalidConfiguration(reason));
        let ring_capacity = self.to_driver_buffer_length.saturating_sub(RING_BUFFER_TRAILER_LENGTH);
        if self.to_driver_buffer_length <= RING_BUFFER_TRAILER_LENGTH || !ring_capacity.is_power_of_two() {
            return invalid(format!(
                "to_driver_buffer_length {} is not a power of two plus {RING_BUFFER_TRAILER_LENGTH}",
                self.to_driver_buffer_length
            ));
        }
        let broadcast_capacity =
            self.to_clients_buffer_length.saturating_sub(BROADCAST_BUFFER_TRAILER_LENGTH);
        if self.to_clients_buffer_length <= BROADCAST_BUFFER_TRAILER_LENGTH
            || !broadcast_capacity.is_power_of_two()
        {
            return invalid(format!(
                "to_clients_buffer_length {} is not a power of two plus {BROADCAST_BUFFER_TRAILER_LENGTH}",
                self.to_clients_buffer_length
            ));
        }
        if broadcast_capacity / 8 < 1024 {
            return invalid(format!(
                "to_clients_buffer_length {} is too small",
                self.to_clients_buffer_length
            ));
        }
        if self.counters_values_buffer_length < 64 * COUNTER_VALUE_LENGTH
            || !self.counters_values_buffer_length.is_multiple_of(COUNTER_VALUE_LENGTH)
        {
            return invalid(format!(
                "counters_values_buffer_length {} must be a multiple of {COUNTER_VALUE_LENGTH} with room for 64 counters",
                self.counters_values_buffer_length
            ));
        }
        if self.error_buffer_length < 1024 {
            return invalid(format!("error_buffer_length {} is too small", self.error_buffer_length));
        }
        let total = 128u64
            + self.to_driver_buffer_length as u64
            + self.to_clients_buffer_length as u64
            + self.counters_metadata_buffer_length() as u64
            + self.counters_values_buffer_length as u64
            + self.error_buffer_length as u64;
        if total > i32::MAX as u64 {
            return invalid(format!("CnC length {total} exceeds 2 GiB"));
        }
        logbuffer::check_term_length(self.ipc_term_buffer_length)
            .map_err(|e| DriverError::InvalidConfiguration(format!("ipc_term_buffer_length: {e}")))?;
        logbuffer::check_page_size(self.file_page_size)
            .map_err(|e| DriverError::InvalidConfiguration(format!("file_page_size: {e}")))?;
        crate::publication_params::check_mtu_length(self.ipc_mtu_length, self.ipc_term_buffer_length)
            .map_err(|e| DriverError::InvalidConfiguration(format!("ipc_mtu_length: {}", e.message)))?;
        logbuffer::check_term_length(self.term_buffer_length)
            .map_err(|e| DriverError::InvalidConfiguration(format!("term_buffer_length: {e}")))?;
        crate::publication_params::check_mtu_length(self.mtu_length, self.term_buffer_length)
            .map_err(|e| DriverError::InvalidConfiguration(format!("mtu_length: {}", e.message)))?;
        if self.initial_window_length < self.mtu_length {
            return invalid(format!(
                "initial_window_length {} is less than the mtu {}",
                self.initial_window_length, self.mtu_length
            ));
        }
        if self.publication_term_window_length < 0 || self.send_to_status_poll_ratio == 0 {
            return invalid("publication_term_window_length and send_to_status_poll_ratio".to_owned());
        }
        for (name, value) in [
            ("client_liveness_timeout_ns", self.client_liveness_timeout_ns),
            ("publication_unblock_timeout_ns", self.publication_unblock_timeout_ns),
            ("timer_interval_ns", self.timer_interval_ns),
            ("image_liveness_timeout_ns", self.image_liveness_timeout_ns),
            ("status_message_timeout_ns", self.status_message_timeout_ns),
            ("publication_connection_timeout_ns", self.publication_connection_timeout_ns),
        ] {
            if value <= 0 {
                return invalid(format!("{name} must be positive: {value}"));
            }
        }
        if self.publication_linger_timeout_ns < 0 || self.counter_free_to_reuse_timeout_ns < 0 {
            return invalid("linger and counter reuse timeouts must not be negative".to_owned());
        }
        if self.ipc_publication_term_window_length < 0 {
            return invalid("ipc_publication_term_window_length must not be negative".to_owned());
        }
        if self.command_drain_limit == 0 {
            return invalid("command_drain_limit must be at least 1".to_owned());
        }
        if self.publication_reserved_session_id_low > self.publication_reserved_session_id_high {
            return invalid("reserved session id range is empty".to_owned());
        }
        Ok(())
    }
}

impl fmt::Debug for DriverContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DriverContext")
            .field("session_id_seed", &self.session_id_seed)
            .field("to_driver_buffer_length", &self.to_driver_buffer_length)
            .field("to_clients_buffer_length", &self.to_clients_buffer_length)
            .field("counters_values_buffer_length", &self.counters_values_buffer_length)
            .field("error_buffer_length", &self.error_buffer_length)
            .field("client_liveness_timeout_ns", &self.client_liveness_timeout_ns)
            .field("publication_linger_timeout_ns", &self.publication_linger_timeout_ns)
            .field("publication_unblock_timeout_ns", &self.publication_unblock_timeout_ns)
            .field("timer_interval_ns", &self.timer_interval_ns)
            .field("ipc_term_buffer_length", &self.ipc_term_buffer_length)
            .field("ipc_mtu_length", &self.ipc_mtu_length)
            .field("file_page_size", &self.file_page_size)
            .field("pid", &self.pid)
            .field("transport_factory", &self.transport_factory.is_some())
            .field("network_seed", &self.network_seed)
            .field("term_buffer_length", &self.term_buffer_length)
            .field("mtu_length", &self.mtu_length)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_test_min_are_valid() {
        DriverContext::test_min().validate().unwrap();
        let ctx = DriverContext::new(Arc::new(HeapMemoryStore::new()), Arc::new(ManualClock::new(0)));
        ctx.validate().unwrap();
        assert_eq!(ctx.counters_metadata_buffer_length(), 4 * ctx.counters_values_buffer_length);
    }

    #[test]
    fn rejects_bad_lengths() {
        let mut ctx = DriverContext::test_min();
        ctx.to_driver_buffer_length = 1000;
        assert!(ctx.validate().is_err());
        let mut ctx = DriverContext::test_min();
        ctx.ipc_term_buffer_length = 1000;
        assert!(ctx.validate().is_err());
        let mut ctx = DriverContext::test_min();
        ctx.timer_interval_ns = 0;
        assert!(ctx.validate().is_err());
    }
}
