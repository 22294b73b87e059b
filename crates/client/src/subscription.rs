//! [`Subscription`]: the receiving end of a channel and stream id; a set of [`Image`]s, one per publisher
//! session, polled round-robin.
//!
//! Image arrivals and departures come from the client conductor, possibly on another thread, through a
//! small update queue: the conductor pushes under a mutex and raises an "updates pending" flag; the
//! subscription checks that flag with one relaxed load per poll and takes the mutex only when it is set.
//!
//! Invariants:
//! - Polls never allocate and never lock while no image update is pending.
//! - An image reported unavailable is closed (by the conductor) before its removal is queued, so a
//!   poll never reads it again even before the removal is applied.
//! - Closing (or dropping) a subscription closes its images and asks the conductor to send
//!   `REMOVE_SUBSCRIPTION`; the request is sent at once if the conductor is free, otherwise on its next
//!   duty cycle.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use logbuffer::{ControlledPollAction, Header};

use crate::client_error::ClientError;
use crate::client_shared::{ClientShared, Release};
use crate::image::Image;

/// An image arrival or departure queued by the conductor for the subscription's owner.
pub(crate) enum ImageUpdate {
    /// A new image to poll.
    Add(Box<Image>),
    /// The image with this correlation id went away.
    Remove(i64),
}

/// The part of a subscription the conductor shares.
pub(crate) struct SubscriptionShared {
    pub(crate) registration_id: i64,
    pub(crate) channel: String,
    pub(crate) stream_id: i32,
    closed: AtomicBool,
    channel_status_id: AtomicI32,
    updates_pending: AtomicBool,
    updates: Mutex<Vec<ImageUpdate>>,
}

impl SubscriptionShared {
    pub(crate) fn new(registration_id: i64, channel: String, stream_id: i32) -> Self {
        Self {
            registration_id,
            channel,
            stream_id,
            closed: AtomicBool::new(false),
            channel_status_id: AtomicI32::new(0),
            updates_pending: AtomicBool::new(false),
            updates: Mutex::new(Vec::new()),
        }
    }

    /// Queues an image update for the owner (dropped if the subscription is closed).
    pub(crate) fn push_update(&self, update: ImageUpdate) {
        if self.is_closed() {
            return;
        }
        let mut updates = self.updates.lock().unwrap_or_else(PoisonError::into_inner);
        updates.push(update);
        self.updates_pending.store(true, Ordering::Release);
    }

