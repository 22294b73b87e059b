//! [`NodeMarkFile`]: the node's `cluster/cluster-mark.dat` (Aeron's consensus-module mark file,
//! reference §4.5), kept by the launcher: created before any agent starts, signalled ready once they all
//! run, its activity timestamp refreshed about once a second by [`MarkFileAgent`], every agent failure
//! recorded in its error log ([`ErrorRecordingAgent`]), and marked terminated (activity -1) on close.
//! The file stays on disk after close, as Aeron leaves it: `fulmar tool` reads it (pid, member id,
//! channels, errors) while the node runs and afterwards.
//!
//! Also writes `cluster/cluster-members.txt`, the static members string (Aeron's
//! `aeron.cluster.members` format), which `fulmar tool list-members` prints: fulmar's consensus module
//! does not answer Aeron's ClusterMembersQuery yet.
//!
//! Invariants:
//! - a second node on the same directory is refused while the first one's mark file is live (activity
//!   within [`MARK_FILE_LIVENESS_TIMEOUT_MS`]) and its recorded process is alive; a dead owner (crash,
//!   SIGKILL) never blocks a restart;
//! - the mark file is behind one mutex, taken only on the slow paths (1 Hz timestamp, errors, close);
//! - the activity timestamp comes from the epoch clock seam handed in, never read here.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use agrona::{Agent, AgentTermination, EpochClock};
use archive::{ArchiveFile, ArchiveStorage};
use cluster::cluster_mark_file::MARK_FILE_ERROR_BUFFER_MIN_LENGTH;
use cluster::{
    CLUSTER_MARK_FILE_NAME, ClusterComponentType, ClusterMarkFile, ClusterMember, MarkFileHeader,
    read_cluster_mark_file,
};
use sys::{FsArchiveFile, FsArchiveStorage};

/// How long a mark file counts as live after its last activity update (Aeron's 10 s).
pub const MARK_FILE_LIVENESS_TIMEOUT_MS: i64 = 10_000;
/// How often [`MarkFileAgent`] refreshes the activity timestamp (Aeron's 1 s).
pub const MARK_FILE_UPDATE_INTERVAL_NS: i64 = 1_000_000_000;
/// The file holding the static members string, next to the mark file.
pub const CLUSTER_MEMBERS_FILE_NAME: &str = "cluster-members.txt";
/// The file page size the mark file is aligned to.
const MARK_FILE_PAGE_SIZE: usize = 4096;

/// What the mark file header records about the node (Aeron `ConsensusModule.concludeMarkFile`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeMarkFileInfo {
    /// Cluster member id.
    pub member_id: i32,
    /// Cluster id.
    pub cluster_id: i32,
    /// The archive's control request stream id.
    pub archive_stream_id: i32,
    /// Consensus module → services stream id.
    pub service_stream_id: i32,
    /// Services → consensus module stream id.
    pub consensus_module_stream_id: i32,
    /// Ingress stream id.
    pub ingress_stream_id: i32,
    /// The media driver's directory (absolute), where tools find the CnC file.
    pub aeron_directory: String,
    /// The consensus module ⇄ services control channel.
    pub control_channel: String,
    /// The ingress channel.
    pub ingress_channel: String,
    /// The authenticator's name.
    pub authenticator: String,
    /// The services' cluster directory (absolute).
    pub services_cluster_dir: String,
}

/// Encodes `members` as Aeron's `aeron.cluster.members` string
/// (`id,ingress,consensus,log,catchup,archive[,archiveResponse[,egressResponse]]|...`).
pub fn members_string(members: &[ClusterMember]) -> String {
    members
        .iter()
        .map(|m| {
            let mut fields = vec![
                m.id.to_string(),
                m.ingress_endpoint.clone(),
                m.consensus_endpoint.clone(),
                m.log_endpoint.clone(),
                m.catchup_endpoint.clone(),
                m.archive_endpoint.clone(),
            ];
            if let Some(endpoint) = &m.archive_response_endpoint {
                fields.push(endpoint.clone());
                if let Some(endpoint) = &m.egress_response_endpoint {
                    fields.push(endpoint.clone());
                }
            }
            fields.join(",")
        })
        .collect::<Vec<_>>()
        .join("|")
}

