//! [`ControlSession`]: one client's control session (Aeron's `ControlSession`): its id, its response
//! publication, and the responses waiting for that publication to accept them.
//!
//! Invariants:
//! - responses go out in the order they were produced: while anything is queued, new responses are
//!   queued behind it;
//! - the queue is bounded ([`MAX_QUEUED_RESPONSES`]); a client that does not drain its responses for
//!   that long has its session closed rather than growing the archive's memory;
//! - a session with no request for the liveness timeout, or whose publication closed, is done; once
//!   done it sends nothing more.

use std::collections::VecDeque;

use client::{ExclusivePublication, OfferError};
use protocol::archive::{ControlResponseCode, RecordingSignal};

use crate::control_response_proxy::ControlResponseProxy;

/// Responses a session may hold back while its publication is back-pressured.
pub const MAX_QUEUED_RESPONSES: usize = 4096;
/// Offer attempts per response before it is queued.
const OFFER_ATTEMPTS: usize = 3;

/// One control session.
///
/// Drive it from the archive conductor: `send_*` for every answer, [`ControlSession::do_work`] every duty
/// cycle (flushes the queue and checks liveness), [`ControlSession::on_activity`] on every request, and
/// drop it once [`ControlSession::is_done`].
#[derive(Debug)]
pub struct ControlSession {
    id: i64,
    publication: ExclusivePublication,
    proxy: ControlResponseProxy,
    queue: VecDeque<Vec<u8>>,
    activity_deadline_ns: i64,
    liveness_timeout_ns: i64,
    done: bool,
}

impl ControlSession {
    /// A session `id` answering on `publication`, live until `now_ns + liveness_timeout_ns` unless a request
    /// arrives.
    pub fn new(id: i64, publication: ExclusivePublication, now_ns: i64, liveness_timeout_ns: i64) -> Self {
        Self {
            id,
            publication,
            proxy: ControlResponseProxy::new(),
            queue: VecDeque::new(),
            activity_deadline_ns: now_ns.saturating_add(liveness_timeout_ns),
            liveness_timeout_ns,
            done: false,
        }
    }

    /// The control session id.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// True once closed (by request, liveness timeout, overflow or a closed publication).
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Responses waiting for the publication.
    pub fn queued_count(&self) -> usize {
        self.queue.len()
    }

    /// Records a request at `now_ns` (extends the liveness deadline).
    pub fn on_activity(&mut self, now_ns: i64) {
        self.activity_deadline_ns = now_ns.saturating_add(self.liveness_timeout_ns);
    }

    /// Closes the session and its publication.
    pub fn close(&mut self) {
        self.done = true;
        self.queue.clear();
        self.publication.close();
    }

    /// Flushes queued responses and checks liveness; returns the work done.
    pub fn do_work(&mut self, now_ns: i64) -> usize {
        if self.done {
            return 0;
        }
        let mut work = 0;
        while let Some(front) = self.queue.front() {
            match self.publication.offer(front) {
                Ok(_) => {
                    self.queue.pop_front();
                    work += 1;
                }
                Err(OfferError::Closed | OfferError::MaxPositionExceeded) => {
                    self.close();
                    return work + 1;
                }
                Err(_) => break,
            }
        }
        if now_ns.wrapping_sub(self.activity_deadline_ns) > 0 || self.publication.is_closed() {
            self.close();
            work += 1;
        }
        work
    }

    fn send(
        publication: &mut ExclusivePublication,
        queue: &mut VecDeque<Vec<u8>>,
        done: &mut bool,
        bytes: &[u8],
    ) {
        if *done || bytes.is_empty() {
            return;
        }
        if queue.is_empty() {
            for _ in 0..OFFER_ATTEMPTS {
                match publication.offer(bytes) {
                    Ok(_) => return,
                    Err(OfferError::Closed | OfferError::MaxPositionExceeded) => {
                        *done = true;
                        return;
                    }
                    Err(_) => {}
                }
            }
        }
        if queue.len() >= MAX_QUEUED_RESPONSES {
            *done = true;
            queue.clear();
            publication.close();
            return;
        }
        queue.push_back(bytes.to_vec());
    }

    /// Sends a `ControlResponse` OK with `relevant_id`.
    pub fn send_ok(&mut self, correlation_id: i64, relevant_id: i64) {
        let bytes = self.proxy.response(self.id, correlation_id, relevant_id, ControlResponseCode::Ok, "");
        Self::send(&mut self.publication, &mut self.queue, &mut self.done, bytes);
    }

    /// Sends a `ControlResponse` ERROR with an `archive_error_code` and a message.
    pub fn send_error(&mut self, correlation_id: i64, error_code: i64, message: &str) {
        let bytes =
            self.proxy.response(self.id, correlation_id, error_code, ControlResponseCode::Error, message);
        Self::send(&mut self.publication, &mut self.queue, &mut self.done, bytes);
    }

    /// Sends a `ControlResponse` RECORDING_UNKNOWN for `recording_id`.
    pub fn send_recording_unknown(&mut self, correlation_id: i64, recording_id: i64) {
        let bytes = self.proxy.response(
            self.id,
            correlation_id,
            recording_id,
            ControlResponseCode::RecordingUnknown,
            "",
        );
        Self::send(&mut self.publication, &mut self.queue, &mut self.done, bytes);
    }

    /// Sends a `RecordingDescriptor` from the catalog's raw descriptor bytes.
    pub fn send_descriptor(&mut self, correlation_id: i64, catalog_bytes: &[u8]) {
        let bytes = self.proxy.descriptor(self.id, correlation_id, catalog_bytes);
        Self::send(&mut self.publication, &mut self.queue, &mut self.done, bytes);
    }

    /// Sends a `RecordingSignalEvent`.
    pub fn send_signal(
        &mut self,
        correlation_id: i64,
        recording_id: i64,
        subscription_id: i64,
        position: i64,
        signal: RecordingSignal,
    ) {
        let bytes =
            self.proxy.signal(self.id, correlation_id, recording_id, subscription_id, position, signal);
        Self::send(&mut self.publication, &mut self.queue, &mut self.done, bytes);
    }
}
