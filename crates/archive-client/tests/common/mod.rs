//! A fake archive for the archive client's tests: a test-only agent that decodes control requests with
//! `protocol::archive` codecs and answers scripted responses over real IPC publications, stepped
//! single-threaded with an embedded driver on a `ManualClock` (through the client's
//! `driver_agent_invoker` and the archive client's agent invoker).

#![allow(dead_code, clippy::disallowed_methods)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use agrona::{Agent, HeapMemoryStore, ManualClock, NanoClock};
use client::{Aeron, Context, ExclusivePublication, FragmentAssembler, Header, OfferError, Subscription};
use driver::{DriverConductor, DriverContext};
use fulmar_archive_client::ArchiveClientContext;
use protocol::archive::{
    ArchiveMessage, CLIENT_PROTOCOL_SEMANTIC_VERSION, ControlResponse, ControlResponseCode, decode_any,
};

pub const START_NS: i64 = 1_000_000_000_000;
pub const STEP_NS: i64 = 1_000_000;
pub const CONTROL_SESSION_ID: i64 = 4242;
pub const ARCHIVE_ID: i64 = 77;

/// Encodes any archive message.
pub fn encode(message: ArchiveMessage<'_>) -> Vec<u8> {
    let mut bytes = vec![0u8; message.encoded_length()];
    message.encode(&mut bytes).expect("encodes");
    bytes
}

/// A ControlResponse.
pub fn response(
    control_session_id: i64,
    correlation_id: i64,
    relevant_id: i64,
    code: ControlResponseCode,
    error_message: &str,
) -> Vec<u8> {
    encode(ArchiveMessage::ControlResponse(ControlResponse {
        control_session_id,
        correlation_id,
        relevant_id,
        code,
        version: CLIENT_PROTOCOL_SEMANTIC_VERSION,
        error_message,
    }))
}

/// An OK ControlResponse for this test's control session.
pub fn ok(correlation_id: i64, relevant_id: i64) -> Vec<u8> {
    response(CONTROL_SESSION_ID, correlation_id, relevant_id, ControlResponseCode::Ok, "")
}

/// Decides the answers to one request: push encoded messages onto the outbox.
pub type Responder = Box<dyn FnMut(&ArchiveMessage<'_>, &mut VecDeque<Vec<u8>>) + Send>;

/// Answers connect (OK with the session id), archive id and nothing else.
pub fn default_connect(message: &ArchiveMessage<'_>, out: &mut VecDeque<Vec<u8>>) -> bool {
    match message {
        ArchiveMessage::AuthConnectRequest(request) => {
            out.push_back(ok(request.correlation_id, CONTROL_SESSION_ID));
            true
        }
        ArchiveMessage::ArchiveIdRequest(request) => {
            out.push_back(ok(request.correlation_id, ARCHIVE_ID));
            true
        }
        ArchiveMessage::KeepAliveRequest(_) | ArchiveMessage::CloseSessionRequest(_) => true,
        _ => false,
    }
}

/// The fake archive agent.
pub struct FakeArchive {
    aeron: Aeron,
    requests: Subscription,
    assembler: FragmentAssembler,
    response_publication: Option<ExclusivePublication>,
    pub outbox: VecDeque<Vec<u8>>,
    pub received: Vec<Vec<u8>>,
    pub responder: Responder,
    pub silent: bool,
}

impl FakeArchive {
    /// One duty cycle: read requests, answer them, flush the outbox.
    pub fn do_work(&mut self) -> usize {
        let mut messages = Vec::new();
        let assembler = &mut self.assembler;
        let work = self.requests.poll(
            &mut |fragment: &[u8], header: &Header| {
                assembler.on_fragment(fragment, header, &mut |bytes: &[u8], _: &Header| {
                    messages.push(bytes.to_vec())
                })
            },
            10,
        );
        for bytes in messages {
            let message = decode_any(&bytes).expect("the client sends decodable requests");
            if let ArchiveMessage::AuthConnectRequest(request) = &message
                && self.response_publication.is_none()
            {
                self.response_publication = Some(
                    self.aeron
                        .add_exclusive_publication(request.response_channel, request.response_stream_id)
                        .expect("response publication"),
                );
            }
            if !self.silent {
                (self.responder)(&message, &mut self.outbox);
            }
            self.received.push(bytes.clone());
        }
        if let Some(publication) = self.response_publication.as_mut() {
            while let Some(bytes) = self.outbox.front() {
                match publication.offer(bytes) {
                    Ok(_) => {
                        self.outbox.pop_front();
                    }
                    Err(OfferError::NotConnected | OfferError::BackPressured | OfferError::AdminAction) => {
                        break;
                    }
                    Err(other) => panic!("fake archive offer failed: {other}"),
                }
            }
        }
        work
    }

    /// The last request received, decoded.
    pub fn last_request(&self) -> ArchiveMessage<'_> {
        decode_any(self.received.last().expect("a request")).expect("decodes")
    }

    /// Every request received, decoded.
    pub fn requests(&self) -> Vec<ArchiveMessage<'_>> {
        self.received.iter().map(|bytes| decode_any(bytes).expect("decodes")).collect()
    }
}

