//! FNV-1a 64-bit folding, the one hash the simulator uses for state digests and the trace hash.
//!
//! Invariant: a pure function of the bytes folded, in order (no per-process random state), so that
//! the same run gives the same hash on every machine.

/// FNV-1a 64-bit offset basis: the hash of nothing.
pub const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Folds `bytes` into `hash` (FNV-1a).
pub fn fold_bytes(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |h, &b| (h ^ u64::from(b)).wrapping_mul(FNV_PRIME))
}

/// Folds a little-endian `u64` into `hash`.
pub fn fold_u64(hash: u64, value: u64) -> u64 {
    fold_bytes(hash, &value.to_le_bytes())
}

/// Folds a little-endian `i64` into `hash`.
pub fn fold_i64(hash: u64, value: i64) -> u64 {
    fold_bytes(hash, &value.to_le_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vector() {
        // FNV-1a of "a" is 0xaf63dc4c8601ec8c.
        assert_eq!(fold_bytes(FNV_OFFSET, b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fold_u64(FNV_OFFSET, 1), fold_bytes(FNV_OFFSET, &[1, 0, 0, 0, 0, 0, 0, 0]));
    }
}
