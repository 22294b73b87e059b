//! [`PendingServiceMessageTracker`]: messages a clustered service offered to the cluster
//! (`Cluster.offer`) waiting to be appended to, and committed in, the log (Aeron
//! `PendingServiceMessageTracker`, reference §3.9).
//!
//! Every node's service offers the same messages (services are deterministic), so every consensus
//! module holds the same queue per service. Each message gets a negative log session id
//! `(service_id << 56) | (i64::MIN + n)` for the n-th message (n from 1). The leader appends queued
//! messages and keeps them until the commit position passes them; followers drop them once the log shows
//! them; on leadership loss appended-but-uncommitted messages are re-armed so the next leader appends
//! them again — each message is committed to the log exactly once across fail-overs.
//!
//! Stored messages are the full SBE frames (8-byte message header, 24-byte SessionMessageHeader,
//! payload) as Aeron keeps them, so they can be written into a snapshot unchanged. In the stored copy the
//! header's `clusterSessionId` is the assigned log session id and `timestamp` is the append position
//! (`i64::MAX` while not appended).
//!
//! Invariants:
//! - queued ids are consecutive: the k-th queued message (k from 1) has id `log_service_session_id + k`,
//!   and `next_service_session_id` is one past the last id assigned;
//! - the messages before the append cursor are exactly the appended-but-uncommitted ones
//!   (`uncommitted_count`); all later ones have timestamp `i64::MAX`;
//! - the byte queue never exceeds its maximum capacity: a full queue is an error, never a panic; steady
//!   state (queue within its current capacity) never allocates.

use protocol::cluster::SESSION_HEADER_LENGTH;

/// Maximum number of messages appended per [`PendingServiceMessageTracker::poll`] (Aeron
/// `SERVICE_MESSAGE_LIMIT`).
pub const SERVICE_MESSAGE_LIMIT: usize = 20;

/// Default initial capacity of the pending message byte queue.
pub const DEFAULT_PENDING_MESSAGE_CAPACITY: usize = 32 * 1024;

/// Default maximum capacity of the pending message byte queue (Agrona `ExpandableRingBuffer.MAX_CAPACITY`).
pub const MAX_PENDING_MESSAGE_CAPACITY: usize = 1 << 30;

/// Timestamp slot value of a queued message that has not been appended.
pub const NOT_APPENDED: i64 = i64::MAX;

/// Length of the per-message record header in the byte queue (length + padding, keeps frames 8-aligned).
const RECORD_HEADER_LENGTH: usize = 8;
/// Offset of `clusterSessionId` in a stored frame (SBE header + field offset 8).
const CLUSTER_SESSION_ID_OFFSET: usize = 16;
/// Offset of `timestamp` in a stored frame (SBE header + field offset 16).
const TIMESTAMP_OFFSET: usize = 24;

/// Why the tracker refused a message or a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PendingMessageError {
    /// The frame cannot hold a SessionMessageHeader.
    #[error(
        "service message of {length} bytes is shorter than the {SESSION_HEADER_LENGTH}-byte session header"
    )]
    TooShort {
        /// Frame length.
        length: usize,
    },
    /// The byte queue reached its maximum capacity.
    #[error("pending service message buffer at capacity={capacity} for serviceId={service_id}")]
    AtCapacity {
        /// Bytes in use.
        capacity: usize,
        /// The tracker's service.
        service_id: i32,
    },
    /// A loaded snapshot's pending messages do not have consecutive ids after `logServiceSessionId`,
    /// or `nextServiceSessionId` does not follow the last one (Aeron `verify`).
    #[error(
        "snapshot has incorrect pending message state: serviceId={service_id} \
         nextServiceSessionId={next_service_session_id} logServiceSessionId={log_service_session_id} \
         messageIndex={message_index} clusterSessionId={cluster_session_id}"
    )]
    SnapshotMismatch {
        /// The tracker's service.
        service_id: i32,
        /// Loaded next id.
        next_service_session_id: i64,
        /// Loaded log id.
        log_service_session_id: i64,
        /// 1-based index of the offending message (message count + 1 for a wrong next id).
        message_index: usize,
        /// Id found in that message (`next_service_session_id` for a wrong next id).
        cluster_session_id: i64,
    },
}

