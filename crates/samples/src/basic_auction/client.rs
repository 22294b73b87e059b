//! [`BasicAuctionClusterClient`]: the tutorial's `BasicAuctionClusterClient` as a sans-IO state
//! machine — it decides when to bid and at what price, matches responses to bids by correlation id,
//! notices lost bids and keeps the session alive — plus [`BasicAuctionClusterClient::step`], which
//! drives it against an [`AeronCluster`] without ever blocking.
//!
//! The tutorial's behaviour: bids go out at random intervals below `bid_interval_ns`, each at the last
//! price seen plus 0..10 cents; a keep-alive goes out when nothing was sent for
//! `keep_alive_interval_ns`. Added here: a bid without a response within `response_timeout_ns` is
//! counted as lost (the tutorial notes that bids in flight when a leader dies may be lost), so the
//! client always finishes.
//!
//! Invariants: time comes only from the `now_ns` arguments and randomness from the seed, so a run is
//! reproducible; every bid sent is, at any moment, exactly one of pending, answered or lost; events are
//! queued (bounded by the bid count plus the leader changes) for the caller to print with
//! [`BasicAuctionClusterClient::pop_event`].

use std::collections::{BTreeMap, VecDeque};
use std::fmt;

use agrona::Prng;
use cluster_client::{AeronCluster, EgressListener, EventCode};

use super::messages::{BidRequest, BidResponse};

/// How the client bids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientSettings {
    /// The customer this client bids for.
    pub customer_id: i64,
    /// How many bids to send.
    pub bid_count: u32,
    /// Upper bound of the random pause between bids.
    pub bid_interval_ns: i64,
    /// A bid unanswered for this long counts as lost.
    pub response_timeout_ns: i64,
    /// Send a keep-alive after this long without sending.
    pub keep_alive_interval_ns: i64,
    /// Seed of the prices and pauses.
    pub seed: u64,
    /// The first correlation id (later ones count up).
    pub first_correlation_id: i64,
}

impl ClientSettings {
    /// The tutorial's client for `customer_id`: `bid_count` bids at most `bid_interval_ns` apart, 1 s
    /// keep-alives, bids lost after 5 s, seed and first correlation id from `customer_id`.
    pub fn tutorial(customer_id: i64, bid_count: u32, bid_interval_ns: i64) -> Self {
        Self {
            customer_id,
            bid_count,
            bid_interval_ns,
            response_timeout_ns: 5_000_000_000,
            keep_alive_interval_ns: 1_000_000_000,
            seed: customer_id as u64,
            first_correlation_id: 0,
        }
    }
}

/// Something the client did or saw, in order (the tutorial's printed lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientEvent {
    /// A bid was offered to the cluster.
    Sent {
        /// Its correlation id.
        correlation_id: i64,
        /// The customer.
        customer_id: i64,
        /// The price.
        price: i64,
        /// Bids still to send.
        bids_remaining: u32,
    },
    /// A response arrived.
    Response {
        /// The cluster session.
        cluster_session_id: i64,
        /// The decoded response.
        response: BidResponse,
        /// Time from sending the bid (None if the bid was not pending: lost earlier, or unknown).
        latency_ns: Option<i64>,
    },
    /// The cluster elected a new leader; the session moved to it.
    NewLeader {
        /// The cluster session (unchanged).
        cluster_session_id: i64,
        /// The new term.
        leadership_term_id: i64,
        /// The new leader.
        leader_member_id: i32,
    },
    /// A session event (an error, or the session closed).
    SessionEvent {
        /// Correlation id of the event.
        correlation_id: i64,
        /// Term of the event.
        leadership_term_id: i64,
        /// Leader at the event.
        leader_member_id: i32,
        /// The event code.
        code: EventCode,
        /// Details.
        detail: String,
    },
    /// A bid got no response within the timeout.
    Lost {
        /// Its correlation id.
        correlation_id: i64,
        /// Its price.
        price: i64,
    },
    /// An egress message that is not a bid response.
    Malformed {
        /// Its length.
        length: usize,
    },
}

