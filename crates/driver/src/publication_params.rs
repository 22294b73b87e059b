//! [`PublicationParams`]: the parameters of an IPC publication, read from its channel URI with the
//! context's defaults, validated as Aeron's `PublicationParams` does.
//!
//! Honoured for IPC: `term-length`, `mtu`, `pub-wnd`, `init-term-id`/`term-id`/`term-offset` (all three or
//! none), `session-id` (number or `tag:N`), `tags` (entity tag), `stream-id` (must match), `linger`,
//! `eos`, `sparse`, `ssc`, `untethered-*`, `max-resend`, `control-mode=response`,
//! `response-correlation-id`. `alias` and network-only parameters are accepted and ignored.

use protocol::command::error_code::INVALID_CHANNEL;

use crate::channel::{
    ChannelError, ParsedChannel, parse_bool, parse_duration_ns, parse_i32, parse_i64, parse_size,
};
use crate::driver_context::DriverContext;
use crate::driver_error::ControlError;

/// Aeron's largest `max-resend`.
pub(crate) const MAX_RESEND_MAX: i32 = 256;

/// What a `session-id=tag:N` reference resolves to: the tagged publication's session, MTU and term length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TaggedPublication {
    pub(crate) session_id: i32,
    pub(crate) mtu_length: i32,
    pub(crate) term_length: i32,
}

/// Validated parameters of a new or shared IPC publication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PublicationParams {
    pub(crate) term_length: i32,
    pub(crate) mtu_length: i32,
    pub(crate) publication_window_length: i32,
    /// `(init-term-id, term-id, term-offset)` if the URI fixes the start position.
    pub(crate) initial_position: Option<(i32, i32, i32)>,
    /// The session id given explicitly or through a tag; `None` means "the driver chooses".
    pub(crate) session_id: Option<i32>,
    pub(crate) entity_tag: Option<i64>,
    pub(crate) linger_timeout_ns: i64,
    pub(crate) signal_eos: bool,
    pub(crate) sparse: bool,
    pub(crate) spies_simulate_connection: bool,
    pub(crate) untethered_window_limit_timeout_ns: i64,
    pub(crate) untethered_linger_timeout_ns: i64,
    pub(crate) untethered_resting_timeout_ns: i64,
    pub(crate) max_resend: i32,
    pub(crate) is_response: bool,
    pub(crate) response_correlation_id: i64,
}

fn invalid(error: ChannelError) -> ControlError {
    ControlError::new(INVALID_CHANNEL, error.0)
}

fn invalid_msg(message: String) -> ControlError {
    ControlError::new(INVALID_CHANNEL, message)
}

/// Checks an MTU: more than a header, at most 65504, a multiple of 32, and at most the term's max message length.
pub(crate) fn check_mtu_length(mtu_length: i32, term_length: i32) -> Result<(), ControlError> {
    if logbuffer::check_mtu_length(mtu_length).is_err() {
        return Err(invalid_msg(format!("mtu={mtu_length} must be > 32, <= 65504 and a multiple of 32")));
    }
    let max_message_length = logbuffer::compute_max_message_length(term_length);
    if mtu_length > max_message_length {
        return Err(invalid_msg(format!(
            "MTU greater than max message length for term length: mtu={mtu_length} maxMessageLength={max_message_length} termLength={term_length}"
        )));
    }
    Ok(())
}

/// Parses the entity tag of `tags=channelTag,entityTag`.
pub(crate) fn entity_tag(channel: &ParsedChannel) -> Result<Option<i64>, ControlError> {
    let Some(tags) = channel.get("tags") else { return Ok(None) };
    match tags.split(',').nth(1) {
        None => Ok(None),
        Some(tag) => {
            let tag = parse_i64("entity tag", tag.trim()).map_err(invalid)?;
            if tag == -1 {
                return Err(invalid_msg("-1 tag is reserved".to_owned()));
            }
            Ok(Some(tag))
        }
    }
}

