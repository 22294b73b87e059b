//! [`ReceiverIdGenerator`]: receiver ids for receive channel endpoints (Aeron
//! `ReceiveChannelEndpointThreadLocals.nextReceiverId`: a random 64-bit start, then +1 per endpoint).
//!
//! Invariants: ids come from the injected seeded [`Prng`] only; consecutive ids differ by one (wrapping).

use agrona::Prng;

/// Hands out receiver ids.
///
/// How to drive it: create one per driver (receiver thread) from a seeded [`Prng`] and call
/// [`next_receiver_id`](Self::next_receiver_id) for every new receive endpoint.
#[derive(Debug, Clone)]
pub struct ReceiverIdGenerator {
    next: i64,
}

impl ReceiverIdGenerator {
    /// A generator whose first id is drawn from `prng` (as Aeron XORs the halves of a random UUID).
    pub fn new(prng: &mut Prng) -> Self {
        let high = prng.next_i64();
        let low = prng.next_i64();
        Self { next: high ^ low }
    }

    /// The next receiver id.
    pub fn next_receiver_id(&mut self) -> i64 {
        let id = self.next;
        self.next = self.next.wrapping_add(1);
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_seeded_and_consecutive() {
        let mut first = ReceiverIdGenerator::new(&mut Prng::from_seed(3));
        let mut second = ReceiverIdGenerator::new(&mut Prng::from_seed(3));
        let id = first.next_receiver_id();
        assert_eq!(id, second.next_receiver_id());
        assert_eq!(first.next_receiver_id(), id.wrapping_add(1));
        assert_ne!(ReceiverIdGenerator::new(&mut Prng::from_seed(4)).next_receiver_id(), id);
    }
}
