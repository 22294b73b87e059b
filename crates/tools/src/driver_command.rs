//! `fulmar driver`: a standalone media driver whose CnC file and log buffers live in a directory, for
//! clients in other processes (Aeron's `aeron.dir`).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::Args;
use driver::{DriverConductor, DriverContext};
use sys::{AgentRunner, DriverDirectory, ShutdownSignal, SystemEpochClock, SystemNanoClock};

use crate::bench::cli_parse::{parse_duration_ns, parse_size};

/// Arguments of `fulmar driver`.
#[derive(Debug, Args)]
pub struct DriverArgs {
    /// The driver directory (created; a stale one left by a dead driver is replaced).
    #[arg(long)]
    pub dir: PathBuf,
    /// Idle strategy of the conductor thread: backoff, sleep-ns, yield, spin, noop.
    #[arg(long, default_value = "backoff")]
    pub idle: String,
    /// How long a client may stay silent before the driver frees its resources (e.g. 10s, 500ms).
    #[arg(long, value_parser = parse_duration_ns)]
    pub client_liveness_timeout: Option<i64>,
    /// How long a publication with a claimed but uncommitted frame waits before the driver unblocks it.
    #[arg(long, value_parser = parse_duration_ns)]
    pub publication_unblock_timeout: Option<i64>,
    /// Default term length of IPC publications (e.g. 64k, 16m).
    #[arg(long, value_parser = parse_size)]
    pub ipc_term_length: Option<i64>,
    /// Keep the directory when the driver stops (it is deleted by default).
    #[arg(long)]
    pub keep_dir: bool,
}

/// Runs the driver until SIGINT/SIGTERM or a client's TERMINATE_DRIVER.
pub fn run(args: DriverArgs) -> anyhow::Result<()> {
    let directory = DriverDirectory::new(&args.dir);
    let store =
        directory.create_fresh().with_context(|| format!("driver directory {}", args.dir.display()))?;
    let mut context = DriverContext::new(Arc::new(store), Arc::new(SystemEpochClock))
        .with_pid(sys::current_pid())
        .with_session_id_seed(sys::entropy_seed());
    if let Some(timeout_ns) = args.client_liveness_timeout {
        context.client_liveness_timeout_ns = timeout_ns;
    }
    if let Some(timeout_ns) = args.publication_unblock_timeout {
        context.publication_unblock_timeout_ns = timeout_ns;
    }
    if let Some(length) = args.ipc_term_length {
        context.ipc_term_buffer_length = i32::try_from(length).context("--ipc-term-length too large")?;
    }
    context.validate().context("driver configuration")?;
    let conductor = DriverConductor::new(context).context("starting the driver conductor")?;
    let idle = sys::idle_strategy_from_alias(&args.idle)?;
    let signal = ShutdownSignal::install().context("installing signal handlers")?;
    let mut runner = AgentRunner::start(Box::new(conductor), idle, Arc::new(SystemNanoClock::new()))
        .context("starting the conductor thread")?;
    eprintln!("fulmar driver: running in {} (pid {})", args.dir.display(), sys::current_pid());
    while runner.is_running() && !signal.is_requested() {
        std::thread::sleep(Duration::from_millis(20));
    }
    runner.close();
    let exit = runner.join_result().map(|exit| exit.to_string()).unwrap_or_default();
    if !args.keep_dir {
        directory.remove_if_exists().context("removing the driver directory")?;
    }
    eprintln!("fulmar driver: stopped ({exit})");
    if let Some(exit) = runner.join_result()
        && exit.is_failure()
    {
        bail!("driver conductor failed: {exit}");
    }
    Ok(())
}
