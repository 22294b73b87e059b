//! The basic auction's wire formats: fixed-layout, little-endian, byte-compatible with the Aeron
//! tutorial's `BasicAuctionClusteredService` (Agrona buffers default to little-endian).
//!
//! | message          | offset | field                       | type |
//! |------------------|--------|-----------------------------|------|
//! | [`BidRequest`]   | 0      | correlation id              | i64  |
//! | (24 bytes)       | 8      | customer id                 | i64  |
//! |                  | 16     | price (cents)               | i64  |
//! | [`BidResponse`]  | 0      | correlation id              | i64  |
//! | (25 bytes)       | 8      | current winning customer id | i64  |
//! |                  | 16     | best price (cents)          | i64  |
//! |                  | 24     | bid succeeded (0 or 1)      | u8   |
//! | [`AuctionSnapshot`] | 0   | winning customer id         | i64  |
//! | (40 bytes)       | 8      | best price (cents)          | i64  |
//! |                  | 16     | winning bid's cluster time  | i64  |
//! |                  | 24     | bids accepted               | u64  |
//! |                  | 32     | bids rejected               | u64  |
//!
//! The snapshot's first 16 bytes are the tutorial's snapshot message, so either side can read the
//! other's customer and price; a 16-byte (tutorial) snapshot decodes with the other fields zero.
//!
//! Invariants: `encode` then `decode` is the identity; `decode` never panics — a short or malformed
//! message is a [`DecodeError`]; longer messages are accepted (trailing bytes are ignored, as the
//! tutorial's `length >= ...` checks do).

/// Why bytes are not a valid auction message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Fewer bytes than the message's fixed length.
    #[error("{message}: {actual} bytes, at least {expected} needed")]
    TooShort {
        /// Which message was being decoded.
        message: &'static str,
        /// The minimum length.
        expected: usize,
        /// The length received.
        actual: usize,
    },
    /// The `bid succeeded` flag is neither 0 nor 1.
    #[error("bid response: succeeded flag {0} is not 0 or 1")]
    BadFlag(u8),
    /// A snapshot length that is neither the tutorial's 16 bytes nor at least 40.
    #[error("auction snapshot: {0} bytes is neither the tutorial's 16 nor at least 40")]
    BadSnapshotLength(usize),
}

fn check_length(message: &'static str, bytes: &[u8], expected: usize) -> Result<(), DecodeError> {
    if bytes.len() < expected {
        return Err(DecodeError::TooShort { message, expected, actual: bytes.len() });
    }
    Ok(())
}

fn i64_at(bytes: &[u8], offset: usize) -> i64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[offset..offset + 8]);
    i64::from_le_bytes(word)
}

/// A bid from a customer (client → cluster).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BidRequest {
    /// The client's id for this request, echoed in the response.
    pub correlation_id: i64,
    /// Who bids.
    pub customer_id: i64,
    /// The offered price in cents.
    pub price: i64,
}

impl BidRequest {
    /// Encoded length in bytes.
    pub const LENGTH: usize = 24;

    /// The 24-byte little-endian encoding.
    pub fn encode(&self) -> [u8; Self::LENGTH] {
        let mut bytes = [0u8; Self::LENGTH];
        bytes[0..8].copy_from_slice(&self.correlation_id.to_le_bytes());
        bytes[8..16].copy_from_slice(&self.customer_id.to_le_bytes());
        bytes[16..24].copy_from_slice(&self.price.to_le_bytes());
        bytes
    }

    /// Decodes a bid; errors if shorter than [`BidRequest::LENGTH`].
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        check_length("bid request", bytes, Self::LENGTH)?;
        Ok(Self { correlation_id: i64_at(bytes, 0), customer_id: i64_at(bytes, 8), price: i64_at(bytes, 16) })
    }
}

/// The auction's answer to a bid (cluster → the bidding client).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BidResponse {
    /// The bid's correlation id.
    pub correlation_id: i64,
    /// The customer winning after the bid was applied (-1: nobody yet).
    pub winning_customer_id: i64,
    /// The best price after the bid was applied.
    pub best_price: i64,
    /// True if this bid became the best one.
    pub succeeded: bool,
}

impl BidResponse {
    /// Encoded length in bytes.
    pub const LENGTH: usize = 25;

    /// The 25-byte little-endian encoding.
    pub fn encode(&self) -> [u8; Self::LENGTH] {
        let mut bytes = [0u8; Self::LENGTH];
        bytes[0..8].copy_from_slice(&self.correlation_id.to_le_bytes());
        bytes[8..16].copy_from_slice(&self.winning_customer_id.to_le_bytes());
        bytes[16..24].copy_from_slice(&self.best_price.to_le_bytes());
        bytes[24] = u8::from(self.succeeded);
        bytes
    }

