//! [`CopyBroadcastReceiver`]: a [`BroadcastReceiver`] that copies each message out of the broadcast buffer
//! before handing it over, so the handler always sees a complete, stable message.
//!
//! Invariants: a message reaches the handler only if the transmitter had not overwritten it by the time
//! the copy finished; the scratch buffer is allocated once (maximum message length) so receiving never
//! allocates.

use crate::atomic_buffer::AtomicBuffer;
use crate::broadcast_descriptor::{BROADCAST_RECORD_ALIGNMENT, BroadcastError, broadcast_max_message_length};
use crate::broadcast_receiver::BroadcastReceiver;

/// Receives broadcast messages by copy.
///
/// How to drive it: create it with [`new`](Self::new) (it starts at the latest record already in the
/// buffer, as Aeron's receivers do) and call [`receive`](Self::receive) from the duty cycle.
/// After `Err(Lapped)` or `Err(Corrupt { .. })` it has re-synchronised and can be called again.
#[derive(Debug)]
pub struct CopyBroadcastReceiver {
    receiver: BroadcastReceiver,
    scratch: Vec<u8>,
}

impl CopyBroadcastReceiver {
    /// Wraps `buffer` (data capacity + [`crate::BROADCAST_BUFFER_TRAILER_LENGTH`]), starting at the latest
    /// position: the latest record already transmitted, if any, is the first delivered.
    pub fn new(buffer: AtomicBuffer) -> Result<Self, BroadcastError> {
        Ok(Self::from_receiver(BroadcastReceiver::new(buffer)?))
    }

    /// Wraps an existing receiver, keeping its position.
    pub fn from_receiver(receiver: BroadcastReceiver) -> Self {
        let scratch = vec![0u8; broadcast_max_message_length(receiver.capacity())];
        Self { receiver, scratch }
    }

    /// The wrapped receiver (for its position and lap count).
    pub fn receiver(&self) -> &BroadcastReceiver {
        &self.receiver
    }

    /// Delivers every message not yet seen to `handler(msg_type_id, payload)`; returns how many. At most
    /// `capacity / 8` messages per call (more than the buffer can hold at once); the rest come next call.
    ///
    /// `Err(Lapped)` if the transmitter overtook this receiver (messages were lost; the receiver has
    /// re-synchronised and can be used again); `Err(Corrupt { .. })` if the buffer holds garbage (the
    /// receiver skipped to the tail).
    pub fn receive(&mut self, mut handler: impl FnMut(i32, &[u8])) -> Result<usize, BroadcastError> {
        // At most one buffer's worth per call, so a transmitter that never pauses (or a hostile one) cannot
        // keep the caller here for ever; the rest comes on the next call.
        let limit = self.receiver.capacity() / BROADCAST_RECORD_ALIGNMENT;
        let mut messages = 0;
        while messages < limit && self.receive_one(&mut handler)? {
            messages += 1;
        }
        Ok(messages)
    }

