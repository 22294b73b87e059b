//! A fake cluster for the client tests: each member subscribes to its ingress endpoint and answers the
//! client protocol the way a consensus module would (reference §3.5, §3.6), without a log: connect
//! requests get OK / REDIRECT / ERROR / Challenge / AUTHENTICATION_REJECTED depending on the member's
//! role, session messages are echoed by the leader, and everything received is recorded.

use std::collections::VecDeque;

use client::{Aeron, ExclusivePublication, FragmentAssembler, Header, Subscription};
use protocol::cluster::{
    AdminRequestType, AdminResponse, AdminResponseCode, CLIENT_PROTOCOL_SEMANTIC_VERSION, Challenge,
    ClusterMessage, EventCode, NewLeaderEvent, SessionEvent, SessionMessage, SessionMessageHeader,
    decode_any,
};

/// How a member answers connect requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberRole {
    /// Not running: no ingress subscription.
    Down,
    /// The leader: opens sessions (OK) and echoes their messages.
    Leader,
    /// A follower: answers REDIRECT naming `leader_id` with all endpoints.
    Follower { leader_id: i32 },
    /// Answers ERROR with this detail.
    Rejecting(String),
    /// Answers AUTHENTICATION_REJECTED.
    AuthRejecting,
    /// Subscribes and records, never answers.
    Silent,
    /// Leader that challenges with `challenge` and accepts only `expected` credentials.
    Challenging { challenge: Vec<u8>, expected: Vec<u8> },
}

/// What a member received on ingress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ingress {
    Connect {
        correlation_id: i64,
        response_channel: String,
        response_stream_id: i32,
        version: i32,
        credentials: Vec<u8>,
        client_info: String,
    },
    ChallengeResponse {
        correlation_id: i64,
        cluster_session_id: i64,
        credentials: Vec<u8>,
    },
    KeepAlive {
        leadership_term_id: i64,
        cluster_session_id: i64,
    },
    Close {
        leadership_term_id: i64,
        cluster_session_id: i64,
    },
    Message {
        leadership_term_id: i64,
        cluster_session_id: i64,
        payload: Vec<u8>,
    },
    Admin {
        leadership_term_id: i64,
        cluster_session_id: i64,
        correlation_id: i64,
    },
    Other,
}

/// A session the cluster knows (enough to adopt it on another member).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: i64,
    pub response_channel: String,
    pub response_stream_id: i32,
}

/// An egress publication to one client with the messages still to send.
struct Egress {
    cluster_session_id: i64,
    publication: ExclusivePublication,
    outbox: VecDeque<Vec<u8>>,
}

/// One fake member.
pub struct FakeMember {
    pub id: i32,
    pub endpoint: String,
    pub role: MemberRole,
    pub leadership_term_id: i64,
    pub leader_heartbeat_timeout_ns: i64,
    /// The endpoint list sent in REDIRECT and NewLeaderEvent.
    pub all_endpoints: String,
    pub received: Vec<Ingress>,
    pub sessions: Vec<SessionRecord>,
    /// Echo session messages (leader only).
    pub echo: bool,
    aeron: Aeron,
    ingress: Option<Subscription>,
    assembler: FragmentAssembler,
    egress: Vec<Egress>,
    challenged: Vec<SessionRecord>,
    next_session_id: i64,
}

impl FakeMember {
    pub fn new(id: i32, aeron: Aeron, endpoint: String) -> Self {
        Self {
            id,
            endpoint,
            role: MemberRole::Down,
            leadership_term_id: 0,
            leader_heartbeat_timeout_ns: 10_000_000_000,
            all_endpoints: String::new(),
            received: Vec::new(),
            sessions: Vec::new(),
            echo: true,
            aeron,
            ingress: None,
            assembler: FragmentAssembler::new(4096),
            egress: Vec::new(),
            challenged: Vec::new(),
            next_session_id: 1,
        }
    }

