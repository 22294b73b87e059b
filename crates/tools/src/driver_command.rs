//! `fulmar driver`: a standalone media driver whose CnC file and log buffers live in a directory, for
//! clients in other processes (Aeron's `aeron.dir`).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::Args;
use driver::DriverContext;
use sys::{DriverDirectory, ShutdownSignal, SystemEpochClock};

use crate::driver_threads::{DriverThreads, ThreadingModeArg};

use crate::bench::cli_parse::{parse_duration_ns, parse_size};

/// Arguments of `fulmar driver`.
#[derive(Debug, Args)]
pub struct DriverArgs {
    /// The driver directory (created; a stale one left by a dead driver is replaced).
    #[arg(long)]
    pub dir: PathBuf,
    /// Idle strategy of the driver threads: backoff, sleep-ns, yield, spin, noop.
    #[arg(long, default_value = "backoff")]
    pub idle: String,
    /// How the conductor, sender and receiver share threads.
    #[arg(long, value_enum, default_value = "dedicated")]
    pub threading_mode: ThreadingModeArg,
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
    let signal = ShutdownSignal::install().context("installing signal handlers")?;
    let mut driver = DriverThreads::start(context, args.threading_mode, &args.idle)?;
    eprintln!("fulmar driver: running in {} (pid {})", args.dir.display(), sys::current_pid());
    while driver.is_running() && !signal.is_requested() {
        std::thread::sleep(Duration::from_millis(20));
    }
    let failure = driver.close();
    if !args.keep_dir {
        directory.remove_if_exists().context("removing the driver directory")?;
    }
    match failure {
        Some(failure) => bail!("driver failed: {failure}"),
        None => {
            eprintln!("fulmar driver: stopped");
            Ok(())
        }
    }
}