/// A driver, a client and a fake archive on one manual clock, all stepped on the test's thread.
pub struct Harness {
    pub clock: ManualClock,
    pub driver: Arc<Mutex<DriverConductor>>,
    pub aeron: Aeron,
    pub archive: Arc<Mutex<FakeArchive>>,
}

impl Harness {
    /// Starts everything; `responder` answers what `default_connect` does not.
    pub fn new(
        mut responder: impl FnMut(&ArchiveMessage<'_>, &mut VecDeque<Vec<u8>>) + Send + 'static,
    ) -> Self {
        Self::with_responder(Box::new(move |message, out| {
            if !default_connect(message, out) {
                responder(message, out);
            }
        }))
    }

    /// Starts everything with a responder that handles connect itself.
    pub fn with_responder(responder: Responder) -> Self {
        let clock = ManualClock::new(START_NS);
        let store = HeapMemoryStore::new();
        let ctx = DriverContext::test_min()
            .with_memory_store(Arc::new(store.clone()))
            .with_epoch_clock(Arc::new(clock.clone()));
        let driver = Arc::new(Mutex::new(DriverConductor::new(ctx).expect("driver starts")));
        let invoker_driver = Arc::clone(&driver);
        let invoker_clock = clock.clone();
        let client_ctx =
            Context::new(Arc::new(store.clone()), Arc::new(clock.clone()), Arc::new(clock.clone()))
                .driver_timeout_ns(60_000_000_000)
                .resource_linger_ns(10_000_000)
                .driver_agent_invoker(Box::new(move |_now_ns| {
                    invoker_clock.advance_ns(STEP_NS);
                    invoker_driver.lock().unwrap().do_work(invoker_clock.nano_time()).unwrap_or(0)
                }));
        let aeron = Aeron::connect(client_ctx).expect("client connects");
        let requests = aeron.add_subscription("aeron:ipc?term-length=64k", 10).expect("request subscription");
        let archive = FakeArchive {
            aeron: aeron.clone(),
            requests,
            assembler: FragmentAssembler::new(1024),
            response_publication: None,
            outbox: VecDeque::new(),
            received: Vec::new(),
            responder,
            silent: false,
        };
        Self { clock, driver, aeron, archive: Arc::new(Mutex::new(archive)) }
    }

    /// An archive client context whose waits step the driver, the client conductor and the fake archive.
    pub fn context(&self) -> ArchiveClientContext {
        let driver = Arc::clone(&self.driver);
        let clock = self.clock.clone();
        let aeron = self.aeron.clone();
        let archive = Arc::clone(&self.archive);
        ArchiveClientContext::new(Arc::new(self.clock.clone())).agent_invoker(Box::new(move |_now_ns| {
            clock.advance_ns(STEP_NS);
            let mut work = driver.lock().unwrap().do_work(clock.nano_time()).unwrap_or(0);
            work += aeron.conductor_do_work(clock.nano_time());
            work += archive.lock().unwrap().do_work();
            work
        }))
    }

    pub fn fake(&self) -> std::sync::MutexGuard<'_, FakeArchive> {
        self.archive.lock().unwrap()
    }

    pub fn now_ns(&self) -> i64 {
        self.clock.nano_time()
    }
}
