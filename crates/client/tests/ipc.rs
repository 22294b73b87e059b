//! The client against the real driver crate over a heap memory store, single-threaded: the driver is
//! stepped on the test's thread (through the client's `driver_agent_invoker` inside blocking calls, and
//! explicitly in between) on a `ManualClock`. Every loop has a step bound.

mod common;

use std::sync::{Arc, Mutex};

use agrona::NanoClock;
use common::{Embedded, STEP_NS, check_payload, payload};
use fulmar_client::{ClientError, ControlledPollAction, FragmentAssembler, Header, OfferError};

/// Offers `message` until accepted, stepping the driver and draining `poll` in between.
fn offer_until_accepted(
    embedded: &Embedded,
    aeron: &fulmar_client::Aeron,
    mut offer: impl FnMut() -> Result<i64, OfferError>,
    mut poll: impl FnMut() -> usize,
) -> i64 {
    for _ in 0..10_000 {
        match offer() {
            Ok(position) => return position,
            Err(OfferError::BackPressured | OfferError::NotConnected | OfferError::AdminAction) => {
                poll();
                embedded.step(&[aeron]);
            }
            Err(other) => panic!("offer failed: {other}"),
        }
    }
    panic!("offer not accepted within 10000 steps");
}

#[test]
fn ipc_publication_to_subscription_exchange_across_term_rotations() {
    let embedded = Embedded::new();
    let aeron = embedded.connect();
    let mut subscription = aeron.add_subscription("aeron:ipc", 1001).unwrap();
    let publication = aeron.add_publication("aeron:ipc", 1001).unwrap();
    embedded.step_until(&[&aeron], 1_000, || subscription.image_count() == 1 && publication.is_connected());
    let image = subscription.images()[0].clone();
    assert_eq!(image.session_id(), publication.session_id());
    assert_eq!(image.subscription_registration_id(), subscription.registration_id());
    assert_eq!(image.term_buffer_length(), publication.term_buffer_length());
    assert_eq!(image.initial_term_id(), publication.initial_term_id());
    assert_eq!(image.join_position(), 0);
    assert_eq!(subscription.channel(), "aeron:ipc");
    assert_eq!(publication.channel(), "aeron:ipc");
    assert!(publication.is_original());
    assert_eq!(publication.max_payload_length(), 1408 - 32);

    // ~6 terms of 64 KiB: the log rotates and terms are cleaned behind the subscriber.
    let count = 3_000u32;
    let mut received = Vec::new();
    let mut last_position = 0;
    let poll = |subscription: &mut fulmar_client::Subscription, received: &mut Vec<(u32, i64)>| {
        subscription.poll(
            &mut |bytes: &[u8], header: &Header| {
                let (source, sequence) = check_payload(bytes);
                assert_eq!(source, 1);
                assert_eq!(header.session_id(), image.session_id());
                assert_eq!(header.stream_id(), 1001);
                received.push((sequence, header.position()));
            },
            100,
        )
    };
    for sequence in 0..count {
        let message = payload(1, sequence, 8 + (sequence as usize * 37) % 200);
        let position = offer_until_accepted(
            &embedded,
            &aeron,
            || publication.offer(&message),
            || poll(&mut subscription, &mut received),
        );
        assert!(position > last_position);
        last_position = position;
    }
    embedded.step_until(&[&aeron], 10_000, || {
        poll(&mut subscription, &mut received);
        received.len() == count as usize
    });
    assert!(received.iter().map(|(sequence, _)| *sequence).eq(0..count), "in order, none lost or duplicated");
    assert_eq!(received.last().unwrap().1, last_position);
    assert_eq!(image.position(), last_position);
    assert_eq!(publication.position(), last_position);
    assert!(last_position > 5 * i64::from(publication.term_buffer_length()));
    aeron.close();
}

