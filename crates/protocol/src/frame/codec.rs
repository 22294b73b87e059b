//! Little-endian field access over fixed-size frame buffers (private helpers).
//!
//! Callers obtain a `&[u8; N]` / `&mut [u8; N]` with `first_chunk` after checking the length, so the
//! constant offsets used here are always in bounds.

#[inline]
pub(crate) fn get_u8<const N: usize>(buf: &[u8; N], offset: usize) -> u8 {
    buf[offset]
}

#[inline]
pub(crate) fn get_u16<const N: usize>(buf: &[u8; N], offset: usize) -> u16 {
    let mut bytes = [0u8; 2];
    bytes.copy_from_slice(&buf[offset..offset + 2]);
    u16::from_le_bytes(bytes)
}

#[inline]
pub(crate) fn get_i32<const N: usize>(buf: &[u8; N], offset: usize) -> i32 {
    let mut bytes = [0u8; 4];
    bytes.copy_from_slice(&buf[offset..offset + 4]);
    i32::from_le_bytes(bytes)
}

#[inline]
pub(crate) fn get_i64<const N: usize>(buf: &[u8; N], offset: usize) -> i64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&buf[offset..offset + 8]);
    i64::from_le_bytes(bytes)
}

#[inline]
pub(crate) fn put_u8<const N: usize>(buf: &mut [u8; N], offset: usize, value: u8) {
    buf[offset] = value;
}

#[inline]
pub(crate) fn put_u16<const N: usize>(buf: &mut [u8; N], offset: usize, value: u16) {
    buf[offset..offset + 2].copy_from_slice(&value.to_le_bytes());
}

#[inline]
pub(crate) fn put_i32<const N: usize>(buf: &mut [u8; N], offset: usize, value: i32) {
    buf[offset..offset + 4].copy_from_slice(&value.to_le_bytes());
}

#[inline]
pub(crate) fn put_i64<const N: usize>(buf: &mut [u8; N], offset: usize, value: i64) {
    buf[offset..offset + 8].copy_from_slice(&value.to_le_bytes());
}

/// Borrows the first `N` bytes of `src`, or reports how many were needed.
#[inline]
pub(crate) fn head<const N: usize>(src: &[u8]) -> Result<&[u8; N], super::FrameError> {
    src.first_chunk::<N>().ok_or(super::FrameError::TooShort { needed: N, actual: src.len() })
}

/// Mutably borrows the first `N` bytes of `dst`, or reports the capacity shortfall.
#[inline]
pub(crate) fn head_mut<const N: usize>(dst: &mut [u8]) -> Result<&mut [u8; N], super::FrameError> {
    let capacity = dst.len();
    dst.first_chunk_mut::<N>().ok_or(super::FrameError::BufferTooSmall { needed: N, capacity })
}
