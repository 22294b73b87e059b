//! [`entropy_seed`]: the one place fulmar draws randomness from the OS, to seed `agrona`'s PRNG.
//!
//! Invariant: everything random in fulmar flows from a seed; this function only picks the seed for a real
//! deployment (the simulator picks its own), so log the seed if a run must be reproducible.

use std::collections::hash_map::RandomState;
use std::fs::File;
use std::hash::BuildHasher;
use std::io::Read;

/// 64 uniformly random bits from the OS: `getrandom(2)`, falling back to `/dev/urandom`, and as a last
/// resort to the standard library's per-process hash keys (which are themselves drawn from the OS).
/// Any value, including 0, may be returned. Blocks only if the kernel's pool is not yet initialised
/// (early boot).
pub fn entropy_seed() -> u64 {
    let mut bytes = [0_u8; 8];
    if fill_from_getrandom(&mut bytes) || fill_from_urandom(&mut bytes) {
        u64::from_le_bytes(bytes)
    } else {
        RandomState::new().hash_one(0x6675_6c6d_6172_u64)
    }
}

#[cfg(target_os = "linux")]
fn fill_from_getrandom(bytes: &mut [u8]) -> bool {
    let mut filled = 0;
    while filled < bytes.len() {
        let rest = &mut bytes[filled..];
        // SAFETY: `rest` is a valid, writable buffer of `rest.len()` bytes.
        let rc = unsafe { libc::getrandom(rest.as_mut_ptr().cast(), rest.len(), 0) };
        if rc > 0 {
            filled += rc.unsigned_abs();
        } else if rc < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
            continue;
        } else {
            return false;
        }
    }
    true
}

#[cfg(not(target_os = "linux"))]
fn fill_from_getrandom(_bytes: &mut [u8]) -> bool {
    false
}

fn fill_from_urandom(bytes: &mut [u8]) -> bool {
    File::open("/dev/urandom").and_then(|mut file| file.read_exact(bytes)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_differ_between_draws() {
        // Two equal 64-bit draws happen with probability 2^-64; eight in a row equal is impossible in
        // practice, so this only fails if the source is constant.
        let first = entropy_seed();
        assert!((0..8).any(|_| entropy_seed() != first));
    }

    #[test]
    fn both_os_sources_fill_the_buffer() {
        let mut a = [0_u8; 32];
        let mut b = [0_u8; 32];
        assert!(fill_from_urandom(&mut a));
        assert!(a.iter().any(|&byte| byte != 0));
        if cfg!(target_os = "linux") {
            assert!(fill_from_getrandom(&mut b));
            assert!(b.iter().any(|&byte| byte != 0));
        }
    }
}
