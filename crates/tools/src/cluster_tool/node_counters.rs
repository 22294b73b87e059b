//! [`NodeCounters`]: the consensus module's counters in the node's driver CnC file, found by type id
//! and cluster id (the first four key bytes, little-endian, as Aeron's `ClusterCounters.find`).
//!
//! Invariant: values written by another process are decoded defensively: an unknown code is shown as
//! `UNKNOWN(<code>)`, never a panic.

use std::path::{Path, PathBuf};

use agrona::AtomicCounter;
use anyhow::Context as _;
use cluster::{ConsensusModuleState, ElectionState, ToggleState};
use protocol::cluster::defaults::{
    CLUSTER_NODE_ROLE_TYPE_ID, COMMIT_POSITION_TYPE_ID, CONSENSUS_MODULE_STATE_TYPE_ID,
    CONTROL_TOGGLE_TYPE_ID, ELECTION_STATE_TYPE_ID, SNAPSHOT_COUNTER_TYPE_ID,
};
use protocol::command::cnc::CNC_FILE;
use serde_json::{Value, json};

use super::screaming_snake;
use crate::stat::{CncView, open_cnc};

/// Role counter value of a leader.
pub const ROLE_LEADER: i64 = 2;

/// The counters of one cluster in a driver's CnC file.
pub struct NodeCounters {
    view: CncView,
    cluster_id: i32,
    cnc_path: PathBuf,
}

/// A snapshot of the counters a tool shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CounterValues {
    /// Node role (0 follower, 1 candidate, 2 leader).
    pub role: Option<i64>,
    /// Consensus module state code.
    pub module_state: Option<i64>,
    /// Election state code.
    pub election_state: Option<i64>,
    /// Commit position.
    pub commit_position: Option<i64>,
    /// Control toggle code.
    pub toggle: Option<i64>,
    /// Snapshots taken by this node since it started (`Cluster snapshot count`, type 205).
    pub snapshot_count: Option<i64>,
}

impl NodeCounters {
    /// Maps the CnC file in `driver_dir` for cluster `cluster_id`.
    pub fn open(driver_dir: &Path, cluster_id: i32) -> anyhow::Result<Self> {
        let cnc_path = driver_dir.join(CNC_FILE);
        if !cnc_path.is_file() {
            anyhow::bail!("Unable to locate media driver. CnC file [{}] does not exist.", cnc_path.display());
        }
        let view = open_cnc(driver_dir).with_context(|| format!("mapping {}", cnc_path.display()))?;
        Ok(Self { view, cluster_id, cnc_path })
    }

    /// The CnC file's path.
    pub fn cnc_path(&self) -> &Path {
        &self.cnc_path
    }

    /// The id of the first allocated counter of `type_id` for this cluster.
    pub fn find(&self, type_id: i32) -> Option<i32> {
        let mut found = None;
        self.view.counters.for_each(|id, counter_type_id, key, _label| {
            if found.is_none()
                && counter_type_id == type_id
                && key.get(..4).is_some_and(|bytes| bytes == self.cluster_id.to_le_bytes())
            {
                found = Some(id);
            }
        });
        found
    }

    /// The value of the counter of `type_id` for this cluster.
    pub fn value(&self, type_id: i32) -> Option<i64> {
        self.find(type_id).map(|id| self.view.counters.counter_value(id))
    }

    /// The control toggle counter (writable: it lives in the shared CnC mapping).
    pub fn control_toggle(&self) -> Option<AtomicCounter> {
        self.find(CONTROL_TOGGLE_TYPE_ID).and_then(|id| self.view.counters.try_counter(id))
    }

    /// The values a tool shows.
    pub fn values(&self) -> CounterValues {
        CounterValues {
            role: self.value(CLUSTER_NODE_ROLE_TYPE_ID),
            module_state: self.value(CONSENSUS_MODULE_STATE_TYPE_ID),
            election_state: self.value(ELECTION_STATE_TYPE_ID),
            commit_position: self.value(COMMIT_POSITION_TYPE_ID),
            toggle: self.value(CONTROL_TOGGLE_TYPE_ID),
            snapshot_count: self.value(SNAPSHOT_COUNTER_TYPE_ID),
        }
    }
}

impl CounterValues {
    /// True for Aeron's `is-leader`: role LEADER and election CLOSED.
    pub fn is_leader(&self) -> bool {
        self.role == Some(ROLE_LEADER) && self.election_state == Some(i64::from(ElectionState::Closed.code()))
    }

    /// As JSON (codes and names; `null` for a missing counter).
    pub fn to_json(self) -> Value {
        json!({
            "role": self.role.map(role_name),
            "role_code": self.role,
            "module_state": self.module_state.map(module_state_name),
            "module_state_code": self.module_state,
            "election_state": self.election_state.map(election_state_name),
            "election_state_code": self.election_state,
            "commit_position": self.commit_position,
            "control_toggle": self.toggle.map(toggle_name),
            "control_toggle_code": self.toggle,
            "snapshot_count": self.snapshot_count,
        })
    }
}

fn unknown(code: i64) -> String {
    format!("UNKNOWN({code})")
}

/// Aeron's name of a role code.
pub fn role_name(code: i64) -> String {
    match code {
        0 => "FOLLOWER".to_owned(),
        1 => "CANDIDATE".to_owned(),
        ROLE_LEADER => "LEADER".to_owned(),
        other => unknown(other),
    }
}

/// Aeron's name of a consensus module state code.
pub fn module_state_name(code: i64) -> String {
    ConsensusModuleState::from_code(code)
        .map_or_else(|_| unknown(code), |state| screaming_snake(&format!("{state:?}")))
}

/// Aeron's name of an election state code.
pub fn election_state_name(code: i64) -> String {
    i32::try_from(code)
        .ok()
        .and_then(ElectionState::from_code)
        .map_or_else(|| unknown(code), |s| s.name().to_owned())
}

/// Aeron's name of a control toggle code.
pub fn toggle_name(code: i64) -> String {
    ToggleState::from_code(code)
        .map_or_else(|_| unknown(code), |state| screaming_snake(&format!("{state:?}")))
}

/// A counter value for text output (`-` when missing).
pub fn or_dash(value: Option<String>) -> String {
    value.unwrap_or_else(|| "-".to_owned())
}
