//! Process identity and liveness, for the pid in `cnc.dat` and for stale-directory checks.
//!
//! Invariant: [`is_process_alive`] never signals anything: it uses `kill(pid, 0)`, which only checks
//! that the process exists and could be signalled.

use std::io;

/// The pid of this process, as Aeron stores it (`i64`).
pub fn current_pid() -> i64 {
    i64::from(std::process::id())
}

/// True if a process with this pid exists (`kill(pid, 0)` succeeds, or fails with `EPERM`: it exists
/// but belongs to another user).
///
/// A pid that is not positive or does not fit `pid_t` is never alive: `kill(0, ..)` and negative pids
/// name process groups, not processes. A zombie (exited, not yet reaped by its parent) still counts as
/// alive, and so does an unrelated process that reused the pid.
pub fn is_process_alive(pid: i64) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 performs the existence and permission checks only; no signal is sent.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive() {
        assert!(current_pid() > 0);
        assert!(is_process_alive(current_pid()));
    }

    #[test]
    fn a_reaped_child_is_dead() {
        let mut child = std::process::Command::new("true").spawn().expect("spawn `true`");
        let pid = i64::from(child.id());
        let status = child.wait().expect("wait for `true`");
        assert!(status.success());
        assert!(!is_process_alive(pid), "a reaped child must not be alive");
    }

    #[test]
    fn group_and_out_of_range_pids_are_never_alive() {
        assert!(!is_process_alive(0));
        assert!(!is_process_alive(-1));
        assert!(!is_process_alive(i64::MAX));
    }

    #[test]
    fn init_is_alive_even_without_permission() {
        // pid 1 always exists; unprivileged callers get EPERM, which still means alive.
        assert!(is_process_alive(1));
    }
}