/// Reads the `init-term-id`/`term-id`/`term-offset` set: all three or none.
pub(crate) fn initial_position(
    channel: &ParsedChannel,
    uri: &str,
) -> Result<Option<(i32, i32, i32)>, ControlError> {
    let values = [channel.get("init-term-id"), channel.get("term-id"), channel.get("term-offset")];
    let count = values.iter().filter(|v| v.is_some()).count();
    if count == 0 {
        return Ok(None);
    }
    let [Some(init), Some(term), Some(offset)] = values else {
        return Err(invalid_msg(format!(
            "params must be used as a complete set: init-term-id term-id term-offset channel={uri}"
        )));
    };
    let init = parse_i32("init-term-id", init).map_err(invalid)?;
    let term = parse_i32("term-id", term).map_err(invalid)?;
    let offset = parse_i32("term-offset", offset).map_err(invalid)?;
    if !(0..=logbuffer::TERM_MAX_LENGTH).contains(&offset) {
        return Err(invalid_msg(format!("term-offset={offset} out of range: channel={uri}")));
    }
    if offset % logbuffer::FRAME_ALIGNMENT != 0 {
        return Err(invalid_msg(format!(
            "term-offset={offset} must be a multiple of FRAME_ALIGNMENT: channel={uri}"
        )));
    }
    if term.wrapping_sub(init) < 0 {
        return Err(invalid_msg(format!(
            "difference greater than 2^31 - 1: init-term-id={init} when term-id={term} channel={uri}"
        )));
    }
    Ok(Some((init, term, offset)))
}

