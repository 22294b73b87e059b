//! [`OfferError`]: why an offer or claim did not append (Aeron's negative `offer` results).
//!
//! Invariant: [`OfferError::code`] returns exactly Aeron's constants (-1..-5), so results can be reported
//! or compared across implementations.

/// Why `offer`, `try_claim`, `offer_block` or `append_padding` did not append.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum OfferError {
    /// At the publication limit and no subscriber is connected (Aeron `NOT_CONNECTED`, -1).
    #[error("not connected")]
    NotConnected,
    /// At the publication limit: a consumer is behind (Aeron `BACK_PRESSURED`, -2). Retry later.
    #[error("back pressured")]
    BackPressured,
    /// The log rotated to a new term, or a rotation by another writer is in progress (Aeron `ADMIN_ACTION`,
    /// -3). Retry at once.
    #[error("administrative action (term rotation); retry")]
    AdminAction,
    /// The publication is closed (Aeron `CLOSED`, -4). Not produced by the writers in this crate; the client
    /// reports it.
    #[error("publication closed")]
    Closed,
    /// The stream reached its maximum position `term_length * 2^31` (Aeron `MAX_POSITION_EXCEEDED`, -5).
    #[error("max position exceeded")]
    MaxPositionExceeded,
}

impl OfferError {
    /// Aeron's numeric code for this outcome: -1 (not connected) to -5 (max position exceeded).
    #[inline]
    pub fn code(self) -> i64 {
        match self {
            Self::NotConnected => -1,
            Self::BackPressured => -2,
            Self::AdminAction => -3,
            Self::Closed => -4,
            Self::MaxPositionExceeded => -5,
        }
    }

    /// The outcome for an Aeron code, `None` if `code` is not one of -1..-5.
    pub fn from_code(code: i64) -> Option<Self> {
        match code {
            -1 => Some(Self::NotConnected),
            -2 => Some(Self::BackPressured),
            -3 => Some(Self::AdminAction),
            -4 => Some(Self::Closed),
            -5 => Some(Self::MaxPositionExceeded),
            _ => None,
        }
    }
}
