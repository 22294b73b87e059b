//! [`FeedbackDelayGenerator`]: how long to wait before sending feedback (a NAK, or a retransmit after a
//! NAK), and [`DelayGenerator`], the closed set of Aeron's strategies behind one concrete type.
//!
//! Invariants: delays are non-negative nanoseconds; a generator's output depends only on its
//! construction parameters and (for randomised ones) its seeded [`agrona::Prng`].

use crate::optimal_multicast_delay_generator::OptimalMulticastDelayGenerator;
use crate::static_delay_generator::StaticDelayGenerator;

/// A source of feedback delays (Aeron `FeedbackDelayGenerator`).
pub trait FeedbackDelayGenerator {
    /// Delay before the first feedback for a newly detected event, in ns.
    fn generate_delay_ns(&mut self) -> i64;

    /// Delay before feedback is repeated, in ns (defaults to a freshly generated delay).
    fn retry_delay_ns(&mut self) -> i64 {
        self.generate_delay_ns()
    }
}

/// One of Aeron's delay generators, dispatched without a trait object.
///
/// How to drive it: build it with [`DelayGenerator::unicast_nak`], [`DelayGenerator::multicast_nak`] (or
/// from the two concrete generators) and call the [`FeedbackDelayGenerator`] methods.
#[derive(Debug, Clone)]
pub enum DelayGenerator {
    /// Fixed delay and retry delay.
    Static(StaticDelayGenerator),
    /// Randomised, exponentially distributed delay capped at a maximum back-off.
    OptimalMulticast(OptimalMulticastDelayGenerator),
}

impl DelayGenerator {
    /// Aeron's unicast NAK delay: 1 µs, retried every 100 µs.
    pub fn unicast_nak() -> Self {
        Self::Static(StaticDelayGenerator::unicast_nak_default())
    }

    /// Aeron's multicast / group NAK delay: random up to 10 ms for a group of 10, from `prng`.
    pub fn multicast_nak(prng: agrona::Prng) -> Self {
        Self::OptimalMulticast(OptimalMulticastDelayGenerator::multicast_nak_default(prng))
    }

    /// The NAK delay Aeron picks for an image: group semantics → multicast, otherwise unicast.
    pub fn for_nak(has_group_semantics: bool, prng: agrona::Prng) -> Self {
        if has_group_semantics { Self::multicast_nak(prng) } else { Self::unicast_nak() }
    }
}

impl FeedbackDelayGenerator for DelayGenerator {
    fn generate_delay_ns(&mut self) -> i64 {
        match self {
            Self::Static(generator) => generator.generate_delay_ns(),
            Self::OptimalMulticast(generator) => generator.generate_delay_ns(),
        }
    }

    fn retry_delay_ns(&mut self) -> i64 {
        match self {
            Self::Static(generator) => generator.retry_delay_ns(),
            Self::OptimalMulticast(generator) => generator.retry_delay_ns(),
        }
    }
}
