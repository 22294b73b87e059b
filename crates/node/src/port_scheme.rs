//! [`PortScheme`]: the Aeron Cluster tutorial's port allocation (seed 002, `calculatePort`): node N owns
//! ports `base + N * ports_per_node ..`, and each endpoint is a fixed offset into that range: archive
//! control +1, ingress +2, consensus +3, log +4, catch-up +5, log control +6. With the tutorial's base
//! 9000 and 100 ports per node, node 2's archive control port is 9201.
//!
//! Invariants: every port it returns is in `1..=65535`; offsets are below `ports_per_node`, so nodes
//! never share a port; host names are checked to be usable inside a members string.

use std::path::Path;

use crate::config_error::ConfigError;
use crate::config_error::ValueSource;
use crate::config_keys as keys;
use crate::config_sources::ConfigSources;
use crate::node_dirs::NodeDirs;

/// Offset of the archive control endpoint.
pub const ARCHIVE_CONTROL_PORT_OFFSET: u16 = 1;
/// Offset of the client-facing ingress endpoint.
pub const INGRESS_PORT_OFFSET: u16 = 2;
/// Offset of the member-facing consensus endpoint.
pub const CONSENSUS_PORT_OFFSET: u16 = 3;
/// Offset of the log endpoint (the leader's MDC destination on this node).
pub const LOG_PORT_OFFSET: u16 = 4;
/// Offset of the catch-up (transfer) endpoint.
pub const CATCHUP_PORT_OFFSET: u16 = 5;
/// Offset of the log control endpoint (the leader's manual-MDC log control address).
pub const LOG_CONTROL_PORT_OFFSET: u16 = 6;

/// A port allocation: `base_port + node_id * ports_per_node + offset`. Use [`PortScheme::TUTORIAL`]
/// for the tutorial's 9000 / 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortScheme {
    /// First port of node 0's range.
    pub base_port: u16,
    /// Ports per node (every offset must be below it).
    pub ports_per_node: u16,
}

fn argument(what: &'static str, reason: String) -> ConfigError {
    ConfigError::InvalidArgument { what, reason }
}

fn check_host(host: &str) -> Result<(), ConfigError> {
    let bracketed = host.starts_with('[') && host.ends_with(']') && host.len() > 2;
    let bad_char = host.chars().any(|c| c.is_whitespace() || c == ',' || c == '|' || c == '?' || c == '=');
    if host.is_empty() || bad_char || (!bracketed && host.contains(':')) {
        return Err(argument(
            "hostname",
            format!("'{host}' cannot be used in an endpoint (IPv6 needs [brackets])"),
        ));
    }
    Ok(())
}

impl PortScheme {
    /// The tutorial's scheme: base 9000, 100 ports per node.
    pub const TUTORIAL: PortScheme = PortScheme { base_port: 9000, ports_per_node: 100 };

    /// The port at `offset` in node `node_id`'s range. Errors for a negative node id, an offset outside
    /// the range, or a port above 65535.
    pub fn port(&self, node_id: i32, offset: u16) -> Result<u16, ConfigError> {
        if node_id < 0 {
            return Err(argument("node id", format!("{node_id} is negative")));
        }
        if offset >= self.ports_per_node {
            return Err(argument(
                "port offset",
                format!("{offset} is not below {} ports per node", self.ports_per_node),
            ));
        }
        let port = i64::from(self.base_port)
            + i64::from(node_id) * i64::from(self.ports_per_node)
            + i64::from(offset);
        u16::try_from(port).ok().filter(|port| *port != 0).ok_or_else(|| {
            argument("node id", format!("node {node_id} offset {offset} gives port {port}, above 65535"))
        })
    }

    /// `host:port` for node `node_id` at `offset`.
    pub fn endpoint(&self, node_id: i32, host: &str, offset: u16) -> Result<String, ConfigError> {
        check_host(host)?;
        Ok(format!("{host}:{}", self.port(node_id, offset)?))
    }

    /// The members string for nodes `0..hostnames.len()`, node N on `hostnames[N]`:
    /// `N,host:ingress,host:consensus,host:log,host:catchup,host:archive` joined by `|` (no trailing `|`).
    pub fn members_string(&self, hostnames: &[&str]) -> Result<String, ConfigError> {
        if hostnames.is_empty() {
            return Err(argument("hostnames", "at least one host is needed".to_owned()));
        }
        let mut members = Vec::with_capacity(hostnames.len());
        for (node, host) in hostnames.iter().enumerate() {
            let node_id =
                i32::try_from(node).map_err(|_| argument("hostnames", "too many hosts".to_owned()))?;
            let mut fields = vec![node_id.to_string()];
            for offset in [
                INGRESS_PORT_OFFSET,
                CONSENSUS_PORT_OFFSET,
                LOG_PORT_OFFSET,
                CATCHUP_PORT_OFFSET,
                ARCHIVE_CONTROL_PORT_OFFSET,
            ] {
                fields.push(self.endpoint(node_id, host, offset)?);
            }
            members.push(fields.join(","));
        }
        Ok(members.join("|"))
    }