#[test]
fn exclusive_publication_offers_claims_blocks_and_padding() {
    let embedded = Embedded::new();
    let aeron = embedded.connect();
    let mut subscription = aeron.add_subscription("aeron:ipc?term-length=128k", 7).unwrap();
    let mut publication = aeron.add_exclusive_publication("aeron:ipc?term-length=128k", 7).unwrap();
    let other = aeron.add_exclusive_publication("aeron:ipc?term-length=128k", 7).unwrap();
    assert_ne!(
        publication.session_id(),
        other.session_id(),
        "each exclusive publication has its own session"
    );
    assert_eq!(publication.term_buffer_length(), 128 * 1024);
    embedded.step_until(&[&aeron], 1_000, || subscription.image_count() == 2 && publication.is_connected());

    publication.offer(&payload(2, 0, 100)).unwrap();
    let first = payload(2, 1, 60);
    publication.offer_vectored(&[&first[..10], &first[10..], &[]]).unwrap();
    let mut claim = publication.try_claim(64).unwrap();
    claim.payload_mut().copy_from_slice(&payload(2, 2, 64));
    claim.put_reserved_value(42);
    claim.commit();
    let padding_before = publication.position();
    publication.append_padding(1000).unwrap();
    assert!(publication.position() >= padding_before + 1000);
    // A block of complete frames, taken from what was just written.
    let mut block = Vec::new();
    {
        let image = subscription.image_by_session_id(publication.session_id()).unwrap().clone();
        image.block_poll(
            &mut |bytes: &[u8], session_id, _term_id| {
                assert_eq!(session_id, image.session_id());
                if block.is_empty() {
                    block.extend_from_slice(bytes);
                }
            },
            160,
        );
        assert_eq!(block.len(), 160, "the first frame (100 bytes + header, aligned)");
    }
    // A block must carry the term offset it is appended at.
    let term_offset = (publication.position() & i64::from(publication.term_buffer_length() - 1)) as i32;
    block[8..12].copy_from_slice(&term_offset.to_le_bytes());
    publication.offer_block(&block).unwrap_or_else(|e| panic!("offer_block: {e}"));

    let mut got = Vec::new();
    embedded.step_until(&[&aeron], 100, || {
        subscription.poll(
            &mut |bytes: &[u8], header: &Header| {
                got.push((check_payload(bytes).1, header.reserved_value()));
            },
            10,
        );
        got.len() == 3
    });
    assert_eq!(got.iter().map(|(sequence, _)| *sequence).collect::<Vec<_>>(), vec![1, 2, 0]);
    assert_eq!(got[1].1, 42);
    assert_eq!(
        publication.position(),
        subscription.image_by_session_id(publication.session_id()).unwrap().position()
    );

    publication.close();
    assert_eq!(publication.offer(b"x"), Err(OfferError::Closed));
    assert!(publication.is_closed());
    assert_eq!(publication.position_limit(), OfferError::Closed.code());
    aeron.close();
}

