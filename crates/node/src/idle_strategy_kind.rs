//! [`IdleStrategyKind`]: the idle strategy named by `aeron.cluster.idle.strategy`. Accepts Agrona's short
//! names (`noop`, `spin`, `yield`, `backoff`) and the fully qualified Agrona class names Aeron
//! configurations use (`org.agrona.concurrent.BackoffIdleStrategy`, ...).

/// Which idle strategy an agent of the node uses between duty cycles that did no work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleStrategyKind {
    /// Never idles (`noop`, `NoOpIdleStrategy`).
    NoOp,
    /// Spins with a CPU pause hint (`spin`, `BusySpinIdleStrategy`).
    BusySpin,
    /// Yields the thread (`yield`, `YieldingIdleStrategy`).
    Yielding,
    /// Spins, yields, then parks with exponential back-off (`backoff`, `BackoffIdleStrategy`; the cluster
    /// default).
    Backoff,
    /// Sleeps a fixed period (`sleep`, `SleepingIdleStrategy`, `SleepingMillisIdleStrategy`).
    Sleeping,
}

impl IdleStrategyKind {
    /// Parses a short name or an Agrona class name (case-insensitive for short names).
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        let simple = value.rsplit('.').next().unwrap_or(value);
        match simple.to_ascii_lowercase().replace('_', "-").as_str() {
            "noop" | "no-op" | "noopidlestrategy" => Some(Self::NoOp),
            "spin" | "busy-spin" | "busyspinidlestrategy" => Some(Self::BusySpin),
            "yield" | "yielding" | "yieldingidlestrategy" => Some(Self::Yielding),
            "backoff" | "backoffidlestrategy" => Some(Self::Backoff),
            "sleep" | "sleep-ns" | "sleep-ms" | "sleepingidlestrategy" | "sleepingmillisidlestrategy" => {
                Some(Self::Sleeping)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_short_and_class_names() {
        assert_eq!(IdleStrategyKind::parse("backoff"), Some(IdleStrategyKind::Backoff));
        assert_eq!(
            IdleStrategyKind::parse("org.agrona.concurrent.BackoffIdleStrategy"),
            Some(IdleStrategyKind::Backoff)
        );
        assert_eq!(IdleStrategyKind::parse("SPIN"), Some(IdleStrategyKind::BusySpin));
        assert_eq!(IdleStrategyKind::parse("noop"), Some(IdleStrategyKind::NoOp));
        assert_eq!(IdleStrategyKind::parse("yield"), Some(IdleStrategyKind::Yielding));
        assert_eq!(IdleStrategyKind::parse("sleep-ms"), Some(IdleStrategyKind::Sleeping));
        assert_eq!(IdleStrategyKind::parse("fast"), None);
    }
}