impl fmt::Display for ClientEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientEvent::Sent { correlation_id, customer_id, price, bids_remaining } => {
                write!(f, "Sent({correlation_id}, {customer_id}, {price}) bidsRemaining={bids_remaining}")
            }
            ClientEvent::Response { cluster_session_id, response, latency_ns } => {
                write!(
                    f,
                    "SessionMessage({cluster_session_id}, {}, {}, {}, {})",
                    response.correlation_id,
                    response.winning_customer_id,
                    response.best_price,
                    response.succeeded
                )?;
                if let Some(latency_ns) = latency_ns {
                    write!(f, " after {:.1} ms", *latency_ns as f64 / 1e6)?;
                }
                Ok(())
            }
            ClientEvent::NewLeader { cluster_session_id, leadership_term_id, leader_member_id } => {
                write!(f, "NewLeader({cluster_session_id}, {leadership_term_id}, {leader_member_id})")
            }
            ClientEvent::SessionEvent {
                correlation_id,
                leadership_term_id,
                leader_member_id,
                code,
                detail,
            } => {
                write!(
                    f,
                    "SessionEvent({correlation_id}, {leadership_term_id}, {leader_member_id}, {code:?}, {detail})"
                )
            }
            ClientEvent::Lost { correlation_id, price } => {
                write!(f, "Lost({correlation_id}, {price}) no response")
            }
            ClientEvent::Malformed { length } => write!(f, "Malformed({length} bytes)"),
        }
    }
}

/// Running totals of a client.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// Bids offered successfully.
    pub bids_sent: u64,
    /// Responses to pending bids.
    pub bids_acknowledged: u64,
    /// Acknowledged bids that became the best one.
    pub bids_succeeded: u64,
    /// Bids that got no response in time.
    pub bids_lost: u64,
    /// Responses to bids that were not pending (already counted lost, or unknown).
    pub late_responses: u64,
    /// Keep-alives sent.
    pub keep_alives_sent: u64,
    /// Leader changes seen.
    pub new_leaders: u64,
    /// Egress messages that did not decode.
    pub malformed_messages: u64,
}

#[derive(Debug, Clone, Copy)]
struct PendingBid {
    price: i64,
    sent_at_ns: i64,
}

/// The bidding client. Drive it with [`BasicAuctionClusterClient::step`] (or the finer-grained
/// `prepare_bid`/`on_bid_sent`/`keep_alive_due` calls), and hand it to `AeronCluster::poll_egress` as
/// the egress listener.
#[derive(Debug)]
pub struct BasicAuctionClusterClient {
    settings: ClientSettings,
    prng: Prng,
    next_correlation_id: i64,
    bids_remaining: u32,
    last_bid_seen: i64,
    next_bid_deadline_ns: Option<i64>,
    keep_alive_deadline_ns: Option<i64>,
    prepared: Option<BidRequest>,
    pending: BTreeMap<i64, PendingBid>,
    events: VecDeque<ClientEvent>,
    stats: ClientStats,
    now_ns: i64,
}

impl BasicAuctionClusterClient {
    /// The tutorial's starting price (the last bid seen before any response).
    pub const STARTING_PRICE: i64 = 100;

    /// A client that has sent nothing yet.
    pub fn new(settings: ClientSettings) -> Self {
        Self {
            prng: Prng::from_seed(settings.seed),
            next_correlation_id: settings.first_correlation_id,
            bids_remaining: settings.bid_count,
            last_bid_seen: Self::STARTING_PRICE,
            next_bid_deadline_ns: None,
            keep_alive_deadline_ns: None,
            prepared: None,
            pending: BTreeMap::new(),
            events: VecDeque::new(),
            stats: ClientStats::default(),
            now_ns: 0,
            settings,
        }
    }

