//! The client ⇄ driver control protocol: Aeron 1.54's `ControlProtocolEvents` type ids, `ErrorCode`
//! values and one codec per flyweight of `io.aeron.command`, plus the CnC header ([`cnc`]).
//!
//! How to use: a client encodes a request with `encode` into a ring-buffer claim (or a scratch buffer)
//! and writes it with the matching [`event`] type id; the driver decodes it with `decode` from the
//! message payload. Responses travel the other way on the broadcast buffer.
//!
//! Invariants:
//! - Layouts are byte-exact with the Java flyweights: little-endian integers, strings and byte blobs
//!   as `length:i32` followed by the bytes; a blob followed by more fields is padded to 4 bytes (counter
//!   key, image log file name) exactly where the Java flyweight aligns it.
//! - `decode` never panics: short input, negative or overlong lengths and non-UTF-8 strings are
//!   [`CommandError`]s. Trailing bytes after a complete message are ignored (as Aeron's
//!   `validateLength`, which only checks for a minimum).
//! - `encode` writes exactly `encoded_length()` bytes and returns that count, or fails without
//!   writing if `dst` is too short.

#![warn(missing_docs)]
pub mod client_timeout;
pub mod cnc;
pub mod correlated_message;
pub mod counter_message;
pub mod counter_update;
pub mod destination_by_id_message;
pub mod destination_message;
pub mod error_response;
pub mod image_buffers_ready;
pub mod image_message;
pub mod next_available_session_id;
pub mod operation_succeeded;
pub mod publication_buffers_ready;
pub mod publication_message;
pub mod reject_image;
pub mod remove_message;
pub mod remove_publication_message;
pub mod session_id_message;
pub mod static_counter;
pub mod static_counter_message;
pub mod subscription_message;
pub mod subscription_ready;
pub mod terminate_driver;

pub use client_timeout::ClientTimeout;
pub use cnc::{CncError, CncHeader, CncLayout};
pub use correlated_message::CorrelatedMessage;
pub use counter_message::CounterMessage;
pub use counter_update::CounterUpdate;
pub use destination_by_id_message::DestinationByIdMessage;
pub use destination_message::DestinationMessage;
pub use error_response::ErrorResponse;
pub use image_buffers_ready::ImageBuffersReady;
pub use image_message::ImageMessage;
pub use next_available_session_id::NextAvailableSessionId;
pub use operation_succeeded::OperationSucceeded;
pub use publication_buffers_ready::PublicationBuffersReady;
pub use publication_message::PublicationMessage;
pub use reject_image::RejectImage;
pub use remove_message::RemoveMessage;
pub use remove_publication_message::RemovePublicationMessage;
pub use session_id_message::GetNextAvailableSessionIdMessage;
pub use static_counter::StaticCounter;
pub use static_counter_message::StaticCounterMessage;
pub use subscription_message::SubscriptionMessage;
pub use subscription_ready::SubscriptionReady;
pub use terminate_driver::TerminateDriver;

/// Message type ids (Aeron `ControlProtocolEvents`): the `msg_type_id` of ring-buffer and broadcast records.
pub mod event {
    /// Control protocol version 1.0.0 as an Aeron semantic version (`major << 16 | minor << 8 | patch`).
    pub const CONTROL_PROTOCOL_SEMANTIC_VERSION: i32 = 1 << 16;

