//! A fake consensus module for service tests: one in-process driver stepped by hand on a ManualClock,
//! a CM Aeron client holding the commit-position counter, the control streams (104 out, 105 in) and an
//! IPC log publication.

#![allow(clippy::disallowed_methods, dead_code)]

use std::sync::{Arc, Mutex};

use agrona::{Agent, AgentTermination, HeapMemoryStore, ManualClock, NanoClock};
use client::{Aeron, Context, Counter, ExclusivePublication, OfferError, Publication, Subscription};
use driver::{DriverConductor, DriverContext};
use protocol::cluster::defaults::{
    COMMIT_POSITION_TYPE_ID, CONSENSUS_MODULE_STREAM_ID, CONTROL_CHANNEL, LOG_STREAM_ID, SERVICE_STREAM_ID,
};
use protocol::cluster::{
    BooleanType, CancelTimer, CloseSession, ClusterMessage, JoinLog, Role, ScheduleTimer, ServiceAck,
    SessionMessageHeader, decode_any,
};
use service::ClusteredServiceAgent;

pub const START_NS: i64 = 1_000_000_000_000;
pub const STEP_NS: i64 = 1_000_000;
pub const LOG_CHANNEL: &str = "aeron:ipc?term-length=64k";
pub const CLUSTER_ID: i32 = 3;

/// What the fake CM received on stream 105.
#[derive(Debug, Clone, PartialEq)]
pub enum FromService {
    Ack(ServiceAck),
    ScheduleTimer(ScheduleTimer),
    CancelTimer(CancelTimer),
    CloseSession(CloseSession),
    Message(SessionMessageHeader, Vec<u8>),
    Other(u16),
    Malformed,
}

pub struct FakeConsensusModule {
    pub clock: ManualClock,
    pub store: HeapMemoryStore,
    pub driver: Arc<Mutex<DriverConductor>>,
    pub aeron: Aeron,
    pub commit: Counter,
    _recovery_state: Counter,
    pub to_services: Publication,
    pub from_services: Subscription,
    pub log: ExclusivePublication,
    pub received: Vec<FromService>,
}

pub fn client_context(
    store: &HeapMemoryStore,
    clock: &ManualClock,
    driver: &Arc<Mutex<DriverConductor>>,
) -> Context {
    let driver = Arc::clone(driver);
    let step_clock = clock.clone();
    Context::new(Arc::new(store.clone()), Arc::new(clock.clone()), Arc::new(clock.clone()))
        .driver_timeout_ns(2_000_000_000)
        .resource_linger_ns(10_000_000)
        .driver_agent_invoker(Box::new(move |_now_ns| {
            step_clock.advance_ns(STEP_NS);
            driver.lock().unwrap().do_work(step_clock.nano_time()).unwrap_or(0)
        }))
}

impl FakeConsensusModule {
    pub fn new() -> Self {
        let clock = ManualClock::new(START_NS);
        let store = HeapMemoryStore::new();
        let driver_ctx = DriverContext::test_min()
            .with_memory_store(Arc::new(store.clone()))
            .with_epoch_clock(Arc::new(clock.clone()));
        let driver = Arc::new(Mutex::new(DriverConductor::new(driver_ctx).expect("driver starts")));
        let aeron = Aeron::connect(client_context(&store, &clock, &driver)).expect("CM client");
        // No snapshot to recover from: the recovery state the services wait for names none.
        let recovery = protocol::cluster::RecoveryState {
            leadership_term_id: -1,
            log_position: 0,
            timestamp: 0,
            cluster_id: CLUSTER_ID,
            snapshot_recording_ids: vec![-1; 2],
        };
        let recovery_state = aeron
            .add_counter(
                protocol::cluster::defaults::RECOVERY_STATE_TYPE_ID,
                &recovery.encode(),
                "Cluster recovery state",
            )
            .expect("recovery state counter");
        let commit = aeron
            .add_counter(
                COMMIT_POSITION_TYPE_ID,
                &CLUSTER_ID.to_le_bytes(),
                &format!("Cluster commit-pos: - clusterId={CLUSTER_ID}"),
            )
            .expect("commit counter");
        let to_services = aeron.add_publication(CONTROL_CHANNEL, SERVICE_STREAM_ID).expect("control pub");
        let from_services =
            aeron.add_subscription(CONTROL_CHANNEL, CONSENSUS_MODULE_STREAM_ID).expect("control sub");
        let log = aeron.add_exclusive_publication(LOG_CHANNEL, LOG_STREAM_ID).expect("log pub");
        Self {
            clock,
            store,
            driver,
            aeron,
            commit,
            _recovery_state: recovery_state,
            to_services,
            from_services,
            log,
            received: Vec::new(),
        }
    }

    /// A new Aeron client on the same driver (a service's).
    pub fn new_client(&self) -> Aeron {
        Aeron::connect(client_context(&self.store, &self.clock, &self.driver)).expect("service client")
    }

