//! The CnC ("command and control") region `cnc.dat`, byte-compatible with Aeron's `CncFileDescriptor`.
//!
//! Layout: a 128-byte header, then five buffers back to back: the to-driver ring buffer, the to-clients
//! broadcast buffer, the counters metadata, the counters values and the distinct error log.
//!
//! Header fields (little-endian): `cnc_version:i32 @0 | to_driver_buffer_length:i32 @4 |
//! to_clients_buffer_length:i32 @8 | counters_metadata_buffer_length:i32 @12 |
//! counters_values_buffer_length:i32 @16 | error_log_buffer_length:i32 @20 |
//! client_liveness_timeout_ns:i64 @24 | start_timestamp_ms:i64 @32 | pid:i64 @40 | file_page_size:i32 @48`.
//!
//! Protocol: the driver creates the region zero-filled, writes every field but the version
//! ([`CncHeader::encode_fields`]), initialises the buffers, and finally stores `cnc_version` at
//! [`CNC_VERSION_OFFSET`] with release ordering. A client waits (acquire load) until the version is
//! non-zero, copies the header and [`CncHeader::decode`]s it, which validates everything a garbage or
//! foreign file could get wrong, then checks the region is long enough with [`CncHeader::check_region_length`].

/// The region's name in the `MemoryStore`.
pub const CNC_FILE: &str = "cnc.dat";

/// Composes an Aeron semantic version: `major << 16 | minor << 8 | patch`.
pub const fn semantic_version_compose(major: u8, minor: u8, patch: u8) -> i32 {
    ((major as i32) << 16) | ((minor as i32) << 8) | patch as i32
}

/// The major part of a semantic version.
pub const fn semantic_version_major(version: i32) -> i32 {
    (version >> 16) & 0xFF
}

/// The minor part of a semantic version.
pub const fn semantic_version_minor(version: i32) -> i32 {
    (version >> 8) & 0xFF
}

/// The patch part of a semantic version.
pub const fn semantic_version_patch(version: i32) -> i32 {
    version & 0xFF
}

/// Fulmar's CnC version, 0.1.0. A reader accepts any file with the same major version.
pub const CNC_VERSION: i32 = semantic_version_compose(0, 1, 0);

/// Offset of `cnc_version`.
pub const CNC_VERSION_OFFSET: usize = 0;
/// Offset of `to_driver_buffer_length`.
pub const TO_DRIVER_BUFFER_LENGTH_OFFSET: usize = 4;
/// Offset of `to_clients_buffer_length`.
pub const TO_CLIENTS_BUFFER_LENGTH_OFFSET: usize = 8;
/// Offset of `counters_metadata_buffer_length`.
pub const COUNTERS_METADATA_BUFFER_LENGTH_OFFSET: usize = 12;
/// Offset of `counters_values_buffer_length`.
pub const COUNTERS_VALUES_BUFFER_LENGTH_OFFSET: usize = 16;
/// Offset of `error_log_buffer_length`.
pub const ERROR_LOG_BUFFER_LENGTH_OFFSET: usize = 20;
/// Offset of `client_liveness_timeout_ns`.
pub const CLIENT_LIVENESS_TIMEOUT_OFFSET: usize = 24;
/// Offset of `start_timestamp_ms`.
pub const START_TIMESTAMP_OFFSET: usize = 32;
/// Offset of `pid`.
pub const PID_OFFSET: usize = 40;
/// Offset of `file_page_size`.
pub const FILE_PAGE_SIZE_OFFSET: usize = 48;
/// The header's length (two cache lines); the first buffer starts here.
pub const META_DATA_LENGTH: usize = 128;

/// The trailer after a ring buffer's data (Agrona `RingBufferDescriptor.TRAILER_LENGTH`).
pub const RING_BUFFER_TRAILER_LENGTH: usize = 768;
/// The trailer after a broadcast buffer's data (Agrona `BroadcastBufferDescriptor.TRAILER_LENGTH`).
pub const BROADCAST_BUFFER_TRAILER_LENGTH: usize = 128;
/// One counter's slot in the values buffer.
pub const COUNTER_VALUE_LENGTH: usize = 128;
/// One counter's record in the metadata buffer.
pub const COUNTER_METADATA_LENGTH: usize = 512;

/// Why a CnC header cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CncError {
    /// Fewer bytes than the header or than the buffers the header describes.
    #[error("CnC region too short: needs {needed} bytes, has {length}")]
    TooShort {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        length: usize,
    },
    /// `cnc_version` is still 0: the driver has not finished creating the region.
    #[error("CnC not ready: version is 0")]
    NotReady,
    /// The major version differs from [`CNC_VERSION`]'s.
    #[error("CnC version not compatible: app={app:#x} file={file:#x}")]
    IncompatibleVersion {
        /// This build's version.
        app: i32,
        /// The file's version.
        file: i32,
    },
    /// A field holds an impossible value (a foreign or corrupt file).
    #[error("CnC field {field} invalid: {value}")]
    InvalidField {
        /// Which field.
        field: &'static str,
        /// Its value.
        value: i64,
    },
}