#[test]
fn back_pressure_against_a_slow_subscriber_then_recovery() {
    let embedded = Embedded::new();
    let aeron = embedded.connect();
    let mut subscription = aeron.add_subscription("aeron:ipc", 3).unwrap();
    let publication = aeron.add_publication("aeron:ipc", 3).unwrap();
    embedded.step_until(&[&aeron], 1_000, || subscription.image_count() == 1 && publication.is_connected());

    let window = i64::from(publication.term_buffer_length() / 2);
    let mut sent = 0u32;
    let back_pressured_at = loop {
        match publication.offer(&payload(3, sent, 1000)) {
            Ok(_) => sent += 1,
            Err(OfferError::BackPressured) => break publication.position(),
            Err(other) => panic!("unexpected {other}"),
        }
        embedded.step(&[&aeron]);
        assert!(sent < 1_000, "never back-pressured");
    };
    assert!(back_pressured_at >= publication.position_limit());
    assert!(back_pressured_at >= window, "a whole window was accepted before back-pressure");
    // Still back-pressured while the subscriber does not read, however long the driver runs.
    embedded.run_for(50 * STEP_NS, &[&aeron]);
    assert_eq!(publication.offer(&payload(3, sent, 1000)), Err(OfferError::BackPressured));

    // The subscriber catches up; the driver moves the limit; publishing resumes.
    let mut received = 0u32;
    let drain = |subscription: &mut fulmar_client::Subscription, received: &mut u32| {
        subscription.poll(
            &mut |bytes: &[u8], _header: &Header| {
                assert_eq!(check_payload(bytes).1, *received);
                *received += 1;
            },
            1_000,
        )
    };
    embedded.step_until(&[&aeron], 100, || {
        drain(&mut subscription, &mut received);
        received == sent
    });
    embedded.step_until(&[&aeron], 100, || publication.position_limit() > back_pressured_at);
    for _ in 0..10 {
        offer_until_accepted(&embedded, &aeron, || publication.offer(&payload(3, sent, 1000)), || 0);
        sent += 1;
    }
    embedded.step_until(&[&aeron], 100, || {
        drain(&mut subscription, &mut received);
        received == sent
    });
    aeron.close();
}

#[test]
fn a_late_subscriber_starts_at_the_current_position() {
    let embedded = Embedded::new();
    let aeron = embedded.connect();
    let mut early = aeron.add_subscription("aeron:ipc", 4).unwrap();
    let publication = aeron.add_publication("aeron:ipc", 4).unwrap();
    embedded.step_until(&[&aeron], 1_000, || early.image_count() == 1);
    for sequence in 0..10 {
        offer_until_accepted(&embedded, &aeron, || publication.offer(&payload(4, sequence, 100)), || 0);
    }
    let mut early_seen = Vec::new();
    early.poll(&mut |bytes: &[u8], _: &Header| early_seen.push(check_payload(bytes).1), 100);
    assert_eq!(early_seen, (0..10).collect::<Vec<_>>());
    // The driver joins new subscribers at the slowest consumer position it last observed.
    embedded.run_for(5 * STEP_NS, &[&aeron]);
    let position_at_join = publication.position();

    let mut late = aeron.add_subscription("aeron:ipc", 4).unwrap();
    embedded.step_until(&[&aeron], 1_000, || late.image_count() == 1);
    let late_image = late.images()[0].clone();
    assert_eq!(late_image.join_position(), position_at_join);
    assert_eq!(late_image.position(), position_at_join);
    for sequence in 10..15 {
        offer_until_accepted(&embedded, &aeron, || publication.offer(&payload(4, sequence, 100)), || 0);
    }
    let mut late_seen = Vec::new();
    late.poll(&mut |bytes: &[u8], _: &Header| late_seen.push(check_payload(bytes).1), 100);
    assert_eq!(late_seen, (10..15).collect::<Vec<_>>(), "only what was published after joining");
    early.poll(&mut |bytes: &[u8], _: &Header| early_seen.push(check_payload(bytes).1), 100);
    assert_eq!(early_seen, (0..15).collect::<Vec<_>>());
    aeron.close();
}

