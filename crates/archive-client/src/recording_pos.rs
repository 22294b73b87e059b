//! [`RecordingPos`]: finds and reads the archive's `rec-pos` counters (type 100, Aeron
//! `io.aeron.archive.status.RecordingPos`).
//!
//! Key layout (reference §4 counters): `recordingId:i64 @0`, `sessionId:i32 @8`,
//! `sourceIdentityLength:i32 @12`, source identity bytes @16, then `archiveId:i64`.
//!
//! Invariants: the counters region is written by another process, so every key field is read with
//! bounds checks; a corrupt source identity length never panics, it just fails to match an archive id.

use agrona::CountersReader;
use agrona::counters_descriptor::{MAX_KEY_LENGTH, RECORD_ALLOCATED};

/// Counter type id of a recording position (`AeronCounters.ARCHIVE_RECORDING_POSITION_TYPE_ID`).
pub const RECORDING_POSITION_TYPE_ID: i32 = 100;

const RECORDING_ID_OFFSET: usize = 0;
const SESSION_ID_OFFSET: usize = 8;
const SOURCE_IDENTITY_LENGTH_OFFSET: usize = 12;
const SOURCE_IDENTITY_OFFSET: usize = 16;

/// Helpers over `rec-pos` counters; all functions are associated (no state).
#[derive(Debug, Clone, Copy)]
pub struct RecordingPos;

/// The fields of a `rec-pos` key.
struct Key<'a> {
    recording_id: i64,
    session_id: i32,
    source_identity: Option<&'a [u8]>,
    archive_id: Option<i64>,
}

fn parse_key(key: &[u8]) -> Option<Key<'_>> {
    let i64_at =
        |offset: usize| key.get(offset..offset + 8).and_then(|b| b.try_into().ok()).map(i64::from_le_bytes);
    let i32_at =
        |offset: usize| key.get(offset..offset + 4).and_then(|b| b.try_into().ok()).map(i32::from_le_bytes);
    let recording_id = i64_at(RECORDING_ID_OFFSET)?;
    let session_id = i32_at(SESSION_ID_OFFSET)?;
    let length = usize::try_from(i32_at(SOURCE_IDENTITY_LENGTH_OFFSET)?).ok();
    let source_identity =
        length.and_then(|length| key.get(SOURCE_IDENTITY_OFFSET..SOURCE_IDENTITY_OFFSET + length));
    let archive_id = length.and_then(|length| i64_at(SOURCE_IDENTITY_OFFSET + length));
    Some(Key { recording_id, session_id, source_identity, archive_id })
}

impl RecordingPos {
    /// The id of the active `rec-pos` counter of `recording_id` (from any archive).
    pub fn find_counter_id_by_recording(counters: &CountersReader, recording_id: i64) -> Option<i32> {
        Self::find(counters, |key| key.recording_id == recording_id)
    }

    /// The id of the active `rec-pos` counter of `recording_id` in archive `archive_id` (-1: any archive).
    pub fn find_counter_id_by_recording_and_archive(
        counters: &CountersReader,
        recording_id: i64,
        archive_id: i64,
    ) -> Option<i32> {
        Self::find(counters, |key| {
            key.recording_id == recording_id && (archive_id == -1 || key.archive_id == Some(archive_id))
        })
    }

    /// The id of the active `rec-pos` counter recording the image with `session_id`.
    pub fn find_counter_id_by_session(counters: &CountersReader, session_id: i32) -> Option<i32> {
        Self::find(counters, |key| key.session_id == session_id)
    }

    /// The recording id of `rec-pos` counter `counter_id`, or `None` if it is not an allocated `rec-pos`.
    pub fn get_recording_id(counters: &CountersReader, counter_id: i32) -> Option<i64> {
        Self::key_of(counters, counter_id).and_then(|key| parse_key(&key).map(|key| key.recording_id))
    }

    /// The source identity of the recorded image, or `None` if `counter_id` is not an allocated `rec-pos`
    /// (or its key is corrupt).
    pub fn get_source_identity(counters: &CountersReader, counter_id: i32) -> Option<String> {
        let key = Self::key_of(counters, counter_id)?;
        let parsed = parse_key(&key)?;
        parsed.source_identity.map(|bytes| String::from_utf8_lossy(bytes).into_owned())
    }

    /// Whether `counter_id` is still the allocated `rec-pos` counter of `recording_id`.
    pub fn is_active(counters: &CountersReader, counter_id: i32, recording_id: i64) -> bool {
        Self::get_recording_id(counters, counter_id) == Some(recording_id)
    }