    /// Decodes a response; errors if short or the flag is not 0/1.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        check_length("bid response", bytes, Self::LENGTH)?;
        let succeeded = match bytes[24] {
            0 => false,
            1 => true,
            other => return Err(DecodeError::BadFlag(other)),
        };
        Ok(Self {
            correlation_id: i64_at(bytes, 0),
            winning_customer_id: i64_at(bytes, 8),
            best_price: i64_at(bytes, 16),
            succeeded,
        })
    }
}

/// The auction's replicated state as one snapshot message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuctionSnapshot {
    /// The winning customer (-1: nobody).
    pub winning_customer_id: i64,
    /// The best price in cents (0: no bid yet).
    pub best_price: i64,
    /// Cluster time of the winning bid (0: none, or a tutorial snapshot).
    pub winning_timestamp: i64,
    /// Bids that became the best one.
    pub bids_accepted: u64,
    /// Bids that did not beat the best price.
    pub bids_rejected: u64,
}

impl AuctionSnapshot {
    /// Encoded length in bytes.
    pub const LENGTH: usize = 40;
    /// Length of the tutorial's snapshot message (customer id, price).
    pub const TUTORIAL_LENGTH: usize = 16;

    /// The 40-byte little-endian encoding.
    pub fn encode(&self) -> [u8; Self::LENGTH] {
        let mut bytes = [0u8; Self::LENGTH];
        bytes[0..8].copy_from_slice(&self.winning_customer_id.to_le_bytes());
        bytes[8..16].copy_from_slice(&self.best_price.to_le_bytes());
        bytes[16..24].copy_from_slice(&self.winning_timestamp.to_le_bytes());
        bytes[24..32].copy_from_slice(&self.bids_accepted.to_le_bytes());
        bytes[32..40].copy_from_slice(&self.bids_rejected.to_le_bytes());
        bytes
    }

    /// Decodes a snapshot message: 16 bytes (the tutorial's) or at least 40.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        check_length("auction snapshot", bytes, Self::TUTORIAL_LENGTH)?;
        let mut snapshot = Self {
            winning_customer_id: i64_at(bytes, 0),
            best_price: i64_at(bytes, 8),
            winning_timestamp: 0,
            bids_accepted: 0,
            bids_rejected: 0,
        };
        if bytes.len() == Self::TUTORIAL_LENGTH {
            return Ok(snapshot);
        }
        if bytes.len() < Self::LENGTH {
            return Err(DecodeError::BadSnapshotLength(bytes.len()));
        }
        snapshot.winning_timestamp = i64_at(bytes, 16);
        snapshot.bids_accepted = i64_at(bytes, 24) as u64;
        snapshot.bids_rejected = i64_at(bytes, 32) as u64;
        Ok(snapshot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bid_request_layout_and_round_trip() {
        let bid = BidRequest { correlation_id: 7, customer_id: 10, price: 0x0102 };
        let bytes = bid.encode();
        assert_eq!(&bytes[0..8], &7i64.to_le_bytes());
        assert_eq!(bytes[16], 0x02);
        assert_eq!(bytes[17], 0x01);
        assert_eq!(BidRequest::decode(&bytes), Ok(bid));
        let mut longer = bytes.to_vec();
        longer.push(9);
        assert_eq!(BidRequest::decode(&longer), Ok(bid));
        assert_eq!(
            BidRequest::decode(&bytes[..23]),
            Err(DecodeError::TooShort { message: "bid request", expected: 24, actual: 23 })
        );
    }

    #[test]
    fn bid_response_round_trip_and_errors() {
        for succeeded in [false, true] {
            let response =
                BidResponse { correlation_id: -3, winning_customer_id: 10, best_price: 142, succeeded };
            let bytes = response.encode();
            assert_eq!(bytes[24], u8::from(succeeded));
            assert_eq!(BidResponse::decode(&bytes), Ok(response));
        }
        let mut bytes =
            BidResponse { correlation_id: 1, winning_customer_id: 2, best_price: 3, succeeded: true }
                .encode();
        bytes[24] = 2;
        assert_eq!(BidResponse::decode(&bytes), Err(DecodeError::BadFlag(2)));
        assert!(BidResponse::decode(&[]).is_err());
    }

    #[test]
    fn snapshot_round_trip_and_tutorial_compatibility() {
        let snapshot = AuctionSnapshot {
            winning_customer_id: 10,
            best_price: 142,
            winning_timestamp: 1_700_000_000_000,
            bids_accepted: 5,
            bids_rejected: 3,
        };
        let bytes = snapshot.encode();
        assert_eq!(AuctionSnapshot::decode(&bytes), Ok(snapshot));
        let tutorial = AuctionSnapshot::decode(&bytes[..16]).unwrap();
        assert_eq!((tutorial.winning_customer_id, tutorial.best_price), (10, 142));
        assert_eq!((tutorial.winning_timestamp, tutorial.bids_accepted, tutorial.bids_rejected), (0, 0, 0));
        assert_eq!(AuctionSnapshot::decode(&bytes[..20]), Err(DecodeError::BadSnapshotLength(20)));
        assert!(AuctionSnapshot::decode(&bytes[..15]).is_err());
    }
}
