//! [`TimerService`]: the consensus module's cluster timers (Aeron `PriorityHeapTimerService`,
//! reference §3.10).
//!
//! A clustered service schedules a timer by correlation id with a deadline in cluster time units; only
//! the leader in ACTIVE polls the service, and each expired timer becomes a TimerEvent in the log.
//!
//! Invariants:
//! - at most one timer per correlation id: scheduling an existing id replaces it (new deadline, and it
//!   is ordered as if freshly scheduled);
//! - timers fire in a deterministic total order: by deadline, then by the order in which they were
//!   (re)scheduled — stricter than Aeron, which leaves equal deadlines unordered;
//! - a timer whose handler refuses it (the log was back-pressured) stays scheduled, and polling stops
//!   there, so a later poll retries it first;
//! - [`TimerService::poll`] and [`TimerService::cancel`] never allocate; [`TimerService::schedule`]
//!   reuses freed slots and only allocates when the number of live timers exceeds its past maximum.

use std::collections::HashMap;

/// Aeron's limit of expired timers handled per consensus-module duty cycle (`TimerService.POLL_LIMIT`).
pub const TIMER_POLL_LIMIT: usize = 20;

/// One live timer (slab entry).
#[derive(Debug, Clone, Copy)]
struct TimerSlot {
    correlation_id: i64,
    deadline: i64,
    sequence: u64,
    heap_index: usize,
}

/// Cluster timers keyed by correlation id, fired in deadline order (binary min-heap).
///
/// How to drive it: [`schedule`](Self::schedule) / [`cancel`](Self::cancel) on ScheduleTimer /
/// CancelTimer from a service (and on TimerEvents read from the log); on the leader call
/// [`poll`](Self::poll) each duty cycle with the cluster time and a handler that appends the TimerEvent;
/// write [`for_each`](Self::for_each) into a snapshot and rebuild with [`restore`](Self::restore).
#[derive(Debug, Default)]
pub struct TimerService {
    /// Slot indices in heap order; `heap[0]` is the next timer to fire.
    heap: Vec<usize>,
    slots: Vec<TimerSlot>,
    free_slots: Vec<usize>,
    slot_by_correlation_id: HashMap<i64, usize>,
    next_sequence: u64,
    current_time: i64,
}

impl TimerService {
    /// An empty timer service.
    pub fn new() -> Self {
        Self::default()
    }

    /// Schedules (or reschedules) the timer `correlation_id` to expire at `deadline` (cluster time
    /// units). Rescheduling replaces the previous deadline and orders the timer after every other timer
    /// with the same deadline.
    pub fn schedule(&mut self, correlation_id: i64, deadline: i64) {
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        if let Some(&slot) = self.slot_by_correlation_id.get(&correlation_id) {
            let timer = &mut self.slots[slot];
            timer.deadline = deadline;
            timer.sequence = sequence;
            let index = timer.heap_index;
            self.sift_down(index);
            let index = self.slots[slot].heap_index;
            self.sift_up(index);
            return;
        }

        let timer = TimerSlot { correlation_id, deadline, sequence, heap_index: self.heap.len() };
        let slot = match self.free_slots.pop() {
            Some(slot) => {
                self.slots[slot] = timer;
                slot
            }
            None => {
                self.slots.push(timer);
                self.slots.len() - 1
            }
        };
        self.slot_by_correlation_id.insert(correlation_id, slot);
        self.heap.push(slot);
        self.sift_up(self.heap.len() - 1);
    }

    /// Cancels the timer `correlation_id`; true if it was scheduled.
    pub fn cancel(&mut self, correlation_id: i64) -> bool {
        let Some(slot) = self.slot_by_correlation_id.remove(&correlation_id) else {
            return false;
        };
        self.remove_at(self.slots[slot].heap_index);
        true
    }

