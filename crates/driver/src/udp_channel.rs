//! [`UdpChannel`]: the driver's view of an `aeron:udp` channel (Aeron `UdpChannel`): resolved endpoint and
//! control addresses, the control mode, multicast groups, and the socket specs the sender and receiver open.
//!
//! Invariants:
//! - Names are resolved once, through the context's [`DatagramTransportFactory`], when the channel is
//!   parsed; nothing here touches a socket.
//! - A multicast data group has an odd last byte; its control group is the data group + 1 (same port).
//! - `canonical_form` is equal for two channels exactly when they may share one socket: same mode, same
//!   resolved endpoint, control and interface. Multi-destination subscriptions (`control-mode=manual`) are
//!   never shared by canonical form (only by channel tag).
//! - A channel tag (the first value of `tags=`) names an endpoint for later channels: a channel with the
//!   same tag and no endpoint or control of its own (a "wildcard") shares that endpoint; one that names an
//!   endpoint or control must name the same addresses and a compatible control mode, else it is rejected.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use media::{DatagramTransportFactory, TransportSpec};
use protocol::channel_uri::{Host, InterfaceSpec, SocketAddressSpec};
use protocol::command::error_code::INVALID_CHANNEL;

use crate::channel::{ParsedChannel, parse_i32, parse_i64};
use crate::driver_context::DriverContext;
use crate::driver_error::ControlError;

/// The `control-mode` of a UDP channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ControlMode {
    /// No control mode: plain unicast or multicast.
    None,
    /// `manual`: MDC publications (destinations added by the client) or MDS subscriptions.
    Manual,
    /// `dynamic`: MDC publications whose destinations are learnt from status messages.
    Dynamic,
    /// `response`: response channels (not supported yet).
    Response,
}

/// A parsed and resolved UDP channel.
#[derive(Debug, Clone)]
pub(crate) struct UdpChannel {
    /// The resolved `endpoint`, if any.
    pub(crate) endpoint: Option<SocketAddr>,
    /// The resolved `control`, if any.
    pub(crate) control: Option<SocketAddr>,
    /// The interface address from `interface=`, if any.
    pub(crate) interface: Option<IpAddr>,
    /// The control mode.
    pub(crate) control_mode: ControlMode,
    /// Multicast TTL (`ttl=`).
    pub(crate) ttl: Option<u32>,
    /// Receiver group tag (`gtag=`).
    pub(crate) group_tag: Option<i64>,
    /// Receiver initial window (`rcv-wnd=`).
    pub(crate) receiver_window_length: Option<i32>,
    /// Whether `endpoint` is a multicast group.
    pub(crate) is_multicast: bool,
    /// The channel tag (first value of `tags=`), if any.
    pub(crate) channel_tag: Option<i64>,
    /// The sharing key (see the module documentation).
    pub(crate) canonical_form: String,
}

fn invalid(message: String) -> ControlError {
    ControlError::new(INVALID_CHANNEL, message)
}

fn unspecified_like(address: &SocketAddr) -> SocketAddr {
    match address {
        SocketAddr::V4(_) => SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0),
        SocketAddr::V6(_) => SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), 0),
    }
}