    /// The tutorial's archive control channel of node `node_id`: `aeron:udp?endpoint=host:port|term-length=64k`.
    pub fn archive_control_channel(&self, node_id: i32, host: &str) -> Result<String, ConfigError> {
        Ok(format!(
            "aeron:udp?endpoint={}|term-length=64k",
            self.endpoint(node_id, host, ARCHIVE_CONTROL_PORT_OFFSET)?
        ))
    }

    /// The tutorial's log channel for node `node_id` as leader: manual MDC with its log control endpoint,
    /// `aeron:udp?term-length=64k|control-mode=manual|control=host:port`.
    pub fn log_control_channel(&self, node_id: i32, host: &str) -> Result<String, ConfigError> {
        Ok(format!(
            "aeron:udp?term-length=64k|control-mode=manual|control={}",
            self.endpoint(node_id, host, LOG_CONTROL_PORT_OFFSET)?
        ))
    }

    /// The tutorial's replication channel: `aeron:udp?endpoint=host:0` (an ephemeral port on this host).
    pub fn replication_channel(host: &str) -> Result<String, ConfigError> {
        check_host(host)?;
        Ok(format!("aeron:udp?endpoint={host}:0"))
    }

    /// Configuration sources holding the tutorial's settings for node `node_id` of the cluster on
    /// `hostnames` with its directories under `base_dir` (see [`NodeDirs`]): members, member id, ingress
    /// `aeron:udp?term-length=64k`, log, replication and archive control channels, `aeron.dir` and
    /// `aeron.cluster.dir`. Layer TOML, environment and overrides on top as usual.
    pub fn tutorial_sources(
        &self,
        node_id: i32,
        hostnames: &[&str],
        base_dir: &Path,
    ) -> Result<ConfigSources, ConfigError> {
        let host = usize::try_from(node_id).ok().and_then(|index| hostnames.get(index)).ok_or_else(|| {
            argument("node id", format!("{node_id} has no host in {} hostnames", hostnames.len()))
        })?;
        let dirs = NodeDirs::new(base_dir, node_id)?;
        let mut sources = ConfigSources::new();
        let settings = [
            (keys::CLUSTER_MEMBERS, self.members_string(hostnames)?),
            (keys::CLUSTER_MEMBER_ID, node_id.to_string()),
            (keys::INGRESS_CHANNEL, "aeron:udp?term-length=64k".to_owned()),
            (keys::LOG_CHANNEL, self.log_control_channel(node_id, host)?),
            (keys::REPLICATION_CHANNEL, Self::replication_channel(host)?),
            (keys::ARCHIVE_CONTROL_CHANNEL, self.archive_control_channel(node_id, host)?),
            (keys::AERON_DIR, dirs.driver.display().to_string()),
            (keys::CLUSTER_DIR, dirs.cluster.display().to_string()),
        ];
        for (key, value) in settings {
            sources.set(key, &value, ValueSource::Default)?;
        }
        Ok(sources)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tutorial_ports() {
        let scheme = PortScheme::TUTORIAL;
        assert_eq!(scheme.port(2, ARCHIVE_CONTROL_PORT_OFFSET).unwrap(), 9201);
        assert_eq!(scheme.port(0, INGRESS_PORT_OFFSET).unwrap(), 9002);
        assert_eq!(scheme.port(1, LOG_CONTROL_PORT_OFFSET).unwrap(), 9106);
        assert!(scheme.port(-1, 1).is_err());
        assert!(scheme.port(0, 100).is_err());
        let error = scheme.port(600, 1).unwrap_err();
        assert!(error.to_string().contains("above 65535"), "{error}");
    }

    #[test]
    fn members_string_matches_the_tutorial() {
        let members = PortScheme::TUTORIAL.members_string(&["localhost", "localhost", "localhost"]).unwrap();
        assert_eq!(
            members,
            "0,localhost:9002,localhost:9003,localhost:9004,localhost:9005,localhost:9001|\
             1,localhost:9102,localhost:9103,localhost:9104,localhost:9105,localhost:9101|\
             2,localhost:9202,localhost:9203,localhost:9204,localhost:9205,localhost:9201"
        );
        let parsed = cluster::cluster_member::ClusterMember::parse(&members).unwrap();
        assert_eq!(parsed.len(), 3);
        assert_eq!(parsed[2].archive_endpoint, "localhost:9201");
        assert_eq!(parsed[1].log_endpoint, "localhost:9104");
        let ipv6 = PortScheme::TUTORIAL.members_string(&["[::1]"]).unwrap();
        assert!(ipv6.starts_with("0,[::1]:9002,"), "{ipv6}");
        for bad in ["", "a b", "::1", "h|x", "h,x"] {
            assert!(PortScheme::TUTORIAL.members_string(&[bad]).is_err(), "{bad:?}");
        }
        assert!(PortScheme::TUTORIAL.members_string(&[]).is_err());
    }

    #[test]
    fn channels() {
        let scheme = PortScheme::TUTORIAL;
        assert_eq!(
            scheme.archive_control_channel(1, "node1").unwrap(),
            "aeron:udp?endpoint=node1:9101|term-length=64k"
        );
        assert_eq!(
            scheme.log_control_channel(0, "node0").unwrap(),
            "aeron:udp?term-length=64k|control-mode=manual|control=node0:9006"
        );
        assert_eq!(PortScheme::replication_channel("node2").unwrap(), "aeron:udp?endpoint=node2:0");
    }
}
