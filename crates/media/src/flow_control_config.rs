//! [`FlowControlConfig`]: the `fc=` URI value parsed into a strategy and its parameters (Aeron
//! `DefaultMulticastFlowControlSupplier`, `DefaultUnicastFlowControlSupplier`,
//! `AbstractMinMulticastFlowControl.parseUriParam`, `FlowControl.retransmitReceiverWindowMultiple`).
//!
//! Grammar: `<strategy>[,<arg>]*` with strategy `max`, `min` or `tagged` and args `t:<duration>` (receiver
//! timeout; suffix `ns`/`us`/`ms`/`s`, bare number = ns), `g:[<tag>][/<min group size>]` and
//! `rrwm:<n>` (n > 0). Unknown args are ignored, as in Aeron.
//!
//! Invariants: a unicast channel (no multicast, no MDC) accepts no `fc=` value; without `fc=`, unicast
//! channels get unicast flow control and group channels get `max`. Parsing never panics.

use thiserror::Error;

use crate::defaults::{
    FLOW_CONTROL_GROUP_MIN_SIZE, FLOW_CONTROL_GROUP_TAG, FLOW_CONTROL_RECEIVER_TIMEOUT_NS,
    MULTICAST_RETRANSMIT_RECEIVER_WINDOW_MULTIPLE, UNICAST_RETRANSMIT_RECEIVER_WINDOW_MULTIPLE,
};
use crate::flow_control::FlowControl;
use crate::min_multicast_flow_control::MinMulticastFlowControl;
use crate::tagged_multicast_flow_control::TaggedMulticastFlowControl;
use crate::unicast_flow_control::UnicastFlowControl;

/// Which flow-control strategy a publication uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlowControlStrategy {
    /// Unicast (no `fc=` on a unicast channel).
    Unicast,
    /// `fc=max` (default for multicast and MDC).
    Max,
    /// `fc=min`.
    Min,
    /// `fc=tagged`.
    Tagged,
}

/// Why an `fc=` value was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FlowControlConfigError {
    /// `fc=` given on a unicast channel.
    #[error("unsupported unicast flow control strategy: fc={0}")]
    UnicastNotConfigurable(String),
    /// Unknown strategy name.
    #[error("unsupported multicast flow control strategy: fc={0}")]
    UnknownStrategy(String),
    /// A malformed number or duration in an argument.
    #[error("invalid flow control argument: {0}")]
    InvalidArgument(String),
}

/// A parsed flow-control configuration; [`build`](Self::build) makes the strategy.
///
/// How to drive it: [`FlowControlConfig::parse`] the URI's `fc` value (or `None`) with whether the channel
/// has group semantics (multicast or MDC), then [`build`](Self::build).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowControlConfig {
    /// The strategy.
    pub strategy: FlowControlStrategy,
    /// Receiver timeout for min/tagged.
    pub receiver_timeout_ns: i64,
    /// Group tag for tagged.
    pub group_tag: i64,
    /// Minimum group size for min/tagged.
    pub group_min_size: i32,
    /// Retransmit receiver-window multiple.
    pub retransmit_receiver_window_multiple: i32,
}

impl FlowControlConfig {
    /// The configuration for a channel without `fc=`.
    pub const fn default_for(is_group: bool) -> Self {
        Self {
            strategy: if is_group { FlowControlStrategy::Max } else { FlowControlStrategy::Unicast },
            receiver_timeout_ns: FLOW_CONTROL_RECEIVER_TIMEOUT_NS,
            group_tag: FLOW_CONTROL_GROUP_TAG,
            group_min_size: FLOW_CONTROL_GROUP_MIN_SIZE,
            retransmit_receiver_window_multiple: if is_group {
                MULTICAST_RETRANSMIT_RECEIVER_WINDOW_MULTIPLE
            } else {
                UNICAST_RETRANSMIT_RECEIVER_WINDOW_MULTIPLE
            },
        }
    }

    /// Parses the `fc=` value of a channel (`is_group`: multicast or MDC).
    pub fn parse(fc: Option<&str>, is_group: bool) -> Result<Self, FlowControlConfigError> {
        let mut config = Self::default_for(is_group);
        let Some(fc) = fc else {
            return Ok(config);
        };
        if !is_group {
            return Err(FlowControlConfigError::UnicastNotConfigurable(fc.to_owned()));
        }
        let mut parts = fc.split(',');
        config.strategy = match parts.next().unwrap_or("") {
            "max" => FlowControlStrategy::Max,
            "min" => FlowControlStrategy::Min,
            "tagged" => FlowControlStrategy::Tagged,
            _ => return Err(FlowControlConfigError::UnknownStrategy(fc.to_owned())),
        };
        let is_min_family = matches!(config.strategy, FlowControlStrategy::Min | FlowControlStrategy::Tagged);
        for arg in parts {
            if let Some(rrwm) = arg.strip_prefix("rrwm:") {
                let value: i32 = rrwm.parse().map_err(|_| invalid(arg))?;
                if value <= 0 {
                    return Err(invalid(arg));
                }
                config.retransmit_receiver_window_multiple = value;
            } else if !is_min_family {
                continue;
            } else if let Some(timeout) = arg.strip_prefix("t:") {
                config.receiver_timeout_ns = parse_duration_ns(timeout).ok_or_else(|| invalid(arg))?;
            } else if let Some(group) = arg.strip_prefix("g:") {
                let (tag, min_size) = match group.split_once('/') {
                    Some((tag, min_size)) => (tag, Some(min_size)),
                    None => (group, None),
                };
                if config.strategy == FlowControlStrategy::Tagged && !tag.is_empty() {
                    config.group_tag = tag.parse().map_err(|_| invalid(arg))?;
                }
                if let Some(min_size) = min_size {
                    config.group_min_size = min_size.parse().map_err(|_| invalid(arg))?;
                }
            }
        }
        Ok(config)
    }