    // Clients to the driver.
    /// Add a concurrent publication ([`super::PublicationMessage`]).
    pub const ADD_PUBLICATION: i32 = 0x01;
    /// Remove a publication ([`super::RemovePublicationMessage`]).
    pub const REMOVE_PUBLICATION: i32 = 0x02;
    /// Add an exclusive publication ([`super::PublicationMessage`]).
    pub const ADD_EXCLUSIVE_PUBLICATION: i32 = 0x03;
    /// Add a subscription ([`super::SubscriptionMessage`]).
    pub const ADD_SUBSCRIPTION: i32 = 0x04;
    /// Remove a subscription ([`super::RemoveMessage`]).
    pub const REMOVE_SUBSCRIPTION: i32 = 0x05;
    /// Client heartbeat ([`super::CorrelatedMessage`]).
    pub const CLIENT_KEEPALIVE: i32 = 0x06;
    /// Add a destination to a publication ([`super::DestinationMessage`]).
    pub const ADD_DESTINATION: i32 = 0x07;
    /// Remove a destination from a publication ([`super::DestinationMessage`]).
    pub const REMOVE_DESTINATION: i32 = 0x08;
    /// Add a client counter ([`super::CounterMessage`]).
    pub const ADD_COUNTER: i32 = 0x09;
    /// Remove a client counter ([`super::RemoveMessage`]).
    pub const REMOVE_COUNTER: i32 = 0x0A;
    /// The client is closing ([`super::CorrelatedMessage`]).
    pub const CLIENT_CLOSE: i32 = 0x0B;
    /// Add a destination to a subscription ([`super::DestinationMessage`]).
    pub const ADD_RCV_DESTINATION: i32 = 0x0C;
    /// Remove a destination from a subscription ([`super::DestinationMessage`]).
    pub const REMOVE_RCV_DESTINATION: i32 = 0x0D;
    /// Ask the driver to terminate ([`super::TerminateDriver`]).
    pub const TERMINATE_DRIVER: i32 = 0x0E;
    /// Add or find a static counter ([`super::StaticCounterMessage`]).
    pub const ADD_STATIC_COUNTER: i32 = 0x0F;
    /// Reject an image ([`super::RejectImage`]).
    pub const REJECT_IMAGE: i32 = 0x10;
    /// Remove a destination by its registration id ([`super::DestinationByIdMessage`]).
    pub const REMOVE_DESTINATION_BY_ID: i32 = 0x11;
    /// Ask for the next session id the driver would assign ([`super::GetNextAvailableSessionIdMessage`]).
    pub const GET_NEXT_AVAILABLE_SESSION_ID: i32 = 0x12;

    // The driver to clients.
    /// A command failed ([`super::ErrorResponse`]).
    pub const ON_ERROR: i32 = 0x0F01;
    /// An image is available to a subscription ([`super::ImageBuffersReady`]).
    pub const ON_AVAILABLE_IMAGE: i32 = 0x0F02;
    /// A concurrent publication is ready ([`super::PublicationBuffersReady`]).
    pub const ON_PUBLICATION_READY: i32 = 0x0F03;
    /// A command succeeded ([`super::OperationSucceeded`]).
    pub const ON_OPERATION_SUCCESS: i32 = 0x0F04;
    /// An image went away ([`super::ImageMessage`]).
    pub const ON_UNAVAILABLE_IMAGE: i32 = 0x0F05;
    /// An exclusive publication is ready ([`super::PublicationBuffersReady`]).
    pub const ON_EXCLUSIVE_PUBLICATION_READY: i32 = 0x0F06;
    /// A subscription is ready ([`super::SubscriptionReady`]).
    pub const ON_SUBSCRIPTION_READY: i32 = 0x0F07;
    /// A counter is ready ([`super::CounterUpdate`]).
    pub const ON_COUNTER_READY: i32 = 0x0F08;
    /// A counter went away ([`super::CounterUpdate`]).
    pub const ON_UNAVAILABLE_COUNTER: i32 = 0x0F09;
    /// The driver timed a client out ([`super::ClientTimeout`]).
    pub const ON_CLIENT_TIMEOUT: i32 = 0x0F0A;
    /// A static counter is ready ([`super::StaticCounter`]).
    pub const ON_STATIC_COUNTER: i32 = 0x0F0B;
    /// An error frame reached a publication (not produced by fulmar yet).
    pub const ON_PUBLICATION_ERROR: i32 = 0x0F0C;
    /// The answer to GET_NEXT_AVAILABLE_SESSION_ID ([`super::NextAvailableSessionId`]).
    pub const ON_NEXT_AVAILABLE_SESSION_ID: i32 = 0x0F0D;
}