    /// Delivers at most one message; `Ok(true)` if it did.
    pub fn receive_one(&mut self, handler: &mut impl FnMut(i32, &[u8])) -> Result<bool, BroadcastError> {
        let receiver = &mut self.receiver;
        let lapped_before = receiver.lapped_count();
        let available = receiver.receive_next()?;
        if receiver.lapped_count() != lapped_before {
            return Err(BroadcastError::Lapped);
        }
        if !available {
            return Ok(false);
        }
        let msg_type_id = receiver.type_id();
        let length = receiver.length().min(self.scratch.len());
        let scratch = &mut self.scratch[..length];
        receiver.buffer().get_bytes(receiver.offset(), scratch);
        if !receiver.validate() {
            receiver.skip_to_latest();
            return Err(BroadcastError::Lapped);
        }
        handler(msg_type_id, scratch);
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::broadcast_descriptor::{
        BROADCAST_BUFFER_TRAILER_LENGTH, BROADCAST_PADDING_MSG_TYPE_ID, LATEST_COUNTER_OFFSET,
        TAIL_COUNTER_OFFSET, TAIL_INTENT_COUNTER_OFFSET,
    };
    use crate::broadcast_transmitter::BroadcastTransmitter;
    use proptest::prelude::*;

    const CAPACITY: usize = 1024;

    fn pair() -> (BroadcastTransmitter, AtomicBuffer) {
        let buffer = AtomicBuffer::heap(CAPACITY + BROADCAST_BUFFER_TRAILER_LENGTH);
        (BroadcastTransmitter::new(buffer.clone()).unwrap(), buffer)
    }

    fn collect(receiver: &mut CopyBroadcastReceiver) -> Result<Vec<(i32, Vec<u8>)>, BroadcastError> {
        let mut out = Vec::new();
        receiver.receive(|t, p| out.push((t, p.to_vec())))?;
        Ok(out)
    }

    #[test]
    fn rejects_invalid_capacities() {
        for length in [0, 64, BROADCAST_BUFFER_TRAILER_LENGTH + 8, BROADCAST_BUFFER_TRAILER_LENGTH + 1000] {
            let buffer = AtomicBuffer::heap(length);
            assert!(matches!(
                BroadcastTransmitter::new(buffer.clone()),
                Err(BroadcastError::InvalidCapacity(_))
            ));
            assert!(matches!(CopyBroadcastReceiver::new(buffer), Err(BroadcastError::InvalidCapacity(_))));
        }
    }

    #[test]
    fn transmits_and_receives_in_order_with_layout() {
        let (mut transmitter, buffer) = pair();
        let mut receiver = CopyBroadcastReceiver::new(buffer.clone()).unwrap();
        assert_eq!(collect(&mut receiver).unwrap(), vec![]);
        transmitter.transmit(1, b"one").unwrap();
        transmitter.transmit(2, b"").unwrap();
        transmitter.transmit(3, &[7u8; 20]).unwrap();
        assert_eq!(buffer.get_i32(0), 11);
        assert_eq!(buffer.get_i32(4), 1);
        assert_eq!(buffer.get_i64(CAPACITY + TAIL_COUNTER_OFFSET), 16 + 8 + 32);
        assert_eq!(buffer.get_i64(CAPACITY + LATEST_COUNTER_OFFSET), 24);
        assert_eq!(buffer.get_i64(CAPACITY + TAIL_INTENT_COUNTER_OFFSET), 56);
        assert_eq!(
            collect(&mut receiver).unwrap(),
            vec![(1, b"one".to_vec()), (2, vec![]), (3, vec![7u8; 20])]
        );
        assert_eq!(collect(&mut receiver).unwrap(), vec![]);
    }

    #[test]
    fn new_receiver_starts_at_latest_record() {
        let (mut transmitter, buffer) = pair();
        transmitter.transmit(1, b"old").unwrap();
        transmitter.transmit(2, b"latest").unwrap();
        let mut receiver = CopyBroadcastReceiver::new(buffer).unwrap();
        assert_eq!(collect(&mut receiver).unwrap(), vec![(2, b"latest".to_vec())]);
    }

    #[test]
    fn wraps_with_padding_and_keeps_delivering() {
        let (mut transmitter, buffer) = pair();
        let mut receiver = CopyBroadcastReceiver::new(buffer.clone()).unwrap();
        let mut expected = Vec::new();
        for i in 0..200u32 {
            let payload = vec![i as u8; (i as usize * 7) % 100];
            transmitter.transmit(1 + (i as i32 % 5), &payload).unwrap();
            expected.push((1 + (i as i32 % 5), payload));
            if i % 3 == 2 {
                let got = collect(&mut receiver).unwrap();
                assert_eq!(got, std::mem::take(&mut expected));
            }
        }
        assert_eq!(collect(&mut receiver).unwrap(), expected);
        assert!(
            buffer.get_i64(CAPACITY + TAIL_COUNTER_OFFSET) > 4 * CAPACITY as i64,
            "wrapped several times"
        );
    }

    #[test]
    fn padding_record_is_written_at_the_end() {
        let (mut transmitter, buffer) = pair();
        let mut receiver = CopyBroadcastReceiver::new(buffer.clone()).unwrap();
        for _ in 0..7 {
            transmitter.transmit(1, &[0u8; 120]).unwrap();
        }
        assert_eq!(collect(&mut receiver).unwrap().len(), 7);
        transmitter.transmit(9, &[1u8; 127]).unwrap();
        assert_eq!(buffer.get_i32(896), 128);
        assert_eq!(buffer.get_i32(900), BROADCAST_PADDING_MSG_TYPE_ID);
        assert_eq!(buffer.get_i32(0), 135);
        assert_eq!(buffer.get_i64(CAPACITY + LATEST_COUNTER_OFFSET), 1024);
        assert_eq!(collect(&mut receiver).unwrap(), vec![(9, vec![1u8; 127])]);
    }

    #[test]
    fn too_long_message_is_rejected() {
        let (mut transmitter, _) = pair();
        assert_eq!(transmitter.max_message_length(), CAPACITY / 8);
        assert!(transmitter.transmit(1, &[0u8; CAPACITY / 8]).is_ok());
        assert_eq!(
            transmitter.transmit(1, &[0u8; CAPACITY / 8 + 1]),
            Err(BroadcastError::MessageTooLong { length: CAPACITY / 8 + 1, max: CAPACITY / 8 })
        );
    }

    #[test]
    fn lapping_is_detected_then_the_receiver_recovers() {
        let (mut transmitter, buffer) = pair();
        let mut receiver = CopyBroadcastReceiver::new(buffer).unwrap();
        transmitter.transmit(1, b"seen").unwrap();
        assert_eq!(collect(&mut receiver).unwrap().len(), 1);
        for i in 0..40u8 {
            transmitter.transmit(2, &[i; 56]).unwrap(); // 40 x 64 bytes: more than two laps
        }
        assert_eq!(collect(&mut receiver), Err(BroadcastError::Lapped));
        assert_eq!(receiver.receiver().lapped_count(), 1);
        transmitter.transmit(3, b"after").unwrap();
        assert_eq!(collect(&mut receiver).unwrap(), vec![(3, b"after".to_vec())]);
        assert_eq!(collect(&mut receiver).unwrap(), vec![]);
    }

    #[test]
    fn overwrite_during_copy_is_reported_as_lapped() {
        let (mut transmitter, buffer) = pair();
        let mut rx = BroadcastReceiver::new(buffer.clone()).unwrap();
        transmitter.transmit(1, b"first").unwrap();
        assert_eq!(rx.receive_next(), Ok(true));
        assert_eq!(rx.type_id(), 1);
        assert_eq!(rx.length(), 5);
        assert!(rx.validate());
        for _ in 0..20 {
            transmitter.transmit(2, &[0u8; 56]).unwrap();
        }
        assert!(!rx.validate(), "the record was overwritten");
        let mut copy = CopyBroadcastReceiver::from_receiver(rx);
        assert_eq!(collect(&mut copy), Err(BroadcastError::Lapped));
        transmitter.transmit(4, b"x").unwrap();
        assert_eq!(collect(&mut copy).unwrap(), vec![(4, b"x".to_vec())]);
    }

    #[test]
    fn corrupt_record_is_reported_and_skipped() {
        let (mut transmitter, buffer) = pair();
        let mut receiver = CopyBroadcastReceiver::new(buffer.clone()).unwrap();
        transmitter.transmit(1, b"ok").unwrap();
        transmitter.transmit(1, b"bad").unwrap();
        buffer.put_i32(16, 4000);
        assert_eq!(collect(&mut receiver), Err(BroadcastError::Corrupt { position: 16 }));
        transmitter.transmit(5, b"next").unwrap();
        assert_eq!(collect(&mut receiver).unwrap(), vec![(5, b"next".to_vec())]);
    }

    proptest! {
        #[test]
        fn receivers_survive_garbage(bytes in proptest::collection::vec(any::<u8>(), CAPACITY + BROADCAST_BUFFER_TRAILER_LENGTH)) {
            let buffer = AtomicBuffer::heap(bytes.len());
            buffer.put_bytes(0, &bytes);
            let mut receiver = CopyBroadcastReceiver::new(buffer.clone()).unwrap();
            for _ in 0..4 {
                let _ = receiver.receive(|_, payload| assert!(payload.len() <= CAPACITY / 8));
            }
            let mut raw = BroadcastReceiver::new(buffer).unwrap();
            for _ in 0..4 {
                if let Ok(true) = raw.receive_next() {
                    prop_assert!(raw.offset() + raw.length() <= CAPACITY);
                    let _ = raw.type_id();
                    let _ = raw.validate();
                }
            }
        }

        #[test]
        fn receivers_survive_garbage_records_with_sane_trailer(
            bytes in proptest::collection::vec(any::<u8>(), CAPACITY),
            latest in 0i64..4096,
            ahead in 0i64..2048,
        ) {
            let buffer = AtomicBuffer::heap(CAPACITY + BROADCAST_BUFFER_TRAILER_LENGTH);
            buffer.put_bytes(0, &bytes);
            let latest = latest & !7;
            buffer.put_i64(CAPACITY + LATEST_COUNTER_OFFSET, latest);
            buffer.put_i64(CAPACITY + TAIL_COUNTER_OFFSET, latest + ahead);
            buffer.put_i64(CAPACITY + TAIL_INTENT_COUNTER_OFFSET, latest + ahead);
            let mut receiver = CopyBroadcastReceiver::new(buffer).unwrap();
            for _ in 0..4 {
                let _ = receiver.receive(|_, _| {});
            }
        }
    }
}
