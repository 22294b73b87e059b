//! [`SbeError`]: every way an archive SBE codec can reject input or refuse to encode.

use thiserror::Error;

/// Why an archive control-protocol message could not be decoded or encoded.
///
/// Decoders return this for any short, malformed or foreign input and never panic. Encoders return it
/// when the destination is too small or a variable-length field exceeds the schema's `maxValue`; they
/// check everything before writing, so a failed `encode` leaves `dst` untouched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum SbeError {
    /// The input ends before the message header, the declared fixed block or a var-data field.
    #[error("input too short: {needed} bytes needed, {actual} available")]
    TooShort {
        /// Bytes required (from the start of the input).
        needed: usize,
        /// Bytes available.
        actual: usize,
    },
    /// The destination buffer is too small for the encoded message.
    #[error("destination too small: {needed} bytes needed, capacity {capacity}")]
    BufferTooSmall {
        /// Bytes the encoding needs.
        needed: usize,
        /// Bytes the destination holds.
        capacity: usize,
    },
    /// The message header names another SBE schema (Aeron throws `ArchiveException` here too).
    #[error("unexpected schema id {actual} (expected {expected})")]
    WrongSchemaId {
        /// The archive schema id, 101.
        expected: u16,
        /// Schema id found in the header.
        actual: u16,
    },
    /// The message header's template id is not the one this decoder handles.
    #[error("unexpected template id {actual} (expected {expected})")]
    UnexpectedTemplateId {
        /// Template id this decoder handles.
        expected: u16,
        /// Template id found in the header.
        actual: u16,
    },
    /// [`decode_any`](super::decode_any) found a template id that names no control-protocol message.
    #[error("unknown archive template id {0}")]
    UnknownTemplateId(u16),
    /// The header's `blockLength` is too small to hold a fixed field that the header's `version` says
    /// is present.
    #[error("block length {block_length} of template {template_id} cannot hold a field ending at {needed}")]
    BlockTooShort {
        /// Template id of the message.
        template_id: u16,
        /// `blockLength` from the header.
        block_length: usize,
        /// Block offset where the field ends.
        needed: usize,
    },
    /// A var-data length above the schema's `maxValue` (1 GiB), on decode or encode.
    #[error("var-data field `{field}` has length {length}, above the schema maximum")]
    VarDataTooLong {
        /// Name of the field (as in the schema, snake case).
        field: &'static str,
        /// Its length.
        length: usize,
    },
    /// A `varAsciiEncoding` field whose bytes are not valid UTF-8 (ASCII is a subset).
    #[error("var-data field `{field}` is not valid UTF-8")]
    InvalidUtf8 {
        /// Name of the field (as in the schema, snake case).
        field: &'static str,
    },
}
