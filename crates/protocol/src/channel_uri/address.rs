//! Address syntaxes used by channel URIs, checked without any name resolution:
//! [`SocketAddressSpec`] (`endpoint`, `control`, `response-endpoint`: `host:port`) and [`InterfaceSpec`]
//! (`interface`: `address[:port][/prefix]` or `{name}[:port]`).
//!
//! Hosts are an IPv4 literal, a bracketed IPv6 literal (optionally with a `%scope`), or a host name made of
//! ASCII letters, digits, `-`, `_` and `.` (resolved later by the driver, possibly through its name
//! resolver). Ports are decimal in `0..=65535` (0 = ephemeral).

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Longest host name accepted.
const MAX_HOST_NAME_LENGTH: usize = 253;

/// The host part of an address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host {
    /// An IPv4 literal such as `224.0.1.1`.
    Ipv4(Ipv4Addr),
    /// A bracketed IPv6 literal such as `[::1]` or `[fe80::1%eth0]`.
    Ipv6 {
        /// The address.
        address: Ipv6Addr,
        /// The zone (`%scope`), if given.
        scope: Option<String>,
    },
    /// A host name, to be resolved by the driver.
    Name(String),
}

impl Host {
    /// Whether this is a multicast IP literal (IPv4 224.0.0.0/4 or IPv6 ff00::/8); names are never multicast.
    pub fn is_multicast(&self) -> bool {
        match self {
            Self::Ipv4(address) => address.is_multicast(),
            Self::Ipv6 { address, .. } => address.is_multicast(),
            Self::Name(_) => false,
        }
    }

    /// The last byte of an IP literal (Aeron requires it odd for a multicast data group).
    fn last_octet(&self) -> Option<u8> {
        match self {
            Self::Ipv4(address) => Some(address.octets()[3]),
            Self::Ipv6 { address, .. } => Some(address.octets()[15]),
            Self::Name(_) => None,
        }
    }

    fn parse(text: &str) -> Result<Self, String> {
        if let Some(inner) = text.strip_prefix('[') {
            let inner = inner.strip_suffix(']').ok_or("an IPv6 address must be closed with `]`")?;
            return parse_ipv6(inner);
        }
        if text.is_empty() {
            return Err("the host is empty".to_owned());
        }
        if let Ok(address) = text.parse::<Ipv4Addr>() {
            return Ok(Self::Ipv4(address));
        }
        if text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return Err(format!("`{text}` is not a valid IPv4 address"));
        }
        if text.contains(':') {
            return Err("an IPv6 address must be written in brackets, e.g. `[::1]:40123`".to_owned());
        }
        if text.len() > MAX_HOST_NAME_LENGTH
            || !text.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            return Err(format!("`{text}` is not a valid host name"));
        }
        Ok(Self::Name(text.to_owned()))
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ipv4(address) => write!(f, "{address}"),
            Self::Ipv6 { address, scope: Some(scope) } => write!(f, "[{address}%{scope}]"),
            Self::Ipv6 { address, scope: None } => write!(f, "[{address}]"),
            Self::Name(name) => f.write_str(name),
        }
    }
}

fn parse_ipv6(inner: &str) -> Result<Host, String> {
    let (address_text, scope) = match inner.split_once('%') {
        Some((address, scope)) => {
            if scope.is_empty()
                || !scope.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            {
                return Err(format!("`{scope}` is not a valid IPv6 scope"));
            }
            (address, Some(scope.to_owned()))
        }
        None => (inner, None),
    };
    let address = address_text
        .parse::<Ipv6Addr>()
        .map_err(|_| format!("`{address_text}` is not a valid IPv6 address"))?;
    Ok(Host::Ipv6 { address, scope })
}