impl UdpChannel {
    /// Parses and resolves `channel` (whose text is `uri`). `is_subscription` selects the rules for a
    /// subscription (an `endpoint` is required unless `control-mode=manual`).
    pub(crate) fn parse(
        channel: &ParsedChannel,
        uri: &str,
        factory: &dyn DatagramTransportFactory,
        is_subscription: bool,
    ) -> Result<Self, ControlError> {
        let resolve = |key: &str| -> Result<Option<SocketAddr>, ControlError> {
            let Some(text) = channel.get(key) else { return Ok(None) };
            let spec = SocketAddressSpec::parse(text)
                .map_err(|e| invalid(format!("invalid {key}={text}: {e}: channel={uri}")))?;
            spec.check_multicast_data_address()
                .map_err(|e| invalid(format!("{e}: channel={uri}")))
                .or_else(|e| if key == "endpoint" { Err(e) } else { Ok(()) })?;
            factory
                .resolve(text)
                .map(Some)
                .map_err(|e| invalid(format!("cannot resolve {key}={text}: {e}: channel={uri}")))
        };
        let endpoint = resolve("endpoint")?;
        let control = resolve("control")?;
        let control_mode = match channel.get("control-mode") {
            None => ControlMode::None,
            Some("manual") => ControlMode::Manual,
            Some("dynamic") => ControlMode::Dynamic,
            Some("response") => ControlMode::Response,
            Some(other) => return Err(invalid(format!("unknown control-mode={other}: channel={uri}"))),
        };
        let interface = match channel.get("interface") {
            None => None,
            Some(text) => match InterfaceSpec::parse(text) {
                Ok(InterfaceSpec::Address { host: Host::Ipv4(address), .. }) => Some(IpAddr::V4(address)),
                Ok(InterfaceSpec::Address { host: Host::Ipv6 { address, .. }, .. }) => {
                    Some(IpAddr::V6(address))
                }
                Ok(_) => {
                    return Err(invalid(format!(
                        "interface={text}: only address literals are supported: channel={uri}"
                    )));
                }
                Err(e) => return Err(invalid(format!("invalid interface={text}: {e}: channel={uri}"))),
            },
        };
        let channel_tag = match channel.get("tags") {
            Some(tags) => {
                let first = tags.split(',').next().unwrap_or_default().trim();
                Some(parse_i64("channel tag", first).map_err(|e| invalid(format!("{e}: channel={uri}")))?)
            }
            None => None,
        };
        match control_mode {
            ControlMode::Dynamic if control.is_none() => {
                return Err(invalid(format!("control-mode=dynamic requires control: channel={uri}")));
            }
            ControlMode::None
                if endpoint.is_none() && channel_tag.is_none() && (is_subscription || control.is_none()) =>
            {
                return Err(invalid(format!(
                    "aeron:udp channels need an endpoint, control, tags or control-mode=manual: channel={uri}"
                )));
            }
            _ => {}
        }
        let ttl = match channel.get("ttl") {
            Some(text) => Some(
                u32::try_from(parse_i32("ttl", text).map_err(|e| invalid(e.0))?)
                    .map_err(|_| invalid(format!("invalid ttl={text}: channel={uri}")))?,
            ),
            None => None,
        };
        let group_tag = match channel.get("gtag") {
            Some(text) => Some(parse_i64("gtag", text).map_err(|e| invalid(e.0))?),
            None => None,
        };
        let receiver_window_length = match channel.get("rcv-wnd") {
            Some(text) => {
                let window = crate::channel::parse_size("rcv-wnd", text).map_err(|e| invalid(e.0))?;
                Some(i32::try_from(window).map_err(|_| invalid(format!("rcv-wnd={text} out of range")))?)
            }
            None => None,
        };
        let is_multicast = endpoint.is_some_and(|address| address.ip().is_multicast());
        let canonical_form = format!(
            "UDP-{control_mode:?}-{}-{}-{}",
            endpoint.map_or_else(|| "none".to_owned(), |a| a.to_string()),
            control.map_or_else(|| "none".to_owned(), |a| a.to_string()),
            interface.map_or_else(|| "any".to_owned(), |a| a.to_string()),
        );
        Ok(Self {
            endpoint,
            control,
            interface,
            control_mode,
            ttl,
            group_tag,
            receiver_window_length,
            is_multicast,
            channel_tag,
            canonical_form,
        })
    }

    /// True if the channel names neither an endpoint nor a control address (it can only refer to an
    /// endpoint by tag, or be a multi-destination channel).
    pub(crate) fn is_wildcard(&self) -> bool {
        self.endpoint.is_none() && self.control.is_none()
    }

