//! [`Aeron`]: the client handle (Aeron `Aeron`): connects to a media driver through its CnC region and
//! adds publications, subscriptions and counters.
//!
//! The client talks to the driver only through shared memory in the [`agrona::MemoryStore`]: the CnC
//! region `cnc.dat` (to-driver ring buffer, to-clients broadcast buffer, counters, error log) and the log
//! buffers the driver names in its responses.
//!
//! Invariants:
//! - `Aeron` is `Send + Sync` and cheap to clone (clones share one client); the conductor sits behind a
//!   mutex that only control-path calls take, never offer or poll.
//! - Every blocking call is bounded by the driver timeout on the injected nano clock; with a
//!   `driver_agent_invoker` each wait iteration steps the embedded driver instead of idling.
//! - `close` (or dropping the last handle of every kind) sends `CLIENT_CLOSE` once; afterwards every
//!   call returns `ClientError::Closed`, publications return `OfferError::Closed`, images poll nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use agrona::{
    AtomicBuffer, CopyBroadcastReceiver, CountersReader, IdleStrategy, ManyToOneRingBuffer, MemoryError,
    MemoryStore, NanoClock,
};
use protocol::command::cnc::{CNC_FILE, CNC_VERSION_OFFSET, CncError, CncHeader, META_DATA_LENGTH};

use crate::client_conductor::{ClientConductor, ConductorParts, ImageHandler, PendingKind};
use crate::client_error::ClientError;
use crate::client_shared::{ClientShared, ReleaseQueue};
use crate::conductor_agent::ClientConductorAgent;
use crate::context::{Context, DriverAgentInvoker};
use crate::counter::Counter;
use crate::driver_proxy::DriverProxy;
use crate::exclusive_publication::ExclusivePublication;
use crate::publication::Publication;
use crate::subscription::Subscription;

/// The buffers of a mapped, validated CnC region.
struct CncRegion {
    to_driver: ManyToOneRingBuffer,
    to_clients: AtomicBuffer,
    counters_reader: CountersReader,
}

/// Opens `cnc.dat` if it exists and is ready: `Ok(None)` while it is missing or its version is still 0,
/// an error if it is foreign or corrupt.
fn open_cnc(store: &dyn MemoryStore) -> Result<Option<CncRegion>, ClientError> {
    let invalid = |reason: String| ClientError::CncInvalid { reason };
    let buffer = match store.open(CNC_FILE) {
        Ok(buffer) => buffer,
        Err(MemoryError::NotFound(_)) => return Ok(None),
        Err(error) => return Err(invalid(error.to_string())),
    };
    if buffer.capacity() < META_DATA_LENGTH {
        return Ok(None);
    }
    if buffer.get_i32_volatile(CNC_VERSION_OFFSET) == 0 {
        return Ok(None);
    }
    let mut header_bytes = [0u8; META_DATA_LENGTH];
    buffer.get_bytes(0, &mut header_bytes);
    let header = match CncHeader::decode(&header_bytes) {
        Ok(header) => header,
        Err(CncError::NotReady) => return Ok(None),
        Err(error) => return Err(invalid(error.to_string())),
    };
    header.check_region_length(buffer.capacity()).map_err(|e| invalid(e.to_string()))?;
    let layout = header.layout();
    for (name, offset) in [
        ("to-clients buffer", layout.to_clients_offset),
        ("counters metadata", layout.counters_metadata_offset),
        ("counters values", layout.counters_values_offset),
    ] {
        if offset % 8 != 0 {
            return Err(invalid(format!("{name} at offset {offset} is not 8-byte aligned")));
        }
    }
    let to_driver = ManyToOneRingBuffer::new(buffer.view(layout.to_driver_offset, layout.to_driver_length))
        .map_err(|e| invalid(format!("to-driver ring buffer: {e}")))?;
    let to_clients = buffer.view(layout.to_clients_offset, layout.to_clients_length);
    let counters_reader = CountersReader::new(
        buffer.view(layout.counters_metadata_offset, layout.counters_metadata_length),
        buffer.view(layout.counters_values_offset, layout.counters_values_length),
    );
    Ok(Some(CncRegion { to_driver, to_clients, counters_reader }))
}

