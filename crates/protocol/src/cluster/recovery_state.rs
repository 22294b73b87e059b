//! [`RecoveryState`]: the key of the "Cluster recovery state" counter (type 204) through which the
//! consensus module tells its services which snapshot to load (Aeron `RecoveryState`).
//!
//! Key layout (little-endian): `leadershipTermId:i64 @0`, `logPosition:i64 @8` (the snapshot's),
//! `timestamp:i64 @16`, `clusterId:i32 @24`, `serviceCount:i32 @28`, then one `snapshotRecordingId:i64`
//! per service from @32 (-1 = no snapshot). Without a snapshot the term id and position are -1 and 0.
//!
//! Invariant: [`RecoveryState::decode`] never panics; it rejects a key too short for its service count.

/// Offset of the first snapshot recording id in the key.
const SNAPSHOT_RECORDING_IDS_OFFSET: usize = 32;

/// What a restarting node recovers from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryState {
    /// Leadership term of the snapshot (-1 without one).
    pub leadership_term_id: i64,
    /// Log position of the snapshot (0 without one).
    pub log_position: i64,
    /// Cluster time of the snapshot.
    pub timestamp: i64,
    /// The cluster id.
    pub cluster_id: i32,
    /// Snapshot recording id per service (-1 = none).
    pub snapshot_recording_ids: Vec<i64>,
}

impl RecoveryState {
    /// The counter key.
    pub fn encode(&self) -> Vec<u8> {
        let mut key =
            Vec::with_capacity(SNAPSHOT_RECORDING_IDS_OFFSET + 8 * self.snapshot_recording_ids.len());
        key.extend_from_slice(&self.leadership_term_id.to_le_bytes());
        key.extend_from_slice(&self.log_position.to_le_bytes());
        key.extend_from_slice(&self.timestamp.to_le_bytes());
        key.extend_from_slice(&self.cluster_id.to_le_bytes());
        key.extend_from_slice(&(self.snapshot_recording_ids.len() as i32).to_le_bytes());
        for id in &self.snapshot_recording_ids {
            key.extend_from_slice(&id.to_le_bytes());
        }
        key
    }

    /// Decodes a counter key; `None` if it is too short or its service count is negative.
    pub fn decode(key: &[u8]) -> Option<Self> {
        let i64_at = |offset: usize| -> Option<i64> {
            key.get(offset..offset + 8).map(|b| i64::from_le_bytes(b.try_into().expect("8 bytes")))
        };
        let i32_at = |offset: usize| -> Option<i32> {
            key.get(offset..offset + 4).map(|b| i32::from_le_bytes(b.try_into().expect("4 bytes")))
        };
        let service_count = usize::try_from(i32_at(28)?).ok()?;
        let snapshot_recording_ids = (0..service_count)
            .map(|i| i64_at(SNAPSHOT_RECORDING_IDS_OFFSET + 8 * i))
            .collect::<Option<Vec<_>>>()?;
        Some(Self {
            leadership_term_id: i64_at(0)?,
            log_position: i64_at(8)?,
            timestamp: i64_at(16)?,
            cluster_id: i32_at(24)?,
            snapshot_recording_ids,
        })
    }

    /// The snapshot recording of `service_id`, if it has one.
    pub fn snapshot_recording_id(&self, service_id: i32) -> Option<i64> {
        let id = *self.snapshot_recording_ids.get(usize::try_from(service_id).ok()?)?;
        (id >= 0).then_some(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_round_trips_and_short_keys_are_refused() {
        let state = RecoveryState {
            leadership_term_id: 3,
            log_position: 4096,
            timestamp: 77,
            cluster_id: 1,
            snapshot_recording_ids: vec![5, -1],
        };
        let key = state.encode();
        assert_eq!(key.len(), 48);
        assert_eq!(RecoveryState::decode(&key), Some(state.clone()));
        assert_eq!(state.snapshot_recording_id(0), Some(5));
        assert_eq!(state.snapshot_recording_id(1), None);
        assert_eq!(state.snapshot_recording_id(2), None);
        for length in 0..key.len() {
            assert_eq!(RecoveryState::decode(&key[..length]), None, "{length} bytes");
        }
        let mut negative = key.clone();
        negative[28..32].copy_from_slice(&(-1i32).to_le_bytes());
        assert_eq!(RecoveryState::decode(&negative), None);
    }
}