    /// One step of everything: clock, driver, CM client, every agent; collects stream-105 messages.
    pub fn step(
        &mut self,
        agents: &mut [&mut ClusteredServiceAgent],
    ) -> Vec<Result<usize, AgentTermination>> {
        self.clock.advance_ns(STEP_NS);
        let now_ns = self.clock.nano_time();
        self.driver.lock().unwrap().do_work(now_ns).expect("driver runs");
        self.aeron.conductor_do_work(now_ns);
        let results = agents.iter_mut().map(|agent| agent.do_work(now_ns)).collect();
        let received = &mut self.received;
        self.from_services.poll(
            &mut |bytes, _header| {
                received.push(match decode_any(bytes) {
                    Ok(ClusterMessage::ServiceAck(ack)) => FromService::Ack(ack),
                    Ok(ClusterMessage::ScheduleTimer(timer)) => FromService::ScheduleTimer(timer),
                    Ok(ClusterMessage::CancelTimer(timer)) => FromService::CancelTimer(timer),
                    Ok(ClusterMessage::CloseSession(close)) => FromService::CloseSession(close),
                    Ok(ClusterMessage::SessionMessage(message)) => {
                        FromService::Message(message.header, message.payload.to_vec())
                    }
                    Ok(other) => FromService::Other(other.template_id()),
                    Err(_) => FromService::Malformed,
                })
            },
            100,
        );
        results
    }

    /// Steps until `done` holds (at most `max_steps`).
    pub fn step_until(
        &mut self,
        agents: &mut [&mut ClusteredServiceAgent],
        max_steps: usize,
        mut done: impl FnMut(&Self, &[&mut ClusteredServiceAgent]) -> bool,
    ) {
        for _ in 0..max_steps {
            if done(self, agents) {
                return;
            }
            for result in self.step(agents) {
                result.expect("agent runs");
            }
        }
        assert!(done(self, agents), "condition not reached in {max_steps} steps");
    }

    pub fn steps(&mut self, agents: &mut [&mut ClusteredServiceAgent], count: usize) {
        for _ in 0..count {
            for result in self.step(agents) {
                result.expect("agent runs");
            }
        }
    }

    pub fn acks(&self) -> Vec<ServiceAck> {
        self.received
            .iter()
            .filter_map(|message| match message {
                FromService::Ack(ack) => Some(*ack),
                _ => None,
            })
            .collect()
    }

    pub fn acks_of(&self, service_id: i32) -> Vec<ServiceAck> {
        self.acks().into_iter().filter(|ack| ack.service_id == service_id).collect()
    }

    /// Offers a control message to the services (stream 104), stepping while not connected.
    pub fn send_to_services(&mut self, agents: &mut [&mut ClusteredServiceAgent], bytes: &[u8]) {
        for _ in 0..1_000 {
            match self.to_services.offer(bytes) {
                Ok(_) => return,
                Err(OfferError::NotConnected | OfferError::BackPressured | OfferError::AdminAction) => {
                    self.steps(agents, 1)
                }
                Err(other) => panic!("control offer failed: {other}"),
            }
        }
        panic!("control message not accepted");
    }

    pub fn join_log(
        &mut self,
        agents: &mut [&mut ClusteredServiceAgent],
        log_position: i64,
        max_log_position: i64,
        role: Role,
        is_startup: bool,
    ) {
        let join = JoinLog {
            log_position,
            max_log_position,
            member_id: 2,
            log_session_id: self.log.session_id(),
            log_stream_id: LOG_STREAM_ID,
            is_startup: if is_startup { BooleanType::True } else { BooleanType::False },
            role: role.code(),
            is_standby: BooleanType::False,
            log_channel: LOG_CHANNEL,
        };
        let bytes = encode(ClusterMessage::JoinLog(join));
        self.send_to_services(agents, &bytes);
    }

    /// Appends a message to the log; returns the position after it.
    pub fn append(&mut self, bytes: &[u8]) -> i64 {
        for _ in 0..100 {
            match self.log.offer(bytes) {
                Ok(position) => return position,
                Err(OfferError::BackPressured | OfferError::AdminAction) => {}
                Err(other) => panic!("log offer failed: {other}"),
            }
        }
        panic!("log append not accepted");
    }

    /// The position a message of `length` bytes appended now would end at (unfragmented).
    pub fn position_after(&self, length: usize) -> i64 {
        self.log.position() + agrona::align(32 + length, 32) as i64
    }

    pub fn commit(&self, position: i64) {
        self.commit.set_ordered(position);
    }
}

pub fn encode(message: ClusterMessage<'_>) -> Vec<u8> {
    let mut bytes = vec![0u8; message.encoded_length()];
    let length = message.encode(&mut bytes).expect("encodes");
    assert_eq!(length, bytes.len());
    bytes
}

/// Drops agent results that must all be Ok.
pub fn expect_ok(results: Vec<Result<usize, AgentTermination>>) {
    for result in results {
        result.expect("agent runs");
    }
}

impl FakeConsensusModule {
    /// Steps `count` times, ignoring the agent's results (e.g. after it terminated).
    pub fn steps_ignoring(&mut self, agent: &mut ClusteredServiceAgent, count: usize) {
        for _ in 0..count {
            let _ = self.step(&mut [agent]);
        }
    }

    pub fn clock_now(&self) -> i64 {
        self.clock.nano_time()
    }
}
