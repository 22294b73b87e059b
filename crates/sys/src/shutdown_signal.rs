//! [`ShutdownSignal`]: turns SIGINT and SIGTERM into a flag that a main loop polls, so a driver or node
//! shuts down gracefully (closing its agents, removing files) instead of dying mid-write.
//!
//! Signals are process-wide, and so is this flag: the first [`ShutdownSignal::install`] registers the
//! handlers for the rest of the process's life, and every handle reads the same flag. Behaviour once
//! installed:
//! - the first SIGINT or SIGTERM sets the flag ([`ShutdownSignal::is_requested`]); the process keeps
//!   running;
//! - a SIGINT or SIGTERM that arrives when the flag is already set runs the signal's default action (the
//!   process is terminated), so a stuck shutdown can still be interrupted with a second Ctrl-C.
//!
//! The handlers only load and store atomics (async-signal-safe). The flag is never cleared.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::flag;

/// The process-wide flag, created (and the handlers registered) by the first successful `install`.
static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
/// Serialises installation so that the handlers are registered exactly once.
static INSTALL: Mutex<()> = Mutex::new(());

/// A handle on the process-wide shutdown flag set by SIGINT or SIGTERM. Clones share the flag.
///
/// How to drive it: install at the top of `main`, then poll [`ShutdownSignal::is_requested`] in the main
/// loop (or hand [`ShutdownSignal::flag`] to whoever polls) and shut down when it turns true.
#[derive(Debug, Clone)]
pub struct ShutdownSignal {
    requested: Arc<AtomicBool>,
}

impl ShutdownSignal {
    /// Installs the SIGINT and SIGTERM handlers (once per process; later calls return another handle on
    /// the same flag). Fails if the OS refuses a handler.
    pub fn install() -> io::Result<ShutdownSignal> {
        let _guard = INSTALL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(requested) = FLAG.get() {
            return Ok(ShutdownSignal { requested: Arc::clone(requested) });
        }
        let requested = Arc::new(AtomicBool::new(false));
        for signal in [SIGINT, SIGTERM] {
            // Order matters: actions run in registration order, so the "already requested" check sees
            // the flag as it was before this signal set it.
            flag::register_conditional_default(signal, Arc::clone(&requested))?;
            flag::register(signal, Arc::clone(&requested))?;
        }
        let requested = Arc::clone(FLAG.get_or_init(|| requested));
        Ok(ShutdownSignal { requested })
    }

    /// True once SIGINT or SIGTERM arrived (or [`ShutdownSignal::request`] was called).
    pub fn is_requested(&self) -> bool {
        self.requested.load(Ordering::Acquire)
    }

    /// Sets the flag as a signal would (a programmatic shutdown). A later signal then terminates the
    /// process at once.
    pub fn request(&self) {
        self.requested.store(true, Ordering::Release);
    }

    /// The shared flag itself, for a component that polls it on another thread.
    pub fn flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.requested)
    }
}