    /// Fires up to `limit` timers whose deadline is `<= now`, in order, by calling
    /// `handler(correlation_id, now)`. A handler returning false (could not append the TimerEvent)
    /// stops the poll and leaves that timer scheduled. Returns the number of timers fired (and
    /// removed). Also advances [`current_time`](Self::current_time) to `now` if it is later.
    pub fn poll(&mut self, now: i64, limit: usize, mut handler: impl FnMut(i64, i64) -> bool) -> usize {
        if now > self.current_time {
            self.current_time = now;
        }
        let mut fired = 0;
        while fired < limit {
            let Some(&slot) = self.heap.first() else {
                break;
            };
            let timer = self.slots[slot];
            if timer.deadline > now || !handler(timer.correlation_id, now) {
                break;
            }
            self.slot_by_correlation_id.remove(&timer.correlation_id);
            self.remove_at(0);
            fired += 1;
        }
        fired
    }

    /// Sets the current cluster time (Aeron `currentTime`, called at election completion and snapshot
    /// load). Only recorded: the heap does not need it to order timers.
    pub fn set_current_time(&mut self, now: i64) {
        self.current_time = now;
    }

    /// The last time given to [`set_current_time`](Self::set_current_time) or (if later) to
    /// [`poll`](Self::poll); 0 initially.
    pub fn current_time(&self) -> i64 {
        self.current_time
    }

    /// Number of scheduled timers.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when no timer is scheduled.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// True if `correlation_id` is scheduled.
    pub fn contains(&self, correlation_id: i64) -> bool {
        self.slot_by_correlation_id.contains_key(&correlation_id)
    }

    /// The deadline of timer `correlation_id`, if scheduled.
    pub fn deadline(&self, correlation_id: i64) -> Option<i64> {
        self.slot_by_correlation_id.get(&correlation_id).map(|&slot| self.slots[slot].deadline)
    }

    /// The earliest deadline, if any timer is scheduled.
    pub fn next_deadline(&self) -> Option<i64> {
        self.heap.first().map(|&slot| self.slots[slot].deadline)
    }

    /// Visits every timer as `(correlation_id, deadline)` in firing order (for snapshots: restoring the
    /// visited sequence with [`restore`](Self::restore) reproduces the same firing order). Allocates a
    /// scratch list; not for the duty-cycle hot path.
    pub fn for_each(&self, mut visitor: impl FnMut(i64, i64)) {
        let mut ordered: Vec<&TimerSlot> = self.heap.iter().map(|&slot| &self.slots[slot]).collect();
        ordered.sort_unstable_by_key(|timer| (timer.deadline, timer.sequence));
        for timer in ordered {
            visitor(timer.correlation_id, timer.deadline);
        }
    }

    /// All timers as `(correlation_id, deadline)` in firing order.
    pub fn snapshot(&self) -> Vec<(i64, i64)> {
        let mut entries = Vec::with_capacity(self.len());
        self.for_each(|correlation_id, deadline| entries.push((correlation_id, deadline)));
        entries
    }

    /// Replaces every timer with `entries` (`(correlation_id, deadline)`), scheduled in the given
    /// order; a repeated correlation id keeps its last deadline. Used when loading a snapshot.
    pub fn restore(&mut self, entries: impl IntoIterator<Item = (i64, i64)>) {
        self.clear();
        for (correlation_id, deadline) in entries {
            self.schedule(correlation_id, deadline);
        }
    }

    /// Removes every timer (keeps the allocated capacity and the current time).
    pub fn clear(&mut self) {
        self.heap.clear();
        self.slots.clear();
        self.free_slots.clear();
        self.slot_by_correlation_id.clear();
    }

    /// Removes the heap entry at `index` (its map entry must already be gone) and frees its slot.
    fn remove_at(&mut self, index: usize) {
        let slot = self.heap[index];
        let last = self.heap.len() - 1;
        self.heap.swap(index, last);
        self.heap.pop();
        self.free_slots.push(slot);
        if index < self.heap.len() {
            let moved = self.heap[index];
            self.slots[moved].heap_index = index;
            self.sift_down(index);
            let index = self.slots[moved].heap_index;
            self.sift_up(index);
        }
    }

