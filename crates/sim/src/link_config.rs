//! [`LinkConfig`]: how one directed link (source → destination) of the simulated network behaves.
//!
//! Invariants: latencies and jitter are non-negative; probabilities are in `[0, 1]`
//! ([`LinkConfig::validate`] asserts both, since a bad configuration is a bug in the simulator setup).
//! A probability of exactly 0 and a jitter of 0 draw nothing from the network's generator, so turning a
//! fault off does not shift the random sequence of the others.

/// Latency and faults of a directed link.
///
/// How to use it: set the network-wide default with
/// [`SimNetwork::set_default_link`](crate::SimNetwork::set_default_link) and per-link overrides with
/// [`SimNetwork::set_link`](crate::SimNetwork::set_link). A datagram sent at `now_ns` becomes receivable
/// at `now_ns + latency_ns + j` where `j` is uniform in `[0, jitter_ns]` (jitter reorders datagrams); it is
/// lost with `loss_probability`, and if not lost it is delivered twice with `duplicate_probability` (the
/// copy draws its own jitter).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkConfig {
    /// Fixed one-way delay in nanoseconds.
    pub latency_ns: i64,
    /// Upper bound of the extra uniform random delay, in nanoseconds.
    pub jitter_ns: i64,
    /// Probability that a datagram is lost on this link.
    pub loss_probability: f64,
    /// Probability that a datagram that was not lost arrives twice.
    pub duplicate_probability: f64,
}

impl LinkConfig {
    /// No delay and no faults: datagrams are receivable at the instant they are sent, in send order.
    pub const PERFECT: Self =
        Self { latency_ns: 0, jitter_ns: 0, loss_probability: 0.0, duplicate_probability: 0.0 };

    /// A fault-free link with a fixed latency.
    pub const fn with_latency_ns(latency_ns: i64) -> Self {
        Self { latency_ns, ..Self::PERFECT }
    }

    /// Asserts that the configuration is meaningful (non-negative times, probabilities in `[0, 1]`).
    pub fn validate(&self) {
        assert!(self.latency_ns >= 0, "latency_ns must not be negative: {}", self.latency_ns);
        assert!(self.jitter_ns >= 0, "jitter_ns must not be negative: {}", self.jitter_ns);
        assert!(
            (0.0..=1.0).contains(&self.loss_probability),
            "loss_probability must be in [0, 1]: {}",
            self.loss_probability
        );
        assert!(
            (0.0..=1.0).contains(&self.duplicate_probability),
            "duplicate_probability must be in [0, 1]: {}",
            self.duplicate_probability
        );
    }
}

impl Default for LinkConfig {
    fn default() -> Self {
        Self::PERFECT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_perfect_and_valid() {
        assert_eq!(LinkConfig::default(), LinkConfig::PERFECT);
        LinkConfig::PERFECT.validate();
        let link = LinkConfig::with_latency_ns(5);
        assert_eq!(link.latency_ns, 5);
        assert_eq!(link.loss_probability, 0.0);
    }

    #[test]
    #[should_panic(expected = "loss_probability")]
    fn probability_above_one_is_a_bug() {
        LinkConfig { loss_probability: 1.5, ..LinkConfig::PERFECT }.validate();
    }

    #[test]
    #[should_panic(expected = "jitter_ns")]
    fn negative_jitter_is_a_bug() {
        LinkConfig { jitter_ns: -1, ..LinkConfig::PERFECT }.validate();
    }
}
