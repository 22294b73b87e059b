//! SIGTERM sets the shutdown flag instead of killing the process. Its own test binary with a single test:
//! signal handlers and the flag are process-wide, and a second signal would terminate the process.

use std::sync::atomic::Ordering;

use fulmar_sys::ShutdownSignal;

#[test]
fn sigterm_sets_the_process_wide_flag_and_keeps_the_process_alive() {
    let signal = ShutdownSignal::install().expect("install handlers");
    let again = ShutdownSignal::install().expect("second install is a new handle");
    assert!(!signal.is_requested());
    // SAFETY: raise only delivers SIGTERM to this thread, where the installed handler runs before raise
    // returns.
    let rc = unsafe { libc::raise(libc::SIGTERM) };
    assert_eq!(rc, 0);
    assert!(signal.is_requested(), "SIGTERM must set the flag");
    assert!(again.is_requested(), "every handle shares the flag");
    assert!(signal.flag().load(Ordering::Acquire));
    signal.request();
    assert!(signal.clone().is_requested());
}
