//! [`ClientState`]: the lifecycle of a connected [`AeronCluster`](crate::AeronCluster) (Aeron
//! `AeronCluster.State`, reference §6.4).
//!
//! Invariants: `Closed` is terminal; `PendingClose` always becomes `Closed` on the next poll; the two
//! awaiting states carry a deadline after which the client closes itself.

/// Where a cluster client is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientState {
    /// Connected to a leader: offers go to its ingress.
    Connected,
    /// The leader was lost (egress image gone, or ingress not connected); waiting (bounded by the
    /// new-leader timeout) for a `NewLeaderEvent`.
    AwaitNewLeader,
    /// A new leader announced itself; waiting (bounded by the message timeout) for the first successful
    /// offer to its ingress.
    AwaitNewLeaderConnection,
    /// The cluster closed the session (or the ingress hit its maximum position); the next poll closes the
    /// client.
    PendingClose,
    /// Closed. Terminal.
    Closed,
}

impl ClientState {
    /// Aeron's ordinal of the state.
    pub fn code(self) -> i32 {
        match self {
            Self::Connected => 0,
            Self::AwaitNewLeader => 1,
            Self::AwaitNewLeaderConnection => 2,
            Self::PendingClose => 3,
            Self::Closed => 4,
        }
    }
}