    fn key(&self, heap_index: usize) -> (i64, u64) {
        let timer = &self.slots[self.heap[heap_index]];
        (timer.deadline, timer.sequence)
    }

    fn sift_up(&mut self, mut index: usize) {
        while index > 0 {
            let parent = (index - 1) / 2;
            if self.key(index) >= self.key(parent) {
                break;
            }
            self.swap(index, parent);
            index = parent;
        }
    }

    fn sift_down(&mut self, mut index: usize) {
        let len = self.heap.len();
        loop {
            let left = 2 * index + 1;
            if left >= len {
                break;
            }
            let right = left + 1;
            let child = if right < len && self.key(right) < self.key(left) { right } else { left };
            if self.key(index) <= self.key(child) {
                break;
            }
            self.swap(index, child);
            index = child;
        }
    }

    fn swap(&mut self, a: usize, b: usize) {
        self.heap.swap(a, b);
        let (slot_a, slot_b) = (self.heap[a], self.heap[b]);
        self.slots[slot_a].heap_index = a;
        self.slots[slot_b].heap_index = b;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fire_all(timers: &mut TimerService, now: i64) -> Vec<i64> {
        let mut fired = Vec::new();
        timers.poll(now, usize::MAX, |correlation_id, _| {
            fired.push(correlation_id);
            true
        });
        fired
    }

    #[test]
    fn fires_expired_timers_in_deadline_then_schedule_order() {
        let mut timers = TimerService::new();
        timers.schedule(1, 30);
        timers.schedule(2, 10);
        timers.schedule(3, 20);
        timers.schedule(4, 10);
        timers.schedule(5, 50);
        assert_eq!(timers.len(), 5);
        assert_eq!(timers.next_deadline(), Some(10));
        assert_eq!(fire_all(&mut timers, 5), Vec::<i64>::new());
        assert_eq!(fire_all(&mut timers, 30), vec![2, 4, 3, 1]);
        assert_eq!(timers.len(), 1);
        assert_eq!(timers.current_time(), 30);
        assert!(timers.contains(5));
        assert!(!timers.contains(1));
    }

    #[test]
    fn handler_receives_now_and_poll_respects_the_limit() {
        let mut timers = TimerService::new();
        for id in 0..30 {
            timers.schedule(id, id);
        }
        let mut seen = Vec::new();
        let fired = timers.poll(100, TIMER_POLL_LIMIT, |id, now| {
            seen.push((id, now));
            true
        });
        assert_eq!(fired, 20);
        assert_eq!(seen.len(), 20);
        assert!(seen.iter().all(|&(_, now)| now == 100));
        assert_eq!(seen[0].0, 0);
        assert_eq!(timers.len(), 10);
        assert_eq!(timers.next_deadline(), Some(20));
    }

    #[test]
    fn refused_timer_stays_scheduled_and_is_retried_first() {
        let mut timers = TimerService::new();
        timers.schedule(7, 1);
        timers.schedule(8, 2);
        let fired = timers.poll(10, 20, |_, _| false);
        assert_eq!(fired, 0);
        assert_eq!(timers.len(), 2);
        let mut offered = Vec::new();
        let fired = timers.poll(10, 20, |id, _| {
            offered.push(id);
            offered.len() == 1
        });
        assert_eq!(fired, 1);
        assert_eq!(offered, vec![7, 8], "the earliest first, then the refused one");
        assert_eq!(fire_all(&mut timers, 10), vec![8]);
    }

    #[test]
    fn rescheduling_replaces_and_cancel_removes() {
        let mut timers = TimerService::new();
        timers.schedule(1, 10);
        timers.schedule(2, 20);
        timers.schedule(1, 30);
        assert_eq!(timers.len(), 2);
        assert_eq!(timers.deadline(1), Some(30));
        timers.schedule(1, 20);
        assert_eq!(fire_all(&mut timers, 25), vec![2, 1], "a rescheduled timer goes after its equals");
        timers.schedule(3, 5);
        assert!(timers.cancel(3));
        assert!(!timers.cancel(3));
        assert!(timers.is_empty());
        assert_eq!(fire_all(&mut timers, 100), Vec::<i64>::new());
    }

    #[test]
    fn snapshot_and_restore_preserve_firing_order() {
        let mut timers = TimerService::new();
        for (id, deadline) in [(10, 5), (11, 3), (12, 5), (13, 1), (14, 3)] {
            timers.schedule(id, deadline);
        }
        let entries = timers.snapshot();
        assert_eq!(entries, vec![(13, 1), (11, 3), (14, 3), (10, 5), (12, 5)]);
        let mut restored = TimerService::new();
        restored.schedule(99, 0);
        restored.restore(entries.iter().copied());
        assert_eq!(restored.len(), 5);
        assert!(!restored.contains(99));
        assert_eq!(fire_all(&mut restored, 10), vec![13, 11, 14, 10, 12]);
    }

    #[test]
    fn slots_are_reused_without_growth() {
        let mut timers = TimerService::new();
        for round in 0..100 {
            for id in 0..8 {
                timers.schedule(id, round);
            }
            assert_eq!(fire_all(&mut timers, round).len(), 8);
        }
        assert_eq!(timers.slots.len(), 8);
        assert!(timers.heap.capacity() >= 8);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Schedule(i64, i64),
        Cancel(i64),
        Poll { now: i64, limit: usize, accept: usize },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0i64..16, 0i64..50).prop_map(|(id, deadline)| Op::Schedule(id, deadline)),
            1 => (0i64..16).prop_map(Op::Cancel),
            2 => (0i64..60, 0usize..6, 0usize..6).prop_map(|(now, limit, accept)| Op::Poll { now, limit, accept }),
        ]
    }

    proptest! {
        /// The heap matches a sorted-list model: same contents, same firing order, same refusals.
        #[test]
        fn matches_a_sorted_model(ops in proptest::collection::vec(op(), 0..200)) {
            let mut timers = TimerService::new();
            // Model: (deadline, sequence, correlation id).
            let mut model: Vec<(i64, u64, i64)> = Vec::new();
            let mut sequence = 0u64;
            for op in ops {
                match op {
                    Op::Schedule(id, deadline) => {
                        timers.schedule(id, deadline);
                        model.retain(|&(_, _, existing)| existing != id);
                        model.push((deadline, sequence, id));
                        sequence += 1;
                    }
                    Op::Cancel(id) => {
                        let had = model.iter().any(|&(_, _, existing)| existing == id);
                        model.retain(|&(_, _, existing)| existing != id);
                        prop_assert_eq!(timers.cancel(id), had);
                    }
                    Op::Poll { now, limit, accept } => {
                        model.sort_unstable();
                        let expected: Vec<i64> = model
                            .iter()
                            .take_while(|&&(deadline, _, _)| deadline <= now)
                            .take(limit.min(accept))
                            .map(|&(_, _, id)| id)
                            .collect();
                        let mut fired = Vec::new();
                        let count = timers.poll(now, limit, |id, at| {
                            assert_eq!(at, now);
                            if fired.len() < accept {
                                fired.push(id);
                                true
                            } else {
                                false
                            }
                        });
                        prop_assert_eq!(count, fired.len());
                        prop_assert_eq!(&fired, &expected);
                        model.drain(..expected.len());
                    }
                }
                prop_assert_eq!(timers.len(), model.len());
                model.sort_unstable();
                let expected: Vec<(i64, i64)> = model.iter().map(|&(d, _, id)| (id, d)).collect();
                prop_assert_eq!(timers.snapshot(), expected);
            }
        }
    }
}
