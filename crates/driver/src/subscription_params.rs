//! [`SubscriptionParams`]: the parameters of an IPC subscription, read from its channel URI (Aeron's
//! `SubscriptionParams`): `session-id` filter, `tether`, `rejoin`, `reliable`, `sparse`, `group`,
//! `init-term-id`/`term-id`/`term-offset` (validated as a set) and the untethered timeouts.

use protocol::command::error_code::INVALID_CHANNEL;

use crate::channel::{ParsedChannel, parse_bool, parse_i32};
use crate::driver_context::DriverContext;
use crate::driver_error::ControlError;
use crate::publication_params::{initial_position, untethered_timeouts};

/// Validated parameters of an IPC subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SubscriptionParams {
    /// Only link publications with this session id.
    pub(crate) session_id: Option<i32>,
    pub(crate) is_tether: bool,
    pub(crate) is_rejoin: bool,
    pub(crate) is_reliable: bool,
    pub(crate) is_sparse: bool,
    pub(crate) is_response: bool,
    pub(crate) untethered_window_limit_timeout_ns: i64,
    pub(crate) untethered_linger_timeout_ns: i64,
    pub(crate) untethered_resting_timeout_ns: i64,
}

impl SubscriptionParams {
    /// Reads and validates the parameters of `channel` (whose text is `uri`).
    pub(crate) fn parse(
        channel: &ParsedChannel,
        uri: &str,
        ctx: &DriverContext,
    ) -> Result<Self, ControlError> {
        let session_id = match channel.get("session-id") {
            Some(value) => {
                Some(parse_i32("session-id", value).map_err(|e| ControlError::new(INVALID_CHANNEL, e.0))?)
            }
            None => None,
        };
        initial_position(channel, uri)?;
        if let Some(group) = channel.get("group")
            && !matches!(group, "true" | "false" | "infer")
        {
            return Err(ControlError::new(INVALID_CHANNEL, format!("invalid group={group}: channel={uri}")));
        }
        let (untethered_window_limit_timeout_ns, untethered_linger_timeout_ns, untethered_resting_timeout_ns) =
            untethered_timeouts(channel, ctx)?;
        Ok(Self {
            session_id,
            is_tether: channel.get("tether").map_or(ctx.tether_subscriptions, parse_bool),
            is_rejoin: channel.get("rejoin").map_or(ctx.rejoin_stream, parse_bool),
            is_reliable: channel.get("reliable").map_or(ctx.reliable_stream, parse_bool),
            is_sparse: channel.get("sparse").map_or(ctx.term_buffer_sparse_file, parse_bool),
            is_response: channel.get("control-mode") == Some("response"),
            untethered_window_limit_timeout_ns,
            untethered_linger_timeout_ns,
            untethered_resting_timeout_ns,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_filters_and_flags() {
        let uri = "aeron:ipc?session-id=-5|tether=false|rejoin=false";
        let params =
            SubscriptionParams::parse(&ParsedChannel::parse(uri).unwrap(), uri, &DriverContext::test_min())
                .unwrap();
        assert_eq!(params.session_id, Some(-5));
        assert!(!params.is_tether);
        assert!(!params.is_rejoin);
        assert!(params.is_reliable);
        assert!(ParsedChannel::parse("aeron:ipc?session-id=abc").is_err(), "rejected by the URI parser");
        let tagged = "aeron:ipc?session-id=tag:5";
        let channel = ParsedChannel::parse(tagged).unwrap();
        assert!(SubscriptionParams::parse(&channel, tagged, &DriverContext::test_min()).is_err());
    }
}