/// Steps the embedded driver (if any), then idles.
fn wait_step(invoker: &mut Option<DriverAgentInvoker>, idle: &mut dyn IdleStrategy, now_ns: i64) {
    let work_count = invoker.as_mut().map_or(0, |invoke| invoke(now_ns));
    idle.idle(work_count);
}

/// A connected client. Clone it freely; all clones are one client.
///
/// Drive it by calling control-path methods from any thread and keeping its conductor running: either a
/// `sys::AgentRunner` thread over [`Aeron::conductor_agent`], or calls to [`Aeron::conductor_do_work`]
/// from the application's own loop (images only appear while the conductor runs; blocking calls run it
/// themselves while they wait).
#[derive(Clone)]
pub struct Aeron {
    shared: Arc<ClientShared>,
    to_driver: ManyToOneRingBuffer,
    counters_reader: CountersReader,
    nano_clock: Arc<dyn NanoClock>,
    closed: Arc<AtomicBool>,
}

impl std::fmt::Debug for Aeron {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Aeron")
            .field("client_id", &self.client_id())
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl Aeron {
    /// Connects to the driver whose CnC region is in `ctx`'s memory store: waits (bounded by the driver
    /// timeout) for `cnc.dat` to exist with a non-zero version, validates its version and layout, waits
    /// for a fresh driver heartbeat, then takes a client id from the ring buffer's correlation counter.
    ///
    /// Errors: `CncInvalid` for a foreign or corrupt region, `DriverTimeout` if no live driver appears.
    pub fn connect(ctx: Context) -> Result<Self, ClientError> {
        let Context {
            memory_store,
            nano_clock,
            epoch_clock,
            mut idle_strategy,
            driver_timeout_ns,
            keepalive_interval_ns,
            resource_linger_ns,
            mut driver_agent_invoker,
            error_handler,
            client_name: _,
        } = ctx;
        let driver_timeout_ms = driver_timeout_ns / 1_000_000;
        let deadline_ns = nano_clock.nano_time().wrapping_add(driver_timeout_ns);
        idle_strategy.reset();
        let region = loop {
            let now_ns = nano_clock.nano_time();
            let waiting_for = match open_cnc(memory_store.as_ref())? {
                None => "no CnC region (is a media driver running?)",
                Some(region) => {
                    let heartbeat_ms = region.to_driver.consumer_heartbeat_time();
                    if heartbeat_ms != 0
                        && heartbeat_ms >= epoch_clock.time_ms().saturating_sub(driver_timeout_ms)
                    {
                        break region;
                    }
                    "no driver heartbeat detected"
                }
            };
            if now_ns.wrapping_sub(deadline_ns) > 0 {
                return Err(ClientError::DriverTimeout {
                    reason: format!("{waiting_for} within {driver_timeout_ns} ns"),
                });
            }
            wait_step(&mut driver_agent_invoker, idle_strategy.as_mut(), now_ns);
        };
        let receiver = CopyBroadcastReceiver::new(region.to_clients)
            .map_err(|e| ClientError::CncInvalid { reason: format!("to-clients broadcast buffer: {e}") })?;
        let client_id = region.to_driver.next_correlation_id();
        let releases = Arc::new(ReleaseQueue::default());
        let closed = Arc::new(AtomicBool::new(false));
        let to_driver = region.to_driver.clone();
        let counters_reader = region.counters_reader.clone();
        let shared = Arc::new_cyclic(|weak| {
            let conductor = ClientConductor::new(ConductorParts {
                client: weak.clone(),
                client_id,
                memory_store,
                nano_clock: Arc::clone(&nano_clock),
                epoch_clock,
                idle_strategy,
                invoker: driver_agent_invoker,
                error_handler,
                driver_timeout_ns,
                keepalive_interval_ns,
                resource_linger_ns,
                proxy: DriverProxy::new(region.to_driver, client_id),
                receiver,
                counters_reader: region.counters_reader,
                releases: Arc::clone(&releases),
                closed: Arc::clone(&closed),
            });
            ClientShared::new(conductor, releases, client_id)
        });
        Ok(Self { shared, to_driver, counters_reader, nano_clock, closed })
    }

    /// This client's id (unique among the driver's clients).
    pub fn client_id(&self) -> i64 {
        self.shared.client_id
    }

    /// A fresh id from the driver's correlation counter, unique across all of the driver's clients.
    pub fn next_correlation_id(&self) -> i64 {
        self.to_driver.next_correlation_id()
    }

    /// A reader over the driver's counters (positions, limits, heartbeats...).
    pub fn counters_reader(&self) -> CountersReader {
        self.counters_reader.clone()
    }

    /// True once closed by [`Aeron::close`] or terminated (driver timeout, client timed out by the driver).
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Why the client stopped, once it has (`Closed` after [`Aeron::close`]).
    pub fn termination_reason(&self) -> Option<ClientError> {
        if !self.is_closed() {
            return None;
        }
        self.shared.lock_conductor().ok().and_then(|conductor| conductor.termination().cloned())
    }

    /// Adds a concurrent publication and waits for the driver (bounded by the driver timeout).
    ///
    /// Errors: `ChannelInvalid` (with the driver's message for a URI it refuses), `Registration`,
    /// `DriverTimeout`, `Closed`, `Reentrant`.
    pub fn add_publication(&self, channel: &str, stream_id: i32) -> Result<Publication, ClientError> {
        self.shared.lock_conductor()?.add_publication(channel, stream_id)
    }

    /// Adds an exclusive publication (its own session) and waits for the driver.
    pub fn add_exclusive_publication(
        &self,
        channel: &str,
        stream_id: i32,
    ) -> Result<ExclusivePublication, ClientError> {
        self.shared.lock_conductor()?.add_exclusive_publication(channel, stream_id)
    }

    /// Adds a subscription and waits for the driver.
    pub fn add_subscription(&self, channel: &str, stream_id: i32) -> Result<Subscription, ClientError> {
        self.shared.lock_conductor()?.add_subscription(channel, stream_id, None)
    }

    /// Adds a subscription whose image arrivals and departures are reported to the handlers (run on the
    /// conductor, before the subscription sees the change) and waits for the driver.
    pub fn add_subscription_with_handlers(
        &self,
        channel: &str,
        stream_id: i32,
        on_available: ImageHandler,
        on_unavailable: ImageHandler,
    ) -> Result<Subscription, ClientError> {
        self.shared.lock_conductor()?.add_subscription(
            channel,
            stream_id,
            Some((on_available, on_unavailable)),
        )
    }

    /// Sends `ADD_PUBLICATION` without waiting; returns the registration id to pass to
    /// [`Aeron::poll_publication`].
    pub fn async_add_publication(&self, channel: &str, stream_id: i32) -> Result<i64, ClientError> {
        self.shared.lock_conductor()?.send_add(PendingKind::Publication, channel, stream_id, None)
    }

    /// The publication of an [`Aeron::async_add_publication`]: `Ok(None)` while the driver has not
    /// answered, the driver's error if it refused, `DriverTimeout` after the driver timeout. Steps the
    /// embedded driver once and services the conductor.
    pub fn poll_publication(&self, registration_id: i64) -> Result<Option<Publication>, ClientError> {
        self.shared.lock_conductor()?.poll_publication(registration_id)
    }

    /// Sends `ADD_EXCLUSIVE_PUBLICATION` without waiting; see [`Aeron::poll_exclusive_publication`].
    pub fn async_add_exclusive_publication(&self, channel: &str, stream_id: i32) -> Result<i64, ClientError> {
        self.shared.lock_conductor()?.send_add(PendingKind::ExclusivePublication, channel, stream_id, None)
    }

    /// The exclusive publication of an [`Aeron::async_add_exclusive_publication`], once answered.
    pub fn poll_exclusive_publication(
        &self,
        registration_id: i64,
    ) -> Result<Option<ExclusivePublication>, ClientError> {
        self.shared.lock_conductor()?.poll_exclusive_publication(registration_id)
    }

    /// Sends `ADD_SUBSCRIPTION` without waiting; see [`Aeron::poll_subscription`].
    pub fn async_add_subscription(&self, channel: &str, stream_id: i32) -> Result<i64, ClientError> {
        self.shared.lock_conductor()?.send_add(PendingKind::Subscription, channel, stream_id, None)
    }

    /// Like [`Aeron::async_add_subscription`], with image handlers.
    pub fn async_add_subscription_with_handlers(
        &self,
        channel: &str,
        stream_id: i32,
        on_available: ImageHandler,
        on_unavailable: ImageHandler,
    ) -> Result<i64, ClientError> {
        self.shared.lock_conductor()?.send_add(
            PendingKind::Subscription,
            channel,
            stream_id,
            Some((on_available, on_unavailable)),
        )
    }

    /// The subscription of an [`Aeron::async_add_subscription`], once answered.
    pub fn poll_subscription(&self, registration_id: i64) -> Result<Option<Subscription>, ClientError> {
        self.shared.lock_conductor()?.poll_subscription(registration_id)
    }

    /// Allocates a counter in the driver's counters region (`ADD_COUNTER`) with `type_id`, `key` (at most
    /// `agrona::counters_descriptor::MAX_KEY_LENGTH` bytes) and `label` (at most `MAX_LABEL_LENGTH`
    /// bytes), and waits (bounded by the driver timeout) for `ON_COUNTER_READY`. The counter is owned by
    /// this client: the driver frees it when the counter is closed or the client closes or times out.
    ///
    /// Errors: `InvalidArgument` for a key or label too long, `Registration` if the driver refused it
    /// (e.g. no free counter), `DriverTimeout`, `Closed`, `Reentrant`.
    pub fn add_counter(&self, type_id: i32, key: &[u8], label: &str) -> Result<Counter, ClientError> {
        self.shared.lock_conductor()?.add_counter(type_id, key, label)
    }

    /// Sends `ADD_COUNTER` without waiting; returns the registration id to pass to
    /// [`Aeron::poll_counter`]. Same argument checks as [`Aeron::add_counter`].
    pub fn async_add_counter(&self, type_id: i32, key: &[u8], label: &str) -> Result<i64, ClientError> {
        self.shared.lock_conductor()?.send_add_counter(type_id, key, label)
    }

    /// The counter of an [`Aeron::async_add_counter`]: `Ok(None)` while the driver has not answered, the
    /// driver's error if it refused, `DriverTimeout` after the driver timeout. Steps the embedded driver
    /// once and services the conductor.
    pub fn poll_counter(&self, registration_id: i64) -> Result<Option<Counter>, ClientError> {
        self.shared.lock_conductor()?.poll_counter(registration_id)
    }

    /// One conductor duty cycle at `now_ns` (driver responses, image arrivals and departures, heartbeats,
    /// the driver-liveness check, deferred releases); returns the work done, 0 once closed or when
    /// called from inside a conductor callback. It does not step an embedded driver.
    pub fn conductor_do_work(&self, now_ns: i64) -> usize {
        match self.shared.lock_conductor() {
            Ok(mut conductor) => conductor.service(now_ns).unwrap_or(0),
            Err(_) => 0,
        }
    }

    /// [`Aeron::conductor_do_work`] at the context's nano clock's current time.
    pub fn conductor_do_work_now(&self) -> usize {
        self.conductor_do_work(self.nano_clock.nano_time())
    }

    /// An [`agrona::Agent`] running this client's conductor, for a runner thread. It skips a cycle
    /// while a control-path call holds the conductor, and terminates once the client is closed. The
    /// agent holds the client: call [`Aeron::close`] (or stop the runner) to end the client.
    pub fn conductor_agent(&self) -> ClientConductorAgent {
        ClientConductorAgent::new(Arc::clone(&self.shared))
    }

    /// Closes the client: closes all its publications, subscriptions and images (running
    /// unavailable-image handlers) and sends `CLIENT_CLOSE`, after which the driver frees everything the
    /// client held. Idempotent. Does nothing when called from inside a conductor callback.
    pub fn close(&self) {
        if let Ok(mut conductor) = self.shared.lock_conductor() {
            conductor.close();
        }
    }
}
