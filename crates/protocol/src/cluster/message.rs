//! [`ClusterMessage`] and [`decode_any`]: dispatch of a received cluster message by template id.

use super::*;

/// Generates the message enum, its accessors and the dispatching decoder from one list of types.
macro_rules! cluster_messages {
    ($($variant:ident $(<$lt:lifetime>)?),* $(,)?) => {
        /// Any message of the cluster schema, borrowing from the decoded input. Built by
        /// [`decode_any`]; each variant holds the codec of that message (template id 1 is a
        /// [`SessionMessage`]: the session header plus the application payload).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ClusterMessage<'a> {
            $(
                #[doc = concat!("A [`", stringify!($variant), "`].")]
                $variant($variant $(<$lt>)?),
            )*
        }

        impl ClusterMessage<'_> {
            /// SBE template id of the held message.
            pub fn template_id(&self) -> u16 {
                match self {
                    $( Self::$variant(_) => $variant::TEMPLATE_ID, )*
                }
            }

            /// Exact number of bytes [`Self::encode`] writes.
            pub fn encoded_length(&self) -> usize {
                match self {
                    $( Self::$variant(message) => message.encoded_length(), )*
                }
            }

            /// Encodes the held message (header included) at the start of `dst`; see the message's own
            /// `encode`.
            pub fn encode(&self, dst: &mut [u8]) -> Result<usize, SbeError> {
                match self {
                    $( Self::$variant(message) => message.encode(dst), )*
                }
            }
        }

        /// Template ids [`decode_any`] understands, in schema order.
        pub const TEMPLATE_IDS: &[u16] = &[$( $variant::TEMPLATE_ID, )*];

        /// Decodes any cluster message: reads the header, checks the schema id and dispatches on the
        /// template id to that message's `decode` (which honours `blockLength` and `version`). A
        /// foreign schema id (e.g. a consensus-module extension message) is
        /// [`SbeError::WrongSchemaId`]; a template id the schema does not define is
        /// [`SbeError::UnknownTemplateId`]. Never panics.
        pub fn decode_any(src: &[u8]) -> Result<ClusterMessage<'_>, SbeError> {
            let header = MessageHeader::decode(src)?;
            if header.schema_id != SCHEMA_ID {
                return Err(SbeError::WrongSchemaId { expected: SCHEMA_ID, actual: header.schema_id });
            }
            match header.template_id {
                $( $variant::TEMPLATE_ID => $variant::decode(src).map(ClusterMessage::$variant), )*
                other => Err(SbeError::UnknownTemplateId(other)),
            }
        }
    };
}

cluster_messages!(
    SessionMessage<'a>,
    SessionEvent<'a>,
    SessionConnectRequest<'a>,
    SessionCloseRequest,
    SessionKeepAlive,
    NewLeaderEvent<'a>,
    Challenge<'a>,
    ChallengeResponse<'a>,
    TimerEvent,
    SessionOpenEvent<'a>,
    SessionCloseEvent,
    ClusterActionRequest,
    NewLeadershipTermEvent,
    MembershipChangeEvent<'a>,
    AdminRequest<'a>,
    AdminResponse<'a>,
    CloseSession,
    ScheduleTimer,
    CancelTimer,
    ServiceAck,
    ClusterMembersQuery,
    RemoveMember,
    JoinLog<'a>,
    ClusterMembersResponse<'a>,
    ServiceTerminationPosition,
    ClusterMembersExtendedResponse<'a>,
    RequestServiceAck,
    CanvassPosition,
    RequestVote,
    Vote,
    NewLeadershipTerm,
    AppendPosition,
    CommitPosition,
    CatchupPosition<'a>,
    StopCatchup,
    AddPassiveMember<'a>,
    ClusterMembersChange<'a>,
    SnapshotRecordingQuery,
    SnapshotRecordings<'a>,
    JoinCluster,
    TerminationPosition,
    TerminationAck,
    BackupQuery<'a>,
    BackupResponse<'a>,
    HeartbeatRequest<'a>,
    HeartbeatResponse,
    StandbySnapshot<'a>,
    SnapshotMarker,
    ClientSession<'a>,
    ClusterSession<'a>,
    Timer,
    ConsensusModule,
    ClusterMembers<'a>,
    PendingMessageTracker,
);