/// Where each buffer lies in the CnC region, computed from the five buffer lengths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CncLayout {
    /// Offset of the to-driver ring buffer (always [`META_DATA_LENGTH`]).
    pub to_driver_offset: usize,
    /// Length of the to-driver ring buffer (capacity + 768-byte trailer).
    pub to_driver_length: usize,
    /// Offset of the to-clients broadcast buffer.
    pub to_clients_offset: usize,
    /// Length of the to-clients broadcast buffer (capacity + 128-byte trailer).
    pub to_clients_length: usize,
    /// Offset of the counters metadata buffer.
    pub counters_metadata_offset: usize,
    /// Length of the counters metadata buffer.
    pub counters_metadata_length: usize,
    /// Offset of the counters values buffer.
    pub counters_values_offset: usize,
    /// Length of the counters values buffer.
    pub counters_values_length: usize,
    /// Offset of the error log.
    pub error_log_offset: usize,
    /// Length of the error log.
    pub error_log_length: usize,
    /// Header plus all buffers: the minimum region length.
    pub total_length: usize,
}

impl CncLayout {
    /// Lays the buffers out back to back after the header, as Aeron does.
    pub const fn new(
        to_driver_length: usize,
        to_clients_length: usize,
        counters_metadata_length: usize,
        counters_values_length: usize,
        error_log_length: usize,
    ) -> Self {
        let to_driver_offset = META_DATA_LENGTH;
        let to_clients_offset = to_driver_offset + to_driver_length;
        let counters_metadata_offset = to_clients_offset + to_clients_length;
        let counters_values_offset = counters_metadata_offset + counters_metadata_length;
        let error_log_offset = counters_values_offset + counters_values_length;
        Self {
            to_driver_offset,
            to_driver_length,
            to_clients_offset,
            to_clients_length,
            counters_metadata_offset,
            counters_metadata_length,
            counters_values_offset,
            counters_values_length,
            error_log_offset,
            error_log_length,
            total_length: error_log_offset + error_log_length,
        }
    }

    /// The region length the driver allocates: `total_length` rounded up to `file_page_size` (a power of two).
    pub const fn file_length(&self, file_page_size: usize) -> usize {
        (self.total_length + file_page_size - 1) & !(file_page_size - 1)
    }
}

/// The CnC header fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CncHeader {
    /// The semantic version of the layout ([`CNC_VERSION`] when written by fulmar).
    pub cnc_version: i32,
    /// Length of the to-driver ring buffer including its trailer.
    pub to_driver_buffer_length: i32,
    /// Length of the to-clients broadcast buffer including its trailer.
    pub to_clients_buffer_length: i32,
    /// Length of the counters metadata buffer.
    pub counters_metadata_buffer_length: i32,
    /// Length of the counters values buffer.
    pub counters_values_buffer_length: i32,
    /// Length of the distinct error log.
    pub error_log_buffer_length: i32,
    /// How long the driver waits for a client's keepalive before timing it out.
    pub client_liveness_timeout_ns: i64,
    /// When the driver started (epoch ms).
    pub start_timestamp_ms: i64,
    /// The driver's process id.
    pub pid: i64,
    /// The page size log buffers are aligned to.
    pub file_page_size: i32,
}

impl CncHeader {
    /// The buffer layout this header describes (lengths taken as given; [`Self::decode`] validated them).
    pub fn layout(&self) -> CncLayout {
        CncLayout::new(
            self.to_driver_buffer_length.max(0) as usize,
            self.to_clients_buffer_length.max(0) as usize,
            self.counters_metadata_buffer_length.max(0) as usize,
            self.counters_values_buffer_length.max(0) as usize,
            self.error_log_buffer_length.max(0) as usize,
        )
    }

