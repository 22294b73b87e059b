//! `fulmar tool CLUSTER_DIR <command>`: the operator's cluster tool (Aeron's `ClusterTool`, reference
//! §7). CLUSTER_DIR is a node directory (holding `driver/`, `archive/`, `cluster/`) or its `cluster/`
//! directory.
//!
//! Where the answers come from:
//! - the node's mark file `cluster/cluster-mark.dat` (pid, member id, cluster id, channels, liveness,
//!   error log), read while the node runs;
//! - the driver's CnC counters found through the mark file's `aeronDirectory` (else `<node>/driver`):
//!   role (type 201), module state (200), commit position (203), control toggle (202), snapshot count
//!   (205) and election state (207), each keyed by the cluster id;
//! - `cluster/recording.log`, the archive catalog and snapshot recordings (`<node>/archive`, read
//!   from the files) and `cluster/cluster-members.txt`.
//!
//! Exit codes: 0 success, 1 a negative answer (not the leader, toggle refused or timed out, nothing to
//! do), 2 a usage error or a missing/unreadable file. `--json` prints one JSON object instead of text.
//!
//! Invariants: read-only commands never write a file; commands that rewrite `recording.log`
//! (`sort-recording-log`, `seed-recording-log-from-snapshot`, `invalidate-latest-snapshot`) refuse while
//! a live node holds the directory; toggle requests are one compare-and-set on the control toggle, so
//! they can never override a request in progress; every wait is bounded.

mod describe;
mod node_counters;
mod node_paths;
mod recording_log_commands;
mod toggle;

use std::io::Write as _;
use std::path::PathBuf;

use clap::{Args, Subcommand};

/// Arguments of `fulmar tool`.
#[derive(Debug, Args)]
pub struct ToolArgs {
    /// The node directory (holding `driver/` and `cluster/`) or its `cluster/` directory.
    pub cluster_dir: PathBuf,
    /// Print one JSON object (describe, pid, is-leader, recording-log, recovery-plan, errors,
    /// list-members, describe-latest-cm-snapshot and the toggles).
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: ToolCommand,
}

/// The commands of `fulmar tool` (Aeron's ClusterTool commands).
#[derive(Debug, Subcommand)]
pub enum ToolCommand {
    /// The mark file's header and the node's counters (role, module state, election state, commit
    /// position, control toggle, snapshot count).
    Describe,
    /// The node's process id.
    Pid,
    /// The recovery plan computed from recording.log and the archive catalog.
    RecoveryPlan {
        /// Number of clustered services.
        #[arg(default_value_t = 1)]
        service_count: usize,
    },
    /// Every recording.log entry.
    RecordingLog,
    /// Rewrite recording.log in sorted order (exit 1 if it already is).
    SortRecordingLog,
    /// Replace recording.log by its latest valid snapshot set at position 0 (backup: recording.log.bak).
    SeedRecordingLogFromSnapshot,
    /// The node's error log (mark file) and its driver's error log.
    Errors,
    /// The cluster's members (static configuration) and who leads, as far as this node knows.
    ListMembers,
    /// Mark the latest snapshot set invalid so the previous one is loaded (exit 1 if none).
    InvalidateLatestSnapshot,
    /// Ask the leader to take a snapshot and wait for it (default 30 s).
    Snapshot {
        /// How long to wait for completion, in milliseconds.
        #[arg(long, default_value_t = 30_000)]
        timeout_ms: u64,
    },
    /// Ask the leader to suspend (stop appending ingress and timers).
    Suspend,
    /// Ask a suspended leader to resume and wait for it (default 1 s).
    Resume {
        /// How long to wait for completion, in milliseconds.
        #[arg(long, default_value_t = 1_000)]
        timeout_ms: u64,
    },
    /// Ask the leader to snapshot and shut the cluster down.
    Shutdown,
    /// Ask the leader to shut the cluster down without a snapshot.
    Abort,
    /// The latest consensus-module snapshot: its recording.log entries and its decoded content (read
    /// from the node's archive directory; exit 2 if it is corrupt or unreadable).
    DescribeLatestCmSnapshot,
    /// Exit 0 if this node is the leader with its election closed, 1 otherwise.
    IsLeader,
}

/// How a command ended (the process exit code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Done (0).
    Success,
    /// A negative answer: not the leader, refused, timed out, nothing to do (1).
    Negative,
}

/// Exit code of a usage or file error.
const ERROR_EXIT_CODE: i32 = 2;

/// Runs `fulmar tool`. Returns `Ok` on success; otherwise prints the reason and exits the process with
/// 1 (negative answer) or 2 (usage or file error).
pub fn run(args: ToolArgs) -> anyhow::Result<()> {
    let code = match execute(args) {
        Ok(Exit::Success) => return Ok(()),
        Ok(Exit::Negative) => 1,
        Err(error) => {
            eprintln!("fulmar tool: {error:#}");
            ERROR_EXIT_CODE
        }
    };
    let _ = std::io::stdout().flush();
    std::process::exit(code)
}

fn execute(args: ToolArgs) -> anyhow::Result<Exit> {
    let paths = node_paths::NodePaths::resolve(&args.cluster_dir)?;
    let json = args.json;
    match args.command {
        ToolCommand::Describe => describe::describe(&paths, json),
        ToolCommand::Pid => describe::pid(&paths, json),
        ToolCommand::Errors => describe::errors(&paths, json),
        ToolCommand::ListMembers => describe::list_members(&paths, json),
        ToolCommand::IsLeader => describe::is_leader(&paths, json),
        ToolCommand::RecordingLog => recording_log_commands::print_log(&paths, json),
        ToolCommand::RecoveryPlan { service_count } => {
            recording_log_commands::recovery_plan(&paths, service_count, json)
        }
        ToolCommand::SortRecordingLog => recording_log_commands::sort(&paths),
        ToolCommand::SeedRecordingLogFromSnapshot => recording_log_commands::seed_from_snapshot(&paths),
        ToolCommand::InvalidateLatestSnapshot => recording_log_commands::invalidate_latest_snapshot(&paths),
        ToolCommand::DescribeLatestCmSnapshot => {
            recording_log_commands::describe_latest_cm_snapshot(&paths, json)
        }
        ToolCommand::Snapshot { timeout_ms } => {
            toggle::request(&paths, toggle::Action::Snapshot, timeout_ms, json)
        }
        ToolCommand::Suspend => toggle::request(&paths, toggle::Action::Suspend, 0, json),
        ToolCommand::Resume { timeout_ms } => {
            toggle::request(&paths, toggle::Action::Resume, timeout_ms, json)
        }
        ToolCommand::Shutdown => toggle::request(&paths, toggle::Action::Shutdown, 0, json),
        ToolCommand::Abort => toggle::request(&paths, toggle::Action::Abort, 0, json),
    }
}

/// `CamelCase` → `SCREAMING_SNAKE_CASE` (Aeron's enum names from Rust `Debug` names).
pub(crate) fn screaming_snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (index, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && index > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_names_follow_aeron() {
        assert_eq!(screaming_snake("StandbySnapshot"), "STANDBY_SNAPSHOT");
        assert_eq!(screaming_snake("Neutral"), "NEUTRAL");
        assert_eq!(screaming_snake("ConsensusModule"), "CONSENSUS_MODULE");
    }
}