    /// Makes the configured strategy.
    pub fn build(&self) -> Box<dyn FlowControl> {
        match self.strategy {
            FlowControlStrategy::Unicast => {
                Box::new(UnicastFlowControl::new(self.retransmit_receiver_window_multiple))
            }
            FlowControlStrategy::Max => {
                Box::new(UnicastFlowControl::new(self.retransmit_receiver_window_multiple))
            }
            FlowControlStrategy::Min => Box::new(MinMulticastFlowControl::with_group_tag(
                None,
                self.receiver_timeout_ns,
                self.group_min_size,
                self.retransmit_receiver_window_multiple,
            )),
            FlowControlStrategy::Tagged => Box::new(TaggedMulticastFlowControl::new(
                self.group_tag,
                self.receiver_timeout_ns,
                self.group_min_size,
                self.retransmit_receiver_window_multiple,
            )),
        }
    }
}

fn invalid(arg: &str) -> FlowControlConfigError {
    FlowControlConfigError::InvalidArgument(arg.to_owned())
}

/// Parses an Aeron duration (`SystemUtil.parseDuration`): a non-negative integer with an optional suffix
/// `ns`, `us`, `ms` or `s` (case-insensitive); a bare number is ns. `None` if malformed or overflowing.
pub fn parse_duration_ns(text: &str) -> Option<i64> {
    let lower = text.trim().to_ascii_lowercase();
    let (digits, multiplier) = if let Some(value) = lower.strip_suffix("ns") {
        (value, 1)
    } else if let Some(value) = lower.strip_suffix("us") {
        (value, 1_000)
    } else if let Some(value) = lower.strip_suffix("ms") {
        (value, 1_000_000)
    } else if let Some(value) = lower.strip_suffix('s') {
        (value, 1_000_000_000)
    } else {
        (lower.as_str(), 1)
    };
    let value: i64 = digits.parse().ok()?;
    if value < 0 {
        return None;
    }
    value.checked_mul(multiplier)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_strategy_and_argument() {
        assert_eq!(FlowControlConfig::parse(None, false).unwrap().strategy, FlowControlStrategy::Unicast);
        assert_eq!(FlowControlConfig::parse(None, true).unwrap().strategy, FlowControlStrategy::Max);
        assert!(FlowControlConfig::parse(Some("max"), false).is_err());
        assert!(FlowControlConfig::parse(Some("pref"), true).is_err());

        let min = FlowControlConfig::parse(Some("min,t:2s,g:/3"), true).unwrap();
        assert_eq!(min.strategy, FlowControlStrategy::Min);
        assert_eq!(min.receiver_timeout_ns, 2_000_000_000);
        assert_eq!(min.group_min_size, 3);
        assert_eq!(min.group_tag, FLOW_CONTROL_GROUP_TAG);

        let tagged = FlowControlConfig::parse(Some("tagged,g:123/2,t:500ms,rrwm:8"), true).unwrap();
        assert_eq!(tagged.strategy, FlowControlStrategy::Tagged);
        assert_eq!((tagged.group_tag, tagged.group_min_size), (123, 2));
        assert_eq!(tagged.receiver_timeout_ns, 500_000_000);
        assert_eq!(tagged.retransmit_receiver_window_multiple, 8);

        let tag_only = FlowControlConfig::parse(Some("tagged,g:-7"), true).unwrap();
        assert_eq!((tag_only.group_tag, tag_only.group_min_size), (-7, 0));

        assert!(FlowControlConfig::parse(Some("min,t:abc"), true).is_err());
        assert!(FlowControlConfig::parse(Some("max,rrwm:0"), true).is_err());
        assert_eq!(FlowControlConfig::parse(Some("tagged,g:5"), true).unwrap().build().receiver_count(), 0);
    }

    #[test]
    fn durations_follow_aeron_suffixes() {
        assert_eq!(parse_duration_ns("15"), Some(15));
        assert_eq!(parse_duration_ns("15ns"), Some(15));
        assert_eq!(parse_duration_ns("3us"), Some(3_000));
        assert_eq!(parse_duration_ns("3MS"), Some(3_000_000));
        assert_eq!(parse_duration_ns("5s"), Some(5_000_000_000));
        assert_eq!(parse_duration_ns("-1"), None);
        assert_eq!(parse_duration_ns("99999999999999999s"), None);
        assert_eq!(parse_duration_ns(""), None);
    }
}