    /// Gives the member a role; a running role subscribes to the ingress endpoint.
    pub fn set_role(&mut self, role: MemberRole) {
        if role == MemberRole::Down {
            self.kill();
            return;
        }
        if self.ingress.is_none() {
            let channel = format!("aeron:udp?endpoint={}", self.endpoint);
            self.ingress = Some(self.aeron.add_subscription(&channel, 101).expect("ingress subscription"));
        }
        self.role = role;
    }

    /// Stops the member: closes its ingress and every egress publication; returns its sessions.
    pub fn kill(&mut self) -> Vec<SessionRecord> {
        self.role = MemberRole::Down;
        if let Some(mut ingress) = self.ingress.take() {
            ingress.close();
        }
        for mut egress in self.egress.drain(..) {
            egress.publication.close();
        }
        std::mem::take(&mut self.sessions)
    }

    /// Closes only the ingress subscription (egress keeps flowing).
    pub fn close_ingress(&mut self) {
        if let Some(mut ingress) = self.ingress.take() {
            ingress.close();
        }
    }

    /// Takes over `sessions` as leader of `leadership_term_id`: opens their egress and queues a
    /// NewLeaderEvent for each.
    pub fn promote(&mut self, leadership_term_id: i64, sessions: Vec<SessionRecord>) {
        self.set_role(MemberRole::Leader);
        self.leadership_term_id = leadership_term_id;
        for session in sessions {
            let event = NewLeaderEvent {
                leadership_term_id,
                cluster_session_id: session.id,
                leader_member_id: self.id,
                ingress_endpoints: &self.all_endpoints,
            };
            let bytes = encode(event.encoded_length(), |dst| event.encode(dst));
            self.open_egress(session.id, &session.response_channel, session.response_stream_id);
            self.queue(session.id, bytes);
            self.sessions.push(session);
        }
    }

    /// Queues raw bytes on the egress of `cluster_session_id`.
    pub fn queue(&mut self, cluster_session_id: i64, bytes: Vec<u8>) {
        let egress = self
            .egress
            .iter_mut()
            .rev()
            .find(|e| e.cluster_session_id == cluster_session_id)
            .expect("egress of the session");
        egress.outbox.push_back(bytes);
    }

    /// Queues a session message for the client.
    pub fn send_message(&mut self, cluster_session_id: i64, timestamp: i64, payload: &[u8]) {
        let message = SessionMessage {
            header: SessionMessageHeader {
                leadership_term_id: self.leadership_term_id,
                cluster_session_id,
                timestamp,
            },
            payload,
        };
        let bytes = encode(message.encoded_length(), |dst| message.encode(dst));
        self.queue(cluster_session_id, bytes);
    }

    /// Queues a session event for the client.
    pub fn send_event(
        &mut self,
        cluster_session_id: i64,
        correlation_id: i64,
        code: EventCode,
        detail: &str,
    ) {
        let bytes = self.event(cluster_session_id, correlation_id, self.id, code, detail);
        self.queue(cluster_session_id, bytes);
    }

    /// Messages received on ingress that are session messages, as (term, session, payload).
    pub fn messages(&self) -> Vec<(i64, i64, Vec<u8>)> {
        self.received
            .iter()
            .filter_map(|r| match r {
                Ingress::Message { leadership_term_id, cluster_session_id, payload } => {
                    Some((*leadership_term_id, *cluster_session_id, payload.clone()))
                }
                _ => None,
            })
            .collect()
    }

    /// Messages still queued on egress.
    pub fn queued(&self) -> usize {
        self.egress.iter().map(|e| e.outbox.len()).sum()
    }

    fn event(
        &self,
        session: i64,
        correlation_id: i64,
        leader: i32,
        code: EventCode,
        detail: &str,
    ) -> Vec<u8> {
        let event = SessionEvent {
            cluster_session_id: session,
            correlation_id,
            leadership_term_id: self.leadership_term_id,
            leader_member_id: leader,
            code,
            version: CLIENT_PROTOCOL_SEMANTIC_VERSION,
            leader_heartbeat_timeout_ns: self.leader_heartbeat_timeout_ns,
            detail,
        };
        encode(event.encoded_length(), |dst| event.encode(dst))
    }

