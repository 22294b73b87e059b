//! [`ClientConductor`]: the client's control plane (Aeron `ClientConductor` + `DriverEventsAdapter`).
//!
//! It sends commands through the [`DriverProxy`], reads the driver's responses and events from the
//! to-clients broadcast buffer, turns them into publications, subscriptions and images, heart-beats to
//! the driver and watches the driver's liveness. It runs under the client's mutex: called by control-path
//! API calls (which wait for their response by servicing it in a loop) and by the conductor agent or
//! `Aeron::conductor_do_work`.
//!
//! Invariants:
//! - Nothing the driver writes can make it panic: undecodable messages, unknown ids, counter ids out of
//!   range and unusable log buffers are reported through the error handler and otherwise ignored.
//! - Every wait is bounded by `driver_timeout_ns` on the injected nano clock, and each iteration of a
//!   wait steps the embedded driver (if any) and services the broadcast buffer and timers.
//! - Once terminated (closed by the user, driver timeout, client timed out by the driver, broadcast
//!   lapped) every resource is closed, image handlers have seen their images go, and every later call
//!   returns the termination reason.
//! - The conductor never holds a strong reference to a handle that holds the client (no reference
//!   cycles): publications are tracked by weak reference or by their shared closed flag.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};

use agrona::counters_descriptor::{MAX_KEY_LENGTH, MAX_LABEL_LENGTH, RECORD_ALLOCATED};
use agrona::{
    AtomicCounter, BroadcastError, CopyBroadcastReceiver, CountersReader, EpochClock, IdleStrategy,
    MemoryStore, NanoClock,
};
use logbuffer::{ConcurrentPublicationWriter, ExclusivePublicationWriter, LogBuffer};
use protocol::command::{
    ClientTimeout, CounterUpdate, ErrorResponse, ImageBuffersReady, ImageMessage, OperationSucceeded,
    PublicationBuffersReady, SubscriptionReady, error_code, event,
};

use crate::client_error::ClientError;
use crate::client_shared::{CallbackGuard, ClientShared, Release, ReleaseQueue};
use crate::context::{DriverAgentInvoker, ErrorHandler};
use crate::counter::Counter;
use crate::driver_proxy::DriverProxy;
use crate::exclusive_publication::ExclusivePublication;
use crate::image::{Image, ImageIdentity};
use crate::publication::{Publication, PublicationIdentity, PublicationInner};
use crate::subscription::{ImageUpdate, Subscription, SubscriptionShared};

/// Aeron's counter type id of a client heartbeat timestamp (`AeronCounters.DRIVER_HEARTBEAT_TYPE_ID`).
pub const CLIENT_HEARTBEAT_TYPE_ID: i32 = 11;

/// The longest channel URI accepted (Aeron `ChannelUri` limit).
pub const MAX_CHANNEL_LENGTH: usize = 4095;

/// A handler called with an image when it becomes available or unavailable (runs on the conductor; must
/// not panic and must not call control-path methods of the client, which fail with `Reentrant`).
pub type ImageHandler = Box<dyn FnMut(&Image) + Send>;

/// What a pending registration is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PendingKind {
    Publication,
    ExclusivePublication,
    Subscription,
    /// A command answered by ON_OPERATION_SUCCESS (destinations).
    Operation,
    /// ADD_COUNTER, answered by ON_COUNTER_READY.
    Counter,
}

/// A registration answered by the driver, not yet handed to its caller.
enum Ready {
    Publication {
        writer: ConcurrentPublicationWriter,
        limit: AtomicCounter,
        identity: PublicationIdentity,
    },
    ExclusivePublication {
        writer: ExclusivePublicationWriter,
        limit: AtomicCounter,
        identity: PublicationIdentity,
        closed: Arc<AtomicBool>,
    },
    Subscription(Arc<SubscriptionShared>),
    Operation,
    Counter(AtomicCounter),
}

/// A command sent to the driver and waiting for its answer.
struct Pending {
    kind: PendingKind,
    channel: String,
    stream_id: i32,
    deadline_ns: i64,
    outcome: Option<Result<Ready, ClientError>>,
}

/// Bookkeeping of a subscription on the conductor's side.
struct SubscriptionRecord {
    shared: Arc<SubscriptionShared>,
    images: Vec<Image>,
    on_available: Option<ImageHandler>,
    on_unavailable: Option<ImageHandler>,
}

/// A live resource of this client, by registration id.
enum Resource {
    Publication(Weak<PublicationInner>),
    ExclusivePublication(Arc<AtomicBool>),
    Subscription(SubscriptionRecord),
    /// A counter's closed flag (shared with its handle).
    Counter(Arc<AtomicBool>),
}

