//! [`ChannelUri`]: a parsed and fully validated channel URI.

use std::fmt;
use std::str::FromStr;

use super::address::{InterfaceSpec, SocketAddressSpec};
use super::error::ChannelUriError;
use super::keys;
use super::params::{ChannelParams, Completeness};
use super::values::{
    ControlMode, InferableBoolean, InitialPosition, Media, ResponseCorrelationId, SessionIdParam, Tags,
    TimestampOffset,
};
use super::{AERON_PREFIX, MAX_URI_LENGTH, SPY_PREFIX};

/// A channel URI: `[aeron-spy:]aeron:<udp|ipc>[?key=value(|key=value)*]`.
///
/// Create one with [`ChannelUri::parse`] (or [`ChannelUriBuilder`](super::ChannelUriBuilder)); every
/// parameter is checked then, so the typed accessors (`term_length()`, `linger_ns()`, ...) return
/// already-validated values and never fail. Parameters keep the order of first appearance; a repeated key
/// keeps its first position and its last value. `Display` writes the URI back so that
/// `ChannelUri::parse(&uri.to_string()) == Ok(uri)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelUri {
    spy: bool,
    media: Media,
    entries: Vec<(String, String)>,
    params: ChannelParams,
}

impl ChannelUri {
    /// Parses and validates a channel URI, including the whole-channel rules (a UDP channel needs
    /// `endpoint`, `control`, `tags` or `control-mode=manual|response`; `control-mode=dynamic` needs
    /// `control`).
    pub fn parse(uri: &str) -> Result<Self, ChannelUriError> {
        Self::parse_with(uri, Completeness::Full)
    }

    /// Like [`parse`](Self::parse) but without the whole-channel rules, for templates such as Aeron
    /// Cluster's `aeron:udp?term-length=64m` log channel that are completed before use. Every value is still
    /// validated.
    pub fn parse_template(uri: &str) -> Result<Self, ChannelUriError> {
        Self::parse_with(uri, Completeness::Template)
    }

    pub(crate) fn parse_with(uri: &str, completeness: Completeness) -> Result<Self, ChannelUriError> {
        if uri.len() > MAX_URI_LENGTH {
            return Err(ChannelUriError::TooLong { length: uri.len() });
        }
        let (spy, rest) = match uri.strip_prefix(SPY_PREFIX) {
            Some(rest) => (true, rest),
            None => (false, uri),
        };
        let rest = rest
            .strip_prefix(AERON_PREFIX)
            .ok_or_else(|| ChannelUriError::MissingScheme { uri: uri.chars().take(64).collect() })?;
        let media_start = uri.len() - rest.len();
        let (media_text, query) = match rest.split_once('?') {
            Some((media, query)) => (media, Some(query)),
            None => (rest, None),
        };
        if let Some((index, character)) =
            media_text.char_indices().find(|(_, c)| matches!(c, ':' | '|' | '='))
        {
            return Err(ChannelUriError::InvalidMediaCharacter { character, index: media_start + index });
        }
        let media = match media_text {
            "udp" => Media::Udp,
            "ipc" => Media::Ipc,
            _ => return Err(ChannelUriError::UnknownMedia { media: media_text.to_owned() }),
        };
        let mut entries: Vec<(String, String)> = Vec::new();
        if let Some(query) = query {
            let mut index = media_start + media_text.len() + 1;
            for parameter in query.split('|') {
                let (key, value) = parameter.split_once('=').ok_or_else(|| match parameter {
                    "" => ChannelUriError::EmptyKey { index },
                    key => ChannelUriError::MissingValue { key: key.to_owned(), index },
                })?;
                if key.is_empty() {
                    return Err(ChannelUriError::EmptyKey { index });
                }
                match entries.iter_mut().find(|(existing, _)| existing == key) {
                    Some(entry) => value.clone_into(&mut entry.1),
                    None => entries.push((key.to_owned(), value.to_owned())),
                }
                index += parameter.len() + 1;
            }
        }
        let params = ChannelParams::validate(media, &entries, completeness)?;
        Ok(Self { spy, media, entries, params })
    }

