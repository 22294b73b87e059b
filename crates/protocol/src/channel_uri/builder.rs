//! [`ChannelUriBuilder`]: assembles a channel URI from typed values and validates it exactly like
//! [`ChannelUri::parse`].

use super::error::ChannelUriError;
use super::keys;
use super::params::Completeness;
use super::text::{format_duration_ns, format_size};
use super::uri::{ChannelUri, write_uri};
use super::values::{
    ControlMode, InferableBoolean, InitialPosition, Media, ResponseCorrelationId, SessionIdParam, Tags,
    TimestampOffset,
};

/// Builds a [`ChannelUri`].
///
/// Start with [`udp`](Self::udp), [`ipc`](Self::ipc) or [`from_uri`](Self::from_uri), chain setters (each
/// replaces an earlier value of the same key and keeps its position), then call [`build`](Self::build),
/// which renders the URI and parses it with [`ChannelUri::parse`] — so a built URI obeys every parse rule
/// and `build()?.to_string()` is the exact text. Setters never fail; all errors surface in `build`.
/// Sizes are written with `k`/`m`/`g` and durations with `s`/`ms`/`us`/`ns` when exact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelUriBuilder {
    spy: bool,
    media: Media,
    entries: Vec<(String, String)>,
}

impl ChannelUriBuilder {
    /// An empty builder for `media`.
    pub const fn new(media: Media) -> Self {
        Self { spy: false, media, entries: Vec::new() }
    }

    /// An empty `aeron:udp` builder.
    pub const fn udp() -> Self {
        Self::new(Media::Udp)
    }

    /// An empty `aeron:ipc` builder.
    pub const fn ipc() -> Self {
        Self::new(Media::Ipc)
    }

    /// A builder holding everything `uri` holds.
    pub fn from_uri(uri: &ChannelUri) -> Self {
        Self {
            spy: uri.is_spy(),
            media: uri.media(),
            entries: uri.params().map(|(key, value)| (key.to_owned(), value.to_owned())).collect(),
        }
    }

    /// Sets or clears the `aeron-spy:` prefix.
    pub fn spy(mut self, spy: bool) -> Self {
        self.spy = spy;
        self
    }

    /// Changes the media.
    pub fn media(mut self, media: Media) -> Self {
        self.media = media;
        self
    }

