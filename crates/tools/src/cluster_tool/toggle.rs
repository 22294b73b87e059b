//! The cluster control toggles: `suspend`, `resume`, `snapshot`, `shutdown`, `abort` (Aeron
//! `ClusterToolOperator.toggleClusterState`, reference §3.11 and §7).
//!
//! A request is accepted only by the leader (role LEADER, election CLOSED — read from this node's
//! counters, where Aeron asks the cluster with a members query) in the expected module state (ACTIVE;
//! SUSPENDED for resume), and only by one compare-and-set of the control toggle from NEUTRAL (SUSPEND
//! for resume). `snapshot` and `resume` then wait, bounded, for the toggle to return to NEUTRAL.
//!
//! Invariant: the tool writes nothing but that one compare-and-set.

use std::time::{Duration, Instant};

use cluster::{ConsensusModuleState, ToggleState};
use serde_json::json;

use super::Exit;
use super::node_counters::{
    NodeCounters, election_state_name, module_state_name, or_dash, role_name, toggle_name,
};
use super::node_paths::NodePaths;
use super::screaming_snake;

/// A toggle request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// SUSPEND (no wait).
    Suspend,
    /// RESUME (waits).
    Resume,
    /// SNAPSHOT (waits).
    Snapshot,
    /// SHUTDOWN (no wait).
    Shutdown,
    /// ABORT (no wait).
    Abort,
}

impl Action {
    fn target(self) -> ToggleState {
        match self {
            Self::Suspend => ToggleState::Suspend,
            Self::Resume => ToggleState::Resume,
            Self::Snapshot => ToggleState::Snapshot,
            Self::Shutdown => ToggleState::Shutdown,
            Self::Abort => ToggleState::Abort,
        }
    }

    fn expected_state(self) -> ConsensusModuleState {
        match self {
            Self::Resume => ConsensusModuleState::Suspended,
            _ => ConsensusModuleState::Active,
        }
    }

    fn waits(self) -> bool {
        matches!(self, Self::Resume | Self::Snapshot)
    }
}

struct Report {
    member_id: i32,
    action: String,
    json: bool,
}

impl Report {
    fn finish(&self, exit: Exit, message: &str) -> anyhow::Result<Exit> {
        if self.json {
            println!(
                "{}",
                json!({
                    "member_id": self.member_id,
                    "action": self.action,
                    "applied": exit == Exit::Success,
                    "message": message,
                })
            );
        } else {
            println!("Member [{}]: {message}", self.member_id);
        }
        Ok(exit)
    }
}

/// Requests `action` on the node in `paths`; waits up to `timeout_ms` where Aeron waits.
pub fn request(paths: &NodePaths, action: Action, timeout_ms: u64, json: bool) -> anyhow::Result<Exit> {
    let mark_file = paths.mark_file()?;
    let target = action.target();
    let report = Report {
        member_id: mark_file.header.member_id,
        action: screaming_snake(&format!("{target:?}")),
        json,
    };
    let name = &report.action;
    let counters = NodeCounters::open(&paths.driver_dir(Some(&mark_file)), mark_file.header.cluster_id)?;
    let values = counters.values();
    if !values.is_leader() {
        return report.finish(
            Exit::Negative,
            &format!(
                "Current node is not the leader (role = {}, election state = {}), unable to {name}",
                or_dash(values.role.map(role_name)),
                or_dash(values.election_state.map(election_state_name)),
            ),
        );
    }
    let Some(state) = values.module_state else {
        return report.finish(Exit::Negative, "Unable to resolve state of consensus module.");
    };
    let expected = action.expected_state();
    if state != expected.code() {
        return report.finish(
            Exit::Negative,
            &format!(
                "Unable to {name} as the state of the consensus module is {}, but needs to be {}",
                module_state_name(state),
                module_state_name(expected.code())
            ),
        );
    }
    let Some(toggle) = counters.control_toggle() else {
        return report.finish(Exit::Negative, "Failed to find control toggle");
    };
    if !target.toggle(&toggle) {
        return report.finish(
            Exit::Negative,
            &format!("Failed to apply {name}, current toggle value = {}", toggle_name(toggle.get())),
        );
    }
    if action.waits() {
        let deadline = Instant::now() + Duration::from_millis(timeout_ms);
        while toggle.get() != ToggleState::Neutral.code() {
            if Instant::now() > deadline {
                return report.finish(
                    Exit::Negative,
                    &format!(
                        "Timed out after {timeout_ms}ms waiting for {name} to complete (toggle = {}).",
                        toggle_name(toggle.get())
                    ),
                );
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    report.finish(Exit::Success, &format!("{name} applied successfully"))
}