/// A queued message handed to the [`PendingServiceMessageTracker::poll`] appender.
#[derive(Debug, Clone, Copy)]
pub struct PendingMessage<'a> {
    /// The log session id to append it with (negative).
    pub cluster_session_id: i64,
    /// The stored frame: SBE header, SessionMessageHeader, payload.
    pub message: &'a [u8],
}

impl<'a> PendingMessage<'a> {
    /// The application payload (after the 32-byte session header).
    pub fn payload(&self) -> &'a [u8] {
        &self.message[SESSION_HEADER_LENGTH..]
    }
}

/// The log session id of the `session_id`-th slot of service `service_id`: `(service_id << 56) |
/// session_id`. With `session_id = i64::MIN + n` this is Aeron's id of the n-th service message.
pub const fn service_session_id(service_id: i32, session_id: i64) -> i64 {
    ((service_id as i64) << 56) | session_id
}

/// The service id encoded in a negative log session id (bits 56..62).
pub const fn service_id_from_log_message(cluster_session_id: i64) -> i32 {
    (((cluster_session_id as u64) >> 56) as i32) & 0x7F
}

/// The service id of a message a service sent to its consensus module (the header's
/// `clusterSessionId` *is* the service id there).
pub const fn service_id_from_service_message(cluster_session_id: i64) -> i32 {
    cluster_session_id as i32
}

/// Pending messages of one clustered service.
///
/// How to drive it: [`enqueue_message`](Self::enqueue_message) each message the local service offers;
/// on the active leader call [`poll`](Self::poll) each duty cycle and
/// [`sweep_leader_messages`](Self::sweep_leader_messages) whenever the commit position advances; on a
/// follower call [`sweep_follower_messages`](Self::sweep_follower_messages) for each negative session id
/// read from the log; on leadership loss call
/// [`restore_uncommitted_messages`](Self::restore_uncommitted_messages). Snapshot with the accessors and
/// [`for_each_message`](Self::for_each_message); load with [`load_state`](Self::load_state),
/// [`append_loaded_message`](Self::append_loaded_message), [`verify`](Self::verify), [`reset`](Self::reset).
#[derive(Debug)]
pub struct PendingServiceMessageTracker {
    service_id: i32,
    next_service_session_id: i64,
    log_service_session_id: i64,
    uncommitted_messages: usize,
    /// Records `[length:u32][pad:u32][frame][pad to 8]`, live in `head..tail`.
    buffer: Vec<u8>,
    head: usize,
    tail: usize,
    /// Offset of the first record not yet appended to the log (`head..=tail`).
    append_cursor: usize,
    message_count: usize,
    max_capacity: usize,
}

impl PendingServiceMessageTracker {
    /// A tracker for `service_id` with the default capacities (32 KiB growing to 1 GiB).
    pub fn new(service_id: i32) -> Self {
        Self::with_capacity(service_id, DEFAULT_PENDING_MESSAGE_CAPACITY, MAX_PENDING_MESSAGE_CAPACITY)
    }

    /// A tracker whose byte queue starts at `initial_capacity` and may grow to `max_capacity` bytes
    /// (each message takes its length plus 8, rounded up to a multiple of 8).
    ///
    /// Panics if `service_id` is not in `0..128` or `initial_capacity > max_capacity` (programmer errors).
    pub fn with_capacity(service_id: i32, initial_capacity: usize, max_capacity: usize) -> Self {
        assert!((0..128).contains(&service_id), "service id {service_id} outside 0..128");
        assert!(initial_capacity <= max_capacity, "initial capacity above the maximum");
        let log_service_session_id = service_session_id(service_id, i64::MIN);
        Self {
            service_id,
            next_service_session_id: log_service_session_id + 1,
            log_service_session_id,
            uncommitted_messages: 0,
            buffer: vec![0; initial_capacity],
            head: 0,
            tail: 0,
            append_cursor: 0,
            message_count: 0,
            max_capacity,
        }
    }

    /// The service this tracker belongs to.
    pub fn service_id(&self) -> i32 {
        self.service_id
    }

