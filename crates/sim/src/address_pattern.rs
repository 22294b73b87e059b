//! [`AddressPattern`]: which datagram sources or destinations a fault rule (link configuration,
//! partition, clog) applies to.
//!
//! Invariants: matching is a pure function of the pattern and the address; a more specific pattern
//! ([`AddressPattern::specificity`]) wins over a less specific one when several link rules match.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Selects network addresses: any address, every port of one IP (a host), or one exact socket address.
///
/// How to use it: pass anything convertible (`IpAddr`, `Ipv4Addr`, `Ipv6Addr`, `SocketAddr`) to the
/// [`SimNetwork`](crate::SimNetwork) fault controls; the rule is matched against the datagram's source
/// address and against the address it travels to (for a multicast copy, the receiving host's address and
/// the group port). Loopback traffic (`127.0.0.1`, `::1`) only matches patterns naming the loopback
/// address or [`AddressPattern::Any`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AddressPattern {
    /// Every address.
    Any,
    /// Every port of this IP address.
    Host(IpAddr),
    /// Exactly this IP address and port.
    Socket(SocketAddr),
}

impl AddressPattern {
    /// True if `address` is selected by this pattern.
    pub fn matches(&self, address: SocketAddr) -> bool {
        match self {
            Self::Any => true,
            Self::Host(ip) => address.ip() == *ip,
            Self::Socket(socket_address) => address == *socket_address,
        }
    }

    /// 0 for [`Any`](Self::Any), 1 for [`Host`](Self::Host), 2 for [`Socket`](Self::Socket).
    pub const fn specificity(&self) -> u8 {
        match self {
            Self::Any => 0,
            Self::Host(_) => 1,
            Self::Socket(_) => 2,
        }
    }
}

impl From<IpAddr> for AddressPattern {
    fn from(ip: IpAddr) -> Self {
        Self::Host(ip)
    }
}

impl From<Ipv4Addr> for AddressPattern {
    fn from(ip: Ipv4Addr) -> Self {
        Self::Host(IpAddr::V4(ip))
    }
}

impl From<Ipv6Addr> for AddressPattern {
    fn from(ip: Ipv6Addr) -> Self {
        Self::Host(IpAddr::V6(ip))
    }
}

impl From<SocketAddr> for AddressPattern {
    fn from(address: SocketAddr) -> Self {
        Self::Socket(address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_by_kind() {
        let a: SocketAddr = "10.0.0.1:40".parse().unwrap();
        let b: SocketAddr = "10.0.0.1:41".parse().unwrap();
        let c: SocketAddr = "10.0.0.2:40".parse().unwrap();
        assert!(AddressPattern::Any.matches(a));
        let host = AddressPattern::from(Ipv4Addr::new(10, 0, 0, 1));
        assert!(host.matches(a) && host.matches(b) && !host.matches(c));
        let socket = AddressPattern::from(a);
        assert!(socket.matches(a) && !socket.matches(b) && !socket.matches(c));
        assert_eq!([AddressPattern::Any.specificity(), host.specificity(), socket.specificity()], [0, 1, 2]);
        assert_eq!(AddressPattern::from(Ipv6Addr::LOCALHOST), AddressPattern::Host("::1".parse().unwrap()));
    }
}
