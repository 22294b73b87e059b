//! [`Sender`]: the driver's sender agent (Aeron `Sender`): sends every network publication's SETUP,
//! DATA, heartbeats and retransmits, and polls the send sockets for SMs, NAKs, ERRs and RTTMs.
//!
//! How to drive it: a [`crate::MediaDriver`] builds it; run it as an `agrona::Agent` (its own thread,
//! composed with the receiver, or inside one composite with the conductor).
//!
//! Each duty cycle: apply the conductor's commands, send on every endpoint, and every
//! `send_to_status_poll_ratio` cycles (or when nothing was sent) poll the control sockets; mirror the
//! publications' counters into the system counters on the control-poll cycles.
//!
//! Invariants: no locks and no allocation on the send path; the sender owns its sockets and sender
//! halves exclusively; a publication is dropped only on `RemovePublication`, which is acknowledged to
//! the conductor so that it frees the counters only afterwards.

use std::sync::mpsc::{Receiver, Sender as ChannelSender};

use agrona::{Agent, AgentTermination};

use crate::network_commands::{ConductorEvent, SenderCommand};
use crate::send_channel_endpoint::SendChannelEndpoint;
use crate::system_counters::{INVALID_PACKETS, STATUS_MESSAGES_RECEIVED, SystemCounters};

/// Control datagrams read per endpoint per poll.
const CONTROL_POLL_LIMIT: usize = 32;
/// Largest datagram read (a UDP datagram is at most 64 KiB).
const RECEIVE_BUFFER_LENGTH: usize = 64 * 1024;

/// The sender agent. See the module documentation.
pub struct Sender {
    commands: Receiver<SenderCommand>,
    events: ChannelSender<ConductorEvent>,
    endpoints: Vec<SendChannelEndpoint>,
    buffer: Vec<u8>,
    duty_cycle_count: usize,
    poll_ratio: usize,
    system_counters: SystemCounters,
}

impl Sender {
    pub(crate) fn new(
        commands: Receiver<SenderCommand>,
        events: ChannelSender<ConductorEvent>,
        poll_ratio: usize,
        system_counters: SystemCounters,
    ) -> Self {
        Self {
            commands,
            events,
            endpoints: Vec::new(),
            buffer: vec![0; RECEIVE_BUFFER_LENGTH],
            duty_cycle_count: 0,
            poll_ratio: poll_ratio.max(1),
            system_counters,
        }
    }

    /// The endpoints being served.
    pub fn endpoints(&self) -> &[SendChannelEndpoint] {
        &self.endpoints
    }

    fn publication_mut(&mut self, registration_id: i64) -> Option<&mut crate::SenderPublication> {
        self.endpoints
            .iter_mut()
            .flat_map(|e| e.publications.iter_mut())
            .find(|p| p.registration_id == registration_id)
    }

    fn process_commands(&mut self, now_ns: i64) -> usize {
        let mut work = 0;
        while let Ok(command) = self.commands.try_recv() {
            work += 1;
            match command {
                SenderCommand::AddEndpoint { endpoint_id, transport, is_dynamic_mdc } => {
                    self.endpoints.push(SendChannelEndpoint::new(endpoint_id, transport, is_dynamic_mdc));
                }
                SenderCommand::RemoveEndpoint { endpoint_id } => {
                    self.endpoints.retain(|e| e.endpoint_id != endpoint_id);
                }
                SenderCommand::AddPublication { endpoint_id, publication } => {
                    if let Some(endpoint) = self.endpoints.iter_mut().find(|e| e.endpoint_id == endpoint_id) {
                        endpoint.publications.push(*publication);
                    }
                }
                SenderCommand::ClosePublication { registration_id } => {
                    if let Some(publication) = self.publication_mut(registration_id) {
                        publication.close();
                    }
                }
                SenderCommand::RemovePublication { registration_id } => {
                    for endpoint in &mut self.endpoints {
                        if let Some(index) =
                            endpoint.publications.iter().position(|p| p.registration_id == registration_id)
                        {
                            let mut publication = endpoint.publications.swap_remove(index);
                            publication.mirror_counters();
                        }
                    }
                    // The conductor may be gone during shutdown: nothing left to free then.
                    let _ = self.events.send(ConductorEvent::PublicationRemoved { registration_id });
                }
                SenderCommand::AddDestination { registration_id, address, destination_registration_id } => {
                    if let Some(publication) = self.publication_mut(registration_id) {
                        publication.add_destination(address, destination_registration_id, now_ns);
                    }
                }
                SenderCommand::RemoveDestination { registration_id, address } => {
                    if let Some(publication) = self.publication_mut(registration_id) {
                        publication.remove_destination(address);
                    }
                }
                SenderCommand::AddSpy { registration_id, position } => {
                    if let Some(publication) = self.publication_mut(registration_id) {
                        publication.add_spy(position);
                    }
                }
                SenderCommand::RemoveSpy { registration_id, counter_id } => {
                    if let Some(publication) = self.publication_mut(registration_id) {
                        publication.remove_spy(counter_id);
                    }
                }
            }
        }
        work
    }
}

impl Agent for Sender {
    fn role_name(&self) -> &str {
        "sender"
    }

    fn do_work(&mut self, now_ns: i64) -> Result<usize, AgentTermination> {
        let mut work = self.process_commands(now_ns);
        let mut bytes_sent = 0;
        for endpoint in &mut self.endpoints {
            bytes_sent += endpoint.send(now_ns);
        }
        work += bytes_sent;
        self.duty_cycle_count += 1;
        if bytes_sent == 0 || self.duty_cycle_count >= self.poll_ratio {
            self.duty_cycle_count = 0;
            let mut invalid = 0;
            let mut foreign_status_messages = 0;
            for endpoint in &mut self.endpoints {
                let outcome = endpoint.poll_control(now_ns, &mut self.buffer, CONTROL_POLL_LIMIT);
                work += outcome.datagrams;
                invalid += outcome.invalid;
                foreign_status_messages += outcome.foreign_status_messages;
                for publication in &mut endpoint.publications {
                    publication.update_positions_and_limit();
                    publication.mirror_counters();
                }
            }
            if invalid > 0 {
                self.system_counters.get(INVALID_PACKETS).get_and_add_ordered(invalid as i64);
            }
            if foreign_status_messages > 0 {
                self.system_counters
                    .get(STATUS_MESSAGES_RECEIVED)
                    .get_and_add_ordered(foreign_status_messages as i64);
            }
        }
        Ok(work)
    }
}