type SharedMarkFile = Arc<Mutex<ClusterMarkFile<FsArchiveFile>>>;

/// The node's mark file, shared by the launcher, the [`MarkFileAgent`] and every
/// [`ErrorRecordingAgent`].
///
/// How to drive it: [`NodeMarkFile::create`] before starting agents, wrap each agent with
/// [`NodeMarkFile::recording_errors`], run [`NodeMarkFile::activity_agent`] on its own runner, call
/// [`NodeMarkFile::signal_ready`] once everything started (or [`NodeMarkFile::signal_failed_start`]),
/// and [`NodeMarkFile::signal_terminated`] on close. Errors writing the file are reported to stderr,
/// never allowed to stop the node.
#[derive(Clone)]
pub struct NodeMarkFile {
    mark_file: SharedMarkFile,
    epoch_clock: Arc<dyn EpochClock>,
}

impl std::fmt::Debug for NodeMarkFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeMarkFile").finish_non_exhaustive()
    }
}

fn lock(mark_file: &SharedMarkFile) -> std::sync::MutexGuard<'_, ClusterMarkFile<FsArchiveFile>> {
    mark_file.lock().unwrap_or_else(PoisonError::into_inner)
}

impl NodeMarkFile {
    /// Creates (or takes over) `cluster-mark.dat` in `cluster_dir` for `info`, and writes
    /// `cluster-members.txt` from `members`. Refuses a live mark file whose process is alive. Returns
    /// the mark file and the previous owner's errors (as text lines, for the caller to log).
    pub fn create(
        cluster_dir: &Path,
        info: &NodeMarkFileInfo,
        members: &[ClusterMember],
        epoch_clock: Arc<dyn EpochClock>,
    ) -> Result<(Self, Vec<String>), String> {
        let storage = FsArchiveStorage::open(cluster_dir).map_err(|e| e.to_string())?;
        let now_ms = epoch_clock.time_ms();
        // A crashed owner never blocks a restart: only a live process can hold the file.
        let timeout_ms = match read_cluster_mark_file(&storage, CLUSTER_MARK_FILE_NAME) {
            Ok(existing) if !sys::is_process_alive(existing.header.pid) => 0,
            _ => MARK_FILE_LIVENESS_TIMEOUT_MS,
        };
        let mut header =
            MarkFileHeader::new(ClusterComponentType::ConsensusModule, MARK_FILE_ERROR_BUFFER_MIN_LENGTH);
        header.pid = sys::current_pid();
        header.member_id = info.member_id;
        header.cluster_id = info.cluster_id;
        header.archive_stream_id = info.archive_stream_id;
        header.service_stream_id = info.service_stream_id;
        header.consensus_module_stream_id = info.consensus_module_stream_id;
        header.ingress_stream_id = info.ingress_stream_id;
        header.aeron_directory = info.aeron_directory.clone();
        header.control_channel = info.control_channel.clone();
        header.ingress_channel = info.ingress_channel.clone();
        header.authenticator = info.authenticator.clone();
        header.services_cluster_dir = info.services_cluster_dir.clone();
        let (mark_file, previous_errors) = ClusterMarkFile::create(
            &storage,
            CLUSTER_MARK_FILE_NAME,
            header,
            MARK_FILE_PAGE_SIZE,
            now_ms,
            timeout_ms,
        )
        .map_err(|e| e.to_string())?;
        write_members(&storage, &members_string(members)).map_err(|e| e.to_string())?;
        let previous = previous_errors
            .into_iter()
            .map(|e| {
                format!(
                    "{} observations from {} to {} ms: {}",
                    e.observation_count,
                    e.first_observation_timestamp_ms,
                    e.last_observation_timestamp_ms,
                    e.text
                )
            })
            .collect();
        Ok((Self { mark_file: Arc::new(Mutex::new(mark_file)), epoch_clock }, previous))
    }

    /// Publishes start-up completion (activity timestamp, then the version).
    pub fn signal_ready(&self) {
        let now_ms = self.epoch_clock.time_ms();
        report(lock(&self.mark_file).signal_ready(now_ms));
    }

