//! [`Role`]: a cluster node's role, as carried in `JoinLog.role` and the "Cluster node role" counter.
//!
//! Invariant: the codes are Aeron's (`Cluster.Role` ordinals); unknown codes are reported, not invented.

/// A node's role (`Cluster.Role`, "Cluster node role" counter type 201).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Follower (code 0).
    Follower,
    /// Candidate (code 1).
    Candidate,
    /// Leader (code 2).
    Leader,
}

impl Role {
    /// Aeron's code for the role counter and `JoinLog.role`.
    pub const fn code(self) -> i32 {
        self as i32
    }

    /// The role for an Aeron code, or `None` for a code Aeron does not define.
    pub const fn from_code(code: i32) -> Option<Role> {
        match code {
            0 => Some(Role::Follower),
            1 => Some(Role::Candidate),
            2 => Some(Role::Leader),
            _ => None,
        }
    }
}