/// Everything the conductor needs at construction.
pub(crate) struct ConductorParts {
    pub(crate) client: Weak<ClientShared>,
    pub(crate) client_id: i64,
    pub(crate) memory_store: Arc<dyn MemoryStore>,
    pub(crate) nano_clock: Arc<dyn NanoClock>,
    pub(crate) epoch_clock: Arc<dyn EpochClock>,
    pub(crate) idle_strategy: Box<dyn IdleStrategy>,
    pub(crate) invoker: Option<DriverAgentInvoker>,
    pub(crate) error_handler: Option<ErrorHandler>,
    pub(crate) driver_timeout_ns: i64,
    pub(crate) keepalive_interval_ns: i64,
    pub(crate) resource_linger_ns: i64,
    pub(crate) proxy: DriverProxy,
    pub(crate) receiver: CopyBroadcastReceiver,
    pub(crate) counters_reader: CountersReader,
    pub(crate) releases: Arc<ReleaseQueue>,
    pub(crate) closed: Arc<AtomicBool>,
}

/// The client's control plane; see the module docs.
pub(crate) struct ClientConductor {
    receiver: CopyBroadcastReceiver,
    core: ConductorCore,
}

/// The conductor without its broadcast receiver (so the receiver can borrow it while delivering).
struct ConductorCore {
    client: Weak<ClientShared>,
    client_id: i64,
    memory_store: Arc<dyn MemoryStore>,
    nano_clock: Arc<dyn NanoClock>,
    epoch_clock: Arc<dyn EpochClock>,
    idle_strategy: Box<dyn IdleStrategy>,
    invoker: Option<DriverAgentInvoker>,
    error_handler: Option<ErrorHandler>,
    driver_timeout_ns: i64,
    keepalive_interval_ns: i64,
    resource_linger_ns: i64,
    proxy: DriverProxy,
    counters_reader: CountersReader,
    releases: Arc<ReleaseQueue>,
    closed: Arc<AtomicBool>,
    pending: HashMap<i64, Pending>,
    resources: HashMap<i64, Resource>,
    lingering: Vec<(i64, Image)>,
    heartbeat: Option<AtomicCounter>,
    time_of_last_keepalive_ns: i64,
    now_ns: i64,
    terminated: Option<ClientError>,
}

impl ClientConductor {
    pub(crate) fn new(parts: ConductorParts) -> Self {
        let now_ns = parts.nano_clock.nano_time();
        Self {
            receiver: parts.receiver,
            core: ConductorCore {
                client: parts.client,
                client_id: parts.client_id,
                memory_store: parts.memory_store,
                nano_clock: parts.nano_clock,
                epoch_clock: parts.epoch_clock,
                idle_strategy: parts.idle_strategy,
                invoker: parts.invoker,
                error_handler: parts.error_handler,
                driver_timeout_ns: parts.driver_timeout_ns,
                keepalive_interval_ns: parts.keepalive_interval_ns,
                resource_linger_ns: parts.resource_linger_ns,
                proxy: parts.proxy,
                counters_reader: parts.counters_reader,
                releases: parts.releases,
                closed: parts.closed,
                pending: HashMap::new(),
                resources: HashMap::new(),
                lingering: Vec::new(),
                heartbeat: None,
                // Heartbeat on the first duty cycle.
                time_of_last_keepalive_ns: now_ns.wrapping_sub(parts.keepalive_interval_ns),
                now_ns,
                terminated: None,
            },
        }
    }

    /// One duty cycle at `now_ns`: driver events, timers, release requests, lingering resources.
    /// Returns the work done, or the termination reason once the client is closed or failed.
    pub(crate) fn service(&mut self, now_ns: i64) -> Result<usize, ClientError> {
        if let Some(reason) = &self.core.terminated {
            return Err(reason.clone());
        }
        self.core.now_ns = now_ns;
        let core = &mut self.core;
        let mut work_count =
            match self.receiver.receive(|msg_type_id, message| core.on_driver_event(msg_type_id, message)) {
                Ok(count) => count,
                Err(BroadcastError::Lapped) => {
                    core.terminate(ClientError::BroadcastLapped);
                    1
                }
                Err(other) => {
                    core.report(ClientError::DriverProtocol { reason: other.to_string() });
                    1
                }
            };
        work_count += self.core.check_timeouts(now_ns);
        work_count += self.core.process_releases();
        work_count += self.core.expire_lingering(now_ns);
        match &self.core.terminated {
            Some(reason) => Err(reason.clone()),
            None => Ok(work_count),
        }
    }

    /// Sends queued release requests (called when a handle closes and the conductor was free).
    pub(crate) fn process_releases(&mut self) {
        self.core.process_releases();
    }

    /// The reader over the driver's counters.
    pub(crate) fn counters_reader(&self) -> &CountersReader {
        &self.core.counters_reader
    }

    /// The termination reason, if terminated.
    pub(crate) fn termination(&self) -> Option<&ClientError> {
        self.core.terminated.as_ref()
    }