    fn open_egress(&mut self, cluster_session_id: i64, channel: &str, stream_id: i32) {
        let publication =
            self.aeron.add_exclusive_publication(channel, stream_id).expect("egress publication");
        self.egress.push(Egress { cluster_session_id, publication, outbox: VecDeque::new() });
    }

    fn do_work(&mut self, now_ns: i64) -> usize {
        let mut work = self.aeron.conductor_do_work(now_ns);
        let mut messages: Vec<Vec<u8>> = Vec::new();
        if let Some(ingress) = self.ingress.as_mut() {
            let assembler = &mut self.assembler;
            work += ingress.poll(
                &mut |fragment: &[u8], header: &Header| {
                    assembler.on_fragment(fragment, header, &mut |message: &[u8], _header: &Header| {
                        messages.push(message.to_vec());
                    });
                },
                100,
            );
        }
        for message in messages {
            self.on_ingress(&message, now_ns);
        }
        for egress in &mut self.egress {
            while let Some(front) = egress.outbox.front() {
                if egress.publication.offer(front).is_err() {
                    break;
                }
                egress.outbox.pop_front();
                work += 1;
            }
        }
        work
    }

    fn on_ingress(&mut self, message: &[u8], now_ns: i64) {
        let record = match decode_any(message) {
            Ok(ClusterMessage::SessionConnectRequest(r)) => Ingress::Connect {
                correlation_id: r.correlation_id,
                response_channel: r.response_channel.to_owned(),
                response_stream_id: r.response_stream_id,
                version: r.version,
                credentials: r.encoded_credentials.to_vec(),
                client_info: r.client_info.to_owned(),
            },
            Ok(ClusterMessage::ChallengeResponse(r)) => Ingress::ChallengeResponse {
                correlation_id: r.correlation_id,
                cluster_session_id: r.cluster_session_id,
                credentials: r.encoded_credentials.to_vec(),
            },
            Ok(ClusterMessage::SessionKeepAlive(k)) => Ingress::KeepAlive {
                leadership_term_id: k.leadership_term_id,
                cluster_session_id: k.cluster_session_id,
            },
            Ok(ClusterMessage::SessionCloseRequest(c)) => Ingress::Close {
                leadership_term_id: c.leadership_term_id,
                cluster_session_id: c.cluster_session_id,
            },
            Ok(ClusterMessage::SessionMessage(m)) => Ingress::Message {
                leadership_term_id: m.header.leadership_term_id,
                cluster_session_id: m.header.cluster_session_id,
                payload: m.payload.to_vec(),
            },
            Ok(ClusterMessage::AdminRequest(a)) => Ingress::Admin {
                leadership_term_id: a.leadership_term_id,
                cluster_session_id: a.cluster_session_id,
                correlation_id: a.correlation_id,
            },
            _ => Ingress::Other,
        };
        self.received.push(record.clone());
        match record {
            Ingress::Connect { correlation_id, response_channel, response_stream_id, .. } => {
                self.on_connect(correlation_id, response_channel, response_stream_id)
            }
            Ingress::ChallengeResponse { correlation_id, cluster_session_id, credentials } => {
                self.on_challenge_response(correlation_id, cluster_session_id, &credentials)
            }
            Ingress::Message { leadership_term_id, cluster_session_id, payload } => {
                let open = self.sessions.iter().any(|s| s.id == cluster_session_id);
                if self.role == MemberRole::Leader
                    && self.echo
                    && open
                    && leadership_term_id == self.leadership_term_id
                {
                    self.send_message(cluster_session_id, now_ns / 1_000_000, &payload);
                }
            }
            Ingress::Admin { cluster_session_id, correlation_id, .. }
                if self.sessions.iter().any(|s| s.id == cluster_session_id) =>
            {
                let response = AdminResponse {
                    cluster_session_id,
                    correlation_id,
                    request_type: AdminRequestType::Snapshot,
                    response_code: AdminResponseCode::UnauthorisedAccess,
                    message: "Execution of the SNAPSHOT request was not authorised",
                    payload: &[],
                };
                let bytes = encode(response.encoded_length(), |dst| response.encode(dst));
                self.queue(cluster_session_id, bytes);
            }
            _ => {}
        }
    }

