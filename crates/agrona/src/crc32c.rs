//! CRC-32C (Castagnoli), as `java.util.zip.CRC32C` and Aeron's `Crc32c` checksum: reflected polynomial
//! `0x82F63B78`, initial value and final XOR `0xFFFF_FFFF`. Used for the archive's catalog entry checksums
//! and optional per-frame record checksum, and for the checksum that seals a cluster snapshot.
//!
//! Invariant: the table is built at compile time; computing never allocates or panics.

const POLYNOMIAL: u32 = 0x82F6_3B78;

const TABLE: [[u32; 256]; 8] = build_table();

const fn build_table() -> [[u32; 256]; 8] {
    let mut table = [[0u32; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ POLYNOMIAL } else { crc >> 1 };
            bit += 1;
        }
        table[0][i] = crc;
        i += 1;
    }
    let mut slice = 1;
    while slice < 8 {
        let mut i = 0;
        while i < 256 {
            let previous = table[slice - 1][i];
            table[slice][i] = (previous >> 8) ^ table[0][(previous & 0xFF) as usize];
            i += 1;
        }
        slice += 1;
    }
    table
}

/// The CRC-32C of `data`, returned as Aeron stores it (an `i32` bit pattern is `as i32` of this).
pub fn crc32c(data: &[u8]) -> u32 {
    crc32c_extend(0, data)
}

/// Continues a CRC-32C: `crc32c_extend(crc32c(a), b) == crc32c(a ++ b)`.
pub fn crc32c_extend(previous: u32, data: &[u8]) -> u32 {
    let mut crc = !previous;
    let mut chunks = data.chunks_exact(8);
    for chunk in &mut chunks {
        let low = crc ^ u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        let high = u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]);
        crc = TABLE[7][(low & 0xFF) as usize]
            ^ TABLE[6][((low >> 8) & 0xFF) as usize]
            ^ TABLE[5][((low >> 16) & 0xFF) as usize]
            ^ TABLE[4][(low >> 24) as usize]
            ^ TABLE[3][(high & 0xFF) as usize]
            ^ TABLE[2][((high >> 8) & 0xFF) as usize]
            ^ TABLE[1][((high >> 16) & 0xFF) as usize]
            ^ TABLE[0][(high >> 24) as usize];
    }
    for &byte in chunks.remainder() {
        crc = (crc >> 8) ^ TABLE[0][((crc ^ byte as u32) & 0xFF) as usize];
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::crc32c;

    #[test]
    fn known_vectors() {
        assert_eq!(crc32c(b""), 0);
        assert_eq!(crc32c(b"123456789"), 0xE306_9283, "the CRC-32C check value");
        assert_eq!(crc32c(&[0u8; 32]), 0x8A91_36AA, "RFC 3720 B.4: 32 zero bytes");
        assert_eq!(crc32c(&[0xFFu8; 32]), 0x62A8_AB43, "RFC 3720 B.4: 32 0xFF bytes");
        assert_eq!(super::crc32c_extend(crc32c(b"12345"), b"6789"), 0xE306_9283, "streaming");
    }
}