    /// The id the next enqueued message will get.
    pub fn next_service_session_id(&self) -> i64 {
        self.next_service_session_id
    }

    /// The id of the last message of this service known to be in the (committed) log.
    pub fn log_service_session_id(&self) -> i64 {
        self.log_service_session_id
    }

    /// Bytes in use by queued messages (Aeron `size()`, written to snapshots as `pendingMessageCapacity`).
    pub fn size(&self) -> usize {
        self.tail - self.head
    }

    /// Number of queued messages.
    pub fn message_count(&self) -> usize {
        self.message_count
    }

    /// Number of queued messages appended to the log but not yet committed.
    pub fn uncommitted_count(&self) -> usize {
        self.uncommitted_messages
    }

    /// Current byte capacity of the queue.
    pub fn capacity(&self) -> usize {
        self.buffer.len()
    }

    /// Queues a message offered by the local service. `message` is the full frame as received on the
    /// service → CM stream: 8-byte SBE header, SessionMessageHeader (its `clusterSessionId` = the service
    /// id), payload. The next log session id is assigned (always consumed); the message is queued only if
    /// that id is newer than the last one seen in the log. Returns whether it was queued.
    pub fn enqueue_message(&mut self, message: &[u8]) -> Result<bool, PendingMessageError> {
        if message.len() < SESSION_HEADER_LENGTH {
            return Err(PendingMessageError::TooShort { length: message.len() });
        }
        let cluster_session_id = self.next_service_session_id;
        self.next_service_session_id += 1;
        if cluster_session_id <= self.log_service_session_id {
            return Ok(false);
        }
        let frame = self.push_record(message)?;
        put_i64(&mut self.buffer, frame + CLUSTER_SESSION_ID_OFFSET, cluster_session_id);
        put_i64(&mut self.buffer, frame + TIMESTAMP_OFFSET, NOT_APPENDED);
        Ok(true)
    }