#[test]
fn fragmentation_and_reassembly_up_to_the_maximum_message_length() {
    let embedded = Embedded::new();
    let aeron = embedded.connect();
    let channel = "aeron:ipc?term-length=1m|mtu=4096";
    let mut subscription = aeron.add_subscription(channel, 5).unwrap();
    let publication = aeron.add_publication(channel, 5).unwrap();
    embedded.step_until(&[&aeron], 1_000, || subscription.image_count() == 1);
    assert_eq!(publication.max_message_length(), 1024 * 1024 / 8);
    assert_eq!(publication.max_payload_length(), 4096 - 32);

    let max = publication.max_message_length();
    let lengths = [8, 4064, 4065, 10_000, 65_536, max - 1, max, 12, max];
    let mut assembler = FragmentAssembler::new(1024);
    let mut received = Vec::new();
    let mut fragments = 0usize;
    for (sequence, &length) in lengths.iter().enumerate() {
        let message = payload(5, sequence as u32, length);
        offer_until_accepted(
            &embedded,
            &aeron,
            || publication.offer(&message),
            || {
                subscription.poll(
                    &mut |fragment: &[u8], header: &Header| {
                        fragments += 1;
                        assembler.on_fragment(fragment, header, &mut |message: &[u8], _: &Header| {
                            received.push((check_payload(message).1, message.len()));
                        });
                    },
                    100,
                )
            },
        );
    }
    embedded.step_until(&[&aeron], 10_000, || {
        subscription.poll(
            &mut |fragment: &[u8], header: &Header| {
                fragments += 1;
                assembler.on_fragment(fragment, header, &mut |message: &[u8], _: &Header| {
                    received.push((check_payload(message).1, message.len()));
                });
            },
            100,
        );
        received.len() == lengths.len()
    });
    let expected: Vec<(u32, usize)> = lengths.iter().enumerate().map(|(i, &l)| (i as u32, l)).collect();
    assert_eq!(received, expected);
    assert!(fragments > lengths.len() + 60, "large messages arrived in many fragments ({fragments})");
    aeron.close();
}

#[test]
fn image_handlers_see_images_come_and_go() {
    let embedded = Embedded::new();
    let aeron = embedded.connect();
    let events = Arc::new(Mutex::new(Vec::new()));
    let (available, unavailable) = (Arc::clone(&events), Arc::clone(&events));
    let mut subscription = aeron
        .add_subscription_with_handlers(
            "aeron:ipc",
            6,
            Box::new(move |image| {
                available.lock().unwrap().push(("available", image.session_id(), image.is_closed()))
            }),
            Box::new(move |image| {
                unavailable.lock().unwrap().push(("unavailable", image.session_id(), image.is_closed()))
            }),
        )
        .unwrap();
    let publication = aeron.add_publication("aeron:ipc", 6).unwrap();
    let session_id = publication.session_id();
    embedded.step_until(&[&aeron], 1_000, || subscription.image_count() == 1);
    assert_eq!(*events.lock().unwrap(), vec![("available", session_id, false)]);
    offer_until_accepted(&embedded, &aeron, || publication.offer(b"last words"), || 0);
    let image = subscription.images()[0].clone();
    assert!(!image.is_end_of_stream());

    publication.close();
    // The driver lingers (100 ms in test_min) before the image goes.
    embedded.step_until(&[&aeron], 5_000, || events.lock().unwrap().len() == 2);
    assert_eq!(events.lock().unwrap()[1], ("unavailable", session_id, true));
    assert_eq!(subscription.image_count(), 0);
    assert!(image.is_closed());
    assert_eq!(image.poll(&mut |_: &[u8], _: &Header| panic!("closed images deliver nothing"), 10), 0);
    assert!(!subscription.is_connected());
    aeron.close();
}

#[test]
fn image_reaches_end_of_stream_when_drained_before_the_publication_goes() {
    let embedded = Embedded::new();
    let aeron = embedded.connect();
    let mut subscription = aeron.add_subscription("aeron:ipc", 16).unwrap();
    let publication = aeron.add_publication("aeron:ipc", 16).unwrap();
    embedded.step_until(&[&aeron], 1_000, || subscription.image_count() == 1);
    offer_until_accepted(&embedded, &aeron, || publication.offer(b"only"), || 0);
    let image = subscription.images()[0].clone();
    publication.close();
    let mut seen = 0;
    embedded.step_until(&[&aeron], 5_000, || {
        image.poll(&mut |_: &[u8], _: &Header| seen += 1, 10);
        image.is_end_of_stream() || image.is_closed()
    });
    assert_eq!(seen, 1);
    aeron.close();
}

