//! [`ControlledPollAction`]: what a controlled-poll handler tells the reader to do with a fragment
//! (Aeron's `ControlledFragmentHandler.Action`).

/// The handler's verdict on one fragment in a controlled poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ControlledPollAction {
    /// Do not consume this fragment: the position stays before it and the poll stops. The fragment is
    /// delivered again by the next poll.
    Abort,
    /// Consume this fragment and stop the poll.
    Break,
    /// Consume this fragment, store the new position now (release), and continue.
    Commit,
    /// Consume this fragment and continue; the position is stored when the poll ends.
    Continue,
}