    /// The settings.
    pub fn settings(&self) -> &ClientSettings {
        &self.settings
    }

    /// Totals so far.
    pub fn stats(&self) -> ClientStats {
        self.stats
    }

    /// Bids sent and not yet answered or lost.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Bids still to send.
    pub fn bids_remaining(&self) -> u32 {
        self.bids_remaining
    }

    /// The best price seen in the latest response.
    pub fn last_bid_seen(&self) -> i64 {
        self.last_bid_seen
    }

    /// True once every bid was sent and answered or lost.
    pub fn is_finished(&self) -> bool {
        self.bids_remaining == 0 && self.pending.is_empty()
    }

    /// The oldest event not yet taken.
    pub fn pop_event(&mut self) -> Option<ClientEvent> {
        self.events.pop_front()
    }

    /// Tells the client the time before the egress is polled (for response latencies).
    pub fn set_now_ns(&mut self, now_ns: i64) {
        self.now_ns = now_ns;
    }

    /// The bid to offer now, if one is due (the same bid again until [`Self::on_bid_sent`]).
    pub fn prepare_bid(&mut self, now_ns: i64) -> Option<BidRequest> {
        if self.prepared.is_none() && self.bids_remaining > 0 {
            let deadline_ns = *self.next_bid_deadline_ns.get_or_insert_with(|| {
                now_ns + self.prng.gen_range(0..self.settings.bid_interval_ns.max(1) as u64) as i64
            });
            if now_ns.wrapping_sub(deadline_ns) >= 0 {
                let price = self.last_bid_seen + self.prng.gen_range(0..10) as i64;
                self.prepared = Some(BidRequest {
                    correlation_id: self.next_correlation_id,
                    customer_id: self.settings.customer_id,
                    price,
                });
            }
        }
        self.prepared
    }

    /// The prepared bid was offered successfully at `now_ns`.
    pub fn on_bid_sent(&mut self, now_ns: i64) {
        let Some(bid) = self.prepared.take() else {
            return;
        };
        self.next_correlation_id = self.next_correlation_id.wrapping_add(1);
        self.bids_remaining -= 1;
        self.stats.bids_sent += 1;
        self.pending.insert(bid.correlation_id, PendingBid { price: bid.price, sent_at_ns: now_ns });
        self.next_bid_deadline_ns =
            Some(now_ns + self.prng.gen_range(0..self.settings.bid_interval_ns.max(1) as u64) as i64);
        self.keep_alive_deadline_ns = Some(now_ns + self.settings.keep_alive_interval_ns);
        self.events.push_back(ClientEvent::Sent {
            correlation_id: bid.correlation_id,
            customer_id: bid.customer_id,
            price: bid.price,
            bids_remaining: self.bids_remaining,
        });
    }

    /// Sends no more bids (the pending ones still complete: answered or lost).
    pub fn stop_bidding(&mut self) {
        self.bids_remaining = 0;
        self.prepared = None;
    }

    /// True if a keep-alive should go out now (nothing sent for the keep-alive interval, not finished).
    pub fn keep_alive_due(&mut self, now_ns: i64) -> bool {
        if self.is_finished() {
            return false;
        }
        let deadline_ns =
            *self.keep_alive_deadline_ns.get_or_insert(now_ns + self.settings.keep_alive_interval_ns);
        now_ns.wrapping_sub(deadline_ns) >= 0
    }

    /// A keep-alive was sent at `now_ns`.
    pub fn on_keep_alive_sent(&mut self, now_ns: i64) {
        self.stats.keep_alives_sent += 1;
        self.keep_alive_deadline_ns = Some(now_ns + self.settings.keep_alive_interval_ns);
    }