#[test]
fn controlled_and_bounded_polls() {
    let embedded = Embedded::new();
    let aeron = embedded.connect();
    let mut subscription = aeron.add_subscription("aeron:ipc", 8).unwrap();
    let publication = aeron.add_publication("aeron:ipc", 8).unwrap();
    embedded.step_until(&[&aeron], 1_000, || subscription.image_count() == 1);
    let mut positions = Vec::new();
    for sequence in 0..5 {
        positions.push(offer_until_accepted(
            &embedded,
            &aeron,
            || publication.offer(&payload(8, sequence, 40)),
            || 0,
        ));
    }
    let image = subscription.images()[0].clone();
    // Abort re-delivers.
    let mut seen = Vec::new();
    let count = subscription.controlled_poll(
        &mut |bytes: &[u8], _: &Header| {
            let sequence = check_payload(bytes).1;
            if sequence == 2 {
                return ControlledPollAction::Abort;
            }
            seen.push(sequence);
            ControlledPollAction::Continue
        },
        10,
    );
    assert_eq!((count, seen.clone()), (2, vec![0, 1]));
    assert_eq!(image.position(), positions[1]);
    // Bounded: stop at a limit position.
    let count = image.bounded_poll(
        &mut |bytes: &[u8], _: &Header| seen.push(check_payload(bytes).1),
        positions[3],
        10,
    );
    assert_eq!(count, 2);
    assert_eq!(image.position(), positions[3]);
    let count = image.bounded_controlled_poll(
        &mut |bytes: &[u8], _: &Header| {
            seen.push(check_payload(bytes).1);
            ControlledPollAction::Break
        },
        i64::MAX,
        10,
    );
    assert_eq!(count, 1);
    assert_eq!(seen, vec![0, 1, 2, 3, 4]);
    aeron.close();
}

#[test]
fn several_publications_share_one_stream_and_poll_round_robin() {
    let embedded = Embedded::new();
    let aeron = embedded.connect();
    let mut subscription = aeron.add_subscription("aeron:ipc", 9).unwrap();
    let first = aeron.add_publication("aeron:ipc", 9).unwrap();
    let second = aeron.add_publication("aeron:ipc", 9).unwrap();
    assert_eq!(
        first.session_id(),
        second.session_id(),
        "concurrent publications share the driver's publication"
    );
    assert_eq!(first.original_registration_id(), second.original_registration_id());
    assert!(!second.is_original());
    let exclusive_a = aeron.add_exclusive_publication("aeron:ipc", 9);
    let mut exclusive_a = exclusive_a.unwrap();
    embedded.step_until(&[&aeron], 1_000, || subscription.image_count() == 2);
    for sequence in 0..20 {
        offer_until_accepted(&embedded, &aeron, || first.offer(&payload(1, sequence, 20)), || 0);
        offer_until_accepted(&embedded, &aeron, || exclusive_a.offer(&payload(2, sequence, 20)), || 0);
    }
    let mut sources = Vec::new();
    while subscription.poll(&mut |bytes: &[u8], _: &Header| sources.push(check_payload(bytes).0), 5) > 0 {}
    assert_eq!(sources.len(), 40);
    assert_eq!(sources.iter().filter(|&&s| s == 1).count(), 20);
    assert!(sources[..10].contains(&1) && sources[..10].contains(&2), "round robin interleaves images");
    // Closing one handle keeps the shared publication alive for the other.
    first.close();
    embedded.run_for(300 * STEP_NS, &[&aeron]);
    assert!(second.offer(&payload(1, 20, 20)).is_ok());
    aeron.close();
}

