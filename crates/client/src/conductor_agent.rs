//! [`ClientConductorAgent`]: the client conductor as an [`Agent`], for a runner thread
//! (`sys::AgentRunner`) or an [`agrona::AgentInvoker`].
//!
//! Invariants: a duty cycle never blocks on the conductor's mutex (it skips the cycle if a control-path
//! call holds it, which services the conductor itself); once the client is closed the agent reports
//! [`AgentTermination::Done`], and once it failed (driver timeout, client timeout, lapped) it reports
//! [`AgentTermination::Fatal`] with the reason.

use std::sync::Arc;

use agrona::{Agent, AgentTermination};

use crate::client_error::ClientError;
use crate::client_shared::ClientShared;

/// Runs one client's conductor duty cycle; obtained from [`crate::Aeron::conductor_agent`].
pub struct ClientConductorAgent {
    shared: Arc<ClientShared>,
}

impl std::fmt::Debug for ClientConductorAgent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConductorAgent").field("client_id", &self.shared.client_id).finish()
    }
}

impl ClientConductorAgent {
    pub(crate) fn new(shared: Arc<ClientShared>) -> Self {
        Self { shared }
    }
}

impl Agent for ClientConductorAgent {
    fn role_name(&self) -> &str {
        "aeron-client-conductor"
    }

    fn do_work(&mut self, now_ns: i64) -> Result<usize, AgentTermination> {
        let Some(mut conductor) = self.shared.try_lock_conductor() else {
            return Ok(0);
        };
        match conductor.service(now_ns) {
            Ok(work_count) => Ok(work_count),
            Err(ClientError::Closed) => Err(AgentTermination::Done),
            Err(error) => Err(AgentTermination::Fatal(error.to_string())),
        }
    }
}
