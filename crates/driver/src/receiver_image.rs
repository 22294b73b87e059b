//! [`ReceiverImage`]: the receiver-thread half of a publication image: the
//! [`media::PublicationImageReceiver`] (while it is not inside its endpoint's dispatcher) plus its
//! subscribers' `sub-pos` counters, its `rcv-hwm`/`rcv-pos` counters and its counter mirror.
//!
//! Invariants: only the receiver thread touches it; `rcv-hwm` and `rcv-pos` mirror the media image's HWM
//! and rebuild position; the media image's counters are added to the system counters by delta, so each
//! event is counted once (invalid packets are counted by the dispatcher, not here).

use agrona::AtomicCounter;
use media::{DatagramSink, ImageCounters, ImageState, PublicationImageReceiver};

use crate::system_counters::{
    FLOW_CONTROL_OVER_RUNS, FLOW_CONTROL_UNDER_RUNS, HEARTBEATS_RECEIVED, LOSS_GAP_FILLS, NAKS_SENT,
    SHORT_SENDS, STATUS_MESSAGES_SENT, SystemCounters,
};

/// The receiver-thread half of an image. See the module documentation.
pub struct ReceiverImage {
    pub(crate) correlation_id: i64,
    pub(crate) endpoint_id: i64,
    pub(crate) stream_id: i32,
    pub(crate) session_id: i32,
    /// The media image while it is outside the dispatcher (before activation, and once released).
    pub(crate) receiver: Option<PublicationImageReceiver>,
    pub(crate) subscribers: Vec<AtomicCounter>,
    hwm: AtomicCounter,
    rebuild: AtomicCounter,
    mirrored: ImageCounters,
    pub(crate) linger_reported: bool,
}

impl ReceiverImage {
    /// A new image half around `receiver`.
    pub(crate) fn new(
        correlation_id: i64,
        endpoint_id: i64,
        receiver: PublicationImageReceiver,
        subscribers: Vec<AtomicCounter>,
        hwm: AtomicCounter,
        rebuild: AtomicCounter,
    ) -> Self {
        hwm.set_ordered(receiver.hwm_position());
        rebuild.set_ordered(receiver.rebuild_position());
        Self {
            correlation_id,
            endpoint_id,
            stream_id: receiver.stream_id(),
            session_id: receiver.session_id(),
            receiver: Some(receiver),
            subscribers,
            hwm,
            rebuild,
            mirrored: ImageCounters::default(),
            linger_reported: false,
        }
    }

    /// The image's correlation id.
    pub fn correlation_id(&self) -> i64 {
        self.correlation_id
    }

    /// `(min, max)` of the subscriber positions, or `None` without subscribers.
    pub(crate) fn subscriber_positions(&self) -> Option<(i64, i64)> {
        let mut positions = self.subscribers.iter().map(AtomicCounter::get_volatile);
        let first = positions.next()?;
        Some(positions.fold((first, first), |(min, max), p| (min.min(p), max.max(p))))
    }

    /// Conductor duty done on the receiver thread: rebuild tracking with the subscriber positions, and the
    /// `rcv-hwm`/`rcv-pos` mirror. Returns work done.
    pub(crate) fn track_rebuild(&mut self, image: &mut PublicationImageReceiver, now_ns: i64) -> usize {
        let mut work = 0;
        if let Some((min, max)) = self.subscriber_positions() {
            work += image.track_rebuild(now_ns, min, max);
        }
        self.mirror_positions(image);
        work
    }

    /// Mirrors the image's HWM and rebuild position into `rcv-hwm` and `rcv-pos`.
    pub(crate) fn mirror_positions(&self, image: &PublicationImageReceiver) {
        let hwm = image.hwm_position();
        if self.hwm.get() != hwm {
            self.hwm.set_ordered(hwm);
        }
        let rebuild = image.rebuild_position();
        if self.rebuild.get() != rebuild {
            self.rebuild.set_ordered(rebuild);
        }
    }

    /// Lifecycle timer of a released image (held in `receiver`); returns its state afterwards.
    pub(crate) fn on_time_event(&mut self, now_ns: i64, sink: Option<&mut dyn DatagramSink>) -> ImageState {
        let min = self.subscriber_positions().map(|(min, _)| min);
        let Some(image) = self.receiver.as_mut() else { return ImageState::Done };
        image.on_time_event(now_ns, min);
        if let Some(sink) = sink
            && image.state() == ImageState::Draining
            && image.is_connected(now_ns)
        {
            image.receiver_duty(now_ns, sink);
        }
        image.state()
    }

    /// Adds the media image's new events to the system counters.
    pub(crate) fn mirror_counters(&mut self, image: &PublicationImageReceiver, counters: &SystemCounters) {
        let now = image.counters();
        let before = &self.mirrored;
        let add = |id: i32, now: u64, before: u64| {
            if now > before {
                counters.get(id).get_and_add_ordered((now - before) as i64);
            }
        };
        add(HEARTBEATS_RECEIVED, now.heartbeats_received, before.heartbeats_received);
        add(STATUS_MESSAGES_SENT, now.status_messages_sent, before.status_messages_sent);
        add(NAKS_SENT, now.naks_sent, before.naks_sent);
        add(FLOW_CONTROL_UNDER_RUNS, now.flow_control_under_runs, before.flow_control_under_runs);
        add(FLOW_CONTROL_OVER_RUNS, now.flow_control_over_runs, before.flow_control_over_runs);
        add(LOSS_GAP_FILLS, now.loss_gap_fills, before.loss_gap_fills);
        add(SHORT_SENDS, now.short_sends, before.short_sends);
        self.mirrored = now.clone();
    }
}