    /// Counts the bids unanswered for the response timeout as lost; returns how many.
    pub fn expire(&mut self, now_ns: i64) -> usize {
        let timeout_ns = self.settings.response_timeout_ns;
        let expired: Vec<i64> = self
            .pending
            .iter()
            .filter(|(_, bid)| now_ns.wrapping_sub(bid.sent_at_ns) >= timeout_ns)
            .map(|(correlation_id, _)| *correlation_id)
            .collect();
        for correlation_id in &expired {
            if let Some(bid) = self.pending.remove(correlation_id) {
                self.stats.bids_lost += 1;
                self.events
                    .push_back(ClientEvent::Lost { correlation_id: *correlation_id, price: bid.price });
            }
        }
        expired.len()
    }

    /// One non-blocking round: polls the egress, expires old bids, offers the due bid once (retried on
    /// the next step if refused) or a due keep-alive. Returns the work done (0: idle a little).
    pub fn step(&mut self, cluster: &mut AeronCluster, now_ns: i64) -> usize {
        self.now_ns = now_ns;
        let mut work = cluster.poll_egress(self);
        work += self.expire(now_ns);
        if let Some(bid) = self.prepare_bid(now_ns) {
            if cluster.offer(&bid.encode()).is_ok() {
                self.on_bid_sent(now_ns);
                work += 1;
            }
        } else if self.keep_alive_due(now_ns) && cluster.send_keep_alive() {
            self.on_keep_alive_sent(now_ns);
            work += 1;
        }
        work
    }
}

impl EgressListener for BasicAuctionClusterClient {
    fn on_message(&mut self, cluster_session_id: i64, _timestamp: i64, payload: &[u8]) {
        let Ok(response) = BidResponse::decode(payload) else {
            self.stats.malformed_messages += 1;
            self.events.push_back(ClientEvent::Malformed { length: payload.len() });
            return;
        };
        self.last_bid_seen = response.best_price;
        let latency_ns = match self.pending.remove(&response.correlation_id) {
            Some(bid) => {
                self.stats.bids_acknowledged += 1;
                if response.succeeded {
                    self.stats.bids_succeeded += 1;
                }
                Some(self.now_ns - bid.sent_at_ns)
            }
            None => {
                self.stats.late_responses += 1;
                None
            }
        };
        self.events.push_back(ClientEvent::Response { cluster_session_id, response, latency_ns });
    }

    fn on_session_event(
        &mut self,
        correlation_id: i64,
        _cluster_session_id: i64,
        leadership_term_id: i64,
        leader_member_id: i32,
        code: EventCode,
        detail: &str,
    ) {
        self.events.push_back(ClientEvent::SessionEvent {
            correlation_id,
            leadership_term_id,
            leader_member_id,
            code,
            detail: detail.to_owned(),
        });
    }

