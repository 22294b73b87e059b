//! [`IpcPublication`]: the driver side of an IPC publication (Aeron `IpcPublication`): its log, its
//! `pub-pos` and `pub-lmt` counters, its subscribers' `sub-pos` counters, and its life cycle.
//!
//! Life cycle: ACTIVE (publishers hold references) → DRAINING (last reference gone: the limit and the
//! end-of-stream position are set to the producer position) → LINGER (subscribers drained, or the linger
//! timeout expired: the conductor tells them the image is unavailable) → DONE (next timer: counters
//! freed, log removed). A revoked publication goes from ACTIVE straight to LINGER.
//!
//! Invariants:
//! - `pub-lmt` only moves forward while ACTIVE with subscribers, to `min(sub-pos) + window`, and only
//!   once the partition that limit falls in has been cleaned (the conductor cleans one term behind the
//!   slowest subscriber). Without subscribers it is pulled back to the consumer position.
//! - `is_connected` in the log metadata is true exactly while there are subscribers (checked on timers and
//!   on every subscriber change).
//! - A concurrent publication whose consumers have not moved while the producer is ahead for the unblock
//!   timeout gets the blocking claim padded over (`unblock_log`).

use agrona::AtomicCounter;
use logbuffer::{LogBuffer, PARTITION_COUNT};

/// Where an [`IpcPublication`] is in its life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicationState {
    /// Publishers may write.
    Active,
    /// No publishers left; waiting for subscribers to drain or the linger timeout.
    Draining,
    /// Subscribers were told the image is gone; freed on the next timer.
    Linger,
    /// Freed.
    Done,
}

/// One subscriber of an IPC publication: the subscription and its `sub-pos` counter.
#[derive(Clone)]
pub(crate) struct IpcSubscriber {
    pub(crate) subscription_registration_id: i64,
    pub(crate) position: AtomicCounter,
}

/// What a timer check found, for the conductor to act on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct TimeEvents {
    /// A blocked claim was padded over.
    pub(crate) unblocked: bool,
    /// The publication entered LINGER: notify linked subscriptions that the image is unavailable.
    pub(crate) entered_linger: bool,
    /// The publication was revoked (entered LINGER through revocation).
    pub(crate) revoked: bool,
    /// The publication is DONE: free everything.
    pub(crate) reached_end_of_life: bool,
    /// A rejection cool-down ended: matching subscriptions may link again.
    pub(crate) cool_down_expired: bool,
}

/// Construction parameters of an [`IpcPublication`].
pub(crate) struct IpcPublicationConfig {
    pub(crate) registration_id: i64,
    pub(crate) channel: String,
    pub(crate) session_id: i32,
    pub(crate) stream_id: i32,
    pub(crate) entity_tag: Option<i64>,
    pub(crate) is_exclusive: bool,
    pub(crate) log: LogBuffer,
    pub(crate) log_name: String,
    pub(crate) publisher_position: AtomicCounter,
    pub(crate) publisher_limit: AtomicCounter,
    pub(crate) term_window_length: i32,
    pub(crate) starting_term_id: i32,
    pub(crate) starting_term_offset: i32,
    pub(crate) unblock_timeout_ns: i64,
    pub(crate) linger_timeout_ns: i64,
    pub(crate) image_liveness_timeout_ns: i64,
    pub(crate) response_correlation_id: i64,
    pub(crate) now_ns: i64,
}

/// An IPC publication owned by the driver conductor.
pub struct IpcPublication {
    registration_id: i64,
    channel: String,
    session_id: i32,
    stream_id: i32,
    entity_tag: Option<i64>,
    is_exclusive: bool,
    log: LogBuffer,
    log_name: String,
    publisher_position: AtomicCounter,
    publisher_limit: AtomicCounter,
    subscribers: Vec<IpcSubscriber>,
    ref_count: usize,
    state: PublicationState,
    term_length: i32,
    position_bits_to_shift: u32,
    initial_term_id: i32,
    starting_term_id: i32,
    starting_term_offset: i32,
    term_window_length: i64,
    trip_gain: i64,
    trip_limit: i64,
    consumer_position: i64,
    last_consumer_position: i64,
    time_of_last_consumer_position_update_ns: i64,
    clean_position: i64,
    unblock_timeout_ns: i64,
    linger_timeout_ns: i64,
    drain_deadline_ns: i64,
    image_liveness_timeout_ns: i64,
    in_cool_down: bool,
    cool_down_expire_ns: i64,
    response_correlation_id: i64,
}

