//! Cluster time (Aeron `ClusterClock`, `MillisecondClusterClock`, `MicrosecondClusterClock`,
//! `NanosecondClusterClock`; reference §3.10).
//!
//! Cluster time is epoch time in one [`TimeUnit`] (milliseconds by default). The leader stamps every log
//! entry with it; the unit is written into NewLeadershipTermEvent and snapshots as the wire enum
//! [`ClusterTimeUnit`], and a mismatch on replay/load is fatal for the consensus module.
//!
//! Invariants:
//! - conversions between units truncate toward zero when going to a coarser unit and saturate at
//!   `i64::MIN`/`i64::MAX` when going to a finer one (Java `TimeUnit` semantics);
//! - the wire null value decodes as milliseconds; any other unnamed wire value is an error;
//! - clocks never read the OS: they wrap an [`EpochClock`] or an epoch-nanosecond [`NanoClock`] passed in.

use std::sync::Arc;

use agrona::{EpochClock, NanoClock};
use protocol::cluster::ClusterTimeUnit;

/// The unit of cluster timestamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TimeUnit {
    /// Milliseconds (Aeron's default).
    #[default]
    Millis,
    /// Microseconds.
    Micros,
    /// Nanoseconds.
    Nanos,
}

/// A wire time unit this implementation does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unsupported cluster time unit: {0}")]
pub struct UnsupportedTimeUnit(pub i32);

impl TimeUnit {
    /// Nanoseconds per unit.
    pub const fn nanos_per_unit(self) -> i64 {
        match self {
            Self::Millis => 1_000_000,
            Self::Micros => 1_000,
            Self::Nanos => 1,
        }
    }

    /// `time` in this unit as nanoseconds (saturating).
    pub const fn to_nanos(self, time: i64) -> i64 {
        time.saturating_mul(self.nanos_per_unit())
    }

    /// `time` in this unit as microseconds (truncating or saturating).
    pub const fn to_micros(self, time: i64) -> i64 {
        match self {
            Self::Millis => time.saturating_mul(1_000),
            Self::Micros => time,
            Self::Nanos => time / 1_000,
        }
    }

    /// `time` in this unit as milliseconds (truncating).
    pub const fn to_millis(self, time: i64) -> i64 {
        match self {
            Self::Millis => time,
            Self::Micros => time / 1_000,
            Self::Nanos => time / 1_000_000,
        }
    }

    /// `time_ns` nanoseconds in this unit (truncating).
    pub const fn from_nanos(self, time_ns: i64) -> i64 {
        time_ns / self.nanos_per_unit()
    }

    /// `time_ms` milliseconds in this unit (saturating).
    pub const fn from_millis(self, time_ms: i64) -> i64 {
        time_ms.saturating_mul(1_000_000 / self.nanos_per_unit())
    }

    /// The wire enum (Aeron `ClusterClock.map(TimeUnit)`).
    pub const fn to_cluster_time_unit(self) -> ClusterTimeUnit {
        match self {
            Self::Millis => ClusterTimeUnit::Millis,
            Self::Micros => ClusterTimeUnit::Micros,
            Self::Nanos => ClusterTimeUnit::Nanos,
        }
    }

    /// From the wire enum (Aeron `ClusterClock.map(ClusterTimeUnit)`): the SBE null value means
    /// milliseconds; other unnamed values are an error (they come from the log or a snapshot).
    pub const fn from_cluster_time_unit(unit: ClusterTimeUnit) -> Result<Self, UnsupportedTimeUnit> {
        match unit {
            ClusterTimeUnit::Millis => Ok(Self::Millis),
            ClusterTimeUnit::Micros => Ok(Self::Micros),
            ClusterTimeUnit::Nanos => Ok(Self::Nanos),
            ClusterTimeUnit::Unknown(ClusterTimeUnit::NULL_VALUE) => Ok(Self::Millis),
            ClusterTimeUnit::Unknown(other) => Err(UnsupportedTimeUnit(other)),
        }
    }
}

impl From<TimeUnit> for ClusterTimeUnit {
    fn from(unit: TimeUnit) -> Self {
        unit.to_cluster_time_unit()
    }
}

impl TryFrom<ClusterTimeUnit> for TimeUnit {
    type Error = UnsupportedTimeUnit;

    fn try_from(unit: ClusterTimeUnit) -> Result<Self, Self::Error> {
        Self::from_cluster_time_unit(unit)
    }
}

/// The consensus module's source of cluster time.
///
/// How to drive it: read [`time`](Self::time) once per duty cycle for timestamps and timer deadlines,
/// [`time_nanos`](Self::time_nanos) for session-activity bookkeeping. Implementors give `time_unit` and
/// `time`; the rest are derived.
pub trait ClusterClock {
    /// The unit of [`time`](Self::time).
    fn time_unit(&self) -> TimeUnit {
        TimeUnit::Millis
    }

    /// Epoch time in [`time_unit`](Self::time_unit).
    fn time(&self) -> i64;

    /// Epoch time in milliseconds.
    fn time_millis(&self) -> i64 {
        self.time_unit().to_millis(self.time())
    }

    /// Epoch time in microseconds.
    fn time_micros(&self) -> i64 {
        self.time_unit().to_micros(self.time())
    }

    /// Epoch time in nanoseconds.
    fn time_nanos(&self) -> i64 {
        self.time_unit().to_nanos(self.time())
    }

    /// Converts a cluster timestamp to nanoseconds.
    fn convert_to_nanos(&self, time: i64) -> i64 {
        self.time_unit().to_nanos(time)
    }
}