    /// Closes the client: closes every resource (running unavailable-image handlers) and sends
    /// `CLIENT_CLOSE`. Idempotent; a client terminated by a failure does not send it.
    pub(crate) fn close(&mut self) {
        if self.core.terminated.is_some() {
            return;
        }
        self.core.process_releases();
        self.core.force_close_resources();
        // Best effort: the driver also times the client out if this cannot be written.
        let _ = self.core.proxy.client_close();
        self.core.terminated = Some(ClientError::Closed);
        self.core.closed.store(true, Ordering::Release);
    }

    fn check_channel(channel: &str) -> Result<(), ClientError> {
        if channel.is_empty() {
            return Err(ClientError::ChannelInvalid { message: "empty channel URI".to_owned() });
        }
        if channel.len() > MAX_CHANNEL_LENGTH {
            return Err(ClientError::ChannelInvalid {
                message: format!("channel URI of {} bytes exceeds {MAX_CHANNEL_LENGTH}", channel.len()),
            });
        }
        Ok(())
    }

    fn ensure_active(&self) -> Result<(), ClientError> {
        match &self.core.terminated {
            Some(reason) => Err(reason.clone()),
            None => Ok(()),
        }
    }

    /// Sends an add command and records it as pending; returns its correlation id.
    pub(crate) fn send_add(
        &mut self,
        kind: PendingKind,
        channel: &str,
        stream_id: i32,
        handlers: Option<(ImageHandler, ImageHandler)>,
    ) -> Result<i64, ClientError> {
        self.ensure_active()?;
        Self::check_channel(channel)?;
        let core = &mut self.core;
        let correlation_id = match kind {
            PendingKind::Publication => core.proxy.add_publication(channel, stream_id, false)?,
            PendingKind::ExclusivePublication => core.proxy.add_publication(channel, stream_id, true)?,
            PendingKind::Subscription => {
                let correlation_id = core.proxy.add_subscription(channel, stream_id)?;
                let (on_available, on_unavailable) = match handlers {
                    Some((available, unavailable)) => (Some(available), Some(unavailable)),
                    None => (None, None),
                };
                let shared = Arc::new(SubscriptionShared::new(correlation_id, channel.to_owned(), stream_id));
                core.resources.insert(
                    correlation_id,
                    Resource::Subscription(SubscriptionRecord {
                        shared,
                        images: Vec::new(),
                        on_available,
                        on_unavailable,
                    }),
                );
                correlation_id
            }
            PendingKind::Operation | PendingKind::Counter => {
                return Err(ClientError::CommandFailed { reason: "not an add command".to_owned() });
            }
        };
        let deadline_ns = core.nano_clock.nano_time().wrapping_add(core.driver_timeout_ns);
        core.pending.insert(
            correlation_id,
            Pending { kind, channel: channel.to_owned(), stream_id, deadline_ns, outcome: None },
        );
        Ok(correlation_id)
    }

    /// Waits (bounded by the driver timeout) for the answer to `correlation_id`, stepping the embedded
    /// driver and servicing the conductor in every iteration.
    fn await_ready(&mut self, correlation_id: i64, kind: PendingKind) -> Result<Ready, ClientError> {
        let deadline_ns = self.core.nano_clock.nano_time().wrapping_add(self.core.driver_timeout_ns);
        self.core.idle_strategy.reset();
        loop {
            let now_ns = self.core.nano_clock.nano_time();
            let mut work_count = 0;
            if let Some(invoker) = self.core.invoker.as_mut() {
                work_count += invoker(now_ns);
            }
            work_count += self.service(now_ns)?;
            if let Some(ready) = self.core.take_ready(correlation_id, kind, false)? {
                return Ok(ready);
            }
            if now_ns.wrapping_sub(deadline_ns) > 0 {
                self.core.abandon(correlation_id);
                return Err(ClientError::DriverTimeout {
                    reason: format!("no response from the driver within {} ns", self.core.driver_timeout_ns),
                });
            }
            self.core.idle_strategy.idle(work_count);
        }
    }

    /// Checks once (stepping the embedded driver once) whether an asynchronous registration is answered.
    fn poll_ready(&mut self, correlation_id: i64, kind: PendingKind) -> Result<Option<Ready>, ClientError> {
        self.ensure_active()?;
        let now_ns = self.core.nano_clock.nano_time();
        if let Some(invoker) = self.core.invoker.as_mut() {
            invoker(now_ns);
        }
        self.service(now_ns)?;
        self.core.take_ready(correlation_id, kind, true)
    }

