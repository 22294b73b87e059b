//! [`ChannelParams`]: the typed, validated form of a channel URI's parameters, built by
//! [`ChannelParams::validate`] from the raw `(key, value)` pairs.
//!
//! Invariants once built: every key is known; every value satisfies its own rule (see the table in the
//! module docs of [`channel_uri`](super)); `init-term-id`/`term-id`/`term-offset` are all present or all
//! absent; cross-parameter limits hold (term offset below term length, mtu within the max message length
//! of the term, publication window between mtu and half a term). In [`Completeness::Full`] mode a UDP
//! channel also has a distinguishing address and `control-mode=dynamic` has `control`.

use super::address::{InterfaceSpec, SocketAddressSpec};
use super::error::ChannelUriError;
use super::keys;
use super::text::{parse_bool, parse_duration_ns, parse_i32, parse_i64, parse_size};
use super::values::{
    ControlMode, INVALID_TAG, InferableBoolean, InitialPosition, Media, ResponseCorrelationId,
    SessionIdParam, Tags, TimestampOffset,
};
use crate::frame::{FRAME_ALIGNMENT, MAX_UDP_PAYLOAD_LENGTH, TERM_MAX_LENGTH, TERM_MIN_LENGTH};

/// Largest message length Aeron allows regardless of the term length (16 MiB).
const MAX_MESSAGE_LENGTH: i64 = 16 * 1024 * 1024;
/// Largest `max-resend`.
const MAX_RESEND_MAX: i32 = 256;

/// Which whole-URI rules to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Completeness {
    /// Everything, as the driver needs it to open the channel.
    Full,
    /// Per-value rules and cross-value limits only (for channel templates that are completed later).
    Template,
}

/// The typed parameters of a channel URI.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct ChannelParams {
    pub endpoint: Option<SocketAddressSpec>,
    pub interface: Option<InterfaceSpec>,
    pub control: Option<SocketAddressSpec>,
    pub control_mode: Option<ControlMode>,
    pub term_length: Option<i32>,
    pub mtu: Option<i32>,
    pub initial_position: Option<InitialPosition>,
    pub session_id: Option<SessionIdParam>,
    pub stream_id: Option<i32>,
    pub tags: Option<Tags>,
    pub linger_ns: Option<i64>,
    pub eos: Option<bool>,
    pub sparse: Option<bool>,
    pub ttl: Option<u8>,
    pub reliable: Option<bool>,
    pub tether: Option<bool>,
    pub group: Option<InferableBoolean>,
    pub rejoin: Option<bool>,
    pub group_tag: Option<i64>,
    pub spies_simulate_connection: Option<bool>,
    pub socket_sndbuf_length: Option<i32>,
    pub socket_rcvbuf_length: Option<i32>,
    pub socket_tos: Option<u8>,
    pub receiver_window_length: Option<i32>,
    pub publication_window_length: Option<i32>,
    pub nak_delay_ns: Option<i64>,
    pub max_resend: Option<i32>,
    pub response_correlation_id: Option<ResponseCorrelationId>,
    pub response_endpoint: Option<SocketAddressSpec>,
    pub media_receive_timestamp_offset: Option<TimestampOffset>,
    pub channel_receive_timestamp_offset: Option<TimestampOffset>,
    pub channel_send_timestamp_offset: Option<TimestampOffset>,
    pub untethered_window_limit_timeout_ns: Option<i64>,
    pub untethered_linger_timeout_ns: Option<i64>,
    pub untethered_resting_timeout_ns: Option<i64>,
}

