//! [`ReplayMerge`]: replays a recording into a manual multi-destination subscription and then joins
//! the live stream without a gap (Aeron `ReplayMerge`, reference §5.9).
//!
//! States: GetRecordingPosition → Replay → Catchup ⇄ AttemptLiveJoin → Merged (or Failed, Closed).
//! - GetRecordingPosition: ask `getMaxRecordedPosition` (backing off 8 ms doubling to 500 ms) until the
//!   recording has a position.
//! - Replay: start a replay from `start_position`, following the live recording, to the replay channel
//!   (`linger=0|eos=false`, the replay destination's endpoint).
//! - Catchup: wait for the replay image (session = low 32 bits of the replay session id) to reach the
//!   last known recording position.
//! - AttemptLiveJoin: re-read the recording position; add the live destination once within
//!   `min(termLength/4, 32 MiB)`; once caught up (threshold 0) with the live destination added, stop
//!   the replay and remove the replay destination → Merged.
//!
//! Invariants: time comes only from the `now_ns` passed in; no progress for the merge progress timeout
//! (default 5 s) fails the merge; any error moves to Failed and is returned once.
//!
//! Deviations from Aeron (the client API lacks the pieces): a replay destination with port 0 is refused
//! (`Subscription::resolved_endpoint` does not exist), and the `Image::activeTransportCount() >= 2`
//! check before removing the replay destination is skipped (the image's log metadata is not exposed);
//! since the live destination is added before the image catches up, the image continues from live.

use client::{Header, Image, Subscription};
use protocol::archive::{ArchiveMessage, MaxRecordedPositionRequest, ReplayRequest, StopReplayRequest};

use crate::aeron_archive::{AeronArchive, NULL_POSITION, parse_channel, with_param};
use crate::archive_error::ArchiveError;

/// Window before the live position within which the live destination is added (`LIVE_ADD_MAX_WINDOW`).
pub const LIVE_ADD_MAX_WINDOW: i64 = 32 * 1024 * 1024;
/// Default no-progress timeout: 5 s.
pub const MERGE_PROGRESS_TIMEOUT_NS_DEFAULT: i64 = 5_000_000_000;
const REPLAY_REMOVE_THRESHOLD: i64 = 0;
const INITIAL_GET_MAX_RECORDED_POSITION_BACKOFF_NS: i64 = 8_000_000;
const GET_MAX_RECORDED_POSITION_BACKOFF_MAX_NS: i64 = 500_000_000;
const ARCHIVE_POLL_INTERVAL_NS: i64 = 100_000_000;

/// Where a [`ReplayMerge`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayMergeState {
    /// Asking for the recording's current position.
    GetRecordingPosition,
    /// Starting the replay.
    Replay,
    /// Waiting for the replay image to reach the last known recording position.
    Catchup,
    /// Re-reading the position; adding live; removing the replay once caught up.
    AttemptLiveJoin,
    /// Merged with live: the replay is stopped and its destination removed.
    Merged,
    /// Failed (the error was returned by `do_work`).
    Failed,
    /// Closed.
    Closed,
}

/// A replay-then-live merge over a `control-mode=manual` subscription.
///
/// Drive it by calling [`ReplayMerge::poll`] (or [`ReplayMerge::do_work`]) with the archive client and
/// the current time until [`ReplayMerge::is_merged`]; keep polling afterwards to consume the stream.
pub struct ReplayMerge {
    subscription: Subscription,
    replay_channel: String,
    replay_destination: String,
    live_destination: String,
    recording_id: i64,
    start_position: i64,
    merge_progress_timeout_ns: i64,
    state: ReplayMergeState,
    replay_session_id: i64,
    active_correlation_id: Option<i64>,
    next_target_position: i64,
    position_of_last_progress: i64,
    time_of_last_progress_ns: i64,
    time_of_next_get_max_recorded_position_ns: i64,
    get_max_recorded_position_backoff_ns: i64,
    time_of_last_scheduled_archive_poll_ns: i64,
    is_live_added: bool,
    is_replay_active: bool,
    image: Option<Image>,
}

impl std::fmt::Debug for ReplayMerge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplayMerge")
            .field("state", &self.state)
            .field("next_target_position", &self.next_target_position)
            .field("position_of_last_progress", &self.position_of_last_progress)
            .field("is_live_added", &self.is_live_added)
            .field("is_replay_active", &self.is_replay_active)
            .finish()
    }
}