impl PublicationParams {
    /// Reads and validates the parameters of `channel` (an `aeron:ipc` URI whose text is `uri`) for
    /// `stream_id`. `find_tagged` resolves `session-id=tag:N`; `entity_tag_in_use` rejects a duplicate `tags`.
    pub(crate) fn parse(
        channel: &ParsedChannel,
        uri: &str,
        ctx: &DriverContext,
        stream_id: i32,
        find_tagged: &dyn Fn(i64) -> Option<TaggedPublication>,
        entity_tag_in_use: &dyn Fn(i64) -> bool,
        is_network: bool,
    ) -> Result<Self, ControlError> {
        if let Some(value) = channel.get("stream-id") {
            let configured = parse_i32("stream-id", value).map_err(invalid)?;
            if configured != stream_id {
                return Err(invalid_msg(format!(
                    "stream-id={configured} does not match provided streamId={stream_id}"
                )));
            }
        }
        let entity_tag = entity_tag(channel)?;
        if let Some(tag) = entity_tag
            && entity_tag_in_use(tag)
        {
            return Err(invalid_msg(format!("{tag} entityTag already in use: channel={uri}")));
        }

        let (mut term_length, mut mtu_length) = if is_network {
            (ctx.term_buffer_length, ctx.mtu_length)
        } else {
            (ctx.ipc_term_buffer_length, ctx.ipc_mtu_length)
        };
        let mut session_id = None;
        let mut is_session_id_tagged = false;
        if let Some(value) = channel.get("session-id") {
            if let Some(tag_text) = value.strip_prefix("tag:") {
                is_session_id_tagged = true;
                let tag = parse_i64("session-id tag", tag_text).map_err(|_| {
                    invalid_msg(format!("session-id={value} has an invalid tag: channel={uri}"))
                })?;
                let Some(tagged) = find_tagged(tag) else {
                    return Err(invalid_msg(format!(
                        "session-id={value} must reference an IPC publication: channel={uri}"
                    )));
                };
                session_id = Some(tagged.session_id);
                mtu_length = tagged.mtu_length;
                term_length = tagged.term_length;
            } else {
                session_id = Some(parse_i32("session-id", value).map_err(invalid)?);
            }
        }

        if let Some(value) = channel.get("term-length") {
            let explicit = parse_size("term-length", value).map_err(invalid)?;
            let explicit = i32::try_from(explicit)
                .map_err(|_| invalid_msg(format!("term-length={value} out of range: channel={uri}")))?;
            logbuffer::check_term_length(explicit).map_err(|e| invalid_msg(format!("{e}: channel={uri}")))?;
            if is_session_id_tagged && explicit != term_length {
                return Err(invalid_msg(format!(
                    "term-length={explicit} does not match session-id tag value: channel={uri}"
                )));
            }
            term_length = explicit;
        }
        if let Some(value) = channel.get("mtu") {
            let explicit = parse_size("mtu", value).map_err(invalid)?;
            let explicit = i32::try_from(explicit)
                .map_err(|_| invalid_msg(format!("mtu={value} out of range: channel={uri}")))?;
            if logbuffer::check_mtu_length(explicit).is_err() {
                return Err(invalid_msg(format!(
                    "mtu={explicit} must be > 32, <= 65504 and a multiple of 32: channel={uri}"
                )));
            }
            if is_session_id_tagged && explicit != mtu_length {
                return Err(invalid_msg(format!(
                    "mtu={explicit} does not match session-id tag value: channel={uri}"
                )));
            }
            mtu_length = explicit;
        }
        check_mtu_length(mtu_length, term_length)
            .map_err(|e| invalid_msg(format!("{} channel={uri}", e.message)))?;

        let publication_window_length = match channel.get("pub-wnd") {
            Some(value) => {
                let window = parse_size("pub-wnd", value).map_err(invalid)?;
                if window < i64::from(mtu_length) {
                    return Err(invalid_msg(format!(
                        "pub-wnd={window} cannot be less than the mtu={mtu_length}"
                    )));
                }
                if window > i64::from(term_length >> 1) {
                    return Err(invalid_msg(format!(
                        "pub-wnd={window} must not exceed half the term-length={term_length}"
                    )));
                }
                window as i32
            }
            None => {
                let half = term_length >> 1;
                let configured = if is_network {
                    ctx.publication_term_window_length
                } else {
                    ctx.ipc_publication_term_window_length
                };
                if configured != 0 { configured.min(half) } else { half }
            }
        };

        let linger_timeout_ns = match channel.get("linger") {
            Some(value) => parse_duration_ns("linger", value).map_err(invalid)?,
            None => ctx.publication_linger_timeout_ns,
        };
        let signal_eos = channel.get("eos").is_none_or(parse_bool);
        let sparse = channel.get("sparse").map_or(ctx.term_buffer_sparse_file, parse_bool);
        let spies_simulate_connection = channel.get("ssc").map_or(ctx.spies_simulate_connection, parse_bool);
        let (untethered_window_limit_timeout_ns, untethered_linger_timeout_ns, untethered_resting_timeout_ns) =
            untethered_timeouts(channel, ctx)?;
        let max_resend = match channel.get("max-resend") {
            Some(value) => {
                let max_resend = parse_i32("max-resend", value).map_err(invalid)?;
                if max_resend <= 0 || max_resend > MAX_RESEND_MAX {
                    return Err(invalid_msg(format!(
                        "invalid max-resend={max_resend}, must be > 0 and <= {MAX_RESEND_MAX}"
                    )));
                }
                max_resend
            }
            None => ctx.max_resend,
        };

        let initial_position = initial_position(channel, uri)?;
        if let Some((_, _, term_offset)) = initial_position
            && term_offset > term_length
        {
            return Err(invalid_msg(format!(
                "term-offset={term_offset} > term-length={term_length}: channel={uri}"
            )));
        }

        let is_response = channel.get("control-mode") == Some("response");
        let response_correlation_id = match channel.get("response-correlation-id") {
            None => -1,
            Some("prototype") => -2,
            Some(value) => {
                let id = parse_i64("response-correlation-id", value).map_err(invalid)?;
                if id < -1 {
                    return Err(invalid_msg(
                        "invalid response-correlation-id, must be a number greater than or equal to -1, or 'prototype'"
                            .to_owned(),
                    ));
                }
                id
            }
        };

        Ok(Self {
            term_length,
            mtu_length,
            publication_window_length,
            initial_position,
            session_id,
            entity_tag,
            linger_timeout_ns,
            signal_eos,
            sparse,
            spies_simulate_connection,
            untethered_window_limit_timeout_ns,
            untethered_linger_timeout_ns,
            untethered_resting_timeout_ns,
            max_resend,
            is_response,
            response_correlation_id,
        })
    }
}