    /// Sends a destination command (`msg_type_id`) for resource `registration_id` and waits for
    /// ON_OPERATION_SUCCESS (or the driver's error).
    pub(crate) fn destination_command(
        &mut self,
        msg_type_id: i32,
        registration_id: i64,
        channel: &str,
    ) -> Result<(), ClientError> {
        self.ensure_active()?;
        Self::check_channel(channel)?;
        let core = &mut self.core;
        let correlation_id = core.proxy.destination(msg_type_id, registration_id, channel)?;
        let deadline_ns = core.nano_clock.nano_time().wrapping_add(core.driver_timeout_ns);
        core.pending.insert(
            correlation_id,
            Pending {
                kind: PendingKind::Operation,
                channel: channel.to_owned(),
                stream_id: 0,
                deadline_ns,
                outcome: None,
            },
        );
        self.await_ready(correlation_id, PendingKind::Operation).map(|_| ())
    }

    /// Adds a concurrent publication and waits for it.
    pub(crate) fn add_publication(
        &mut self,
        channel: &str,
        stream_id: i32,
    ) -> Result<Publication, ClientError> {
        let correlation_id = self.send_add(PendingKind::Publication, channel, stream_id, None)?;
        let ready = self.await_ready(correlation_id, PendingKind::Publication)?;
        self.core.make_publication(correlation_id, ready)
    }

    /// Adds an exclusive publication and waits for it.
    pub(crate) fn add_exclusive_publication(
        &mut self,
        channel: &str,
        stream_id: i32,
    ) -> Result<ExclusivePublication, ClientError> {
        let correlation_id = self.send_add(PendingKind::ExclusivePublication, channel, stream_id, None)?;
        let ready = self.await_ready(correlation_id, PendingKind::ExclusivePublication)?;
        self.core.make_exclusive_publication(ready)
    }

    /// Adds a subscription (optionally with image handlers) and waits for it.
    pub(crate) fn add_subscription(
        &mut self,
        channel: &str,
        stream_id: i32,
        handlers: Option<(ImageHandler, ImageHandler)>,
    ) -> Result<Subscription, ClientError> {
        let correlation_id = self.send_add(PendingKind::Subscription, channel, stream_id, handlers)?;
        let ready = self.await_ready(correlation_id, PendingKind::Subscription)?;
        self.core.make_subscription(ready)
    }

    /// The concurrent publication of an asynchronous add, once answered.
    pub(crate) fn poll_publication(
        &mut self,
        correlation_id: i64,
    ) -> Result<Option<Publication>, ClientError> {
        match self.poll_ready(correlation_id, PendingKind::Publication)? {
            Some(ready) => self.core.make_publication(correlation_id, ready).map(Some),
            None => Ok(None),
        }
    }

    /// The exclusive publication of an asynchronous add, once answered.
    pub(crate) fn poll_exclusive_publication(
        &mut self,
        correlation_id: i64,
    ) -> Result<Option<ExclusivePublication>, ClientError> {
        match self.poll_ready(correlation_id, PendingKind::ExclusivePublication)? {
            Some(ready) => self.core.make_exclusive_publication(ready).map(Some),
            None => Ok(None),
        }
    }

    /// The subscription of an asynchronous add, once answered.
    pub(crate) fn poll_subscription(
        &mut self,
        correlation_id: i64,
    ) -> Result<Option<Subscription>, ClientError> {
        match self.poll_ready(correlation_id, PendingKind::Subscription)? {
            Some(ready) => self.core.make_subscription(ready).map(Some),
            None => Ok(None),
        }
    }
}

impl ClientConductor {
    /// Sends ADD_COUNTER after checking the key and label lengths; records it as pending and returns
    /// its correlation id (the counter's registration id).
    pub(crate) fn send_add_counter(
        &mut self,
        type_id: i32,
        key: &[u8],
        label: &str,
    ) -> Result<i64, ClientError> {
        self.ensure_active()?;
        if key.len() > MAX_KEY_LENGTH {
            return Err(ClientError::InvalidArgument {
                reason: format!("counter key of {} bytes exceeds {MAX_KEY_LENGTH}", key.len()),
            });
        }
        if label.len() > MAX_LABEL_LENGTH {
            return Err(ClientError::InvalidArgument {
                reason: format!("counter label of {} bytes exceeds {MAX_LABEL_LENGTH}", label.len()),
            });
        }
        let core = &mut self.core;
        let correlation_id = core.proxy.add_counter(type_id, key, label)?;
        let deadline_ns = core.nano_clock.nano_time().wrapping_add(core.driver_timeout_ns);
        core.pending.insert(
            correlation_id,
            Pending {
                kind: PendingKind::Counter,
                channel: String::new(),
                stream_id: 0,
                deadline_ns,
                outcome: None,
            },
        );
        Ok(correlation_id)
    }

    /// Adds a counter and waits for the driver.
    pub(crate) fn add_counter(
        &mut self,
        type_id: i32,
        key: &[u8],
        label: &str,
    ) -> Result<Counter, ClientError> {
        let correlation_id = self.send_add_counter(type_id, key, label)?;
        let ready = self.await_ready(correlation_id, PendingKind::Counter)?;
        self.core.make_counter(correlation_id, ready)
    }

