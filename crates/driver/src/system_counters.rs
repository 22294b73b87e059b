//! [`SystemCounters`]: the driver's system counters (type 0), allocated first and in Aeron's order so
//! that each counter id equals Aeron's `SYSTEM_COUNTER_ID_*` value. Key: the id as `i32`; registration id:
//! the id; owner id: -1.

use agrona::{AtomicCounter, CountersError, CountersManager};

/// Counter type id of system counters.
pub const SYSTEM_COUNTER_TYPE_ID: i32 = 0;

/// Aeron's system counter descriptors: (id, label). The id is also the counter id.
pub const SYSTEM_COUNTER_DESCRIPTORS: [(i32, &str); 46] = [
    (0, "Bytes sent"),
    (1, "Bytes received"),
    (2, "Failed offers to ReceiverProxy"),
    (3, "Failed offers to SenderProxy"),
    (4, "Failed offers to DriverConductorProxy"),
    (5, "NAKs sent"),
    (6, "NAKs received"),
    (7, "Status Messages sent"),
    (8, "Status Messages received"),
    (9, "Heartbeats sent"),
    (10, "Heartbeats received"),
    (11, "Retransmits sent"),
    (12, "Flow control under runs"),
    (13, "Flow control over runs"),
    (14, "Invalid packets"),
    (15, "Errors: version=0.1.0 commit=fulmar"),
    (16, "Short sends"),
    (17, "Failed attempts to free log buffers"),
    (18, "Sender flow control limits, i.e. back-pressure events"),
    (19, "Unblocked Publications"),
    (20, "Unblocked Control Commands"),
    (21, "Possible TTL Asymmetry"),
    (22, "ControllableIdleStrategy status"),
    (23, "Loss gap fills"),
    (24, "Client liveness timeouts"),
    (25, "Resolution changes"),
    (26, "Conductor max cycle time doing its work in ns"),
    (27, "Conductor work cycle exceeded threshold count"),
    (28, "Sender max cycle time doing its work in ns"),
    (29, "Sender work cycle exceeded threshold count"),
    (30, "Receiver max cycle time doing its work in ns"),
    (31, "Receiver work cycle exceeded threshold count"),
    (32, "NameResolver max time in ns"),
    (33, "NameResolver exceeded threshold count"),
    (34, "Aeron software: version=0.1.0 commit=fulmar"),
    (35, "Bytes currently mapped"),
    (36, "Retransmitted bytes"),
    (37, "Retransmit Pool Overflow count"),
    (38, "Error Frames received"),
    (39, "Error Frames sent"),
    (40, "Publications Revoked"),
    (41, "Publication Images Revoked"),
    (42, "Images rejected"),
    (43, "Control protocol version"),
    (44, "Status Messages rejected"),
    (45, "Failed offers to NativeResourceAgentProxy"),
];