fn parse_port(text: &str) -> Result<u16, String> {
    if text.is_empty() || text.len() > 5 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{text}` is not a port number"));
    }
    text.parse::<u16>().map_err(|_| format!("port {text} is out of range 0..=65535"))
}

/// Splits `text` into host text and optional port text: `[v6]:port`, `[v6]`, `host:port` or `host`.
fn split_host_port(text: &str) -> Result<(&str, Option<&str>), String> {
    if text.starts_with('[') {
        let close = text.find(']').ok_or("an IPv6 address must be closed with `]`")?;
        let (host, rest) = text.split_at(close + 1);
        return match rest {
            "" => Ok((host, None)),
            _ => rest
                .strip_prefix(':')
                .map(|port| (host, Some(port)))
                .ok_or_else(|| format!("unexpected `{rest}` after the IPv6 address")),
        };
    }
    Ok(match text.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (text, None),
    })
}

/// A `host:port` address (`endpoint`, `control`, `response-endpoint`), validated but not resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SocketAddressSpec {
    /// The host.
    pub host: Host,
    /// The port (0 = ephemeral).
    pub port: u16,
}

impl SocketAddressSpec {
    /// Parses `host:port` (`1.2.3.4:40123`, `[::1]:40123`, `[fe80::1%eth0]:40123`, `node0:40123`). The port
    /// is required. Returns a human-readable reason on failure.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (host, port) = split_host_port(text)?;
        let port = port.ok_or("`host:port` is required (the port is missing)")?;
        Ok(Self { host: Host::parse(host)?, port: parse_port(port)? })
    }

    /// Aeron's rule for a multicast data address: its last byte must be odd (the control group is that
    /// address + 1). Unicast addresses and names always pass.
    pub fn check_multicast_data_address(&self) -> Result<(), String> {
        match self.host.last_octet() {
            Some(last) if self.host.is_multicast() && last % 2 == 0 => {
                Err(format!("multicast data address {} must have an odd last byte", self.host))
            }
            _ => Ok(()),
        }
    }
}

impl fmt::Display for SocketAddressSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// The `interface` parameter: a local address (optionally with port and subnet prefix) or a named
/// interface, validated but not resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum InterfaceSpec {
    /// `address[:port][/prefix]`: search for a local interface matching `host` within `/prefix` bits.
    Address {
        /// The address or host name to search for.
        host: Host,
        /// Port to bind (0 if not given).
        port: u16,
        /// Subnet prefix length, if given (at most 32 for IPv4, 128 for IPv6).
        prefix_length: Option<u8>,
    },
    /// `{name}[:port]`: the interface with that OS name.
    Named {
        /// Interface name, e.g. `eth0`.
        name: String,
        /// Port to bind (0 if not given).
        port: u16,
    },
}

impl InterfaceSpec {
    /// Parses an `interface` value. Returns a human-readable reason on failure.
    pub fn parse(text: &str) -> Result<Self, String> {
        if let Some(rest) = text.strip_prefix('{') {
            let close = rest.rfind('}').ok_or("a named interface must be closed with `}`")?;
            let (name, trailing) = rest.split_at(close);
            let trailing = &trailing[1..];
            if name.is_empty() {
                return Err("the interface name is empty".to_owned());
            }
            let port = match trailing {
                "" => 0,
                _ => parse_port(
                    trailing
                        .strip_prefix(':')
                        .ok_or_else(|| format!("unexpected `{trailing}` after the name"))?,
                )?,
            };
            return Ok(Self::Named { name: name.to_owned(), port });
        }
        let (address, prefix_length) = match text.rsplit_once('/') {
            Some((address, prefix)) => {
                if prefix.is_empty() || prefix.len() > 3 || !prefix.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(format!("`{prefix}` is not a subnet prefix length"));
                }
                (
                    address,
                    Some(prefix.parse::<u8>().map_err(|_| format!("prefix length {prefix} is too large"))?),
                )
            }
            None => (text, None),
        };
        let (host, port) = split_host_port(address)?;
        let host = Host::parse(host)?;
        let port = port.map(parse_port).transpose()?.unwrap_or(0);
        let max_prefix = if matches!(host, Host::Ipv6 { .. }) { 128 } else { 32 };
        if let Some(prefix) = prefix_length
            && prefix > max_prefix
        {
            return Err(format!("prefix length {prefix} exceeds {max_prefix}"));
        }
        Ok(Self::Address { host, port, prefix_length })
    }
}

impl fmt::Display for InterfaceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Named { name, port: 0 } => write!(f, "{{{name}}}"),
            Self::Named { name, port } => write!(f, "{{{name}}}:{port}"),
            Self::Address { host, port, prefix_length } => {
                write!(f, "{host}")?;
                if *port != 0 {
                    write!(f, ":{port}")?;
                }
                if let Some(prefix) = prefix_length {
                    write!(f, "/{prefix}")?;
                }
                Ok(())
            }
        }
    }
}