/// Error codes carried by [`ErrorResponse`] (Aeron `ErrorCode` values).
pub mod error_code {
    /// Aeron reserves 0.
    pub const UNUSED: i32 = 0;
    /// The channel URI is invalid or names an unsupported media.
    pub const INVALID_CHANNEL: i32 = 1;
    /// No subscription with that registration id.
    pub const UNKNOWN_SUBSCRIPTION: i32 = 2;
    /// No publication with that registration id.
    pub const UNKNOWN_PUBLICATION: i32 = 3;
    /// A channel endpoint failed (socket).
    pub const CHANNEL_ENDPOINT_ERROR: i32 = 4;
    /// No counter with that registration id.
    pub const UNKNOWN_COUNTER: i32 = 5;
    /// The command type id is not known.
    pub const UNKNOWN_COMMAND_TYPE_ID: i32 = 6;
    /// The command bytes could not be decoded.
    pub const MALFORMED_COMMAND: i32 = 7;
    /// The operation is not supported.
    pub const NOT_SUPPORTED: i32 = 8;
    /// A host name could not be resolved.
    pub const UNKNOWN_HOST: i32 = 9;
    /// A resource (counters, memory) is temporarily exhausted.
    pub const RESOURCE_TEMPORARILY_UNAVAILABLE: i32 = 10;
    /// Anything else.
    pub const GENERIC_ERROR: i32 = 11;
    /// Not enough storage space for a log buffer.
    pub const STORAGE_SPACE: i32 = 12;
    /// The image was rejected.
    pub const IMAGE_REJECTED: i32 = 13;
    /// The publication was revoked.
    pub const PUBLICATION_REVOKED: i32 = 14;
    /// A value Aeron does not know.
    pub const UNKNOWN_CODE_VALUE: i32 = -1;
}

/// Why a command could not be encoded or decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// The input ends before the message does.
    #[error("command truncated: needs {needed} bytes, has {length}")]
    Truncated {
        /// Bytes the message needs.
        needed: usize,
        /// Bytes available.
        length: usize,
    },
    /// The destination buffer is too short for the encoded message.
    #[error("destination too short: needs {needed} bytes, has {length}")]
    DestinationTooShort {
        /// Bytes the encoded message needs.
        needed: usize,
        /// Bytes available.
        length: usize,
    },
    /// A length prefix is negative.
    #[error("negative length {length} for {field}")]
    NegativeLength {
        /// Which field.
        field: &'static str,
        /// The value read.
        length: i32,
    },
    /// A string field is not valid UTF-8.
    #[error("{field} is not valid UTF-8")]
    InvalidUtf8 {
        /// Which field.
        field: &'static str,
    },
    /// A field is longer than a length prefix can express.
    #[error("{field} too long: {length} bytes")]
    FieldTooLong {
        /// Which field.
        field: &'static str,
        /// Its length.
        length: usize,
    },
}

impl CommandError {
    /// The Aeron error code a driver reports for this decoding failure ([`error_code::MALFORMED_COMMAND`]).
    pub const fn error_code(&self) -> i32 {
        error_code::MALFORMED_COMMAND
    }
}

/// Size of an `i32` field.
pub(crate) const SIZE_OF_INT: usize = 4;
/// Size of an `i64` field.
pub(crate) const SIZE_OF_LONG: usize = 8;

/// Rounds `value` up to a multiple of 4 (the alignment of a blob followed by more fields).
pub(crate) const fn align4(value: usize) -> usize {
    (value + 3) & !3
}

/// Fails unless `src` has at least `needed` bytes.
pub(crate) fn check_src(src: &[u8], needed: usize) -> Result<(), CommandError> {
    if src.len() < needed { Err(CommandError::Truncated { needed, length: src.len() }) } else { Ok(()) }
}

