//! [`SnapshotLoader`]: rebuilds an [`Auction`] from the messages of a snapshot stream, whatever
//! carries them (the service's `SnapshotReader`, or a `Vec` in tests).
//!
//! Invariants: the auction's snapshot is exactly one [`super::AuctionSnapshot`] message; anything else
//! (no message, two messages, bytes that do not decode) is a [`SnapshotLoadError`], never a panic and
//! never a silently wrong state.

use super::auction::Auction;
use super::messages::{AuctionSnapshot, DecodeError};

/// Rebuilds an [`Auction`] from the messages of a snapshot stream. Feed every message with
/// [`SnapshotLoader::on_message`], then call [`SnapshotLoader::finish`].
///
/// The auction's snapshot is exactly one message: the loader is complete after it
/// ([`SnapshotLoader::is_complete`]), and a second message or none at all is an error, so that a
/// truncated or foreign snapshot is reported instead of silently starting from a wrong state.
#[derive(Debug, Default)]
pub struct SnapshotLoader {
    loaded: Option<Auction>,
    error: Option<SnapshotLoadError>,
}

/// Why a snapshot stream did not yield an auction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotLoadError {
    /// The stream ended without a snapshot message.
    #[error("the snapshot stream ended without the auction's state")]
    Missing,
    /// More than one message: not an auction snapshot.
    #[error("the snapshot stream holds more than the auction's one message")]
    Unexpected,
    /// The message did not decode.
    #[error("auction snapshot: {0}")]
    Decode(#[from] DecodeError),
}

impl SnapshotLoader {
    /// An empty loader.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes one snapshot message.
    pub fn on_message(&mut self, message: &[u8]) {
        if self.error.is_some() {
            return;
        }
        if self.loaded.is_some() {
            self.error = Some(SnapshotLoadError::Unexpected);
            return;
        }
        match AuctionSnapshot::decode(message) {
            Ok(snapshot) => self.loaded = Some(Auction::from_snapshot(&snapshot)),
            Err(error) => self.error = Some(error.into()),
        }
    }

    /// True once the auction's message arrived (or an error occurred): stop reading.
    pub fn is_complete(&self) -> bool {
        self.loaded.is_some() || self.error.is_some()
    }

    /// The loaded auction, or why there is none.
    pub fn finish(self) -> Result<Auction, SnapshotLoadError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        self.loaded.ok_or(SnapshotLoadError::Missing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_round_trip_through_a_byte_stream() {
        let mut auction = Auction::new();
        auction.attempt_bid(120, 10, 5);
        auction.attempt_bid(119, 11, 6);
        // What on_take_snapshot writes, as the messages of a stream.
        let stream: Vec<Vec<u8>> = vec![auction.to_snapshot().encode().to_vec()];
        let mut loader = SnapshotLoader::new();
        for message in &stream {
            assert!(!loader.is_complete());
            loader.on_message(message);
        }
        assert!(loader.is_complete());
        let mut restored = loader.finish().unwrap();
        assert_eq!(restored, auction);
        // The restored replica continues exactly like the original.
        assert_eq!(restored.attempt_bid(121, 12, 7), auction.attempt_bid(121, 12, 7));
        assert_eq!(restored, auction);
    }

    #[test]
    fn snapshot_loader_reports_bad_streams() {
        assert_eq!(SnapshotLoader::new().finish(), Err(SnapshotLoadError::Missing));
        let mut loader = SnapshotLoader::new();
        loader.on_message(&[1, 2, 3]);
        assert!(loader.is_complete());
        assert!(matches!(loader.finish(), Err(SnapshotLoadError::Decode(_))));
        let bytes = Auction::new().to_snapshot().encode();
        let mut loader = SnapshotLoader::new();
        loader.on_message(&bytes);
        loader.on_message(&bytes);
        assert_eq!(loader.finish(), Err(SnapshotLoadError::Unexpected));
    }
}
