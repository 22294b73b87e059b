//! [`ClusterControl`]: the shared-memory control toggle an operator (ClusterTool) flips to ask the
//! leader to suspend, resume, snapshot, shut down or abort (Aeron `ClusterControl.ToggleState`,
//! reference §3.11), and [`ConsensusModuleState`], the module state published in the "Consensus Module
//! state" counter (reference §3.1).
//!
//! The toggle is a counter (type id 202, key = cluster id) in the driver's CnC file; another process may
//! write it, so reads are validated: a value outside `0..=7` is an error, never a panic.
//!
//! Invariants:
//! - [`ToggleState::toggle`] only succeeds from NEUTRAL (RESUME also from SUSPEND), by an atomic
//!   compare-and-set, so two requests can never both be accepted;
//! - the toggle is INACTIVE while no leader is active ([`ClusterControl::deactivate`] on every election,
//!   [`ClusterControl::activate`] when a leader completes one), so requests are only accepted by an
//!   active leader.

use agrona::AtomicCounter;

/// Control toggle states (code = Aeron ordinal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ToggleState {
    /// No active leader: requests are refused.
    Inactive,
    /// Ready for a request.
    Neutral,
    /// Suspend processing of ingress and timers.
    Suspend,
    /// Resume after a suspend.
    Resume,
    /// Take a snapshot.
    Snapshot,
    /// Snapshot, then shut the cluster down.
    Shutdown,
    /// Shut down without a snapshot.
    Abort,
    /// Ask standby nodes to snapshot (primary nodes do not).
    StandbySnapshot,
}

/// A toggle counter value outside the known states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid toggle value: {0}")]
pub struct InvalidToggleValue(pub i64);

impl ToggleState {
    /// Every state, indexed by code.
    pub const ALL: [ToggleState; 8] = [
        Self::Inactive,
        Self::Neutral,
        Self::Suspend,
        Self::Resume,
        Self::Snapshot,
        Self::Shutdown,
        Self::Abort,
        Self::StandbySnapshot,
    ];

    /// The counter value of this state.
    pub const fn code(self) -> i64 {
        match self {
            Self::Inactive => 0,
            Self::Neutral => 1,
            Self::Suspend => 2,
            Self::Resume => 3,
            Self::Snapshot => 4,
            Self::Shutdown => 5,
            Self::Abort => 6,
            Self::StandbySnapshot => 7,
        }
    }

    /// The state with counter value `code`.
    pub fn from_code(code: i64) -> Result<Self, InvalidToggleValue> {
        usize::try_from(code)
            .ok()
            .and_then(|index| Self::ALL.get(index).copied())
            .ok_or(InvalidToggleValue(code))
    }

    /// Requests this state on `counter`: CAS NEUTRAL → self, except RESUME which CASes SUSPEND → RESUME
    /// when the toggle is at SUSPEND. True if the request was accepted. As in Aeron, RESUME from NEUTRAL
    /// is also accepted (an ACTIVE leader ignores it, leaving the toggle at RESUME until reset).
    pub fn toggle(self, counter: &AtomicCounter) -> bool {
        if self == Self::Resume && counter.get() == Self::Suspend.code() {
            return counter.compare_and_set(Self::Suspend.code(), Self::Resume.code());
        }
        counter.compare_and_set(Self::Neutral.code(), self.code())
    }
}

/// The cluster control toggle over its counter.
///
/// How to drive it: the consensus module wraps the counter it allocated, calls
/// [`deactivate`](Self::deactivate) on entering an election, [`activate`](Self::activate) when it becomes
/// an active leader, polls [`get`](Self::get) on the leader's slow tick, and [`reset`](Self::reset)s to
/// NEUTRAL once an action is done. Tools call [`toggle`](Self::toggle).
#[derive(Debug, Clone)]
pub struct ClusterControl {
    counter: AtomicCounter,
}

impl ClusterControl {
    /// Wraps the toggle counter.
    pub fn new(counter: AtomicCounter) -> Self {
        Self { counter }
    }

    /// The underlying counter.
    pub fn counter(&self) -> &AtomicCounter {
        &self.counter
    }

    /// The current state; an out-of-range value (written by another process) is an error.
    pub fn get(&self) -> Result<ToggleState, InvalidToggleValue> {
        ToggleState::from_code(self.counter.get())
    }

    /// Requests `state` (see [`ToggleState::toggle`]).
    pub fn toggle(&self, state: ToggleState) -> bool {
        state.toggle(&self.counter)
    }