    /// Marks a failed start (version -1) after recording `reason` in the error log.
    pub fn signal_failed_start(&self, reason: &str) {
        self.record_error(reason);
        report(lock(&self.mark_file).signal_failed_start());
    }

    /// Marks a clean shutdown (activity -1): a successor need not wait for the liveness timeout.
    pub fn signal_terminated(&self) {
        report(lock(&self.mark_file).signal_terminated());
    }

    /// Records `text` in the error log (distinct errors are counted, not repeated).
    pub fn record_error(&self, text: &str) {
        let now_ms = self.epoch_clock.time_ms();
        report(lock(&self.mark_file).record_error(now_ms, text).map(|_| ()));
    }

    /// Refreshes the activity timestamp now.
    pub fn update_activity_timestamp(&self) {
        let now_ms = self.epoch_clock.time_ms();
        report(lock(&self.mark_file).update_activity_timestamp(now_ms));
    }

    /// The agent that refreshes the activity timestamp every [`MARK_FILE_UPDATE_INTERVAL_NS`].
    pub fn activity_agent(&self) -> MarkFileAgent {
        MarkFileAgent { mark_file: self.clone(), next_update_ns: None }
    }

    /// Wraps `agent` so that a fatal termination or a panic of it is recorded in the error log (the
    /// outcome itself is passed on unchanged).
    pub fn recording_errors(&self, agent: Box<dyn Agent>) -> Box<dyn Agent> {
        Box::new(ErrorRecordingAgent { agent, mark_file: self.clone() })
    }
}

fn report(result: Result<(), cluster::ClusterFileError>) {
    if let Err(error) = result {
        eprintln!("cluster mark file: {error}");
    }
}

fn write_members(storage: &FsArchiveStorage, members: &str) -> Result<(), archive::StorageError> {
    let mut file = if storage.exists(CLUSTER_MEMBERS_FILE_NAME)? {
        storage.open(CLUSTER_MEMBERS_FILE_NAME)?
    } else {
        storage.create(CLUSTER_MEMBERS_FILE_NAME)?
    };
    let text = format!("{members}\n");
    file.set_len(0)?;
    file.write_at(0, text.as_bytes())?;
    file.sync_all()
}

/// Keeps the mark file's activity timestamp fresh: run it on its own runner with a sleeping idle
/// strategy. Updates at its first duty cycle and then every [`MARK_FILE_UPDATE_INTERVAL_NS`].
#[derive(Debug)]
pub struct MarkFileAgent {
    mark_file: NodeMarkFile,
    next_update_ns: Option<i64>,
}

impl Agent for MarkFileAgent {
    fn role_name(&self) -> &str {
        "cluster-mark-file"
    }

    fn do_work(&mut self, now_ns: i64) -> Result<usize, AgentTermination> {
        if self.next_update_ns.is_some_and(|deadline| now_ns < deadline) {
            return Ok(0);
        }
        self.next_update_ns = Some(now_ns.saturating_add(MARK_FILE_UPDATE_INTERVAL_NS));
        self.mark_file.update_activity_timestamp();
        Ok(1)
    }
}

/// An agent whose failures (a `Fatal` termination or a panic) are recorded in the node's mark file
/// before being passed on to its runner.
pub struct ErrorRecordingAgent {
    agent: Box<dyn Agent>,
    mark_file: NodeMarkFile,
}

impl std::fmt::Debug for ErrorRecordingAgent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ErrorRecordingAgent").field("agent", &self.agent.role_name()).finish()
    }
}

impl ErrorRecordingAgent {
    fn observe<T>(
        &mut self,
        step: impl FnOnce(&mut dyn Agent) -> Result<T, AgentTermination>,
    ) -> Result<T, AgentTermination> {
        let agent = &mut self.agent;
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| step(agent.as_mut()))) {
            Ok(Err(AgentTermination::Fatal(reason))) => {
                self.mark_file.record_error(&format!("{}: {reason}", self.agent.role_name()));
                Err(AgentTermination::Fatal(reason))
            }
            Ok(result) => result,
            Err(payload) => {
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "non-string panic payload".to_owned());
                self.mark_file.record_error(&format!("{} panicked: {message}", self.agent.role_name()));
                std::panic::resume_unwind(payload)
            }
        }
    }
}

