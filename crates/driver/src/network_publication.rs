//! [`NetworkPublication`]: the conductor's record of a UDP publication (Aeron `NetworkPublication`'s
//! conductor duties): its log, counters, references, spies, MDC destinations and life cycle. The sending
//! itself happens on the sender thread in a [`crate::SenderPublication`].
//!
//! Life cycle: ACTIVE (publishers hold references) → DRAINING (last reference gone: the sender is told
//! to close, i.e. drain to the producer position and then flag EOS) → LINGER (everything sent, or no
//! receiver left, and every spy has read up to the producer position: spies are told the image is
//! unavailable) → DONE (linger timeout passed, or a unicast receiver acknowledged EOS: the sender is told
//! to drop it; once it has, the conductor frees the counters and the log). A revoked publication goes
//! from ACTIVE straight to LINGER.
//!
//! Invariants: the conductor never touches the sender half; it reads the sender's progress only through
//! [`NetworkPublicationStatus`] and the log; counters are freed only after the sender dropped its half.

use std::net::SocketAddr;
use std::sync::Arc;

use agrona::AtomicCounter;
use logbuffer::LogBuffer;

use crate::ipc_publication::PublicationState;
use crate::sender_publication::NetworkPublicationStatus;

/// What a timer check found, for the conductor to act on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct NetworkTimeEvents {
    /// Entered LINGER: tell spies the image is unavailable.
    pub(crate) entered_linger: bool,
    /// The publication was revoked (the sender must close).
    pub(crate) revoked: bool,
    /// Reached DONE: tell the sender to drop it.
    pub(crate) reached_end_of_life: bool,
}

/// A spy linked to the publication.
#[derive(Clone)]
pub(crate) struct Spy {
    pub(crate) subscription_registration_id: i64,
    pub(crate) position: AtomicCounter,
}

/// Construction parameters of a [`NetworkPublication`].
pub(crate) struct NetworkPublicationConfig {
    pub(crate) registration_id: i64,
    pub(crate) channel: String,
    pub(crate) canonical_form: String,
    pub(crate) endpoint_id: i64,
    pub(crate) entity_tag: Option<i64>,
    pub(crate) is_exclusive: bool,
    pub(crate) log: LogBuffer,
    pub(crate) log_name: String,
    pub(crate) counter_ids: [i32; 4],
    pub(crate) status: Arc<NetworkPublicationStatus>,
    pub(crate) linger_timeout_ns: i64,
    pub(crate) starting_term_id: i32,
    pub(crate) starting_term_offset: i32,
}

/// The conductor's record of a network publication. See the module documentation.
pub struct NetworkPublication {
    registration_id: i64,
    channel: String,
    pub(crate) canonical_form: String,
    pub(crate) endpoint_id: i64,
    entity_tag: Option<i64>,
    is_exclusive: bool,
    log: LogBuffer,
    log_name: String,
    /// `pub-pos`, `pub-lmt`, `snd-pos`, `snd-lmt`.
    counter_ids: [i32; 4],
    status: Arc<NetworkPublicationStatus>,
    ref_count: usize,
    state: PublicationState,
    linger_timeout_ns: i64,
    linger_deadline_ns: i64,
    starting_term_id: i32,
    starting_term_offset: i32,
    pub(crate) spies: Vec<Spy>,
    pub(crate) destinations: Vec<(i64, SocketAddr)>,
    pub(crate) is_removal_requested: bool,
}

impl NetworkPublication {
    pub(crate) fn new(config: NetworkPublicationConfig) -> Self {
        Self {
            registration_id: config.registration_id,
            channel: config.channel,
            canonical_form: config.canonical_form,
            endpoint_id: config.endpoint_id,
            entity_tag: config.entity_tag,
            is_exclusive: config.is_exclusive,
            log: config.log,
            log_name: config.log_name,
            counter_ids: config.counter_ids,
            status: config.status,
            ref_count: 0,
            state: PublicationState::Active,
            linger_timeout_ns: config.linger_timeout_ns,
            linger_deadline_ns: i64::MAX,
            starting_term_id: config.starting_term_id,
            starting_term_offset: config.starting_term_offset,
            spies: Vec::new(),
            destinations: Vec::new(),
            is_removal_requested: false,
        }
    }

