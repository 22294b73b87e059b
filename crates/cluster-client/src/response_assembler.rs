//! [`ResponseAssembler`]: reassembly for a controlled poll of the egress during the connect handshake
//! (crate-private; the logbuffer `FragmentAssembler` serves plain polls only).
//!
//! Invariants: an unfragmented message goes straight to the handler, which decides whether the poll
//! continues or breaks after it; a fragmented message is accumulated per session and handed over whole
//! on its END fragment, and only if every fragment followed the previous one in the term (otherwise the
//! partial message is dropped). Buffers keep their capacity across messages.

use client::{ControlledPollAction, Header};

/// Frame flag of the first fragment of a message.
const BEGIN_FRAG_FLAG: u8 = 0x80;
/// Frame flag of the last fragment of a message.
const END_FRAG_FLAG: u8 = 0x40;
/// Both flags: an unfragmented message.
const UNFRAGMENTED: u8 = BEGIN_FRAG_FLAG | END_FRAG_FLAG;

/// A partial message of one session.
#[derive(Debug)]
struct Partial {
    session_id: i32,
    next_term_offset: i32,
    in_progress: bool,
    bytes: Vec<u8>,
}

/// Reassembles fragments for a handler that returns [`ControlledPollAction::Continue`] or
/// [`ControlledPollAction::Break`].
#[derive(Debug, Default)]
pub(crate) struct ResponseAssembler {
    partials: Vec<Partial>,
}

impl ResponseAssembler {
    /// Feeds one fragment; returns the action for the poll.
    pub(crate) fn on_fragment(
        &mut self,
        fragment: &[u8],
        header: &Header,
        handler: &mut impl FnMut(&[u8], &Header) -> ControlledPollAction,
    ) -> ControlledPollAction {
        let flags = header.flags();
        if flags & UNFRAGMENTED == UNFRAGMENTED {
            return Self::deliver(fragment, header, handler);
        }
        let session_id = header.session_id();
        let index = match self.partials.iter().position(|p| p.session_id == session_id) {
            Some(index) => index,
            None => {
                self.partials.push(Partial {
                    session_id,
                    next_term_offset: 0,
                    in_progress: false,
                    bytes: Vec::new(),
                });
                self.partials.len() - 1
            }
        };
        let partial = &mut self.partials[index];
        if flags & BEGIN_FRAG_FLAG == BEGIN_FRAG_FLAG {
            partial.bytes.clear();
            partial.bytes.extend_from_slice(fragment);
            partial.in_progress = true;
            partial.next_term_offset = header.next_term_offset();
            return ControlledPollAction::Continue;
        }
        if !partial.in_progress || header.term_offset() != partial.next_term_offset {
            partial.in_progress = false;
            partial.bytes.clear();
            return ControlledPollAction::Continue;
        }
        partial.bytes.extend_from_slice(fragment);
        partial.next_term_offset = header.next_term_offset();
        if flags & END_FRAG_FLAG == 0 {
            return ControlledPollAction::Continue;
        }
        partial.in_progress = false;
        let action = Self::deliver(&partial.bytes, header, handler);
        partial.bytes.clear();
        action
    }

    fn deliver(
        message: &[u8],
        header: &Header,
        handler: &mut impl FnMut(&[u8], &Header) -> ControlledPollAction,
    ) -> ControlledPollAction {
        match handler(message, header) {
            ControlledPollAction::Break => ControlledPollAction::Break,
            _ => ControlledPollAction::Continue,
        }
    }
}