impl Agent for ErrorRecordingAgent {
    fn role_name(&self) -> &str {
        self.agent.role_name()
    }

    fn on_start(&mut self) -> Result<(), AgentTermination> {
        self.observe(|agent| agent.on_start())
    }

    fn do_work(&mut self, now_ns: i64) -> Result<usize, AgentTermination> {
        self.observe(|agent| agent.do_work(now_ns))
    }

    fn on_close(&mut self) {
        self.agent.on_close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agrona::ManualClock;

    struct FailingAgent(bool);

    impl Agent for FailingAgent {
        fn role_name(&self) -> &str {
            "failing"
        }
        fn do_work(&mut self, _now_ns: i64) -> Result<usize, AgentTermination> {
            if self.0 {
                panic!("boom");
            }
            Err(AgentTermination::Fatal("disk on fire".to_owned()))
        }
    }

    fn info(dir: &Path) -> NodeMarkFileInfo {
        NodeMarkFileInfo {
            member_id: 2,
            cluster_id: 7,
            archive_stream_id: 10,
            service_stream_id: 104,
            consensus_module_stream_id: 105,
            ingress_stream_id: 101,
            aeron_directory: dir.join("driver").display().to_string(),
            control_channel: "aeron:ipc?term-length=128k".to_owned(),
            ingress_channel: "aeron:udp".to_owned(),
            authenticator: "default".to_owned(),
            services_cluster_dir: dir.join("cluster").display().to_string(),
        }
    }

    #[test]
    fn header_errors_liveness_and_members() {
        let dir = tempfile::tempdir().unwrap();
        let cluster_dir = dir.path().join("cluster");
        let clock = Arc::new(ManualClock::new(1_000_000 * 1_000_000));
        let members = ClusterMember::parse("0,a:1,a:2,a:3,a:4,a:5|1,b:1,b:2,b:3,b:4,b:5").unwrap();
        let (mark_file, previous) =
            NodeMarkFile::create(&cluster_dir, &info(dir.path()), &members, clock.clone()).unwrap();
        assert!(previous.is_empty());
        mark_file.signal_ready();
        let mut agent = mark_file.recording_errors(Box::new(FailingAgent(false)));
        assert_eq!(agent.do_work(0), Err(AgentTermination::Fatal("disk on fire".to_owned())));
        let mut panicking = mark_file.recording_errors(Box::new(FailingAgent(true)));
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| panicking.do_work(0)));
        assert!(panicked.is_err(), "the panic is passed on");
        clock.set_ns(1_000_500 * 1_000_000);
        let mut activity = mark_file.activity_agent();
        assert_eq!(activity.do_work(5), Ok(1));
        assert_eq!(activity.do_work(6), Ok(0), "not again within the interval");

        let storage = FsArchiveStorage::open(&cluster_dir).unwrap();
        let contents = read_cluster_mark_file(&storage, CLUSTER_MARK_FILE_NAME).unwrap();
        assert_eq!(contents.header.pid, sys::current_pid());
        assert_eq!(contents.header.member_id, 2);
        assert_eq!(contents.header.cluster_id, 7);
        assert_eq!(contents.header.activity_timestamp_ms, 1_000_500);
        assert!(contents.header.version > 0, "ready");
        let texts: Vec<&str> = contents.errors.iter().map(|e| e.text.as_str()).collect();
        assert_eq!(texts, ["failing: disk on fire", "failing panicked: boom"]);
        let members_text = std::fs::read_to_string(cluster_dir.join(CLUSTER_MEMBERS_FILE_NAME)).unwrap();
        assert_eq!(members_text.trim(), "0,a:1,a:2,a:3,a:4,a:5|1,b:1,b:2,b:3,b:4,b:5");

        // A live owner in this (alive) process refuses a second node on the same directory...
        let second = NodeMarkFile::create(&cluster_dir, &info(dir.path()), &members, clock.clone());
        assert!(second.is_err(), "live mark file");
        // ...until it terminated; the previous errors are handed over.
        mark_file.signal_terminated();
        let (_again, previous) =
            NodeMarkFile::create(&cluster_dir, &info(dir.path()), &members, clock.clone()).unwrap();
        assert_eq!(previous.len(), 2, "{previous:?}");
    }
}