    /// Writes every field except `cnc_version` into `dst[..META_DATA_LENGTH]`, leaving bytes 0..4 untouched.
    /// The writer stores `cnc_version` itself, last, with release ordering.
    pub fn encode_fields(&self, dst: &mut [u8]) -> Result<usize, CncError> {
        if dst.len() < META_DATA_LENGTH {
            return Err(CncError::TooShort { needed: META_DATA_LENGTH, length: dst.len() });
        }
        let put_i32 = |dst: &mut [u8], offset: usize, value: i32| {
            dst[offset..offset + 4].copy_from_slice(&value.to_le_bytes())
        };
        let put_i64 = |dst: &mut [u8], offset: usize, value: i64| {
            dst[offset..offset + 8].copy_from_slice(&value.to_le_bytes())
        };
        put_i32(dst, TO_DRIVER_BUFFER_LENGTH_OFFSET, self.to_driver_buffer_length);
        put_i32(dst, TO_CLIENTS_BUFFER_LENGTH_OFFSET, self.to_clients_buffer_length);
        put_i32(dst, COUNTERS_METADATA_BUFFER_LENGTH_OFFSET, self.counters_metadata_buffer_length);
        put_i32(dst, COUNTERS_VALUES_BUFFER_LENGTH_OFFSET, self.counters_values_buffer_length);
        put_i32(dst, ERROR_LOG_BUFFER_LENGTH_OFFSET, self.error_log_buffer_length);
        put_i64(dst, CLIENT_LIVENESS_TIMEOUT_OFFSET, self.client_liveness_timeout_ns);
        put_i64(dst, START_TIMESTAMP_OFFSET, self.start_timestamp_ms);
        put_i64(dst, PID_OFFSET, self.pid);
        put_i32(dst, FILE_PAGE_SIZE_OFFSET, self.file_page_size);
        Ok(META_DATA_LENGTH)
    }

    /// Reads and validates a header from the start of `src` (at least [`META_DATA_LENGTH`] bytes); never panics.
    ///
    /// Checks: the version is non-zero and has [`CNC_VERSION`]'s major; the ring buffer is a power-of-two
    /// capacity plus its 768-byte trailer; the broadcast buffer a power-of-two capacity plus 128; the counter
    /// buffers are positive multiples of their record sizes with room for the same number of counters; the
    /// error log is non-negative; the timeout is positive and the page size a power of two.
    pub fn decode(src: &[u8]) -> Result<Self, CncError> {
        if src.len() < META_DATA_LENGTH {
            return Err(CncError::TooShort { needed: META_DATA_LENGTH, length: src.len() });
        }
        let get_i32 = |offset: usize| {
            i32::from_le_bytes([src[offset], src[offset + 1], src[offset + 2], src[offset + 3]])
        };
        let get_i64 = |offset: usize| {
            let mut word = [0u8; 8];
            word.copy_from_slice(&src[offset..offset + 8]);
            i64::from_le_bytes(word)
        };
        let header = Self {
            cnc_version: get_i32(CNC_VERSION_OFFSET),
            to_driver_buffer_length: get_i32(TO_DRIVER_BUFFER_LENGTH_OFFSET),
            to_clients_buffer_length: get_i32(TO_CLIENTS_BUFFER_LENGTH_OFFSET),
            counters_metadata_buffer_length: get_i32(COUNTERS_METADATA_BUFFER_LENGTH_OFFSET),
            counters_values_buffer_length: get_i32(COUNTERS_VALUES_BUFFER_LENGTH_OFFSET),
            error_log_buffer_length: get_i32(ERROR_LOG_BUFFER_LENGTH_OFFSET),
            client_liveness_timeout_ns: get_i64(CLIENT_LIVENESS_TIMEOUT_OFFSET),
            start_timestamp_ms: get_i64(START_TIMESTAMP_OFFSET),
            pid: get_i64(PID_OFFSET),
            file_page_size: get_i32(FILE_PAGE_SIZE_OFFSET),
        };
        header.validate()?;
        Ok(header)
    }

    /// Validates the fields as [`Self::decode`] does.
    pub fn validate(&self) -> Result<(), CncError> {
        if self.cnc_version == 0 {
            return Err(CncError::NotReady);
        }
        if semantic_version_major(self.cnc_version) != semantic_version_major(CNC_VERSION) {
            return Err(CncError::IncompatibleVersion { app: CNC_VERSION, file: self.cnc_version });
        }
        let invalid = |field: &'static str, value: i64| Err(CncError::InvalidField { field, value });
        let ring_capacity = i64::from(self.to_driver_buffer_length) - RING_BUFFER_TRAILER_LENGTH as i64;
        if ring_capacity <= 0 || (ring_capacity & (ring_capacity - 1)) != 0 {
            return invalid("to_driver_buffer_length", self.to_driver_buffer_length.into());
        }
        let broadcast_capacity =
            i64::from(self.to_clients_buffer_length) - BROADCAST_BUFFER_TRAILER_LENGTH as i64;
        if broadcast_capacity <= 0 || (broadcast_capacity & (broadcast_capacity - 1)) != 0 {
            return invalid("to_clients_buffer_length", self.to_clients_buffer_length.into());
        }
        let values = i64::from(self.counters_values_buffer_length);
        if values <= 0 || values % COUNTER_VALUE_LENGTH as i64 != 0 {
            return invalid("counters_values_buffer_length", values);
        }
        let metadata = i64::from(self.counters_metadata_buffer_length);
        let counters = values / COUNTER_VALUE_LENGTH as i64;
        if metadata <= 0
            || metadata % COUNTER_METADATA_LENGTH as i64 != 0
            || metadata / (COUNTER_METADATA_LENGTH as i64) < counters
        {
            return invalid("counters_metadata_buffer_length", metadata);
        }
        if self.error_log_buffer_length < 0 {
            return invalid("error_log_buffer_length", self.error_log_buffer_length.into());
        }
        if self.client_liveness_timeout_ns <= 0 {
            return invalid("client_liveness_timeout_ns", self.client_liveness_timeout_ns);
        }
        if self.file_page_size <= 0 || (self.file_page_size & (self.file_page_size - 1)) != 0 {
            return invalid("file_page_size", self.file_page_size.into());
        }
        Ok(())
    }

