//! [`NodePaths`]: where a node's files are, from the directory the operator named (the node directory
//! or its `cluster/` directory), and the mark file read through the archive storage seam.
//!
//! Invariant: resolving never creates a directory or a file.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, bail};
use cluster::cluster_mark_file::{MARK_FILE_VERSION_FAILED, MarkFileContents};
use cluster::node_state_file::NODE_STATE_FILE_NAME;
use cluster::{CLUSTER_MARK_FILE_NAME, RECORDING_LOG_FILE_NAME, read_cluster_mark_file};
use node::node_mark_file::MARK_FILE_LIVENESS_TIMEOUT_MS;
use sys::FsArchiveStorage;

/// The directories of one node.
#[derive(Debug, Clone)]
pub struct NodePaths {
    /// The node directory (`driver/`, `archive/`, `cluster/` inside).
    pub node_dir: PathBuf,
    /// The cluster directory (`recording.log`, `cluster-mark.dat`, ...).
    pub cluster_dir: PathBuf,
}

impl NodePaths {
    /// Resolves `dir`: a node directory (with a `cluster/` directory) or a cluster directory (with a
    /// mark file, recording log or node state file, or named `cluster`), whose parent is the node
    /// directory.
    pub fn resolve(dir: &Path) -> anyhow::Result<Self> {
        if !dir.is_dir() {
            bail!("{} does not exist or is not a directory", dir.display());
        }
        if dir.join("cluster").is_dir() {
            return Ok(Self { node_dir: dir.to_path_buf(), cluster_dir: dir.join("cluster") });
        }
        let looks_like_cluster_dir = [CLUSTER_MARK_FILE_NAME, RECORDING_LOG_FILE_NAME, NODE_STATE_FILE_NAME]
            .iter()
            .any(|name| dir.join(name).is_file())
            || dir.file_name().is_some_and(|name| name == "cluster");
        if looks_like_cluster_dir {
            let node_dir = dir.parent().map_or_else(|| PathBuf::from(".."), Path::to_path_buf);
            return Ok(Self { node_dir, cluster_dir: dir.to_path_buf() });
        }
        bail!("{} is neither a node directory (with cluster/) nor a cluster directory", dir.display())
    }

    /// The cluster directory as archive storage (it exists).
    pub fn storage(&self) -> anyhow::Result<FsArchiveStorage> {
        FsArchiveStorage::open(&self.cluster_dir)
            .with_context(|| format!("opening {}", self.cluster_dir.display()))
    }

    /// Path of a file in the cluster directory.
    pub fn cluster_file(&self, name: &str) -> PathBuf {
        self.cluster_dir.join(name)
    }

    /// The mark file; an error if it does not exist or cannot be decoded.
    pub fn mark_file(&self) -> anyhow::Result<MarkFileContents> {
        if !self.cluster_file(CLUSTER_MARK_FILE_NAME).is_file() {
            bail!("{CLUSTER_MARK_FILE_NAME} does not exist in {}.", self.cluster_dir.display());
        }
        let storage = self.storage()?;
        // The owner may be writing an error record at this moment: try again once.
        read_cluster_mark_file(&storage, CLUSTER_MARK_FILE_NAME)
            .or_else(|_| read_cluster_mark_file(&storage, CLUSTER_MARK_FILE_NAME))
            .with_context(|| format!("reading {}", self.cluster_file(CLUSTER_MARK_FILE_NAME).display()))
    }

    /// The driver directory: the mark file's `aeronDirectory` if it exists, else `<node>/driver`.
    pub fn driver_dir(&self, mark_file: Option<&MarkFileContents>) -> PathBuf {
        mark_file
            .map(|m| PathBuf::from(&m.header.aeron_directory))
            .filter(|dir| !dir.as_os_str().is_empty() && dir.is_dir())
            .unwrap_or_else(|| self.node_dir.join("driver"))
    }

    /// An error if a live node holds this directory (fresh activity timestamp and its process alive).
    pub fn ensure_no_live_node(&self) -> anyhow::Result<()> {
        if !self.cluster_file(CLUSTER_MARK_FILE_NAME).is_file() {
            return Ok(());
        }
        let Ok(contents) = self.mark_file() else { return Ok(()) };
        let header = &contents.header;
        if header.version != MARK_FILE_VERSION_FAILED
            && header.is_active(now_ms(), MARK_FILE_LIVENESS_TIMEOUT_MS)
            && sys::is_process_alive(header.pid)
        {
            bail!(
                "a node (pid {}) is running in {}: stop it before changing recording.log",
                header.pid,
                self.node_dir.display()
            );
        }
        Ok(())
    }
}

/// The wall clock in ms since the epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