/// Reads the three untethered timeouts (linger defaults to the window limit timeout when unset).
pub(crate) fn untethered_timeouts(
    channel: &ParsedChannel,
    ctx: &DriverContext,
) -> Result<(i64, i64, i64), ControlError> {
    let duration = |name: &str, default: i64| -> Result<i64, ControlError> {
        match channel.get(name) {
            Some(value) => parse_duration_ns(name, value).map_err(invalid),
            None => Ok(default),
        }
    };
    let window = duration("untethered-window-limit-timeout", ctx.untethered_window_limit_timeout_ns)?;
    let mut linger = duration("untethered-linger-timeout", ctx.untethered_linger_timeout_ns)?;
    if linger == -1 {
        linger = window;
    }
    let resting = duration("untethered-resting-timeout", ctx.untethered_resting_timeout_ns)?;
    Ok((window, linger, resting))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(uri: &str) -> Result<PublicationParams, ControlError> {
        let channel = ParsedChannel::parse(uri).map_err(invalid)?;
        let ctx = DriverContext::test_min();
        PublicationParams::parse(&channel, uri, &ctx, 10, &|_| None, &|_| false, false)
    }

    #[test]
    fn defaults_come_from_the_context() {
        let params = parse("aeron:ipc").unwrap();
        assert_eq!(params.term_length, 64 * 1024);
        assert_eq!(params.mtu_length, 1408);
        assert_eq!(params.publication_window_length, 32 * 1024);
        assert_eq!(params.initial_position, None);
        assert_eq!(params.session_id, None);
        assert!(params.signal_eos);
        assert_eq!(params.linger_timeout_ns, 100_000_000);
    }

    #[test]
    fn honours_uri_parameters() {
        let params = parse(
            "aeron:ipc?term-length=128k|mtu=4096|pub-wnd=8k|init-term-id=5|term-id=7|term-offset=64|session-id=77|linger=0|eos=false|sparse=true|alias=x|tags=1,99",
        )
        .unwrap();
        assert_eq!(params.term_length, 128 * 1024);
        assert_eq!(params.mtu_length, 4096);
        assert_eq!(params.publication_window_length, 8192);
        assert_eq!(params.initial_position, Some((5, 7, 64)));
        assert_eq!(params.session_id, Some(77));
        assert_eq!(params.linger_timeout_ns, 0);
        assert!(!params.signal_eos);
        assert!(params.sparse);
        assert_eq!(params.entity_tag, Some(99));
    }

    #[test]
    fn rejects_invalid_parameters() {
        for bad in [
            "aeron:ipc?term-length=1000",
            "aeron:ipc?term-length=abc",
            "aeron:ipc?mtu=100",
            "aeron:ipc?mtu=65536",
            "aeron:ipc?init-term-id=1|term-id=2",
            "aeron:ipc?init-term-id=1|term-id=2|term-offset=33",
            "aeron:ipc?init-term-id=5|term-id=2|term-offset=0",
            "aeron:ipc?session-id=tag:7",
            "aeron:ipc?session-id=x",
            "aeron:ipc?pub-wnd=1m",
            "aeron:ipc?stream-id=11",
            "aeron:ipc?linger=forever",
            "aeron:ipc?max-resend=0",
        ] {
            let error = parse(bad).unwrap_err();
            assert_eq!(error.code, INVALID_CHANNEL, "{bad}");
        }
    }
}
