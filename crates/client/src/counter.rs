//! [`Counter`]: a counter this client allocated in the driver's counters region with `ADD_COUNTER`
//! (Aeron `Counter`).
//!
//! Invariants:
//! - The value lives in the driver's counters values buffer (the CnC region), so every reader of the
//!   driver's counters (other clients, tools) sees it under the type id, key and label given at add time.
//! - Reads and writes (`get`, `set_ordered`, `increment`) never lock and never allocate; once the counter is
//!   closed (by [`Counter::close`] on any clone, by the driver with `ON_UNAVAILABLE_COUNTER`, or because
//!   the client closed) writes are ignored so a freed, possibly reused slot is never written.
//! - Closing sends `REMOVE_COUNTER` once (at once if the conductor is free, otherwise on its next duty
//!   cycle); dropping the last clone closes it. A counter closed by the driver is not removed again.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use agrona::AtomicCounter;

use crate::client_shared::{ClientShared, Release};

/// Everything the clones of one counter share.
struct CounterInner {
    counter: AtomicCounter,
    registration_id: i64,
    /// Shared with the conductor, which sets it when the driver or the client closes the counter.
    closed: Arc<AtomicBool>,
    client: Arc<ClientShared>,
}

impl Drop for CounterInner {
    fn drop(&mut self) {
        if !self.closed.swap(true, Ordering::AcqRel) {
            self.client.request_release(Release::Counter { registration_id: self.registration_id });
        }
    }
}

/// A driver-allocated counter owned by this client: `Clone + Send + Sync`, clones share one handle.
///
/// Obtain it from [`crate::Aeron::add_counter`] (or `async_add_counter` + `poll_counter`), update it
/// from any thread, and close it (or drop every clone) to free the driver's slot.
#[derive(Clone)]
pub struct Counter {
    inner: Arc<CounterInner>,
}

impl std::fmt::Debug for Counter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Counter")
            .field("id", &self.id())
            .field("registration_id", &self.inner.registration_id)
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl Counter {
    pub(crate) fn new(
        counter: AtomicCounter,
        registration_id: i64,
        closed: Arc<AtomicBool>,
        client: Arc<ClientShared>,
    ) -> Self {
        Self { inner: Arc::new(CounterInner { counter, registration_id, closed, client }) }
    }

    /// The counter's value cell, for code that drives it through agrona's API (for example a
    /// compare-and-set toggle shared with other processes). Valid while this handle is open.
    pub fn atomic_counter(&self) -> AtomicCounter {
        self.inner.counter.clone()
    }

    /// The counter id in the driver's counters region.
    pub fn id(&self) -> i32 {
        self.inner.counter.id()
    }

    /// The registration id (the correlation id of the `ADD_COUNTER` command).
    pub fn registration_id(&self) -> i64 {
        self.inner.registration_id
    }

    /// The current value (acquire load).
    pub fn get(&self) -> i64 {
        self.inner.counter.get_volatile()
    }

    /// Sets the value with a release store; ignored once closed.
    pub fn set_ordered(&self, value: i64) {
        if !self.is_closed() {
            self.inner.counter.set_ordered(value);
        }
    }

    /// Atomically adds one and returns the previous value (safe with many writers); once closed it
    /// writes nothing and returns the current value.
    pub fn increment(&self) -> i64 {
        if self.is_closed() {
            return self.get();
        }
        self.inner.counter.increment()
    }

    /// True once closed by [`Counter::close`], by the driver (`ON_UNAVAILABLE_COUNTER`) or by the client
    /// closing.
    pub fn is_closed(&self) -> bool {
        self.inner.closed.load(Ordering::Acquire)
    }

    /// Closes the counter: sends `REMOVE_COUNTER` so the driver frees its slot. Idempotent; never blocks.
    pub fn close(&self) {
        if !self.inner.closed.swap(true, Ordering::AcqRel) {
            self.inner
                .client
                .request_release(Release::Counter { registration_id: self.inner.registration_id });
        }
    }
}
