//! [`Receiver`]: the driver's receiver agent (Aeron `Receiver`, plus the image duties Aeron's conductor
//! does: rebuild tracking and the image life cycle, which need the image state the receiver owns).
//!
//! How to drive it: a [`crate::MediaDriver`] builds it; run it as an `agrona::Agent`.
//!
//! Each duty cycle: apply the conductor's commands; read the data sockets (bounded per socket) and
//! dispatch the datagrams, forwarding image requests to the conductor; track every image's rebuild
//! (loss scan, NAK timers, SM scheduling: Aeron's conductor does this on every duty cycle, so a gap's
//! NAK timer starts as soon as the datagram beyond it lands); when nothing was read, and at least every
//! [`SLOW_WORK_RATIO`] cycles, do the slow work (sending SMs and NAKs, liveness, pending setups, counter
//! mirrors); about every timer interval run the image life cycles.
//!
//! Invariants: no locks and no allocation on the receive path once warmed up; images move between the
//! dispatcher and the released list only on this thread; every image the conductor created ends with
//! exactly one `ImageDone` event (after an `ImageLinger` event), and the receiver stops touching its
//! counters before sending it.

use std::sync::mpsc::{Receiver as ChannelReceiver, Sender as ChannelSender};

use agrona::{Agent, AgentTermination};
use media::ImageState;

use crate::network_commands::{ConductorEvent, ReceiverCommand};
use crate::receive_channel_endpoint::ReceiveChannelEndpoint;
use crate::receiver_image::ReceiverImage;
use crate::system_counters::SystemCounters;

/// Datagrams read per socket per duty cycle.
const RECEIVE_LIMIT: usize = 32;
/// Slow work runs at least every this many duty cycles.
pub const SLOW_WORK_RATIO: usize = 10;
/// Largest datagram read.
const RECEIVE_BUFFER_LENGTH: usize = 64 * 1024;

/// The receiver agent. See the module documentation.
pub struct Receiver {
    commands: ChannelReceiver<ReceiverCommand>,
    events: ChannelSender<ConductorEvent>,
    endpoints: Vec<ReceiveChannelEndpoint>,
    released: Vec<ReceiverImage>,
    buffer: Vec<u8>,
    duty_cycle_count: usize,
    timer_interval_ns: i64,
    timer_deadline_ns: Option<i64>,
    system_counters: SystemCounters,
}

impl Receiver {
    pub(crate) fn new(
        commands: ChannelReceiver<ReceiverCommand>,
        events: ChannelSender<ConductorEvent>,
        timer_interval_ns: i64,
        system_counters: SystemCounters,
    ) -> Self {
        Self {
            commands,
            events,
            endpoints: Vec::new(),
            released: Vec::new(),
            buffer: vec![0; RECEIVE_BUFFER_LENGTH],
            duty_cycle_count: 0,
            timer_interval_ns,
            timer_deadline_ns: None,
            system_counters,
        }
    }

    /// The endpoints being served.
    pub fn endpoints(&self) -> &[ReceiveChannelEndpoint] {
        &self.endpoints
    }

    fn endpoint_mut(&mut self, endpoint_id: i64) -> Option<&mut ReceiveChannelEndpoint> {
        self.endpoints.iter_mut().find(|e| e.endpoint_id == endpoint_id)
    }

    fn image_mut(&mut self, correlation_id: i64) -> Option<&mut ReceiverImage> {
        self.endpoints
            .iter_mut()
            .flat_map(|e| e.images.iter_mut())
            .chain(self.released.iter_mut())
            .find(|image| image.correlation_id == correlation_id)
    }

    fn process_commands(&mut self, now_ns: i64) -> usize {
        let mut work = 0;
        while let Ok(command) = self.commands.try_recv() {
            work += 1;
            self.on_command(command, now_ns);
        }
        work
    }

