//! A hand-driven driver for tests: a `DriverConductor` over a `HeapMemoryStore`, a `ManualClock` used for
//! both `now_ns` and epoch time, and a client-side view of the CnC opened through the store (as a client
//! process would), with helpers to send commands and collect broadcast responses.

#![allow(dead_code)]

use std::sync::Arc;

use fulmar_driver as driver;

use agrona::{
    Agent, AgentTermination, AtomicBuffer, CopyBroadcastReceiver, CountersReader, HeapMemoryStore,
    ManualClock, ManyToOneRingBuffer, MemoryStore,
};
use driver::{DriverConductor, DriverContext};
use protocol::command::cnc::{CNC_FILE, CncHeader, CncLayout, META_DATA_LENGTH};
use protocol::command::{
    CorrelatedMessage, CounterMessage, ErrorResponse, PublicationMessage, RemoveMessage,
    RemovePublicationMessage, SubscriptionMessage, event,
};

/// One broadcast message.
#[derive(Debug, Clone)]
pub struct Response {
    pub msg_type_id: i32,
    pub bytes: Vec<u8>,
}

pub struct Harness {
    pub clock: ManualClock,
    pub store: Arc<HeapMemoryStore>,
    pub conductor: DriverConductor,
    pub cnc: AtomicBuffer,
    pub header: CncHeader,
    pub layout: CncLayout,
    pub to_driver: ManyToOneRingBuffer,
    pub receiver: CopyBroadcastReceiver,
    pub counters: CountersReader,
    pub client_id: i64,
    /// When true (the default), `advance_ns` sends a CLIENT_KEEPALIVE for `client_id` at every step.
    pub keepalive: bool,
    next_correlation_id: i64,
}

pub const START_NS: i64 = 1_000_000_000_000;

impl Harness {
    pub fn new() -> Self {
        Self::with(|_| {})
    }

    pub fn with(configure: impl FnOnce(&mut DriverContext)) -> Self {
        let clock = ManualClock::new(START_NS);
        let store = Arc::new(HeapMemoryStore::new());
        let mut ctx = DriverContext::test_min()
            .with_memory_store(store.clone())
            .with_epoch_clock(Arc::new(clock.clone()))
            .with_pid(4242);
        configure(&mut ctx);
        let conductor = DriverConductor::new(ctx).expect("driver starts");

        let cnc = store.open(CNC_FILE).expect("cnc.dat exists");
        let mut header_bytes = [0u8; META_DATA_LENGTH];
        cnc.get_bytes(0, &mut header_bytes);
        let header = CncHeader::decode(&header_bytes).expect("valid CnC header");
        header.check_region_length(cnc.capacity()).expect("CnC long enough");
        let layout = header.layout();
        let to_driver =
            ManyToOneRingBuffer::new(cnc.view(layout.to_driver_offset, layout.to_driver_length)).unwrap();
        let receiver =
            CopyBroadcastReceiver::new(cnc.view(layout.to_clients_offset, layout.to_clients_length)).unwrap();
        let counters = CountersReader::new(
            cnc.view(layout.counters_metadata_offset, layout.counters_metadata_length),
            cnc.view(layout.counters_values_offset, layout.counters_values_length),
        );
        let client_id = to_driver.next_correlation_id();
        let next_correlation_id = 0;
        let mut harness = Self {
            clock,
            store,
            conductor,
            cnc,
            header,
            layout,
            to_driver,
            receiver,
            counters,
            client_id,
            keepalive: true,
            next_correlation_id,
        };
        harness.next_correlation_id = harness.to_driver.next_correlation_id();
        harness.work();
        harness
    }

    pub fn now_ns(&self) -> i64 {
        agrona::NanoClock::nano_time(&self.clock)
    }

    pub fn next_id(&mut self) -> i64 {
        self.next_correlation_id = self.to_driver.next_correlation_id();
        self.next_correlation_id
    }

    /// One duty cycle at the current time.
    pub fn do_work(&mut self) -> Result<usize, AgentTermination> {
        let now_ns = self.now_ns();
        self.conductor.do_work(now_ns)
    }

    /// A few duty cycles at the current time (enough to drain a handful of commands).
    pub fn work(&mut self) {
        for _ in 0..4 {
            self.do_work().expect("driver keeps running");
        }
    }

    /// Advances time in timer-interval steps, doing work at each step.
    pub fn advance_ns(&mut self, total_ns: i64) {
        let step = self.conductor.context().timer_interval_ns + 1;
        let mut advanced = 0;
        while advanced < total_ns {
            let delta = step.min(total_ns - advanced);
            if self.keepalive {
                self.correlated(protocol::command::event::CLIENT_KEEPALIVE, self.client_id);
            }
            self.clock.advance_ns(delta);
            advanced += delta;
            self.do_work().expect("driver keeps running");
        }
        self.do_work().expect("driver keeps running");
    }