/// `SYSTEM_COUNTER_ID_BYTES_SENT`.
pub const BYTES_SENT: i32 = 0;
/// `SYSTEM_COUNTER_ID_BYTES_RECEIVED`.
pub const BYTES_RECEIVED: i32 = 1;
/// `SYSTEM_COUNTER_ID_NAK_MESSAGES_SENT`.
pub const NAKS_SENT: i32 = 5;
/// `SYSTEM_COUNTER_ID_NAK_MESSAGES_RECEIVED`.
pub const NAKS_RECEIVED: i32 = 6;
/// `SYSTEM_COUNTER_ID_STATUS_MESSAGES_SENT`.
pub const STATUS_MESSAGES_SENT: i32 = 7;
/// `SYSTEM_COUNTER_ID_STATUS_MESSAGES_RECEIVED`.
pub const STATUS_MESSAGES_RECEIVED: i32 = 8;
/// `SYSTEM_COUNTER_ID_HEARTBEATS_SENT`.
pub const HEARTBEATS_SENT: i32 = 9;
/// `SYSTEM_COUNTER_ID_HEARTBEATS_RECEIVED`.
pub const HEARTBEATS_RECEIVED: i32 = 10;
/// `SYSTEM_COUNTER_ID_RETRANSMITS_SENT`.
pub const RETRANSMITS_SENT: i32 = 11;
/// `SYSTEM_COUNTER_ID_FLOW_CONTROL_UNDER_RUNS`.
pub const FLOW_CONTROL_UNDER_RUNS: i32 = 12;
/// `SYSTEM_COUNTER_ID_FLOW_CONTROL_OVER_RUNS`.
pub const FLOW_CONTROL_OVER_RUNS: i32 = 13;
/// `SYSTEM_COUNTER_ID_INVALID_PACKETS`.
pub const INVALID_PACKETS: i32 = 14;
/// `SYSTEM_COUNTER_ID_SHORT_SENDS`.
pub const SHORT_SENDS: i32 = 16;
/// `SYSTEM_COUNTER_ID_SENDER_FLOW_CONTROL_LIMITS`.
pub const SENDER_FLOW_CONTROL_LIMITS: i32 = 18;
/// `SYSTEM_COUNTER_ID_LOSS_GAP_FILLS`.
pub const LOSS_GAP_FILLS: i32 = 23;
/// `SYSTEM_COUNTER_ID_RETRANSMITTED_BYTES`.
pub const RETRANSMITTED_BYTES: i32 = 36;
/// `SYSTEM_COUNTER_ID_RETRANSMIT_OVERFLOW`.
pub const RETRANSMIT_OVERFLOW: i32 = 37;
/// `SYSTEM_COUNTER_ID_ERROR_FRAMES_RECEIVED`.
pub const ERROR_FRAMES_RECEIVED: i32 = 38;
/// `SYSTEM_COUNTER_ID_STATUS_MESSAGES_REJECTED`.
pub const STATUS_MESSAGES_REJECTED: i32 = 44;
/// `SYSTEM_COUNTER_ID_ERRORS`.
pub const ERRORS: i32 = 15;
/// `SYSTEM_COUNTER_ID_UNBLOCKED_PUBLICATIONS`.
pub const UNBLOCKED_PUBLICATIONS: i32 = 19;
/// `SYSTEM_COUNTER_ID_UNBLOCKED_COMMANDS`.
pub const UNBLOCKED_COMMANDS: i32 = 20;
/// `SYSTEM_COUNTER_ID_CLIENT_TIMEOUTS`.
pub const CLIENT_TIMEOUTS: i32 = 24;
/// `SYSTEM_COUNTER_ID_CONDUCTOR_MAX_CYCLE_TIME`.
pub const CONDUCTOR_MAX_CYCLE_TIME: i32 = 26;
/// `SYSTEM_COUNTER_ID_AERON_VERSION`.
pub const AERON_VERSION: i32 = 34;
/// `SYSTEM_COUNTER_ID_BYTES_CURRENTLY_MAPPED`.
pub const BYTES_CURRENTLY_MAPPED: i32 = 35;
/// `SYSTEM_COUNTER_ID_PUBLICATIONS_REVOKED`.
pub const PUBLICATIONS_REVOKED: i32 = 40;
/// `SYSTEM_COUNTER_ID_IMAGES_REJECTED`.
pub const IMAGES_REJECTED: i32 = 42;
/// `SYSTEM_COUNTER_ID_CONTROL_PROTOCOL_VERSION`.
pub const CONTROL_PROTOCOL_VERSION: i32 = 43;

/// The allocated system counters, indexed by id.
#[derive(Clone)]
pub struct SystemCounters {
    counters: Vec<AtomicCounter>,
}

impl SystemCounters {
    /// Allocates every descriptor in order on a fresh `CountersManager` (so ids match Aeron's).
    pub fn allocate(manager: &mut CountersManager, now_ms: i64) -> Result<Self, CountersError> {
        let mut counters = Vec::with_capacity(SYSTEM_COUNTER_DESCRIPTORS.len());
        for (id, label) in SYSTEM_COUNTER_DESCRIPTORS {
            let counter_id = manager.allocate(SYSTEM_COUNTER_TYPE_ID, &id.to_le_bytes(), label, now_ms)?;
            manager.set_counter_registration_id(counter_id, i64::from(id));
            manager.set_counter_owner_id(counter_id, -1);
            counters.push(manager.counter(counter_id));
        }
        counters[CONTROL_PROTOCOL_VERSION as usize]
            .set_ordered(i64::from(protocol::command::event::CONTROL_PROTOCOL_SEMANTIC_VERSION));
        counters[AERON_VERSION as usize]
            .set_ordered(i64::from(protocol::command::cnc::semantic_version_compose(0, 1, 0)));
        Ok(Self { counters })
    }

    /// The counter with Aeron system counter id `id`. Panics on an unknown id (a programming error).
    pub fn get(&self, id: i32) -> &AtomicCounter {
        &self.counters[id as usize]
    }
}