    /// Whether the URI has the `aeron-spy:` prefix.
    pub const fn is_spy(&self) -> bool {
        self.spy
    }

    /// Whether the media is UDP.
    pub fn is_udp(&self) -> bool {
        self.media == Media::Udp
    }

    /// Whether the media is IPC.
    pub fn is_ipc(&self) -> bool {
        self.media == Media::Ipc
    }

    /// The media.
    pub const fn media(&self) -> Media {
        self.media
    }

    /// The raw value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries.iter().find(|(existing, _)| existing == key).map(|(_, value)| value.as_str())
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The parameters in URI order, as raw strings.
    pub fn params(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(key, value)| (key.as_str(), value.as_str()))
    }

    /// `endpoint`.
    pub fn endpoint(&self) -> Option<&SocketAddressSpec> {
        self.params.endpoint.as_ref()
    }

    /// `interface`.
    pub fn interface(&self) -> Option<&InterfaceSpec> {
        self.params.interface.as_ref()
    }

    /// `control`.
    pub fn control(&self) -> Option<&SocketAddressSpec> {
        self.params.control.as_ref()
    }

    /// `control-mode`.
    pub const fn control_mode(&self) -> Option<ControlMode> {
        self.params.control_mode
    }

    /// `term-length` in bytes: a power of two in [64 KiB, 1 GiB].
    pub const fn term_length(&self) -> Option<i32> {
        self.params.term_length
    }

    /// `mtu` in bytes: a multiple of 32 in (32, 65504], within the max message length of `term-length`.
    pub const fn mtu(&self) -> Option<i32> {
        self.params.mtu
    }

    /// `init-term-id`, `term-id` and `term-offset` (always all three or none).
    pub const fn initial_position(&self) -> Option<InitialPosition> {
        self.params.initial_position
    }

    /// `session-id`.
    pub const fn session_id(&self) -> Option<SessionIdParam> {
        self.params.session_id
    }

    /// `stream-id`.
    pub const fn stream_id(&self) -> Option<i32> {
        self.params.stream_id
    }

    /// `alias` (free-form).
    pub fn alias(&self) -> Option<&str> {
        self.get(keys::ALIAS)
    }

    /// `tags`.
    pub const fn tags(&self) -> Option<Tags> {
        self.params.tags
    }

    /// The channel tag of `tags`.
    pub fn channel_tag(&self) -> Option<i64> {
        self.params.tags.map(|tags| tags.channel_tag)
    }

    /// The entity tag of `tags`.
    pub fn entity_tag(&self) -> Option<i64> {
        self.params.tags.and_then(|tags| tags.entity_tag)
    }

    /// `linger` in nanoseconds.
    pub const fn linger_ns(&self) -> Option<i64> {
        self.params.linger_ns
    }

    /// `eos`.
    pub const fn eos(&self) -> Option<bool> {
        self.params.eos
    }

    /// `sparse`.
    pub const fn sparse(&self) -> Option<bool> {
        self.params.sparse
    }

    /// `ttl`.
    pub const fn ttl(&self) -> Option<u8> {
        self.params.ttl
    }

    /// `reliable`.
    pub const fn reliable(&self) -> Option<bool> {
        self.params.reliable
    }

    /// `tether`.
    pub const fn tether(&self) -> Option<bool> {
        self.params.tether
    }

    /// `group`.
    pub const fn group(&self) -> Option<InferableBoolean> {
        self.params.group
    }

    /// `rejoin`.
    pub const fn rejoin(&self) -> Option<bool> {
        self.params.rejoin
    }

    /// `cc` (`static` or `cubic`).
    pub fn congestion_control(&self) -> Option<&str> {
        self.get(keys::CONGESTION_CONTROL)
    }

    /// `fc`, syntax-checked (`max`, `min[,t:..][,g:..]`, `tagged[,g:..]`, optional `rrwm:N`).
    pub fn flow_control(&self) -> Option<&str> {
        self.get(keys::FLOW_CONTROL)
    }

    /// `gtag`.
    pub const fn group_tag(&self) -> Option<i64> {
        self.params.group_tag
    }

    /// `ssc`.
    pub const fn spies_simulate_connection(&self) -> Option<bool> {
        self.params.spies_simulate_connection
    }

    /// `so-sndbuf` in bytes (0 = OS default).
    pub const fn socket_sndbuf_length(&self) -> Option<i32> {
        self.params.socket_sndbuf_length
    }

    /// `so-rcvbuf` in bytes (0 = OS default).
    pub const fn socket_rcvbuf_length(&self) -> Option<i32> {
        self.params.socket_rcvbuf_length
    }

    /// `so-tos`.
    pub const fn socket_tos(&self) -> Option<u8> {
        self.params.socket_tos
    }

    /// `rcv-wnd` in bytes (0 = driver default).
    pub const fn receiver_window_length(&self) -> Option<i32> {
        self.params.receiver_window_length
    }

    /// `pub-wnd` in bytes: positive, at least `mtu` and at most half of `term-length` when those are given.
    pub const fn publication_window_length(&self) -> Option<i32> {
        self.params.publication_window_length
    }

    /// `nak-delay` in nanoseconds.
    pub const fn nak_delay_ns(&self) -> Option<i64> {
        self.params.nak_delay_ns
    }

    /// `max-resend` (1..=256).
    pub const fn max_resend(&self) -> Option<i32> {
        self.params.max_resend
    }

    /// `response-correlation-id`.
    pub const fn response_correlation_id(&self) -> Option<ResponseCorrelationId> {
        self.params.response_correlation_id
    }

    /// `response-endpoint`.
    pub fn response_endpoint(&self) -> Option<&SocketAddressSpec> {
        self.params.response_endpoint.as_ref()
    }

    /// `media-rcv-ts-offset`.
    pub const fn media_receive_timestamp_offset(&self) -> Option<TimestampOffset> {
        self.params.media_receive_timestamp_offset
    }

    /// `channel-rcv-ts-offset`.
    pub const fn channel_receive_timestamp_offset(&self) -> Option<TimestampOffset> {
        self.params.channel_receive_timestamp_offset
    }

    /// `channel-snd-ts-offset`.
    pub const fn channel_send_timestamp_offset(&self) -> Option<TimestampOffset> {
        self.params.channel_send_timestamp_offset
    }

    /// `untethered-window-limit-timeout` in nanoseconds.
    pub const fn untethered_window_limit_timeout_ns(&self) -> Option<i64> {
        self.params.untethered_window_limit_timeout_ns
    }

    /// `untethered-linger-timeout` in nanoseconds.
    pub const fn untethered_linger_timeout_ns(&self) -> Option<i64> {
        self.params.untethered_linger_timeout_ns
    }

    /// `untethered-resting-timeout` in nanoseconds.
    pub const fn untethered_resting_timeout_ns(&self) -> Option<i64> {
        self.params.untethered_resting_timeout_ns
    }
}

impl fmt::Display for ChannelUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_uri(
            f,
            self.spy,
            self.media,
            self.entries.iter().map(|(key, value)| (key.as_str(), value.as_str())),
        )
    }
}

impl FromStr for ChannelUri {
    type Err = ChannelUriError;

    fn from_str(uri: &str) -> Result<Self, Self::Err> {
        Self::parse(uri)
    }
}

/// Writes `[aeron-spy:]aeron:<media>[?k=v|...]`.
pub(crate) fn write_uri<'a>(
    out: &mut impl fmt::Write,
    spy: bool,
    media: Media,
    entries: impl Iterator<Item = (&'a str, &'a str)>,
) -> fmt::Result {
    if spy {
        out.write_str(SPY_PREFIX)?;
    }
    out.write_str(AERON_PREFIX)?;
    out.write_str(media.as_str())?;
    for (index, (key, value)) in entries.enumerate() {
        out.write_char(if index == 0 { '?' } else { '|' })?;
        out.write_str(key)?;
        out.write_char('=')?;
        out.write_str(value)?;
    }
    Ok(())
}