    fn on_connect(&mut self, correlation_id: i64, response_channel: String, response_stream_id: i32) {
        let new_session = |member: &mut Self| {
            let id = member.next_session_id;
            member.next_session_id += 1;
            member.open_egress(id, &response_channel, response_stream_id);
            SessionRecord { id, response_channel: response_channel.clone(), response_stream_id }
        };
        match self.role.clone() {
            MemberRole::Down | MemberRole::Silent => {}
            MemberRole::Leader => {
                let session = new_session(self);
                self.send_event(session.id, correlation_id, EventCode::Ok, "");
                self.sessions.push(session);
            }
            MemberRole::Follower { leader_id } => {
                self.open_egress(-1, &response_channel, response_stream_id);
                let bytes =
                    self.event(-1, correlation_id, leader_id, EventCode::Redirect, &self.all_endpoints);
                self.queue(-1, bytes);
            }
            MemberRole::Rejecting(detail) => {
                self.open_egress(-1, &response_channel, response_stream_id);
                let bytes = self.event(-1, correlation_id, self.id, EventCode::Error, &detail);
                self.queue(-1, bytes);
            }
            MemberRole::AuthRejecting => {
                let session = new_session(self);
                let bytes = self.event(
                    session.id,
                    correlation_id,
                    self.id,
                    EventCode::AuthenticationRejected,
                    "session failed authentication",
                );
                self.queue(session.id, bytes);
            }
            MemberRole::Challenging { challenge, .. } => {
                let session = new_session(self);
                let message = Challenge {
                    correlation_id,
                    cluster_session_id: session.id,
                    encoded_challenge: &challenge,
                };
                let bytes = encode(message.encoded_length(), |dst| message.encode(dst));
                self.queue(session.id, bytes);
                self.challenged.push(session);
            }
        }
    }

    fn on_challenge_response(&mut self, correlation_id: i64, cluster_session_id: i64, credentials: &[u8]) {
        let MemberRole::Challenging { expected, .. } = self.role.clone() else {
            return;
        };
        let Some(index) = self.challenged.iter().position(|s| s.id == cluster_session_id) else {
            return;
        };
        let session = self.challenged.remove(index);
        if credentials == expected.as_slice() {
            self.send_event(session.id, correlation_id, EventCode::Ok, "");
            self.sessions.push(session);
        } else {
            let bytes = self.event(
                session.id,
                correlation_id,
                self.id,
                EventCode::AuthenticationRejected,
                "session failed authentication",
            );
            self.queue(session.id, bytes);
        }
    }
}

/// The fake cluster: its members, stepped by the world.
#[derive(Default)]
pub struct FakeCluster {
    pub members: Vec<FakeMember>,
}

impl FakeCluster {
    /// Member `id`.
    pub fn member(&mut self, id: i32) -> &mut FakeMember {
        &mut self.members[id as usize]
    }

    /// Gives every member its endpoint list and role.
    pub fn configure(&mut self, endpoints: &str, roles: Vec<MemberRole>) {
        for (member, role) in self.members.iter_mut().zip(roles) {
            member.all_endpoints = endpoints.to_owned();
            member.set_role(role);
        }
    }

    pub(crate) fn do_work(&mut self, now_ns: i64) -> usize {
        self.members.iter_mut().map(|m| m.do_work(now_ns)).sum()
    }
}

/// Encodes a message of `length` bytes.
pub fn encode(
    length: usize,
    write: impl FnOnce(&mut [u8]) -> Result<usize, protocol::cluster::SbeError>,
) -> Vec<u8> {
    let mut bytes = vec![0u8; length];
    assert_eq!(write(&mut bytes).expect("encodes"), length);
    bytes
}