/// Millisecond cluster time from an [`EpochClock`] (Aeron `MillisecondClusterClock`, the default).
#[derive(Clone)]
pub struct MillisecondClusterClock {
    epoch_clock: Arc<dyn EpochClock>,
}

impl std::fmt::Debug for MillisecondClusterClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MillisecondClusterClock").field("time_ms", &self.epoch_clock.time_ms()).finish()
    }
}

impl MillisecondClusterClock {
    /// Cluster time = `epoch_clock.time_ms()`.
    pub fn new(epoch_clock: Arc<dyn EpochClock>) -> Self {
        Self { epoch_clock }
    }
}

impl ClusterClock for MillisecondClusterClock {
    fn time(&self) -> i64 {
        self.epoch_clock.time_ms()
    }
}

/// Micro- or nanosecond cluster time from a [`NanoClock`] whose origin is the Unix epoch (Aeron
/// `MicrosecondClusterClock` / `NanosecondClusterClock`).
#[derive(Clone)]
pub struct EpochNanosClusterClock {
    unit: TimeUnit,
    epoch_nanos: Arc<dyn NanoClock>,
}

impl std::fmt::Debug for EpochNanosClusterClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EpochNanosClusterClock").field("unit", &self.unit).finish()
    }
}

impl EpochNanosClusterClock {
    /// Cluster time in `unit`, from `epoch_nanos.nano_time()` (nanoseconds since the Unix epoch).
    pub fn new(unit: TimeUnit, epoch_nanos: Arc<dyn NanoClock>) -> Self {
        Self { unit, epoch_nanos }
    }
}

impl ClusterClock for EpochNanosClusterClock {
    fn time_unit(&self) -> TimeUnit {
        self.unit
    }

    fn time(&self) -> i64 {
        self.unit.from_nanos(self.epoch_nanos.nano_time())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agrona::ManualClock;

    #[test]
    fn unit_conversions_truncate_and_saturate() {
        assert_eq!(TimeUnit::Millis.to_nanos(3), 3_000_000);
        assert_eq!(TimeUnit::Micros.to_nanos(3), 3_000);
        assert_eq!(TimeUnit::Nanos.to_nanos(3), 3);
        assert_eq!(TimeUnit::Millis.to_nanos(i64::MAX), i64::MAX);
        assert_eq!(TimeUnit::Millis.to_nanos(i64::MIN), i64::MIN);
        assert_eq!(TimeUnit::Nanos.to_millis(1_999_999), 1);
        assert_eq!(TimeUnit::Nanos.to_millis(-1_999_999), -1);
        assert_eq!(TimeUnit::Micros.to_millis(2_500), 2);
        assert_eq!(TimeUnit::Millis.to_micros(2), 2_000);
        assert_eq!(TimeUnit::Nanos.to_micros(2_999), 2);
        assert_eq!(TimeUnit::Micros.to_micros(5), 5);
        assert_eq!(TimeUnit::Millis.from_nanos(2_999_999), 2);
        assert_eq!(TimeUnit::Micros.from_millis(2), 2_000);
        assert_eq!(TimeUnit::Nanos.from_millis(i64::MAX), i64::MAX);
        assert_eq!(TimeUnit::default(), TimeUnit::Millis);
    }

    #[test]
    fn wire_mapping_round_trips_and_null_means_millis() {
        for unit in [TimeUnit::Millis, TimeUnit::Micros, TimeUnit::Nanos] {
            assert_eq!(TimeUnit::try_from(ClusterTimeUnit::from(unit)), Ok(unit));
        }
        assert_eq!(ClusterTimeUnit::from(TimeUnit::Nanos).as_i32(), 2);
        assert_eq!(
            TimeUnit::from_cluster_time_unit(ClusterTimeUnit::from_i32(ClusterTimeUnit::NULL_VALUE)),
            Ok(TimeUnit::Millis)
        );
        assert_eq!(
            TimeUnit::from_cluster_time_unit(ClusterTimeUnit::from_i32(7)),
            Err(UnsupportedTimeUnit(7))
        );
    }

    #[test]
    fn millisecond_clock_reads_the_epoch_clock() {
        let manual = ManualClock::new(5_123_456_789);
        let clock = MillisecondClusterClock::new(Arc::new(manual.clone()));
        assert_eq!(clock.time_unit(), TimeUnit::Millis);
        assert_eq!(clock.time(), 5_123);
        assert_eq!(clock.time_millis(), 5_123);
        assert_eq!(clock.time_micros(), 5_123_000);
        assert_eq!(clock.time_nanos(), 5_123_000_000);
        assert_eq!(clock.convert_to_nanos(2), 2_000_000);
        manual.advance_ns(1_000_000);
        assert_eq!(clock.time(), 5_124);
        assert!(format!("{clock:?}").contains("5124"));
    }

    #[test]
    fn nanosecond_and_microsecond_clocks() {
        let manual = ManualClock::new(7_654_321);
        let nanos = EpochNanosClusterClock::new(TimeUnit::Nanos, Arc::new(manual.clone()));
        assert_eq!(nanos.time(), 7_654_321);
        assert_eq!(nanos.time_nanos(), 7_654_321);
        assert_eq!(nanos.time_millis(), 7);
        let micros = EpochNanosClusterClock::new(TimeUnit::Micros, Arc::new(manual));
        assert_eq!(micros.time_unit(), TimeUnit::Micros);
        assert_eq!(micros.time(), 7_654);
        assert_eq!(micros.time_nanos(), 7_654_000, "truncated to the unit, as Aeron");
        assert_eq!(micros.convert_to_nanos(3), 3_000);
    }
}