    fn key_of(counters: &CountersReader, counter_id: i32) -> Option<Vec<u8>> {
        (counters.is_valid_counter_id(counter_id)
            && counters.counter_state(counter_id) == RECORD_ALLOCATED
            && counters.counter_type_id(counter_id) == RECORDING_POSITION_TYPE_ID)
            .then(|| counters.counter_key(counter_id))
            .filter(|key| key.len() == MAX_KEY_LENGTH)
    }

    fn find(counters: &CountersReader, mut matches: impl FnMut(&Key<'_>) -> bool) -> Option<i32> {
        let mut found = None;
        counters.for_each(|counter_id, type_id, key, _label| {
            if found.is_none()
                && type_id == RECORDING_POSITION_TYPE_ID
                && parse_key(key).is_some_and(|key| matches(&key))
            {
                found = Some(counter_id);
            }
        });
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agrona::counters_descriptor::{COUNTER_LENGTH, METADATA_LENGTH};
    use agrona::{AtomicBuffer, CountersManager};
    use proptest::prelude::*;

    fn key(recording_id: i64, session_id: i32, source_identity: &str, archive_id: i64) -> Vec<u8> {
        let mut key = Vec::new();
        key.extend_from_slice(&recording_id.to_le_bytes());
        key.extend_from_slice(&session_id.to_le_bytes());
        key.extend_from_slice(&(source_identity.len() as i32).to_le_bytes());
        key.extend_from_slice(source_identity.as_bytes());
        key.extend_from_slice(&archive_id.to_le_bytes());
        key
    }

    fn manager() -> CountersManager {
        CountersManager::new(
            AtomicBuffer::heap(8 * METADATA_LENGTH),
            AtomicBuffer::heap(8 * COUNTER_LENGTH),
            0,
        )
    }

    #[test]
    fn finds_and_reads_rec_pos_counters() {
        let mut counters = manager();
        counters.allocate(1, &key(5, 9, "x", 1), "other type", 0).unwrap();
        let a = counters
            .allocate(RECORDING_POSITION_TYPE_ID, &key(5, 9, "127.0.0.1:4000", 1), "rec-pos: 5", 0)
            .unwrap();
        let b = counters
            .allocate(RECORDING_POSITION_TYPE_ID, &key(6, 10, "aeron:ipc", 2), "rec-pos: 6", 0)
            .unwrap();
        let reader = counters.reader();
        assert_eq!(RecordingPos::find_counter_id_by_recording(&reader, 5), Some(a));
        assert_eq!(RecordingPos::find_counter_id_by_recording(&reader, 6), Some(b));
        assert_eq!(RecordingPos::find_counter_id_by_recording(&reader, 7), None);
        assert_eq!(RecordingPos::find_counter_id_by_recording_and_archive(&reader, 6, 2), Some(b));
        assert_eq!(RecordingPos::find_counter_id_by_recording_and_archive(&reader, 6, 1), None);
        assert_eq!(RecordingPos::find_counter_id_by_recording_and_archive(&reader, 6, -1), Some(b));
        assert_eq!(RecordingPos::find_counter_id_by_session(&reader, 10), Some(b));
        assert_eq!(RecordingPos::get_recording_id(&reader, a), Some(5));
        assert_eq!(RecordingPos::get_recording_id(&reader, 0), None, "wrong type id");
        assert_eq!(RecordingPos::get_recording_id(&reader, 99), None, "out of range");
        assert_eq!(RecordingPos::get_source_identity(&reader, a).as_deref(), Some("127.0.0.1:4000"));
        assert!(RecordingPos::is_active(&reader, b, 6));
        assert!(!RecordingPos::is_active(&reader, b, 5));
        counters.free(b, 0);
        assert!(!RecordingPos::is_active(&reader, b, 6));
        assert_eq!(RecordingPos::find_counter_id_by_recording(&reader, 6), None);
    }

    proptest! {
        #[test]
        fn corrupt_keys_never_panic(key_bytes in proptest::collection::vec(any::<u8>(), 0..=112), id in any::<i64>()) {
            let mut counters = manager();
            let counter_id = counters.allocate(RECORDING_POSITION_TYPE_ID, &key_bytes, "rec-pos", 0).unwrap();
            let reader = counters.reader();
            let _ = RecordingPos::find_counter_id_by_recording_and_archive(&reader, id, id);
            let _ = RecordingPos::find_counter_id_by_session(&reader, id as i32);
            let _ = RecordingPos::get_source_identity(&reader, counter_id);
            prop_assert_eq!(RecordingPos::get_recording_id(&reader, counter_id).is_some(), true);
        }
    }
}