    /// The registration id.
    pub fn registration_id(&self) -> i64 {
        self.registration_id
    }
    /// The channel it was created with.
    pub fn channel(&self) -> &str {
        &self.channel
    }
    /// The session id.
    pub fn session_id(&self) -> i32 {
        self.log.session_id()
    }
    /// The stream id.
    pub fn stream_id(&self) -> i32 {
        self.log.stream_id()
    }
    /// The entity tag from `tags=`, if any.
    pub fn entity_tag(&self) -> Option<i64> {
        self.entity_tag
    }
    /// True for an exclusive publication.
    pub fn is_exclusive(&self) -> bool {
        self.is_exclusive
    }
    /// The log.
    pub fn log(&self) -> &LogBuffer {
        &self.log
    }
    /// The log's name in the memory store.
    pub fn log_name(&self) -> &str {
        &self.log_name
    }
    /// The `pub-lmt` counter id.
    pub fn publisher_limit_id(&self) -> i32 {
        self.counter_ids[1]
    }
    /// The `snd-pos` counter id.
    pub fn sender_position_id(&self) -> i32 {
        self.counter_ids[2]
    }
    /// The `snd-lmt` counter id.
    pub fn sender_limit_id(&self) -> i32 {
        self.counter_ids[3]
    }
    /// The state.
    pub fn state(&self) -> PublicationState {
        self.state
    }
    /// Term length.
    pub fn term_length(&self) -> i32 {
        self.log.term_length()
    }
    /// MTU.
    pub fn mtu_length(&self) -> i32 {
        self.log.mtu_length()
    }
    /// Initial term id.
    pub fn initial_term_id(&self) -> i32 {
        self.log.initial_term_id()
    }
    /// The term id the log started in.
    pub fn starting_term_id(&self) -> i32 {
        self.starting_term_id
    }
    /// The term offset the log started at.
    pub fn starting_term_offset(&self) -> i32 {
        self.starting_term_offset
    }
    /// What the sender shares about its progress.
    pub fn status(&self) -> &NetworkPublicationStatus {
        &self.status
    }

    pub(crate) fn inc_ref(&mut self) {
        self.ref_count += 1;
    }

    /// Drops one reference; returns true if it was the last one of an active publication (the conductor
    /// then tells the sender to close it).
    pub(crate) fn dec_ref(&mut self) -> bool {
        self.ref_count = self.ref_count.saturating_sub(1);
        if self.ref_count == 0 && self.state == PublicationState::Active {
            if !self.log.metadata().is_publication_revoked() {
                self.state = PublicationState::Draining;
            }
            return true;
        }
        false
    }

    /// Marks the log revoked (the next timer ends the stream).
    pub(crate) fn revoke(&mut self) {
        self.log.metadata().set_is_publication_revoked(true);
    }

    /// Timer work.
    pub(crate) fn on_time_event(&mut self, now_ns: i64) -> NetworkTimeEvents {
        let mut events = NetworkTimeEvents::default();
        match self.state {
            PublicationState::Active => {
                if self.log.metadata().is_publication_revoked() {
                    self.enter_linger(now_ns);
                    events.entered_linger = true;
                    events.revoked = true;
                }
            }
            PublicationState::Draining => {
                if (self.status.is_end_of_stream() || !self.status.has_receivers())
                    && self.spies_finished_consuming()
                {
                    self.enter_linger(now_ns);
                    events.entered_linger = true;
                }
            }
            PublicationState::Linger => {
                if self.ref_count == 0
                    && (self.status.has_received_unicast_eos() || now_ns - self.linger_deadline_ns >= 0)
                {
                    self.state = PublicationState::Done;
                    events.reached_end_of_life = true;
                }
            }
            PublicationState::Done => {}
        }
        events
    }

    /// Whether every spy has read up to the producer position (Aeron `spiesFinishedConsuming`): a
    /// draining publication lingers only then, so spies see the whole stream before the image goes.
    fn spies_finished_consuming(&self) -> bool {
        let producer_position = self.log.producer_position();
        self.spies.iter().all(|spy| spy.position.get_volatile() >= producer_position)
    }

    fn enter_linger(&mut self, now_ns: i64) {
        self.state = PublicationState::Linger;
        self.linger_deadline_ns = now_ns.saturating_add(self.linger_timeout_ns);
    }

    /// Counters to free once the sender dropped its half: the four stream counters and the spies'.
    pub(crate) fn counter_ids_to_free(&self) -> Vec<i32> {
        let mut ids = self.counter_ids.to_vec();
        ids.extend(self.spies.iter().map(|s| s.position.id()));
        ids
    }
}
