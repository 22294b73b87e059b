//! [`ControlEvent`]: a decoded consensus module → service message (Aeron's `ServiceAdapter`): JoinLog,
//! ServiceTerminationPosition, RequestServiceAck. Other cluster messages on the stream are ignored, as
//! in Aeron; bytes that do not decode are an error, never a panic.

use protocol::cluster::{BooleanType, ClusterMessage, decode_any};

use crate::service_error::ServiceError;

/// A JoinLog, owned (the service keeps it until it has joined).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ActiveLogEvent {
    pub(crate) log_position: i64,
    pub(crate) max_log_position: i64,
    pub(crate) member_id: i32,
    pub(crate) log_session_id: i32,
    pub(crate) log_stream_id: i32,
    pub(crate) is_startup: bool,
    pub(crate) role_code: i32,
    pub(crate) is_standby: bool,
    pub(crate) log_channel: String,
}

/// What the consensus module asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ControlEvent {
    JoinLog(ActiveLogEvent),
    TerminationPosition { log_position: i64, ack_required: bool },
    RequestAck { log_position: i64 },
}

impl ControlEvent {
    /// Decodes one control message: `Ok(None)` for messages a service ignores.
    pub(crate) fn decode(message: &[u8]) -> Result<Option<Self>, ServiceError> {
        let decoded =
            decode_any(message).map_err(|source| ServiceError::MalformedControlMessage { source })?;
        Ok(match decoded {
            ClusterMessage::JoinLog(join) => Some(ControlEvent::JoinLog(ActiveLogEvent {
                log_position: join.log_position,
                max_log_position: join.max_log_position,
                member_id: join.member_id,
                log_session_id: join.log_session_id,
                log_stream_id: join.log_stream_id,
                is_startup: join.is_startup == BooleanType::True,
                role_code: join.role,
                is_standby: join.is_standby == BooleanType::True,
                log_channel: join.log_channel.to_string(),
            })),
            ClusterMessage::ServiceTerminationPosition(termination) => {
                Some(ControlEvent::TerminationPosition {
                    log_position: termination.log_position,
                    ack_required: termination.ack_required == BooleanType::True,
                })
            }
            ClusterMessage::RequestServiceAck(request) => {
                Some(ControlEvent::RequestAck { log_position: request.log_position })
            }
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::cluster::{JoinLog, RequestServiceAck, ServiceTerminationPosition, TimerEvent};

    fn encoded(message: ClusterMessage<'_>) -> Vec<u8> {
        let mut bytes = vec![0u8; message.encoded_length()];
        message.encode(&mut bytes).expect("encodes");
        bytes
    }

    #[test]
    fn decodes_the_three_control_messages_and_ignores_others() {
        let join = JoinLog {
            log_position: 64,
            max_log_position: i64::MAX,
            member_id: 1,
            log_session_id: -5,
            log_stream_id: 100,
            is_startup: BooleanType::False,
            role: 2,
            is_standby: BooleanType::True,
            log_channel: "aeron:ipc",
        };
        assert_eq!(
            ControlEvent::decode(&encoded(ClusterMessage::JoinLog(join))),
            Ok(Some(ControlEvent::JoinLog(ActiveLogEvent {
                log_position: 64,
                max_log_position: i64::MAX,
                member_id: 1,
                log_session_id: -5,
                log_stream_id: 100,
                is_startup: false,
                role_code: 2,
                is_standby: true,
                log_channel: "aeron:ipc".to_string(),
            })))
        );
        let termination =
            ServiceTerminationPosition { log_position: 128, ack_required: BooleanType::Unknown(i32::MIN) };
        assert_eq!(
            ControlEvent::decode(&encoded(ClusterMessage::ServiceTerminationPosition(termination))),
            Ok(Some(ControlEvent::TerminationPosition { log_position: 128, ack_required: false }))
        );
        assert_eq!(
            ControlEvent::decode(&encoded(ClusterMessage::RequestServiceAck(RequestServiceAck {
                log_position: 9
            }))),
            Ok(Some(ControlEvent::RequestAck { log_position: 9 }))
        );
        let timer = TimerEvent { leadership_term_id: 1, correlation_id: 2, timestamp: 3 };
        assert_eq!(ControlEvent::decode(&encoded(ClusterMessage::TimerEvent(timer))), Ok(None));
    }

    #[test]
    fn every_truncation_and_corruption_is_an_error_or_ignored_never_a_panic() {
        let join = JoinLog {
            log_position: 0,
            max_log_position: 0,
            member_id: 0,
            log_session_id: 0,
            log_stream_id: 0,
            is_startup: BooleanType::True,
            role: 0,
            is_standby: BooleanType::False,
            log_channel: "aeron:udp?tags=1",
        };
        let bytes = encoded(ClusterMessage::JoinLog(join));
        for length in 0..bytes.len() {
            assert!(ControlEvent::decode(&bytes[..length]).is_err(), "decoded {length} bytes");
        }
        for index in 0..bytes.len() {
            for value in [0u8, 0x7F, 0xFF] {
                let mut corrupt = bytes.clone();
                corrupt[index] = value;
                let _ = ControlEvent::decode(&corrupt);
            }
        }
    }
}
