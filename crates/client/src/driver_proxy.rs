//! [`DriverProxy`]: encodes client commands into the driver's many-to-one ring buffer (Aeron `DriverProxy`).
//!
//! Invariants: every command gets a fresh correlation id from the ring buffer's correlation counter (unique
//! across all clients of the driver); a command is either written whole or not at all; encoding goes
//! through a scratch buffer sized to the ring buffer's maximum message, allocated once.

use agrona::{ManyToOneRingBuffer, RingBufferError};
use protocol::command::{
    CorrelatedMessage, CounterMessage, DestinationMessage, PublicationMessage, RemoveMessage,
    RemovePublicationMessage, SubscriptionMessage, event,
};

use crate::client_error::ClientError;

/// Aeron's `NULL_VALUE` for an unused registration correlation id.
const NULL_VALUE: i64 = -1;

/// Writes commands for one client into the to-driver ring buffer.
pub(crate) struct DriverProxy {
    ring: ManyToOneRingBuffer,
    client_id: i64,
    scratch: Vec<u8>,
}

impl DriverProxy {
    pub(crate) fn new(ring: ManyToOneRingBuffer, client_id: i64) -> Self {
        let scratch = vec![0u8; ring.max_message_length()];
        Self { ring, client_id, scratch }
    }

    /// The last time the driver consumed the ring buffer (epoch ms; 0 if never).
    pub(crate) fn time_of_last_driver_keepalive_ms(&self) -> i64 {
        self.ring.consumer_heartbeat_time()
    }

    fn send(
        &mut self,
        msg_type_id: i32,
        encoded: Result<usize, protocol::command::CommandError>,
    ) -> Result<(), ClientError> {
        let length = encoded.map_err(|e| ClientError::CommandFailed { reason: e.to_string() })?;
        self.ring.write(msg_type_id, &self.scratch[..length]).map_err(|e| match e {
            RingBufferError::MessageTooLong { .. } => ClientError::ChannelInvalid { message: e.to_string() },
            other => ClientError::CommandFailed { reason: other.to_string() },
        })
    }

    fn check_fits(&self, length: usize) -> Result<(), ClientError> {
        if length > self.scratch.len() {
            return Err(ClientError::ChannelInvalid {
                message: format!(
                    "command of {length} bytes exceeds the driver's maximum of {}",
                    self.scratch.len()
                ),
            });
        }
        Ok(())
    }

    /// `ADD_PUBLICATION` / `ADD_EXCLUSIVE_PUBLICATION`; returns the correlation id.
    pub(crate) fn add_publication(
        &mut self,
        channel: &str,
        stream_id: i32,
        exclusive: bool,
    ) -> Result<i64, ClientError> {
        let correlation_id = self.ring.next_correlation_id();
        let message = PublicationMessage { client_id: self.client_id, correlation_id, stream_id, channel };
        self.check_fits(message.encoded_length())?;
        let encoded = message.encode(&mut self.scratch);
        let type_id = if exclusive { event::ADD_EXCLUSIVE_PUBLICATION } else { event::ADD_PUBLICATION };
        self.send(type_id, encoded)?;
        Ok(correlation_id)
    }

    /// `REMOVE_PUBLICATION` (not revoking); returns the correlation id.
    pub(crate) fn remove_publication(&mut self, registration_id: i64) -> Result<i64, ClientError> {
        let correlation_id = self.ring.next_correlation_id();
        let message = RemovePublicationMessage {
            client_id: self.client_id,
            correlation_id,
            registration_id,
            revoke: false,
        };
        let encoded = message.encode(&mut self.scratch);
        self.send(event::REMOVE_PUBLICATION, encoded)?;
        Ok(correlation_id)
    }

    /// `ADD_SUBSCRIPTION`; returns the correlation id (the subscription's registration id).
    pub(crate) fn add_subscription(&mut self, channel: &str, stream_id: i32) -> Result<i64, ClientError> {
        let correlation_id = self.ring.next_correlation_id();
        let message = SubscriptionMessage {
            client_id: self.client_id,
            correlation_id,
            registration_correlation_id: NULL_VALUE,
            stream_id,
            channel,
        };
        self.check_fits(message.encoded_length())?;
        let encoded = message.encode(&mut self.scratch);
        self.send(event::ADD_SUBSCRIPTION, encoded)?;
        Ok(correlation_id)
    }

    /// `REMOVE_SUBSCRIPTION`; returns the correlation id.
    pub(crate) fn remove_subscription(&mut self, registration_id: i64) -> Result<i64, ClientError> {
        let correlation_id = self.ring.next_correlation_id();
        let message = RemoveMessage { client_id: self.client_id, correlation_id, registration_id };
        let encoded = message.encode(&mut self.scratch);
        self.send(event::REMOVE_SUBSCRIPTION, encoded)?;
        Ok(correlation_id)
    }

    /// A destination command (`ADD_DESTINATION`, `REMOVE_DESTINATION`, `ADD_RCV_DESTINATION`,
    /// `REMOVE_RCV_DESTINATION`) for the resource `registration_id`; returns the correlation id.
    pub(crate) fn destination(
        &mut self,
        msg_type_id: i32,
        registration_id: i64,
        channel: &str,
    ) -> Result<i64, ClientError> {
        let correlation_id = self.ring.next_correlation_id();
        let message = DestinationMessage {
            client_id: self.client_id,
            correlation_id,
            registration_correlation_id: registration_id,
            channel,
        };
        self.check_fits(message.encoded_length())?;
        let encoded = message.encode(&mut self.scratch);
        self.send(msg_type_id, encoded)?;
        Ok(correlation_id)
    }

    /// `ADD_COUNTER`; returns the correlation id (the counter's registration id).
    pub(crate) fn add_counter(&mut self, type_id: i32, key: &[u8], label: &str) -> Result<i64, ClientError> {
        let correlation_id = self.ring.next_correlation_id();
        let message = CounterMessage { client_id: self.client_id, correlation_id, type_id, key, label };
        if message.encoded_length() > self.scratch.len() {
            return Err(ClientError::CommandFailed {
                reason: format!(
                    "ADD_COUNTER of {} bytes exceeds the driver's maximum of {}",
                    message.encoded_length(),
                    self.scratch.len()
                ),
            });
        }
        let encoded = message.encode(&mut self.scratch);
        self.send(event::ADD_COUNTER, encoded)?;
        Ok(correlation_id)
    }

    /// `REMOVE_COUNTER`; returns the correlation id.
    pub(crate) fn remove_counter(&mut self, registration_id: i64) -> Result<i64, ClientError> {
        let correlation_id = self.ring.next_correlation_id();
        let message = RemoveMessage { client_id: self.client_id, correlation_id, registration_id };
        let encoded = message.encode(&mut self.scratch);
        self.send(event::REMOVE_COUNTER, encoded)?;
        Ok(correlation_id)
    }

    /// `CLIENT_KEEPALIVE`.
    pub(crate) fn client_keepalive(&mut self) -> Result<(), ClientError> {
        let message = CorrelatedMessage { client_id: self.client_id, correlation_id: 0 };
        let encoded = message.encode(&mut self.scratch);
        self.send(event::CLIENT_KEEPALIVE, encoded)
    }

    /// `CLIENT_CLOSE`.
    pub(crate) fn client_close(&mut self) -> Result<(), ClientError> {
        let correlation_id = self.ring.next_correlation_id();
        let message = CorrelatedMessage { client_id: self.client_id, correlation_id };
        let encoded = message.encode(&mut self.scratch);
        self.send(event::CLIENT_CLOSE, encoded)
    }
}