    /// Fails unless a region of `region_length` bytes holds the header and every buffer it describes.
    pub fn check_region_length(&self, region_length: usize) -> Result<(), CncError> {
        let needed = self.layout().total_length;
        if region_length < needed {
            Err(CncError::TooShort { needed, length: region_length })
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> CncHeader {
        CncHeader {
            cnc_version: CNC_VERSION,
            to_driver_buffer_length: 1024 * 1024 + 768,
            to_clients_buffer_length: 1024 * 1024 + 128,
            counters_metadata_buffer_length: 4 * 1024 * 1024,
            counters_values_buffer_length: 1024 * 1024,
            error_log_buffer_length: 1024 * 1024,
            client_liveness_timeout_ns: 10_000_000_000,
            start_timestamp_ms: 1_700_000_000_000,
            pid: 4242,
            file_page_size: 4096,
        }
    }

    #[test]
    fn offsets_match_aeron_cnc_file_descriptor() {
        let header = sample();
        let mut dst = [0u8; META_DATA_LENGTH];
        assert_eq!(header.encode_fields(&mut dst), Ok(128));
        assert_eq!(&dst[0..4], &[0, 0, 0, 0], "version left for the release store");
        assert_eq!(&dst[20..24], &(1024 * 1024i32).to_le_bytes());
        assert_eq!(&dst[24..32], &10_000_000_000i64.to_le_bytes());
        assert_eq!(&dst[40..48], &4242i64.to_le_bytes());
        assert_eq!(&dst[48..52], &4096i32.to_le_bytes());
        assert_eq!(CncHeader::decode(&dst), Err(CncError::NotReady));
        dst[0..4].copy_from_slice(&CNC_VERSION.to_le_bytes());
        assert_eq!(CncHeader::decode(&dst), Ok(header));
        assert_eq!(CNC_VERSION, 0x100);
    }

    #[test]
    fn layout_is_contiguous_after_the_header() {
        let layout = sample().layout();
        assert_eq!(layout.to_driver_offset, 128);
        assert_eq!(layout.to_clients_offset, 128 + 1024 * 1024 + 768);
        assert_eq!(layout.counters_metadata_offset, layout.to_clients_offset + 1024 * 1024 + 128);
        assert_eq!(layout.counters_values_offset, layout.counters_metadata_offset + 4 * 1024 * 1024);
        assert_eq!(layout.error_log_offset, layout.counters_values_offset + 1024 * 1024);
        assert_eq!(layout.total_length, layout.error_log_offset + 1024 * 1024);
        assert_eq!(layout.file_length(4096) % 4096, 0);
        assert!(layout.file_length(4096) >= layout.total_length);
        assert!(sample().check_region_length(layout.total_length).is_ok());
        assert!(sample().check_region_length(layout.total_length - 1).is_err());
    }

    #[test]
    fn rejects_foreign_versions_and_bad_lengths() {
        let mut header = sample();
        header.cnc_version = semantic_version_compose(1, 0, 0);
        assert!(matches!(header.validate(), Err(CncError::IncompatibleVersion { .. })));
        let mut header = sample();
        header.to_driver_buffer_length = 1000;
        assert!(matches!(
            header.validate(),
            Err(CncError::InvalidField { field: "to_driver_buffer_length", .. })
        ));
        let mut header = sample();
        header.counters_metadata_buffer_length = 512;
        assert!(header.validate().is_err());
        let mut header = sample();
        header.file_page_size = 3000;
        assert!(header.validate().is_err());
        assert!(matches!(CncHeader::decode(&[1u8; 64]), Err(CncError::TooShort { .. })));
    }

    proptest! {
        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            if let Ok(header) = CncHeader::decode(&bytes) {
                let layout = header.layout();
                prop_assert!(layout.total_length >= META_DATA_LENGTH);
                let _ = header.check_region_length(bytes.len());
            }
        }
    }
}