#[test]
fn client_close_frees_driver_resources() {
    let embedded = Embedded::new();
    let owner = embedded.connect();
    let observer = embedded.connect();
    assert_ne!(owner.client_id(), observer.client_id());
    let publication = owner.add_publication("aeron:ipc", 11).unwrap();
    let mut subscription = owner.add_subscription("aeron:ipc", 11).unwrap();
    let mut exclusive = owner.add_exclusive_publication("aeron:ipc", 12).unwrap();
    let mut watcher = observer.add_subscription("aeron:ipc", 11).unwrap();
    embedded.step_until(&[&owner, &observer], 1_000, || {
        subscription.image_count() == 1 && watcher.image_count() == 1
    });
    let limit_id = publication.publication_limit_id();
    let reader = observer.counters_reader();
    assert_eq!(reader.counter_state(limit_id), agrona::RECORD_ALLOCATED);
    {
        let driver = embedded.driver.lock().unwrap();
        assert_eq!(driver.publications().len(), 2);
        assert_eq!(driver.subscriptions().len(), 2);
        assert_eq!(driver.clients().len(), 2);
    }

    owner.close();
    assert_eq!(publication.offer(b"x"), Err(OfferError::Closed));
    assert_eq!(exclusive.offer(b"x"), Err(OfferError::Closed));
    assert!(subscription.is_closed());
    embedded.step_until(&[&owner, &observer], 5_000, || {
        let driver = embedded.driver.lock().unwrap();
        driver.publications().is_empty() && driver.clients().len() == 1 && driver.subscriptions().len() == 1
    });
    embedded.step_until(&[&observer], 1_000, || watcher.image_count() == 0);
    assert_ne!(reader.counter_state(limit_id), agrona::RECORD_ALLOCATED, "the publisher limit was freed");
    assert_eq!(owner.add_subscription("aeron:ipc", 1).unwrap_err(), ClientError::Closed);
    observer.close();
}

#[test]
fn dropping_handles_releases_them_in_the_driver() {
    let embedded = Embedded::new();
    let aeron = embedded.connect();
    {
        let _publication = aeron.add_publication("aeron:ipc", 13).unwrap();
        let _exclusive = aeron.add_exclusive_publication("aeron:ipc", 13).unwrap();
        let _subscription = aeron.add_subscription("aeron:ipc", 13).unwrap();
    }
    embedded.step_until(&[&aeron], 5_000, || {
        let driver = embedded.driver.lock().unwrap();
        driver.publications().is_empty() && driver.subscriptions().is_empty()
    });
    aeron.close();
}

#[test]
fn an_uncommitted_claim_is_unblocked_by_the_driver() {
    let embedded = Embedded::new();
    let aeron = embedded.connect();
    let mut subscription = aeron.add_subscription("aeron:ipc", 14).unwrap();
    let publication = aeron.add_publication("aeron:ipc", 14).unwrap();
    embedded.step_until(&[&aeron], 1_000, || subscription.image_count() == 1);
    offer_until_accepted(&embedded, &aeron, || publication.offer(&payload(14, 0, 100)), || 0);
    let claim = publication.try_claim(200).unwrap();
    std::mem::forget(claim); // a publisher that died mid-claim
    offer_until_accepted(&embedded, &aeron, || publication.offer(&payload(14, 1, 100)), || 0);

    let mut seen = Vec::new();
    subscription.poll(&mut |bytes: &[u8], _: &Header| seen.push(check_payload(bytes).1), 10);
    assert_eq!(seen, vec![0], "the dead claim blocks the stream");
    // The driver's unblock timeout is 1 s in test_min.
    let start_ns = embedded.now_ns();
    embedded.step_until(&[&aeron], 5_000, || {
        subscription.poll(&mut |bytes: &[u8], _: &Header| seen.push(check_payload(bytes).1), 10);
        seen.len() == 2
    });
    assert_eq!(seen, vec![0, 1]);
    assert!(embedded.now_ns() - start_ns >= 1_000_000_000, "unblocked only after the timeout");
    aeron.close();
}

