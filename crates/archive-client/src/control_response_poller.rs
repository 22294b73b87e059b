//! [`ControlResponsePoller`]: reads the archive's control response stream (Aeron
//! `ControlResponsePoller` + `RecordingDescriptorPoller` + `RecordingSignalPoller` in one).
//!
//! Invariants:
//! - Fragmented messages are reassembled; each poll stops right after the first complete message that
//!   is for this control session (`ControlledPollAction::Break`), so no relevant message is ever
//!   consumed without being returned.
//! - Messages for another control session, messages of other kinds and bytes that do not decode are
//!   consumed and dropped (the undecodable ones are counted); decoding never panics.
//! - Steady state does not allocate: the message copy reuses one buffer.

use client::{ControlledPollAction, FragmentAssembler, Header, Subscription};
use protocol::archive::{
    ArchiveMessage, Challenge, ControlResponse, RecordingDescriptor, RecordingSignalEvent, decode_any,
};

/// Fragments read per poll (Aeron's `FRAGMENT_LIMIT` for archive pollers).
pub const FRAGMENT_LIMIT: usize = 10;

/// One complete control-stream message for this session, borrowing the poller's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlMessage<'a> {
    /// A response to a request (or to connect).
    Response(ControlResponse<'a>),
    /// The archive challenges the connect request.
    Challenge(Challenge<'a>),
    /// One recording of a listing.
    Descriptor(RecordingDescriptor<'a>),
    /// Something happened to a recording.
    Signal(RecordingSignalEvent),
}

/// Polls the control response subscription for messages of one control session.
///
/// Drive it by calling [`ControlResponsePoller::poll`] repeatedly; set the session with
/// [`ControlResponsePoller::set_control_session_id`] once it is known (before that, every session's
/// messages are returned, as during connect, where responses are matched by correlation id).
pub struct ControlResponsePoller {
    subscription: Subscription,
    assembler: FragmentAssembler,
    message: Vec<u8>,
    control_session_id: Option<i64>,
    undecodable_count: u64,
    fragments_read: usize,
}

impl std::fmt::Debug for ControlResponsePoller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ControlResponsePoller")
            .field("subscription", &self.subscription)
            .field("control_session_id", &self.control_session_id)
            .field("undecodable_count", &self.undecodable_count)
            .finish()
    }
}

impl ControlResponsePoller {
    /// A poller over the control response subscription, accepting every session until told otherwise.
    pub fn new(subscription: Subscription) -> Self {
        Self {
            subscription,
            assembler: FragmentAssembler::new(1024),
            message: Vec::with_capacity(1024),
            control_session_id: None,
            undecodable_count: 0,
            fragments_read: 0,
        }
    }

    /// Only return messages of `control_session_id` from now on (`None`: accept all).
    pub fn set_control_session_id(&mut self, control_session_id: Option<i64>) {
        self.control_session_id = control_session_id;
    }

    /// The control response subscription.
    pub fn subscription(&mut self) -> &mut Subscription {
        &mut self.subscription
    }

    /// Whether the subscription has an image (the archive's response publication is connected).
    pub fn is_connected(&mut self) -> bool {
        self.subscription.is_connected()
    }

    /// How many complete messages failed to decode so far (they were dropped).
    pub fn undecodable_count(&self) -> u64 {
        self.undecodable_count
    }

    /// Fragments consumed by the last [`ControlResponsePoller::poll`].
    pub fn fragments_read(&self) -> usize {
        self.fragments_read
    }

    /// Reads up to [`FRAGMENT_LIMIT`] fragments and returns the first complete message for this session,
    /// or `None` if there was none. Never panics on what the archive sent.
    pub fn poll(&mut self) -> Option<ControlMessage<'_>> {
        let Self { subscription, assembler, message, control_session_id, undecodable_count, fragments_read } =
            self;
        let filter = *control_session_id;
        message.clear();
        let mut found = false;
        *fragments_read = subscription.controlled_poll(
            &mut |fragment: &[u8], header: &Header| {
                assembler.on_fragment(fragment, header, &mut |bytes: &[u8], _: &Header| match decode_any(
                    bytes,
                ) {
                    Ok(decoded) => {
                        if is_for_session(&decoded, filter) {
                            message.extend_from_slice(bytes);
                            found = true;
                        }
                    }
                    Err(_) => *undecodable_count += 1,
                });
                if found { ControlledPollAction::Break } else { ControlledPollAction::Continue }
            },
            FRAGMENT_LIMIT,
        );
        if !found {
            return None;
        }
        match decode_any(&self.message) {
            Ok(ArchiveMessage::ControlResponse(response)) => Some(ControlMessage::Response(response)),
            Ok(ArchiveMessage::Challenge(challenge)) => Some(ControlMessage::Challenge(challenge)),
            Ok(ArchiveMessage::RecordingDescriptor(descriptor)) => {
                Some(ControlMessage::Descriptor(descriptor))
            }
            Ok(ArchiveMessage::RecordingSignalEvent(signal)) => Some(ControlMessage::Signal(signal)),
            _ => None,
        }
    }
}

/// Whether a decoded message is one the client handles and belongs to `filter`'s session.
fn is_for_session(message: &ArchiveMessage<'_>, filter: Option<i64>) -> bool {
    let session = match message {
        ArchiveMessage::ControlResponse(m) => m.control_session_id,
        ArchiveMessage::Challenge(m) => m.control_session_id,
        ArchiveMessage::RecordingDescriptor(m) => m.control_session_id,
        ArchiveMessage::RecordingSignalEvent(m) => m.control_session_id,
        _ => return false,
    };
    filter.is_none_or(|id| id == session)
}