    /// The counter of an asynchronous add, once answered.
    pub(crate) fn poll_counter(&mut self, correlation_id: i64) -> Result<Option<Counter>, ClientError> {
        match self.poll_ready(correlation_id, PendingKind::Counter)? {
            Some(ready) => self.core.make_counter(correlation_id, ready).map(Some),
            None => Ok(None),
        }
    }
}

impl ConductorCore {
    fn report(&mut self, error: ClientError) {
        if let Some(handler) = self.error_handler.as_mut() {
            let _guard = CallbackGuard::enter();
            handler(&error);
        }
    }

    fn terminate(&mut self, reason: ClientError) {
        if self.terminated.is_some() {
            return;
        }
        self.force_close_resources();
        self.terminated = Some(reason.clone());
        self.closed.store(true, Ordering::Release);
        self.report(reason);
    }

    /// Closes every resource without telling the driver, running unavailable-image handlers.
    fn force_close_resources(&mut self) {
        self.pending.clear();
        let resources: Vec<Resource> = self.resources.drain().map(|(_, resource)| resource).collect();
        for resource in resources {
            match resource {
                Resource::Publication(weak) => {
                    if let Some(inner) = weak.upgrade() {
                        inner.force_close();
                    }
                }
                Resource::ExclusivePublication(closed) | Resource::Counter(closed) => {
                    closed.store(true, Ordering::Release);
                }
                Resource::Subscription(mut record) => {
                    record.shared.mark_closed();
                    record.shared.clear_updates();
                    Self::close_images(&mut record);
                }
            }
        }
        self.lingering.clear();
    }

    /// Closes a subscription's images and runs its unavailable handler for each.
    fn close_images(record: &mut SubscriptionRecord) -> Vec<Image> {
        let images = std::mem::take(&mut record.images);
        for image in &images {
            image.close();
        }
        if let Some(handler) = record.on_unavailable.as_mut() {
            let _guard = CallbackGuard::enter();
            for image in &images {
                handler(image);
            }
        }
        images
    }

    fn process_releases(&mut self) -> usize {
        let releases = self.releases.take();
        if self.terminated.is_some() {
            return 0;
        }
        let work_count = releases.len();
        for release in releases {
            match release {
                Release::Publication { registration_id } => {
                    if self.resources.remove(&registration_id).is_some()
                        && let Err(error) = self.proxy.remove_publication(registration_id)
                    {
                        self.report(error);
                    }
                }
                Release::Counter { registration_id } => {
                    if self.resources.remove(&registration_id).is_some()
                        && let Err(error) = self.proxy.remove_counter(registration_id)
                    {
                        self.report(error);
                    }
                }
                Release::Subscription { registration_id } => {
                    if let Some(Resource::Subscription(mut record)) = self.resources.remove(&registration_id)
                    {
                        let images = Self::close_images(&mut record);
                        let deadline_ns = self.now_ns.wrapping_add(self.resource_linger_ns);
                        self.lingering.extend(images.into_iter().map(|image| (deadline_ns, image)));
                        if let Err(error) = self.proxy.remove_subscription(registration_id) {
                            self.report(error);
                        }
                    }
                }
            }
        }
        work_count
    }

    fn expire_lingering(&mut self, now_ns: i64) -> usize {
        let before = self.lingering.len();
        self.lingering.retain(|(deadline_ns, _)| now_ns.wrapping_sub(*deadline_ns) < 0);
        before - self.lingering.len()
    }

    /// Heart-beats and checks the driver's liveness every keepalive interval.
    fn check_timeouts(&mut self, now_ns: i64) -> usize {
        if now_ns.wrapping_sub(self.time_of_last_keepalive_ns.wrapping_add(self.keepalive_interval_ns)) < 0 {
            return 0;
        }
        self.time_of_last_keepalive_ns = now_ns;
        let now_ms = self.epoch_clock.time_ms();
        let last_driver_keepalive_ms = self.proxy.time_of_last_driver_keepalive_ms();
        let driver_timeout_ms = self.driver_timeout_ns / 1_000_000;
        if now_ms > last_driver_keepalive_ms.saturating_add(driver_timeout_ms) {
            let reason = if last_driver_keepalive_ms <= 0 {
                "the media driver has shut down".to_owned()
            } else {
                format!(
                    "driver keepalive age {} ms > timeout {driver_timeout_ms} ms",
                    now_ms.saturating_sub(last_driver_keepalive_ms)
                )
            };
            self.terminate(ClientError::DriverTimeout { reason });
            return 1;
        }
        match &self.heartbeat {
            Some(counter) => {
                if !self.is_heartbeat_counter(counter.id()) {
                    let reason = format!("heartbeat counter {} was closed by the driver", counter.id());
                    self.terminate(ClientError::ClientTimeout { reason });
                    return 1;
                }
                counter.set_ordered(now_ms);
            }
            None => {
                if let Some(counter) = self.find_heartbeat_counter() {
                    counter.set_ordered(now_ms);
                    self.heartbeat = Some(counter);
                }
            }
        }
        if let Err(error) = self.proxy.client_keepalive() {
            self.report(error);
        }
        1
    }