#[test]
fn a_bad_channel_is_refused_with_the_drivers_message() {
    let embedded = Embedded::new();
    let aeron = embedded.connect();
    for channel in ["aeron:ipc?term-length=12345", "aeron:bogus", "not a uri"] {
        match aeron.add_publication(channel, 1) {
            Err(ClientError::ChannelInvalid { message }) => assert!(!message.is_empty(), "{channel}"),
            other => panic!("{channel}: {other:?}"),
        }
    }
    for channel in ["aeron:bogus", "not a uri"] {
        match aeron.add_subscription(channel, 1) {
            Err(ClientError::ChannelInvalid { message }) => assert!(!message.is_empty(), "{channel}"),
            other => panic!("{channel}: {other:?}"),
        }
    }
    let error = aeron.add_publication("aeron:ipc?term-length=12345", 1).unwrap_err();
    assert!(error.to_string().contains("12345") || error.to_string().contains("term"), "{error}");
    assert!(aeron.add_publication("aeron:ipc", 1).is_ok(), "the client carries on");
    aeron.close();
}

#[test]
fn a_driver_that_stops_gives_a_driver_timeout() {
    let embedded = Embedded::new();
    let aeron = embedded.connect();
    let publication = aeron.add_publication("aeron:ipc", 15).unwrap();
    let mut subscription = aeron.add_subscription("aeron:ipc", 15).unwrap();
    embedded.run_for(100 * STEP_NS, &[&aeron]);
    // The driver is no longer stepped: only the clock and the client move.
    for _ in 0..3_000 {
        embedded.clock.advance_ns(STEP_NS);
        aeron.conductor_do_work(embedded.clock.nano_time());
        if aeron.is_closed() {
            break;
        }
    }
    assert!(aeron.is_closed());
    assert!(matches!(aeron.termination_reason(), Some(ClientError::DriverTimeout { .. })));
    assert_eq!(publication.offer(b"x"), Err(OfferError::Closed));
    assert!(subscription.is_closed());
    assert_eq!(subscription.poll(&mut |_: &[u8], _: &Header| {}, 10), 0);
    assert!(matches!(aeron.add_publication("aeron:ipc", 1), Err(ClientError::DriverTimeout { .. })));
}

#[test]
fn a_closed_driver_is_noticed_at_once() {
    let embedded = Embedded::new();
    let aeron = embedded.connect();
    agrona::Agent::on_close(&mut *embedded.driver.lock().unwrap());
    embedded.run_for(600 * STEP_NS, &[&aeron]);
    assert!(matches!(
        aeron.termination_reason(),
        Some(ClientError::DriverTimeout { reason }) if reason.contains("shut down")
    ));
    // A fresh client cannot connect to it either.
    let error = fulmar_client::Aeron::connect(embedded.context()).unwrap_err();
    assert!(matches!(error, ClientError::DriverTimeout { .. }), "{error}");
}

#[test]
fn the_client_keeps_itself_alive_through_long_quiet_periods() {
    let embedded = Embedded::new();
    let aeron = embedded.connect();
    let publication = aeron.add_publication("aeron:ipc", 17).unwrap();
    // 5 s of manual time (the driver's client liveness timeout is 1 s in test_min).
    embedded.run_for(5_000 * STEP_NS, &[&aeron]);
    assert!(!aeron.is_closed());
    assert!(!publication.is_closed());
    assert_eq!(embedded.driver.lock().unwrap().clients().len(), 1);
    aeron.close();
}

#[test]
fn a_client_that_stops_heartbeating_is_timed_out_by_the_driver() {
    let embedded = Embedded::new();
    let aeron = embedded.connect();
    let publication = aeron.add_publication("aeron:ipc", 18).unwrap();
    // Only the driver runs for 2 s: the client's heartbeat goes stale.
    for _ in 0..2_000 {
        embedded.step_driver();
    }
    aeron.conductor_do_work(embedded.now_ns());
    assert!(aeron.is_closed());
    assert!(matches!(aeron.termination_reason(), Some(ClientError::ClientTimeout { .. })));
    assert_eq!(publication.offer(b"x"), Err(OfferError::Closed));
}
