//! [`MediaDriver`]: assembles the driver's agents (conductor, sender, receiver) and hands them out for a
//! [`ThreadingMode`] (Aeron `MediaDriver` and `ThreadingMode`). Threads themselves belong to `sys`/tools:
//! this crate only builds the agents.
//!
//! How to run one: `MediaDriver::launch(ctx)?.into_agents(mode)`, then run each agent on its own
//! `AgentRunner` (Dedicated: 3 agents; SharedNetwork: conductor + sender/receiver composite; Shared and
//! Invoker: one composite, the latter for an `AgentInvoker` or a client's `driver_agent_invoker`).
//!
//! Invariants: without a transport factory in the context, only the conductor does work (the sender and
//! receiver are idle) and UDP channels are refused with NOT_SUPPORTED; the conductor talks to the sender
//! and receiver only through command queues and shared counters.

use std::sync::mpsc;

use agrona::{Agent, CompositeAgent, CountersReader};

use crate::driver_conductor::{DriverConductor, NetworkState};
use crate::driver_context::DriverContext;
use crate::driver_error::DriverError;
use crate::receiver::Receiver;
use crate::sender::Sender;

/// How the driver's agents share threads (Aeron `ThreadingMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadingMode {
    /// Conductor, sender and receiver each on their own thread (3 agents).
    Dedicated,
    /// The conductor on one thread, the sender and receiver on another (2 agents).
    SharedNetwork,
    /// Everything on one thread (1 composite agent).
    Shared,
    /// Everything in one composite agent driven by the application (an `AgentInvoker`).
    Invoker,
}

/// The three agents of a driver, before they are handed to threads.
pub struct MediaDriver {
    conductor: DriverConductor,
    sender: Sender,
    receiver: Receiver,
}

impl MediaDriver {
    /// Validates `ctx`, creates the CnC region and builds the conductor, sender and receiver wired together
    /// by command queues.
    pub fn launch(ctx: DriverContext) -> Result<Self, DriverError> {
        let (to_sender, sender_commands) = mpsc::channel();
        let (to_receiver, receiver_commands) = mpsc::channel();
        let (events_tx, events_rx) = mpsc::channel();
        let network = ctx
            .transport_factory
            .clone()
            .map(|factory| NetworkState::new(factory, to_sender, to_receiver, events_rx, ctx.network_seed));
        let timer_interval_ns = ctx.timer_interval_ns;
        let poll_ratio = ctx.send_to_status_poll_ratio;
        let conductor = DriverConductor::with_network(ctx, network)?;
        let system_counters = conductor.system_counters().clone();
        let sender = Sender::new(sender_commands, events_tx.clone(), poll_ratio, system_counters.clone());
        let receiver = Receiver::new(receiver_commands, events_tx, timer_interval_ns, system_counters);
        Ok(Self { conductor, sender, receiver })
    }

    /// The conductor (CnC, counters, publications, subscriptions).
    pub fn conductor(&self) -> &DriverConductor {
        &self.conductor
    }

    /// A reader over the driver's counters (usable after the agents were handed out).
    pub fn counters_reader(&self) -> CountersReader {
        self.conductor.counters_reader()
    }

    /// The agents for `mode`, in the order: conductor first.
    pub fn into_agents(self, mode: ThreadingMode) -> Vec<Box<dyn Agent>> {
        let Self { conductor, sender, receiver } = self;
        match mode {
            ThreadingMode::Dedicated => vec![Box::new(conductor), Box::new(sender), Box::new(receiver)],
            ThreadingMode::SharedNetwork => vec![
                Box::new(conductor),
                Box::new(CompositeAgent::new(vec![Box::new(sender), Box::new(receiver)])),
            ],
            ThreadingMode::Shared | ThreadingMode::Invoker => vec![Box::new(CompositeAgent::new(vec![
                Box::new(conductor),
                Box::new(sender),
                Box::new(receiver),
            ]))],
        }
    }

    /// The three agents themselves (for tests that step them one by one).
    pub fn into_parts(self) -> (DriverConductor, Sender, Receiver) {
        (self.conductor, self.sender, self.receiver)
    }
}