    /// Back to NEUTRAL after an action completed.
    pub fn reset(&self) {
        self.counter.set(ToggleState::Neutral.code());
    }

    /// A leader became active: NEUTRAL.
    pub fn activate(&self) {
        self.counter.set(ToggleState::Neutral.code());
    }

    /// No active leader: INACTIVE.
    pub fn deactivate(&self) {
        self.counter.set(ToggleState::Inactive.code());
    }
}

/// The consensus module's state (code = Aeron ordinal, published in counter type 200).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ConsensusModuleState {
    /// Starting up and recovering.
    #[default]
    Init,
    /// Ingress and expired timers are appended to the log.
    Active,
    /// Ingress and timers are not appended.
    Suspended,
    /// Taking a snapshot.
    Snapshot,
    /// Defined but never entered in Aeron 1.54.
    Quitting,
    /// Terminating.
    Terminating,
    /// Closed.
    Closed,
}

/// A module-state counter value outside the known states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid consensus module state code: {0}")]
pub struct InvalidModuleState(pub i64);

impl ConsensusModuleState {
    /// Every state, indexed by code.
    pub const ALL: [ConsensusModuleState; 7] = [
        Self::Init,
        Self::Active,
        Self::Suspended,
        Self::Snapshot,
        Self::Quitting,
        Self::Terminating,
        Self::Closed,
    ];

    /// The counter value.
    pub const fn code(self) -> i64 {
        match self {
            Self::Init => 0,
            Self::Active => 1,
            Self::Suspended => 2,
            Self::Snapshot => 3,
            Self::Quitting => 4,
            Self::Terminating => 5,
            Self::Closed => 6,
        }
    }

    /// The state with counter value `code`.
    pub fn from_code(code: i64) -> Result<Self, InvalidModuleState> {
        usize::try_from(code)
            .ok()
            .and_then(|index| Self::ALL.get(index).copied())
            .ok_or(InvalidModuleState(code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agrona::{AtomicBuffer, COUNTER_LENGTH};

    fn control() -> ClusterControl {
        ClusterControl::new(AtomicCounter::new(AtomicBuffer::heap(2 * COUNTER_LENGTH), 1))
    }

    #[test]
    fn codes_are_aeron_ordinals() {
        for (code, state) in ToggleState::ALL.iter().enumerate() {
            assert_eq!(state.code(), code as i64);
            assert_eq!(ToggleState::from_code(code as i64), Ok(*state));
        }
        assert_eq!(ToggleState::from_code(8), Err(InvalidToggleValue(8)));
        assert_eq!(ToggleState::from_code(-1), Err(InvalidToggleValue(-1)));
        for (code, state) in ConsensusModuleState::ALL.iter().enumerate() {
            assert_eq!(state.code(), code as i64);
            assert_eq!(ConsensusModuleState::from_code(code as i64), Ok(*state));
        }
        assert_eq!(ConsensusModuleState::from_code(7), Err(InvalidModuleState(7)));
        assert_eq!(ConsensusModuleState::default(), ConsensusModuleState::Init);
    }

    #[test]
    fn inactive_toggle_refuses_requests() {
        let control = control();
        assert_eq!(control.get(), Ok(ToggleState::Inactive));
        assert!(!control.toggle(ToggleState::Snapshot));
        assert!(!control.toggle(ToggleState::Resume));
        assert_eq!(control.get(), Ok(ToggleState::Inactive));
    }

    #[test]
    fn toggles_only_from_neutral() {
        let control = control();
        control.activate();
        assert_eq!(control.get(), Ok(ToggleState::Neutral));
        assert!(control.toggle(ToggleState::Snapshot));
        assert!(!control.toggle(ToggleState::Shutdown), "one request at a time");
        assert_eq!(control.get(), Ok(ToggleState::Snapshot));
        control.reset();
        assert!(control.toggle(ToggleState::Resume), "Aeron also lets RESUME through from NEUTRAL");
        control.reset();
        assert!(control.toggle(ToggleState::Suspend));
        assert!(control.toggle(ToggleState::Resume));
        assert_eq!(control.get(), Ok(ToggleState::Resume));
        control.deactivate();
        assert_eq!(control.counter().get(), 0);
    }

    #[test]
    fn garbage_counter_values_are_errors() {
        let control = control();
        control.counter().set(42);
        assert_eq!(control.get(), Err(InvalidToggleValue(42)));
        assert!(!control.toggle(ToggleState::Abort));
    }
}
