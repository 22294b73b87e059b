//! [`NetworkConfig`]: network-wide settings of a [`SimNetwork`](crate::SimNetwork).
//!
//! Invariants: [`NetworkConfig::validate`] asserts the settings are meaningful; the defaults model an
//! ideal network (no delay, no faults, never `WouldBlock`) with Linux-like socket buffers and ephemeral
//! port range.

use crate::link_config::LinkConfig;

/// Network-wide settings, fixed when the network is created (the default link can be changed later).
///
/// How to use it: start from `NetworkConfig::default()` and override fields, then pass it to
/// [`SimNetwork::with_config`](crate::SimNetwork::with_config).
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkConfig {
    /// Link behaviour where no per-link rule applies.
    pub default_link: LinkConfig,
    /// Receive queue bound of an endpoint, in payload bytes, when its spec leaves `socket_rcvbuf_length`
    /// unset. A datagram that does not fit is dropped and counted, like a full socket buffer.
    pub receive_buffer_bytes: usize,
    /// Send buffer of an endpoint, in payload bytes, when its spec leaves `socket_sndbuf_length` unset.
    /// Only used when `send_rate_bytes_per_s` is set.
    pub send_buffer_bytes: usize,
    /// The optional send-buffer model: each endpoint drains its send buffer at this rate, which delays
    /// departures, and a send that would overfill the buffer returns `WouldBlock`. `None` = infinite rate.
    pub send_rate_bytes_per_s: Option<u64>,
    /// Probability that a send returns `WouldBlock` regardless of the buffer (0 = never).
    pub would_block_probability: f64,
    /// First port handed out for port-0 binds.
    pub ephemeral_port_first: u16,
    /// Last port handed out for port-0 binds (inclusive).
    pub ephemeral_port_last: u16,
}

impl NetworkConfig {
    /// Asserts that the configuration is meaningful.
    pub fn validate(&self) {
        self.default_link.validate();
        assert!(
            (0.0..=1.0).contains(&self.would_block_probability),
            "would_block_probability must be in [0, 1]: {}",
            self.would_block_probability
        );
        assert!(self.send_rate_bytes_per_s != Some(0), "send_rate_bytes_per_s must be positive");
        assert!(
            0 < self.ephemeral_port_first && self.ephemeral_port_first <= self.ephemeral_port_last,
            "bad ephemeral port range {}..={}",
            self.ephemeral_port_first,
            self.ephemeral_port_last
        );
    }
}

impl Default for NetworkConfig {
    fn default() -> Self {
        Self {
            default_link: LinkConfig::PERFECT,
            receive_buffer_bytes: 212_992,
            send_buffer_bytes: 212_992,
            send_rate_bytes_per_s: None,
            would_block_probability: 0.0,
            ephemeral_port_first: 32_768,
            ephemeral_port_last: 60_999,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid_and_ideal() {
        let config = NetworkConfig::default();
        config.validate();
        assert_eq!(config.default_link, LinkConfig::PERFECT);
        assert_eq!(config.send_rate_bytes_per_s, None);
    }

    #[test]
    #[should_panic(expected = "ephemeral port range")]
    fn empty_port_range_is_a_bug() {
        NetworkConfig { ephemeral_port_first: 10, ephemeral_port_last: 9, ..NetworkConfig::default() }
            .validate();
    }
}
