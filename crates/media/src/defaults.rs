//! Aeron 1.54's default timings and sizes for the UDP protocol (`drv/Configuration.java`), in one place.
//!
//! Every value here is what Aeron uses when neither the URI nor a system property overrides it.

/// SETUP is resent every 100 ms until the first status message (`PUBLICATION_SETUP_TIMEOUT_NS`).
pub const PUBLICATION_SETUP_TIMEOUT_NS: i64 = 100_000_000;
/// A heartbeat goes out after 100 ms without data (`PUBLICATION_HEARTBEAT_TIMEOUT_NS`).
pub const PUBLICATION_HEARTBEAT_TIMEOUT_NS: i64 = 100_000_000;
/// A receiver (by receiver id) is live for 5 s after its last SM (`PUBLICATION_CONNECTION_TIMEOUT_DEFAULT_NS`).
pub const PUBLICATION_CONNECTION_TIMEOUT_NS: i64 = 5_000_000_000;
/// An image without DATA or heartbeat for 10 s is dropped (`IMAGE_LIVENESS_TIMEOUT_DEFAULT_NS`).
pub const IMAGE_LIVENESS_TIMEOUT_NS: i64 = 10_000_000_000;
/// A receiver sends a status message at least every 200 ms (`STATUS_MESSAGE_TIMEOUT_DEFAULT_NS`).
pub const STATUS_MESSAGE_TIMEOUT_NS: i64 = 200_000_000;
/// A PENDING_SETUP_FRAME session state is dropped after 1 s (`PENDING_SETUPS_TIMEOUT_NS`).
pub const PENDING_SETUPS_TIMEOUT_NS: i64 = 1_000_000_000;
/// MDC destinations (dynamic) and MDS connections time out after 5 s without activity (`DESTINATION_TIMEOUT`).
pub const DESTINATION_TIMEOUT_NS: i64 = 5_000_000_000;
/// Min/tagged flow control drops a receiver after 5 s without an SM (`FLOW_CONTROL_RECEIVER_TIMEOUT_DEFAULT_NS`).
pub const FLOW_CONTROL_RECEIVER_TIMEOUT_NS: i64 = 5_000_000_000;
/// Default flow-control group tag for tagged flow control (`aeron.flow.control.group.tag`).
pub const FLOW_CONTROL_GROUP_TAG: i64 = -1;
/// Default minimum group size for min/tagged flow control.
pub const FLOW_CONTROL_GROUP_MIN_SIZE: i32 = 0;
/// Unicast NAK delay: 1 µs (`NAK_UNICAST_DELAY_DEFAULT_NS`, also the minimum).
pub const NAK_UNICAST_DELAY_NS: i64 = 1_000;
/// Unicast NAK retry delay = delay × 100 (`NAK_UNICAST_RETRY_DELAY_RATIO_DEFAULT`).
pub const NAK_UNICAST_RETRY_DELAY_RATIO: i64 = 100;
/// Multicast NAK maximum back-off: 10 ms (`NAK_MAX_BACKOFF_DEFAULT_NS`).
pub const NAK_MULTICAST_MAX_BACKOFF_NS: i64 = 10_000_000;
/// Multicast NAK group size estimate: 10 (`NAK_MULTICAST_GROUP_SIZE_DEFAULT`).
pub const NAK_MULTICAST_GROUP_SIZE: i32 = 10;
/// Retransmit delay after a NAK: 0 (`RETRANSMIT_UNICAST_DELAY_DEFAULT_NS`).
pub const RETRANSMIT_UNICAST_DELAY_NS: i64 = 0;
/// How long a retransmit action lingers, ignoring repeat NAKs: 10 ms (`RETRANSMIT_UNICAST_LINGER_DEFAULT_NS`).
pub const RETRANSMIT_UNICAST_LINGER_NS: i64 = 10_000_000;
/// Retransmit action slots with group semantics (`MAX_RESEND_DEFAULT`).
pub const MAX_RESEND: usize = 16;
/// Largest allowed `max-resend`.
pub const MAX_RESEND_MAX: usize = 256;
/// Receiver initial window: 128 KiB (`INITIAL_WINDOW_LENGTH_DEFAULT`).
pub const INITIAL_WINDOW_LENGTH: i32 = 128 * 1024;
/// Retransmit receiver-window multiple for unicast (`aeron.unicast.flow.control.rrwm`).
pub const UNICAST_RETRANSMIT_RECEIVER_WINDOW_MULTIPLE: i32 = 16;
/// Retransmit receiver-window multiple for multicast/MDC (`aeron.multicast.flow.control.rrwm`).
pub const MULTICAST_RETRANSMIT_RECEIVER_WINDOW_MULTIPLE: i32 = 4;
/// Drain linger = `SM_EOS_MULTIPLE` × the SM timeout.
pub const SM_EOS_MULTIPLE: i64 = 5;
/// Default MTU (`aeron.mtu.length`).
pub const MTU_LENGTH: i32 = 1408;

/// Aeron `Configuration.receiverWindowLength`: `min(initial_window, term_length / 2)`.
pub const fn receiver_window_length(term_length: i32, initial_window_length: i32) -> i32 {
    let half = term_length / 2;
    if initial_window_length < half { initial_window_length } else { half }
}
