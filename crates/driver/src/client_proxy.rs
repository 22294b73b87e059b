//! [`ClientProxy`]: encodes the driver's responses and events and broadcasts them to every client.
//!
//! Encoding goes through one scratch buffer sized to the broadcast buffer's maximum message length,
//! allocated once. A message that does not fit (an absurdly long error text) is cut down: error messages
//! are truncated at a character boundary, anything else is reported as an error to the caller.

use agrona::BroadcastTransmitter;
use protocol::command::{
    ClientTimeout, CounterUpdate, ErrorResponse, ImageBuffersReady, ImageMessage, NextAvailableSessionId,
    OperationSucceeded, PublicationBuffersReady, StaticCounter, SubscriptionReady, event,
};

/// Sends responses on the to-clients broadcast buffer.
pub struct ClientProxy {
    transmitter: BroadcastTransmitter,
    scratch: Vec<u8>,
}

/// A response could not be broadcast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BroadcastFailure(pub String);

impl ClientProxy {
    /// Wraps the transmitter.
    pub fn new(transmitter: BroadcastTransmitter) -> Self {
        let scratch = vec![0u8; transmitter.max_message_length()];
        Self { transmitter, scratch }
    }

    fn send(
        &mut self,
        msg_type_id: i32,
        encode: impl FnOnce(&mut [u8]) -> Result<usize, protocol::command::CommandError>,
    ) -> Result<(), BroadcastFailure> {
        let length = encode(&mut self.scratch)
            .map_err(|e| BroadcastFailure(format!("encode {msg_type_id:#x}: {e}")))?;
        self.transmitter
            .transmit(msg_type_id, &self.scratch[..length])
            .map_err(|e| BroadcastFailure(format!("transmit {msg_type_id:#x}: {e}")))
    }

    /// ON_ERROR for the command `correlation_id` (the message is truncated to fit).
    pub fn on_error(
        &mut self,
        correlation_id: i64,
        error_code: i32,
        message: &str,
    ) -> Result<(), BroadcastFailure> {
        let room = self.scratch.len().saturating_sub(ErrorResponse::MINIMUM_LENGTH);
        let mut length = message.len().min(room);
        while !message.is_char_boundary(length) {
            length -= 1;
        }
        let response = ErrorResponse {
            offending_command_correlation_id: correlation_id,
            error_code,
            error_message: &message[..length],
        };
        self.send(event::ON_ERROR, |dst| response.encode(dst))
    }

    /// ON_OPERATION_SUCCESS.
    pub fn operation_succeeded(&mut self, correlation_id: i64) -> Result<(), BroadcastFailure> {
        self.send(event::ON_OPERATION_SUCCESS, |dst| OperationSucceeded { correlation_id }.encode(dst))
    }

    /// ON_PUBLICATION_READY or ON_EXCLUSIVE_PUBLICATION_READY.
    pub fn on_publication_ready(
        &mut self,
        ready: &PublicationBuffersReady<'_>,
        is_exclusive: bool,
    ) -> Result<(), BroadcastFailure> {
        let msg_type_id =
            if is_exclusive { event::ON_EXCLUSIVE_PUBLICATION_READY } else { event::ON_PUBLICATION_READY };
        self.send(msg_type_id, |dst| ready.encode(dst))
    }

    /// ON_SUBSCRIPTION_READY.
    pub fn on_subscription_ready(
        &mut self,
        correlation_id: i64,
        channel_status_indicator_id: i32,
    ) -> Result<(), BroadcastFailure> {
        self.send(event::ON_SUBSCRIPTION_READY, |dst| {
            SubscriptionReady { correlation_id, channel_status_indicator_id }.encode(dst)
        })
    }

    /// ON_AVAILABLE_IMAGE.
    pub fn on_available_image(&mut self, image: &ImageBuffersReady<'_>) -> Result<(), BroadcastFailure> {
        self.send(event::ON_AVAILABLE_IMAGE, |dst| image.encode(dst))
    }

    /// ON_UNAVAILABLE_IMAGE.
    pub fn on_unavailable_image(&mut self, image: &ImageMessage<'_>) -> Result<(), BroadcastFailure> {
        self.send(event::ON_UNAVAILABLE_IMAGE, |dst| image.encode(dst))
    }

    /// ON_COUNTER_READY.
    pub fn on_counter_ready(&mut self, correlation_id: i64, counter_id: i32) -> Result<(), BroadcastFailure> {
        self.send(event::ON_COUNTER_READY, |dst| CounterUpdate { correlation_id, counter_id }.encode(dst))
    }

    /// ON_UNAVAILABLE_COUNTER.
    pub fn on_unavailable_counter(
        &mut self,
        registration_id: i64,
        counter_id: i32,
    ) -> Result<(), BroadcastFailure> {
        self.send(event::ON_UNAVAILABLE_COUNTER, |dst| {
            CounterUpdate { correlation_id: registration_id, counter_id }.encode(dst)
        })
    }

    /// ON_STATIC_COUNTER.
    pub fn on_static_counter(
        &mut self,
        correlation_id: i64,
        counter_id: i32,
    ) -> Result<(), BroadcastFailure> {
        self.send(event::ON_STATIC_COUNTER, |dst| StaticCounter { correlation_id, counter_id }.encode(dst))
    }

    /// ON_CLIENT_TIMEOUT.
    pub fn on_client_timeout(&mut self, client_id: i64) -> Result<(), BroadcastFailure> {
        self.send(event::ON_CLIENT_TIMEOUT, |dst| ClientTimeout { client_id }.encode(dst))
    }

    /// ON_NEXT_AVAILABLE_SESSION_ID.
    pub fn on_next_available_session_id(
        &mut self,
        correlation_id: i64,
        session_id: i32,
    ) -> Result<(), BroadcastFailure> {
        self.send(event::ON_NEXT_AVAILABLE_SESSION_ID, |dst| {
            NextAvailableSessionId { correlation_id, session_id }.encode(dst)
        })
    }
}
