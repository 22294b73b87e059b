//! Every decoder over random bytes: never panics, and whatever decodes re-encodes to the same prefix.

use super::*;
use proptest::prelude::*;

macro_rules! fuzz_decoder {
    ($name:ident, $ty:ty) => {
        proptest! {
            #[test]
            fn $name(bytes in proptest::collection::vec(any::<u8>(), 0..160)) {
                if let Ok(message) = <$ty>::decode(&bytes) {
                    let length = message.encoded_length();
                    let mut dst = vec![0u8; length];
                    prop_assert_eq!(message.encode(&mut dst), Ok(length));
                    prop_assert_eq!(<$ty>::decode(&dst), Ok(message));
                }
            }
        }
    };
}

fuzz_decoder!(correlated_message, CorrelatedMessage);
fuzz_decoder!(publication_message, PublicationMessage);
fuzz_decoder!(remove_message, RemoveMessage);
fuzz_decoder!(remove_publication_message, RemovePublicationMessage);
fuzz_decoder!(subscription_message, SubscriptionMessage);
fuzz_decoder!(destination_message, DestinationMessage);
fuzz_decoder!(destination_by_id_message, DestinationByIdMessage);
fuzz_decoder!(counter_message, CounterMessage);
fuzz_decoder!(static_counter_message, StaticCounterMessage);
fuzz_decoder!(terminate_driver, TerminateDriver);
fuzz_decoder!(reject_image, RejectImage);
fuzz_decoder!(get_next_available_session_id, GetNextAvailableSessionIdMessage);
fuzz_decoder!(publication_buffers_ready, PublicationBuffersReady);
fuzz_decoder!(image_buffers_ready, ImageBuffersReady);
fuzz_decoder!(subscription_ready, SubscriptionReady);
fuzz_decoder!(operation_succeeded, OperationSucceeded);
fuzz_decoder!(error_response, ErrorResponse);
fuzz_decoder!(image_message, ImageMessage);
fuzz_decoder!(counter_update, CounterUpdate);
fuzz_decoder!(client_timeout, ClientTimeout);
fuzz_decoder!(static_counter, StaticCounter);
fuzz_decoder!(next_available_session_id, NextAvailableSessionId);

proptest! {
    /// Strings with small length prefixes: exercise the successful paths of variable-length decoders.
    #[test]
    fn string_messages_round_trip(
        client_id in any::<i64>(), correlation_id in any::<i64>(), stream_id in any::<i32>(),
        channel in "[ -~]{0,40}", key in proptest::collection::vec(any::<u8>(), 0..20),
    ) {
        let publication = PublicationMessage { client_id, correlation_id, stream_id, channel: &channel };
        let mut dst = vec![0u8; publication.encoded_length()];
        publication.encode(&mut dst).unwrap();
        prop_assert_eq!(PublicationMessage::decode(&dst), Ok(publication));

        let counter = CounterMessage { client_id, correlation_id, type_id: stream_id, key: &key, label: &channel };
        let mut dst = vec![0u8; counter.encoded_length()];
        counter.encode(&mut dst).unwrap();
        prop_assert_eq!(CounterMessage::decode(&dst), Ok(counter));

        let image = ImageBuffersReady {
            correlation_id, session_id: stream_id, stream_id, subscription_registration_id: client_id,
            subscriber_position_id: 1, log_file_name: &channel, source_identity: "aeron:ipc",
        };
        let mut dst = vec![0u8; image.encoded_length()];
        image.encode(&mut dst).unwrap();
        prop_assert_eq!(ImageBuffersReady::decode(&dst), Ok(image));
    }
}