    fn on_command(&mut self, command: ReceiverCommand, now_ns: i64) {
        match command {
            ReceiverCommand::AddEndpoint { endpoint } => self.endpoints.push(*endpoint),
            ReceiverCommand::RemoveEndpoint { endpoint_id } => {
                if let Some(index) = self.endpoints.iter().position(|e| e.endpoint_id == endpoint_id) {
                    let mut endpoint = self.endpoints.swap_remove(index);
                    endpoint.release_all(now_ns, &mut self.released);
                }
            }
            ReceiverCommand::AddSubscription { endpoint_id, stream_id, session_id } => {
                if let Some(endpoint) = self.endpoint_mut(endpoint_id) {
                    match session_id {
                        Some(session_id) => {
                            endpoint.dispatcher.add_session_subscription(stream_id, session_id)
                        }
                        None => endpoint.dispatcher.add_subscription(stream_id),
                    }
                }
            }
            ReceiverCommand::RemoveSubscription { endpoint_id, stream_id, session_id } => {
                let mut released = std::mem::take(&mut self.released);
                if let Some(endpoint) = self.endpoint_mut(endpoint_id) {
                    let removed = match session_id {
                        Some(session_id) => endpoint
                            .dispatcher
                            .remove_session_subscription(stream_id, session_id, now_ns)
                            .into_iter()
                            .collect(),
                        None => endpoint.dispatcher.remove_subscription(stream_id, now_ns),
                    };
                    for image in removed {
                        endpoint.release(image, &mut released);
                    }
                }
                self.released = released;
            }
            ReceiverCommand::AddImage { endpoint_id, image } => {
                let mut released = std::mem::take(&mut self.released);
                match self.endpoint_mut(endpoint_id) {
                    Some(endpoint) => endpoint.add_image(*image, now_ns, &mut released),
                    None => {
                        let mut image = *image;
                        if let Some(receiver) = image.receiver.as_mut() {
                            receiver.activate(now_ns);
                            receiver.deactivate(now_ns);
                        }
                        released.push(image);
                    }
                }
                self.released = released;
            }
            ReceiverCommand::CreateImageFailed { endpoint_id, stream_id, session_id } => {
                if let Some(endpoint) = self.endpoint_mut(endpoint_id) {
                    endpoint.dispatcher.remove_session_state(
                        stream_id,
                        session_id,
                        media::SessionState::InitInProgress,
                    );
                }
            }
            ReceiverCommand::AddSubscriber { image_correlation_id, position } => {
                if let Some(image) = self.image_mut(image_correlation_id) {
                    image.subscribers.push(position);
                }
            }
            ReceiverCommand::RemoveSubscriber { image_correlation_id, counter_id } => {
                if let Some(image) = self.image_mut(image_correlation_id) {
                    image.subscribers.retain(|p| p.id() != counter_id);
                }
            }
            ReceiverCommand::RemoveCoolDown { endpoint_id, stream_id, session_id } => {
                if let Some(endpoint) = self.endpoint_mut(endpoint_id) {
                    endpoint.dispatcher.remove_session_state(
                        stream_id,
                        session_id,
                        media::SessionState::OnCoolDown,
                    );
                }
            }
            ReceiverCommand::AddDestination { endpoint_id, transport, destination_registration_id } => {
                if let Some(endpoint) = self.endpoint_mut(endpoint_id) {
                    endpoint.add_destination(transport, destination_registration_id);
                }
            }
            ReceiverCommand::RemoveDestination { endpoint_id, destination_registration_id } => {
                if let Some(endpoint) = self.endpoint_mut(endpoint_id) {
                    endpoint.remove_destination(destination_registration_id);
                }
            }
        }
    }

    fn on_time_event(&mut self, now_ns: i64) -> usize {
        let mut work = 0;
        for endpoint in &mut self.endpoints {
            for aux in &endpoint.images {
                if let Some(image) = endpoint.dispatcher.image_mut(aux.stream_id, aux.session_id) {
                    image.on_time_event(now_ns, aux.subscriber_positions().map(|(min, _)| min));
                }
            }
        }
        let mut index = 0;
        while index < self.released.len() {
            let endpoint_id = self.released[index].endpoint_id;
            let image = &mut self.released[index];
            let state = match self.endpoints.iter_mut().find(|e| e.endpoint_id == endpoint_id) {
                Some(endpoint) => endpoint.with_sink(|sink| image.on_time_event(now_ns, Some(sink))),
                None => image.on_time_event(now_ns, None),
            };
            if matches!(state, ImageState::Linger | ImageState::Done) && !image.linger_reported {
                image.linger_reported = true;
                let _ =
                    self.events.send(ConductorEvent::ImageLinger { correlation_id: image.correlation_id });
                work += 1;
            }
            if state == ImageState::Done {
                let mut image = self.released.swap_remove(index);
                if let Some(receiver) = image.receiver.take() {
                    image.mirror_counters(&receiver, &self.system_counters);
                }
                let correlation_id = image.correlation_id;
                drop(image);
                let _ = self.events.send(ConductorEvent::ImageDone { correlation_id });
                work += 1;
                continue;
            }
            index += 1;
        }
        work
    }
}

impl Agent for Receiver {
    fn role_name(&self) -> &str {
        "receiver"
    }

    fn do_work(&mut self, now_ns: i64) -> Result<usize, AgentTermination> {
        let mut work = self.process_commands(now_ns);
        let mut datagrams = 0;
        let events = &self.events;
        for endpoint in &mut self.endpoints {
            let outcome = endpoint.poll(
                now_ns,
                &mut self.buffer,
                RECEIVE_LIMIT,
                &self.system_counters,
                &mut |endpoint_id, request| {
                    let _ = events.send(ConductorEvent::CreateImage { endpoint_id, request });
                },
            );
            datagrams += outcome.datagrams;
        }
        work += datagrams;
        for endpoint in &mut self.endpoints {
            work += endpoint.track_rebuilds(now_ns);
        }
        self.duty_cycle_count += 1;
        if datagrams == 0 || self.duty_cycle_count >= SLOW_WORK_RATIO {
            self.duty_cycle_count = 0;
            for endpoint in &mut self.endpoints {
                work += endpoint.slow_work(now_ns, &self.system_counters, &mut self.released);
            }
        }
        match self.timer_deadline_ns {
            Some(deadline) if now_ns - deadline < 0 => {}
            _ => {
                self.timer_deadline_ns = Some(now_ns + self.timer_interval_ns);
                work += self.on_time_event(now_ns);
            }
        }
        Ok(work)
    }
}
