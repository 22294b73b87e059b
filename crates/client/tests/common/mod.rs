//! Shared helpers for the integration tests: an embedded driver stepped on the test's thread through the
//! client's `driver_agent_invoker` on a `ManualClock` (style a), and a driver plus client conductor on
//! `sys::AgentRunner` threads with back-off idling and real clocks (style b).

#![allow(dead_code, clippy::disallowed_methods)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use agrona::{Agent, HeapMemoryStore, ManualClock, NanoClock};
use driver::{DriverConductor, DriverContext};
use fulmar_client::{Aeron, Context};
use sys::{AgentRunner, BackoffIdleStrategy, SystemEpochClock, SystemNanoClock};

/// Where manual clocks start (a driver heartbeat of 0 ms would read as "no driver").
pub const START_NS: i64 = 1_000_000_000_000;
/// How far the clock moves per step of the embedded driver.
pub const STEP_NS: i64 = 1_000_000;

/// A driver conductor stepped on the caller's thread, on a manual clock shared with its clients.
pub struct Embedded {
    pub clock: ManualClock,
    pub store: HeapMemoryStore,
    pub driver: Arc<Mutex<DriverConductor>>,
}

impl Embedded {
    /// A driver with `DriverContext::test_min()` settings.
    pub fn new() -> Self {
        Self::with(|ctx| ctx)
    }

    /// A driver with `test_min()` settings adjusted by `configure`.
    pub fn with(configure: impl FnOnce(DriverContext) -> DriverContext) -> Self {
        let clock = ManualClock::new(START_NS);
        let store = HeapMemoryStore::new();
        let ctx = DriverContext::test_min()
            .with_memory_store(Arc::new(store.clone()))
            .with_epoch_clock(Arc::new(clock.clone()));
        let driver = DriverConductor::new(configure(ctx)).expect("driver starts");
        Self { clock, store, driver: Arc::new(Mutex::new(driver)) }
    }

    pub fn now_ns(&self) -> i64 {
        self.clock.nano_time()
    }

    /// A client context whose every blocking wait steps the driver (and moves the clock one step).
    pub fn context(&self) -> Context {
        let driver = Arc::clone(&self.driver);
        let clock = self.clock.clone();
        Context::new(Arc::new(self.store.clone()), Arc::new(self.clock.clone()), Arc::new(self.clock.clone()))
            .driver_timeout_ns(2_000_000_000)
            .resource_linger_ns(10_000_000)
            .driver_agent_invoker(Box::new(move |_now_ns| {
                clock.advance_ns(STEP_NS);
                driver.lock().unwrap().do_work(clock.nano_time()).unwrap_or(0)
            }))
    }

    pub fn connect(&self) -> Aeron {
        Aeron::connect(self.context()).expect("client connects")
    }

    /// Moves the clock one step and runs the driver once.
    pub fn step_driver(&self) -> usize {
        self.clock.advance_ns(STEP_NS);
        self.driver.lock().unwrap().do_work(self.clock.nano_time()).unwrap_or(0)
    }

    /// Moves the clock one step and runs the driver and then each client's conductor once.
    pub fn step(&self, clients: &[&Aeron]) {
        self.step_driver();
        for client in clients {
            client.conductor_do_work(self.clock.nano_time());
        }
    }

    /// Steps for `duration_ns` of manual time.
    pub fn run_for(&self, duration_ns: i64, clients: &[&Aeron]) {
        for _ in 0..(duration_ns / STEP_NS).max(1) {
            self.step(clients);
        }
    }

    /// Steps until `done` holds; panics after `max_steps`.
    pub fn step_until(&self, clients: &[&Aeron], max_steps: usize, mut done: impl FnMut() -> bool) {
        for _ in 0..max_steps {
            if done() {
                return;
            }
            self.step(clients);
        }
        assert!(done(), "condition not reached within {max_steps} steps");
    }
}

/// A driver and a client conductor, each on its own `AgentRunner` thread with back-off idling.
pub struct Threaded {
    pub store: HeapMemoryStore,
    pub driver_runner: AgentRunner,
    pub client_runner: Option<AgentRunner>,
    pub aeron: Aeron,
}

impl Threaded {
    pub fn new() -> Self {
        let store = HeapMemoryStore::new();
        let mut ctx = DriverContext::test_min()
            .with_memory_store(Arc::new(store.clone()))
            .with_epoch_clock(Arc::new(SystemEpochClock::new()));
        // Real time on a loaded 2-core machine: be generous with liveness.
        ctx.client_liveness_timeout_ns = 10_000_000_000;
        let driver = DriverConductor::new(ctx).expect("driver starts");
        let driver_runner = AgentRunner::start(
            Box::new(driver) as Box<dyn Agent>,
            Box::new(BackoffIdleStrategy::default()),
            Arc::new(SystemNanoClock::new()),
        )
        .expect("driver thread");
        let aeron = Aeron::connect(Self::client_context(&store)).expect("client connects");
        let client_runner = AgentRunner::start(
            Box::new(aeron.conductor_agent()),
            Box::new(BackoffIdleStrategy::default()),
            Arc::new(SystemNanoClock::new()),
        )
        .expect("client conductor thread");
        Self { store, driver_runner, client_runner: Some(client_runner), aeron }
    }

    pub fn client_context(store: &HeapMemoryStore) -> Context {
        Context::new(
            Arc::new(store.clone()),
            Arc::new(SystemNanoClock::new()),
            Arc::new(SystemEpochClock::new()),
        )
        .idle_strategy(Box::new(BackoffIdleStrategy::default()))
        .resource_linger_ns(10_000_000)
    }
}

impl Drop for Threaded {
    fn drop(&mut self) {
        self.aeron.close();
        if let Some(mut runner) = self.client_runner.take() {
            runner.close();
        }
        self.driver_runner.close();
    }
}

/// Retries `attempt` with back-off until it returns `Some`, for at most `timeout`.
pub fn wait_for<T>(timeout: Duration, mut attempt: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    let mut idle = BackoffIdleStrategy::default();
    loop {
        if let Some(value) = attempt() {
            return value;
        }
        assert!(Instant::now() < deadline, "not done within {timeout:?}");
        agrona::IdleStrategy::idle(&mut idle, 0);
    }
}

/// A deterministic payload for message `sequence` of `length` bytes from `source`:
/// `source:u32 | sequence:u32 | bytes derived from both`.
pub fn payload(source: u32, sequence: u32, length: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; length.max(8)];
    bytes[0..4].copy_from_slice(&source.to_le_bytes());
    bytes[4..8].copy_from_slice(&sequence.to_le_bytes());
    for (i, byte) in bytes.iter_mut().enumerate().skip(8) {
        *byte = (i as u32).wrapping_mul(31).wrapping_add(sequence).wrapping_add(source.wrapping_mul(7)) as u8;
    }
    bytes
}

/// Checks a payload made by [`payload`]; returns `(source, sequence)`.
pub fn check_payload(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.len() >= 8, "payload of {} bytes", bytes.len());
    let source = u32::from_le_bytes(bytes[0..4].try_into().unwrap());
    let sequence = u32::from_le_bytes(bytes[4..8].try_into().unwrap());
    assert_eq!(bytes, &payload(source, sequence, bytes.len())[..], "torn or corrupt payload");
    (source, sequence)
}
