//! [`ArchiveMessage`] and [`decode_any`]: dispatch of a received archive message by template id.

use super::*;

/// Generates the message enum, its accessors and the dispatching decoder from one list of types.
macro_rules! archive_messages {
    ($($variant:ident $(<$lt:lifetime>)?),* $(,)?) => {
        /// Any message of the archive control protocol or recording events stream, borrowing from the
        /// decoded input. Built by [`decode_any`]; each variant holds the codec of that message.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ArchiveMessage<'a> {
            $(
                #[doc = concat!("A [`", stringify!($variant), "`].")]
                $variant($variant $(<$lt>)?),
            )*
        }

        impl ArchiveMessage<'_> {
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

        /// Decodes any archive message: reads the header, checks the schema id and dispatches on the
        /// template id to that message's `decode` (which honours `blockLength` and `version`). Unknown
        /// template ids (including the catalog-only 20 and 21) are [`SbeError::UnknownTemplateId`].
        /// Never panics.
        pub fn decode_any(src: &[u8]) -> Result<ArchiveMessage<'_>, SbeError> {
            let header = MessageHeader::decode(src)?;
            if header.schema_id != SCHEMA_ID {
                return Err(SbeError::WrongSchemaId { expected: SCHEMA_ID, actual: header.schema_id });
            }
            match header.template_id {
                $( $variant::TEMPLATE_ID => $variant::decode(src).map(ArchiveMessage::$variant), )*
                other => Err(SbeError::UnknownTemplateId(other)),
            }
        }
    };
}

archive_messages!(
    ControlResponse<'a>,
    CloseSessionRequest,
    StartRecordingRequest<'a>,
    StopRecordingRequest<'a>,
    ReplayRequest<'a>,
    StopReplayRequest,
    ListRecordingsRequest,
    ListRecordingsForUriRequest<'a>,
    ListRecordingRequest,
    ExtendRecordingRequest<'a>,
    RecordingPositionRequest,
    TruncateRecordingRequest,
    StopRecordingSubscriptionRequest,
    StopPositionRequest,
    FindLastMatchingRecordingRequest<'a>,
    ListRecordingSubscriptionsRequest<'a>,
    BoundedReplayRequest<'a>,
    StopAllReplaysRequest,
    RecordingDescriptor<'a>,
    RecordingSubscriptionDescriptor<'a>,
    RecordingSignalEvent,
    ReplicateRequest<'a>,
    StopReplicationRequest,
    StartPositionRequest,
    DetachSegmentsRequest,
    DeleteDetachedSegmentsRequest,
    PurgeSegmentsRequest,
    AttachSegmentsRequest,
    MigrateSegmentsRequest,
    AuthConnectRequest<'a>,
    Challenge<'a>,
    ChallengeResponse<'a>,
    KeepAliveRequest,
    TaggedReplicateRequest<'a>,
    StartRecordingRequest2<'a>,
    ExtendRecordingRequest2<'a>,
    StopRecordingByIdentityRequest,
    ReplicateRequest2<'a>,
    MaxRecordedPositionRequest,
    ArchiveIdRequest,
    RecordingStarted<'a>,
    RecordingProgress,
    RecordingStopped,
    PurgeRecordingRequest,
    ReplayTokenRequest,
    Ping,
    UpdateChannelRequest<'a>
);