    fn on_new_leader(
        &mut self,
        cluster_session_id: i64,
        leadership_term_id: i64,
        leader_member_id: i32,
        _ingress_endpoints: &str,
    ) {
        self.stats.new_leaders += 1;
        self.events.push_back(ClientEvent::NewLeader {
            cluster_session_id,
            leadership_term_id,
            leader_member_id,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> ClientSettings {
        ClientSettings {
            customer_id: 10,
            bid_count: 3,
            bid_interval_ns: 100,
            response_timeout_ns: 1_000,
            keep_alive_interval_ns: 500,
            seed: 42,
            first_correlation_id: 7,
        }
    }

    fn respond(client: &mut BasicAuctionClusterClient, bid: &BidRequest, best: i64, succeeded: bool) {
        let response = BidResponse {
            correlation_id: bid.correlation_id,
            winning_customer_id: 10,
            best_price: best,
            succeeded,
        };
        client.on_message(1, 0, &response.encode());
    }

    #[test]
    fn bids_are_paced_priced_and_matched_to_responses() {
        let mut client = BasicAuctionClusterClient::new(settings());
        let mut now_ns = 0;
        let first = loop {
            if let Some(bid) = client.prepare_bid(now_ns) {
                break bid;
            }
            now_ns += 1;
            assert!(now_ns <= 100, "the first bid is due within the interval");
        };
        assert_eq!(first.correlation_id, 7);
        assert_eq!(first.customer_id, 10);
        assert!((100..110).contains(&first.price), "{}", first.price);
        assert_eq!(client.prepare_bid(now_ns), Some(first), "the same bid until it is sent");
        client.on_bid_sent(now_ns);
        assert_eq!(client.pending(), 1);
        client.set_now_ns(now_ns + 40);
        respond(&mut client, &first, 150, true);
        assert_eq!(client.pending(), 0);
        assert_eq!(client.last_bid_seen(), 150);
        let stats = client.stats();
        assert_eq!((stats.bids_sent, stats.bids_acknowledged, stats.bids_succeeded), (1, 1, 1));
        assert!(matches!(client.pop_event(), Some(ClientEvent::Sent { correlation_id: 7, .. })));
        match client.pop_event() {
            Some(event @ ClientEvent::Response { latency_ns: Some(40), .. }) => {
                assert_eq!(event.to_string(), "SessionMessage(1, 7, 10, 150, true) after 0.0 ms");
            }
            other => panic!("{other:?}"),
        }
        let second = loop {
            now_ns += 1;
            if let Some(bid) = client.prepare_bid(now_ns) {
                break bid;
            }
        };
        assert_eq!(second.correlation_id, 8);
        assert!((150..160).contains(&second.price), "priced from the last response: {}", second.price);
    }

    #[test]
    fn unanswered_bids_are_lost_and_late_answers_counted() {
        let mut client = BasicAuctionClusterClient::new(settings());
        let mut now_ns = 0;
        let mut sent = Vec::new();
        while client.bids_remaining() > 0 {
            if let Some(bid) = client.prepare_bid(now_ns) {
                client.on_bid_sent(now_ns);
                sent.push(bid);
            }
            now_ns += 10;
        }
        assert_eq!(client.pending(), 3);
        assert!(!client.is_finished());
        respond(&mut client, &sent[1], 200, true);
        assert_eq!(client.expire(now_ns + 10_000), 2);
        assert!(client.is_finished());
        respond(&mut client, &sent[0], 200, false);
        let stats = client.stats();
        assert_eq!(
            (stats.bids_sent, stats.bids_acknowledged, stats.bids_lost, stats.late_responses),
            (3, 1, 2, 1)
        );
        client.on_message(1, 0, &[1, 2]);
        assert_eq!(client.stats().malformed_messages, 1);
        assert!(!client.keep_alive_due(now_ns + 1_000_000), "no keep-alive once finished");
    }

    #[test]
    fn keep_alives_and_leader_changes() {
        let mut client =
            BasicAuctionClusterClient::new(ClientSettings { bid_interval_ns: 1_000_000, ..settings() });
        assert!(!client.keep_alive_due(0));
        assert!(!client.keep_alive_due(499));
        assert!(client.keep_alive_due(500));
        client.on_keep_alive_sent(500);
        assert!(!client.keep_alive_due(999));
        assert!(client.keep_alive_due(1_000));
        client.on_new_leader(1, 2, 1, "1=h:1");
        assert_eq!(client.stats().new_leaders, 1);
        assert_eq!(client.pop_event().map(|e| e.to_string()), Some("NewLeader(1, 2, 1)".to_owned()));
    }

    #[test]
    fn the_same_seed_gives_the_same_bids() {
        let run = || {
            let mut client = BasicAuctionClusterClient::new(settings());
            let mut bids = Vec::new();
            for now_ns in 0..1_000 {
                if let Some(bid) = client.prepare_bid(now_ns) {
                    client.on_bid_sent(now_ns);
                    bids.push((now_ns, bid));
                }
            }
            bids
        };
        assert_eq!(run(), run());
        assert_eq!(run().len(), 3);
    }
}