/// Fails unless `dst` has at least `needed` bytes.
pub(crate) fn check_dst(dst: &[u8], needed: usize) -> Result<(), CommandError> {
    if dst.len() < needed {
        Err(CommandError::DestinationTooShort { needed, length: dst.len() })
    } else {
        Ok(())
    }
}

/// Reads a little-endian `i32` at `offset`.
pub(crate) fn get_i32(src: &[u8], offset: usize) -> Result<i32, CommandError> {
    let end = offset
        .checked_add(SIZE_OF_INT)
        .ok_or(CommandError::Truncated { needed: usize::MAX, length: src.len() })?;
    match src.get(offset..end) {
        Some(bytes) => Ok(i32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])),
        None => Err(CommandError::Truncated { needed: end, length: src.len() }),
    }
}

/// Reads a little-endian `i64` at `offset`.
pub(crate) fn get_i64(src: &[u8], offset: usize) -> Result<i64, CommandError> {
    let end = offset
        .checked_add(SIZE_OF_LONG)
        .ok_or(CommandError::Truncated { needed: usize::MAX, length: src.len() })?;
    match src.get(offset..end) {
        Some(bytes) => {
            let mut word = [0u8; 8];
            word.copy_from_slice(bytes);
            Ok(i64::from_le_bytes(word))
        }
        None => Err(CommandError::Truncated { needed: end, length: src.len() }),
    }
}

/// Reads a `length:i32` prefixed blob at `offset`; returns the bytes and the offset just after them.
pub(crate) fn get_blob<'a>(
    src: &'a [u8],
    offset: usize,
    field: &'static str,
) -> Result<(&'a [u8], usize), CommandError> {
    let length = get_i32(src, offset)?;
    if length < 0 {
        return Err(CommandError::NegativeLength { field, length });
    }
    let start = offset + SIZE_OF_INT;
    let end = start.saturating_add(length as usize);
    match src.get(start..end) {
        Some(bytes) => Ok((bytes, end)),
        None => Err(CommandError::Truncated { needed: end, length: src.len() }),
    }
}

/// Reads a `length:i32` prefixed UTF-8 string at `offset`; returns it and the offset just after it.
pub(crate) fn get_str<'a>(
    src: &'a [u8],
    offset: usize,
    field: &'static str,
) -> Result<(&'a str, usize), CommandError> {
    let (bytes, end) = get_blob(src, offset, field)?;
    let text = std::str::from_utf8(bytes).map_err(|_| CommandError::InvalidUtf8 { field })?;
    Ok((text, end))
}

/// Writes a little-endian `i32` at `offset` (the caller checked the length).
pub(crate) fn put_i32(dst: &mut [u8], offset: usize, value: i32) {
    dst[offset..offset + SIZE_OF_INT].copy_from_slice(&value.to_le_bytes());
}

/// Writes a little-endian `i64` at `offset` (the caller checked the length).
pub(crate) fn put_i64(dst: &mut [u8], offset: usize, value: i64) {
    dst[offset..offset + SIZE_OF_LONG].copy_from_slice(&value.to_le_bytes());
}

/// Writes `length:i32` + `bytes` at `offset`; returns the offset just after them (the caller checked the length).
pub(crate) fn put_blob(dst: &mut [u8], offset: usize, bytes: &[u8]) -> usize {
    put_i32(dst, offset, bytes.len() as i32);
    let start = offset + SIZE_OF_INT;
    dst[start..start + bytes.len()].copy_from_slice(bytes);
    start + bytes.len()
}

/// Fails if a blob is too long for its `i32` length prefix.
pub(crate) fn check_blob(field: &'static str, bytes: &[u8]) -> Result<(), CommandError> {
    if bytes.len() > i32::MAX as usize / 2 {
        Err(CommandError::FieldTooLong { field, length: bytes.len() })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod fuzz_tests;
