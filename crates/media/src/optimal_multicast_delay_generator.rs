//! [`OptimalMulticastDelayGenerator`]: randomised NAK back-off for groups (Aeron
//! `OptimalMulticastDelayGenerator`, after "Optimal Multicast Feedback", Nonnenmacher & Biersack).
//!
//! With `λ = ln(group_size) + 1` and maximum back-off `T`, a delay is
//! `(T/λ) · ln(x · (e^λ − 1) · T/λ)` where `x` is uniform in `[λ/(T(e^λ − 1)), λ/(T(e^λ − 1)) + λ/T)`.
//!
//! Invariants: every delay lies in `[0, T]` (the argument of the logarithm lies in `[1, e^λ]`); the
//! sequence depends only on the parameters and the seed of the injected [`Prng`].

use agrona::Prng;

use crate::defaults::{NAK_MULTICAST_GROUP_SIZE, NAK_MULTICAST_MAX_BACKOFF_NS};
use crate::feedback_delay_generator::FeedbackDelayGenerator;

/// Exponentially distributed random delays capped at a maximum back-off.
///
/// How to drive it: construct with the maximum back-off, the estimated group size and a seeded [`Prng`];
/// each [`generate_delay_ns`](FeedbackDelayGenerator::generate_delay_ns) (and retry) draws a new delay.
#[derive(Debug, Clone)]
pub struct OptimalMulticastDelayGenerator {
    rand_max: f64,
    base_x: f64,
    constant_t: f64,
    factor_t: f64,
    prng: Prng,
}

impl OptimalMulticastDelayGenerator {
    /// A generator for `max_backoff_ns` (> 0) and `group_size` (≥ 1), drawing from `prng`.
    pub fn new(max_backoff_ns: f64, group_size: f64, prng: Prng) -> Self {
        assert!(max_backoff_ns > 0.0 && group_size >= 1.0, "invalid multicast delay parameters");
        let lambda = group_size.ln() + 1.0;
        let exp_lambda_minus_one = lambda.exp() - 1.0;
        Self {
            rand_max: lambda / max_backoff_ns,
            base_x: lambda / (max_backoff_ns * exp_lambda_minus_one),
            constant_t: max_backoff_ns / lambda,
            factor_t: exp_lambda_minus_one * (max_backoff_ns / lambda),
            prng,
        }
    }

    /// Aeron's default: 10 ms maximum back-off, group size 10.
    pub fn multicast_nak_default(prng: Prng) -> Self {
        Self::new(NAK_MULTICAST_MAX_BACKOFF_NS as f64, f64::from(NAK_MULTICAST_GROUP_SIZE), prng)
    }

    /// A new delay as a real number of ns (Aeron `generateNewOptimalDelay`).
    pub fn generate_new_optimal_delay(&mut self) -> f64 {
        let x = self.prng.next_f64() * self.rand_max + self.base_x;
        self.constant_t * (x * self.factor_t).ln()
    }
}

impl FeedbackDelayGenerator for OptimalMulticastDelayGenerator {
    fn generate_delay_ns(&mut self) -> i64 {
        // Truncation toward zero, as Java's `(long)` cast; rounding error can dip a hair below 0.
        (self.generate_new_optimal_delay() as i64).max(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feedback_delay_generator::DelayGenerator;
    use crate::static_delay_generator::StaticDelayGenerator;

    #[test]
    fn delays_stay_within_the_maximum_back_off_and_are_reproducible() {
        let mut first = OptimalMulticastDelayGenerator::multicast_nak_default(Prng::from_seed(9));
        let mut second = OptimalMulticastDelayGenerator::multicast_nak_default(Prng::from_seed(9));
        let mut sum = 0i64;
        for _ in 0..10_000 {
            let delay = first.generate_delay_ns();
            assert_eq!(delay, second.generate_delay_ns(), "same seed, same delays");
            assert!((0..=NAK_MULTICAST_MAX_BACKOFF_NS).contains(&delay));
            sum += delay;
        }
        // The distribution is skewed towards the maximum (most receivers wait, a few NAK early).
        let mean = sum / 10_000;
        assert!(
            mean > NAK_MULTICAST_MAX_BACKOFF_NS / 2 && mean < NAK_MULTICAST_MAX_BACKOFF_NS,
            "mean {mean}"
        );
        assert!(first.retry_delay_ns() <= NAK_MULTICAST_MAX_BACKOFF_NS);
    }

    #[test]
    fn the_formula_maps_the_ends_of_the_uniform_range_to_zero_and_the_maximum() {
        let generator = OptimalMulticastDelayGenerator::new(10_000_000.0, 10.0, Prng::from_seed(1));
        let lowest = generator.constant_t * (generator.base_x * generator.factor_t).ln();
        let highest =
            generator.constant_t * ((generator.base_x + generator.rand_max) * generator.factor_t).ln();
        assert!(lowest.abs() < 1e-6);
        assert!((highest - 10_000_000.0).abs() < 1e-3);
    }

    #[test]
    fn static_and_unicast_defaults_match_aeron() {
        let mut unicast = DelayGenerator::unicast_nak();
        assert_eq!(unicast.generate_delay_ns(), 1_000);
        assert_eq!(unicast.retry_delay_ns(), 100_000);
        let mut zero = StaticDelayGenerator::zero();
        assert_eq!((zero.generate_delay_ns(), zero.retry_delay_ns()), (0, 0));
        let mut fixed = StaticDelayGenerator::fixed(7);
        assert_eq!((fixed.generate_delay_ns(), fixed.retry_delay_ns()), (7, 7));
        assert!(matches!(
            DelayGenerator::for_nak(true, Prng::from_seed(2)),
            DelayGenerator::OptimalMulticast(_)
        ));
    }
}