impl IpcPublication {
    pub(crate) fn new(config: IpcPublicationConfig) -> Self {
        let log = config.log;
        let producer_position = log.producer_position();
        config.publisher_position.set_ordered(producer_position);
        config.publisher_limit.set_ordered(producer_position);
        let term_window_length = i64::from(config.term_window_length);
        Self {
            registration_id: config.registration_id,
            channel: config.channel,
            session_id: config.session_id,
            stream_id: config.stream_id,
            entity_tag: config.entity_tag,
            is_exclusive: config.is_exclusive,
            term_length: log.term_length(),
            position_bits_to_shift: log.position_bits_to_shift(),
            initial_term_id: log.initial_term_id(),
            log,
            log_name: config.log_name,
            publisher_position: config.publisher_position,
            publisher_limit: config.publisher_limit,
            subscribers: Vec::new(),
            ref_count: 0,
            state: PublicationState::Active,
            starting_term_id: config.starting_term_id,
            starting_term_offset: config.starting_term_offset,
            term_window_length,
            trip_gain: term_window_length >> 3,
            trip_limit: 0,
            consumer_position: producer_position,
            last_consumer_position: producer_position,
            time_of_last_consumer_position_update_ns: config.now_ns,
            clean_position: producer_position,
            unblock_timeout_ns: config.unblock_timeout_ns,
            linger_timeout_ns: config.linger_timeout_ns,
            drain_deadline_ns: i64::MAX,
            image_liveness_timeout_ns: config.image_liveness_timeout_ns,
            in_cool_down: false,
            cool_down_expire_ns: 0,
            response_correlation_id: config.response_correlation_id,
        }
    }