    /// True if `counter_id` is this client's heartbeat counter (allocated, type 11, keyed by the client id).
    fn is_heartbeat_counter(&self, counter_id: i32) -> bool {
        let reader = &self.counters_reader;
        if reader.counter_state(counter_id) != RECORD_ALLOCATED
            || reader.counter_type_id(counter_id) != CLIENT_HEARTBEAT_TYPE_ID
        {
            return false;
        }
        let key = reader.counter_key(counter_id);
        let key_matches = key.get(..8).and_then(|bytes| bytes.try_into().ok()).map(i64::from_le_bytes)
            == Some(self.client_id);
        key_matches || reader.counter_registration_id(counter_id) == self.client_id
    }

    fn find_heartbeat_counter(&self) -> Option<AtomicCounter> {
        let reader = &self.counters_reader;
        (0..=reader.max_counter_id())
            .find(|&id| self.is_heartbeat_counter(id))
            .and_then(|id| reader.try_counter(id))
    }

    /// Takes the answer to `correlation_id` if it has arrived (checking the kind and, for asynchronous
    /// adds, the deadline).
    fn take_ready(
        &mut self,
        correlation_id: i64,
        kind: PendingKind,
        check_deadline: bool,
    ) -> Result<Option<Ready>, ClientError> {
        let Some(pending) = self.pending.get(&correlation_id) else {
            return Err(match &self.terminated {
                Some(reason) => reason.clone(),
                None => ClientError::UnknownRegistration(correlation_id),
            });
        };
        if pending.kind != kind {
            return Err(ClientError::UnknownRegistration(correlation_id));
        }
        if pending.outcome.is_none() {
            if check_deadline && self.now_ns.wrapping_sub(pending.deadline_ns) > 0 {
                self.abandon(correlation_id);
                return Err(ClientError::DriverTimeout {
                    reason: format!("no response from the driver within {} ns", self.driver_timeout_ns),
                });
            }
            return Ok(None);
        }
        match self.pending.remove(&correlation_id).and_then(|pending| pending.outcome) {
            Some(outcome) => outcome.map(Some),
            None => Ok(None),
        }
    }

    /// Gives up on a pending registration: forgets it and asks the driver to undo it if it ever happens.
    fn abandon(&mut self, correlation_id: i64) {
        let Some(pending) = self.pending.remove(&correlation_id) else {
            return;
        };
        let result = match pending.kind {
            PendingKind::Publication | PendingKind::ExclusivePublication => {
                self.resources.remove(&correlation_id);
                self.proxy.remove_publication(correlation_id)
            }
            PendingKind::Subscription => {
                if let Some(Resource::Subscription(record)) = self.resources.remove(&correlation_id) {
                    record.shared.mark_closed();
                }
                self.proxy.remove_subscription(correlation_id)
            }
            PendingKind::Counter => self.proxy.remove_counter(correlation_id),
            PendingKind::Operation => Ok(0),
        };
        if let Err(error) = result {
            self.report(error);
        }
    }

    fn client(&self) -> Result<Arc<ClientShared>, ClientError> {
        self.client.upgrade().ok_or(ClientError::Closed)
    }

    fn make_publication(&mut self, correlation_id: i64, ready: Ready) -> Result<Publication, ClientError> {
        let Ready::Publication { writer, limit, identity } = ready else {
            return Err(ClientError::UnknownRegistration(correlation_id));
        };
        let publication = Publication::new(writer, limit, identity, self.client()?);
        self.resources.insert(correlation_id, Resource::Publication(publication.downgrade()));
        Ok(publication)
    }

    fn make_counter(&mut self, correlation_id: i64, ready: Ready) -> Result<Counter, ClientError> {
        let Ready::Counter(counter) = ready else {
            return Err(ClientError::DriverProtocol { reason: "expected a counter".to_owned() });
        };
        let closed = Arc::new(AtomicBool::new(false));
        let counter = Counter::new(counter, correlation_id, Arc::clone(&closed), self.client()?);
        self.resources.insert(correlation_id, Resource::Counter(closed));
        Ok(counter)
    }

    fn make_exclusive_publication(&mut self, ready: Ready) -> Result<ExclusivePublication, ClientError> {
        let Ready::ExclusivePublication { writer, limit, identity, closed } = ready else {
            return Err(ClientError::DriverProtocol {
                reason: "expected an exclusive publication".to_owned(),
            });
        };
        Ok(ExclusivePublication::new(writer, limit, identity, closed, self.client()?))
    }

    fn make_subscription(&mut self, ready: Ready) -> Result<Subscription, ClientError> {
        let Ready::Subscription(shared) = ready else {
            return Err(ClientError::DriverProtocol { reason: "expected a subscription".to_owned() });
        };
        Ok(Subscription::new(shared, self.client()?))
    }

