//! [`ChannelUriError`]: why a channel URI was rejected. Every message names the offending key and value
//! (or the position in the URI) so that a user can fix the channel string.

use thiserror::Error;

/// Why a channel URI could not be parsed or built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ChannelUriError {
    /// The URI is longer than [`MAX_URI_LENGTH`](super::MAX_URI_LENGTH) bytes.
    #[error("channel URI length {length} exceeds the maximum of 4095")]
    TooLong {
        /// Length of the rejected URI in bytes.
        length: usize,
    },
    /// The URI does not start with `aeron:` (after an optional `aeron-spy:`).
    #[error("channel URI must start with `aeron:` or `aeron-spy:aeron:`: `{uri}`")]
    MissingScheme {
        /// The rejected URI (at most its first 64 characters).
        uri: String,
    },
    /// The media is neither `udp` nor `ipc`.
    #[error("unknown media `{media}`: expected `udp` or `ipc`")]
    UnknownMedia {
        /// The rejected media.
        media: String,
    },
    /// A `:`, `|` or `=` inside the media.
    #[error("unexpected `{character}` in the media at index {index}")]
    InvalidMediaCharacter {
        /// The character.
        character: char,
        /// Its byte index in the URI.
        index: usize,
    },
    /// A parameter with an empty key (`?=x`, `||`, a trailing `|` or `?`).
    #[error("empty parameter key at index {index}")]
    EmptyKey {
        /// Byte index in the URI where the key should start.
        index: usize,
    },
    /// A parameter without `=value`.
    #[error("parameter `{key}` at index {index} has no `=value`")]
    MissingValue {
        /// The key.
        key: String,
        /// Byte index of the key in the URI.
        index: usize,
    },
    /// A key this implementation does not know.
    #[error("unknown parameter `{key}`")]
    UnknownKey {
        /// The key.
        key: String,
    },
    /// A known key with a value that is malformed or out of range (alone or together with another
    /// parameter, which the reason then names).
    #[error("invalid value `{value}` for `{key}`: {reason}")]
    InvalidValue {
        /// The key.
        key: &'static str,
        /// The rejected value.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A UDP channel with no `endpoint`, no `control`, no `tags` and no `control-mode=manual|response`.
    #[error("UDP channels must specify `endpoint`, `control`, `tags` or `control-mode=manual|response`")]
    MissingUdpAddress,
    /// `control-mode=dynamic` without `control`.
    #[error("`control-mode=dynamic` requires an explicit `control` address")]
    DynamicControlModeWithoutControl,
    /// Only some of `init-term-id`, `term-id`, `term-offset`.
    #[error("`init-term-id`, `term-id` and `term-offset` must be given together: `{missing}` is missing")]
    IncompleteInitialPosition {
        /// A missing key.
        missing: &'static str,
    },
}