impl ReplayMerge {
    /// Validates the set-up, adds the replay destination to `subscription` (blocking on the driver) and
    /// starts in GetRecordingPosition at `now_ns`. `replay_channel` should carry the live publication's
    /// `session-id`. Errors: `InvalidArgument` for IPC channels, a subscription without
    /// `control-mode=manual`, a replay destination without endpoint or with port 0; `Client` if the
    /// destination cannot be added.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        subscription: Subscription,
        replay_channel: &str,
        replay_destination: &str,
        live_destination: &str,
        recording_id: i64,
        start_position: i64,
        now_ns: i64,
        merge_progress_timeout_ns: i64,
    ) -> Result<Self, ArchiveError> {
        let ipc = "aeron:ipc";
        if subscription.channel().starts_with(ipc)
            || replay_channel.starts_with(ipc)
            || replay_destination.starts_with(ipc)
            || live_destination.starts_with(ipc)
        {
            return Err(ArchiveError::InvalidArgument("IPC merging is not supported".to_owned()));
        }
        if !subscription.channel().contains("control-mode=manual") {
            return Err(ArchiveError::InvalidArgument(format!(
                "subscription URI must have 'control-mode=manual': {}",
                subscription.channel()
            )));
        }
        let destination = parse_channel(replay_destination)?;
        let Some(endpoint) = destination.get("endpoint") else {
            return Err(ArchiveError::InvalidArgument(format!(
                "replay destination must have an endpoint: {replay_destination}"
            )));
        };
        if endpoint.ends_with(":0") {
            return Err(ArchiveError::InvalidArgument(format!(
                "replay destination port 0 cannot be resolved by this client: {replay_destination}"
            )));
        }
        let channel = parse_channel(replay_channel)?;
        let channel = parse_channel(&with_param(&channel, "linger", "0")?)?;
        let channel = parse_channel(&with_param(&channel, "eos", "false")?)?;
        let replay_channel = with_param(&channel, "endpoint", endpoint)?;
        subscription.add_rcv_destination(replay_destination)?;
        Ok(Self {
            subscription,
            replay_channel,
            replay_destination: replay_destination.to_owned(),
            live_destination: live_destination.to_owned(),
            recording_id,
            start_position,
            merge_progress_timeout_ns,
            state: ReplayMergeState::GetRecordingPosition,
            replay_session_id: -1,
            active_correlation_id: None,
            next_target_position: NULL_POSITION,
            position_of_last_progress: NULL_POSITION,
            time_of_last_progress_ns: now_ns,
            time_of_next_get_max_recorded_position_ns: now_ns,
            get_max_recorded_position_backoff_ns: INITIAL_GET_MAX_RECORDED_POSITION_BACKOFF_NS,
            time_of_last_scheduled_archive_poll_ns: now_ns,
            is_live_added: false,
            is_replay_active: false,
            image: None,
        })
    }

    /// The current state.
    pub fn state(&self) -> ReplayMergeState {
        self.state
    }

    /// Whether the merge completed.
    pub fn is_merged(&self) -> bool {
        self.state == ReplayMergeState::Merged
    }

    /// Whether the merge failed.
    pub fn has_failed(&self) -> bool {
        self.state == ReplayMergeState::Failed
    }

    /// Whether the live destination has been added.
    pub fn is_live_added(&self) -> bool {
        self.is_live_added
    }

    /// The replay channel actually requested (with `linger=0|eos=false` and the endpoint).
    pub fn replay_channel(&self) -> &str {
        &self.replay_channel
    }

    /// The image being merged, once it appeared.
    pub fn image(&self) -> Option<&Image> {
        self.image.as_ref()
    }

    /// The subscription being merged into.
    pub fn subscription(&mut self) -> &mut Subscription {
        &mut self.subscription
    }

    /// Steps the state machine at `now_ns`, then polls the image (once found) for up to
    /// `fragment_limit` fragments; returns the fragments read.
    pub fn poll(
        &mut self,
        archive: &mut AeronArchive,
        now_ns: i64,
        handler: &mut impl FnMut(&[u8], &Header),
        fragment_limit: usize,
    ) -> Result<usize, ArchiveError> {
        self.do_work(archive, now_ns)?;
        Ok(self.image.as_ref().map_or(0, |image| image.poll(handler, fragment_limit)))
    }

    /// Steps the state machine at `now_ns`; returns the work done. An error moves to Failed.
    pub fn do_work(&mut self, archive: &mut AeronArchive, now_ns: i64) -> Result<usize, ArchiveError> {
        let result = match self.state {
            ReplayMergeState::GetRecordingPosition => self.get_recording_position(archive, now_ns),
            ReplayMergeState::Replay => self.replay(archive, now_ns),
            ReplayMergeState::Catchup => self.catchup(now_ns),
            ReplayMergeState::AttemptLiveJoin => self.attempt_live_join(archive, now_ns),
            ReplayMergeState::Merged | ReplayMergeState::Failed | ReplayMergeState::Closed => return Ok(0),
        }
        .and_then(|work| self.check_progress(archive, now_ns).map(|()| work));
        if result.is_err() {
            self.set_state(ReplayMergeState::Failed);
        }
        result
    }

    /// Stops the replay if active and removes the replay destination unless merged. Idempotent.
    pub fn close(&mut self, archive: &mut AeronArchive) {
        if self.state == ReplayMergeState::Closed {
            return;
        }
        if self.state != ReplayMergeState::Merged {
            let _ = self.subscription.remove_rcv_destination(&self.replay_destination);
        }
        if self.is_replay_active {
            self.stop_replay(archive);
        }
        self.set_state(ReplayMergeState::Closed);
    }

    fn set_state(&mut self, state: ReplayMergeState) {
        self.state = state;
        self.active_correlation_id = None;
    }

    fn get_recording_position(
        &mut self,
        archive: &mut AeronArchive,
        now_ns: i64,
    ) -> Result<usize, ArchiveError> {
        match self.active_correlation_id {
            None => {
                if self.call_get_max_recorded_position(archive, now_ns)? {
                    self.time_of_last_progress_ns = now_ns;
                    return Ok(1);
                }
                Ok(0)
            }
            Some(correlation_id) => match archive.poll_response_once(correlation_id)? {
                Some(position) => {
                    self.next_target_position = position;
                    self.active_correlation_id = None;
                    if position != NULL_POSITION {
                        self.time_of_last_progress_ns = now_ns;
                        self.set_state(ReplayMergeState::Replay);
                    }
                    Ok(1)
                }
                None => Ok(0),
            },
        }
    }

    fn replay(&mut self, archive: &mut AeronArchive, now_ns: i64) -> Result<usize, ArchiveError> {
        match self.active_correlation_id {
            None => {
                let (recording_id, position, replay_stream_id) =
                    (self.recording_id, self.start_position, self.subscription.stream_id());
                let replay_channel = self.replay_channel.as_str();
                let correlation_id = archive.send_request(|control_session_id, correlation_id| {
                    ArchiveMessage::ReplayRequest(ReplayRequest {
                        control_session_id,
                        correlation_id,
                        recording_id,
                        position,
                        length: i64::MAX,
                        replay_stream_id,
                        file_io_max_length: -1,
                        replay_token: -1,
                        replay_channel,
                    })
                })?;
                self.active_correlation_id = Some(correlation_id);
                self.time_of_last_progress_ns = now_ns;
                Ok(1)
            }
            Some(correlation_id) => match archive.poll_response_once(correlation_id)? {
                Some(replay_session_id) => {
                    self.is_replay_active = true;
                    self.replay_session_id = replay_session_id;
                    self.time_of_last_progress_ns = now_ns;
                    self.get_max_recorded_position_backoff_ns = INITIAL_GET_MAX_RECORDED_POSITION_BACKOFF_NS;
                    self.time_of_next_get_max_recorded_position_ns = now_ns;
                    self.set_state(ReplayMergeState::Catchup);
                    Ok(1)
                }
                None => Ok(0),
            },
        }
    }

    fn catchup(&mut self, now_ns: i64) -> Result<usize, ArchiveError> {
        if self.image.is_none() && self.subscription.is_connected() {
            self.time_of_last_progress_ns = now_ns;
            let session_id = self.replay_session_id as i32;
            match self.subscription.image_by_session_id(session_id).cloned() {
                Some(image) => {
                    self.position_of_last_progress = image.position();
                    self.image = Some(image);
                }
                None => self.position_of_last_progress = NULL_POSITION,
            }
        }
        let Some(image) = self.image.as_ref() else { return Ok(0) };
        let position = image.position();
        if position >= self.next_target_position {
            self.time_of_last_progress_ns = now_ns;
            self.position_of_last_progress = position;
            self.set_state(ReplayMergeState::AttemptLiveJoin);
            return Ok(1);
        }
        if position > self.position_of_last_progress {
            self.time_of_last_progress_ns = now_ns;
            self.position_of_last_progress = position;
        } else if image.is_closed() {
            return Err(ArchiveError::Protocol("ReplayMerge image closed unexpectedly".to_owned()));
        }
        Ok(0)
    }

    fn attempt_live_join(&mut self, archive: &mut AeronArchive, now_ns: i64) -> Result<usize, ArchiveError> {
        let Some(correlation_id) = self.active_correlation_id else {
            if self.call_get_max_recorded_position(archive, now_ns)? {
                self.time_of_last_progress_ns = now_ns;
                return Ok(1);
            }
            return Ok(0);
        };
        let Some(position) = archive.poll_response_once(correlation_id)? else { return Ok(0) };
        self.next_target_position = position;
        self.active_correlation_id = None;
        if position == NULL_POSITION {
            return Ok(1);
        }
        let mut next_state = ReplayMergeState::Catchup;
        if let Some(image) = self.image.as_ref() {
            let image_position = image.position();
            let window = i64::from(image.term_buffer_length() >> 2).min(LIVE_ADD_MAX_WINDOW);
            if !self.is_live_added && self.next_target_position - image_position <= window {
                self.subscription.add_rcv_destination(&self.live_destination)?;
                self.time_of_last_progress_ns = now_ns;
                self.position_of_last_progress = image_position;
                self.is_live_added = true;
            } else if self.is_live_added
                && self.next_target_position - image_position <= REPLAY_REMOVE_THRESHOLD
            {
                self.subscription.remove_rcv_destination(&self.replay_destination)?;
                self.stop_replay(archive);
                self.time_of_last_progress_ns = now_ns;
                self.position_of_last_progress = image_position;
                next_state = ReplayMergeState::Merged;
            }
        }
        self.set_state(next_state);
        Ok(1)
    }

    fn call_get_max_recorded_position(
        &mut self,
        archive: &mut AeronArchive,
        now_ns: i64,
    ) -> Result<bool, ArchiveError> {
        if now_ns.wrapping_sub(self.time_of_next_get_max_recorded_position_ns) < 0 {
            return Ok(false);
        }
        let recording_id = self.recording_id;
        let sent = archive.send_request(|control_session_id, correlation_id| {
            ArchiveMessage::MaxRecordedPositionRequest(MaxRecordedPositionRequest {
                control_session_id,
                correlation_id,
                recording_id,
            })
        });
        self.get_max_recorded_position_backoff_ns =
            (self.get_max_recorded_position_backoff_ns * 2).min(GET_MAX_RECORDED_POSITION_BACKOFF_MAX_NS);
        self.time_of_next_get_max_recorded_position_ns = now_ns + self.get_max_recorded_position_backoff_ns;
        match sent {
            Ok(correlation_id) => {
                self.active_correlation_id = Some(correlation_id);
                Ok(true)
            }
            Err(ArchiveError::SendFailed { .. }) => Ok(false),
            Err(other) => Err(other),
        }
    }

    fn stop_replay(&mut self, archive: &mut AeronArchive) {
        let replay_session_id = self.replay_session_id;
        let sent = archive.send_request(|control_session_id, correlation_id| {
            ArchiveMessage::StopReplayRequest(StopReplayRequest {
                control_session_id,
                correlation_id,
                replay_session_id,
            })
        });
        if sent.is_ok() {
            self.is_replay_active = false;
        }
    }

    fn check_progress(&mut self, archive: &mut AeronArchive, now_ns: i64) -> Result<(), ArchiveError> {
        if now_ns.wrapping_sub(self.time_of_last_progress_ns) > self.merge_progress_timeout_ns {
            return Err(ArchiveError::Timeout { operation: "ReplayMerge progress", correlation_id: -1 });
        }
        if self.active_correlation_id.is_none()
            && now_ns.wrapping_sub(self.time_of_last_scheduled_archive_poll_ns) > ARCHIVE_POLL_INTERVAL_NS
        {
            self.time_of_last_scheduled_archive_poll_ns = now_ns;
            archive.poll_response_once(-1)?;
        }
        Ok(())
    }
}