    fn open_log(&self, log_file_name: &str) -> Result<LogBuffer, ClientError> {
        let invalid =
            |reason: String| ClientError::LogBufferInvalid { name: log_file_name.to_owned(), reason };
        let buffer = self.memory_store.open(log_file_name).map_err(|e| invalid(e.to_string()))?;
        LogBuffer::wrap(buffer).map_err(|e| invalid(e.to_string()))
    }

    fn counter(&self, counter_id: i32) -> Result<AtomicCounter, ClientError> {
        self.counters_reader.try_counter(counter_id).ok_or(ClientError::CounterInvalid {
            counter_id,
            max_counter_id: self.counters_reader.max_counter_id(),
        })
    }

    /// Dispatches one message from the broadcast buffer.
    fn on_driver_event(&mut self, msg_type_id: i32, message: &[u8]) {
        let result = match msg_type_id {
            event::ON_ERROR => ErrorResponse::decode(message).map(|m| self.on_error(&m)),
            event::ON_PUBLICATION_READY => {
                PublicationBuffersReady::decode(message).map(|m| self.on_publication_ready(&m, false))
            }
            event::ON_EXCLUSIVE_PUBLICATION_READY => {
                PublicationBuffersReady::decode(message).map(|m| self.on_publication_ready(&m, true))
            }
            event::ON_SUBSCRIPTION_READY => {
                SubscriptionReady::decode(message).map(|m| self.on_subscription_ready(&m))
            }
            event::ON_AVAILABLE_IMAGE => {
                ImageBuffersReady::decode(message).map(|m| self.on_available_image(&m))
            }
            event::ON_UNAVAILABLE_IMAGE => {
                ImageMessage::decode(message).map(|m| self.on_unavailable_image(&m))
            }
            event::ON_OPERATION_SUCCESS => {
                OperationSucceeded::decode(message).map(|m| self.on_operation_succeeded(m.correlation_id))
            }
            event::ON_COUNTER_READY => CounterUpdate::decode(message).map(|m| self.on_counter_ready(&m)),
            event::ON_UNAVAILABLE_COUNTER => {
                CounterUpdate::decode(message).map(|m| self.on_unavailable_counter(&m))
            }
            event::ON_CLIENT_TIMEOUT => ClientTimeout::decode(message).map(|m| {
                if m.client_id == self.client_id {
                    self.terminate(ClientError::ClientTimeout {
                        reason: "the driver reported a client timeout".to_owned(),
                    });
                }
            }),
            // Operation successes (of removals), counters and anything newer: not used by this client.
            _ => Ok(()),
        };
        if let Err(error) = result {
            self.report(ClientError::DriverProtocol {
                reason: format!("undecodable driver message type {msg_type_id:#x}: {error}"),
            });
        }
    }

    fn on_operation_succeeded(&mut self, correlation_id: i64) {
        if let Some(pending) = self.pending.get_mut(&correlation_id)
            && pending.kind == PendingKind::Operation
            && pending.outcome.is_none()
        {
            pending.outcome = Some(Ok(Ready::Operation));
        }
    }

    fn on_counter_ready(&mut self, message: &CounterUpdate) {
        let correlation_id = message.correlation_id;
        let Some(pending) = self.pending.get(&correlation_id) else {
            return;
        };
        if pending.outcome.is_some() || pending.kind != PendingKind::Counter {
            return;
        }
        let outcome = self.counter(message.counter_id).map(Ready::Counter);
        if let Some(pending) = self.pending.get_mut(&correlation_id) {
            pending.outcome = Some(outcome);
        }
    }

    /// The driver freed a counter (removed, or its owner timed out): a counter of this client is closed.
    fn on_unavailable_counter(&mut self, message: &CounterUpdate) {
        if let Some(Resource::Counter(_)) = self.resources.get(&message.correlation_id)
            && let Some(Resource::Counter(closed)) = self.resources.remove(&message.correlation_id)
        {
            closed.store(true, Ordering::Release);
        }
    }

    fn on_error(&mut self, message: &ErrorResponse<'_>) {
        let correlation_id = message.offending_command_correlation_id;
        let Some(pending) = self.pending.get_mut(&correlation_id) else {
            return;
        };
        if pending.outcome.is_some() {
            return;
        }
        let error = if message.error_code == error_code::INVALID_CHANNEL {
            ClientError::ChannelInvalid { message: message.error_message.to_owned() }
        } else {
            ClientError::Registration {
                correlation_id,
                code: message.error_code,
                message: message.error_message.to_owned(),
            }
        };
        pending.outcome = Some(Err(error));
        if pending.kind == PendingKind::Subscription
            && let Some(Resource::Subscription(record)) = self.resources.remove(&correlation_id)
        {
            record.shared.mark_closed();
        }
    }