    /// Sets `key` to a raw `value` (checked in [`build`](Self::build)).
    pub fn set(mut self, key: &str, value: impl Into<String>) -> Self {
        let value = value.into();
        match self.entries.iter_mut().find(|(existing, _)| existing == key) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((key.to_owned(), value)),
        }
        self
    }

    /// Removes `key` if present.
    pub fn remove(mut self, key: &str) -> Self {
        self.entries.retain(|(existing, _)| existing != key);
        self
    }

    /// Validates and returns the URI (all rules of [`ChannelUri::parse`]).
    pub fn build(&self) -> Result<ChannelUri, ChannelUriError> {
        self.build_with(Completeness::Full)
    }

    /// Validates and returns the URI with the rules of [`ChannelUri::parse_template`].
    pub fn build_template(&self) -> Result<ChannelUri, ChannelUriError> {
        self.build_with(Completeness::Template)
    }

    fn build_with(&self, completeness: Completeness) -> Result<ChannelUri, ChannelUriError> {
        for (key, value) in &self.entries {
            let known = keys::known(key).ok_or_else(|| ChannelUriError::UnknownKey { key: key.clone() })?;
            if value.contains('|') {
                return Err(ChannelUriError::InvalidValue {
                    key: known,
                    value: value.clone(),
                    reason: "values cannot contain `|`".to_owned(),
                });
            }
        }
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = write_uri(
            &mut text,
            self.spy,
            self.media,
            self.entries.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        );
        ChannelUri::parse_with(&text, completeness)
    }

    /// `endpoint=host:port`.
    pub fn endpoint(self, endpoint: &str) -> Self {
        self.set(keys::ENDPOINT, endpoint)
    }

    /// `interface=...`.
    pub fn interface(self, interface: &str) -> Self {
        self.set(keys::INTERFACE, interface)
    }

    /// `control=host:port`.
    pub fn control(self, control: &str) -> Self {
        self.set(keys::CONTROL, control)
    }

    /// `control-mode=...`.
    pub fn control_mode(self, control_mode: ControlMode) -> Self {
        self.set(keys::CONTROL_MODE, control_mode.as_str())
    }

    /// `term-length=...`.
    pub fn term_length(self, term_length: i32) -> Self {
        self.set(keys::TERM_LENGTH, format_size(i64::from(term_length)))
    }

    /// `mtu=...`.
    pub fn mtu(self, mtu: i32) -> Self {
        self.set(keys::MTU, format_size(i64::from(mtu)))
    }

    /// `init-term-id`, `term-id` and `term-offset` together.
    pub fn initial_position(self, position: InitialPosition) -> Self {
        self.set(keys::INIT_TERM_ID, position.initial_term_id.to_string())
            .set(keys::TERM_ID, position.term_id.to_string())
            .set(keys::TERM_OFFSET, position.term_offset.to_string())
    }

    /// `session-id=N` or `session-id=tag:N`.
    pub fn session_id(self, session_id: SessionIdParam) -> Self {
        self.set(keys::SESSION_ID, session_id.to_string())
    }

    /// `stream-id=N`.
    pub fn stream_id(self, stream_id: i32) -> Self {
        self.set(keys::STREAM_ID, stream_id.to_string())
    }

    /// `alias=...`.
    pub fn alias(self, alias: &str) -> Self {
        self.set(keys::ALIAS, alias)
    }

    /// `tags=channelTag[,entityTag]`.
    pub fn tags(self, tags: Tags) -> Self {
        self.set(keys::TAGS, tags.to_string())
    }

    /// `linger=...`.
    pub fn linger_ns(self, linger_ns: i64) -> Self {
        self.set(keys::LINGER, format_duration_ns(linger_ns))
    }

    /// `eos=...`.
    pub fn eos(self, eos: bool) -> Self {
        self.set(keys::EOS, eos.to_string())
    }

    /// `sparse=...`.
    pub fn sparse(self, sparse: bool) -> Self {
        self.set(keys::SPARSE, sparse.to_string())
    }

    /// `ttl=...`.
    pub fn ttl(self, ttl: u8) -> Self {
        self.set(keys::TTL, ttl.to_string())
    }

    /// `reliable=...`.
    pub fn reliable(self, reliable: bool) -> Self {
        self.set(keys::RELIABLE, reliable.to_string())
    }

    /// `tether=...`.
    pub fn tether(self, tether: bool) -> Self {
        self.set(keys::TETHER, tether.to_string())
    }

    /// `group=true|false|infer`.
    pub fn group(self, group: InferableBoolean) -> Self {
        self.set(keys::GROUP, group.as_str())
    }

    /// `rejoin=...`.
    pub fn rejoin(self, rejoin: bool) -> Self {
        self.set(keys::REJOIN, rejoin.to_string())
    }

    /// `cc=...` (`static` or `cubic`).
    pub fn congestion_control(self, congestion_control: &str) -> Self {
        self.set(keys::CONGESTION_CONTROL, congestion_control)
    }

    /// `fc=...`.
    pub fn flow_control(self, flow_control: &str) -> Self {
        self.set(keys::FLOW_CONTROL, flow_control)
    }

    /// `gtag=N`.
    pub fn group_tag(self, group_tag: i64) -> Self {
        self.set(keys::GROUP_TAG, group_tag.to_string())
    }

    /// `ssc=...`.
    pub fn spies_simulate_connection(self, spies_simulate_connection: bool) -> Self {
        self.set(keys::SPIES_SIMULATE_CONNECTION, spies_simulate_connection.to_string())
    }

    /// `so-sndbuf=...`.
    pub fn socket_sndbuf_length(self, length: i32) -> Self {
        self.set(keys::SOCKET_SNDBUF, format_size(i64::from(length)))
    }

    /// `so-rcvbuf=...`.
    pub fn socket_rcvbuf_length(self, length: i32) -> Self {
        self.set(keys::SOCKET_RCVBUF, format_size(i64::from(length)))
    }

    /// `so-tos=...`.
    pub fn socket_tos(self, tos: u8) -> Self {
        self.set(keys::SOCKET_TOS, tos.to_string())
    }

    /// `rcv-wnd=...`.
    pub fn receiver_window_length(self, length: i32) -> Self {
        self.set(keys::RECEIVER_WINDOW, format_size(i64::from(length)))
    }

    /// `pub-wnd=...`.
    pub fn publication_window_length(self, length: i32) -> Self {
        self.set(keys::PUBLICATION_WINDOW, format_size(i64::from(length)))
    }

    /// `nak-delay=...`.
    pub fn nak_delay_ns(self, nak_delay_ns: i64) -> Self {
        self.set(keys::NAK_DELAY, format_duration_ns(nak_delay_ns))
    }

    /// `max-resend=N`.
    pub fn max_resend(self, max_resend: i32) -> Self {
        self.set(keys::MAX_RESEND, max_resend.to_string())
    }

    /// `response-correlation-id=...`.
    pub fn response_correlation_id(self, id: ResponseCorrelationId) -> Self {
        self.set(keys::RESPONSE_CORRELATION_ID, id.to_string())
    }

    /// `response-endpoint=host:port`.
    pub fn response_endpoint(self, endpoint: &str) -> Self {
        self.set(keys::RESPONSE_ENDPOINT, endpoint)
    }

    /// `media-rcv-ts-offset=...`.
    pub fn media_receive_timestamp_offset(self, offset: TimestampOffset) -> Self {
        self.set(keys::MEDIA_RCV_TIMESTAMP_OFFSET, offset.to_string())
    }

    /// `channel-rcv-ts-offset=...`.
    pub fn channel_receive_timestamp_offset(self, offset: TimestampOffset) -> Self {
        self.set(keys::CHANNEL_RCV_TIMESTAMP_OFFSET, offset.to_string())
    }

    /// `channel-snd-ts-offset=...`.
    pub fn channel_send_timestamp_offset(self, offset: TimestampOffset) -> Self {
        self.set(keys::CHANNEL_SND_TIMESTAMP_OFFSET, offset.to_string())
    }

    /// `untethered-window-limit-timeout=...`.
    pub fn untethered_window_limit_timeout_ns(self, timeout_ns: i64) -> Self {
        self.set(keys::UNTETHERED_WINDOW_LIMIT_TIMEOUT, format_duration_ns(timeout_ns))
    }

    /// `untethered-linger-timeout=...`.
    pub fn untethered_linger_timeout_ns(self, timeout_ns: i64) -> Self {
        self.set(keys::UNTETHERED_LINGER_TIMEOUT, format_duration_ns(timeout_ns))
    }

    /// `untethered-resting-timeout=...`.
    pub fn untethered_resting_timeout_ns(self, timeout_ns: i64) -> Self {
        self.set(keys::UNTETHERED_RESTING_TIMEOUT, format_duration_ns(timeout_ns))
    }
}
