//! The driver's view of channel URIs (over `protocol::channel_uri::ChannelUri`), plus Aeron's size and
//! duration value syntaxes for the parameters the driver interprets itself.
//!
//! Invariants: parsing never panics; a key repeated later wins (as Aeron); values are kept verbatim.

use std::fmt;

use protocol::channel_uri::ChannelUri;

/// The transport a channel names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Media {
    /// `aeron:ipc`.
    Ipc,
    /// `aeron:udp`.
    Udp,
}

/// A parsed channel URI: `protocol::channel_uri::ChannelUri` (which validates every known parameter's
/// syntax) with the few views the driver needs.
#[derive(Debug, Clone)]
pub(crate) struct ParsedChannel {
    /// True for the `aeron-spy:` prefix.
    pub(crate) is_spy: bool,
    /// The media.
    pub(crate) media: Media,
    uri: ChannelUri,
}

/// Why a channel URI is malformed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChannelError(pub(crate) String);

impl fmt::Display for ChannelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl ParsedChannel {
    /// Parses `aeron[-spy]:<media>[?key=value(|key=value)*]`.
    pub(crate) fn parse(channel: &str) -> Result<Self, ChannelError> {
        let uri = ChannelUri::parse(channel).map_err(|e| ChannelError(format!("{e}: channel={channel}")))?;
        let media = if uri.is_ipc() { Media::Ipc } else { Media::Udp };
        Ok(Self { is_spy: uri.is_spy(), media, uri })
    }

    /// The value of `key`, if present.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.uri.get(key)
    }

    /// True if `key` is present.
    pub(crate) fn contains(&self, key: &str) -> bool {
        self.uri.contains_key(key)
    }
}

/// Parses an Aeron size (`SystemUtil.parseSize`): digits with an optional `k`, `m` or `g` suffix (any case).
pub(crate) fn parse_size(name: &str, value: &str) -> Result<i64, ChannelError> {
    let error = || ChannelError(format!("invalid {name}: '{value}' is not a size"));
    let (digits, multiplier) = match value.chars().last() {
        Some('k' | 'K') => (&value[..value.len() - 1], 1024i64),
        Some('m' | 'M') => (&value[..value.len() - 1], 1024 * 1024),
        Some('g' | 'G') => (&value[..value.len() - 1], 1024 * 1024 * 1024),
        _ => (value, 1),
    };
    let number: i64 = digits.parse().map_err(|_| error())?;
    if number < 0 {
        return Err(error());
    }
    number.checked_mul(multiplier).ok_or_else(error)
}

/// Parses an Aeron duration (`SystemUtil.parseDuration`): digits with an optional `ns`, `us`, `ms` or `s`
/// suffix (any case); no suffix means nanoseconds. Returns nanoseconds.
pub(crate) fn parse_duration_ns(name: &str, value: &str) -> Result<i64, ChannelError> {
    let error = || ChannelError(format!("invalid {name}: '{value}' is not a duration"));
    let lower = value.to_ascii_lowercase();
    let (digits, multiplier) = if let Some(d) = lower.strip_suffix("ns") {
        (d, 1i64)
    } else if let Some(d) = lower.strip_suffix("us") {
        (d, 1_000)
    } else if let Some(d) = lower.strip_suffix("ms") {
        (d, 1_000_000)
    } else if let Some(d) = lower.strip_suffix('s') {
        (d, 1_000_000_000)
    } else {
        (lower.as_str(), 1)
    };
    let number: i64 = digits.parse().map_err(|_| error())?;
    if number < 0 {
        return Err(error());
    }
    Ok(number.saturating_mul(multiplier))
}

/// Parses a decimal `i32` parameter.
pub(crate) fn parse_i32(name: &str, value: &str) -> Result<i32, ChannelError> {
    value.parse().map_err(|_| ChannelError(format!("invalid {name}, must be a number: '{value}'")))
}

/// Parses a decimal `i64` parameter.
pub(crate) fn parse_i64(name: &str, value: &str) -> Result<i64, ChannelError> {
    value.parse().map_err(|_| ChannelError(format!("invalid {name}, must be a number: '{value}'")))
}

/// Parses a boolean parameter as Aeron does: exactly `true` is true, anything else false.
pub(crate) fn parse_bool(value: &str) -> bool {
    value == "true"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_media_prefix_and_params() {
        let channel = ParsedChannel::parse("aeron:ipc?term-length=64k|alias=x|alias=y").unwrap();
        assert_eq!(channel.media, Media::Ipc);
        assert!(!channel.is_spy);
        assert_eq!(channel.get("alias"), Some("y"));
        assert_eq!(channel.get("term-length"), Some("64k"));
        let spy = ParsedChannel::parse("aeron-spy:aeron:udp?endpoint=localhost:40123").unwrap();
        assert!(spy.is_spy);
        assert_eq!(spy.media, Media::Udp);
        assert!(ParsedChannel::parse("aeron:ipc").unwrap().get("x").is_none());
    }

    #[test]
    fn rejects_malformed_channels() {
        for bad in ["", "ipc", "aeron:", "aeron:tcp", "aeron:ipc?=1", "aeron:ipc?novalue", "aeron-spy:ipc"] {
            assert!(ParsedChannel::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn parses_sizes_and_durations() {
        assert_eq!(parse_size("x", "64k"), Ok(65536));
        assert_eq!(parse_size("x", "16M"), Ok(16 * 1024 * 1024));
        assert_eq!(parse_size("x", "1g"), Ok(1 << 30));
        assert_eq!(parse_size("x", "1408"), Ok(1408));
        assert!(parse_size("x", "-1").is_err());
        assert!(parse_size("x", "k").is_err());
        assert_eq!(parse_duration_ns("x", "5s"), Ok(5_000_000_000));
        assert_eq!(parse_duration_ns("x", "10ms"), Ok(10_000_000));
        assert_eq!(parse_duration_ns("x", "7us"), Ok(7_000));
        assert_eq!(parse_duration_ns("x", "9ns"), Ok(9));
        assert_eq!(parse_duration_ns("x", "0"), Ok(0));
        assert!(parse_duration_ns("x", "soon").is_err());
    }
}
