//! [`ConsensusModuleProxy`]: encodes the service → consensus module messages of reference §1.4
//! (ServiceAck, ScheduleTimer, CancelTimer, CloseSession, service messages) onto the control
//! publication (stream 105).
//!
//! Invariants: every message is encoded into a stack buffer and offered as one Aeron message (service
//! messages as a gather of header and payload), so sending never allocates; a refused offer sends
//! nothing and reports the publication's error.

use client::{OfferError, Publication};
use protocol::cluster::{
    CancelTimer, CloseSession, SESSION_HEADER_LENGTH, ScheduleTimer, ServiceAck, SessionMessageHeader,
};

/// Bytes enough for any fixed-size control message this proxy sends (ServiceAck is the largest: 44).
const CONTROL_MESSAGE_CAPACITY: usize = 64;

/// The service's side of the control stream to its consensus module.
pub(crate) struct ConsensusModuleProxy {
    publication: Publication,
}

impl ConsensusModuleProxy {
    /// Wraps the control publication (control channel, consensus-module stream id).
    pub(crate) fn new(publication: Publication) -> Self {
        Self { publication }
    }

    /// Offers `ack`.
    pub(crate) fn ack(&self, ack: &ServiceAck) -> Result<i64, OfferError> {
        let mut buffer = [0u8; CONTROL_MESSAGE_CAPACITY];
        let length = ack.encode(&mut buffer).map_err(|_| OfferError::Closed)?;
        self.publication.offer(&buffer[..length])
    }

    /// Offers a ScheduleTimer; false if the publication refused it (retry later).
    pub(crate) fn schedule_timer(&self, correlation_id: i64, deadline: i64) -> bool {
        let mut buffer = [0u8; CONTROL_MESSAGE_CAPACITY];
        let message = ScheduleTimer { correlation_id, deadline };
        match message.encode(&mut buffer) {
            Ok(length) => self.publication.offer(&buffer[..length]).is_ok(),
            Err(_) => false,
        }
    }

    /// Offers a CancelTimer; false if the publication refused it.
    pub(crate) fn cancel_timer(&self, correlation_id: i64) -> bool {
        let mut buffer = [0u8; CONTROL_MESSAGE_CAPACITY];
        let message = CancelTimer { correlation_id };
        match message.encode(&mut buffer) {
            Ok(length) => self.publication.offer(&buffer[..length]).is_ok(),
            Err(_) => false,
        }
    }

    /// Offers a CloseSession; false if the publication refused it.
    pub(crate) fn close_session(&self, cluster_session_id: i64) -> bool {
        let mut buffer = [0u8; CONTROL_MESSAGE_CAPACITY];
        let message = CloseSession { cluster_session_id };
        match message.encode(&mut buffer) {
            Ok(length) => self.publication.offer(&buffer[..length]).is_ok(),
            Err(_) => false,
        }
    }

    /// Offers `header` followed by `payload` as one message (a service message when the header's
    /// cluster session id is the service id).
    pub(crate) fn offer(&self, header: &SessionMessageHeader, payload: &[u8]) -> Result<i64, OfferError> {
        let mut encoded = [0u8; SESSION_HEADER_LENGTH];
        header.encode(&mut encoded).map_err(|_| OfferError::Closed)?;
        self.publication.offer_vectored(&[&encoded, payload])
    }

    /// Largest payload [`ConsensusModuleProxy::offer`] accepts (the publication's maximum message
    /// length minus the session header).
    pub(crate) fn max_payload_length(&self) -> usize {
        self.publication.max_message_length().saturating_sub(SESSION_HEADER_LENGTH)
    }
}
