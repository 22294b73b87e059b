//! [`CncFile`]: creates the `cnc.dat` region in the memory store and wraps its five buffers.
//!
//! Creation order: header fields, buffers wrapped (all zero), ring buffer consumer heartbeat set, system
//! counters allocated (by the conductor), and finally [`CncFile::signal_ready`] stores the CnC version
//! with release ordering — a client that sees a non-zero version sees everything before it.

use agrona::{AtomicBuffer, BroadcastTransmitter, CountersManager, DistinctErrorLog, ManyToOneRingBuffer};
use protocol::command::cnc::{
    CNC_FILE, CNC_VERSION, CNC_VERSION_OFFSET, CncHeader, CncLayout, META_DATA_LENGTH,
};

use crate::driver_context::DriverContext;
use crate::driver_error::DriverError;

/// The driver's view of its CnC region.
pub struct CncFile {
    /// The whole region.
    pub buffer: AtomicBuffer,
    /// Where each buffer lies.
    pub layout: CncLayout,
    /// Commands from clients.
    pub to_driver: ManyToOneRingBuffer,
    /// Responses and events to clients.
    pub to_clients: BroadcastTransmitter,
    /// The counters (metadata + values).
    pub counters: CountersManager,
    /// The distinct error log.
    pub error_log: DistinctErrorLog,
}

impl CncFile {
    /// Creates `cnc.dat` in the context's store. If one exists, it is replaced unless its driver's
    /// heartbeat is younger than the client liveness timeout ([`DriverError::ActiveDriverExists`]).
    pub fn create(ctx: &DriverContext, now_ms: i64) -> Result<Self, DriverError> {
        let layout = CncLayout::new(
            ctx.to_driver_buffer_length,
            ctx.to_clients_buffer_length,
            ctx.counters_metadata_buffer_length(),
            ctx.counters_values_buffer_length,
            ctx.error_buffer_length,
        );
        let store = &ctx.memory_store;
        if store.exists(CNC_FILE) {
            Self::check_stale(ctx, now_ms)?;
            store.remove(CNC_FILE);
        }
        let buffer = store.create(CNC_FILE, layout.file_length(ctx.file_page_size as usize))?;

        let header = CncHeader {
            cnc_version: CNC_VERSION,
            to_driver_buffer_length: ctx.to_driver_buffer_length as i32,
            to_clients_buffer_length: ctx.to_clients_buffer_length as i32,
            counters_metadata_buffer_length: ctx.counters_metadata_buffer_length() as i32,
            counters_values_buffer_length: ctx.counters_values_buffer_length as i32,
            error_log_buffer_length: ctx.error_buffer_length as i32,
            client_liveness_timeout_ns: ctx.client_liveness_timeout_ns,
            start_timestamp_ms: now_ms,
            pid: ctx.pid,
            file_page_size: ctx.file_page_size,
        };
        let mut fields = [0u8; META_DATA_LENGTH];
        header.encode_fields(&mut fields).map_err(|e| DriverError::Cnc(e.to_string()))?;
        buffer.put_bytes(CNC_VERSION_OFFSET + 4, &fields[4..]);

        let to_driver =
            ManyToOneRingBuffer::new(buffer.view(layout.to_driver_offset, layout.to_driver_length))
                .map_err(|e| DriverError::Cnc(format!("to-driver ring buffer: {e}")))?;
        to_driver.set_consumer_heartbeat_time(now_ms);
        let to_clients =
            BroadcastTransmitter::new(buffer.view(layout.to_clients_offset, layout.to_clients_length))
                .map_err(|e| DriverError::Cnc(format!("to-clients broadcast buffer: {e}")))?;
        let counters = CountersManager::new(
            buffer.view(layout.counters_metadata_offset, layout.counters_metadata_length),
            buffer.view(layout.counters_values_offset, layout.counters_values_length),
            ctx.counter_free_to_reuse_timeout_ns / 1_000_000,
        );
        let error_log = DistinctErrorLog::new(buffer.view(layout.error_log_offset, layout.error_log_length));
        Ok(Self { buffer, layout, to_driver, to_clients, counters, error_log })
    }

    fn check_stale(ctx: &DriverContext, now_ms: i64) -> Result<(), DriverError> {
        let Ok(existing) = ctx.memory_store.open(CNC_FILE) else { return Ok(()) };
        if existing.capacity() < META_DATA_LENGTH {
            return Ok(());
        }
        let mut header_bytes = [0u8; META_DATA_LENGTH];
        existing.get_bytes(0, &mut header_bytes);
        let Ok(header) = CncHeader::decode(&header_bytes) else { return Ok(()) };
        if header.check_region_length(existing.capacity()).is_err() {
            return Ok(());
        }
        let layout = header.layout();
        let Ok(ring) =
            ManyToOneRingBuffer::new(existing.view(layout.to_driver_offset, layout.to_driver_length))
        else {
            return Ok(());
        };
        let age_ms = now_ms.saturating_sub(ring.consumer_heartbeat_time());
        let heartbeat = ring.consumer_heartbeat_time();
        if heartbeat > 0 && age_ms < ctx.client_liveness_timeout_ns / 1_000_000 {
            return Err(DriverError::ActiveDriverExists { age_ms });
        }
        Ok(())
    }

    /// Publishes the CnC version (release store): clients may now use the region.
    pub fn signal_ready(buffer: &AtomicBuffer) {
        buffer.put_i32_ordered(CNC_VERSION_OFFSET, CNC_VERSION);
    }
}