    pub(crate) fn set_channel_status_id(&self, id: i32) {
        self.channel_status_id.store(id, Ordering::Release);
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Marks the subscription closed; returns false if it already was.
    pub(crate) fn mark_closed(&self) -> bool {
        !self.closed.swap(true, Ordering::AcqRel)
    }

    /// Drops queued updates, closing queued images.
    pub(crate) fn clear_updates(&self) {
        let mut updates = self.updates.lock().unwrap_or_else(PoisonError::into_inner);
        for update in updates.drain(..) {
            if let ImageUpdate::Add(image) = update {
                image.close();
            }
        }
        self.updates_pending.store(false, Ordering::Release);
    }
}

/// The receiving end of `(channel, stream_id)`. `Send`: poll it from one thread at a time.
///
/// Drive it by calling [`Subscription::poll`] (or its variants) in a loop; images appear when the client
/// conductor processes the driver's `ON_AVAILABLE_IMAGE` (keep the conductor running: a
/// `conductor_agent()` thread, or calls to `Aeron::conductor_do_work`).
pub struct Subscription {
    shared: Arc<SubscriptionShared>,
    client: Arc<ClientShared>,
    images: Vec<Image>,
    round_robin_index: usize,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("registration_id", &self.shared.registration_id)
            .field("channel", &self.shared.channel)
            .field("stream_id", &self.shared.stream_id)
            .field("image_count", &self.images.len())
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl Subscription {
    pub(crate) fn new(shared: Arc<SubscriptionShared>, client: Arc<ClientShared>) -> Self {
        Self { shared, client, images: Vec::new(), round_robin_index: 0 }
    }

    /// Adds a receive destination (`aeron:udp?endpoint=host:port`) to a multi-destination subscription
    /// (`control-mode=manual`) and waits for the driver to confirm it. Control path (takes the conductor).
    pub fn add_rcv_destination(&self, endpoint_channel: &str) -> Result<(), ClientError> {
        self.rcv_destination(protocol::command::event::ADD_RCV_DESTINATION, endpoint_channel)
    }

    /// Removes a receive destination added with [`Subscription::add_rcv_destination`] and waits.
    pub fn remove_rcv_destination(&self, endpoint_channel: &str) -> Result<(), ClientError> {
        self.rcv_destination(protocol::command::event::REMOVE_RCV_DESTINATION, endpoint_channel)
    }

    fn rcv_destination(&self, msg_type_id: i32, endpoint_channel: &str) -> Result<(), ClientError> {
        if self.is_closed() {
            return Err(ClientError::Closed);
        }
        let mut conductor = self.client.lock_conductor()?;
        conductor.destination_command(msg_type_id, self.shared.registration_id, endpoint_channel)
    }

    #[inline]
    fn sync_images(&mut self) {
        if self.shared.updates_pending.load(Ordering::Relaxed) {
            self.apply_updates();
        }
    }

    #[cold]
    fn apply_updates(&mut self) {
        let mut updates = self.shared.updates.lock().unwrap_or_else(PoisonError::into_inner);
        self.shared.updates_pending.store(false, Ordering::Relaxed);
        for update in updates.drain(..) {
            match update {
                ImageUpdate::Add(image) => {
                    let known = self.images.iter().any(|i| i.correlation_id() == image.correlation_id());
                    if !known && !image.is_closed() {
                        self.images.push(*image);
                    }
                }
                ImageUpdate::Remove(correlation_id) => {
                    self.images.retain(|i| i.correlation_id() != correlation_id);
                }
            }
        }
    }

    #[inline]
    fn next_start_index(&mut self) -> usize {
        let mut start = self.round_robin_index;
        if start >= self.images.len() {
            start = 0;
        }
        self.round_robin_index = start + 1;
        start
    }

    /// Polls the images round-robin (a different first image each call) for up to `fragment_limit`
    /// fragments in total, delivering each as `handler(payload, header)`; returns the count.
    #[inline]
    pub fn poll(&mut self, handler: &mut impl FnMut(&[u8], &Header), fragment_limit: usize) -> usize {
        self.sync_images();
        let length = self.images.len();
        if length == 0 {
            return 0;
        }
        let start = self.next_start_index();
        let mut fragments_read = 0;
        for i in (start..length).chain(0..start) {
            if fragments_read >= fragment_limit {
                break;
            }
            fragments_read += self.images[i].poll(handler, fragment_limit - fragments_read);
        }
        fragments_read
    }

    /// Like [`Subscription::poll`] with a handler that returns a [`ControlledPollAction`].
    #[inline]
    pub fn controlled_poll(
        &mut self,
        handler: &mut impl FnMut(&[u8], &Header) -> ControlledPollAction,
        fragment_limit: usize,
    ) -> usize {
        self.sync_images();
        let length = self.images.len();
        if length == 0 {
            return 0;
        }
        let start = self.next_start_index();
        let mut fragments_read = 0;
        for i in (start..length).chain(0..start) {
            if fragments_read >= fragment_limit {
                break;
            }
            fragments_read += self.images[i].controlled_poll(handler, fragment_limit - fragments_read);
        }
        fragments_read
    }

    /// Block-polls every image in order for whole frames, `block_length_limit` bytes in total, as
    /// `handler(block, session_id, term_id)`; returns the bytes consumed.
    pub fn block_poll(
        &mut self,
        handler: &mut impl FnMut(&[u8], i32, i32),
        block_length_limit: usize,
    ) -> usize {
        self.sync_images();
        let mut bytes_consumed = 0;
        for image in &self.images {
            if bytes_consumed >= block_length_limit {
                break;
            }
            bytes_consumed += image.block_poll(handler, block_length_limit - bytes_consumed);
        }
        bytes_consumed
    }

    /// The current images (after applying pending updates).
    pub fn images(&mut self) -> &[Image] {
        self.sync_images();
        &self.images
    }

    /// How many images the subscription has.
    pub fn image_count(&mut self) -> usize {
        self.sync_images();
        self.images.len()
    }

    /// The image of a publisher session, if present.
    pub fn image_by_session_id(&mut self, session_id: i32) -> Option<&Image> {
        self.sync_images();
        self.images.iter().find(|i| i.session_id() == session_id)
    }

    /// True if at least one image is open.
    pub fn is_connected(&mut self) -> bool {
        self.sync_images();
        self.images.iter().any(|i| !i.is_closed())
    }

    /// True once closed (by [`Subscription::close`], by the client's close, or a driver timeout).
    pub fn is_closed(&self) -> bool {
        self.shared.is_closed()
    }

    /// The channel URI as given to `add_subscription`.
    pub fn channel(&self) -> &str {
        &self.shared.channel
    }

    /// The stream id.
    pub fn stream_id(&self) -> i32 {
        self.shared.stream_id
    }

    /// The registration id (the correlation id of the `ADD_SUBSCRIPTION` command).
    pub fn registration_id(&self) -> i64 {
        self.shared.registration_id
    }

    /// The channel status counter id the driver reported (0 until the subscription is ready).
    pub fn channel_status_id(&self) -> i32 {
        self.shared.channel_status_id.load(Ordering::Acquire)
    }

    /// The bound address (`ip:port`, IPv6 in brackets) of the subscription's receive socket, e.g. the port
    /// the driver picked for `endpoint=host:0`, read from the driver's `rcv-local-sockaddr` counter (type
    /// id 14) linked to the channel status counter. `None` for IPC or MDS subscriptions without a
    /// destination, while the channel is not active, or on the conductor's own thread (callbacks).
    pub fn resolved_endpoint(&mut self) -> Option<String> {
        self.local_socket_addresses().into_iter().next()
    }

    /// Every bound address of the subscription's receive sockets (one per MDS destination), as
    /// [`Subscription::resolved_endpoint`]. Control path: takes the conductor lock briefly.
    pub fn local_socket_addresses(&mut self) -> Vec<String> {
        const ACTIVE: i64 = 1;
        const LOCAL_SOCKADDR_TYPE_ID: i32 = 14;
        let status_id = self.channel_status_id();
        let Ok(conductor) = self.client.lock_conductor() else { return Vec::new() };
        let reader = conductor.counters_reader().clone();
        drop(conductor);
        if status_id < 0
            || !reader.is_valid_counter_id(status_id)
            || reader.counter_value(status_id) != ACTIVE
        {
            return Vec::new();
        }
        let mut addresses = Vec::new();
        reader.for_each(|counter_id, type_id, key, _label| {
            if type_id != LOCAL_SOCKADDR_TYPE_ID
                || reader.counter_value(counter_id) != ACTIVE
                || key.len() < 8
            {
                return;
            }
            let linked_status_id = i32::from_le_bytes([key[0], key[1], key[2], key[3]]);
            let length = i32::from_le_bytes([key[4], key[5], key[6], key[7]]);
            let Some(address) = usize::try_from(length).ok().and_then(|length| key.get(8..8 + length)) else {
                return;
            };
            if linked_status_id == status_id && !address.is_empty() {
                addresses.push(String::from_utf8_lossy(address).into_owned());
            }
        });
        addresses
    }

    /// Closes the subscription: closes its images, then asks the driver to remove it (idempotent).
    /// The unavailable-image handler runs for each image on the conductor.
    pub fn close(&mut self) {
        if self.shared.mark_closed() {
            for image in &self.images {
                image.close();
            }
            self.images.clear();
            self.shared.clear_updates();
            self.client
                .request_release(Release::Subscription { registration_id: self.shared.registration_id });
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.close();
    }
}