    /// Leader: offers up to [`SERVICE_MESSAGE_LIMIT`] not-yet-appended messages, in order, to `append`,
    /// which appends the payload to the log with the given session id (fresh header: current term and
    /// cluster time) and returns the resulting log position, or `None` (or a non-positive value) when
    /// back-pressured — which stops the poll; the message is retried next time. Returns the number
    /// appended.
    pub fn poll(&mut self, mut append: impl FnMut(&PendingMessage<'_>) -> Option<i64>) -> usize {
        let mut appended = 0;
        while appended < SERVICE_MESSAGE_LIMIT && self.append_cursor < self.tail {
            let (frame, length, next) = self.record_at(self.append_cursor);
            let message = &self.buffer[frame..frame + length];
            let pending =
                PendingMessage { cluster_session_id: get_i64(message, CLUSTER_SESSION_ID_OFFSET), message };
            match append(&pending) {
                Some(position) if position > 0 => {
                    put_i64(&mut self.buffer, frame + TIMESTAMP_OFFSET, position);
                    self.uncommitted_messages += 1;
                    self.append_cursor = next;
                    appended += 1;
                }
                _ => break,
            }
        }
        appended
    }

    /// Leader: drops appended messages whose append position is `<= commit_position`, advancing
    /// [`log_service_session_id`](Self::log_service_session_id). Returns the number dropped.
    pub fn sweep_leader_messages(&mut self, commit_position: i64) -> usize {
        let mut swept = 0;
        while self.uncommitted_messages > 0 && self.head < self.append_cursor {
            let (frame, _, next) = self.record_at(self.head);
            if get_i64(&self.buffer, frame + TIMESTAMP_OFFSET) > commit_position {
                break;
            }
            self.log_service_session_id = get_i64(&self.buffer, frame + CLUSTER_SESSION_ID_OFFSET);
            self.uncommitted_messages -= 1;
            self.pop_head(next);
            swept += 1;
        }
        swept
    }

    /// Follower (and replay): the log contains this service's message `cluster_session_id`; drop every
    /// queued message with an id `<=` it. Returns the number dropped.
    pub fn sweep_follower_messages(&mut self, cluster_session_id: i64) -> usize {
        self.log_service_session_id = cluster_session_id;
        let mut swept = 0;
        while self.head < self.tail {
            let (frame, _, next) = self.record_at(self.head);
            if get_i64(&self.buffer, frame + CLUSTER_SESSION_ID_OFFSET) > cluster_session_id {
                break;
            }
            if self.head < self.append_cursor {
                self.uncommitted_messages -= 1;
            }
            self.pop_head(next);
            swept += 1;
        }
        swept
    }

    /// Leadership lost: drops what `commit_position` covers, then re-arms every appended-but-uncommitted
    /// message so that the next leader appends it again (exactly-once across fail-over).
    pub fn restore_uncommitted_messages(&mut self, commit_position: i64) {
        if self.uncommitted_messages > 0 {
            self.sweep_leader_messages(commit_position);
            self.reset();
        }
    }

    /// Re-arms every queued message as not appended (Aeron `reset`, done after loading a snapshot).
    pub fn reset(&mut self) {
        let mut offset = self.head;
        while offset < self.tail {
            let (frame, _, next) = self.record_at(offset);
            put_i64(&mut self.buffer, frame + TIMESTAMP_OFFSET, NOT_APPENDED);
            offset = next;
        }
        self.uncommitted_messages = 0;
        self.append_cursor = self.head;
    }

    /// Snapshot load: sets the ids and empties the queue, making room for `pending_message_capacity`
    /// bytes (clamped to the maximum capacity). Follow with
    /// [`append_loaded_message`](Self::append_loaded_message) per snapshot message, then
    /// [`verify`](Self::verify) and [`reset`](Self::reset).
    pub fn load_state(
        &mut self,
        next_service_session_id: i64,
        log_service_session_id: i64,
        pending_message_capacity: usize,
    ) {
        self.next_service_session_id = next_service_session_id;
        self.log_service_session_id = log_service_session_id;
        self.head = 0;
        self.tail = 0;
        self.append_cursor = 0;
        self.message_count = 0;
        self.uncommitted_messages = 0;
        let wanted = pending_message_capacity.min(self.max_capacity);
        if self.buffer.len() < wanted {
            self.buffer = vec![0; wanted];
        }
    }

    /// Snapshot load: queues a stored frame exactly as it was snapshotted (id and timestamp slots kept).
    /// The frame comes from disk: a short frame is an error.
    pub fn append_loaded_message(&mut self, message: &[u8]) -> Result<(), PendingMessageError> {
        if message.len() < SESSION_HEADER_LENGTH {
            return Err(PendingMessageError::TooShort { length: message.len() });
        }
        self.push_record(message)?;
        // Loaded frames count as not appended until `reset` rewrites their timestamps.
        self.append_cursor = self.head;
        Ok(())
    }

    /// Checks the loaded state (Aeron `verify`): queued ids follow `log_service_session_id`
    /// consecutively and `next_service_session_id` is one past the last.
    pub fn verify(&self) -> Result<(), PendingMessageError> {
        let mut index = 0usize;
        let mut offset = self.head;
        while offset < self.tail {
            let (frame, _, next) = self.record_at(offset);
            index += 1;
            let id = get_i64(&self.buffer, frame + CLUSTER_SESSION_ID_OFFSET);
            if id != self.log_service_session_id.wrapping_add(index as i64) {
                return Err(self.mismatch(index, id));
            }
            offset = next;
        }
        if self.next_service_session_id != self.log_service_session_id.wrapping_add(index as i64 + 1) {
            return Err(self.mismatch(index + 1, self.next_service_session_id));
        }
        Ok(())
    }

    /// The `nextServiceSessionId` a snapshot should record and how many messages this node missed
    /// (Aeron `correctNextServiceSessionId`): with an empty queue it is `log_service_session_id + 1`,
    /// and a positive difference from [`next_service_session_id`](Self::next_service_session_id) means
    /// the local service offered fewer messages than the log holds (a determinism problem worth
    /// reporting).
    pub fn snapshot_next_service_session_id(&self) -> (i64, i64) {
        let next = if self.message_count == 0 {
            self.log_service_session_id + 1
        } else {
            self.next_service_session_id
        };
        (next, next - self.next_service_session_id)
    }

    /// Visits every queued frame, oldest first (for snapshots).
    pub fn for_each_message(&self, mut visitor: impl FnMut(&[u8])) {
        let mut offset = self.head;
        while offset < self.tail {
            let (frame, length, next) = self.record_at(offset);
            visitor(&self.buffer[frame..frame + length]);
            offset = next;
        }
    }

    fn mismatch(&self, message_index: usize, cluster_session_id: i64) -> PendingMessageError {
        PendingMessageError::SnapshotMismatch {
            service_id: self.service_id,
            next_service_session_id: self.next_service_session_id,
            log_service_session_id: self.log_service_session_id,
            message_index,
            cluster_session_id,
        }
    }

    /// `(frame offset, frame length, next record offset)` of the record at `offset`.
    fn record_at(&self, offset: usize) -> (usize, usize, usize) {
        let length =
            u32::from_le_bytes(self.buffer[offset..offset + 4].try_into().expect("4 bytes")) as usize;
        let frame = offset + RECORD_HEADER_LENGTH;
        (frame, length, offset + record_length(length))
    }

    fn pop_head(&mut self, next: usize) {
        self.head = next;
        self.message_count -= 1;
        if self.append_cursor < self.head {
            self.append_cursor = self.head;
        }
        if self.head == self.tail {
            self.head = 0;
            self.tail = 0;
            self.append_cursor = 0;
        }
    }

    /// Appends a record holding `message`; returns the frame offset.
    fn push_record(&mut self, message: &[u8]) -> Result<usize, PendingMessageError> {
        let needed = record_length(message.len());
        if self.tail + needed > self.buffer.len() {
            self.make_room(needed)?;
        }
        let offset = self.tail;
        let length = u32::try_from(message.len()).map_err(|_| PendingMessageError::AtCapacity {
            capacity: self.size(),
            service_id: self.service_id,
        })?;
        self.buffer[offset..offset + 4].copy_from_slice(&length.to_le_bytes());
        self.buffer[offset + 4..offset + RECORD_HEADER_LENGTH].fill(0);
        let frame = offset + RECORD_HEADER_LENGTH;
        self.buffer[frame..frame + message.len()].copy_from_slice(message);
        self.tail = offset + needed;
        self.message_count += 1;
        Ok(frame)
    }

    /// Compacts live records to the front and, if still short, grows (powers of two up to the maximum).
    fn make_room(&mut self, needed: usize) -> Result<(), PendingMessageError> {
        let used = self.size();
        let required = used
            .checked_add(needed)
            .filter(|&required| required <= self.max_capacity)
            .ok_or(PendingMessageError::AtCapacity { capacity: used, service_id: self.service_id })?;
        if required <= self.buffer.len() {
            self.buffer.copy_within(self.head..self.tail, 0);
        } else {
            let capacity = required.next_power_of_two().min(self.max_capacity).max(self.buffer.len());
            let mut grown = vec![0; capacity];
            grown[..used].copy_from_slice(&self.buffer[self.head..self.tail]);
            self.buffer = grown;
        }
        self.append_cursor -= self.head;
        self.head = 0;
        self.tail = used;
        Ok(())
    }
}

/// Bytes a record of a `length`-byte frame occupies.
const fn record_length(length: usize) -> usize {
    agrona::align(RECORD_HEADER_LENGTH + length, 8)
}

fn get_i64(buffer: &[u8], offset: usize) -> i64 {
    i64::from_le_bytes(buffer[offset..offset + 8].try_into().expect("8 bytes"))
}

fn put_i64(buffer: &mut [u8], offset: usize, value: i64) {
    buffer[offset..offset + 8].copy_from_slice(&value.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use protocol::cluster::SessionMessageHeader;

    /// A frame as a service sends it: header with clusterSessionId = service id, then the payload.
    fn service_frame(service_id: i32, payload: &[u8]) -> Vec<u8> {
        let header = SessionMessageHeader {
            leadership_term_id: 0,
            cluster_session_id: service_id as i64,
            timestamp: 0,
        };
        let mut frame = vec![0; SESSION_HEADER_LENGTH + payload.len()];
        header.encode(&mut frame).expect("room for the header");
        frame[SESSION_HEADER_LENGTH..].copy_from_slice(payload);
        frame
    }

    fn first_id(service_id: i32) -> i64 {
        service_session_id(service_id, i64::MIN + 1)
    }

    #[test]
    fn ids_follow_aerons_formula_and_encode_the_service() {
        let tracker = PendingServiceMessageTracker::new(3);
        assert_eq!(tracker.log_service_session_id(), (3i64 << 56) | i64::MIN);
        assert_eq!(tracker.next_service_session_id(), (3i64 << 56) | (i64::MIN + 1));
        assert!(tracker.next_service_session_id() < 0);
        for service_id in [0, 1, 5, 127] {
            assert_eq!(service_id_from_log_message(first_id(service_id)), service_id);
            assert_eq!(
                service_id_from_log_message(service_session_id(service_id, i64::MIN + 12345)),
                service_id
            );
        }
        assert_eq!(service_id_from_service_message(7), 7);
    }

    #[test]
    fn leader_appends_in_order_and_sweeps_on_commit() {
        let mut tracker = PendingServiceMessageTracker::new(1);
        for i in 0..3u8 {
            assert!(tracker.enqueue_message(&service_frame(1, &[i; 5])).unwrap());
        }
        assert_eq!(tracker.message_count(), 3);
        assert_eq!(tracker.size(), 3 * 48, "8-byte record header + 37-byte frame, 8-aligned");
        let mut appended = Vec::new();
        let count = tracker.poll(|message| {
            appended.push((message.cluster_session_id, message.payload().to_vec()));
            Some(100 * appended.len() as i64)
        });
        assert_eq!(count, 3);
        assert_eq!(appended[0], (first_id(1), vec![0; 5]));
        assert_eq!(appended[2], (first_id(1) + 2, vec![2; 5]));
        assert_eq!(tracker.poll(|_| panic!("nothing left to append")), 0);
        assert_eq!(tracker.uncommitted_count(), 3);

        assert_eq!(tracker.sweep_leader_messages(150), 1);
        assert_eq!(tracker.log_service_session_id(), first_id(1));
        assert_eq!(tracker.sweep_leader_messages(300), 2);
        assert_eq!(tracker.message_count(), 0);
        assert_eq!(tracker.log_service_session_id(), first_id(1) + 2);
    }

    #[test]
    fn back_pressure_stops_the_poll_and_the_limit_applies() {
        let mut tracker = PendingServiceMessageTracker::new(0);
        for _ in 0..25 {
            tracker.enqueue_message(&service_frame(0, b"x")).unwrap();
        }
        let mut calls = 0;
        assert_eq!(
            tracker.poll(|_| {
                calls += 1;
                if calls <= 2 { Some(calls) } else { None }
            }),
            2
        );
        assert_eq!(tracker.poll(|_| Some(0)), 0, "non-positive positions are failures");
        let mut position = 10;
        assert_eq!(
            tracker.poll(|_| {
                position += 10;
                Some(position)
            }),
            SERVICE_MESSAGE_LIMIT
        );
        assert_eq!(tracker.uncommitted_count(), 22);
    }

    #[test]
    fn follower_sweeps_what_the_log_shows_and_ignores_late_duplicates() {
        let mut tracker = PendingServiceMessageTracker::new(2);
        tracker.enqueue_message(&service_frame(2, b"a")).unwrap();
        tracker.enqueue_message(&service_frame(2, b"b")).unwrap();
        assert_eq!(tracker.sweep_follower_messages(first_id(2)), 1);
        assert_eq!(tracker.message_count(), 1);
        // The log is ahead of the local service: the third message is already in the log.
        assert_eq!(tracker.sweep_follower_messages(first_id(2) + 2), 1);
        assert!(!tracker.enqueue_message(&service_frame(2, b"c")).unwrap(), "already in the log");
        assert!(tracker.enqueue_message(&service_frame(2, b"d")).unwrap());
        let mut seen = Vec::new();
        tracker.for_each_message(|frame| seen.push(frame[SESSION_HEADER_LENGTH..].to_vec()));
        assert_eq!(seen, vec![b"d".to_vec()]);
    }

    #[test]
    fn leadership_loss_rearms_uncommitted_messages() {
        let mut tracker = PendingServiceMessageTracker::new(0);
        for i in 0..4u8 {
            tracker.enqueue_message(&service_frame(0, &[i])).unwrap();
        }
        let mut position = 0;
        tracker.poll(|_| {
            position += 64;
            Some(position)
        });
        tracker.restore_uncommitted_messages(128);
        assert_eq!(tracker.message_count(), 2);
        assert_eq!(tracker.uncommitted_count(), 0);
        let mut again = Vec::new();
        tracker.poll(|message| {
            again.push(message.payload()[0]);
            Some(1_000)
        });
        assert_eq!(again, vec![2, 3]);
    }

    #[test]
    fn full_queue_is_an_error_and_short_frames_are_rejected() {
        let mut tracker = PendingServiceMessageTracker::with_capacity(0, 64, 128);
        tracker.enqueue_message(&service_frame(0, &[0; 24])).unwrap();
        tracker.enqueue_message(&service_frame(0, &[0; 24])).unwrap();
        assert_eq!(tracker.capacity(), 128);
        assert_eq!(
            tracker.enqueue_message(&service_frame(0, &[0; 1])),
            Err(PendingMessageError::AtCapacity { capacity: 128, service_id: 0 })
        );
        assert_eq!(tracker.enqueue_message(&[0; 31]), Err(PendingMessageError::TooShort { length: 31 }));
        // After a sweep the space is reused by compaction, without growing.
        tracker.poll(|_| Some(8));
        tracker.sweep_leader_messages(8);
        tracker.enqueue_message(&service_frame(0, &[0; 24])).unwrap();
        assert_eq!(tracker.capacity(), 128);
    }

    #[test]
    fn snapshot_round_trip_verifies_and_resets() {
        let mut leader = PendingServiceMessageTracker::new(4);
        for i in 0..3u8 {
            leader.enqueue_message(&service_frame(4, &[i; 3])).unwrap();
        }
        leader.poll(|_| Some(500));
        let (next, missed) = leader.snapshot_next_service_session_id();
        assert_eq!((next, missed), (leader.next_service_session_id(), 0));

        let mut loaded = PendingServiceMessageTracker::new(4);
        loaded.load_state(next, leader.log_service_session_id(), leader.size());
        leader.for_each_message(|frame| loaded.append_loaded_message(frame).unwrap());
        loaded.verify().unwrap();
        loaded.reset();
        let mut appended = Vec::new();
        loaded.poll(|message| {
            appended.push(message.cluster_session_id);
            Some(1)
        });
        assert_eq!(appended, vec![first_id(4), first_id(4) + 1, first_id(4) + 2]);

        let mut corrupt = PendingServiceMessageTracker::new(4);
        corrupt.load_state(next + 1, leader.log_service_session_id(), 0);
        leader.for_each_message(|frame| corrupt.append_loaded_message(frame).unwrap());
        assert!(matches!(
            corrupt.verify(),
            Err(PendingMessageError::SnapshotMismatch { message_index: 4, .. })
        ));
        assert_eq!(corrupt.append_loaded_message(&[1, 2]), Err(PendingMessageError::TooShort { length: 2 }));
    }

    #[test]
    fn empty_queue_snapshot_corrects_the_next_id() {
        let mut tracker = PendingServiceMessageTracker::new(0);
        tracker.sweep_follower_messages(first_id(0) + 4);
        let (next, missed) = tracker.snapshot_next_service_session_id();
        assert_eq!(next, first_id(0) + 5);
        assert_eq!(missed, 5);
    }

    #[derive(Debug, Clone)]
    enum Step {
        /// Every node's service offers one message.
        Offer,
        /// The leader appends up to `accept` messages.
        Append { accept: usize },
        /// The commit position advances to the leader's append position (all members replicate).
        Commit,
        /// Followers replicate only part of the leader's appends, then the leader is lost.
        Failover { replicated: usize, next_leader: usize },
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            4 => Just(Step::Offer),
            3 => (0usize..6).prop_map(|accept| Step::Append { accept }),
            2 => Just(Step::Commit),
            1 => (0usize..4, 0usize..3).prop_map(|(replicated, next_leader)| Step::Failover { replicated, next_leader }),
        ]
    }

    proptest! {
        /// Three nodes, one service each, a shared log of service-message ids. Every offered message is
        /// committed exactly once, in order, whatever the interleaving of appends, commits and fail-overs.
        #[test]
        fn exactly_once_across_failovers(steps in proptest::collection::vec(step(), 0..120)) {
            const NODES: usize = 3;
            let mut nodes: Vec<PendingServiceMessageTracker> =
                (0..NODES).map(|_| PendingServiceMessageTracker::new(1)).collect();
            let mut leader = 0usize;
            // The log as the leader sees it: (position, session id, payload tag).
            let mut log: Vec<(i64, i64, u32)> = Vec::new();
            let mut commit_index = 0usize; // entries [0, commit_index) are committed
            let mut offered = 0u32;
            for step in steps {
                match step {
                    Step::Offer => {
                        for node in nodes.iter_mut() {
                            node.enqueue_message(&service_frame(1, &offered.to_le_bytes())).unwrap();
                        }
                        offered += 1;
                    }
                    Step::Append { accept } => {
                        let mut taken = 0;
                        nodes[leader].poll(|message| {
                            if taken == accept {
                                return None;
                            }
                            taken += 1;
                            let position = 64 * (log.len() as i64 + 1);
                            let tag = u32::from_le_bytes(message.payload().try_into().unwrap());
                            log.push((position, message.cluster_session_id, tag));
                            Some(position)
                        });
                    }
                    Step::Commit => {
                        let commit_position = log.last().map_or(0, |entry| entry.0);
                        for &(_, id, _) in &log[commit_index..] {
                            for (index, node) in nodes.iter_mut().enumerate() {
                                if index != leader {
                                    node.sweep_follower_messages(id);
                                }
                            }
                        }
                        commit_index = log.len();
                        nodes[leader].sweep_leader_messages(commit_position);
                    }
                    Step::Failover { replicated, next_leader } => {
                        // Some uncommitted entries reach the others and become committed by the new
                        // leader; the rest are lost from the log.
                        let survive = (commit_index + replicated).min(log.len());
                        log.truncate(survive);
                        for &(_, id, _) in &log[commit_index..] {
                            for (index, node) in nodes.iter_mut().enumerate() {
                                if index != leader {
                                    node.sweep_follower_messages(id);
                                }
                            }
                        }
                        let commit_position = log.last().map_or(0, |entry| entry.0);
                        commit_index = log.len();
                        nodes[leader].restore_uncommitted_messages(commit_position);
                        // The old leader, now a follower, sees the surviving entries in the log.
                        if let Some(&(_, id, _)) = log.last() {
                            nodes[leader].sweep_follower_messages(id);
                        }
                        leader = next_leader % NODES;
                    }
                }
                for node in &nodes {
                    prop_assert!(node.uncommitted_count() <= node.message_count());
                }
            }
            // Drain: the current leader appends and commits everything still pending.
            loop {
                let before = log.len();
                nodes[leader].poll(|message| {
                    let position = 64 * (log.len() as i64 + 1);
                    let tag = u32::from_le_bytes(message.payload().try_into().unwrap());
                    log.push((position, message.cluster_session_id, tag));
                    Some(position)
                });
                let commit_position = log.last().map_or(0, |entry| entry.0);
                nodes[leader].sweep_leader_messages(commit_position);
                if log.len() == before {
                    break;
                }
            }
            let tags: Vec<u32> = log.iter().map(|entry| entry.2).collect();
            prop_assert_eq!(tags, (0..offered).collect::<Vec<u32>>());
            let ids: Vec<i64> = log.iter().map(|entry| entry.1).collect();
            let expected_ids: Vec<i64> = (0..offered as i64).map(|n| first_id(1) + n).collect();
            prop_assert_eq!(ids, expected_ids);
            prop_assert_eq!(nodes[leader].message_count(), 0);
        }
    }
}