/// Raw values of the three position keys while they are collected.
#[derive(Default)]
struct PositionParts<'a> {
    initial_term_id: Option<(i32, &'a str)>,
    term_id: Option<(i32, &'a str)>,
    term_offset: Option<(i32, &'a str)>,
}

fn invalid(key: &'static str, value: &str, reason: impl Into<String>) -> ChannelUriError {
    ChannelUriError::InvalidValue { key, value: value.to_owned(), reason: reason.into() }
}

impl ChannelParams {
    /// Validates every `(key, value)` pair (keys unique) and the cross-parameter rules.
    pub(crate) fn validate(
        media: Media,
        entries: &[(String, String)],
        completeness: Completeness,
    ) -> Result<Self, ChannelUriError> {
        let mut params = Self::default();
        let mut position = PositionParts::default();
        let mut raw_mtu = "";
        let mut raw_publication_window = "";
        let mut raw_term_length = "";
        for (key, value) in entries {
            let key = keys::known(key).ok_or_else(|| ChannelUriError::UnknownKey { key: key.clone() })?;
            let value = value.as_str();
            let fail = |reason: String| invalid(key, value, reason);
            match key {
                keys::ENDPOINT => {
                    let address = SocketAddressSpec::parse(value).map_err(fail)?;
                    address.check_multicast_data_address().map_err(fail)?;
                    params.endpoint = Some(address);
                }
                keys::CONTROL => params.control = Some(SocketAddressSpec::parse(value).map_err(fail)?),
                keys::RESPONSE_ENDPOINT => {
                    params.response_endpoint = Some(SocketAddressSpec::parse(value).map_err(fail)?);
                }
                keys::INTERFACE => params.interface = Some(InterfaceSpec::parse(value).map_err(fail)?),
                keys::CONTROL_MODE => {
                    params.control_mode = Some(
                        ControlMode::parse(value)
                            .ok_or_else(|| fail("must be `manual`, `dynamic` or `response`".to_owned()))?,
                    );
                }
                keys::TERM_LENGTH => {
                    raw_term_length = value;
                    params.term_length = Some(parse_term_length(value).map_err(fail)?);
                }
                keys::MTU => {
                    raw_mtu = value;
                    params.mtu = Some(parse_mtu(value).map_err(fail)?);
                }
                keys::INIT_TERM_ID => {
                    position.initial_term_id = Some((parse_i32(value).map_err(fail)?, value))
                }
                keys::TERM_ID => position.term_id = Some((parse_i32(value).map_err(fail)?, value)),
                keys::TERM_OFFSET => {
                    let term_offset = parse_i32(value).map_err(fail)?;
                    if term_offset < 0 || term_offset % FRAME_ALIGNMENT as i32 != 0 {
                        return Err(fail("must be a non-negative multiple of 32".to_owned()));
                    }
                    position.term_offset = Some((term_offset, value));
                }
                keys::SESSION_ID => params.session_id = Some(parse_session_id(value).map_err(fail)?),
                keys::STREAM_ID => params.stream_id = Some(parse_i32(value).map_err(fail)?),
                keys::ALIAS => {}
                keys::TAGS => params.tags = Some(parse_tags(value).map_err(fail)?),
                keys::LINGER => params.linger_ns = Some(parse_duration_ns(value).map_err(fail)?),
                keys::EOS => params.eos = Some(parse_bool(value).map_err(fail)?),
                keys::SPARSE => params.sparse = Some(parse_bool(value).map_err(fail)?),
                keys::TTL => params.ttl = Some(parse_u8(value).map_err(fail)?),
                keys::RELIABLE => params.reliable = Some(parse_bool(value).map_err(fail)?),
                keys::TETHER => params.tether = Some(parse_bool(value).map_err(fail)?),
                keys::GROUP => {
                    params.group = Some(
                        InferableBoolean::parse(value)
                            .ok_or_else(|| fail("must be `true`, `false` or `infer`".to_owned()))?,
                    );
                }
                keys::REJOIN => params.rejoin = Some(parse_bool(value).map_err(fail)?),
                keys::CONGESTION_CONTROL => {
                    if !matches!(value, "static" | "cubic") {
                        return Err(fail("must be `static` or `cubic`".to_owned()));
                    }
                }
                keys::FLOW_CONTROL => check_flow_control(value).map_err(fail)?,
                keys::GROUP_TAG => params.group_tag = Some(parse_i64(value).map_err(fail)?),
                keys::SPIES_SIMULATE_CONNECTION => {
                    params.spies_simulate_connection = Some(parse_bool(value).map_err(fail)?);
                }
                keys::SOCKET_SNDBUF => {
                    params.socket_sndbuf_length = Some(parse_buffer_length(value).map_err(fail)?)
                }
                keys::SOCKET_RCVBUF => {
                    params.socket_rcvbuf_length = Some(parse_buffer_length(value).map_err(fail)?)
                }
                keys::SOCKET_TOS => params.socket_tos = Some(parse_u8(value).map_err(fail)?),
                keys::RECEIVER_WINDOW => {
                    params.receiver_window_length = Some(parse_buffer_length(value).map_err(fail)?);
                }
                keys::PUBLICATION_WINDOW => {
                    raw_publication_window = value;
                    let length = parse_buffer_length(value).map_err(fail)?;
                    if length == 0 {
                        return Err(fail("must be positive".to_owned()));
                    }
                    params.publication_window_length = Some(length);
                }
                keys::NAK_DELAY => params.nak_delay_ns = Some(parse_duration_ns(value).map_err(fail)?),
                keys::MAX_RESEND => {
                    let max_resend = parse_i32(value).map_err(fail)?;
                    if !(1..=MAX_RESEND_MAX).contains(&max_resend) {
                        return Err(fail(format!("must be in 1..={MAX_RESEND_MAX}")));
                    }
                    params.max_resend = Some(max_resend);
                }
                keys::RESPONSE_CORRELATION_ID => {
                    params.response_correlation_id =
                        Some(parse_response_correlation_id(value).map_err(fail)?);
                }
                keys::MEDIA_RCV_TIMESTAMP_OFFSET => {
                    params.media_receive_timestamp_offset =
                        Some(parse_timestamp_offset(value).map_err(fail)?);
                }
                keys::CHANNEL_RCV_TIMESTAMP_OFFSET => {
                    params.channel_receive_timestamp_offset =
                        Some(parse_timestamp_offset(value).map_err(fail)?);
                }
                keys::CHANNEL_SND_TIMESTAMP_OFFSET => {
                    params.channel_send_timestamp_offset = Some(parse_timestamp_offset(value).map_err(fail)?);
                }
                keys::UNTETHERED_WINDOW_LIMIT_TIMEOUT => {
                    params.untethered_window_limit_timeout_ns = Some(parse_duration_ns(value).map_err(fail)?);
                }
                keys::UNTETHERED_LINGER_TIMEOUT => {
                    params.untethered_linger_timeout_ns = Some(parse_duration_ns(value).map_err(fail)?);
                }
                keys::UNTETHERED_RESTING_TIMEOUT => {
                    params.untethered_resting_timeout_ns = Some(parse_duration_ns(value).map_err(fail)?);
                }
                _ => return Err(ChannelUriError::UnknownKey { key: key.to_owned() }),
            }
        }

        params.initial_position = check_initial_position(&position, params.term_length)?;
        if let (Some(mtu), Some(term_length)) = (params.mtu, params.term_length) {
            let max_message_length = (i64::from(term_length) / 8).min(MAX_MESSAGE_LENGTH);
            if i64::from(mtu) > max_message_length {
                return Err(invalid(
                    keys::MTU,
                    raw_mtu,
                    format!(
                        "exceeds the max message length {max_message_length} of term-length {raw_term_length}"
                    ),
                ));
            }
        }
        if let Some(window) = params.publication_window_length {
            if let Some(mtu) = params.mtu
                && window < mtu
            {
                return Err(invalid(
                    keys::PUBLICATION_WINDOW,
                    raw_publication_window,
                    format!("is below mtu {mtu}"),
                ));
            }
            let term_length = params.term_length.unwrap_or(TERM_MAX_LENGTH);
            if window > term_length / 2 {
                return Err(invalid(
                    keys::PUBLICATION_WINDOW,
                    raw_publication_window,
                    format!("exceeds half the term length {term_length}"),
                ));
            }
        }
        if completeness == Completeness::Full && media == Media::Udp {
            let distinguished = params.endpoint.is_some()
                || params.control.is_some()
                || params.tags.is_some()
                || matches!(params.control_mode, Some(ControlMode::Manual | ControlMode::Response));
            if !distinguished {
                return Err(ChannelUriError::MissingUdpAddress);
            }
            if params.control_mode == Some(ControlMode::Dynamic) && params.control.is_none() {
                return Err(ChannelUriError::DynamicControlModeWithoutControl);
            }
        }
        Ok(params)
    }
}

fn check_initial_position(
    parts: &PositionParts<'_>,
    term_length: Option<i32>,
) -> Result<Option<InitialPosition>, ChannelUriError> {
    let (initial_term_id, term_id, term_offset) =
        match (parts.initial_term_id, parts.term_id, parts.term_offset) {
            (None, None, None) => return Ok(None),
            (Some(a), Some(b), Some(c)) => (a, b, c),
            (None, _, _) => {
                return Err(ChannelUriError::IncompleteInitialPosition { missing: keys::INIT_TERM_ID });
            }
            (_, None, _) => {
                return Err(ChannelUriError::IncompleteInitialPosition { missing: keys::TERM_ID });
            }
            (_, _, None) => {
                return Err(ChannelUriError::IncompleteInitialPosition { missing: keys::TERM_OFFSET });
            }
        };
    let limit = term_length.unwrap_or(TERM_MAX_LENGTH);
    if term_offset.0 >= limit {
        let reason = match term_length {
            Some(term_length) => format!("must be less than term-length {term_length}"),
            None => format!("must be less than the largest term length {TERM_MAX_LENGTH}"),
        };
        return Err(invalid(keys::TERM_OFFSET, term_offset.1, reason));
    }
    if term_id.0.wrapping_sub(initial_term_id.0) < 0 {
        return Err(invalid(
            keys::TERM_ID,
            term_id.1,
            format!("is before init-term-id {} (difference exceeds 2^31 - 1)", initial_term_id.0),
        ));
    }
    Ok(Some(InitialPosition {
        initial_term_id: initial_term_id.0,
        term_id: term_id.0,
        term_offset: term_offset.0,
    }))
}

fn parse_term_length(value: &str) -> Result<i32, String> {
    let size = parse_size(value)?;
    if size < i64::from(TERM_MIN_LENGTH)
        || size > i64::from(TERM_MAX_LENGTH)
        || !(size as u64).is_power_of_two()
    {
        return Err(format!("must be a power of two in [{TERM_MIN_LENGTH}, {TERM_MAX_LENGTH}] (64k..1g)"));
    }
    Ok(size as i32)
}

fn parse_mtu(value: &str) -> Result<i32, String> {
    let size = parse_size(value)?;
    if size <= FRAME_ALIGNMENT as i64
        || size > i64::from(MAX_UDP_PAYLOAD_LENGTH)
        || size % FRAME_ALIGNMENT as i64 != 0
    {
        return Err(format!("must be a multiple of 32 greater than 32 and at most {MAX_UDP_PAYLOAD_LENGTH}"));
    }
    Ok(size as i32)
}

fn parse_buffer_length(value: &str) -> Result<i32, String> {
    let size = parse_size(value)?;
    i32::try_from(size).map_err(|_| format!("must be at most {}", i32::MAX))
}

fn parse_u8(value: &str) -> Result<u8, String> {
    let number = parse_i32(value)?;
    u8::try_from(number).map_err(|_| "must be in 0..=255".to_owned())
}

fn parse_session_id(value: &str) -> Result<SessionIdParam, String> {
    match value.strip_prefix("tag:") {
        Some(tag) => parse_i64(tag).map(SessionIdParam::Tag).map_err(|reason| format!("the tag {reason}")),
        None => parse_i32(value)
            .map(SessionIdParam::Id)
            .map_err(|_| "must be a 32-bit integer or `tag:N`".to_owned()),
    }
}

fn parse_tags(value: &str) -> Result<Tags, String> {
    let mut parts = value.split(',');
    let channel_tag = parse_tag(parts.next().unwrap_or_default(), "channel tag")?;
    let entity_tag = parts.next().map(|tag| parse_tag(tag, "entity tag")).transpose()?;
    if parts.next().is_some() {
        return Err("at most two tags (`channelTag,entityTag`) are allowed".to_owned());
    }
    Ok(Tags { channel_tag, entity_tag })
}

fn parse_tag(text: &str, what: &str) -> Result<i64, String> {
    let tag = parse_i64(text).map_err(|reason| format!("the {what} {reason}"))?;
    if tag == INVALID_TAG {
        return Err(format!("the {what} {INVALID_TAG} is reserved"));
    }
    Ok(tag)
}

fn parse_response_correlation_id(value: &str) -> Result<ResponseCorrelationId, String> {
    if value == "prototype" {
        return Ok(ResponseCorrelationId::Prototype);
    }
    match parse_i64(value) {
        Ok(id) if id >= -1 => Ok(ResponseCorrelationId::Id(id)),
        _ => Err("must be an integer >= -1 or `prototype`".to_owned()),
    }
}

fn parse_timestamp_offset(value: &str) -> Result<TimestampOffset, String> {
    if value == "reserved" {
        return Ok(TimestampOffset::Reserved);
    }
    match parse_i32(value) {
        Ok(offset) if offset >= 0 => Ok(TimestampOffset::Offset(offset)),
        _ => Err("must be a non-negative 32-bit offset or `reserved`".to_owned()),
    }
}

/// Light syntax check of `fc`: strategy `max`, `min` or `tagged`, then comma-separated arguments
/// `t:<duration>`, `g:<tag>[/<min group size>]` or `g:/<min group size>`, `rrwm:<positive int>`.
fn check_flow_control(value: &str) -> Result<(), String> {
    let mut parts = value.split(',');
    let strategy = parts.next().unwrap_or_default();
    if !matches!(strategy, "max" | "min" | "tagged") {
        return Err(format!("unknown flow control strategy `{strategy}`: expected `max`, `min` or `tagged`"));
    }
    for argument in parts {
        if let Some(timeout) = argument.strip_prefix("t:") {
            parse_duration_ns(timeout).map_err(|reason| format!("receiver timeout `{timeout}`: {reason}"))?;
        } else if let Some(group) = argument.strip_prefix("g:") {
            let (tag, min_size) = match group.split_once('/') {
                Some((tag, min_size)) => (tag, Some(min_size)),
                None => (group, None),
            };
            if tag.is_empty() && min_size.is_none() {
                return Err("`g:` needs a group tag and/or `/<min group size>`".to_owned());
            }
            if !tag.is_empty() {
                parse_i64(tag).map_err(|reason| format!("group tag `{tag}` {reason}"))?;
            }
            if let Some(min_size) = min_size {
                match parse_i32(min_size) {
                    Ok(size) if size >= 0 => {}
                    _ => return Err(format!("min group size `{min_size}` must be a non-negative integer")),
                }
            }
        } else if let Some(multiple) = argument.strip_prefix("rrwm:") {
            match parse_i32(multiple) {
                Ok(rrwm) if rrwm > 0 => {}
                _ => {
                    return Err(format!("retransmit receiver window multiple `{multiple}` must be positive"));
                }
            }
        } else {
            return Err(format!("unknown flow control argument `{argument}`"));
        }
    }
    Ok(())
}