    /// True if `self` (a new channel) refers by tag to the endpoint opened for `existing` (Aeron
    /// `UdpChannel.matchesTag`). Both must carry the same channel tag; a tagged channel that names a
    /// different control mode (other than none) or different addresses is an error, not a miss.
    pub(crate) fn matches_tag(&self, existing: &UdpChannel, uri: &str) -> Result<bool, ControlError> {
        let (Some(tag), Some(existing_tag)) = (self.channel_tag, existing.channel_tag) else {
            return Ok(false);
        };
        if tag != existing_tag {
            return Ok(false);
        }
        if self.control_mode != ControlMode::None && self.control_mode != existing.control_mode {
            return Err(invalid(format!("matching tag={tag} has mismatched control-mode: channel={uri}")));
        }
        if !self.is_wildcard() && (self.endpoint != existing.endpoint || self.control != existing.control) {
            return Err(invalid(format!(
                "matching tag={tag} has mismatched endpoint or control: channel={uri}"
            )));
        }
        Ok(true)
    }

    /// Multicast or MDC: SETUP carries the GROUP flag and flow control has group semantics.
    pub(crate) fn has_group_semantics(&self) -> bool {
        self.is_multicast || matches!(self.control_mode, ControlMode::Manual | ControlMode::Dynamic)
    }

    /// The multicast control group (data group + 1, same port), for a multicast endpoint.
    pub(crate) fn multicast_control_group(&self) -> Option<SocketAddr> {
        let endpoint = self.endpoint.filter(|a| a.ip().is_multicast())?;
        let ip = match endpoint.ip() {
            IpAddr::V4(v4) => IpAddr::V4(Ipv4Addr::from(u32::from(v4).wrapping_add(1))),
            IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6).wrapping_add(1))),
        };
        Some(SocketAddr::new(ip, endpoint.port()))
    }

    /// The socket of a send channel endpoint: bound to the control address (or an ephemeral port); for
    /// multicast, bound to the control group's port and joined to the control group, where SMs and NAKs
    /// arrive.
    pub(crate) fn send_spec(&self, ctx: &DriverContext) -> TransportSpec {
        let mut spec = if let Some(group) = self.multicast_control_group() {
            let mut spec = TransportSpec::bind(group);
            spec.multicast_group = Some(group.ip());
            spec.multicast_interface = self.interface;
            spec.multicast_ttl = self.ttl;
            spec.reuse_address = true;
            spec
        } else {
            let fallback = self.endpoint.or(self.control).map_or_else(
                || SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0),
                |a| unspecified_like(&a),
            );
            let bind =
                self.control.or_else(|| self.interface.map(|ip| SocketAddr::new(ip, 0))).unwrap_or(fallback);
            TransportSpec::bind(bind)
        };
        spec.socket_rcvbuf_length = ctx.socket_rcvbuf_length;
        spec.socket_sndbuf_length = ctx.socket_sndbuf_length;
        spec
    }

    /// The socket of a receive channel endpoint bound to `endpoint` (the channel's own, or an MDS
    /// destination's); multicast endpoints join their data group with address reuse.
    pub(crate) fn receive_spec_for(&self, endpoint: SocketAddr, ctx: &DriverContext) -> TransportSpec {
        let mut spec = TransportSpec::bind(endpoint);
        if endpoint.ip().is_multicast() {
            spec.multicast_group = Some(endpoint.ip());
            spec.multicast_interface = self.interface;
            spec.reuse_address = true;
        }
        spec.socket_rcvbuf_length = ctx.socket_rcvbuf_length;
        spec.socket_sndbuf_length = ctx.socket_sndbuf_length;
        spec
    }

    /// Where a receive endpoint sends SMs and NAKs instead of the data source: the multicast control
    /// group, or an explicit `control=`.
    pub(crate) fn receiver_control_address(&self) -> Option<SocketAddr> {
        self.multicast_control_group().or(match self.control_mode {
            ControlMode::Manual => None,
            _ => self.control,
        })
    }
}
