//! [`idle_strategy_from_alias`]: builds an idle strategy from an Aeron configuration value.
//!
//! Accepted (as Aeron's `Configuration.agentIdleStrategy`): the aliases `spin`, `noop`, `yield`,
//! `sleep-ns` and `backoff`, and the matching Agrona class names (`org.agrona.concurrent.BackoffIdleStrategy`
//! ...). `sleep-ns` parks for [`SleepingIdleStrategy::DEFAULT_SLEEP_NS`] (1 µs, Agrona's default) and
//! `backoff` uses the Aeron driver's settings ([`BackoffIdleStrategy::default`]). Anything else is an
//! error: there is no class loading.

use agrona::{BusySpinIdleStrategy, IdleStrategy, NoOpIdleStrategy};

use crate::backoff_idle_strategy::BackoffIdleStrategy;
use crate::sleeping_idle_strategy::SleepingIdleStrategy;
use crate::yielding_idle_strategy::YieldingIdleStrategy;

/// An idle strategy name that is neither a known alias nor a known Agrona class name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown idle strategy {0:?} (expected spin, noop, yield, sleep-ns or backoff)")]
pub struct UnknownIdleStrategy(pub String);

/// The idle strategy named by `alias` (see the module docs for the accepted names and their settings).
pub fn idle_strategy_from_alias(alias: &str) -> Result<Box<dyn IdleStrategy>, UnknownIdleStrategy> {
    let strategy: Box<dyn IdleStrategy> = match alias {
        "spin" | "org.agrona.concurrent.BusySpinIdleStrategy" => Box::new(BusySpinIdleStrategy),
        "noop" | "org.agrona.concurrent.NoOpIdleStrategy" => Box::new(NoOpIdleStrategy),
        "yield" | "org.agrona.concurrent.YieldingIdleStrategy" => Box::new(YieldingIdleStrategy),
        "sleep-ns" | "org.agrona.concurrent.SleepingIdleStrategy" => {
            Box::new(SleepingIdleStrategy::default())
        }
        "backoff" | "org.agrona.concurrent.BackoffIdleStrategy" => Box::new(BackoffIdleStrategy::default()),
        other => return Err(UnknownIdleStrategy(other.to_owned())),
    };
    Ok(strategy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_alias_round_trips() {
        for alias in ["spin", "noop", "yield", "sleep-ns", "backoff"] {
            let strategy = idle_strategy_from_alias(alias).unwrap();
            assert_eq!(strategy.alias(), alias);
        }
    }

    #[test]
    fn agrona_class_names_are_accepted() {
        let strategy = idle_strategy_from_alias("org.agrona.concurrent.BackoffIdleStrategy").unwrap();
        assert_eq!(strategy.alias(), "backoff");
    }

    #[test]
    fn unknown_names_are_rejected() {
        let error = idle_strategy_from_alias("sleepy").err().unwrap();
        assert_eq!(error, UnknownIdleStrategy("sleepy".to_owned()));
        assert!(idle_strategy_from_alias("").is_err());
    }
}
