//! Client counters (`ADD_COUNTER` / `REMOVE_COUNTER`) against the real driver, stepped on the test's
//! thread through the client's `driver_agent_invoker` on a `ManualClock`.

mod common;

use agrona::counters_descriptor::{MAX_KEY_LENGTH, RECORD_ALLOCATED};
use agrona::{ManyToOneRingBuffer, MemoryStore};
use common::Embedded;
use fulmar_client::ClientError;
use protocol::command::cnc::{CNC_FILE, CncHeader, META_DATA_LENGTH};
use protocol::command::{RemoveMessage, event};

const TYPE_ID: i32 = 1234;

#[test]
fn an_added_counter_is_visible_in_the_driver_counters_and_freed_on_close() {
    let embedded = Embedded::new();
    let aeron = embedded.connect();
    let key = [7u8, 6, 5, 4, 3, 2, 1, 0, 9];
    let counter = aeron.add_counter(TYPE_ID, &key, "my counter").unwrap();
    let reader = aeron.counters_reader();
    let id = counter.id();
    assert_eq!(reader.counter_state(id), RECORD_ALLOCATED);
    assert_eq!(reader.counter_type_id(id), TYPE_ID);
    assert_eq!(reader.counter_label(id), "my counter");
    assert_eq!(&reader.counter_key(id)[..key.len()], &key);
    assert_eq!(reader.counter_registration_id(id), counter.registration_id());
    assert_eq!(reader.counter_owner_id(id), aeron.client_id());
    assert!(!counter.is_closed());

    counter.set_ordered(41);
    assert_eq!(counter.increment(), 41);
    assert_eq!(counter.get(), 42);
    assert_eq!(reader.counter_value(id), 42);
    let clone = counter.clone();
    clone.set_ordered(100);
    assert_eq!(counter.get(), 100);

    counter.close();
    assert!(clone.is_closed());
    embedded.step_until(&[&aeron], 100, || reader.counter_state(id) != RECORD_ALLOCATED);
    clone.set_ordered(5);
    assert_eq!(reader.counter_value(id), 100, "a closed counter is not written");
    assert!(!aeron.is_closed());
}

#[test]
fn dropping_the_last_clone_frees_the_counter() {
    let embedded = Embedded::new();
    let aeron = embedded.connect();
    let counter = aeron.add_counter(TYPE_ID, &[], "dropped").unwrap();
    let reader = aeron.counters_reader();
    let id = counter.id();
    let clone = counter.clone();
    drop(counter);
    embedded.run_for(5 * common::STEP_NS, &[&aeron]);
    assert_eq!(reader.counter_state(id), RECORD_ALLOCATED, "a clone still holds it");
    drop(clone);
    embedded.step_until(&[&aeron], 100, || reader.counter_state(id) != RECORD_ALLOCATED);
}

#[test]
fn a_key_or_label_too_long_is_refused_before_sending() {
    let embedded = Embedded::new();
    let aeron = embedded.connect();
    let key = [0u8; MAX_KEY_LENGTH + 1];
    assert!(matches!(aeron.add_counter(TYPE_ID, &key, "x"), Err(ClientError::InvalidArgument { .. })));
    let label = "l".repeat(agrona::counters_descriptor::MAX_LABEL_LENGTH + 1);
    assert!(matches!(aeron.add_counter(TYPE_ID, &[], &label), Err(ClientError::InvalidArgument { .. })));
    assert!(matches!(aeron.async_add_counter(TYPE_ID, &key, "x"), Err(ClientError::InvalidArgument { .. })));
    // The longest key is fine.
    let counter = aeron.add_counter(TYPE_ID, &[1u8; MAX_KEY_LENGTH], "max").unwrap();
    assert_eq!(aeron.counters_reader().counter_key(counter.id()), vec![1u8; MAX_KEY_LENGTH]);
}

#[test]
fn async_add_counter_completes_through_polling() {
    let embedded = Embedded::new();
    let aeron = embedded.connect();
    let registration_id = aeron.async_add_counter(TYPE_ID, &[1, 2], "async").unwrap();
    let mut counter = None;
    for _ in 0..100 {
        if let Some(ready) = aeron.poll_counter(registration_id).unwrap() {
            counter = Some(ready);
            break;
        }
    }
    let counter = counter.expect("counter answered within 100 polls");
    assert_eq!(counter.registration_id(), registration_id);
    assert_eq!(aeron.counters_reader().counter_label(counter.id()), "async");
    assert!(matches!(aeron.poll_counter(registration_id), Err(ClientError::UnknownRegistration(_))));
}

/// Writes `REMOVE_COUNTER` for `registration_id` into the driver's ring buffer as another client would.
fn remove_counter_behind_the_clients_back(embedded: &Embedded, registration_id: i64) {
    let buffer = embedded.store.open(CNC_FILE).unwrap();
    let mut header = [0u8; META_DATA_LENGTH];
    buffer.get_bytes(0, &mut header);
    let layout = CncHeader::decode(&header).unwrap().layout();
    let ring =
        ManyToOneRingBuffer::new(buffer.view(layout.to_driver_offset, layout.to_driver_length)).unwrap();
    let message =
        RemoveMessage { client_id: 999_999, correlation_id: ring.next_correlation_id(), registration_id };
    let mut bytes = [0u8; RemoveMessage::LENGTH];
    let length = message.encode(&mut bytes).unwrap();
    ring.write(event::REMOVE_COUNTER, &bytes[..length]).unwrap();
}

#[test]
fn a_counter_freed_by_the_driver_is_closed_on_unavailable_counter() {
    let embedded = Embedded::new();
    let aeron = embedded.connect();
    let counter = aeron.add_counter(TYPE_ID, &[3], "freed by the driver").unwrap();
    let other = aeron.add_counter(TYPE_ID, &[4], "kept").unwrap();
    remove_counter_behind_the_clients_back(&embedded, counter.registration_id());
    embedded.step_until(&[&aeron], 100, || counter.is_closed());
    assert!(!other.is_closed());
    assert!(!aeron.is_closed());
    drop(counter);
    embedded.run_for(5 * common::STEP_NS, &[&aeron]);
    assert_eq!(aeron.counters_reader().counter_state(other.id()), RECORD_ALLOCATED);
}

#[test]
fn closing_the_client_closes_its_counters_and_the_driver_frees_them() {
    let embedded = Embedded::new();
    let aeron = embedded.connect();
    let counter = aeron.add_counter(TYPE_ID, &[], "client closes").unwrap();
    let reader = aeron.counters_reader();
    let id = counter.id();
    aeron.close();
    assert!(counter.is_closed());
    for _ in 0..100 {
        if reader.counter_state(id) != RECORD_ALLOCATED {
            break;
        }
        embedded.step_driver();
    }
    assert_ne!(reader.counter_state(id), RECORD_ALLOCATED);
    assert!(matches!(aeron.add_counter(TYPE_ID, &[], "late"), Err(ClientError::Closed)));
}