    fn on_publication_ready(&mut self, message: &PublicationBuffersReady<'_>, exclusive: bool) {
        let correlation_id = message.correlation_id;
        let Some(pending) = self.pending.get(&correlation_id) else {
            return;
        };
        let expected = if exclusive { PendingKind::ExclusivePublication } else { PendingKind::Publication };
        if pending.outcome.is_some() || pending.kind != expected {
            return;
        }
        let identity = PublicationIdentity {
            channel: pending.channel.clone(),
            stream_id: pending.stream_id,
            session_id: message.session_id,
            registration_id: correlation_id,
            original_registration_id: message.registration_id,
            channel_status_id: message.channel_status_indicator_id,
        };
        let outcome = self.open_publication(message, identity, exclusive);
        if let Ok(Ready::ExclusivePublication { closed, .. }) = &outcome {
            self.resources.insert(correlation_id, Resource::ExclusivePublication(Arc::clone(closed)));
        }
        if let Some(pending) = self.pending.get_mut(&correlation_id) {
            pending.outcome = Some(outcome);
        }
    }

    fn open_publication(
        &self,
        message: &PublicationBuffersReady<'_>,
        identity: PublicationIdentity,
        exclusive: bool,
    ) -> Result<Ready, ClientError> {
        let log = self.open_log(message.log_file_name)?;
        let limit = self.counter(message.publication_limit_counter_id)?;
        if log.session_id() != message.session_id || log.stream_id() != message.stream_id {
            return Err(ClientError::LogBufferInvalid {
                name: message.log_file_name.to_owned(),
                reason: format!(
                    "log is for session {} stream {}, driver announced session {} stream {}",
                    log.session_id(),
                    log.stream_id(),
                    message.session_id,
                    message.stream_id
                ),
            });
        }
        Ok(if exclusive {
            Ready::ExclusivePublication {
                writer: ExclusivePublicationWriter::new(log),
                limit,
                identity,
                closed: Arc::new(AtomicBool::new(false)),
            }
        } else {
            Ready::Publication { writer: ConcurrentPublicationWriter::new(log), limit, identity }
        })
    }

    fn on_subscription_ready(&mut self, message: &SubscriptionReady) {
        let correlation_id = message.correlation_id;
        let Some(pending) = self.pending.get(&correlation_id) else {
            return;
        };
        if pending.outcome.is_some() || pending.kind != PendingKind::Subscription {
            return;
        }
        let Some(Resource::Subscription(record)) = self.resources.get(&correlation_id) else {
            return;
        };
        record.shared.set_channel_status_id(message.channel_status_indicator_id);
        let ready = Ready::Subscription(Arc::clone(&record.shared));
        if let Some(pending) = self.pending.get_mut(&correlation_id) {
            pending.outcome = Some(Ok(ready));
        }
    }

    fn on_available_image(&mut self, message: &ImageBuffersReady<'_>) {
        let subscription_registration_id = message.subscription_registration_id;
        match self.resources.get(&subscription_registration_id) {
            Some(Resource::Subscription(record))
                if !record.images.iter().any(|image| image.correlation_id() == message.correlation_id) => {}
            _ => return,
        }
        let image = match self.open_log(message.log_file_name).and_then(|log| {
            let position = self.counter(message.subscriber_position_id)?;
            Ok(Image::new(
                log,
                position,
                ImageIdentity {
                    session_id: message.session_id,
                    correlation_id: message.correlation_id,
                    subscription_registration_id,
                    source_identity: message.source_identity.to_owned(),
                    log_file_name: message.log_file_name.to_owned(),
                },
            ))
        }) {
            Ok(image) => image,
            Err(error) => {
                self.report(error);
                return;
            }
        };
        let Some(Resource::Subscription(record)) = self.resources.get_mut(&subscription_registration_id)
        else {
            return;
        };
        record.images.push(image.clone());
        if let Some(handler) = record.on_available.as_mut() {
            let _guard = CallbackGuard::enter();
            handler(&image);
        }
        record.shared.push_update(ImageUpdate::Add(Box::new(image)));
    }

    fn on_unavailable_image(&mut self, message: &ImageMessage<'_>) {
        let Some(Resource::Subscription(record)) =
            self.resources.get_mut(&message.subscription_registration_id)
        else {
            return;
        };
        let Some(index) =
            record.images.iter().position(|image| image.correlation_id() == message.correlation_id)
        else {
            return;
        };
        let image = record.images.swap_remove(index);
        image.close();
        record.shared.push_update(ImageUpdate::Remove(message.correlation_id));
        if let Some(handler) = record.on_unavailable.as_mut() {
            let _guard = CallbackGuard::enter();
            handler(&image);
        }
        let deadline_ns = self.now_ns.wrapping_add(self.resource_linger_ns);
        self.lingering.push((deadline_ns, image));
    }
}
