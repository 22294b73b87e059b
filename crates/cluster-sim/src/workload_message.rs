//! [`WorkloadMessage`]: the bytes a simulated client sends to the test service, and the echo the
//! service sends back.
//!
//! Invariant: decoding never panics; anything malformed is `None`.

/// What the test service does with a client message besides recording and echoing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageAction {
    /// Record and echo only.
    Plain,
    /// Also schedule a one-shot timer.
    ScheduleTimer,
    /// Also send a service message (`Cluster::offer`).
    ServiceOffer,
}

impl MessageAction {
    fn code(self) -> u8 {
        match self {
            Self::Plain => 0,
            Self::ScheduleTimer => 1,
            Self::ServiceOffer => 2,
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Self::Plain),
            1 => Some(Self::ScheduleTimer),
            2 => Some(Self::ServiceOffer),
            _ => None,
        }
    }
}

/// Fixed part of a client message: action (1), client id (4), sequence (8).
pub const WORKLOAD_HEADER_LENGTH: usize = 13;
/// Length of an echo: sequence (8), log position (8), per-session count (8).
pub const ECHO_LENGTH: usize = 24;

/// One client message. How to use it: [`WorkloadMessage::encode`] on the client,
/// [`WorkloadMessage::decode`] in the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkloadMessage {
    /// What the service should do.
    pub action: MessageAction,
    /// The sending client's index.
    pub client_id: u32,
    /// The client's sequence number (strictly increasing per client, never resent).
    pub client_seq: u64,
}

impl WorkloadMessage {
    /// Writes the message followed by `padding_length` filler bytes into `out` (cleared first).
    pub fn encode(&self, padding_length: usize, out: &mut Vec<u8>) {
        out.clear();
        out.push(self.action.code());
        out.extend_from_slice(&self.client_id.to_le_bytes());
        out.extend_from_slice(&self.client_seq.to_le_bytes());
        out.extend((0..padding_length).map(|i| (i as u8) ^ (self.client_seq as u8)));
    }

    /// Reads a message; `None` if it is too short or the action is unknown.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        if bytes.len() < WORKLOAD_HEADER_LENGTH {
            return None;
        }
        let action = MessageAction::from_code(bytes[0])?;
        let client_id = u32::from_le_bytes(bytes[1..5].try_into().ok()?);
        let client_seq = u64::from_le_bytes(bytes[5..13].try_into().ok()?);
        Some(Self { action, client_id, client_seq })
    }
}

/// The service's reply to a client message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Echo {
    /// The echoed message's client sequence.
    pub client_seq: u64,
    /// The log position after the message (where the service applied it).
    pub log_position: i64,
    /// How many client messages of this session the service has applied, including this one.
    pub session_count: u64,
}

impl Echo {
    /// The echo's bytes.
    pub fn encode(&self) -> [u8; ECHO_LENGTH] {
        let mut out = [0u8; ECHO_LENGTH];
        out[0..8].copy_from_slice(&self.client_seq.to_le_bytes());
        out[8..16].copy_from_slice(&self.log_position.to_le_bytes());
        out[16..24].copy_from_slice(&self.session_count.to_le_bytes());
        out
    }

    /// Reads an echo; `None` if the length is wrong.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != ECHO_LENGTH {
            return None;
        }
        Some(Self {
            client_seq: u64::from_le_bytes(bytes[0..8].try_into().ok()?),
            log_position: i64::from_le_bytes(bytes[8..16].try_into().ok()?),
            session_count: u64::from_le_bytes(bytes[16..24].try_into().ok()?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_garbage() {
        let message = WorkloadMessage { action: MessageAction::ScheduleTimer, client_id: 3, client_seq: 77 };
        let mut bytes = Vec::new();
        message.encode(5, &mut bytes);
        assert_eq!(bytes.len(), WORKLOAD_HEADER_LENGTH + 5);
        assert_eq!(WorkloadMessage::decode(&bytes), Some(message));
        assert_eq!(WorkloadMessage::decode(&bytes[..12]), None);
        bytes[0] = 9;
        assert_eq!(WorkloadMessage::decode(&bytes), None);
        let echo = Echo { client_seq: 1, log_position: 2, session_count: 3 };
        assert_eq!(Echo::decode(&echo.encode()), Some(echo));
        assert_eq!(Echo::decode(&[0; 3]), None);
    }
}