    /// The registration id (correlation id of the command that created it).
    pub fn registration_id(&self) -> i64 {
        self.registration_id
    }
    /// The channel it was created with.
    pub fn channel(&self) -> &str {
        &self.channel
    }
    /// The session id.
    pub fn session_id(&self) -> i32 {
        self.session_id
    }
    /// The stream id.
    pub fn stream_id(&self) -> i32 {
        self.stream_id
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
        self.publisher_limit.id()
    }
    /// The `pub-pos` counter id.
    pub fn publisher_position_id(&self) -> i32 {
        self.publisher_position.id()
    }
    /// The state.
    pub fn state(&self) -> PublicationState {
        self.state
    }
    /// Publication links holding this publication.
    pub fn ref_count(&self) -> usize {
        self.ref_count
    }
    /// Term length of the log.
    pub fn term_length(&self) -> i32 {
        self.term_length
    }
    /// MTU of the log.
    pub fn mtu_length(&self) -> i32 {
        self.log.mtu_length()
    }
    /// Initial term id of the log.
    pub fn initial_term_id(&self) -> i32 {
        self.initial_term_id
    }
    /// The term id the log started in.
    pub fn starting_term_id(&self) -> i32 {
        self.starting_term_id
    }
    /// The term offset the log started at.
    pub fn starting_term_offset(&self) -> i32 {
        self.starting_term_offset
    }
    /// The response correlation id (-1 if none).
    pub fn response_correlation_id(&self) -> i64 {
        self.response_correlation_id
    }
    /// `(subscription registration id, sub-pos counter id)` of every linked subscriber.
    pub fn subscriber_positions(&self) -> impl Iterator<Item = (i64, i32)> + '_ {
        self.subscribers.iter().map(|s| (s.subscription_registration_id, s.position.id()))
    }
    /// Where the publisher has written up to.
    pub fn producer_position(&self) -> i64 {
        self.log.producer_position()
    }
    /// The highest subscriber position seen while active.
    pub fn consumer_position(&self) -> i64 {
        self.consumer_position
    }

    /// Where a new subscriber starts: the slowest current subscriber, else the consumer position.
    pub fn join_position(&self) -> i64 {
        self.subscribers.iter().map(|s| s.position.get_volatile()).fold(self.consumer_position, i64::min)
    }

    /// True if a subscription may link now (not rejected, and active or still draining with data left).
    pub fn is_accepting_subscriptions(&self) -> bool {
        !self.in_cool_down
            && (self.state == PublicationState::Active
                || (self.state == PublicationState::Draining && !self.is_drained(self.producer_position())))
    }

    pub(crate) fn inc_ref(&mut self) {
        self.ref_count += 1;
    }

    /// Drops one reference; the last one sets the limit and end-of-stream to the producer position and
    /// starts DRAINING (unless the publication was revoked: the next timer takes it to LINGER).
    pub(crate) fn dec_ref(&mut self, now_ns: i64) {
        self.ref_count = self.ref_count.saturating_sub(1);
        if self.ref_count == 0 && self.state == PublicationState::Active {
            let producer_position = self.producer_position();
            self.publisher_limit.set_ordered(producer_position);
            self.log.metadata().set_end_of_stream_position(producer_position);
            if !self.log.metadata().is_publication_revoked() {
                self.state = PublicationState::Draining;
                self.drain_deadline_ns = now_ns.saturating_add(self.linger_timeout_ns);
            }
        }
    }

    /// Marks the log revoked (the next timer ends the stream at the producer position).
    pub(crate) fn revoke(&mut self) {
        self.log.metadata().set_is_publication_revoked(true);
    }

    pub(crate) fn add_subscriber(&mut self, subscription_registration_id: i64, position: AtomicCounter) {
        self.subscribers.push(IpcSubscriber { subscription_registration_id, position });
        self.update_connected_status(true);
    }

    /// Removes the subscriber of `subscription_registration_id`; returns its position counter to free.
    pub(crate) fn remove_subscriber(&mut self, subscription_registration_id: i64) -> Option<AtomicCounter> {
        let index = self
            .subscribers
            .iter()
            .position(|s| s.subscription_registration_id == subscription_registration_id)?;
        let removed = self.subscribers.swap_remove(index);
        if self.subscribers.is_empty() {
            self.update_connected_status(false);
        }
        Some(removed.position)
    }

    /// Removes every subscriber; returns their position counters to free.
    pub(crate) fn take_subscribers(&mut self) -> Vec<IpcSubscriber> {
        self.update_connected_status(false);
        std::mem::take(&mut self.subscribers)
    }

    /// Starts a rejection cool-down: no subscription links until `now_ns + image liveness timeout`.
    pub(crate) fn start_cool_down(&mut self, now_ns: i64) {
        self.update_connected_status(false);
        self.in_cool_down = true;
        self.cool_down_expire_ns = now_ns.saturating_add(self.image_liveness_timeout_ns);
    }

    fn update_connected_status(&self, connected: bool) {
        let metadata = self.log.metadata();
        if metadata.is_connected() != connected {
            metadata.set_is_connected(connected);
        }
    }

    fn is_drained(&self, producer_position: i64) -> bool {
        self.subscribers.iter().all(|s| s.position.get_volatile() >= producer_position)
    }

    /// Duty-cycle work: publishes the producer position and moves the limit (ACTIVE only). Returns 1 if
    /// the limit moved.
    pub(crate) fn update_publisher_position_and_limit(&mut self) -> usize {
        if self.state != PublicationState::Active {
            return 0;
        }
        let producer_position = self.producer_position();
        self.publisher_position.set_ordered(producer_position);
        if self.subscribers.is_empty() {
            if self.publisher_limit.get() > self.consumer_position {
                self.trip_limit = self.consumer_position;
                self.publisher_limit.set_ordered(self.consumer_position);
                self.clean_buffer_to(self.consumer_position - i64::from(self.term_length));
                return 1;
            }
            return 0;
        }
        let mut min_position = i64::MAX;
        let mut max_position = self.consumer_position;
        for subscriber in &self.subscribers {
            let position = subscriber.position.get_volatile();
            min_position = min_position.min(position);
            max_position = max_position.max(position);
        }
        if max_position > self.consumer_position {
            self.consumer_position = max_position;
        }
        let new_limit = min_position + self.term_window_length;
        if new_limit >= self.trip_limit {
            self.clean_buffer_to(min_position - i64::from(self.term_length));
            if self.is_clean_for(new_limit) {
                self.publisher_limit.set_ordered(new_limit);
                self.trip_limit = new_limit + self.trip_gain;
                return 1;
            }
        }
        0
    }

    /// True if the partition that `limit` falls in has been cleaned since its previous use (the term three
    /// terms earlier is entirely behind the clean position).
    fn is_clean_for(&self, limit: i64) -> bool {
        let term_length = i64::from(self.term_length);
        let limit_term_begin = limit & !(term_length - 1);
        self.clean_position >= limit_term_begin - (PARTITION_COUNT as i64 - 1) * term_length
    }

    /// Zeroes the log from the clean position up to `position` (term by term, at most one full rotation).
    fn clean_buffer_to(&mut self, position: i64) {
        let term_length = i64::from(self.term_length);
        for _ in 0..PARTITION_COUNT {
            let clean_position = self.clean_position;
            if position <= clean_position {
                return;
            }
            let index = logbuffer::index_by_position(clean_position, self.position_bits_to_shift);
            let term_offset = clean_position & (term_length - 1);
            let length = (position - clean_position).min(term_length - term_offset);
            logbuffer::clean_term_range(self.log.term(index), term_offset as usize, length as usize);
            self.clean_position = clean_position + length;
        }
    }

    /// The clean position (everything behind it has been zeroed since its last use).
    pub fn clean_position(&self) -> i64 {
        self.clean_position
    }

    /// Timer work (every timer interval).
    pub(crate) fn on_time_event(&mut self, now_ns: i64) -> TimeEvents {
        let mut events = TimeEvents::default();
        match self.state {
            PublicationState::Active => {
                if self.log.metadata().is_publication_revoked() {
                    let revoked_position = self.producer_position();
                    self.publisher_limit.set_ordered(revoked_position);
                    self.log.metadata().set_end_of_stream_position(revoked_position);
                    self.update_connected_status(false);
                    self.state = PublicationState::Linger;
                    events.entered_linger = true;
                    events.revoked = true;
                } else {
                    self.update_connected_status(!self.subscribers.is_empty());
                    let producer_position = self.producer_position();
                    self.publisher_position.set_ordered(producer_position);
                    if !self.is_exclusive {
                        events.unblocked = self.check_for_blocked_publisher(producer_position, now_ns);
                    }
                    if self.in_cool_down && self.cool_down_expire_ns < now_ns {
                        self.in_cool_down = false;
                        self.cool_down_expire_ns = 0;
                        events.cool_down_expired = true;
                    }
                }
            }
            PublicationState::Draining => {
                let producer_position = self.producer_position();
                self.publisher_position.set_ordered(producer_position);
                if self.is_drained(producer_position) || now_ns >= self.drain_deadline_ns {
                    self.state = PublicationState::Linger;
                    events.entered_linger = true;
                } else {
                    let blocked_position = self.join_position();
                    events.unblocked = logbuffer::unblock_log(&self.log, blocked_position);
                }
            }
            PublicationState::Linger => {
                if self.ref_count == 0 {
                    self.state = PublicationState::Done;
                    events.reached_end_of_life = true;
                }
            }
            PublicationState::Done => {}
        }
        events
    }

    fn check_for_blocked_publisher(&mut self, producer_position: i64, now_ns: i64) -> bool {
        let consumer_position = self.consumer_position;
        if consumer_position == self.last_consumer_position
            && self.is_possibly_blocked(producer_position, consumer_position)
        {
            if now_ns - (self.time_of_last_consumer_position_update_ns + self.unblock_timeout_ns) > 0
                && logbuffer::unblock_log(&self.log, consumer_position)
            {
                return true;
            }
        } else {
            self.time_of_last_consumer_position_update_ns = now_ns;
            self.last_consumer_position = consumer_position;
        }
        false
    }

    fn is_possibly_blocked(&self, producer_position: i64, consumer_position: i64) -> bool {
        let producer_term_count = self.log.metadata().active_term_count();
        let expected_term_count = (consumer_position >> self.position_bits_to_shift) as i32;
        producer_term_count != expected_term_count || producer_position > consumer_position
    }

    /// The counters to free at end of life: `pub-pos`, `pub-lmt` and any remaining `sub-pos`.
    pub(crate) fn counter_ids_to_free(&self) -> Vec<i32> {
        let mut ids = vec![self.publisher_position.id(), self.publisher_limit.id()];
        ids.extend(self.subscribers.iter().map(|s| s.position.id()));
        ids
    }
}
