//! [`ConnectState`]: the steps of the connect handshake (Aeron `AeronCluster.AsyncConnect.State`,
//! reference §6.2).
//!
//! Invariant: the steps only move forward, except that a `Challenge` returns from `PollResponse` to
//! `SendMessage` and a `REDIRECT` returns to `AwaitPublicationConnected`.

/// A step of [`AsyncClusterConnect`](crate::AsyncClusterConnect).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectState {
    /// Adding the egress subscription.
    CreateEgressSubscription,
    /// Adding the ingress publication (without endpoints).
    CreateIngressPublications,
    /// Waiting for an ingress publication to connect (with endpoints: one per member, the first wins).
    AwaitPublicationConnected,
    /// Offering the connect request or the challenge response.
    SendMessage,
    /// Polling egress for the answer with the request's correlation id.
    PollResponse,
    /// Building the client.
    ConcludeConnect,
    /// Done: the client was handed out.
    Done,
}

impl ConnectState {
    /// Aeron's step number (-1 to 5).
    pub fn step(self) -> i32 {
        match self {
            Self::CreateEgressSubscription => -1,
            Self::CreateIngressPublications => 0,
            Self::AwaitPublicationConnected => 1,
            Self::SendMessage => 2,
            Self::PollResponse => 3,
            Self::ConcludeConnect => 4,
            Self::Done => 5,
        }
    }
}