    pub fn send(&self, msg_type_id: i32, bytes: &[u8]) {
        self.to_driver.write(msg_type_id, bytes).expect("ring buffer accepts the command");
    }

    pub fn add_publication_as(
        &mut self,
        client_id: i64,
        channel: &str,
        stream_id: i32,
        exclusive: bool,
    ) -> i64 {
        let correlation_id = self.next_id();
        let message = PublicationMessage { client_id, correlation_id, stream_id, channel };
        let mut bytes = vec![0u8; message.encoded_length()];
        message.encode(&mut bytes).unwrap();
        let msg_type_id = if exclusive { event::ADD_EXCLUSIVE_PUBLICATION } else { event::ADD_PUBLICATION };
        self.send(msg_type_id, &bytes);
        correlation_id
    }

    pub fn add_publication(&mut self, channel: &str, stream_id: i32) -> i64 {
        self.add_publication_as(self.client_id, channel, stream_id, false)
    }

    pub fn add_exclusive_publication(&mut self, channel: &str, stream_id: i32) -> i64 {
        self.add_publication_as(self.client_id, channel, stream_id, true)
    }

    pub fn remove_publication(&mut self, registration_id: i64) -> i64 {
        let correlation_id = self.next_id();
        let message = RemovePublicationMessage {
            client_id: self.client_id,
            correlation_id,
            registration_id,
            revoke: false,
        };
        let mut bytes = [0u8; RemovePublicationMessage::LENGTH];
        message.encode(&mut bytes).unwrap();
        self.send(event::REMOVE_PUBLICATION, &bytes);
        correlation_id
    }

    pub fn add_subscription_as(&mut self, client_id: i64, channel: &str, stream_id: i32) -> i64 {
        let correlation_id = self.next_id();
        let message = SubscriptionMessage {
            client_id,
            correlation_id,
            registration_correlation_id: -1,
            stream_id,
            channel,
        };
        let mut bytes = vec![0u8; message.encoded_length()];
        message.encode(&mut bytes).unwrap();
        self.send(event::ADD_SUBSCRIPTION, &bytes);
        correlation_id
    }

    pub fn add_subscription(&mut self, channel: &str, stream_id: i32) -> i64 {
        self.add_subscription_as(self.client_id, channel, stream_id)
    }

    pub fn remove(&mut self, msg_type_id: i32, registration_id: i64) -> i64 {
        let correlation_id = self.next_id();
        let message = RemoveMessage { client_id: self.client_id, correlation_id, registration_id };
        let mut bytes = [0u8; RemoveMessage::LENGTH];
        message.encode(&mut bytes).unwrap();
        self.send(msg_type_id, &bytes);
        correlation_id
    }

    pub fn add_counter(&mut self, type_id: i32, key: &[u8], label: &str) -> i64 {
        let correlation_id = self.next_id();
        let message = CounterMessage { client_id: self.client_id, correlation_id, type_id, key, label };
        let mut bytes = vec![0u8; message.encoded_length()];
        message.encode(&mut bytes).unwrap();
        self.send(event::ADD_COUNTER, &bytes);
        correlation_id
    }

    pub fn correlated(&mut self, msg_type_id: i32, client_id: i64) -> i64 {
        let correlation_id = self.next_id();
        let mut bytes = [0u8; CorrelatedMessage::LENGTH];
        CorrelatedMessage { client_id, correlation_id }.encode(&mut bytes).unwrap();
        self.send(msg_type_id, &bytes);
        correlation_id
    }

    /// Every broadcast message since the last call.
    pub fn responses(&mut self) -> Vec<Response> {
        let mut out = Vec::new();
        self.receiver
            .receive(|msg_type_id, bytes| out.push(Response { msg_type_id, bytes: bytes.to_vec() }))
            .expect("not lapped");
        out
    }

    /// Works, then returns the responses.
    pub fn work_and_collect(&mut self) -> Vec<Response> {
        self.work();
        self.responses()
    }

    pub fn counter_label(&self, counter_id: i32) -> String {
        self.counters.counter_label(counter_id)
    }
}

/// The responses of one type.
pub fn of_type(responses: &[Response], msg_type_id: i32) -> Vec<Response> {
    responses.iter().filter(|r| r.msg_type_id == msg_type_id).cloned().collect()
}

/// The single ON_ERROR among `responses`, decoded as (correlation id, code, message).
pub fn single_error(responses: &[Response]) -> (i64, i32, String) {
    let errors = of_type(responses, event::ON_ERROR);
    assert_eq!(errors.len(), 1, "expected one error, got {responses:?}");
    let error = ErrorResponse::decode(&errors[0].bytes).unwrap();
    (error.offending_command_correlation_id, error.error_code, error.error_message.to_owned())
}
