//! [`DriverError`]: why a driver could not start, and [`ControlError`]: why a client command failed.

use agrona::MemoryError;

/// Why [`crate::DriverConductor::new`] failed.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// A [`crate::DriverContext`] value is out of range.
    #[error("invalid driver configuration: {0}")]
    InvalidConfiguration(String),
    /// The memory store refused to create or open the CnC region.
    #[error("memory store: {0}")]
    Memory(#[from] MemoryError),
    /// A `cnc.dat` exists whose driver heartbeat is recent: another driver is running on this store.
    #[error("an active driver is already using this directory (heartbeat {age_ms} ms ago)")]
    ActiveDriverExists {
        /// Milliseconds since that driver's last heartbeat.
        age_ms: i64,
    },
    /// A CnC buffer could not be set up (only with inconsistent lengths).
    #[error("CnC setup failed: {0}")]
    Cnc(String),
}

/// A failed client command: the Aeron error code sent back in ON_ERROR and a human-readable message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlError {
    /// One of `protocol::command::error_code`.
    pub code: i32,
    /// What went wrong, naming the offending value.
    pub message: String,
}

impl ControlError {
    /// An error with `code` and `message`.
    pub fn new(code: i32, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

/// The name of an Aeron error code, for the error log.
pub fn error_code_name(code: i32) -> &'static str {
    use protocol::command::error_code::*;
    match code {
        UNUSED => "UNUSED",
        INVALID_CHANNEL => "INVALID_CHANNEL",
        UNKNOWN_SUBSCRIPTION => "UNKNOWN_SUBSCRIPTION",
        UNKNOWN_PUBLICATION => "UNKNOWN_PUBLICATION",
        CHANNEL_ENDPOINT_ERROR => "CHANNEL_ENDPOINT_ERROR",
        UNKNOWN_COUNTER => "UNKNOWN_COUNTER",
        UNKNOWN_COMMAND_TYPE_ID => "UNKNOWN_COMMAND_TYPE_ID",
        MALFORMED_COMMAND => "MALFORMED_COMMAND",
        NOT_SUPPORTED => "NOT_SUPPORTED",
        UNKNOWN_HOST => "UNKNOWN_HOST",
        RESOURCE_TEMPORARILY_UNAVAILABLE => "RESOURCE_TEMPORARILY_UNAVAILABLE",
        GENERIC_ERROR => "GENERIC_ERROR",
        STORAGE_SPACE => "STORAGE_SPACE",
        IMAGE_REJECTED => "IMAGE_REJECTED",
        PUBLICATION_REVOKED => "PUBLICATION_REVOKED",
        _ => "UNKNOWN_CODE_VALUE",
    }
}
